//! CAST with Spark 4's ANSI rules: a malformed string stops the query with
//! CAST_INVALID_INPUT, an out-of-range number with CAST_OVERFLOW; `try_cast`
//! gives NULL instead.

use std::sync::Arc;

use arrow::array::*;
use arrow::compute::CastOptions;
use arrow::datatypes::*;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::EvalCtx;
use crate::error::{EngineError, Result};
use crate::types;

fn invalid_input(value: &str, to: &DataType) -> EngineError {
    EngineError::execution(
        "CAST_INVALID_INPUT",
        format!(
            "The value '{value}' of the type \"STRING\" cannot be cast to \"{}\" because it is malformed. Correct the value as per the syntax, or change its target type. Use `try_cast` to tolerate malformed input and return NULL instead.",
            types::sql_name(to)
        ),
        "22018",
    )
}

fn cast_overflow(value: String, from: &DataType, to: &DataType) -> EngineError {
    EngineError::execution(
        "CAST_OVERFLOW",
        format!(
            "The value {value} of the type \"{}\" cannot be cast to \"{}\" due to an overflow. Use `try_cast` to tolerate overflow and return NULL instead.",
            types::sql_name(from),
            types::sql_name(to)
        ),
        "22003",
    )
}

/// Casts `a` to `to`.
pub fn cast(a: &ArrayRef, to: &DataType, try_: bool, ctx: &EvalCtx) -> Result<ArrayRef> {
    let from = a.data_type();
    if from == to {
        return Ok(a.clone());
    }
    if matches!(from, DataType::Null) {
        return Ok(new_null_array(to, a.len()));
    }
    if matches!(to, DataType::Utf8) {
        return Ok(Arc::new(crate::display::to_string_array(a.as_ref(), &ctx.zone)));
    }
    if let Some(s) = a.as_any().downcast_ref::<StringArray>() {
        return from_string(s, to, try_, ctx);
    }
    match (from, to) {
        (DataType::Timestamp(_, _), DataType::Date32) => {
            let ts = a.as_primitive::<TimestampMicrosecondType>();
            let utc = matches!(from, DataType::Timestamp(_, Some(_)));
            let out: Date32Array = ts
                .iter()
                .map(|v| {
                    v.map(|t| {
                        let local = if utc { ctx.zone.utc_to_local_micros(t) } else { t };
                        local.div_euclid(86_400_000_000) as i32
                    })
                })
                .collect();
            return Ok(Arc::new(out));
        }
        (DataType::Date32, DataType::Timestamp(_, tz)) => {
            let d = a.as_primitive::<Date32Type>();
            let out: TimestampMicrosecondArray = d
                .iter()
                .map(|v| {
                    v.map(|days| {
                        let local = days as i64 * 86_400_000_000;
                        if tz.is_some() {
                            let naive = chrono::DateTime::from_timestamp_micros(local).map(|d| d.naive_utc());
                            naive.map(|n| ctx.zone.local_to_utc_micros(&n)).unwrap_or(local)
                        } else {
                            local
                        }
                    })
                })
                .collect();
            return Ok(Arc::new(out.with_timezone_opt(tz.clone())));
        }
        (DataType::Timestamp(_, Some(_)), DataType::Timestamp(_, None)) => {
            let ts = a.as_primitive::<TimestampMicrosecondType>();
            let out: TimestampMicrosecondArray = ts.iter().map(|v| v.map(|t| ctx.zone.utc_to_local_micros(t))).collect();
            return Ok(Arc::new(out));
        }
        (DataType::Timestamp(_, None), DataType::Timestamp(_, Some(_))) => {
            let ts = a.as_primitive::<TimestampMicrosecondType>();
            let out: TimestampMicrosecondArray = ts
                .iter()
                .map(|v| {
                    v.map(|t| {
                        let naive = chrono::DateTime::from_timestamp_micros(t).map(|d| d.naive_utc());
                        naive.map(|n| ctx.zone.local_to_utc_micros(&n)).unwrap_or(t)
                    })
                })
                .collect();
            return Ok(Arc::new(out.with_timezone("UTC")));
        }
        (DataType::Timestamp(_, _), t) if types::is_numeric(t) => {
            // seconds since the epoch
            let ts = a.as_primitive::<TimestampMicrosecondType>();
            let secs: Float64Array = ts.iter().map(|v| v.map(|t| t as f64 / 1e6)).collect();
            let secs: ArrayRef = Arc::new(secs);
            if types::is_integral(t) {
                let whole: Int64Array = ts.iter().map(|v| v.map(|t| t.div_euclid(1_000_000))).collect();
                return numeric(&(Arc::new(whole) as ArrayRef), t, try_);
            }
            return numeric(&secs, t, try_);
        }
        (f, DataType::Timestamp(_, tz)) if types::is_numeric(f) => {
            let d = arrow::compute::cast(a, &DataType::Float64)?;
            let d = d.as_primitive::<Float64Type>();
            let out: TimestampMicrosecondArray = d.iter().map(|v| v.map(|s| (s * 1e6) as i64)).collect();
            return Ok(Arc::new(out.with_timezone_opt(tz.clone())));
        }
        (DataType::Struct(from), DataType::Struct(to_fields)) if from.len() == to_fields.len() => {
            let s = a.as_struct();
            let cols = s
                .columns()
                .iter()
                .zip(to_fields.iter())
                .map(|(c, f)| cast(c, f.data_type(), try_, ctx))
                .collect::<Result<Vec<_>>>()?;
            return Ok(Arc::new(StructArray::try_new(to_fields.clone(), cols, s.nulls().cloned())?));
        }
        (DataType::List(_), DataType::List(f)) => {
            let l = a.as_list::<i32>();
            let values = cast(l.values(), f.data_type(), try_, ctx)?;
            return Ok(Arc::new(ListArray::try_new(f.clone(), l.offsets().clone(), values, l.nulls().cloned())?));
        }
        _ => {}
    }
    numeric(a, to, try_)
}

