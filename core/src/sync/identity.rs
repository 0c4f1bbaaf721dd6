//! The phone's identity at the backend: its Ed25519 device key and its registration, both kept
//! in the sealed device store.
//!
//! The key is made once, on first use, and written durably before anything is sent with it: a
//! device registered under a key it then lost could never prove itself again.

use serde::{Deserialize, Serialize};

use crate::crypto::{CryptoError, SigningKey};
use crate::protocol::request_signing::key_id;
use crate::store::{Store, StoreError, WriteBatch, get_json, put_json};
use crate::trust::PinnedKeys;

/// Store keys of this module.
mod keys {
    pub(super) const DEVICE_KEY: &[u8] = b"sync/device-key";
    pub(super) const REGISTRATION: &[u8] = b"sync/registration";
}

/// Where and as whom this phone syncs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// The backend's base URL.
    pub backend_url: String,
    /// The id the backend knows this device by (the key id of the device key).
    pub device_id: String,
    /// The line's country, ISO 3166-1 alpha-2.
    pub country: String,
    /// Whether plain HTTP to a loopback backend was allowed (tests and the demo only).
    pub allow_insecure_loopback: bool,
    /// When the backend accepted the registration, Unix seconds.
    pub registered_at: u64,
    /// The keys the device was configured with when it registered. A registration kept before
    /// the key ring existed holds only its list and directory keys, and reads back with no
    /// root or carrier keys.
    #[serde(default)]
    pub trust: PinnedKeys,
}

/// Why the identity could not be read or kept.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The key could not be made or read.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// The device key, made and stored durably on first use.
pub fn device_key(store: &dyn Store) -> Result<SigningKey, IdentityError> {
    if let Some(der) = store.get(keys::DEVICE_KEY)? {
        return Ok(SigningKey::from_pkcs8(&der)?);
    }
    let (key, der) = SigningKey::generate()?;
    let mut batch = WriteBatch::new();
    batch.put(keys::DEVICE_KEY, &der);
    store.apply(batch)?;
    Ok(key)
}

/// The id the backend gives this device's key.
pub fn device_id(key: &SigningKey) -> String {
    key_id(&key.public_key())
}

/// The stored registration, if this device has registered.
pub fn registration(store: &dyn Store) -> Result<Option<Registration>, IdentityError> {
    Ok(get_json(store, keys::REGISTRATION)?)
}

/// Keeps the registration the backend accepted.
pub fn save_registration(
    store: &dyn Store,
    registration: &Registration,
) -> Result<(), IdentityError> {
    let mut batch = WriteBatch::new();
    put_json(&mut batch, keys::REGISTRATION, registration)?;
    Ok(store.apply(batch)?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_registration_kept_before_the_key_ring_still_reads() {
        let list_key = SigningKey::generate().unwrap().0.public_key();
        let kept = format!(
            r#"{{"backend_url":"https://backend.example","device_id":"d","country":"GB",
            "allow_insecure_loopback":false,"registered_at":5,
            "trust":{{"lists":["{list_key}"],"directory":[]}}}}"#
        );
        let read: Registration = serde_json::from_str(&kept).unwrap();
        assert_eq!(
            read.trust,
            PinnedKeys {
                lists: vec![list_key],
                ..PinnedKeys::default()
            }
        );
    }
}
