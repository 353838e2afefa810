//! Date and time functions: parts, arithmetic, truncation, Unix time, zones, intervals.
//!
//! Dates are `Date32` (days since the epoch), timestamps are UTC micros shown
//! in the session zone (`ctx.zone`); functions that work on the wall clock
//! (parts, truncation, month arithmetic) go through the session zone as Spark
//! does.

use crate::plan::functions::need;
use std::sync::Arc;

use arrow::array::*;
use arrow::datatypes::*;
use chrono::{Datelike, NaiveDate};

use super::{call, LibFn, PyArg};
use crate::error::{EngineError, Result};
use crate::eval::EvalCtx;
use crate::plan::expr::{Lit, PExpr};
use crate::types;
use crate::zone::SessionZone;

const MICROS_PER_DAY: i64 = 86_400_000_000;
const MICROS_PER_SECOND: i64 = 1_000_000;
/// Days from 0001-01-01 (chrono's CE day 1) to 1970-01-01.
const EPOCH_CE: i32 = 719_163;

/// A field `date_part`/`extract` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Year,
    YearOfWeek,
    Quarter,
    Month,
    Week,
    Day,
    DayOfWeek,
    DayOfWeekIso,
    DayOfYear,
    Hour,
    Minute,
    Second,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateFn {
    AddMonths,
    LastDay,
    NextDay,
    DayOfYear,
    WeekOfYear,
    Weekday,
    Quarter,
    DayName,
    MonthName,
    MonthsBetween,
    DateTrunc,
    Trunc,
    Part(Part),
    TimestampAdd,
    TimestampDiff,
    MakeDate,
    MakeTimestamp { ntz: bool },
    UnixTimestamp,
    FromUnixtime,
    UnixSeconds,
    UnixMillis,
    UnixMicros,
    UnixDate,
    TimestampMillis,
    TimestampMicros,
    DateFromUnixDate,
    FromUtcTimestamp,
    ToUtcTimestamp,
    ConvertTimezone,
    CurrentTimezone,
    WindowTime,
    MakeInterval,
    MakeDtInterval,
    MakeYmInterval,
    /// timestamp (UTC micros) -> timestamp_ntz (wall clock in the session zone)
    ToNtz,
}

const NAMES: &[&str] = &[
    "add_months", "last_day", "next_day", "dayofyear", "weekofyear", "weekday", "quarter", "dayname", "monthname",
    "months_between", "date_trunc", "trunc", "date_part", "datepart", "extract", "timestampadd", "timestampdiff",
    "make_date", "make_timestamp", "make_timestamp_ltz", "make_timestamp_ntz", "unix_timestamp", "to_unix_timestamp",
    "from_unixtime", "unix_seconds", "unix_millis", "unix_micros", "unix_date", "timestamp_millis", "timestamp_micros",
    "date_from_unix_date", "from_utc_timestamp", "to_utc_timestamp", "convert_timezone", "current_timezone",
    "localtimestamp", "window_time", "make_interval", "make_dt_interval", "make_ym_interval", "to_timestamp_ltz",
    "to_timestamp_ntz", "date_diff",
];

pub fn knows(name: &str) -> bool {
    NAMES.contains(&name)
}

pub fn python_signature(name: &str) -> Option<&'static [(&'static str, PyArg)]> {
    use PyArg::*;
    Some(match name {
        "next_day" => &[("date", Col), ("dayOfWeek", Lit)],
        "date_trunc" => &[("format", Lit), ("timestamp", Col)],
        "trunc" => &[("date", Col), ("format", Lit)],
        "from_unixtime" => &[("timestamp", Col), ("format", Lit)],
        "unix_timestamp" => &[("timestamp", Col), ("format", Lit)],
        "from_utc_timestamp" | "to_utc_timestamp" => &[("timestamp", Col), ("tz", Lit)],
        "timestampadd" => &[("unit", Lit), ("quantity", Col), ("ts", Col)],
        "timestampdiff" => &[("unit", Lit), ("start", Col), ("end", Col)],
        "make_interval" => &[("years", Col), ("months", Col), ("weeks", Col), ("days", Col), ("hours", Col), ("mins", Col), ("secs", Col)],
        "make_dt_interval" => &[("days", Col), ("hours", Col), ("mins", Col), ("secs", Col)],
        "make_ym_interval" => &[("years", Col), ("months", Col)],
        "make_timestamp" | "make_timestamp_ltz" => &[("years", Col), ("months", Col), ("days", Col), ("hours", Col), ("mins", Col), ("secs", Col), ("timezone", Col)],
        "make_timestamp_ntz" => &[("years", Col), ("months", Col), ("days", Col), ("hours", Col), ("mins", Col), ("secs", Col)],
        "make_date" => &[("year", Col), ("month", Col), ("day", Col)],
        "months_between" => &[("date1", Col), ("date2", Col), ("roundOff", Lit)],
        _ => return None,
    })
}

pub fn pretty(name: &str, args: &[String]) -> Option<String> {
    let list = args.join(", ");
    Some(match name {
        "months_between" if args.len() == 2 => format!("months_between({list}, true)"),
        "unix_timestamp" | "to_unix_timestamp" if args.len() == 1 => format!("{name}({list}, yyyy-MM-dd HH:mm:ss)"),
        "unix_timestamp" if args.is_empty() => "unix_timestamp(current_timestamp(), yyyy-MM-dd HH:mm:ss)".into(),
        "from_unixtime" if args.len() == 1 => format!("from_unixtime({list}, yyyy-MM-dd HH:mm:ss)"),
        "extract" | "datepart" if args.len() == 2 => format!("{name}({} FROM {})", args[0], args[1]),
        "current_timezone" | "localtimestamp" => format!("{name}()"),
        "convert_timezone" if args.len() == 2 => format!("convert_timezone(current_timezone(), {list})"),
        _ => return None,
    })
}



fn mismatch(name: &str, pretty: &str, msg: String) -> EngineError {
    EngineError::analysis(
        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
        format!("Cannot resolve \"{pretty}\" due to data type mismatch: {msg} (in `{name}`)."),
        "42K09",
    )
}

fn d(f: DateFn, args: Vec<PExpr>, ty: DataType) -> PExpr {
    call(LibFn::Date(f), args, ty)
}

fn to_date(e: PExpr) -> PExpr {
    e.cast(DataType::Date32)
}

fn to_ts(e: PExpr) -> PExpr {
    if types::is_timestamp(&e.ty) && e.ty != types::timestamp_ntz() {
        e
    } else {
        e.cast(types::timestamp())
    }
}

fn string(e: PExpr) -> PExpr {
    e.cast(DataType::Utf8)
}

fn int(e: PExpr) -> PExpr {
    e.cast(DataType::Int32)
}

fn long(e: PExpr) -> PExpr {
    e.cast(DataType::Int64)
}

fn lit_str(e: &PExpr) -> Option<String> {
    match e.as_literal() {
        Some(Lit::Str(s)) => Some(s.clone()),
        _ => None,
    }
}

