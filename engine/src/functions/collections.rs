//! Array, map, struct and JSON functions.
//!
//! Array results are built the same way throughout: each output row is a
//! list of (source, index) picks into a few source arrays (the inputs'
//! element arrays, or the element arguments themselves), turned into one
//! values array by Arrow's `interleave`. Element equality and order go
//! through Arrow's row encoding, which orders like Spark (NULL smallest
//! unless asked otherwise, NaN largest).

use crate::plan::functions::need;
use std::borrow::Cow;
use std::sync::Arc;

use arrow::array::*;
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, FieldRef, Fields};
use arrow::row::{RowConverter, SortField};

use super::{call, LibFn, PyArg};
use crate::error::{EngineError, Result};
use crate::eval::EvalCtx;
use crate::plan::expr::{Lit, PExpr, PKind};
use crate::plan::functions::ScalarFn;
use crate::types;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollFn {
    ArrayAppend,
    ArrayPrepend,
    ArrayCompact,
    ArrayExcept,
    ArrayIntersect,
    ArrayUnion,
    ArraysOverlap,
    ArrayInsert,
    ArrayJoin,
    ArrayMax,
    ArrayMin,
    ArrayPosition,
    ArrayRepeat,
    ArraySize,
    ArraysZip,
    Flatten,
    Sequence,
    Slice,
    /// `sort_array(a, asc)`: NULLs first ascending, last descending.
    SortArray { asc: bool },
    /// `array_sort(a)`: ascending, NULLs last.
    ArraySort,
    MapConcat,
    MapContainsKey,
    MapEntries,
    MapFromEntries,
    MapKeys,
    MapValues,
    StrToMap,
    ToJson,
    GetJsonObject,
    JsonArrayLength,
    JsonObjectKeys,
    /// One top-level field of a JSON object as text (json_tuple's columns).
    JsonField,
}

const NAMES: &[&str] = &[
    "array_append",
    "array_prepend",
    "array_compact",
    "array_except",
    "array_intersect",
    "array_union",
    "arrays_overlap",
    "array_insert",
    "array_join",
    "array_max",
    "array_min",
    "array_position",
    "array_repeat",
    "array_size",
    "arrays_zip",
    "flatten",
    "sequence",
    "slice",
    "sort_array",
    "array_sort",
    "named_struct",
    "map_concat",
    "map_contains_key",
    "map_entries",
    "map_from_entries",
    "map_keys",
    "map_values",
    "str_to_map",
    "to_json",
    "get_json_object",
    "json_array_length",
    "json_object_keys",
];

pub fn knows(name: &str) -> bool {
    NAMES.contains(&name)
}

pub fn python_signature(name: &str) -> Option<&'static [(&'static str, PyArg)]> {
    use PyArg::*;
    Some(match name {
        "array_append" | "array_prepend" | "array_position" => &[("col", Col), ("value", Lit)],
        "map_contains_key" => &[("col", Col), ("value", Lit)],
        "array_insert" => &[("arr", Col), ("pos", Lit), ("value", Lit)],
        "array_join" => &[("col", Col), ("delimiter", Lit), ("null_replacement", Lit)],
        "array_repeat" => &[("col", Col), ("count", Lit)],
        "slice" => &[("x", Col), ("start", Lit), ("length", Lit)],
        "sort_array" => &[("col", Col), ("asc", Lit)],
        "array_sort" => &[("col", Col)],
        "to_json" => &[("col", Col)],
        "get_json_object" => &[("col", Col), ("path", Lit)],
        // Aggregates whose flag PySpark passes as a literal.
        "first" | "last" => &[("col", Col), ("ignorenulls", Lit)],
        "first_value" | "last_value" | "any_value" => &[("col", Col), ("ignoreNulls", Lit)],
        _ => return None,
    })
}

/// The comparator Spark shows for `array_sort` without a lambda.
const ARRAY_SORT_LAMBDA: &str = "lambdafunction((IF(((namedlambdavariable() IS NULL) AND (namedlambdavariable() IS NULL)), 0, (IF((namedlambdavariable() IS NULL), 1, (IF((namedlambdavariable() IS NULL), -1, (IF((namedlambdavariable() < namedlambdavariable()), -1, (IF((namedlambdavariable() > namedlambdavariable()), 1, 0)))))))))), namedlambdavariable(), namedlambdavariable())";

pub fn pretty(name: &str, args: &[String]) -> Option<String> {
    match (name, args) {
        ("sort_array", [a]) => Some(format!("sort_array({a}, true)")),
        ("array_sort", [a]) => Some(format!("array_sort({a}, {ARRAY_SORT_LAMBDA})")),
        ("str_to_map", [a]) => Some(format!("str_to_map({a}, ,, :)")),
        ("str_to_map", [a, b]) => Some(format!("str_to_map({a}, {b}, :)")),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Resolution

fn lib(f: CollFn, args: Vec<PExpr>, ty: DataType) -> PExpr {
    call(LibFn::Coll(f), args, ty)
}



/// The text of argument `i` inside a call's generated name (`f(a, g(b, c))`).
fn arg_text(pretty: &str, i: usize) -> String {
    let Some(open) = pretty.find('(') else { return String::new() };
    let inner = pretty.get(open + 1..pretty.len().saturating_sub(1)).unwrap_or("");
    let mut depth = 0i32;
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes = inner.as_bytes();
    let mut k = 0;
    while k < bytes.len() {
        match bytes[k] {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b',' if depth == 0 && bytes.get(k + 1) == Some(&b' ') => {
                parts.push(&inner[start..k]);
                start = k + 2;
                k += 1;
            }
            _ => {}
        }
        k += 1;
    }
    parts.push(&inner[start..]);
    parts.get(i).map(|s| s.to_string()).unwrap_or_default()
}

fn ordinal(i: usize) -> &'static str {
    ["first", "second", "third", "fourth", "fifth"].get(i).copied().unwrap_or("next")
}

fn unexpected_type(pretty: &str, i: usize, want: &str, ty: &DataType) -> EngineError {
    EngineError::analysis(
        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
        format!(
            "Cannot resolve \"{pretty}\" due to data type mismatch: The {} parameter requires the {want} type, however \"{}\" has the type \"{}\".",
            ordinal(i),
            arg_text(pretty, i),
            types::sql_name(ty)
        ),
        "42K09",
    )
}

fn elem_of(pretty: &str, args: &[PExpr], i: usize) -> Result<DataType> {
    match &args[i].ty {
        DataType::List(f) => Ok(f.data_type().clone()),
        DataType::Null => Ok(DataType::Null),
        other => Err(unexpected_type(pretty, i, "\"ARRAY\"", other)),
    }
}

fn map_kv(pretty: &str, args: &[PExpr], i: usize) -> Result<(DataType, DataType)> {
    match &args[i].ty {
        DataType::Map(f, _) => Ok(crate::plan::functions::map_types(f.data_type())),
        other => Err(unexpected_type(pretty, i, "\"MAP\"", other)),
    }
}

/// Spark's tightest common type (no decimal widening, no string promotion).
fn tightest(a: &DataType, b: &DataType) -> Option<DataType> {
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (DataType::Null, o) | (o, DataType::Null) => Some(o.clone()),
        (DataType::Decimal128(..), _) | (_, DataType::Decimal128(..)) => None,
        (x, y) if types::is_numeric(x) && types::is_numeric(y) => crate::plan::resolve::wider_numeric(x, y),
        (DataType::Date32, t) | (t, DataType::Date32) if types::is_timestamp(t) => Some(t.clone()),
        _ => None,
    }
}

fn diff_types(name: &str, pretty: &str, left: &DataType, right: &DataType) -> EngineError {
    EngineError::analysis(
        "DATATYPE_MISMATCH.ARRAY_FUNCTION_DIFF_TYPES",
        format!(
            "Cannot resolve \"{pretty}\" due to data type mismatch: Input to `{name}` should have been \"ARRAY\" followed by a value with same element type, but it's [\"{}\", \"{}\"].",
            types::sql_name(left),
            types::sql_name(right)
        ),
        "42K09",
    )
}

fn same_types(name: &str, pretty: &str, tys: &[DataType]) -> EngineError {
    EngineError::analysis(
        "DATATYPE_MISMATCH.DATA_DIFF_TYPES",
        format!(
            "Cannot resolve \"{pretty}\" due to data type mismatch: Input to `{name}` should all be the same type, but it's [{}].",
            tys.iter().map(|t| format!("\"{}\"", types::sql_name(t))).collect::<Vec<_>>().join(", ")
        ),
        "42K09",
    )
}

fn string(e: PExpr) -> PExpr {
    e.cast(DataType::Utf8)
}

fn int(e: PExpr) -> PExpr {
    e.cast(DataType::Int32)
}

fn bool_lit(e: &PExpr) -> Option<bool> {
    match e.as_literal() {
        Some(Lit::Bool(b)) => Some(*b),
        _ => None,
    }
}

