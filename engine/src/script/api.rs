//! The PySpark API as scripts call it: attributes and methods of the
//! session, readers, DataFrames, Columns, writers and queries, plus the
//! Python builtins scripts use. Each method maps onto the logical plan
//! (`crate::plan`) or the session (`crate::session`).

use std::rc::Rc;
use std::sync::Arc;

use arrow::datatypes::DataType;
use rustpython_parser::ast;

use super::functions::{self, col_arg, lit_arg, lit_of};
use super::value::{ReaderState, UdfDef, Value, WriterState};
use super::{iterate, suspend, Script, Wait};
use crate::error::{EngineError, Result};
use crate::plan::expr::{BinaryOp, Expr, LikeKind, Lit};
use crate::plan::logical::JoinOn;
use crate::plan::{Attribute, DataFrame, JoinKind, Node, Schema};
use crate::session::{Event, Session};
use crate::stream::query::{Sink, StreamingQuery};
use crate::stream::sources::{SourceDef, SourceKind};
use crate::stream::Trigger;
use crate::types;

fn attr_error(obj: &Value, name: &str) -> EngineError {
    let what = match obj {
        Value::Module(m) => return EngineError::python("AttributeError", format!("module '{m}' has no attribute '{name}'")),
        other => other.type_name(),
    };
    EngineError::python("AttributeError", format!("'{what}' object has no attribute '{name}'"))
}

fn method(obj: Value, name: &str) -> Value {
    Value::Method(Box::new(obj), name.to_string())
}

/// `obj.name`.
pub fn attribute(obj: Value, name: &str, sess: &mut Session) -> Result<Value> {
    let m = |names: &[&str]| names.contains(&name);
    Ok(match &obj {
        Value::Module("pyspark.sql") => match name {
            "SparkSession" | "Row" | "DataFrame" | "Column" | "Window" => Value::Builtin(format!("T.{name}")),
            "functions" => Value::Module("pyspark.sql.functions"),
            "types" => Value::Module("pyspark.sql.types"),
            _ => return Err(attr_error(&obj, name)),
        },
        Value::Module("pyspark.sql.functions") if super::names::is_function(name) => Value::Builtin(format!("F.{name}")),
        Value::Module("pyspark.sql.types") if super::names::TYPES_ALL.contains(&name) => Value::Builtin(format!("T.{name}")),
        Value::Module("pyspark.sql.window") if name == "Window" => Value::Builtin("T.Window".into()),
        Value::Module("pyspark.sql.streaming") if name == "DataStreamWriter" || name == "StreamingQuery" => Value::Builtin(format!("T.{name}")),
        Value::Module(m) if ["sys", "os", "time", "json", "re", "datetime", "math", "random", "logging"].contains(m) => {
            Value::Builtin(format!("{m}.{name}"))
        }
        Value::Builtin(b) if b == "T.SparkSession" && name == "builder" => Value::Builder,
        Value::Builder if m(&["appName", "master", "config", "getOrCreate", "enableHiveSupport", "remote"]) => method(obj, name),
        Value::Spark => match name {
            "readStream" => Value::Reader(ReaderState { streaming: true, ..Default::default() }),
            "read" => Value::Reader(ReaderState::default()),
            "sparkContext" => Value::SparkContext,
            "conf" => Value::Conf,
            "streams" => Value::Streams,
            "version" => Value::Str("4.0.1".into()),
            "sql" | "createDataFrame" | "table" | "stop" | "range" | "newSession" => method(obj, name),
            "udf" => Value::UdfRegistration,
            _ => return Err(attr_error(&obj, name)),
        },
        Value::SparkContext if m(&["setLogLevel", "stop"]) => method(obj, name),
        Value::UdfRegistration if name == "register" => method(obj, name),
        Value::Udf(_) if m(&["asNondeterministic"]) => method(obj, name),
        Value::Udf(d) if name == "func" => d.func.clone(),
        Value::Udf(d) if name == "returnType" => Value::Type(d.return_type.clone()),
        Value::Udf(d) if name == "__name__" => Value::Str(d.name.clone()),
        Value::Function(d) if name == "__name__" => Value::Str(d.name.clone()),
        Value::SparkContext if name == "appName" => Value::Str("streamlab".into()),
        Value::Conf if m(&["set", "get", "unset"]) => method(obj, name),
        Value::Streams if m(&["awaitAnyTermination", "resetTerminated"]) => method(obj, name),
        Value::Streams if name == "active" => {
            Value::List(sess.queries.iter().filter(|q| q.is_active()).map(|q| Value::Query(q.index)).collect())
        }
        Value::Reader(_) if m(&["format", "option", "options", "schema", "load", "json", "csv", "text", "table", "parquet", "orc"]) => {
            method(obj, name)
        }
        Value::Writer(_)
            if m(&["outputMode", "format", "option", "options", "trigger", "queryName", "start", "foreachBatch", "foreach", "toTable", "partitionBy"]) =>
        {
            method(obj, name)
        }
        Value::Query(q) => match name {
            "awaitTermination" | "stop" | "processAllAvailable" | "explain" | "exception" => method(obj, name),
            "isActive" => Value::Bool(sess.queries.get(*q).is_some_and(|q| q.is_active())),
            "id" => Value::Str(sess.queries.get(*q).map(|q| q.id.clone()).unwrap_or_default()),
            "runId" => Value::Str(sess.queries.get(*q).map(|q| q.run_id.clone()).unwrap_or_default()),
            "name" => sess.queries.get(*q).and_then(|q| q.name.clone()).map(Value::Str).unwrap_or(Value::None),
            "lastProgress" | "status" | "recentProgress" => Value::None,
            _ => return Err(attr_error(&obj, name)),
        },
        Value::DataFrame(df) => match name {
            "columns" => Value::List(df.schema.attrs.iter().map(|a| Value::Str(a.name.clone())).collect()),
            "isStreaming" => Value::Bool(df.is_streaming()),
            "schema" => Value::StructType(df.schema.attrs.iter().map(|a| (a.name.clone(), a.ty.clone())).collect()),
            "dtypes" => Value::List(
                df.schema.attrs.iter().map(|a| Value::Tuple(vec![Value::Str(a.name.clone()), Value::Str(types::simple_name(&a.ty))])).collect(),
            ),
            "writeStream" => {
                if !df.is_streaming() {
                    return Err(EngineError::analysis(
                        "WRITE_STREAM_NOT_ALLOWED",
                        "`writeStream` can be called only on streaming Dataset/DataFrame.",
                        "42601",
                    ));
                }
                Value::Writer(Box::new(WriterState { df: df.clone(), mode: None, format: None, options: vec![], trigger: None, query_name: None, foreach_batch: None }))
            }
            "write" if df.is_streaming() => {
                return Err(EngineError::analysis(
                    "CALL_ON_STREAMING_DATASET_UNSUPPORTED",
                    "The method `write` can not be called on streaming Dataset/DataFrame.",
                    "42KDE",
                ))
            }
            "write" => return Err(EngineError::unsupported("DataFrame.write (batch writes)")),
            "na" => Value::NaFunctions(df.clone()),
            "stat" | "rdd" => return Err(EngineError::unsupported(format!("DataFrame.{name}"))),
            _ if DATAFRAME_METHODS.contains(&name) => method(obj, name),
            _ => match df.schema.attrs.iter().find(|a| a.name == name) {
                Some(a) => Value::Column(Expr::Attr { id: a.id, name: a.name.clone() }),
                None => return Err(attr_error(&obj, name)),
            },
        },
        Value::GroupedData(..) if m(&["count", "sum", "avg", "mean", "min", "max", "agg", "pivot", "applyInPandas"]) => method(obj, name),
        Value::NaFunctions(_) if m(&["fill", "drop", "replace"]) => method(obj, name),
        Value::Column(e) => {
            if COLUMN_METHODS.contains(&name) {
                method(obj, name)
            } else if name.starts_with("__") {
                return Err(attr_error(&obj, name));
            } else {
                Value::Column(Expr::Field { expr: Box::new(e.clone()), name: name.to_string() })
            }
        }
        Value::StructType(fields) => match name {
            "add" | "simpleString" | "fieldNames" | "json" | "jsonValue" => method(obj, name),
            "fields" => Value::List(fields.iter().map(|(n, t)| Value::StructField(n.clone(), t.clone())).collect()),
            "names" => Value::List(fields.iter().map(|(n, _)| Value::Str(n.clone())).collect()),
            _ => return Err(attr_error(&obj, name)),
        },
        Value::StructField(n, t) => match name {
            "name" => Value::Str(n.clone()),
            "dataType" => Value::Type(t.clone()),
            "nullable" => Value::Bool(true),
            _ => return Err(attr_error(&obj, name)),
        },
        Value::Type(_) if m(&["simpleString", "typeName"]) => method(obj, name),
        Value::Str(_) if STR_METHODS.contains(&name) => method(obj, name),
        Value::List(_) if m(&["append", "extend"]) => {
            return Err(EngineError::unsupported(format!("list.{name} (lists are values here; build a new list instead)")))
        }
        Value::Dict(_) if m(&["items", "keys", "values", "get"]) => method(obj, name),
        Value::Row(fields) => match fields.iter().find(|(n, _)| n.as_deref() == Some(name)) {
            Some((_, v)) => v.clone(),
            None => return Err(attr_error(&obj, name)),
        },
        _ => return Err(attr_error(&obj, name)),
    })
}

const DATAFRAME_METHODS: &[&str] = &[
    "select", "selectExpr", "filter", "where", "withColumn", "withColumns", "withColumnRenamed", "withColumnsRenamed", "drop",
    "alias", "groupBy", "groupby", "agg", "orderBy", "sort", "dropDuplicates", "drop_duplicates", "distinct", "limit",
    "union", "unionAll", "unionByName", "join", "crossJoin", "withWatermark", "createOrReplaceTempView", "createTempView",
    "createOrReplaceGlobalTempView", "show", "collect", "count", "take", "head", "first", "toPandas", "printSchema",
    "explain", "cache", "persist", "repartition", "coalesce", "dropDuplicatesWithinWatermark", "toDF", "foreach", "isEmpty", "fillna", "dropna", "replace",
];

const COLUMN_METHODS: &[&str] = &[
    "alias", "name", "cast", "astype", "try_cast", "getItem", "getField", "isin", "startswith", "endswith", "contains",
    "like", "rlike", "ilike", "isNull", "isNotNull", "asc", "desc", "asc_nulls_first", "asc_nulls_last", "desc_nulls_first",
    "desc_nulls_last", "between", "eqNullSafe", "bitwiseAND", "bitwiseOR", "bitwiseXOR", "substr", "otherwise", "when",
    "over", "isNaN",
];

