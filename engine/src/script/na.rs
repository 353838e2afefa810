//! `DataFrame.na` (and `fillna`, `dropna`, `replace`): Spark's
//! DataFrameNaFunctions, built from ordinary projections and filters so
//! they work on streams as on static data.

use arrow::datatypes::DataType;

use super::api::Args;
use super::value::Value;
use crate::error::{EngineError, Result};
use crate::plan::expr::{BinaryOp, Expr, Lit};
use crate::plan::DataFrame;
use crate::types;

/// Which columns a value applies to, by its Python type (Spark's rule).
#[derive(Clone, Copy, PartialEq)]
enum Family {
    Numeric,
    Text,
    Boolean,
}

fn family_of_value(v: &Value) -> Option<Family> {
    match v {
        Value::Bool(_) => Some(Family::Boolean),
        Value::Int(_) | Value::Float(_) => Some(Family::Numeric),
        Value::Str(_) => Some(Family::Text),
        _ => None,
    }
}

fn family_of_type(t: &DataType) -> Option<Family> {
    match t {
        DataType::Boolean => Some(Family::Boolean),
        DataType::Utf8 => Some(Family::Text),
        t if types::is_numeric(t) => Some(Family::Numeric),
        _ => None,
    }
}

fn literal(v: &Value) -> Result<Lit> {
    Ok(match v {
        Value::None => Lit::Null,
        Value::Bool(b) => Lit::Bool(*b),
        Value::Int(i) => Lit::Long(*i),
        Value::Float(f) => Lit::Double(*f),
        Value::Str(s) => Lit::Str(s.clone()),
        other => {
            return Err(EngineError::python(
                "PySparkTypeError",
                format!("[NOT_BOOL_OR_DICT_OR_FLOAT_OR_INT_OR_STR] Argument `value` should be a bool, dict, float, int or str, got {}.", other.type_name()),
            ))
        }
    })
}

/// `subset`: a column name, a list of names, or None for every column.
fn subset_of(a: &Args, pos: usize) -> Result<Option<Vec<String>>> {
    Ok(match a.opt(pos, "subset") {
        None | Some(Value::None) => None,
        Some(Value::Str(s)) => Some(vec![s]),
        Some(Value::List(v)) | Some(Value::Tuple(v)) => Some(v.iter().map(|x| x.to_str()).collect()),
        Some(other) => {
            return Err(EngineError::python(
                "PySparkTypeError",
                format!("[NOT_LIST_OR_STR_OR_TUPLE] Argument `subset` should be a list, str or tuple, got {}.", other.type_name()),
            ))
        }
    })
}

fn in_subset(subset: &Option<Vec<String>>, name: &str) -> bool {
    subset.as_ref().is_none_or(|s| s.iter().any(|n| n.eq_ignore_ascii_case(name)))
}

fn attr(df: &DataFrame, i: usize) -> Expr {
    let a = &df.schema.attrs[i];
    Expr::Attr { id: a.id, name: a.name.clone() }
}

/// NaN counts as missing for floating columns.
fn without_nan(df: &DataFrame, i: usize) -> Expr {
    let c = attr(df, i);
    if matches!(df.schema.attrs[i].ty, DataType::Float64 | DataType::Float32) {
        Expr::Case {
            branches: vec![(Expr::Call { name: "isnan".into(), args: vec![c.clone()], distinct: false }, Expr::lit(Lit::Null))],
            otherwise: Some(Box::new(c)),
        }
    } else {
        c
    }
}

/// `fillna(value, subset)` / `na.fill`.
pub fn fill(df: &DataFrame, a: &Args) -> Result<DataFrame> {
    let value = a.req(0, "value")?;
    let per_column: Vec<(String, Value)> = match &value {
        Value::Dict(d) => d.iter().map(|(k, v)| (k.to_str(), v.clone())).collect(),
        v => {
            if family_of_value(v).is_none() {
                return Err(EngineError::python(
                    "PySparkTypeError",
                    format!("[NOT_BOOL_OR_DICT_OR_FLOAT_OR_INT_OR_STR] Argument `value` should be a bool, dict, float, int or str, got {}.", v.type_name()),
                ));
            }
            let subset = subset_of(a, 1)?;
            df.schema
                .attrs
                .iter()
                .filter(|x| in_subset(&subset, &x.name))
                .map(|x| (x.name.clone(), value.clone()))
                .collect()
        }
    };
    let exprs = (0..df.schema.len())
        .map(|i| {
            let x = &df.schema.attrs[i];
            let chosen = per_column.iter().find(|(n, _)| n.eq_ignore_ascii_case(&x.name)).map(|(_, v)| v);
            match chosen {
                Some(v) if family_of_value(v).is_some() && family_of_value(v) == family_of_type(&x.ty) => {
                    let fallback = Expr::Cast { expr: Box::new(Expr::lit(literal(v)?)), to: x.ty.clone(), try_: false };
                    let filled = Expr::Call { name: "coalesce".into(), args: vec![without_nan(df, i), fallback], distinct: false };
                    Ok(filled.alias(&x.name))
                }
                _ => Ok(attr(df, i)),
            }
        })
        .collect::<Result<Vec<_>>>()?;
    df.select(exprs)
}

