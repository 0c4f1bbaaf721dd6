//! A child's age band from the birth month a carrier gave for the line: the one reading of a
//! birth month, used by the carrier when it signs a profile and by the phone as the child grows
//! (on trusted time). The birthday is taken as the first day of the birth month: born 2014-03,
//! the child is 12 until 2027-03-01 and 13 from then.

use crate::protocol::rfc3339;
use crate::settings::AgeBand;

/// Why a birth month gives no band.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BirthMonthError {
    /// Not `YYYY-MM` with a month from 01 to 12 and a year from 1900.
    #[error("a birth month is YYYY-MM, with a month from 01 to 12 and a year from 1900")]
    Malformed,
    /// The month is still to come.
    #[error("the birth month is still to come")]
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

/// The band of a child born in `birth_month` (`YYYY-MM`) at `now_unix`, the birthday counted from
/// the first of the birth month; a child of 18 or more has no band.
pub fn band_for_birth_month(birth_month: &str, now_unix: u64) -> Result<AgeBand, BirthMonthError> {
    let born = month_index(birth_month).ok_or(BirthMonthError::Malformed)?;
    let now = rfc3339::format(now_unix);
    let today = now
        .get(..7)
        .and_then(month_index)
        .ok_or(BirthMonthError::ClockOutOfRange)?;
    let months = today - born;
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

    /// 2027-03-01T00:00:00Z.
    const MARCH_2027: u64 = 1_803_859_200;

    #[test]
    fn the_band_moves_on_the_first_of_the_birth_month() {
        assert_eq!(rfc3339::format(MARCH_2027)[..10], *"2027-03-01");
        assert_eq!(
            band_for_birth_month("2014-03", MARCH_2027 - 1),
            Ok(AgeBand::From9To12)
        );
        assert_eq!(
            band_for_birth_month("2014-03", MARCH_2027),
            Ok(AgeBand::From13To15)
        );
        assert_eq!(
            band_for_birth_month("2014-04", MARCH_2027),
            Ok(AgeBand::From9To12)
        );
        assert_eq!(
            band_for_birth_month("2027-03", MARCH_2027),
            Ok(AgeBand::UpTo5)
        );
    }

    #[test]
    fn an_unborn_child_an_adult_and_a_malformed_month_give_no_band() {
        assert_eq!(
            band_for_birth_month("2027-04", MARCH_2027),
            Err(BirthMonthError::InTheFuture)
        );
        assert_eq!(
            band_for_birth_month("2009-03", MARCH_2027),
            Err(BirthMonthError::Adult { years: 18 })
        );
        assert_eq!(
            band_for_birth_month("2009-04", MARCH_2027),
            Ok(AgeBand::From16To17)
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
            "year-03",
        ] {
            assert_eq!(
                band_for_birth_month(bad, MARCH_2027),
                Err(BirthMonthError::Malformed),
                "{bad}"
            );
        }
    }
}
