//! The group-commit writer: how every change reaches the disk.
//!
//! Writes are group-committed. Every change is a closure queued to one writer thread, which runs
//! all the closures waiting at that moment inside one sled transaction over every tree, and
//! then hands the writes to a flusher thread, which flushes once for everything handed to it
//! since its last flush and then answers each caller; the writer meanwhile gathers the next
//! batch, and commits it as soon as the flush lets go of sled's lock. sled needs this: each
//! transaction writes and syncs its log buffer twice while holding a database-wide lock, and a
//! flush holds that lock while it waits for the disk, so writers
//! that each commit and flush on their own are served one at a time (measured here: about 4,500
//! single-report transactions a second whatever the concurrency). The flush is sled's blocking
//! `flush` on the flusher thread, not `flush_async`: in sled 0.34.7 concurrent `flush_async`
//! calls deadlock (spacejam/sled#1308, fixed only on sled's unreleased main branch; it hung
//! here with 8 concurrent writers).
//!
//! A few writes are answered once committed, before they are flushed: spending a request nonce
//! ([`RequestStore::remember_nonce`], which is not even queued: two single-key sled calls, the
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
//! [`STALE_IDEMPOTENCY_SECS`]: crate::storage::STALE_IDEMPOTENCY_SECS
//! [`RequestStore::remember_nonce`]: crate::storage::RequestStore::remember_nonce

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use tokio::sync::oneshot;

use super::schema::{Trees, TxResult, TxTrees, from_sled};
use crate::storage::error::{StorageError, StorageResult};

/// Most queued writes one transaction commits. A transaction costs the same two log syncs
/// whatever its size, so larger batches are cheaper per write, but the lock is held longer.
const MAX_WRITE_BATCH: usize = 256;

/// When a write's caller is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Durability {
    /// Once a flush that began after its commit has ended: the trait's promise.
    Flushed,
    /// Once it is committed; it reaches the disk with the next flush (see the module doc).
    Committed,
}

/// A change waiting for the writer.
pub(super) trait QueuedWrite: Send {
    /// Applies the change inside the batch's transaction and keeps its outcome.
    fn apply(&self, tx: &TxTrees<'_>) -> TxResult<()>;

    /// When its caller may be answered.
    fn durability(&self) -> Durability;

    /// Answers the caller: the kept outcome once `committed` is `Ok`, else the error.
    fn finish(self: Box<Self>, committed: StorageResult<()>);
}

/// A change as queued: the closure, when its caller is answered, the outcome of the closure's
/// latest run, and where the answer goes.
pub(super) struct Queued<T, F> {
    op: F,
    durability: Durability,
    outcome: RefCell<Option<T>>,
    reply: oneshot::Sender<StorageResult<T>>,
}

impl<T, F> Queued<T, F> {
    /// The change `op`, whose caller `reply` waits for it to be as durable as `durability` says.
    pub(super) fn new(
        op: F,
        durability: Durability,
        reply: oneshot::Sender<StorageResult<T>>,
    ) -> Self {
        Self {
            op,
            durability,
            outcome: RefCell::new(None),
            reply,
        }
    }
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
pub(super) fn write_loop(
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
pub(super) fn flush_loop(db: &sled::Db, queue: &mpsc::Receiver<Box<dyn QueuedWrite>>) {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use childsafe_crypto::PublicKey;
    use childsafe_protocol::report::{ReportKind, UploadedReport};
    use childsafe_protocol::wire::{Destination, DestinationKind};

    use super::super::store::SledStorage;
    use crate::storage::{DeviceRecord, NewReport, ReportInsert, ReportStore, StorageError};

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
                helpline_only: false,
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
                assert!(matches!(outcome.unwrap()[..], [ReportInsert::Stored(..)]));
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
}