pub fn part_of(field: &str) -> Option<Part> {
    Some(match field.to_ascii_uppercase().as_str() {
        "YEAR" | "Y" | "YEARS" | "YR" | "YRS" => Part::Year,
        "YEAROFWEEK" => Part::YearOfWeek,
        "QUARTER" | "QTR" => Part::Quarter,
        "MONTH" | "MON" | "MONS" | "MONTHS" => Part::Month,
        "WEEK" | "W" | "WEEKS" => Part::Week,
        "DAY" | "D" | "DAYS" => Part::Day,
        "DAYOFWEEK" | "DOW" => Part::DayOfWeek,
        "DAYOFWEEK_ISO" | "DOW_ISO" => Part::DayOfWeekIso,
        "DOY" => Part::DayOfYear,
        "HOUR" | "H" | "HOURS" | "HR" | "HRS" => Part::Hour,
        "MINUTE" | "M" | "MIN" | "MINS" | "MINUTES" => Part::Minute,
        "SECOND" | "S" | "SEC" | "SECONDS" | "SECS" => Part::Second,
        _ => return None,
    })
}

pub fn resolve(name: &str, mut args: Vec<PExpr>, pretty: &str) -> Result<PExpr> {
    use DateFn as F;
    let int_ty = DataType::Int32;
    Ok(match name {
        "add_months" => {
            need(name, &args, 2, 2)?;
            let n = int(args.remove(1));
            d(F::AddMonths, vec![to_date(args.remove(0)), n], DataType::Date32)
        }
        "last_day" => {
            need(name, &args, 1, 1)?;
            d(F::LastDay, vec![to_date(args.remove(0))], DataType::Date32)
        }
        "next_day" => {
            need(name, &args, 2, 2)?;
            let w = string(args.remove(1));
            d(F::NextDay, vec![to_date(args.remove(0)), w], DataType::Date32)
        }
        "dayofyear" | "weekofyear" | "weekday" | "quarter" => {
            need(name, &args, 1, 1)?;
            let f = match name {
                "dayofyear" => F::DayOfYear,
                "weekofyear" => F::WeekOfYear,
                "weekday" => F::Weekday,
                _ => F::Quarter,
            };
            d(f, vec![to_date(args.remove(0))], int_ty)
        }
        "dayname" | "monthname" => {
            need(name, &args, 1, 1)?;
            d(if name == "dayname" { F::DayName } else { F::MonthName }, vec![to_date(args.remove(0))], DataType::Utf8)
        }
        "months_between" => {
            need(name, &args, 2, 3)?;
            let round = if args.len() == 3 { args.remove(2).cast(DataType::Boolean) } else { PExpr::literal(Lit::Bool(true)) };
            let b = to_ts(args.remove(1));
            let a = to_ts(args.remove(0));
            d(F::MonthsBetween, vec![a, b, round], DataType::Float64)
        }
        "date_trunc" => {
            need(name, &args, 2, 2)?;
            let t = to_ts(args.remove(1));
            d(F::DateTrunc, vec![string(args.remove(0)), t], types::timestamp())
        }
        "trunc" => {
            need(name, &args, 2, 2)?;
            let f = string(args.remove(1));
            d(F::Trunc, vec![to_date(args.remove(0)), f], DataType::Date32)
        }
        "date_part" | "datepart" | "extract" => {
            need(name, &args, 2, 2)?;
            let src = args.remove(1);
            let Some(field) = lit_str(&args[0]) else {
                return Err(EngineError::analysis(
                    "NON_FOLDABLE_ARGUMENT",
                    format!("The function `{name}` requires the parameter `field` to be a foldable expression of the type \"STRING\", but the actual argument is a non-foldable."),
                    "42K08",
                ));
            };
            let shown = pretty.rsplit_once(" FROM ").map(|(_, s)| s.trim_end_matches(')').to_string());
            let src_name = shown.unwrap_or_else(|| pretty.split_once(", ").map(|(_, s)| s.trim_end_matches(')').to_string()).unwrap_or_default());
            let p = part_of(&field).ok_or_else(|| {
                EngineError::analysis("INVALID_EXTRACT_FIELD", format!("Cannot extract `{field}` from \"{src_name}\"."), "42601")
            })?;
            match p {
                Part::Hour | Part::Minute | Part::Second => {
                    let ty = if p == Part::Second { DataType::Decimal128(8, 6) } else { int_ty };
                    d(F::Part(p), vec![to_ts(src)], ty)
                }
                _ => d(F::Part(p), vec![to_date(src)], int_ty),
            }
        }
        "timestampadd" | "timestampdiff" => {
            need(name, &args, 3, 3)?;
            let unit = lit_str(&args[0]).unwrap_or_default().to_ascii_uppercase();
            let ok = matches!(
                unit.as_str(),
                "YEAR" | "QUARTER" | "MONTH" | "WEEK" | "DAY" | "HOUR" | "MINUTE" | "SECOND" | "MILLISECOND" | "MICROSECOND"
            ) || (name == "timestampadd" && unit == "DAYOFYEAR");
            if !ok {
                return Err(EngineError::analysis(
                    "INVALID_PARAMETER_VALUE.DATETIME_UNIT",
                    format!("The value of parameter(s) `unit` in `{name}` is invalid: expects one of the units without quotes YEAR, QUARTER, MONTH, WEEK, DAY, DAYOFYEAR, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND, but got the string literal '{}'.", lit_str(&args[0]).unwrap_or_default()),
                    "22023",
                ));
            }
            let u = PExpr::literal(Lit::Str(unit));
            let c = to_ts(args.remove(2));
            let b = args.remove(1);
            if name == "timestampadd" {
                d(F::TimestampAdd, vec![u, long(b), c], types::timestamp())
            } else {
                d(F::TimestampDiff, vec![u, to_ts(b), c], DataType::Int64)
            }
        }
        "date_diff" => crate::plan::functions::resolve_scalar("datediff", args, pretty)?,
        "make_date" => {
            need(name, &args, 3, 3)?;
            d(F::MakeDate, args.into_iter().map(int).collect(), DataType::Date32)
        }
        "make_timestamp" | "make_timestamp_ltz" | "make_timestamp_ntz" => {
            let ntz = name == "make_timestamp_ntz";
            need(name, &args, 6, if ntz { 6 } else { 7 })?;
            let mut out: Vec<PExpr> = Vec::with_capacity(7);
            for (i, a) in args.into_iter().enumerate() {
                out.push(match i {
                    0..=4 => int(a),
                    5 => a.cast(DataType::Decimal128(16, 6)),
                    _ => string(a),
                });
            }
            d(F::MakeTimestamp { ntz }, out, if ntz { types::timestamp_ntz() } else { types::timestamp() })
        }
        "unix_timestamp" | "to_unix_timestamp" => {
            need(name, &args, if name == "unix_timestamp" { 0 } else { 1 }, 2)?;
            let fmt = if args.len() == 2 { string(args.remove(1)) } else { PExpr::literal(Lit::Str("yyyy-MM-dd HH:mm:ss".into())) };
            let v = if args.is_empty() {
                crate::plan::functions::resolve_scalar("current_timestamp", vec![], "current_timestamp()")?
            } else {
                args.remove(0)
            };
            let v = match &v.ty {
                DataType::Utf8 | DataType::Date32 => v,
                // timestamp_ntz: its wall clock read as UTC, as Spark does
                t if types::is_timestamp(t) => v,
                DataType::Null => v.cast(DataType::Utf8),
                other => {
                    return Err(mismatch(
                        name,
                        pretty,
                        format!("The first parameter requires the (\"STRING\" or \"DATE\" or \"TIMESTAMP\" or \"TIMESTAMP_NTZ\") type, however \"{}\" has the type \"{}\"", pretty_arg(pretty), types::simple_name(other).to_uppercase()),
                    ))
                }
            };
            d(F::UnixTimestamp, vec![v, fmt], DataType::Int64)
        }
        "from_unixtime" => {
            need(name, &args, 1, 2)?;
            let fmt = if args.len() == 2 { string(args.remove(1)) } else { PExpr::literal(Lit::Str("yyyy-MM-dd HH:mm:ss".into())) };
            d(F::FromUnixtime, vec![long(args.remove(0)), fmt], DataType::Utf8)
        }
        "unix_seconds" | "unix_millis" | "unix_micros" => {
            need(name, &args, 1, 1)?;
            let f = match name {
                "unix_seconds" => F::UnixSeconds,
                "unix_millis" => F::UnixMillis,
                _ => F::UnixMicros,
            };
            d(f, vec![to_ts(args.remove(0))], DataType::Int64)
        }
        "unix_date" => {
            need(name, &args, 1, 1)?;
            d(F::UnixDate, vec![to_date(args.remove(0))], int_ty)
        }
        "timestamp_millis" | "timestamp_micros" => {
            need(name, &args, 1, 1)?;
            let f = if name == "timestamp_millis" { F::TimestampMillis } else { F::TimestampMicros };
            d(f, vec![long(args.remove(0))], types::timestamp())
        }
        "date_from_unix_date" => {
            need(name, &args, 1, 1)?;
            d(F::DateFromUnixDate, vec![int(args.remove(0))], DataType::Date32)
        }
        "from_utc_timestamp" | "to_utc_timestamp" => {
            need(name, &args, 2, 2)?;
            let z = string(args.remove(1));
            let f = if name == "from_utc_timestamp" { F::FromUtcTimestamp } else { F::ToUtcTimestamp };
            d(f, vec![to_ts(args.remove(0)), z], types::timestamp())
        }
        "convert_timezone" => {
            need(name, &args, 2, 3)?;
            let ts = args.pop().map(|t| t.cast(types::timestamp_ntz())).unwrap_or_else(|| PExpr::literal(Lit::Null));
            let target = string(args.pop().unwrap_or_else(|| PExpr::literal(Lit::Null)));
            let source = match args.pop() {
                Some(s) => string(s),
                None => d(F::CurrentTimezone, vec![], DataType::Utf8),
            };
            d(F::ConvertTimezone, vec![source, target, ts], types::timestamp_ntz())
        }
        "current_timezone" => {
            need(name, &args, 0, 0)?;
            d(F::CurrentTimezone, vec![], DataType::Utf8)
        }
        "localtimestamp" => {
            need(name, &args, 0, 0)?;
            let now = crate::plan::functions::resolve_scalar("current_timestamp", vec![], "current_timestamp()")?;
            d(F::ToNtz, vec![now], types::timestamp_ntz())
        }
        "to_timestamp_ltz" => crate::plan::functions::resolve_scalar("to_timestamp", args, pretty)?,
        "to_timestamp_ntz" => {
            need(name, &args, 1, 2)?;
            let v = args.remove(0);
            if v.ty == types::timestamp_ntz() {
                v
            } else if args.is_empty() && v.ty == DataType::Utf8 {
                v.cast(types::timestamp_ntz())
            } else {
                let mut all = vec![v];
                all.extend(args);
                let t = crate::plan::functions::resolve_scalar("to_timestamp", all, pretty)?;
                d(F::ToNtz, vec![t], types::timestamp_ntz())
            }
        }
        "window_time" => {
            need(name, &args, 1, 1)?;
            let w = args.remove(0);
            let ok = matches!(&w.ty, DataType::Struct(f) if f.len() == 2 && f.iter().all(|f| types::is_timestamp(f.data_type())));
            if !ok {
                return Err(mismatch(
                    name,
                    pretty,
                    format!("The first parameter requires the \"STRUCT\" type, however \"{}\" has the type \"{}\"", pretty_arg(pretty), types::simple_name(&w.ty).to_uppercase()),
                ));
            }
            d(F::WindowTime, vec![w], types::timestamp())
        }
        "make_interval" => {
            need(name, &args, 0, 7)?;
            let mut out: Vec<PExpr> = args.into_iter().collect();
            while out.len() < 7 {
                out.push(PExpr::literal(Lit::Int(0)));
            }
            let out = out
                .into_iter()
                .enumerate()
                .map(|(i, a)| if i == 6 { a.cast(DataType::Decimal128(18, 6)) } else { int(a) })
                .collect();
            d(F::MakeInterval, out, DataType::Interval(IntervalUnit::MonthDayNano))
        }
        "make_dt_interval" => {
            need(name, &args, 0, 4)?;
            let mut out: Vec<PExpr> = args;
            while out.len() < 4 {
                out.push(PExpr::literal(Lit::Int(0)));
            }
            let out = out
                .into_iter()
                .enumerate()
                .map(|(i, a)| if i == 3 { a.cast(DataType::Decimal128(18, 6)) } else { int(a) })
                .collect();
            d(F::MakeDtInterval, out, types::day_time_interval())
        }
        "make_ym_interval" => {
            need(name, &args, 0, 2)?;
            let mut out: Vec<PExpr> = args.into_iter().map(int).collect();
            while out.len() < 2 {
                out.push(PExpr::literal(Lit::Int(0)));
            }
            d(F::MakeYmInterval, out, DataType::Interval(IntervalUnit::YearMonth))
        }
        _ => return Err(EngineError::unsupported(format!("the function `{name}`"))),
    })
}

