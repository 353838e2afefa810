//! Stream-stream joins (Spark's StreamingSymmetricHashJoinExec): each side's
//! rows are kept in state; a new row joins the other side's state, so every
//! pair is emitted once, as soon as both rows are there. The watermark and
//! the join's time-range condition tell when a stored row can no longer
//! match: then it is evicted, and for an outer join an unmatched row is
//! emitted with NULLs.

use std::sync::Arc;

use arrow::array::*;
use arrow::compute::{concat_batches, filter_record_batch};
use arrow::datatypes::{SchemaRef, TimestampMicrosecondType};
use arrow::row::{RowConverter, SortField};
use hashbrown::HashMap;

use super::project::batch_of;
use super::{BatchCtx, Operator};
use crate::error::Result;
use crate::eval::{eval, eval_predicate};
use crate::plan::expr::{BinaryOp, Lit, PKind};
use crate::plan::{JoinKind, PExpr};

/// Bounds on `right time - left time` that the join condition implies.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TimeRange {
    pub lo: Option<i64>,
    pub hi: Option<i64>,
}

/// A column plus a constant interval (`impTime + interval 1 minute`).
fn term(e: &PExpr) -> Option<(usize, i64)> {
    match &e.kind {
        PKind::Column(i) => Some((*i, 0)),
        PKind::Cast { expr, .. } => term(expr),
        PKind::Binary(op @ (BinaryOp::Add | BinaryOp::Sub), x, y) => {
            let (i, c) = term(x)?;
            let m = match y.as_literal()? {
                Lit::Interval(m, _) => *m,
                _ => return None,
            };
            Some((i, if *op == BinaryOp::Add { c + m } else { c - m }))
        }
        _ => None,
    }
}

fn conjuncts<'a>(e: &'a PExpr, out: &mut Vec<&'a PExpr>) {
    match &e.kind {
        PKind::Binary(BinaryOp::And, l, r) => {
            conjuncts(l, out);
            conjuncts(r, out);
        }
        _ => out.push(e),
    }
}

/// Reads `R - L` bounds from a condition over left ++ right columns, where
/// `lt` and `rt` are the sides' event-time columns (rt already offset).
pub fn time_range(cond: &PExpr, lt: usize, rt: usize) -> TimeRange {
    let mut parts = Vec::new();
    conjuncts(cond, &mut parts);
    let mut range = TimeRange::default();
    for p in parts {
        let PKind::Binary(op, a, b) = &p.kind else { continue };
        let (Some((ia, ca)), Some((ib, cb))) = (term(a), term(b)) else { continue };
        // Express as `d op k` with d = R - L.
        let (op, k) = if ia == lt && ib == rt {
            // L + ca op R + cb  <=>  d flip(op) ca - cb
            let flipped = match op {
                BinaryOp::Lt => BinaryOp::Gt,
                BinaryOp::LtEq => BinaryOp::GtEq,
                BinaryOp::Gt => BinaryOp::Lt,
                BinaryOp::GtEq => BinaryOp::LtEq,
                other => *other,
            };
            (flipped, ca - cb)
        } else if ia == rt && ib == lt {
            (*op, cb - ca)
        } else {
            continue;
        };
        match op {
            BinaryOp::Lt | BinaryOp::LtEq => range.hi = Some(range.hi.map_or(k, |h: i64| h.min(k))),
            BinaryOp::Gt | BinaryOp::GtEq => range.lo = Some(range.lo.map_or(k, |l: i64| l.max(k))),
            BinaryOp::Eq => {
                range.lo = Some(k);
                range.hi = Some(k);
            }
            _ => {}
        }
    }
    range
}

/// One side's stored rows.
struct Side {
    batch: Option<RecordBatch>,
    keys: Vec<Box<[u8]>>,
    matched: Vec<bool>,
    index: HashMap<Box<[u8]>, Vec<u32>, foldhash::fast::FixedState>,
}

