//! Number formatting: `format_number` (Java's DecimalFormat), `format_string`
//! / `printf` (Java's Formatter) and `to_char` / `to_number` (Spark's
//! number format strings).

use std::sync::Arc;

use arrow::array::*;
use arrow::datatypes::*;

use crate::display::{java_double_digits, java_double_to_string, java_float_to_string};
use crate::error::{EngineError, Result};
use crate::plan::expr::decimal_text;

/// A decimal number as digit strings: sign, integer digits (no leading
/// zeros but at least "0"), fraction digits.
#[derive(Clone, Debug, PartialEq)]
struct DecDigits {
    neg: bool,
    int: String,
    frac: String,
}

impl DecDigits {
    fn from_text(neg: bool, text: &str) -> DecDigits {
        let (i, f) = text.split_once('.').unwrap_or((text, ""));
        let i = i.trim_start_matches('0');
        DecDigits { neg, int: if i.is_empty() { "0".into() } else { i.to_string() }, frac: f.to_string() }
    }

    fn of_decimal(v: i128, scale: i8) -> DecDigits {
        let t = decimal_text(v, scale);
        let neg = t.starts_with('-');
        DecDigits::from_text(neg, t.trim_start_matches('-'))
    }

    fn of_int(v: i128) -> DecDigits {
        DecDigits { neg: v < 0, int: v.unsigned_abs().to_string(), frac: String::new() }
    }

    /// Rounds to `d` fraction digits, half-even or half-up, treating the
    /// digits as the exact value.
    fn round(&self, d: usize, half_even: bool) -> DecDigits {
        if self.frac.len() <= d {
            let mut r = self.clone();
            while r.frac.len() < d {
                r.frac.push('0');
            }
            return r;
        }
        let keep = &self.frac[..d];
        let next = self.frac.as_bytes()[d] - b'0';
        let rest_nonzero = self.frac[d + 1..].bytes().any(|b| b != b'0');
        let mut digits: Vec<u8> = self.int.bytes().chain(keep.bytes()).collect();
        let last_odd = digits.last().is_some_and(|b| (b - b'0') % 2 == 1);
        let up = if half_even { next > 5 || (next == 5 && (rest_nonzero || last_odd)) } else { next >= 5 };
        if up {
            let mut k = digits.len();
            loop {
                if k == 0 {
                    digits.insert(0, b'1');
                    break;
                }
                k -= 1;
                if digits[k] == b'9' {
                    digits[k] = b'0';
                } else {
                    digits[k] += 1;
                    break;
                }
            }
        }
        let split = digits.len() - d;
        let int = String::from_utf8_lossy(&digits[..split]).trim_start_matches('0').to_string();
        DecDigits {
            neg: self.neg,
            int: if int.is_empty() { "0".into() } else { int },
            frac: String::from_utf8_lossy(&digits[split..]).into_owned(),
        }
    }
}

/// A double rounded to `d` fraction digits as Java's DecimalFormat does
/// (HALF_EVEN on the exact binary value; Java's own digits when they are
/// short enough).
fn double_half_even(x: f64, d: usize) -> DecDigits {
    let neg = x.is_sign_negative();
    if x == 0.0 {
        return DecDigits { neg, int: "0".into(), frac: "0".repeat(d) };
    }
    let (digits, exp) = java_double_digits(x);
    let frac_len = (digits.len() as i64 - exp as i64).max(0) as usize;
    if frac_len <= d {
        return DecDigits::from_text(neg, &place(&digits, exp)).round(d, true);
    }
    DecDigits::from_text(neg, &format!("{:.*}", d.min(400), x.abs()))
}

/// Digits 0.d1d2... x 10^exp as plain text.
fn place(digits: &[u8], exp: i32) -> String {
    let s = String::from_utf8_lossy(digits);
    if exp <= 0 {
        format!("0.{}{}", "0".repeat((-exp) as usize), s)
    } else if exp as usize >= digits.len() {
        format!("{}{}", s, "0".repeat(exp as usize - digits.len()))
    } else {
        format!("{}.{}", &s[..exp as usize], &s[exp as usize..])
    }
}

