//! Assigns each row to the time windows its event time falls in (Spark's
//! TimeWindowing): one row per window, with the `window` struct appended.
//! Session windows start as `[t, t + gap)`; the aggregate merges them.

use std::sync::Arc;

use arrow::array::*;
use arrow::datatypes::{DataType, SchemaRef, TimestampMicrosecondType};

use super::project::batch_of;
use super::{BatchCtx, Operator};
use crate::error::Result;
use crate::eval::eval;
use crate::plan::logical::WindowSpec;
use crate::plan::PExpr;

pub struct TimeWindowExec {
    input: Box<dyn Operator>,
    time: PExpr,
    spec: WindowSpec,
    schema: SchemaRef,
}

impl TimeWindowExec {
    pub fn new(input: Box<dyn Operator>, time: PExpr, spec: WindowSpec, schema: SchemaRef) -> Self {
        TimeWindowExec { input, time, spec, schema }
    }
}

/// The windows `[start, end)` that contain `t`, earliest first (Spark's
/// TimeWindowing: the last window starting at or before `t`, then the
/// overlapping ones before it).
pub fn windows_for(t: i64, spec: &WindowSpec) -> impl Iterator<Item = (i64, i64)> + '_ {
    let session = spec.start == i64::MIN;
    let overlapping = if session { 1 } else { (spec.size + spec.slide - 1) / spec.slide };
    let last_start = if session { t } else { t - (t - spec.start).rem_euclid(spec.slide) };
    (0..overlapping).rev().filter_map(move |i| {
        let ws = last_start - i * spec.slide;
        let we = ws + spec.size;
        (t >= ws && t < we).then_some((ws, we))
    })
}

impl Operator for TimeWindowExec {
    fn next(&mut self, ctx: &mut BatchCtx) -> Result<RecordBatch> {
        let input = self.input.next(ctx)?;
        let t = eval(&self.time, &input, &ctx.eval)?;
        let ts = t.as_primitive::<TimestampMicrosecondType>();
        let mut rows = Vec::new();
        let mut starts = Vec::new();
        let mut ends = Vec::new();
        for r in 0..ts.len() {
            if ts.is_null(r) {
                continue;
            }
            for (s, e) in windows_for(ts.value(r), &self.spec) {
                rows.push(r as u32);
                starts.push(s);
                ends.push(e);
            }
        }
        let idx = UInt32Array::from(rows);
        let mut cols: Vec<ArrayRef> =
            input.columns().iter().map(|c| arrow::compute::take(c, &idx, None)).collect::<std::result::Result<_, _>>()?;
        let tz = match ts.data_type() {
            DataType::Timestamp(_, tz) => tz.clone(),
            _ => None,
        };
        let start: ArrayRef = Arc::new(TimestampMicrosecondArray::from(starts).with_timezone_opt(tz.clone()));
        let end: ArrayRef = Arc::new(TimestampMicrosecondArray::from(ends).with_timezone_opt(tz));
        let fields = match self.schema.fields().last().map(|f| f.data_type().clone()) {
            Some(DataType::Struct(f)) => f,
            _ => return Err(crate::error::EngineError::execution("INTERNAL_ERROR", "window column missing", "XX000")),
        };
        cols.push(Arc::new(StructArray::try_new(fields, vec![start, end], None)?));
        let n = idx.len();
        batch_of(&self.schema, cols, n)
    }

    fn state_rows(&self) -> usize {
        self.input.state_rows()
    }

    fn needs_no_data_batch(&self, wm: i64) -> bool {
        self.input.needs_no_data_batch(wm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_windows_contain_the_time() {
        let m = 60_000_000;
        let spec = WindowSpec { size: 10 * m, slide: 5 * m, start: 0 };
        let w: Vec<_> = windows_for(3 * m, &spec).collect();
        assert_eq!(w, vec![(-5 * m, 5 * m), (0, 10 * m)]);
        let tumbling = WindowSpec { size: 10 * m, slide: 10 * m, start: 0 };
        assert_eq!(windows_for(10 * m, &tumbling).collect::<Vec<_>>(), vec![(10 * m, 20 * m)]);
        assert_eq!(windows_for(5 * m, &spec).collect::<Vec<_>>(), vec![(0, 10 * m), (5 * m, 15 * m)]);
        assert_eq!(windows_for(-m, &tumbling).collect::<Vec<_>>(), vec![(-10 * m, 0)]);
    }
}
