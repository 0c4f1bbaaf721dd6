//! Reports and their delivery: each report stored with where it goes, its status as the device
//! sees it, the feed each paired parent reads, and the queues the operator exports to hotlines
//! and to child helplines.
//! [`ReportStore`] is the part of the storage that keeps them.

use async_trait::async_trait;
use childsafe_protocol::report::UploadedReport;
use childsafe_protocol::wire::{Destination, FeedItem, ReportStatus};

use super::accounts::DeviceRecord;
use super::error::StorageResult;

/// A report to store, already checked and routed by the server.
#[derive(Clone, Debug, PartialEq)]
pub struct NewReport {
    /// The report as uploaded.
    pub report: UploadedReport,
    /// SHA-256 of the report's canonical JSON: the same id with another hash is a conflict.
    pub report_hash: [u8; 32],
    /// Where it goes: one entry per paired parent (name = parent id), the hotline and the child
    /// helpline if any.
    pub destinations: Vec<Destination>,
}

/// Where a new report was placed in one parent's feed: what the parent's live event names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedPlacement {
    /// The parent.
    pub parent_id: String,
    /// The feed item's seq.
    pub seq: u64,
}

/// What storing one report did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportInsert {
    /// New: stored, routed (feed items, hotline and helpline entries written), state `routed` (or
    /// `received` when there is no destination); with its place in each parent's feed, in the
    /// order of its destinations.
    Stored(ReportStatus, Vec<FeedPlacement>),
    /// This device already sent this id with the same hash: nothing new stored.
    Existing(ReportStatus),
    /// This id is already stored with another hash (or belongs to another device): refused.
    Conflict,
}

/// A report queued for a hotline, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct HotlineEntry {
    /// The report.
    pub report: UploadedReport,
    /// The hotline's name (`IWF`, `NCMEC`, `INHOPE`).
    pub hotline: String,
    /// The reporting device's country.
    pub country: String,
    /// Unix seconds.
    pub received_at: u64,
    /// Whether the operator has forwarded it.
    pub forwarded: bool,
}

/// A report queued for a child helpline (one the child kept from the parents), as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct HelplineEntry {
    /// The report.
    pub report: UploadedReport,
    /// The child helpline's name (e.g. `Childline`).
    pub helpline: String,
    /// The reporting device's country.
    pub country: String,
    /// Unix seconds.
    pub received_at: u64,
    /// Whether the operator has forwarded it.
    pub forwarded: bool,
}

/// One destination of an operator queue (hotline or helpline) with its report, as both stores
/// read it, before it is shaped as that queue's entry.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct QueuedReport {
    pub(crate) report: UploadedReport,
    /// The hotline's or helpline's name.
    pub(crate) name: String,
    pub(crate) country: String,
    pub(crate) received_at: u64,
    pub(crate) forwarded: bool,
}

impl From<QueuedReport> for HotlineEntry {
    fn from(queued: QueuedReport) -> Self {
        Self {
            report: queued.report,
            hotline: queued.name,
            country: queued.country,
            received_at: queued.received_at,
            forwarded: queued.forwarded,
        }
    }
}

impl From<QueuedReport> for HelplineEntry {
    fn from(queued: QueuedReport) -> Self {
        Self {
            report: queued.report,
            helpline: queued.name,
            country: queued.country,
            received_at: queued.received_at,
            forwarded: queued.forwarded,
        }
    }
}

/// Reports, their statuses, parents' feeds and the hotline and helpline queues.
#[async_trait]
pub trait ReportStore: Send + Sync + 'static {
    /// Stores reports of `device` (each one atomically with its feed items and queue entries),
    /// durable before it returns. One outcome per report, in order.
    async fn insert_reports(
        &self,
        device: &DeviceRecord,
        reports: Vec<NewReport>,
        now: u64,
    ) -> StorageResult<Vec<ReportInsert>>;

    /// One report's status, if it is this device's.
    async fn report_status(&self, device_id: &str, id: &str)
    -> StorageResult<Option<ReportStatus>>;

    /// Every report of this device still kept, oldest first.
    async fn report_statuses(&self, device_id: &str) -> StorageResult<Vec<ReportStatus>>;

    /// The parent's feed after `after`, at most `limit` items. Returning an item marks the
    /// parent's destination of that report forwarded (and the report `forwarded` once every
    /// destination is).
    async fn feed(&self, parent_id: &str, after: u64, limit: usize)
    -> StorageResult<Vec<FeedItem>>;

    /// The hotline queue, oldest first.
    async fn hotline_queue(&self) -> StorageResult<Vec<HotlineEntry>>;

    /// Marks a hotline entry forwarded; `false` if no such entry.
    async fn mark_hotline_forwarded(&self, report_id: &str) -> StorageResult<bool>;

    /// The child-helpline queue, oldest first.
    async fn helpline_queue(&self) -> StorageResult<Vec<HelplineEntry>>;

    /// Marks a child-helpline entry forwarded (the report's other destinations are left as
    /// they are); `false` if no such entry.
    async fn mark_helpline_forwarded(&self, report_id: &str) -> StorageResult<bool>;
}