/// `dropna(how, thresh, subset)` / `na.drop`: keeps rows with at least
/// `thresh` values that are neither NULL nor NaN.
pub fn drop(df: &DataFrame, a: &Args) -> Result<DataFrame> {
    let how = match a.opt(0, "how") {
        None | Some(Value::None) => "any".to_string(),
        Some(v) => v.to_str(),
    };
    if how != "any" && how != "all" {
        return Err(EngineError::python(
            "PySparkValueError",
            format!("[VALUE_NOT_ANY_OR_ALL] Value for `how` must be 'any' or 'all', got '{how}'."),
        ));
    }
    let subset = subset_of(a, 2)?;
    let cols: Vec<usize> = (0..df.schema.len()).filter(|&i| in_subset(&subset, &df.schema.attrs[i].name)).collect();
    let thresh = match a.opt(1, "thresh") {
        Some(Value::Int(n)) => n.max(0) as usize,
        _ if how == "all" => 1,
        _ => cols.len(),
    };
    let present = cols.iter().map(|&i| Expr::Case {
        branches: vec![(Expr::IsNotNull(Box::new(without_nan(df, i))), Expr::lit(Lit::Int(1)))],
        otherwise: Some(Box::new(Expr::lit(Lit::Int(0)))),
    });
    let count = present.reduce(|l, r| Expr::Binary(BinaryOp::Add, Box::new(l), Box::new(r))).unwrap_or(Expr::lit(Lit::Int(0)));
    df.filter(Expr::Binary(BinaryOp::GtEq, Box::new(count), Box::new(Expr::lit(Lit::Int(thresh as i32)))))
}

/// `replace(to_replace, value, subset)` / `na.replace`: Spark's CaseKeyWhen
/// over the columns of the replaced values' type.
pub fn replace(df: &DataFrame, a: &Args) -> Result<DataFrame> {
    let to_replace = a.req(0, "to_replace")?;
    let pairs: Vec<(Value, Value)> = match &to_replace {
        Value::Dict(d) => d.clone(),
        Value::List(keys) | Value::Tuple(keys) => match a.opt(1, "value") {
            Some(Value::List(vals)) | Some(Value::Tuple(vals)) => {
                if vals.len() != keys.len() {
                    return Err(EngineError::python(
                        "PySparkValueError",
                        format!("[LENGTH_SHOULD_BE_THE_SAME] to_replace and value should be of the same length, got {} and {}.", keys.len(), vals.len()),
                    ));
                }
                keys.iter().cloned().zip(vals.iter().cloned()).collect()
            }
            Some(v) => keys.iter().map(|k| (k.clone(), v.clone())).collect(),
            None => return Err(EngineError::python("TypeError", "value argument is required when to_replace is not a dictionary.")),
        },
        k => vec![(k.clone(), a.opt(1, "value").unwrap_or(Value::None))],
    };
    let family = pairs.first().and_then(|(k, _)| family_of_value(k));
    let subset = subset_of(a, 2)?;
    let exprs = (0..df.schema.len())
        .map(|i| {
            let x = &df.schema.attrs[i];
            if family.is_none() || family != family_of_type(&x.ty) || !in_subset(&subset, &x.name) {
                return Ok(attr(df, i));
            }
            let key_lit = |k: &Value| -> Result<Expr> {
                Ok(Expr::lit(match (k, family) {
                    (Value::Int(n), Some(Family::Numeric)) => Lit::Double(*n as f64),
                    (k, _) => literal(k)?,
                }))
            };
            let branches = pairs
                .iter()
                .map(|(k, v)| {
                    let cond = Expr::Binary(BinaryOp::Eq, Box::new(attr(df, i)), Box::new(key_lit(k)?));
                    Ok((cond, Expr::Cast { expr: Box::new(Expr::lit(literal(v)?)), to: x.ty.clone(), try_: false }))
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Expr::Case { branches, otherwise: Some(Box::new(attr(df, i))) }.alias(&x.name))
        })
        .collect::<Result<Vec<_>>>()?;
    df.select(exprs)
}
