//! Duration strings as Spark reads them in `window(...)`, `withWatermark`
//! and `trigger(processingTime=...)`: "10 minutes", "1 day 2 hours",
//! "interval 500 milliseconds".

use crate::error::{EngineError, Result};

const MICROS: [(&str, i64); 8] = [
    ("microsecond", 1),
    ("millisecond", 1_000),
    ("second", 1_000_000),
    ("minute", 60_000_000),
    ("hour", 3_600_000_000),
    ("day", 86_400_000_000),
    ("week", 7 * 86_400_000_000),
    ("month", -1),
];

fn unit_micros(unit: &str) -> Option<i64> {
    let u = unit.to_ascii_lowercase();
    let u = u.strip_suffix('s').unwrap_or(&u);
    let u = match u {
        "us" => "microsecond",
        "ms" => "millisecond",
        "sec" => "second",
        "min" => "minute",
        other => other,
    };
    MICROS.iter().find(|(n, _)| *n == u).map(|(_, m)| *m).filter(|m| *m > 0)
}

const FORMAT_HINT: &str = "Please ensure that the value provided is in a valid format for defining an interval. You can reference the documentation for the correct format.";

fn invalid_unit(s: &str, unit: &str) -> EngineError {
    EngineError::analysis(
        "INVALID_INTERVAL_FORMAT.INVALID_UNIT",
        format!("Error parsing '{s}' to interval. {FORMAT_HINT} Invalid unit '{unit}'."),
        "22006",
    )
}

fn unrecognized_number(s: &str, n: &str) -> EngineError {
    EngineError::analysis(
        "INVALID_INTERVAL_FORMAT.UNRECOGNIZED_NUMBER",
        format!("Error parsing '{s}' to interval. {FORMAT_HINT} Unrecognized number {n}."),
        "22006",
    )
}

/// Parses a duration into microseconds.
pub fn parse_duration_micros(s: &str) -> Result<i64> {
    let text = s.trim();
    let mut words: Vec<&str> = text.split_whitespace().collect();
    if words.first().is_some_and(|w| w.eq_ignore_ascii_case("interval")) {
        words.remove(0);
    }
    if words.is_empty() {
        return Err(EngineError::analysis(
            "INVALID_INTERVAL_FORMAT.INPUT_IS_EMPTY",
            format!("Error parsing '{s}' to interval, input is empty."),
            "22006",
        ));
    }
    let mut total: i64 = 0;
    let mut i = 0;
    while i < words.len() {
        let num = words[i].trim_matches('\'');
        let value: f64 = num.parse().map_err(|_| unrecognized_number(s, num))?;
        let unit = words.get(i + 1).copied().ok_or_else(|| invalid_unit(s, ""))?;
        let m = unit_micros(unit).ok_or_else(|| invalid_unit(s, unit))?;
        total = total.saturating_add((value * m as f64).round() as i64);
        i += 2;
    }
    Ok(total)
}

/// Spark's name for an interval literal (`INTERVAL '01' MINUTE`).
pub fn literal_name(value: &str, unit: &str) -> String {
    let u = unit.to_ascii_uppercase();
    let u = u.strip_suffix('S').unwrap_or(&u).to_string();
    let v = match value.parse::<i64>() {
        Ok(n) if matches!(u.as_str(), "HOUR" | "MINUTE" | "SECOND") && (0..10).contains(&n) => format!("0{n}"),
        _ => value.to_string(),
    };
    format!("INTERVAL '{v}' {u}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!(parse_duration_micros("10 minutes").unwrap(), 600_000_000);
        assert_eq!(parse_duration_micros("1 day").unwrap(), 86_400_000_000);
        assert_eq!(parse_duration_micros("interval 2 seconds").unwrap(), 2_000_000);
        assert_eq!(parse_duration_micros("1 hour 30 minutes").unwrap(), 5_400_000_000);
        assert_eq!(parse_duration_micros("500 milliseconds").unwrap(), 500_000);
        assert!(parse_duration_micros("ten minutes").is_err());
        assert!(parse_duration_micros("").is_err());
        assert!(parse_duration_micros("5 fortnights").is_err());
    }
}
