//! Session windows: per group, events closer than the gap form one session
//! `[first event, last event + gap)`. A new event extends a session or starts
//! one, and can bridge two sessions into one. Sessions the watermark has
//! passed are final: append mode emits them then, complete mode shows all.

use std::sync::Arc;

use arrow::array::*;
use arrow::datatypes::{DataType, SchemaRef, TimestampMicrosecondType};
use arrow::row::{OwnedRow, RowConverter, SortField};
use hashbrown::HashMap;

use super::aggregate::Acc;
use super::project::batch_of;
use super::{BatchCtx, OutputMode, Operator};
use crate::error::Result;
use crate::eval::eval;
use crate::plan::logical::{AggCall, SessionSpec};
use crate::plan::PExpr;

struct Session {
    start: i64,
    end: i64,
    group: usize,
}

pub struct SessionWindowExec {
    input: Box<dyn Operator>,
    keys: Vec<PExpr>,
    aggs: Vec<AggCall>,
    spec: SessionSpec,
    schema: SchemaRef,
    mode: OutputMode,
    /// The other grouping keys, row-encoded (None if there are none).
    conv: Option<RowConverter>,
    /// base key -> its open sessions
    sessions: HashMap<Box<[u8]>, Vec<Session>, foldhash::fast::FixedState>,
    base_rows: HashMap<Box<[u8]>, Option<OwnedRow>, foldhash::fast::FixedState>,
    accs: Vec<Acc>,
    next_group: usize,
    free: Vec<usize>,
    evicted_at: Option<i64>,
    session_type: DataType,
}

impl SessionWindowExec {
    pub fn new(
        input: Box<dyn Operator>,
        keys: Vec<PExpr>,
        aggs: Vec<AggCall>,
        spec: SessionSpec,
        schema: SchemaRef,
        mode: OutputMode,
    ) -> Result<Self> {
        let others: Vec<SortField> =
            keys.iter().enumerate().filter(|(i, _)| *i != spec.key_index).map(|(_, k)| SortField::new(k.ty.clone())).collect();
        let conv = if others.is_empty() { None } else { Some(RowConverter::new(others)?) };
        let accs = aggs.iter().map(Acc::new).collect::<Result<Vec<_>>>()?;
        let session_type = keys.get(spec.key_index).map(|k| k.ty.clone()).unwrap_or(DataType::Null);
        Ok(SessionWindowExec {
            input,
            keys,
            aggs,
            spec,
            schema,
            mode,
            conv,
            sessions: Default::default(),
            base_rows: Default::default(),
            accs,
            next_group: 0,
            free: Vec::new(),
            evicted_at: None,
            session_type,
        })
    }

    /// The output rows for these (base key, session) pairs.
    fn emit(&self, picked: &[(Box<[u8]>, i64, i64, usize)]) -> Result<RecordBatch> {
        let n = picked.len();
        let mut base_cols: Vec<ArrayRef> = match &self.conv {
            Some(conv) if n > 0 => {
                let rows: Vec<arrow::row::Row> =
                    picked.iter().filter_map(|(k, ..)| self.base_rows.get(k).and_then(|r| r.as_ref().map(|r| r.row()))).collect();
                conv.convert_rows(rows)?
            }
            _ => self
                .keys
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != self.spec.key_index)
                .map(|(_, k)| new_empty_array(&k.ty))
                .collect(),
        };
        let tz = match &self.session_type {
            DataType::Struct(f) => match f[0].data_type() {
                DataType::Timestamp(_, tz) => tz.clone(),
                _ => None,
            },
            _ => None,
        };
        let starts: ArrayRef = Arc::new(TimestampMicrosecondArray::from(picked.iter().map(|p| p.1).collect::<Vec<_>>()).with_timezone_opt(tz.clone()));
        let ends: ArrayRef = Arc::new(TimestampMicrosecondArray::from(picked.iter().map(|p| p.2).collect::<Vec<_>>()).with_timezone_opt(tz));
        let fields = match &self.session_type {
            DataType::Struct(f) => f.clone(),
            _ => return Err(crate::error::EngineError::execution("INTERNAL_ERROR", "session column is not a struct", "XX000")),
        };
        let session: ArrayRef = Arc::new(StructArray::try_new(fields, vec![starts, ends], None)?);
        base_cols.insert(self.spec.key_index.min(base_cols.len()), session);
        let groups: Vec<usize> = picked.iter().map(|p| p.3).collect();
        for (acc, call) in self.accs.iter().zip(&self.aggs) {
            base_cols.push(acc.finish(&groups, &call.ty)?);
        }
        batch_of(&self.schema, base_cols, n)
    }
}

