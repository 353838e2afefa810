//! Leaves: a streaming source's new rows for this batch, or a static table.

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use super::{BatchCtx, Operator};
use crate::error::Result;

pub struct SourceExec {
    id: usize,
    schema: SchemaRef,
}

impl SourceExec {
    pub fn new(id: usize, schema: SchemaRef) -> Self {
        SourceExec { id, schema }
    }
}

impl Operator for SourceExec {
    fn next(&mut self, ctx: &mut BatchCtx) -> Result<RecordBatch> {
        Ok(match ctx.inputs.get(self.id) {
            Some(Some(b)) => b.clone(),
            _ => super::empty(&self.schema),
        })
    }
}

pub struct StaticExec {
    batch: RecordBatch,
}

impl StaticExec {
    pub fn new(batch: RecordBatch) -> Self {
        StaticExec { batch }
    }
}

impl Operator for StaticExec {
    fn next(&mut self, _ctx: &mut BatchCtx) -> Result<RecordBatch> {
        Ok(self.batch.clone())
    }
}
