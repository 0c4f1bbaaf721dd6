//! [`SledStore`]: the raw backend, sled 0.34 in a directory.
//!
//! Values are stored as they are given; [`SealedStore`](super::SealedStore) encrypts them before
//! they get here. Each [`WriteBatch`] becomes one sled batch, which sled recovers all or nothing
//! after a crash, followed by a flush, so an acknowledged write survives a kill. Opening runs
//! sled's own recovery and, if that fails on a half-written snapshot, the repair in
//! `childsafe-sled-recovery` (shared with the reference backend).
//!
//! sled makes a batch atomic for recovery, and each single read sees it whole, but a sled scan
//! reads key by key and can see part of a batch being applied by another thread. A
//! readers-writer lock around every operation closes that gap: readers see a batch whole, and
//! only once it is on disk.

use childsafe_sled_recovery::{SledError, open_recovering};
use std::path::Path;
use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use super::{CACHE_CAPACITY_BYTES, Entry, Store, StoreError, WriteBatch};

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

/// The store's error for a sled error. sled only ever sees sealed values and keys (which hold no
/// personal data), so its messages can be passed on.
fn from_sled(e: sled::Error) -> StoreError {
    SledError::from(e).into()
}
