//! The platform's key store as Kotlin and Swift implement it, and its adapter to core's
//! [`KeyStore`](childsafe_core::store::KeyStore).
//!
//! Core's trait returns a fixed 32-byte array, which cannot cross the FFI; the platform returns
//! bytes, and the adapter checks their length once, at open.

use std::sync::Arc;

use childsafe_core::crypto::aead::KEY_LEN;
use childsafe_core::store::KeyStoreError;

use crate::ChildSafeError;

/// Where the platform keeps the store's data key: the Android Keystore or the iOS Keychain.
#[uniffi::export(with_foreign)]
pub trait KeyStore: Send + Sync {
    /// The 32-byte data-encryption key: created on the first call, the same on every later call
    /// and across restarts. Throw `ChildSafeException.KeyStore` when it cannot be given.
    fn data_key(&self) -> Result<Vec<u8>, ChildSafeError>;
}

/// Core's view of the platform's [`KeyStore`].
pub(crate) struct PlatformKeyStore(pub(crate) Arc<dyn KeyStore>);

impl childsafe_core::store::KeyStore for PlatformKeyStore {
    fn data_key(&self) -> Result<[u8; KEY_LEN], KeyStoreError> {
        let key = self
            .0
            .data_key()
            .map_err(|error| KeyStoreError::new(error.to_string()))?;
        key.try_into().map_err(|key: Vec<u8>| {
            KeyStoreError::new(format!(
                "the platform key store gave {} bytes, not {KEY_LEN}",
                key.len()
            ))
        })
    }
}