const STR_METHODS: &[&str] = &[
    "upper", "lower", "strip", "split", "join", "format", "replace", "startswith", "endswith", "lstrip", "rstrip",
    "capitalize", "title", "swapcase", "find", "index", "rfind", "rindex", "count", "isdigit", "isnumeric", "isdecimal",
    "isalpha", "isalnum", "isspace", "isupper", "islower", "zfill", "ljust", "rjust", "center", "rsplit", "splitlines",
    "partition",
];

/// Arguments of a call, fetched by position or keyword.
pub struct Args {
    pub pos: Vec<Value>,
    pub kw: Vec<(String, Value)>,
    func: String,
}

impl Args {
    pub fn new(func: &str, pos: Vec<Value>, kw: Vec<(String, Value)>) -> Args {
        Args { pos, kw, func: func.to_string() }
    }

    /// The argument at `i` or named `name`.
    pub fn opt(&self, i: usize, name: &str) -> Option<Value> {
        self.pos.get(i).cloned().or_else(|| self.kw.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    pub fn req(&self, i: usize, name: &str) -> Result<Value> {
        self.opt(i, name).ok_or_else(|| {
            EngineError::python("TypeError", format!("{}() missing 1 required positional argument: '{name}'", self.func))
        })
    }

    pub fn str(&self, i: usize, name: &str) -> Result<String> {
        match self.req(i, name)? {
            Value::Str(s) => Ok(s),
            other => Err(EngineError::python(
                "TypeError",
                format!("{}() argument '{name}' must be str, not {}", self.func, other.type_name()),
            )),
        }
    }

    pub fn kw(&self, name: &str) -> Option<Value> {
        self.kw.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    /// All positional arguments, a single list argument flattened
    /// (`select(["a", "b"])` = `select("a", "b")`).
    pub fn flat(&self) -> Vec<Value> {
        match self.pos.as_slice() {
            [Value::List(v)] | [Value::Tuple(v)] => v.clone(),
            _ => self.pos.clone(),
        }
    }
}

/// Python's str() of an option value, as Spark stores options.
fn option_text(v: &Value) -> String {
    match v {
        Value::Bool(true) => "true".into(),
        Value::Bool(false) => "false".into(),
        other => other.to_str(),
    }
}

fn df_of(v: &Value) -> Result<DataFrame> {
    match v {
        Value::DataFrame(d) => Ok(d.clone()),
        other => Err(EngineError::python(
            "TypeError",
            format!("[NOT_DATAFRAME] Argument `other` should be a DataFrame, got {}.", other.type_name()),
        )),
    }
}

/// Calls a builtin or method.
pub fn call(script: &mut Script, func: Value, pos: Vec<Value>, kw: Vec<(String, Value)>, sess: &mut Session) -> Result<Value> {
    match func {
        Value::Method(obj, name) => call_method(script, *obj, &name, Args::new(&name, pos, kw), sess),
        Value::Builtin(name) => {
            let short = name.rsplit('.').next().unwrap_or(&name).to_string();
            let args = Args::new(&short, pos, kw);
            if let Some(f) = name.strip_prefix("F.") {
                if crate::plan::lambda::is_higher_order(f) {
                    return super::lambda::call_higher_order(script, f, &args, sess);
                }
                if f == "udf" {
                    return make_udf(&args);
                }
                let out = functions::call_function(f, &args)?;
                return Ok(match (f, out) {
                    ("expr", Value::Column(e)) => Value::Column(bind_udfs(script, e)),
                    (_, out) => out,
                });
            }
            if let Some(t) = name.strip_prefix("T.") {
                return functions::call_type(t, &args);
            }
            if let Some(b) = name.strip_prefix("py.") {
                return call_builtin(script, b, args, sess);
            }
            match name.as_str() {
                "time.sleep" | "logging.basicConfig" => Ok(Value::None),
                "sys.exit" => Err(EngineError::unsupported("sys.exit")),
                other => Err(EngineError::unsupported(format!("`{other}`"))),
            }
        }
        Value::Type(t) => Ok(Value::Type(t)),
        Value::UdfMaker(ty) => {
            let f = pos.into_iter().next().ok_or_else(|| EngineError::python("TypeError", "udf() missing the function"))?;
            Ok(Value::Udf(Rc::new(UdfDef { name: function_name(&f), func: f, return_type: ty })))
        }
        Value::Udf(def) => {
            if !kw.is_empty() {
                return Err(EngineError::unsupported("keyword arguments to a UDF"));
            }
            let args = pos.iter().map(col_arg).collect::<Result<Vec<_>>>()?;
            Ok(Value::Column(super::udf::apply(script, &def, args)))
        }
        other => Err(EngineError::python("TypeError", format!("'{}' object is not callable", other.type_name()))),
    }
}

/// `f.__name__`, the name Spark gives a UDF's column.
fn function_name(f: &Value) -> String {
    match f {
        Value::Function(d) => d.name.clone(),
        Value::Builtin(b) => b.rsplit('.').next().unwrap_or(b).to_string(),
        Value::Udf(d) => d.name.clone(),
        _ => "<lambda>".into(),
    }
}

fn is_callable(v: &Value) -> bool {
    matches!(v, Value::Function(_) | Value::Builtin(_) | Value::Method(..) | Value::Udf(_))
}

/// `udf(f, returnType)`, `udf(f)`, `udf(returnType=...)`, `udf("int")`.
fn make_udf(a: &Args) -> Result<Value> {
    let f = a.opt(0, "f").filter(|v| !matches!(v, Value::None));
    let rt = a.opt(1, "returnType");
    let (f, rt) = match f {
        Some(f) if is_callable(&f) => (Some(f), rt),
        // `@udf("int")`: the type comes first.
        Some(t) => (None, Some(t)),
        None => (None, rt),
    };
    let ty = match rt {
        None | Some(Value::None) => DataType::Utf8,
        Some(t) => functions::type_of(&t)?,
    };
    Ok(match f {
        Some(f) => Value::Udf(Rc::new(UdfDef { name: function_name(&f), func: f, return_type: ty })),
        None => Value::UdfMaker(ty),
    })
}

/// Calls of UDFs registered with `spark.udf.register` in a SQL string.
pub(crate) fn bind_udfs(script: &Script, e: Expr) -> Expr {
    if script.udfs.is_empty() {
        return e;
    }
    e.transform(&mut |x| match x {
        Expr::Call { name, args, distinct: false } => match script.udfs.get(&name.to_ascii_lowercase()) {
            Some(def) => super::udf::apply(script, def, args),
            None => Expr::Call { name, args, distinct: false },
        },
        other => other,
    })
}

fn call_builtin(script: &mut Script, name: &str, a: Args, sess: &mut Session) -> Result<Value> {
    Ok(match name {
        "print" => {
            let sep = a.kw("sep").map(|v| v.to_str()).unwrap_or_else(|| " ".into());
            let text = a.pos.iter().map(|v| v.to_str()).collect::<Vec<_>>().join(&sep);
            script.print(text.clone());
            sess.events.push(Event::Print(text));
            Value::None
        }
        "len" => Value::Int(match a.req(0, "obj")? {
            Value::Str(s) => s.chars().count() as i64,
            Value::List(v) | Value::Tuple(v) => v.len() as i64,
            Value::Dict(d) => d.len() as i64,
            other => return Err(EngineError::python("TypeError", format!("object of type '{}' has no len()", other.type_name()))),
        }),
        "str" => Value::Str(a.opt(0, "object").map(|v| v.to_str()).unwrap_or_default()),
        "repr" => Value::Str(a.req(0, "obj")?.repr()),
        "int" => match a.req(0, "x")? {
            Value::Int(i) => Value::Int(i),
            Value::Float(f) => Value::Int(f.trunc() as i64),
            Value::Bool(b) => Value::Int(b as i64),
            Value::Str(s) => Value::Int(s.trim().parse().map_err(|_| {
                EngineError::python("ValueError", format!("invalid literal for int() with base 10: '{s}'"))
            })?),
            other => return Err(EngineError::python("TypeError", format!("int() argument must be a string or a number, not '{}'", other.type_name()))),
        },
        "float" => match a.req(0, "x")? {
            Value::Int(i) => Value::Float(i as f64),
            Value::Float(f) => Value::Float(f),
            Value::Str(s) => Value::Float(s.trim().parse().map_err(|_| {
                EngineError::python("ValueError", format!("could not convert string to float: '{s}'"))
            })?),
            other => return Err(EngineError::python("TypeError", format!("float() argument must be a string or a number, not '{}'", other.type_name()))),
        },
        "bool" => Value::Bool(a.opt(0, "x").map(|v| v.truthy().unwrap_or(true)).unwrap_or(false)),
        "list" | "tuple" | "set" | "sorted" | "reversed" => {
            let mut items = match a.opt(0, "iterable") {
                Some(v) => iterate(v)?,
                None => vec![],
            };
            if name == "sorted" {
                let keys: Vec<Value> = match a.kw("key").filter(|k| !matches!(k, Value::None)) {
                    Some(k) => items.iter().map(|x| script.call(k.clone(), vec![x.clone()], vec![], sess)).collect::<Result<_>>()?,
                    None => items.clone(),
                };
                let reverse = a.kw("reverse").and_then(|r| r.truthy()).unwrap_or(false);
                let mut order: Vec<usize> = (0..items.len()).collect();
                let mut err = None;
                order.sort_by(|&x, &y| {
                    let o = py_cmp(&keys[x], &keys[y]).unwrap_or_else(|e| {
                        err.get_or_insert(e);
                        std::cmp::Ordering::Equal
                    });
                    if reverse { o.reverse() } else { o }
                });
                if let Some(e) = err {
                    return Err(e);
                }
                items = order.into_iter().map(|i| items[i].clone()).collect();
            }
            if name == "reversed" {
                items.reverse();
            }
            if name == "set" {
                let mut uniq: Vec<Value> = Vec::new();
                for i in items {
                    if !uniq.iter().any(|u| py_eq(u, &i)) {
                        uniq.push(i);
                    }
                }
                items = uniq;
            }
            if name == "tuple" { Value::Tuple(items) } else { Value::List(items) }
        }
        "dict" => Value::Dict(a.kw.iter().map(|(k, v)| (Value::Str(k.clone()), v.clone())).collect()),
        "range" => {
            let ints: Vec<i64> = a.pos.iter().map(|v| match v {
                Value::Int(i) => Ok(*i),
                other => Err(EngineError::python("TypeError", format!("'{}' object cannot be interpreted as an integer", other.type_name()))),
            }).collect::<Result<_>>()?;
            let (lo, hi, step) = match ints.as_slice() {
                [h] => (0, *h, 1),
                [l, h] => (*l, *h, 1),
                [l, h, s] if *s != 0 => (*l, *h, *s),
                _ => return Err(EngineError::python("TypeError", "range expected 1 to 3 integer arguments")),
            };
            let mut out = Vec::new();
            let mut i = lo;
            while (step > 0 && i < hi) || (step < 0 && i > hi) {
                out.push(Value::Int(i));
                if out.len() > 1_000_000 {
                    return Err(EngineError::unsupported("ranges over a million items"));
                }
                i += step;
            }
            Value::List(out)
        }
        "enumerate" => Value::List(
            iterate(a.req(0, "iterable")?)?.into_iter().enumerate().map(|(i, v)| Value::Tuple(vec![Value::Int(i as i64), v])).collect(),
        ),
        "zip" => {
            let lists: Vec<Vec<Value>> = a.pos.iter().cloned().map(iterate).collect::<Result<_>>()?;
            let n = lists.iter().map(|l| l.len()).min().unwrap_or(0);
            Value::List((0..n).map(|i| Value::Tuple(lists.iter().map(|l| l[i].clone()).collect())).collect())
        }
        "map" | "filter" if a.pos.len() >= 2 => {
            let f = a.pos[0].clone();
            let lists: Vec<Vec<Value>> = a.pos[1..].iter().cloned().map(iterate).collect::<Result<_>>()?;
            let mut out = Vec::new();
            if name == "map" {
                let n = lists.iter().map(|l| l.len()).min().unwrap_or(0);
                for i in 0..n {
                    let args = lists.iter().map(|l| l[i].clone()).collect();
                    out.push(script.call(f.clone(), args, vec![], sess)?);
                }
            } else {
                for x in lists.into_iter().next().unwrap_or_default() {
                    let keep = match &f {
                        Value::None => x.truthy().unwrap_or(true),
                        f => script.call(f.clone(), vec![x.clone()], vec![], sess)?.truthy().unwrap_or(true),
                    };
                    if keep {
                        out.push(x);
                    }
                }
            }
            Value::List(out)
        }
        "min" | "max" | "sum" | "abs" | "round" | "filter" | "map" | "pow" => {
            // A script that did not star-import pyspark's functions uses Python's.
            let items = if a.pos.len() == 1 { iterate(a.pos[0].clone()).unwrap_or_else(|_| a.pos.clone()) } else { a.pos.clone() };
            match name {
                "abs" => match a.req(0, "x")? {
                    Value::Int(i) => Value::Int(i.abs()),
                    Value::Float(f) => Value::Float(f.abs()),
                    Value::Column(c) => Value::Column(crate::plan::functions::call("abs", vec![c])),
                    other => return Err(EngineError::python("TypeError", format!("bad operand type for abs(): '{}'", other.type_name()))),
                },
                "round" => match a.req(0, "number")? {
                    Value::Float(f) => {
                        let nd = match a.opt(1, "ndigits") { Some(Value::Int(n)) => n, _ => 0 };
                        let m = 10f64.powi(nd as i32);
                        let r = (f * m).round_ties_even() / m;
                        if a.opt(1, "ndigits").is_some() { Value::Float(r) } else { Value::Int(r as i64) }
                    }
                    Value::Int(i) => Value::Int(i),
                    Value::Column(c) => Value::Column(crate::plan::functions::call("round", vec![c])),
                    other => return Err(EngineError::python("TypeError", format!("type {} doesn't define __round__ method", other.type_name()))),
                },
                "sum" => items.into_iter().try_fold(Value::Int(0), |acc, v| binop(&ast::Operator::Add, acc, v))?,
                "min" | "max" => {
                    let key = a.kw("key").filter(|k| !matches!(k, Value::None));
                    let mut best: Option<(Value, Value)> = None;
                    for v in items {
                        let k = match &key {
                            Some(f) => script.call(f.clone(), vec![v.clone()], vec![], sess)?,
                            None => v.clone(),
                        };
                        best = Some(match best {
                            None => (v, k),
                            Some((bv, bk)) => {
                                let o = py_cmp(&k, &bk)?;
                                if (name == "min" && o.is_lt()) || (name == "max" && o.is_gt()) { (v, k) } else { (bv, bk) }
                            }
                        });
                    }
                    match (best, a.kw("default")) {
                        (Some((v, _)), _) => v,
                        (None, Some(d)) => d,
                        (None, None) => return Err(EngineError::python("ValueError", format!("{name}() arg is an empty sequence"))),
                    }
                }
                _ => return Err(EngineError::unsupported(format!("Python's {name}()"))),
            }
        }
        "any" | "all" => {
            let items = iterate(a.req(0, "iterable")?)?;
            let vals: Vec<bool> = items.iter().map(|v| v.truthy().unwrap_or(true)).collect();
            Value::Bool(if name == "any" { vals.iter().any(|b| *b) } else { vals.iter().all(|b| *b) })
        }
        "isinstance" => Value::Bool(match (a.req(0, "obj")?, a.req(1, "class")?) {
            (v, Value::Builtin(t)) => v.type_name() == t.rsplit('.').next().unwrap_or(""),
            _ => false,
        }),
        "type" => Value::Str(a.req(0, "obj")?.type_name().to_string()),
        "format" => {
            let spec = a.opt(1, "format_spec").map(|s| s.to_str()).unwrap_or_default();
            Value::Str(super::format::format_value(&a.req(0, "value")?, &spec)?)
        }
        other => return Err(EngineError::unsupported(format!("Python's {other}()"))),
    })
}

pub(crate) fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::None, Value::None) => true,
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q)),
        _ => false,
    }
}