pub fn resolve(name: &str, mut args: Vec<PExpr>, pretty: &str) -> Result<PExpr> {
    use CollFn as C;
    Ok(match name {
        "array_append" | "array_prepend" | "array_position" => {
            need(name, &args, 2, 2)?;
            let elem = elem_of(pretty, &args, 0)?;
            let ty = tightest(&elem, &args[1].ty).ok_or_else(|| diff_types(name, pretty, &args[0].ty, &args[1].ty))?;
            let v = args.pop().map(|v| v.cast(ty.clone())).unwrap_or_else(|| PExpr::literal(Lit::Null));
            let a = args.remove(0).cast(types::array_of(ty.clone()));
            match name {
                "array_append" => lib(C::ArrayAppend, vec![a, v], types::array_of(ty)),
                "array_prepend" => lib(C::ArrayPrepend, vec![a, v], types::array_of(ty)),
                _ => lib(C::ArrayPosition, vec![a, v], DataType::Int64),
            }
        }
        "array_compact" | "array_max" | "array_min" | "array_size" | "array_sort" => {
            need(name, &args, 1, 1)?;
            let elem = elem_of(pretty, &args, 0)?;
            let a = args.remove(0);
            let ty = a.ty.clone();
            match name {
                "array_compact" => lib(C::ArrayCompact, vec![a], ty),
                "array_max" => lib(C::ArrayMax, vec![a], elem),
                "array_min" => lib(C::ArrayMin, vec![a], elem),
                "array_size" => lib(C::ArraySize, vec![a], DataType::Int32),
                _ => lib(C::ArraySort, vec![a], ty),
            }
        }
        "sort_array" => {
            need(name, &args, 1, 2)?;
            elem_of(pretty, &args, 0)?;
            let asc = match args.get(1) {
                None => true,
                Some(e) => match bool_lit(e) {
                    Some(b) => b,
                    None if e.ty == DataType::Boolean => {
                        return Err(EngineError::analysis(
                            "DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
                            format!("Cannot resolve \"{pretty}\" due to data type mismatch: the input `ascendingOrder` should be a foldable \"BOOLEAN\" expression; however, got \"{}\".", arg_text(pretty, 1)),
                            "42K09",
                        ))
                    }
                    None => return Err(unexpected_type(pretty, 1, "\"BOOLEAN\"", &e.ty)),
                },
            };
            let a = args.remove(0);
            let ty = a.ty.clone();
            lib(C::SortArray { asc }, vec![a], ty)
        }
        "array_except" | "array_intersect" | "array_union" | "arrays_overlap" => {
            need(name, &args, 2, 2)?;
            let e0 = elem_of(pretty, &args, 0)?;
            let e1 = elem_of(pretty, &args, 1)?;
            let elem = crate::plan::resolve::common_type_of([&e0, &e1].into_iter())
                .filter(|t| tightest(&e0, &e1).is_some() || t == &e0)
                .ok_or_else(|| {
                    EngineError::analysis(
                        "DATATYPE_MISMATCH.BINARY_ARRAY_DIFF_TYPES",
                        format!(
                            "Cannot resolve \"{pretty}\" due to data type mismatch: Input to function `{name}` should have been two \"ARRAY\" with same element type, but it's [\"{}\", \"{}\"].",
                            types::sql_name(&args[0].ty),
                            types::sql_name(&args[1].ty)
                        ),
                        "42K09",
                    )
                })?;
            let at = types::array_of(elem);
            let args: Vec<PExpr> = args.into_iter().map(|a| a.cast(at.clone())).collect();
            match name {
                "array_except" => lib(C::ArrayExcept, args, at),
                "array_intersect" => lib(C::ArrayIntersect, args, at),
                "array_union" => lib(C::ArrayUnion, args, at),
                _ => lib(C::ArraysOverlap, args, DataType::Boolean),
            }
        }
        "array_insert" => {
            need(name, &args, 3, 3)?;
            let elem = elem_of(pretty, &args, 0)?;
            if !types::is_integral(&args[1].ty) && args[1].ty != DataType::Null {
                return Err(unexpected_type(pretty, 1, "\"INT\"", &args[1].ty));
            }
            let ty = tightest(&elem, &args[2].ty).ok_or_else(|| diff_types(name, pretty, &args[0].ty, &args[2].ty))?;
            let v = args.pop().map(|v| v.cast(ty.clone())).unwrap_or_else(|| PExpr::literal(Lit::Null));
            let pos = int(args.pop().unwrap_or_else(|| PExpr::literal(Lit::Null)));
            let a = args.remove(0).cast(types::array_of(ty.clone()));
            lib(C::ArrayInsert, vec![a, pos, v], types::array_of(ty))
        }
        "array_join" => {
            need(name, &args, 2, 3)?;
            let elem = elem_of(pretty, &args, 0)?;
            if !matches!(elem, DataType::Utf8 | DataType::Null) && !types::is_numeric(&elem) && elem != DataType::Boolean {
                return Err(unexpected_type(pretty, 0, "\"ARRAY<STRING>\"", &args[0].ty));
            }
            let mut it = args.into_iter();
            let mut out = vec![it.next().map(|a| a.cast(types::array_of(DataType::Utf8))).unwrap_or_else(|| PExpr::literal(Lit::Null))];
            out.extend(it.map(string));
            lib(C::ArrayJoin, out, DataType::Utf8)
        }
        "array_repeat" => {
            need(name, &args, 2, 2)?;
            if !types::is_integral(&args[1].ty) && args[1].ty != DataType::Null {
                return Err(unexpected_type(pretty, 1, "\"INT\"", &args[1].ty));
            }
            let n = int(args.pop().unwrap_or_else(|| PExpr::literal(Lit::Null)));
            let e = args.remove(0);
            let ty = types::array_of(e.ty.clone());
            lib(C::ArrayRepeat, vec![e, n], ty)
        }
        "arrays_zip" => {
            let mut fields = Vec::new();
            for (i, a) in args.iter().enumerate() {
                let elem = elem_of(pretty, &args, i)?;
                let shown = arg_text(pretty, i);
                let fname = match a.kind {
                    PKind::Column(_) if !shown.is_empty() => {
                        crate::plan::expr::split_name(&shown).pop().unwrap_or(shown)
                    }
                    _ => i.to_string(),
                };
                fields.push((fname, elem));
            }
            lib(C::ArraysZip, args, types::array_of(types::struct_of(fields)))
        }
        "flatten" => {
            need(name, &args, 1, 1)?;
            let elem = elem_of(pretty, &args, 0)?;
            let ty = match elem {
                DataType::List(_) => elem,
                DataType::Null => types::array_of(DataType::Null),
                _ => {
                    return Err(EngineError::analysis(
                        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                        format!(
                            "Cannot resolve \"{pretty}\" due to data type mismatch: The first parameter requires the \"ARRAY\" of \"ARRAY\" type, however \"{}\" has the type \"{}\".",
                            arg_text(pretty, 0),
                            types::sql_name(&args[0].ty)
                        ),
                        "42K09",
                    ))
                }
            };
            lib(C::Flatten, args, ty)
        }
        "sequence" => {
            need(name, &args, 2, 3)?;
            let step = if args.len() == 3 { args.pop() } else { None };
            let ty = crate::plan::resolve::common_type_of(args.iter().map(|a| &a.ty)).unwrap_or(DataType::Null);
            let ty = match ty {
                t if types::is_integral(&t) => t,
                DataType::Date32 => DataType::Date32,
                t if types::is_timestamp(&t) => t,
                _ => {
                    let bad = args.iter().position(|a| !types::is_integral(&a.ty) && a.ty != DataType::Date32 && !types::is_timestamp(&a.ty)).unwrap_or(0);
                    return Err(unexpected_type(pretty, bad, "(\"INTEGRAL\" or \"TIMESTAMP\" or \"DATE\")", &args[bad].ty));
                }
            };
            let mut out: Vec<PExpr> = args.into_iter().map(|a| a.cast(ty.clone())).collect();
            if let Some(s) = step {
                let s = if types::is_integral(&ty) {
                    s.cast(ty.clone())
                } else if matches!(s.ty, DataType::Duration(_)) {
                    s
                } else {
                    return Err(unexpected_type(pretty, 2, "\"INTERVAL\"", &s.ty));
                };
                out.push(s);
            }
            lib(C::Sequence, out, types::array_of(ty))
        }
        "slice" => {
            need(name, &args, 3, 3)?;
            elem_of(pretty, &args, 0)?;
            for i in 1..3 {
                if !types::is_integral(&args[i].ty) && args[i].ty != DataType::Null {
                    return Err(unexpected_type(pretty, i, "\"INT\"", &args[i].ty));
                }
            }
            let len = int(args.pop().unwrap_or_else(|| PExpr::literal(Lit::Null)));
            let start = int(args.pop().unwrap_or_else(|| PExpr::literal(Lit::Null)));
            let a = args.remove(0);
            let ty = a.ty.clone();
            lib(C::Slice, vec![a, start, len], ty)
        }
        "named_struct" => {
            if args.is_empty() || args.len() % 2 != 0 {
                return Err(EngineError::analysis(
                    "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                    format!("The `named_struct` requires 2n (n > 0) parameters but the actual number is {}. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix.", args.len()),
                    "42605",
                ));
            }
            let mut fields = Vec::new();
            let mut values = Vec::new();
            let mut it = args.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                let Some(Lit::Str(fname)) = k.as_literal() else {
                    return Err(EngineError::analysis(
                        "DATATYPE_MISMATCH.CREATE_NAMED_STRUCT_WITHOUT_FOLDABLE_STRING",
                        format!("Cannot resolve \"{pretty}\" due to data type mismatch: Only foldable `STRING` expressions are allowed to appear at odd position, but they are [\"{}\"].", arg_text(pretty, fields.len() * 2)),
                        "42K09",
                    ));
                };
                fields.push((fname.clone(), v.ty.clone()));
                values.push(v);
            }
            PExpr::new(PKind::Scalar { func: ScalarFn::MakeStruct, args: values }, types::struct_of(fields))
        }
        "map_concat" => {
            if args.is_empty() {
                return Ok(lib(C::MapConcat, vec![], types::map_of(DataType::Utf8, DataType::Utf8)));
            }
            for i in 0..args.len() {
                map_kv(pretty, &args, i)?;
            }
            let ty = args[0].ty.clone();
            if args.iter().any(|a| a.ty != ty) {
                return Err(same_types(name, pretty, &args.iter().map(|a| a.ty.clone()).collect::<Vec<_>>()));
            }
            lib(C::MapConcat, args, ty)
        }
        "map_contains_key" => {
            need(name, &args, 2, 2)?;
            let (kt, _) = map_kv(pretty, &args, 0)?;
            let kty = tightest(&kt, &args[1].ty).ok_or_else(|| {
                EngineError::analysis(
                    "DATATYPE_MISMATCH.MAP_FUNCTION_DIFF_TYPES",
                    format!(
                        "Cannot resolve \"{pretty}\" due to data type mismatch: Input to `map_contains_key` should have been \"MAP\" followed by a value with same key type, but it's [\"{}\", \"{}\"].",
                        types::sql_name(&args[0].ty),
                        types::sql_name(&args[1].ty)
                    ),
                    "42K09",
                )
            })?;
            if kty != kt {
                return Err(EngineError::unsupported("map_contains_key with a key of a wider type than the map's"));
            }
            let k = args.pop().map(|k| k.cast(kt)).unwrap_or_else(|| PExpr::literal(Lit::Null));
            lib(C::MapContainsKey, vec![args.remove(0), k], DataType::Boolean)
        }
        "map_keys" | "map_values" | "map_entries" => {
            need(name, &args, 1, 1)?;
            let (kt, vt) = map_kv(pretty, &args, 0)?;
            match name {
                "map_keys" => lib(C::MapKeys, args, types::array_of(kt)),
                "map_values" => lib(C::MapValues, args, types::array_of(vt)),
                _ => {
                    let entries = match &args[0].ty {
                        DataType::Map(f, _) => f.data_type().clone(),
                        _ => types::struct_of(vec![("key".into(), kt), ("value".into(), vt)]),
                    };
                    lib(C::MapEntries, args, types::array_of(entries))
                }
            }
        }
        "map_from_entries" => {
            need(name, &args, 1, 1)?;
            let elem = elem_of(pretty, &args, 0)?;
            let (kt, vt) = match &elem {
                DataType::Struct(f) if f.len() == 2 => (f[0].data_type().clone(), f[1].data_type().clone()),
                _ => {
                    return Err(EngineError::analysis(
                        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                        format!(
                            "Cannot resolve \"{pretty}\" due to data type mismatch: The first parameter requires the \"ARRAY\" of pair \"STRUCT\" type, however \"{}\" has the type \"{}\".",
                            arg_text(pretty, 0),
                            types::sql_name(&args[0].ty)
                        ),
                        "42K09",
                    ))
                }
            };
            lib(C::MapFromEntries, args, types::map_of(kt, vt))
        }
        "str_to_map" => {
            need(name, &args, 1, 3)?;
            while args.len() < 3 {
                let d = if args.len() == 1 { "," } else { ":" };
                args.push(PExpr::literal(Lit::Str(d.into())));
            }
            lib(C::StrToMap, args.into_iter().map(string).collect(), types::map_of(DataType::Utf8, DataType::Utf8))
        }
        "to_json" => {
            need(name, &args, 1, 2)?;
            if !matches!(args[0].ty, DataType::Struct(_) | DataType::List(_) | DataType::Map(..)) {
                return Err(EngineError::analysis(
                    "DATATYPE_MISMATCH.INVALID_JSON_SCHEMA",
                    format!(
                        "Cannot resolve \"{pretty}\" due to data type mismatch: Input schema \"{}\" must be a struct, an array, a map or a variant.",
                        types::sql_name(&args[0].ty)
                    ),
                    "42K09",
                ));
            }
            args.truncate(1);
            lib(C::ToJson, args, DataType::Utf8)
        }
        "get_json_object" => {
            need(name, &args, 2, 2)?;
            lib(C::GetJsonObject, args.into_iter().map(string).collect(), DataType::Utf8)
        }
        "json_array_length" => {
            need(name, &args, 1, 1)?;
            lib(C::JsonArrayLength, args.into_iter().map(string).collect(), DataType::Int32)
        }
        "json_object_keys" => {
            need(name, &args, 1, 1)?;
            lib(C::JsonObjectKeys, args.into_iter().map(string).collect(), types::array_of(DataType::Utf8))
        }
        _ => return Err(EngineError::unsupported(format!("the function `{name}`"))),
    })
}

