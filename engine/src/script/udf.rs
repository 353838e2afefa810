//! Python UDFs: the bridge between a query's columns and a Python function
//! the script defined. Each row's values become Python values (None, int,
//! float, str, bool, list, Row, dict), the function runs in its own
//! interpreter over the script's globals, with a budget of steps per row,
//! and what it returns becomes the declared type the way PySpark's pickled
//! path converts it (a value of the wrong type is NULL; a string type takes
//! anything, as Java's `toString` writes it).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use arrow::array::*;
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, Field, Fields};

use super::value::UdfDef;
use super::{Script, Value};
use crate::error::{EngineError, ErrorKind, Result};
use crate::plan::expr::{Expr, RowUdf, UdfRef};
use crate::session::Session;

/// Statements and calls one row's call may run.
const STEPS_PER_ROW: u64 = 2_000_000;

/// A UDF applied in a query: its function and the interpreter it runs in.
pub struct PyUdf {
    def: Rc<UdfDef>,
    runner: RefCell<(Script, Session)>,
}

impl std::fmt::Debug for PyUdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PyUdf({})", self.def.name)
    }
}

/// `f(col, ...)` for a UDF `f`: a column that runs it.
pub fn apply(script: &Script, def: &Rc<UdfDef>, args: Vec<Expr>) -> Expr {
    let runner = Script::for_udf(script.line_starts().to_vec(), snapshot(script.globals()), STEPS_PER_ROW);
    let udf = PyUdf { def: def.clone(), runner: RefCell::new((runner, Session::default())) };
    Expr::Udf { udf: UdfRef(Rc::new(udf)), args }
}

