//! [`SledStorage`] itself: opening the database with its writer and flusher threads, closing
//! it, and the ways its methods reach sled (short reads, scans, and queued writes), which the
//! files beside this one use for each kind of data.
//!
//! Every sled call waits while a transaction runs. Short reads (a few keys, one owner's records)
//! and the nonce run on the caller's thread when the writer is between transactions, and on
//! tokio's blocking pool while it is inside one; reads that may scan a whole tree always run on
//! the blocking pool. Handing each short read to another thread and back cost more than the
//! read. Devices never change once registered, so the ones read are also kept in memory. A
//! read can see a batch that is committed but not yet flushed; only the answers of writes carry
//! the durability promise.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::schema::{Trees, TxResult, TxTrees};
use super::writer::{Durability, Queued, QueuedWrite, flush_loop, write_loop};
use crate::storage::accounts::DeviceRecord;
use crate::storage::error::{StorageError, StorageResult};

/// sled's page cache for the server, in bytes: large enough to keep the recent reports, feeds
/// and idempotency keys in memory, far below sled's 1 GB default.
pub const SERVER_CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// The backend's state in an embedded sled database in one directory. Only one process can open
/// a directory at a time; within the process, share it as `Arc<dyn Storage>`.
pub struct SledStorage {
    pub(super) trees: Arc<Trees>,
    /// Where writes are queued; `None` only while dropping, to stop the writer.
    writes: Option<mpsc::Sender<Box<dyn QueuedWrite>>>,
    writer: Option<JoinHandle<()>>,
    flusher: Option<JoinHandle<()>>,
    /// Whether the writer is inside a transaction, during which every other sled call waits.
    committing: Arc<AtomicBool>,
    /// Devices read before, by id (at most
    /// [`KNOWN_DEVICES_CAP`](super::accounts::KNOWN_DEVICES_CAP)). A device never changes once
    /// registered (nothing updates or removes one), so an entry is never stale; only devices
    /// that exist are kept.
    pub(super) known_devices: Mutex<HashMap<String, DeviceRecord>>,
}

impl SledStorage {
    /// Opens (creating if needed) the database in `dir`. A half-written snapshot file left by a
    /// kill is recovered from as the phone store does
    /// ([`open_recovering`](childsafe_sled_recovery::open_recovering)); other damage is
    /// [`StorageError::Corrupt`].
    pub fn open(dir: &Path) -> StorageResult<SledStorage> {
        let (db, _discarded) = childsafe_sled_recovery::open_recovering(dir, SERVER_CACHE_BYTES)
            .map_err(|e| match e {
                childsafe_sled_recovery::SledError::Corrupt(why) => {
                    StorageError::Corrupt(why.to_owned())
                }
                other => StorageError::Backend(other.to_string()),
            })?;
        let trees = Arc::new(Trees::open(db)?);
        let (to_flush, flush_queue) = mpsc::channel();
        let flusher_db = trees.db.clone();
        let flusher = std::thread::Builder::new()
            .name("sled-storage-flusher".to_owned())
            .spawn(move || flush_loop(&flusher_db, &flush_queue))
            .map_err(|e| StorageError::Backend(format!("the flusher thread did not start: {e}")))?;
        let (writes, queue) = mpsc::channel();
        let writer_trees = Arc::clone(&trees);
        let committing = Arc::new(AtomicBool::new(false));
        let writer_committing = Arc::clone(&committing);
        let writer = std::thread::Builder::new()
            .name("sled-storage-writer".to_owned())
            .spawn(move || write_loop(&writer_trees, &queue, &to_flush, &writer_committing))
            .map_err(|e| StorageError::Backend(format!("the writer thread did not start: {e}")))?;
        Ok(SledStorage {
            trees,
            writes: Some(writes),
            writer: Some(writer),
            flusher: Some(flusher),
            committing,
            known_devices: Mutex::new(HashMap::new()),
        })
    }

    /// Runs the short read `op` (a few keys, or one owner's records); see [`Self::direct`].
    pub(super) async fn read<T, F>(&self, op: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Trees) -> StorageResult<T> + Send + 'static,
    {
        self.direct(op).await
    }

    /// Runs `op`, a few sled calls outside any transaction, on the caller's thread when the
    /// writer is between transactions, else on tokio's blocking pool: a sled call waits while a
    /// transaction runs, and a tokio worker must not, but handing every short call to another
    /// thread and back costs more than the call.
    pub(super) async fn direct<T, F>(&self, op: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Trees) -> StorageResult<T> + Send + 'static,
    {
        if self.committing.load(Ordering::Acquire) {
            self.scan(op).await
        } else {
            op(&self.trees)
        }
    }

    /// Runs the read `op`, which may scan a whole tree, on tokio's blocking pool.
    pub(super) async fn scan<T, F>(&self, op: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Trees) -> StorageResult<T> + Send + 'static,
    {
        let trees = Arc::clone(&self.trees);
        tokio::task::spawn_blocking(move || op(&trees))
            .await
            .map_err(|e| StorageError::Backend(format!("a storage task did not finish: {e}")))?
    }

    /// Queues the change `op` and waits until it is committed and on disk. `op` may run more
    /// than once (sled retries a transaction, and a batch is run again without a write that
    /// failed), so it must only read and write through the transaction. Its error aborts only
    /// its own changes.
    pub(super) async fn write<T, F>(&self, op: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: Fn(&TxTrees<'_>) -> TxResult<T> + Send + 'static,
    {
        self.write_as(Durability::Flushed, op).await
    }

    /// [`write`](Self::write), answered as soon as it is committed: on disk with the next flush,
    /// for the writes the module doc lists.
    pub(super) async fn write_committed<T, F>(&self, op: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: Fn(&TxTrees<'_>) -> TxResult<T> + Send + 'static,
    {
        self.write_as(Durability::Committed, op).await
    }

    async fn write_as<T, F>(&self, durability: Durability, op: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: Fn(&TxTrees<'_>) -> TxResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let queued = Box::new(Queued::new(op, durability, reply));
        let stopped = || StorageError::Backend("the storage writer has stopped".to_owned());
        self.writes
            .as_ref()
            .ok_or_else(stopped)?
            .send(queued)
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

impl std::fmt::Debug for SledStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStorage")
            .field("db", &self.trees.db)
            .finish_non_exhaustive()
    }
}

impl Drop for SledStorage {
    /// Stops the writer once it has committed what is queued, so that the database is closed
    /// (and can be opened again) when this returns.
    fn drop(&mut self) {
        self.writes = None;
        // The writer goes first: it holds the flusher's queue, and hands it what it commits.
        for thread in [self.writer.take(), self.flusher.take()]
            .into_iter()
            .flatten()
        {
            // A thread that panicked has nothing left to finish.
            let _ = thread.join();
        }
    }
}