/// `json_tuple(json, f1, f2...)`'s row: a struct of the fields as text,
/// named c0, c1... (the generator then explodes a one-element array of it).
pub fn json_tuple_struct(json: PExpr, fields: Vec<PExpr>) -> PExpr {
    let json = string(json);
    let mut names = Vec::new();
    let mut values = Vec::new();
    for (i, f) in fields.into_iter().enumerate() {
        names.push((format!("c{i}"), DataType::Utf8));
        values.push(lib(CollFn::JsonField, vec![json.clone(), string(f)], DataType::Utf8));
    }
    PExpr::new(PKind::Scalar { func: ScalarFn::MakeStruct, args: values }, types::struct_of(names))
}

// ---------------------------------------------------------------------------
// Evaluation helpers

fn internal(msg: impl Into<String>) -> EngineError {
    EngineError::execution("INTERNAL_ERROR", msg.into(), "XX000")
}

fn list(a: &ArrayRef) -> Result<&ListArray> {
    a.as_list_opt::<i32>().ok_or_else(|| internal(format!("expected an array, got {}", a.data_type())))
}

fn map(a: &ArrayRef) -> Result<&MapArray> {
    a.as_map_opt().ok_or_else(|| internal(format!("expected a map, got {}", a.data_type())))
}

fn list_field(ty: &DataType) -> Result<FieldRef> {
    match ty {
        DataType::List(f) => Ok(f.clone()),
        other => Err(internal(format!("expected an array type, got {other}"))),
    }
}

fn range(l: &ListArray, i: usize) -> std::ops::Range<usize> {
    let o = l.value_offsets();
    o[i] as usize..o[i + 1] as usize
}

fn ints(a: &ArrayRef) -> Result<&Int32Array> {
    a.as_primitive_opt::<arrow::datatypes::Int32Type>().ok_or_else(|| internal("expected ints"))
}

fn strs(a: &ArrayRef) -> Result<&StringArray> {
    a.as_string_opt::<i32>().ok_or_else(|| internal("expected strings"))
}

/// An array result under construction: per output row, picks of
/// (source, index) into the sources.
struct Picks {
    idx: Vec<(usize, usize)>,
    offsets: Vec<i32>,
    valid: Vec<bool>,
}

impl Picks {
    fn new(n: usize) -> Self {
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        Picks { idx: Vec::new(), offsets, valid: Vec::with_capacity(n) }
    }

    fn push(&mut self, src: usize, i: usize) {
        self.idx.push((src, i));
    }

    fn end_row(&mut self) {
        self.offsets.push(self.idx.len() as i32);
        self.valid.push(true);
    }

    fn null_row(&mut self) {
        self.offsets.push(self.idx.len() as i32);
        self.valid.push(false);
    }

    fn finish(self, ty: &DataType, sources: &[&dyn Array]) -> Result<ArrayRef> {
        let field = list_field(ty)?;
        let values = if sources.is_empty() || self.idx.is_empty() {
            new_empty_array(field.data_type())
        } else {
            arrow::compute::interleave(sources, &self.idx)?
        };
        let values = if values.data_type() != field.data_type() {
            arrow::compute::cast(&values, field.data_type())?
        } else {
            values
        };
        let nulls = if self.valid.iter().all(|v| *v) { None } else { Some(NullBuffer::from(self.valid)) };
        Ok(Arc::new(ListArray::try_new(field, OffsetBuffer::new(self.offsets.into()), values, nulls)?))
    }
}

/// Spark's array size limit; and the engine's own, far below it, for
/// arrays a function would build out of nothing (padding, repeats,
/// sequences), so that a typo cannot exhaust memory.
const SPARK_ARRAY_LIMIT: i128 = 2147483632;
const ENGINE_ARRAY_LIMIT: i128 = 1 << 24;

fn check_size(n: i128, param: &str) -> Result<()> {
    if n > SPARK_ARRAY_LIMIT {
        return Err(EngineError::execution(
            "COLLECTION_SIZE_LIMIT_EXCEEDED.PARAMETER",
            format!("Can't create array with {n} elements which exceeding the array size limit 2147483632, the value of parameter(s) `{param}` is invalid."),
            "54000",
        ));
    }
    if n > ENGINE_ARRAY_LIMIT {
        return Err(EngineError::unsupported(format!("arrays of more than {ENGINE_ARRAY_LIMIT} elements ({n} asked for)")));
    }
    Ok(())
}

fn converter(ty: &DataType) -> Result<RowConverter> {
    Ok(RowConverter::new(vec![SortField::new(ty.clone())])?)
}

fn index_of_zero() -> EngineError {
    EngineError::execution(
        "INVALID_INDEX_OF_ZERO",
        "The index 0 is invalid. An index shall be either < 0 or > 0 (the first element has index 1).",
        "22003",
    )
}

