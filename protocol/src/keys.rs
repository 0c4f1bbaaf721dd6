//! Signing keys delegated from a root key, in the manner of TUF's roles.
//!
//! The handset maker puts one or more *root* keys in the SDK's configuration. A root key signs a
//! [`TrustDocument`]: which keys may sign what ([`KeyRole`]) and until when, and which keys are
//! revoked. It travels as the `keys` bundle, so versions never go back. A carrier rotates its own
//! key without the root by a [`KeyRotation`] signed with its current key. A document signed by a
//! key that is revoked, expired, superseded or delegated for another role is refused.

use childsafe_crypto::PublicKey;
use serde::{Deserialize, Serialize};

/// Prefixed to a trust document's payload before signing.
pub const TRUST_CONTEXT: &[u8] = b"childsafe trust document v1\n";
/// Prefixed to a key rotation's payload before signing.
pub const ROTATION_CONTEXT: &[u8] = b"childsafe key rotation v1\n";

/// What a delegated key may sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyRole {
    /// Activation profiles, deactivations and safety packs of one carrier.
    Carrier,
    /// Filter list bundles.
    Lists,
    /// The country directory.
    Directory,
}

/// One key a root delegates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delegation {
    /// What it may sign.
    pub role: KeyRole,
    /// The key.
    pub key: PublicKey,
    /// For [`KeyRole::Carrier`], the carrier id it signs for (documents naming another carrier
    /// are refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Unix seconds from which the delegation no longer holds (trusted time).
    pub expires_at: u64,
}

/// The root's document: the `keys` bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustDocument {
    /// Grows with every document; an older one is refused.
    pub version: u64,
    /// When the root signed it.
    pub issued_at: u64,
    /// From this second on the document is not installed (the one in force stays).
    pub expires_at: u64,
    /// The delegated keys.
    pub delegations: Vec<Delegation>,
    /// Keys no document may be accepted from again, whatever delegated them.
    #[serde(default)]
    pub revoked: Vec<PublicKey>,
}

/// A carrier's move from one key to the next, signed with the old key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRotation {
    /// The carrier.
    pub carrier: String,
    /// The key being retired; it signs this rotation.
    pub old_key: PublicKey,
    /// The key that takes over.
    pub new_key: PublicKey,
    /// When it was signed.
    pub issued_at: u64,
    /// Until when the new key holds (no later than the delegation it continues).
    pub expires_at: u64,
}
