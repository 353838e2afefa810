//! Arithmetic with Spark's ANSI rules: integer overflow and division by zero
//! fail the query; decimals keep Spark's result precision and scale.

use std::sync::Arc;

use arrow::array::*;
use arrow::compute::kernels::numeric;
use arrow::datatypes::DataType;
use arrow::error::ArrowError;

use crate::error::{EngineError, Result};
use crate::plan::expr::BinaryOp;

pub fn overflow(kind: &str, hint: &str) -> EngineError {
    EngineError::execution(
        "ARITHMETIC_OVERFLOW",
        format!("{kind} overflow. Use '{hint}' to tolerate overflow and return NULL instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error."),
        "22003",
    )
}

pub fn divide_by_zero() -> EngineError {
    EngineError::execution(
        "DIVIDE_BY_ZERO",
        "Division by zero. Use `try_divide` to tolerate divisor being 0 and return NULL instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error.",
        "22012",
    )
}

fn map_err(e: ArrowError, op: BinaryOp, ty: &DataType) -> EngineError {
    match e {
        ArrowError::DivideByZero => divide_by_zero(),
        ArrowError::ArithmeticOverflow(_) | ArrowError::ComputeError(_) => {
            let kind = if matches!(ty, DataType::Int64) { "long" } else { "integer" };
            let hint = match op {
                BinaryOp::Add => "try_add",
                BinaryOp::Sub => "try_subtract",
                BinaryOp::Mul => "try_multiply",
                _ => "try_divide",
            };
            overflow(kind, hint)
        }
        other => other.into(),
    }
}

fn has_zero(a: &ArrayRef) -> bool {
    macro_rules! zero {
        ($t:ty) => {
            a.as_any().downcast_ref::<$t>().is_some_and(|x| x.iter().any(|v| v == Some(Default::default())))
        };
    }
    zero!(Int32Array) || zero!(Int64Array) || zero!(Int16Array) || zero!(Int8Array) || zero!(Float64Array)
        || zero!(Float32Array) || zero!(Decimal128Array)
}

pub fn arith(op: BinaryOp, l: &ArrayRef, r: &ArrayRef, ty: &DataType) -> Result<ArrayRef> {
    if let DataType::Decimal128(p, s) = ty {
        return decimal(op, l, r, *p, *s);
    }
    if matches!(op, BinaryOp::Div | BinaryOp::IntDiv | BinaryOp::Mod) && has_zero(r) {
        // Rows where the dividend is NULL still yield NULL in Spark; a zero
        // divisor beside a non-null dividend fails.
        let bad = (0..r.len()).any(|i| l.is_valid(i) && r.is_valid(i) && is_zero_at(r, i));
        if bad {
            return Err(divide_by_zero());
        }
    }
    if let DataType::Timestamp(..) = ty {
        // timestamp +/- day-time interval: both are micros.
        let ts = l.as_any().downcast_ref::<TimestampMicrosecondArray>();
        let d = r.as_any().downcast_ref::<DurationMicrosecondArray>();
        if let (Some(ts), Some(d)) = (ts, d) {
            let out: TimestampMicrosecondArray = ts
                .iter()
                .zip(d.iter())
                .map(|(a, b)| match (a, b) {
                    (Some(a), Some(b)) => Some(if op == BinaryOp::Sub { a - b } else { a + b }),
                    _ => None,
                })
                .collect();
            return Ok(Arc::new(out.with_timezone_opt(ts.timezone())));
        }
    }
    let out = match op {
        BinaryOp::Add => numeric::add(l, r),
        BinaryOp::Sub => numeric::sub(l, r),
        BinaryOp::Mul => numeric::mul(l, r),
        BinaryOp::Div => numeric::div(l, r),
        BinaryOp::IntDiv => {
            let q = numeric::div(l, r).map_err(|e| map_err(e, op, ty))?;
            return Ok(arrow::compute::cast(&q, &DataType::Int64)?);
        }
        BinaryOp::Mod => numeric::rem(l, r),
        _ => return Err(EngineError::execution("INTERNAL_ERROR", format!("{op:?} is not arithmetic"), "XX000")),
    };
    let out = out.map_err(|e| map_err(e, op, ty))?;
    if out.data_type() != ty {
        return Ok(arrow::compute::cast(&out, ty)?);
    }
    Ok(out)
}

