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
    Pick { vals: Vec<Option<OwnedRow>>, conv: RowConverter, func: AggFunc },
    Collect { vals: Vec<Vec<OwnedRow>>, conv: RowConverter, set: bool, elem: DataType },
    Distinct { vals: Vec<hashbrown::HashSet<Box<[u8]>>>, conv: RowConverter },
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
            },
            AggFunc::CollectList | AggFunc::CollectSet => Acc::Collect {
                vals: Vec::new(),
                conv: RowConverter::new(vec![SortField::new(arg_ty.clone())])?,
                set: call.func == AggFunc::CollectSet,
                elem: arg_ty,
            },
            AggFunc::ApproxCountDistinct => Acc::Distinct { vals: Vec::new(), conv: RowConverter::new(vec![SortField::new(arg_ty)])? },
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
            Acc::Pick { vals, conv, func } => {
                let a = arg.expect("has an argument");
                let rows = conv.convert_columns(&[a.clone()])?;
                for (i, &g) in groups.iter().enumerate() {
                    let skip_null = matches!(func, AggFunc::Min | AggFunc::Max);
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
            Acc::Collect { vals, conv, elem, .. } => {
                let mut offsets = vec![0i32];
                let mut rows = Vec::new();
                for &g in groups {
                    for r in &vals[g] {
                        rows.push(r.row());
                    }
                    offsets.push(rows.len() as i32);
                }
                let values = if rows.is_empty() { new_empty_array(elem) } else { conv.convert_rows(rows)?.remove(0) };
                let f = Arc::new(Field::new("element", elem.clone(), true));
                Arc::new(ListArray::try_new(f, arrow::buffer::OffsetBuffer::new(offsets.into()), values, None)?)
            }
            Acc::Distinct { vals, .. } => Arc::new(Int64Array::from_iter_values(groups.iter().map(|&g| vals[g].len() as i64))),
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
