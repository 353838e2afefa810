//! When a query runs a micro-batch.

use crate::error::{EngineError, Result};

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum Trigger {
    /// The default: a batch as soon as there is data (the previous batch done).
    Default,
    /// `processingTime="2 seconds"`: batches on interval boundaries.
    ProcessingTime { interval_ms: i64 },
    /// `once=True`: one batch of what has arrived, then stop.
    Once,
    /// `availableNow=True`: batches until what has arrived is processed, then stop.
    AvailableNow,
}

impl Trigger {
    /// Parses a processing-time interval (`'2 seconds'`, `'500 milliseconds'`).
    pub fn processing_time(text: &str) -> Result<Trigger> {
        let micros = crate::interval::parse_duration_micros(text).map_err(|e| e.with_type("IllegalArgumentException"))?;
        if micros < 0 {
            return Err(EngineError::python("IllegalArgumentException", "requirement failed: Interval cannot be negative"));
        }
        Ok(if micros == 0 { Trigger::Default } else { Trigger::ProcessingTime { interval_ms: micros / 1000 } })
    }

    /// Whether the query stops by itself after its run.
    pub fn is_one_shot(&self) -> bool {
        matches!(self, Trigger::Once | Trigger::AvailableNow)
    }
}
