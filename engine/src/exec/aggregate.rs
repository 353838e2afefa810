//! Streaming hash aggregation. Groups live in state across batches; each
//! output mode reads them differently: complete emits every group, update
//! the groups this batch touched, append the groups the watermark has
//! closed (then forgets them).
//!
//! State is kept so that the per-row work allocates nothing and eviction is
//! cheap: group keys are bytes in one arena (a single string key as its
//! UTF-8, any other keys in Arrow's row encoding), found through a hash
//! table of group ids; groups are indexed by event time, so the watermark
//! closes them without scanning the others.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::*;
use arrow::datatypes::{DataType, Field, SchemaRef};
use arrow::row::{OwnedRow, RowConverter, SortField};
use hashbrown::HashTable;

use super::project::batch_of;
use super::{BatchCtx, OutputMode, Operator};
use crate::error::{EngineError, Result};
use crate::eval::eval;
use crate::plan::logical::{AggCall, AggFunc, SessionSpec};
use crate::plan::PExpr;

pub struct AggregateExec {
    input: Box<dyn Operator>,
    keys: Vec<PExpr>,
    aggs: Vec<AggCall>,
    schema: SchemaRef,
    mode: OutputMode,
    /// Which key carries event time (a watermarked timestamp or window).
    event_key: Option<usize>,
    /// None for a global aggregation, whose one group is group 0.
    groups: Option<Groups>,
    /// Event time (window end, or the timestamp) of each group.
    group_time: Vec<i64>,
    /// Live groups by event time (when the watermark can evict them).
    by_time: BTreeMap<i64, Vec<usize>>,
    accs: Vec<Acc>,
    /// The batch that last touched each group (update mode's output).
    touched_in: Vec<u64>,
    batch_no: u64,
    /// The watermark this operator last evicted with.
    evicted_at: Option<i64>,
}

/// The keys of the groups in state, and the hash table that finds a row's
/// group. Keys are bytes in one arena, so adding a group allocates nothing
/// of its own; evicted keys leave garbage that is compacted away once it
/// outweighs the live keys.
struct Groups {
    /// None: one string key, kept as its UTF-8 bytes. Otherwise the
    /// converter of every key into Arrow's row encoding.
    conv: Option<RowConverter>,
    table: HashTable<usize>,
    hash: Vec<u64>,
    /// (start, len) of each group's key in `arena`.
    span: Vec<(usize, usize)>,
    live: Vec<bool>,
    arena: Vec<u8>,
    garbage: usize,
    /// The group of the null string key.
    null_group: Option<usize>,
    free: Vec<usize>,
    count: usize,
}

/// Where a batch's rows' key bytes come from.
enum KeySource<'a> {
    Rows(&'a arrow::row::Rows),
    Str { offsets: &'a [i32], data: &'a [u8], nulls: Option<&'a arrow::buffer::NullBuffer> },
}

impl<'a> KeySource<'a> {
    fn strings(s: &'a StringArray) -> Self {
        KeySource::Str { offsets: s.value_offsets(), data: s.value_data(), nulls: s.nulls() }
    }

    /// Row `i`'s key bytes; None for a null string key.
    #[inline]
    fn get(&self, i: usize) -> Option<&'a [u8]> {
        match self {
            KeySource::Rows(r) => Some(r.row(i).data()),
            KeySource::Str { offsets, data, nulls } => {
                if nulls.is_some_and(|n| n.is_null(i)) {
                    return None;
                }
                data.get(offsets[i] as usize..offsets[i + 1] as usize)
            }
        }
    }
}

/// Key equality: short keys (most group-by keys: words, ids) byte by
/// byte inline rather than through a `memcmp` call.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && if a.len() <= 16 { a.iter().zip(b).all(|(x, y)| x == y) } else { a == b }
}

