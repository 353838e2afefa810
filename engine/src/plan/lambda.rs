//! Resolution of higher-order functions (`transform`, `filter`, `exists`,
//! `forall`, `aggregate`/`reduce`, `zip_with`, `map_filter`,
//! `transform_keys`, `transform_values`): the lambda's variables take the
//! types of the elements they stand for, and its body is resolved with them
//! in scope (Spark's ResolveLambdaVariables).

use arrow::datatypes::DataType;

use super::expr::{Expr, HigherOrderFn, PExpr, PKind, PLambda};
use super::resolve::Resolver;
use crate::error::{EngineError, Result};
use crate::types;

/// Whether `name` is a higher-order function taking lambdas.
pub fn is_higher_order(name: &str) -> bool {
    func_of(name).is_some()
}

fn func_of(name: &str) -> Option<HigherOrderFn> {
    use HigherOrderFn as H;
    Some(match name {
        "transform" => H::Transform,
        "filter" => H::Filter,
        "exists" => H::Exists,
        "forall" => H::Forall,
        "aggregate" | "reduce" => H::Aggregate,
        "zip_with" => H::ZipWith,
        "map_filter" => H::MapFilter,
        "transform_keys" => H::TransformKeys,
        "transform_values" => H::TransformValues,
        _ => return None,
    })
}

/// The lambda Spark puts in when `aggregate` has no finish: `id -> id`.
pub fn identity_lambda() -> Expr {
    Expr::Lambda { params: vec!["id".into()], body: Box::new(Expr::LambdaVar("id".into())) }
}

fn mismatch(whole: &Expr, ordinal: &str, required: &str, arg: &Expr, got: &DataType) -> EngineError {
    EngineError::analysis(
        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
        format!(
            "Cannot resolve \"{}\" due to data type mismatch: The {ordinal} parameter requires the {required} type, however \"{}\" has the type \"{}\".",
            whole.pretty(),
            arg.pretty(),
            types::sql_name(got)
        ),
        "42K09;",
    )
}

fn arity_error(want: usize, got: usize) -> EngineError {
    EngineError::analysis(
        "INVALID_LAMBDA_FUNCTION_CALL.NUM_ARGS_MISMATCH",
        format!("Invalid lambda function call. A higher order function expects {want} arguments, but got {got}."),
        "42K0D",
    )
}

fn element(t: &DataType) -> Option<DataType> {
    match t {
        DataType::List(f) => Some(f.data_type().clone()),
        DataType::Null => Some(DataType::Null),
        _ => None,
    }
}

fn map_kv(t: &DataType) -> Option<(DataType, DataType)> {
    match t {
        DataType::Map(entries, _) => Some(super::functions::map_types(entries.data_type())),
        _ => None,
    }
}

impl Resolver<'_> {
    /// Resolves a lambda whose variables have `var_types` (it may take
    /// fewer variables than offered, down to `min`).
    fn lambda(&self, l: &Expr, var_types: &[DataType], min: usize) -> Result<PLambda> {
        let Expr::Lambda { params, body } = l else {
            return Err(EngineError::analysis(
                "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                format!("Cannot resolve \"{}\": a lambda function (x -> ...) is expected here.", l.pretty()),
                "42K09;",
            ));
        };
        if params.len() < min || params.len() > var_types.len() {
            return Err(arity_error(var_types.len(), params.len()));
        }
        let first_slot = self.scope.borrow().len();
        for (p, t) in params.iter().zip(var_types) {
            self.scope.borrow_mut().push((p.clone(), t.clone()));
        }
        let r = self.expr(body);
        self.scope.borrow_mut().truncate(first_slot);
        Ok(PLambda { first_slot, arity: params.len(), body: Box::new(r?) })
    }
}

fn predicate(mut l: PLambda, whole: &Expr) -> Result<PLambda> {
    match l.body.ty {
        DataType::Boolean => Ok(l),
        DataType::Null => {
            l.body = Box::new((*l.body).cast(DataType::Boolean));
            Ok(l)
        }
        ref other => Err(EngineError::analysis(
            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
            format!(
                "Cannot resolve \"{}\" due to data type mismatch: The second parameter requires the \"BOOLEAN\" type, however \"{}\" has the type \"{}\".",
                whole.pretty(),
                "lambdafunction",
                types::sql_name(other)
            ),
            "42K09;",
        )),
    }
}