fn duplicated_key(key: &str) -> EngineError {
    EngineError::execution(
        "DUPLICATED_MAP_KEY",
        format!("Duplicate map key {key} was found, please check the input data. If you want to remove the duplicated keys, you can set \"spark.sql.mapKeyDedupPolicy\" to \"LAST_WIN\" so that the key inserted at last takes precedence."),
        "23505",
    )
}

fn null_map_key() -> EngineError {
    EngineError::execution("NULL_MAP_KEY", "Cannot use null as map key.", "2200E")
}

/// Builds a map from key and value arrays, failing on NULL or repeated
/// keys (Spark's default `mapKeyDedupPolicy`).
fn build_map(ty: &DataType, keys: ArrayRef, vals: ArrayRef, offsets: Vec<i32>, valid: Vec<bool>, ctx: &EvalCtx) -> Result<ArrayRef> {
    let entries = match ty {
        DataType::Map(f, _) => f.clone(),
        other => return Err(internal(format!("expected a map type, got {other}"))),
    };
    let kv = match entries.data_type() {
        DataType::Struct(f) => f.clone(),
        _ => return Err(internal("map entries expected")),
    };
    if keys.null_count() > 0 {
        return Err(null_map_key());
    }
    let conv = converter(keys.data_type())?;
    let rows = conv.convert_columns(&[keys.clone()])?;
    let mut seen: hashbrown::HashSet<&[u8]> = hashbrown::HashSet::new();
    for w in offsets.windows(2) {
        seen.clear();
        for k in w[0] as usize..w[1] as usize {
            if !seen.insert(rows.row(k).data()) {
                let shown = crate::display::format_value(keys.as_ref(), k, &ctx.zone, crate::display::Style::Cast).unwrap_or_default();
                return Err(duplicated_key(&shown));
            }
        }
    }
    let keys = if keys.data_type() != kv[0].data_type() { arrow::compute::cast(&keys, kv[0].data_type())? } else { keys };
    let vals = if vals.data_type() != kv[1].data_type() { arrow::compute::cast(&vals, kv[1].data_type())? } else { vals };
    let st = StructArray::try_new(kv, vec![keys, vals], None)?;
    let nulls = if valid.iter().all(|v| *v) { None } else { Some(NullBuffer::from(valid)) };
    Ok(Arc::new(MapArray::try_new(entries, OffsetBuffer::new(offsets.into()), st, nulls, false)?))
}

// ---------------------------------------------------------------------------
// Evaluation

