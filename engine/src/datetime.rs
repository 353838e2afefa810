//! Java DateTimeFormatter patterns (`yyyy-MM-dd HH:mm:ss`), as Spark's
//! `to_timestamp(col, fmt)`, `to_date(col, fmt)` and `date_format` take them,
//! translated to chrono's.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

// ---------------------------------------------------------------------------
// Formatting: Java DateTimeFormatter patterns, letter by letter
// ---------------------------------------------------------------------------

/// One piece of a compiled pattern.
#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(String),
    /// a pattern letter and how many times it repeats
    Field(char, usize),
    /// `[` ... `]`: optional section (always printed when formatting)
    Optional,
}

/// A Java datetime pattern compiled for formatting.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    pieces: Vec<Piece>,
}

/// Why Spark refuses a pattern.
#[derive(Clone, Debug, PartialEq)]
pub enum PatternError {
    /// a week-based letter (Y, w, W, u, e, c): Spark 3+ refuses them
    WeekBased(char),
    /// a letter Spark does not support (A, n, N, p, B)
    Unsupported(char),
    /// a letter that is no pattern letter at all
    Illegal(String),
    /// too many letters (`EEEEE`)
    Length(String),
}

impl Pattern {
    /// Compiles a pattern as `DateTimeFormatterBuilder.appendPattern` reads it,
    /// with Spark's restrictions.
    pub fn compile(pattern: &str) -> std::result::Result<Pattern, PatternError> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pieces = Vec::new();
        let mut i = 0;
        let mut text = String::new();
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                i += 1;
                if i < chars.len() && chars[i] == '\'' {
                    text.push('\'');
                    i += 1;
                    continue;
                }
                loop {
                    match chars.get(i) {
                        None => return Err(PatternError::Illegal("'".into())),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            text.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            text.push(*ch);
                            i += 1;
                        }
                    }
                }
                continue;
            }
            if c.is_ascii_alphabetic() {
                let mut n = 1;
                while i + n < chars.len() && chars[i + n] == c {
                    n += 1;
                }
                if matches!(c, 'Y' | 'w' | 'W' | 'u' | 'e' | 'c') {
                    return Err(PatternError::WeekBased(c));
                }
                if matches!(c, 'A' | 'n' | 'N' | 'p' | 'B') {
                    return Err(PatternError::Unsupported(c));
                }
                let ok = match c {
                    'G' => n <= 5,
                    'E' | 'z' => n <= 4,
                    'y' | 'S' => true,
                    'M' | 'L' | 'Q' | 'q' => n <= 5,
                    'd' | 'h' | 'H' | 'k' | 'K' | 'm' | 's' => n <= 2,
                    'D' => n <= 3,
                    'F' => n <= 1,
                    'a' => n == 1,
                    'V' => n == 2,
                    'O' => n == 1 || n == 4,
                    'X' | 'x' | 'Z' => n <= 5,
                    _ => return Err(PatternError::Illegal(c.to_string())),
                };
                if !ok {
                    return Err(PatternError::Length(chars[i..i + n].iter().collect()));
                }
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Field(c, n));
                i += n;
                continue;
            }
            match c {
                '[' | ']' => {
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(Piece::Optional);
                }
                '{' | '}' | '#' => return Err(PatternError::Illegal(c.to_string())),
                _ => text.push(c),
            }
            i += 1;
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Pattern { pieces })
    }

    /// Formats a wall-clock time whose offset from UTC is `offset` seconds,
    /// in `zone` (for zone names), appending to `out`.
    pub fn format_into(&self, dt: &NaiveDateTime, offset: i32, zone: Option<&crate::zone::SessionZone>, utc_micros: i64, out: &mut String) {
        use chrono::{Datelike, Timelike};
        use std::fmt::Write;
        for p in &self.pieces {
            let (c, n) = match p {
                Piece::Text(t) => {
                    out.push_str(t);
                    continue;
                }
                Piece::Optional => continue,
                Piece::Field(c, n) => (*c, *n),
            };
            let num = |out: &mut String, v: i64, width: usize| {
                if v < 0 {
                    out.push('-');
                }
                let _ = write!(out, "{:0width$}", v.unsigned_abs(), width = width);
            };
            match c {
                'G' => out.push_str(match (n, dt.year() > 0) {
                    (4, true) => "Anno Domini",
                    (4, false) => "Before Christ",
                    (5, true) => "A",
                    (5, false) => "B",
                    (_, true) => "AD",
                    (_, false) => "BC",
                }),
                'y' => {
                    let y = dt.year() as i64;
                    let yoe = if y > 0 { y } else { 1 - y };
                    match n {
                        2 => num(out, yoe.rem_euclid(100), 2),
                        _ => {
                            if n == 4 && yoe > 9999 {
                                out.push('+');
                            }
                            num(out, yoe, n)
                        }
                    }
                }
                'M' | 'L' => {
                    let m = dt.month();
                    match n {
                        1 => num(out, m as i64, 1),
                        2 => num(out, m as i64, 2),
                        3 => out.push_str(&MONTH_NAMES[(m - 1) as usize][..3]),
                        4 => out.push_str(MONTH_NAMES[(m - 1) as usize]),
                        _ => out.push_str(&MONTH_NAMES[(m - 1) as usize][..1]),
                    }
                }
                'Q' | 'q' => {
                    let q = (dt.month() - 1) / 3 + 1;
                    match n {
                        1 => num(out, q as i64, 1),
                        2 => num(out, q as i64, 2),
                        3 => {
                            let _ = write!(out, "Q{q}");
                        }
                        4 => out.push_str(["1st quarter", "2nd quarter", "3rd quarter", "4th quarter"][(q - 1) as usize]),
                        _ => num(out, q as i64, 1),
                    }
                }
                'd' => num(out, dt.day() as i64, n),
                'D' => num(out, dt.ordinal() as i64, n),
                'F' => num(out, ((dt.day() - 1) / 7 + 1) as i64, 1),
                'E' => {
                    let w = dt.weekday().num_days_from_monday() as usize;
                    match n {
                        4 => out.push_str(WEEKDAY_NAMES[w]),
                        5 => out.push_str(&WEEKDAY_NAMES[w][..1]),
                        _ => out.push_str(&WEEKDAY_NAMES[w][..3]),
                    }
                }
                'a' => out.push_str(if dt.hour() < 12 { "AM" } else { "PM" }),
                'h' => num(out, match dt.hour() % 12 { 0 => 12, h => h } as i64, n),
                'K' => num(out, (dt.hour() % 12) as i64, n),
                'k' => num(out, match dt.hour() { 0 => 24, h => h } as i64, n),
                'H' => num(out, dt.hour() as i64, n),
                'm' => num(out, dt.minute() as i64, n),
                's' => num(out, dt.second() as i64, n),
                'S' => {
                    let nanos = format!("{:09}", dt.nanosecond() % 1_000_000_000);
                    if n <= 9 {
                        out.push_str(&nanos[..n]);
                    } else {
                        out.push_str(&nanos);
                        out.extend(std::iter::repeat('0').take(n - 9));
                    }
                }
                'V' => out.push_str(&zone_id(zone, offset)),
                'z' => out.push_str(&zone_name(zone, offset, utc_micros, n == 4)),
                'O' => write_localized_offset(out, offset, n == 4),
                'X' | 'x' => {
                    if c == 'X' && offset == 0 {
                        out.push('Z');
                    } else {
                        write_offset(out, offset, n);
                    }
                }
                'Z' => match n {
                    1..=3 => write_offset(out, offset, 2),
                    4 => write_localized_offset(out, offset, true),
                    _ => {
                        if offset == 0 {
                            out.push('Z');
                        } else {
                            write_offset(out, offset, 5);
                        }
                    }
                },
                _ => {}
            }
        }
    }
}

