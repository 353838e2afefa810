//! Joins. A stream joined to a static table is a hash join per batch: the
//! static side is hashed once, each batch's stream rows probe it.
//! Stream-stream joins keep both sides in state (see `stream_join`).

use std::sync::Arc;

use arrow::array::*;
use arrow::datatypes::SchemaRef;
use arrow::row::{RowConverter, Rows, SortField};
use hashbrown::HashMap;

use super::project::batch_of;
use super::{BatchCtx, Operator};
use crate::error::{EngineError, Result};
use crate::eval::{eval, eval_predicate};
use crate::plan::{JoinKind, PExpr};

#[allow(clippy::too_many_arguments)]
pub fn build(
    left: Box<dyn Operator>,
    right: Box<dyn Operator>,
    left_streaming: bool,
    right_streaming: bool,
    kind: JoinKind,
    left_keys: Vec<PExpr>,
    right_keys: Vec<PExpr>,
    condition: Option<PExpr>,
    left_schema: SchemaRef,
    right_schema: SchemaRef,
    schema: SchemaRef,
    left_time: Option<usize>,
    right_time: Option<usize>,
) -> Result<Box<dyn Operator>> {
    if left_streaming && right_streaming {
        if matches!(kind, JoinKind::LeftAnti | JoinKind::Cross) {
            return Err(EngineError::unsupported(format!("{} joins between two streams", kind.spark_name())));
        }
        return Ok(Box::new(super::stream_join::StreamJoinExec::new(
            left, right, kind, left_keys, right_keys, condition, left_schema, right_schema, schema, left_time, right_time,
        )?));
    }
    // Probe with the streaming side; the static side is the build side.
    let stream_is_left = left_streaming || !right_streaming;
    Ok(Box::new(HashJoinExec {
        left,
        right,
        stream_is_left,
        kind,
        left_keys,
        right_keys,
        condition,
        right_width: right_schema.fields().len(),
        schema,
        table: None,
    }))
}

/// The hashed static side.
struct Table {
    batch: RecordBatch,
    conv: Option<RowConverter>,
    index: HashMap<Box<[u8]>, Vec<u32>, foldhash::fast::FixedState>,
}

pub struct HashJoinExec {
    left: Box<dyn Operator>,
    right: Box<dyn Operator>,
    stream_is_left: bool,
    kind: JoinKind,
    left_keys: Vec<PExpr>,
    right_keys: Vec<PExpr>,
    condition: Option<PExpr>,
    right_width: usize,
    schema: SchemaRef,
    table: Option<Table>,
}

fn key_rows(keys: &[PExpr], batch: &RecordBatch, ctx: &BatchCtx, conv: &RowConverter) -> Result<(Rows, Vec<bool>)> {
    let cols: Vec<ArrayRef> = keys.iter().map(|k| eval(k, batch, &ctx.eval)).collect::<Result<_>>()?;
    let valid: Vec<bool> = (0..batch.num_rows()).map(|i| cols.iter().all(|c| c.is_valid(i))).collect();
    Ok((conv.convert_columns(&cols)?, valid))
}

impl HashJoinExec {
    fn build_table(&mut self, ctx: &mut BatchCtx) -> Result<()> {
        let (static_op, keys) = if self.stream_is_left { (&mut self.right, &self.right_keys) } else { (&mut self.left, &self.left_keys) };
        let batch = static_op.next(ctx)?;
        let mut index: HashMap<Box<[u8]>, Vec<u32>, foldhash::fast::FixedState> = HashMap::default();
        let conv = if keys.is_empty() {
            None
        } else {
            let conv = RowConverter::new(keys.iter().map(|k| SortField::new(k.ty.clone())).collect())?;
            let (rows, valid) = key_rows(keys, &batch, ctx, &conv)?;
            for i in 0..batch.num_rows() {
                if valid[i] {
                    index.entry(rows.row(i).as_ref().into()).or_default().push(i as u32);
                }
            }
            Some(conv)
        };
        self.table = Some(Table { batch, conv, index });
        Ok(())
    }
}