impl Operator for SessionWindowExec {
    fn next(&mut self, ctx: &mut BatchCtx) -> Result<RecordBatch> {
        let input = self.input.next(ctx)?;
        let wm = ctx.watermark;
        let key_cols: Vec<ArrayRef> = self.keys.iter().map(|k| eval(k, &input, &ctx.eval)).collect::<Result<_>>()?;
        let session_col = key_cols[self.spec.key_index].as_struct().clone();
        let starts = session_col.column(0).as_primitive::<TimestampMicrosecondType>().clone();
        let others: Vec<ArrayRef> = key_cols.iter().enumerate().filter(|(i, _)| *i != self.spec.key_index).map(|(_, c)| c.clone()).collect();
        let base = match &self.conv {
            Some(conv) => Some(conv.convert_columns(&others)?),
            None => None,
        };
        let args: Vec<Option<ArrayRef>> =
            self.aggs.iter().map(|a| a.arg.as_ref().map(|e| eval(e, &input, &ctx.eval)).transpose()).collect::<Result<_>>()?;
        // Rows in event-time order, so sessions grow as they would in time.
        let mut order: Vec<usize> = (0..input.num_rows()).filter(|&i| starts.is_valid(i)).collect();
        order.sort_by_key(|&i| starts.value(i));
        for i in order {
            let t = starts.value(i);
            let (s, e) = (t, t + self.spec.gap);
            if wm.is_some_and(|w| e <= w) {
                continue; // late
            }
            let key: Box<[u8]> = match &base {
                Some(rows) => Box::from(rows.row(i).as_ref()),
                None => Box::from(&[][..]),
            };
            if !self.base_rows.contains_key(&key) {
                self.base_rows.insert(key.clone(), base.as_ref().map(|r| r.row(i).owned()));
            }
            let list = self.sessions.entry(key.clone()).or_default();
            let overlapping: Vec<usize> = list.iter().enumerate().filter(|(_, x)| x.start < e && s < x.end).map(|(k, _)| k).collect();
            let g = if overlapping.is_empty() {
                let g = self.free.pop().unwrap_or_else(|| {
                    self.next_group += 1;
                    self.next_group - 1
                });
                for a in &mut self.accs {
                    a.reset(g);
                }
                self.sessions.get_mut(&key).expect("entry above").push(Session { start: s, end: e, group: g });
                g
            } else {
                let list = self.sessions.get_mut(&key).expect("entry above");
                let first = overlapping[0];
                let g = list[first].group;
                let mut lo = list[first].start.min(s);
                let mut hi = list[first].end.max(e);
                let mut merged = Vec::new();
                for &k in overlapping.iter().skip(1).rev() {
                    let other = list.remove(k);
                    lo = lo.min(other.start);
                    hi = hi.max(other.end);
                    merged.push(other.group);
                }
                list[first].start = lo;
                list[first].end = hi;
                for m in merged {
                    for a in &mut self.accs {
                        a.merge(g, m)?;
                    }
                    self.free.push(m);
                }
                g
            };
            for (acc, arg) in self.accs.iter_mut().zip(&args) {
                let one = arg.as_ref().map(|a| a.slice(i, 1));
                acc.update(&[g], one.as_ref())?;
            }
        }
        // What this batch emits.
        let mut picked: Vec<(Box<[u8]>, i64, i64, usize)> = Vec::new();
        for (k, list) in &self.sessions {
            for s in list {
                let closed = wm.is_some_and(|w| s.end <= w);
                if self.mode == OutputMode::Complete || (self.mode == OutputMode::Append && closed) {
                    picked.push((k.clone(), s.start, s.end, s.group));
                }
            }
        }
        let out = self.emit(&picked)?;
        if let Some(w) = wm {
            if self.mode != OutputMode::Complete {
                let mut freed = Vec::new();
                for list in self.sessions.values_mut() {
                    list.retain(|s| {
                        let keep = s.end > w;
                        if !keep {
                            freed.push(s.group);
                        }
                        keep
                    });
                }
                self.free.extend(freed);
                self.sessions.retain(|_, l| !l.is_empty());
                let live: hashbrown::HashSet<&Box<[u8]>> = self.sessions.keys().collect();
                let gone: Vec<Box<[u8]>> = self.base_rows.keys().filter(|k| !live.contains(k)).cloned().collect();
                for k in gone {
                    self.base_rows.remove(&k);
                }
            }
            self.evicted_at = Some(w);
        }
        Ok(out)
    }

    fn state_rows(&self) -> usize {
        self.sessions.values().map(|l| l.len()).sum::<usize>() + self.input.state_rows()
    }

    fn needs_no_data_batch(&self, wm: i64) -> bool {
        (self.mode != OutputMode::Complete && self.evicted_at.map_or(true, |e| wm > e)) || self.input.needs_no_data_batch(wm)
    }
}