pub const MONTH_NAMES: [&str; 12] = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
];
pub const WEEKDAY_NAMES: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// `X`..`XXXXX` / `x`..`xxxxx` (without the `Z` for zero): `+HH[mm]`, `+HHmm`,
/// `+HH:mm`, `+HHmm[ss]`, `+HH:mm[:ss]`.
fn write_offset(out: &mut String, offset: i32, n: usize) {
    use std::fmt::Write;
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    let _ = match n {
        1 if m == 0 => write!(out, "{sign}{h:02}"),
        1 => write!(out, "{sign}{h:02}{m:02}"),
        2 => write!(out, "{sign}{h:02}{m:02}"),
        3 => write!(out, "{sign}{h:02}:{m:02}"),
        4 if s == 0 => write!(out, "{sign}{h:02}{m:02}"),
        4 => write!(out, "{sign}{h:02}{m:02}{s:02}"),
        _ if s == 0 => write!(out, "{sign}{h:02}:{m:02}"),
        _ => write!(out, "{sign}{h:02}:{m:02}:{s:02}"),
    };
}

/// `O` (`GMT+8`, `GMT-5:30`) and `OOOO` (`GMT+08:00`); `GMT` for zero.
fn write_localized_offset(out: &mut String, offset: i32, full: bool) {
    use std::fmt::Write;
    out.push_str("GMT");
    if offset == 0 {
        return;
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    let _ = if full {
        if s == 0 { write!(out, "{sign}{h:02}:{m:02}") } else { write!(out, "{sign}{h:02}:{m:02}:{s:02}") }
    } else if m == 0 && s == 0 {
        write!(out, "{sign}{h}")
    } else if s == 0 {
        write!(out, "{sign}{h}:{m:02}")
    } else {
        write!(out, "{sign}{h}:{m:02}:{s:02}")
    };
}

fn fixed_id(offset: i32) -> String {
    if offset == 0 {
        return "Z".into();
    }
    let mut s = String::new();
    write_offset(&mut s, offset, 5);
    s
}

/// `VV`: the zone's id (`America/New_York`, `UTC`, `+05:30`).
fn zone_id(zone: Option<&crate::zone::SessionZone>, offset: i32) -> String {
    match zone {
        Some(crate::zone::SessionZone::Named(tz)) => tz.name().to_string(),
        _ => fixed_id(offset),
    }
}

/// `z`..`zzz` (`EST`, `IST`, `UTC`) and `zzzz` (`Eastern Standard Time`).
fn zone_name(zone: Option<&crate::zone::SessionZone>, offset: i32, utc_micros: i64, full: bool) -> String {
    use chrono::offset::{Offset, TimeZone};
    use chrono_tz::{OffsetComponents, OffsetName};
    let tz = match zone {
        Some(crate::zone::SessionZone::Named(tz)) => *tz,
        _ => return fixed_id(offset),
    };
    let secs = utc_micros.div_euclid(1_000_000);
    let Some(at) = chrono::DateTime::from_timestamp(secs, 0) else { return fixed_id(offset) };
    let off = tz.offset_from_utc_datetime(&at.naive_utc());
    let dst = off.dst_offset().num_seconds() != 0;
    let name = tz.name();
    if name == "UTC" || name == "Etc/UTC" || name == "Etc/GMT" || name == "GMT" {
        return if full { "Coordinated Universal Time".into() } else { "UTC".into() };
    }
    if full {
        if let Some((std, day)) = long_zone_names(name) {
            return if dst { day.into() } else { std.into() };
        }
    }
    let abbr = off.abbreviation().unwrap_or("");
    if abbr.is_empty() || abbr.starts_with('+') || abbr.starts_with('-') {
        let _ = off.fix();
        let mut s = String::new();
        write_localized_offset(&mut s, offset, true);
        return s;
    }
    abbr.to_string()
}

/// Java's long names of the zones people use most.
fn long_zone_names(id: &str) -> Option<(&'static str, &'static str)> {
    Some(match id {
        "America/New_York" | "US/Eastern" | "America/Toronto" | "America/Detroit" => ("Eastern Standard Time", "Eastern Daylight Time"),
        "America/Chicago" | "US/Central" => ("Central Standard Time", "Central Daylight Time"),
        "America/Denver" | "US/Mountain" => ("Mountain Standard Time", "Mountain Daylight Time"),
        "America/Phoenix" => ("Mountain Standard Time", "Mountain Standard Time"),
        "America/Los_Angeles" | "US/Pacific" => ("Pacific Standard Time", "Pacific Daylight Time"),
        "Europe/London" => ("Greenwich Mean Time", "British Summer Time"),
        "Europe/Paris" | "Europe/Berlin" | "Europe/Madrid" | "Europe/Rome" | "Europe/Amsterdam" | "Europe/Brussels" | "Europe/Vienna" | "Europe/Stockholm" | "Europe/Oslo" | "Europe/Zurich" | "Europe/Prague" | "Europe/Warsaw" => {
            ("Central European Standard Time", "Central European Summer Time")
        }
        "Asia/Kolkata" | "Asia/Calcutta" => ("India Standard Time", "India Standard Time"),
        "Asia/Tokyo" => ("Japan Standard Time", "Japan Daylight Time"),
        "Asia/Shanghai" => ("China Standard Time", "China Daylight Time"),
        "Australia/Sydney" | "Australia/Melbourne" => ("Australian Eastern Standard Time", "Australian Eastern Daylight Time"),
        _ => return None,
    })
}

/// Formats an instant (UTC micros) in `zone` with a compiled pattern.
pub fn format_instant(p: &Pattern, utc_micros: i64, zone: &crate::zone::SessionZone, out: &mut String) -> bool {
    let offset = zone.offset_seconds_at_utc(utc_micros);
    let Some(local) = utc_micros.checked_add(offset as i64 * 1_000_000) else { return false };
    let Some(dt) = chrono::DateTime::from_timestamp_micros(local) else { return false };
    p.format_into(&dt.naive_utc(), offset, Some(zone), utc_micros, out);
    true
}


// ---------------------------------------------------------------------------
// Spark's checks on patterns, and parsing
// ---------------------------------------------------------------------------

/// Letters `java.text.SimpleDateFormat` knows: when the new formatter refuses
/// a pattern the legacy one accepts, Spark says the behaviour changed.
fn legacy_accepts(pattern: &str) -> bool {
    let mut quoted = false;
    for c in pattern.chars() {
        if c == '\'' {
            quoted = !quoted;
        } else if !quoted && c.is_ascii_alphabetic() && !"GyYMLwWDdFEuaHkKhmsSzZX".contains(c) {
            return false;
        }
    }
    !quoted
}

fn pattern_error(pattern: &str, e: PatternError) -> crate::error::EngineError {
    use crate::error::EngineError;
    if legacy_accepts(pattern) && !matches!(e, PatternError::Length(_)) {
        let letter = match &e {
            PatternError::WeekBased(c) | PatternError::Unsupported(c) => c.to_string(),
            PatternError::Illegal(s) | PatternError::Length(s) => s.clone(),
        };
        let _ = letter;
        return EngineError::execution(
            "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION",
            format!("You may get a different result due to the upgrading to Spark >= 3.0:\nFail to recognize '{pattern}' pattern in the DateTimeFormatter. 1) You can set \"spark.sql.legacy.timeParserPolicy\" to \"LEGACY\" to restore the behavior before Spark 3.0. 2) You can form a valid datetime pattern with the guide from 'https://spark.apache.org/docs/latest/sql-ref-datetime-pattern.html'."),
            "42K0B",
        );
    }
    match e {
        PatternError::WeekBased(c) => EngineError::execution(
            "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_WEEK_BASED_PATTERN",
            format!("You may get a different result due to the upgrading to Spark >= 3.0:\nAll week-based patterns are unsupported since Spark 3.0, detected week-based character: {c}. Please use the SQL function EXTRACT instead."),
            "42K0B",
        ),
        PatternError::Unsupported(c) => illegal_character(pattern, &c.to_string()),
        PatternError::Illegal(c) => illegal_character(pattern, &c),
        PatternError::Length(l) => EngineError::execution(
            "INVALID_DATETIME_PATTERN.LENGTH",
            format!("Unrecognized datetime pattern: {pattern}. Too many letters in datetime pattern: {l}. Please reduce pattern length."),
            "22007",
        ),
    }
}

fn illegal_character(pattern: &str, c: &str) -> crate::error::EngineError {
    crate::error::EngineError::execution(
        "INVALID_DATETIME_PATTERN.ILLEGAL_CHARACTER",
        format!("Unrecognized datetime pattern: {pattern}. Illegal pattern character found in datetime pattern: {c}. Please provide legal character."),
        "22007",
    )
}

/// A pattern for `date_format`/`from_unixtime`, or Spark's error.
pub fn compile_for_formatting(pattern: &str) -> crate::error::Result<Pattern> {
    Pattern::compile(pattern).map_err(|e| pattern_error(pattern, e))
}

/// A pattern for `to_timestamp`/`unix_timestamp`: `E`, `F`, `q`, `Q` only format.
pub fn compile_for_parsing(pattern: &str) -> crate::error::Result<Pattern> {
    let p = compile_for_formatting(pattern)?;
    for piece in &p.pieces {
        if let Piece::Field(c @ ('E' | 'F' | 'q' | 'Q'), _) = piece {
            let _ = c;
            return Err(pattern_error(pattern, PatternError::Unsupported('E')).into_recognition(pattern));
        }
    }
    Ok(p)
}

trait IntoRecognition {
    fn into_recognition(self, pattern: &str) -> Self;
}

impl IntoRecognition for crate::error::EngineError {
    fn into_recognition(self, pattern: &str) -> Self {
        crate::error::EngineError::execution(
            "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION",
            format!("You may get a different result due to the upgrading to Spark >= 3.0:\nFail to recognize '{pattern}' pattern in the DateTimeFormatter. 1) You can set \"spark.sql.legacy.timeParserPolicy\" to \"LEGACY\" to restore the behavior before Spark 3.0. 2) You can form a valid datetime pattern with the guide from 'https://spark.apache.org/docs/latest/sql-ref-datetime-pattern.html'."),
            "42K0B",
        )
    }
}

/// Why a text does not parse, in java.time's words.
#[derive(Clone, Debug, PartialEq)]
pub enum ParseError {
    At(usize),
    Unparsed(usize),
    Invalid(String),
}

impl ParseError {
    pub fn message(&self, text: &str) -> String {
        match self {
            ParseError::At(i) => format!("Text '{text}' could not be parsed at index {i}"),
            ParseError::Unparsed(i) => format!("Text '{text}' could not be parsed, unparsed text found at index {i}"),
            ParseError::Invalid(m) => format!("Text '{text}' could not be parsed: {m}"),
        }
    }
}

/// What a parse found: the wall clock, and a zone or offset when the text had one.
pub struct Parsed {
    pub local: NaiveDateTime,
    pub offset: Option<i32>,
    pub zone: Option<crate::zone::SessionZone>,
}

impl Parsed {
    /// The UTC instant, reading a zone-less text in `session`.
    pub fn utc_micros(&self, session: &crate::zone::SessionZone) -> i64 {
        let local = self.local.and_utc().timestamp_micros();
        match (&self.offset, &self.zone) {
            (Some(o), _) => local - *o as i64 * 1_000_000,
            (None, Some(z)) => z.local_to_utc_micros(&self.local),
            (None, None) => session.local_to_utc_micros(&self.local),
        }
    }
}

fn fixed_width(c: char, n: usize) -> Option<usize> {
    match (c, n) {
        ('y', 2) | ('M' | 'L' | 'd' | 'H' | 'h' | 'k' | 'K' | 'm' | 's', 2) => Some(2),
        ('D', 3) => Some(3),
        _ => None,
    }
}

fn is_numeric(c: char, n: usize) -> bool {
    matches!(c, 'y' | 'd' | 'D' | 'H' | 'h' | 'k' | 'K' | 'm' | 's' | 'S') || (matches!(c, 'M' | 'L') && n <= 2)
}

fn match_text(s: &[u8], pos: usize, options: &[&str]) -> Option<(usize, usize)> {
    // the longest option that matches, case-insensitively
    let mut best: Option<(usize, usize)> = None;
    for (k, o) in options.iter().enumerate() {
        let ob = o.as_bytes();
        if s.len() >= pos + ob.len() && s[pos..pos + ob.len()].eq_ignore_ascii_case(ob) && best.map_or(true, |(_, l)| ob.len() > l) {
            best = Some((k, ob.len()));
        }
    }
    best
}

/// Parses `text` with a compiled pattern as Spark's formatter does
/// (case-insensitive, strict widths, missing fields from 1970-01-01 00:00).
pub fn parse(p: &Pattern, text: &str) -> std::result::Result<Parsed, ParseError> {
    let s = text.as_bytes();
    let mut pos = 0usize;
    let (mut year, mut month, mut day, mut doy): (Option<i64>, Option<i64>, Option<i64>, Option<i64>) = (None, None, None, None);
    let (mut hour, mut hour12, mut ampm, mut minute, mut second, mut nanos) = (None, None, None, None, None, 0i64);
    let mut offset = None;
    let mut zone = None;
    let pieces: Vec<&Piece> = p.pieces.iter().filter(|x| !matches!(x, Piece::Optional)).collect();
    for (k, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Optional => {}
            Piece::Text(t) => {
                let tb = t.as_bytes();
                if s.len() < pos + tb.len() || !s[pos..pos + tb.len()].eq_ignore_ascii_case(tb) {
                    return Err(ParseError::At(pos));
                }
                pos += tb.len();
            }
            Piece::Field(c, n) => {
                let (c, n) = (*c, *n);
                if is_numeric(c, n) {
                    let digits_avail = s[pos..].iter().take_while(|b| b.is_ascii_digit()).count();
                    // widths the following adjacent numeric fields need
                    let mut reserve = 0;
                    for next in &pieces[k + 1..] {
                        match next {
                            Piece::Field(c2, n2) if is_numeric(*c2, *n2) => match fixed_width(*c2, *n2) {
                                Some(w) => reserve += w,
                                None if *c2 == 'S' => reserve += 1,
                                None => break,
                            },
                            _ => break,
                        }
                    }
                    let (min, max) = match (c, n) {
                        ('S', _) => (1, n.min(9)),
                        _ => match fixed_width(c, n) {
                            Some(w) => (w, w),
                            None => match (c, n) {
                                ('y', 1) => (1, 10),
                                ('y', _) => (n, 10),
                                ('D', 2) => (2, 3),
                                _ => (1, 10),
                            },
                        },
                    };
                    let take = if min == max { min } else { digits_avail.saturating_sub(reserve).clamp(0, max) };
                    if take < min || digits_avail < take {
                        return Err(ParseError::At(pos));
                    }
                    let txt = &text[pos..pos + take];
                    let v: i64 = txt.parse().map_err(|_| ParseError::At(pos))?;
                    pos += take;
                    match c {
                        'y' if n == 2 => year = Some(2000 + v),
                        'y' => year = Some(v),
                        'M' | 'L' => month = Some(v),
                        'd' => day = Some(v),
                        'D' => doy = Some(v),
                        'H' => hour = Some(v),
                        'k' => hour = Some(if v == 24 { 0 } else { v }),
                        'h' => hour12 = Some(if v == 12 { 0 } else { v }),
                        'K' => hour12 = Some(v),
                        'm' => minute = Some(v),
                        's' => second = Some(v),
                        _ => nanos = v * 10i64.pow(9 - take as u32),
                    }
                    continue;
                }
                match c {
                    'M' | 'L' => {
                        let names: Vec<&str> = if n == 3 { MONTH_NAMES.iter().map(|m| &m[..3]).collect() } else { MONTH_NAMES.to_vec() };
                        let (i, l) = match_text(s, pos, &names).ok_or(ParseError::At(pos))?;
                        month = Some(i as i64 + 1);
                        pos += l;
                    }
                    'a' => {
                        let (i, l) = match_text(s, pos, &["AM", "PM"]).ok_or(ParseError::At(pos))?;
                        ampm = Some(i as i64);
                        pos += l;
                    }
                    'G' => {
                        let (_, l) = match_text(s, pos, &["AD", "Anno Domini", "BC", "Before Christ"]).ok_or(ParseError::At(pos))?;
                        pos += l;
                    }
                    'X' | 'x' | 'Z' => {
                        if c != 'x' && s.get(pos).is_some_and(|b| *b == b'Z') && (c == 'X' || n == 5) {
                            offset = Some(0);
                            pos += 1;
                            continue;
                        }
                        let sign = match s.get(pos) {
                            Some(b'+') => 1,
                            Some(b'-') => -1,
                            _ => return Err(ParseError::At(pos)),
                        };
                        let mut q = pos + 1;
                        let two = |q: usize| -> Option<i32> {
                            let b = s.get(q..q + 2)?;
                            if b.iter().all(|x| x.is_ascii_digit()) {
                                Some(((b[0] - b'0') * 10 + (b[1] - b'0')) as i32)
                            } else {
                                None
                            }
                        };
                        let h = two(q).ok_or(ParseError::At(pos))?;
                        q += 2;
                        let mut m = 0;
                        if s.get(q) == Some(&b':') && two(q + 1).is_some() {
                            m = two(q + 1).unwrap_or(0);
                            q += 3;
                        } else if let Some(mm) = two(q) {
                            m = mm;
                            q += 2;
                        }
                        offset = Some(sign * (h * 3600 + m * 60));
                        pos = q;
                    }
                    'V' | 'z' | 'O' => {
                        let end = s[pos..].iter().position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'+' | b'-' | b':'))).map_or(s.len(), |e| pos + e);
                        let word = &text[pos..end];
                        let z = short_zone(word).and_then(crate::zone::SessionZone::parse).or_else(|| crate::zone::SessionZone::parse(word));
                        match z {
                            Some(z) => zone = Some(z),
                            None => return Err(ParseError::At(pos)),
                        }
                        pos = end;
                    }
                    _ => return Err(ParseError::At(pos)),
                }
            }
        }
    }
    if pos < s.len() {
        return Err(ParseError::Unparsed(pos));
    }
    let inv = |f: &str, lo: i64, hi: &str, v: i64| ParseError::Invalid(format!("Invalid value for {f} (valid values {lo} - {hi}): {v}"));
    let y = year.unwrap_or(1970);
    if let Some(m) = month {
        if !(1..=12).contains(&m) {
            return Err(inv("MonthOfYear", 1, "12", m));
        }
    }
    if let Some(d) = day {
        if !(1..=31).contains(&d) {
            return Err(inv("DayOfMonth", 1, "28/31", d));
        }
    }
    let date = if let (Some(d), None, None) = (doy, month, day) {
        if !(1..=366).contains(&d) {
            return Err(inv("DayOfYear", 1, "365/366", d));
        }
        NaiveDate::from_yo_opt(y as i32, d as u32).ok_or_else(|| ParseError::Invalid(format!("Invalid date 'DayOfYear 366' as '{y}' is not a leap year")))?
    } else {
        let m = month.unwrap_or(1);
        let d = day.unwrap_or(1);
        NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32).ok_or_else(|| {
            if m == 2 && d == 29 {
                ParseError::Invalid(format!("Invalid date 'February 29' as '{y}' is not a leap year"))
            } else {
                ParseError::Invalid(format!("Invalid date '{} {d}'", MONTH_NAMES[(m - 1) as usize].to_ascii_uppercase()))
            }
        })?
    };
    let h = match (hour, hour12) {
        (Some(h), _) => {
            if !(0..=23).contains(&h) {
                return Err(inv("HourOfDay", 0, "23", h));
            }
            h
        }
        (None, Some(h)) => {
            if !(0..=11).contains(&h) {
                return Err(inv("ClockHourOfAmPm", 1, "12", h));
            }
            h + 12 * ampm.unwrap_or(0)
        }
        (None, None) => 0,
    };
    let mi = minute.unwrap_or(0);
    if !(0..=59).contains(&mi) {
        return Err(inv("MinuteOfHour", 0, "59", mi));
    }
    let se = second.unwrap_or(0);
    if !(0..=59).contains(&se) {
        return Err(inv("SecondOfMinute", 0, "59", se));
    }
    let time = NaiveTime::from_hms_nano_opt(h as u32, mi as u32, se as u32, nanos as u32).ok_or(ParseError::At(0))?;
    Ok(Parsed { local: date.and_time(time), offset, zone })
}

