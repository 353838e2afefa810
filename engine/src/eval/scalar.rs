//! Scalar functions: strings, arrays, maps, structs, dates and numbers.

use std::sync::Arc;

use arrow::array::*;
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::*;
use chrono::{Datelike, NaiveDate, Timelike};

use super::EvalCtx;
use crate::error::{EngineError, Result};
use crate::plan::expr::{LikeKind, PExpr};
use crate::plan::functions::ScalarFn;

fn strs(a: &ArrayRef) -> Result<&StringArray> {
    a.as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| EngineError::execution("INTERNAL_ERROR", format!("expected strings, got {}", a.data_type()), "XX000"))
}

fn ints(a: &ArrayRef) -> Result<&Int32Array> {
    a.as_any()
        .downcast_ref::<Int32Array>()
        .ok_or_else(|| EngineError::execution("INTERNAL_ERROR", format!("expected ints, got {}", a.data_type()), "XX000"))
}

fn dates(a: &ArrayRef) -> Result<&Date32Array> {
    a.as_any()
        .downcast_ref::<Date32Array>()
        .ok_or_else(|| EngineError::execution("INTERNAL_ERROR", format!("expected dates, got {}", a.data_type()), "XX000"))
}

fn opt_str(a: &StringArray, i: usize) -> Option<&str> {
    if a.is_null(i) { None } else { Some(a.value(i)) }
}

fn opt_int(a: &Int32Array, i: usize) -> Option<i32> {
    if a.is_null(i) { None } else { Some(a.value(i)) }
}

/// Builds a string column from a per-row function.
fn map_str(n: usize, mut f: impl FnMut(usize) -> Option<String>) -> ArrayRef {
    let mut b = StringBuilder::with_capacity(n, n * 8);
    for i in 0..n {
        match f(i) {
            Some(s) => b.append_value(s),
            None => b.append_null(),
        }
    }
    Arc::new(b.finish())
}

fn map_str1(a: &ArrayRef, f: impl Fn(&str) -> String) -> Result<ArrayRef> {
    let s = strs(a)?;
    let mut b = StringBuilder::with_capacity(s.len(), s.value_data().len());
    for v in s.iter() {
        match v {
            Some(v) => b.append_value(f(v)),
            None => b.append_null(),
        }
    }
    Ok(Arc::new(b.finish()))
}

fn map_int(n: usize, f: impl Fn(usize) -> Option<i32>) -> ArrayRef {
    Arc::new((0..n).map(f).collect::<Int32Array>())
}

fn map_bool(n: usize, f: impl Fn(usize) -> Option<bool>) -> ArrayRef {
    Arc::new((0..n).map(f).collect::<BooleanArray>())
}

/// Compiles a Java-style regular expression, reporting Spark's error.
pub fn regex(pattern: &str) -> Result<regex::Regex> {
    regex::Regex::new(pattern).map_err(|e| {
        EngineError::execution(
            "INVALID_PARAMETER_VALUE.PATTERN",
            format!("The value of parameter(s) `regexp` in `regexp` is invalid: '{pattern}' ({e}).", ),
            "22023",
        )
    })
}

/// Caches the last compiled pattern: patterns are nearly always literals.
struct RegexCache {
    last: Option<(String, regex::Regex)>,
}

impl RegexCache {
    fn get(&mut self, p: &str) -> Result<&regex::Regex> {
        if self.last.as_ref().map(|(k, _)| k.as_str()) != Some(p) {
            self.last = Some((p.to_string(), regex(p)?));
        }
        Ok(&self.last.as_ref().expect("just set").1)
    }
}

/// Java's `String.split(regex, limit)` as Spark's `split` uses it.
pub fn java_split<'a>(s: &'a str, re: &regex::Regex, pattern_empty: bool, limit: i32) -> Vec<&'a str> {
    let mut out = Vec::new();
    java_split_into(s, &Splitter::Regex(re), pattern_empty, limit, &mut out);
    out
}

/// How a `split` pattern matches: as a plain string (no regex
/// metacharacters, as Java's own fast path) or as a regex.
enum Splitter<'r> {
    /// One ASCII character: a byte that never occurs inside another
    /// character's encoding.
    Byte(u8),
    Char(char),
    Literal(&'r str),
    Regex(&'r regex::Regex),
}

/// Whether a pattern means the same as a regex and as a plain string.
fn is_plain(pattern: &str) -> bool {
    !pattern.is_empty() && !pattern.chars().any(|c| "\\.+*?()|[]{}^$".contains(c))
}

/// `java_split` into `out` (cleared first), without allocating per piece.
fn java_split_into<'a>(s: &'a str, sp: &Splitter, pattern_empty: bool, limit: i32, out: &mut Vec<&'a str>) {
    out.clear();
    if pattern_empty && !s.is_empty() {
        let chars: Vec<(usize, char)> = s.char_indices().collect();
        let n = if limit <= 0 || limit as usize > chars.len() { chars.len() } else { limit as usize };
        for k in 0..n - 1 {
            out.push(&s[chars[k].0..chars[k + 1].0]);
        }
        out.push(&s[chars[n - 1].0..]);
        return;
    }
    let mut index = 0;
    let mut push = |start: usize, end: usize, out: &mut Vec<&'a str>| -> bool {
        if limit > 0 && out.len() == limit as usize - 1 {
            return false;
        }
        if end == 0 {
            return true; // no leading empty string for a zero-width match at 0
        }
        out.push(&s[index..start]);
        index = end;
        true
    };
    match sp {
        Splitter::Byte(b) => {
            for (start, &x) in s.as_bytes().iter().enumerate() {
                if x == *b && !push(start, start + 1, out) {
                    break;
                }
            }
        }
        Splitter::Char(c) => {
            for (start, m) in s.match_indices(*c) {
                if !push(start, start + m.len(), out) {
                    break;
                }
            }
        }
        Splitter::Literal(p) => {
            for (start, m) in s.match_indices(p) {
                if !push(start, start + m.len(), out) {
                    break;
                }
            }
        }
        Splitter::Regex(re) => {
            for m in re.find_iter(s) {
                if !push(m.start(), m.end(), out) {
                    break;
                }
            }
        }
    }
    if index == 0 && out.is_empty() {
        out.push(s);
        return;
    }
    out.push(&s[index..]);
    if limit == 0 {
        while out.last() == Some(&"") {
            out.pop();
        }
    }
}

