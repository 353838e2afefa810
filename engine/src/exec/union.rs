//! `union`: both inputs' rows, under the first input's column names.

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use super::project::batch_of;
use super::{BatchCtx, Operator};
use crate::error::Result;

pub struct UnionExec {
    inputs: Vec<Box<dyn Operator>>,
    schema: SchemaRef,
}

impl UnionExec {
    pub fn new(inputs: Vec<Box<dyn Operator>>, schema: SchemaRef) -> Self {
        UnionExec { inputs, schema }
    }
}

impl Operator for UnionExec {
    fn next(&mut self, ctx: &mut BatchCtx) -> Result<RecordBatch> {
        let mut parts = Vec::new();
        for i in &mut self.inputs {
            let b = i.next(ctx)?;
            parts.push(batch_of(&self.schema, b.columns().to_vec(), b.num_rows())?);
        }
        let schema = parts.first().map(|p| p.schema()).unwrap_or_else(|| self.schema.clone());
        Ok(arrow::compute::concat_batches(&schema, &parts)?)
    }

    fn state_rows(&self) -> usize {
        self.inputs.iter().map(|i| i.state_rows()).sum()
    }

    fn needs_no_data_batch(&self, wm: i64) -> bool {
        self.inputs.iter().any(|i| i.needs_no_data_batch(wm))
    }
}