/// Zone ids for the short names java.time parses (`PST`, `EST`, `IST`).
fn short_zone(word: &str) -> Option<&'static str> {
    Some(match word.to_ascii_uppercase().as_str() {
        "EST" | "EDT" => "America/New_York",
        "CST" | "CDT" => "America/Chicago",
        "MST" | "MDT" => "America/Denver",
        "PST" | "PDT" => "America/Los_Angeles",
        "IST" => "Asia/Kolkata",
        "JST" => "Asia/Tokyo",
        "CET" | "CEST" => "Europe/Paris",
        "BST" => "Europe/London",
        _ => return None,
    })
}

/// Parses with a compiled pattern into UTC micros, or Spark's ANSI error.
pub fn parse_to_utc(p: &Pattern, text: &str, session: &crate::zone::SessionZone) -> crate::error::Result<i64> {
    match parse(p, text) {
        Ok(parsed) => Ok(parsed.utc_micros(session)),
        Err(e) => Err(cannot_parse(&e.message(text))),
    }
}

pub fn cannot_parse(msg: &str) -> crate::error::EngineError {
    crate::error::EngineError::execution(
        "CANNOT_PARSE_TIMESTAMP",
        format!("{msg}. Use `try_to_timestamp` to tolerate invalid input string and return NULL instead."),
        "22007",
    )
}

