//! Mathematical functions: trigonometry, logarithms, rounding, number bases,
//! bits, the `try_` arithmetic and the small NULL/NaN helpers.
//!
//! Java's `StrictMath` (fdlibm) is what Spark calls for the logarithms,
//! `expm1` and `cbrt`; the `libm` crate is the same fdlibm code, so those
//! agree to the last bit, natively and in WebAssembly alike.

use crate::plan::functions::need;
use std::sync::Arc;

use arrow::array::*;
use arrow::datatypes::*;

use super::PyArg;
use crate::error::{EngineError, Result};
use crate::eval::EvalCtx;
use crate::plan::expr::{BinaryOp, Lit, PExpr, PKind};
use crate::types;

/// `double -> double` functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Un {
    Ln,
    Log2,
    Log1p,
    Cbrt,
    Expm1,
    Acos,
    Asin,
    Atan,
    Acosh,
    Asinh,
    Atanh,
    Cos,
    Cosh,
    Sin,
    Sinh,
    Tan,
    Tanh,
    Cot,
    Sec,
    Csc,
    Degrees,
    Radians,
    Rint,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shift {
    Left,
    Right,
    RightUnsigned,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathFn {
    Unary(Un),
    /// `log(base, x)`
    Log,
    Atan2,
    Hypot,
    Factorial,
    Bin,
    Hex,
    Unhex,
    Conv,
    BitCount,
    BitNot,
    Shift(Shift),
    /// `try_add` and friends: the operator, NULL where it would fail.
    Try(BinaryOp),
    WidthBucket,
    NaNvl,
}

const UNARY: &[(&str, Un)] = &[
    ("log2", Un::Log2),
    ("log1p", Un::Log1p),
    ("cbrt", Un::Cbrt),
    ("expm1", Un::Expm1),
    ("acos", Un::Acos),
    ("asin", Un::Asin),
    ("atan", Un::Atan),
    ("acosh", Un::Acosh),
    ("asinh", Un::Asinh),
    ("atanh", Un::Atanh),
    ("cos", Un::Cos),
    ("cosh", Un::Cosh),
    ("sin", Un::Sin),
    ("sinh", Un::Sinh),
    ("tan", Un::Tan),
    ("tanh", Un::Tanh),
    ("cot", Un::Cot),
    ("sec", Un::Sec),
    ("csc", Un::Csc),
    ("degrees", Un::Degrees),
    ("radians", Un::Radians),
    ("rint", Un::Rint),
];

const OTHERS: &[&str] = &[
    "log", "atan2", "hypot", "pi", "e", "sign", "factorial", "bin", "hex", "unhex", "conv", "bit_count",
    "bitwise_not", "shiftleft", "shiftright", "shiftrightunsigned", "negate", "positive", "try_add",
    "try_subtract", "try_multiply", "try_divide", "try_mod", "width_bucket", "nanvl", "nvl2", "nullifzero",
    "zeroifnull", "equal_null", "typeof",
];

fn unary_of(name: &str) -> Option<Un> {
    UNARY.iter().find(|(n, _)| *n == name).map(|(_, u)| *u)
}

pub fn knows(name: &str) -> bool {
    unary_of(name).is_some() || OTHERS.contains(&name)
}

pub fn python_signature(name: &str) -> Option<&'static [(&'static str, PyArg)]> {
    let _ = name;
    None
}

pub fn pretty(name: &str, args: &[String]) -> Option<String> {
    let list = args.join(", ");
    Some(match name {
        "rint" => format!("rint({list})"),
        _ if unary_of(name).is_some() => format!("{}({list})", name.to_uppercase()),
        "atan2" | "hypot" => format!("{}({list})", name.to_uppercase()),
        // The one-argument SQL form is log(e(), x).
        "log" if args.len() == 1 => format!("LOG(E(), {list})"),
        "log" => format!("LOG({list})"),
        "pi" | "e" => format!("{}()", name.to_uppercase()),
        "positive" => format!("(+ {list})"),
        "bitwise_not" => format!("~{list}"),
        "negate" => format!("negative({list})"),
        _ => return None,
    })
}



/// The arguments as shown in a call's generated name `f(a, b)`.
pub(crate) fn shown_args(pretty: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (pretty.find('('), pretty.rfind(')')) else { return vec![] };
    if close <= open {
        return vec![];
    }
    let inner = &pretty[open + 1..close];
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in inner.chars() {
        match c {
            '(' | '[' | '<' => depth += 1,
            ')' | ']' | '>' => depth -= 1,
            ',' if depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur.trim().to_string());
    out
}

fn ordinal(i: usize) -> &'static str {
    ["first", "second", "third", "fourth", "fifth", "sixth"].get(i).copied().unwrap_or("next")
}

