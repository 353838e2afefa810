//! `limit(n)`: on a stream in append/update mode it is a running limit
//! over the whole stream (Spark's StreamingGlobalLimit); otherwise it cuts
//! each batch's result.

use arrow::array::RecordBatch;

use super::{BatchCtx, Operator};
use crate::error::Result;

pub struct LimitExec {
    input: Box<dyn Operator>,
    n: usize,
    streaming: bool,
    emitted: usize,
}

impl LimitExec {
    pub fn new(input: Box<dyn Operator>, n: usize, streaming: bool) -> Self {
        LimitExec { input, n, streaming, emitted: 0 }
    }
}

impl Operator for LimitExec {
    fn next(&mut self, ctx: &mut BatchCtx) -> Result<RecordBatch> {
        let input = self.input.next(ctx)?;
        let room = if self.streaming { self.n.saturating_sub(self.emitted) } else { self.n };
        let take = room.min(input.num_rows());
        if self.streaming {
            self.emitted += take;
        }
        Ok(input.slice(0, take))
    }

    fn state_rows(&self) -> usize {
        usize::from(self.streaming) + self.input.state_rows()
    }

    fn needs_no_data_batch(&self, wm: i64) -> bool {
        self.input.needs_no_data_batch(wm)
    }
}
