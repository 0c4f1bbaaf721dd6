//! [`SledStorage`]: the backend's state in one embedded sled database, the default that needs no
//! setup. It owns the on-disk layout (one sled tree per kind of record, the encoding of keys and
//! values) and the way writes reach the disk.
//!
//! Keys that are scanned by owner (a device's reports, a parent's feed, a mailbox) start with the
//! owner's id preceded by its length, so the scan of one owner never runs into another whose id
//! starts with the same bytes; sequence numbers and times are big-endian, so byte order is
//! numeric order. Records purged by age also have an index tree keyed `time || key`, so a purge
//! reads only what it removes. Values are JSON, except the small fixed layouts of idempotency
//! keys and bundles.
//!
//! Writes are group-committed. Every change is a closure queued to one writer thread, which runs
//! all the closures waiting at that moment inside one sled transaction over every tree, and
//! then hands the writes to a flusher thread, which flushes once for everything handed to it
//! since its last flush and then answers each caller; the writer meanwhile gathers the next
//! batch, and commits it as soon as the flush lets go of sled's lock. sled needs this: each transaction writes and syncs its log buffer twice while holding
//! a database-wide lock, and a flush holds that lock while it waits for the disk, so writers
//! that each commit and flush on their own are served one at a time (measured here: about 4,500
//! single-report transactions a second whatever the concurrency). The flush is sled's blocking
//! `flush` on the flusher thread, not `flush_async`: in sled 0.34.7 concurrent `flush_async`
//! calls deadlock (spacejam/sled#1308, fixed only on sled's unreleased main branch; it hung
//! here with 8 concurrent writers).
//!
//! A few writes are answered once committed, before they are flushed: spending a request nonce
//! ([`Storage::remember_nonce`], which is not even queued: two single-key sled calls, the
//! expiry index entry first, then an insert-if-absent of the nonce) and taking, answering or
//! releasing an idempotency key. This is safe because sled's log is written in order and a
//! flush makes everything committed before it durable, and because of what a crash before the
//! next flush can lose:
//! - a nonce: only one whose request stored nothing durable either (a report upload's insert is
//!   flushed, and so carries its nonce to disk before the device hears of it), so a replay
//!   after the restart does what the original was never known to have done;
//! - a taken key: a retry starts afresh instead of waiting [`STALE_IDEMPOTENCY_SECS`] for it;
//! - a recorded answer: the reports it answered for are on disk (the insert is flushed before
//!   the answer is recorded), so a retry under the same key runs again, finds every report
//!   stored, and answers the same receipts (or the same refusal);
//! - a release: the key stays taken until it is stale, as after any crash mid-request.
//!
//! Every other change, and every report insert above all, is answered only once flushed.
//!
//! [`STALE_IDEMPOTENCY_SECS`]: super::STALE_IDEMPOTENCY_SECS
//!
//! The sequence numbers of feeds, mailboxes and a device's report list are drawn inside the
//! transaction that stores them, which sled runs alone, so a reader that has seen seq N of a
//! feed has seen every smaller seq of it, and asking for what comes `after` N never skips an
//! item.
//!
//! Every sled call waits while a transaction runs. Short reads (a few keys, one owner's records)
//! and the nonce run on the caller's thread when the writer is between transactions, and on
//! tokio's blocking pool while it is inside one; reads that may scan a whole tree always run on
//! the blocking pool. Handing each short read to another thread and back cost more than the
//! read. Devices never change once registered, so the ones read are also kept in memory. A
//! read can see a batch that is committed but not yet flushed; only the answers of writes carry
//! the durability promise.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::JoinHandle;

