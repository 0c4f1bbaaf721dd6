//! The country directory: for each country, the number the phone shows and dials when a child
//! presses SOS, the per-service numbers, the number phones fall back to, and the child helpline
//! (or none known).
//!
//! The SDK ships a directory compiled from AOSP's emergency-number database and a reviewed
//! helpline table (`core/data/directory/`, see its README), so SOS never needs the network. The
//! backend can replace it with a newer [`DirectoryBundle`] signed by a directory key the handset
//! maker trusts; the applied bundle is kept in the sealed store. A bundle is taken only if a
//! trusted key signed it under [`SIGNING_CONTEXT`], its version is above the directory in force,
//! it has not expired, and its envelope is at most [`MAX_BUNDLE_BYTES`]; a refused bundle changes
//! nothing.
//!
//! - `country.rs`: what the directory holds for one country, and which numbers can be dialled.
//! - `eccdata.rs`: the countries of the directory compiled into the SDK, read from its data files.
//! - here: the directory as a whole, its signed updates, and the one in force on the phone.

mod country;
mod eccdata;

pub use country::{
    CountryCode, CountryEntry, Helpline, InvalidCountryCode, MAX_NUMBER_CHARS, Routing, Service,
    ServiceNumber,
};
pub use eccdata::EccDataError;

use std::borrow::Cow;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::crypto::envelope::{self, EnvelopeError};
use crate::crypto::{PublicKey, SigningKey};
use crate::store::{Store, StoreError, get_json, put_json};
use crate::time::{ClockReading, advance_trusted_clock};
use country::is_dialable;

/// Prefixed to a directory bundle's payload before signing and verifying, so that no other
/// document a directory key signs can pass for a directory.
pub const SIGNING_CONTEXT: &[u8] = b"childsafe directory v1\n";

/// Largest signed directory envelope accepted, in bytes. The shipped directory of 227 countries
/// is 73 KB as an envelope; the cap leaves room to grow while refusing anything absurd before it
/// is parsed.
pub const MAX_BUNDLE_BYTES: usize = 512 * 1024;

/// Most countries a bundle may list: ISO 3166-1 has 249 codes.
pub const MAX_COUNTRIES: usize = 300;

/// Most numbers one country may list (AOSP's longest list, Spain's, has 17).
pub const MAX_NUMBERS_PER_COUNTRY: usize = 32;

/// Longest helpline name, in bytes.
pub const MAX_HELPLINE_NAME_BYTES: usize = 120;

/// The version of the directory compiled into this SDK. A signed bundle must carry a higher one;
/// a release that ships new data raises it, so an older applied bundle then yields to it.
pub const EMBEDDED_VERSION: u64 = 1;

/// The number shown when the country is not known (no SIM, no setup) or not in the directory.
/// 3GPP TS 22.101 makes every mobile phone treat 112 and 911 as emergency numbers, with or
/// without a SIM, so both are shown.
pub const UNKNOWN_COUNTRY_NUMBER: &str = "112";

/// The second number shown when the country is not known; see [`UNKNOWN_COUNTRY_NUMBER`].
pub const UNKNOWN_COUNTRY_FALLBACK: &str = "911";

/// The embedded directory never expires: it is the floor every phone can fall back to.
const NEVER: u64 = u64::MAX;

/// Where the applied bundle is kept (sealed, like every value).
const APPLIED_KEY: &[u8] = b"directory/applied";

/// A whole directory: the one compiled into the SDK, or a signed update.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryBundle {
    /// Grows with every directory published; a phone never goes back to a lower one.
    pub version: u64,
    /// Unix seconds from which phones refuse to apply this bundle.
    pub expires_at: u64,
    /// One entry per country; [`DirectoryBundle::verify`] sorts them by code.
    pub countries: Vec<CountryEntry>,
}

/// What the phone shows a child who asks for help: the numbers to dial, and the helpline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct EmergencyContacts {
    /// The country these numbers are for; `None` when it was not known or not in the directory
    /// (the numbers are then the universal ones).
    pub country: Option<CountryCode>,
    /// The number to show first and dial.
    pub emergency_number: String,
    /// The number phones fall back to; may equal `emergency_number`.
    pub fallback_number: String,
    /// Every number of the country, with what it reaches.
    pub services: Vec<ServiceNumber>,
    /// The child helpline, when one is confirmed.
    pub helpline: Option<Helpline>,
}

