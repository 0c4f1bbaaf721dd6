//! Where the store's data key comes from: the [`KeyStore`] trait and its error.
//!
//! On a phone the key lives in the platform's key storage (Android Keystore, iOS Keychain) and is
//! reached through [`KeyStore`], which Kotlin and Swift implement across the FFI. Tests and
//! command-line tools use the file-backed implementation in `file_key_store` (behind the
//! `file-key-store` feature), which no phone build includes.

use crate::crypto::aead::KEY_LEN;

/// The platform's keeper of the store's data-encryption key. Implemented in Kotlin (Android
/// Keystore) and Swift (iOS Keychain) through the FFI; for tests and tools, by `FileKeyStore`
/// (feature `file-key-store`).
pub trait KeyStore: Send + Sync {
    /// The 32-byte data-encryption key; created on first use by the implementation, and the same
    /// key on every later call, across restarts.
    fn data_key(&self) -> Result<[u8; KEY_LEN], KeyStoreError>;
}

/// Why a [`KeyStore`] could not give the data key. The reason is written by the implementation
/// and must never contain key material.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the key store could not give the data key: {reason}")]
pub struct KeyStoreError {
    reason: String,
}

impl KeyStoreError {
    /// An error with `reason`, which must not contain key material.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    /// Why the key could not be given.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}
