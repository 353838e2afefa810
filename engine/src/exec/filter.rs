//! Keeps the rows a predicate holds for (NULL counts as false).

use arrow::array::RecordBatch;
use arrow::compute::filter_record_batch;

use super::{BatchCtx, Operator};
use crate::error::Result;
use crate::eval::eval_predicate;
use crate::plan::PExpr;

pub struct FilterExec {
    input: Box<dyn Operator>,
    predicate: PExpr,
}

impl FilterExec {
    pub fn new(input: Box<dyn Operator>, predicate: PExpr) -> Self {
        FilterExec { input, predicate }
    }
}

impl Operator for FilterExec {
    fn next(&mut self, ctx: &mut BatchCtx) -> Result<RecordBatch> {
        let input = self.input.next(ctx)?;
        if input.num_rows() == 0 {
            return Ok(input);
        }
        let mask = eval_predicate(&self.predicate, &input, &ctx.eval)?;
        Ok(filter_record_batch(&input, &mask)?)
    }

    fn state_rows(&self) -> usize {
        self.input.state_rows()
    }

    fn needs_no_data_batch(&self, wm: i64) -> bool {
        self.input.needs_no_data_batch(wm)
    }
}
