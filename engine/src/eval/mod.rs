//! Evaluates resolved expressions over Arrow batches, column at a time,
//! with Spark 4's ANSI semantics (overflow, bad casts and bad indexes stop
//! the query with Spark's error class).

pub mod arith;
pub mod cast;
pub mod lambda;
pub mod maps;
pub mod scalar;
pub mod subexpr;

use std::sync::Arc;

use arrow::array::*;
use arrow::compute::kernels::{boolean, cmp, zip::zip};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;

use crate::error::Result;
use crate::plan::expr::{BinaryOp, Lit, PExpr, PKind};
use crate::plan::functions::ScalarFn;
use crate::zone::SessionZone;

/// What evaluation needs besides the batch: the session zone and the
/// batch's "now" (for `current_timestamp()`), both from the host.
#[derive(Clone, Debug, Default)]
pub struct EvalCtx {
    pub zone: SessionZone,
    pub now_micros: i64,
    /// Values of the lambda variables in scope, by slot (see `lambda`).
    pub lambda: Vec<ArrayRef>,
}

/// Evaluates `e` over every row of `batch`.
pub fn eval(e: &PExpr, batch: &RecordBatch, ctx: &EvalCtx) -> Result<ArrayRef> {
    let n = batch.num_rows();
    Ok(match &e.kind {
        PKind::Column(i) => batch.column(*i).clone(),
        PKind::Literal(l) => literal_array(l, &e.ty, n, ctx)?,
        PKind::Not(x) => {
            let v = eval(x, batch, ctx)?;
            Arc::new(boolean::not(as_bool(&v)?)?)
        }
        PKind::Negate(x) => arith::negate(&eval(x, batch, ctx)?)?,
        PKind::IsNull(x) => Arc::new(arrow::compute::is_null(&eval(x, batch, ctx)?)?),
        PKind::IsNotNull(x) => Arc::new(arrow::compute::is_not_null(&eval(x, batch, ctx)?)?),
        PKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), l, r) => {
            // Spark evaluates the right side only where the left does not
            // decide (so `x != 0 AND 10 / x > 1` never divides by zero).
            let lv = eval(l, batch, ctx)?;
            let left = as_bool(&lv)?;
            let decided = if *op == BinaryOp::And { boolean::not(left)? } else { left.clone() };
            let undecided = boolean::not(&definite(&decided))?;
            let rv = eval_where(r, batch, ctx, &undecided)?;
            binary(*op, &lv, &rv, &e.ty)?
        }
        PKind::Binary(op, l, r) => {
            let lv = eval(l, batch, ctx)?;
            let rv = eval(r, batch, ctx)?;
            binary(*op, &lv, &rv, &e.ty)?
        }
        PKind::Cast { expr, try_ } => {
            let v = eval(expr, batch, ctx)?;
            cast::cast(&v, &e.ty, *try_, ctx)?
        }
        PKind::Case { branches, otherwise } => {
            // Each condition and value is evaluated only on the rows that reach
            // it, as Spark does: a branch guarded by its condition never fails.
            let mut remaining = BooleanArray::from(vec![true; n]);
            let mut result: Option<ArrayRef> = None;
            for (c, v) in branches {
                let cond = definite(as_bool(&eval_where(c, batch, ctx, &remaining)?)?);
                let chosen = boolean::and(&remaining, &cond)?;
                let value = eval_where(v, batch, ctx, &chosen)?;
                result = Some(match result {
                    None => value,
                    Some(prev) => zip(&chosen, &value, &prev)?,
                });
                remaining = boolean::and(&remaining, &boolean::not(&cond)?)?;
            }
            let rest = match otherwise {
                Some(o) => eval_where(o, batch, ctx, &remaining)?,
                None => match &result {
                    Some(r) => new_null_array(r.data_type(), n),
                    None => new_null_array(&e.ty, n),
                },
            };
            match result {
                None => rest,
                Some(r) => zip(&remaining, &rest, &r)?,
            }
        }
        PKind::In { expr, list } => {
            let v = eval(expr, batch, ctx)?;
            let mut acc: Option<BooleanArray> = None;
            for item in list {
                let iv = eval(item, batch, ctx)?;
                let eq = cmp::eq(&v, &iv)?;
                acc = Some(match acc {
                    None => eq,
                    Some(a) => boolean::or_kleene(&a, &eq)?,
                });
            }
            Arc::new(acc.unwrap_or_else(|| BooleanArray::from(vec![false; n])))
        }
        PKind::Like { expr, pattern, kind, negated } => {
            let v = eval(expr, batch, ctx)?;
            let p = eval(pattern, batch, ctx)?;
            let out = scalar::like(&v, &p, *kind)?;
            if *negated {
                Arc::new(boolean::not(&out)?)
            } else {
                Arc::new(out)
            }
        }
        PKind::Scalar { func: ScalarFn::Coalesce, args } if !args.is_empty() => {
            // Later arguments only where everything before them is NULL.
            let mut result = eval(&args[0], batch, ctx)?;
            for next in &args[1..] {
                let missing = arrow::compute::is_null(&result)?;
                let v = eval_where(next, batch, ctx, &missing)?;
                result = zip(&missing, &v, &result)?;
            }
            result
        }
        PKind::Scalar { func: ScalarFn::If, args } if args.len() == 3 => {
            let cond = definite(as_bool(&eval(&args[0], batch, ctx)?)?);
            let otherwise = boolean::not(&cond)?;
            let yes = eval_where(&args[1], batch, ctx, &cond)?;
            let no = eval_where(&args[2], batch, ctx, &otherwise)?;
            zip(&cond, &yes, &no)?
        }
        PKind::Scalar { func, args } => {
            let vals: Vec<ArrayRef> = args.iter().map(|a| eval(a, batch, ctx)).collect::<Result<_>>()?;
            scalar::call(*func, &vals, args, &e.ty, n, ctx)?
        }
        PKind::LambdaVar(slot) => {
            let v = lambda::lambda_var(*slot, ctx)?;
            if v.len() != n {
                return Err(crate::error::EngineError::execution(
                    "INTERNAL_ERROR",
                    format!("lambda variable {slot} has {} values for {n} rows", v.len()),
                    "XX000",
                ));
            }
            v
        }
        PKind::HigherOrder { func, args, lambdas } => lambda::eval_higher_order(*func, args, lambdas, &e.ty, batch, ctx)?,
        PKind::Udf { udf, args } => {
            let vals: Vec<ArrayRef> = args.iter().map(|a| eval(a, batch, ctx)).collect::<Result<_>>()?;
            let out = udf.0.call(&vals, n)?;
            if out.data_type() != &e.ty || out.len() != n {
                return Err(crate::error::EngineError::execution(
                    "INTERNAL_ERROR",
                    format!("the UDF {} gave {} rows of {} for {n} rows of {}", udf.0.name(), out.len(), out.data_type(), e.ty),
                    "XX000",
                ));
            }
            out
        }
        PKind::GetField(x, i) => {
            let v = eval(x, batch, ctx)?;
            match v.as_any().downcast_ref::<StructArray>() {
                Some(s) => {
                    let field = s.column(*i).clone();
                    // A null struct has null fields.
                    match s.nulls() {
                        Some(nulls) if nulls.null_count() > 0 => {
                            let mask = BooleanArray::new(nulls.inner().clone(), None);
                            zip(&mask, &field, &new_null_array(field.data_type(), field.len()))?
                        }
                        _ => field,
                    }
                }
                None => new_null_array(&e.ty, n),
            }
        }
    })
}