/// Spark's `DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE` for argument `i`.
pub(crate) fn unexpected_type(pretty: &str, i: usize, want: &str, got: &DataType) -> EngineError {
    let shown = shown_args(pretty);
    let arg = shown.get(i).cloned().unwrap_or_default();
    EngineError::analysis(
        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
        format!(
            "Cannot resolve \"{pretty}\" due to data type mismatch: The {} parameter requires the {want} type, however \"{arg}\" has the type \"{}\".",
            ordinal(i),
            types::sql_name(got)
        ),
        "42K09",
    )
}

/// Whether Spark casts `t` to a number implicitly.
fn numeric_like(t: &DataType) -> bool {
    types::is_numeric(t) || matches!(t, DataType::Utf8 | DataType::Null)
}

fn to_double(pretty: &str, i: usize, e: PExpr) -> Result<PExpr> {
    if !numeric_like(&e.ty) {
        return Err(unexpected_type(pretty, i, "\"DOUBLE\"", &e.ty));
    }
    Ok(e.cast(DataType::Float64))
}

fn to_int(pretty: &str, i: usize, e: PExpr) -> Result<PExpr> {
    if !numeric_like(&e.ty) {
        return Err(unexpected_type(pretty, i, "\"INT\"", &e.ty));
    }
    Ok(e.cast(DataType::Int32))
}

fn to_long(pretty: &str, i: usize, e: PExpr) -> Result<PExpr> {
    if !numeric_like(&e.ty) {
        return Err(unexpected_type(pretty, i, "\"BIGINT\"", &e.ty));
    }
    Ok(e.cast(DataType::Int64))
}

fn lib(f: MathFn, args: Vec<PExpr>, ty: DataType) -> PExpr {
    super::call(super::LibFn::Math(f), args, ty)
}

fn scalar(func: crate::plan::functions::ScalarFn, args: Vec<PExpr>, ty: DataType) -> PExpr {
    PExpr::new(PKind::Scalar { func, args }, ty)
}

fn common(name: &str, pretty: &str, args: &[PExpr]) -> Result<DataType> {
    crate::plan::resolve::common_type_of(args.iter().map(|a| &a.ty)).ok_or_else(|| {
        EngineError::analysis(
            "DATATYPE_MISMATCH.DATA_DIFF_TYPES",
            format!(
                "Cannot resolve \"{pretty}\" due to data type mismatch: Input to `{name}` should all be the same type, but it's [{}].",
                args.iter().map(|a| format!("\"{}\"", types::sql_name(&a.ty))).collect::<Vec<_>>().join(", ")
            ),
            "42K09",
        )
    })
}