/// A key's hash: 8 bytes at a time with 64-bit multiplies only (no
/// 128-bit arithmetic, which WebAssembly does in software), then
/// MurmurHash3's finalizer so every bit of the result is mixed.
#[inline]
fn hash_key(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

impl Groups {
    fn new(keys: &[PExpr]) -> Result<Groups> {
        let conv = if keys.len() == 1 && keys[0].ty == DataType::Utf8 {
            None
        } else {
            Some(RowConverter::new(keys.iter().map(|k| SortField::new(k.ty.clone())).collect())?)
        };
        Ok(Groups {
            conv,
            table: HashTable::new(),
            hash: Vec::new(),
            span: Vec::new(),
            live: Vec::new(),
            arena: Vec::new(),
            garbage: 0,
            null_group: None,
            free: Vec::new(),
            count: 0,
        })
    }

    /// Slots, live or free.
    fn slots(&self) -> usize {
        self.live.len()
    }

    fn key_bytes(&self, g: usize) -> &[u8] {
        let (start, len) = self.span[g];
        &self.arena[start..start + len]
    }

    /// A slot for a new group whose key is `bytes`.
    fn add(&mut self, bytes: &[u8], hash: u64) -> usize {
        let g = match self.free.pop() {
            Some(g) => g,
            None => {
                self.live.push(false);
                self.hash.push(0);
                self.span.push((0, 0));
                self.live.len() - 1
            }
        };
        self.span[g] = (self.arena.len(), bytes.len());
        self.arena.extend_from_slice(bytes);
        self.hash[g] = hash;
        self.live[g] = true;
        self.count += 1;
        g
    }

    /// The group of each of `rows` (pushed onto `out`), creating the ones
    /// not seen before; `on_new` hears of each new group and the row that
    /// made it.
    fn lookup(&mut self, key_cols: &[ArrayRef], rows: &[usize], out: &mut Vec<usize>, mut on_new: impl FnMut(usize, usize)) -> Result<()> {
        let encoded = match &self.conv {
            Some(conv) => Some(conv.convert_columns(key_cols)?),
            None => None,
        };
        let source = match &encoded {
            Some(rows) => KeySource::Rows(rows),
            None => KeySource::strings(key_cols[0].as_string_opt::<i32>().ok_or_else(|| {
                EngineError::execution("INTERNAL_ERROR", format!("expected a string key, got {}", key_cols[0].data_type()), "XX000")
            })?),
        };
        for &i in rows {
            let g = match source.get(i) {
                None => match self.null_group {
                    Some(g) => g,
                    None => {
                        let g = self.add(&[], 0);
                        self.null_group = Some(g);
                        on_new(g, i);
                        g
                    }
                },
                Some(bytes) => {
                    let h = hash_key(bytes);
                    let Groups { table, span, arena, .. } = &*self;
                    let found = table.find(h, |&g| {
                        let (start, len) = span[g];
                        same_bytes(&arena[start..start + len], bytes)
                    });
                    match found {
                        Some(&g) => g,
                        None => {
                            let g = self.add(bytes, h);
                            let Groups { table, hash, .. } = self;
                            table.insert_unique(h, g, |&g| hash[g]);
                            on_new(g, i);
                            g
                        }
                    }
                }
            };
            out.push(g);
        }
        Ok(())
    }

    fn evict(&mut self, g: usize) {
        if !self.live[g] {
            return;
        }
        self.live[g] = false;
        self.count -= 1;
        self.free.push(g);
        if self.null_group == Some(g) {
            self.null_group = None;
        } else {
            let h = self.hash[g];
            if let Ok(entry) = self.table.find_entry(h, |&x| x == g) {
                entry.remove();
            }
            self.garbage += self.span[g].1;
        }
        self.span[g] = (0, 0);
    }

    /// Rewrites the arena without the evicted keys once they are the
    /// larger part of it.
    fn compact(&mut self) {
        if self.garbage < 1 << 16 || self.garbage * 2 < self.arena.len() {
            return;
        }
        let mut arena = Vec::with_capacity(self.arena.len() - self.garbage);
        for g in 0..self.slots() {
            if self.live[g] {
                let (start, len) = self.span[g];
                self.span[g] = (arena.len(), len);
                arena.extend_from_slice(&self.arena[start..start + len]);
            }
        }
        self.arena = arena;
        self.garbage = 0;
    }

    /// The key columns of `groups`, in that order.
    fn key_columns(&self, groups: &[usize], keys: &[PExpr]) -> Result<Vec<ArrayRef>> {
        if groups.is_empty() {
            return Ok(keys.iter().map(|k| new_empty_array(&k.ty)).collect());
        }
        match &self.conv {
            Some(conv) => {
                let parser = conv.parser();
                Ok(conv.convert_rows(groups.iter().map(|&g| parser.parse(self.key_bytes(g))))?)
            }
            None => {
                let bytes = groups.iter().map(|&g| self.span[g].1).sum();
                let mut b = StringBuilder::with_capacity(groups.len(), bytes);
                for &g in groups {
                    if self.null_group == Some(g) {
                        b.append_null();
                    } else {
                        // The bytes came from a string array: valid UTF-8.
                        b.append_value(std::str::from_utf8(self.key_bytes(g)).unwrap_or_default());
                    }
                }
                Ok(vec![Arc::new(b.finish())])
            }
        }
    }
}

/// One aggregate's per-group state.
pub(crate) enum Acc {
    Count(Vec<i64>),
    SumLong(Vec<Option<i64>>),
    SumDouble(Vec<Option<f64>>),
    SumDecimal(Vec<Option<i128>>, u8, i8),
    AvgDouble(Vec<(f64, i64)>),
    AvgDecimal(Vec<(i128, i64)>, i8, u8, i8),
    /// min/max/first/last: the value, row-encoded so any type compares.
    Pick { vals: Vec<Option<OwnedRow>>, conv: RowConverter, func: AggFunc, ignore_nulls: bool },
    Collect { vals: Vec<Vec<OwnedRow>>, conv: RowConverter, set: bool, elem: DataType },
    Distinct { vals: Vec<hashbrown::HashSet<Box<[u8]>>>, conv: RowConverter },
    CountIf(Vec<i64>),
    /// bool_and (`and`) / bool_or.
    Bool { vals: Vec<Option<bool>>, and: bool },
    /// max_by/min_by: the best (ordering, value) so far, row-encoded.
    By { best: Vec<Option<(OwnedRow, OwnedRow)>>, xconv: RowConverter, oconv: RowConverter, max: bool },
    Product(Vec<Option<f64>>),
    /// variance, stddev, skewness, kurtosis: Spark's central moments.
    Moments { vals: Vec<Moments>, batch: Vec<Moments>, func: AggFunc },
    /// covar_pop, covar_samp, corr.
    Cov { vals: Vec<CoMoments>, batch: Vec<CoMoments>, func: AggFunc },
    /// percentile/median: every value (Spark keeps their counts).
    Values { vals: Vec<Vec<f64>>, percentages: Vec<f64> },
    /// percentile_approx: every value row-encoded (exact for the small
    /// inputs where Spark's summary is exact too).
    Ranked { vals: Vec<Vec<OwnedRow>>, conv: RowConverter, percentages: Vec<f64> },
    /// mode: each value's count, in order of first appearance.
    Mode { vals: Vec<Vec<(OwnedRow, i64)>>, index: Vec<hashbrown::HashMap<Box<[u8]>, usize>>, conv: RowConverter },
}

/// Spark's CentralMomentAgg buffer: count, mean and central moments 2-4.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Moments {
    n: f64,
    avg: f64,
    m2: f64,
    m3: f64,
    m4: f64,
}

impl Moments {
    /// One value, as CentralMomentAgg's update expressions do it.
    fn update(&mut self, x: f64) {
        let n = self.n + 1.0;
        let delta = x - self.avg;
        let delta_n = delta / n;
        let avg = self.avg + delta_n;
        let m2 = self.m2 + delta * (delta - delta_n);
        let delta2 = delta * delta;
        let delta_n2 = delta_n * delta_n;
        let m3 = self.m3 - 3.0 * delta_n * m2 + delta * (delta2 - delta_n2);
        let m4 = self.m4 - 4.0 * delta_n * m3 - 6.0 * delta_n2 * m2 + delta * (delta * delta2 - delta_n * delta_n2);
        *self = Moments { n, avg, m2, m3, m4 };
    }

    /// Two buffers, as CentralMomentAgg's merge expressions do it.
    fn merge(l: Moments, r: Moments) -> Moments {
        let (n1, n2) = (l.n, r.n);
        let n = n1 + n2;
        let delta = r.avg - l.avg;
        let delta_n = if n == 0.0 { 0.0 } else { delta / n };
        let avg = l.avg + delta_n * n2;
        let m2 = l.m2 + r.m2 + delta * delta_n * n1 * n2;
        let m3 = l.m3 + r.m3 + delta_n * delta_n * delta * n1 * n2 * (n1 - n2) + 3.0 * delta_n * (n1 * r.m2 - n2 * l.m2);
        let m4 = l.m4
            + r.m4
            + delta_n * delta_n * delta_n * delta * n1 * n2 * (n1 * n1 - n1 * n2 + n2 * n2)
            + 6.0 * delta_n * delta_n * (n1 * n1 * r.m2 + n2 * n2 * l.m2)
            + 4.0 * delta_n * (n1 * r.m3 - n2 * l.m3);
        Moments { n, avg, m2, m3, m4 }
    }

    fn eval(&self, func: AggFunc) -> Option<f64> {
        let Moments { n, m2, m3, m4, .. } = *self;
        if n == 0.0 {
            return None;
        }
        match func {
            AggFunc::VarPop => Some(m2 / n),
            AggFunc::StddevPop => Some((m2 / n).sqrt()),
            AggFunc::VarSamp => (n != 1.0).then(|| m2 / (n - 1.0)),
            AggFunc::StddevSamp => (n != 1.0).then(|| (m2 / (n - 1.0)).sqrt()),
            AggFunc::Skewness => (m2 != 0.0).then(|| n.sqrt() * m3 / (m2 * m2 * m2).sqrt()),
            _ => (m2 != 0.0).then(|| n * m4 / (m2 * m2) - 3.0),
        }
    }
}

/// Spark's Covariance/Corr buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct CoMoments {
    n: f64,
    x_avg: f64,
    y_avg: f64,
    ck: f64,
    x_mk: f64,
    y_mk: f64,
}