/// Why a directory could not be read, applied or signed.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The envelope or the bundle inside it is not well formed; the text says what.
    #[error("the directory bundle is malformed: {0}")]
    Malformed(&'static str),
    /// No trusted directory key signed these bytes: a wrong key, or tampering.
    #[error("the directory bundle is not signed by a trusted directory key")]
    BadSignature,
    /// The bundle's expiry has passed on trusted time.
    #[error("the directory bundle has expired")]
    Expired,
    /// The directory in force is as new or newer.
    #[error(
        "the directory bundle (version {offered}) is not newer than the one in force ({in_force})"
    )]
    NotNewer {
        /// The refused bundle's version.
        offered: u64,
        /// The version in force.
        in_force: u64,
    },
    /// The directory compiled into the SDK does not parse: a defect of this build.
    #[error(transparent)]
    EmbeddedData(#[from] EccDataError),
    /// The store failed or was tampered with.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<EnvelopeError> for DirectoryError {
    fn from(error: EnvelopeError) -> Self {
        match error {
            EnvelopeError::Malformed(what) => Self::Malformed(what),
            EnvelopeError::BadSignature => Self::BadSignature,
        }
    }
}

impl DirectoryBundle {
    /// The directory compiled into this SDK, parsed on first use.
    pub fn embedded() -> Result<&'static DirectoryBundle, DirectoryError> {
        static EMBEDDED: OnceLock<Result<DirectoryBundle, EccDataError>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| {
                Ok(DirectoryBundle {
                    version: EMBEDDED_VERSION,
                    expires_at: NEVER,
                    countries: eccdata::embedded_countries()?,
                })
            })
            .as_ref()
            .map_err(|error| DirectoryError::EmbeddedData(*error))
    }

    /// The entry of `country`, if the directory has one.
    pub fn country(&self, country: &CountryCode) -> Option<&CountryEntry> {
        self.countries
            .binary_search_by_key(country, |entry| entry.country)
            .ok()
            .and_then(|index| self.countries.get(index))
    }

    /// What to show for `country`: its entry, or the universal numbers when the country is not
    /// known or not listed.
    pub fn contacts(&self, country: Option<&CountryCode>) -> EmergencyContacts {
        match country.and_then(|code| self.country(code)) {
            Some(entry) => EmergencyContacts {
                country: Some(entry.country),
                emergency_number: entry.emergency_number.clone(),
                fallback_number: entry.fallback_number.clone(),
                services: entry.services.clone(),
                helpline: entry.helpline.clone(),
            },
            None => EmergencyContacts::universal(),
        }
    }

    /// Checks the bundle and signs it with a directory key: the envelope to publish. For
    /// operators and tests; phones only verify.
    pub fn sign(&self, key: &SigningKey) -> Result<Vec<u8>, DirectoryError> {
        let checked = self.clone().checked()?;
        let sealed = envelope::seal(&checked, SIGNING_CONTEXT, key)?;
        if sealed.len() > MAX_BUNDLE_BYTES {
            return Err(DirectoryError::Malformed("larger than allowed"));
        }
        Ok(sealed)
    }

    /// Opens a signed envelope: size, a signature by one of `trusted` directory keys, expiry at
    /// `now_unix` (trusted time) and the shape of every entry. The version is checked against
    /// the directory in force by [`apply_update`].
    pub fn verify(
        envelope: &[u8],
        trusted: &[PublicKey],
        now_unix: u64,
    ) -> Result<DirectoryBundle, DirectoryError> {
        let (bundle, _signed_by): (DirectoryBundle, PublicKey) =
            envelope::open(envelope, SIGNING_CONTEXT, trusted, MAX_BUNDLE_BYTES)?;
        if now_unix >= bundle.expires_at {
            return Err(DirectoryError::Expired);
        }
        bundle.checked()
    }

    /// The bundle with its countries sorted, if every rule holds.
    fn checked(mut self) -> Result<Self, DirectoryError> {
        if self.countries.is_empty() || self.countries.len() > MAX_COUNTRIES {
            return Err(DirectoryError::Malformed("1 to 300 countries"));
        }
        self.countries.sort_by_key(|entry| entry.country);
        if self
            .countries
            .windows(2)
            .any(|pair| pair[0].country == pair[1].country)
        {
            return Err(DirectoryError::Malformed("a country is listed twice"));
        }
        for entry in &self.countries {
            check_entry(entry)?;
        }
        Ok(self)
    }
}

