//! `pyspark.sql.functions` and `pyspark.sql.types` as the script calls
//! them: which arguments are column names and which are literals, Python
//! values as literals, type objects and DDL strings as Arrow types.

use std::sync::Arc;

use arrow::array::*;
use arrow::datatypes::DataType;

use super::api::Args;
use super::value::Value;
use crate::error::{EngineError, Result};
use crate::plan::expr::{Expr, Lit};
use crate::plan::functions::call;
use crate::plan::{Attribute, DataFrame, Node, Schema};
use crate::types;

/// A literal from a Python value.
pub fn lit_of(v: &Value) -> Result<Expr> {
    Ok(Expr::lit(match v {
        Value::None => Lit::Null,
        Value::Bool(b) => Lit::Bool(*b),
        Value::Int(i) => match i32::try_from(*i) {
            Ok(x) => Lit::Int(x),
            Err(_) => Lit::Long(*i),
        },
        Value::Float(f) => Lit::Double(*f),
        Value::Str(s) => Lit::Str(s.clone()),
        Value::Column(c) => return Ok(c.clone()),
        Value::List(items) | Value::Tuple(items) => {
            return Ok(call("array", items.iter().map(lit_of).collect::<Result<_>>()?));
        }
        other => {
            return Err(EngineError::python(
                "PySparkTypeError",
                format!("[UNSUPPORTED_LITERAL] Unsupported Literal '{}'.", other.repr()),
            ))
        }
    }))
}

/// An argument where a string names a column (`F.length("value")`).
pub fn col_arg(v: &Value) -> Result<Expr> {
    match v {
        Value::Str(s) if s == "*" => Ok(Expr::Star(None)),
        Value::Str(s) if s.ends_with(".*") => Ok(Expr::Star(Some(s[..s.len() - 2].to_string()))),
        Value::Str(s) => Ok(Expr::col(s)),
        Value::Column(c) => Ok(c.clone()),
        other => Err(EngineError::python(
            "PySparkTypeError",
            format!("[NOT_COLUMN_OR_STR] Argument `col` should be a Column or str, got {}.", other.type_name()),
        )),
    }
}

/// An argument where a string is a literal (`F.when(c, "short")`, `col == "a"`).
pub fn lit_arg(v: &Value) -> Result<Expr> {
    lit_of(v)
}

fn cols(a: &Args) -> Result<Vec<Expr>> {
    a.flat().iter().map(col_arg).collect()
}

fn int_lit(v: &Value) -> Result<Expr> {
    match v {
        Value::Int(_) | Value::Column(_) => lit_of(v),
        other => Err(EngineError::python(
            "PySparkTypeError",
            format!("[NOT_COLUMN_OR_INT] Argument should be a Column or int, got {}.", other.type_name()),
        )),
    }
}

fn str_lit(v: &Value) -> Result<Expr> {
    match v {
        Value::Str(_) | Value::Column(_) => lit_of(v),
        other => Err(EngineError::python(
            "PySparkTypeError",
            format!("[NOT_COLUMN_OR_STR] Argument should be a Column or str, got {}.", other.type_name()),
        )),
    }
}