fn py_cmp(a: &Value, b: &Value) -> Result<std::cmp::Ordering> {
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal),
        (Value::Int(x), Value::Float(y)) => (*x as f64).partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal),
        (Value::Float(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)).unwrap_or(std::cmp::Ordering::Equal),
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Bool(x), Value::Int(y)) => (*x as i64).cmp(y),
        (Value::Int(x), Value::Bool(y)) => x.cmp(&(*y as i64)),
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = py_cmp(p, q)?;
                if o.is_ne() {
                    return Ok(o);
                }
            }
            x.len().cmp(&y.len())
        }
        _ => {
            return Err(EngineError::python(
                "TypeError",
                format!("'<' not supported between instances of '{}' and '{}'", a.type_name(), b.type_name()),
            ))
        }
    })
}

/// Python's binary operators, and Column arithmetic.
pub fn binop(op: &ast::Operator, l: Value, r: Value) -> Result<Value> {
    use ast::Operator as O;
    if matches!(l, Value::Column(_)) || matches!(r, Value::Column(_)) {
        let bop = match op {
            O::Add => BinaryOp::Add,
            O::Sub => BinaryOp::Sub,
            O::Mult => BinaryOp::Mul,
            O::Div => BinaryOp::Div,
            O::Mod => BinaryOp::Mod,
            O::BitAnd => BinaryOp::And,
            O::BitOr => BinaryOp::Or,
            O::Pow => {
                return Ok(Value::Column(crate::plan::functions::call("pow", vec![lit_arg(&l)?, lit_arg(&r)?])));
            }
            _ => {
                return Err(EngineError::python(
                    "TypeError",
                    format!("unsupported operand type(s) for {}: '{}' and '{}'", op_symbol(op), l.type_name(), r.type_name()),
                ))
            }
        };
        return Ok(Value::Column(Expr::binary(bop, lit_arg(&l)?, lit_arg(&r)?)));
    }
    let type_err = || {
        EngineError::python(
            "TypeError",
            format!("unsupported operand type(s) for {}: '{}' and '{}'", op_symbol(op), l.type_name(), r.type_name()),
        )
    };
    let num = |v: &Value| match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Bool(b) => Some(*b as i64 as f64),
        _ => None,
    };
    // bool is an int in arithmetic (`sum(c in "aeiou" for c in s)`).
    if let (Value::Bool(_) | Value::Int(_), Value::Bool(_) | Value::Int(_)) = (&l, &r) {
        if let (Value::Bool(a), Value::Bool(b), O::BitAnd | O::BitOr | O::BitXor) = (&l, &r, op) {
            return Ok(Value::Bool(match op {
                O::BitAnd => *a & *b,
                O::BitOr => *a | *b,
                _ => *a ^ *b,
            }));
        }
        if matches!(l, Value::Bool(_)) || matches!(r, Value::Bool(_)) {
            let as_int = |v: &Value| match v {
                Value::Bool(b) => Value::Int(*b as i64),
                other => other.clone(),
            };
            return binop(op, as_int(&l), as_int(&r));
        }
    }
    Ok(match (op, &l, &r) {
        (O::Add, Value::Str(a), Value::Str(b)) => Value::Str(format!("{a}{b}")),
        (O::Add, Value::List(a), Value::List(b)) => Value::List(a.iter().chain(b).cloned().collect()),
        (O::Add, Value::Tuple(a), Value::Tuple(b)) => Value::Tuple(a.iter().chain(b).cloned().collect()),
        (O::Mult, Value::Str(s), Value::Int(n)) | (O::Mult, Value::Int(n), Value::Str(s)) => Value::Str(s.repeat((*n).max(0) as usize)),
        (O::Mod, Value::Str(fmt), arg) => Value::Str(percent_format(fmt, arg)),
        (_, Value::Int(a), Value::Int(b)) => {
            let (a, b) = (*a, *b);
            match op {
                O::Add => Value::Int(a.wrapping_add(b)),
                O::Sub => Value::Int(a.wrapping_sub(b)),
                O::Mult => Value::Int(a.wrapping_mul(b)),
                O::Div => {
                    if b == 0 {
                        return Err(EngineError::python("ZeroDivisionError", "division by zero"));
                    }
                    Value::Float(a as f64 / b as f64)
                }
                O::FloorDiv => {
                    if b == 0 {
                        return Err(EngineError::python("ZeroDivisionError", "integer division or modulo by zero"));
                    }
                    Value::Int(a.div_euclid(b) - if (a.rem_euclid(b) != 0) && (b < 0) { 1 } else { 0 })
                }
                O::Mod => {
                    if b == 0 {
                        return Err(EngineError::python("ZeroDivisionError", "integer division or modulo by zero"));
                    }
                    Value::Int(((a % b) + b) % b)
                }
                O::Pow if b >= 0 => Value::Int(a.wrapping_pow(b as u32)),
                O::Pow => Value::Float((a as f64).powf(b as f64)),
                O::BitAnd => Value::Int(a & b),
                O::BitOr => Value::Int(a | b),
                O::BitXor => Value::Int(a ^ b),
                O::LShift => Value::Int(a << (b & 63)),
                O::RShift => Value::Int(a >> (b & 63)),
                _ => return Err(type_err()),
            }
        }
        _ => match (num(&l), num(&r)) {
            (Some(a), Some(b)) => Value::Float(match op {
                O::Add => a + b,
                O::Sub => a - b,
                O::Mult => a * b,
                O::Div => {
                    if b == 0.0 {
                        return Err(EngineError::python("ZeroDivisionError", "float division by zero"));
                    }
                    a / b
                }
                O::FloorDiv => (a / b).floor(),
                O::Mod => a.rem_euclid(b),
                O::Pow => a.powf(b),
                _ => return Err(type_err()),
            }),
            _ => return Err(type_err()),
        },
    })
}

