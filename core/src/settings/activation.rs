//! Carrier activation profiles: the signed document that switches safe mode on when a line is
//! activated as a child's line.
//!
//! A carrier signs a profile with its Ed25519 key; the phone trusts the carrier keys the handset
//! maker pinned and those a root key delegated to one carrier (see [`crate::trust`]). The phone
//! applies a profile only if a trusted key signed exactly these bytes, the key may sign for the
//! carrier the profile names, it has not expired, it names this device and the line the device
//! is bound to, and its sequence number is higher than any profile or deactivation of that line
//! applied before (so an old profile cannot be replayed to undo a newer one, even after the
//! carrier rotated its key).
//!
//! A [`LineDeactivation`] is the carrier's signed word that a line is no longer a child's; it
//! travels in the same envelope under its own context, [`DEACTIVATION_CONTEXT`].
//!
//! # Wire form
//!
//! A profile travels as JSON: `{"format": 1, "payload": B64, "signature": B64}` (base64url
//! without padding). `payload` is the exact bytes signed: the JSON of [`ActivationProfile`]. The
//! signature covers [`SIGNING_CONTEXT`] followed by those bytes, so a profile signature can never
//! be taken for the signature of anything else the carrier's key signs.

use serde::{Deserialize, Serialize};

use super::AgeBand;
use crate::crypto::envelope::{self, EnvelopeError};
use crate::crypto::{PublicKey, SigningKey};
use crate::trust::TrustedKey;

/// Prefixed to the payload before signing and verifying.
pub const SIGNING_CONTEXT: &[u8] = crate::protocol::carrier::PROFILE_CONTEXT;
/// Prefixed to a [`LineDeactivation`]'s payload before signing and verifying.
pub const DEACTIVATION_CONTEXT: &[u8] = crate::protocol::carrier::DEACTIVATION_CONTEXT;
/// Largest envelope accepted, in bytes. A real profile is well under a kilobyte.
pub const MAX_ENVELOPE_BYTES: usize = 64 * 1024;

/// What a carrier asks the phone to become at activation: signed for one line and one device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct ActivationProfile {
    /// The carrier's id, as the operator admitted it; a delegated carrier key signs only for its
    /// own carrier.
    pub carrier: String,
    /// The carrier's identifier for this profile.
    pub profile_id: String,
    /// The line handle (the backend's keyed hash of the line) the profile is for; a phone on
    /// another line refuses it.
    pub line: String,
    /// The device the profile is for; any other device refuses it.
    pub device_id: String,
    /// The child's age band when the carrier signed it; its defaults apply.
    pub band: AgeBand,
    /// The child's birth month, `YYYY-MM`: when given, the band follows the child's age on
    /// trusted time.
    #[serde(default)]
    pub birth_month: Option<String>,
    /// Categories to block on top of the band's defaults.
    #[serde(default)]
    pub extra_blocked_categories: Vec<String>,
    /// What of the carrier's floor parents may relax: category names, `safe-search`,
    /// `allowlist-only`. Everything else the profile switches on stays on.
    #[serde(default)]
    pub parents_may_relax: Vec<String>,
    /// When the carrier signed it, unix seconds.
    pub issued_at: u64,
    /// The phone refuses the profile from this second on (trusted time).
    pub expires_at: u64,
    /// Grows with every profile or deactivation the carrier issues for the line.
    pub sequence: u64,
}

/// The carrier's word that a line is no longer a child's line (it passed to an adult, or the
/// contract ended): signed for one line and one device, with the line's next sequence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct LineDeactivation {
    /// The carrier's id.
    pub carrier: String,
    /// The line handle.
    pub line: String,
    /// The device.
    pub device_id: String,
    /// Why, for the audit log and the parents (`line passed to an adult`, ...).
    pub reason: String,
    /// When the carrier signed it, unix seconds.
    pub issued_at: u64,
    /// Above every profile's sequence for the line.
    pub sequence: u64,
}

/// Why a profile was refused. Nothing is applied when any of these is returned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ActivationError {
    /// The envelope is not a profile envelope of a known format, or is too large.
    #[error("the activation profile is malformed: {0}")]
    Malformed(&'static str),
    /// No trusted carrier key signed these bytes: a wrong key, or tampering.
    #[error("the activation profile is not signed by a trusted carrier key")]
    BadSignature,
    /// The profile's expiry has passed on trusted time.
    #[error("the activation profile has expired")]
    Expired,
    /// The carrier already applied a profile with this or a higher sequence number.
    #[error(
        "the activation profile is a replay or older than one already applied (sequence {offered}, last applied {applied})"
    )]
    NotNewer {
        /// The refused profile's sequence number.
        offered: u64,
        /// The last sequence number applied for this line.
        applied: u64,
    },
    /// A trusted key signed it, but the key was delegated to another carrier than the one the
    /// document names.
    #[error(
        "the document names carrier {named}, but the key that signed it may only sign for carrier {key_carrier}"
    )]
    WrongCarrier {
        /// The carrier the document names.
        named: String,
        /// The carrier the signing key was delegated to.
        key_carrier: String,
    },
    /// The document is for another line than the one this device is bound to (or, on a device
    /// bound to no line, names a line at all).
    #[error("the carrier document is for another line than this phone's")]
    WrongLine,
    /// The document names another device.
    #[error("the carrier document is for another device")]
    WrongDevice,
}

