//! [`SealedStore`]: encryption and integrity for every value, over any [`Store`].
//!
//! Each value is stored as `version || nonce || ciphertext || tag` (AES-256-GCM, see
//! [`crate::crypto::aead`]), sealed under the data key from the platform's [`KeyStore`]. The
//! associated data is a fixed label, the version and the value's key, so a value copied or moved
//! to another key does not authenticate there. Whatever fails is reported as
//! [`StoreError::Tampered`] and left on disk as it is: the caller decides what a damaged setting
//! means (for safe mode, never "back to no restrictions").

use std::fmt;

use crate::crypto::aead::{self, KEY_LEN, SEALED_OVERHEAD};

use super::{
    Entry, KeyStore, SEALED_VALUE_AAD_LABEL, SEALED_VALUE_VERSION, Store, StoreError, WriteBatch,
    namespace_of,
};

/// The shortest stored value that can be a sealed one: the version byte, the nonce and the tag.
const MIN_SEALED_LEN: usize = 1 + SEALED_OVERHEAD;

/// The encrypted store: every value sealed with AES-256-GCM under the [`KeyStore`]'s data key,
/// bound to its key by the associated data, with a fresh random 96-bit nonce per write. Keys are
/// stored as they are (see the module documentation of [`crate::store`]).
pub struct SealedStore<S: Store> {
    inner: S,
    key: [u8; KEY_LEN],
}

impl<S: Store> SealedStore<S> {
    /// Wraps `inner`, asking `keys` for the data key once, now.
    pub fn new(inner: S, keys: &dyn KeyStore) -> Result<Self, StoreError> {
        let key = keys.data_key()?;
        Ok(Self { inner, key })
    }

    /// The store underneath, which holds the sealed bytes (for tests and tools that inspect the
    /// backend, such as how opening recovered).
    pub fn backend(&self) -> &S {
        &self.inner
    }

    /// `value` sealed for storage under `key`.
    fn seal(&self, key: &[u8], value: &[u8]) -> Result<Vec<u8>, StoreError> {
        let sealed = aead::seal(&self.key, &associated_data(key), value)?;
        let mut stored = Vec::with_capacity(1 + sealed.len());
        stored.push(SEALED_VALUE_VERSION);
        stored.extend_from_slice(&sealed);
        Ok(stored)
    }

    /// The plaintext of `stored`, read under `key`, or [`StoreError::Tampered`].
    fn open(&self, key: &[u8], stored: &[u8]) -> Result<Vec<u8>, StoreError> {
        let tampered = |why| StoreError::Tampered {
            namespace: namespace_of(key),
            why,
        };
        if stored.len() < MIN_SEALED_LEN {
            return Err(tampered("it is shorter than any sealed value"));
        }
        let (version, sealed) = stored.split_at(1);
        if version[0] != SEALED_VALUE_VERSION {
            return Err(tampered("it has an unknown format version"));
        }
        aead::open(&self.key, &associated_data(key), sealed).map_err(|_| {
            tampered(
                "it did not authenticate: altered, moved from another key, or another data key",
            )
        })
    }
}

impl<S: Store> Store for SealedStore<S> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner
            .get(key)?
            .map(|stored| self.open(key, &stored))
            .transpose()
    }

    fn apply(&self, batch: WriteBatch) -> Result<(), StoreError> {
        let sealed = batch
            .into_writes()
            .into_iter()
            .map(|(key, value)| {
                let value = value.map(|v| self.seal(&key, &v)).transpose()?;
                Ok((key, value))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.inner.apply(WriteBatch::from_writes(sealed))
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, StoreError> {
        self.inner
            .scan_prefix(prefix)?
            .into_iter()
            .map(|(key, stored)| {
                let value = self.open(&key, &stored)?;
                Ok((key, value))
            })
            .collect()
    }
}

impl<S: Store + fmt::Debug> fmt::Debug for SealedStore<S> {
    /// Leaves the data key out: it must never reach a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedStore")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

/// The associated data that binds a sealed value to `key`: the store's label, the format version
/// and the key itself.
fn associated_data(key: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(SEALED_VALUE_AAD_LABEL.len() + 1 + key.len());
    aad.extend_from_slice(SEALED_VALUE_AAD_LABEL);
    aad.push(SEALED_VALUE_VERSION);
    aad.extend_from_slice(key);
    aad
}