pub fn resolve(name: &str, mut args: Vec<PExpr>, pretty: &str) -> Result<PExpr> {
    use crate::plan::functions::ScalarFn as F;
    if let Some(u) = unary_of(name) {
        need(name, &args, 1, 1)?;
        let x = to_double(pretty, 0, args.remove(0))?;
        return Ok(lib(MathFn::Unary(u), vec![x], DataType::Float64));
    }
    let f64t = DataType::Float64;
    Ok(match name {
        "log" => {
            need(name, &args, 1, 2)?;
            if args.len() == 1 {
                let x = to_double(pretty, 0, args.remove(0))?;
                return Ok(lib(MathFn::Unary(Un::Ln), vec![x], f64t));
            }
            let x = to_double(pretty, 1, args.remove(1))?;
            let b = to_double(pretty, 0, args.remove(0))?;
            lib(MathFn::Log, vec![b, x], f64t)
        }
        "atan2" | "hypot" => {
            need(name, &args, 2, 2)?;
            let y = to_double(pretty, 1, args.remove(1))?;
            let x = to_double(pretty, 0, args.remove(0))?;
            lib(if name == "atan2" { MathFn::Atan2 } else { MathFn::Hypot }, vec![x, y], f64t)
        }
        "pi" | "e" => {
            need(name, &args, 0, 0)?;
            PExpr::literal(Lit::Double(if name == "pi" { std::f64::consts::PI } else { std::f64::consts::E }))
        }
        "sign" => crate::plan::functions::resolve_scalar("signum", args, pretty)?,
        "negate" => crate::plan::functions::resolve_scalar("negative", args, pretty)?,
        "positive" => {
            need(name, &args, 1, 1)?;
            let x = args.remove(0);
            match &x.ty {
                t if types::is_numeric(t) || matches!(t, DataType::Duration(_) | DataType::Interval(_)) => x,
                DataType::Utf8 => x.cast(f64t),
                DataType::Null => x.cast(DataType::Float64),
                t => return Err(unexpected_type(pretty, 0, "(\"NUMERIC\" or \"INTERVAL DAY TO SECOND\" or \"INTERVAL YEAR TO MONTH\" or \"INTERVAL\")", t)),
            }
        }
        "factorial" => {
            need(name, &args, 1, 1)?;
            let x = to_int(pretty, 0, args.remove(0))?;
            lib(MathFn::Factorial, vec![x], DataType::Int64)
        }
        "bin" => {
            need(name, &args, 1, 1)?;
            let x = to_long(pretty, 0, args.remove(0))?;
            lib(MathFn::Bin, vec![x], DataType::Utf8)
        }
        "hex" => {
            need(name, &args, 1, 1)?;
            let x = args.remove(0);
            let x = match &x.ty {
                DataType::Utf8 | DataType::Binary => x,
                t if types::is_integral(t) || *t == DataType::Null => x.cast(DataType::Int64),
                t => {
                    return Err(unexpected_type(pretty, 0, "(\"BIGINT\" or \"BINARY\" or \"STRING\")", t));
                }
            };
            lib(MathFn::Hex, vec![x], DataType::Utf8)
        }
        "unhex" => {
            need(name, &args, 1, 1)?;
            let x = args.remove(0);
            if matches!(x.ty, DataType::Binary | DataType::Boolean) || matches!(x.ty, DataType::List(_) | DataType::Struct(_) | DataType::Map(..)) {
                return Err(unexpected_type(pretty, 0, "\"STRING\"", &x.ty));
            }
            lib(MathFn::Unhex, vec![x.cast(DataType::Utf8)], DataType::Binary)
        }
        "conv" => {
            need(name, &args, 3, 3)?;
            let to = to_int(pretty, 2, args.remove(2))?;
            let from = to_int(pretty, 1, args.remove(1))?;
            let x = args.remove(0);
            if matches!(x.ty, DataType::List(_) | DataType::Struct(_) | DataType::Map(..) | DataType::Binary) {
                return Err(unexpected_type(pretty, 0, "\"STRING\"", &x.ty));
            }
            lib(MathFn::Conv, vec![x.cast(DataType::Utf8), from, to], DataType::Utf8)
        }
        "bit_count" => {
            need(name, &args, 1, 1)?;
            let x = args.remove(0);
            if !(types::is_integral(&x.ty) || matches!(x.ty, DataType::Boolean | DataType::Null)) {
                return Err(unexpected_type(pretty, 0, "(\"INTEGRAL\" or \"BOOLEAN\")", &x.ty));
            }
            lib(MathFn::BitCount, vec![x], DataType::Int32)
        }
        "bitwise_not" => {
            need(name, &args, 1, 1)?;
            let x = args.remove(0);
            let x = match &x.ty {
                t if types::is_integral(t) => x,
                DataType::Null => x.cast(DataType::Int32),
                t => return Err(unexpected_type(pretty, 0, "\"INTEGRAL\"", t)),
            };
            let ty = x.ty.clone();
            lib(MathFn::BitNot, vec![x], ty)
        }
        "shiftleft" | "shiftright" | "shiftrightunsigned" => {
            need(name, &args, 2, 2)?;
            let by = args.remove(1);
            let x = args.remove(0);
            let x = match &x.ty {
                DataType::Int64 => x,
                DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Null | DataType::Utf8 => x.cast(DataType::Int32),
                t => return Err(unexpected_type(pretty, 0, "(\"INT\" or \"BIGINT\")", t)),
            };
            let by = match &by.ty {
                DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Null | DataType::Utf8 => by.cast(DataType::Int32),
                t => return Err(unexpected_type(pretty, 1, "\"INT\"", t)),
            };
            let s = match name {
                "shiftleft" => Shift::Left,
                "shiftright" => Shift::Right,
                _ => Shift::RightUnsigned,
            };
            let ty = x.ty.clone();
            lib(MathFn::Shift(s), vec![x, by], ty)
        }
        "try_add" | "try_subtract" | "try_multiply" | "try_divide" | "try_mod" => {
            need(name, &args, 2, 2)?;
            let op = match name {
                "try_add" => BinaryOp::Add,
                "try_subtract" => BinaryOp::Sub,
                "try_multiply" => BinaryOp::Mul,
                "try_divide" => BinaryOp::Div,
                _ => BinaryOp::Mod,
            };
            let r = args.remove(1);
            let l = args.remove(0);
            let mismatch = |l: &PExpr, r: &PExpr| {
                EngineError::analysis(
                    "DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES",
                    format!(
                        "Cannot resolve \"{pretty}\" due to data type mismatch: the left and right operands of the binary operator have incompatible types (\"{}\" and \"{}\").",
                        types::sql_name(&l.ty),
                        types::sql_name(&r.ty)
                    ),
                    "42K09",
                )
            };
            let e = crate::plan::resolve::arithmetic(op, l, r, mismatch)?;
            match e.kind {
                PKind::Binary(op, l, r) => lib(MathFn::Try(op), vec![*l, *r], e.ty),
                _ => e,
            }
        }
        "width_bucket" => {
            need(name, &args, 4, 4)?;
            let nb = to_long(pretty, 3, args.remove(3))?;
            let hi = to_double(pretty, 2, args.remove(2))?;
            let lo = to_double(pretty, 1, args.remove(1))?;
            let v = to_double(pretty, 0, args.remove(0))?;
            lib(MathFn::WidthBucket, vec![v, lo, hi, nb], DataType::Int64)
        }
        "nanvl" => {
            need(name, &args, 2, 2)?;
            let both_float = args.iter().all(|a| a.ty == DataType::Float32);
            let ty = if both_float { DataType::Float32 } else { f64t };
            let b = args.remove(1);
            let a = args.remove(0);
            if !numeric_like(&a.ty) {
                return Err(unexpected_type(pretty, 0, "(\"DOUBLE\" or \"FLOAT\")", &a.ty));
            }
            if !numeric_like(&b.ty) {
                return Err(unexpected_type(pretty, 1, "(\"DOUBLE\" or \"FLOAT\")", &b.ty));
            }
            lib(MathFn::NaNvl, vec![a.cast(ty.clone()), b.cast(ty.clone())], ty)
        }
        "nvl2" => {
            need(name, &args, 3, 3)?;
            let c = args.remove(2);
            let b = args.remove(1);
            let a = args.remove(0);
            let ty = common(name, pretty, &[b.clone(), c.clone()])?;
            let cond = PExpr::new(PKind::IsNotNull(Box::new(a)), DataType::Boolean);
            scalar(F::If, vec![cond, b.cast(ty.clone()), c.cast(ty.clone())], ty)
        }
        "nullifzero" => {
            need(name, &args, 1, 1)?;
            let x = args.remove(0);
            if !(types::is_numeric(&x.ty) || x.ty == DataType::Null) {
                return Err(unexpected_type(pretty, 0, "\"NUMERIC\"", &x.ty));
            }
            let ty = if x.ty == DataType::Null { DataType::Int32 } else { x.ty.clone() };
            let x = x.cast(ty.clone());
            let zero = PExpr::literal(Lit::Int(0)).cast(ty.clone());
            let is_zero = PExpr::new(PKind::Binary(BinaryOp::Eq, Box::new(x.clone()), Box::new(zero)), DataType::Boolean);
            scalar(F::If, vec![is_zero, PExpr::literal(Lit::Null).cast(ty.clone()), x], ty)
        }
        "zeroifnull" => {
            need(name, &args, 1, 1)?;
            let x = args.remove(0);
            if !(types::is_numeric(&x.ty) || x.ty == DataType::Null) {
                return Err(unexpected_type(pretty, 0, "\"NUMERIC\"", &x.ty));
            }
            let zero = PExpr::literal(Lit::Int(0));
            let ty = common(name, pretty, &[x.clone(), zero.clone()])?;
            scalar(F::Coalesce, vec![x.cast(ty.clone()), zero.cast(ty.clone())], ty)
        }
        "equal_null" => {
            need(name, &args, 2, 2)?;
            let ty = common(name, pretty, &args)?;
            let b = args.remove(1).cast(ty.clone());
            let a = args.remove(0).cast(ty);
            PExpr::new(PKind::Binary(BinaryOp::EqNullSafe, Box::new(a), Box::new(b)), DataType::Boolean)
        }
        "typeof" => {
            need(name, &args, 1, 1)?;
            PExpr::literal(Lit::Str(types::simple_name(&args[0].ty)))
        }
        _ => return Err(EngineError::unsupported(format!("the function `{name}`"))),
    })
}

