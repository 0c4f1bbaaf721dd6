//! What the directory holds for one country: its code, its numbers and the services they
//! reach, its child helpline, and the rule every number keeps to be dialled.
//!
//! These are the pieces both sources of a directory build on: the data files compiled into the
//! SDK ([`super::eccdata`]) and the signed bundles a phone applies ([`super`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Longest phone number, in characters, spaces and dashes included.
pub const MAX_NUMBER_CHARS: usize = 20;

/// An ISO 3166-1 alpha-2 country code, in upper case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

// Crosses to Kotlin and Swift as its two upper-case letters.
#[cfg(feature = "uniffi")]
uniffi::custom_type!(CountryCode, String, {
    lower: |code| code.as_str().to_owned(),
    try_lift: |text| Ok(text.parse::<CountryCode>()?),
});

/// Why a text is not a country code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an ISO 3166-1 alpha-2 country code (two letters, such as GB)")]
pub struct InvalidCountryCode;

impl CountryCode {
    /// The two upper-case letters.
    pub fn as_str(&self) -> &str {
        // Only `from_str` builds a code, and it keeps two ASCII letters, which are UTF-8.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl FromStr for CountryCode {
    type Err = InvalidCountryCode;

    /// Two ASCII letters in either case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Ok(Self([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => Err(InvalidCountryCode),
        }
    }
}

impl TryFrom<String> for CountryCode {
    type Error = InvalidCountryCode;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<CountryCode> for String {
    fn from(code: CountryCode) -> Self {
        code.as_str().to_owned()
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A service an emergency number reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "kebab-case")]
pub enum Service {
    /// Police.
    Police,
    /// Ambulance.
    Ambulance,
    /// Fire brigade.
    Fire,
    /// Coast guard.
    MarineGuard,
    /// Mountain rescue.
    MountainRescue,
    /// A number AOSP lists without naming its service.
    Unspecified,
}

/// How the phone network places a call to a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "kebab-case")]
pub enum Routing {
    /// As an emergency call (works without a SIM, takes priority).
    Emergency,
    /// As an ordinary call.
    Normal,
    /// Not stated; the phone decides.
    Unknown,
}

/// One number of a country and what it reaches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct ServiceNumber {
    /// The number as dialled.
    pub number: String,
    /// What it reaches.
    pub services: Vec<Service>,
    /// How it is routed.
    pub routing: Routing,
}

/// A child helpline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct Helpline {
    /// The service's name, as children in that country know it.
    pub name: String,
    /// The number as dialled in that country.
    pub number: String,
}

/// What the directory holds for one country.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountryEntry {
    /// The country.
    pub country: CountryCode,
    /// The number to show first and dial on SOS: the general number, else the police.
    pub emergency_number: String,
    /// The number phones fall back to there (112 or 911).
    pub fallback_number: String,
    /// Every number of the country, with what it reaches.
    pub services: Vec<ServiceNumber>,
    /// The child helpline, when one is confirmed; `None` means unknown, never "there is none".
    pub helpline: Option<Helpline>,
}

/// Whether `text` can be dialled: 1 to [`MAX_NUMBER_CHARS`] characters of digits, spaces,
/// dashes and a leading `+`, with at least one digit.
pub(super) fn is_dialable(text: &str) -> bool {
    let chars = text.chars().count();
    (1..=MAX_NUMBER_CHARS).contains(&chars)
        && text.chars().any(|c| c.is_ascii_digit())
        && text
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (c == '+' && i == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_are_two_letters_in_upper_case() {
        assert_eq!("gb".parse::<CountryCode>().unwrap().as_str(), "GB");
        assert_eq!("Us".parse::<CountryCode>().unwrap().to_string(), "US");
        for bad in ["", "G", "GBR", "G1", "1G", "É", "g b", "ÉÉ"] {
            assert_eq!(
                bad.parse::<CountryCode>(),
                Err(InvalidCountryCode),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn dialable_numbers_are_short_digit_strings() {
        for fine in [
            "999",
            "116 111",
            "1-800-668-6868",
            "+44 800 1111",
            "0800 1111",
        ] {
            assert!(is_dialable(fine), "{fine}");
        }
        for bad in [
            "",
            " ",
            "-",
            "12a",
            "1+2",
            "tel:999",
            "123456789012345678901",
            "९९९",
        ] {
            assert!(!is_dialable(bad), "{bad:?}");
        }
    }
}
