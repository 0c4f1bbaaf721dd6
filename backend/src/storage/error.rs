//! How storage fails: [`StorageError`] and the [`StorageResult`] every storage method returns,
//! whatever the kind of data and whichever store holds it.

/// Why storage failed. Messages never carry report contents.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database could not be reached or refused the operation.
    #[error("storage failed: {0}")]
    Backend(String),
    /// Stored bytes did not decode.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// Shorthand for storage results.
pub type StorageResult<T> = Result<T, StorageError>;