fn percent_format(fmt: &str, arg: &Value) -> String {
    let args = match arg {
        Value::Tuple(v) => v.clone(),
        other => vec![other.clone()],
    };
    let mut out = String::new();
    let mut it = args.iter();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some('%') => out.push('%'),
                Some(_) => out.push_str(&it.next().map(|v| v.to_str()).unwrap_or_default()),
                None => out.push('%'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn op_symbol(op: &ast::Operator) -> &'static str {
    use ast::Operator as O;
    match op {
        O::Add => "+",
        O::Sub => "-",
        O::Mult => "*",
        O::Div => "/",
        O::FloorDiv => "//",
        O::Mod => "%",
        O::Pow => "** or pow()",
        O::BitAnd => "&",
        O::BitOr => "|",
        O::BitXor => "^",
        O::LShift => "<<",
        O::RShift => ">>",
        O::MatMult => "@",
    }
}

pub fn unary(op: &ast::UnaryOp, v: Value) -> Result<Value> {
    use ast::UnaryOp as U;
    Ok(match (op, v) {
        (U::Invert, Value::Column(c)) => Value::Column(Expr::Not(Box::new(c))),
        (U::USub, Value::Column(c)) => Value::Column(crate::plan::functions::call("negative", vec![c])),
        (U::UAdd, c @ Value::Column(_)) => c,
        (U::Not, Value::Column(_)) => return Err(super::column_bool_error()),
        (U::Not, v) => Value::Bool(!v.truthy().unwrap_or(true)),
        (U::USub, Value::Int(i)) => Value::Int(-i),
        (U::USub, Value::Float(f)) => Value::Float(-f),
        (U::UAdd, v @ (Value::Int(_) | Value::Float(_))) => v,
        (U::Invert, Value::Int(i)) => Value::Int(!i),
        (op, v) => {
            return Err(EngineError::python("TypeError", format!("bad operand type for unary {op:?}: '{}'", v.type_name())))
        }
    })
}

pub fn compare(op: &ast::CmpOp, l: Value, r: Value) -> Result<Value> {
    use ast::CmpOp as C;
    if matches!(l, Value::Column(_)) || matches!(r, Value::Column(_)) {
        let (l, r) = (lit_arg(&l)?, lit_arg(&r)?);
        let bop = match op {
            C::Eq => BinaryOp::Eq,
            C::NotEq => BinaryOp::NotEq,
            C::Lt => BinaryOp::Lt,
            C::LtE => BinaryOp::LtEq,
            C::Gt => BinaryOp::Gt,
            C::GtE => BinaryOp::GtEq,
            _ => return Err(super::column_bool_error()),
        };
        return Ok(Value::Column(Expr::binary(bop, l, r)));
    }
    Ok(Value::Bool(match op {
        C::Eq => py_eq(&l, &r),
        C::NotEq => !py_eq(&l, &r),
        C::Lt => py_cmp(&l, &r)?.is_lt(),
        C::LtE => py_cmp(&l, &r)?.is_le(),
        C::Gt => py_cmp(&l, &r)?.is_gt(),
        C::GtE => py_cmp(&l, &r)?.is_ge(),
        C::Is => matches!((&l, &r), (Value::None, Value::None)) || (py_eq(&l, &r) && !matches!(l, Value::None)),
        C::IsNot => !(matches!((&l, &r), (Value::None, Value::None)) || (py_eq(&l, &r) && !matches!(l, Value::None))),
        C::In | C::NotIn => {
            let found = match &r {
                Value::Str(s) => match &l {
                    Value::Str(sub) => s.contains(sub.as_str()),
                    _ => false,
                },
                Value::Dict(d) => d.iter().any(|(k, _)| py_eq(k, &l)),
                other => iterate(other.clone())?.iter().any(|x| py_eq(x, &l)),
            };
            found == matches!(op, C::In)
        }
    }))
}

pub fn subscript(obj: Value, key: Value) -> Result<Value> {
    Ok(match (obj, key) {
        (Value::Column(c), k) => Value::Column(Expr::Extract { expr: Box::new(c), key: Box::new(lit_arg(&k)?) }),
        (Value::DataFrame(df), Value::Str(name)) => {
            if name == "*" {
                return Ok(Value::Column(Expr::Star(None)));
            }
            let parts = crate::plan::expr::split_name(&name);
            match df.schema.attrs.iter().find(|a| a.name.eq_ignore_ascii_case(&parts[0])) {
                Some(a) => {
                    let mut e = Expr::Attr { id: a.id, name: a.name.clone() };
                    for p in &parts[1..] {
                        e = Expr::Field { expr: Box::new(e), name: p.clone() };
                    }
                    Value::Column(e)
                }
                None => return Err(crate::plan::logical::column_error(&name, &df.schema)),
            }
        }
        (Value::DataFrame(df), Value::Int(i)) => {
            let a = df.schema.attrs.get(i as usize).ok_or_else(|| EngineError::python("IndexError", "list index out of range"))?;
            Value::Column(Expr::Attr { id: a.id, name: a.name.clone() })
        }
        (Value::DataFrame(df), Value::Column(c)) => Value::DataFrame(df.filter(c)?),
        (Value::List(v), Value::Int(i)) | (Value::Tuple(v), Value::Int(i)) => {
            let idx = if i < 0 { v.len() as i64 + i } else { i };
            v.get(idx as usize).cloned().ok_or_else(|| EngineError::python("IndexError", "list index out of range"))?
        }
        (Value::Str(s), Value::Int(i)) => {
            let chars: Vec<char> = s.chars().collect();
            let idx = if i < 0 { chars.len() as i64 + i } else { i };
            Value::Str(chars.get(idx as usize).ok_or_else(|| EngineError::python("IndexError", "string index out of range"))?.to_string())
        }
        (Value::Dict(d), k) => d
            .iter()
            .find(|(x, _)| py_eq(x, &k))
            .map(|(_, v)| v.clone())
            .ok_or_else(|| EngineError::python("KeyError", k.repr()))?,
        (Value::Row(r), Value::Int(i)) => r.get(i as usize).map(|(_, v)| v.clone()).ok_or_else(|| EngineError::python("IndexError", "tuple index out of range"))?,
        (Value::Row(r), Value::Str(k)) => {
            r.iter().find(|(n, _)| n.as_deref() == Some(k.as_str())).map(|(_, v)| v.clone()).ok_or_else(|| EngineError::python("ValueError", k))?
        }
        (o, _) => return Err(EngineError::python("TypeError", format!("'{}' object is not subscriptable", o.type_name()))),
    })
}

pub fn slice(obj: Value, lo: Option<Value>, hi: Option<Value>, step: Option<Value>) -> Result<Value> {
    let int = |v: Option<Value>| -> Result<Option<i64>> {
        match v {
            None | Some(Value::None) => Ok(None),
            Some(Value::Int(i)) => Ok(Some(i)),
            Some(Value::Bool(b)) => Ok(Some(b as i64)),
            Some(other) => Err(EngineError::python(
                "TypeError",
                format!("slice indices must be integers or None or have an __index__ method, not {}", other.type_name()),
            )),
        }
    };
    let (lo, hi, step) = (int(lo)?, int(hi)?, int(step)?.unwrap_or(1));
    if step == 0 {
        return Err(EngineError::python("ValueError", "slice step cannot be zero"));
    }
    // Python's slice.indices(len).
    let pick = |len: usize| -> Vec<usize> {
        let len = len as i64;
        let clamp = |i: i64, lo_bound: i64, hi_bound: i64| {
            let i = if i < 0 { i + len } else { i };
            i.clamp(lo_bound, hi_bound)
        };
        let mut out = Vec::new();
        if step > 0 {
            let (a, b) = (lo.map_or(0, |i| clamp(i, 0, len)), hi.map_or(len, |i| clamp(i, 0, len)));
            let mut i = a;
            while i < b {
                out.push(i as usize);
                i += step;
            }
        } else {
            let (a, b) = (lo.map_or(len - 1, |i| clamp(i, -1, len - 1)), hi.map_or(-1, |i| clamp(i, -1, len - 1)));
            let mut i = a;
            while i > b {
                out.push(i as usize);
                i += step;
            }
        }
        out
    };
    Ok(match obj {
        Value::List(v) => Value::List(pick(v.len()).into_iter().map(|i| v[i].clone()).collect()),
        Value::Tuple(v) => Value::Tuple(pick(v.len()).into_iter().map(|i| v[i].clone()).collect()),
        Value::Str(s) => {
            let c: Vec<char> = s.chars().collect();
            Value::Str(pick(c.len()).into_iter().map(|i| c[i]).collect())
        }
        Value::Column(_) => return Err(EngineError::python("ValueError", "Column slices are not supported; use substr()")),
        o => return Err(EngineError::python("TypeError", format!("'{}' object is not subscriptable", o.type_name()))),
    })
}

fn call_method(script: &mut Script, obj: Value, name: &str, a: Args, sess: &mut Session) -> Result<Value> {
    match obj {
        Value::Builder => match name {
            "getOrCreate" => Ok(Value::Spark),
            "config" => {
                if let (Some(Value::Str(k)), Some(v)) = (a.opt(0, "key"), a.opt(1, "value")) {
                    set_conf(sess, &k, &option_text(&v))?;
                }
                Ok(Value::Builder)
            }
            _ => Ok(Value::Builder),
        },
        Value::Spark => spark_method(script, name, a, sess),
        Value::Udf(d) => Ok(Value::Udf(d)),
        Value::UdfRegistration => {
            let n = a.str(0, "name")?;
            let f = a.req(1, "f")?;
            let def = match f {
                Value::Udf(d) => d,
                f => {
                    let ty = match a.opt(2, "returnType") {
                        None | Some(Value::None) => DataType::Utf8,
                        Some(t) => functions::type_of(&t)?,
                    };
                    Rc::new(UdfDef { name: n.clone(), func: f, return_type: ty })
                }
            };
            let def = Rc::new(UdfDef { name: n.clone(), func: def.func.clone(), return_type: def.return_type.clone() });
            script.udfs.insert(n.to_ascii_lowercase(), def.clone());
            Ok(Value::Udf(def))
        }
        Value::SparkContext => Ok(Value::None),
        Value::Conf => match name {
            "set" => {
                let k = a.str(0, "key")?;
                let v = option_text(&a.req(1, "value")?);
                set_conf(sess, &k, &v)?;
                Ok(Value::None)
            }
            "get" => {
                let k = a.str(0, "key")?;
                Ok(match sess.conf.get(&k) {
                    Some(v) => Value::Str(v.clone()),
                    None if k == "spark.sql.session.timeZone" => Value::Str("UTC".into()),
                    None => a.opt(1, "default").unwrap_or(Value::None),
                })
            }
            _ => {
                let k = a.str(0, "key")?;
                sess.conf.remove(&k);
                Ok(Value::None)
            }
        },
        Value::Streams => match name {
            "awaitAnyTermination" => {
                script.set_pending_wait(Wait::AnyQuery);
                Err(suspend())
            }
            _ => Ok(Value::None),
        },
        Value::Reader(r) => reader_method(r, name, a, sess),
        Value::Writer(w) => writer_method(*w, name, a, sess),
        Value::Query(q) => match name {
            "awaitTermination" => {
                let wait = match a.opt(0, "timeout") {
                    Some(Value::Int(t)) => Wait::QueryUntil(q, sess.now_ms + t * 1000),
                    Some(Value::Float(t)) => Wait::QueryUntil(q, sess.now_ms + (t * 1000.0) as i64),
                    _ => Wait::Query(q),
                };
                script.set_pending_wait(wait);
                Err(suspend())
            }
            "stop" => {
                if let Some(q) = sess.queries.get_mut(q) {
                    q.stop();
                }
                Ok(Value::None)
            }
            "exception" => Ok(match sess.queries.get(q).map(|q| &q.state) {
                Some(crate::stream::query::QueryState::Failed(e)) => Value::Str(e.message.clone()),
                _ => Value::None,
            }),
            _ => Ok(Value::None),
        },
        Value::DataFrame(df) => dataframe_method(script, df, name, a, sess),
        Value::GroupedData(df, keys) => grouped_method(df, keys, name, a),
        Value::NaFunctions(df) => Ok(Value::DataFrame(match name {
            "fill" => super::na::fill(&df, &a)?,
            "drop" => super::na::drop(&df, &a)?,
            _ => super::na::replace(&df, &a)?,
        })),
        Value::Column(c) => column_method(c, name, a),
        Value::StructType(fields) => match name {
            "add" => {
                let mut fields = fields;
                match a.req(0, "field")? {
                    Value::StructField(n, t) => fields.push((n, t)),
                    Value::Str(n) => {
                        let t = functions::type_of(&a.req(1, "data_type")?)?;
                        fields.push((n, t));
                    }
                    other => return Err(EngineError::python("TypeError", format!("field must be a str or StructField, got {}", other.type_name()))),
                }
                Ok(Value::StructType(fields))
            }
            "fieldNames" => Ok(Value::List(fields.iter().map(|(n, _)| Value::Str(n.clone())).collect())),
            _ => Ok(Value::Str(types::simple_name(&types::struct_of(fields)))),
        },
        Value::Type(t) => Ok(Value::Str(types::simple_name(&t))),
        Value::Str(s) => str_method(&s, name, a),
        Value::Dict(d) => Ok(match name {
            "items" => Value::List(d.into_iter().map(|(k, v)| Value::Tuple(vec![k, v])).collect()),
            "keys" => Value::List(d.into_iter().map(|(k, _)| k).collect()),
            "values" => Value::List(d.into_iter().map(|(_, v)| v).collect()),
            _ => {
                let k = a.req(0, "key")?;
                d.into_iter().find(|(x, _)| py_eq(x, &k)).map(|(_, v)| v).unwrap_or(a.opt(1, "default").unwrap_or(Value::None))
            }
        }),
        other => Err(attr_error(&other, name)),
    }
}

fn str_method(s: &str, name: &str, a: Args) -> Result<Value> {
    Ok(match name {
        "upper" => Value::Str(s.to_uppercase()),
        "lower" => Value::Str(s.to_lowercase()),
        "strip" | "lstrip" | "rstrip" => {
            let chars: Option<Vec<char>> = match a.opt(0, "chars") {
                Some(Value::Str(c)) => Some(c.chars().collect()),
                _ => None,
            };
            let pat = |c: char| match &chars {
                Some(cs) => cs.contains(&c),
                None => c.is_whitespace(),
            };
            Value::Str(match name {
                "strip" => s.trim_matches(pat),
                "lstrip" => s.trim_start_matches(pat),
                _ => s.trim_end_matches(pat),
            }.to_string())
        }
        "split" => {
            let max = match a.opt(1, "maxsplit") { Some(Value::Int(m)) if m >= 0 => Some(m as usize), _ => None };
            Value::List(match a.opt(0, "sep") {
                Some(Value::Str(sep)) if sep.is_empty() => return Err(EngineError::python("ValueError", "empty separator")),
                Some(Value::Str(sep)) => match max {
                    Some(m) => s.splitn(m + 1, sep.as_str()).map(|x| Value::Str(x.to_string())).collect(),
                    None => s.split(sep.as_str()).map(|x| Value::Str(x.to_string())).collect(),
                },
                _ => match max {
                    Some(m) => {
                        let mut out = Vec::new();
                        let mut rest = s.trim_start();
                        while !rest.is_empty() {
                            if out.len() == m {
                                out.push(Value::Str(rest.to_string()));
                                break;
                            }
                            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                            out.push(Value::Str(rest[..end].to_string()));
                            rest = rest[end..].trim_start();
                        }
                        out
                    }
                    None => s.split_whitespace().map(|x| Value::Str(x.to_string())).collect(),
                },
            })
        }
        "join" => Value::Str(iterate(a.req(0, "iterable")?)?.iter().map(|v| v.to_str()).collect::<Vec<_>>().join(s)),
        "replace" => Value::Str(s.replace(&a.str(0, "old")?, &a.str(1, "new")?)),
        "startswith" | "endswith" => {
            let probes = match a.req(0, "prefix")? {
                Value::Tuple(t) => t.iter().map(|v| v.to_str()).collect::<Vec<_>>(),
                Value::Str(p) => vec![p],
                other => return Err(EngineError::python("TypeError", format!("{name} first arg must be str or a tuple of str, not {}", other.type_name()))),
            };
            Value::Bool(probes.iter().any(|p| if name == "startswith" { s.starts_with(p.as_str()) } else { s.ends_with(p.as_str()) }))
        }
        "capitalize" => {
            let mut c = s.chars();
            Value::Str(match c.next() {
                Some(f) => f.to_uppercase().chain(c.flat_map(|x| x.to_lowercase())).collect(),
                None => String::new(),
            })
        }
        "title" => {
            let mut out = String::new();
            let mut prev_letter = false;
            for ch in s.chars() {
                if ch.is_alphabetic() {
                    if prev_letter { out.extend(ch.to_lowercase()) } else { out.extend(ch.to_uppercase()) }
                    prev_letter = true;
                } else {
                    out.push(ch);
                    prev_letter = false;
                }
            }
            Value::Str(out)
        }
        "swapcase" => Value::Str(s.chars().map(|c| if c.is_uppercase() { c.to_lowercase().collect::<String>() } else { c.to_uppercase().collect() }).collect()),
        "find" | "index" | "rfind" | "rindex" => {
            let sub = a.str(0, "sub")?;
            let pos = if name.starts_with('r') { s.rfind(&sub) } else { s.find(&sub) };
            match pos {
                Some(b) => Value::Int(s[..b].chars().count() as i64),
                None if name.ends_with("index") => return Err(EngineError::python("ValueError", "substring not found")),
                None => Value::Int(-1),
            }
        }
        "count" => {
            let sub = a.str(0, "sub")?;
            Value::Int(if sub.is_empty() { s.chars().count() as i64 + 1 } else { s.matches(sub.as_str()).count() as i64 })
        }
        "isdigit" | "isnumeric" | "isdecimal" => Value::Bool(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())),
        "isalpha" => Value::Bool(!s.is_empty() && s.chars().all(|c| c.is_alphabetic())),
        "isalnum" => Value::Bool(!s.is_empty() && s.chars().all(|c| c.is_alphanumeric())),
        "isspace" => Value::Bool(!s.is_empty() && s.chars().all(|c| c.is_whitespace())),
        "isupper" => Value::Bool(s.chars().any(|c| c.is_alphabetic()) && !s.chars().any(|c| c.is_lowercase())),
        "islower" => Value::Bool(s.chars().any(|c| c.is_alphabetic()) && !s.chars().any(|c| c.is_uppercase())),
        "zfill" => {
            let w = match a.req(0, "width")? { Value::Int(w) => w.max(0) as usize, _ => 0 };
            let n = s.chars().count();
            if n >= w {
                Value::Str(s.to_string())
            } else if let Some(rest) = s.strip_prefix(['-', '+']) {
                Value::Str(format!("{}{}{rest}", &s[..1], "0".repeat(w - n)))
            } else {
                Value::Str(format!("{}{s}", "0".repeat(w - n)))
            }
        }
        "ljust" | "rjust" | "center" => {
            let w = match a.req(0, "width")? { Value::Int(w) => w.max(0) as usize, _ => 0 };
            let fill = a.opt(1, "fillchar").map(|f| f.to_str()).unwrap_or_else(|| " ".into());
            let n = s.chars().count();
            let pad = w.saturating_sub(n);
            let (l, r) = match name {
                "ljust" => (0, pad),
                "rjust" => (pad, 0),
                _ => (pad / 2 + (pad % 2 & w % 2), pad - (pad / 2 + (pad % 2 & w % 2))),
            };
            Value::Str(format!("{}{s}{}", fill.repeat(l), fill.repeat(r)))
        }
        "rsplit" => Value::List(match a.opt(0, "sep") {
            Some(Value::Str(sep)) => s.rsplit(sep.as_str()).collect::<Vec<_>>().into_iter().rev().map(|x| Value::Str(x.to_string())).collect(),
            _ => s.split_whitespace().map(|x| Value::Str(x.to_string())).collect(),
        }),
        "splitlines" => Value::List(s.lines().map(|x| Value::Str(x.to_string())).collect()),
        "partition" => {
            let sep = a.str(0, "sep")?;
            match s.split_once(sep.as_str()) {
                Some((x, y)) => Value::Tuple(vec![Value::Str(x.into()), Value::Str(sep), Value::Str(y.into())]),
                None => Value::Tuple(vec![Value::Str(s.into()), Value::Str(String::new()), Value::Str(String::new())]),
            }
        }
        "format" => {
            let mut out = String::new();
            let mut pos = a.pos.iter();
            let mut rest = s;
            while let Some(i) = rest.find('{') {
                out.push_str(&rest[..i]);
                let Some(j) = rest[i..].find('}') else { break };
                let (field, spec) = rest[i + 1..i + j].split_once(':').unwrap_or((&rest[i + 1..i + j], ""));
                let v = if field.is_empty() {
                    pos.next().cloned()
                } else if let Ok(n) = field.parse::<usize>() {
                    a.pos.get(n).cloned()
                } else {
                    a.kw(field)
                };
                if let Some(v) = v {
                    out.push_str(&super::format::format_value(&v, spec)?);
                }
                rest = &rest[i + j + 1..];
            }
            out.push_str(rest);
            Value::Str(out)
        }
        _ => return Err(EngineError::unsupported(format!("str.{name}"))),
    })
}

