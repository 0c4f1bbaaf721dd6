//! The outbox step of a sync run (see [`super::run`]): send the outbox, most urgent first, in
//! batches, until it is empty or the network gives out; then learn how far the server has taken
//! earlier reports. Tools and tests drive it alone through [`OutboxDelivery`].
//!
//! Delivery is at least once and the server deduplicates, so it is effectively once: a batch is
//! marked `sending` durably before it leaves, its `Idempotency-Key` is derived from the ids it
//! holds (the same batch retried is the same request), and a report leaves the outbox's waiting
//! set only when the server's receipt for it has been recorded. A run that is killed half way
//! simply sends again next time. A batch the server refuses outright is split, so one report the
//! server will never take cannot hold back the others.

use std::collections::HashSet;

use serde::Serialize;

use super::backoff::Backoff;
use super::client::{SyncClient, SyncError};
use crate::crypto::{self, SigningKey};
use crate::protocol::wire::{MAX_REPORTS_PER_BATCH, ReportBatch};
use crate::reports::Report;
use crate::reports::outbox::{Outbox, OutboxError};
use crate::store::Store;
use crate::time::ClockReading;

/// Attempts per request within one run before the run gives up until the next one.
pub const MAX_ATTEMPTS_PER_RUN: u32 = 6;

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncSummary {
    /// Reports handed to the network (a retried report counts once per run).
    pub sent: u64,
    /// Reports whose server receipt was recorded in this run.
    pub delivered: u64,
    /// Reports still waiting for a receipt when the run ended.
    pub failed: u64,
    /// Reports the server refused outright (kept on the phone; never dropped).
    pub refused: u64,
    /// Delivered reports whose server status moved on (routed, forwarded).
    pub statuses_updated: u64,
    /// The bundles applied, each shown as its kind and version (`lists v2`; see
    /// [`AppliedBundle`](super::bundles::AppliedBundle)).
    pub bundles_applied: Vec<String>,
    /// The bundles refused or not fetched, by kind, with why (the lists in force stay).
    pub bundles_refused: Vec<String>,
    /// Why the run stopped early, if it did.
    pub stopped_by: Option<String>,
}

/// Why a run could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The outbox failed.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
}

/// The outbox step of a sync run, with the parts it works with: the outbox, the client, the key.
pub struct OutboxDelivery<'a, S: Store> {
    outbox: &'a Outbox<S>,
    client: &'a SyncClient,
    key: &'a SigningKey,
    backoff: Backoff,
    batch_size: usize,
    clock: &'a (dyn Fn() -> ClockReading + Send + Sync),
    on_delivered: Option<&'a (dyn Fn(&str) + Send + Sync)>,
}

impl<'a, S: Store> OutboxDelivery<'a, S> {
    /// A run over the device's `outbox` to the backend behind `client`, signing with the device
    /// `key` and reading the platform's clocks with `clock` at each step; the default backoff
    /// and batches of [`MAX_REPORTS_PER_BATCH`].
    pub fn new(
        outbox: &'a Outbox<S>,
        client: &'a SyncClient,
        key: &'a SigningKey,
        clock: &'a (dyn Fn() -> ClockReading + Send + Sync),
    ) -> Self {
        OutboxDelivery {
            outbox,
            client,
            key,
            backoff: Backoff::default(),
            batch_size: MAX_REPORTS_PER_BATCH,
            clock,
            on_delivered: None,
        }
    }

    /// Calls `listener` with the id of each report as its server receipt is recorded.
    pub fn with_delivery_listener(mut self, listener: &'a (dyn Fn(&str) + Send + Sync)) -> Self {
        self.on_delivered = Some(listener);
        self
    }

    /// Another retry schedule (tests against a loopback backend use short waits).
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Batches of at most `size` reports (1 to [`MAX_REPORTS_PER_BATCH`]).
    pub fn with_batch_size(mut self, size: usize) -> Self {
        self.batch_size = size.clamp(1, MAX_REPORTS_PER_BATCH);
        self
    }