/// `F.name(...)`.
pub fn call_function(name: &str, a: &Args) -> Result<Value> {
    let c0 = || col_arg(&a.req(0, "col")?);
    let e = match name {
        "col" | "column" => Expr::col(&a.str(0, "col")?),
        "lit" => lit_of(&a.req(0, "col")?)?,
        // `expr("upper(value) AS shout")` may carry its alias.
        "expr" => crate::sql::parse_select_item(&a.str(0, "str")?)?,
        "split" => {
            let mut args = vec![c0()?, str_lit(&a.req(1, "pattern")?)?];
            if let Some(l) = a.opt(2, "limit") {
                args.push(int_lit(&l)?);
            }
            call("split", args)
        }
        "substring" | "substr" => call("substring", vec![c0()?, int_lit(&a.req(1, "pos")?)?, int_lit(&a.req(2, "len")?)?]),
        "regexp_replace" => call("regexp_replace", vec![c0()?, str_lit(&a.req(1, "pattern")?)?, str_lit(&a.req(2, "replacement")?)?]),
        "regexp_extract" => call("regexp_extract", vec![c0()?, str_lit(&a.req(1, "pattern")?)?, int_lit(&a.req(2, "idx")?)?]),
        "concat_ws" => {
            let mut args = vec![str_lit(&a.req(0, "sep")?)?];
            for v in &a.pos[1..] {
                args.push(col_arg(v)?);
            }
            call("concat_ws", args)
        }
        "lpad" | "rpad" => call(name, vec![c0()?, int_lit(&a.req(1, "len")?)?, str_lit(&a.req(2, "pad")?)?]),
        "instr" => call("instr", vec![c0()?, str_lit(&a.req(1, "substr")?)?]),
        "locate" => {
            let pos = a.opt(2, "pos").map(|p| int_lit(&p)).transpose()?.unwrap_or(Expr::lit(Lit::Int(1)));
            call("locate", vec![str_lit(&a.req(0, "substr")?)?, col_arg(&a.req(1, "str")?)?, pos])
        }
        "translate" => call("translate", vec![c0()?, str_lit(&a.req(1, "matching")?)?, str_lit(&a.req(2, "replace")?)?]),
        "round" | "bround" => {
            let scale = a.opt(1, "scale").map(|v| int_lit(&v)).transpose()?.unwrap_or(Expr::lit(Lit::Int(0)));
            call(name, vec![c0()?, scale])
        }
        "date_add" | "date_sub" => call(name, vec![c0()?, int_lit(&a.req(1, "days")?)?]),
        "date_format" => call(name, vec![c0()?, str_lit(&a.req(1, "format")?)?]),
        "to_date" | "to_timestamp" | "try_to_timestamp" => {
            let mut args = vec![c0()?];
            if let Some(f) = a.opt(1, "format") {
                if !matches!(f, Value::None) {
                    args.push(str_lit(&f)?);
                }
            }
            call(name, args)
        }
        "when" => Expr::Case {
            branches: vec![(col_arg(&a.req(0, "condition")?)?, lit_arg(&a.req(1, "value")?)?)],
            otherwise: None,
        },
        "window" => {
            let mut args = vec![col_arg(&a.req(0, "timeColumn")?)?, str_lit(&a.req(1, "windowDuration")?)?];
            if let Some(s) = a.opt(2, "slideDuration") {
                if !matches!(s, Value::None) {
                    args.push(str_lit(&s)?);
                }
            }
            if let Some(s) = a.opt(3, "startTime") {
                if !matches!(s, Value::None) {
                    if args.len() == 2 {
                        args.push(args[1].clone());
                    }
                    args.push(str_lit(&s)?);
                }
            }
            Expr::Call { name: "window".into(), args, distinct: false }
        }
        "session_window" => Expr::Call {
            name: "session_window".into(),
            args: vec![col_arg(&a.req(0, "timeColumn")?)?, str_lit(&a.req(1, "gapDuration")?)?],
            distinct: false,
        },
        // PySpark's one-argument log is Scala's functions.log(Column): ln.
        "log" if a.pos.len() + a.kw.len() == 1 => call("ln", vec![c0()?]),
        "get" | "element_at" | "try_element_at" => call(name, vec![c0()?, lit_arg(&a.req(1, "index")?)?]),
        "array_contains" | "array_remove" | "array_position" => call(name, vec![c0()?, lit_arg(&a.req(1, "value")?)?]),
        "count" => match a.req(0, "col")? {
            Value::Str(s) if s == "*" => call("count", vec![Expr::Star(None)]),
            v => call("count", vec![col_arg(&v)?]),
        },
        "countDistinct" | "count_distinct" => call("count_distinct", cols(a)?),
        "sumDistinct" | "sum_distinct" => call("sum_distinct", vec![c0()?]),
        "asc" | "asc_nulls_first" | "asc_nulls_last" | "desc" | "desc_nulls_first" | "desc_nulls_last" => {
            let asc = name.starts_with("asc");
            let nulls_first = if name.ends_with("nulls_first") { true } else if name.ends_with("nulls_last") { false } else { asc };
            Expr::Sort { expr: Box::new(c0()?), asc, nulls_first }
        }
        "startswith" | "endswith" | "contains" => call(name, vec![c0()?, col_arg(&a.req(1, "right")?)?]),
        "current_timestamp" | "current_date" | "now" => call(name, vec![]),
        "from_json" => {
            let ty = match a.req(1, "schema")? {
                Value::Str(s) if !s.trim_start().to_ascii_lowercase().starts_with("struct<") => types::struct_of(schema_of(&Value::Str(s))?),
                other => type_of(&other)?,
            };
            Expr::Call { name: "from_json".into(), args: vec![c0()?, Expr::lit(Lit::Str(types::simple_name(&ty)))], distinct: false }
        }
        "json_tuple" => {
            let mut args = vec![c0()?];
            for v in a.pos.iter().skip(1) {
                args.push(lit_of(v)?);
            }
            call("json_tuple", args)
        }
        "udf" | "pandas_udf" | "broadcast" | "monotonically_increasing_id" | "rand" | "randn" | "uuid" => {
            return Err(EngineError::unsupported(format!("F.{name}")));
        }
        "approxCountDistinct" => call("approx_count_distinct", vec![c0()?]),
        _ => {
            if !super::names::is_function(name) {
                return Err(EngineError::python("AttributeError", format!("module 'pyspark.sql.functions' has no attribute '{name}'")));
            }
            let canonical = crate::plan::functions::canonical(name);
            let args: Vec<Expr> = match crate::functions::python_signature(&canonical) {
                Some(sig) => python_args(name, sig, a)?,
                // Strings name columns; other Python values are literals.
                None => a.flat().iter().map(|v| match v {
                    Value::Str(_) | Value::Column(_) => col_arg(v),
                    other => lit_of(other),
                }).collect::<Result<_>>()?,
            };
            // PySpark fills the parts not given with lit(0) (seconds: Decimal(0)).
            let mut args = args;
            let parts = match canonical.as_str() {
                "make_interval" => 7,
                "make_dt_interval" => 4,
                "make_ym_interval" => 2,
                _ => 0,
            };
            while args.len() < parts {
                let last = args.len() + 1 == parts && canonical != "make_ym_interval";
                args.push(Expr::lit(if last { Lit::Decimal(0, 1, 0) } else { Lit::Int(0) }));
            }
            let known = crate::plan::functions::is_aggregate(&canonical)
                || crate::plan::functions::is_generator(&canonical)
                || KNOWN_SCALARS.contains(&canonical.as_str())
                || crate::functions::knows(&canonical);
            if !known {
                return Err(EngineError::unsupported(format!("the function `{name}`")));
            }
            let c = call(name, args);
            // PySpark keeps these spellings in the column name.
            if matches!(name, "ifnull" | "char_length" | "character_length" | "ucase" | "lcase" | "len" | "day" | "cardinality") {
                let shown = match &c {
                    Expr::Call { args, .. } => format!("{name}({})", args.iter().map(|a| a.pretty()).collect::<Vec<_>>().join(", ")),
                    other => other.pretty(),
                };
                Expr::Alias(Box::new(c), shown)
            } else {
                c
            }
        }
    };
    Ok(Value::Column(e))
}