/// `spark.conf.set(...)`: the session time zone matters to the engine.
fn set_conf(sess: &mut Session, key: &str, value: &str) -> Result<()> {
    if key == "spark.sql.session.timeZone" {
        sess.zone = crate::zone::SessionZone::parse(value).ok_or_else(|| {
            EngineError::analysis(
                "INVALID_CONF_VALUE.TIME_ZONE",
                format!("The value '{value}' in the config \"spark.sql.session.timeZone\" is invalid. Cannot resolve the given timezone."),
                "22022",
            )
        })?;
    }
    sess.conf.insert(key.to_string(), value.to_string());
    Ok(())
}

fn spark_method(script: &mut Script, name: &str, a: Args, sess: &mut Session) -> Result<Value> {
    let _ = script;
    match name {
        "sql" => {
            let q = a.str(0, "sqlQuery")?;
            let views = sess.views.clone();
            let df = crate::sql::plan_query(&q, &|n: &str| views.get(&n.to_ascii_lowercase()).cloned())?;
            Ok(Value::DataFrame(df))
        }
        "table" => {
            let n = a.str(0, "tableName")?;
            sess.views.get(&n.to_ascii_lowercase()).cloned().map(Value::DataFrame).ok_or_else(|| table_not_found(&n))
        }
        "createDataFrame" => Ok(Value::DataFrame(functions::create_dataframe(&a, &sess.zone)?)),
        "stop" | "newSession" => Ok(Value::None),
        _ => Err(EngineError::unsupported(format!("spark.{name}"))),
    }
}