/// Parses `value` with a Java pattern into a wall-clock time.
pub fn parse_with_pattern(value: &str, pattern: &str) -> Option<NaiveDateTime> {
    let p = Pattern::compile(pattern).ok()?;
    parse(&p, value).ok().map(|x| x.local)
}

/// Formats a wall-clock time with a Java pattern (zone letters as UTC).
pub fn format_with_pattern(dt: &NaiveDateTime, pattern: &str) -> Option<String> {
    let p = Pattern::compile(pattern).ok()?;
    let mut s = String::new();
    p.format_into(dt, 0, None, dt.and_utc().timestamp_micros(), &mut s);
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_patterns() {
        let dt = parse_with_pattern("01/05/2024 10:30", "dd/MM/yyyy HH:mm").unwrap();
        assert_eq!(dt.to_string(), "2024-05-01 10:30:00");
        assert_eq!(format_with_pattern(&dt, "yyyy-MM").unwrap(), "2024-05");
        assert_eq!(format_with_pattern(&dt, "HH 'h'").unwrap(), "10 h");
        assert!(parse_with_pattern("nope", "yyyy-MM-dd").is_none());
    }
}

/// Days in a month of the proleptic Gregorian calendar (java.time's).
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a valid proleptic Gregorian date, without a
/// calendar library (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod calendar_tests {
    use super::*;

    #[test]
    fn civil_days_match_chrono() {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        for (y, m, d) in [(1970, 1, 1), (2024, 2, 29), (1969, 12, 31), (2000, 3, 1), (1, 1, 1), (9999, 12, 31), (1900, 2, 28)] {
            let want = (NaiveDate::from_ymd_opt(y, m, d).unwrap() - epoch).num_days() as i32;
            assert_eq!(days_from_civil(y, m, d), want, "{y}-{m}-{d}");
        }
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2023, 11), 30);
    }
}

