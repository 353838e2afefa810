//! String functions: formatting, searching, splitting, encoding, hashing.

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;

use super::PyArg;
use crate::error::{EngineError, Result};
use crate::eval::EvalCtx;
use crate::plan::expr::PExpr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrFn {}

pub fn knows(name: &str) -> bool {
    let _ = name;
    false
}

pub fn python_signature(name: &str) -> Option<&'static [(&'static str, PyArg)]> {
    let _ = name;
    None
}

pub fn pretty(name: &str, args: &[String]) -> Option<String> {
    let _ = (name, args);
    None
}

pub fn resolve(name: &str, args: Vec<PExpr>, pretty: &str) -> Result<PExpr> {
    let _ = (args, pretty);
    Err(EngineError::unsupported(format!("the function `{name}`")))
}

pub fn eval(f: StrFn, a: &[ArrayRef], ty: &DataType, n: usize, ctx: &EvalCtx) -> Result<ArrayRef> {
    let _ = (a, ty, n, ctx);
    match f {}
}
