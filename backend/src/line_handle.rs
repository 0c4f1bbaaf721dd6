//! Line handles and line settings: the one place a line identifier (a phone number, an ICCID)
//! is read. It is normalized (surrounding space trimmed, then only its ASCII letters and digits
//! kept, as given) and turned at once into its *line handle*, HMAC-SHA256 under the server's
//! line key in lowercase hex; the identifier is then dropped, never stored or logged. The line
//! key is a server secret kept in storage, so every replica derives the same handles.
//!
//! Settings a carrier sends for a line ([`LineRequest`]) are checked here too, so adding and
//! updating a line accept exactly the same ones.

use childsafe_crypto as crypto;
use childsafe_protocol::carrier::LineRequest;

use crate::error::{ApiError, ApiResult};

/// Name under which the line key is kept in storage, shared by every replica.
pub(crate) const LINE_KEY_SECRET: &str = "line-key";
/// Longest line identifier accepted, in bytes, as sent.
pub(crate) const MAX_LINE_CHARS: usize = 64;
/// Most categories a line names in `extra_blocked_categories` or `parents_may_relax`.
pub(crate) const MAX_LINE_CATEGORIES: usize = 64;
/// Longest category name.
const MAX_CATEGORY_CHARS: usize = 64;
/// The age bands a line may name.
const BANDS: [&str; 5] = ["0-5", "6-8", "9-12", "13-15", "16-17"];
/// SHA-256's block size, the size HMAC pads its key to.
const HMAC_BLOCK: usize = 64;

/// The server's key for line handles.
#[derive(Clone)]
pub(crate) struct LineKey([u8; 32]);

impl LineKey {
    /// The key from its stored bytes.
    pub(crate) fn from_secret(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    /// The handle of the line `identifier` as sent; `bad_line` if it is empty, too long, or has
    /// no letter or digit.
    pub(crate) fn handle_of(&self, identifier: &str) -> ApiResult<String> {
        if identifier.len() > MAX_LINE_CHARS {
            return Err(bad_line());
        }
        let normalized: String = identifier
            .trim()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        if normalized.is_empty() {
            return Err(bad_line());
        }
        Ok(crypto::hex(&hmac_sha256(&self.0, normalized.as_bytes())))
    }
}

fn bad_line() -> ApiError {
    ApiError::bad_request(
        "bad_line",
        format!(
            "line must be a line identifier of up to {MAX_LINE_CHARS} characters with letters or digits"
        ),
    )
}

/// HMAC-SHA256 (RFC 2104) of `message` under a key of at most one block.
fn hmac_sha256(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    let mut inner_key = [0x36u8; HMAC_BLOCK];
    let mut outer_key = [0x5cu8; HMAC_BLOCK];
    for (index, byte) in key.iter().enumerate() {
        inner_key[index] ^= byte;
        outer_key[index] ^= byte;
    }
    let inner = crypto::sha256_of_parts(&[&inner_key, message]);
    crypto::sha256_of_parts(&[&outer_key, &inner])
}

/// `settings` with the identifier taken out, once every field checked: a country code, exactly
/// one of a band and a birth month (`YYYY-MM`), and category names of `a-z`, `0-9` and `-`.
pub(crate) fn checked_settings(settings: &LineRequest) -> ApiResult<LineRequest> {
    let country = &settings.country;
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ApiError::bad_request(
            "bad_country",
            "country must be an ISO 3166-1 alpha-2 code in upper case, e.g. GB",
        ));
    }
    match (&settings.band, &settings.birth_month) {
        (Some(band), None) if BANDS.contains(&band.as_str()) => {}
        (None, Some(month)) if is_birth_month(month) => {}
        _ => {
            return Err(ApiError::bad_request(
                "bad_band",
                format!(
                    "give either band (one of {}) or birth_month (YYYY-MM)",
                    BANDS.join(", ")
                ),
            ));
        }
    }
    for names in [
        &settings.extra_blocked_categories,
        &settings.parents_may_relax,
    ] {
        let well_formed = |name: &String| {
            (1..=MAX_CATEGORY_CHARS).contains(&name.len())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if names.len() > MAX_LINE_CATEGORIES || !names.iter().all(well_formed) {
            return Err(ApiError::bad_request(
                "bad_categories",
                format!(
                    "at most {MAX_LINE_CATEGORIES} category names of a-z, 0-9 and -, 1 to {MAX_CATEGORY_CHARS} characters"
                ),
            ));
        }
    }
    Ok(LineRequest {
        line: String::new(),
        ..settings.clone()
    })
}

/// Whether `text` is `YYYY-MM` with a month from 01 to 12 and a year from 1900.
fn is_birth_month(text: &str) -> bool {
    let Some((year, month)) = text.split_once('-') else {
        return false;
    };
    let digits =
        |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
    digits(year, 4)
        && digits(month, 2)
        && year.parse::<u32>().is_ok_and(|year| year >= 1900)
        && month
            .parse::<u32>()
            .is_ok_and(|month| (1..=12).contains(&month))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_with_a_padded_key() {
        // RFC 4231 test case 2 has the 4-byte key "Jefe"; zero padding to 32 bytes gives the
        // same HMAC, since HMAC pads the key with zeros to the block size anyway.
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        assert_eq!(
            crypto::hex(&hmac_sha256(&key, b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn one_line_written_two_ways_has_one_handle() {
        let key = LineKey([7; 32]);
        let handle = key.handle_of(" +44 7700-900001 ").unwrap();
        assert_eq!(handle, key.handle_of("447700900001").unwrap());
        assert_ne!(handle, key.handle_of("447700900002").unwrap());
        assert_ne!(handle, LineKey([8; 32]).handle_of("447700900001").unwrap());
        assert!(!handle.contains("447700900001"));
        assert!(key.handle_of(" + - ").is_err());
        assert!(key.handle_of(&"1".repeat(MAX_LINE_CHARS + 1)).is_err());
    }

    #[test]
    fn settings_need_one_band_or_birth_month_and_clean_names() {
        let settings = LineRequest {
            line: "447700900001".to_owned(),
            country: "GB".to_owned(),
            band: Some("9-12".to_owned()),
            birth_month: None,
            extra_blocked_categories: vec!["gambling".to_owned()],
            parents_may_relax: vec!["safe-search".to_owned()],
        };
        assert_eq!(checked_settings(&settings).unwrap().line, "");
        let birth = LineRequest {
            band: None,
            birth_month: Some("2015-04".to_owned()),
            ..settings.clone()
        };
        assert!(checked_settings(&birth).is_ok());
        for bad in [
            LineRequest {
                band: None,
                ..settings.clone()
            },
            LineRequest {
                birth_month: Some("2015-04".to_owned()),
                ..settings.clone()
            },
            LineRequest {
                band: Some("18+".to_owned()),
                ..settings.clone()
            },
            LineRequest {
                band: None,
                birth_month: Some("2015-13".to_owned()),
                ..settings.clone()
            },
            LineRequest {
                country: "gb".to_owned(),
                ..settings.clone()
            },
            LineRequest {
                extra_blocked_categories: vec!["Gambling!".to_owned()],
                ..settings.clone()
            },
        ] {
            assert!(checked_settings(&bad).is_err(), "{bad:?}");
        }
    }
}