/// Numeric and boolean casts: arrow's kernels, with overflow reported as
/// Spark's CAST_OVERFLOW.
fn numeric(a: &ArrayRef, to: &DataType, try_: bool) -> Result<ArrayRef> {
    let from = a.data_type().clone();
    // Doubles to integers truncate toward zero; NaN and out-of-range fail.
    let opts = CastOptions { safe: true, ..Default::default() };
    let out = arrow::compute::cast_with_options(a, to, &opts)?;
    if !try_ && out.null_count() > a.null_count() {
        let i = (0..a.len()).find(|&i| a.is_valid(i) && out.is_null(i)).unwrap_or(0);
        let shown = crate::display::format_value(a.as_ref(), i, &Default::default(), crate::display::Style::Cast)
            .unwrap_or_default();
        let shown = match &from {
            DataType::Int64 => format!("{shown}L"),
            DataType::Int16 => format!("{shown}S"),
            DataType::Int8 => format!("{shown}Y"),
            DataType::Float64 | DataType::Float32 => format!("{shown}D"),
            DataType::Decimal128(..) => format!("{shown}BD"),
            _ => shown,
        };
        return Err(cast_overflow(shown, &from, to));
    }
    Ok(out)
}

fn from_string(s: &StringArray, to: &DataType, try_: bool, ctx: &EvalCtx) -> Result<ArrayRef> {
    macro_rules! parse_each {
        ($builder:expr, $parse:expr) => {{
            let mut b = $builder;
            for v in s.iter() {
                match v {
                    None => b.append_null(),
                    Some(text) => match $parse(text) {
                        Some(x) => b.append_value(x),
                        None if try_ => b.append_null(),
                        None => return Err(invalid_input(text, to)),
                    },
                }
            }
            Arc::new(b.finish()) as ArrayRef
        }};
    }
    Ok(match to {
        DataType::Int8 => parse_each!(Int8Builder::with_capacity(s.len()), |t: &str| parse_integer(t).and_then(|v| i8::try_from(v).ok())),
        DataType::Int16 => parse_each!(Int16Builder::with_capacity(s.len()), |t: &str| parse_integer(t).and_then(|v| i16::try_from(v).ok())),
        DataType::Int32 => parse_each!(Int32Builder::with_capacity(s.len()), |t: &str| parse_integer(t).and_then(|v| i32::try_from(v).ok())),
        DataType::Int64 => parse_each!(Int64Builder::with_capacity(s.len()), parse_integer),
        DataType::Float64 => parse_each!(Float64Builder::with_capacity(s.len()), parse_double),
        DataType::Float32 => parse_each!(Float32Builder::with_capacity(s.len()), |t: &str| parse_double(t).map(|v| v as f32)),
        DataType::Boolean => parse_each!(BooleanBuilder::with_capacity(s.len()), parse_bool),
        DataType::Date32 => parse_each!(Date32Builder::with_capacity(s.len()), parse_date),
        DataType::Timestamp(_, tz) => {
            let zone = &ctx.zone;
            let utc = tz.is_some();
            // A fixed UTC offset (the default session zone) needs no zone rules per row.
            let fixed = zone.fixed_offset_seconds();
            let arr = parse_each!(TimestampMicrosecondBuilder::with_capacity(s.len()), |t: &str| {
                if let Some(local) = parse_plain_timestamp(t) {
                    return Some(match fixed {
                        Some(off) if utc => local - off as i64 * 1_000_000,
                        _ if utc => zone.local_micros_to_utc_micros(local),
                        _ => local,
                    });
                }
                parse_timestamp(t).map(|(naive, offset)| match offset {
                    Some(off) => naive.and_utc().timestamp_micros() - off as i64 * 1_000_000,
                    None if utc => zone.local_to_utc_micros(&naive),
                    None => naive.and_utc().timestamp_micros(),
                })
            });
            let ts = arr.as_primitive::<TimestampMicrosecondType>().clone();
            Arc::new(ts.with_timezone_opt(tz.clone()))
        }
        DataType::Decimal128(p, sc) => {
            let (p, sc) = (*p, *sc);
            // A well-formed number too large for the type is an overflow, not malformed.
            if !try_ {
                for t in s.iter().flatten() {
                    if parse_decimal(t, p, sc).is_none() && parse_decimal(t, 38, sc).is_some() {
                        return Err(EngineError::execution(
                            "NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION",
                            format!(
                                " {} cannot be represented as Decimal({p}, {sc}). If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error, and return NULL instead.",
                                crate::plan::expr::decimal_text(parse_decimal(t, 38, sc).unwrap_or(0), sc)
                            ),
                            "22003",
                        ));
                    }
                }
            }
            let arr = parse_each!(Decimal128Builder::with_capacity(s.len()), |t: &str| parse_decimal(t, p, sc));
            let d = arr.as_primitive::<Decimal128Type>().clone();
            Arc::new(d.with_precision_and_scale(p, sc)?)
        }
        DataType::Binary => {
            let out: BinaryArray = s.iter().map(|v| v.map(|t| t.as_bytes())).collect();
            Arc::new(out)
        }
        other => {
            return Err(EngineError::unsupported(format!("casting a string to {}", types::sql_name(other))));
        }
    })
}