fn table_not_found(n: &str) -> EngineError {
    EngineError::analysis(
        "TABLE_OR_VIEW_NOT_FOUND",
        format!("The table or view `{n}` cannot be found. Verify the spelling and correctness of the schema and catalog.\nIf you did not qualify the name with a schema, verify the current_schema() output, or qualify the name with the correct schema and catalog.\nTo tolerate the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS."),
        "42P01",
    )
}

fn reader_method(mut r: ReaderState, name: &str, a: Args, sess: &mut Session) -> Result<Value> {
    match name {
        "format" => {
            r.format = Some(a.str(0, "source")?.to_ascii_lowercase());
            Ok(Value::Reader(r))
        }
        "option" => {
            let k = a.str(0, "key")?;
            r.options.push((k, option_text(&a.req(1, "value")?)));
            Ok(Value::Reader(r))
        }
        "options" => {
            for (k, v) in &a.kw {
                r.options.push((k.clone(), option_text(v)));
            }
            Ok(Value::Reader(r))
        }
        "schema" => {
            r.schema = Some(functions::schema_of(&a.req(0, "schema")?)?);
            Ok(Value::Reader(r))
        }
        "load" | "json" | "csv" | "text" | "parquet" | "orc" | "table" => {
            if name != "load" {
                r.format = Some(name.to_string());
            }
            for (k, v) in &a.kw {
                if k == "schema" {
                    r.schema = Some(functions::schema_of(v)?);
                } else if k == "format" {
                    r.format = Some(v.to_str().to_ascii_lowercase());
                } else if k != "path" {
                    r.options.push((k.clone(), option_text(v)));
                }
            }
            let path = a.opt(0, "path").map(|p| p.to_str());
            load(r, path, sess).map(Value::DataFrame)
        }
        _ => Err(EngineError::unsupported(format!("reader.{name}"))),
    }
}

fn opt<'a>(r: &'a ReaderState, key: &str) -> Option<&'a str> {
    r.options.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
}

fn load(r: ReaderState, path: Option<String>, sess: &mut Session) -> Result<DataFrame> {
    let format = r.format.clone().unwrap_or_else(|| "parquet".into());
    if format == "socket" {
        if !r.streaming {
            return Err(EngineError::unsupported("reading a socket outside readStream"));
        }
        let host = opt(&r, "host").ok_or_else(|| EngineError::analysis("_LEGACY_ERROR_TEMP_2254", "Set a host to read from with option(\"host\", ...).", ""))?.to_string();
        let port_text = opt(&r, "port").ok_or_else(|| EngineError::analysis("_LEGACY_ERROR_TEMP_2254", "Set a port to read from with option(\"port\", ...).", ""))?;
        let port: u16 = port_text.trim().parse().map_err(|_| {
            EngineError::python("NumberFormatException", format!("For input string: \"{port_text}\""))
        })?;
        let include_timestamp = opt(&r, "includeTimestamp").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        let mut attrs = vec![Attribute::new("value", DataType::Utf8, true)];
        if include_timestamp {
            attrs.push(Attribute::new("timestamp", types::timestamp(), true));
        }
        let schema = Schema::new(attrs);
        let id = sess.sources.len();
        sess.sources.push(SourceDef { kind: SourceKind::Socket { host, port, include_timestamp }, schema: schema.to_arrow() });
        return Ok(DataFrame::new(Node::Source { id }, schema));
    }
    if format == "rate" {
        if !r.streaming {
            return Err(EngineError::unsupported("reading the rate source outside readStream"));
        }
        let number = |key: &str, default: i64| -> Result<i64> {
            match opt(&r, key) {
                None => Ok(default),
                Some(t) => t.trim().parse::<i64>().map_err(|_| EngineError::python("NumberFormatException", format!("For input string: \"{t}\""))),
            }
        };
        let rows_per_second = number("rowsPerSecond", 1)?;
        if rows_per_second <= 0 {
            return Err(EngineError::python(
                "IllegalArgumentException",
                format!("Invalid value '{rows_per_second}'. The option 'rowsPerSecond' must be positive"),
            ));
        }
        if opt(&r, "rampUpTime").is_some_and(|t| !matches!(t.trim(), "0" | "0s")) {
            return Err(EngineError::unsupported("the rate source option rampUpTime"));
        }
        let schema = Schema::new(vec![Attribute::new("timestamp", types::timestamp(), true), Attribute::new("value", DataType::Int64, true)]);
        let id = sess.sources.len();
        sess.sources.push(SourceDef { kind: SourceKind::Rate { rows_per_second }, schema: schema.to_arrow() });
        return Ok(DataFrame::new(Node::Source { id }, schema));
    }
    if format == "kafka" || format == "parquet" || format == "orc" || format == "delta" {
        return Err(EngineError::unsupported(format!("the `{format}` source")));
    }
    let path = path.ok_or_else(|| EngineError::unsupported("a file source without a path"))?;
    let infer_streaming = sess.conf.get("spark.sql.streaming.schemaInference").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let fields: Vec<(String, DataType)> = match (&r.schema, format.as_str()) {
        (Some(s), _) => s.clone(),
        (None, "text") => vec![("value".into(), DataType::Utf8)],
        (None, "csv" | "json") if !r.streaming || infer_streaming => {
            // Spark infers the schema from the files there now.
            let contents: Vec<Arc<Vec<u8>>> = match sess.inputs.file(&path) {
                Some(f) => vec![f.content.clone()],
                None => sess.inputs.files_in(&path).into_iter().map(|(_, f)| f.content).collect(),
            };
            if contents.is_empty() && !r.streaming {
                return Err(path_not_found(&path));
            }
            let bytes: Vec<&[u8]> = contents.iter().map(|c| c.as_slice()).collect();
            let opts = crate::formats::ReadOptions::from_options(&r.options)?;
            let schema = if format == "csv" {
                crate::formats::infer_csv_schema(&bytes, &opts)?
            } else {
                crate::formats::infer_json_schema(&bytes, &opts)?
            };
            schema.fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect()
        }
        (None, _) if r.streaming => {
            let mut e = EngineError::python(
                "IllegalArgumentException",
                "Schema must be specified when creating a streaming source DataFrame. If some files already exist in the directory, then depending on the file format you may be able to create a static DataFrame on that directory with 'spark.read.load(directory)' and infer schema from it.",
            );
            e.class = Some("_LEGACY_ERROR_TEMP_2048".into());
            return Err(e);
        }
        (None, _) => {
            return Err(EngineError::unsupported("reading a file without a schema (give .schema(...))"));
        }
    };
    let schema = Schema::new(fields.iter().map(|(n, t)| Attribute::new(n.clone(), t.clone(), true)).collect());
    if r.streaming {
        if !sess.inputs.dir_exists(&path) {
            return Err(path_not_found(&path));
        }
        let max_files = opt(&r, "maxFilesPerTrigger").and_then(|v| v.trim().parse().ok());
        let id = sess.sources.len();
        sess.sources.push(SourceDef {
            kind: SourceKind::Files { format, dir: path, options: r.options.clone(), max_files_per_trigger: max_files },
            schema: schema.to_arrow(),
        });
        return Ok(DataFrame::new(Node::Source { id }, schema));
    }
    // A static read: one file, or every file in a directory.
    let files: Vec<Arc<Vec<u8>>> = match sess.inputs.file(&path) {
        Some(f) => vec![f.content.clone()],
        None => {
            let in_dir = sess.inputs.files_in(&path);
            if in_dir.is_empty() {
                return Err(path_not_found(&path));
            }
            in_dir.into_iter().map(|(_, f)| f.content).collect()
        }
    };
    let arrow_schema = schema.to_arrow();
    let mut batches = Vec::new();
    for f in files {
        batches.push(crate::stream::sources::read_file(&format, &f, &arrow_schema, &r.options, &sess.zone)?);
    }
    let batch = arrow::compute::concat_batches(&arrow_schema, &batches)?;
    Ok(DataFrame::new(Node::Static { batch }, schema))
}

fn path_not_found(path: &str) -> EngineError {
    EngineError::analysis("PATH_NOT_FOUND", format!("Path does not exist: file:/{}.", crate::stream::sources::normalize(path)), "42K03")
}