/// The arguments of a call as its PySpark signature takes them: columns
/// (a string names a column) or literals (a string is a string).
fn python_args(name: &str, sig: &[(&str, crate::functions::PyArg)], a: &Args) -> Result<Vec<Expr>> {
    use crate::functions::PyArg;
    let mut out = Vec::new();
    for (i, (param, kind)) in sig.iter().enumerate() {
        if *kind == PyArg::Cols {
            let rest: Vec<Value> = match &a.pos[i.min(a.pos.len())..] {
                [Value::List(v)] | [Value::Tuple(v)] => v.clone(),
                more => more.to_vec(),
            };
            for v in &rest {
                out.push(col_arg(v)?);
            }
            return Ok(out);
        }
        let v = match a.pos.get(i) {
            Some(v) => v.clone(),
            None => match a.kw.iter().find(|(k, _)| k == param) {
                Some((_, v)) => v.clone(),
                None => break,
            },
        };
        out.push(match (kind, &v) {
            (PyArg::Lit, Value::Column(_)) => col_arg(&v)?,
            (PyArg::Lit, other) => lit_of(other)?,
            _ => col_arg(&v)?,
        });
    }
    if a.pos.len() > sig.len() {
        return Err(EngineError::python(
            "TypeError",
            format!("{name}() takes {} positional arguments but {} were given", sig.len(), a.pos.len()),
        ));
    }
    Ok(out)
}