impl Side {
    fn new() -> Side {
        Side { batch: None, keys: Vec::new(), matched: Vec::new(), index: HashMap::default() }
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    fn append(&mut self, rows: &RecordBatch, keys: Vec<Box<[u8]>>) -> Result<usize> {
        let base = self.len();
        for (k, key) in keys.iter().enumerate() {
            self.index.entry(key.clone()).or_default().push((base + k) as u32);
        }
        self.keys.extend(keys);
        self.matched.resize(self.keys.len(), false);
        self.batch = Some(match self.batch.take() {
            None => rows.clone(),
            Some(b) => concat_batches(&b.schema(), &[b.clone(), rows.clone()])?,
        });
        Ok(base)
    }

    /// Keeps the rows where `keep` is true; returns the removed rows' batch
    /// and whether each was matched.
    fn retain(&mut self, keep: &[bool]) -> Result<Option<(RecordBatch, Vec<bool>)>> {
        let Some(batch) = &self.batch else { return Ok(None) };
        if keep.iter().all(|k| *k) {
            return Ok(None);
        }
        let removed_mask = BooleanArray::from(keep.iter().map(|k| !k).collect::<Vec<_>>());
        let removed = filter_record_batch(batch, &removed_mask)?;
        let removed_matched: Vec<bool> = keep.iter().zip(&self.matched).filter(|(k, _)| !**k).map(|(_, m)| *m).collect();
        let kept = filter_record_batch(batch, &BooleanArray::from(keep.to_vec()))?;
        let keys: Vec<Box<[u8]>> = self.keys.iter().zip(keep).filter(|(_, k)| **k).map(|(x, _)| x.clone()).collect();
        let matched: Vec<bool> = self.matched.iter().zip(keep).filter(|(_, k)| **k).map(|(m, _)| *m).collect();
        self.index.clear();
        for (i, k) in keys.iter().enumerate() {
            self.index.entry(k.clone()).or_default().push(i as u32);
        }
        self.keys = keys;
        self.matched = matched;
        self.batch = Some(kept);
        Ok(Some((removed, removed_matched)))
    }
}

pub struct StreamJoinExec {
    left: Box<dyn Operator>,
    right: Box<dyn Operator>,
    kind: JoinKind,
    left_keys: Vec<PExpr>,
    right_keys: Vec<PExpr>,
    condition: Option<PExpr>,
    left_schema: SchemaRef,
    right_schema: SchemaRef,
    schema: SchemaRef,
    left_time: Option<usize>,
    right_time: Option<usize>,
    range: TimeRange,
    conv: Option<RowConverter>,
    lstate: Side,
    rstate: Side,
    evicted_at: Option<i64>,
}

impl StreamJoinExec {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        left: Box<dyn Operator>,
        right: Box<dyn Operator>,
        kind: JoinKind,
        left_keys: Vec<PExpr>,
        right_keys: Vec<PExpr>,
        condition: Option<PExpr>,
        left_schema: SchemaRef,
        right_schema: SchemaRef,
        schema: SchemaRef,
        left_time: Option<usize>,
        right_time: Option<usize>,
    ) -> Result<StreamJoinExec> {
        let nl = left_schema.fields().len();
        let mut range = match (&condition, left_time, right_time) {
            (Some(c), Some(lt), Some(rt)) => time_range(c, lt, nl + rt),
            _ => TimeRange::default(),
        };
        // Event time in the join keys bounds both sides.
        if let (Some(lt), Some(rt)) = (left_time, right_time) {
            let in_keys = left_keys.iter().zip(&right_keys).any(|(l, r)| {
                matches!((&l.kind, &r.kind), (PKind::Column(a), PKind::Column(b)) if *a == lt && *b == rt)
            });
            if in_keys {
                range = TimeRange { lo: Some(0), hi: Some(0) };
            }
        }
        let conv = if left_keys.is_empty() {
            None
        } else {
            Some(RowConverter::new(left_keys.iter().map(|k| SortField::new(k.ty.clone())).collect())?)
        };
        Ok(StreamJoinExec {
            left,
            right,
            kind,
            left_keys,
            right_keys,
            condition,
            left_schema,
            right_schema,
            schema,
            left_time,
            right_time,
            range,
            conv,
            lstate: Side::new(),
            rstate: Side::new(),
            evicted_at: None,
        })
    }

