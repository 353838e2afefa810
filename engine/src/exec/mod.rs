//! Physical operators, one per file, each running once per micro-batch.
//! Stateless operators map the batch; stateful ones (aggregate, dedup,
//! stream-stream join) keep their state between batches and read the
//! watermark through an explicit hook.

pub mod aggregate;
pub mod dedup;
pub mod explode;
pub mod filter;
pub mod join;
pub mod limit;
pub mod project;
pub mod session_window;
pub mod sort;
pub mod source;
pub mod stream_join;
pub mod time_window;
pub mod union;
pub mod watermark;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use crate::error::Result;
use crate::eval::EvalCtx;
use crate::plan::{Node, Plan};

/// Spark's output modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum OutputMode {
    Append,
    Update,
    Complete,
}

impl OutputMode {
    pub fn parse(s: &str) -> Option<OutputMode> {
        match s.to_ascii_lowercase().as_str() {
            "append" => Some(OutputMode::Append),
            "update" => Some(OutputMode::Update),
            "complete" => Some(OutputMode::Complete),
            _ => None,
        }
    }
}

/// What one micro-batch hands every operator.
pub struct BatchCtx<'a> {
    pub eval: EvalCtx,
    /// New rows per source id for this batch (None: nothing new).
    pub inputs: &'a [Option<RecordBatch>],
    /// The event-time watermark in force for this batch (micros), if any
    /// watermark is defined.
    pub watermark: Option<i64>,
    pub mode: OutputMode,
    /// Max event time seen by each watermark operator in this batch.
    pub event_times: Vec<(usize, i64)>,
}

/// A physical operator.
pub trait Operator {
    /// Produces this batch's output.
    fn next(&mut self, ctx: &mut BatchCtx) -> Result<RecordBatch>;

    /// Rows held in state (Spark's `numRowsTotal`), summed over the subtree.
    fn state_rows(&self) -> usize {
        0
    }

    /// Whether, with the watermark moved to `watermark`, this subtree has
    /// something to emit or evict: Spark then runs a no-data batch.
    fn needs_no_data_batch(&self, _watermark: i64) -> bool {
        false
    }
}

/// Shared plumbing: state figures and no-data needs summed over children.
pub fn children_state_rows(children: &[&dyn Operator]) -> usize {
    children.iter().map(|c| c.state_rows()).sum()
}

/// Builds the operator tree for a plan.
pub fn build(plan: &Plan, mode: OutputMode) -> Result<Box<dyn Operator>> {
    // A static subtree is a batch query: it computes its whole result
    // (every group of an aggregation) whatever the stream's output mode.
    let mode = if plan.is_streaming() { mode } else { OutputMode::Complete };
    let b = |p: &Plan| build(p, mode);
    let schema_of = |p: &Plan| p.schema.clone();
    Ok(match &plan.node {
        Node::Source { id } => Box::new(source::SourceExec::new(*id, schema_of(plan).to_arrow())),
        Node::Static { batch } => Box::new(source::StaticExec::new(batch.clone())),
        Node::Project { input, exprs } => Box::new(project::ProjectExec::new(
            match &input.node {
                // The usual `select(explode(...))`: the exploded row copies only what the select reads.
                Node::Explode { input: below, expr, outer, position } => {
                    let mut used = vec![false; input.schema.to_arrow().fields().len()];
                    exprs.iter().for_each(|e| e.mark_columns(&mut used));
                    Box::new(
                        explode::ExplodeExec::new(b(below)?, expr.clone(), *outer, *position, schema_of(input).to_arrow())
                            .with_needed_columns(used),
                    )
                }
                _ => b(input)?,
            },
            exprs.clone(),
            schema_of(input).to_arrow().fields().len(),
            schema_of(plan).to_arrow(),
        )),
        Node::Filter { input, predicate } => Box::new(filter::FilterExec::new(b(input)?, predicate.clone())),
        Node::Explode { input, expr, outer, position } => {
            Box::new(explode::ExplodeExec::new(b(input)?, expr.clone(), *outer, *position, schema_of(plan).to_arrow()))
        }
        Node::TimeWindow { input, time, spec } => {
            Box::new(time_window::TimeWindowExec::new(b(input)?, time.clone(), spec.clone(), schema_of(plan).to_arrow()))
        }
        Node::Aggregate { input, keys, aggs, session: Some(session) } => Box::new(session_window::SessionWindowExec::new(
            b(input)?,
            keys.clone(),
            aggs.clone(),
            session.clone(),
            schema_of(plan).to_arrow(),
            mode,
        )?),
        Node::Aggregate { input, keys, aggs, session } => Box::new(aggregate::AggregateExec::new(
            b(input)?,
            keys.clone(),
            aggs.clone(),
            session.clone(),
            schema_of(plan).to_arrow(),
            mode,
            event_time_key(plan),
        )?),
        Node::Sort { input, keys } => Box::new(sort::SortExec::new(b(input)?, keys.clone())),
        Node::Limit { input, n } => Box::new(limit::LimitExec::new(b(input)?, *n, input.is_streaming() && mode != OutputMode::Complete)),
        Node::Dedup { input, keys, within_watermark } => {
            let event_col = crate::plan::logical::event_time_column(input, &input.schema);
            let dedup = dedup::DedupExec::new(b(input)?, keys.clone(), event_col);
            Box::new(match (within_watermark, event_col, crate::plan::logical::watermark_delay_micros(input)) {
                (true, Some(col), Some(delay)) => dedup.within_watermark(col, delay),
                _ => dedup,
            })
        }
        Node::Union { inputs } => Box::new(union::UnionExec::new(
            inputs.iter().map(|i| b(i)).collect::<Result<Vec<_>>>()?,
            schema_of(plan).to_arrow(),
        )),
        Node::Join { left, right, kind, left_keys, right_keys, condition } => join::build(
            b(left)?,
            b(right)?,
            left.is_streaming(),
            right.is_streaming(),
            *kind,
            left_keys.clone(),
            right_keys.clone(),
            condition.clone(),
            schema_of(left).to_arrow(),
            schema_of(right).to_arrow(),
            schema_of(plan).to_arrow(),
            crate::plan::logical::event_time_column(left, &left.schema),
            crate::plan::logical::event_time_column(right, &right.schema),
        )?,
        Node::Watermark { input, column, delay_micros } => {
            Box::new(watermark::WatermarkExec::new(b(input)?, *column, *delay_micros, watermark_id(plan)))
        }
    })
}

/// A stable id for a watermark node (its address within the plan).
pub fn watermark_id(plan: &Plan) -> usize {
    plan as *const Plan as usize
}

/// For an aggregate: which key carries event time.
fn event_time_key(plan: &Plan) -> Option<usize> {
    match &plan.node {
        Node::Aggregate { input, keys, .. } => {
            let col = crate::plan::logical::event_time_column(input, &input.schema)?;
            keys.iter().position(|k| matches!(k.kind, crate::plan::PKind::Column(c) if c == col))
        }
        _ => None,
    }
}

/// An empty batch with the given schema.
pub fn empty(schema: &SchemaRef) -> RecordBatch {
    RecordBatch::new_empty(schema.clone())
}