fn group(int: &str, size: usize, sep: char) -> String {
    if size == 0 || int.len() <= size {
        return int.to_string();
    }
    let mut out = String::with_capacity(int.len() + int.len() / size);
    let first = int.len() % size;
    for (k, c) in int.chars().enumerate() {
        if k > 0 && (k + size - first) % size == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// The numeric value of row `i` as exact digits rounded to `d` places.
fn digits_at(x: &ArrayRef, i: usize, d: usize) -> Option<std::result::Result<DecDigits, String>> {
    if x.is_null(i) {
        return None;
    }
    Some(Ok(match x.data_type() {
        DataType::Float64 | DataType::Float32 => {
            let v = if let DataType::Float32 = x.data_type() {
                x.as_primitive::<Float32Type>().value(i) as f64
            } else {
                x.as_primitive::<Float64Type>().value(i)
            };
            if v.is_nan() {
                return Some(Err("NaN".into()));
            }
            if v.is_infinite() {
                return Some(Err(if v < 0.0 { "-\u{221E}".into() } else { "\u{221E}".into() }));
            }
            double_half_even(v, d)
        }
        DataType::Decimal128(_, s) => DecDigits::of_decimal(x.as_primitive::<Decimal128Type>().value(i), *s).round(d, true),
        DataType::Int8 => DecDigits::of_int(x.as_primitive::<Int8Type>().value(i) as i128).round(d, true),
        DataType::Int16 => DecDigits::of_int(x.as_primitive::<Int16Type>().value(i) as i128).round(d, true),
        DataType::Int32 => DecDigits::of_int(x.as_primitive::<Int32Type>().value(i) as i128).round(d, true),
        DataType::Int64 => DecDigits::of_int(x.as_primitive::<Int64Type>().value(i) as i128).round(d, true),
        _ => return None,
    }))
}

/// A DecimalFormat pattern: `#,##0.00`, `0000.0#`, `$#,##0`...
struct Pattern {
    prefix: String,
    suffix: String,
    min_int: usize,
    group: usize,
    min_frac: usize,
    max_frac: usize,
}

fn parse_pattern(p: &str) -> Pattern {
    let p = p.split(';').next().unwrap_or("");
    let is_num = |c: char| matches!(c, '#' | '0' | ',' | '.');
    let start = p.find(is_num).unwrap_or(p.len());
    let end = p[start..].find(|c: char| !is_num(c)).map(|e| start + e).unwrap_or(p.len());
    let body = &p[start..end];
    let (ip, fp) = body.split_once('.').unwrap_or((body, ""));
    let group = match ip.rfind(',') {
        Some(k) => ip[k + 1..].len(),
        None => 0,
    };
    Pattern {
        prefix: p[..start].replace('\'', ""),
        suffix: p[end..].replace('\'', ""),
        min_int: ip.chars().filter(|&c| c == '0').count(),
        group,
        min_frac: fp.chars().filter(|&c| c == '0').count(),
        max_frac: fp.chars().filter(|&c| c == '0' || c == '#').count(),
    }
}

fn apply_pattern(p: &Pattern, d: &DecDigits) -> String {
    let mut frac = d.frac.clone();
    while frac.len() > p.min_frac && frac.ends_with('0') {
        frac.pop();
    }
    let mut int = if d.int == "0" { String::new() } else { d.int.clone() };
    while int.len() < p.min_int {
        int.insert(0, '0');
    }
    if int.is_empty() && frac.is_empty() {
        int.push('0');
    }
    let mut out = String::new();
    if d.neg {
        out.push('-');
    }
    out.push_str(&p.prefix);
    out.push_str(&group(&int, p.group, ','));
    if !frac.is_empty() {
        out.push('.');
        out.push_str(&frac);
    }
    out.push_str(&p.suffix);
    out
}

pub fn format_number(x: &ArrayRef, d: &ArrayRef, n: usize) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(n, n * 12);
    let ints = d.as_any().downcast_ref::<Int32Array>();
    let pats = d.as_any().downcast_ref::<StringArray>();
    let mut last: Option<(String, Pattern)> = None;
    for i in 0..n {
        if d.is_null(i) {
            b.append_null();
            continue;
        }
        let pattern = match (ints, pats) {
            (Some(k), _) => {
                let k = k.value(i);
                if k < 0 {
                    b.append_null();
                    continue;
                }
                // Java's DecimalFormat keeps at most 340 fraction digits of a double.
                let k = (k as usize).min(340);
                Pattern { prefix: String::new(), suffix: String::new(), min_int: 1, group: 3, min_frac: k, max_frac: k }
            }
            (_, Some(s)) => {
                let t = s.value(i);
                let t = if t.is_empty() { "#,###,###,###,###,###,##0" } else { t };
                if last.as_ref().map(|(k, _)| k.as_str()) != Some(t) {
                    last = Some((t.to_string(), parse_pattern(t)));
                }
                match &last {
                    Some((_, p)) => Pattern { prefix: p.prefix.clone(), suffix: p.suffix.clone(), ..*p },
                    None => continue,
                }
            }
            _ => return Err(EngineError::execution("INTERNAL_ERROR", "format_number: bad format argument", "XX000")),
        };
        match digits_at(x, i, pattern.max_frac) {
            None => b.append_null(),
            Some(Err(special)) => b.append_value(special),
            Some(Ok(dd)) => b.append_value(apply_pattern(&pattern, &dd)),
        }
    }
    Ok(Arc::new(b.finish()))
}

// ---------------------------------------------------------------------------
// java.util.Formatter
// ---------------------------------------------------------------------------

/// A value as the JVM hands it to `String.format`.
#[derive(Clone, Debug)]
enum JVal {
    Null,
    Bool(bool),
    /// an integral value and its width in bits (8, 16, 32 or 64)
    Int(i64, u32),
    Double(f64),
    Float(f32),
    Str(String),
    /// Spark's Decimal: prints as its plain text, is not a BigDecimal
    Decimal(String),
}

impl JVal {
    fn class(&self) -> &'static str {
        match self {
            JVal::Null => "null",
            JVal::Bool(_) => "java.lang.Boolean",
            JVal::Int(_, 8) => "java.lang.Byte",
            JVal::Int(_, 16) => "java.lang.Short",
            JVal::Int(_, 32) => "java.lang.Integer",
            JVal::Int(..) => "java.lang.Long",
            JVal::Double(_) => "java.lang.Double",
            JVal::Float(_) => "java.lang.Float",
            JVal::Str(_) => "java.lang.String",
            JVal::Decimal(_) => "org.apache.spark.sql.types.Decimal",
        }
    }

    fn to_java_string(&self) -> String {
        match self {
            JVal::Null => "null".into(),
            JVal::Bool(b) => b.to_string(),
            JVal::Int(v, _) => v.to_string(),
            JVal::Double(d) => java_double_to_string(*d),
            JVal::Float(f) => java_float_to_string(*f),
            JVal::Str(s) => s.clone(),
            JVal::Decimal(s) => s.clone(),
        }
    }
}