#[cfg(test)]
mod pattern_tests {
    use super::*;
    use crate::zone::SessionZone;

    fn fmt(micros: i64, zone: &str, pattern: &str) -> String {
        let z = SessionZone::parse(zone).unwrap();
        let p = compile_for_formatting(pattern).unwrap();
        let mut s = String::new();
        assert!(format_instant(&p, micros, &z, &mut s));
        s
    }

    #[test]
    fn zone_letters() {
        // 2024-01-31 15:15:30.123 UTC
        let t = 1_706_714_130_123_000;
        assert_eq!(fmt(t, "America/New_York", "yyyy-MM-dd HH:mm:ss z"), "2024-01-31 10:15:30 EST");
        assert_eq!(fmt(t, "America/New_York", "zzzz VV"), "Eastern Standard Time America/New_York");
        assert_eq!(fmt(t, "America/New_York", "X XX XXX x xxx Z ZZZZ ZZZZZ O OOOO"), "-05 -0500 -05:00 -05 -05:00 -0500 GMT-05:00 -05:00 GMT-5 GMT-05:00");
        assert_eq!(fmt(t, "Asia/Kolkata", "X XXX O"), "+0530 +05:30 GMT+5:30");
        assert_eq!(fmt(t, "UTC", "X x Z O"), "Z +00 +0000 GMT");
        assert_eq!(fmt(t, "UTC", "E EEEE a SSS D Q QQQ QQQQ"), "Wed Wednesday PM 123 31 1 Q1 1st quarter");
        assert_eq!(fmt(t, "UTC", "'at' h:mm a '''x'"), "at 3:15 PM 'x");
        assert_eq!(fmt(t, "UTC", "yyyy-MM-dd [HH:mm]"), "2024-01-31 15:15");
        assert_eq!(fmt(t, "UTC", "G yy yyyyy MMM MMMM d k K"), "AD 24 02024 Jan January 31 15 3");
    }

