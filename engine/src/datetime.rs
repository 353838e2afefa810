//! Java DateTimeFormatter patterns (`yyyy-MM-dd HH:mm:ss`), as Spark's
//! `to_timestamp(col, fmt)`, `to_date(col, fmt)` and `date_format` take them,
//! translated to chrono's.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Translates a Java pattern into chrono's strftime syntax.
fn translate(pattern: &str) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // quoted literal; '' is a quote
            i += 1;
            if i < chars.len() && chars[i] == '\'' {
                out.push('\'');
                i += 1;
                continue;
            }
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '%' {
                    out.push_str("%%");
                } else {
                    out.push(chars[i]);
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        let piece = match (c, n) {
            ('y', 2) => "%y".to_string(),
            ('y', _) | ('u', _) => "%Y".to_string(),
            ('M', 1) => "%-m".to_string(),
            ('M', 2) => "%m".to_string(),
            ('M', 3) => "%b".to_string(),
            ('M', _) => "%B".to_string(),
            ('d', 1) => "%-d".to_string(),
            ('d', _) => "%d".to_string(),
            ('D', _) => "%j".to_string(),
            ('H', 1) => "%-H".to_string(),
            ('H', _) => "%H".to_string(),
            ('h', 1) => "%-I".to_string(),
            ('h', _) => "%I".to_string(),
            ('m', 1) => "%-M".to_string(),
            ('m', _) => "%M".to_string(),
            ('s', 1) => "%-S".to_string(),
            ('s', _) => "%S".to_string(),
            ('S', 3) => "%3f".to_string(),
            ('S', 6) => "%6f".to_string(),
            ('S', 9) => "%9f".to_string(),
            ('S', _) => "%3f".to_string(),
            ('a', _) => "%p".to_string(),
            ('E', 1..=3) => "%a".to_string(),
            ('E', _) => "%A".to_string(),
            ('X', _) | ('x', _) | ('Z', _) => "%z".to_string(),
            ('z', _) | ('V', _) => "%Z".to_string(),
            (c, _) if c.is_ascii_alphabetic() => return None,
            ('%', _) => "%%".repeat(n),
            (c, _) => c.to_string().repeat(n),
        };
        out.push_str(&piece);
        i += n;
    }
    Some(out)
}

/// Parses `value` with a Java pattern into a wall-clock time.
pub fn parse_with_pattern(value: &str, pattern: &str) -> Option<NaiveDateTime> {
    let fmt = translate(pattern)?;
    if let Ok(dt) = NaiveDateTime::parse_from_str(value, &fmt) {
        return Some(dt);
    }
    if let Ok(d) = NaiveDate::parse_from_str(value, &fmt) {
        return Some(d.and_time(NaiveTime::MIN));
    }
    // A pattern with only a year and a month.
    let with_day = format!("{value}-01");
    NaiveDate::parse_from_str(&with_day, &format!("{fmt}-%d")).ok().map(|d| d.and_time(NaiveTime::MIN))
}

/// Formats a wall-clock time with a Java pattern.
pub fn format_with_pattern(dt: &NaiveDateTime, pattern: &str) -> Option<String> {
    let fmt = translate(pattern)?;
    use std::fmt::Write;
    let mut s = String::new();
    write!(s, "{}", dt.format(&fmt)).ok()?;
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