fn jval(a: &ArrayRef, i: usize) -> JVal {
    if a.is_null(i) {
        return JVal::Null;
    }
    match a.data_type() {
        DataType::Boolean => JVal::Bool(a.as_boolean().value(i)),
        DataType::Int8 => JVal::Int(a.as_primitive::<Int8Type>().value(i) as i64, 8),
        DataType::Int16 => JVal::Int(a.as_primitive::<Int16Type>().value(i) as i64, 16),
        DataType::Int32 => JVal::Int(a.as_primitive::<Int32Type>().value(i) as i64, 32),
        DataType::Date32 => JVal::Int(a.as_primitive::<Date32Type>().value(i) as i64, 32),
        DataType::Int64 => JVal::Int(a.as_primitive::<Int64Type>().value(i), 64),
        DataType::Timestamp(TimeUnit::Microsecond, _) => JVal::Int(a.as_primitive::<TimestampMicrosecondType>().value(i), 64),
        DataType::Float64 => JVal::Double(a.as_primitive::<Float64Type>().value(i)),
        DataType::Float32 => JVal::Float(a.as_primitive::<Float32Type>().value(i)),
        DataType::Utf8 => JVal::Str(a.as_string::<i32>().value(i).to_string()),
        DataType::Decimal128(_, s) => JVal::Decimal(decimal_text(a.as_primitive::<Decimal128Type>().value(i), *s)),
        _ => match arrow::util::display::array_value_to_string(a, i) {
            Ok(s) => JVal::Str(s),
            Err(_) => JVal::Null,
        },
    }
}

fn plain_error(class: &str, msg: String) -> EngineError {
    EngineError::execution(class, msg, "")
}

fn conversion_error(conv: char, v: &JVal) -> EngineError {
    EngineError {
        kind: crate::error::ErrorKind::Execution,
        class: None,
        python_type: "IllegalFormatConversionException".into(),
        message: format!("{conv} != {}", v.class()),
        span: None,
    }
}

#[derive(Default, Clone, Copy)]
struct Flags {
    left: bool,
    alt: bool,
    plus: bool,
    space: bool,
    zero: bool,
    group: bool,
    paren: bool,
}

/// Pads `s` to `width` (left-justified with `-`).
fn justify(s: String, width: Option<usize>, left: bool) -> String {
    match width {
        Some(w) if s.chars().count() < w => {
            let pad = " ".repeat(w - s.chars().count());
            if left {
                s + &pad
            } else {
                pad + &s
            }
        }
        _ => s,
    }
}

/// Sign, grouping, zero padding and parentheses around a magnitude.
fn numeric_layout(neg: bool, mag: String, f: Flags, width: Option<usize>) -> String {
    let mag = if f.group {
        let (i, rest) = match mag.find('.') {
            Some(k) => (&mag[..k], &mag[k..]),
            None => (mag.as_str(), ""),
        };
        format!("{}{}", group(i, 3, ','), rest)
    } else {
        mag
    };
    let (pre, post) = if neg {
        if f.paren {
            ("(", ")")
        } else {
            ("-", "")
        }
    } else if f.plus {
        ("+", "")
    } else if f.space {
        (" ", "")
    } else {
        ("", "")
    };
    let mut body = mag;
    if f.zero {
        if let Some(w) = width {
            let used = pre.len() + post.len() + body.chars().count();
            if used < w {
                body = "0".repeat(w - used) + &body;
            }
        }
    }
    justify(format!("{pre}{body}{post}"), width, f.left)
}