fn internal(what: &str, a: &ArrayRef) -> EngineError {
    EngineError::execution("INTERNAL_ERROR", format!("expected {what}, got {}", a.data_type()), "XX000")
}

fn f64s(a: &ArrayRef) -> Result<&Float64Array> {
    a.as_any().downcast_ref::<Float64Array>().ok_or_else(|| internal("doubles", a))
}

fn i32s(a: &ArrayRef) -> Result<&Int32Array> {
    a.as_any().downcast_ref::<Int32Array>().ok_or_else(|| internal("ints", a))
}

fn i64s(a: &ArrayRef) -> Result<&Int64Array> {
    a.as_any().downcast_ref::<Int64Array>().ok_or_else(|| internal("longs", a))
}

fn strs(a: &ArrayRef) -> Result<&StringArray> {
    a.as_any().downcast_ref::<StringArray>().ok_or_else(|| internal("strings", a))
}

/// Java's `Math.toDegrees` / `Math.toRadians` factors.
const RADIANS_TO_DEGREES: f64 = 57.29577951308232;
const DEGREES_TO_RADIANS: f64 = 0.017453292519943295;

fn unary(u: Un, x: f64) -> Option<f64> {
    Some(match u {
        Un::Ln => {
            if x <= 0.0 {
                return None;
            }
            libm::log(x)
        }
        Un::Log2 => {
            if x <= 0.0 {
                return None;
            }
            libm::log(x) / libm::log(2.0)
        }
        Un::Log1p => {
            if x <= -1.0 {
                return None;
            }
            libm::log1p(x)
        }
        Un::Cbrt => libm::cbrt(x),
        Un::Expm1 => libm::expm1(x),
        Un::Acos => libm::acos(x),
        Un::Asin => libm::asin(x),
        Un::Atan => libm::atan(x),
        Un::Acosh => libm::log(x + (x * x - 1.0).sqrt()),
        Un::Asinh => {
            if x == f64::NEG_INFINITY {
                f64::NEG_INFINITY
            } else {
                libm::log(x + (x * x + 1.0).sqrt())
            }
        }
        Un::Atanh => 0.5 * (libm::log1p(x) - libm::log1p(-x)),
        Un::Cos => x.cos(),
        Un::Cosh => libm::cosh(x),
        Un::Sin => x.sin(),
        Un::Sinh => libm::sinh(x),
        Un::Tan => x.tan(),
        Un::Tanh => libm::tanh(x),
        Un::Cot => 1.0 / x.tan(),
        Un::Sec => 1.0 / x.cos(),
        Un::Csc => 1.0 / x.sin(),
        Un::Degrees => x * RADIANS_TO_DEGREES,
        Un::Radians => x * DEGREES_TO_RADIANS,
        Un::Rint => x.round_ties_even(),
    })
}

