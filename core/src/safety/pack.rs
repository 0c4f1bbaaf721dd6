//! A carrier's own safety texts: a [`SafetyPack`] it signs with its carrier key, which replaces
//! the SDK's texts in the languages it covers.
//!
//! A pack is installed only if, on trusted time:
//! 1. it opens as a signed envelope (context [`PACK_CONTEXT`]) signed by a trusted carrier key;
//! 2. that key may sign for the carrier the pack names ([`TrustedKey::may_sign_for`]);
//! 3. it has not expired;
//! 4. its version is newer than the installed pack's;
//! 5. every language it covers keeps the rules of [`super::texts`] (each band, audience and
//!    topic, nothing empty).
//!
//! A refused pack changes nothing. An installed pack that later expires stays in force until a
//! newer one replaces it, as the lists and the directory do: expiry keeps a stale pack from
//! being installed, and never leaves the child with less than was shown yesterday.

use serde::{Deserialize, Serialize};

use super::texts::{LanguageTexts, TextsError};
use crate::crypto::envelope::{self, EnvelopeError};
use crate::crypto::{PublicKey, SigningKey};
use crate::store::{Store, StoreError, get_json, put_json};
use crate::time::{ClockReading, advance_trusted_clock};
use crate::trust::TrustedKey;
use crate::vocabulary::Locale;

/// The context a safety pack's signature covers, so that no other signed document passes as one.
pub const PACK_CONTEXT: &[u8] = crate::protocol::carrier::SAFETY_PACK_CONTEXT;

/// Largest signed pack, in bytes: every language at every band fits several times over.
pub const MAX_PACK_BYTES: usize = 1024 * 1024;

/// Longest carrier id, as the backend admits carriers.
const MAX_CARRIER_CHARS: usize = 64;

/// Where the installed pack is kept (sealed, like every value).
const INSTALLED_KEY: &[u8] = b"safety/pack";

/// A carrier's safety texts, signed with its carrier key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetyPack {
    /// The carrier's id (`a-z`, `0-9`, `-`); shown as the texts' source.
    pub carrier: String,
    /// Grows with every pack; a phone never goes back to a lower one.
    pub version: u64,
    /// When the carrier signed it, Unix seconds.
    pub issued_at: u64,
    /// Unix seconds from which phones refuse to install it.
    pub expires_at: u64,
    /// The languages it covers, each complete; the others keep the SDK's texts.
    pub languages: Vec<LanguageTexts>,
}

/// Why a safety pack could not be signed, installed or read.
#[derive(Debug, thiserror::Error)]
pub enum SafetyError {
    /// The envelope or the pack inside it is not well formed; the text says what.
    #[error("the safety pack is malformed: {0}")]
    Malformed(&'static str),
    /// A language of the pack breaks the rules every set of texts keeps.
    #[error(transparent)]
    Texts(TextsError),
    /// No trusted carrier key signed these bytes: a wrong key, or tampering.
    #[error("the safety pack is not signed by a trusted carrier key")]
    BadSignature,
    /// The key that signed it may not sign for the carrier the pack names.
    #[error("the key that signed the safety pack may not sign for its carrier")]
    WrongCarrier,
    /// Its expiry has passed on trusted time.
    #[error("the safety pack has expired")]
    Expired,
    /// The installed pack is as new or newer.
    #[error(
        "the safety pack (version {offered}) is not newer than the installed one ({installed})"
    )]
    NotNewer {
        /// The refused pack's version.
        offered: u64,
        /// The installed pack's version.
        installed: u64,
    },
    /// The texts compiled into the SDK do not parse: a defect of this build.
    #[error("the built-in safety texts are broken: {0}")]
    BuiltIn(TextsError),
    /// The store failed or was tampered with.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<EnvelopeError> for SafetyError {
    fn from(error: EnvelopeError) -> Self {
        match error {
            EnvelopeError::Malformed(what) => Self::Malformed(what),
            EnvelopeError::BadSignature => Self::BadSignature,
        }
    }
}