/// Java's `%.pf`: the value's Double.toString digits rounded half-up.
fn java_fixed(x: f64, p: usize) -> String {
    if x == 0.0 {
        return if p == 0 { "0".into() } else { format!("0.{}", "0".repeat(p)) };
    }
    let (digits, exp) = java_double_digits(x);
    let d = DecDigits::from_text(false, &place(&digits, exp)).round(p, false);
    if p == 0 {
        d.int
    } else {
        format!("{}.{}", d.int, d.frac)
    }
}

/// Java's `%.pe` mantissa and exponent.
fn java_sci(x: f64, p: usize, upper: bool) -> String {
    let (mut digits, mut exp) = if x == 0.0 { (vec![b'0'], 1) } else { java_double_digits(x) };
    if digits.is_empty() {
        digits.push(b'0');
    }
    // Round to p+1 significant digits, half-up.
    if digits.len() > p + 1 {
        let up = digits[p + 1] >= b'5';
        digits.truncate(p + 1);
        if up {
            let mut k = digits.len();
            loop {
                if k == 0 {
                    digits.insert(0, b'1');
                    digits.pop();
                    exp += 1;
                    break;
                }
                k -= 1;
                if digits[k] == b'9' {
                    digits[k] = b'0';
                } else {
                    digits[k] += 1;
                    break;
                }
            }
        }
    }
    while digits.len() < p + 1 {
        digits.push(b'0');
    }
    let e = if x == 0.0 { 0 } else { exp - 1 };
    let s = String::from_utf8_lossy(&digits).into_owned();
    let mant = if p == 0 { s[..1].to_string() } else { format!("{}.{}", &s[..1], &s[1..]) };
    let e_char = if upper { 'E' } else { 'e' };
    format!("{mant}{e_char}{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

fn format_one(conv: char, f: Flags, width: Option<usize>, prec: Option<usize>, v: &JVal) -> Result<String> {
    let upper = conv.is_ascii_uppercase();
    let up = |s: String| if upper { s.to_uppercase() } else { s };
    Ok(match conv.to_ascii_lowercase() {
        's' => {
            let mut s = v.to_java_string();
            if let Some(p) = prec {
                s = s.chars().take(p).collect();
            }
            justify(up(s), width, f.left)
        }
        'b' => {
            let s = match v {
                JVal::Null => "false".to_string(),
                JVal::Bool(b) => b.to_string(),
                _ => "true".to_string(),
            };
            let s = match prec {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            };
            justify(up(s), width, f.left)
        }
        'c' => match v {
            JVal::Null => justify(up("null".into()), width, f.left),
            JVal::Int(c, _) => {
                let ch = char::from_u32(*c as u32).ok_or_else(|| plain_error("ILLEGAL_FORMAT", format!("Code point = 0x{c:x}")))?;
                justify(up(ch.to_string()), width, f.left)
            }
            JVal::Str(_) | JVal::Bool(_) | JVal::Double(_) | JVal::Float(_) | JVal::Decimal(_) => return Err(conversion_error(conv, v)),
        },
        'd' => match v {
            JVal::Null => justify("null".into(), width, f.left),
            JVal::Int(x, _) => numeric_layout(*x < 0, x.unsigned_abs().to_string(), f, width),
            _ => return Err(conversion_error(conv, v)),
        },
        'x' | 'o' => match v {
            JVal::Null => justify(up("null".into()), width, f.left),
            JVal::Int(x, bits) => {
                let u = if *bits == 64 { *x as u64 } else { (*x as u64) & ((1u64 << bits) - 1) };
                let mut s = if conv.to_ascii_lowercase() == 'x' { format!("{u:x}") } else { format!("{u:o}") };
                if f.alt {
                    s = if conv.to_ascii_lowercase() == 'x' { format!("0x{s}") } else { format!("0{s}") };
                }
                if f.zero {
                    if let Some(w) = width {
                        while s.len() < w {
                            s.insert(if f.alt && conv.to_ascii_lowercase() == 'x' { 2 } else { 0 }, '0');
                        }
                    }
                }
                justify(up(s), width, f.left)
            }
            _ => return Err(conversion_error(conv, v)),
        },
        'f' | 'e' | 'g' => {
            let x = match v {
                JVal::Null => return Ok(justify(up("null".into()), width, f.left)),
                JVal::Double(d) => *d,
                JVal::Float(x) => java_float_to_string(*x).parse::<f64>().unwrap_or(*x as f64),
                _ => return Err(conversion_error(conv, v)),
            };
            if x.is_nan() || x.is_infinite() {
                let s = if x.is_nan() { "NaN".to_string() } else if x > 0.0 { if f.plus { "+Infinity".into() } else { "Infinity".into() } } else if f.paren { "(Infinity)".into() } else { "-Infinity".into() };
                return Ok(justify(up(s), width, f.left));
            }
            let neg = x.is_sign_negative();
            let a = x.abs();
            let p = prec.unwrap_or(6);
            let mag = match conv.to_ascii_lowercase() {
                'f' => java_fixed(a, p),
                'e' => java_sci(a, p, upper),
                _ => {
                    let p = if p == 0 { 1 } else { p };
                    let rounded: f64 = java_sci(a, p - 1, false).parse().unwrap_or(a);
                    if a != 0.0 && (rounded < 1e-4 || rounded >= 10f64.powi(p as i32)) {
                        java_sci(a, p - 1, upper)
                    } else {
                        let e = if rounded == 0.0 { 0 } else { rounded.log10().floor() as i32 };
                        java_fixed(a, (p as i32 - 1 - e).max(0) as usize)
                    }
                }
            };
            numeric_layout(neg, mag, f, width)
        }
        _ => {
            return Err(EngineError {
                kind: crate::error::ErrorKind::Execution,
                class: None,
                python_type: "UnknownFormatConversionException".into(),
                message: format!("Conversion = '{conv}'"),
                span: None,
            })
        }
    })
}

/// Java's `String.format(fmt, args)`.
fn java_format(fmt: &str, args: &[JVal]) -> Result<String> {
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut it = fmt.char_indices().peekable();
    let mut ordinary = 0usize;
    let mut last: Option<usize> = None;
    while let Some((_, c)) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // %[index$][flags][width][.precision]conversion
        let mut spec = String::new();
        let mut conv = None;
        for (_, c) in it.by_ref() {
            if c.is_ascii_alphabetic() || c == '%' {
                conv = Some(c);
                break;
            }
            spec.push(c);
        }
        let Some(conv) = conv else {
            return Err(EngineError {
                kind: crate::error::ErrorKind::Execution,
                class: None,
                python_type: "UnknownFormatConversionException".into(),
                message: "Conversion = '%'".into(),
                span: None,
            });
        };
        let mut rest = spec.as_str();
        let mut index: Option<usize> = None;
        let mut relative = false;
        if let Some(k) = rest.find('$') {
            index = rest[..k].parse::<usize>().ok();
            rest = &rest[k + 1..];
        } else if let Some(r) = rest.strip_prefix('<') {
            relative = true;
            rest = r;
        }
        let mut f = Flags::default();
        let mut chars = rest.chars().peekable();
        while let Some(&c) = chars.peek() {
            match c {
                '-' => f.left = true,
                '#' => f.alt = true,
                '+' => f.plus = true,
                ' ' => f.space = true,
                '0' => f.zero = true,
                ',' => f.group = true,
                '(' => f.paren = true,
                _ => break,
            }
            chars.next();
        }
        let rest: String = chars.collect();
        let (w, p) = match rest.split_once('.') {
            Some((w, p)) => (w, Some(p)),
            None => (rest.as_str(), None),
        };
        let width = w.parse::<usize>().ok();
        let prec = p.and_then(|p| p.parse::<usize>().ok());
        // A width or precision beyond any sensible string would only exhaust memory.
        if width.is_some_and(|w| w > 1 << 20) || prec.is_some_and(|p| p > 1 << 20) {
            return Err(EngineError {
                kind: crate::error::ErrorKind::Execution,
                class: None,
                python_type: "OutOfMemoryError".into(),
                message: format!("Format specifier '%{spec}{conv}' is too wide"),
                span: None,
            });
        }
        match conv {
            '%' => {
                out.push_str(&justify("%".into(), width, f.left));
                continue;
            }
            'n' => {
                out.push('\n');
                continue;
            }
            _ => {}
        }
        let k = if relative {
            last.unwrap_or(0)
        } else if let Some(i) = index {
            i.saturating_sub(1)
        } else {
            ordinary += 1;
            ordinary - 1
        };
        last = Some(k);
        let v = args.get(k).ok_or_else(|| EngineError {
            kind: crate::error::ErrorKind::Execution,
            class: None,
            python_type: "MissingFormatArgumentException".into(),
            message: format!("Format specifier '%{spec}{conv}'"),
            span: None,
        })?;
        out.push_str(&format_one(conv, f, width, prec, v)?);
    }
    Ok(out)
}

pub fn format_string(a: &[ArrayRef], n: usize) -> Result<ArrayRef> {
    let Some((fmt, rest)) = a.split_first() else {
        return Err(EngineError::execution("INTERNAL_ERROR", "format_string without a format", "XX000"));
    };
    let fmt = fmt.as_string_opt::<i32>().ok_or_else(|| EngineError::execution("INTERNAL_ERROR", "format_string: format is not a string", "XX000"))?;
    let mut b = StringBuilder::with_capacity(n, n * 16);
    let mut vals = Vec::with_capacity(rest.len());
    for i in 0..n {
        if fmt.is_null(i) {
            b.append_null();
            continue;
        }
        vals.clear();
        vals.extend(rest.iter().map(|c| jval(c, i)));
        b.append_value(java_format(fmt.value(i), &vals)?);
    }
    Ok(Arc::new(b.finish()))
}

// ---------------------------------------------------------------------------
// to_char / to_number
// ---------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// `0` or `9`
    Digit(u8),
    /// `,` or `G`
    Group,
    /// `.` or `D`
    Point,
    Dollar,
    /// `S` at the start or the end
    Sign,
    /// `MI` at the end
    Minus,
    /// `PR` at the end
    Angle,
}

