//! The device store: the one place where childsafe keeps state on the phone (safe-mode settings,
//! the PIN lockout counters, the report outbox, the audit log).
//!
//! The rest of the SDK sees only the small [`Store`] trait: read a key, scan a prefix, and
//! [`apply`](Store::apply) a [`WriteBatch`] that lands whole or not at all and is on disk before
//! the call returns. Two implementations stack behind it:
//!
//! - [`SledStore`], the raw backend: sled 0.34 in a directory, with a small cache, and an opening
//!   step that recovers from the half-written snapshot file a kill during sled's own recovery
//!   can leave behind (`childsafe-sled-recovery`, which the reference backend opens with too);
//! - [`SealedStore`], which wraps any [`Store`] and seals every value with AES-256-GCM under the
//!   data key from the platform's [`KeyStore`]. A value that does not authenticate is reported as
//!   [`StoreError::Tampered`] and is never replaced or reset behind the caller's back.
//!
//! [`open_device_store`] puts the two together; it is the one way the SDK opens its store.
//!
//! Keys are not encrypted, only values: callers namespace keys with a prefix such as
//! `b"settings/"` and must never put personal data (a URL, a name) in a key. Error messages name
//! at most a key's namespace, never the key or the value.

mod batch;
mod device;
mod error;
#[cfg(feature = "file-key-store")]
mod file_key_store;
mod json;
mod key_store;
mod sealed;
mod sled_store;

pub use batch::WriteBatch;
pub use device::open_device_store;
pub use error::StoreError;
#[cfg(feature = "file-key-store")]
pub use file_key_store::FileKeyStore;
pub use json::{get_json, put_json};
pub use key_store::{KeyStore, KeyStoreError};
pub use sealed::SealedStore;
pub use sled_store::SledStore;

/// sled's page cache limit, in bytes. sled's default is 1 GB, which on a phone would let the
/// store grow to hundreds of MB of resident memory; the SDK's data is small and read rarely.
pub const CACHE_CAPACITY_BYTES: u64 = 4 * 1024 * 1024;

/// The first byte of every sealed value: the layout `version || nonce || ciphertext || tag`.
/// A later layout gets a new number, so old values stay readable.
pub const SEALED_VALUE_VERSION: u8 = 1;

/// Prepended to the associated data of every sealed value, so that a value sealed by the store
/// can never be mistaken for anything else sealed under the same data key.
const SEALED_VALUE_AAD_LABEL: &[u8] = b"childsafe/store/value\0";

/// The longest namespace (the part of a key up to and including its first `/`) that error
/// messages show; longer or non-printable prefixes are shown as [`UNNAMED_NAMESPACE`].
const MAX_NAMESPACE_SHOWN: usize = 32;

/// What error messages show for a key without a short, printable namespace.
const UNNAMED_NAMESPACE: &str = "(unnamed)";

/// A key and its value, as [`Store::scan_prefix`] returns them.
pub type Entry = (Vec<u8>, Vec<u8>);

/// The small storage interface the rest of the SDK uses. Keys are namespaced by the caller with a
/// prefix like `b"settings/"`. The trait is object-safe: callers hold `Box<dyn Store>` or
/// `&dyn Store`.
pub trait Store: Send + Sync {
    /// The value stored under `key`, if any.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;

    /// Applies every put and delete of `batch` as one change: after a crash at any moment, and
    /// to every reader, either all of it is in the store or none of it is. When this returns
    /// `Ok`, the change is on disk. When it returns an error, the change may or may not have been
    /// made (as with any write whose outcome was not confirmed): read back what matters.
    fn apply(&self, batch: WriteBatch) -> Result<(), StoreError>;

    /// Every key starting with `prefix`, with its value, in ascending byte order of the keys.
    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, StoreError>;
}

impl<S: Store + ?Sized> Store for Box<S> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).get(key)
    }

    fn apply(&self, batch: WriteBatch) -> Result<(), StoreError> {
        (**self).apply(batch)
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, StoreError> {
        (**self).scan_prefix(prefix)
    }
}

// A borrowed store is a store, so that several parts of the SDK (safe mode, the report outbox)
// can work over the one store the facade owns.
impl<S: Store + ?Sized> Store for &S {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).get(key)
    }

    fn apply(&self, batch: WriteBatch) -> Result<(), StoreError> {
        (**self).apply(batch)
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, StoreError> {
        (**self).scan_prefix(prefix)
    }
}

impl<S: Store + ?Sized> Store for std::sync::Arc<S> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).get(key)
    }

    fn apply(&self, batch: WriteBatch) -> Result<(), StoreError> {
        (**self).apply(batch)
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, StoreError> {
        (**self).scan_prefix(prefix)
    }
}

/// The namespace of `key` as error messages may show it: the bytes up to and including the first
/// `/`, when they are short and printable. The rest of a key can identify a person or a site,
/// so it is never shown.
fn namespace_of(key: &[u8]) -> String {
    let shown = key
        .iter()
        .position(|&b| b == b'/')
        .map(|slash| &key[..=slash])
        .filter(|ns| ns.len() <= MAX_NAMESPACE_SHOWN && ns.iter().all(u8::is_ascii_graphic));
    match shown {
        Some(ns) => String::from_utf8_lossy(ns).into_owned(),
        None => UNNAMED_NAMESPACE.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_short_printable_prefix_is_shown() {
        assert_eq!(namespace_of(b"settings/age_band"), "settings/");
        assert_eq!(namespace_of(b"reports/outbox/1234"), "reports/");
        assert_eq!(namespace_of(b"no-slash-here"), UNNAMED_NAMESPACE);
        assert_eq!(namespace_of(b"a b/c"), UNNAMED_NAMESPACE);
        assert_eq!(namespace_of(b"\xff/x"), UNNAMED_NAMESPACE);
        assert_eq!(namespace_of(&[b'a'; 40]), UNNAMED_NAMESPACE);
        assert_eq!(namespace_of(b""), UNNAMED_NAMESPACE);
    }
}
