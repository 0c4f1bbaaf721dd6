//! Why the store could not read or write.

use childsafe_sled_recovery::SledError;

use super::KeyStoreError;
use crate::crypto::CryptoError;

/// Why the store could not read or write. Messages name at most a key's namespace (such as
/// `settings/`), never a key or a value: keys can name a site, and values are the child's data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The operating system refused to read or write the store's files (full disk, permissions,
    /// a missing directory).
    #[error("the store's files could not be read or written: {0}")]
    Io(#[from] std::io::Error),
    /// The storage engine failed for a reason other than I/O or corruption.
    #[error("the storage engine failed: {0}")]
    Backend(String),
    /// The storage engine found its own files damaged and could not recover them. The store was
    /// not reset: what to do with the files is the caller's decision.
    #[error("the store's files are damaged and could not be recovered ({0})")]
    Corrupt(&'static str),
    /// A stored value failed authentication: it was altered on disk, moved from another key, cut
    /// short, or sealed under another data key. The value is left as it is, never reset.
    #[error(
        "a value in namespace {namespace} failed its integrity check ({why}); it was left as is"
    )]
    Tampered {
        /// The namespace of the key whose value failed (its prefix up to the first `/`).
        namespace: String,
        /// What was wrong with the value.
        why: &'static str,
    },
    /// The platform key store could not give the data key, so nothing can be read or written.
    #[error(transparent)]
    KeyUnavailable(#[from] KeyStoreError),
    /// A value could not be sealed (the system's random generator failed).
    #[error("a value could not be sealed: {0}")]
    Crypto(#[from] CryptoError),
    /// A value could not be turned into JSON or back. The JSON library's own message is not
    /// passed on, as it can quote the value.
    #[error("a value in namespace {namespace} is not the expected JSON ({problem})")]
    Serialization {
        /// The namespace of the key whose value failed (its prefix up to the first `/`).
        namespace: String,
        /// The kind of problem: a syntax error, data of the wrong shape, or a cut value.
        problem: &'static str,
    },
}

/// sled's failures keep the messages the recovery crate gives them, as variants of this error.
impl From<SledError> for StoreError {
    fn from(error: SledError) -> Self {
        match error {
            SledError::Io(e) => StoreError::Io(e),
            SledError::Backend(why) => StoreError::Backend(why),
            SledError::Corrupt(why) => StoreError::Corrupt(why),
        }
    }
}