/// A parsed Spark number format (`999,999.99`, `S$9G999D00`, `99PR`).
pub struct NumberFormat {
    toks: Vec<Tok>,
}

impl NumberFormat {
    pub fn parse(f: &str) -> std::result::Result<NumberFormat, String> {
        let mut toks = Vec::new();
        let b = f.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let up = b[i].to_ascii_uppercase();
            let two = b.get(i..i + 2).map(|s| s.to_ascii_uppercase());
            match up {
                b'0' | b'9' => toks.push(Tok::Digit(up)),
                b',' | b'G' => toks.push(Tok::Group),
                b'.' | b'D' => toks.push(Tok::Point),
                b'$' => toks.push(Tok::Dollar),
                b'S' => toks.push(Tok::Sign),
                b'M' if two.as_deref() == Some(&b"MI"[..]) => {
                    toks.push(Tok::Minus);
                    i += 1;
                }
                b'P' if two.as_deref() == Some(&b"PR"[..]) => {
                    toks.push(Tok::Angle);
                    i += 1;
                }
                _ => return Err(format!("Unexpected character '{}' found in the format string '{f}'; the structure of the format string must match: `[MI|S]` `[$]` `[0|9|G|,]*` `[.|D]` `[0|9]*` `[$]` `[PR|MI|S]`.", b[i] as char)),
            }
            i += 1;
        }
        if !toks.iter().any(|t| matches!(t, Tok::Digit(_))) {
            return Err(format!("The format string '{f}' must contain at least one digit."));
        }
        if toks.iter().filter(|t| **t == Tok::Point).count() > 1 {
            return Err(format!("The format string '{f}' contains at most one decimal point."));
        }
        Ok(NumberFormat { toks })
    }

    fn int_digits(&self) -> Vec<u8> {
        let end = self.toks.iter().position(|t| *t == Tok::Point).unwrap_or(self.toks.len());
        self.toks[..end].iter().filter_map(|t| if let Tok::Digit(d) = t { Some(*d) } else { None }).collect()
    }

    pub fn scale(&self) -> i8 {
        match self.toks.iter().position(|t| *t == Tok::Point) {
            Some(p) => self.toks[p..].iter().filter(|t| matches!(t, Tok::Digit(_))).count() as i8,
            None => 0,
        }
    }

    pub fn precision(&self) -> u8 {
        self.toks.iter().filter(|t| matches!(t, Tok::Digit(_))).count() as u8
    }

    /// Spark's `ToNumberParser.format`.
    fn format(&self, d: &DecDigits) -> String {
        let scale = self.scale() as usize;
        let d = d.round(scale, false);
        let int_fmt = self.int_digits();
        let int = d.int.as_str();
        if int.len() > int_fmt.len() {
            // Too many digits: every character becomes '#'.
            let width: usize = self
                .toks
                .iter()
                .map(|t| match t {
                    Tok::Minus | Tok::Angle => 2,
                    _ => 1,
                })
                .sum();
            return "#".repeat(width);
        }
        let mut out = String::new();
        let mut int_digits = int.bytes().rev().collect::<Vec<u8>>();
        let pad = int_fmt.len() - int.len();
        // Which digit positions hold leading padding.
        let mut k = 0usize;
        let mut frac = d.frac.bytes();
        let mut after_point = false;
        let mut started = false;
        let first_zero = int_fmt.iter().position(|&c| c == b'0');
        for t in &self.toks {
            match t {
                Tok::Digit(_) if !after_point => {
                    if k < pad {
                        let zero_from_here = first_zero.is_some_and(|z| z <= k);
                        if zero_from_here {
                            out.push('0');
                            started = true;
                        } else {
                            out.push(' ');
                        }
                    } else {
                        let c = int_digits.pop().unwrap_or(b'0');
                        out.push(c as char);
                        started = true;
                    }
                    k += 1;
                }
                Tok::Digit(_) => out.push(frac.next().unwrap_or(b'0') as char),
                Tok::Group => out.push(if started { ',' } else { ' ' }),
                Tok::Point => {
                    after_point = true;
                    out.push('.');
                }
                Tok::Dollar => out.push('$'),
                Tok::Sign => out.push(if d.neg { '-' } else { '+' }),
                Tok::Minus => out.push(if d.neg { '-' } else { ' ' }),
                Tok::Angle => {}
            }
        }
        if self.toks.contains(&Tok::Angle) {
            if d.neg {
                out = format!("<{out}>");
            } else {
                out = format!(" {out} ");
            }
        } else if d.neg && !self.toks.iter().any(|t| matches!(t, Tok::Sign | Tok::Minus)) {
            // Spark puts the minus in front of the first digit.
            let at = out.find(|c: char| c != ' ').unwrap_or(0);
            out.insert(at, '-');
            if out.starts_with(' ') {
                out.remove(0);
            }
        }
        out
    }

    /// Spark's `ToNumberParser.parse`: the unscaled value at `scale()`.
    fn parse_value(&self, s: &str) -> Option<i128> {
        let b = s.as_bytes();
        let mut i = 0;
        let mut neg = false;
        let mut digits: Vec<u8> = Vec::new();
        let mut frac_digits = 0usize;
        let mut after_point = false;
        let int_fmt = self.int_digits().len();
        let frac_fmt = self.scale() as usize;
        let mut int_seen = 0usize;
        let mut t = 0;
        while t < self.toks.len() {
            let tok = &self.toks[t];
            match tok {
                Tok::Digit(_) => {
                    // A run of digits and group separators.
                    let mut any = false;
                    while i < b.len() && (b[i].is_ascii_digit() || (!after_point && b[i] == b',')) {
                        if b[i] != b',' {
                            digits.push(b[i] - b'0');
                            if after_point {
                                frac_digits += 1;
                            } else {
                                int_seen += 1;
                            }
                        }
                        any = true;
                        i += 1;
                    }
                    let _ = any;
                    while t + 1 < self.toks.len() && matches!(self.toks[t + 1], Tok::Digit(_) | Tok::Group) {
                        t += 1;
                    }
                }
                Tok::Group => {}
                Tok::Point => {
                    after_point = true;
                    if i < b.len() && b[i] == b'.' {
                        i += 1;
                    }
                }
                Tok::Dollar => {
                    if i < b.len() && b[i] == b'$' {
                        i += 1;
                    } else {
                        return None;
                    }
                }
                Tok::Sign => {
                    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
                        neg = b[i] == b'-';
                        i += 1;
                    }
                }
                Tok::Minus => {
                    if i < b.len() && b[i] == b'-' {
                        neg = true;
                        i += 1;
                    } else if i < b.len() && b[i] == b' ' {
                        i += 1;
                    }
                }
                Tok::Angle => {}
            }
            t += 1;
        }
        if self.toks.contains(&Tok::Angle) {
            // <digits> wraps a negative number.
            return None.or_else(|| {
                let s = s.trim();
                let (inner, n2) = match s.strip_prefix('<').and_then(|x| x.strip_suffix('>')) {
                    Some(x) => (x, true),
                    None => (s, false),
                };
                let plain = NumberFormat { toks: self.toks.iter().filter(|t| **t != Tok::Angle).cloned().collect() };
                plain.parse_value(inner).map(|v| if n2 { -v } else { v })
            });
        }
        if i != b.len() || digits.is_empty() || int_seen > int_fmt || frac_digits > frac_fmt {
            return None;
        }
        let mut v: i128 = 0;
        for d in &digits {
            v = v.checked_mul(10)?.checked_add(*d as i128)?;
        }
        for _ in frac_digits..frac_fmt {
            v = v.checked_mul(10)?;
        }
        Some(if neg { -v } else { v })
    }
}

