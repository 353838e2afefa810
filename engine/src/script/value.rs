//! Python values as the script sees them: plain Python data, and the
//! PySpark objects (session, readers, DataFrames, Columns, queries).

use std::rc::Rc;

use arrow::datatypes::DataType;

use crate::plan::{DataFrame, Expr};
use crate::stream::Trigger;

/// A user `def`.
#[derive(Debug)]
pub struct FuncDef {
    pub name: String,
    pub params: Vec<(String, Option<Value>)>,
    pub body: Vec<rustpython_parser::ast::Stmt>,
    /// The enclosing function's variables when it was defined (a closure).
    pub closure: Option<std::collections::HashMap<String, Value>>,
}

/// A Python UDF: the function, the name Spark shows, the declared type.
#[derive(Debug)]
pub struct UdfDef {
    pub name: String,
    pub func: Value,
    pub return_type: DataType,
}

/// `spark.readStream` / `spark.read` as it is being configured.
#[derive(Clone, Debug, Default)]
pub struct ReaderState {
    pub streaming: bool,
    pub format: Option<String>,
    pub options: Vec<(String, String)>,
    pub schema: Option<Vec<(String, DataType)>>,
}

/// `df.writeStream` as it is being configured.
#[derive(Clone, Debug)]
pub struct WriterState {
    pub df: DataFrame,
    pub mode: Option<String>,
    pub format: Option<String>,
    pub options: Vec<(String, String)>,
    pub trigger: Option<Trigger>,
    pub query_name: Option<String>,
    /// `foreachBatch(func)`: the function each batch is handed to.
    pub foreach_batch: Option<Box<Value>>,
}

#[derive(Clone, Debug)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    /// A module: `pyspark.sql.functions`, `pyspark.sql.types`, ...
    Module(&'static str),
    /// A class or callable from PySpark or Python (`SparkSession`,
    /// `StructType`, `print`, `F.col`), by its qualified name.
    Builtin(String),
    /// `obj.method`, not yet called.
    Method(Box<Value>, String),
    Function(Rc<FuncDef>),
    /// `udf(f, type)`: called with columns, it makes a column.
    Udf(Rc<UdfDef>),
    /// `udf(returnType=...)` / `@udf("int")`: a decorator waiting for its function.
    UdfMaker(DataType),
    /// `spark.udf`
    UdfRegistration,
    Spark,
    Builder,
    SparkContext,
    Conf,
    Streams,
    Reader(ReaderState),
    Writer(Box<WriterState>),
    DataFrame(DataFrame),
    GroupedData(DataFrame, Vec<Expr>),
    /// `df.na`
    NaFunctions(DataFrame),
    Column(Expr),
    Query(usize),
    Type(DataType),
    StructType(Vec<(String, DataType)>),
    StructField(String, DataType),
    /// `Row(...)` / a tuple used as a row of data.
    Row(Vec<(Option<String>, Value)>),
}

impl Value {
    /// Python's `type(x).__name__`, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Module(_) => "module",
            Value::Builtin(_) | Value::Method(..) | Value::Function(_) | Value::Udf(_) | Value::UdfMaker(_) => "function",
            Value::UdfRegistration => "UDFRegistration",
            Value::Spark => "SparkSession",
            Value::Builder => "Builder",
            Value::SparkContext => "SparkContext",
            Value::Conf => "RuntimeConfig",
            Value::Streams => "StreamingQueryManager",
            Value::Reader(r) if r.streaming => "DataStreamReader",
            Value::Reader(_) => "DataFrameReader",
            Value::Writer(_) => "DataStreamWriter",
            Value::DataFrame(_) => "DataFrame",
            Value::GroupedData(..) => "GroupedData",
            Value::NaFunctions(_) => "DataFrameNaFunctions",
            Value::Column(_) => "Column",
            Value::Query(_) => "StreamingQuery",
            Value::Type(_) => "DataType",
            Value::StructType(_) => "StructType",
            Value::StructField(..) => "StructField",
            Value::Row(_) => "Row",
        }
    }

    /// Python truthiness.
    pub fn truthy(&self) -> Option<bool> {
        Some(match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(v) | Value::Tuple(v) => !v.is_empty(),
            Value::Dict(v) => !v.is_empty(),
            Value::Column(_) => return None,
            _ => true,
        })
    }

    /// `str(x)`.
    pub fn to_str(&self) -> String {
        match self {
            Value::None => "None".into(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => python_float(*f),
            Value::Str(s) => s.clone(),
            Value::List(v) => format!("[{}]", v.iter().map(|x| x.repr()).collect::<Vec<_>>().join(", ")),
            Value::Tuple(v) if v.len() == 1 => format!("({},)", v[0].repr()),
            Value::Tuple(v) => format!("({})", v.iter().map(|x| x.repr()).collect::<Vec<_>>().join(", ")),
            Value::Dict(v) => format!(
                "{{{}}}",
                v.iter().map(|(k, x)| format!("{}: {}", k.repr(), x.repr())).collect::<Vec<_>>().join(", ")
            ),
            Value::Column(e) => format!("Column<'{}'>", e.pretty()),
            // PySpark's Row.__repr__: named fields as `name=repr`, else `<Row(...)>`.
            Value::Row(fields) if fields.iter().all(|(n, _)| n.is_some()) => format!(
                "Row({})",
                fields.iter().map(|(n, v)| format!("{}={}", n.as_deref().unwrap_or(""), v.repr())).collect::<Vec<_>>().join(", ")
            ),
            Value::Row(fields) => format!("<Row({})>", fields.iter().map(|(_, v)| v.repr()).collect::<Vec<_>>().join(", ")),
            Value::DataFrame(df) => format!(
                "DataFrame[{}]",
                df.schema.attrs.iter().map(|a| format!("{}: {}", a.name, crate::types::simple_name(&a.ty))).collect::<Vec<_>>().join(", ")
            ),
            other => format!("<{}>", other.type_name()),
        }
    }

    /// `repr(x)`.
    pub fn repr(&self) -> String {
        match self {
            Value::Str(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
            other => other.to_str(),
        }
    }
}

/// Python's float repr: shortest round-trip digits.
pub fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let s = format!("{f:?}");
    if s.contains('e') {
        // Rust prints 1e16 as "1e16"; Python as "1e+16".
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = e.parse().unwrap_or(0);
        return format!("{m}e{}{:02}", if exp < 0 { "-" } else { "+" }, exp.abs());
    }
    s
}