    #[test]
    fn refused_patterns() {
        let class = |p: &str| compile_for_formatting(p).unwrap_err().class_or_type().to_string();
        assert_eq!(class("yyyy-ww"), "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION");
        assert_eq!(class("e"), "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_WEEK_BASED_PATTERN");
        assert_eq!(class("A"), "INVALID_DATETIME_PATTERN.ILLEGAL_CHARACTER");
        assert_eq!(class("EEEEE"), "INVALID_DATETIME_PATTERN.LENGTH");
        assert!(compile_for_parsing("E yyyy").is_err());
    }

    #[test]
    fn parsing() {
        let p = |pat: &str, s: &str| parse(&Pattern::compile(pat).unwrap(), s);
        let utc = SessionZone::default();
        assert_eq!(p("yyyy-MM-dd'T'HH:mm:ssXXX", "2024-01-31T10:15:30-05:00").unwrap().utc_micros(&utc), 1_706_714_130_000_000);
        assert_eq!(p("dd MMM yyyy hh:mm a", "31 Jan 2024 10:15 PM").unwrap().local.to_string(), "2024-01-31 22:15:00");
        assert_eq!(p("yyyyMMddHHmmss", "20240131101530").unwrap().local.to_string(), "2024-01-31 10:15:30");
        assert_eq!(p("yyyy-DDD", "2024-060").unwrap().local.to_string(), "2024-02-29 00:00:00");
        assert_eq!(p("M", "5").unwrap().local.to_string(), "1970-05-01 00:00:00");
        assert_eq!(p("yyyy-MM-dd HH", "2024-01-31").err(), Some(ParseError::At(10)));
        assert_eq!(p("yyyy-MM-dd HH:mm:ss.SSS", "2024-01-31 10:15:30.1234").err(), Some(ParseError::Unparsed(23)));
        assert_eq!(p("yyyy-MM-dd HH:mm:ss.SSS", "2024-01-31 10:15:30.12").unwrap().local.to_string(), "2024-01-31 10:15:30.120");
        assert_eq!(
            p("yyyy-MM-dd", "2024-13-31").err().map(|e| e.message("2024-13-31")),
            Some("Text '2024-13-31' could not be parsed: Invalid value for MonthOfYear (valid values 1 - 12): 13".into())
        );
        let ny = SessionZone::parse("America/New_York").unwrap();
        assert_eq!(p("yyyy-MM-dd HH:mm:ss z", "2024-01-31 10:15:30 PST").unwrap().utc_micros(&ny), 1_706_724_930_000_000);
    }
}