pub fn format_error(pretty: &str, fmt: &str, msg: &str) -> EngineError {
    let _ = fmt;
    EngineError::analysis(
        "INVALID_FORMAT.WRONG_NUM_DIGIT",
        format!("The format is invalid: {msg}"),
        "42601",
    )
    .with_context(pretty)
}

trait WithContext {
    fn with_context(self, pretty: &str) -> Self;
}

impl WithContext for EngineError {
    fn with_context(self, pretty: &str) -> Self {
        let _ = pretty;
        self
    }
}

pub fn to_char(x: &ArrayRef, f: &ArrayRef, n: usize) -> Result<ArrayRef> {
    let fmts = f.as_string_opt::<i32>().ok_or_else(|| EngineError::execution("INTERNAL_ERROR", "to_char: format is not a string", "XX000"))?;
    let scale = match x.data_type() {
        DataType::Decimal128(_, s) => *s,
        _ => 0,
    };
    let dec = x.as_primitive_opt::<Decimal128Type>().ok_or_else(|| EngineError::execution("INTERNAL_ERROR", "to_char: not a decimal", "XX000"))?;
    let mut b = StringBuilder::with_capacity(n, n * 12);
    let mut last: Option<(String, NumberFormat)> = None;
    for i in 0..n {
        if dec.is_null(i) || fmts.is_null(i) {
            b.append_null();
            continue;
        }
        let t = fmts.value(i);
        if last.as_ref().map(|(k, _)| k.as_str()) != Some(t) {
            let nf = NumberFormat::parse(t).map_err(|m| format_error("to_char", t, &m))?;
            last = Some((t.to_string(), nf));
        }
        if let Some((_, nf)) = &last {
            b.append_value(nf.format(&DecDigits::of_decimal(dec.value(i), scale)));
        }
    }
    Ok(Arc::new(b.finish()))
}

