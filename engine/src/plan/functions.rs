//! The function registry: which names are scalar functions, aggregates or
//! generators, the arguments Spark fills in by default, how a call is named,
//! and the result type of each scalar function.

use arrow::datatypes::DataType;

use super::expr::{Expr, Lit, PExpr, PKind};
use crate::error::{EngineError, Result};
use crate::types;

/// Aggregate functions: the plan's Aggregate node computes them.
pub fn is_aggregate(name: &str) -> bool {
    matches!(
        canonical(name).as_str(),
        "count" | "sum" | "avg" | "min" | "max" | "first" | "last" | "collect_list" | "collect_set"
            | "approx_count_distinct" | "count_distinct" | "sum_distinct"
    ) || super::logical::agg_func_of(&canonical(name)).is_some()
}

/// Generators turn one row into many.
pub fn is_generator(name: &str) -> bool {
    matches!(
        canonical(name).as_str(),
        "explode" | "explode_outer" | "posexplode" | "posexplode_outer" | "inline" | "inline_outer" | "stack" | "json_tuple"
    )
}

/// Spark's own name for a function that has aliases.
pub fn canonical(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "mean" => "avg".into(),
        "char_length" | "character_length" | "len" => "length".into(),
        "ucase" => "upper".into(),
        "lcase" => "lower".into(),
        "ifnull" => "nvl".into(),
        "day" => "dayofmonth".into(),
        "cardinality" => "size".into(),
        "power" => "pow".into(),
        "ceiling" => "ceil".into(),
        "create_map" => "map".into(),
        "countdistinct" => "count_distinct".into(),
        "sumdistinct" => "sum_distinct".into(),
        "approxcountdistinct" => "approx_count_distinct".into(),
        "timestamp_add" => "timestampadd".into(),
        "timestamp_diff" => "timestampdiff".into(),
        "dateadd" => "date_add".into(),
        _ => lower,
    }
}

/// A call with Spark's default arguments filled in, as both the Python API
/// and the SQL parser build it, so that generated names agree
/// (`split(value, ,, -1)`, `regexp_replace(value, a, b, 1)`).
pub fn call(name: &str, mut args: Vec<Expr>) -> Expr {
    let name = canonical(name);
    match (name.as_str(), args.len()) {
        ("split", 2) => args.push(Expr::lit(Lit::Int(-1))),
        ("regexp_replace", 3) => args.push(Expr::lit(Lit::Int(1))),
        ("regexp_extract", 2) => args.push(Expr::lit(Lit::Int(1))),
        ("round", 1) | ("bround", 1) => args.push(Expr::lit(Lit::Int(0))),
        ("lpad", 2) | ("rpad", 2) => args.push(Expr::lit(Lit::Str(" ".into()))),
        ("substring", 2) | ("substr", 2) => args.push(Expr::lit(Lit::Int(i32::MAX))),
        ("aggregate", 3) | ("reduce", 3) => args.push(super::lambda::identity_lambda()),
        ("make_interval", n @ 0..=6) | ("make_dt_interval", n @ 0..=3) => {
            // Spark fills the missing parts with 0 and the seconds with 0.000000.
            let all = if name == "make_interval" { 7 } else { 4 };
            for _ in n..all - 1 {
                args.push(Expr::lit(Lit::Int(0)));
            }
            args.push(Expr::lit(Lit::Decimal(0, 18, 6)));
        }
        ("make_ym_interval", n @ 0..=1) => {
            for _ in n..2 {
                args.push(Expr::lit(Lit::Int(0)));
            }
        }
        _ => {}
    }
    if name == "count" && matches!(args.as_slice(), [Expr::Star(None)]) {
        args = vec![Expr::lit(Lit::Int(1))];
    }
    match name.as_str() {
        "count_distinct" => Expr::Call { name: "count".into(), args, distinct: true },
        "sum_distinct" => Expr::Call { name: "sum".into(), args, distinct: true },
        _ => Expr::Call { name, args, distinct: false },
    }
}

