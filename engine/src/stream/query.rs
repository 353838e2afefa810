//! One running streaming query: its operators, its sources' positions, its
//! trigger, the watermark, and the micro-batch loop (Spark's
//! MicroBatchExecution): a batch when there is new data, a no-data batch
//! when the watermark moved and a stateful operator can emit or evict.

use std::collections::BTreeMap;

use arrow::array::RecordBatch;

use super::sources::{Inputs, SourceDef, SourceReader};
use super::trigger::Trigger;
use crate::console::{self, ShowOptions};
use crate::error::{EngineError, ErrorKind, Result};
use crate::eval::EvalCtx;
use crate::exec::{self, BatchCtx, Operator, OutputMode};
use crate::plan::{Node, Plan};
use crate::zone::SessionZone;

/// Figures for one batch, like Spark's StreamingQueryProgress.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Progress {
    pub batch_id: i64,
    pub num_input_rows: usize,
    pub num_output_rows: usize,
    /// The watermark in force for the batch, as micros since the epoch.
    pub watermark_micros: Option<i64>,
    /// Rows held in state after the batch (`stateOperators.numRowsTotal`).
    pub state_rows: usize,
    /// The host's "now" when the batch ran.
    pub timestamp_ms: i64,
}

/// One micro-batch's result.
#[derive(Clone, Debug)]
pub struct BatchOutput {
    pub query: usize,
    pub batch_id: i64,
    pub batch: RecordBatch,
    /// What the console sink printed for it (empty for other sinks).
    pub console: String,
    pub progress: Progress,
}

#[derive(Clone, Debug, PartialEq)]
pub enum QueryState {
    Active,
    Stopped,
    Failed(EngineError),
}

/// The sink a query writes to.
#[derive(Clone, Debug)]
pub enum Sink {
    Console(ShowOptions),
    /// `format("noop")`: runs, prints nothing.
    Noop,
    /// A sink whose options Spark refuses when the query runs.
    Invalid(String),
    /// `foreachBatch(func)`: the host-side script calls the function with
    /// each batch (see `Engine::drive`).
    ForeachBatch { handler: usize },
}

pub struct StreamingQuery {
    pub index: usize,
    pub name: Option<String>,
    pub id: String,
    pub run_id: String,
    root: Box<dyn Operator>,
    readers: Vec<(usize, SourceReader)>,
    pub trigger: Trigger,
    pub mode: OutputMode,
    sink: Sink,
    pub state: QueryState,
    next_batch_id: i64,
    has_watermark: bool,
    /// Per watermark operator: the largest (max event time - delay) seen.
    operator_watermarks: BTreeMap<usize, i64>,
    watermark: i64,
    /// The watermark the last batch ran with.
    last_batch_watermark: i64,
    /// processingTime: when the next batch may run.
    next_fire_ms: Option<i64>,
    /// once/availableNow: whether the run has happened.
    ran_one_shot: bool,
}

/// A deterministic UUID-shaped id (the engine has no randomness).
fn pseudo_uuid(seed: u64) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut next = || {
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x
    };
    let (a, b) = (next(), next());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0x3fff | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