/// The first argument's text inside a generated name `f(a, b)`.
fn pretty_arg(pretty: &str) -> String {
    let inner = pretty.split_once('(').map(|(_, r)| r).unwrap_or(pretty);
    let inner = inner.strip_suffix(')').unwrap_or(inner);
    let mut depth = 0;
    for (i, c) in inner.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => return inner[..i].to_string(),
            _ => {}
        }
    }
    inner.to_string()
}

// ---------------------------------------------------------------------------
// Calendar helpers
// ---------------------------------------------------------------------------

pub fn date_of(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(EPOCH_CE)?)
}

pub fn days_of(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - EPOCH_CE
}


/// `LocalDate.plusMonths`: the day clamps to the end of a shorter month.
pub fn add_months(date: NaiveDate, months: i64) -> Option<NaiveDate> {
    let total = date.year() as i64 * 12 + date.month0() as i64 + months;
    let y = i32::try_from(total.div_euclid(12)).ok()?;
    let m = total.rem_euclid(12) as u32 + 1;
    let day = date.day().min(crate::datetime::days_in_month(y, m));
    NaiveDate::from_ymd_opt(y, m, day)
}

fn weekday_of(s: &str) -> Option<u32> {
    // Monday = 0
    Some(match s.trim().to_ascii_uppercase().as_str() {
        "MO" | "MON" | "MONDAY" => 0,
        "TU" | "TUE" | "TUESDAY" => 1,
        "WE" | "WED" | "WEDNESDAY" => 2,
        "TH" | "THU" | "THURSDAY" => 3,
        "FR" | "FRI" | "FRIDAY" => 4,
        "SA" | "SAT" | "SATURDAY" => 5,
        "SU" | "SUN" | "SUNDAY" => 6,
        _ => return None,
    })
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Level {
    Microsecond,
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

fn trunc_level(s: &str) -> Option<Level> {
    Some(match s.trim().to_ascii_uppercase().as_str() {
        "YEAR" | "YYYY" | "YY" => Level::Year,
        "QUARTER" => Level::Quarter,
        "MONTH" | "MM" | "MON" => Level::Month,
        "WEEK" => Level::Week,
        "DAY" | "DD" => Level::Day,
        "HOUR" => Level::Hour,
        "MINUTE" => Level::Minute,
        "SECOND" => Level::Second,
        "MILLISECOND" => Level::Millisecond,
        "MICROSECOND" => Level::Microsecond,
        _ => return None,
    })
}

fn trunc_date(date: NaiveDate, level: Level) -> Option<NaiveDate> {
    match level {
        Level::Week => date.checked_sub_signed(chrono::Duration::days(date.weekday().num_days_from_monday() as i64)),
        Level::Month => date.with_day(1),
        Level::Quarter => NaiveDate::from_ymd_opt(date.year(), (date.month0() / 3) * 3 + 1, 1),
        Level::Year => NaiveDate::from_ymd_opt(date.year(), 1, 1),
        _ => Some(date),
    }
}

fn trunc_timestamp(micros: i64, level: Level, zone: &SessionZone) -> Option<i64> {
    Some(match level {
        Level::Microsecond => micros,
        Level::Millisecond => micros - micros.rem_euclid(1000),
        Level::Second => micros - micros.rem_euclid(MICROS_PER_SECOND),
        _ => {
            let local = zone.utc_to_local_micros(micros);
            let unit = match level {
                Level::Minute => 60 * MICROS_PER_SECOND,
                Level::Hour => 3600 * MICROS_PER_SECOND,
                _ => MICROS_PER_DAY,
            };
            let day_local = local - local.rem_euclid(unit);
            let t = if level <= Level::Day {
                day_local
            } else {
                let date = date_of(i32::try_from(local.div_euclid(MICROS_PER_DAY)).ok()?)?;
                days_of(trunc_date(date, level)?) as i64 * MICROS_PER_DAY
            };
            zone.local_micros_to_utc_micros(t)
        }
    })
}

fn field_error(field: &str, lo: i64, hi: &str, v: i64) -> EngineError {
    datetime_oob(&format!("Invalid value for {field} (valid values {lo} - {hi}): {v}"))
}

fn datetime_oob(msg: &str) -> EngineError {
    EngineError::execution(
        "DATETIME_FIELD_OUT_OF_BOUNDS",
        format!("{msg}. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error."),
        "22023",
    )
}

/// `LocalDate.of(y, m, d)` with java.time's messages.
fn make_date(y: i32, m: i32, day: i32) -> Result<NaiveDate> {
    if !(-999_999_999..=999_999_999).contains(&y) {
        return Err(field_error("Year", -999_999_999, "999999999", y as i64));
    }
    if !(1..=12).contains(&m) {
        return Err(field_error("MonthOfYear", 1, "12", m as i64));
    }
    if !(1..=31).contains(&day) {
        return Err(field_error("DayOfMonth", 1, "28/31", day as i64));
    }
    let dim = crate::datetime::days_in_month(y, m as u32) as i32;
    if day > dim {
        let month = crate::datetime::MONTH_NAMES[(m - 1) as usize].to_ascii_uppercase();
        return Err(if m == 2 && day == 29 {
            datetime_oob(&format!("Invalid date 'February 29' as '{y}' is not a leap year"))
        } else {
            datetime_oob(&format!("Invalid date '{month} {day}'"))
        });
    }
    NaiveDate::from_ymd_opt(y, m as u32, day as u32).ok_or_else(|| EngineError::execution("DATETIME_OVERFLOW", format!("Datetime operation overflow: make_date({y}, {m}, {day})."), "22008"))
}

fn parse_zone(z: &str) -> Result<SessionZone> {
    SessionZone::parse(z).ok_or_else(|| {
        EngineError::execution("INVALID_TIMEZONE", format!("The timezone: {z} is invalid. The timezone must be either a region-based zone ID or a zone offset. Region IDs must have the form 'area/city', such as 'America/Los_Angeles'. Zone offsets must be in the format '(+|-)HH', '(+|-)HH:mm' or '(+|-)HH:mm:ss', e.g '-08', '+01:00' or '-13:33:33', and must be in the range from -18:00 to +18:00. 'Z' and 'UTC' are accepted as synonyms for '+00:00'."), "22009")
    })
}

fn zone_cache<'a>(cache: &'a mut Option<(String, SessionZone)>, z: &str) -> Result<&'a SessionZone> {
    let hit = matches!(cache, Some((k, _)) if k == z);
    if !hit {
        *cache = Some((z.to_string(), parse_zone(z)?));
    }
    match cache {
        Some((_, zone)) => Ok(zone),
        None => Err(EngineError::unsupported("a time zone")),
    }
}