impl CoMoments {
    fn update(&mut self, x: f64, y: f64) {
        let n = self.n + 1.0;
        let dx = x - self.x_avg;
        let dx_n = dx / n;
        let dy = y - self.y_avg;
        let dy_n = dy / n;
        let x_avg = self.x_avg + dx_n;
        let y_avg = self.y_avg + dy_n;
        let ck = self.ck + dx * (y - y_avg);
        let x_mk = self.x_mk + dx * (x - x_avg);
        let y_mk = self.y_mk + dy * (y - y_avg);
        *self = CoMoments { n, x_avg, y_avg, ck, x_mk, y_mk };
    }

    fn merge(l: CoMoments, r: CoMoments) -> CoMoments {
        let (n1, n2) = (l.n, r.n);
        let n = n1 + n2;
        let dx = r.x_avg - l.x_avg;
        let dx_n = if n == 0.0 { 0.0 } else { dx / n };
        let dy = r.y_avg - l.y_avg;
        let dy_n = if n == 0.0 { 0.0 } else { dy / n };
        CoMoments {
            n,
            x_avg: l.x_avg + dx_n * n2,
            y_avg: l.y_avg + dy_n * n2,
            ck: l.ck + r.ck + dx * dy_n * n1 * n2,
            x_mk: l.x_mk + r.x_mk + dx * dx_n * n1 * n2,
            y_mk: l.y_mk + r.y_mk + dy * dy_n * n1 * n2,
        }
    }

    fn eval(&self, func: AggFunc) -> Option<f64> {
        let c = *self;
        if c.n == 0.0 {
            return None;
        }
        match func {
            AggFunc::CovarPop => Some(c.ck / c.n),
            AggFunc::CovarSamp => (c.n != 1.0).then(|| c.ck / (c.n - 1.0)),
            _ => (c.n != 1.0).then(|| c.ck / (c.x_mk * c.y_mk).sqrt()),
        }
    }
}

/// A streaming batch's partial buffers reach the state as Spark's plan
/// moves them: merged into a fresh buffer after the shuffle, then the
/// restored state and that merged into another; the output is the state
/// merged into a fresh buffer once more.
fn fold_batch<T: Copy + Default>(state: &mut [T], batch: &mut [T], groups: &[usize], merge: impl Fn(T, T) -> T) {
    let mut done = hashbrown::HashSet::new();
    for &g in groups {
        if done.insert(g) {
            let p = merge(T::default(), batch[g]);
            state[g] = merge(merge(T::default(), state[g]), p);
            batch[g] = T::default();
        }
    }
}

fn f64s(a: &ArrayRef) -> Result<ArrayRef> {
    Ok(arrow::compute::cast(a, &DataType::Float64)?)
}

/// The exact percentile of sorted values, interpolated as Spark's
/// `Percentile` does.
fn percentile_of(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = (sorted.len() - 1) as f64 * p;
    let (lo, hi) = (pos.floor(), pos.ceil());
    let lv = *sorted.get(lo as usize)?;
    let hv = *sorted.get(hi as usize)?;
    if hi == lo || lv == hv {
        return Some(lv);
    }
    Some((hi - pos) * lv + (pos - lo) * hv)
}

/// The element `percentile_approx` answers for sorted values (Spark's
/// quantile summary query when the summary is exact).
fn approx_rank(n: usize, p: f64) -> usize {
    const RELATIVE_ERROR: f64 = 1.0 / 10000.0;
    if n == 0 || p <= RELATIVE_ERROR {
        return 0;
    }
    if p >= 1.0 - RELATIVE_ERROR {
        return n - 1;
    }
    let rank = (p * n as f64).ceil() as usize;
    if rank >= 1 && rank < n {
        rank - 1
    } else {
        n - 1
    }
}