/// Java's `Long.toBinaryString`.
fn java_binary(v: i64) -> String {
    format!("{:b}", v as u64)
}

/// Spark's `NumberConverter.convert` (the `conv` function).
pub(crate) fn conv(num: &str, from: i32, to: i32) -> Result<Option<String>> {
    if !(2..=36).contains(&from) || !(2..=36).contains(&to.unsigned_abs()) {
        return Ok(None);
    }
    let n = num.trim_matches(|c: char| c == ' ').as_bytes();
    if n.is_empty() {
        return Ok(None);
    }
    let (mut negative, first) = if n[0] == b'-' { (true, 1) } else { (false, 0) };
    // Digits up to the first one that is not a digit of the base.
    let radix = from as u64;
    let mut v: u64 = 0;
    let bound = (u64::MAX - radix) / radix;
    for &c in &n[first..] {
        let d = match c {
            b'0'..=b'9' => (c - b'0') as u64,
            b'a'..=b'z' => (c - b'a') as u64 + 10,
            b'A'..=b'Z' => (c - b'A') as u64 + 10,
            _ => break,
        };
        if d >= radix {
            break;
        }
        if v >= bound && (u64::MAX - d) / radix < v {
            return Err(EngineError::execution(
                "ARITHMETIC_OVERFLOW",
                "Overflow in function conv(). If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error.",
                "22003",
            ));
        }
        v = v.wrapping_mul(radix).wrapping_add(d);
    }
    let mut v = v as i64;
    if negative && to > 0 {
        v = if v < 0 { -1 } else { v.wrapping_neg() };
    }
    if to < 0 && v < 0 {
        v = v.wrapping_neg();
        negative = true;
    }
    let radix = to.unsigned_abs() as u64;
    let mut u = v as u64;
    let mut digits = Vec::new();
    while u != 0 {
        let d = (u % radix) as u32;
        digits.push(std::char::from_digit(d, radix as u32).unwrap_or('0').to_ascii_uppercase());
        u /= radix;
    }
    if digits.is_empty() {
        digits.push('0');
    }
    if negative && to < 0 {
        digits.push('-');
    }
    Ok(Some(digits.iter().rev().collect()))
}

