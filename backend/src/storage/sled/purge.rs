//! [`RetentionStore`] in sled: the purge, which walks the age indexes in chunks (each chunk one
//! queued write, so a large purge never holds sled's lock for long) and removes each expired
//! record with everything stored from it.

use async_trait::async_trait;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use sled::{IVec, Tree};

use super::keys::{TIME_LEN, be_u64, owned_key, successor};
use super::schema::{Trees, TxResult, TxTrees, from_sled};
use super::store::SledStorage;
use super::values::{InviteValue, ReportValue, decode_idempotency, from_json};
use crate::storage::error::StorageResult;
use crate::storage::retention::{Purged, Retention, RetentionStore};
use crate::storage::rules::{self, PurgeCutoffs};

/// Most records one purge transaction removes, so that a large purge never holds sled's
/// database-wide lock for long.
const PURGE_CHUNK: usize = 512;

#[async_trait]
impl RetentionStore for SledStorage {
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
        let invites = self.purge_expired(Expiring::PairingInvites, now).await?;
        Ok(Purged {
            reports,
            messages,
            other: idempotency + nonces + invites,
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

    /// Removes the records of `kind` that expired before `now`.
    async fn purge_expired(&self, kind: Expiring, now: u64) -> StorageResult<u64> {
        let expired = self
            .scan(move |t| {
                let mut expired = Vec::new();
                for entry in kind.tree(t).iter() {
                    let (key, bytes) = entry.map_err(from_sled)?;
                    if kind.expires_at(&bytes)? < now {
                        expired.push(key);
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
                    let tree = kind.tx_tree(tx);
                    let mut removed = 0;
                    // Looked at again: since the scan a code may have been claimed, and an
                    // invite replaced by a new one.
                    for key in &chunk {
                        let Some(bytes) = tree.get(key)? else {
                            continue;
                        };
                        let expires_at = kind
                            .expires_at(&bytes)
                            .map_err(ConflictableTransactionError::Abort)?;
                        if expires_at < now {
                            tree.remove(key)?;
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

/// The records that carry their own expiry time.
#[derive(Clone, Copy, Debug)]
enum Expiring {
    PairingInvites,
}

impl Expiring {
    fn tree(self, trees: &Trees) -> &Tree {
        match self {
            Expiring::PairingInvites => &trees.pairing_invites,
        }
    }

    fn tx_tree<'a>(self, tx: &TxTrees<'a>) -> &'a TransactionalTree {
        match self {
            Expiring::PairingInvites => tx.pairing_invites,
        }
    }

    fn expires_at(self, bytes: &[u8]) -> StorageResult<u64> {
        Ok(match self {
            Expiring::PairingInvites => {
                from_json::<InviteValue>(bytes, "pairing invite")?.expires_at
            }
        })
    }
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
    tx.helpline.remove(age_key)?;
    tx.device_reports
        .remove(owned_key(&value.device_id, &value.device_seq.to_be_bytes()))?;
    for (parent, seq) in &value.feed {
        tx.feeds.remove(owned_key(parent, &seq.to_be_bytes()))?;
    }
    Ok(true)
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
