//! Computes the select list.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::{Field, Schema, SchemaRef};

use super::{BatchCtx, Operator};
use crate::error::Result;
use crate::eval::subexpr::Projection;
use crate::plan::PExpr;

pub struct ProjectExec {
    input: Box<dyn Operator>,
    projection: Projection,
    schema: SchemaRef,
}

impl ProjectExec {
    pub fn new(input: Box<dyn Operator>, exprs: Vec<PExpr>, input_width: usize, schema: SchemaRef) -> Self {
        let width = input_width;
        ProjectExec { input, projection: Projection::new(exprs, width), schema }
    }
}

/// A batch from columns, its field types taken from the arrays themselves
/// (nested field names may differ from the plan's without meaning anything).
pub fn batch_of(schema: &SchemaRef, columns: Vec<ArrayRef>, rows: usize) -> Result<RecordBatch> {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .zip(&columns)
        .map(|(f, c)| Field::new(f.name(), c.data_type().clone(), true))
        .collect();
    Ok(RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(rows)),
    )?)
}

impl Operator for ProjectExec {
    fn next(&mut self, ctx: &mut BatchCtx) -> Result<RecordBatch> {
        let input = self.input.next(ctx)?;
        let cols = self.projection.eval(&input, &ctx.eval)?;
        batch_of(&self.schema, cols, input.num_rows())
    }

    fn state_rows(&self) -> usize {
        self.input.state_rows()
    }

    fn needs_no_data_batch(&self, wm: i64) -> bool {
        self.input.needs_no_data_batch(wm)
    }
}