/// `unhex`: NULL for a character that is not a hex digit; an odd count
/// reads as if a `0` came first.
pub(crate) fn unhex(s: &[u8]) -> Option<Vec<u8>> {
    fn d(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(s.len() / 2 + 1);
    let mut i = 0;
    if s.len() % 2 == 1 {
        out.push(d(s[0])?);
        i = 1;
    }
    while i + 1 < s.len() {
        out.push(d(s[i])? << 4 | d(s[i + 1])?);
        i += 2;
    }
    Some(out)
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

pub(crate) fn hex_bytes(b: &[u8], out: &mut String) {
    for &x in b {
        out.push(HEX[(x >> 4) as usize] as char);
        out.push(HEX[(x & 15) as usize] as char);
    }
}

fn width_bucket(v: f64, min: f64, max: f64, nb: i64) -> Result<Option<i64>> {
    if nb <= 0 || nb == i64::MAX || v.is_nan() || min == max || !min.is_finite() || !max.is_finite() {
        return Ok(None);
    }
    let lower = min.min(max);
    let upper = min.max(max);
    let over = || nb.checked_add(1).ok_or_else(|| crate::eval::arith::overflow("long", "try_add"));
    Ok(Some(if min < max {
        if v < lower {
            0
        } else if v >= upper {
            over()?
        } else {
            (nb as f64 * (v - lower) / (upper - lower)) as i64 + 1
        }
    } else if v > upper {
        0
    } else if v <= lower {
        over()?
    } else {
        (nb as f64 * (upper - v) / (upper - lower)) as i64 + 1
    }))
}

/// Evaluates `l op r` row by row, NULL where a row fails.
fn try_rows(op: BinaryOp, l: &ArrayRef, r: &ArrayRef, ty: &DataType, n: usize) -> Result<ArrayRef> {
    let mut parts: Vec<ArrayRef> = Vec::with_capacity(n);
    for i in 0..n {
        let (li, ri) = (l.slice(i, 1), r.slice(i, 1));
        parts.push(match crate::eval::arith::arith(op, &li, &ri, ty) {
            Ok(v) => v,
            Err(_) => new_null_array(ty, 1),
        });
    }
    if parts.is_empty() {
        return Ok(new_empty_array(ty));
    }
    let refs: Vec<&dyn Array> = parts.iter().map(|p| p.as_ref()).collect();
    Ok(arrow::compute::concat(&refs)?)
}

pub fn eval(f: MathFn, a: &[ArrayRef], ty: &DataType, n: usize, ctx: &EvalCtx) -> Result<ArrayRef> {
    let _ = ctx;
    let arg = |i: usize| a.get(i).ok_or_else(|| EngineError::execution("INTERNAL_ERROR", "missing argument", "XX000"));
    Ok(match f {
        MathFn::Unary(u) => {
            let x = f64s(arg(0)?)?;
            Arc::new(x.iter().map(|v| v.and_then(|v| unary(u, v))).collect::<Float64Array>())
        }
        MathFn::Log => {
            let (b, x) = (f64s(arg(0)?)?, f64s(arg(1)?)?);
            Arc::new(
                b.iter()
                    .zip(x.iter())
                    .map(|(b, x)| {
                        let (b, x) = (b?, x?);
                        (b > 0.0 && x > 0.0).then(|| libm::log(x) / libm::log(b))
                    })
                    .collect::<Float64Array>(),
            )
        }
        MathFn::Atan2 | MathFn::Hypot => {
            let (x, y) = (f64s(arg(0)?)?, f64s(arg(1)?)?);
            let out: Float64Array = arrow::compute::binary(x, y, |x, y| {
                if f == MathFn::Atan2 {
                    libm::atan2(x + 0.0, y + 0.0)
                } else {
                    libm::hypot(x, y)
                }
            })?;
            Arc::new(out)
        }
        MathFn::Factorial => {
            let x = i32s(arg(0)?)?;
            Arc::new(
                x.iter()
                    .map(|v| {
                        let v = v?;
                        (0..=20).contains(&v).then(|| (1..=v as i64).product::<i64>())
                    })
                    .collect::<Int64Array>(),
            )
        }
        MathFn::Bin => {
            let x = i64s(arg(0)?)?;
            Arc::new(x.iter().map(|v| v.map(java_binary)).collect::<StringArray>())
        }
        MathFn::Hex => {
            let x = arg(0)?;
            let mut out = StringBuilder::with_capacity(n, n * 8);
            let mut buf = String::new();
            match x.data_type() {
                DataType::Int64 => {
                    for v in i64s(x)?.iter() {
                        match v {
                            Some(v) => out.append_value(format!("{:X}", v as u64)),
                            None => out.append_null(),
                        }
                    }
                }
                DataType::Utf8 => {
                    for v in strs(x)?.iter() {
                        match v {
                            Some(v) => {
                                buf.clear();
                                hex_bytes(v.as_bytes(), &mut buf);
                                out.append_value(&buf);
                            }
                            None => out.append_null(),
                        }
                    }
                }
                DataType::Binary => {
                    for v in x.as_binary::<i32>().iter() {
                        match v {
                            Some(v) => {
                                buf.clear();
                                hex_bytes(v, &mut buf);
                                out.append_value(&buf);
                            }
                            None => out.append_null(),
                        }
                    }
                }
                _ => return Err(internal("a long, string or binary", x)),
            }
            Arc::new(out.finish())
        }
        MathFn::Unhex => {
            let x = strs(arg(0)?)?;
            Arc::new(x.iter().map(|v| unhex(v?.as_bytes())).collect::<BinaryArray>())
        }
        MathFn::Conv => {
            let (x, from, to) = (strs(arg(0)?)?, i32s(arg(1)?)?, i32s(arg(2)?)?);
            let mut out = StringBuilder::with_capacity(n, n * 8);
            for i in 0..n {
                if x.is_null(i) || from.is_null(i) || to.is_null(i) {
                    out.append_null();
                    continue;
                }
                match conv(x.value(i), from.value(i), to.value(i))? {
                    Some(s) => out.append_value(s),
                    None => out.append_null(),
                }
            }
            Arc::new(out.finish())
        }
        MathFn::BitCount => {
            let x = arg(0)?;
            let out: Int32Array = match x.data_type() {
                DataType::Boolean => x.as_boolean().iter().map(|v| v.map(|b| b as i32)).collect(),
                DataType::Null => Int32Array::new_null(n),
                _ => {
                    let l = arrow::compute::cast(x, &DataType::Int64)?;
                    l.as_primitive::<Int64Type>().unary(|v| v.count_ones() as i32)
                }
            };
            Arc::new(out)
        }
        MathFn::BitNot => {
            let x = arg(0)?;
            match x.data_type() {
                DataType::Int8 => Arc::new(x.as_primitive::<Int8Type>().unary::<_, Int8Type>(|v| !v)),
                DataType::Int16 => Arc::new(x.as_primitive::<Int16Type>().unary::<_, Int16Type>(|v| !v)),
                DataType::Int32 => Arc::new(x.as_primitive::<Int32Type>().unary::<_, Int32Type>(|v| !v)),
                DataType::Int64 => Arc::new(x.as_primitive::<Int64Type>().unary::<_, Int64Type>(|v| !v)),
                _ => return Err(internal("an integral", x)),
            }
        }
        MathFn::Shift(s) => {
            let (x, by) = (arg(0)?, i32s(arg(1)?)?);
            match x.data_type() {
                DataType::Int32 => {
                    let out: Int32Array = arrow::compute::binary(x.as_primitive::<Int32Type>(), by, |v, b| {
                        let b = (b & 31) as u32;
                        match s {
                            Shift::Left => v.wrapping_shl(b),
                            Shift::Right => v >> b,
                            Shift::RightUnsigned => ((v as u32) >> b) as i32,
                        }
                    })?;
                    Arc::new(out)
                }
                DataType::Int64 => {
                    let out: Int64Array = arrow::compute::binary(x.as_primitive::<Int64Type>(), by, |v, b| {
                        let b = (b & 63) as u32;
                        match s {
                            Shift::Left => v.wrapping_shl(b),
                            Shift::Right => v >> b,
                            Shift::RightUnsigned => ((v as u64) >> b) as i64,
                        }
                    })?;
                    Arc::new(out)
                }
                _ => return Err(internal("an int or a long", x)),
            }
        }
        MathFn::Try(op) => {
            let (l, r) = (arg(0)?, arg(1)?);
            // Java's `%`: MIN % -1 is 0, not an overflow.
            if op == BinaryOp::Mod {
                macro_rules! rem {
                    ($t:ty) => {
                        if let (Some(x), Some(y)) = (l.as_primitive_opt::<$t>(), r.as_primitive_opt::<$t>()) {
                            let out: PrimitiveArray<$t> =
                                x.iter().zip(y.iter()).map(|(x, y)| match (x, y) { (Some(x), Some(y)) if y != 0 => Some(x.wrapping_rem(y)), _ => None }).collect();
                            return Ok(Arc::new(out));
                        }
                    };
                }
                rem!(Int8Type);
                rem!(Int16Type);
                rem!(Int32Type);
                rem!(Int64Type);
            }
            match crate::eval::arith::arith(op, l, r, ty) {
                Ok(v) => v,
                Err(_) => try_rows(op, l, r, ty, n)?,
            }
        }
        MathFn::WidthBucket => {
            let (v, lo, hi, nb) = (f64s(arg(0)?)?, f64s(arg(1)?)?, f64s(arg(2)?)?, i64s(arg(3)?)?);
            let mut out = Int64Builder::with_capacity(n);
            for i in 0..n {
                if v.is_null(i) || lo.is_null(i) || hi.is_null(i) || nb.is_null(i) {
                    out.append_null();
                    continue;
                }
                out.append_option(width_bucket(v.value(i), lo.value(i), hi.value(i), nb.value(i))?);
            }
            Arc::new(out.finish())
        }
        MathFn::NaNvl => {
            let (x, y) = (arg(0)?, arg(1)?);
            let nan: BooleanArray = match x.data_type() {
                DataType::Float32 => x.as_primitive::<Float32Type>().iter().map(|v| Some(v.is_some_and(f32::is_nan))).collect(),
                _ => f64s(x)?.iter().map(|v| Some(v.is_some_and(f64::is_nan))).collect(),
            };
            arrow::compute::kernels::zip::zip(&nan, y, x)?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conv_matches_spark() {
        assert_eq!(conv("255", 10, 16).unwrap().as_deref(), Some("FF"));
        assert_eq!(conv("ff", 16, 10).unwrap().as_deref(), Some("255"));
        assert_eq!(conv("-1", 10, 16).unwrap().as_deref(), Some("FFFFFFFFFFFFFFFF"));
        assert_eq!(conv("-1", 10, -16).unwrap().as_deref(), Some("-1"));
        assert_eq!(conv("12xyz", 10, 2).unwrap().as_deref(), Some("1100"));
        assert_eq!(conv("xyz", 10, 2).unwrap().as_deref(), Some("0"));
        assert_eq!(conv("1", 1, 2).unwrap(), None);
        assert!(conv("99999999999999999999999", 10, 16).is_err());
    }

    #[test]
    fn unhex_and_hex() {
        assert_eq!(unhex(b"4A4B"), Some(b"JK".to_vec()));
        assert_eq!(unhex(b"F"), Some(vec![15]));
        assert_eq!(unhex(b"zz"), None);
        let mut s = String::new();
        hex_bytes(b"Spark", &mut s);
        assert_eq!(s, "537061726B");
    }

    #[test]
    fn width_bucket_edges() {
        assert_eq!(width_bucket(5.3, 0.2, 10.6, 5).unwrap(), Some(3));
        assert_eq!(width_bucket(-2.1, 1.3, 3.4, 3).unwrap(), Some(0));
        assert_eq!(width_bucket(8.1, 0.0, 5.7, 4).unwrap(), Some(5));
        assert_eq!(width_bucket(-0.9, 5.2, 0.5, 2).unwrap(), Some(3));
        assert_eq!(width_bucket(1.0, 1.0, 1.0, 2).unwrap(), None);
    }

    #[test]
    fn shown_args_split() {
        assert_eq!(shown_args("shiftleft(value, 1)"), vec!["value", "1"]);
        assert_eq!(shown_args("f(CAST(a AS INT), g(b, c))"), vec!["CAST(a AS INT)", "g(b, c)"]);
    }

    #[test]
    fn binary_strings() {
        assert_eq!(java_binary(5), "101");
        assert_eq!(java_binary(-1).len(), 64);
    }
}