impl Operator for HashJoinExec {
    fn next(&mut self, ctx: &mut BatchCtx) -> Result<RecordBatch> {
        if self.table.is_none() {
            self.build_table(ctx)?;
        }
        let stream = if self.stream_is_left { self.left.next(ctx)? } else { self.right.next(ctx)? };
        let table = self.table.as_ref().expect("built above");
        let probe_keys = if self.stream_is_left { &self.left_keys } else { &self.right_keys };
        // Candidate pairs (stream row, static row).
        let mut s_idx: Vec<u32> = Vec::new();
        let mut t_idx: Vec<u32> = Vec::new();
        match &table.conv {
            Some(conv) => {
                let (rows, valid) = key_rows(probe_keys, &stream, ctx, conv)?;
                for i in 0..stream.num_rows() {
                    if !valid[i] {
                        continue;
                    }
                    if let Some(m) = table.index.get(rows.row(i).as_ref()) {
                        for &j in m {
                            s_idx.push(i as u32);
                            t_idx.push(j);
                        }
                    }
                }
            }
            None => {
                for i in 0..stream.num_rows() {
                    for j in 0..table.batch.num_rows() {
                        s_idx.push(i as u32);
                        t_idx.push(j as u32);
                    }
                }
            }
        }
        let combine = |s: &UInt32Array, t: &UInt32Array| -> Result<Vec<ArrayRef>> {
            let sc = stream.columns().iter().map(|c| arrow::compute::take(c, s, None));
            let tc = table.batch.columns().iter().map(|c| arrow::compute::take(c, t, None));
            let (l, r): (Vec<_>, Vec<_>) = if self.stream_is_left { (sc.collect(), tc.collect()) } else { (tc.collect(), sc.collect()) };
            Ok(l.into_iter().chain(r).collect::<std::result::Result<Vec<_>, _>>()?)
        };
        let mut s_arr = UInt32Array::from(s_idx);
        let mut t_arr = UInt32Array::from(t_idx);
        if let Some(cond) = &self.condition {
            let cols = combine(&s_arr, &t_arr)?;
            let pairs = batch_of(&self.full_schema(), cols, s_arr.len())?;
            let keep = eval_predicate(cond, &pairs, &ctx.eval)?;
            s_arr = arrow::compute::filter(&s_arr, &keep)?.as_primitive().clone();
            t_arr = arrow::compute::filter(&t_arr, &keep)?.as_primitive().clone();
        }
        let stream_outer = match self.kind {
            JoinKind::LeftOuter => self.stream_is_left,
            JoinKind::RightOuter => !self.stream_is_left,
            _ => false,
        };
        match self.kind {
            JoinKind::LeftSemi | JoinKind::LeftAnti => {
                let mut matched = vec![false; stream.num_rows()];
                for s in s_arr.values().iter() {
                    matched[*s as usize] = true;
                }
                let want = self.kind == JoinKind::LeftSemi;
                let mask = BooleanArray::from(matched.into_iter().map(|m| m == want).collect::<Vec<_>>());
                let out = arrow::compute::filter_record_batch(&stream, &mask)?;
                batch_of(&self.schema, out.columns().to_vec(), out.num_rows())
            }
            _ => {
                let (mut s_all, mut t_all): (Vec<Option<u32>>, Vec<Option<u32>>) =
                    (s_arr.iter().collect(), t_arr.iter().collect());
                if stream_outer {
                    let mut matched = vec![false; stream.num_rows()];
                    for s in s_arr.values().iter() {
                        matched[*s as usize] = true;
                    }
                    for (i, m) in matched.iter().enumerate() {
                        if !m {
                            s_all.push(Some(i as u32));
                            t_all.push(None);
                        }
                    }
                }
                let n = s_all.len();
                let cols = combine(&UInt32Array::from(s_all), &UInt32Array::from(t_all))?;
                batch_of(&self.schema, cols, n)
            }
        }
    }

    fn state_rows(&self) -> usize {
        self.left.state_rows() + self.right.state_rows()
    }

    fn needs_no_data_batch(&self, wm: i64) -> bool {
        self.left.needs_no_data_batch(wm) || self.right.needs_no_data_batch(wm)
    }
}

impl HashJoinExec {
    /// Left ++ right columns, as the residual condition sees them.
    fn full_schema(&self) -> SchemaRef {
        let n = self.schema.fields().len();
        if matches!(self.kind, JoinKind::LeftSemi | JoinKind::LeftAnti) {
            // The plan's schema is the left side only; name the rest.
            let mut fields: Vec<arrow::datatypes::Field> = self.schema.fields().iter().map(|f| f.as_ref().clone()).collect();
            for i in 0..self.right_width {
                fields.push(arrow::datatypes::Field::new(format!("r{i}"), arrow::datatypes::DataType::Null, true));
            }
            return Arc::new(arrow::datatypes::Schema::new(fields));
        }
        let _ = n;
        self.schema.clone()
    }
}
