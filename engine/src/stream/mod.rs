//! Streaming queries: the sources that feed them, Spark's refusals checked
//! at `start()`, triggers, and the micro-batch loop.

pub mod checker;
pub mod query;
pub mod sources;
pub mod trigger;

pub use query::{BatchOutput, Progress, StreamingQuery};
pub use sources::{SourceDef, SourceKind, Inputs};
pub use trigger::Trigger;