pub fn zone_display_id(z: &SessionZone) -> String {
    match z {
        SessionZone::Named(tz) => tz.name().to_string(),
        SessionZone::Fixed(off) => {
            let s = off.local_minus_utc();
            if s == 0 {
                "Z".into()
            } else {
                let a = s.unsigned_abs();
                let sign = if s < 0 { '-' } else { '+' };
                if a % 60 == 0 {
                    format!("{sign}{:02}:{:02}", a / 3600, a / 60 % 60)
                } else {
                    format!("{sign}{:02}:{:02}:{:02}", a / 3600, a / 60 % 60, a % 60)
                }
            }
        }
    }
}

fn overflow(what: &str) -> EngineError {
    EngineError::execution("DATETIME_OVERFLOW", format!("Datetime operation overflow: {what}."), "22008")
}

fn arith_overflow(msg: &str) -> EngineError {
    crate::eval::arith::overflow(msg, "try_add")
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

fn prim<T: ArrowPrimitiveType>(a: &ArrayRef) -> Result<&PrimitiveArray<T>> {
    a.as_primitive_opt::<T>().ok_or_else(|| EngineError::unsupported(format!("a {} argument here", a.data_type())))
}

fn strs(a: &ArrayRef) -> Result<&StringArray> {
    a.as_string_opt::<i32>().ok_or_else(|| EngineError::unsupported(format!("a {} argument here", a.data_type())))
}

fn get<T: ArrowPrimitiveType>(a: &PrimitiveArray<T>, i: usize) -> Option<T::Native> {
    if a.is_valid(i) {
        Some(a.value(i))
    } else {
        None
    }
}

fn sget(a: &StringArray, i: usize) -> Option<&str> {
    if a.is_valid(i) {
        Some(a.value(i))
    } else {
        None
    }
}

fn ts_array(v: Vec<Option<i64>>) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(v).with_timezone("UTC"))
}

