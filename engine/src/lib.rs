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
pub mod interval;
pub mod plan;
pub mod exec;
pub mod stream;
pub mod script;
pub mod session;
pub mod engine;
pub mod lab;
pub mod sql;
// TEMP until sql.rs lands
pub mod sqlx {
    use crate::error::{EngineError, Result};
    use crate::plan::{DataFrame, Expr};
    pub fn parse_expr(_s: &str) -> Result<Expr> { Err(EngineError::unsupported("SQL")) }
    pub fn parse_select_item(_s: &str) -> Result<Expr> { Err(EngineError::unsupported("SQL")) }
    pub fn plan_query(_s: &str, _v: &dyn Fn(&str) -> Option<DataFrame>) -> Result<DataFrame> { Err(EngineError::unsupported("SQL")) }
}