    fn key_bytes(&self, keys: &[PExpr], batch: &RecordBatch, ctx: &BatchCtx) -> Result<Vec<Option<Box<[u8]>>>> {
        let Some(conv) = &self.conv else {
            return Ok(vec![Some(Box::from(&[][..])); batch.num_rows()]);
        };
        let cols: Vec<ArrayRef> = keys
            .iter()
            .zip(self.left_keys.iter().map(|k| k.ty.clone()))
            .map(|(k, t)| {
                let v = eval(k, batch, &ctx.eval)?;
                Ok(if v.data_type() == &t { v } else { arrow::compute::cast(&v, &t)? })
            })
            .collect::<Result<_>>()?;
        let rows = conv.convert_columns(&cols)?;
        Ok((0..batch.num_rows())
            .map(|i| cols.iter().all(|c| c.is_valid(i)).then(|| Box::from(rows.row(i).as_ref())))
            .collect())
    }

    /// Drops rows at or before the watermark (late), as Spark does.
    fn drop_late(batch: RecordBatch, time: Option<usize>, wm: Option<i64>) -> Result<RecordBatch> {
        let (Some(t), Some(w)) = (time, wm) else { return Ok(batch) };
        let ts = batch.column(t).as_primitive::<TimestampMicrosecondType>();
        let keep = BooleanArray::from((0..ts.len()).map(|i| ts.is_valid(i) && ts.value(i) > w).collect::<Vec<_>>());
        Ok(filter_record_batch(&batch, &keep)?)
    }

    /// Joins `probe` rows (one side) against `stored` (the other side);
    /// returns (left index, right index) candidate pairs, each index into its
    /// own batch.
    fn candidates(probe_keys: &[Option<Box<[u8]>>], stored: &Side, probe_is_left: bool) -> (Vec<u32>, Vec<u32>) {
        let mut l = Vec::new();
        let mut r = Vec::new();
        for (i, k) in probe_keys.iter().enumerate() {
            let Some(k) = k else { continue };
            if let Some(m) = stored.index.get(k) {
                for &j in m {
                    if probe_is_left {
                        l.push(i as u32);
                        r.push(j);
                    } else {
                        l.push(j);
                        r.push(i as u32);
                    }
                }
            }
        }
        (l, r)
    }

    fn combine(&self, lb: &RecordBatch, rb: &RecordBatch, li: &UInt32Array, ri: &UInt32Array) -> Result<RecordBatch> {
        let mut cols = Vec::new();
        for c in lb.columns() {
            cols.push(arrow::compute::take(c, li, None)?);
        }
        for c in rb.columns() {
            cols.push(arrow::compute::take(c, ri, None)?);
        }
        let full = full_schema(&self.left_schema, &self.right_schema);
        batch_of(&full, cols, li.len())
    }
}

fn full_schema(l: &SchemaRef, r: &SchemaRef) -> SchemaRef {
    let fields: Vec<arrow::datatypes::Field> = l.fields().iter().chain(r.fields().iter()).map(|f| f.as_ref().clone()).collect();
    Arc::new(arrow::datatypes::Schema::new(fields))
}

fn times(batch: &RecordBatch, col: usize) -> Vec<Option<i64>> {
    batch.column(col).as_primitive::<TimestampMicrosecondType>().iter().collect()
}