fn writer_method(mut w: WriterState, name: &str, a: Args, sess: &mut Session) -> Result<Value> {
    match name {
        "outputMode" => {
            let m = a.str(0, "outputMode")?;
            if crate::exec::OutputMode::parse(&m).is_none() {
                return Err(EngineError::analysis(
                    "STREAMING_OUTPUT_MODE.INVALID",
                    format!("Invalid streaming output mode: {m}. Accepted output modes are 'Append', 'Complete', 'Update'."),
                    "42KDE",
                )
                .with_type("IllegalArgumentException"));
            }
            w.mode = Some(m);
        }
        "format" => w.format = Some(a.str(0, "source")?.to_ascii_lowercase()),
        "option" => {
            let k = a.str(0, "key")?;
            w.options.push((k, option_text(&a.req(1, "value")?)));
        }
        "options" => {
            for (k, v) in &a.kw {
                w.options.push((k.clone(), option_text(v)));
            }
        }
        "queryName" => w.query_name = Some(a.str(0, "queryName")?),
        "partitionBy" => {}
        "trigger" => w.trigger = Some(trigger_of(&a)?),
        "start" => {
            if let Some(p) = a.opt(0, "path") {
                if !matches!(p, Value::None) {
                    return Err(EngineError::unsupported("writing a stream to a path"));
                }
            }
            for (k, v) in &a.kw {
                match k.as_str() {
                    "outputMode" => w.mode = Some(v.to_str()),
                    "format" => w.format = Some(v.to_str().to_ascii_lowercase()),
                    "queryName" => w.query_name = Some(v.to_str()),
                    _ => w.options.push((k.clone(), option_text(v))),
                }
            }
            return start(w, sess);
        }
        "foreachBatch" => {
            let f = a.req(0, "func")?;
            if !matches!(f, Value::Function(_)) {
                return Err(EngineError::python(
                    "PySparkTypeError",
                    format!("[NOT_CALLABLE] Argument `func` should be a callable, got {}.", f.type_name()),
                ));
            }
            w.foreach_batch = Some(Box::new(f));
            w.format = Some("foreachBatch".into());
        }
        "foreach" | "toTable" => return Err(EngineError::unsupported(format!("writeStream.{name}"))),
        _ => {}
    }
    Ok(Value::Writer(Box::new(w)))
}

fn trigger_of(a: &Args) -> Result<Trigger> {
    let mut set = Vec::new();
    if let Some(v) = a.kw("processingTime").or_else(|| a.pos.first().cloned()) {
        set.push(Trigger::processing_time(&v.to_str())?);
    }
    if a.kw("once").is_some_and(|v| v.truthy() == Some(true)) {
        set.push(Trigger::Once);
    }
    if a.kw("availableNow").is_some_and(|v| v.truthy() == Some(true)) {
        set.push(Trigger::AvailableNow);
    }
    if a.kw("continuous").is_some() {
        return Err(EngineError::unsupported("continuous triggers"));
    }
    match set.len() {
        1 => Ok(set.remove(0)),
        0 => Err(EngineError::python("PySparkValueError", "[ONLY_ALLOW_SINGLE_TRIGGER] Only a single trigger is allowed.")),
        _ => Err(EngineError::python("PySparkValueError", "[ONLY_ALLOW_SINGLE_TRIGGER] Only a single trigger is allowed.")),
    }
}

fn start(w: WriterState, sess: &mut Session) -> Result<Value> {
    let mode = crate::exec::OutputMode::parse(w.mode.as_deref().unwrap_or("append")).unwrap_or(crate::exec::OutputMode::Append);
    let format = w.format.as_ref().map(|f| f.to_ascii_lowercase());
    let sink = match format.as_deref() {
        Some("console") => {
            // The console sink reads its options when the query runs its
            // first batch: a bad one fails the query (STREAM_FAILED).
            let mut show = crate::console::ShowOptions::default();
            let mut bad = None;
            for (k, v) in &w.options {
                match k.to_ascii_lowercase().as_str() {
                    "truncate" => match v.to_ascii_lowercase().as_str() {
                        "true" => show.truncate = 20,
                        "false" => show.truncate = 0,
                        _ => bad = Some(format!("{v} is not a boolean string.")),
                    },
                    "numrows" => match v.trim().parse::<i32>() {
                        Ok(n) => show.num_rows = n.max(0) as usize,
                        Err(_) => bad = Some(format!("For input string: \"{v}\"")),
                    },
                    _ => {}
                }
            }
            match bad {
                Some(msg) => Sink::Invalid(msg),
                None => Sink::Console(show),
            }
        }
        Some("noop") => Sink::Noop,
        Some("foreachbatch") => match w.foreach_batch {
            Some(f) => {
                sess.batch_handlers.push(*f);
                Sink::ForeachBatch { handler: sess.batch_handlers.len() - 1 }
            }
            None => return Err(EngineError::unsupported("the `foreachBatch` format without foreachBatch(func)")),
        },
        Some(other) => return Err(EngineError::unsupported(format!("the `{other}` sink (use format(\"console\"))"))),
        None => return Err(EngineError::unsupported("a stream written without format(\"console\")")),
    };
    sess.release_staged();
    let index = sess.queries.len();
    let q = StreamingQuery::new(index, w.query_name, &w.df.plan, &sess.sources, w.trigger.unwrap_or(Trigger::Default), mode, sink)?;
    sess.queries.push(q);
    Ok(Value::Query(index))
}

fn dataframe_method(script: &mut Script, df: DataFrame, name: &str, a: Args, sess: &mut Session) -> Result<Value> {
    let _script = &*script;
    let cols = |a: &Args| -> Result<Vec<Expr>> { a.flat().iter().map(col_arg).collect() };
    Ok(Value::DataFrame(match name {
        "select" => df.select(cols(&a)?)?,
        "fillna" => super::na::fill(&df, &a)?,
        "dropna" => super::na::drop(&df, &a)?,
        "replace" => super::na::replace(&df, &a)?,
        "selectExpr" => {
            let items: Vec<Expr> = a
                .flat()
                .iter()
                .map(|v| match v {
                    Value::Str(s) => crate::sql::parse_select_item(s).map(|e| bind_udfs(script, e)),
                    other => Err(EngineError::python("TypeError", format!("selectExpr expects strings, got {}", other.type_name()))),
                })
                .collect::<Result<_>>()?;
            df.select(items)?
        }
        "filter" | "where" => match a.req(0, "condition")? {
            Value::Str(s) => df.filter(bind_udfs(script, crate::sql::parse_expr(&s)?))?,
            Value::Column(c) => df.filter(c)?,
            other => {
                return Err(EngineError::python(
                    "PySparkTypeError",
                    format!("[NOT_COLUMN_OR_STR] Argument `condition` should be a Column or str, got {}.", other.type_name()),
                ))
            }
        },
        "withColumn" => {
            let n = a.str(0, "colName")?;
            match a.req(1, "col")? {
                Value::Column(c) => df.with_column(&n, c)?,
                other => {
                    return Err(EngineError::python(
                        "PySparkTypeError",
                        format!("[NOT_COLUMN] Argument `col` should be a Column, got {}.", other.type_name()),
                    ))
                }
            }
        }
        "withColumns" => {
            let mut out = df;
            if let Some(Value::Dict(d)) = a.opt(0, "colsMap") {
                for (k, v) in d {
                    out = out.with_column(&k.to_str(), col_arg(&v)?)?;
                }
            }
            out
        }
        "withColumnRenamed" => df.with_column_renamed(&a.str(0, "existing")?, &a.str(1, "new")?)?,
        "withColumnsRenamed" => {
            let mut out = df;
            if let Some(Value::Dict(d)) = a.opt(0, "colsMap") {
                for (k, v) in d {
                    out = out.with_column_renamed(&k.to_str(), &v.to_str())?;
                }
            }
            out
        }
        "drop" => df.drop(&cols(&a)?)?,
        "alias" => df.alias(&a.str(0, "alias")?),
        "groupBy" | "groupby" => return Ok(Value::GroupedData(df, cols(&a)?)),
        "agg" => return grouped_method(df, vec![], "agg", a),
        "orderBy" | "sort" => {
            let mut keys = cols(&a)?;
            if let Some(asc) = a.kw("ascending") {
                let flags: Vec<bool> = match asc {
                    Value::List(v) => v.iter().map(|x| x.truthy().unwrap_or(true)).collect(),
                    v => vec![v.truthy().unwrap_or(true); keys.len()],
                };
                keys = keys
                    .into_iter()
                    .zip(flags.into_iter().chain(std::iter::repeat(true)))
                    .map(|(k, asc)| Expr::Sort { expr: Box::new(k), asc, nulls_first: asc })
                    .collect();
            }
            df.order_by(keys)?
        }
        "dropDuplicates" | "drop_duplicates" | "dropDuplicatesWithinWatermark" => {
            let subset = match a.opt(0, "subset") {
                None | Some(Value::None) => None,
                Some(Value::List(v)) | Some(Value::Tuple(v)) => Some(v.iter().map(|x| x.to_str()).collect()),
                Some(Value::Str(s)) => Some(a.pos.iter().map(|x| x.to_str()).chain(std::iter::empty()).collect::<Vec<_>>()).filter(|_| !s.is_empty()),
                Some(other) => return Err(EngineError::python("TypeError", format!("subset should be a list or tuple of column names, got {}", other.type_name()))),
            };
            if name == "dropDuplicatesWithinWatermark" {
                df.drop_duplicates_within_watermark(subset)?
            } else {
                df.drop_duplicates(subset)?
            }
        }
        "distinct" => df.drop_duplicates(None)?,
        "limit" => match a.req(0, "num")? {
            Value::Int(n) if n >= 0 => df.limit(n as usize),
            other => return Err(EngineError::python("TypeError", format!("limit expects a non-negative int, got {}", other.repr()))),
        },
        "union" | "unionAll" => df.union(&df_of(&a.req(0, "other")?)?)?,
        "unionByName" => {
            let other = df_of(&a.req(0, "other")?)?;
            let reordered = other.select(df.schema.attrs.iter().map(|x| Expr::col(&x.name)).collect())?;
            df.union(&reordered)?
        }
        "join" | "crossJoin" => {
            let other = df_of(&a.req(0, "other")?)?;
            let how = match a.opt(2, "how") {
                None | Some(Value::None) => if name == "crossJoin" { "cross".to_string() } else { "inner".to_string() },
                Some(v) => v.to_str(),
            };
            let kind = JoinKind::parse(&how).ok_or_else(|| {
                EngineError::python(
                    "IllegalArgumentException",
                    format!("Unsupported join type '{how}'. Supported join types include: 'inner', 'outer', 'full', 'fullouter', 'full_outer', 'leftouter', 'left', 'left_outer', 'rightouter', 'right', 'right_outer', 'leftsemi', 'left_semi', 'semi', 'leftanti', 'left_anti', 'anti', 'cross'."),
                )
            })?;
            let on = match a.opt(1, "on") {
                None | Some(Value::None) => JoinOn::None,
                Some(Value::Str(s)) => JoinOn::Using(vec![s]),
                Some(Value::Column(c)) => JoinOn::Condition(c),
                Some(Value::List(v)) | Some(Value::Tuple(v)) => {
                    if v.iter().all(|x| matches!(x, Value::Str(_))) {
                        JoinOn::Using(v.iter().map(|x| x.to_str()).collect())
                    } else {
                        let conds: Vec<Expr> = v.iter().map(col_arg).collect::<Result<_>>()?;
                        JoinOn::Condition(conds.into_iter().reduce(|x, y| Expr::binary(BinaryOp::And, x, y)).unwrap_or(Expr::lit(Lit::Bool(true))))
                    }
                }
                Some(other) => return Err(EngineError::python("TypeError", format!("join on must be a str, list or Column, got {}", other.type_name()))),
            };
            df.join(&other, on, kind)?
        }
        "withWatermark" => df.with_watermark(&a.str(0, "eventTime")?, &a.str(1, "delayThreshold")?)?,
        "createOrReplaceTempView" | "createTempView" | "createOrReplaceGlobalTempView" => {
            sess.views.insert(a.str(0, "name")?.to_ascii_lowercase(), df);
            return Ok(Value::None);
        }
        "cache" | "persist" | "repartition" | "coalesce" => df,
        "toDF" => {
            let names: Vec<String> = a.flat().iter().map(|v| v.to_str()).collect();
            if names.len() != df.schema.len() {
                return Err(EngineError::python("IllegalArgumentException", "The number of columns doesn't match."));
            }
            df.select(df.schema.attrs.iter().zip(&names).map(|(x, n)| Expr::Attr { id: x.id, name: x.name.clone() }.alias(n)).collect())?
        }
        "printSchema" => {
            // PySpark prints treeString(), which ends with a newline.
            let fields: Vec<(String, arrow::datatypes::DataType)> = df.schema.attrs.iter().map(|x| (x.name.clone(), x.ty.clone())).collect();
            sess.events.push(Event::Print(types::tree_string(&fields)));
            return Ok(Value::None);
        }
        "explain" => return Ok(Value::None),
        "show" | "collect" | "count" | "take" | "head" | "first" | "toPandas" | "foreach" | "isEmpty" => {
            if df.is_streaming() {
                return Err(crate::stream::checker::batch_action_on_stream());
            }
            return static_action(df, name, a, sess);
        }
        other => return Err(EngineError::unsupported(format!("DataFrame.{other}"))),
    }))
}