/// The generated column name of a call.
pub fn pretty_call(name: &str, args: &[Expr], distinct: bool) -> String {
    let list = |args: &[Expr]| args.iter().map(|a| a.pretty()).collect::<Vec<_>>().join(", ");
    match name {
        "explode" | "explode_outer" => "col".into(),
        "ceil" | "floor" | "sqrt" | "pow" | "exp" | "log10" | "signum" => {
            let upper = if name == "pow" { "POWER".to_string() } else { name.to_uppercase() };
            format!("{upper}({})", list(args))
        }
        "struct" => format!(
            "struct({})",
            args.iter()
                .map(|a| match a {
                    Expr::Alias(inner, n) => format!("{} AS {}", inner.pretty(), n),
                    a => a.pretty(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "if" => format!("(IF({}))", list(args)),
        // Spark names these by the aggregate they build.
        "array_agg" => format!("collect_list({}{})", if distinct { "DISTINCT " } else { "" }, list(args)),
        "percentile_approx" | "approx_percentile" if args.len() == 2 => format!("{name}({}, 10000)", list(args)),
        "percentile" if args.len() == 2 && !distinct => format!("percentile({}, 1)", list(args)),
        // The ignore-nulls flag does not show in the name.
        "first" | "last" | "first_value" | "last_value" | "any_value" if args.len() == 2 => {
            format!("{name}({}{})", if distinct { "DISTINCT " } else { "" }, list(&args[..1]))
        }
        "window" => "window".into(),
        "from_json" => format!("from_json({})", args.first().map(|a| a.pretty()).unwrap_or_default()),
        "session_window" => "session_window".into(),
        "current_timestamp" | "current_date" | "now" => format!("{name}()"),
        _ if !distinct && crate::functions::knows(name) => {
            let shown: Vec<String> = args.iter().map(|a| a.pretty()).collect();
            crate::functions::pretty(name, &shown).unwrap_or_else(|| format!("{name}({})", shown.join(", ")))
        }
        _ if distinct => format!("{name}(DISTINCT {})", list(args)),
        _ => format!("{name}({})", list(args)),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathFn {
    Signum,
    Ln,
    Log10,
    Exp,
}

/// Scalar functions the evaluator knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarFn {
    Length,
    Upper,
    Lower,
    Trim,
    LTrim,
    RTrim,
    Split,
    Size,
    Concat,
    ConcatWs,
    Substring,
    Instr,
    LPad,
    RPad,
    InitCap,
    Reverse,
    RegexpReplace,
    RegexpExtract,
    Round,
    /// round half to even
    BRound,
    Abs,
    Coalesce,
    MakeArray,
    ArrayDistinct,
    ArrayContains,
    MakeStruct,
    MakeMap,
    MapFromArrays,
    /// `get(arr, i)`: 0-based, NULL when out of range
    Get,
    /// `element_at(arr, i)`: 1-based; `try_` form NULL when out of range
    ElementAt { try_: bool },
    /// `arr[i]`: 0-based, fails when out of range under ANSI
    ArrayIndex,
    MapValue,
    ToDate,
    ToTimestamp,
    /// `try_to_timestamp`: NULL where `to_timestamp` fails
    TryToTimestamp,
    /// `from_json(col, schema)`: the schema is the result type
    FromJson,
    Greatest,
    Least,
    /// signum, ln, log10, exp: double -> double
    Math(MathFn),
    Pmod,
    Repeat,
    IsNaN,
    NullIf,
    ArrayRemove,
    Left,
    Right,
    Ascii,
    Locate,
    Translate,
    DateAdd,
    DateSub,
    DateDiff,
    DayOfWeek,
    Year,
    Month,
    DayOfMonth,
    Hour,
    Minute,
    Second,
    DateFormat,
    StartsWith,
    EndsWith,
    Contains,
    Negative,
    Ceil,
    Floor,
    Sqrt,
    Pow,
    If,
    CurrentTimestamp,
    CurrentDate,
    /// A function of a family in `crate::functions`.
    Lib(crate::functions::LibFn),
    /// `window.start`/`window.end` come through GetField; this builds the
    /// tumbling window of a timestamp: `window(ts, size, slide, start)`.
    TumblingWindow { size: i64, start: i64 },
}

/// Spark's WRONG_NUM_ARGS error (shared by the function families).
pub(crate) fn arg_error(name: &str, want: &str, got: usize) -> EngineError {
    EngineError::analysis(
        "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
        format!("The `{name}` requires {want} parameters but the actual number is {got}. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix."),
        "42605",
    )
}

/// Checks a call's argument count against Spark's range.
pub(crate) fn need(name: &str, args: &[PExpr], lo: usize, hi: usize) -> Result<()> {
    if args.len() < lo || args.len() > hi {
        let want = if lo == hi { lo.to_string() } else { format!("[{lo}, {hi}]") };
        return Err(arg_error(name, &want, args.len()));
    }
    Ok(())
}

fn string(e: PExpr) -> PExpr {
    if matches!(e.ty, DataType::Utf8) {
        e
    } else {
        e.cast(DataType::Utf8)
    }
}

fn int(e: PExpr) -> PExpr {
    if matches!(e.ty, DataType::Int32) {
        e
    } else {
        e.cast(DataType::Int32)
    }
}

fn scalar(func: ScalarFn, args: Vec<PExpr>, ty: DataType) -> PExpr {
    PExpr::new(PKind::Scalar { func, args }, ty)
}

fn element_type(t: &DataType) -> Option<DataType> {
    match t {
        DataType::List(f) => Some(f.data_type().clone()),
        _ => None,
    }
}

fn datatype_mismatch(name: &str, pretty: &str, msg: &str) -> EngineError {
    EngineError::analysis(
        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
        format!("Cannot resolve \"{pretty}\" due to data type mismatch: {msg} (in `{name}`)."),
        "42K09",
    )
}

/// Resolves a scalar call to a typed expression, inserting the implicit
/// casts Spark inserts.
pub fn resolve_scalar(name: &str, mut args: Vec<PExpr>, pretty: &str) -> Result<PExpr> {
    use ScalarFn as F;
    let s = DataType::Utf8;
    Ok(match name {
        "length" => {
            need(name, &args, 1, 1)?;
            scalar(F::Length, vec![string(args.remove(0))], DataType::Int32)
        }
        "upper" | "lower" | "trim" | "ltrim" | "rtrim" | "initcap" => {
            need(name, &args, 1, 2)?;
            let f = match name {
                "upper" => F::Upper,
                "lower" => F::Lower,
                "trim" => F::Trim,
                "ltrim" => F::LTrim,
                "rtrim" => F::RTrim,
                _ => F::InitCap,
            };
            scalar(f, args.into_iter().map(string).collect(), s)
        }
        "reverse" => {
            need(name, &args, 1, 1)?;
            let a = args.remove(0);
            if let Some(_) = element_type(&a.ty) {
                let ty = a.ty.clone();
                scalar(F::Reverse, vec![a], ty)
            } else {
                scalar(F::Reverse, vec![string(a)], s)
            }
        }
        "split" => {
            need(name, &args, 3, 3)?;
            let lim = int(args.pop().unwrap_or_else(|| PExpr::literal(Lit::Int(-1))));
            let pat = string(args.pop().unwrap_or_else(|| PExpr::literal(Lit::Str(String::new()))));
            let v = string(args.remove(0));
            scalar(F::Split, vec![v, pat, lim], types::array_of(DataType::Utf8))
        }
        "size" => {
            need(name, &args, 1, 1)?;
            scalar(F::Size, args, DataType::Int32)
        }
        "concat" => {
            if !args.is_empty() && args.iter().all(|a| matches!(a.ty, DataType::List(_))) {
                let ty = args[0].ty.clone();
                scalar(F::Concat, args, ty)
            } else {
                scalar(F::Concat, args.into_iter().map(string).collect(), s)
            }
        }
        "concat_ws" => {
            if args.is_empty() {
                return Err(arg_error(name, "> 0", 0));
            }
            let args = args
                .into_iter()
                .map(|a| if matches!(a.ty, DataType::List(_)) { a } else { string(a) })
                .collect();
            scalar(F::ConcatWs, args, s)
        }
        "substring" | "substr" => {
            need(name, &args, 2, 3)?;
            let mut it = args.into_iter();
            let v = string(it.next().unwrap_or_else(|| PExpr::literal(Lit::Null)));
            let rest: Vec<PExpr> = it.map(int).collect();
            scalar(F::Substring, std::iter::once(v).chain(rest).collect(), s)
        }
        "instr" => {
            need(name, &args, 2, 2)?;
            scalar(F::Instr, args.into_iter().map(string).collect(), DataType::Int32)
        }
        "lpad" | "rpad" => {
            need(name, &args, 3, 3)?;
            let mut it = args.into_iter();
            let v = string(it.next().unwrap_or_else(|| PExpr::literal(Lit::Null)));
            let n = int(it.next().unwrap_or_else(|| PExpr::literal(Lit::Null)));
            let p = string(it.next().unwrap_or_else(|| PExpr::literal(Lit::Null)));
            scalar(if name == "lpad" { F::LPad } else { F::RPad }, vec![v, n, p], s)
        }
        "regexp_replace" => {
            need(name, &args, 3, 4)?;
            let mut it = args.into_iter();
            let mut out: Vec<PExpr> = (0..3).filter_map(|_| it.next()).map(string).collect();
            out.push(int(it.next().unwrap_or_else(|| PExpr::literal(Lit::Int(1)))));
            scalar(F::RegexpReplace, out, s)
        }
        "regexp_extract" => {
            need(name, &args, 2, 3)?;
            let mut it = args.into_iter();
            let mut out: Vec<PExpr> = (0..2).filter_map(|_| it.next()).map(string).collect();
            out.push(int(it.next().unwrap_or_else(|| PExpr::literal(Lit::Int(1)))));
            scalar(F::RegexpExtract, out, s)
        }
        "round" | "bround" => {
            need(name, &args, 1, 2)?;
            let v = args.remove(0);
            let scale = args.pop().map(int).unwrap_or_else(|| PExpr::literal(Lit::Int(0)));
            let ty = round_type(&v.ty, scale.as_literal());
            let v = if matches!(v.ty, DataType::Utf8) { v.cast(DataType::Float64) } else { v };
            scalar(if name == "bround" { F::BRound } else { F::Round }, vec![v, scale], ty)
        }
        "abs" | "negative" => {
            need(name, &args, 1, 1)?;
            let v = args.remove(0);
            let v = if matches!(v.ty, DataType::Utf8) { v.cast(DataType::Float64) } else { v };
            let ty = v.ty.clone();
            scalar(if name == "abs" { F::Abs } else { F::Negative }, vec![v], ty)
        }
        "ceil" | "floor" => {
            need(name, &args, 1, 1)?;
            let v = args.remove(0);
            let ty = match &v.ty {
                DataType::Decimal128(p, s) => DataType::Decimal128((*p as i16 - *s as i16 + 1).clamp(1, 38) as u8, 0),
                _ => DataType::Int64,
            };
            let v = if types::is_integral(&v.ty) || matches!(v.ty, DataType::Decimal128(..)) {
                v
            } else {
                v.cast(DataType::Float64)
            };
            scalar(if name == "ceil" { F::Ceil } else { F::Floor }, vec![v], ty)
        }
        "sqrt" => {
            need(name, &args, 1, 1)?;
            scalar(F::Sqrt, vec![args.remove(0).cast(DataType::Float64)], DataType::Float64)
        }
        "pow" => {
            need(name, &args, 2, 2)?;
            scalar(F::Pow, args.into_iter().map(|a| a.cast(DataType::Float64)).collect(), DataType::Float64)
        }
        "coalesce" | "nvl" => {
            if args.is_empty() {
                return Err(arg_error(name, "> 0", 0));
            }
            let ty = super::resolve::common_type_of(args.iter().map(|a| &a.ty))
                .ok_or_else(|| datatype_mismatch(name, pretty, "the input types must be the same"))?;
            scalar(F::Coalesce, args.into_iter().map(|a| a.cast(ty.clone())).collect(), ty)
        }
        "if" => {
            need(name, &args, 3, 3)?;
            let c = args.remove(0).cast(DataType::Boolean);
            let ty = super::resolve::common_type_of(args.iter().map(|a| &a.ty))
                .ok_or_else(|| datatype_mismatch(name, pretty, "the input types must be the same"))?;
            let mut out = vec![c];
            out.extend(args.into_iter().map(|a| a.cast(ty.clone())));
            scalar(F::If, out, ty)
        }
        "array" => {
            let ty = if args.is_empty() {
                DataType::Null
            } else {
                super::resolve::common_type_of(args.iter().map(|a| &a.ty))
                    .ok_or_else(|| datatype_mismatch(name, pretty, "the input types must be the same"))?
            };
            let ty = if ty == DataType::Null && args.is_empty() { DataType::Null } else { ty };
            let elem = if args.is_empty() { DataType::Null } else { ty.clone() };
            scalar(F::MakeArray, args.into_iter().map(|a| a.cast(ty.clone())).collect(), types::array_of(elem))
        }
        "array_distinct" => {
            need(name, &args, 1, 1)?;
            let ty = args[0].ty.clone();
            if element_type(&ty).is_none() {
                return Err(datatype_mismatch(name, pretty, "the input must be an array"));
            }
            scalar(F::ArrayDistinct, args, ty)
        }
        "array_contains" => {
            need(name, &args, 2, 2)?;
            let elem = element_type(&args[0].ty)
                .ok_or_else(|| datatype_mismatch(name, pretty, "the first input must be an array"))?;
            let v = args.pop().map(|v| v.cast(elem)).unwrap_or_else(|| PExpr::literal(Lit::Null));
            let a = args.remove(0);
            scalar(F::ArrayContains, vec![a, v], DataType::Boolean)
        }
        "map" => {
            if args.len() % 2 != 0 {
                return Err(arg_error(name, "an even number of", args.len()));
            }
            let kt = super::resolve::common_type_of(args.iter().step_by(2).map(|a| &a.ty)).unwrap_or(DataType::Null);
            let vt = super::resolve::common_type_of(args.iter().skip(1).step_by(2).map(|a| &a.ty)).unwrap_or(DataType::Null);
            let args = args
                .into_iter()
                .enumerate()
                .map(|(i, a)| a.cast(if i % 2 == 0 { kt.clone() } else { vt.clone() }))
                .collect();
            scalar(F::MakeMap, args, types::map_of(kt, vt))
        }
        "map_from_arrays" => {
            need(name, &args, 2, 2)?;
            let kt = element_type(&args[0].ty).ok_or_else(|| datatype_mismatch(name, pretty, "the first input must be an array"))?;
            let vt = element_type(&args[1].ty).ok_or_else(|| datatype_mismatch(name, pretty, "the second input must be an array"))?;
            scalar(F::MapFromArrays, args, types::map_of(kt, vt))
        }
        "get" | "element_at" | "try_element_at" => {
            need(name, &args, 2, 2)?;
            let container = args.remove(0);
            match &container.ty {
                DataType::List(f) => {
                    let ty = f.data_type().clone();
                    let idx = int(args.remove(0));
                    let func = match name {
                        "get" => F::Get,
                        "element_at" => F::ElementAt { try_: false },
                        _ => F::ElementAt { try_: true },
                    };
                    scalar(func, vec![container, idx], ty)
                }
                DataType::Map(entries, _) => {
                    let (kt, vt) = map_types(entries.data_type());
                    let key = args.remove(0).cast(kt);
                    scalar(F::MapValue, vec![container, key], vt)
                }
                _ => return Err(datatype_mismatch(name, pretty, "the first input must be an array or a map")),
            }
        }
        "to_date" => {
            need(name, &args, 1, 2)?;
            let v = args.remove(0);
            let fmt = args.pop().map(string);
            let v = if types::is_timestamp(&v.ty) || v.ty == DataType::Date32 { v } else { string(v) };
            scalar(F::ToDate, std::iter::once(v).chain(fmt).collect(), DataType::Date32)
        }
        "to_timestamp" | "try_to_timestamp" => {
            need(name, &args, 1, 2)?;
            let v = args.remove(0);
            let fmt = args.pop().map(string);
            let v = if types::is_timestamp(&v.ty) || v.ty == DataType::Date32 { v } else { string(v) };
            let f = if name == "to_timestamp" { F::ToTimestamp } else { F::TryToTimestamp };
            scalar(f, std::iter::once(v).chain(fmt).collect(), types::timestamp())
        }
        "date_add" | "date_sub" => {
            need(name, &args, 2, 2)?;
            let d = args.remove(0).cast(DataType::Date32);
            let n = int(args.remove(0));
            scalar(if name == "date_add" { F::DateAdd } else { F::DateSub }, vec![d, n], DataType::Date32)
        }
        "datediff" => {
            need(name, &args, 2, 2)?;
            scalar(F::DateDiff, args.into_iter().map(|a| a.cast(DataType::Date32)).collect(), DataType::Int32)
        }
        "dayofweek" | "year" | "month" | "dayofmonth" => {
            need(name, &args, 1, 1)?;
            let f = match name {
                "dayofweek" => F::DayOfWeek,
                "year" => F::Year,
                "month" => F::Month,
                _ => F::DayOfMonth,
            };
            scalar(f, vec![args.remove(0).cast(DataType::Date32)], DataType::Int32)
        }
        "hour" | "minute" | "second" => {
            need(name, &args, 1, 1)?;
            let f = match name {
                "hour" => F::Hour,
                "minute" => F::Minute,
                _ => F::Second,
            };
            scalar(f, vec![args.remove(0).cast(types::timestamp())], DataType::Int32)
        }
        "date_format" => {
            need(name, &args, 2, 2)?;
            let v = args.remove(0).cast(types::timestamp());
            scalar(F::DateFormat, vec![v, string(args.remove(0))], s)
        }
        "startswith" | "endswith" | "contains" => {
            need(name, &args, 2, 2)?;
            let f = match name {
                "startswith" => F::StartsWith,
                "endswith" => F::EndsWith,
                _ => F::Contains,
            };
            scalar(f, args.into_iter().map(string).collect(), DataType::Boolean)
        }
        "greatest" | "least" => {
            if args.len() < 2 {
                return Err(arg_error(name, "> 1", args.len()));
            }
            let ty = super::resolve::common_type_of(args.iter().map(|a| &a.ty))
                .ok_or_else(|| datatype_mismatch(name, pretty, "the input types must be the same"))?;
            let f = if name == "greatest" { F::Greatest } else { F::Least };
            scalar(f, args.into_iter().map(|a| a.cast(ty.clone())).collect(), ty)
        }
        "signum" | "ln" | "log10" | "exp" => {
            need(name, &args, 1, 1)?;
            let m = match name {
                "signum" => MathFn::Signum,
                "ln" => MathFn::Ln,
                "log10" => MathFn::Log10,
                _ => MathFn::Exp,
            };
            scalar(F::Math(m), vec![args.remove(0).cast(DataType::Float64)], DataType::Float64)
        }
        "pmod" => {
            need(name, &args, 2, 2)?;
            let ty = super::resolve::wider_numeric(&args[0].ty, &args[1].ty)
                .ok_or_else(|| datatype_mismatch(name, pretty, "the inputs must be numbers"))?;
            scalar(F::Pmod, args.into_iter().map(|a| a.cast(ty.clone())).collect(), ty)
        }
        "repeat" => {
            need(name, &args, 2, 2)?;
            let n = int(args.pop().unwrap_or_else(|| PExpr::literal(Lit::Int(0))));
            scalar(F::Repeat, vec![string(args.remove(0)), n], s)
        }
        "left" | "right" => {
            need(name, &args, 2, 2)?;
            let n = int(args.pop().unwrap_or_else(|| PExpr::literal(Lit::Int(0))));
            scalar(if name == "left" { F::Left } else { F::Right }, vec![string(args.remove(0)), n], s)
        }
        "ascii" => {
            need(name, &args, 1, 1)?;
            scalar(F::Ascii, vec![string(args.remove(0))], DataType::Int32)
        }
        "locate" | "position" => {
            need(name, &args, 2, 3)?;
            let pos = if args.len() == 3 { int(args.pop().unwrap_or_else(|| PExpr::literal(Lit::Int(1)))) } else { PExpr::literal(Lit::Int(1)) };
            let mut it = args.into_iter().map(string);
            let sub = it.next().unwrap_or_else(|| PExpr::literal(Lit::Null));
            let st = it.next().unwrap_or_else(|| PExpr::literal(Lit::Null));
            scalar(F::Locate, vec![sub, st, pos], DataType::Int32)
        }
        "translate" => {
            need(name, &args, 3, 3)?;
            scalar(F::Translate, args.into_iter().map(string).collect(), s)
        }
        "isnan" => {
            need(name, &args, 1, 1)?;
            scalar(F::IsNaN, vec![args.remove(0).cast(DataType::Float64)], DataType::Boolean)
        }
        "nullif" => {
            need(name, &args, 2, 2)?;
            let ty = super::resolve::common_type_of(args.iter().map(|a| &a.ty)).unwrap_or(args[0].ty.clone());
            let out_ty = args[0].ty.clone();
            scalar(F::NullIf, args.into_iter().map(|a| a.cast(ty.clone())).collect(), if out_ty == DataType::Null { ty } else { out_ty })
        }
        "array_remove" => {
            need(name, &args, 2, 2)?;
            let elem = element_type(&args[0].ty).ok_or_else(|| datatype_mismatch(name, pretty, "the first input must be an array"))?;
            let v = args.pop().map(|v| v.cast(elem)).unwrap_or_else(|| PExpr::literal(Lit::Null));
            let a = args.remove(0);
            let ty = a.ty.clone();
            scalar(F::ArrayRemove, vec![a, v], ty)
        }
        "from_json" => {
            need(name, &args, 2, 2)?;
            let ddl = match args[1].as_literal() {
                Some(Lit::Str(s)) => s.clone(),
                _ => return Err(EngineError::unsupported("from_json with a schema that is not a literal")),
            };
            let ty = crate::script::functions::parse_type(&ddl)?;
            if !matches!(ty, DataType::Struct(_)) {
                return Err(EngineError::unsupported("from_json into a type other than a struct"));
            }
            scalar(F::FromJson, vec![string(args.remove(0))], ty)
        }
        "timestamp_seconds" => {
            need(name, &args, 1, 1)?;
            args.remove(0).cast(types::timestamp())
        }
        "current_timestamp" | "now" => scalar(F::CurrentTimestamp, vec![], types::timestamp()),
        "current_date" => scalar(F::CurrentDate, vec![], DataType::Date32),
        _ if crate::functions::knows(name) => return crate::functions::resolve(name, args, pretty),
        _ => {
            return Err(EngineError::analysis(
                "UNRESOLVED_ROUTINE",
                format!(
                    "Cannot resolve routine `{name}` on search path [`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]."
                ),
                "42883",
            ))
        }
    })
}

pub fn map_types(entries: &DataType) -> (DataType, DataType) {
    match entries {
        DataType::Struct(kv) if kv.len() == 2 => (kv[0].data_type().clone(), kv[1].data_type().clone()),
        _ => (DataType::Null, DataType::Null),
    }
}

fn round_type(t: &DataType, scale: Option<&Lit>) -> DataType {
    match t {
        DataType::Decimal128(p, s) => {
            let new_s = match scale {
                Some(Lit::Int(n)) => (*n).clamp(0, *s as i32) as i8,
                _ => *s,
            };
            let int_digits = *p as i16 - *s as i16;
            DataType::Decimal128(((int_digits + new_s as i16 + 1).clamp(1, 38)) as u8, new_s)
        }
        DataType::Utf8 => DataType::Float64,
        other => other.clone(),
    }
}