/// Scalar functions the evaluator implements (see plan::functions).
const KNOWN_SCALARS: &[&str] = &[
    "length", "upper", "lower", "trim", "ltrim", "rtrim", "initcap", "reverse", "size", "concat", "abs", "negative",
    "ceil", "floor", "sqrt", "pow", "coalesce", "nvl", "array", "array_distinct", "struct", "map", "dayofweek", "year",
    "month", "dayofmonth", "hour", "minute", "second", "datediff", "isnan", "greatest", "least", "signum", "ln",
    "log10", "exp", "pmod", "timestamp_seconds", "repeat", "left", "right", "ascii", "translate", "nullif", "array_remove",
    "map_from_arrays",
];

/// `T.Name(...)`: type objects and the classes of pyspark.sql / types.
pub fn call_type(name: &str, a: &Args) -> Result<Value> {
    Ok(match name {
        "StringType" | "VarcharType" | "CharType" => Value::Type(DataType::Utf8),
        "IntegerType" => Value::Type(DataType::Int32),
        "LongType" => Value::Type(DataType::Int64),
        "ShortType" => Value::Type(DataType::Int16),
        "ByteType" => Value::Type(DataType::Int8),
        "DoubleType" => Value::Type(DataType::Float64),
        "FloatType" => Value::Type(DataType::Float32),
        "BooleanType" => Value::Type(DataType::Boolean),
        "DateType" => Value::Type(DataType::Date32),
        "TimestampType" => Value::Type(types::timestamp()),
        "TimestampNTZType" => Value::Type(types::timestamp_ntz()),
        "BinaryType" => Value::Type(DataType::Binary),
        "NullType" => Value::Type(DataType::Null),
        "DecimalType" => {
            let p = match a.opt(0, "precision") { Some(Value::Int(p)) => p, _ => 10 };
            let s = match a.opt(1, "scale") { Some(Value::Int(s)) => s, _ => 0 };
            Value::Type(DataType::Decimal128(p.clamp(1, 38) as u8, s.clamp(0, 38) as i8))
        }
        "ArrayType" => Value::Type(types::array_of(type_of(&a.req(0, "elementType")?)?)),
        "MapType" => Value::Type(types::map_of(type_of(&a.req(0, "keyType")?)?, type_of(&a.req(1, "valueType")?)?)),
        "StructType" => {
            let fields = match a.opt(0, "fields") {
                None | Some(Value::None) => vec![],
                Some(v) => super::iterate(v)?
                    .into_iter()
                    .map(|f| match f {
                        Value::StructField(n, t) => Ok((n, t)),
                        other => Err(EngineError::python("PySparkTypeError", format!("StructType fields must be StructField, got {}", other.type_name()))),
                    })
                    .collect::<Result<_>>()?,
            };
            Value::StructType(fields)
        }
        "StructField" => Value::StructField(a.str(0, "name")?, type_of(&a.req(1, "dataType")?)?),
        "Row" => Value::Row(
            a.pos.iter().map(|v| (None, v.clone())).chain(a.kw.iter().map(|(k, v)| (Some(k.clone()), v.clone()))).collect(),
        ),
        "SparkSession" => return Err(EngineError::python("TypeError", "Use SparkSession.builder.getOrCreate()")),
        other => return Err(EngineError::unsupported(format!("`{other}`"))),
    })
}