impl EmergencyContacts {
    /// The numbers to show when the country is unknown.
    pub fn universal() -> Self {
        Self {
            country: None,
            emergency_number: UNKNOWN_COUNTRY_NUMBER.to_owned(),
            fallback_number: UNKNOWN_COUNTRY_FALLBACK.to_owned(),
            services: Vec::new(),
            helpline: None,
        }
    }

    /// The numbers to show, most important first, each once.
    pub fn numbers(&self) -> Vec<&str> {
        let mut numbers = vec![self.emergency_number.as_str()];
        if self.fallback_number != self.emergency_number {
            numbers.push(&self.fallback_number);
        }
        numbers
    }
}

/// The directory in force on this phone: the applied signed bundle when it is newer than the one
/// compiled in, else the compiled one. An applied bundle stays in force after its expiry: expiry
/// stops an old bundle from being applied, while a phone offline for months still shows the
/// newest numbers it has.
pub fn in_force(store: &dyn Store) -> Result<Cow<'static, DirectoryBundle>, DirectoryError> {
    let embedded = DirectoryBundle::embedded()?;
    let applied: Option<DirectoryBundle> = get_json(store, APPLIED_KEY)?;
    Ok(match applied {
        Some(applied) if applied.version > embedded.version => Cow::Owned(applied),
        _ => Cow::Borrowed(embedded),
    })
}

/// What to show for `country`, never failing: from the directory in force, else from the one
/// compiled in (if the store cannot be read), else the universal numbers. This is what SOS uses,
/// so that no store or data problem can leave a child without a number.
pub fn contacts_for(store: &dyn Store, country: Option<&CountryCode>) -> EmergencyContacts {
    if let Ok(directory) = in_force(store) {
        return directory.contacts(country);
    }
    match DirectoryBundle::embedded() {
        Ok(directory) => directory.contacts(country),
        Err(_) => EmergencyContacts::universal(),
    }
}

/// Applies a signed directory update: verified against the `trusted` directory keys on trusted
/// time, newer than the directory in force, then kept in the store. Returns the new version. A
/// refusal writes nothing.
pub fn apply_update(
    store: &dyn Store,
    envelope: &[u8],
    trusted: &[PublicKey],
    clock: ClockReading,
) -> Result<u64, DirectoryError> {
    let (now, mut batch) = advance_trusted_clock(store, clock)?;
    let bundle = DirectoryBundle::verify(envelope, trusted, now.unix_secs())?;
    let in_force = in_force(store)?.version;
    if bundle.version <= in_force {
        return Err(DirectoryError::NotNewer {
            offered: bundle.version,
            in_force,
        });
    }
    put_json(&mut batch, APPLIED_KEY, &bundle)?;
    store.apply(batch)?;
    Ok(bundle.version)
}

fn check_entry(entry: &CountryEntry) -> Result<(), DirectoryError> {
    if !is_dialable(&entry.emergency_number) || !is_dialable(&entry.fallback_number) {
        return Err(DirectoryError::Malformed(
            "every country needs a dialable emergency and fallback number",
        ));
    }
    if entry.services.len() > MAX_NUMBERS_PER_COUNTRY
        || entry
            .services
            .iter()
            .any(|service| !is_dialable(&service.number))
    {
        return Err(DirectoryError::Malformed(
            "a country lists too many numbers, or one that cannot be dialled",
        ));
    }
    if let Some(helpline) = &entry.helpline {
        let name_fine = !helpline.name.trim().is_empty()
            && helpline.name.len() <= MAX_HELPLINE_NAME_BYTES
            && !helpline.name.chars().any(char::is_control);
        if !name_fine || !is_dialable(&helpline.number) {
            return Err(DirectoryError::Malformed(
                "a helpline needs a printable name of at most 120 bytes and a dialable number",
            ));
        }
    }
    Ok(())
}