/// `split(str, pattern, limit)` over a column, built straight into one
/// list array (no string per piece).
fn split_column(s: &StringArray, p: &StringArray, lim: &Int32Array, n: usize) -> Result<ArrayRef> {
    /// How the current pattern splits (patterns are nearly always one
    /// literal, so this is worked out once, not per row).
    enum Kind<'p> {
        Plain(Splitter<'p>),
        Regex(regex::Regex, bool),
    }
    let mut values = StringBuilder::with_capacity(n * 4, s.value_data().len());
    let mut offsets: Vec<i32> = Vec::with_capacity(n + 1);
    offsets.push(0);
    let mut valid: Vec<bool> = Vec::with_capacity(n);
    let mut current: Option<(&str, Kind)> = None;
    let mut pieces: Vec<&str> = Vec::new();
    let mut count = 0i32;
    for i in 0..n {
        match (opt_str(s, i), opt_str(p, i), opt_int(lim, i)) {
            (Some(v), Some(pat), Some(l)) => {
                if current.as_ref().map(|c| c.0) != Some(pat) {
                    let kind = if is_plain(pat) {
                        let mut chars = pat.chars();
                        Kind::Plain(match (chars.next(), chars.next()) {
                            (Some(c), None) if c.is_ascii() => Splitter::Byte(c as u8),
                            (Some(c), None) => Splitter::Char(c),
                            _ => Splitter::Literal(pat),
                        })
                    } else {
                        Kind::Regex(regex(pat)?, pat.is_empty())
                    };
                    current = Some((pat, kind));
                }
                match current.as_ref().map(|c| &c.1) {
                    Some(Kind::Plain(Splitter::Byte(b))) if l < 0 => {
                        // The common case (one ASCII separator, no limit),
                        // straight into the values.
                        let mut start = 0;
                        for (j, &x) in v.as_bytes().iter().enumerate() {
                            if x == *b {
                                values.append_value(&v[start..j]);
                                start = j + 1;
                                count += 1;
                            }
                        }
                        values.append_value(&v[start..]);
                        count += 1;
                        valid.push(true);
                        offsets.push(count);
                        continue;
                    }
                    Some(Kind::Plain(sp)) => java_split_into(v, sp, false, l, &mut pieces),
                    Some(Kind::Regex(re, empty)) => java_split_into(v, &Splitter::Regex(re), *empty, l, &mut pieces),
                    None => pieces.clear(),
                }
                for piece in &pieces {
                    values.append_value(piece);
                }
                count += pieces.len() as i32;
                valid.push(true);
            }
            _ => valid.push(false),
        }
        offsets.push(count);
    }
    let nulls = valid.iter().any(|v| !v).then(|| arrow::buffer::NullBuffer::from(valid));
    let field = Arc::new(Field::new("element", DataType::Utf8, true));
    Ok(Arc::new(ListArray::try_new(field, OffsetBuffer::new(offsets.into()), Arc::new(values.finish()), nulls)?))
}

fn invalid_index(index: i64, len: usize) -> EngineError {
    EngineError::execution(
        "INVALID_ARRAY_INDEX",
        format!("The index {index} is out of bounds. The array has {len} elements. Use the SQL function `get()` to tolerate accessing element at invalid index and return NULL instead."),
        "22003",
    )
}

fn invalid_element_at(index: i64, len: usize) -> EngineError {
    EngineError::execution(
        "INVALID_ARRAY_INDEX_IN_ELEMENT_AT",
        format!("The index {index} is out of bounds. The array has {len} elements. Use `try_element_at` to tolerate accessing element at invalid index and return NULL instead."),
        "22003",
    )
}

/// Java's `Character.toUpperCase` on a string (Spark's initcap).
fn initcap(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = c == ' ';
    }
    out
}

fn pad(s: &str, len: i32, p: &str, left: bool) -> String {
    let len = len.max(0) as usize;
    let chars: Vec<char> = s.chars().collect();
    if chars.len() >= len {
        return chars[..len].iter().collect();
    }
    let pchars: Vec<char> = p.chars().collect();
    if pchars.is_empty() {
        return s.to_string();
    }
    let fill: String = pchars.iter().cycle().take(len - chars.len()).collect();
    if left { fill + s } else { format!("{s}{fill}") }
}

/// Spark's substring: 1-based, 0 acts as 1, negative counts from the end.
fn substring(s: &str, pos: i32, len: i32) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len() as i64;
    let (pos, len) = (pos as i64, len as i64);
    let start = if pos > 0 { pos - 1 } else if pos < 0 { n + pos } else { 0 };
    let end = if len < 0 { start } else { start.saturating_add(len) };
    let (s0, e0) = (start.max(0), end.min(n));
    if s0 >= e0 {
        return String::new();
    }
    chars[s0 as usize..e0 as usize].iter().collect()
}

fn date_of(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::Duration::days(days as i64))
}


pub fn like(v: &ArrayRef, p: &ArrayRef, kind: LikeKind) -> Result<BooleanArray> {
    let v = strs(v)?;
    let p = strs(p)?;
    let mut cache = RegexCache { last: None };
    let mut out = BooleanBuilder::with_capacity(v.len());
    for i in 0..v.len() {
        match (opt_str(v, i), opt_str(p, i)) {
            (Some(s), Some(pat)) => {
                let re_text = match kind {
                    LikeKind::RLike => pat.to_string(),
                    LikeKind::Like => like_to_regex(pat, false),
                    LikeKind::ILike => like_to_regex(pat, true),
                };
                let re = cache.get(&re_text)?;
                out.append_value(re.is_match(s));
            }
            _ => out.append_null(),
        }
    }
    Ok(out.finish())
}

/// SQL LIKE pattern (`%`, `_`, `\` escape) as an anchored regex.
fn like_to_regex(p: &str, ci: bool) -> String {
    let mut re = String::from(if ci { "(?is)^" } else { "(?s)^" });
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => re.push_str(&regex::escape(&n.to_string())),
                None => re.push_str("\\\\"),
            },
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    re
}

fn round_half_up(v: f64, scale: i32) -> f64 {
    let r = round_decimal_text(v, scale, false);
    // BigDecimal has no negative zero.
    if r == 0.0 { 0.0 } else { r }
}

fn round_half_even(v: f64, scale: i32) -> f64 {
    let r = round_decimal_text(v, scale, true);
    if r == 0.0 { 0.0 } else { r }
}

fn round_decimal_text(v: f64, scale: i32, half_even: bool) -> f64 {
    if !v.is_finite() {
        return v;
    }
    // Spark rounds the decimal value of the double, half up.
    let text = format!("{v:e}");
    let _ = text;
    let factor = 10f64.powi(scale);
    let shifted = v * factor;
    if !shifted.is_finite() {
        return v;
    }
    // Use the shortest decimal representation to avoid binary artefacts
    // (2.675 is 2.67499999... in binary, but Spark's BigDecimal(double.toString) sees 2.675).
    let repr = crate::display::java_double_to_string(v);
    if let Ok(d) = bigdecimal_round(&repr, scale, half_even) {
        return d;
    }
    shifted.round() / factor
}

