//! PySpark's higher-order functions (`F.transform(col, lambda x: ...)`):
//! as PySpark does, the Python function is called once with placeholder
//! Columns for its variables, and the Column it returns is the lambda's body.

use super::api::Args;
use super::functions::col_arg;
use super::{Script, Value};
use crate::error::{EngineError, Result};
use crate::plan::expr::Expr;
use crate::plan::functions::call;
use crate::session::Session;

/// How many variables a Python function takes, for a lambda.
fn arity(f: &Value) -> Result<usize> {
    match f {
        Value::Function(def) => Ok(def.params.len()),
        Value::Builtin(_) | Value::Method(..) => Ok(1),
        other => Err(EngineError::python(
            "PySparkTypeError",
            format!("[NOT_CALLABLE] Argument `f` should be a callable, got {}.", other.type_name()),
        )),
    }
}

/// The Python function `f` as a lambda expression.
pub fn lambda_of(script: &mut Script, f: Value, sess: &mut Session) -> Result<Expr> {
    let n = arity(&f)?;
    if !(1..=3).contains(&n) {
        return Err(EngineError::python(
            "PySparkValueError",
            format!("[WRONG_NUM_ARGS_FOR_HIGHER_ORDER_FUNCTION] Function `{}` should take between 1 and 3 arguments, but the provided function takes {n}.", fname(&f)),
        ));
    }
    let names: Vec<String> = ["x", "y", "z"][..n]
        .iter()
        .map(|v| {
            let name = format!("{v}_{}", script.lambda_vars);
            script.lambda_vars += 1;
            name
        })
        .collect();
    let args = names.iter().map(|nm| Value::Column(Expr::LambdaVar(nm.clone()))).collect();
    let body = match script.call(f.clone(), args, vec![], sess)? {
        Value::Column(c) => c,
        other => {
            return Err(EngineError::python(
                "PySparkValueError",
                format!("[HIGHER_ORDER_FUNCTION_SHOULD_RETURN_COLUMN] Function `{}` should return Column, got {}.", fname(&f), other.type_name()),
            ))
        }
    };
    Ok(Expr::Lambda { params: names, body: Box::new(body) })
}

fn fname(f: &Value) -> String {
    match f {
        Value::Function(d) => d.name.clone(),
        Value::Builtin(b) => b.rsplit('.').next().unwrap_or(b).to_string(),
        _ => "function".into(),
    }
}

/// `F.transform(...)`, `F.aggregate(...)`, ...: `name` is a higher-order function.
pub fn call_higher_order(script: &mut Script, name: &str, a: &Args, sess: &mut Session) -> Result<Value> {
    let e = match name {
        "aggregate" | "reduce" => {
            let c = col_arg(&a.req(0, "col")?)?;
            let zero = col_arg(&a.req(1, "initialValue")?)?;
            let merge = lambda_of(script, a.req(2, "merge")?, sess)?;
            let mut args = vec![c, zero, merge];
            if let Some(f) = a.opt(3, "finish").filter(|f| !matches!(f, Value::None)) {
                args.push(lambda_of(script, f, sess)?);
            }
            call(name, args)
        }
        "zip_with" => {
            let l = col_arg(&a.req(0, "left")?)?;
            let r = col_arg(&a.req(1, "right")?)?;
            let f = lambda_of(script, a.req(2, "f")?, sess)?;
            call(name, vec![l, r, f])
        }
        _ => {
            let c = col_arg(&a.req(0, "col")?)?;
            let f = lambda_of(script, a.req(1, "f")?, sess)?;
            call(name, vec![c, f])
        }
    };
    Ok(Value::Column(e))
}