impl StreamingQuery {
    /// Builds a query over `plan`; `sources` is the session's source list.
    pub fn new(
        index: usize,
        name: Option<String>,
        plan: &Plan,
        sources: &[SourceDef],
        trigger: Trigger,
        mode: OutputMode,
        sink: Sink,
    ) -> Result<StreamingQuery> {
        super::checker::check(plan, mode)?;
        let root = exec::build(plan, mode)?;
        let mut ids = Vec::new();
        let mut has_watermark = false;
        // Every watermark operator counts from the start, at 0 until it has
        // seen data (Spark's WatermarkTracker), so the global watermark
        // waits for all of them.
        let mut operator_watermarks = BTreeMap::new();
        plan.walk(&mut |p| match &p.node {
            Node::Source { id } => {
                if !ids.contains(id) {
                    ids.push(*id)
                }
            }
            Node::Watermark { .. } => {
                has_watermark = true;
                operator_watermarks.insert(exec::watermark_id(p), 0);
            }
            _ => {}
        });
        let readers = ids
            .into_iter()
            .filter_map(|id| sources.get(id).map(|d| (id, SourceReader::new(d.clone()))))
            .collect();
        Ok(StreamingQuery {
            index,
            name,
            id: pseudo_uuid(index as u64 * 2 + 1),
            run_id: pseudo_uuid(index as u64 * 2 + 2),
            root,
            readers,
            trigger,
            mode,
            sink,
            state: QueryState::Active,
            next_batch_id: 0,
            has_watermark,
            operator_watermarks,
            watermark: 0,
            last_batch_watermark: 0,
            next_fire_ms: None,
            ran_one_shot: false,
        })
    }

    pub fn is_active(&self) -> bool {
        self.state == QueryState::Active
    }

    fn has_new_data(&self, inputs: &Inputs) -> bool {
        self.readers.iter().any(|(_, r)| r.has_new(inputs))
    }

    /// Whether Spark would run a no-data batch now.
    fn wants_no_data_batch(&self) -> bool {
        self.has_watermark
            && self.next_batch_id > 0
            && self.watermark > self.last_batch_watermark
            && self.root.needs_no_data_batch(self.watermark)
    }

    /// Whether a batch would run, ignoring the clock.
    pub fn has_work(&self, inputs: &Inputs) -> bool {
        self.is_active() && (self.has_new_data(inputs) || self.wants_no_data_batch())
    }

    /// When the host should call again (processingTime triggers).
    pub fn next_wakeup_ms(&self) -> Option<i64> {
        if !self.is_active() {
            return None;
        }
        // A rate source has rows due every second.
        let rate = self.readers.iter().filter_map(|(_, r)| r.next_due_ms()).min();
        match self.trigger {
            Trigger::ProcessingTime { .. } => match (self.next_fire_ms, rate) {
                (Some(f), Some(r)) => Some(f.max(r)),
                (f, r) => f.or(r),
            },
            _ => rate,
        }
    }

    /// Runs at most one micro-batch if one is due at `now_ms`. With
    /// `ignore_clock`, processing-time triggers fire whenever there is work
    /// (labs: each step is one interval).
    pub fn step(&mut self, inputs: &Inputs, zone: &SessionZone, now_ms: i64, ignore_clock: bool) -> Option<Result<BatchOutput>> {
        if !self.is_active() {
            return None;
        }
        if let Trigger::ProcessingTime { interval_ms } = self.trigger {
            if !ignore_clock {
                let due = self.next_fire_ms.unwrap_or(now_ms);
                if now_ms < due {
                    return None;
                }
                // The next boundary after now (Spark's ProcessingTimeExecutor).
                self.next_fire_ms = Some((now_ms / interval_ms + 1) * interval_ms);
            }
        }
        let one_shot_done = self.trigger.is_one_shot() && self.ran_one_shot;
        let work = self.has_new_data(inputs) || self.wants_no_data_batch();
        if one_shot_done || !work {
            if self.trigger.is_one_shot() {
                // once/availableNow stop when their run is over.
                self.state = QueryState::Stopped;
            }
            return None;
        }
        if self.trigger == Trigger::Once {
            self.ran_one_shot = true;
        }
        Some(self.run_batch(inputs, zone, now_ms).map_err(|e| {
            let failed = self.fail(e);
            self.state = QueryState::Failed(failed.clone());
            failed
        }))
    }

    /// Wraps a batch failure as Spark's STREAM_FAILED.
    fn fail(&self, cause: EngineError) -> EngineError {
        if cause.kind == ErrorKind::Unsupported {
            return cause;
        }
        let mut e = EngineError::spark(
            ErrorKind::StreamFailed,
            "STREAM_FAILED",
            format!("Query [id = {}, runId = {}] terminated with exception: {}", self.id, self.run_id, cause.message),
            "",
        );
        e.span = cause.span;
        e
    }