impl Operator for StreamJoinExec {
    fn next(&mut self, ctx: &mut BatchCtx) -> Result<RecordBatch> {
        let wm = ctx.watermark;
        let lin = Self::drop_late(self.left.next(ctx)?, self.left_time, wm)?;
        let rin = Self::drop_late(self.right.next(ctx)?, self.right_time, wm)?;
        let lkeys = self.key_bytes(&self.left_keys, &lin, ctx)?;
        let rkeys = self.key_bytes(&self.right_keys, &rin, ctx)?;
        let mut out: Vec<RecordBatch> = Vec::new();
        // New left rows against stored right rows, then new right rows
        // against all left rows (stored and new): each pair once.
        let (l1, r1) = Self::candidates(&lkeys, &self.rstate, true);
        let lbase = self.lstate.append(&lin, lkeys.into_iter().map(|k| k.unwrap_or_else(|| Box::from(&[0xFFu8, 0xFE][..]))).collect())?;
        let (l2, r2) = Self::candidates(&rkeys, &self.lstate, false);
        let rbase = self.rstate.append(&rin, rkeys.into_iter().map(|k| k.unwrap_or_else(|| Box::from(&[0xFFu8, 0xFD][..]))).collect())?;
        let lall = self.lstate.batch.clone().expect("appended above");
        let rall = self.rstate.batch.clone().expect("appended above");
        // Indexes into the full state batches.
        let li: Vec<u32> = l1.iter().map(|&i| i + lbase as u32).chain(l2.iter().copied()).collect();
        let ri: Vec<u32> = r1.iter().copied().chain(r2.iter().map(|&i| i + rbase as u32)).collect();
        let (li, ri) = (UInt32Array::from(li), UInt32Array::from(ri));
        let mut pairs = self.combine(&lall, &rall, &li, &ri)?;
        let (mut li, mut ri) = (li, ri);
        if let Some(c) = &self.condition {
            let keep = eval_predicate(c, &pairs, &ctx.eval)?;
            pairs = filter_record_batch(&pairs, &keep)?;
            li = arrow::compute::filter(&li, &keep)?.as_primitive().clone();
            ri = arrow::compute::filter(&ri, &keep)?.as_primitive().clone();
        }
        for &i in li.values().iter() {
            self.lstate.matched[i as usize] = true;
        }
        for &i in ri.values().iter() {
            self.rstate.matched[i as usize] = true;
        }
        let nl = self.left_schema.fields().len();
        match self.kind {
            JoinKind::LeftSemi => {}
            _ => out.push(batch_of(&self.schema, pairs.columns().to_vec(), pairs.num_rows())?),
        }
        // Evict what the watermark has passed; unmatched outer rows go out
        // with NULLs.
        if let Some(w) = wm {
            if let (Some(lt), Some(hi)) = (self.left_time, self.range.hi) {
                let t = self.lstate.batch.as_ref().map(|b| times(b, lt)).unwrap_or_default();
                let keep: Vec<bool> = t.iter().map(|x| x.is_some_and(|x| x > w - hi)).collect();
                if let Some((gone, matched)) = self.lstate.retain(&keep)? {
                    if matches!(self.kind, JoinKind::LeftOuter | JoinKind::FullOuter) {
                        let idx: Vec<u32> = (0..gone.num_rows() as u32).filter(|&i| !matched[i as usize]).collect();
                        out.push(self.null_extend(&gone, &idx, true)?);
                    } else if self.kind == JoinKind::LeftSemi {
                        let idx: Vec<u32> = (0..gone.num_rows() as u32).filter(|&i| matched[i as usize]).collect();
                        let _ = idx;
                    }
                }
            }
            if let (Some(rt), Some(lo)) = (self.right_time, self.range.lo) {
                let t = self.rstate.batch.as_ref().map(|b| times(b, rt)).unwrap_or_default();
                let keep: Vec<bool> = t.iter().map(|x| x.is_some_and(|x| x > w + lo)).collect();
                if let Some((gone, matched)) = self.rstate.retain(&keep)? {
                    if matches!(self.kind, JoinKind::RightOuter | JoinKind::FullOuter) {
                        let idx: Vec<u32> = (0..gone.num_rows() as u32).filter(|&i| !matched[i as usize]).collect();
                        out.push(self.null_extend(&gone, &idx, false)?);
                    }
                }
            }
            self.evicted_at = Some(w);
        }
        if self.kind == JoinKind::LeftSemi {
            // Left rows that found a match this batch, once each.
            let mut seen = vec![false; lall.num_rows()];
            let idx: Vec<u32> = li.values().iter().copied().filter(|&i| !std::mem::replace(&mut seen[i as usize], true)).collect();
            let cols: Vec<ArrayRef> = lall.columns().iter().map(|c| arrow::compute::take(c, &UInt32Array::from(idx.clone()), None)).collect::<std::result::Result<_, _>>()?;
            out.push(batch_of(&self.schema, cols, idx.len())?);
        }
        let _ = nl;
        let schema = out.first().map(|b| b.schema()).unwrap_or_else(|| self.schema.clone());
        let out: Vec<RecordBatch> = out.into_iter().map(|b| batch_of(&schema, b.columns().to_vec(), b.num_rows())).collect::<Result<_>>()?;
        Ok(concat_batches(&schema, &out)?)
    }