pub fn eval(f: CollFn, a: &[ArrayRef], ty: &DataType, n: usize, ctx: &EvalCtx) -> Result<ArrayRef> {
    use CollFn as C;
    let arg = |i: usize| a.get(i).ok_or_else(|| internal(format!("{f:?}: missing argument {i}")));
    match f {
        C::ArrayAppend | C::ArrayPrepend => {
            let l = list(arg(0)?)?;
            let v = arg(1)?;
            let mut p = Picks::new(n);
            for i in 0..n {
                if l.is_null(i) {
                    p.null_row();
                    continue;
                }
                if f == C::ArrayPrepend {
                    p.push(1, i);
                }
                range(l, i).for_each(|k| p.push(0, k));
                if f == C::ArrayAppend {
                    p.push(1, i);
                }
                p.end_row();
            }
            let v = if v.data_type() != l.values().data_type() { arrow::compute::cast(v, l.values().data_type())? } else { v.clone() };
            p.finish(ty, &[l.values().as_ref(), v.as_ref()])
        }
        C::ArrayCompact => {
            let l = list(arg(0)?)?;
            let vals = l.values();
            let mut p = Picks::new(n);
            for i in 0..n {
                if l.is_null(i) {
                    p.null_row();
                    continue;
                }
                range(l, i).filter(|&k| vals.is_valid(k)).for_each(|k| p.push(0, k));
                p.end_row();
            }
            p.finish(ty, &[vals.as_ref()])
        }
        C::ArrayExcept | C::ArrayIntersect | C::ArrayUnion | C::ArraysOverlap => {
            let (l0, l1) = (list(arg(0)?)?, list(arg(1)?)?);
            let conv = converter(l0.values().data_type())?;
            let r0 = conv.convert_columns(&[l0.values().clone()])?;
            let r1 = conv.convert_columns(&[l1.values().clone()])?;
            let mut seen: hashbrown::HashSet<&[u8]> = hashbrown::HashSet::new();
            let mut other: hashbrown::HashSet<&[u8]> = hashbrown::HashSet::new();
            if f == C::ArraysOverlap {
                let mut out = BooleanBuilder::with_capacity(n);
                for i in 0..n {
                    if l0.is_null(i) || l1.is_null(i) {
                        out.append_null();
                        continue;
                    }
                    let (a0, a1) = (range(l0, i), range(l1, i));
                    other.clear();
                    let mut has_null = false;
                    for k in a1.clone() {
                        if l1.values().is_null(k) {
                            has_null = true;
                        } else {
                            other.insert(r1.row(k).data());
                        }
                    }
                    let mut hit = false;
                    for k in a0.clone() {
                        if l0.values().is_null(k) {
                            has_null = true;
                        } else if other.contains(r0.row(k).data()) {
                            hit = true;
                            break;
                        }
                    }
                    if hit {
                        out.append_value(true);
                    } else if has_null && !a0.is_empty() && !a1.is_empty() {
                        out.append_null();
                    } else {
                        out.append_value(false);
                    }
                }
                return Ok(Arc::new(out.finish()));
            }
            let mut p = Picks::new(n);
            for i in 0..n {
                if l0.is_null(i) || l1.is_null(i) {
                    p.null_row();
                    continue;
                }
                seen.clear();
                other.clear();
                match f {
                    C::ArrayUnion => {
                        for k in range(l0, i) {
                            if seen.insert(r0.row(k).data()) {
                                p.push(0, k);
                            }
                        }
                        for k in range(l1, i) {
                            if seen.insert(r1.row(k).data()) {
                                p.push(1, k);
                            }
                        }
                    }
                    _ => {
                        for k in range(l1, i) {
                            other.insert(r1.row(k).data());
                        }
                        let keep_common = f == C::ArrayIntersect;
                        for k in range(l0, i) {
                            let r = r0.row(k).data();
                            if other.contains(r) == keep_common && seen.insert(r) {
                                p.push(0, k);
                            }
                        }
                    }
                }
                p.end_row();
            }
            p.finish(ty, &[l0.values().as_ref(), l1.values().as_ref()])
        }
        C::ArrayInsert => {
            let l = list(arg(0)?)?;
            let pos = ints(arg(1)?)?;
            let v = arg(2)?;
            let v = if v.data_type() != l.values().data_type() { arrow::compute::cast(v, l.values().data_type())? } else { v.clone() };
            let nulls = new_null_array(l.values().data_type(), 1);
            let mut p = Picks::new(n);
            for i in 0..n {
                if l.is_null(i) || pos.is_null(i) {
                    p.null_row();
                    continue;
                }
                let r = range(l, i);
                let len = r.len() as i64;
                let k = pos.value(i) as i64;
                if k == 0 {
                    return Err(index_of_zero());
                }
                check_size((k.unsigned_abs() as i128).max(len as i128) + 1, "pos")?;
                if k > 0 {
                    let at = k - 1;
                    if at > len {
                        r.clone().for_each(|e| p.push(0, e));
                        (len..at).for_each(|_| p.push(2, 0));
                        p.push(1, i);
                    } else {
                        for (j, e) in r.clone().enumerate() {
                            if j as i64 == at {
                                p.push(1, i);
                            }
                            p.push(0, e);
                        }
                        if at == len {
                            p.push(1, i);
                        }
                    }
                } else {
                    // -1 inserts after the last element.
                    let at = len + k + 1;
                    if at < 0 {
                        p.push(1, i);
                        (0..-at).for_each(|_| p.push(2, 0));
                        r.clone().for_each(|e| p.push(0, e));
                    } else {
                        for (j, e) in r.clone().enumerate() {
                            if j as i64 == at {
                                p.push(1, i);
                            }
                            p.push(0, e);
                        }
                        if at == len {
                            p.push(1, i);
                        }
                    }
                }
                p.end_row();
            }
            p.finish(ty, &[l.values().as_ref(), v.as_ref(), nulls.as_ref()])
        }
        C::ArrayJoin => {
            let l = list(arg(0)?)?;
            let vals = strs(l.values())?;
            let delim = strs(arg(1)?)?;
            let repl = match a.get(2) {
                Some(r) => Some(strs(r)?),
                None => None,
            };
            let mut out = StringBuilder::with_capacity(n, 0);
            let mut buf = String::new();
            for i in 0..n {
                if l.is_null(i) || delim.is_null(i) || repl.is_some_and(|r| r.is_null(i)) {
                    out.append_null();
                    continue;
                }
                buf.clear();
                let d = delim.value(i);
                let mut first = true;
                for k in range(l, i) {
                    let s = if vals.is_null(k) {
                        match repl {
                            Some(r) => r.value(i),
                            None => continue,
                        }
                    } else {
                        vals.value(k)
                    };
                    if !first {
                        buf.push_str(d);
                    }
                    first = false;
                    buf.push_str(s);
                }
                out.append_value(&buf);
            }
            Ok(Arc::new(out.finish()))
        }
        C::ArrayMax | C::ArrayMin => {
            let l = list(arg(0)?)?;
            let vals = l.values();
            let conv = converter(vals.data_type())?;
            let rows = conv.convert_columns(&[vals.clone()])?;
            let mut idx: Vec<Option<u32>> = Vec::with_capacity(n);
            for i in 0..n {
                let mut best: Option<usize> = None;
                if l.is_valid(i) {
                    for k in range(l, i) {
                        if vals.is_null(k) {
                            continue;
                        }
                        best = Some(match best {
                            None => k,
                            Some(b) => {
                                let better = if f == C::ArrayMax { rows.row(k) > rows.row(b) } else { rows.row(k) < rows.row(b) };
                                if better { k } else { b }
                            }
                        });
                    }
                }
                idx.push(best.map(|b| b as u32));
            }
            Ok(arrow::compute::take(vals, &UInt32Array::from(idx), None)?)
        }
        C::ArrayPosition => {
            let l = list(arg(0)?)?;
            let v = arg(1)?;
            let conv = converter(l.values().data_type())?;
            let rows = conv.convert_columns(&[l.values().clone()])?;
            let v = if v.data_type() != l.values().data_type() { arrow::compute::cast(v, l.values().data_type())? } else { v.clone() };
            let needles = conv.convert_columns(&[v.clone()])?;
            let mut out = Int64Builder::with_capacity(n);
            for i in 0..n {
                if l.is_null(i) || v.is_null(i) {
                    out.append_null();
                    continue;
                }
                let needle = needles.row(i);
                let r = range(l, i);
                let start = r.start;
                let found = r.into_iter().find(|&k| l.values().is_valid(k) && rows.row(k) == needle);
                out.append_value(found.map_or(0, |k| (k - start + 1) as i64));
            }
            Ok(Arc::new(out.finish()))
        }
        C::ArrayRepeat => {
            let v = arg(0)?;
            let cnt = ints(arg(1)?)?;
            let mut p = Picks::new(n);
            for i in 0..n {
                if cnt.is_null(i) {
                    p.null_row();
                    continue;
                }
                let c = cnt.value(i).max(0) as usize;
                check_size(c as i128 + p.idx.len() as i128, "count")?;
                (0..c).for_each(|_| p.push(0, i));
                p.end_row();
            }
            p.finish(ty, &[v.as_ref()])
        }
        C::ArraySize => {
            let l = list(arg(0)?)?;
            Ok(Arc::new((0..n).map(|i| l.is_valid(i).then(|| l.value_length(i))).collect::<Int32Array>()))
        }
        C::ArraysZip => {
            let lists: Vec<&ListArray> = a.iter().map(list).collect::<Result<_>>()?;
            let st_fields = match list_field(ty)?.data_type() {
                DataType::Struct(f) => f.clone(),
                _ => Fields::empty(),
            };
            let mut idx: Vec<Vec<Option<u32>>> = vec![Vec::new(); lists.len()];
            let mut offsets = vec![0i32];
            let mut valid = Vec::with_capacity(n);
            let mut total = 0usize;
            for i in 0..n {
                if lists.iter().any(|l| l.is_null(i)) {
                    valid.push(false);
                    offsets.push(total as i32);
                    continue;
                }
                let len = lists.iter().map(|l| l.value_length(i) as usize).max().unwrap_or(0);
                for (j, l) in lists.iter().enumerate() {
                    let r = range(l, i);
                    for e in 0..len {
                        idx[j].push((e < r.len()).then(|| (r.start + e) as u32));
                    }
                }
                total += len;
                valid.push(true);
                offsets.push(total as i32);
            }
            let children: Vec<ArrayRef> = lists
                .iter()
                .zip(&idx)
                .map(|(l, ix)| Ok(arrow::compute::take(l.values(), &UInt32Array::from(ix.clone()), None)?))
                .collect::<Result<_>>()?;
            let st: ArrayRef = if st_fields.is_empty() {
                Arc::new(StructArray::new_empty_fields(total, None))
            } else {
                Arc::new(StructArray::try_new(st_fields, children, None)?)
            };
            let field = list_field(ty)?;
            let nulls = if valid.iter().all(|v| *v) { None } else { Some(NullBuffer::from(valid)) };
            Ok(Arc::new(ListArray::try_new(field, OffsetBuffer::new(offsets.into()), st, nulls)?))
        }
        C::Flatten => {
            let outer = list(arg(0)?)?;
            if matches!(outer.values().data_type(), DataType::Null) {
                let mut p = Picks::new(n);
                for i in 0..n {
                    if outer.is_null(i) || outer.value_length(i) > 0 {
                        p.null_row();
                    } else {
                        p.end_row();
                    }
                }
                return p.finish(ty, &[]);
            }
            let inner = list(outer.values())?;
            let mut p = Picks::new(n);
            for i in 0..n {
                let r = range(outer, i);
                if outer.is_null(i) || r.clone().any(|k| inner.is_null(k)) {
                    p.null_row();
                    continue;
                }
                for k in r {
                    range(inner, k).for_each(|e| p.push(0, e));
                }
                p.end_row();
            }
            p.finish(ty, &[inner.values().as_ref()])
        }
        C::Sequence => sequence(a, ty, n, ctx),
        C::Slice => {
            let l = list(arg(0)?)?;
            let start = ints(arg(1)?)?;
            let len = ints(arg(2)?)?;
            let mut p = Picks::new(n);
            for i in 0..n {
                if l.is_null(i) || start.is_null(i) || len.is_null(i) {
                    p.null_row();
                    continue;
                }
                let r = range(l, i);
                let (s, ln) = (start.value(i) as i64, len.value(i) as i64);
                if s == 0 {
                    return Err(EngineError::execution(
                        "INVALID_PARAMETER_VALUE.START",
                        "The value of parameter(s) `start` in `slice` is invalid: Expects a positive or a negative value for `start`, but got 0.",
                        "22023",
                    ));
                }
                if ln < 0 {
                    return Err(EngineError::execution(
                        "INVALID_PARAMETER_VALUE.LENGTH",
                        format!("The value of parameter(s) `length` in `slice` is invalid: Expects `length` greater than or equal to 0, but got {ln}."),
                        "22023",
                    ));
                }
                let size = r.len() as i64;
                let from = if s > 0 { s - 1 } else { size + s };
                if from >= 0 && from < size {
                    let to = (from + ln).min(size);
                    (from..to).for_each(|k| p.push(0, r.start + k as usize));
                }
                p.end_row();
            }
            p.finish(ty, &[l.values().as_ref()])
        }
        C::SortArray { .. } | C::ArraySort => {
            let l = list(arg(0)?)?;
            let vals = l.values();
            let (descending, nulls_first) = match f {
                C::SortArray { asc } => (!asc, asc),
                _ => (false, false),
            };
            let conv = RowConverter::new(vec![SortField::new_with_options(
                vals.data_type().clone(),
                arrow::compute::SortOptions { descending, nulls_first },
            )])?;
            let rows = conv.convert_columns(&[vals.clone()])?;
            let mut p = Picks::new(n);
            let mut order: Vec<usize> = Vec::new();
            for i in 0..n {
                if l.is_null(i) {
                    p.null_row();
                    continue;
                }
                order.clear();
                order.extend(range(l, i));
                order.sort_by(|&x, &y| rows.row(x).cmp(&rows.row(y)));
                order.iter().for_each(|&k| p.push(0, k));
                p.end_row();
            }
            p.finish(ty, &[vals.as_ref()])
        }
        C::MapConcat => {
            if a.is_empty() {
                return build_map(ty, new_empty_array(&DataType::Utf8), new_empty_array(&DataType::Utf8), vec![0; n + 1], vec![true; n], ctx);
            }
            let maps: Vec<&MapArray> = a.iter().map(map).collect::<Result<_>>()?;
            let mut idx = Vec::new();
            let mut offsets = vec![0i32];
            let mut valid = Vec::with_capacity(n);
            for i in 0..n {
                if maps.iter().any(|m| m.is_null(i)) {
                    valid.push(false);
                } else {
                    valid.push(true);
                    for (j, m) in maps.iter().enumerate() {
                        let o = m.value_offsets();
                        (o[i] as usize..o[i + 1] as usize).for_each(|k| idx.push((j, k)));
                    }
                }
                offsets.push(idx.len() as i32);
            }
            let keys: Vec<&dyn Array> = maps.iter().map(|m| m.keys().as_ref()).collect();
            let vals: Vec<&dyn Array> = maps.iter().map(|m| m.values().as_ref()).collect();
            let (k, v) = if idx.is_empty() {
                (new_empty_array(maps[0].keys().data_type()), new_empty_array(maps[0].values().data_type()))
            } else {
                (arrow::compute::interleave(&keys, &idx)?, arrow::compute::interleave(&vals, &idx)?)
            };
            build_map(ty, k, v, offsets, valid, ctx)
        }
        C::MapContainsKey => {
            let m = map(arg(0)?)?;
            let k = arg(1)?;
            let conv = converter(m.keys().data_type())?;
            let keys = conv.convert_columns(&[m.keys().clone()])?;
            let needles = conv.convert_columns(&[k.clone()])?;
            let mut out = BooleanBuilder::with_capacity(n);
            for i in 0..n {
                if m.is_null(i) || k.is_null(i) {
                    out.append_null();
                    continue;
                }
                let o = m.value_offsets();
                let needle = needles.row(i);
                out.append_value((o[i] as usize..o[i + 1] as usize).any(|e| keys.row(e) == needle));
            }
            Ok(Arc::new(out.finish()))
        }
        C::MapKeys | C::MapValues | C::MapEntries => {
            let m = map(arg(0)?)?;
            let field = list_field(ty)?;
            let values: ArrayRef = match f {
                C::MapKeys => m.keys().clone(),
                C::MapValues => m.values().clone(),
                _ => Arc::new(m.entries().clone()),
            };
            let values = if values.data_type() != field.data_type() { arrow::compute::cast(&values, field.data_type())? } else { values };
            Ok(Arc::new(ListArray::try_new(field, m.offsets().clone(), values, m.nulls().cloned())?))
        }
        C::MapFromEntries => {
            let l = list(arg(0)?)?;
            let st = l.values().as_struct_opt().ok_or_else(|| internal("map_from_entries: expected structs"))?;
            let mut idx = Vec::new();
            let mut offsets = vec![0i32];
            let mut valid = Vec::with_capacity(n);
            for i in 0..n {
                let r = range(l, i);
                if l.is_null(i) || r.clone().any(|k| st.is_null(k)) {
                    valid.push(false);
                } else {
                    valid.push(true);
                    idx.extend(r.map(|k| k as u32));
                }
                offsets.push(idx.len() as i32);
            }
            let idx = UInt32Array::from(idx);
            let (kc, vc) = match st.columns() {
                [k, v] => (k, v),
                _ => return Err(internal("map_from_entries: expected pairs")),
            };
            let keys = arrow::compute::take(kc, &idx, None)?;
            let vals = arrow::compute::take(vc, &idx, None)?;
            build_map(ty, keys, vals, offsets, valid, ctx)
        }
        C::StrToMap => {
            let text = strs(arg(0)?)?;
            let pd = strs(arg(1)?)?;
            let kd = strs(arg(2)?)?;
            let mut keys = StringBuilder::new();
            let mut vals = StringBuilder::new();
            let mut offsets = vec![0i32];
            let mut valid = Vec::with_capacity(n);
            let mut count = 0i32;
            let mut cache: Option<(String, String, regex::Regex, regex::Regex)> = None;
            for i in 0..n {
                if text.is_null(i) || pd.is_null(i) || kd.is_null(i) {
                    valid.push(false);
                    offsets.push(count);
                    continue;
                }
                let (p, k) = (pd.value(i), kd.value(i));
                if !cache.as_ref().is_some_and(|(cp, ck, ..)| cp == p && ck == k) {
                    let re = |s: &str| {
                        regex::Regex::new(s).map_err(|e| {
                            EngineError::execution("INVALID_PARAMETER_VALUE.PATTERN", format!("The value of parameter(s) `regexp` in `str_to_map` is invalid: {e}"), "22023")
                        })
                    };
                    cache = Some((p.to_string(), k.to_string(), re(p)?, re(k)?));
                }
                let Some((_, _, pre, kre)) = &cache else { continue };
                for pair in java_split(pre, text.value(i)) {
                    let mut kv = kre.splitn(pair, 2);
                    keys.append_value(kv.next().unwrap_or(""));
                    match kv.next() {
                        Some(v) => vals.append_value(v),
                        None => vals.append_null(),
                    }
                    count += 1;
                }
                valid.push(true);
                offsets.push(count);
            }
            build_map(ty, Arc::new(keys.finish()), Arc::new(vals.finish()), offsets, valid, ctx)
        }
        C::ToJson => {
            let v = arg(0)?;
            let mut out = StringBuilder::with_capacity(n, n * 16);
            let mut buf = String::new();
            for i in 0..n {
                if v.is_null(i) {
                    out.append_null();
                    continue;
                }
                buf.clear();
                json_write(&mut buf, v.as_ref(), i, ctx);
                out.append_value(&buf);
            }
            Ok(Arc::new(out.finish()))
        }
        C::GetJsonObject | C::JsonField => {
            let text = strs(arg(0)?)?;
            let path = strs(arg(1)?)?;
            let mut out = StringBuilder::with_capacity(n, 0);
            let mut cached: Option<(String, Option<Vec<Step>>)> = None;
            let mut buf = String::new();
            for i in 0..n {
                if text.is_null(i) || path.is_null(i) {
                    out.append_null();
                    continue;
                }
                let p = path.value(i);
                if cached.as_ref().is_none_or(|(c, _)| c != p) {
                    let steps = if f == C::JsonField { Some(vec![Step::Key(p.to_string())]) } else { parse_path(p) };
                    cached = Some((p.to_string(), steps));
                }
                let Some((_, Some(steps))) = &cached else {
                    out.append_null();
                    continue;
                };
                let Some(doc) = json_parse(text.value(i)) else {
                    out.append_null();
                    continue;
                };
                let mut found = Vec::new();
                select(&doc, steps, &mut found);
                let value = match found.len() {
                    0 => None,
                    1 => Some(found[0]),
                    _ => None,
                };
                buf.clear();
                match (value, found.len()) {
                    (Some(J::Null), _) => {
                        out.append_null();
                        continue;
                    }
                    (Some(J::Str(s)), _) => buf.push_str(s),
                    (Some(j), _) => j.write(&mut buf),
                    (None, 0) => {
                        out.append_null();
                        continue;
                    }
                    (None, _) => {
                        buf.push('[');
                        for (k, j) in found.iter().enumerate() {
                            if k > 0 {
                                buf.push(',');
                            }
                            j.write(&mut buf);
                        }
                        buf.push(']');
                    }
                }
                out.append_value(&buf);
            }
            Ok(Arc::new(out.finish()))
        }
        C::JsonArrayLength => {
            let text = strs(arg(0)?)?;
            Ok(Arc::new(
                (0..n)
                    .map(|i| match text.is_valid(i).then(|| json_parse(text.value(i))).flatten() {
                        Some(J::Arr(v)) => Some(v.len() as i32),
                        _ => None,
                    })
                    .collect::<Int32Array>(),
            ))
        }
        C::JsonObjectKeys => {
            let text = strs(arg(0)?)?;
            let mut b = ListBuilder::new(StringBuilder::new());
            for i in 0..n {
                match text.is_valid(i).then(|| json_parse(text.value(i))).flatten() {
                    Some(J::Obj(kv)) => {
                        for (k, _) in &kv {
                            b.values().append_value(k);
                        }
                        b.append(true);
                    }
                    _ => b.append(false),
                }
            }
            let out = b.finish();
            let field = list_field(ty)?;
            let (_, offsets, values, nulls) = out.into_parts();
            Ok(Arc::new(ListArray::try_new(field, offsets, values, nulls)?))
        }
    }
}