    fn run_batch(&mut self, inputs: &Inputs, zone: &SessionZone, now_ms: i64) -> Result<BatchOutput> {
        if let Sink::Invalid(msg) = &self.sink {
            let mut e = EngineError::python("IllegalArgumentException", msg);
            e.kind = ErrorKind::Execution;
            return Err(e);
        }
        let max_id = self.readers.iter().map(|(id, _)| *id).max().map_or(0, |m| m + 1);
        let mut batch_inputs: Vec<Option<RecordBatch>> = vec![None; max_id];
        let mut num_input_rows = 0;
        for (id, r) in &mut self.readers {
            if let Some(b) = r.take(inputs, zone)? {
                num_input_rows += b.num_rows();
                batch_inputs[*id] = Some(b);
            }
        }
        let batch_id = self.next_batch_id;
        let watermark = self.has_watermark.then_some(self.watermark);
        let mut ctx = BatchCtx {
            eval: EvalCtx { zone: zone.clone(), now_micros: now_ms * 1000, lambda: vec![] },
            inputs: &batch_inputs,
            watermark,
            mode: self.mode,
            event_times: Vec::new(),
        };
        let out = self.root.next(&mut ctx)?;
        // The next batch's watermark: each operator's max event time minus
        // its delay; the global one is their minimum, and never goes back.
        for (id, wm) in ctx.event_times {
            let e = self.operator_watermarks.entry(id).or_insert(wm);
            *e = (*e).max(wm);
        }
        self.last_batch_watermark = self.watermark;
        if let Some(min) = self.operator_watermarks.values().min() {
            self.watermark = self.watermark.max(*min);
        }
        self.next_batch_id += 1;
        let console = match &self.sink {
            Sink::Console(opts) => console::batch_text(batch_id, &out, opts, zone),
            Sink::Noop | Sink::Invalid(_) | Sink::ForeachBatch { .. } => String::new(),
        };
        Ok(BatchOutput {
            query: self.index,
            batch_id,
            progress: Progress {
                batch_id,
                num_input_rows,
                num_output_rows: out.num_rows(),
                watermark_micros: watermark,
                state_rows: self.root.state_rows(),
                timestamp_ms: now_ms,
            },
            batch: out,
            console,
        })
    }

    /// The `foreachBatch` function this query hands its batches to.
    pub fn batch_handler(&self) -> Option<usize> {
        match self.sink {
            Sink::ForeachBatch { handler } => Some(handler),
            _ => None,
        }
    }

    /// The `foreachBatch` function failed: the query stops with Spark's error.
    pub fn fail_in_batch_function(&mut self, cause: &EngineError) {
        let text = format!(
            "[FOREACH_BATCH_USER_FUNCTION_ERROR] An error occurred in the user provided function in foreach batch sink. Reason: {}: {}",
            cause.python_type, cause.message
        );
        let mut e = EngineError::spark(ErrorKind::StreamFailed, "STREAM_FAILED", format!("Query [id = {}, runId = {}] terminated with exception: {text}", self.id, self.run_id), "");
        e.span = cause.span;
        self.state = QueryState::Failed(e);
    }

    /// Rows held in state.
    pub fn state_rows(&self) -> usize {
        self.root.state_rows()
    }

    /// Stops the query (`query.stop()`).
    pub fn stop(&mut self) {
        if self.is_active() {
            self.state = QueryState::Stopped;
        }
    }

    /// Lines every reader of a port has taken (for trimming port logs).
    pub fn socket_offset(&self, port: u16) -> Option<usize> {
        self.readers
            .iter()
            .filter_map(|(_, r)| match r.def.kind {
                super::sources::SourceKind::Socket { port: p, .. } if p == port => Some(r.line_offset),
                _ => None,
            })
            .min()
    }
}
