//! Times as the protocol and the operator's tools write them: RFC 3339 in UTC, whole seconds
//! (`2026-07-01T00:00:00Z`). The hotline export's incident and receipt times are formatted here,
//! and the CLI's `--expires` values are parsed and its expiry times printed here, so the two
//! sides cannot disagree on a date.

/// Seconds in a day.
const DAY_SECONDS: u64 = 24 * 60 * 60;
/// Days before each month in a common year.
const DAYS_BEFORE_MONTH: [u64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/// A time that is not RFC 3339, or that no expiry can be (a leap second, before 1970); the text
/// says which, quoting the input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidTime(String);

/// Parses an RFC 3339 date-time (`2026-07-01T00:00:00Z`, `2026-07-01T02:00:00.5+02:00`) into
/// unix seconds. Fractions of a second are dropped; leap seconds and times before 1970 are
/// refused.
pub fn parse(text: &str) -> Result<u64, InvalidTime> {
    let invalid = || {
        InvalidTime(format!(
            "expected an RFC 3339 time such as 2026-07-01T00:00:00Z, not {text:?}"
        ))
    };
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<u64> {
        let digits = bytes.get(range)?;
        digits.iter().try_fold(0u64, |value, &digit| {
            digit
                .is_ascii_digit()
                .then(|| value * 10 + u64::from(digit - b'0'))
        })
    };
    let separator = |at: usize, allowed: &[u8]| bytes.get(at).is_some_and(|b| allowed.contains(b));
    if !(separator(4, b"-")
        && separator(7, b"-")
        && separator(10, b"Tt")
        && separator(13, b":")
        && separator(16, b":"))
    {
        return Err(invalid());
    }
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        number(0..4),
        number(5..7),
        number(8..10),
        number(11..13),
        number(14..16),
        number(17..19),
    ) else {
        return Err(invalid());
    };
    let mut rest = &bytes[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return Err(invalid());
        }
        rest = &fraction[digits..];
    }
    let offset_seconds: i64 = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let two = |a: u8, b: u8| -> Option<i64> {
                (a.is_ascii_digit() && b.is_ascii_digit())
                    .then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
            };
            let (Some(hours), Some(minutes)) = (two(*h1, *h2), two(*m1, *m2)) else {
                return Err(invalid());
            };
            if hours > 23 || minutes > 59 {
                return Err(invalid());
            }
            let magnitude = hours * 3600 + minutes * 60;
            if *sign == b'+' { magnitude } else { -magnitude }
        }
        _ => return Err(invalid()),
    };
    if second == 60 {
        return Err(InvalidTime(format!(
            "{text:?} is a leap second, which cannot be an expiry time"
        )));
    }
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(invalid());
    }
    if year < 1970 {
        return Err(InvalidTime(format!("{text:?} is before 1970")));
    }
    let local =
        days_since_epoch(year, month, day) * DAY_SECONDS + hour * 3600 + minute * 60 + second;
    // A local time shortly after the epoch with a positive offset can fall before it.
    u64::try_from(local as i64 - offset_seconds)
        .map_err(|_| InvalidTime(format!("{text:?} is before 1970")))
}

/// Formats Unix seconds as RFC 3339 in UTC, e.g. `2026-07-01T00:00:00Z`: the form [`parse`]
/// reads.
pub fn format(unix: u64) -> String {
    let (year, month, day) = civil_date(unix / DAY_SECONDS);
    let of_day = unix % DAY_SECONDS;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// The Gregorian date `days` after 1970-01-01, by counting whole 400-year eras (146,097 days
/// each) from 0000-03-01 so that the leap day falls at the end of each counted year.
fn civil_date(days: u64) -> (u64, u64, u64) {
    // 719,468 days separate 0000-03-01 from 1970-01-01.
    let shifted = days + 719_468;
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

fn is_leap_year(year: u64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` (1 to 12) of `year`.
fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given date (year at least 1970, month 1 to 12).
fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    // Leap days in the years 1..=y, by the Gregorian rule.
    let leap_days_through = |y: u64| y / 4 - y / 100 + y / 400;
    let years = year - 1970;
    let leap_days = leap_days_through(year - 1) - leap_days_through(1969);
    let month_index = (month - 1) as usize;
    let before_month = DAYS_BEFORE_MONTH.get(month_index).copied().unwrap_or(0)
        + u64::from(month > 2 && is_leap_year(year));
    years * 365 + leap_days + before_month + day - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_parse_to_unix_seconds() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse("2000-03-01T00:00:00Z"), Ok(951_868_800));
        assert_eq!(parse("2026-01-01T00:00:00Z"), Ok(1_767_225_600));
        assert_eq!(parse("2024-02-29T12:34:56z"), Ok(1_709_210_096));
        assert_eq!(parse("2026-01-01T02:00:00+02:00"), Ok(1_767_225_600));
        assert_eq!(parse("2025-12-31t19:30:00.999-04:30"), Ok(1_767_225_600));
    }

    #[test]
    fn malformed_rfc3339_times_are_refused() {
        for bad in [
            "",
            "2026-01-01",
            "2026-01-01 00:00:00Z",
            "2026-01-01T00:00:00",
            "2026-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:60Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00+2:00",
            "2026-01-01T00:00:00+24:00",
            "1969-12-31T23:59:59Z",
            "1970-01-01T00:30:00+01:00",
            "2026-1-01T00:00:00Z",
            "+026-01-01T00:00:00Z",
            "2026-01-01T00:00:00Zjunk",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formatting_inverts_parsing() {
        for unix in [
            0,
            951_868_800,
            1_709_210_096,
            1_767_225_600,
            4_102_444_799,
            253_402_300_799,
        ] {
            assert_eq!(parse(&format(unix)), Ok(unix), "{unix}");
        }
        assert_eq!(format(1_709_210_096), "2024-02-29T12:34:56Z");
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(format(0), "1970-01-01T00:00:00Z");
        assert_eq!(format(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format(1_782_864_000), "2026-07-01T00:00:00Z");
        assert_eq!(format(4_107_542_399), "2100-02-28T23:59:59Z");
        assert_eq!(format(4_107_542_400), "2100-03-01T00:00:00Z");
    }
}
