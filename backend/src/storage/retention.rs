//! How long data is kept, and the purge that removes what retention no longer keeps across
//! every kind of data. [`RetentionStore`] is the part of the storage that purges.

use async_trait::async_trait;

use super::error::StorageResult;

/// How long data is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Reports (and their feed items) older than this are purged...
    pub report_secs: u64,
    /// ...except reports in the hotline queue, kept at least this long (never under a year).
    pub hotline_secs: u64,
    /// Relayed messages older than this are purged.
    pub message_secs: u64,
    /// Finished idempotency keys older than this are forgotten.
    pub idempotency_secs: u64,
}

/// One year, the least a hotline-queued report is kept.
pub const HOTLINE_MIN_RETENTION_SECS: u64 = 366 * 24 * 3600;

/// What a purge removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Reports removed.
    pub reports: u64,
    /// Relayed messages removed.
    pub messages: u64,
    /// Idempotency keys, nonces and pairing invites removed.
    pub other: u64,
}

/// The retention purge.
#[async_trait]
pub trait RetentionStore: Send + Sync + 'static {
    /// Removes what retention no longer keeps.
    async fn purge(&self, now: u64, retention: Retention) -> StorageResult<Purged>;
}