    /// Sends every waiting report, most urgent first, then refreshes the status of delivered
    /// ones. Network trouble ends the run with a summary, never with an error: the reports stay
    /// queued for the next run.
    pub async fn send_outbox(&self, summary: &mut SyncSummary) -> Result<(), EngineError> {
        let mut refused: HashSet<String> = HashSet::new();
        loop {
            let batch: Vec<Report> = self
                .outbox
                .pending(self.batch_size + refused.len())?
                .into_iter()
                .filter(|report| !refused.contains(&report.id))
                .take(self.batch_size)
                .collect();
            if batch.is_empty() {
                break;
            }
            match self.deliver(batch, summary, &mut refused).await? {
                Ok(()) => {}
                Err(error) => {
                    summary.stopped_by = Some(error.to_string());
                    break;
                }
            }
        }
        summary.failed = self.outbox.pending(usize::MAX)?.len() as u64;
        summary.refused = refused.len() as u64;
        if summary.stopped_by.is_none() {
            self.refresh_statuses(summary).await?;
        }
        Ok(())
    }

    /// Delivers one batch with retries; a refused batch is split and its parts sent alone.
    /// The outer error is the outbox's; the inner one ends the run.
    async fn deliver(
        &self,
        batch: Vec<Report>,
        summary: &mut SyncSummary,
        refused: &mut HashSet<String>,
    ) -> Result<Result<(), SyncError>, EngineError> {
        let mut stack = vec![batch];
        while let Some(batch) = stack.pop() {
            match self.upload_with_retries(&batch, summary).await? {
                Ok(()) => {}
                Err(SyncError::Refused { .. }) if batch.len() > 1 => {
                    let half = batch.len() / 2;
                    let mut first = batch;
                    let second = first.split_off(half);
                    // Popped last-in first-out: the more urgent half goes first.
                    stack.push(second);
                    stack.push(first);
                }
                Err(SyncError::Refused { .. }) => {
                    refused.extend(batch.into_iter().map(|report| report.id));
                }
                Err(error) => return Ok(Err(error)),
            }
        }
        Ok(Ok(()))
    }

    async fn upload_with_retries(
        &self,
        batch: &[Report],
        summary: &mut SyncSummary,
    ) -> Result<Result<(), SyncError>, EngineError> {
        let ids: Vec<String> = batch.iter().map(|report| report.id.clone()).collect();
        self.outbox.mark_sending(&ids, (self.clock)())?;
        summary.sent += batch.len() as u64;
        let key = idempotency_key(&ids);
        let body = ReportBatch {
            reports: batch.iter().map(Report::to_upload).collect(),
        };
        let mut attempt = 0;
        loop {
            match self.client.upload_reports(self.key, &key, &body).await {
                Ok(receipts) => {
                    self.outbox
                        .record_receipts(&receipts.receipts, (self.clock)())?;
                    for receipt in &receipts.receipts {
                        if ids.contains(&receipt.id) {
                            summary.delivered += 1;
                            if let Some(listener) = self.on_delivered {
                                listener(&receipt.id);
                            }
                        }
                    }
                    return Ok(Ok(()));
                }
                Err(error) if error.is_retryable() && attempt + 1 < MAX_ATTEMPTS_PER_RUN => {
                    tokio::time::sleep(self.backoff.delay(attempt, error.retry_after())).await;
                    attempt += 1;
                }
                Err(error) => return Ok(Err(error)),
            }
        }
    }

    /// Asks the server how far delivered reports have gone (routed, forwarded).
    async fn refresh_statuses(&self, summary: &mut SyncSummary) -> Result<(), EngineError> {
        let Ok(statuses) = self.client.report_statuses(self.key).await else {
            // Statuses are a courtesy; the next run asks again.
            return Ok(());
        };
        summary.statuses_updated =
            self.outbox
                .record_receipts(&statuses.reports, (self.clock)())? as u64;
        Ok(())
    }
}

/// The `Idempotency-Key` of a batch: a digest of its report ids in order, so the same batch
/// retried carries the same key and any other batch another.
pub fn idempotency_key(ids: &[String]) -> String {
    let parts: Vec<&[u8]> = ids.iter().map(|id| id.as_bytes()).collect();
    let digest = crypto::sha256_of_parts(&parts);
    format!("reports-{}", crypto::hex(&digest[..16]))
}