/// A data type from a type object or a type name (`"int"`, `"decimal(10,2)"`).
pub fn type_of(v: &Value) -> Result<DataType> {
    match v {
        Value::Type(t) => Ok(t.clone()),
        Value::StructType(f) => Ok(types::struct_of(f.clone())),
        Value::Str(s) => parse_type(s),
        Value::Builtin(b) if b.starts_with("T.") => match call_type(&b[2..], &Args::new(b, vec![], vec![]))? {
            Value::Type(t) => Ok(t),
            _ => Err(EngineError::python("TypeError", format!("{b} is not a data type"))),
        },
        other => Err(EngineError::python("PySparkTypeError", format!("[NOT_DATATYPE_OR_STR] Argument `dataType` should be a DataType or str, got {}.", other.type_name()))),
    }
}

/// Spark's DDL type names.
pub fn parse_type(s: &str) -> Result<DataType> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let inner = |prefix: &str| -> Option<&str> {
        let l = lower.strip_prefix(prefix)?.trim_start();
        let l = l.strip_prefix('<')?.strip_suffix('>')?;
        Some(&t[t.len() - l.len() - 1..t.len() - 1])
    };
    if let Some(i) = inner("array") {
        return Ok(types::array_of(parse_type(i)?));
    }
    if let Some(i) = inner("map") {
        let parts = split_top(i, ',');
        if parts.len() != 2 {
            return Err(bad_type(s));
        }
        return Ok(types::map_of(parse_type(&parts[0])?, parse_type(&parts[1])?));
    }
    if let Some(i) = inner("struct") {
        let mut fields = Vec::new();
        for f in split_top(i, ',') {
            let (n, ty) = f.split_once(':').or_else(|| f.trim().split_once(' ')).ok_or_else(|| bad_type(s))?;
            fields.push((n.trim().trim_matches('`').to_string(), parse_type(ty)?));
        }
        return Ok(types::struct_of(fields));
    }
    if lower.starts_with("decimal") || lower.starts_with("numeric") || lower.starts_with("dec") {
        let args = lower.find('(').map(|i| &lower[i + 1..lower.len() - 1]);
        let (p, sc) = match args {
            Some(a) => {
                let mut it = a.split(',').map(|x| x.trim().parse::<i64>());
                let p = it.next().and_then(|x| x.ok()).ok_or_else(|| bad_type(s))?;
                let sc = it.next().and_then(|x| x.ok()).unwrap_or(0);
                (p, sc)
            }
            None => (10, 0),
        };
        if !(1..=38).contains(&p) || sc < 0 || sc > p {
            return Err(bad_type(s));
        }
        return Ok(DataType::Decimal128(p as u8, sc as i8));
    }
    if lower.starts_with("varchar") || lower.starts_with("char") {
        return Ok(DataType::Utf8);
    }
    Ok(match lower.as_str() {
        "string" => DataType::Utf8,
        "int" | "integer" => DataType::Int32,
        "bigint" | "long" => DataType::Int64,
        "smallint" | "short" => DataType::Int16,
        "tinyint" | "byte" => DataType::Int8,
        "double" => DataType::Float64,
        "float" | "real" => DataType::Float32,
        "boolean" | "bool" => DataType::Boolean,
        "date" => DataType::Date32,
        "timestamp" | "timestamp_ltz" => types::timestamp(),
        "timestamp_ntz" => types::timestamp_ntz(),
        "binary" => DataType::Binary,
        "void" | "null" => DataType::Null,
        _ => return Err(bad_type(s)),
    })
}

