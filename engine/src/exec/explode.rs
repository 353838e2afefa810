//! `explode`/`posexplode` (and `_outer`): one output row per element.

use std::sync::Arc;

use arrow::array::*;
use arrow::datatypes::SchemaRef;

use super::project::batch_of;
use super::{BatchCtx, Operator};
use crate::error::Result;
use crate::eval::eval;
use crate::plan::PExpr;

pub struct ExplodeExec {
    input: Box<dyn Operator>,
    expr: PExpr,
    outer: bool,
    position: bool,
    schema: SchemaRef,
    /// Input columns the operator above reads; the others are not copied
    /// once per element (they come out as NULL columns nobody looks at).
    needed: Option<Vec<bool>>,
}

impl ExplodeExec {
    pub fn new(input: Box<dyn Operator>, expr: PExpr, outer: bool, position: bool, schema: SchemaRef) -> Self {
        ExplodeExec { input, expr, outer, position, schema, needed: None }
    }

    /// Only these input columns will be read downstream.
    pub fn with_needed_columns(mut self, needed: Vec<bool>) -> Self {
        self.needed = Some(needed);
        self
    }
}

impl Operator for ExplodeExec {
    fn next(&mut self, ctx: &mut BatchCtx) -> Result<RecordBatch> {
        let input = self.input.next(ctx)?;
        let v = eval(&self.expr, &input, &ctx.eval)?;
        // (input row, element index or None for an outer row with nothing)
        let (offsets, nulls, values): (Vec<i64>, Option<arrow::buffer::NullBuffer>, Vec<ArrayRef>) = match v.data_type() {
            arrow::datatypes::DataType::List(_) => {
                let l = v.as_list::<i32>();
                (l.value_offsets().iter().map(|&o| o as i64).collect(), l.nulls().cloned(), vec![l.values().clone()])
            }
            arrow::datatypes::DataType::Map(..) => {
                let m = v.as_map();
                (
                    m.value_offsets().iter().map(|&o| o as i64).collect(),
                    m.nulls().cloned(),
                    vec![m.keys().clone(), m.values().clone()],
                )
            }
            _ => (vec![0; input.num_rows() + 1], None, vec![]),
        };
        let n = input.num_rows();
        let total = (offsets[n] - offsets[0]) as usize;
        let valid = |r: usize| nulls.as_ref().map_or(true, |b| b.is_valid(r));
        // Usually every row's elements are the list values in order, with
        // nothing for empty or null rows: the exploded column is then a
        // slice of the values, and only the row indexes are built.
        let contiguous = (0..n).all(|r| if offsets[r + 1] > offsets[r] { valid(r) } else { !self.outer });
        let mut row_idx: Vec<u32> = Vec::with_capacity(total + if self.outer { n } else { 0 });
        let mut elem_idx: Vec<Option<u32>> = Vec::new();
        let mut pos: Vec<Option<i32>> = Vec::new();
        if contiguous {
            for r in 0..n {
                row_idx.extend(std::iter::repeat_n(r as u32, (offsets[r + 1] - offsets[r]) as usize));
            }
            if self.position {
                pos.reserve(total);
                for r in 0..n {
                    pos.extend((0..(offsets[r + 1] - offsets[r]) as i32).map(Some));
                }
            }
        } else {
            elem_idx.reserve(row_idx.capacity());
            for r in 0..n {
                let (s, e) = (offsets[r], offsets[r + 1]);
                if valid(r) && e > s {
                    for k in s..e {
                        row_idx.push(r as u32);
                        elem_idx.push(Some(k as u32));
                        if self.position {
                            pos.push(Some((k - s) as i32));
                        }
                    }
                } else if self.outer {
                    row_idx.push(r as u32);
                    elem_idx.push(None);
                    if self.position {
                        pos.push(None);
                    }
                }
            }
        }
        let rows = UInt32Array::from(row_idx);
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(self.schema.fields().len());
        for (i, c) in input.columns().iter().enumerate() {
            let needed = self.needed.as_ref().is_none_or(|n| n.get(i).copied().unwrap_or(true));
            cols.push(if needed { arrow::compute::take(c, &rows, None)? } else { new_null_array(c.data_type(), rows.len()) });
        }
        if self.position {
            cols.push(Arc::new(Int32Array::from(pos)));
        }
        if contiguous {
            for v in values {
                cols.push(v.slice(offsets[0] as usize, total));
            }
        } else {
            let elems = UInt32Array::from(elem_idx);
            for v in values {
                cols.push(arrow::compute::take(&v, &elems, None)?);
            }
        }
        let n = rows.len();
        batch_of(&self.schema, cols, n)
    }

    fn state_rows(&self) -> usize {
        self.input.state_rows()
    }

    fn needs_no_data_batch(&self, wm: i64) -> bool {
        self.input.needs_no_data_batch(wm)
    }
}