/// Spark trims whitespace (and control characters) around a number.
fn trim(t: &str) -> &str {
    t.trim_matches(|c: char| c <= ' ')
}

pub fn parse_integer(t: &str) -> Option<i64> {
    let t = trim(t);
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || t.starts_with('+') {
        return None;
    }
    t.parse::<i64>().ok()
}

pub fn parse_double(t: &str) -> Option<f64> {
    let t = trim(t);
    let lower = t.to_ascii_lowercase();
    match lower.as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => return Some(f64::INFINITY),
        "-inf" | "-infinity" => return Some(f64::NEG_INFINITY),
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    // Java's parseDouble takes a trailing d/f type suffix.
    let body = lower.strip_suffix(['d', 'f']).unwrap_or(&lower);
    if body.is_empty() || body.contains("inf") || body.contains("nan") {
        return None;
    }
    body.parse::<f64>().ok()
}

pub fn parse_bool(t: &str) -> Option<bool> {
    match trim(t).to_ascii_lowercase().as_str() {
        "t" | "true" | "y" | "yes" | "1" => Some(true),
        "f" | "false" | "n" | "no" | "0" => Some(false),
        _ => None,
    }
}

fn parse_decimal(t: &str, p: u8, s: i8) -> Option<i128> {
    let t = trim(t);
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i32>().ok()?),
        None => (t, 0),
    };
    let neg = mantissa.starts_with('-');
    let m = mantissa.trim_start_matches(['-', '+']);
    let (int, frac) = m.split_once('.').unwrap_or((m, ""));
    if (int.is_empty() && frac.is_empty()) || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let digits: String = format!("{int}{frac}");
    let scale = frac.len() as i32 - exp;
    let unscaled: i128 = digits.trim_start_matches('0').parse::<i128>().unwrap_or(0);
    let v = if scale < 0 {
        unscaled.checked_mul(10i128.checked_pow((-scale) as u32)?)?
    } else {
        unscaled
    };
    let v = super::arith::rescale(v, scale.max(0).min(127) as i8, s)?;
    let v = if neg { -v } else { v };
    if v.abs() >= 10i128.pow(p as u32) {
        return None;
    }
    Some(v)
}

