//! `withWatermark`: passes rows through and reports the largest event time
//! it saw; the query turns that into the next batch's watermark.

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::TimestampMicrosecondType;

use super::{BatchCtx, Operator};
use crate::error::Result;

pub struct WatermarkExec {
    input: Box<dyn Operator>,
    column: usize,
    pub delay: i64,
    id: usize,
}

impl WatermarkExec {
    pub fn new(input: Box<dyn Operator>, column: usize, delay: i64, id: usize) -> Self {
        WatermarkExec { input, column, delay, id }
    }
}

impl Operator for WatermarkExec {
    fn next(&mut self, ctx: &mut BatchCtx) -> Result<RecordBatch> {
        let input = self.input.next(ctx)?;
        let ts = input.column(self.column).as_primitive::<TimestampMicrosecondType>();
        if let Some(max) = arrow::compute::max(ts) {
            ctx.event_times.push((self.id, max - self.delay));
        }
        Ok(input)
    }

    fn state_rows(&self) -> usize {
        self.input.state_rows()
    }

    fn needs_no_data_batch(&self, wm: i64) -> bool {
        self.input.needs_no_data_batch(wm)
    }
}