/// Spark's `UTF8String.hashCode`: Murmur3 x86_32 with seed 42, the tail
/// bytes mixed one (signed) byte at a time.
fn spark_murmur3_bytes(b: &[u8], seed: u32) -> i32 {
    let mut h = seed;
    let aligned = b.len() - b.len() % 4;
    for c in b[..aligned].chunks_exact(4) {
        h = murmur_mix_h1(h, murmur_mix_k1(u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
    }
    for &x in &b[aligned..] {
        h = murmur_mix_h1(h, murmur_mix_k1(x as i8 as i32 as u32));
    }
    murmur_fmix(h, b.len() as u32) as i32
}

fn murmur_mix_k1(k: u32) -> u32 {
    k.wrapping_mul(0xcc9e_2d51).rotate_left(15).wrapping_mul(0x1b87_3593)
}

fn murmur_mix_h1(h: u32, k: u32) -> u32 {
    (h ^ k).rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64)
}

fn murmur_fmix(mut h: u32, len: u32) -> u32 {
    h ^= len;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// Guava's `murmur3_32().hashInt(h)`, which Spark's OpenHashSet slots by.
fn guava_hash_int(h: i32) -> i32 {
    murmur_fmix(murmur_mix_h1(0, murmur_mix_k1(h as u32)), 4) as i32
}

/// A value's JVM hash as Spark holds it boxed: `hashCode()` (`scala` false)
/// or Scala's `##` (numbers hash by value). None for types not modelled.
fn java_hash(a: &dyn Array, i: usize, scala: bool) -> Option<i32> {
    use arrow::datatypes::*;
    let long_hash = |v: i64| -> i32 {
        if scala && v == v as i32 as i64 {
            v as i32
        } else {
            (v ^ ((v as u64) >> 32) as i64) as i32
        }
    };
    Some(match a.data_type() {
        DataType::Utf8 => spark_murmur3_bytes(a.as_string::<i32>().value(i).as_bytes(), 42),
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i),
        DataType::Int16 => a.as_primitive::<Int16Type>().value(i) as i32,
        DataType::Int8 => a.as_primitive::<Int8Type>().value(i) as i32,
        DataType::Int64 => long_hash(a.as_primitive::<Int64Type>().value(i)),
        DataType::Date32 => a.as_primitive::<Date32Type>().value(i),
        DataType::Boolean => if a.as_boolean().value(i) { 1231 } else { 1237 },
        DataType::Float64 => {
            let d = a.as_primitive::<Float64Type>().value(i);
            if scala && d == (d as i32) as f64 {
                d as i32
            } else if scala && d == (d as i64) as f64 {
                long_hash(d as i64)
            } else {
                let bits = if d.is_nan() { 0x7ff8_0000_0000_0000u64 } else { d.to_bits() };
                (bits ^ (bits >> 32)) as i32
            }
        }
        _ => return None,
    })
}

/// Capacity of Spark's OpenHashMap (64, doubled past a 0.7 load) for `n` keys.
fn open_hash_capacity(n: usize) -> u64 {
    let mut cap = 64u64;
    while n as f64 > 0.7 * cap as f64 {
        cap *= 2;
    }
    cap
}

/// Reorders each list of `values` (split by `offsets`) the way a Scala
/// 2.13 mutable.HashSet iterates: by bucket, then by hash, then by
/// insertion. Lists of types without a modelled hash keep their order.
fn hash_set_order(values: &ArrayRef, offsets: &[i32]) -> Result<ArrayRef> {
    let mut idx: Vec<u32> = Vec::with_capacity(values.len());
    let mut keyed: Vec<(u32, i32, usize)> = Vec::new();
    for w in offsets.windows(2) {
        let (s, e) = (w[0] as usize, w[1] as usize);
        let n = e - s;
        let mut len = 16usize;
        while n >= len * 3 / 4 {
            len *= 2;
        }
        keyed.clear();
        let mut modelled = true;
        for k in s..e {
            match java_hash(values.as_ref(), k, true) {
                Some(h) => {
                    let improved = h ^ ((h as u32) >> 16) as i32;
                    keyed.push(((improved as u32) & (len as u32 - 1), improved, k));
                }
                None => {
                    modelled = false;
                    break;
                }
            }
        }
        if modelled {
            keyed.sort_unstable();
            idx.extend(keyed.iter().map(|x| x.2 as u32));
        } else {
            idx.extend((s..e).map(|k| k as u32));
        }
    }
    Ok(arrow::compute::take(values, &UInt32Array::from(idx), None)?)
}

fn missing_arg(name: &str) -> EngineError {
    EngineError::execution("INTERNAL_ERROR", format!("{name} has no argument"), "XX000")
}

fn list_of(ty: &DataType, values: ArrayRef, offsets: Vec<i32>, valid: Vec<bool>) -> Result<ArrayRef> {
    let f = match ty {
        DataType::List(f) => f.clone(),
        _ => Arc::new(Field::new("element", values.data_type().clone(), true)),
    };
    let nulls = if valid.iter().all(|v| *v) { None } else { Some(arrow::buffer::NullBuffer::from(valid)) };
    Ok(Arc::new(ListArray::try_new(f, arrow::buffer::OffsetBuffer::new(offsets.into()), values, nulls)?))
}

fn overflow() -> EngineError {
    crate::eval::arith::overflow("long", "try_sum")
}

impl Acc {
    pub(crate) fn new(call: &AggCall) -> Result<Acc> {
        let arg_ty = call.arg.as_ref().map(|a| a.ty.clone()).unwrap_or(DataType::Null);
        Ok(match call.func {
            AggFunc::Count => Acc::Count(Vec::new()),
            AggFunc::Sum => match &call.ty {
                DataType::Int64 => Acc::SumLong(Vec::new()),
                DataType::Decimal128(p, s) => Acc::SumDecimal(Vec::new(), *p, *s),
                _ => Acc::SumDouble(Vec::new()),
            },
            AggFunc::Avg => match (&arg_ty, &call.ty) {
                (DataType::Decimal128(_, s), DataType::Decimal128(p2, s2)) => Acc::AvgDecimal(Vec::new(), *s, *p2, *s2),
                _ => Acc::AvgDouble(Vec::new()),
            },
            AggFunc::Min | AggFunc::Max | AggFunc::First | AggFunc::Last => Acc::Pick {
                vals: Vec::new(),
                conv: RowConverter::new(vec![SortField::new(arg_ty)])?,
                func: call.func,
                ignore_nulls: call.ignore_nulls,
            },
            AggFunc::CollectList | AggFunc::CollectSet => Acc::Collect {
                vals: Vec::new(),
                conv: RowConverter::new(vec![SortField::new(arg_ty.clone())])?,
                set: call.func == AggFunc::CollectSet,
                elem: arg_ty,
            },
            AggFunc::ApproxCountDistinct => Acc::Distinct { vals: Vec::new(), conv: RowConverter::new(vec![SortField::new(arg_ty)])? },
            AggFunc::CountIf => Acc::CountIf(Vec::new()),
            AggFunc::BoolAnd | AggFunc::BoolOr => Acc::Bool { vals: Vec::new(), and: call.func == AggFunc::BoolAnd },
            AggFunc::MaxBy | AggFunc::MinBy => {
                let (xt, ot) = match &arg_ty {
                    DataType::Struct(f) if f.len() == 2 => (f[0].data_type().clone(), f[1].data_type().clone()),
                    other => return Err(EngineError::execution("INTERNAL_ERROR", format!("max_by over {other}"), "XX000")),
                };
                Acc::By {
                    best: Vec::new(),
                    xconv: RowConverter::new(vec![SortField::new(xt)])?,
                    oconv: RowConverter::new(vec![SortField::new(ot)])?,
                    max: call.func == AggFunc::MaxBy,
                }
            }
            AggFunc::Product => Acc::Product(Vec::new()),
            AggFunc::VarSamp | AggFunc::VarPop | AggFunc::StddevSamp | AggFunc::StddevPop | AggFunc::Skewness | AggFunc::Kurtosis => {
                Acc::Moments { vals: Vec::new(), batch: Vec::new(), func: call.func }
            }
            AggFunc::CovarPop | AggFunc::CovarSamp | AggFunc::Corr => Acc::Cov { vals: Vec::new(), batch: Vec::new(), func: call.func },
            AggFunc::Percentile => Acc::Values { vals: Vec::new(), percentages: call.percentages.clone() },
            AggFunc::PercentileApprox => Acc::Ranked {
                vals: Vec::new(),
                conv: RowConverter::new(vec![SortField::new(arg_ty)])?,
                percentages: call.percentages.clone(),
            },
            AggFunc::Mode => Acc::Mode { vals: Vec::new(), index: Vec::new(), conv: RowConverter::new(vec![SortField::new(arg_ty)])? },
        })
    }

    /// Makes room for group `g` (new or reused), resetting it.
    pub(crate) fn reset(&mut self, g: usize) {
        fn slot<T: Clone>(v: &mut Vec<T>, g: usize, init: T) {
            if g >= v.len() {
                v.resize(g + 1, init.clone());
            }
            v[g] = init;
        }
        match self {
            Acc::Count(v) => slot(v, g, 0),
            Acc::SumLong(v) => slot(v, g, None),
            Acc::SumDouble(v) => slot(v, g, None),
            Acc::SumDecimal(v, ..) => slot(v, g, None),
            Acc::AvgDouble(v) => slot(v, g, (0.0, 0)),
            Acc::AvgDecimal(v, ..) => slot(v, g, (0, 0)),
            Acc::Pick { vals, .. } => slot(vals, g, None),
            Acc::Collect { vals, .. } => slot(vals, g, Vec::new()),
            Acc::Distinct { vals, .. } => slot(vals, g, hashbrown::HashSet::new()),
            Acc::CountIf(v) => slot(v, g, 0),
            Acc::Bool { vals, .. } => slot(vals, g, None),
            Acc::By { best, .. } => slot(best, g, None),
            Acc::Product(v) => slot(v, g, None),
            Acc::Moments { vals, batch, .. } => {
                slot(vals, g, Moments::default());
                slot(batch, g, Moments::default());
            }
            Acc::Cov { vals, batch, .. } => {
                slot(vals, g, CoMoments::default());
                slot(batch, g, CoMoments::default());
            }
            Acc::Values { vals, .. } => slot(vals, g, Vec::new()),
            Acc::Ranked { vals, .. } => slot(vals, g, Vec::new()),
            Acc::Mode { vals, index, .. } => {
                slot(vals, g, Vec::new());
                slot(index, g, hashbrown::HashMap::new());
            }
        }
    }

    /// Folds rows into their groups; `arg` is None for count(*).
    pub(crate) fn update(&mut self, groups: &[usize], arg: Option<&ArrayRef>) -> Result<()> {
        match self {
            Acc::Count(v) => match arg {
                None => groups.iter().for_each(|&g| v[g] += 1),
                Some(a) => {
                    for (i, &g) in groups.iter().enumerate() {
                        if a.is_valid(i) {
                            v[g] += 1;
                        }
                    }
                }
            },
            Acc::SumLong(v) => {
                let a = arrow::compute::cast(arg.expect("sum has an argument"), &DataType::Int64)?;
                let a = a.as_primitive::<arrow::datatypes::Int64Type>();
                for (i, &g) in groups.iter().enumerate() {
                    if a.is_valid(i) {
                        let cur = v[g].unwrap_or(0);
                        v[g] = Some(cur.checked_add(a.value(i)).ok_or_else(overflow)?);
                    }
                }
            }
            Acc::SumDouble(v) => {
                let a = arrow::compute::cast(arg.expect("sum has an argument"), &DataType::Float64)?;
                let a = a.as_primitive::<arrow::datatypes::Float64Type>();
                for (i, &g) in groups.iter().enumerate() {
                    if a.is_valid(i) {
                        v[g] = Some(v[g].unwrap_or(0.0) + a.value(i));
                    }
                }
            }
            Acc::SumDecimal(v, p, _) => {
                let a = arg.expect("sum has an argument").as_primitive::<arrow::datatypes::Decimal128Type>();
                let limit = 10i128.pow(*p as u32);
                for (i, &g) in groups.iter().enumerate() {
                    if a.is_valid(i) {
                        let s = v[g].unwrap_or(0).checked_add(a.value(i)).filter(|s| s.abs() < limit).ok_or_else(overflow)?;
                        v[g] = Some(s);
                    }
                }
            }
            Acc::AvgDouble(v) => {
                let a = arrow::compute::cast(arg.expect("avg has an argument"), &DataType::Float64)?;
                let a = a.as_primitive::<arrow::datatypes::Float64Type>();
                for (i, &g) in groups.iter().enumerate() {
                    if a.is_valid(i) {
                        v[g].0 += a.value(i);
                        v[g].1 += 1;
                    }
                }
            }
            Acc::AvgDecimal(v, ..) => {
                let a = arg.expect("avg has an argument").as_primitive::<arrow::datatypes::Decimal128Type>();
                for (i, &g) in groups.iter().enumerate() {
                    if a.is_valid(i) {
                        v[g].0 += a.value(i);
                        v[g].1 += 1;
                    }
                }
            }
            Acc::Pick { vals, conv, func, ignore_nulls } => {
                let a = arg.expect("has an argument");
                let rows = conv.convert_columns(&[a.clone()])?;
                for (i, &g) in groups.iter().enumerate() {
                    let skip_null = matches!(func, AggFunc::Min | AggFunc::Max) || *ignore_nulls;
                    if skip_null && a.is_null(i) {
                        continue;
                    }
                    let r = rows.row(i);
                    let replace = match (&vals[g], *func) {
                        (None, _) => true,
                        (Some(cur), AggFunc::Min) => r < cur.row(),
                        (Some(cur), AggFunc::Max) => r > cur.row(),
                        (Some(_), AggFunc::First) => false,
                        (Some(_), _) => true,
                    };
                    if replace {
                        vals[g] = Some(r.owned());
                    }
                }
            }
            Acc::Collect { vals, conv, set, .. } => {
                let a = arg.expect("has an argument");
                let rows = conv.convert_columns(&[a.clone()])?;
                for (i, &g) in groups.iter().enumerate() {
                    if a.is_null(i) {
                        continue;
                    }
                    let r = rows.row(i);
                    if *set && vals[g].iter().any(|x| x.row() == r) {
                        continue;
                    }
                    vals[g].push(r.owned());
                }
            }
            Acc::Distinct { vals, conv } => {
                let a = arg.expect("has an argument");
                let rows = conv.convert_columns(&[a.clone()])?;
                for (i, &g) in groups.iter().enumerate() {
                    if a.is_valid(i) {
                        vals[g].insert(rows.row(i).as_ref().into());
                    }
                }
            }
            Acc::CountIf(v) => {
                let a = arg.ok_or_else(|| missing_arg("count_if"))?.as_boolean();
                for (i, &g) in groups.iter().enumerate() {
                    if a.is_valid(i) && a.value(i) {
                        v[g] += 1;
                    }
                }
            }
            Acc::Bool { vals, and } => {
                let a = arg.ok_or_else(|| missing_arg("bool_and"))?.as_boolean();
                for (i, &g) in groups.iter().enumerate() {
                    if a.is_valid(i) {
                        let x = a.value(i);
                        vals[g] = Some(match vals[g] {
                            None => x,
                            Some(cur) => if *and { cur && x } else { cur || x },
                        });
                    }
                }
            }
            Acc::By { best, xconv, oconv, max } => {
                let st = arg.ok_or_else(|| missing_arg("max_by"))?.as_struct();
                let (xs, os) = (st.column(0), st.column(1));
                let xr = xconv.convert_columns(&[xs.clone()])?;
                let or = oconv.convert_columns(&[os.clone()])?;
                for (i, &g) in groups.iter().enumerate() {
                    if os.is_null(i) {
                        continue;
                    }
                    let o = or.row(i);
                    let better = match &best[g] {
                        None => true,
                        Some((cur, _)) => if *max { o > cur.row() } else { o < cur.row() },
                    };
                    if better {
                        best[g] = Some((o.owned(), xr.row(i).owned()));
                    }
                }
            }
            Acc::Product(v) => {
                let a = f64s(arg.ok_or_else(|| missing_arg("product"))?)?;
                let a = a.as_primitive::<arrow::datatypes::Float64Type>();
                for (i, &g) in groups.iter().enumerate() {
                    if a.is_valid(i) {
                        v[g] = Some(v[g].unwrap_or(1.0) * a.value(i));
                    }
                }
            }
            Acc::Moments { vals, batch, .. } => {
                let a = f64s(arg.ok_or_else(|| missing_arg("variance"))?)?;
                let a = a.as_primitive::<arrow::datatypes::Float64Type>();
                for (i, &g) in groups.iter().enumerate() {
                    if a.is_valid(i) {
                        batch[g].update(a.value(i));
                    }
                }
                fold_batch(vals, batch, groups, Moments::merge);
            }
            Acc::Cov { vals, batch, .. } => {
                let st = arg.ok_or_else(|| missing_arg("covar"))?.as_struct();
                let xs = f64s(st.column(0))?;
                let ys = f64s(st.column(1))?;
                let (xs, ys) = (xs.as_primitive::<arrow::datatypes::Float64Type>(), ys.as_primitive::<arrow::datatypes::Float64Type>());
                for (i, &g) in groups.iter().enumerate() {
                    if st.is_valid(i) && xs.is_valid(i) && ys.is_valid(i) {
                        batch[g].update(xs.value(i), ys.value(i));
                    }
                }
                fold_batch(vals, batch, groups, CoMoments::merge);
            }
            Acc::Values { vals, .. } => {
                let a = f64s(arg.ok_or_else(|| missing_arg("percentile"))?)?;
                let a = a.as_primitive::<arrow::datatypes::Float64Type>();
                for (i, &g) in groups.iter().enumerate() {
                    if a.is_valid(i) {
                        vals[g].push(a.value(i));
                    }
                }
            }
            Acc::Ranked { vals, conv, .. } => {
                let a = arg.ok_or_else(|| missing_arg("percentile_approx"))?;
                let rows = conv.convert_columns(&[a.clone()])?;
                for (i, &g) in groups.iter().enumerate() {
                    if a.is_valid(i) {
                        vals[g].push(rows.row(i).owned());
                    }
                }
            }
            Acc::Mode { vals, index, conv } => {
                let a = arg.ok_or_else(|| missing_arg("mode"))?;
                let rows = conv.convert_columns(&[a.clone()])?;
                for (i, &g) in groups.iter().enumerate() {
                    if a.is_null(i) {
                        continue;
                    }
                    let r = rows.row(i);
                    match index[g].get(r.as_ref()) {
                        Some(&k) => vals[g][k].1 += 1,
                        None => {
                            index[g].insert(r.as_ref().into(), vals[g].len());
                            vals[g].push((r.owned(), 1));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The aggregate's value for the given groups.
    /// Folds group `from` into group `into` (sessions that came to overlap).
    pub(crate) fn merge(&mut self, into: usize, from: usize) -> Result<()> {
        match self {
            Acc::Count(v) => v[into] += v[from],
            Acc::SumLong(v) => {
                v[into] = match (v[into], v[from]) {
                    (Some(a), Some(b)) => Some(a.checked_add(b).ok_or_else(overflow)?),
                    (a, b) => a.or(b),
                }
            }
            Acc::SumDouble(v) => {
                v[into] = match (v[into], v[from]) {
                    (Some(a), Some(b)) => Some(a + b),
                    (a, b) => a.or(b),
                }
            }
            Acc::SumDecimal(v, ..) => {
                v[into] = match (v[into], v[from]) {
                    (Some(a), Some(b)) => Some(a.checked_add(b).ok_or_else(overflow)?),
                    (a, b) => a.or(b),
                }
            }
            Acc::AvgDouble(v) => {
                let f = v[from];
                v[into].0 += f.0;
                v[into].1 += f.1;
            }
            Acc::AvgDecimal(v, ..) => {
                let f = v[from];
                v[into].0 += f.0;
                v[into].1 += f.1;
            }
            Acc::Pick { vals, func, .. } => {
                let other = vals[from].take();
                let replace = match (&vals[into], &other, *func) {
                    (_, None, _) => false,
                    (None, Some(_), _) => true,
                    (Some(a), Some(b), AggFunc::Min) => b.row() < a.row(),
                    (Some(a), Some(b), AggFunc::Max) => b.row() > a.row(),
                    (Some(_), Some(_), AggFunc::First) => false,
                    (Some(_), Some(_), _) => true,
                };
                if replace {
                    vals[into] = other;
                }
            }
            Acc::Collect { vals, set, .. } => {
                let other = std::mem::take(&mut vals[from]);
                for r in other {
                    if !(*set && vals[into].iter().any(|x| x.row() == r.row())) {
                        vals[into].push(r);
                    }
                }
            }
            Acc::Distinct { vals, .. } => {
                let other = std::mem::take(&mut vals[from]);
                vals[into].extend(other);
            }
            Acc::CountIf(v) => v[into] += v[from],
            Acc::Bool { vals, and } => {
                vals[into] = match (vals[into], vals[from]) {
                    (Some(a), Some(b)) => Some(if *and { a && b } else { a || b }),
                    (a, b) => a.or(b),
                }
            }
            Acc::By { best, max, .. } => {
                let other = best[from].take();
                let replace = match (&best[into], &other) {
                    (_, None) => false,
                    (None, Some(_)) => true,
                    (Some((a, _)), Some((b, _))) => if *max { b.row() > a.row() } else { b.row() < a.row() },
                };
                if replace {
                    best[into] = other;
                }
            }
            Acc::Product(v) => {
                v[into] = match (v[into], v[from]) {
                    (Some(a), Some(b)) => Some(a * b),
                    (a, b) => a.or(b),
                }
            }
            Acc::Moments { vals, .. } => vals[into] = Moments::merge(vals[into], vals[from]),
            Acc::Cov { vals, .. } => vals[into] = CoMoments::merge(vals[into], vals[from]),
            Acc::Values { vals, .. } => {
                let other = std::mem::take(&mut vals[from]);
                vals[into].extend(other);
            }
            Acc::Ranked { vals, .. } => {
                let other = std::mem::take(&mut vals[from]);
                vals[into].extend(other);
            }
            Acc::Mode { vals, index, .. } => {
                let other = std::mem::take(&mut vals[from]);
                index[from].clear();
                for (r, c) in other {
                    match index[into].get(r.row().as_ref()) {
                        Some(&k) => vals[into][k].1 += c,
                        None => {
                            index[into].insert(r.row().as_ref().into(), vals[into].len());
                            vals[into].push((r, c));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    pub(crate) fn finish(&self, groups: &[usize], ty: &DataType) -> Result<ArrayRef> {
        Ok(match self {
            Acc::Count(v) => Arc::new(Int64Array::from_iter_values(groups.iter().map(|&g| v[g]))),
            Acc::SumLong(v) => Arc::new(groups.iter().map(|&g| v[g]).collect::<Int64Array>()),
            Acc::SumDouble(v) => Arc::new(groups.iter().map(|&g| v[g]).collect::<Float64Array>()),
            Acc::SumDecimal(v, p, s) => {
                Arc::new(groups.iter().map(|&g| v[g]).collect::<Decimal128Array>().with_precision_and_scale(*p, *s)?)
            }
            Acc::AvgDouble(v) => Arc::new(
                groups.iter().map(|&g| (v[g].1 > 0).then(|| v[g].0 / v[g].1 as f64)).collect::<Float64Array>(),
            ),
            Acc::AvgDecimal(v, in_scale, p, s) => {
                let shift = 10i128.pow((*s - *in_scale).max(0) as u32);
                let out: Decimal128Array = groups
                    .iter()
                    .map(|&g| {
                        let (sum, n) = v[g];
                        (n > 0).then(|| {
                            let num = sum * shift * 10;
                            let q = num / n as i128;
                            let (q10, r) = (q / 10, q % 10);
                            if r.abs() >= 5 { q10 + q.signum() } else { q10 }
                        })
                    })
                    .collect();
                Arc::new(out.with_precision_and_scale(*p, *s)?)
            }
            Acc::Pick { vals, conv, .. } => {
                let null_row = conv.convert_columns(&[new_null_array(ty, 1)])?;
                let rows: Vec<arrow::row::Row> = groups
                    .iter()
                    .map(|&g| match &vals[g] {
                        Some(r) => r.row(),
                        None => null_row.row(0),
                    })
                    .collect();
                conv.convert_rows(rows)?.remove(0)
            }
            Acc::Collect { vals, conv, elem, set } => {
                let mut offsets = vec![0i32];
                let mut rows = Vec::new();
                for &g in groups {
                    for r in &vals[g] {
                        rows.push(r.row());
                    }
                    offsets.push(rows.len() as i32);
                }
                let values = if rows.is_empty() { new_empty_array(elem) } else { conv.convert_rows(rows)?.remove(0) };
                // A set comes out in the order of Scala's HashSet, which
                // Spark's collect_set keeps its values in.
                let values = if *set { hash_set_order(&values, &offsets)? } else { values };
                let f = Arc::new(Field::new("element", elem.clone(), true));
                Arc::new(ListArray::try_new(f, arrow::buffer::OffsetBuffer::new(offsets.into()), values, None)?)
            }
            Acc::Distinct { vals, .. } => Arc::new(Int64Array::from_iter_values(groups.iter().map(|&g| vals[g].len() as i64))),
            Acc::CountIf(v) => Arc::new(Int64Array::from_iter_values(groups.iter().map(|&g| v[g]))),
            Acc::Bool { vals, .. } => Arc::new(groups.iter().map(|&g| vals[g]).collect::<BooleanArray>()),
            Acc::By { best, xconv, .. } => {
                let null_row = xconv.convert_columns(&[new_null_array(ty, 1)])?;
                let rows: Vec<arrow::row::Row> = groups
                    .iter()
                    .map(|&g| match &best[g] {
                        Some((_, x)) => x.row(),
                        None => null_row.row(0),
                    })
                    .collect();
                xconv.convert_rows(rows)?.remove(0)
            }
            Acc::Product(v) => Arc::new(groups.iter().map(|&g| v[g]).collect::<Float64Array>()),
            Acc::Moments { vals, func, .. } => Arc::new(
                groups.iter().map(|&g| Moments::merge(Moments::default(), vals[g]).eval(*func)).collect::<Float64Array>(),
            ),
            Acc::Cov { vals, func, .. } => Arc::new(
                groups.iter().map(|&g| CoMoments::merge(CoMoments::default(), vals[g]).eval(*func)).collect::<Float64Array>(),
            ),
            Acc::Values { vals, percentages } => {
                let array_out = matches!(ty, DataType::List(_));
                let mut sorted = Vec::new();
                let mut flat: Vec<Option<f64>> = Vec::new();
                let mut offsets = vec![0i32];
                let mut valid = Vec::new();
                for &g in groups {
                    sorted.clear();
                    sorted.extend_from_slice(&vals[g]);
                    sorted.sort_by(|a, b| a.total_cmp(b));
                    if sorted.is_empty() {
                        valid.push(false);
                        if !array_out {
                            flat.push(None);
                        }
                    } else {
                        valid.push(true);
                        for &p in percentages.iter() {
                            flat.push(percentile_of(&sorted, p));
                        }
                    }
                    offsets.push(flat.len() as i32);
                }
                let values: ArrayRef = Arc::new(Float64Array::from(flat));
                if array_out {
                    list_of(ty, values, offsets, valid)?
                } else {
                    values
                }
            }
            Acc::Ranked { vals, conv, percentages } => {
                let array_out = matches!(ty, DataType::List(_));
                let elem = match ty {
                    DataType::List(f) => f.data_type().clone(),
                    t => t.clone(),
                };
                let null_row = conv.convert_columns(&[new_null_array(&elem, 1)])?;
                let mut picked: Vec<arrow::row::Row> = Vec::new();
                let mut offsets = vec![0i32];
                let mut valid = Vec::new();
                let mut sorted: Vec<arrow::row::Row> = Vec::new();
                for &g in groups {
                    sorted.clear();
                    sorted.extend(vals[g].iter().map(|r| r.row()));
                    sorted.sort();
                    if sorted.is_empty() {
                        valid.push(false);
                        if !array_out {
                            picked.push(null_row.row(0));
                        }
                    } else {
                        valid.push(true);
                        for &p in percentages.iter() {
                            picked.push(sorted[approx_rank(sorted.len(), p)]);
                        }
                    }
                    offsets.push(picked.len() as i32);
                }
                let values = if picked.is_empty() { new_empty_array(&elem) } else { conv.convert_rows(picked)?.remove(0) };
                if array_out {
                    list_of(ty, values, offsets, valid)?
                } else {
                    values
                }
            }
            Acc::Mode { vals, conv, .. } => {
                let null_row = conv.convert_columns(&[new_null_array(ty, 1)])?;
                let rows: Vec<arrow::row::Row> = groups
                    .iter()
                    .map(|&g| {
                        // Of the most frequent values, the first in the
                        // order of Spark's OpenHashMap (slot by hash).
                        let max = vals[g].iter().map(|e| e.1).max().unwrap_or(0);
                        let tied: Vec<&(OwnedRow, i64)> = vals[g].iter().filter(|e| e.1 == max).collect();
                        let best = if tied.len() > 1 {
                            let cap = open_hash_capacity(vals[g].len());
                            let keys = conv.convert_rows(tied.iter().map(|e| e.0.row())).ok().and_then(|mut c| c.pop());
                            let slot = |k: usize| -> (u64, usize) {
                                let h = keys.as_ref().and_then(|a| java_hash(a.as_ref(), k, false));
                                (h.map_or(u64::MAX, |h| (guava_hash_int(h) as u32 as u64) & (cap - 1)), k)
                            };
                            (0..tied.len()).min_by_key(|&k| slot(k)).and_then(|k| tied.get(k).copied())
                        } else {
                            tied.first().copied()
                        };
                        best.map_or(null_row.row(0), |b| b.0.row())
                    })
                    .collect();
                conv.convert_rows(rows)?.remove(0)
            }
        })
    }
}

impl AggregateExec {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        input: Box<dyn Operator>,
        keys: Vec<PExpr>,
        aggs: Vec<AggCall>,
        _session: Option<SessionSpec>,
        schema: SchemaRef,
        mode: OutputMode,
        event_key: Option<usize>,
    ) -> Result<Self> {
        let groups = if keys.is_empty() { None } else { Some(Groups::new(&keys)?) };
        let mut accs = aggs.iter().map(Acc::new).collect::<Result<Vec<_>>>()?;
        if groups.is_none() {
            for a in &mut accs {
                a.reset(0);
            }
        }
        Ok(AggregateExec {
            input,
            keys,
            aggs,
            schema,
            mode,
            event_key,
            group_time: if groups.is_none() { vec![i64::MIN] } else { Vec::new() },
            groups,
            by_time: BTreeMap::new(),
            accs,
            touched_in: Vec::new(),
            batch_no: 0,
            evicted_at: None,
        })
    }

    /// Event time of each input row for the watermark: a window's end or
    /// the timestamp itself.
    fn event_times(&self, key_cols: &[ArrayRef]) -> Option<Vec<Option<i64>>> {
        let k = self.event_key?;
        Some(event_time_values(&key_cols[k]))
    }

    fn emit(&self, groups: &[usize]) -> Result<RecordBatch> {
        let mut cols: Vec<ArrayRef> = match &self.groups {
            None => vec![],
            Some(gs) => gs.key_columns(groups, &self.keys)?,
        };
        for (acc, call) in self.accs.iter().zip(&self.aggs) {
            cols.push(acc.finish(groups, &call.ty)?);
        }
        batch_of(&self.schema, cols, groups.len())
    }

    /// Whether the watermark evicts this operator's groups.
    fn evicts(&self) -> bool {
        self.event_key.is_some() && self.mode != OutputMode::Complete
    }

    /// Takes the groups whose event time is at or before `w` out of the
    /// time index, in group order.
    fn closed_by(&mut self, w: i64) -> Vec<usize> {
        let rest = match w.checked_add(1) {
            Some(next) => self.by_time.split_off(&next),
            None => BTreeMap::new(),
        };
        let closed = std::mem::replace(&mut self.by_time, rest);
        let mut out: Vec<usize> = closed.into_values().flatten().collect();
        out.sort_unstable();
        out
    }
}

/// The event time a key column stands for: a window struct's end, or a
/// timestamp.
pub fn event_time_values(col: &ArrayRef) -> Vec<Option<i64>> {
    match col.data_type() {
        DataType::Struct(_) => {
            let s = col.as_struct();
            let end = s.column(1).as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
            (0..s.len()).map(|i| (s.is_valid(i) && end.is_valid(i)).then(|| end.value(i))).collect()
        }
        DataType::Timestamp(..) => {
            let t = col.as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
            t.iter().collect()
        }
        _ => vec![None; col.len()],
    }
}

impl Operator for AggregateExec {
    fn next(&mut self, ctx: &mut BatchCtx) -> Result<RecordBatch> {
        let input = self.input.next(ctx)?;
        // Complete mode keeps every group: the watermark drops nothing there.
        let wm = ctx.watermark.filter(|_| self.event_key.is_some() && self.mode != OutputMode::Complete);
        let key_cols: Vec<ArrayRef> = self.keys.iter().map(|k| eval(k, &input, &ctx.eval)).collect::<Result<_>>()?;
        let times = self.event_times(&key_cols);
        // Late rows (event time at or before the watermark) are dropped.
        let keep: Vec<usize> = match (&times, wm) {
            (Some(t), Some(w)) => (0..input.num_rows()).filter(|&i| t[i].is_some_and(|x| x > w)).collect(),
            _ => (0..input.num_rows()).collect(),
        };
        self.batch_no += 1;
        let mut row_groups = Vec::with_capacity(keep.len());
        let mut touched: Vec<usize> = Vec::new();
        let Some(groups) = &mut self.groups else {
            row_groups.resize(keep.len(), 0);
            touched.push(0);
            return self.finish_batch(&input, ctx, keep, row_groups, touched, wm);
        };
        let evicts = self.event_key.is_some() && self.mode != OutputMode::Complete;
        let (accs, group_time, by_time) = (&mut self.accs, &mut self.group_time, &mut self.by_time);
        groups.lookup(&key_cols, &keep, &mut row_groups, |g, i| {
            if g >= group_time.len() {
                group_time.resize(g + 1, i64::MIN);
            }
            let t = times.as_ref().and_then(|t| t[i]).unwrap_or(i64::MIN);
            group_time[g] = t;
            if evicts {
                by_time.entry(t).or_default().push(g);
            }
            for a in accs.iter_mut() {
                a.reset(g);
            }
        })?;
        if self.touched_in.len() < groups.slots() {
            self.touched_in.resize(groups.slots(), 0);
        }
        for &g in &row_groups {
            if self.touched_in[g] != self.batch_no {
                self.touched_in[g] = self.batch_no;
                touched.push(g);
            }
        }
        self.finish_batch(&input, ctx, keep, row_groups, touched, wm)
    }

    fn state_rows(&self) -> usize {
        self.groups.as_ref().map_or(0, |g| g.count) + self.input.state_rows()
    }

    fn needs_no_data_batch(&self, wm: i64) -> bool {
        let mine = self.event_key.is_some()
            && self.mode != OutputMode::Complete
            && self.evicted_at.map_or(true, |e| wm > e);
        mine || self.input.needs_no_data_batch(wm)
    }
}

impl AggregateExec {
    /// Folds the batch's rows into their groups, then emits what the output
    /// mode asks for and evicts what the watermark has closed.
    fn finish_batch(
        &mut self,
        input: &RecordBatch,
        ctx: &mut BatchCtx,
        keep: Vec<usize>,
        row_groups: Vec<usize>,
        mut touched: Vec<usize>,
        wm: Option<i64>,
    ) -> Result<RecordBatch> {
        let kept = if keep.len() == input.num_rows() {
            None
        } else {
            Some(UInt32Array::from(keep.iter().map(|&i| i as u32).collect::<Vec<_>>()))
        };
        for (acc, call) in self.accs.iter_mut().zip(&self.aggs) {
            let arg = match &call.arg {
                Some(a) => {
                    let v = eval(a, &input, &ctx.eval)?;
                    Some(match &kept {
                        Some(idx) => arrow::compute::take(&v, idx, None)?,
                        None => v,
                    })
                }
                None => None,
            };
            acc.update(&row_groups, arg.as_ref())?;
        }
        // Groups the watermark has passed are final: emitted in append
        // mode, then forgotten.
        let closed = match wm {
            Some(w) if self.evicts() => self.closed_by(w),
            _ => Vec::new(),
        };
        let out = match self.mode {
            OutputMode::Complete => {
                let all: Vec<usize> = match &self.groups {
                    None => vec![0],
                    Some(gs) => (0..gs.slots()).filter(|&g| gs.live[g]).collect(),
                };
                self.emit(&all)?
            }
            OutputMode::Update => {
                touched.sort_unstable();
                self.emit(&touched)?
            }
            OutputMode::Append => self.emit(&closed)?,
        };
        if let Some(gs) = &mut self.groups {
            for &g in &closed {
                gs.evict(g);
            }
            gs.compact();
        }
        if let Some(w) = wm {
            self.evicted_at = Some(w);
        }
        Ok(out)
    }

}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scala_hash_set_order() {
        let v: ArrayRef = Arc::new(StringArray::from(vec!["x", "y", "z"]));
        let out = hash_set_order(&v, &[0, 3]).unwrap();
        let out = out.as_string::<i32>();
        assert_eq!((out.value(0), out.value(1), out.value(2)), ("x", "z", "y"));
        // Spark's mode picks 6 over 5 on a tie: its slot comes first.
        assert!(guava_hash_int(6) as u32 as u64 & 63 < guava_hash_int(5) as u32 as u64 & 63);
    }

    #[test]
    fn percentiles_interpolate_like_spark() {
        let v = [1.0, 2.0, 2.0, 10.0];
        assert_eq!(percentile_of(&v, 0.5), Some(2.0));
        assert_eq!(percentile_of(&v, 0.25), Some(1.75));
        assert_eq!(percentile_of(&v, 1.0), Some(10.0));
        assert_eq!(percentile_of(&[], 0.5), None);
        assert_eq!(approx_rank(4, 0.5), 1);
        assert_eq!(approx_rank(4, 0.0), 0);
        assert_eq!(approx_rank(4, 1.0), 3);
        assert_eq!(approx_rank(1, 0.5), 0);
    }

    #[test]
    fn moments_match_the_textbook() {
        let mut m = Moments::default();
        for x in [1.0, 2.0, 4.0] {
            m.update(x);
        }
        let var = m.eval(AggFunc::VarSamp).unwrap_or_default();
        assert!((var - 7.0 / 3.0).abs() < 1e-12);
        let merged = Moments::merge(Moments::default(), m);
        assert_eq!(merged.n, 3.0);
        assert_eq!(Moments::default().eval(AggFunc::VarPop), None);
        let mut one = Moments::default();
        one.update(5.0);
        assert_eq!(one.eval(AggFunc::VarSamp), None);
        assert_eq!(one.eval(AggFunc::VarPop), Some(0.0));
        let mut c = CoMoments::default();
        for (x, y) in [(1.0, 2.0), (2.0, 4.0), (3.0, 6.0)] {
            c.update(x, y);
        }
        assert!((c.eval(AggFunc::Corr).unwrap_or_default() - 1.0).abs() < 1e-12);
    }
}