/// Dates as Spark's stringToDate reads them: `yyyy`, `yyyy-[m]m`,
/// `yyyy-[m]m-[d]d`, optionally followed by a space or `T` and anything.
pub fn parse_date(t: &str) -> Option<i32> {
    let t = trim(t);
    let end = t.find([' ', 'T']).unwrap_or(t.len());
    let body = &t[..end];
    // An optional sign, then a year of 4 to 7 digits.
    let (sign, body) = match body.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, body.strip_prefix('+').unwrap_or(body)),
    };
    let mut parts = body.split('-');
    let year_text = parts.next()?;
    if !(4..=7).contains(&year_text.len()) || !year_text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i32 = sign * year_text.parse::<i32>().ok()?;
    let m: u32 = match parts.next() {
        Some(p) if (1..=2).contains(&p.len()) => p.parse().ok()?,
        Some(_) => return None,
        None => 1,
    };
    let d: u32 = match parts.next() {
        Some(p) if (1..=2).contains(&p.len()) => p.parse().ok()?,
        Some(_) => return None,
        None => 1,
    };
    if parts.next().is_some() {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(y, m, d)?;
    Some((date - NaiveDate::from_ymd_opt(1970, 1, 1)?).num_days() as i32)
}

/// The common layout `yyyy-MM-dd HH:mm:ss[.f…]` (or with `T`), no zone and
/// no surrounding space, read straight from the bytes: local wall-clock
/// micros since the epoch. Anything else returns None and takes the general
/// path, which accepts the same texts, so this only saves time.
pub fn parse_plain_timestamp(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b' ' || b[10] == b'T') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let mut v = 0u32;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + (c - b'0') as u32;
        }
        Some(v)
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d == 0 || d > crate::datetime::days_in_month(y as i32, mo) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    let mut micros = 0u32;
    if b.len() > 19 {
        let frac = &b[20..];
        if b[19] != b'.' || frac.is_empty() || frac.len() > 9 || !frac.iter().all(u8::is_ascii_digit) {
            return None;
        }
        for i in 0..6 {
            micros = micros * 10 + frac.get(i).map_or(0, |c| (c - b'0') as u32);
        }
    }
    let days = crate::datetime::days_from_civil(y as i32, mo, d) as i64;
    Some((days * 86_400 + (h * 3600 + mi * 60 + s) as i64) * 1_000_000 + micros as i64)
}