/// Evaluates `e` only on the rows where `mask` is true (NULL elsewhere), so
/// that errors on rows a condition excludes never surface. The whole batch
/// goes through when every row is wanted.
pub fn eval_where(e: &PExpr, batch: &RecordBatch, ctx: &EvalCtx, mask: &BooleanArray) -> Result<ArrayRef> {
    let n = batch.num_rows();
    let wanted = mask.true_count();
    if wanted == n {
        return eval(e, batch, ctx);
    }
    if matches!(e.kind, PKind::Column(_) | PKind::Literal(_) | PKind::LambdaVar(_)) {
        return eval(e, batch, ctx);
    }
    let subset = arrow::compute::filter_record_batch(batch, mask)?;
    // Lambda variables are columns of the batch too: they take the same rows.
    let values = if ctx.lambda.is_empty() {
        eval(e, &subset, ctx)?
    } else {
        let lambda = ctx.lambda.iter().map(|a| arrow::compute::filter(a, mask)).collect::<std::result::Result<Vec<_>, _>>()?;
        eval(e, &subset, &EvalCtx { lambda, ..ctx.clone() })?
    };
    // Scatter back: row i takes the next computed value when it was wanted.
    let mut next = 0u32;
    let indices: UInt32Array = (0..n)
        .map(|i| {
            (mask.is_valid(i) && mask.value(i)).then(|| {
                next += 1;
                next - 1
            })
        })
        .collect();
    Ok(arrow::compute::take(&values, &indices, None)?)
}