fn is_zero_at(a: &ArrayRef, i: usize) -> bool {
    use arrow::datatypes::*;
    match a.data_type() {
        DataType::Int8 => a.as_primitive::<Int8Type>().value(i) == 0,
        DataType::Int16 => a.as_primitive::<Int16Type>().value(i) == 0,
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i) == 0,
        DataType::Int64 => a.as_primitive::<Int64Type>().value(i) == 0,
        DataType::Float32 => a.as_primitive::<Float32Type>().value(i) == 0.0,
        DataType::Float64 => a.as_primitive::<Float64Type>().value(i) == 0.0,
        DataType::Decimal128(..) => a.as_primitive::<Decimal128Type>().value(i) == 0,
        _ => false,
    }
}

pub fn negate(a: &ArrayRef) -> Result<ArrayRef> {
    numeric::neg(a).map_err(|_| overflow("integer", "try_subtract"))
}

fn pow10(n: i32) -> i128 {
    10i128.pow(n.clamp(0, 38) as u32)
}

/// Rescales an unscaled decimal from scale `from` to `to`, rounding half up.
pub fn rescale(v: i128, from: i8, to: i8) -> Option<i128> {
    if to >= from {
        v.checked_mul(pow10((to - from) as i32))
    } else {
        let d = pow10((from - to) as i32);
        let q = v / d;
        let r = v % d;
        Some(if r.abs() * 2 >= d { q + v.signum() } else { q })
    }
}

fn out_of_range(v: i128, s: i8, p: u8) -> EngineError {
    EngineError::execution(
        "NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION",
        format!(
            " {} cannot be represented as Decimal({p}, {s}). If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error, and return NULL instead.",
            crate::plan::expr::decimal_text(v, s)
        ),
        "22003",
    )
}

fn decimal(op: BinaryOp, l: &ArrayRef, r: &ArrayRef, p: u8, s: i8) -> Result<ArrayRef> {
    let l = arrow::compute::cast(l, &DataType::Decimal128(38, decimal_scale(l)))?;
    let r = arrow::compute::cast(r, &DataType::Decimal128(38, decimal_scale(r)))?;
    let (ls, rs) = (decimal_scale(&l), decimal_scale(&r));
    let la = l.as_primitive::<arrow::datatypes::Decimal128Type>();
    let ra = r.as_primitive::<arrow::datatypes::Decimal128Type>();
    let limit = pow10(p as i32);
    let mut out = Vec::with_capacity(la.len());
    for i in 0..la.len() {
        if la.is_null(i) || ra.is_null(i) {
            out.push(None);
            continue;
        }
        let (a, b) = (la.value(i), ra.value(i));
        let v = match op {
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mod => {
                let a2 = rescale(a, ls, s).ok_or_else(|| out_of_range(a, ls, p))?;
                let b2 = rescale(b, rs, s).ok_or_else(|| out_of_range(b, rs, p))?;
                match op {
                    BinaryOp::Add => a2.checked_add(b2),
                    BinaryOp::Sub => a2.checked_sub(b2),
                    _ => {
                        if b2 == 0 {
                            return Err(divide_by_zero());
                        }
                        Some(a2 % b2)
                    }
                }
            }
            BinaryOp::Mul => a.checked_mul(b).and_then(|m| rescale(m, ls + rs, s)),
            BinaryOp::Div => {
                if b == 0 {
                    return Err(divide_by_zero());
                }
                // a/10^ls / (b/10^rs) * 10^s = a * 10^(s - ls + rs) / b
                let shift = s as i32 - ls as i32 + rs as i32;
                let num = if shift >= 0 { a.checked_mul(pow10(shift + 1)) } else { Some(a / pow10(-shift - 1)) };
                num.map(|n| {
                    let q = n / b;
                    // one extra digit for rounding half up
                    let (q10, rem) = (q / 10, q % 10);
                    if rem.abs() >= 5 { q10 + q.signum() } else { q10 }
                })
            }
            BinaryOp::IntDiv => {
                if b == 0 {
                    return Err(divide_by_zero());
                }
                let a2 = rescale(a, ls, ls.max(rs));
                let b2 = rescale(b, rs, ls.max(rs));
                match (a2, b2) {
                    (Some(x), Some(y)) => Some(x / y),
                    _ => None,
                }
            }
            _ => None,
        };
        match v {
            Some(v) if v.abs() < limit || op == BinaryOp::IntDiv => out.push(Some(v)),
            Some(v) => return Err(out_of_range(v, s, p)),
            None => return Err(overflow("decimal", "try_add")),
        }
    }
    if op == BinaryOp::IntDiv {
        let a: Int64Array = out.into_iter().map(|v| v.map(|x| x as i64)).collect();
        return Ok(Arc::new(a));
    }
    Ok(Arc::new(Decimal128Array::from(out).with_precision_and_scale(p, s)?))
}

fn decimal_scale(a: &ArrayRef) -> i8 {
    match a.data_type() {
        DataType::Decimal128(_, s) => *s,
        _ => 0,
    }
}