/// Timestamps as Spark's stringToTimestamp reads them: a date, then
/// optionally ` ` or `T` and `HH:mm[:ss[.ffffff]]`, then optionally a zone
/// (`Z`, `+08:00`, `UTC`, a region id). Returns the wall-clock time and the
/// zone offset in seconds when the text names one.
pub fn parse_timestamp(t: &str) -> Option<(NaiveDateTime, Option<i32>)> {
    let t = trim(t);
    let split = t.find([' ', 'T']);
    let (date_part, rest) = match split {
        Some(i) => (&t[..i], t[i + 1..].trim_start()),
        None => (t, ""),
    };
    let days = parse_date(date_part)?;
    let date = NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::Duration::days(days as i64))?;
    if rest.is_empty() {
        return Some((date.and_hms_opt(0, 0, 0)?, None));
    }
    // time: digits, colons and a fraction; then the zone
    let time_end = rest.find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.')).unwrap_or(rest.len());
    let (time_text, zone_text) = (&rest[..time_end], rest[time_end..].trim());
    let (hms, frac) = time_text.split_once('.').unwrap_or((time_text, ""));
    let mut hp = hms.split(':');
    let h: u32 = hp.next()?.parse().ok()?;
    let mi: u32 = hp.next().map(|x| x.parse().ok()).unwrap_or(Some(0))?;
    let se: u32 = hp.next().map(|x| x.parse().ok()).unwrap_or(Some(0))?;
    if hp.next().is_some() || frac.len() > 9 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let micros: u32 = if frac.is_empty() { 0 } else { format!("{:0<6}", &frac[..frac.len().min(6)]).parse().ok()? };
    let time = NaiveTime::from_hms_micro_opt(h, mi, se, micros)?;
    let naive = NaiveDateTime::new(date, time);
    if zone_text.is_empty() {
        return Some((naive, None));
    }
    let zone = crate::zone::SessionZone::parse(zone_text)?;
    let utc = zone.local_to_utc_micros(&naive);
    let offset = ((naive.and_utc().timestamp_micros() - utc) / 1_000_000) as i32;
    Some((naive, Some(offset)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_follow_spark() {
        assert_eq!(parse_integer(" 42 "), Some(42));
        assert_eq!(parse_integer("+7"), Some(7));
        assert_eq!(parse_integer("1.5"), None);
        assert_eq!(parse_integer("seven"), None);
        assert_eq!(parse_integer(""), None);
    }

    #[test]
    fn dates_and_timestamps() {
        assert_eq!(parse_date("1970-01-02"), Some(1));
        assert_eq!(parse_date("2024-2-29"), Some(19782));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("5"), None);
        assert_eq!(parse_date("0024-01-01").is_some(), true);
        let (ts, off) = parse_timestamp("2024-05-01 10:00:00").unwrap();
        assert_eq!(ts.to_string(), "2024-05-01 10:00:00");
        assert_eq!(off, None);
        let (_, off) = parse_timestamp("2024-05-01T10:00:00Z").unwrap();
        assert_eq!(off, Some(0));
        assert!(parse_timestamp("not a time").is_none());
        // The fast path agrees with the general one, and declines what it cannot read.
        for t in ["2024-05-01 10:00:00", "2024-02-29T23:59:59.123456789", "1969-12-31 23:59:59.5", "0001-01-01 00:00:00"] {
            let (naive, _) = parse_timestamp(t).unwrap();
            assert_eq!(parse_plain_timestamp(t), Some(naive.and_utc().timestamp_micros()), "{t}");
        }
        for t in ["2023-02-29 10:00:00", "2024-05-01 24:00:00", "2024-05-01 10:00:00Z", " 2024-05-01 10:00:00", "2024-05-01 10:00:00.", "2024-5-01 10:00:00"] {
            assert_eq!(parse_plain_timestamp(t), None, "{t}");
        }
    }

    #[test]
    fn decimals_round_half_up() {
        assert_eq!(parse_decimal("1.5", 10, 2), Some(150));
        assert_eq!(parse_decimal("1.005", 10, 2), Some(101));
        assert_eq!(parse_decimal("-1.005", 10, 2), Some(-101));
        assert_eq!(parse_decimal("1e2", 10, 0), Some(100));
        assert_eq!(parse_decimal("x", 10, 0), None);
    }
}
