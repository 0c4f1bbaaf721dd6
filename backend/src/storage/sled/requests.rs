//! [`RequestStore`] in sled: spent nonces (two single-key sled calls, answered once committed)
//! and idempotency keys (queued writes answered once committed; see [`writer`](super::writer)
//! for why that is safe).

use async_trait::async_trait;
use sled::transaction::ConflictableTransactionError;

use super::keys::{owned_key, timed_key};
use super::schema::{Trees, from_sled};
use super::store::SledStorage;
use super::values::{decode_idempotency, encode_idempotency};
use crate::storage::error::StorageResult;
use crate::storage::requests::{IdempotencyBegin, RequestStore};
use crate::storage::rules::{self, IdempotencyDecision, IdempotencyState};

#[async_trait]
impl RequestStore for SledStorage {
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

#[cfg(test)]
mod tests {
    use sled::IVec;

    use super::*;
    use crate::storage::{Retention, RetentionStore};

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
}