/// `String.split(regex)` as Java does it: trailing empty strings go, and
/// an empty input gives one empty string.
fn java_split<'a>(re: &regex::Regex, s: &'a str) -> Vec<&'a str> {
    if s.is_empty() {
        return vec![""];
    }
    let mut parts: Vec<&str> = re.split(s).collect();
    // A zero-width match at the start gives no leading empty string in Java.
    if parts.len() > 1 && parts[0].is_empty() && re.find(s).is_some_and(|m| m.start() == 0 && m.end() == 0) {
        parts.remove(0);
    }
    while parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

fn sequence(a: &[ArrayRef], ty: &DataType, n: usize, ctx: &EvalCtx) -> Result<ArrayRef> {
    let elem = list_field(ty)?.data_type().clone();
    let to_i64 = |x: &ArrayRef| -> Result<ArrayRef> {
        Ok(match x.data_type() {
            DataType::Date32 => arrow::compute::cast(x, &DataType::Int32).and_then(|c| arrow::compute::cast(&c, &DataType::Int64))?,
            DataType::Timestamp(..) | DataType::Duration(_) => {
                let t = x.to_data();
                let raw = make_array(t.into_builder().data_type(DataType::Int64).build()?);
                raw
            }
            _ => arrow::compute::cast(x, &DataType::Int64)?,
        })
    };
    let start = to_i64(a.first().ok_or_else(|| internal("sequence: start"))?)?;
    let stop = to_i64(a.get(1).ok_or_else(|| internal("sequence: stop"))?)?;
    let step = a.get(2).map(to_i64).transpose()?;
    let (start, stop) = (start.as_primitive::<arrow::datatypes::Int64Type>(), stop.as_primitive::<arrow::datatypes::Int64Type>());
    let step = step.as_ref().map(|s| s.as_primitive::<arrow::datatypes::Int64Type>());
    let is_date = elem == DataType::Date32;
    let is_ts = types::is_timestamp(&elem);
    let mut values: Vec<i64> = Vec::new();
    let mut offsets = vec![0i32];
    let mut valid = Vec::with_capacity(n);
    for i in 0..n {
        if start.is_null(i) || stop.is_null(i) || step.is_some_and(|s| s.is_null(i)) {
            valid.push(false);
            offsets.push(values.len() as i32);
            continue;
        }
        let (s, e) = (start.value(i), stop.value(i));
        let default = if s <= e { 1 } else { -1 };
        let raw_step = step.map(|st| st.value(i));
        // Dates step in days (an interval's micros), timestamps in micros.
        let st = match raw_step {
            None if is_ts => default * 86_400_000_000,
            None => default,
            Some(x) if is_date => x / 86_400_000_000,
            Some(x) => x,
        };
        let _ = ctx;
        let ok = (st > 0 && s <= e) || (st < 0 && s >= e) || (s == e && st != 0);
        if !ok {
            let show = |v: i64| -> String {
                if is_date {
                    format!("DATE '{}'", crate::plan::expr::date_text(v as i32))
                } else {
                    v.to_string()
                }
            };
            // Spark raises this one without an error class in the message.
            let mut err = EngineError::execution("ILLEGAL_SEQUENCE_BOUNDARIES", "", "XXKST");
            err.message = format!(
                "Illegal sequence boundaries: {} to {} by {} SQLSTATE: XXKST",
                show(s),
                show(e),
                raw_step.map(|x| x.to_string()).unwrap_or_else(|| st.to_string())
            );
            return Err(err);
        }
        let count = ((e as i128 - s as i128) / st as i128) as i128 + 1;
        check_size(count + values.len() as i128, "count")?;
        let mut v = s;
        for _ in 0..count {
            values.push(v);
            v = v.wrapping_add(st);
        }
        valid.push(true);
        offsets.push(values.len() as i32);
    }
    let raw: ArrayRef = Arc::new(Int64Array::from(values));
    let vals = if is_date {
        arrow::compute::cast(&arrow::compute::cast(&raw, &DataType::Int32)?, &DataType::Date32)?
    } else if is_ts {
        make_array(raw.to_data().into_builder().data_type(elem.clone()).build()?)
    } else {
        arrow::compute::cast(&raw, &elem)?
    };
    let field = list_field(ty)?;
    let nulls = if valid.iter().all(|v| *v) { None } else { Some(NullBuffer::from(valid)) };
    Ok(Arc::new(ListArray::try_new(field, OffsetBuffer::new(offsets.into()), vals, nulls)?))
}

