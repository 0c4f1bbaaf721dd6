//! [`SledStore`]: the raw backend, sled 0.34 in a directory.
//!
//! Values are stored as they are given; [`SealedStore`](super::SealedStore) encrypts them before
//! they get here. Each [`WriteBatch`] becomes one sled batch, which sled recovers all or nothing
//! after a crash, followed by a flush, so an acknowledged write survives a kill. Opening runs
//! sled's own recovery and, if that fails on a half-written snapshot, the repair in `recovery`.
//!
//! sled makes a batch atomic for recovery, and each single read sees it whole, but a sled scan
//! reads key by key and can see part of a batch being applied by another thread. A
//! readers-writer lock around every operation closes that gap: readers see a batch whole, and
//! only once it is on disk.

use std::path::Path;
use std::sync::{PoisonError, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use super::{CACHE_CAPACITY_BYTES, Entry, Store, StoreError, WriteBatch, recovery};

/// The store's raw, unencrypted backend: a sled database in one directory. Use it through
/// [`open_device_store`](super::open_device_store), which seals every value; on its own it is
/// for tests and tools that need to see what is on disk.
#[derive(Debug)]
pub struct SledStore {
    db: sled::Db,
    /// Held for writing while a batch is applied and flushed, for reading by every read.
    commit: RwLock<()>,
    discarded_snapshots: usize,
}

impl SledStore {
    /// Opens (creating if needed) the database in `dir`, with a page cache of
    /// [`CACHE_CAPACITY_BYTES`]. When sled refuses to open because a kill left a half-written
    /// snapshot file, that file is removed and the open is tried once more; any other damage is
    /// reported as [`StoreError::Corrupt`] and nothing is removed.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let (db, discarded_snapshots) = open_recovering(dir, CACHE_CAPACITY_BYTES)?;
        Ok(Self {
            db,
            commit: RwLock::new(()),
            discarded_snapshots,
        })
    }

    /// How many half-written snapshot files opening had to remove (0 after a clean shutdown, and
    /// after almost every kill).
    pub fn discarded_snapshots(&self) -> usize {
        self.discarded_snapshots
    }

    /// Shared access for a read. The lock guards no data of its own (sled holds it all), so a
    /// panic in another holder leaves nothing inconsistent and a poisoned lock is simply used.
    fn read_access(&self) -> RwLockReadGuard<'_, ()> {
        self.commit.read().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Store for SledStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let _read = self.read_access();
        Ok(self.db.get(key).map_err(from_sled)?.map(|v| v.to_vec()))
    }

    fn apply(&self, batch: WriteBatch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut sled_batch = sled::Batch::default();
        for (key, value) in batch.into_writes() {
            match value {
                Some(value) => sled_batch.insert(key, value),
                None => sled_batch.remove(key),
            }
        }
        let _write = self.commit.write().unwrap_or_else(PoisonError::into_inner);
        self.db.apply_batch(sled_batch).map_err(from_sled)?;
        self.db.flush().map_err(from_sled)?;
        Ok(())
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, StoreError> {
        let _read = self.read_access();
        self.db
            .scan_prefix(prefix)
            .map(|entry| {
                entry
                    .map(|(k, v)| (k.to_vec(), v.to_vec()))
                    .map_err(from_sled)
            })
            .collect()
    }
}

/// Opens (creating if needed) a plain sled database in `dir` with a page cache of `cache_bytes`,
/// with the same recovery as [`SledStore::open`]: a half-written snapshot file left by a kill is
/// removed and the open tried again; any other damage is [`StoreError::Corrupt`]. For sled users
/// that need the raw database rather than a [`Store`], such as the reference backend.
pub fn open_sled_db(dir: &Path, cache_bytes: u64) -> Result<sled::Db, StoreError> {
    open_recovering(dir, cache_bytes).map(|(db, _discarded)| db)
}

/// Opens sled in `dir` with a page cache of `cache_bytes`, removing a half-written snapshot file
/// and trying once more if that is what stops it; also returns how many files were removed.
fn open_recovering(dir: &Path, cache_bytes: u64) -> Result<(sled::Db, usize), StoreError> {
    match open_sled(dir, cache_bytes) {
        Ok(db) => Ok((db, 0)),
        Err(sled::Error::Corruption { .. }) => {
            let discarded = recovery::discard_incomplete_snapshots(dir)?;
            if discarded == 0 {
                return Err(StoreError::Corrupt(
                    "sled reported damage that is not a half-written snapshot",
                ));
            }
            Ok((open_sled(dir, cache_bytes).map_err(from_sled)?, discarded))
        }
        Err(e) => Err(from_sled(e)),
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

/// The store's error for a sled error. sled only ever sees sealed values and keys (which hold no
/// personal data), so its messages can be passed on.
fn from_sled(e: sled::Error) -> StoreError {
    match e {
        sled::Error::Io(e) => StoreError::Io(e),
        sled::Error::Corruption { .. } => StoreError::Corrupt("sled found damaged data"),
        other => StoreError::Backend(other.to_string()),
    }
}