use async_trait::async_trait;
use bytes::Bytes;
use childsafe_crypto::PublicKey;
use childsafe_protocol::report::UploadedReport;
use childsafe_protocol::wire::{
    BundleKind, Destination, DestinationKind, FeedItem, MessageKind, RelayedMessage, ReportStatus,
    ReportedDeviceStatus,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::{IVec, Transactional, Tree};
use tokio::sync::oneshot;

use super::rules::{self, IdempotencyDecision, IdempotencyState, PurgeCutoffs};
use super::{
    BundlePut, BundleVersion, DeviceRecord, DeviceRegistered, HotlineEntry, IdempotencyBegin,
    NewMessage, NewReport, ParentRecord, Purged, ReportInsert, Retention, Storage, StorageError,
    StorageResult, StoredBundle,
};

/// sled's page cache for the server, in bytes: large enough to keep the recent reports, feeds
/// and idempotency keys in memory, far below sled's 1 GB default.
pub const SERVER_CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// Most queued writes one transaction commits. A transaction costs the same two log syncs
/// whatever its size, so larger batches are cheaper per write, but the lock is held longer.
const MAX_WRITE_BATCH: usize = 256;

/// Most devices [`SledStorage`] keeps in memory; when full, it starts again from none, which
/// costs one read per device and keeps memory bounded whatever the number of devices.
const KNOWN_DEVICES_CAP: usize = 100_000;

/// Most records one purge transaction removes, so that a large purge never holds sled's
/// database-wide lock for long.
const PURGE_CHUNK: usize = 512;

/// The backend's state in an embedded sled database in one directory. Only one process can open
/// a directory at a time; within the process, share it as `Arc<dyn Storage>`.
pub struct SledStorage {
    trees: Arc<Trees>,
    /// Where writes are queued; `None` only while dropping, to stop the writer.
    writes: Option<mpsc::Sender<Box<dyn QueuedWrite>>>,
    writer: Option<JoinHandle<()>>,
    flusher: Option<JoinHandle<()>>,
    /// Whether the writer is inside a transaction, during which every other sled call waits.
    committing: Arc<AtomicBool>,
    /// Devices read before, by id. A device never changes once registered (nothing updates
    /// or removes one), so an entry is never stale; only devices that exist are kept.
    known_devices: Mutex<HashMap<String, DeviceRecord>>,
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
    async fn read<T, F>(&self, op: F) -> StorageResult<T>
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
    async fn direct<T, F>(&self, op: F) -> StorageResult<T>
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
    async fn scan<T, F>(&self, op: F) -> StorageResult<T>
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
    async fn write<T, F>(&self, op: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: Fn(&TxTrees<'_>) -> TxResult<T> + Send + 'static,
    {
        self.write_as(Durability::Flushed, op).await
    }

    /// [`write`](Self::write), answered as soon as it is committed: on disk with the next flush,
    /// for the writes the module doc lists.
    async fn write_committed<T, F>(&self, op: F) -> StorageResult<T>
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
        let queued = Box::new(Queued {
            op,
            durability,
            outcome: RefCell::new(None),
            reply,
        });
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

/// Declares the database's trees once: the struct that holds them, the view of them inside a
/// transaction, and the order that links the two.
macro_rules! trees {
    ($($(#[doc = $doc:literal])* $name:ident,)+) => {
        /// The database and its trees.
        #[derive(Debug)]
        struct Trees {
            db: sled::Db,
            $($(#[doc = $doc])* $name: Tree,)+
        }

        /// The same trees inside one transaction.
        struct TxTrees<'a> {
            $($name: &'a TransactionalTree,)+
        }

        impl Trees {
            fn open(db: sled::Db) -> StorageResult<Self> {
                Ok(Self {
                    $($name: db.open_tree(stringify!($name)).map_err(from_sled)?,)+
                    db,
                })
            }

            /// Every tree, in the order [`TxTrees::new`] reads them.
            fn all(&self) -> Vec<&Tree> {
                vec![$(&self.$name,)+]
            }
        }

        impl<'a> TxTrees<'a> {
            /// The view of a transaction over [`Trees::all`].
            fn new(trees: &'a [TransactionalTree]) -> Option<Self> {
                let [$($name,)+] = trees else {
                    return None;
                };
                Some(Self { $($name,)+ })
            }
        }
    };
}

trees! {
    /// Activation token hash → when it was added.
    tokens,
    /// Device id → [`DeviceValue`].
    devices,
    /// Parent id → [`ParentValue`].
    parents,
    /// `owned(principal) || nonce` → its expiry.
    nonces,
    /// `expiry || nonce key` → nothing: the nonces in order of expiry.
    nonce_expiry,
    /// `owned(device) || idempotency key` → [`encode_idempotency`].
    idempotency,
    /// `started_at || idempotency key` → nothing: the keys in order of age.
    idempotency_age,
    /// Report id → [`ReportValue`].
    reports,
    /// `owned(device) || seq` → report id: a device's reports in the order received.
    device_reports,
    /// `received_at || report id` → nothing: the reports in order of age.
    report_age,
    /// `owned(parent) || seq` → report id: a parent's feed.
    feeds,
    /// `received_at || report id` → nothing: the reports with a hotline destination.
    hotline,
    /// Pairing code → [`PairingValue`].
    pairing_codes,
    /// `owned(device) || parent id` → when they were paired.
    device_parents,
    /// `owned(parent) || device id` → when they were paired.
    parent_devices,
    /// `owned(recipient) || seq` → [`MessageValue`].
    mailboxes,
    /// `received_at || mailbox key` → nothing: the messages in order of age.
    message_age,
    /// Bundle kind → [`encode_bundle`].
    bundles,
    /// Bundle kind → `version || expires_at` of its entry in `bundles`, written with it: the
    /// check behind every fetch, which must not load a 32 MiB value that sled's cache let go.
    bundle_versions,
    /// Secret name → its bytes.
    secrets,
    /// Device id → its latest [`ReportedDeviceStatus`].
    device_status,
}

/// What a queued write returns inside the transaction: its outcome, or a reason to undo it
/// ([`ConflictableTransactionError::Abort`]) or the whole batch (sled's own errors).
type TxResult<T> = Result<T, ConflictableTransactionError<StorageError>>;

/// When a write's caller is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Durability {
    /// Once a flush that began after its commit has ended: the trait's promise.
    Flushed,
    /// Once it is committed; it reaches the disk with the next flush (see the module doc).
    Committed,
}

/// A change waiting for the writer.
trait QueuedWrite: Send {
    /// Applies the change inside the batch's transaction and keeps its outcome.
    fn apply(&self, tx: &TxTrees<'_>) -> TxResult<()>;

    /// When its caller may be answered.
    fn durability(&self) -> Durability;

    /// Answers the caller: the kept outcome once `committed` is `Ok`, else the error.
    fn finish(self: Box<Self>, committed: StorageResult<()>);
}

struct Queued<T, F> {
    op: F,
    durability: Durability,
    outcome: RefCell<Option<T>>,
    reply: oneshot::Sender<StorageResult<T>>,
}

impl<T, F> QueuedWrite for Queued<T, F>
where
    T: Send,
    F: Fn(&TxTrees<'_>) -> TxResult<T> + Send,
{
    fn durability(&self) -> Durability {
        self.durability
    }

    fn apply(&self, tx: &TxTrees<'_>) -> TxResult<()> {
        let outcome = (self.op)(tx)?;
        self.outcome.replace(Some(outcome));
        Ok(())
    }

    fn finish(self: Box<Self>, committed: StorageResult<()>) {
        let Queued { outcome, reply, .. } = *self;
        let answer = committed.and_then(|()| {
            outcome.into_inner().ok_or_else(|| {
                StorageError::Backend("a committed write left no outcome".to_owned())
            })
        });
        // The caller may have gone (its request was cancelled); the change stands anyway.
        let _ = reply.send(answer);
    }
}

/// Why a batch's transaction stopped.
struct BatchAbort {
    /// The write that failed, to be answered with `error` and left out of the next try; `None`
    /// when the batch as a whole cannot commit.
    write: Option<usize>,
    error: StorageError,
}

/// The writer thread: commits whatever is queued as one batch, until every sender is gone.
fn write_loop(
    trees: &Trees,
    queue: &mpsc::Receiver<Box<dyn QueuedWrite>>,
    to_flush: &mpsc::Sender<Box<dyn QueuedWrite>>,
    committing: &AtomicBool,
) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_WRITE_BATCH {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        commit_batch(trees, batch, to_flush, committing);
    }
}

/// The flusher thread: flushes once for everything committed and waiting, then answers it,
/// until the writer is gone. Each write arrives here only after its commit, so the flush that
/// follows its arrival covers it.
fn flush_loop(db: &sled::Db, queue: &mpsc::Receiver<Box<dyn QueuedWrite>>) {
    while let Ok(first) = queue.recv() {
        let mut waiting = vec![first];
        waiting.extend(queue.try_iter());
        let flushed = db.flush().map(|_| ()).map_err(from_sled);
        for write in waiting {
            write.finish(flushed.as_ref().map(|_| ()).map_err(duplicate));
        }
    }
}

/// Commits `batch` in one transaction, then answers the writes that only wait for their commit
/// and hands the others to the flusher. A write whose own step fails is answered with its error
/// and the rest is tried again without it, so one write's failure never undoes or blocks
/// another's.
fn commit_batch(
    trees: &Trees,
    mut batch: Vec<Box<dyn QueuedWrite>>,
    to_flush: &mpsc::Sender<Box<dyn QueuedWrite>>,
    committing: &AtomicBool,
) {
    let all = trees.all();
    loop {
        committing.store(true, Ordering::Release);
        let committed = all.as_slice().transaction(|view| {
            let tx = TxTrees::new(view).ok_or(ConflictableTransactionError::Abort(BatchAbort {
                write: None,
                error: StorageError::Backend("the transaction does not cover every tree".into()),
            }))?;
            for (index, write) in batch.iter().enumerate() {
                write.apply(&tx).map_err(|e| match e {
                    ConflictableTransactionError::Abort(error) => {
                        ConflictableTransactionError::Abort(BatchAbort {
                            write: Some(index),
                            error,
                        })
                    }
                    ConflictableTransactionError::Conflict => {
                        ConflictableTransactionError::Conflict
                    }
                    ConflictableTransactionError::Storage(e) => {
                        ConflictableTransactionError::Storage(e)
                    }
                })?;
            }
            Ok(())
        });
        committing.store(false, Ordering::Release);
        let failure = match committed {
            Ok(()) => {
                for write in batch {
                    if write.durability() == Durability::Committed {
                        write.finish(Ok(()));
                    } else if let Err(mpsc::SendError(write)) = to_flush.send(write) {
                        write.finish(Err(StorageError::Backend(
                            "the storage flusher has stopped".to_owned(),
                        )));
                    }
                }
                return;
            }
            Err(TransactionError::Abort(abort)) => abort,
            Err(TransactionError::Storage(e)) => BatchAbort {
                write: None,
                error: from_sled(e),
            },
        };
        match failure.write {
            Some(index) if index < batch.len() => {
                batch.remove(index).finish(Err(failure.error));
                if batch.is_empty() {
                    return;
                }
            }
            _ => {
                for write in batch {
                    write.finish(Err(duplicate(&failure.error)));
                }
                return;
            }
        }
    }
}

/// The same error again, for each write of a batch that failed as a whole.
fn duplicate(error: &StorageError) -> StorageError {
    match error {
        StorageError::Backend(why) => StorageError::Backend(why.clone()),
        StorageError::Corrupt(why) => StorageError::Corrupt(why.clone()),
    }
}

#[derive(Serialize, Deserialize)]
struct DeviceValue {
    public_key: PublicKey,
    country: String,
    registered_at: u64,
}

#[derive(Serialize, Deserialize)]
struct ParentValue {
    public_key: PublicKey,
    registered_at: u64,
}

/// A stored report with everything routed from it: its destinations are its status, and the
/// keys of its feed items let a purge remove them with it.
#[derive(Serialize, Deserialize)]
struct ReportValue {
    device_id: String,
    hash: [u8; 32],
    received_at: u64,
    /// Its key in the device's report list.
    device_seq: u64,
    /// The reporting device's country, for the hotline export.
    country: String,
    destinations: Vec<Destination>,
    /// `(parent id, seq)` of each feed item.
    feed: Vec<(String, u64)>,
    report: UploadedReport,
}

impl ReportValue {
    fn status(&self) -> ReportStatus {
        rules::status(&self.report, self.received_at, self.destinations.clone())
    }

    fn in_hotline_queue(&self) -> bool {
        self.destinations
            .iter()
            .any(|d| d.kind == DestinationKind::Hotline)
    }

    /// Marks the destinations `matches` selects forwarded; whether any changed.
    fn mark_forwarded(&mut self, matches: impl Fn(&Destination) -> bool) -> bool {
        let mut changed = false;
        for destination in self.destinations.iter_mut() {
            if !destination.forwarded && matches(destination) {
                destination.forwarded = true;
                changed = true;
            }
        }
        changed
    }
}

#[derive(Serialize, Deserialize)]
struct PairingValue {
    device_id: String,
    expires_at: u64,
}

#[derive(Serialize, Deserialize)]
struct MessageValue {
    from: String,
    kind: MessageKind,
    blob: String,
    received_at: u64,
}

#[async_trait]
impl Storage for SledStorage {
    async fn add_activation_tokens(
        &self,
        token_hashes: &[[u8; 32]],
        now: u64,
    ) -> StorageResult<()> {
        let hashes = token_hashes.to_vec();
        self.write(move |tx| {
            for hash in &hashes {
                tx.tokens.insert(&hash[..], &now.to_be_bytes()[..])?;
            }
            Ok(())
        })
        .await
    }

    async fn register_device(
        &self,
        token_hash: [u8; 32],
        device: DeviceRecord,
    ) -> StorageResult<DeviceRegistered> {
        let value = to_json(&DeviceValue {
            public_key: device.public_key,
            country: device.country,
            registered_at: device.registered_at,
        })?;
        self.write(move |tx| {
            if tx.tokens.get(token_hash)?.is_none() {
                return Ok(DeviceRegistered::TokenRefused);
            }
            if tx.devices.get(device.id.as_bytes())?.is_some() {
                return Ok(DeviceRegistered::AlreadyRegistered);
            }
            tx.tokens.remove(&token_hash[..])?;
            tx.devices.insert(device.id.as_bytes(), value.as_slice())?;
            Ok(DeviceRegistered::Registered)
        })
        .await
    }

    async fn device(&self, id: &str) -> StorageResult<Option<DeviceRecord>> {
        // A panic while holding the lock cannot leave the map half-changed.
        let cache = || {
            self.known_devices
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        if let Some(device) = cache().get(id) {
            return Ok(Some(device.clone()));
        }
        let owned_id = id.to_owned();
        let device = self
            .read(move |t| {
                let Some(bytes) = t.devices.get(owned_id.as_bytes()).map_err(from_sled)? else {
                    return Ok(None);
                };
                let value: DeviceValue = from_json(&bytes, "device")?;
                Ok(Some(DeviceRecord {
                    id: owned_id,
                    public_key: value.public_key,
                    country: value.country,
                    registered_at: value.registered_at,
                }))
            })
            .await?;
        if let Some(device) = &device {
            let mut known = cache();
            if known.len() >= KNOWN_DEVICES_CAP {
                known.clear();
            }
            known.insert(device.id.clone(), device.clone());
        }
        Ok(device)
    }

    async fn register_parent(&self, parent: ParentRecord) -> StorageResult<bool> {
        let value = to_json(&ParentValue {
            public_key: parent.public_key,
            registered_at: parent.registered_at,
        })?;
        self.write(move |tx| insert_new(tx.parents, parent.id.as_bytes(), &value))
            .await
    }

    async fn parent(&self, id: &str) -> StorageResult<Option<ParentRecord>> {
        let id = id.to_owned();
        self.read(move |t| {
            let Some(bytes) = t.parents.get(id.as_bytes()).map_err(from_sled)? else {
                return Ok(None);
            };
            let value: ParentValue = from_json(&bytes, "parent")?;
            Ok(Some(ParentRecord {
                id,
                public_key: value.public_key,
                registered_at: value.registered_at,
            }))
        })
        .await
    }

    async fn remember_nonce(
        &self,
        principal: &str,
        nonce: &str,
        expires_at: u64,
    ) -> StorageResult<bool> {
        let key = owned_key(principal, nonce.as_bytes());
        self.direct(move |t| spend_nonce(t, &key, expires_at)).await
    }

    async fn begin_idempotent(
        &self,
        device_id: &str,
        key: &str,
        body_hash: [u8; 32],
        now: u64,
    ) -> StorageResult<IdempotencyBegin> {
        let key = owned_key(device_id, key.as_bytes());
        self.write_committed(move |tx| {
            let stored = tx
                .idempotency
                .get(&key)?
                .map(|bytes| decode_idempotency(&bytes))
                .transpose()
                .map_err(ConflictableTransactionError::Abort)?;
            match rules::begin_idempotent(stored.as_ref(), &body_hash, now) {
                IdempotencyDecision::Answer(answer) => Ok(answer),
                IdempotencyDecision::Start => {
                    if let Some(abandoned) = &stored {
                        tx.idempotency_age
                            .remove(timed_key(abandoned.started_at, &key))?;
                    }
                    let fresh = IdempotencyState {
                        body_hash,
                        started_at: now,
                        answer: None,
                    };
                    tx.idempotency
                        .insert(key.as_slice(), encode_idempotency(&fresh))?;
                    tx.idempotency_age.insert(timed_key(now, &key), &[][..])?;
                    Ok(IdempotencyBegin::Started)
                }
            }
        })
        .await
    }

    async fn finish_idempotent(
        &self,
        device_id: &str,
        key: &str,
        status: u16,
        body: &[u8],
    ) -> StorageResult<()> {
        let key = owned_key(device_id, key.as_bytes());
        let body = body.to_vec();
        self.write_committed(move |tx| {
            // A key purged or released meanwhile has no request left to answer for.
            let Some(bytes) = tx.idempotency.get(&key)? else {
                return Ok(());
            };
            let mut state =
                decode_idempotency(&bytes).map_err(ConflictableTransactionError::Abort)?;
            state.answer = Some((status, body.clone()));
            tx.idempotency
                .insert(key.as_slice(), encode_idempotency(&state))?;
            Ok(())
        })
        .await
    }

    async fn abandon_idempotent(&self, device_id: &str, key: &str) -> StorageResult<()> {
        let key = owned_key(device_id, key.as_bytes());
        self.write_committed(move |tx| {
            let Some(bytes) = tx.idempotency.get(&key)? else {
                return Ok(());
            };
            let state = decode_idempotency(&bytes).map_err(ConflictableTransactionError::Abort)?;
            // An answered key is never released: its answer is what retries get.
            if state.answer.is_none() {
                tx.idempotency.remove(key.as_slice())?;
                tx.idempotency_age
                    .remove(timed_key(state.started_at, &key))?;
            }
            Ok(())
        })
        .await
    }

    async fn insert_reports(
        &self,
        device: &DeviceRecord,
        reports: Vec<NewReport>,
        now: u64,
    ) -> StorageResult<Vec<ReportInsert>> {
        let device_id = device.id.clone();
        let country = device.country.clone();
        self.write(move |tx| {
            reports
                .iter()
                .map(|new| insert_report(tx, &device_id, &country, new, now))
                .collect()
        })
        .await
    }

    async fn report_status(
        &self,
        device_id: &str,
        id: &str,
    ) -> StorageResult<Option<ReportStatus>> {
        let device_id = device_id.to_owned();
        let id = id.to_owned();
        self.read(move |t| {
            Ok(load_report(&t.reports, id.as_bytes())?
                .filter(|value| value.device_id == device_id)
                .map(|value| value.status()))
        })
        .await
    }

    async fn report_statuses(&self, device_id: &str) -> StorageResult<Vec<ReportStatus>> {
        let device_id = device_id.to_owned();
        self.read(move |t| {
            let mut statuses = Vec::new();
            for entry in t.device_reports.scan_prefix(owner_prefix(&device_id)) {
                let (_, id) = entry.map_err(from_sled)?;
                if let Some(value) = load_report(&t.reports, &id)? {
                    statuses.push(value.status());
                }
            }
            Ok(statuses)
        })
        .await
    }

    async fn feed(
        &self,
        parent_id: &str,
        after: u64,
        limit: usize,
    ) -> StorageResult<Vec<FeedItem>> {
        let owner = parent_id.to_owned();
        let entries = self
            .read(move |t| page_after(&t.feeds, &owner, after, limit))
            .await?;
        let parent_id = parent_id.to_owned();
        self.write(move |tx| {
            let mut items = Vec::with_capacity(entries.len());
            for (seq, id) in &entries {
                // Purged since the page was read: it is no longer kept.
                let Some(bytes) = tx.reports.get(id)? else {
                    continue;
                };
                let mut value: ReportValue =
                    from_json(&bytes, "report").map_err(ConflictableTransactionError::Abort)?;
                let taken = value
                    .mark_forwarded(|d| d.kind == DestinationKind::Parent && d.name == parent_id);
                if taken {
                    let encoded = to_json(&value).map_err(ConflictableTransactionError::Abort)?;
                    tx.reports.insert(id, encoded)?;
                }
                items.push(FeedItem {
                    seq: *seq,
                    device_id: value.device_id,
                    received_at: value.received_at,
                    report: value.report,
                });
            }
            Ok(items)
        })
        .await
    }

    async fn hotline_queue(&self) -> StorageResult<Vec<HotlineEntry>> {
        self.scan(|t| {
            let mut queue = Vec::new();
            for entry in t.hotline.iter() {
                let (key, _) = entry.map_err(from_sled)?;
                let Some(value) = load_report(&t.reports, &key[TIME_LEN..])? else {
                    continue;
                };
                for destination in &value.destinations {
                    if destination.kind == DestinationKind::Hotline {
                        queue.push(HotlineEntry {
                            report: value.report.clone(),
                            hotline: destination.name.clone(),
                            country: value.country.clone(),
                            received_at: value.received_at,
                            forwarded: destination.forwarded,
                        });
                    }
                }
            }
            Ok(queue)
        })
        .await
    }

    async fn mark_hotline_forwarded(&self, report_id: &str) -> StorageResult<bool> {
        let id = report_id.to_owned();
        self.write(move |tx| {
            let Some(bytes) = tx.reports.get(id.as_bytes())? else {
                return Ok(false);
            };
            let mut value: ReportValue =
                from_json(&bytes, "report").map_err(ConflictableTransactionError::Abort)?;
            if !value.in_hotline_queue() {
                return Ok(false);
            }
            if value.mark_forwarded(|d| d.kind == DestinationKind::Hotline) {
                let encoded = to_json(&value).map_err(ConflictableTransactionError::Abort)?;
                tx.reports.insert(id.as_bytes(), encoded)?;
            }
            Ok(true)
        })
        .await
    }

    async fn create_pairing_code(
        &self,
        code: &str,
        device_id: &str,
        expires_at: u64,
    ) -> StorageResult<bool> {
        let code = code.to_owned();
        let value = to_json(&PairingValue {
            device_id: device_id.to_owned(),
            expires_at,
        })?;
        self.write(move |tx| insert_new(tx.pairing_codes, code.as_bytes(), &value))
            .await
    }

    async fn claim_pairing_code(
        &self,
        code: &str,
        parent_id: &str,
        now: u64,
    ) -> StorageResult<Option<String>> {
        let code = code.to_owned();
        let parent_id = parent_id.to_owned();
        self.write(move |tx| {
            let Some(bytes) = tx.pairing_codes.get(code.as_bytes())? else {
                return Ok(None);
            };
            let pairing: PairingValue =
                from_json(&bytes, "pairing code").map_err(ConflictableTransactionError::Abort)?;
            if now > pairing.expires_at {
                return Ok(None);
            }
            tx.pairing_codes.remove(code.as_bytes())?;
            let device_side = owned_key(&pairing.device_id, parent_id.as_bytes());
            // Pairing again keeps the time of the first pairing.
            if tx.device_parents.get(&device_side)?.is_none() {
                let paired_at = &now.to_be_bytes()[..];
                tx.device_parents.insert(device_side, paired_at)?;
                tx.parent_devices.insert(
                    owned_key(&parent_id, pairing.device_id.as_bytes()),
                    paired_at,
                )?;
            }
            Ok(Some(pairing.device_id))
        })
        .await
    }

    async fn parents_of(&self, device_id: &str) -> StorageResult<Vec<(String, u64)>> {
        let device_id = device_id.to_owned();
        self.read(move |t| pairings_of(&t.device_parents, &device_id))
            .await
    }

    async fn devices_of(&self, parent_id: &str) -> StorageResult<Vec<(String, u64)>> {
        let parent_id = parent_id.to_owned();
        self.read(move |t| pairings_of(&t.parent_devices, &parent_id))
            .await
    }

    async fn put_device_status(
        &self,
        device_id: &str,
        status: ReportedDeviceStatus,
    ) -> StorageResult<()> {
        let key = device_id.as_bytes().to_vec();
        let value = to_json(&status)?;
        self.write(move |tx| {
            tx.device_status.insert(key.as_slice(), value.as_slice())?;
            Ok(())
        })
        .await
    }

    async fn device_status(&self, device_id: &str) -> StorageResult<Option<ReportedDeviceStatus>> {
        let key = device_id.as_bytes().to_vec();
        self.read(move |t| {
            t.device_status
                .get(&key)
                .map_err(from_sled)?
                .map(|bytes| from_json(&bytes, "a device status"))
                .transpose()
        })
        .await
    }

    async fn post_message(&self, recipient: &str, message: NewMessage) -> StorageResult<u64> {
        let recipient = recipient.to_owned();
        let received_at = message.received_at;
        let value = to_json(&MessageValue {
            from: message.from,
            kind: message.kind,
            blob: message.blob,
            received_at,
        })?;
        self.write(move |tx| {
            let seq = next_seq(tx.mailboxes)?;
            let key = owned_key(&recipient, &seq.to_be_bytes());
            tx.message_age
                .insert(timed_key(received_at, &key), &[][..])?;
            tx.mailboxes.insert(key, value.as_slice())?;
            Ok(seq)
        })
        .await
    }

    async fn messages(
        &self,
        recipient: &str,
        after: u64,
        limit: usize,
    ) -> StorageResult<Vec<RelayedMessage>> {
        let recipient = recipient.to_owned();
        self.read(move |t| {
            page_after(&t.mailboxes, &recipient, after, limit)?
                .into_iter()
                .map(|(seq, bytes)| {
                    let value: MessageValue = from_json(&bytes, "message")?;
                    Ok(RelayedMessage {
                        seq,
                        from: value.from,
                        kind: value.kind,
                        blob: value.blob,
                        received_at: value.received_at,
                    })
                })
                .collect()
        })
        .await
    }

    async fn put_bundle(&self, bundle: StoredBundle) -> StorageResult<BundlePut> {
        let encoded = encode_bundle(&bundle);
        self.write(move |tx| {
            let key = bundle.kind.as_str().as_bytes();
            if let Some(stored) = tx.bundles.get(key)? {
                let current = decode_bundle_version(&stored)
                    .map_err(ConflictableTransactionError::Abort)?
                    .version;
                if bundle.version <= current {
                    return Ok(BundlePut::NotNewer { current });
                }
            }
            tx.bundles.insert(key, encoded.as_slice())?;
            tx.bundle_versions.insert(key, &encoded[..2 * TIME_LEN])?;
            Ok(BundlePut::Stored)
        })
        .await
    }

    async fn bundle(&self, kind: BundleKind) -> StorageResult<Option<StoredBundle>> {
        self.read(move |t| {
            t.bundles
                .get(kind.as_str().as_bytes())
                .map_err(from_sled)?
                .map(|stored| decode_bundle(kind, stored))
                .transpose()
        })
        .await
    }

    async fn bundle_version(&self, kind: BundleKind) -> StorageResult<Option<BundleVersion>> {
        self.read(move |t| {
            let key = kind.as_str().as_bytes();
            // A database written before `bundle_versions` existed has only the bundle itself.
            let stored = match t.bundle_versions.get(key).map_err(from_sled)? {
                Some(version) => Some(version),
                None => t.bundles.get(key).map_err(from_sled)?,
            };
            stored
                .map(|stored| decode_bundle_version(&stored))
                .transpose()
        })
        .await
    }

    async fn secret(&self, name: &str, fresh: Vec<u8>) -> StorageResult<Vec<u8>> {
        let name = name.to_owned();
        self.write(move |tx| {
            if let Some(stored) = tx.secrets.get(name.as_bytes())? {
                return Ok(stored.to_vec());
            }
            tx.secrets.insert(name.as_bytes(), fresh.as_slice())?;
            Ok(fresh.clone())
        })
        .await
    }

    async fn purge(&self, now: u64, retention: Retention) -> StorageResult<Purged> {
        let cutoffs = PurgeCutoffs::at(now, &retention);
        let reports = self.purge_reports(cutoffs).await?;
        let messages = self
            .purge_by_age(AgeIndex::Messages, cutoffs.message, move |_| Ok(true))
            .await?;
        let idempotency_cutoff = now.saturating_sub(retention.idempotency_secs);
        let idempotency = self
            .purge_by_age(AgeIndex::Idempotency, idempotency_cutoff, move |bytes| {
                let state = decode_idempotency(bytes)?;
                Ok(rules::idempotency_expired(&state, now, &retention))
            })
            .await?;
        let nonces = self
            .purge_by_age(AgeIndex::Nonces, now, move |expiry| {
                Ok(be_u64(expiry, "nonce expiry")? < now)
            })
            .await?;
        let codes = self.purge_pairing_codes(now).await?;
        Ok(Purged {
            reports,
            messages,
            other: idempotency + nonces + codes,
        })
    }
}

/// The records purged through an age index, and their index.
#[derive(Clone, Copy, Debug)]
enum AgeIndex {
    Messages,
    Idempotency,
    Nonces,
}

impl AgeIndex {
    fn index(self, trees: &Trees) -> &Tree {
        match self {
            AgeIndex::Messages => &trees.message_age,
            AgeIndex::Idempotency => &trees.idempotency_age,
            AgeIndex::Nonces => &trees.nonce_expiry,
        }
    }

    fn in_tx<'a>(self, tx: &TxTrees<'a>) -> (&'a TransactionalTree, &'a TransactionalTree) {
        match self {
            AgeIndex::Messages => (tx.message_age, tx.mailboxes),
            AgeIndex::Idempotency => (tx.idempotency_age, tx.idempotency),
            AgeIndex::Nonces => (tx.nonce_expiry, tx.nonces),
        }
    }
}

impl SledStorage {
    /// Removes every record whose entry in `age` is before `before` and that `expired`
    /// confirms, with its index entry; how many records went. An index entry whose record is
    /// gone is removed too, without being counted.
    async fn purge_by_age<F>(&self, age: AgeIndex, before: u64, expired: F) -> StorageResult<u64>
    where
        F: Fn(&[u8]) -> StorageResult<bool> + Clone + Send + Sync + 'static,
    {
        let mut removed = 0;
        let mut from = Vec::new();
        loop {
            let start = from.clone();
            let chunk = self
                .scan(move |t| index_chunk(age.index(t), &start, before))
                .await?;
            let Some(last) = chunk.last() else {
                return Ok(removed);
            };
            from = successor(last);
            let expired = expired.clone();
            removed += self
                .write(move |tx| {
                    let (index, data) = age.in_tx(tx);
                    let mut removed = 0;
                    for index_key in &chunk {
                        let record_key = &index_key[TIME_LEN..];
                        if let Some(value) = data.get(record_key)? {
                            if !expired(&value).map_err(ConflictableTransactionError::Abort)? {
                                continue;
                            }
                            data.remove(record_key)?;
                            removed += 1;
                        }
                        index.remove(index_key)?;
                    }
                    Ok(removed)
                })
                .await?;
        }
    }

    /// Removes the reports retention no longer keeps, with everything routed from them.
    async fn purge_reports(&self, cutoffs: PurgeCutoffs) -> StorageResult<u64> {
        // Hotline reports are kept longer, never shorter: none goes after `report`.
        let before = cutoffs.report;
        let mut removed = 0;
        let mut from = Vec::new();
        loop {
            let start = from.clone();
            let chunk = self
                .scan(move |t| index_chunk(&t.report_age, &start, before))
                .await?;
            let Some(last) = chunk.last() else {
                return Ok(removed);
            };
            from = successor(last);
            removed += self
                .write(move |tx| {
                    let mut removed = 0;
                    for age_key in &chunk {
                        if remove_report_if_expired(tx, age_key, &cutoffs)? {
                            removed += 1;
                        }
                    }
                    Ok(removed)
                })
                .await?;
        }
    }

    /// Removes the pairing codes that expired before `now`.
    async fn purge_pairing_codes(&self, now: u64) -> StorageResult<u64> {
        let expired = self
            .scan(move |t| {
                let mut expired = Vec::new();
                for entry in t.pairing_codes.iter() {
                    let (code, bytes) = entry.map_err(from_sled)?;
                    let pairing: PairingValue = from_json(&bytes, "pairing code")?;
                    if pairing.expires_at < now {
                        expired.push(code);
                    }
                }
                Ok(expired)
            })
            .await?;
        let mut removed = 0;
        for chunk in expired.chunks(PURGE_CHUNK) {
            let chunk = chunk.to_vec();
            removed += self
                .write(move |tx| {
                    let mut removed = 0;
                    // Removed only if still there: it may have been claimed since the scan.
                    for code in &chunk {
                        if tx.pairing_codes.remove(code)?.is_some() {
                            removed += 1;
                        }
                    }
                    Ok(removed)
                })
                .await?;
        }
        Ok(removed)
    }
}

/// Records the nonce `key` with its expiry in two single-key steps rather than a queued
/// transaction (see the module doc); `false` if it was recorded before. The index entry goes
/// first, so that a stored nonce always has one for the purge to find.
fn spend_nonce(t: &Trees, key: &[u8], expires_at: u64) -> StorageResult<bool> {
    let expiry = expires_at.to_be_bytes();
    let index_key = timed_key(expires_at, key);
    t.nonce_expiry
        .insert(index_key.as_slice(), &[][..])
        .map_err(from_sled)?;
    let swapped = t
        .nonces
        .compare_and_swap(key, None::<&[u8]>, Some(&expiry[..]))
        .map_err(from_sled)?;
    let Err(used) = swapped else {
        return Ok(true);
    };
    // The same nonce signed with another time keeps only its first index entry, so the purge
    // removes it by its own expiry.
    if used.current.as_deref() != Some(&expiry[..]) {
        t.nonce_expiry.remove(index_key).map_err(from_sled)?;
    }
    Ok(false)
}

/// Stores one new report of a device with everything routed from it, or finds it stored.
fn insert_report(
    tx: &TxTrees<'_>,
    device_id: &str,
    country: &str,
    new: &NewReport,
    now: u64,
) -> TxResult<ReportInsert> {
    let id = new.report.id.as_bytes();
    if let Some(bytes) = tx.reports.get(id)? {
        let stored: ReportValue =
            from_json(&bytes, "report").map_err(ConflictableTransactionError::Abort)?;
        return Ok(rules::repeated_report(
            device_id,
            &new.report_hash,
            &stored.device_id,
            &stored.hash,
            stored.status(),
        ));
    }
    let destinations = rules::fresh_destinations(new);
    let mut feed = Vec::new();
    for parent in destinations
        .iter()
        .filter(|d| d.kind == DestinationKind::Parent)
    {
        let seq = next_seq(tx.feeds)?;
        tx.feeds
            .insert(owned_key(&parent.name, &seq.to_be_bytes()), id)?;
        feed.push((parent.name.clone(), seq));
    }
    let value = ReportValue {
        device_id: device_id.to_owned(),
        hash: new.report_hash,
        received_at: now,
        device_seq: next_seq(tx.device_reports)?,
        country: country.to_owned(),
        destinations,
        feed,
        report: new.report.clone(),
    };
    tx.device_reports
        .insert(owned_key(device_id, &value.device_seq.to_be_bytes()), id)?;
    tx.report_age.insert(timed_key(now, id), &[][..])?;
    if value.in_hotline_queue() {
        tx.hotline.insert(timed_key(now, id), &[][..])?;
    }
    tx.reports.insert(
        id,
        to_json(&value).map_err(ConflictableTransactionError::Abort)?,
    )?;
    Ok(ReportInsert::Stored(value.status()))
}

/// Removes the report of `age_key` (`received_at || id`) with everything routed from it, if
/// retention no longer keeps it; whether it went.
fn remove_report_if_expired(
    tx: &TxTrees<'_>,
    age_key: &[u8],
    cutoffs: &PurgeCutoffs,
) -> TxResult<bool> {
    let id = &age_key[TIME_LEN..];
    let Some(bytes) = tx.reports.get(id)? else {
        tx.report_age.remove(age_key)?;
        return Ok(false);
    };
    let value: ReportValue =
        from_json(&bytes, "report").map_err(ConflictableTransactionError::Abort)?;
    if !cutoffs.removes_report(value.received_at, value.in_hotline_queue()) {
        return Ok(false);
    }
    tx.reports.remove(id)?;
    tx.report_age.remove(age_key)?;
    tx.hotline.remove(age_key)?;
    tx.device_reports
        .remove(owned_key(&value.device_id, &value.device_seq.to_be_bytes()))?;
    for (parent, seq) in &value.feed {
        tx.feeds.remove(owned_key(parent, &seq.to_be_bytes()))?;
    }
    Ok(true)
}

/// Bytes of a big-endian time or sequence number in a key.
const TIME_LEN: usize = 8;

/// The start of every key owned by `owner`: its length, then its bytes.
fn owner_prefix(owner: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(TIME_LEN + owner.len() + TIME_LEN);
    key.extend_from_slice(&(owner.len() as u64).to_be_bytes());
    key.extend_from_slice(owner.as_bytes());
    key
}

/// A key owned by `owner`, ending with `tail`.
fn owned_key(owner: &str, tail: &[u8]) -> Vec<u8> {
    let mut key = owner_prefix(owner);
    key.extend_from_slice(tail);
    key
}

/// An age-index key: `time`, then the key of the record it indexes.
fn timed_key(time: u64, record_key: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(TIME_LEN + record_key.len());
    key.extend_from_slice(&time.to_be_bytes());
    key.extend_from_slice(record_key);
    key
}

/// The sequence number ending `key`, if `key` is `prefix || seq`.
fn seq_under(key: &[u8], prefix: &[u8]) -> Option<u64> {
    let tail = key.strip_prefix(prefix)?;
    Some(u64::from_be_bytes(tail.try_into().ok()?))
}

/// A big-endian number at the start of `bytes`.
fn be_u64(bytes: &[u8], what: &str) -> StorageResult<u64> {
    bytes
        .get(..TIME_LEN)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| StorageError::Corrupt(format!("a {what} is cut short")))
}

/// The next sequence number, drawn inside the transaction that uses it so that numbers are
/// committed in increasing order. sled's ids start at 0; sequence numbers start at 1 so that
/// `after = 0` means "from the start".
fn next_seq(tree: &TransactionalTree) -> TxResult<u64> {
    let id = tree.generate_id()?;
    id.checked_add(1)
        .ok_or(ConflictableTransactionError::Abort(StorageError::Backend(
            "sequence numbers are exhausted".to_owned(),
        )))
}

/// Up to `limit` `(seq, value)` entries of `owner` in `tree` after `after`.
fn page_after(
    tree: &Tree,
    owner: &str,
    after: u64,
    limit: usize,
) -> StorageResult<Vec<(u64, IVec)>> {
    let Some(first) = after.checked_add(1) else {
        return Ok(Vec::new());
    };
    let prefix = owner_prefix(owner);
    let mut page = Vec::new();
    for entry in tree
        .range(owned_key(owner, &first.to_be_bytes())..)
        .take(limit)
    {
        let (key, value) = entry.map_err(from_sled)?;
        let Some(seq) = seq_under(&key, &prefix) else {
            break;
        };
        page.push((seq, value));
    }
    Ok(page)
}

/// Inserts `key` if it is absent; whether it was.
fn insert_new(tree: &TransactionalTree, key: &[u8], value: &[u8]) -> TxResult<bool> {
    if tree.get(key)?.is_some() {
        return Ok(false);
    }
    tree.insert(key, value)?;
    Ok(true)
}

/// The pairings under `owner` in `tree`, oldest first.
fn pairings_of(tree: &Tree, owner: &str) -> StorageResult<Vec<(String, u64)>> {
    let prefix = owner_prefix(owner);
    let mut pairings = Vec::new();
    for entry in tree.scan_prefix(&prefix) {
        let (key, paired_at) = entry.map_err(from_sled)?;
        let peer = String::from_utf8(key[prefix.len()..].to_vec())
            .map_err(|_| StorageError::Corrupt("a pairing key is not text".to_owned()))?;
        pairings.push((peer, be_u64(&paired_at, "pairing time")?));
    }
    pairings.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    Ok(pairings)
}

fn load_report(reports: &Tree, id: &[u8]) -> StorageResult<Option<ReportValue>> {
    reports
        .get(id)
        .map_err(from_sled)?
        .map(|bytes| from_json(&bytes, "report"))
        .transpose()
}

/// The next [`PURGE_CHUNK`] keys of the age index `index` from `from` (inclusive) whose time is
/// before `before`.
fn index_chunk(index: &Tree, from: &[u8], before: u64) -> StorageResult<Vec<IVec>> {
    let end = before.to_be_bytes();
    index
        .range(from..&end[..])
        .take(PURGE_CHUNK)
        .map(|entry| entry.map(|(key, _)| key).map_err(from_sled))
        .collect()
}

/// The smallest key after `key`.
fn successor(key: &[u8]) -> Vec<u8> {
    let mut next = key.to_vec();
    next.push(0);
    next
}

/// `started_at || body_hash || status || body`; status 0 (no HTTP status) while unanswered.
fn encode_idempotency(state: &IdempotencyState) -> Vec<u8> {
    let (status, body) = match &state.answer {
        Some((status, body)) => (*status, body.as_slice()),
        None => (0, &[][..]),
    };
    let mut bytes = Vec::with_capacity(IDEMPOTENCY_HEADER_LEN + body.len());
    bytes.extend_from_slice(&state.started_at.to_be_bytes());
    bytes.extend_from_slice(&state.body_hash);
    bytes.extend_from_slice(&status.to_be_bytes());
    bytes.extend_from_slice(body);
    bytes
}

/// Bytes before the body in [`encode_idempotency`].
const IDEMPOTENCY_HEADER_LEN: usize = TIME_LEN + 32 + 2;

fn decode_idempotency(bytes: &[u8]) -> StorageResult<IdempotencyState> {
    let cut = || StorageError::Corrupt("an idempotency key is cut short".to_owned());
    let header = bytes.get(..IDEMPOTENCY_HEADER_LEN).ok_or_else(cut)?;
    let started_at = be_u64(header, "idempotency key")?;
    let body_hash: [u8; 32] = header[TIME_LEN..TIME_LEN + 32]
        .try_into()
        .map_err(|_| cut())?;
    let status = u16::from_be_bytes([header[TIME_LEN + 32], header[TIME_LEN + 33]]);
    let answer = (status != 0).then(|| (status, bytes[IDEMPOTENCY_HEADER_LEN..].to_vec()));
    Ok(IdempotencyState {
        body_hash,
        started_at,
        answer,
    })
}

/// `version || expires_at || bytes`.
fn encode_bundle(bundle: &StoredBundle) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(2 * TIME_LEN + bundle.bytes.len());
    bytes.extend_from_slice(&bundle.version.to_be_bytes());
    bytes.extend_from_slice(&bundle.expires_at.to_be_bytes());
    bytes.extend_from_slice(&bundle.bytes);
    bytes
}

/// The bundle in a stored value. Its bytes share sled's own copy of the value (sled values are
/// reference-counted), so reading a 32 MiB bundle copies nothing.
fn decode_bundle(kind: BundleKind, stored: IVec) -> StorageResult<StoredBundle> {
    let BundleVersion {
        version,
        expires_at,
    } = decode_bundle_version(&stored)?;
    let bytes = Bytes::from_owner(stored).slice(2 * TIME_LEN..);
    Ok(StoredBundle {
        kind,
        version,
        expires_at,
        bytes,
    })
}

/// The version and expiry at the head of a stored bundle (at least `2 * TIME_LEN` bytes once
/// this succeeds).
fn decode_bundle_version(stored: &[u8]) -> StorageResult<BundleVersion> {
    let version = be_u64(stored, "bundle")?;
    let expires_at = be_u64(stored.get(TIME_LEN..).unwrap_or_default(), "bundle")?;
    Ok(BundleVersion {
        version,
        expires_at,
    })
}

fn to_json<T: Serialize>(value: &T) -> StorageResult<Vec<u8>> {
    serde_json::to_vec(value)
        .map_err(|e| StorageError::Backend(format!("a record could not be encoded: {e}")))
}

/// Decodes a stored JSON value. serde's message can quote the value, so only `what` is named.
fn from_json<T: DeserializeOwned>(bytes: &[u8], what: &str) -> StorageResult<T> {
    serde_json::from_slice(bytes)
        .map_err(|_| StorageError::Corrupt(format!("a stored {what} does not decode")))
}

/// The storage error for a sled error. sled's messages name files and pages, never values.
fn from_sled(e: sled::Error) -> StorageError {
    match e {
        sled::Error::Corruption { .. } => StorageError::Corrupt(e.to_string()),
        other => StorageError::Backend(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use childsafe_protocol::report::{ReportKind, UploadedReport};

    use super::*;

    fn device() -> DeviceRecord {
        DeviceRecord {
            id: "device".to_owned(),
            public_key: PublicKey([1; 32]),
            country: "GB".to_owned(),
            registered_at: 0,
        }
    }

    fn new_report(id: &str) -> NewReport {
        NewReport {
            report: UploadedReport {
                id: id.to_owned(),
                kind: ReportKind::Bullying,
                created_at: 0,
                urls: vec![],
                reported_user: None,
                notes: None,
                screenshot_text: None,
                location: None,
            },
            report_hash: [2; 32],
            destinations: vec![Destination {
                kind: DestinationKind::Parent,
                name: "parent".to_owned(),
                forwarded: false,
            }],
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_failing_write_undoes_only_its_own_changes() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Arc::new(SledStorage::open(dir.path()).unwrap());
        let damaged = format!("{:032x}", 0xbad);
        storage
            .trees
            .reports
            .insert(damaged.as_bytes(), &b"not json"[..])
            .unwrap();

        // Queued together, so that most land in the same batch as the failing one.
        let writes: Vec<_> = (0..40)
            .map(|n| {
                let storage = Arc::clone(&storage);
                let damaged = damaged.clone();
                tokio::spawn(async move {
                    let fresh = new_report(&format!("{n:032x}"));
                    let batch = if n == 20 {
                        vec![fresh, new_report(&damaged)]
                    } else {
                        vec![fresh]
                    };
                    storage.insert_reports(&device(), batch, 0).await
                })
            })
            .collect();
        for (n, write) in writes.into_iter().enumerate() {
            let outcome = write.await.unwrap();
            if n == 20 {
                assert!(
                    matches!(outcome, Err(StorageError::Corrupt(_))),
                    "{outcome:?}"
                );
            } else {
                assert!(matches!(outcome.unwrap()[..], [ReportInsert::Stored(_)]));
            }
        }

        let stored = storage.report_statuses("device").await.unwrap();
        assert_eq!(stored.len(), 39);
        assert!(
            stored.iter().all(|s| s.id != format!("{:032x}", 20)),
            "the failed upload's first report was undone with it"
        );
        assert_eq!(storage.feed("parent", 0, 100).await.unwrap().len(), 39);
    }

    #[tokio::test]
    async fn a_refused_nonce_leaves_only_its_first_expiry_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SledStorage::open(dir.path()).unwrap();
        assert!(storage.remember_nonce("device:a", "n", 100).await.unwrap());
        assert!(!storage.remember_nonce("device:a", "n", 100).await.unwrap());
        assert!(!storage.remember_nonce("device:a", "n", 50).await.unwrap());
        let indexed: Vec<_> = storage
            .trees
            .nonce_expiry
            .iter()
            .keys()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            indexed,
            vec![IVec::from(timed_key(100, &owned_key("device:a", b"n")))]
        );

        let retention = Retention {
            report_secs: 1,
            hotline_secs: 1,
            message_secs: 1,
            idempotency_secs: 1,
        };
        assert_eq!(storage.purge(60, retention).await.unwrap().other, 0);
        assert!(!storage.remember_nonce("device:a", "n", 100).await.unwrap());
        assert_eq!(storage.purge(101, retention).await.unwrap().other, 1);
        assert!(storage.remember_nonce("device:a", "n", 200).await.unwrap());
    }

    #[test]
    fn idempotency_keys_round_trip_through_their_layout() {
        for answer in [None, Some((200, b"{}".to_vec())), Some((422, Vec::new()))] {
            let state = IdempotencyState {
                body_hash: [9; 32],
                started_at: 1_700_000_000,
                answer,
            };
            assert_eq!(
                decode_idempotency(&encode_idempotency(&state)).unwrap(),
                state
            );
        }
        assert!(decode_idempotency(&[0; IDEMPOTENCY_HEADER_LEN - 1]).is_err());
    }

    #[test]
    fn an_owner_prefix_never_matches_a_longer_owner() {
        let short = owner_prefix("ab");
        assert!(!owned_key("abc", b"").starts_with(&short));
        assert!(owned_key("ab", b"\x00\x01").starts_with(&short));
    }
}