/// Row `i` of a batch as PySpark's Row.
fn row_at(batch: &arrow::array::RecordBatch, i: usize) -> Result<Value> {
    let schema = batch.schema();
    let fields = schema.fields().iter().zip(batch.columns()).map(|(f, c)| Ok((Some(f.name().clone()), super::udf::to_python(c.as_ref(), i)?)));
    Ok(Value::Row(fields.collect::<Result<_>>()?))
}

/// Batch actions on a static DataFrame: run it once.
fn static_action(df: DataFrame, name: &str, a: Args, sess: &mut Session) -> Result<Value> {
    let mut op = crate::exec::build(&df.plan, crate::exec::OutputMode::Complete)?;
    let mut ctx = crate::exec::BatchCtx {
        eval: crate::eval::EvalCtx { zone: sess.zone.clone(), now_micros: sess.now_ms * 1000, lambda: vec![] },
        inputs: &[],
        watermark: None,
        mode: crate::exec::OutputMode::Complete,
        event_times: vec![],
    };
    let batch = op.next(&mut ctx)?;
    match name {
        "show" => {
            let n = match a.opt(0, "n") { Some(Value::Int(n)) => n.max(0) as usize, _ => 20 };
            let truncate = match a.opt(1, "truncate") {
                Some(Value::Bool(false)) => 0,
                Some(Value::Int(t)) => t.max(0) as usize,
                _ => 20,
            };
            let opts = crate::console::ShowOptions { num_rows: n, truncate };
            // PySpark prints showString(), which ends with a newline.
            let text = crate::console::show_string(&batch, &opts, &sess.zone);
            sess.events.push(Event::Print(text));
            Ok(Value::None)
        }
        "count" => Ok(Value::Int(batch.num_rows() as i64)),
        "isEmpty" => Ok(Value::Bool(batch.num_rows() == 0)),
        "collect" | "take" | "head" | "first" => {
            // head() and first() give one Row (or None); head(n), take(n) a list.
            let limit = match (name, a.opt(0, "num").or_else(|| a.opt(0, "n"))) {
                ("collect", _) => batch.num_rows(),
                (_, Some(Value::Int(n))) => n.max(0) as usize,
                ("take", _) => return Err(EngineError::python("TypeError", "DataFrame.take() missing 1 required positional argument: 'num'")),
                _ => 1,
            };
            let rows = (0..batch.num_rows().min(limit)).map(|i| row_at(&batch, i)).collect::<Result<Vec<_>>>()?;
            let single = name == "first" || (name == "head" && a.pos.is_empty() && a.kw.is_empty());
            Ok(if single { rows.into_iter().next().unwrap_or(Value::None) } else { Value::List(rows) })
        }
        _ => Err(EngineError::unsupported(format!("DataFrame.{name} on a static DataFrame"))),
    }
}

fn grouped_method(df: DataFrame, keys: Vec<Expr>, name: &str, a: Args) -> Result<Value> {
    let simple = |func: &str, a: &Args| -> Result<Vec<Expr>> {
        let names: Vec<Expr> = if a.pos.is_empty() {
            // Every numeric column, as Spark does.
            df.schema.attrs.iter().filter(|x| types::is_numeric(&x.ty)).map(|x| Expr::col(&x.name)).collect()
        } else {
            a.pos.iter().map(|v| Ok(Expr::col(&v.to_str()))).collect::<Result<_>>()?
        };
        Ok(names.into_iter().map(|c| crate::plan::functions::call(func, vec![c])).collect())
    };
    let aggs = match name {
        "count" => vec![crate::plan::functions::call("count", vec![Expr::lit(Lit::Int(1))]).alias("count")],
        "sum" | "avg" | "mean" | "min" | "max" => simple(name, &a)?,
        "agg" => match a.pos.as_slice() {
            [Value::Dict(d)] => d
                .iter()
                .map(|(k, v)| {
                    let c = if k.to_str() == "*" { Expr::Star(None) } else { Expr::col(&k.to_str()) };
                    crate::plan::functions::call(&v.to_str(), vec![c])
                })
                .collect(),
            _ => a.flat().iter().map(|v| match v {
                Value::Column(c) => Ok(c.clone()),
                other => Err(EngineError::python(
                    "PySparkTypeError",
                    format!("[NOT_COLUMN] Argument `exprs` should be a Column, got {}.", other.type_name()),
                )),
            }).collect::<Result<_>>()?,
        },
        other => return Err(EngineError::unsupported(format!("GroupedData.{other}"))),
    };
    Ok(Value::DataFrame(df.aggregate(keys, aggs)?))
}

fn column_method(c: Expr, name: &str, a: Args) -> Result<Value> {
    let sort = |asc: bool, nulls_first: bool| Expr::Sort { expr: Box::new(c.clone()), asc, nulls_first };
    Ok(Value::Column(match name {
        // `alias("a", "b")`: the several columns of a generator.
        "alias" | "name" if a.pos.len() > 1 => {
            let names = (0..a.pos.len()).map(|i| a.str(i, "alias")).collect::<Result<Vec<_>>>()?;
            c.alias(&names.join(crate::plan::MULTI_ALIAS_SEP))
        }
        "alias" | "name" => c.alias(&a.str(0, "alias")?),
        "cast" | "astype" | "try_cast" => {
            let to = functions::type_of(&a.req(0, "dataType")?)?;
            Expr::Cast { expr: Box::new(c), to, try_: name == "try_cast" }
        }
        "getItem" => Expr::Extract { expr: Box::new(c), key: Box::new(lit_of(&a.req(0, "key")?)?) },
        "getField" => Expr::Field { expr: Box::new(c), name: a.str(0, "name")? },
        "isin" => Expr::In { expr: Box::new(c), list: a.flat().iter().map(lit_arg).collect::<Result<_>>()? },
        "startswith" | "endswith" | "contains" => crate::plan::functions::call(name, vec![c, lit_arg(&a.req(0, "other")?)?]),
        "like" | "rlike" | "ilike" => Expr::Like {
            expr: Box::new(c),
            pattern: Box::new(lit_arg(&a.req(0, "other")?)?),
            kind: match name {
                "like" => LikeKind::Like,
                "rlike" => LikeKind::RLike,
                _ => LikeKind::ILike,
            },
            negated: false,
        },
        "isNull" => Expr::IsNull(Box::new(c)),
        "isNotNull" => Expr::IsNotNull(Box::new(c)),
        "isNaN" => crate::plan::functions::call("isnan", vec![c]),
        "asc" | "asc_nulls_first" => sort(true, true),
        "asc_nulls_last" => sort(true, false),
        "desc" | "desc_nulls_last" => sort(false, false),
        "desc_nulls_first" => sort(false, true),
        "between" => {
            let lo = lit_arg(&a.req(0, "lowerBound")?)?;
            let hi = lit_arg(&a.req(1, "upperBound")?)?;
            Expr::binary(BinaryOp::And, Expr::binary(BinaryOp::GtEq, c.clone(), lo), Expr::binary(BinaryOp::LtEq, c, hi))
        }
        "eqNullSafe" => Expr::binary(BinaryOp::EqNullSafe, c, lit_arg(&a.req(0, "other")?)?),
        "bitwiseAND" => Expr::binary(BinaryOp::BitAnd, c, lit_arg(&a.req(0, "other")?)?),
        "bitwiseOR" => Expr::binary(BinaryOp::BitOr, c, lit_arg(&a.req(0, "other")?)?),
        "bitwiseXOR" => Expr::binary(BinaryOp::BitXor, c, lit_arg(&a.req(0, "other")?)?),
        "substr" => crate::plan::functions::call("substring", vec![c, lit_arg(&a.req(0, "startPos")?)?, lit_arg(&a.req(1, "length")?)?]),
        "when" => match c {
            Expr::Case { mut branches, otherwise: None } => {
                branches.push((col_arg(&a.req(0, "condition")?)?, lit_arg(&a.req(1, "value")?)?));
                Expr::Case { branches, otherwise: None }
            }
            _ => return Err(EngineError::python("PySparkTypeError", "when() can only be applied on a Column previously generated by when() function")),
        },
        "otherwise" => match c {
            Expr::Case { branches, otherwise: None } => Expr::Case { branches, otherwise: Some(Box::new(lit_arg(&a.req(0, "value")?)?)) },
            _ => return Err(EngineError::python("PySparkTypeError", "otherwise() can only be applied on a Column previously generated by when()")),
        },
        "over" => return Err(EngineError::unsupported("window functions (over)")),
        other => return Err(EngineError::unsupported(format!("Column.{other}"))),
    }))
}

impl EngineError {
    /// A legacy error whose message has no trailing `;`.
    pub fn with_no_semicolon(mut self) -> Self {
        if self.message.ends_with(';') {
            self.message.pop();
        }
        self
    }
}