/// Resolves a higher-order call.
pub(super) fn resolve_higher_order(r: &Resolver, name: &str, args: &[Expr], whole: &Expr) -> Result<PExpr> {
    use HigherOrderFn as H;
    let func = func_of(name).ok_or_else(|| EngineError::unsupported(format!("the function `{name}`")))?;
    let (want_values, want_lambdas) = match func {
        H::Aggregate => (2, 2),
        H::ZipWith => (2, 1),
        _ => (1, 1),
    };
    if args.len() != want_values + want_lambdas {
        return Err(EngineError::analysis(
            "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
            format!(
                "The `{name}` requires {} parameters but the actual number is {}. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix.",
                want_values + want_lambdas,
                args.len()
            ),
            "42605",
        ));
    }
    let values: Vec<PExpr> = args[..want_values].iter().map(|a| r.expr(a)).collect::<Result<_>>()?;
    let lam = &args[want_values..];
    let array_elem = |i: usize| -> Result<DataType> {
        element(&values[i].ty).ok_or_else(|| {
            mismatch(whole, if i == 0 { "first" } else { "second" }, "\"ARRAY\"", &args[i], &values[i].ty)
        })
    };
    let (lambdas, ty) = match func {
        H::Transform => {
            let el = array_elem(0)?;
            let l = r.lambda(&lam[0], &[el, DataType::Int32], 1)?;
            let ty = types::array_of(l.body.ty.clone());
            (vec![l], ty)
        }
        H::Filter => {
            let el = array_elem(0)?;
            let l = predicate(r.lambda(&lam[0], &[el, DataType::Int32], 1)?, whole)?;
            let ty = if values[0].ty == DataType::Null { types::array_of(DataType::Null) } else { values[0].ty.clone() };
            (vec![l], ty)
        }
        H::Exists | H::Forall => {
            let el = array_elem(0)?;
            let l = predicate(r.lambda(&lam[0], &[el], 1)?, whole)?;
            (vec![l], DataType::Boolean)
        }
        H::Aggregate => {
            let el = array_elem(0)?;
            let acc = values[1].ty.clone();
            let merge = r.lambda(&lam[0], &[acc.clone(), el], 2)?;
            if merge.body.ty != acc && merge.body.ty != DataType::Null {
                return Err(EngineError::analysis(
                    "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                    format!(
                        "Cannot resolve \"{}\" due to data type mismatch: The third parameter requires the \"{}\" type, however \"{}\" has the type \"{}\".",
                        whole.pretty(),
                        types::sql_name(&acc),
                        lam[0].pretty(),
                        types::sql_name(&merge.body.ty)
                    ),
                    "42K09;",
                ));
            }
            let mut merge = merge;
            if merge.body.ty == DataType::Null {
                merge.body = Box::new((*merge.body).cast(acc.clone()));
            }
            let finish = r.lambda(&lam[1], &[acc], 1)?;
            let ty = finish.body.ty.clone();
            (vec![merge, finish], ty)
        }
        H::ZipWith => {
            let a = array_elem(0)?;
            let b = array_elem(1)?;
            let l = r.lambda(&lam[0], &[a, b], 2)?;
            let ty = types::array_of(l.body.ty.clone());
            (vec![l], ty)
        }
        H::MapFilter | H::TransformKeys | H::TransformValues => {
            let (k, v) = map_kv(&values[0].ty)
                .ok_or_else(|| mismatch(whole, "first", "\"MAP\"", &args[0], &values[0].ty))?;
            let l = r.lambda(&lam[0], &[k.clone(), v.clone()], 2)?;
            match func {
                H::MapFilter => {
                    let l = predicate(l, whole)?;
                    (vec![l], values[0].ty.clone())
                }
                H::TransformKeys => {
                    let ty = types::map_of(l.body.ty.clone(), v);
                    (vec![l], ty)
                }
                _ => {
                    let ty = types::map_of(k, l.body.ty.clone());
                    (vec![l], ty)
                }
            }
        }
    };
    Ok(PExpr::new(PKind::HigherOrder { func, args: values, lambdas }, ty))
}
