//! A child's age band from the birth month a carrier gave for the line: what a profile signed
//! today says the band is. The phone recomputes it on trusted time as the child grows; the
//! carrier's side needs only today's.

use crate::protocol::rfc3339;
use crate::settings::AgeBand;

/// Why a birth month gives no band.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BirthMonthError {
    /// Not `YYYY-MM` with a month from 01 to 12 and a year from 1900.
    #[error("a birth month is YYYY-MM, with a month from 01 to 12 and a year from 1900")]
    Malformed,
    /// The month has not ended yet: no child is born after the profile is signed.
    #[error("the birth month has not passed yet")]
    InTheFuture,
    /// The clock reads a date no month can be taken from.
    #[error("the clock reads no usable date")]
    ClockOutOfRange,
    /// The child is 18 or more: the line is no child's line any more (deactivate it instead).
    #[error("a child born in that month is {years}: deactivate the line instead")]
    Adult {
        /// The child's age in whole years.
        years: u8,
    },
}

/// The band of a child born in `birth_month` (`YYYY-MM`) at `now_unix`. The birthday is taken to
/// come at the end of the birth month, so in doubt the child is the younger age (the stricter
/// band); a child of 18 or more has no band.
pub fn band_for_birth_month(birth_month: &str, now_unix: u64) -> Result<AgeBand, BirthMonthError> {
    let born = month_index(birth_month).ok_or(BirthMonthError::Malformed)?;
    let now = rfc3339::format(now_unix);
    let today = now
        .get(..7)
        .and_then(month_index)
        .ok_or(BirthMonthError::ClockOutOfRange)?;
    let months = today - born - 1;
    if months < 0 {
        return Err(BirthMonthError::InTheFuture);
    }
    let years = u8::try_from(months / 12).unwrap_or(u8::MAX);
    AgeBand::for_age(years).ok_or(BirthMonthError::Adult { years })
}

/// Months since year 0 of a strict `YYYY-MM` (year from 1900), or `None`.
fn month_index(text: &str) -> Option<i64> {
    let (year, month) = text.split_once('-')?;
    let digits =
        |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(month, 2) {
        return None;
    }
    let (year, month): (i64, i64) = (year.parse().ok()?, month.parse().ok()?);
    (year >= 1900 && (1..=12).contains(&month)).then_some(year * 12 + month - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-15T00:00:00Z.
    const MID_MARCH_2026: u64 = 1_773_532_800;

    #[test]
    fn the_band_follows_whole_years_counted_from_the_end_of_the_birth_month() {
        assert_eq!(rfc3339::format(MID_MARCH_2026)[..10], *"2026-03-15");
        // Born in March 2016: 10 in March 2026 only once March has ended, so 9 today.
        assert_eq!(
            band_for_birth_month("2016-03", MID_MARCH_2026),
            Ok(AgeBand::From9To12)
        );
        assert_eq!(
            band_for_birth_month("2013-02", MID_MARCH_2026),
            Ok(AgeBand::From13To15)
        );
        // 12 until the end of March: still the younger band.
        assert_eq!(
            band_for_birth_month("2013-03", MID_MARCH_2026),
            Ok(AgeBand::From9To12)
        );
        assert_eq!(
            band_for_birth_month("2026-02", MID_MARCH_2026),
            Ok(AgeBand::UpTo5)
        );
    }

    #[test]
    fn an_unborn_child_an_adult_and_a_malformed_month_give_no_band() {
        assert_eq!(
            band_for_birth_month("2026-03", MID_MARCH_2026),
            Err(BirthMonthError::InTheFuture)
        );
        assert_eq!(
            band_for_birth_month("2008-02", MID_MARCH_2026),
            Err(BirthMonthError::Adult { years: 18 })
        );
        for bad in [
            "2015-13",
            "2015-00",
            "2015-1",
            "15-01",
            "1899-12",
            "2015/01",
            "",
            "2015-01-01",
        ] {
            assert_eq!(
                band_for_birth_month(bad, MID_MARCH_2026),
                Err(BirthMonthError::Malformed),
                "{bad}"
            );
        }
    }
}