/// Rounds a decimal string half up to `scale` digits, as BigDecimal does.
fn bigdecimal_round(text: &str, scale: i32, half_even: bool) -> std::result::Result<f64, ()> {
    let (mantissa, exp) = match text.find('E') {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().map_err(|_| ())?),
        None => (text, 0),
    };
    let neg = mantissa.starts_with('-');
    let m = mantissa.trim_start_matches('-');
    let (int, frac) = m.split_once('.').unwrap_or((m, ""));
    let digits = format!("{int}{frac}");
    let point = int.len() as i32 + exp; // digits before the decimal point
    let keep = point + scale; // digits to keep
    if keep < 0 {
        return Ok(0.0);
    }
    let digits_b = digits.as_bytes();
    let mut kept: Vec<u8> = digits_b.iter().take(keep as usize).map(|d| d - b'0').collect();
    while (kept.len() as i32) < keep {
        kept.push(0);
    }
    let next = digits_b.get(keep as usize).map(|d| d - b'0').unwrap_or(0);
    let rest_nonzero = digits_b.iter().skip(keep as usize + 1).any(|d| *d != b'0');
    let mut value: i128 = 0;
    for d in &kept {
        value = value.checked_mul(10).ok_or(())? + *d as i128;
    }
    let up = if half_even {
        next > 5 || (next == 5 && (rest_nonzero || value % 2 == 1))
    } else {
        next >= 5
    };
    if up {
        value += 1;
    }
    let text = format!("{}{}e{}", if neg { "-" } else { "" }, value, point - keep);
    text.parse::<f64>().map_err(|_| ())
}