fn date_map(a: &ArrayRef, f: impl Fn(NaiveDate) -> Option<i32>) -> Result<ArrayRef> {
    let d = prim::<Date32Type>(a)?;
    Ok(Arc::new(d.iter().map(|v| f(date_of(v?)?)).collect::<Int32Array>()))
}

pub fn eval(f: DateFn, a: &[ArrayRef], ty: &DataType, n: usize, ctx: &EvalCtx) -> Result<ArrayRef> {
    use DateFn as F;
    let zone = &ctx.zone;
    let arg = |i: usize| a.get(i).ok_or_else(|| EngineError::unsupported("a missing argument"));
    Ok(match f {
        F::AddMonths => {
            let dt = prim::<Date32Type>(arg(0)?)?;
            let k = prim::<Int32Type>(arg(1)?)?;
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let (Some(v), Some(m)) = (get(dt, i), get(k, i)) else {
                    out.push(None);
                    continue;
                };
                let r = date_of(v).and_then(|x| add_months(x, m as i64)).ok_or_else(|| overflow("add_months"))?;
                out.push(Some(days_of(r)));
            }
            Arc::new(Date32Array::from(out))
        }
        F::LastDay => {
            let dt = prim::<Date32Type>(arg(0)?)?;
            Arc::new(Date32Array::from_iter(dt.iter().map(|v| {
                let x = date_of(v?)?;
                Some(days_of(x.with_day(crate::datetime::days_in_month(x.year(), x.month()))?))
            })))
        }
        F::NextDay => {
            let dt = prim::<Date32Type>(arg(0)?)?;
            let w = strs(arg(1)?)?;
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let (Some(v), Some(s)) = (get(dt, i), sget(w, i)) else {
                    out.push(None);
                    continue;
                };
                let want = weekday_of(s).ok_or_else(|| {
                    EngineError::execution("ILLEGAL_DAY_OF_WEEK", format!("Illegal input for day of week: {s}."), "22009")
                })?;
                let Some(x) = date_of(v) else {
                    out.push(None);
                    continue;
                };
                let cur = x.weekday().num_days_from_monday();
                let delta = (want + 7 - cur - 1) % 7 + 1;
                out.push(v.checked_add(delta as i32));
            }
            Arc::new(Date32Array::from(out))
        }
        F::DayOfYear => date_map(arg(0)?, |x| Some(x.ordinal() as i32))?,
        F::WeekOfYear => date_map(arg(0)?, |x| Some(x.iso_week().week() as i32))?,
        F::Weekday => date_map(arg(0)?, |x| Some(x.weekday().num_days_from_monday() as i32))?,
        F::Quarter => date_map(arg(0)?, |x| Some(x.month0() as i32 / 3 + 1))?,
        F::DayName | F::MonthName => {
            let dt = prim::<Date32Type>(arg(0)?)?;
            Arc::new(StringArray::from_iter(dt.iter().map(|v| {
                let x = date_of(v?)?;
                Some(if f == F::DayName {
                    &crate::datetime::WEEKDAY_NAMES[x.weekday().num_days_from_monday() as usize][..3]
                } else {
                    &crate::datetime::MONTH_NAMES[x.month0() as usize][..3]
                })
            })))
        }
        F::MonthsBetween => {
            let t1 = prim::<TimestampMicrosecondType>(arg(0)?)?;
            let t2 = prim::<TimestampMicrosecondType>(arg(1)?)?;
            let r = arg(2)?.as_boolean_opt().ok_or_else(|| EngineError::unsupported("months_between roundOff"))?;
            Arc::new(Float64Array::from_iter((0..n).map(|i| {
                let round = if r.is_valid(i) { r.value(i) } else { return None };
                Some(months_between(get(t1, i)?, get(t2, i)?, round, zone))
            })))
        }
        F::DateTrunc => {
            let fmt = strs(arg(0)?)?;
            let t = prim::<TimestampMicrosecondType>(arg(1)?)?;
            ts_array(
                (0..n)
                    .map(|i| {
                        let level = trunc_level(sget(fmt, i)?)?;
                        trunc_timestamp(get(t, i)?, level, zone)
                    })
                    .collect(),
            )
        }
        F::Trunc => {
            let dt = prim::<Date32Type>(arg(0)?)?;
            let fmt = strs(arg(1)?)?;
            Arc::new(Date32Array::from_iter((0..n).map(|i| {
                let level = trunc_level(sget(fmt, i)?)?;
                if level < Level::Week {
                    return None;
                }
                Some(days_of(trunc_date(date_of(get(dt, i)?)?, level)?))
            })))
        }
        F::Part(p) => match p {
            Part::Hour | Part::Minute | Part::Second => {
                let t = prim::<TimestampMicrosecondType>(arg(0)?)?;
                if p == Part::Second {
                    let out: Decimal128Array = t
                        .iter()
                        .map(|v| {
                            let local = zone.utc_to_local_micros(v?);
                            Some((local.rem_euclid(60 * MICROS_PER_SECOND)) as i128)
                        })
                        .collect();
                    Arc::new(out.with_precision_and_scale(8, 6)?) as ArrayRef
                } else {
                    Arc::new(Int32Array::from_iter(t.iter().map(|v| {
                        let local = zone.utc_to_local_micros(v?);
                        let s = local.rem_euclid(MICROS_PER_DAY) / MICROS_PER_SECOND;
                        Some(if p == Part::Hour { s / 3600 } else { s / 60 % 60 } as i32)
                    })))
                }
            }
            _ => date_map(arg(0)?, |x| {
                Some(match p {
                    Part::Year => x.year(),
                    Part::YearOfWeek => x.iso_week().year(),
                    Part::Quarter => x.month0() as i32 / 3 + 1,
                    Part::Month => x.month() as i32,
                    Part::Week => x.iso_week().week() as i32,
                    Part::Day => x.day() as i32,
                    Part::DayOfWeek => x.weekday().number_from_sunday() as i32,
                    Part::DayOfWeekIso => x.weekday().number_from_monday() as i32,
                    _ => x.ordinal() as i32,
                })
            })?,
        },
        F::TimestampAdd => {
            let unit = strs(arg(0)?)?;
            let q = prim::<Int64Type>(arg(1)?)?;
            let t = prim::<TimestampMicrosecondType>(arg(2)?)?;
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let (Some(u), Some(k), Some(v)) = (sget(unit, i), get(q, i), get(t, i)) else {
                    out.push(None);
                    continue;
                };
                out.push(Some(timestamp_add(u, k, v, zone)?));
            }
            ts_array(out)
        }
        F::TimestampDiff => {
            let unit = strs(arg(0)?)?;
            let s = prim::<TimestampMicrosecondType>(arg(1)?)?;
            let e = prim::<TimestampMicrosecondType>(arg(2)?)?;
            Arc::new(Int64Array::from_iter((0..n).map(|i| {
                timestamp_diff(sget(unit, i)?, zone.utc_to_local_micros(get(s, i)?), zone.utc_to_local_micros(get(e, i)?))
            })))
        }
        F::MakeDate => {
            let y = prim::<Int32Type>(arg(0)?)?;
            let m = prim::<Int32Type>(arg(1)?)?;
            let dd = prim::<Int32Type>(arg(2)?)?;
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let (Some(y), Some(m), Some(dd)) = (get(y, i), get(m, i), get(dd, i)) else {
                    out.push(None);
                    continue;
                };
                out.push(Some(days_of(make_date(y, m, dd)?)));
            }
            Arc::new(Date32Array::from(out))
        }
        F::MakeTimestamp { ntz } => {
            let parts: Vec<&Int32Array> = (0..5).map(|i| prim::<Int32Type>(arg(i)?)).collect::<Result<_>>()?;
            let secs = prim::<Decimal128Type>(arg(5)?)?;
            let tz = match a.get(6) {
                Some(z) => Some(strs(z)?),
                None => None,
            };
            let mut cache: Option<(String, SessionZone)> = None;
            let mut out = Vec::with_capacity(n);
            'rows: for i in 0..n {
                let mut v = [0i32; 5];
                for (k, p) in parts.iter().enumerate() {
                    match get(*p, i) {
                        Some(x) => v[k] = x,
                        None => {
                            out.push(None);
                            continue 'rows;
                        }
                    }
                }
                let Some(sec) = get(secs, i) else {
                    out.push(None);
                    continue;
                };
                let local = make_local(v, sec)?;
                if ntz {
                    out.push(Some(local));
                    continue;
                }
                let z = match tz {
                    Some(t) => match sget(t, i) {
                        Some(name) => zone_cache(&mut cache, name)?,
                        None => {
                            out.push(None);
                            continue;
                        }
                    },
                    None => zone,
                };
                out.push(Some(z.local_micros_to_utc_micros(local)));
            }
            if ntz {
                Arc::new(TimestampMicrosecondArray::from(out))
            } else {
                ts_array(out)
            }
        }
        F::UnixTimestamp => {
            let fmt = strs(arg(1)?)?;
            let v = arg(0)?;
            match v.data_type() {
                DataType::Utf8 => {
                    let s = strs(v)?;
                    let mut out = Vec::with_capacity(n);
                    let mut cache: Option<(String, crate::datetime::Pattern)> = None;
                    for i in 0..n {
                        let (Some(x), Some(p)) = (sget(s, i), sget(fmt, i)) else {
                            out.push(None);
                            continue;
                        };
                        if !matches!(&cache, Some((k, _)) if k == p) {
                            cache = Some((p.to_string(), crate::datetime::compile_for_parsing(p)?));
                        }
                        let Some((_, pat)) = &cache else { continue };
                        let micros = crate::datetime::parse_to_utc(pat, x, zone)?;
                        out.push(Some(micros.div_euclid(MICROS_PER_SECOND)));
                    }
                    Arc::new(Int64Array::from(out))
                }
                DataType::Date32 => {
                    let dt = prim::<Date32Type>(v)?;
                    Arc::new(Int64Array::from_iter(dt.iter().map(|x| {
                        Some(zone.local_micros_to_utc_micros(x? as i64 * MICROS_PER_DAY).div_euclid(MICROS_PER_SECOND))
                    })))
                }
                DataType::Null => Arc::new(Int64Array::new_null(n)),
                _ => {
                    let t = prim::<TimestampMicrosecondType>(v)?;
                    Arc::new(Int64Array::from_iter(t.iter().map(|x| Some(x?.div_euclid(MICROS_PER_SECOND)))))
                }
            }
        }
        F::FromUnixtime => {
            let secs = prim::<Int64Type>(arg(0)?)?;
            let fmt = strs(arg(1)?)?;
            let mut b = StringBuilder::with_capacity(n, n * 20);
            let mut cache: Option<(String, crate::datetime::Pattern)> = None;
            let mut buf = String::new();
            for i in 0..n {
                let (Some(s), Some(p)) = (get(secs, i), sget(fmt, i)) else {
                    b.append_null();
                    continue;
                };
                if !matches!(&cache, Some((k, _)) if k == p) {
                    cache = Some((p.to_string(), crate::datetime::compile_for_formatting(p)?));
                }
                let Some((_, pat)) = &cache else { continue };
                buf.clear();
                let micros = s.checked_mul(MICROS_PER_SECOND).ok_or_else(|| arith_overflow("long overflow"))?;
                if crate::datetime::format_instant(pat, micros, zone, &mut buf) {
                    b.append_value(&buf);
                } else {
                    b.append_null();
                }
            }
            Arc::new(b.finish())
        }
        F::UnixSeconds | F::UnixMillis | F::UnixMicros => {
            let t = prim::<TimestampMicrosecondType>(arg(0)?)?;
            let div = match f {
                F::UnixSeconds => MICROS_PER_SECOND,
                F::UnixMillis => 1000,
                _ => 1,
            };
            Arc::new(Int64Array::from_iter(t.iter().map(|x| Some(x?.div_euclid(div)))))
        }
        F::UnixDate => {
            let dt = prim::<Date32Type>(arg(0)?)?;
            Arc::new(Int32Array::from_iter(dt.iter()))
        }
        F::TimestampMillis | F::TimestampMicros => {
            let v = prim::<Int64Type>(arg(0)?)?;
            let mul = if f == F::TimestampMillis { 1000 } else { 1 };
            let mut out = Vec::with_capacity(n);
            for x in v.iter() {
                out.push(match x {
                    Some(x) => Some(x.checked_mul(mul).ok_or_else(|| arith_overflow("long overflow"))?),
                    None => None,
                });
            }
            ts_array(out)
        }
        F::DateFromUnixDate => {
            let v = prim::<Int32Type>(arg(0)?)?;
            Arc::new(Date32Array::from_iter(v.iter()))
        }
        F::FromUtcTimestamp | F::ToUtcTimestamp => {
            let t = prim::<TimestampMicrosecondType>(arg(0)?)?;
            let z = strs(arg(1)?)?;
            let mut cache: Option<(String, SessionZone)> = None;
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let (Some(v), Some(name)) = (get(t, i), sget(z, i)) else {
                    out.push(None);
                    continue;
                };
                let target = zone_cache(&mut cache, name)?;
                // `DateTimeUtils.convertTz`: the wall clock in one zone read in the other
                // (UTC and `target`), whatever the session zone.
                out.push(Some(if f == F::FromUtcTimestamp { target.utc_to_local_micros(v) } else { target.local_micros_to_utc_micros(v) }));
            }
            ts_array(out)
        }
        F::ConvertTimezone => {
            let src = strs(arg(0)?)?;
            let dst = strs(arg(1)?)?;
            let t = prim::<TimestampMicrosecondType>(arg(2)?)?;
            let mut c1: Option<(String, SessionZone)> = None;
            let mut c2: Option<(String, SessionZone)> = None;
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let (Some(s), Some(dz), Some(v)) = (sget(src, i), sget(dst, i), get(t, i)) else {
                    out.push(None);
                    continue;
                };
                let utc = zone_cache(&mut c1, s)?.local_micros_to_utc_micros(v);
                out.push(Some(zone_cache(&mut c2, dz)?.utc_to_local_micros(utc)));
            }
            Arc::new(TimestampMicrosecondArray::from(out))
        }
        F::CurrentTimezone => {
            let id = zone_display_id(zone);
            Arc::new(StringArray::from(vec![id.as_str(); n]))
        }
        F::ToNtz => {
            let t = prim::<TimestampMicrosecondType>(arg(0)?)?;
            Arc::new(TimestampMicrosecondArray::from_iter(t.iter().map(|v| Some(zone.utc_to_local_micros(v?)))))
        }
        F::WindowTime => {
            let s = arg(0)?.as_struct_opt().ok_or_else(|| EngineError::unsupported("window_time of this column"))?;
            let end = s.column(1);
            let e = prim::<TimestampMicrosecondType>(end)?;
            ts_array((0..n).map(|i| if s.is_valid(i) { Some(get(e, i)? - 1) } else { None }).collect())
        }
        F::MakeInterval => {
            let parts: Vec<&Int32Array> = (0..6).map(|i| prim::<Int32Type>(arg(i)?)).collect::<Result<_>>()?;
            let secs = prim::<Decimal128Type>(arg(6)?)?;
            let mut out = Vec::with_capacity(n);
            'rows: for i in 0..n {
                let mut v = [0i64; 6];
                for (k, p) in parts.iter().enumerate() {
                    match get(*p, i) {
                        Some(x) => v[k] = x as i64,
                        None => {
                            out.push(None);
                            continue 'rows;
                        }
                    }
                }
                let Some(sec) = get(secs, i) else {
                    out.push(None);
                    continue;
                };
                let ovf = || arith_overflow("integer overflow");
                let months = i32::try_from(v[0] * 12 + v[1]).map_err(|_| ovf())?;
                let days = i32::try_from(v[2] * 7 + v[3]).map_err(|_| ovf())?;
                let micros = (v[4] as i128 * 3600 + v[5] as i128 * 60) * 1_000_000 + sec;
                let micros = i64::try_from(micros).map_err(|_| arith_overflow("long overflow"))?;
                out.push(Some(IntervalMonthDayNano::new(months, days, micros.checked_mul(1000).ok_or_else(|| arith_overflow("long overflow"))?)));
            }
            Arc::new(IntervalMonthDayNanoArray::from(out))
        }
        F::MakeDtInterval => {
            let parts: Vec<&Int32Array> = (0..3).map(|i| prim::<Int32Type>(arg(i)?)).collect::<Result<_>>()?;
            let secs = prim::<Decimal128Type>(arg(3)?)?;
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let (Some(dd), Some(h), Some(m), Some(s)) = (get(parts[0], i), get(parts[1], i), get(parts[2], i), get(secs, i)) else {
                    out.push(None);
                    continue;
                };
                let micros = ((dd as i128 * 24 + h as i128) * 60 + m as i128) * 60_000_000 + s;
                out.push(Some(i64::try_from(micros).map_err(|_| arith_overflow("long overflow"))?));
            }
            Arc::new(DurationMicrosecondArray::from(out))
        }
        F::MakeYmInterval => {
            let y = prim::<Int32Type>(arg(0)?)?;
            let m = prim::<Int32Type>(arg(1)?)?;
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let (Some(y), Some(m)) = (get(y, i), get(m, i)) else {
                    out.push(None);
                    continue;
                };
                let total = (y as i64) * 12 + m as i64;
                out.push(Some(i32::try_from(total).map_err(|_| arith_overflow("integer overflow"))?));
            }
            Arc::new(IntervalYearMonthArray::from(out))
        }
    })
    .and_then(|r: ArrayRef| {
        if r.data_type() != ty && !matches!((r.data_type(), ty), (DataType::Timestamp(..), DataType::Timestamp(..))) {
            Ok(arrow::compute::cast(&r, ty)?)
        } else {
            Ok(r)
        }
    })
}