/// The globals a UDF sees: the script's, without the objects that only the
/// driver has (DataFrames, queries), which a UDF cannot use anyway.
fn snapshot(globals: &HashMap<String, Value>) -> HashMap<String, Value> {
    globals
        .iter()
        .filter(|(_, v)| {
            !matches!(v, Value::DataFrame(_) | Value::GroupedData(..) | Value::Writer(_) | Value::Query(_) | Value::Column(_))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

impl RowUdf for PyUdf {
    fn name(&self) -> &str {
        &self.def.name
    }

    fn return_type(&self) -> &DataType {
        &self.def.return_type
    }

    fn call(&self, args: &[ArrayRef], n: usize) -> Result<ArrayRef> {
        let mut runner = self
            .runner
            .try_borrow_mut()
            .map_err(|_| EngineError::unsupported(format!("the UDF {} calling itself", self.def.name)))?;
        let (script, sess) = &mut *runner;
        let mut out = Vec::with_capacity(n);
        for row in 0..n {
            let vals = args.iter().map(|a| to_python(a.as_ref(), row)).collect::<Result<Vec<_>>>()?;
            script.reset_steps();
            let v = script.call(self.def.func.clone(), vals, vec![], sess).map_err(|e| python_failure(e, &self.def.name))?;
            out.push(v);
        }
        from_python(&out, &self.def.return_type)
    }
}

/// A Python exception inside a UDF fails the batch, as Spark's
/// PythonException does (the query then fails with STREAM_FAILED).
fn python_failure(e: EngineError, udf: &str) -> EngineError {
    if e.kind != ErrorKind::Python {
        return e;
    }
    let mut out = EngineError::python(
        "PythonException",
        format!(
            "Job aborted due to stage failure: org.apache.spark.api.python.PythonException: {}: {} (in the UDF {udf})",
            e.python_type, e.message
        ),
    );
    out.kind = ErrorKind::Execution;
    out.span = e.span;
    out
}

/// The value at `row` as Python sees it.
pub fn to_python(a: &dyn Array, row: usize) -> Result<Value> {
    if a.is_null(row) {
        return Ok(Value::None);
    }
    use arrow::datatypes::*;
    Ok(match a.data_type() {
        DataType::Null => Value::None,
        DataType::Boolean => Value::Bool(a.as_boolean().value(row)),
        DataType::Int8 => Value::Int(a.as_primitive::<Int8Type>().value(row) as i64),
        DataType::Int16 => Value::Int(a.as_primitive::<Int16Type>().value(row) as i64),
        DataType::Int32 => Value::Int(a.as_primitive::<Int32Type>().value(row) as i64),
        DataType::Int64 => Value::Int(a.as_primitive::<Int64Type>().value(row)),
        DataType::Float32 => Value::Float(a.as_primitive::<Float32Type>().value(row) as f64),
        DataType::Float64 => Value::Float(a.as_primitive::<Float64Type>().value(row)),
        DataType::Utf8 => Value::Str(a.as_string::<i32>().value(row).to_string()),
        DataType::List(_) => {
            let l = a.as_list::<i32>().value(row);
            Value::List((0..l.len()).map(|i| to_python(l.as_ref(), i)).collect::<Result<_>>()?)
        }
        DataType::Struct(fields) => {
            let s = a.as_struct();
            Value::Row(
                fields
                    .iter()
                    .zip(s.columns())
                    .map(|(f, c)| Ok((Some(f.name().clone()), to_python(c.as_ref(), row)?)))
                    .collect::<Result<_>>()?,
            )
        }
        DataType::Map(..) => {
            let m = a.as_map().value(row);
            let (k, v) = (m.column(0), m.column(1));
            Value::Dict((0..m.len()).map(|i| Ok((to_python(k.as_ref(), i)?, to_python(v.as_ref(), i)?))).collect::<Result<_>>()?)
        }
        other => {
            return Err(EngineError::unsupported(format!(
                "passing a {} column to a Python UDF",
                crate::types::sql_name(other)
            )))
        }
    })
}

/// A value as Java's `toString` writes what Python sent it.
fn java_text(v: &Value) -> String {
    match v {
        Value::None => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Float(f) => crate::display::java_double_to_string(*f),
        Value::Str(s) => s.clone(),
        Value::List(items) | Value::Tuple(items) => {
            format!("[{}]", items.iter().map(java_text).collect::<Vec<_>>().join(", "))
        }
        Value::Dict(d) => format!("{{{}}}", d.iter().map(|(k, x)| format!("{}={}", java_text(k), java_text(x))).collect::<Vec<_>>().join(", ")),
        Value::Row(r) => format!("[{}]", r.iter().map(|(_, x)| java_text(x)).collect::<Vec<_>>().join(", ")),
        other => other.to_str(),
    }
}

fn nulls_of(valid: Vec<bool>) -> Option<NullBuffer> {
    let nb = NullBuffer::from(valid);
    (nb.null_count() > 0).then_some(nb)
}

/// Values the function returned, as a column of the declared type.
pub fn from_python(vals: &[Value], ty: &DataType) -> Result<ArrayRef> {
    let int = |v: &Value| match v {
        Value::Int(i) => Some(*i),
        _ => None,
    };
    let float = |v: &Value| match v {
        Value::Float(f) => Some(*f),
        _ => None,
    };
    Ok(match ty {
        DataType::Null => new_null_array(ty, vals.len()),
        // Java narrows integers by dropping high bits.
        DataType::Int8 => Arc::new(vals.iter().map(|v| int(v).map(|i| i as i8)).collect::<Int8Array>()),
        DataType::Int16 => Arc::new(vals.iter().map(|v| int(v).map(|i| i as i16)).collect::<Int16Array>()),
        DataType::Int32 => Arc::new(vals.iter().map(|v| int(v).map(|i| i as i32)).collect::<Int32Array>()),
        DataType::Int64 => Arc::new(vals.iter().map(int).collect::<Int64Array>()),
        DataType::Float32 => Arc::new(vals.iter().map(|v| float(v).map(|f| f as f32)).collect::<Float32Array>()),
        DataType::Float64 => Arc::new(vals.iter().map(float).collect::<Float64Array>()),
        DataType::Boolean => Arc::new(
            vals.iter().map(|v| if let Value::Bool(b) = v { Some(*b) } else { None }).collect::<BooleanArray>(),
        ),
        DataType::Utf8 => Arc::new(
            vals.iter().map(|v| if matches!(v, Value::None) { None } else { Some(java_text(v)) }).collect::<StringArray>(),
        ),
        DataType::List(field) => {
            let mut children = Vec::new();
            let mut offsets = vec![0i32];
            let mut valid = Vec::with_capacity(vals.len());
            for v in vals {
                match v {
                    Value::List(items) | Value::Tuple(items) => {
                        children.extend(items.iter().cloned());
                        valid.push(true);
                    }
                    _ => valid.push(false),
                }
                offsets.push(i32::try_from(children.len()).map_err(|_| EngineError::unsupported("UDF results over 2^31 elements"))?);
            }
            let child = from_python(&children, field.data_type())?;
            let field = Arc::new(Field::new(field.name(), field.data_type().clone(), true));
            Arc::new(ListArray::try_new(field, OffsetBuffer::new(offsets.into()), child, nulls_of(valid))?)
        }
        DataType::Struct(fields) => {
            let mut cols: Vec<Vec<Value>> = vec![Vec::with_capacity(vals.len()); fields.len()];
            let mut valid = Vec::with_capacity(vals.len());
            for v in vals {
                let items: Option<Vec<Value>> = match v {
                    Value::Row(r) if r.iter().all(|(n, _)| n.is_some()) => Some(
                        fields
                            .iter()
                            .map(|f| r.iter().find(|(n, _)| n.as_deref() == Some(f.name().as_str())).map(|(_, x)| x.clone()).unwrap_or(Value::None))
                            .collect(),
                    ),
                    Value::Row(r) => Some(r.iter().map(|(_, x)| x.clone()).collect()),
                    Value::Tuple(items) | Value::List(items) => Some(items.clone()),
                    _ => None,
                };
                valid.push(items.is_some());
                let items = items.unwrap_or_default();
                for (i, col) in cols.iter_mut().enumerate() {
                    col.push(items.get(i).cloned().unwrap_or(Value::None));
                }
            }
            let children = fields.iter().zip(&cols).map(|(f, c)| from_python(c, f.data_type())).collect::<Result<Vec<_>>>()?;
            let fields: Fields = fields.iter().map(|f| Field::new(f.name(), f.data_type().clone(), true)).collect();
            Arc::new(StructArray::try_new(fields, children, nulls_of(valid))?)
        }
        DataType::Map(entries, _) => {
            let (kt, vt) = crate::plan::functions::map_types(entries.data_type());
            let mut keys = Vec::new();
            let mut values = Vec::new();
            let mut offsets = vec![0i32];
            let mut valid = Vec::with_capacity(vals.len());
            for v in vals {
                match v {
                    Value::Dict(d) => {
                        for (k, x) in d {
                            keys.push(k.clone());
                            values.push(x.clone());
                        }
                        valid.push(true);
                    }
                    _ => valid.push(false),
                }
                offsets.push(i32::try_from(keys.len()).map_err(|_| EngineError::unsupported("UDF results over 2^31 entries"))?);
            }
            let k = from_python(&keys, &kt)?;
            if k.null_count() > 0 {
                return Err(EngineError::execution("NULL_MAP_KEY", "Cannot use null as map key.", "2200E"));
            }
            let x = from_python(&values, &vt)?;
            crate::eval::maps::build_map(entries.clone(), OffsetBuffer::new(offsets.into()), k, x, nulls_of(valid))?
        }
        other => {
            return Err(EngineError::unsupported(format!(
                "Python UDFs returning {}",
                crate::types::sql_name(other)
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returned_values_convert_as_pyspark_does() {
        let vals = vec![Value::Int(3), Value::Float(1.5), Value::Str("3".into()), Value::Bool(true), Value::None, Value::Int(1 << 40)];
        let a = from_python(&vals, &DataType::Int32).unwrap();
        let a = a.as_primitive::<arrow::datatypes::Int32Type>();
        assert_eq!((a.value(0), a.is_null(1), a.is_null(2), a.is_null(3), a.is_null(4), a.value(5)), (3, true, true, true, true, 0));
        let s = from_python(&[Value::Int(3), Value::Bool(true), Value::Float(1.0), Value::List(vec![Value::Int(1), Value::Str("a".into())])], &DataType::Utf8).unwrap();
        let s = s.as_string::<i32>();
        assert_eq!((s.value(0), s.value(1), s.value(2), s.value(3)), ("3", "true", "1.0", "[1, a]"));
        let d = from_python(&[Value::Int(3)], &DataType::Float64).unwrap();
        assert!(d.is_null(0));
        let l = from_python(&[Value::List(vec![Value::Int(1), Value::None, Value::Float(2.5)])], &crate::types::array_of(DataType::Int32)).unwrap();
        let l = l.as_list::<i32>().value(0);
        assert_eq!((l.len(), l.null_count()), (3, 2));
    }

    #[test]
    fn columns_become_python_values() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![Some("x"), None]));
        assert!(matches!(to_python(a.as_ref(), 0).unwrap(), Value::Str(s) if s == "x"));
        assert!(matches!(to_python(a.as_ref(), 1).unwrap(), Value::None));
    }
}