// ---------------------------------------------------------------------------
// JSON: a small parser that keeps key order and number text, a writer in
// Jackson's compact style, and Spark's JSONPath subset.

#[derive(Debug, PartialEq)]
enum J<'a> {
    Null,
    Bool(bool),
    /// The number as written, and whether it has a fraction or exponent.
    Num(&'a str, bool),
    Str(Cow<'a, str>),
    Arr(Vec<J<'a>>),
    Obj(Vec<(Cow<'a, str>, J<'a>)>),
}

impl J<'_> {
    fn write(&self, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(t, float) => {
                if *float {
                    match t.parse::<f64>() {
                        Ok(d) => crate::display::write_java_double(out, d),
                        Err(_) => out.push_str(t),
                    }
                } else {
                    out.push_str(t)
                }
            }
            J::Str(s) => json_string(out, s),
            J::Arr(v) => {
                out.push('[');
                for (i, j) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    j.write(out);
                }
                out.push(']');
            }
            J::Obj(kv) => {
                out.push('{');
                for (i, (k, j)) in kv.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json_string(out, k);
                    out.push(':');
                    j.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// Parses one JSON value (trailing text after it is ignored, as Jackson
/// reading a single value does); None when it is not JSON.
fn json_parse(s: &str) -> Option<J<'_>> {
    let mut p = Parser { s, b: s.as_bytes(), i: 0, depth: 0 };
    let v = p.value()?;
    Some(v)
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s.get(self.i..self.i + lit.len()) == Some(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Option<J<'a>> {
        self.ws();
        self.depth += 1;
        if self.depth > 1000 {
            return None;
        }
        let v = match self.peek()? {
            b'{' => {
                self.i += 1;
                let mut kv = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        if self.peek() != Some(b'"') {
                            return None;
                        }
                        let k = self.string()?;
                        self.ws();
                        if self.peek() != Some(b':') {
                            return None;
                        }
                        self.i += 1;
                        let v = self.value()?;
                        kv.push((k, v));
                        self.ws();
                        match self.peek()? {
                            b',' => self.i += 1,
                            b'}' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                J::Obj(kv)
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                } else {
                    loop {
                        items.push(self.value()?);
                        self.ws();
                        match self.peek()? {
                            b',' => self.i += 1,
                            b']' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                J::Arr(items)
            }
            b'"' => J::Str(self.string()?),
            b't' if self.eat("true") => J::Bool(true),
            b'f' if self.eat("false") => J::Bool(false),
            b'n' if self.eat("null") => J::Null,
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                if self.peek() == Some(b'-') {
                    self.i += 1;
                }
                let digits = self.i;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                if self.i == digits {
                    return None;
                }
                let mut float = false;
                if self.peek() == Some(b'.') {
                    float = true;
                    self.i += 1;
                    let d = self.i;
                    while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        self.i += 1;
                    }
                    if self.i == d {
                        return None;
                    }
                }
                if matches!(self.peek(), Some(b'e' | b'E')) {
                    float = true;
                    self.i += 1;
                    if matches!(self.peek(), Some(b'+' | b'-')) {
                        self.i += 1;
                    }
                    let d = self.i;
                    while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        self.i += 1;
                    }
                    if self.i == d {
                        return None;
                    }
                }
                J::Num(&self.s[start..self.i], float)
            }
            _ => return None,
        };
        self.depth -= 1;
        Some(v)
    }

    /// A string at `"`; borrowed when it has no escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.i += 1;
        let start = self.i;
        while let Some(c) = self.peek() {
            match c {
                b'"' => {
                    let s = &self.s[start..self.i];
                    self.i += 1;
                    return Some(Cow::Borrowed(s));
                }
                b'\\' => break,
                _ => self.i += 1,
            }
        }
        let mut out = String::from(self.s.get(start..self.i)?);
        loop {
            let c = self.peek()?;
            match c {
                b'"' => {
                    self.i += 1;
                    return Some(Cow::Owned(out));
                }
                b'\\' => {
                    self.i += 1;
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hex = |p: &mut Self| -> Option<u32> {
                                let h = p.s.get(p.i..p.i + 4)?;
                                p.i += 4;
                                u32::from_str_radix(h, 16).ok()
                            };
                            let u = hex(self)?;
                            let ch = if (0xD800..0xDC00).contains(&u) && self.eat("\\u") {
                                let lo = hex(self)?;
                                char::from_u32(0x10000 + ((u - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF))
                            } else {
                                char::from_u32(u)
                            };
                            out.push(ch.unwrap_or('\u{FFFD}'));
                        }
                        _ => return None,
                    }
                }
                _ => {
                    let rest = self.s.get(self.i..)?;
                    let ch = rest.chars().next()?;
                    out.push(ch);
                    self.i += ch.len_utf8();
                }
            }
        }
    }
}

/// Writes `s` as a JSON string the way Jackson escapes it.
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    Wildcard,
}

/// Spark's JSONPath subset: `$`, `.name`, `['name']`, `[n]`, `[*]`, `.*`.
fn parse_path(p: &str) -> Option<Vec<Step>> {
    let rest = p.strip_prefix('$')?;
    let b = rest.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        match b[i] {
            b'.' => {
                i += 1;
                let start = i;
                while i < b.len() && b[i] != b'.' && b[i] != b'[' {
                    i += 1;
                }
                let name = &rest[start..i];
                if name.is_empty() {
                    return None;
                }
                out.push(if name == "*" { Step::Wildcard } else { Step::Key(name.to_string()) });
            }
            b'[' => {
                let close = rest[i..].find(']')? + i;
                let inner = &rest[i + 1..close];
                if inner == "*" {
                    out.push(Step::Wildcard);
                } else if let Some(q) = inner.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
                    out.push(Step::Key(q.to_string()));
                } else {
                    out.push(Step::Index(inner.trim().parse().ok()?));
                }
                i = close + 1;
            }
            _ => return None,
        }
    }
    Some(out)
}

fn select<'j, 'a>(j: &'j J<'a>, steps: &[Step], out: &mut Vec<&'j J<'a>>) {
    let Some((first, rest)) = steps.split_first() else {
        out.push(j);
        return;
    };
    match (first, j) {
        (Step::Key(k), J::Obj(kv)) => {
            if let Some((_, v)) = kv.iter().find(|(name, _)| name == k) {
                select(v, rest, out);
            }
        }
        (Step::Index(i), J::Arr(items)) => {
            if let Some(v) = items.get(*i) {
                select(v, rest, out);
            }
        }
        (Step::Wildcard, J::Arr(items)) => {
            for v in items {
                select(v, rest, out);
            }
        }
        (Step::Wildcard, J::Obj(kv)) => {
            for (_, v) in kv {
                select(v, rest, out);
            }
        }
        _ => {}
    }
}