fn bad_type(s: &str) -> EngineError {
    EngineError::analysis(
        "UNSUPPORTED_DATATYPE",
        format!("Unsupported data type \"{}\".", s.trim().to_ascii_uppercase()),
        "0A000",
    )
}

/// Splits on `sep` outside of `<...>` and `(...)`.
fn split_top(s: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            c if c == sep && depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// A schema from a StructType or a DDL string (`"name STRING, age INT"`).
pub fn schema_of(v: &Value) -> Result<Vec<(String, DataType)>> {
    match v {
        Value::StructType(f) => Ok(f.clone()),
        Value::Str(s) => split_top(s, ',')
            .iter()
            .map(|f| {
                let f = f.trim();
                let (n, t) = f.split_once(|c: char| c.is_whitespace() || c == ':').ok_or_else(|| bad_type(f))?;
                Ok((n.trim().trim_matches('`').to_string(), parse_type(t.trim().trim_start_matches(':'))?))
            })
            .collect(),
        other => Err(EngineError::python(
            "PySparkTypeError",
            format!("[NOT_STR_OR_STRUCT] Argument `schema` should be a str or StructType, got {}.", other.type_name()),
        )),
    }
}

/// The Spark type PySpark infers for a Python value.
fn infer(v: &Value) -> DataType {
    match v {
        Value::Bool(_) => DataType::Boolean,
        Value::Int(_) => DataType::Int64,
        Value::Float(_) => DataType::Float64,
        Value::Str(_) => DataType::Utf8,
        _ => DataType::Null,
    }
}

/// `spark.createDataFrame(data, schema)`.
pub fn create_dataframe(a: &Args, zone: &crate::zone::SessionZone) -> Result<DataFrame> {
    let rows: Vec<Vec<Value>> = super::iterate(a.req(0, "data")?)?
        .into_iter()
        .map(|r| match r {
            Value::Tuple(v) | Value::List(v) => v,
            Value::Row(v) => v.into_iter().map(|(_, x)| x).collect(),
            other => vec![other],
        })
        .collect();
    let width = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let fields: Vec<(String, DataType)> = match a.opt(1, "schema") {
        None | Some(Value::None) => (0..width)
            .map(|i| (format!("_{}", i + 1), rows.iter().map(|r| infer(&r[i])).find(|t| *t != DataType::Null).unwrap_or(DataType::Null)))
            .collect(),
        Some(Value::List(names)) | Some(Value::Tuple(names)) => names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_str(), rows.iter().filter_map(|r| r.get(i)).map(infer).find(|t| *t != DataType::Null).unwrap_or(DataType::Null)))
            .collect(),
        Some(s) => schema_of(&s)?,
    };
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (i, (_, ty)) in fields.iter().enumerate() {
        let strings: StringArray = rows
            .iter()
            .map(|r| match r.get(i) {
                None | Some(Value::None) => None,
                Some(v) => Some(match v {
                    Value::Bool(b) => b.to_string(),
                    other => other.to_str(),
                }),
            })
            .collect();
        let arr: ArrayRef = Arc::new(strings);
        let ctx = crate::eval::EvalCtx { zone: zone.clone(), now_micros: 0, lambda: vec![] };
        columns.push(crate::eval::cast::cast(&arr, ty, false, &ctx)?);
    }
    let schema = Schema::new(fields.iter().map(|(n, t)| Attribute::new(n.clone(), t.clone(), true)).collect());
    let batch = arrow::array::RecordBatch::try_new_with_options(
        schema.to_arrow(),
        columns,
        &arrow::array::RecordBatchOptions::new().with_row_count(Some(rows.len())),
    )?;
    Ok(DataFrame::new(Node::Static { batch }, schema))
}