/// `DateTimeUtils.monthsBetween`.
fn months_between(t1: i64, t2: i64, round: bool, zone: &SessionZone) -> f64 {
    let l1 = zone.utc_to_local_micros(t1);
    let l2 = zone.utc_to_local_micros(t2);
    let d1 = l1.div_euclid(MICROS_PER_DAY);
    let d2 = l2.div_euclid(MICROS_PER_DAY);
    let (Some(a), Some(b)) = (date_of(d1 as i32), date_of(d2 as i32)) else { return f64::NAN };
    let months = (a.year() - b.year()) as i64 * 12 + a.month() as i64 - b.month() as i64;
    let last = |x: NaiveDate| x.day() == crate::datetime::days_in_month(x.year(), x.month());
    if a.day() == b.day() || (last(a) && last(b)) {
        return months as f64;
    }
    let s1 = (t1 - zone.local_micros_to_utc_micros(d1 * MICROS_PER_DAY)) / MICROS_PER_SECOND;
    let s2 = (t2 - zone.local_micros_to_utc_micros(d2 * MICROS_PER_DAY)) / MICROS_PER_SECOND;
    let secs = (a.day() as i64 - b.day() as i64) * 86_400 + s1 - s2;
    let diff = months as f64 + secs as f64 / (31.0 * 86_400.0);
    if round {
        (diff * 1e8 + 0.5).floor() / 1e8
    } else {
        diff
    }
}

