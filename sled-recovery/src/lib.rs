//! Opening a sled 0.34 database so that a kill never leaves it unopenable: the one opening step
//! shared by the phone's store (`childsafe-core`) and the reference backend's embedded storage.
//!
//! [`open_recovering`] runs sled's own recovery and, if that fails on a snapshot file a kill left
//! half-written, removes that file (see `recovery`) and opens once more. It also waits a moment
//! for a file lock that a handle of this process being dropped still holds. [`SledError`] is how
//! both users see a sled failure, with messages that carry no stored data.
#![forbid(unsafe_code)]

mod recovery;

use std::path::Path;
use std::time::{Duration, Instant};

/// Why sled could not open, read or write. sled only ever sees keys and values its users chose
/// to hand it (sealed values on the phone), so its own messages can be passed on.
#[derive(Debug, thiserror::Error)]
pub enum SledError {
    /// The operating system refused to read or write the database's files (full disk,
    /// permissions, a missing directory).
    #[error("the store's files could not be read or written: {0}")]
    Io(#[from] std::io::Error),
    /// sled failed for a reason other than I/O or corruption.
    #[error("the storage engine failed: {0}")]
    Backend(String),
    /// sled found its own files damaged and they could not be recovered. Nothing was reset:
    /// what to do with the files is the caller's decision.
    #[error("the store's files are damaged and could not be recovered ({0})")]
    Corrupt(&'static str),
}

impl From<sled::Error> for SledError {
    fn from(error: sled::Error) -> Self {
        match error {
            sled::Error::Io(e) => SledError::Io(e),
            sled::Error::Corruption { .. } => SledError::Corrupt("sled found damaged data"),
            other => SledError::Backend(other.to_string()),
        }
    }
}

/// Opens (creating if needed) sled in `dir` with a page cache of `cache_bytes`, removing a
/// half-written snapshot file and trying once more if that is what stops it; also returns how
/// many files were removed. Any other damage is [`SledError::Corrupt`].
pub fn open_recovering(dir: &Path, cache_bytes: u64) -> Result<(sled::Db, usize), SledError> {
    match open_sled(dir, cache_bytes) {
        Ok(db) => Ok((db, 0)),
        Err(sled::Error::Corruption { .. }) => {
            let discarded = recovery::discard_incomplete_snapshots(dir)?;
            if discarded == 0 {
                return Err(SledError::Corrupt(
                    "sled reported damage that is not a half-written snapshot",
                ));
            }
            Ok((open_sled(dir, cache_bytes)?, discarded))
        }
        Err(e) => Err(e.into()),
    }
}

/// How long opening waits for the database's file lock to be released by a handle of this
/// process that is being dropped: sled's background flusher lets go of the lock a moment after
/// the last handle goes, so closing and reopening the store at once would otherwise fail.
const LOCK_RELEASE_WAIT: Duration = Duration::from_secs(2);
/// Pause between two tries while waiting for the lock.
const LOCK_RETRY_PAUSE: Duration = Duration::from_millis(10);

/// sled in `dir` with this cache, waiting briefly for a lock a closing handle still holds.
fn open_sled(dir: &Path, cache_bytes: u64) -> sled::Result<sled::Db> {
    let started = Instant::now();
    loop {
        let opened = sled::Config::new()
            .path(dir)
            .cache_capacity(cache_bytes)
            .open();
        match opened {
            Err(sled::Error::Io(e))
                if is_lock_held(&e) && started.elapsed() < LOCK_RELEASE_WAIT =>
            {
                std::thread::sleep(LOCK_RETRY_PAUSE);
            }
            other => return other,
        }
    }
}

/// Whether sled failed to open because another handle holds the database's file lock (sled 0.34
/// reports it as an I/O error wrapping `WouldBlock`).
fn is_lock_held(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::WouldBlock
        || error.to_string().contains("could not acquire lock")
}
