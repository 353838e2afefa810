//! Every refusal Spark makes when a streaming query starts, in one place,
//! in the order Spark's `UnsupportedOperationChecker.checkForStreaming`
//! makes them, with Spark's error classes and messages.

use crate::error::{EngineError, Result};
use crate::exec::OutputMode;
use crate::plan::logical::{event_time_column, AggFunc};
use crate::plan::{JoinKind, Node, Plan};

const LEGACY: &str = "_LEGACY_ERROR_TEMP_3102";

fn output_mode_error(mode: &str, why: &str) -> EngineError {
    EngineError::analysis(
        "STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION",
        format!("Invalid streaming output mode: {mode}. This output mode is not supported for {why} on streaming DataFrames/DataSets."),
        "42KDE",
    )
}

/// Streaming aggregations in the plan.
fn streaming_aggregates(plan: &Plan) -> Vec<&Plan> {
    fn collect<'a>(p: &'a Plan, out: &mut Vec<&'a Plan>) {
        if matches!(p.node, Node::Aggregate { .. }) && p.is_streaming() {
            out.push(p);
        }
        for c in p.children() {
            collect(c, out);
        }
    }
    let mut out = Vec::new();
    collect(plan, &mut out);
    out
}

/// Whether an aggregate groups by a watermarked event-time column.
fn has_watermark_key(agg: &Plan) -> bool {
    match &agg.node {
        Node::Aggregate { input, keys, .. } => {
            let Some(col) = event_time_column(input, &input.schema) else { return false };
            keys.iter().any(|k| matches!(k.kind, crate::plan::PKind::Column(c) if c == col))
        }
        _ => false,
    }
}

fn has_watermark(plan: &Plan) -> bool {
    let mut found = false;
    plan.walk(&mut |p| found |= matches!(p.node, Node::Watermark { .. }));
    found
}

/// Checks a streaming plan for `writeStream.outputMode(mode).start()`.
pub fn check(plan: &Plan, mode: OutputMode) -> Result<()> {
    let aggs = streaming_aggregates(plan);
    match mode {
        OutputMode::Append if !aggs.is_empty() && !aggs.iter().all(|a| has_watermark_key(a)) => {
            return Err(output_mode_error("append", "streaming aggregations without watermark"));
        }
        OutputMode::Complete if aggs.is_empty() => {
            return Err(output_mode_error("complete", "no streaming aggregations"));
        }
        _ => {}
    }
    if aggs.len() > 1 && !(mode == OutputMode::Append && aggs.iter().all(|a| has_watermark_key(a))) {
        return Err(EngineError::legacy(LEGACY, "Multiple streaming aggregations are not supported with streaming DataFrames/Datasets"));
    }
    let mut err = None;
    check_nodes(plan, mode, !aggs.is_empty(), &mut err);
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn check_nodes(plan: &Plan, mode: OutputMode, has_agg: bool, err: &mut Option<EngineError>) {
    for c in plan.children() {
        check_nodes(c, mode, has_agg, err);
    }
    if err.is_some() || !plan.is_streaming() {
        return;
    }
    let fail = |msg: String| Some(EngineError::legacy(LEGACY, msg));
    match &plan.node {
        Node::Aggregate { aggs, session, .. } => {
            if aggs.iter().any(|a| a.distinct && a.func != AggFunc::Min && a.func != AggFunc::Max) {
                *err = fail("Distinct aggregations are not supported on streaming DataFrames/Datasets. Consider using approx_count_distinct() instead.".into());
            } else if session.is_some() && mode == OutputMode::Update {
                *err = Some(output_mode_error("update", "session window streaming aggregations"));
            }
        }
        Node::Dedup { input, within_watermark: true, .. } if crate::plan::logical::event_time_column(input, &input.schema).is_none() => {
            *err = Some(EngineError::legacy(
                "_LEGACY_ERROR_TEMP_3102",
                "dropDuplicatesWithinWatermark is not supported on streaming DataFrames/DataSets without watermark",
            ));
        }
        Node::Sort { input, .. } => {
            let aggregated = contains_aggregate(input);
            if !(aggregated && mode == OutputMode::Complete) {
                *err = fail("Sorting is not supported on streaming DataFrames/Datasets, unless it is on aggregated DataFrame/Dataset in Complete output mode".into());
            }
        }
        Node::Limit { input, .. } => {
            if mode == OutputMode::Update {
                *err = fail("Limits are not supported on streaming DataFrames/Datasets in Update output mode".into());
            } else if mode == OutputMode::Complete && !contains_aggregate(input) {
                // complete mode already needs an aggregation; nothing more here
            }
        }
        Node::Join { left, right, kind, .. } => {
            let (ls, rs) = (left.is_streaming(), right.is_streaming());
            let name = kind.spark_name();
            let refuse = |side: &str| {
                fail(format!("{name} join with a streaming DataFrame/Dataset on the {side} and a static DataFrame/DataSet on the {} not supported", if side == "left" { "right" } else { "left" }))
            };
            if ls && !rs {
                if matches!(kind, JoinKind::RightOuter | JoinKind::FullOuter) {
                    *err = refuse("left");
                }
            } else if !ls && rs {
                if matches!(kind, JoinKind::LeftOuter | JoinKind::FullOuter | JoinKind::LeftSemi | JoinKind::LeftAnti) {
                    *err = refuse("right");
                }
            } else if ls && rs && mode != OutputMode::Append {
                let m = if mode == OutputMode::Complete { "Complete" } else { "Update" };
                *err = fail(format!("Join between two streaming DataFrames/Datasets is not supported in {m} output mode, only in Append output mode"));
            } else if ls && rs {
                match kind {
                    JoinKind::Inner | JoinKind::Cross => {}
                    JoinKind::FullOuter | JoinKind::LeftOuter | JoinKind::RightOuter | JoinKind::LeftSemi => {
                        let nullable_wm = match kind {
                            JoinKind::LeftOuter | JoinKind::LeftSemi => has_watermark(right),
                            JoinKind::RightOuter => has_watermark(left),
                            _ => has_watermark(left) && has_watermark(right),
                        };
                        if !nullable_wm {
                            *err = fail(format!(
                                "Stream-stream {name} join between two streaming DataFrame/Datasets is not supported without a watermark in the join keys, or a watermark on the nullable side and an appropriate range condition"
                            ));
                        }
                    }
                    JoinKind::LeftAnti => {
                        *err = fail(format!("{name} join between two streaming DataFrames/Datasets is not supported"));
                    }
                }
            }
        }
        _ => {}
    }
}

fn contains_aggregate(plan: &Plan) -> bool {
    let mut found = false;
    plan.walk(&mut |p| found |= matches!(p.node, Node::Aggregate { .. }));
    found
}

/// Spark's refusal of batch actions (`show`, `collect`, `count`...) on a stream.
pub fn batch_action_on_stream() -> EngineError {
    EngineError::legacy(LEGACY, "Queries with streaming sources must be executed with writeStream.start()")
}
