//! `orderBy`: sorts the batch (Spark allows it on a stream only after an
//! aggregation in complete mode; the checker enforces that).

use arrow::array::*;
use arrow::compute::{lexsort_to_indices, take_record_batch, SortColumn, SortOptions};

use super::{BatchCtx, Operator};
use crate::error::Result;
use crate::eval::eval;
use crate::plan::logical::SortKey;

pub struct SortExec {
    input: Box<dyn Operator>,
    keys: Vec<SortKey>,
}

impl SortExec {
    pub fn new(input: Box<dyn Operator>, keys: Vec<SortKey>) -> Self {
        SortExec { input, keys }
    }
}

impl Operator for SortExec {
    fn next(&mut self, ctx: &mut BatchCtx) -> Result<RecordBatch> {
        let input = self.input.next(ctx)?;
        if input.num_rows() < 2 || self.keys.is_empty() {
            return Ok(input);
        }
        let cols = self
            .keys
            .iter()
            .map(|k| {
                Ok(SortColumn {
                    values: eval(&k.expr, &input, &ctx.eval)?,
                    options: Some(SortOptions { descending: !k.asc, nulls_first: k.nulls_first }),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let idx = lexsort_to_indices(&cols, None)?;
        Ok(take_record_batch(&input, &idx)?)
    }

    fn state_rows(&self) -> usize {
        self.input.state_rows()
    }

    fn needs_no_data_batch(&self, wm: i64) -> bool {
        self.input.needs_no_data_batch(wm)
    }
}