pub fn call(func: ScalarFn, a: &[ArrayRef], args: &[PExpr], ty: &DataType, n: usize, ctx: &EvalCtx) -> Result<ArrayRef> {
    use ScalarFn as F;
    let _ = args;
    Ok(match func {
        F::Lib(f) => crate::functions::eval(f, a, ty, n, ctx)?,
        F::Length => {
            let s = strs(&a[0])?;
            map_int(n, |i| opt_str(s, i).map(|v| v.chars().count() as i32))
        }
        F::Upper => map_str1(&a[0], |v| v.to_uppercase())?,
        F::Lower => map_str1(&a[0], |v| v.to_lowercase())?,
        F::Trim | F::LTrim | F::RTrim => {
            let s = strs(&a[0])?;
            let set = a.get(1).map(strs).transpose()?;
            map_str(n, |i| {
                let v = opt_str(s, i)?;
                let chars: Option<Vec<char>> = match set {
                    Some(set) => Some(opt_str(set, i)?.chars().collect()),
                    None => None,
                };
                let is_trim = |c: char| match &chars {
                    Some(cs) => cs.contains(&c),
                    None => c == ' ',
                };
                Some(match func {
                    F::Trim => v.trim_matches(is_trim),
                    F::LTrim => v.trim_start_matches(is_trim),
                    _ => v.trim_end_matches(is_trim),
                }
                .to_string())
            })
        }
        F::InitCap => map_str1(&a[0], initcap)?,
        F::Reverse => match a[0].data_type() {
            DataType::List(_) => {
                let l = a[0].as_list::<i32>();
                let mut idx = Vec::new();
                let mut offsets = vec![0i32];
                for i in 0..l.len() {
                    let (s, e) = (l.value_offsets()[i], l.value_offsets()[i + 1]);
                    for k in (s..e).rev() {
                        idx.push(k as u32);
                    }
                    offsets.push(idx.len() as i32);
                }
                let values = arrow::compute::take(l.values(), &UInt32Array::from(idx), None)?;
                let f = match ty {
                    DataType::List(f) => f.clone(),
                    _ => Arc::new(Field::new("element", values.data_type().clone(), true)),
                };
                Arc::new(ListArray::try_new(f, OffsetBuffer::new(offsets.into()), values, l.nulls().cloned())?)
            }
            _ => map_str1(&a[0], |v| v.chars().rev().collect())?,
        },
        F::Split => split_column(strs(&a[0])?, strs(&a[1])?, ints(&a[2])?, n)?,
        F::Size => match a[0].data_type() {
            DataType::List(_) => {
                let l = a[0].as_list::<i32>();
                // size(NULL) is NULL with ANSI on (legacy sizeOfNull is off).
                map_int(n, |i| (!l.is_null(i)).then(|| l.value_length(i)))
            }
            DataType::Map(..) => {
                let m = a[0].as_map();
                map_int(n, |i| (!m.is_null(i)).then(|| m.value_length(i)))
            }
            _ => map_int(n, |_| None),
        },
        F::Concat => {
            if matches!(ty, DataType::List(_)) {
                return concat_lists(a, ty);
            }
            let cols: Vec<&StringArray> = a.iter().map(strs).collect::<Result<_>>()?;
            map_str(n, |i| {
                let mut out = String::new();
                for c in &cols {
                    out.push_str(opt_str(c, i)?);
                }
                Some(out)
            })
        }
        F::ConcatWs => {
            let sep = strs(&a[0])?;
            map_str(n, |i| {
                let sep = opt_str(sep, i)?;
                let mut parts: Vec<String> = Vec::new();
                for c in &a[1..] {
                    match c.data_type() {
                        DataType::List(_) => {
                            let l = c.as_list::<i32>();
                            if l.is_valid(i) {
                                let v = l.value(i);
                                if let Some(sv) = v.as_any().downcast_ref::<StringArray>() {
                                    parts.extend(sv.iter().flatten().map(str::to_string));
                                }
                            }
                        }
                        _ => {
                            if let Some(sv) = c.as_any().downcast_ref::<StringArray>() {
                                if let Some(x) = opt_str(sv, i) {
                                    parts.push(x.to_string());
                                }
                            }
                        }
                    }
                }
                Some(parts.join(sep))
            })
        }
        F::Substring => {
            let s = strs(&a[0])?;
            let pos = ints(&a[1])?;
            let len = a.get(2).map(ints).transpose()?;
            map_str(n, |i| {
                let l = match len {
                    Some(l) => opt_int(l, i)?,
                    None => i32::MAX,
                };
                Some(substring(opt_str(s, i)?, opt_int(pos, i)?, l))
            })
        }
        F::Instr => {
            let s = strs(&a[0])?;
            let sub = strs(&a[1])?;
            map_int(n, |i| {
                let v = opt_str(s, i)?;
                let needle = opt_str(sub, i)?;
                Some(match v.find(needle) {
                    Some(b) => v[..b].chars().count() as i32 + 1,
                    None => 0,
                })
            })
        }
        F::LPad | F::RPad => {
            let s = strs(&a[0])?;
            let len = ints(&a[1])?;
            let p = strs(&a[2])?;
            map_str(n, |i| Some(pad(opt_str(s, i)?, opt_int(len, i)?, opt_str(p, i)?, func == F::LPad)))
        }
        F::RegexpReplace => {
            let s = strs(&a[0])?;
            let p = strs(&a[1])?;
            let r = strs(&a[2])?;
            let pos = ints(&a[3])?;
            let mut cache = RegexCache { last: None };
            let mut out = StringBuilder::with_capacity(n, n * 8);
            for i in 0..n {
                match (opt_str(s, i), opt_str(p, i), opt_str(r, i), opt_int(pos, i)) {
                    (Some(v), Some(pat), Some(rep), Some(pos)) => {
                        let re = cache.get(pat)?;
                        let skip: usize = v.char_indices().nth((pos.max(1) - 1) as usize).map(|(b, _)| b).unwrap_or(v.len());
                        let rep = java_replacement(rep);
                        let replaced = re.replace_all(&v[skip..], rep.as_str());
                        out.append_value(format!("{}{}", &v[..skip], replaced));
                    }
                    _ => out.append_null(),
                }
            }
            Arc::new(out.finish())
        }
        F::RegexpExtract => {
            let s = strs(&a[0])?;
            let p = strs(&a[1])?;
            let g = ints(&a[2])?;
            let mut cache = RegexCache { last: None };
            let mut out = StringBuilder::with_capacity(n, n * 8);
            for i in 0..n {
                match (opt_str(s, i), opt_str(p, i), opt_int(g, i)) {
                    (Some(v), Some(pat), Some(g)) => {
                        let re = cache.get(pat)?;
                        if g < 0 || g as usize >= re.captures_len() {
                            return Err(EngineError::execution(
                                "INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX",
                                format!("The value of parameter(s) `idx` in `regexp_extract` is invalid: Expects group index between 0 and {}, but got {g}.", re.captures_len() - 1),
                                "22023",
                            ));
                        }
                        let got = re.captures(v).and_then(|c| c.get(g as usize)).map(|m| m.as_str()).unwrap_or("");
                        out.append_value(got);
                    }
                    _ => out.append_null(),
                }
            }
            Arc::new(out.finish())
        }
        F::Round | F::BRound => {
            let even = func == F::BRound;
            let scale = ints(&a[1])?;
            let sc = if scale.is_empty() || scale.is_null(0) { 0 } else { scale.value(0) };
            match a[0].data_type() {
                DataType::Float64 | DataType::Float32 => {
                    let v = arrow::compute::cast(&a[0], &DataType::Float64)?;
                    let v = v.as_primitive::<Float64Type>();
                    let out: Float64Array = v.iter().map(|x| x.map(|x| if even { round_half_even(x, sc) } else { round_half_up(x, sc) })).collect();
                    arrow::compute::cast(&(Arc::new(out) as ArrayRef), ty)?
                }
                DataType::Decimal128(_, s) => {
                    let s = *s;
                    let v = a[0].as_primitive::<Decimal128Type>();
                    let (p2, s2) = match ty {
                        DataType::Decimal128(p, s) => (*p, *s),
                        _ => (38, 0),
                    };
                    let out: Decimal128Array = v
                        .iter()
                        .map(|x| x.and_then(|x| if even { rescale_half_even(x, s, s2) } else { super::arith::rescale(x, s, s2) }))
                        .collect();
                    Arc::new(out.with_precision_and_scale(p2, s2)?)
                }
                _ if sc >= 0 => a[0].clone(),
                _ => {
                    let v = arrow::compute::cast(&a[0], &DataType::Int64)?;
                    let v = v.as_primitive::<Int64Type>();
                    let f = 10i64.pow((-sc) as u32);
                    let out: Int64Array = v.iter().map(|x| x.map(|x| ((x as f64 / f as f64).round() as i64) * f)).collect();
                    arrow::compute::cast(&(Arc::new(out) as ArrayRef), ty)?
                }
            }
        }
        F::Abs => abs(&a[0])?,
        F::Negative => super::arith::negate(&a[0])?,
        F::Ceil | F::Floor => {
            let up = func == F::Ceil;
            match a[0].data_type() {
                t if crate::types::is_integral(t) => arrow::compute::cast(&a[0], ty)?,
                DataType::Decimal128(_, s) => {
                    let d = 10i128.pow(*s as u32);
                    let v = a[0].as_primitive::<Decimal128Type>();
                    let out: Decimal128Array = v
                        .iter()
                        .map(|x| x.map(|x| {
                            let q = x.div_euclid(d);
                            if up && x.rem_euclid(d) != 0 { q + 1 } else { q }
                        }))
                        .collect();
                    let (p, s2) = match ty { DataType::Decimal128(p, s) => (*p, *s), _ => (38, 0) };
                    Arc::new(out.with_precision_and_scale(p, s2)?)
                }
                _ => {
                    let v = arrow::compute::cast(&a[0], &DataType::Float64)?;
                    let v = v.as_primitive::<Float64Type>();
                    let out: Int64Array = v.iter().map(|x| x.map(|x| if up { x.ceil() as i64 } else { x.floor() as i64 })).collect();
                    Arc::new(out)
                }
            }
        }
        F::Sqrt => {
            let v = a[0].as_primitive::<Float64Type>();
            Arc::new(v.iter().map(|x| x.map(f64::sqrt)).collect::<Float64Array>())
        }
        F::Pow => {
            let x = a[0].as_primitive::<Float64Type>();
            let y = a[1].as_primitive::<Float64Type>();
            Arc::new(x.iter().zip(y.iter()).map(|(x, y)| Some(x?.powf(y?))).collect::<Float64Array>())
        }
        F::Coalesce => {
            let mut result = a[0].clone();
            for next in &a[1..] {
                let mask = arrow::compute::is_not_null(&result)?;
                result = arrow::compute::kernels::zip::zip(&mask, &result, next)?;
            }
            result
        }
        F::If => {
            let mask = super::definite(super::as_bool(&a[0])?);
            arrow::compute::kernels::zip::zip(&mask, &a[1], &a[2])?
        }
        F::MakeArray => {
            let elem = match ty {
                DataType::List(f) => f.clone(),
                _ => Arc::new(Field::new("element", DataType::Null, true)),
            };
            if a.is_empty() {
                let offsets = OffsetBuffer::<i32>::new(vec![0i32; n + 1].into());
                return Ok(Arc::new(ListArray::try_new(elem.clone(), offsets, new_empty_array(elem.data_type()), None)?));
            }
            // Interleave: row i takes element k from a[k].
            let k = a.len();
            let refs: Vec<&dyn Array> = a.iter().map(|x| x.as_ref()).collect();
            let indices: Vec<(usize, usize)> = (0..n).flat_map(|i| (0..k).map(move |c| (c, i))).collect();
            let values = arrow::compute::interleave(&refs, &indices)?;
            let offsets = OffsetBuffer::<i32>::new((0..=n).map(|i| (i * k) as i32).collect::<Vec<_>>().into());
            Arc::new(ListArray::try_new(elem, offsets, values, None)?)
        }
        F::ArrayDistinct => {
            let l = a[0].as_list::<i32>();
            let values = l.values();
            let conv = arrow::row::RowConverter::new(vec![arrow::row::SortField::new(values.data_type().clone())])?;
            let rows = conv.convert_columns(&[values.clone()])?;
            let mut idx = Vec::new();
            let mut offsets = vec![0i32];
            for i in 0..l.len() {
                let (s, e) = (l.value_offsets()[i] as usize, l.value_offsets()[i + 1] as usize);
                let mut seen: Vec<arrow::row::Row> = Vec::new();
                for k in s..e {
                    let r = rows.row(k);
                    if !seen.contains(&r) {
                        seen.push(r);
                        idx.push(k as u32);
                    }
                }
                offsets.push(idx.len() as i32);
            }
            let vals = arrow::compute::take(values, &UInt32Array::from(idx), None)?;
            let f = match ty {
                DataType::List(f) => f.clone(),
                _ => Arc::new(Field::new("element", vals.data_type().clone(), true)),
            };
            Arc::new(ListArray::try_new(f, OffsetBuffer::new(offsets.into()), vals, l.nulls().cloned())?)
        }
        F::ArrayContains => {
            let l = a[0].as_list::<i32>();
            let v = &a[1];
            let mut out = BooleanBuilder::with_capacity(n);
            for i in 0..n {
                if l.is_null(i) || v.is_null(i) {
                    out.append_null();
                    continue;
                }
                let items = l.value(i);
                let needle = v.slice(i, 1);
                let needle = arrow::array::Scalar::new(needle);
                let eq = arrow::compute::kernels::cmp::eq(&items, &needle)?;
                if eq.true_count() > 0 {
                    out.append_value(true);
                } else if items.null_count() > 0 {
                    out.append_null();
                } else {
                    out.append_value(false);
                }
            }
            Arc::new(out.finish())
        }
        F::MakeStruct => {
            let fields = match ty {
                DataType::Struct(f) => f.clone(),
                _ => Fields::empty(),
            };
            Arc::new(StructArray::try_new(fields, a.to_vec(), None)?)
        }
        F::MakeMap => make_map(a, ty, n)?,
        F::MapFromArrays => super::maps::map_from_arrays(&a[0], &a[1], ty)?,
        F::Get | F::ElementAt { .. } | F::ArrayIndex => {
            let l = a[0].as_list::<i32>();
            let idx = ints(&a[1])?;
            let mut take_idx: Vec<Option<u32>> = Vec::with_capacity(n);
            for i in 0..n {
                if l.is_null(i) || idx.is_null(i) {
                    take_idx.push(None);
                    continue;
                }
                let len = l.value_length(i) as i64;
                let k = idx.value(i) as i64;
                let pos = match func {
                    F::ElementAt { try_ } => {
                        if k == 0 {
                            if try_ {
                                take_idx.push(None);
                                continue;
                            }
                            return Err(EngineError::execution("INVALID_INDEX_OF_ZERO", "The index 0 is invalid. An index shall be either < 0 or > 0 (the first element has index 1).", "22003"));
                        }
                        let p = if k > 0 { k - 1 } else { len + k };
                        if p < 0 || p >= len {
                            if try_ {
                                take_idx.push(None);
                                continue;
                            }
                            return Err(invalid_element_at(k, len as usize));
                        }
                        p
                    }
                    F::ArrayIndex => {
                        if k < 0 || k >= len {
                            return Err(invalid_index(k, len as usize));
                        }
                        k
                    }
                    _ => {
                        if k < 0 || k >= len {
                            take_idx.push(None);
                            continue;
                        }
                        k
                    }
                };
                take_idx.push(Some((l.value_offsets()[i] as i64 + pos) as u32));
            }
            arrow::compute::take(l.values(), &UInt32Array::from(take_idx), None)?
        }
        F::MapValue => {
            let m = a[0].as_map();
            let key = &a[1];
            let mut take_idx: Vec<Option<u32>> = Vec::with_capacity(n);
            for i in 0..n {
                if m.is_null(i) || key.is_null(i) {
                    take_idx.push(None);
                    continue;
                }
                let (s, e) = (m.value_offsets()[i] as usize, m.value_offsets()[i + 1] as usize);
                let keys = m.keys().slice(s, e - s);
                let eq = arrow::compute::kernels::cmp::eq(&keys, &arrow::array::Scalar::new(key.slice(i, 1)))?;
                let hit = (0..eq.len()).rev().find(|&k| eq.is_valid(k) && eq.value(k));
                take_idx.push(hit.map(|k| (s + k) as u32));
            }
            arrow::compute::take(m.values(), &UInt32Array::from(take_idx), None)?
        }
        F::ToDate | F::ToTimestamp | F::TryToTimestamp => {
            // Without a format these are casts (ANSI: a malformed value fails
            // the query); with one, a value that does not parse fails too,
            // unless the function is a try_ one.
            let try_ = func == F::TryToTimestamp;
            if a.len() == 2 {
                let s = strs(&a[0])?;
                let f = strs(&a[1])?;
                let mut out: Vec<Option<i64>> = Vec::with_capacity(n);
                let mut cache: Option<(String, crate::datetime::Pattern)> = None;
                for i in 0..n {
                    let (Some(v), Some(fmt)) = (opt_str(s, i), opt_str(f, i)) else {
                        out.push(None);
                        continue;
                    };
                    if !matches!(&cache, Some((k, _)) if k == fmt) {
                        cache = Some((fmt.to_string(), crate::datetime::compile_for_parsing(fmt)?));
                    }
                    let Some((_, pat)) = &cache else { continue };
                    match crate::datetime::parse(pat, v) {
                        Ok(p) if func == F::ToDate => {
                            let local = ctx.zone.utc_to_local_micros(p.utc_micros(&ctx.zone));
                            out.push(Some(local.div_euclid(86_400_000_000)))
                        }
                        Ok(p) => out.push(Some(p.utc_micros(&ctx.zone))),
                        Err(_) if try_ => out.push(None),
                        Err(e) => return Err(crate::datetime::cannot_parse(&e.message(v))),
                    }
                }
                if func == F::ToDate {
                    Arc::new(out.into_iter().map(|d| d.map(|x| x as i32)).collect::<Date32Array>())
                } else {
                    let ts: TimestampMicrosecondArray = out.into_iter().collect();
                    Arc::new(ts.with_timezone("UTC"))
                }
            } else {
                super::cast::cast(&a[0], ty, try_, ctx)?
            }
        }
        F::DateAdd | F::DateSub => {
            let d = dates(&a[0])?;
            let k = ints(&a[1])?;
            let sign = if func == F::DateAdd { 1 } else { -1 };
            Arc::new((0..n).map(|i| Some(d.iter().nth(i)?? + sign * opt_int(k, i)?)).collect::<Date32Array>())
        }
        F::DateDiff => {
            let x = dates(&a[0])?;
            let y = dates(&a[1])?;
            Arc::new(x.iter().zip(y.iter()).map(|(x, y)| Some(x? - y?)).collect::<Int32Array>())
        }
        F::DayOfWeek | F::Year | F::Month | F::DayOfMonth => {
            let d = dates(&a[0])?;
            Arc::new(
                d.iter()
                    .map(|v| {
                        let date = date_of(v?)?;
                        Some(match func {
                            F::DayOfWeek => date.weekday().number_from_sunday() as i32,
                            F::Year => date.year(),
                            F::Month => date.month() as i32,
                            _ => date.day() as i32,
                        })
                    })
                    .collect::<Int32Array>(),
            )
        }
        F::Hour | F::Minute | F::Second => {
            let t = a[0].as_primitive::<TimestampMicrosecondType>();
            Arc::new(
                t.iter()
                    .map(|v| {
                        let local = ctx.zone.utc_to_local_micros(v?);
                        let dt = chrono::DateTime::from_timestamp_micros(local)?.naive_utc();
                        Some(match func {
                            F::Hour => dt.hour(),
                            F::Minute => dt.minute(),
                            _ => dt.second(),
                        } as i32)
                    })
                    .collect::<Int32Array>(),
            )
        }
        F::DateFormat => {
            let t = a[0].as_primitive::<TimestampMicrosecondType>();
            let f = strs(&a[1])?;
            let mut b = StringBuilder::with_capacity(n, n * 20);
            let mut cache: Option<(String, crate::datetime::Pattern)> = None;
            let mut buf = String::new();
            for i in 0..n {
                let Some(fmt) = opt_str(f, i) else {
                    b.append_null();
                    continue;
                };
                if !matches!(&cache, Some((k, _)) if k == fmt) {
                    cache = Some((fmt.to_string(), crate::datetime::compile_for_formatting(fmt)?));
                }
                let Some((_, pat)) = &cache else { continue };
                buf.clear();
                if t.is_valid(i) && crate::datetime::format_instant(pat, t.value(i), &ctx.zone, &mut buf) {
                    b.append_value(&buf);
                } else {
                    b.append_null();
                }
            }
            Arc::new(b.finish())
        }
        F::StartsWith | F::EndsWith | F::Contains => {
            let s = strs(&a[0])?;
            let p = strs(&a[1])?;
            map_bool(n, |i| {
                let v = opt_str(s, i)?;
                let q = opt_str(p, i)?;
                Some(match func {
                    F::StartsWith => v.starts_with(q),
                    F::EndsWith => v.ends_with(q),
                    _ => v.contains(q),
                })
            })
        }
        F::Greatest | F::Least => {
            let mut result = a[0].clone();
            for next in &a[1..] {
                // NULLs are skipped: take `next` where result is NULL or next wins.
                let wins = if func == F::Greatest {
                    arrow::compute::kernels::cmp::gt(next, &result)?
                } else {
                    arrow::compute::kernels::cmp::lt(next, &result)?
                };
                let take_next = BooleanArray::from(
                    (0..n).map(|i| next.is_valid(i) && (result.is_null(i) || (wins.is_valid(i) && wins.value(i)))).collect::<Vec<_>>(),
                );
                result = arrow::compute::kernels::zip::zip(&take_next, next, &result)?;
            }
            result
        }
        F::Math(m) => {
            use crate::plan::functions::MathFn;
            let v = a[0].as_primitive::<Float64Type>();
            Arc::new(v.iter().map(|x| {
                let x = x?;
                Some(match m {
                    MathFn::Signum => if x > 0.0 { 1.0 } else if x < 0.0 { -1.0 } else { x },
                    MathFn::Ln => return (x > 0.0).then(|| x.ln()),
                    MathFn::Log10 => return (x > 0.0).then(|| x.log10()),
                    MathFn::Exp => x.exp(),
                })
            }).collect::<Float64Array>())
        }
        F::Pmod => {
            let r = super::arith::arith(crate::plan::expr::BinaryOp::Mod, &a[0], &a[1], ty)?;
            let plus = super::arith::arith(crate::plan::expr::BinaryOp::Add, &r, &a[1], ty)?;
            let m2 = super::arith::arith(crate::plan::expr::BinaryOp::Mod, &plus, &a[1], ty)?;
            let neg = arrow::compute::kernels::cmp::lt(&r, &arrow::array::Scalar::new(arrow::compute::cast(&(Arc::new(Int32Array::from(vec![0])) as ArrayRef), ty)?))?;
            arrow::compute::kernels::zip::zip(&super::definite(&neg), &m2, &r)?
        }
        F::Repeat => {
            let s = strs(&a[0])?;
            let k = ints(&a[1])?;
            map_str(n, |i| Some(opt_str(s, i)?.repeat(opt_int(k, i)?.max(0) as usize)))
        }
        F::Left | F::Right => {
            let s = strs(&a[0])?;
            let k = ints(&a[1])?;
            map_str(n, |i| {
                let v = opt_str(s, i)?;
                let k = opt_int(k, i)?.max(0) as usize;
                let chars: Vec<char> = v.chars().collect();
                Some(if func == F::Left { chars.iter().take(k).collect() } else { chars[chars.len().saturating_sub(k)..].iter().collect() })
            })
        }
        F::Ascii => {
            let s = strs(&a[0])?;
            map_int(n, |i| Some(opt_str(s, i)?.chars().next().map_or(0, |c| c as i32)))
        }
        F::Locate => {
            let sub = strs(&a[0])?;
            let st = strs(&a[1])?;
            let pos = ints(&a[2])?;
            map_int(n, |i| {
                let (needle, hay, p) = (opt_str(sub, i)?, opt_str(st, i)?, opt_int(pos, i)?);
                if p < 1 {
                    return Some(0);
                }
                let chars: Vec<char> = hay.chars().collect();
                let start = (p - 1) as usize;
                if start > chars.len() {
                    return Some(0);
                }
                let tail: String = chars[start..].iter().collect();
                Some(match tail.find(needle) {
                    Some(b) => (start + tail[..b].chars().count() + 1) as i32,
                    None => 0,
                })
            })
        }
        F::Translate => {
            let s = strs(&a[0])?;
            let from = strs(&a[1])?;
            let to = strs(&a[2])?;
            map_str(n, |i| {
                let (v, f, t) = (opt_str(s, i)?, opt_str(from, i)?, opt_str(to, i)?);
                let fc: Vec<char> = f.chars().collect();
                let tc: Vec<char> = t.chars().collect();
                Some(v.chars().filter_map(|c| match fc.iter().position(|x| *x == c) {
                    Some(k) => tc.get(k).copied(),
                    None => Some(c),
                }).collect())
            })
        }
        F::IsNaN => {
            let v = a[0].as_primitive::<Float64Type>();
            map_bool(n, |i| Some(v.is_valid(i) && v.value(i).is_nan()))
        }
        F::NullIf => {
            let eq = arrow::compute::kernels::cmp::eq(&a[0], &a[1])?;
            let keep = BooleanArray::from((0..n).map(|i| !(eq.is_valid(i) && eq.value(i))).collect::<Vec<_>>());
            let nulls = new_null_array(a[0].data_type(), n);
            arrow::compute::kernels::zip::zip(&keep, &a[0], &nulls)?
        }
        F::ArrayRemove => {
            let l = a[0].as_list::<i32>();
            let v = &a[1];
            let mut idx = Vec::new();
            let mut offsets = vec![0i32];
            let mut valid = Vec::with_capacity(n);
            for i in 0..n {
                let ok = l.is_valid(i) && v.is_valid(i);
                valid.push(ok);
                if ok {
                    let (s0, e0) = (l.value_offsets()[i] as usize, l.value_offsets()[i + 1] as usize);
                    let items = l.values().slice(s0, e0 - s0);
                    let eq = arrow::compute::kernels::cmp::eq(&items, &arrow::array::Scalar::new(v.slice(i, 1)))?;
                    for k in 0..(e0 - s0) {
                        if !(eq.is_valid(k) && eq.value(k)) {
                            idx.push((s0 + k) as u32);
                        }
                    }
                }
                offsets.push(idx.len() as i32);
            }
            let values = arrow::compute::take(l.values(), &UInt32Array::from(idx), None)?;
            let f = match ty {
                DataType::List(f) => f.clone(),
                _ => Arc::new(Field::new("element", values.data_type().clone(), true)),
            };
            Arc::new(ListArray::try_new(f, OffsetBuffer::new(offsets.into()), values, Some(valid.into()))?)
        }
        F::FromJson => {
            // Each value is read as one JSON record with the target schema.
            let s = strs(&a[0])?;
            let fields = match ty {
                DataType::Struct(f) => f.clone(),
                _ => return Err(EngineError::execution("INTERNAL_ERROR", "from_json needs a struct type", "XX000")),
            };
            let schema = arrow::datatypes::Schema::new(fields.clone());
            let opts = crate::formats::ReadOptions::default();
            let mut parts: Vec<ArrayRef> = Vec::with_capacity(n);
            let mut valid = Vec::with_capacity(n);
            for i in 0..n {
                let text = opt_str(s, i);
                valid.push(text.is_some());
                let one = crate::formats::read_json(text.unwrap_or("").replace('\n', " ").as_bytes(), Some(&schema), &opts, &ctx.zone)?;
                let row: ArrayRef = if one.num_rows() == 1 {
                    Arc::new(StructArray::try_new(fields.clone(), one.columns().to_vec(), None)?)
                } else {
                    new_null_array(ty, 1)
                };
                parts.push(row);
            }
            if n == 0 {
                return Ok(new_empty_array(ty));
            }
            let refs: Vec<&dyn Array> = parts.iter().map(|p| p.as_ref()).collect();
            let all = arrow::compute::concat(&refs)?;
            let st = all.as_struct();
            Arc::new(StructArray::try_new(fields, st.columns().to_vec(), Some(valid.into()))?)
        }
        F::CurrentTimestamp => Arc::new(TimestampMicrosecondArray::from_value(ctx.now_micros, n).with_timezone("UTC")),
        F::CurrentDate => {
            let local = ctx.zone.utc_to_local_micros(ctx.now_micros);
            Arc::new(Date32Array::from_value(local.div_euclid(86_400_000_000) as i32, n))
        }
        F::TumblingWindow { .. } => {
            return Err(EngineError::unsupported("window() outside of groupBy"));
        }
    })
}