fn invalid_unit(func: &str, unit: &str) -> EngineError {
    EngineError::execution(
        "INVALID_PARAMETER_VALUE.DATETIME_UNIT",
        format!("The value of parameter(s) `unit` in `{func}` is invalid: expects one of the units without quotes YEAR, QUARTER, MONTH, WEEK, DAY, DAYOFYEAR, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND, but got the string literal '{unit}'."),
        "22023",
    )
}

/// `DateTimeUtils.timestampAdd`.
fn timestamp_add(unit: &str, k: i64, micros: i64, zone: &SessionZone) -> Result<i64> {
    let ovf = || arith_overflow("long overflow");
    let instant = |per: i64| -> Result<i64> { k.checked_mul(per).and_then(|d| micros.checked_add(d)).ok_or_else(ovf) };
    let local = zone.utc_to_local_micros(micros);
    let tod = local.rem_euclid(MICROS_PER_DAY);
    let day = local.div_euclid(MICROS_PER_DAY);
    let by_days = |days: i64| -> Result<i64> {
        let l = (day.checked_add(days).ok_or_else(ovf)?).checked_mul(MICROS_PER_DAY).and_then(|x| x.checked_add(tod)).ok_or_else(ovf)?;
        Ok(zone.local_micros_to_utc_micros(l))
    };
    let by_months = |m: i64| -> Result<i64> {
        let date = date_of(day as i32).ok_or_else(|| overflow("timestampadd"))?;
        let r = add_months(date, m).ok_or_else(|| overflow("timestampadd"))?;
        let l = (days_of(r) as i64).checked_mul(MICROS_PER_DAY).and_then(|x| x.checked_add(tod)).ok_or_else(ovf)?;
        Ok(zone.local_micros_to_utc_micros(l))
    };
    let int = |x: i64| -> Result<i64> { i32::try_from(x).map(|v| v as i64).map_err(|_| arith_overflow("integer overflow")) };
    match unit.to_ascii_uppercase().as_str() {
        "MICROSECOND" => instant(1),
        "MILLISECOND" => instant(1000),
        "SECOND" => instant(MICROS_PER_SECOND),
        "MINUTE" => instant(60 * MICROS_PER_SECOND),
        "HOUR" => instant(3600 * MICROS_PER_SECOND),
        "DAY" | "DAYOFYEAR" => by_days(int(k)?),
        "WEEK" => by_days(int(k)? * 7),
        "MONTH" => by_months(int(k)?),
        "QUARTER" => by_months(int(k)? * 3),
        "YEAR" => by_months(int(k)? * 12),
        _ => Err(invalid_unit("timestampadd", unit)),
    }
}