impl SafetyPack {
    /// Checks the pack and signs it with a carrier key: the envelope to hand to phones (through
    /// the backend). For carriers and tests; phones only verify.
    pub fn sign(&self, key: &SigningKey) -> Result<Vec<u8>, SafetyError> {
        self.check()?;
        let sealed = envelope::seal(self, PACK_CONTEXT, key)?;
        if sealed.len() > MAX_PACK_BYTES {
            return Err(SafetyError::Malformed("larger than allowed"));
        }
        Ok(sealed)
    }

    /// Opens a signed pack: size, a signature by one of `trusted` carrier keys that may sign for
    /// the pack's carrier, expiry at `now_unix` (trusted time) and the rules of every language.
    /// The version is checked against the installed pack by [`install_safety_pack`].
    pub fn verify(
        bytes: &[u8],
        trusted: &[TrustedKey],
        now_unix: u64,
    ) -> Result<SafetyPack, SafetyError> {
        let keys: Vec<PublicKey> = trusted.iter().map(|trusted| trusted.key).collect();
        let (pack, signed_by): (SafetyPack, PublicKey) =
            envelope::open(bytes, PACK_CONTEXT, &keys, MAX_PACK_BYTES)?;
        let may_sign = trusted
            .iter()
            .any(|trusted| trusted.key == signed_by && trusted.may_sign_for(&pack.carrier));
        if !may_sign {
            return Err(SafetyError::WrongCarrier);
        }
        if now_unix >= pack.expires_at {
            return Err(SafetyError::Expired);
        }
        pack.check()?;
        Ok(pack)
    }

    /// The pack's texts in `locale`, if it covers that language.
    pub fn language(&self, locale: Locale) -> Option<&LanguageTexts> {
        self.languages
            .iter()
            .find(|texts| texts.language == locale.tag())
    }

    fn check(&self) -> Result<(), SafetyError> {
        let carrier_ok = (1..=MAX_CARRIER_CHARS).contains(&self.carrier.len())
            && self
                .carrier
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !carrier_ok {
            return Err(SafetyError::Malformed(
                "the carrier id is 1 to 64 characters of a-z, 0-9 and -",
            ));
        }
        if self.expires_at <= self.issued_at {
            return Err(SafetyError::Malformed("it expires before it is issued"));
        }
        if self.languages.is_empty() || self.languages.len() > Locale::ALL.len() {
            return Err(SafetyError::Malformed("it covers 1 to 4 languages"));
        }
        let mut seen = Vec::new();
        for texts in &self.languages {
            let locale = texts.check().map_err(SafetyError::Texts)?;
            if seen.contains(&locale) {
                return Err(SafetyError::Malformed("a language is covered twice"));
            }
            seen.push(locale);
        }
        Ok(())
    }
}

/// Installs a carrier's signed safety pack: verified against `trusted` carrier keys on trusted
/// time, newer than the installed pack, then kept in the store. Returns its version. A refusal
/// writes nothing.
pub fn install_safety_pack(
    store: &dyn Store,
    bytes: &[u8],
    trusted: &[TrustedKey],
    clock: ClockReading,
) -> Result<u64, SafetyError> {
    let (now, mut batch) = advance_trusted_clock(store, clock)?;
    let pack = SafetyPack::verify(bytes, trusted, now.unix_secs())?;
    let installed = installed_pack(store)?.map_or(0, |installed| installed.version);
    if pack.version <= installed {
        return Err(SafetyError::NotNewer {
            offered: pack.version,
            installed,
        });
    }
    put_json(&mut batch, INSTALLED_KEY, &pack)?;
    store.apply(batch)?;
    Ok(pack.version)
}

/// The installed carrier pack, if any (expired or not: see the module's documentation).
pub fn installed_pack(store: &dyn Store) -> Result<Option<SafetyPack>, StoreError> {
    get_json(store, INSTALLED_KEY)
}