fn rescale_half_even(v: i128, from: i8, to: i8) -> Option<i128> {
    if to >= from {
        return super::arith::rescale(v, from, to);
    }
    let d = 10i128.pow((from - to) as u32);
    let (q, r) = (v / d, v % d);
    let twice = r.abs() * 2;
    Some(if twice > d || (twice == d && q % 2 != 0) { q + v.signum() } else { q })
}

fn abs(a: &ArrayRef) -> Result<ArrayRef> {
    macro_rules! abs_of {
        ($t:ty) => {{
            let v = a.as_primitive::<$t>();
            let mut out = Vec::with_capacity(v.len());
            for x in v.iter() {
                out.push(match x {
                    Some(x) => Some(x.checked_abs().ok_or_else(|| super::arith::overflow("integer", "try_abs"))?),
                    None => None,
                });
            }
            Arc::new(PrimitiveArray::<$t>::from(out)) as ArrayRef
        }};
    }
    Ok(match a.data_type() {
        DataType::Int8 => abs_of!(Int8Type),
        DataType::Int16 => abs_of!(Int16Type),
        DataType::Int32 => abs_of!(Int32Type),
        DataType::Int64 => abs_of!(Int64Type),
        DataType::Float64 => Arc::new(a.as_primitive::<Float64Type>().unary::<_, Float64Type>(f64::abs)),
        DataType::Float32 => Arc::new(a.as_primitive::<Float32Type>().unary::<_, Float32Type>(f32::abs)),
        DataType::Decimal128(p, s) => {
            let v = a.as_primitive::<Decimal128Type>();
            Arc::new(v.unary::<_, Decimal128Type>(|x| x.abs()).with_precision_and_scale(*p, *s)?)
        }
        _ => a.clone(),
    })
}