/// Writes the value at `row` as Spark's `to_json` does (struct fields that
/// are NULL are left out; NULLs inside arrays and maps are `null`).
fn json_write(out: &mut String, a: &dyn Array, row: usize, ctx: &EvalCtx) {
    use arrow::datatypes::*;
    if a.is_null(row) {
        out.push_str("null");
        return;
    }
    match a.data_type() {
        DataType::Struct(fields) => {
            let s = a.as_struct();
            out.push('{');
            let mut first = true;
            for (f, c) in fields.iter().zip(s.columns()) {
                if c.is_null(row) {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                json_string(out, f.name());
                out.push(':');
                json_write(out, c.as_ref(), row, ctx);
            }
            out.push('}');
        }
        DataType::List(_) => {
            let l = a.as_list::<i32>();
            out.push('[');
            for (i, k) in range(l, row).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_write(out, l.values().as_ref(), k, ctx);
            }
            out.push(']');
        }
        DataType::Map(..) => {
            let m = a.as_map();
            let o = m.value_offsets();
            out.push('{');
            for (i, k) in (o[row] as usize..o[row + 1] as usize).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let key = crate::display::format_value(m.keys().as_ref(), k, &ctx.zone, crate::display::Style::Cast).unwrap_or_default();
                json_string(out, &key);
                out.push(':');
                json_write(out, m.values().as_ref(), k, ctx);
            }
            out.push('}');
        }
        DataType::Utf8 => json_string(out, a.as_string::<i32>().value(row)),
        DataType::Boolean => out.push_str(if a.as_boolean().value(row) { "true" } else { "false" }),
        DataType::Float64 => crate::display::write_java_double(out, a.as_primitive::<Float64Type>().value(row)),
        DataType::Float32 => crate::display::write_java_float(out, a.as_primitive::<Float32Type>().value(row)),
        DataType::Timestamp(..) => {
            let t = a.as_primitive::<TimestampMicrosecondType>().value(row);
            let local = ctx.zone.utc_to_local_micros(t);
            let off = ctx.zone.offset_seconds_at_utc(t);
            let secs = local.div_euclid(1_000_000);
            let millis = local.rem_euclid(1_000_000) / 1000;
            match chrono::DateTime::from_timestamp(secs, 0) {
                Some(dt) => {
                    let zone = if off == 0 {
                        "Z".to_string()
                    } else {
                        let (sign, o) = if off < 0 { ('-', -off) } else { ('+', off) };
                        if o % 60 != 0 {
                            format!("{sign}{:02}:{:02}:{:02}", o / 3600, o / 60 % 60, o % 60)
                        } else {
                            format!("{sign}{:02}:{:02}", o / 3600, o / 60 % 60)
                        }
                    };
                    out.push('"');
                    out.push_str(&format!("{}.{millis:03}{zone}", dt.naive_utc().format("%Y-%m-%dT%H:%M:%S")));
                    out.push('"');
                }
                None => out.push_str("null"),
            }
        }
        DataType::Date32 | DataType::Decimal128(..) | DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
            let text = crate::display::format_value(a, row, &ctx.zone, crate::display::Style::Cast).unwrap_or_default();
            if a.data_type() == &DataType::Date32 {
                json_string(out, &text);
            } else {
                out.push_str(&text);
            }
        }
        _ => {
            let text = crate::display::format_value(a, row, &ctx.zone, crate::display::Style::Cast).unwrap_or_default();
            json_string(out, &text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::Field;

    #[test]
    fn json_round_trip_keeps_order_and_numbers() {
        let j = json_parse(r#" {"b": [1, 2.50, "x\"y"], "a": {"c": null, "d": true}, "e": 1e2} trailing"#).unwrap();
        let mut s = String::new();
        j.write(&mut s);
        assert_eq!(s, r#"{"b":[1,2.5,"x\"y"],"a":{"c":null,"d":true},"e":100.0}"#);
        assert!(json_parse("not json").is_none());
        assert!(json_parse("{\"a\": }").is_none());
        assert!(json_parse("[").is_none());
        assert!(json_parse("\"\\u12").is_none());
    }

    #[test]
    fn paths() {
        assert_eq!(parse_path("$.a[0]['b c'].*"), Some(vec![Step::Key("a".into()), Step::Index(0), Step::Key("b c".into()), Step::Wildcard]));
        assert_eq!(parse_path("a"), None);
        assert_eq!(parse_path("$."), None);
        assert_eq!(parse_path("$[x]"), None);
        assert_eq!(parse_path("$["), None);
    }

    #[test]
    fn arg_texts() {
        assert_eq!(arg_text("f(a, g(b, c), d)", 1), "g(b, c)");
        assert_eq!(arg_text("f(a, g(b, c), d)", 2), "d");
        assert_eq!(arg_text("f(split(value, ,, -1), x)", 0), "split(value, ,, -1)");
        assert_eq!(arg_text("nothing", 3), "");
    }

    fn str_lists(rows: Vec<Option<Vec<Option<&str>>>>) -> ArrayRef {
        let mut b = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new("element", DataType::Utf8, true)));
        for r in rows {
            match r {
                Some(v) => {
                    for x in v {
                        b.values().append_option(x);
                    }
                    b.append(true);
                }
                None => b.append(false),
            }
        }
        Arc::new(b.finish())
    }

    fn shown(a: &ArrayRef) -> Vec<String> {
        let zone = crate::zone::SessionZone::default();
        (0..a.len())
            .map(|i| crate::display::format_value(a.as_ref(), i, &zone, crate::display::Style::Pretty).unwrap_or_default())
            .collect()
    }

    #[test]
    fn set_operations_and_sorting() {
        let ctx = EvalCtx::default();
        let ty = types::array_of(DataType::Utf8);
        let a = str_lists(vec![Some(vec![Some("b"), None, Some("a"), Some("b")]), None]);
        let b = str_lists(vec![Some(vec![Some("a"), Some("c"), None]), Some(vec![])]);
        let args = [a.clone(), b.clone()];
        assert_eq!(shown(&eval(CollFn::ArrayUnion, &args, &ty, 2, &ctx).unwrap()), ["[b, NULL, a, c]", "NULL"]);
        assert_eq!(shown(&eval(CollFn::ArrayIntersect, &args, &ty, 2, &ctx).unwrap()), ["[NULL, a]", "NULL"]);
        assert_eq!(shown(&eval(CollFn::ArrayExcept, &args, &ty, 2, &ctx).unwrap()), ["[b]", "NULL"]);
        assert_eq!(shown(&eval(CollFn::SortArray { asc: true }, &[a.clone()], &ty, 2, &ctx).unwrap()), ["[NULL, a, b, b]", "NULL"]);
        assert_eq!(shown(&eval(CollFn::SortArray { asc: false }, &[a.clone()], &ty, 2, &ctx).unwrap()), ["[b, b, a, NULL]", "NULL"]);
        assert_eq!(shown(&eval(CollFn::ArraySort, &[a.clone()], &ty, 2, &ctx).unwrap()), ["[a, b, b, NULL]", "NULL"]);
        assert_eq!(shown(&eval(CollFn::ArrayCompact, &[a.clone()], &ty, 2, &ctx).unwrap()), ["[b, a, b]", "NULL"]);
        assert_eq!(shown(&eval(CollFn::ArrayMax, &[a], &DataType::Utf8, 2, &ctx).unwrap()), ["b", "NULL"]);
    }

    #[test]
    fn extreme_positions_fail_cleanly() {
        let ctx = EvalCtx::default();
        let ty = types::array_of(DataType::Utf8);
        let a = str_lists(vec![Some(vec![Some("x")])]);
        let v: ArrayRef = Arc::new(StringArray::from(vec!["y"]));
        for pos in [i32::MIN, i32::MAX, 0] {
            let p: ArrayRef = Arc::new(Int32Array::from(vec![pos]));
            assert!(eval(CollFn::ArrayInsert, &[a.clone(), p, v.clone()], &ty, 1, &ctx).is_err());
        }
        for (s, l) in [(i32::MIN, i32::MAX), (i32::MAX, i32::MAX), (-1, 0), (1, i32::MAX)] {
            let st: ArrayRef = Arc::new(Int32Array::from(vec![s]));
            let ln: ArrayRef = Arc::new(Int32Array::from(vec![l]));
            assert!(eval(CollFn::Slice, &[a.clone(), st, ln], &ty, 1, &ctx).is_ok());
        }
        let big: ArrayRef = Arc::new(Int32Array::from(vec![i32::MAX]));
        assert!(eval(CollFn::ArrayRepeat, &[v.clone(), big.clone()], &ty, 1, &ctx).is_err());
        let one: ArrayRef = Arc::new(Int32Array::from(vec![1]));
        let min: ArrayRef = Arc::new(Int32Array::from(vec![i32::MIN]));
        let ity = types::array_of(DataType::Int32);
        assert!(eval(CollFn::Sequence, &[min.clone(), big.clone()], &ity, 1, &ctx).is_err());
        assert!(eval(CollFn::Sequence, &[one.clone(), big.clone(), min], &ity, 1, &ctx).is_err());
        let s = eval(CollFn::Sequence, &[one.clone(), Arc::new(Int32Array::from(vec![3]))], &ity, 1, &ctx).unwrap();
        assert_eq!(shown(&s), ["[1, 2, 3]"]);
    }

    #[test]
    fn json_functions_on_odd_input() {
        let ctx = EvalCtx::default();
        let text: ArrayRef = Arc::new(StringArray::from(vec![Some(r#"{"a": {"b": [1, "x"]}}"#), Some("[1, 2"), None, Some("\"s\"")]));
        let path: ArrayRef = Arc::new(StringArray::from(vec!["$.a.b[1]"; 4]));
        let out = eval(CollFn::GetJsonObject, &[text.clone(), path], &DataType::Utf8, 4, &ctx).unwrap();
        assert_eq!(shown(&out), ["x", "NULL", "NULL", "NULL"]);
        let n = eval(CollFn::JsonArrayLength, &[text.clone()], &DataType::Int32, 4, &ctx).unwrap();
        assert_eq!(shown(&n), ["NULL", "NULL", "NULL", "NULL"]);
        let k = eval(CollFn::JsonObjectKeys, &[text], &types::array_of(DataType::Utf8), 4, &ctx).unwrap();
        assert_eq!(shown(&k), ["[a]", "NULL", "NULL", "NULL"]);
    }

    #[test]
    fn java_split_drops_trailing_empties() {
        let re = regex::Regex::new(",").unwrap();
        assert_eq!(java_split(&re, "a,b,,"), vec!["a", "b"]);
        assert_eq!(java_split(&re, ""), vec![""]);
        assert_eq!(java_split(&re, ",a"), vec!["", "a"]);
    }
}
