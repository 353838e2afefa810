//! streamlab's engine: runs PySpark Structured Streaming scripts the way
//! Spark 4.0.1 runs them, micro-batch by micro-batch, and prints what Spark's
//! console sink prints. Sans-IO: the host hands in lines, files and "now";
//! the engine hands back batches. See docs/ARCHITECTURE.md.

pub mod console;
pub mod display;
pub mod error;
pub mod types;
pub mod zone;

pub use error::{EngineError, ErrorKind, Result, Span};
pub use zone::SessionZone;
pub mod datetime;
pub mod eval;
pub mod functions;
pub mod interval;
pub mod plan;
pub mod exec;
pub mod formats;
pub mod stream;
pub mod script;
pub mod session;
pub mod engine;
pub mod lab;
pub mod sql;