/// A profile whose signature checked out, with the key that signed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedProfile {
    /// The profile.
    pub profile: ActivationProfile,
    /// The carrier key that signed it.
    pub signed_by: PublicKey,
}

impl ActivationProfile {
    /// Signs the profile with a carrier key; the result is the envelope to hand to the phone.
    pub fn sign(&self, key: &SigningKey) -> Result<Vec<u8>, ActivationError> {
        envelope::seal(self, SIGNING_CONTEXT, key).map_err(ActivationError::from)
    }

    /// Checks an envelope: format, size, a signature by one of `trusted` carrier keys that may
    /// sign for the carrier the profile names, and expiry at `now_unix` (trusted time). The
    /// line, the device and the sequence are the applying phone's to check, with
    /// [`check_binding`] and [`check_sequence`].
    pub fn verify(
        envelope: &[u8],
        trusted: &[TrustedKey],
        now_unix: u64,
    ) -> Result<VerifiedProfile, ActivationError> {
        let (profile, signed_by): (ActivationProfile, PublicKey) =
            open_for_carrier(envelope, SIGNING_CONTEXT, trusted, |profile: &Self| {
                &profile.carrier
            })?;
        if now_unix >= profile.expires_at {
            return Err(ActivationError::Expired);
        }
        Ok(VerifiedProfile { profile, signed_by })
    }
}

/// A deactivation whose signature checked out, with the key that signed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedDeactivation {
    /// The deactivation.
    pub deactivation: LineDeactivation,
    /// The carrier key that signed it.
    pub signed_by: PublicKey,
}

impl LineDeactivation {
    /// Signs the deactivation with a carrier key.
    pub fn sign(&self, key: &SigningKey) -> Result<Vec<u8>, ActivationError> {
        envelope::seal(self, DEACTIVATION_CONTEXT, key).map_err(ActivationError::from)
    }

    /// Checks an envelope: format, size, and a signature by one of `trusted` carrier keys that
    /// may sign for the carrier the deactivation names. A deactivation does not expire: it is
    /// the line's last word until a newer profile.
    pub fn verify(
        envelope: &[u8],
        trusted: &[TrustedKey],
    ) -> Result<VerifiedDeactivation, ActivationError> {
        let (deactivation, signed_by) = open_for_carrier(
            envelope,
            DEACTIVATION_CONTEXT,
            trusted,
            |document: &Self| &document.carrier,
        )?;
        Ok(VerifiedDeactivation {
            deactivation,
            signed_by,
        })
    }
}

/// Opens an envelope signed by one of `trusted` and checks that the signing key may sign for
/// the carrier `carrier_of` reads from the document.
fn open_for_carrier<T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    context: &[u8],
    trusted: &[TrustedKey],
    carrier_of: impl Fn(&T) -> &String,
) -> Result<(T, PublicKey), ActivationError> {
    let keys: Vec<PublicKey> = trusted.iter().map(|trusted| trusted.key).collect();
    let (document, signed_by): (T, PublicKey) =
        envelope::open(bytes, context, &keys, MAX_ENVELOPE_BYTES)?;
    let named = carrier_of(&document);
    // The same key may be both pinned and delegated; any one entry that allows it is enough.
    let entries = || trusted.iter().filter(|trusted| trusted.key == signed_by);
    if !entries().any(|trusted| trusted.may_sign_for(named)) {
        let key_carrier = entries()
            .find_map(|trusted| trusted.carrier.clone())
            .unwrap_or_default();
        return Err(ActivationError::WrongCarrier {
            named: named.clone(),
            key_carrier,
        });
    }
    Ok((document, signed_by))
}

/// Refuses a document for another device than `device_id`, or for another line than `bound`,
/// the line handle this device is bound to. A device bound to no line (set up by hand, or
/// before its line was known) accepts only documents that name no line: a document for a line
/// is the carrier's word about that line's device, which such a phone cannot show it is.
pub fn check_binding(
    line: &str,
    device: &str,
    bound: Option<&str>,
    device_id: &str,
) -> Result<(), ActivationError> {
    if device != device_id {
        return Err(ActivationError::WrongDevice);
    }
    if line != bound.unwrap_or("") {
        return Err(ActivationError::WrongLine);
    }
    Ok(())
}

impl From<EnvelopeError> for ActivationError {
    fn from(error: EnvelopeError) -> Self {
        match error {
            EnvelopeError::Malformed(what) => Self::Malformed(what),
            EnvelopeError::BadSignature => Self::BadSignature,
        }
    }
}

/// Refuses a profile or deactivation whose sequence is not above `last_applied` (the highest
/// sequence applied for the same line, if any).
pub fn check_sequence(offered: u64, last_applied: Option<u64>) -> Result<(), ActivationError> {
    match last_applied {
        Some(applied) if offered <= applied => Err(ActivationError::NotNewer { offered, applied }),
        _ => Ok(()),
    }
}
