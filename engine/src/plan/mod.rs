//! The logical side: column expressions as Python builds them, their
//! resolution against a schema, and the plan a DataFrame stands for.

pub mod expr;
pub mod functions;
pub mod lambda;
pub mod logical;
pub mod resolve;
pub mod schema;

pub use expr::{BinaryOp, Expr, Lit, PExpr, PKind};
pub use logical::{DataFrame, JoinKind, Node, Plan, MULTI_ALIAS_SEP};
pub use schema::{Attribute, Schema};
