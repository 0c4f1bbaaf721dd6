//! The bookkeeping of signed requests: the nonces already spent (so a request cannot be
//! replayed) and the idempotency keys of report uploads (so a retry gets the first answer).
//! [`RequestStore`] is the part of the storage that keeps them.

use async_trait::async_trait;

use super::error::StorageResult;

/// How long an idempotency key may stay held without an answer before it is taken to belong to
/// a server that crashed mid-request, so that a retry can start again.
pub const STALE_IDEMPOTENCY_SECS: u64 = 60;

/// What starting an idempotent request found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdempotencyBegin {
    /// The key is new: it is now held for this request, which must end in
    /// [`RequestStore::finish_idempotent`] or [`RequestStore::abandon_idempotent`].
    Started,
    /// The key finished earlier with the same body hash: answer this again.
    Replay {
        /// HTTP status of the first answer.
        status: u16,
        /// Body of the first answer.
        body: Vec<u8>,
    },
    /// The key was used with another body.
    Mismatch,
    /// The key is held by a request still running.
    InProgress,
}

/// Spent nonces and idempotency keys.
#[async_trait]
pub trait RequestStore: Send + Sync + 'static {
    /// Records a request nonce; `false` if this principal used it before (a replay). Kept until
    /// `expires_at`.
    async fn remember_nonce(
        &self,
        principal: &str,
        nonce: &str,
        expires_at: u64,
    ) -> StorageResult<bool>;

    /// Starts an idempotent request of `device_id` under `key` with this body hash.
    async fn begin_idempotent(
        &self,
        device_id: &str,
        key: &str,
        body_hash: [u8; 32],
        now: u64,
    ) -> StorageResult<IdempotencyBegin>;

    /// Records the answer of a started request; later calls replay it.
    async fn finish_idempotent(
        &self,
        device_id: &str,
        key: &str,
        status: u16,
        body: &[u8],
    ) -> StorageResult<()>;

    /// Releases a started request that failed, so that a retry can start again.
    async fn abandon_idempotent(&self, device_id: &str, key: &str) -> StorageResult<()>;
}
