//! The session time zone (`spark.sql.session.timeZone`), in which timestamps
//! are parsed and printed. The host never needs a clock for it: it is a
//! setting, UTC unless the script or the lab sets another.

use chrono::{FixedOffset, NaiveDateTime, Offset, TimeZone};

#[derive(Clone, Debug, PartialEq)]
pub enum SessionZone {
    Named(chrono_tz::Tz),
    Fixed(FixedOffset),
}

impl Default for SessionZone {
    fn default() -> Self {
        SessionZone::Named(chrono_tz::UTC)
    }
}

impl SessionZone {
    /// Parses a zone as Spark accepts it: a region id (`Europe/Paris`), `UTC`,
    /// `Z`, or an offset (`+08:00`, `-0530`, `UTC+1`, `GMT-03:00`).
    pub fn parse(id: &str) -> Option<SessionZone> {
        let id = id.trim();
        if id.eq_ignore_ascii_case("utc") || id == "Z" || id.eq_ignore_ascii_case("gmt") {
            return Some(SessionZone::default());
        }
        if let Ok(tz) = id.parse::<chrono_tz::Tz>() {
            return Some(SessionZone::Named(tz));
        }
        let rest = id
            .strip_prefix("UTC")
            .or_else(|| id.strip_prefix("GMT"))
            .or_else(|| id.strip_prefix("UT"))
            .unwrap_or(id);
        parse_offset(rest).map(SessionZone::Fixed)
    }

    /// The offset from UTC, in seconds, at the given UTC instant.
    pub fn offset_seconds_at_utc(&self, utc_micros: i64) -> i32 {
        let secs = utc_micros.div_euclid(1_000_000);
        let naive = match chrono::DateTime::from_timestamp(secs, 0) {
            Some(dt) => dt.naive_utc(),
            None => return 0,
        };
        match self {
            SessionZone::Named(tz) => tz.offset_from_utc_datetime(&naive).fix().local_minus_utc(),
            SessionZone::Fixed(off) => off.local_minus_utc(),
        }
    }

    /// The UTC instant (micros) of a wall-clock time in this zone. In a gap
    /// (spring forward) the earlier offset applies, moving the clock forward; in an overlap the earlier
    /// instant is taken, as java.time does.
    pub fn local_to_utc_micros(&self, local: &NaiveDateTime) -> i64 {
        let local_micros = local.and_utc().timestamp_micros();
        let offset = match self {
            SessionZone::Fixed(off) => off.local_minus_utc(),
            SessionZone::Named(tz) => match tz.offset_from_local_datetime(local) {
                chrono::LocalResult::Single(o) => o.fix().local_minus_utc(),
                chrono::LocalResult::Ambiguous(a, _) => a.fix().local_minus_utc(),
                chrono::LocalResult::None => {
                    // In a gap: java.time moves the wall clock later by the
                    // gap's length, i.e. applies the offset in force before it.
                    let mut off = 0;
                    for h in 1..=4 {
                        let earlier = *local - chrono::Duration::hours(h);
                        match tz.offset_from_local_datetime(&earlier) {
                            chrono::LocalResult::Single(o) => {
                                off = o.fix().local_minus_utc();
                                break;
                            }
                            chrono::LocalResult::Ambiguous(_, b) => {
                                off = b.fix().local_minus_utc();
                                break;
                            }
                            chrono::LocalResult::None => {}
                        }
                    }
                    off
                }
            },
        };
        local_micros.saturating_sub(offset as i64 * 1_000_000)
    }

    /// The offset when it never changes (UTC, a fixed offset), so callers can
    /// skip the zone rules per row.
    pub fn fixed_offset_seconds(&self) -> Option<i32> {
        match self {
            SessionZone::Fixed(off) => Some(off.local_minus_utc()),
            SessionZone::Named(chrono_tz::UTC) | SessionZone::Named(chrono_tz::Etc::UTC) => Some(0),
            SessionZone::Named(_) => None,
        }
    }

    /// `local_to_utc_micros` for wall-clock micros since the epoch.
    pub fn local_micros_to_utc_micros(&self, local_micros: i64) -> i64 {
        match chrono::DateTime::from_timestamp_micros(local_micros) {
            Some(dt) => self.local_to_utc_micros(&dt.naive_utc()),
            None => local_micros,
        }
    }

    /// Local wall-clock micros for a UTC instant.
    pub fn utc_to_local_micros(&self, utc_micros: i64) -> i64 {
        utc_micros.saturating_add(self.offset_seconds_at_utc(utc_micros) as i64 * 1_000_000)
    }
}

fn parse_offset(s: &str) -> Option<FixedOffset> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m, sec) = match digits.len() {
        1 | 2 => (digits.parse::<i32>().ok()?, 0, 0),
        4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?, 0),
        6 => (digits[..2].parse().ok()?, digits[2..4].parse().ok()?, digits[4..].parse().ok()?),
        _ => return None,
    };
    if h > 18 || m > 59 || sec > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60 + sec))
}