    fn state_rows(&self) -> usize {
        self.lstate.len() + self.rstate.len() + self.left.state_rows() + self.right.state_rows()
    }

    fn needs_no_data_batch(&self, wm: i64) -> bool {
        let evicts = (self.left_time.is_some() && self.range.hi.is_some()) || (self.right_time.is_some() && self.range.lo.is_some());
        (evicts && self.evicted_at.map_or(true, |e| wm > e)) || self.left.needs_no_data_batch(wm) || self.right.needs_no_data_batch(wm)
    }
}

impl StreamJoinExec {
    /// Rows of one side with NULLs for the other side's columns.
    fn null_extend(&self, side: &RecordBatch, idx: &[u32], is_left: bool) -> Result<RecordBatch> {
        let take = UInt32Array::from(idx.to_vec());
        let n = idx.len();
        let mine: Vec<ArrayRef> = side.columns().iter().map(|c| arrow::compute::take(c, &take, None)).collect::<std::result::Result<_, _>>()?;
        let other_schema = if is_left { &self.right_schema } else { &self.left_schema };
        let nulls: Vec<ArrayRef> = other_schema.fields().iter().map(|f| new_null_array(f.data_type(), n)).collect();
        let cols = if is_left { mine.into_iter().chain(nulls).collect() } else { nulls.into_iter().chain(mine).collect() };
        batch_of(&self.schema, cols, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::DataType;

    fn col(i: usize) -> PExpr {
        PExpr::column(i, crate::types::timestamp())
    }

    fn plus(e: PExpr, m: i64) -> PExpr {
        PExpr::new(
            PKind::Binary(BinaryOp::Add, Box::new(e), Box::new(PExpr::literal(Lit::Interval(m, String::new())))),
            crate::types::timestamp(),
        )
    }

    fn cmp(op: BinaryOp, a: PExpr, b: PExpr) -> PExpr {
        PExpr::new(PKind::Binary(op, Box::new(a), Box::new(b)), DataType::Boolean)
    }

    #[test]
    fn reads_the_time_range_of_a_condition() {
        // clickTime >= impTime AND clickTime <= impTime + interval 1 minute; L = col 1, R = col 3
        let m = 60_000_000;
        let c = PExpr::new(
            PKind::Binary(
                BinaryOp::And,
                Box::new(cmp(BinaryOp::GtEq, col(3), col(1))),
                Box::new(cmp(BinaryOp::LtEq, col(3), plus(col(1), m))),
            ),
            DataType::Boolean,
        );
        assert_eq!(time_range(&c, 1, 3), TimeRange { lo: Some(0), hi: Some(m) });
        // written from the left's side: impTime <= clickTime
        let c2 = cmp(BinaryOp::LtEq, col(1), col(3));
        assert_eq!(time_range(&c2, 1, 3), TimeRange { lo: Some(0), hi: None });
    }
}