/// `ChronoUnit.between` on the two wall clocks.
fn timestamp_diff(unit: &str, start: i64, end: i64) -> Option<i64> {
    let u = unit.to_ascii_uppercase();
    let per = match u.as_str() {
        "MICROSECOND" => Some(1),
        "MILLISECOND" => Some(1000),
        "SECOND" => Some(MICROS_PER_SECOND),
        "MINUTE" => Some(60 * MICROS_PER_SECOND),
        "HOUR" => Some(3600 * MICROS_PER_SECOND),
        _ => None,
    };
    if let Some(per) = per {
        return Some(end.checked_sub(start)? / per);
    }
    let (sd, st) = (start.div_euclid(MICROS_PER_DAY), start.rem_euclid(MICROS_PER_DAY));
    let (mut ed, et) = (end.div_euclid(MICROS_PER_DAY), end.rem_euclid(MICROS_PER_DAY));
    if ed > sd && et < st {
        ed -= 1;
    } else if ed < sd && et > st {
        ed += 1;
    }
    let days = ed - sd;
    let months = || -> Option<i64> {
        let a = date_of(sd as i32)?;
        let b = date_of(ed as i32)?;
        let pa = (a.year() as i64 * 12 + a.month0() as i64) * 32 + a.day() as i64;
        let pb = (b.year() as i64 * 12 + b.month0() as i64) * 32 + b.day() as i64;
        Some((pb - pa) / 32)
    };
    Some(match u.as_str() {
        "DAY" => days,
        "WEEK" => days / 7,
        "MONTH" => months()?,
        "QUARTER" => months()? / 3,
        "YEAR" => months()? / 12,
        _ => return None,
    })
}

/// Wall-clock micros of make_timestamp's fields (seconds as decimal(16,6)).
fn make_local(v: [i32; 5], sec: i128) -> Result<i64> {
    let date = make_date(v[0], v[1], v[2])?;
    if !(0..=23).contains(&v[3]) {
        return Err(field_error("HourOfDay", 0, "23", v[3] as i64));
    }
    if !(0..=59).contains(&v[4]) {
        return Err(field_error("MinuteOfHour", 0, "59", v[4] as i64));
    }
    let whole = sec.div_euclid(1_000_000);
    let frac = sec.rem_euclid(1_000_000);
    let (whole, extra) = if whole == 60 {
        if frac != 0 {
            return Err(EngineError::execution(
                "INVALID_FRACTION_OF_SECOND",
                format!("Valid range for seconds is [0, 60] (inclusive), but the provided value is {}. To avoid this error, use `try_make_timestamp`, which returns NULL on error. If you do not want to use the session default timestamp version of this function, use `try_make_timestamp_ntz` or `try_make_timestamp_ltz`.", crate::plan::expr::decimal_text(sec, 6)),
                "22023",
            ));
        }
        (0, 60 * MICROS_PER_SECOND)
    } else if !(0..=59).contains(&whole) {
        return Err(field_error("SecondOfMinute", 0, "59", whole as i64));
    } else {
        (whole as i64, 0)
    };
    Ok(days_of(date) as i64 * MICROS_PER_DAY
        + (v[3] as i64 * 3600 + v[4] as i64 * 60 + whole) * MICROS_PER_SECOND
        + frac as i64
        + extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn months_clamp_and_between() {
        assert_eq!(add_months(ymd(2024, 1, 31), 1), Some(ymd(2024, 2, 29)));
        assert_eq!(add_months(ymd(2024, 3, 31), -13), Some(ymd(2023, 2, 28)));
        let z = SessionZone::default();
        let day = |y, m, d| days_of(ymd(y, m, d)) as i64 * MICROS_PER_DAY;
        assert_eq!(months_between(day(2024, 1, 31), day(2024, 1, 15), true, &z), 0.51612903);
        assert_eq!(months_between(day(2023, 11, 15), day(2024, 1, 15), true, &z), -2.0);
        assert_eq!(months_between(day(2024, 2, 29), day(2024, 1, 31), true, &z), 1.0);
    }

    #[test]
    fn truncation_and_parts() {
        let z = SessionZone::default();
        let t = days_of(ymd(2024, 2, 29)) as i64 * MICROS_PER_DAY + 3_723_456_789;
        assert_eq!(trunc_timestamp(t, Level::Hour, &z), Some(days_of(ymd(2024, 2, 29)) as i64 * MICROS_PER_DAY + 3_600_000_000));
        assert_eq!(trunc_timestamp(t, Level::Week, &z), Some(days_of(ymd(2024, 2, 26)) as i64 * MICROS_PER_DAY));
        assert_eq!(trunc_timestamp(t, Level::Quarter, &z), Some(days_of(ymd(2024, 1, 1)) as i64 * MICROS_PER_DAY));
        assert_eq!(trunc_level("mon"), Some(Level::Month));
        assert_eq!(trunc_level("bogus"), None);
        assert_eq!(part_of("dow_iso"), Some(Part::DayOfWeekIso));
    }

    #[test]
    fn make_date_errors() {
        assert!(make_date(2024, 2, 29).is_ok());
        let e = make_date(2024, 2, 30).unwrap_err().to_string();
        assert!(e.contains("Invalid date 'FEBRUARY 30'"), "{e}");
        let e = make_date(2023, 2, 29).unwrap_err().to_string();
        assert!(e.contains("'February 29' as '2023' is not a leap year"), "{e}");
        assert!(make_date(2024, 13, 1).unwrap_err().to_string().contains("MonthOfYear (valid values 1 - 12): 13"));
        assert_eq!(make_local([2024, 2, 3, 4, 5], 60_000_000).unwrap(), days_of(ymd(2024, 2, 3)) as i64 * MICROS_PER_DAY + (4 * 3600 + 6 * 60) * MICROS_PER_SECOND);
        assert!(make_local([2024, 2, 3, 4, 5], 60_500_000).is_err());
    }

    #[test]
    fn add_and_diff() {
        let z = SessionZone::default();
        let t = days_of(ymd(2024, 1, 31)) as i64 * MICROS_PER_DAY;
        assert_eq!(timestamp_add("month", 1, t, &z).unwrap(), days_of(ymd(2024, 2, 29)) as i64 * MICROS_PER_DAY);
        assert!(timestamp_add("bogus", 1, t, &z).is_err());
        let u = days_of(ymd(2024, 3, 30)) as i64 * MICROS_PER_DAY;
        assert_eq!(timestamp_diff("MONTH", t, u), Some(1));
        assert_eq!(timestamp_diff("day", t, u), Some(59));
        assert_eq!(timestamp_diff("HOUR", u, t), Some(-59 * 24));
        assert_eq!(weekday_of("sun"), Some(6));
    }
}