/// Evaluates a predicate to a filter mask where NULL counts as false.
pub fn eval_predicate(e: &PExpr, batch: &RecordBatch, ctx: &EvalCtx) -> Result<BooleanArray> {
    let v = eval(e, batch, ctx)?;
    Ok(definite(as_bool(&v)?))
}

/// NULL becomes false.
pub fn definite(b: &BooleanArray) -> BooleanArray {
    match b.nulls() {
        Some(n) if n.null_count() > 0 => {
            let values = b.values() & n.inner();
            BooleanArray::new(values, None)
        }
        _ => b.clone(),
    }
}

pub fn as_bool(a: &ArrayRef) -> Result<&BooleanArray> {
    a.as_any().downcast_ref::<BooleanArray>().ok_or_else(|| {
        crate::error::EngineError::execution("INTERNAL_ERROR", format!("expected a boolean column, got {}", a.data_type()), "XX000")
    })
}

fn binary(op: BinaryOp, l: &ArrayRef, r: &ArrayRef, ty: &DataType) -> Result<ArrayRef> {
    use BinaryOp::*;
    Ok(match op {
        And => Arc::new(boolean::and_kleene(as_bool(l)?, as_bool(r)?)?),
        Or => Arc::new(boolean::or_kleene(as_bool(l)?, as_bool(r)?)?),
        Eq => Arc::new(cmp::eq(l, r)?),
        NotEq => Arc::new(cmp::neq(l, r)?),
        Lt => Arc::new(cmp::lt(l, r)?),
        LtEq => Arc::new(cmp::lt_eq(l, r)?),
        Gt => Arc::new(cmp::gt(l, r)?),
        GtEq => Arc::new(cmp::gt_eq(l, r)?),
        EqNullSafe => Arc::new(cmp::not_distinct(l, r)?),
        BitAnd | BitOr | BitXor => bitwise(op, l, r)?,
        _ => arith::arith(op, l, r, ty)?,
    })
}

/// `&`, `|` and `^` on integral columns of one type.
fn bitwise(op: BinaryOp, l: &ArrayRef, r: &ArrayRef) -> Result<ArrayRef> {
    use arrow::compute::kernels::bitwise::{bitwise_and, bitwise_or, bitwise_xor};
    use arrow::datatypes::{Int16Type, Int32Type, Int64Type, Int8Type};
    macro_rules! apply {
        ($t:ty) => {{
            let (a, b) = (l.as_primitive::<$t>(), r.as_primitive::<$t>());
            let out = match op {
                BinaryOp::BitAnd => bitwise_and(a, b)?,
                BinaryOp::BitOr => bitwise_or(a, b)?,
                _ => bitwise_xor(a, b)?,
            };
            Arc::new(out) as ArrayRef
        }};
    }
    Ok(match (l.data_type(), r.data_type()) {
        (DataType::Int8, DataType::Int8) => apply!(Int8Type),
        (DataType::Int16, DataType::Int16) => apply!(Int16Type),
        (DataType::Int32, DataType::Int32) => apply!(Int32Type),
        (DataType::Int64, DataType::Int64) => apply!(Int64Type),
        (a, b) => {
            return Err(crate::error::EngineError::execution(
                "INTERNAL_ERROR",
                format!("bitwise {op:?} of {a} and {b}"),
                "XX000",
            ))
        }
    })
}

/// A literal repeated `n` times.
pub fn literal_array(l: &Lit, ty: &DataType, n: usize, ctx: &EvalCtx) -> Result<ArrayRef> {
    let base: ArrayRef = match l {
        Lit::Null => return Ok(new_null_array(ty, n)),
        Lit::Bool(b) => Arc::new(BooleanArray::from(vec![*b; n])),
        Lit::Int(v) => Arc::new(Int32Array::from_value(*v, n)),
        Lit::Long(v) => Arc::new(Int64Array::from_value(*v, n)),
        Lit::Double(v) => Arc::new(Float64Array::from_value(*v, n)),
        Lit::Str(s) => Arc::new(StringArray::from_iter_values(std::iter::repeat(s.as_str()).take(n))),
        Lit::Decimal(v, p, s) => Arc::new(Decimal128Array::from_value(*v, n).with_precision_and_scale(*p, *s)?),
        Lit::Date(d) => Arc::new(Date32Array::from_value(*d, n)),
        Lit::Timestamp(t) => Arc::new(TimestampMicrosecondArray::from_value(*t, n).with_timezone("UTC")),
        Lit::Interval(m, _) => Arc::new(DurationMicrosecondArray::from_value(*m, n)),
    };
    if base.data_type() == ty {
        Ok(base)
    } else {
        cast::cast(&base, ty, false, ctx)
    }
}
