//! `dropDuplicates`: a row passes the first time its key is seen. With a
//! watermark on one of the keys, late rows are dropped and keys the
//! watermark has passed are forgotten. `dropDuplicatesWithinWatermark`
//! keys on the given columns only and forgets a key once the watermark
//! reaches its first row's event time plus the delay.

use arrow::array::*;
use arrow::compute::filter_record_batch;
use arrow::row::{RowConverter, SortField};
use hashbrown::HashMap;

use super::{BatchCtx, Operator};
use crate::error::Result;

pub struct DedupExec {
    input: Box<dyn Operator>,
    keys: Vec<usize>,
    /// Input column carrying event time, if it is one of the keys.
    event_col: Option<usize>,
    conv: Option<RowConverter>,
    /// key -> event time (i64::MIN without a watermark)
    seen: HashMap<Box<[u8]>, i64, foldhash::fast::FixedState>,
    evicted_at: Option<i64>,
    /// dropDuplicatesWithinWatermark: the delay added to a row's event time
    /// to get when its key expires.
    expiry_delay: Option<i64>,
}

impl DedupExec {
    pub fn new(input: Box<dyn Operator>, keys: Vec<usize>, event_col: Option<usize>) -> Self {
        let event_col = event_col.filter(|c| keys.contains(c));
        DedupExec { input, keys, event_col, conv: None, seen: Default::default(), evicted_at: None, expiry_delay: None }
    }

    /// `dropDuplicatesWithinWatermark`: `event_col` carries event time (it
    /// need not be a key); a key expires `delay` after its first row.
    pub fn within_watermark(mut self, event_col: usize, delay: i64) -> Self {
        self.event_col = Some(event_col);
        self.expiry_delay = Some(delay);
        self
    }
}

impl Operator for DedupExec {
    fn next(&mut self, ctx: &mut BatchCtx) -> Result<RecordBatch> {
        let input = self.input.next(ctx)?;
        let cols: Vec<ArrayRef> = self.keys.iter().map(|&k| input.column(k).clone()).collect();
        if self.conv.is_none() {
            self.conv = Some(RowConverter::new(cols.iter().map(|c| SortField::new(c.data_type().clone())).collect())?);
        }
        let conv = self.conv.as_ref().expect("set above");
        let rows = conv.convert_columns(&cols)?;
        let wm = ctx.watermark.filter(|_| self.event_col.is_some());
        let times = self.event_col.map(|c| super::aggregate::event_time_values(input.column(c)));
        let mut mask = BooleanBuilder::with_capacity(input.num_rows());
        for i in 0..input.num_rows() {
            let t = times.as_ref().and_then(|t| t[i]);
            if let (Some(w), Some(_)) = (wm, &times) {
                if t.map_or(true, |t| t <= w) {
                    mask.append_value(false);
                    continue;
                }
            }
            let key = rows.row(i);
            if self.seen.contains_key(key.as_ref()) {
                mask.append_value(false);
            } else {
                let expires = match (self.expiry_delay, t) {
                    (Some(d), Some(t)) => t.saturating_add(d),
                    _ => t.unwrap_or(i64::MIN),
                };
                self.seen.insert(key.as_ref().into(), expires);
                mask.append_value(true);
            }
        }
        if let Some(w) = wm {
            // Spark keeps a within-watermark key while its expiry is after the watermark.
            self.seen.retain(|_, t| *t > w);
            self.evicted_at = Some(w);
        }
        Ok(filter_record_batch(&input, &mask.finish())?)
    }

    fn state_rows(&self) -> usize {
        self.seen.len() + self.input.state_rows()
    }

    fn needs_no_data_batch(&self, wm: i64) -> bool {
        (self.event_col.is_some() && self.evicted_at.map_or(true, |e| wm > e)) || self.input.needs_no_data_batch(wm)
    }
}
