//! Which keys the phone trusts to sign what: the keys the handset maker pinned in the
//! configuration, and the keys a root key delegated (see [`crate::protocol::keys`]), less those
//! revoked, expired or rotated away. Every signed document the phone accepts from a carrier, a
//! list publisher or a directory publisher is checked against the keys this module gives for
//! that role at that moment of trusted time.

mod key_ring;

pub use key_ring::{KeyRing, PinnedKeys, RotationInstalled, TrustError};

use crate::crypto::PublicKey;

/// A key trusted for one role now, with the carrier it may sign for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedKey {
    /// The key.
    pub key: PublicKey,
    /// For a carrier key delegated by a root (or rotated from one), the carrier id its documents
    /// must name; `None` for a key the handset maker pinned, which may sign for any carrier.
    pub carrier: Option<String>,
}

impl TrustedKey {
    /// A key the handset maker pinned in the configuration.
    pub fn pinned(key: PublicKey) -> Self {
        Self { key, carrier: None }
    }

    /// Whether this key may sign a document that names `carrier`.
    pub fn may_sign_for(&self, carrier: &str) -> bool {
        self.carrier.as_deref().is_none_or(|own| own == carrier)
    }
}

/// The public keys of `trusted`, for checks that need no carrier (list and directory bundles).
pub fn public_keys(trusted: &[TrustedKey]) -> Vec<PublicKey> {
    trusted.iter().map(|trusted| trusted.key).collect()
}