pub fn to_number(x: &ArrayRef, f: &ArrayRef, ty: &DataType, try_: bool, n: usize) -> Result<ArrayRef> {
    let s = x.as_string_opt::<i32>().ok_or_else(|| EngineError::execution("INTERNAL_ERROR", "to_number: not a string", "XX000"))?;
    let fmts = f.as_string_opt::<i32>().ok_or_else(|| EngineError::execution("INTERNAL_ERROR", "to_number: format is not a string", "XX000"))?;
    let (p, sc) = match ty {
        DataType::Decimal128(p, s) => (*p, *s),
        _ => (38, 0),
    };
    let mut out = Decimal128Builder::with_capacity(n);
    let mut last: Option<(String, NumberFormat)> = None;
    for i in 0..n {
        if s.is_null(i) || fmts.is_null(i) {
            out.append_null();
            continue;
        }
        let t = fmts.value(i);
        if last.as_ref().map(|(k, _)| k.as_str()) != Some(t) {
            let nf = NumberFormat::parse(t).map_err(|m| format_error("to_number", t, &m))?;
            last = Some((t.to_string(), nf));
        }
        let Some((_, nf)) = &last else { continue };
        let v = s.value(i);
        match nf.parse_value(v) {
            Some(x) => out.append_value(x),
            None if try_ => out.append_null(),
            None => {
                return Err(EngineError::execution(
                    "INVALID_FORMAT.MISMATCH_INPUT",
                    format!("The format is invalid: {t}. The input \"STRING\" {v} does not match the format."),
                    "42601",
                ))
            }
        }
    }
    Ok(Arc::new(out.finish().with_precision_and_scale(p, sc)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_format_basics() {
        let f = |fmt: &str, args: &[JVal]| java_format(fmt, args).unwrap();
        assert_eq!(f("%5.2f|%-6s|%d", &[JVal::Double(3.14159), JVal::Str("ab".into()), JVal::Int(42, 32)]), " 3.14|ab    |42");
        assert_eq!(f("%05d %x %,d", &[JVal::Int(42, 32), JVal::Int(-1, 32), JVal::Int(1234567, 64)]), "00042 ffffffff 1,234,567");
        assert_eq!(f("%.2f", &[JVal::Double(0.125)]), "0.13");
        assert_eq!(f("%s and %s", &[JVal::Null, JVal::Double(1.0)]), "null and 1.0");
        assert_eq!(f("%e", &[JVal::Double(12345.678)]), "1.234568e+04");
        assert_eq!(f("100%%", &[]), "100%");
    }

    #[test]
    fn decimal_format() {
        let p = parse_pattern("#,##0.0");
        assert_eq!(apply_pattern(&p, &double_half_even(1234567.891, 1)), "1,234,567.9");
        let p = Pattern { prefix: String::new(), suffix: String::new(), min_int: 1, group: 3, min_frac: 2, max_frac: 2 };
        assert_eq!(apply_pattern(&p, &double_half_even(0.125, 2)), "0.12");
        assert_eq!(apply_pattern(&p, &double_half_even(-0.5, 2)), "-0.50");
        assert_eq!(apply_pattern(&p, &double_half_even(1234567.891, 2)), "1,234,567.89");
    }

    #[test]
    fn number_formats() {
        let nf = NumberFormat::parse("999,999.99").unwrap();
        assert_eq!(nf.precision(), 8);
        assert_eq!(nf.scale(), 2);
        assert_eq!(NumberFormat::parse("9999.99").unwrap().parse_value("12.5"), Some(1250));
        assert_eq!(NumberFormat::parse("99.9").unwrap().parse_value("123.45"), None);
    }
}