/// Java's replacement syntax (`$1`) is Rust's too, except `\$` escapes.
fn java_replacement(r: &str) -> String {
    let mut out = String::with_capacity(r.len());
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    if n == '$' {
                        out.push_str("$$");
                    } else {
                        out.push(n);
                    }
                }
            }
            '$' => {
                // `$1` -> `${1}` so following letters are not part of the name.
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(|d| d.is_ascii_digit()) {
                    digits.push(d);
                    chars.next();
                }
                if digits.is_empty() {
                    out.push_str("$$");
                } else {
                    out.push_str(&format!("${{{digits}}}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn concat_lists(a: &[ArrayRef], ty: &DataType) -> Result<ArrayRef> {
    let n = a.first().map(|x| x.len()).unwrap_or(0);
    let lists: Vec<&ListArray> = a.iter().map(|x| x.as_list::<i32>()).collect();
    let mut idx: Vec<(usize, usize)> = Vec::new();
    let mut offsets = vec![0i32];
    let mut nulls = Vec::with_capacity(n);
    for i in 0..n {
        let valid = lists.iter().all(|l| l.is_valid(i));
        nulls.push(valid);
        if valid {
            for (c, l) in lists.iter().enumerate() {
                let (s, e) = (l.value_offsets()[i] as usize, l.value_offsets()[i + 1] as usize);
                idx.extend((s..e).map(|k| (c, k)));
            }
        }
        offsets.push(idx.len() as i32);
    }
    let refs: Vec<&dyn Array> = lists.iter().map(|l| l.values().as_ref()).collect();
    let values = arrow::compute::interleave(&refs, &idx)?;
    let f = match ty {
        DataType::List(f) => f.clone(),
        _ => Arc::new(Field::new("element", values.data_type().clone(), true)),
    };
    Ok(Arc::new(ListArray::try_new(f, OffsetBuffer::new(offsets.into()), values, Some(nulls.into()))?))
}

fn make_map(a: &[ArrayRef], ty: &DataType, n: usize) -> Result<ArrayRef> {
    let entries = match ty {
        DataType::Map(f, _) => f.clone(),
        _ => return Err(EngineError::execution("INTERNAL_ERROR", "map type expected", "XX000")),
    };
    let kv = match entries.data_type() {
        DataType::Struct(f) => f.clone(),
        _ => return Err(EngineError::execution("INTERNAL_ERROR", "map entries expected", "XX000")),
    };
    let pairs = a.len() / 2;
    let mut kidx = Vec::new();
    let mut offsets = vec![0i32];
    for i in 0..n {
        for p in 0..pairs {
            if a[2 * p].is_null(i) {
                return Err(EngineError::execution("NULL_MAP_KEY", "Cannot use null as map key.", "2200E"));
            }
            kidx.push((p, i));
        }
        offsets.push(kidx.len() as i32);
    }
    let krefs: Vec<&dyn Array> = (0..pairs).map(|p| a[2 * p].as_ref()).collect();
    let vrefs: Vec<&dyn Array> = (0..pairs).map(|p| a[2 * p + 1].as_ref()).collect();
    let keys = if pairs == 0 { new_empty_array(kv[0].data_type()) } else { arrow::compute::interleave(&krefs, &kidx)? };
    let vals = if pairs == 0 { new_empty_array(kv[1].data_type()) } else { arrow::compute::interleave(&vrefs, &kidx)? };
    let st = StructArray::try_new(kv, vec![keys, vals], None)?;
    Ok(Arc::new(MapArray::try_new(entries, OffsetBuffer::new(offsets.into()), st, None, false)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_split_matches_regex_split() {
        let inputs = ["", " ", "a", "a b", " a b ", "a  b", "ab,cd,,", ",", ",,a,,", "x,y", "héllo wörld ß"];
        for pat in [" ", ",", ",,", "ll", "ö"] {
            assert!(is_plain(pat));
            let re = regex::Regex::new(&regex::escape(pat)).unwrap();
            for s in inputs {
                for limit in [-1, 0, 1, 2, 3] {
                    let mut plain = Vec::new();
                    java_split_into(s, &Splitter::Literal(pat), false, limit, &mut plain);
                    assert_eq!(plain, java_split(s, &re, false, limit), "{s:?} split by {pat:?}, limit {limit}");
                    if pat.chars().count() == 1 {
                        let c = pat.chars().next().unwrap();
                        java_split_into(s, &Splitter::Char(c), false, limit, &mut plain);
                        assert_eq!(plain, java_split(s, &re, false, limit), "{s:?} split by char {pat:?}, limit {limit}");
                        if c.is_ascii() {
                            java_split_into(s, &Splitter::Byte(c as u8), false, limit, &mut plain);
                            assert_eq!(plain, java_split(s, &re, false, limit), "{s:?} split by byte {pat:?}, limit {limit}");
                        }
                    }
                }
            }
        }
        assert!(!is_plain("a|b") && !is_plain("\\s") && !is_plain("") && !is_plain("."));
    }

    #[test]
    fn split_column_like_java() {
        let inputs = ["", " ", "a", "a b", " a b ", "a  b", "héllo wörld"];
        let s = StringArray::from(inputs.iter().map(|x| Some(*x)).chain([None]).collect::<Vec<_>>());
        for pat in [" ", "ö", "\\s+", "l+"] {
            let re = regex(pat).unwrap();
            for limit in [-1, 0, 2] {
                let n = s.len();
                let p = StringArray::from(vec![pat; n]);
                let lim = Int32Array::from(vec![limit; n]);
                let out = split_column(&s, &p, &lim, n).unwrap();
                let out = out.as_list::<i32>();
                for (i, x) in inputs.iter().enumerate() {
                    let got: Vec<String> = out.value(i).as_string::<i32>().iter().map(|v| v.unwrap().to_string()).collect();
                    assert_eq!(got, java_split(x, &re, false, limit), "{x:?} split by {pat:?}, limit {limit}");
                }
                assert!(out.is_null(n - 1));
            }
        }
    }

    #[test]
    fn split_like_java() {
        let re = regex("x").unwrap();
        assert_eq!(java_split("xax", &re, false, -1), vec!["", "a", ""]);
        assert_eq!(java_split("", &re, false, -1), vec![""]);
        let sp = regex(" ").unwrap();
        assert_eq!(java_split("a b c", &sp, false, 2), vec!["a", "b c"]);
        let empty = regex("").unwrap();
        assert_eq!(java_split("a b", &empty, true, -1), vec!["a", " ", "b"]);
    }

    #[test]
    fn substring_positions() {
        assert_eq!(substring("hello", 1, 3), "hel");
        assert_eq!(substring("hello", 0, 3), "hel");
        assert_eq!(substring("hello", -2, 2), "lo");
        assert_eq!(substring("hello", 10, 2), "");
    }

    #[test]
    fn rounding_is_half_up_on_decimal_text() {
        assert_eq!(round_half_up(2.5, 0), 3.0);
        assert_eq!(round_half_up(-2.5, 0), -3.0);
        assert_eq!(round_half_up(1.0 / 7.0, 2), 0.14);
        assert_eq!(round_half_up(2.675, 2), 2.68);
        assert_eq!(round_half_even(2.5, 0), 2.0);
        assert_eq!(round_half_even(3.5, 0), 4.0);
        assert_eq!(round_half_up(-0.05, 0).to_bits(), 0.0f64.to_bits());
    }
}
