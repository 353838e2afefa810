//! Spark's built-in scalar functions beyond the core set in
//! `plan::functions`, one family per module. Each family knows, for its
//! functions: how PySpark passes the arguments, the column name Spark
//! generates, how a call resolves (implicit casts, result type, Spark's
//! errors) and how it evaluates over Arrow arrays.

pub mod collections;
pub mod datetime;
pub mod math;
pub mod strings;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;

use crate::error::Result;
use crate::eval::EvalCtx;
use crate::plan::expr::PExpr;

/// A function of one of the families, as `ScalarFn::Lib` carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LibFn {
    Math(math::MathFn),
    Str(strings::StrFn),
    Date(datetime::DateFn),
    Coll(collections::CollFn),
}

/// How `pyspark.sql.functions.NAME(...)` passes an argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PyArg {
    /// A Column, or a string naming a column.
    Col,
    /// A Python value taken as a literal (a string stays a string).
    Lit,
    /// Any number of Columns / column names.
    Cols,
}

/// Whether a family implements `name` (Spark's canonical, lower-case name).
pub fn knows(name: &str) -> bool {
    math::knows(name) || strings::knows(name) || datetime::knows(name) || collections::knows(name)
}

/// The PySpark signature of `name` (parameter names as PySpark spells them,
/// for keyword arguments), when it is not "every argument is a column".
pub fn python_signature(name: &str) -> Option<&'static [(&'static str, PyArg)]> {
    math::python_signature(name)
        .or_else(|| strings::python_signature(name))
        .or_else(|| datetime::python_signature(name))
        .or_else(|| collections::python_signature(name))
}

/// The column name Spark generates for a call, when it is not `name(args)`.
pub fn pretty(name: &str, args: &[String]) -> Option<String> {
    math::pretty(name, args)
        .or_else(|| strings::pretty(name, args))
        .or_else(|| datetime::pretty(name, args))
        .or_else(|| collections::pretty(name, args))
}

/// Resolves a call of a function `knows` accepts.
pub fn resolve(name: &str, args: Vec<PExpr>, pretty: &str) -> Result<PExpr> {
    if math::knows(name) {
        math::resolve(name, args, pretty)
    } else if strings::knows(name) {
        strings::resolve(name, args, pretty)
    } else if datetime::knows(name) {
        datetime::resolve(name, args, pretty)
    } else {
        collections::resolve(name, args, pretty)
    }
}

/// Evaluates a resolved call over `n` rows; `a` holds the evaluated arguments.
pub fn eval(f: LibFn, a: &[ArrayRef], ty: &DataType, n: usize, ctx: &EvalCtx) -> Result<ArrayRef> {
    match f {
        LibFn::Math(f) => math::eval(f, a, ty, n, ctx),
        LibFn::Str(f) => strings::eval(f, a, ty, n, ctx),
        LibFn::Date(f) => datetime::eval(f, a, ty, n, ctx),
        LibFn::Coll(f) => collections::eval(f, a, ty, n, ctx),
    }
}

/// A resolved call of a family function.
#[allow(dead_code)] // used by the families as they fill in
pub(crate) fn call(f: LibFn, args: Vec<PExpr>, ty: DataType) -> PExpr {
    PExpr::new(crate::plan::expr::PKind::Scalar { func: crate::plan::functions::ScalarFn::Lib(f), args }, ty)
}
