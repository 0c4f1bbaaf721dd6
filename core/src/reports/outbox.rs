//! The report outbox: every report the child files, kept in the sealed store until a server
//! receipt names it, and its delivery status after that.
//!
//! "Save first, then send": [`Outbox::report`] returns its [`Receipt`] only after the report and
//! its status are in the store, flushed, in one batch. The report's body is written once, under
//! its own key, and never rewritten, so every retry sends the same bytes under the same id (the
//! report's idempotency key). The status lives under a second key and only moves forward: queued,
//! sending, then the server's delivered, routed, forwarded. A report leaves the outbox only when
//! [`Outbox::prune`] removes a delivered one past its keep time. Keys hold the random report id
//! and nothing the child typed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

use super::model::{
    Location, Report, ReportError, ReportKind, ReportedUser, is_report_id, new_report_id,
};
use crate::protocol::wire::{DeliveryState, ReportStatus};
use crate::store::{Store, StoreError, get_json, put_json};
use crate::time::{ClockReading, advance_trusted_clock};

/// How long a delivered report stays in the outbox, so the child can see that it arrived and
/// where it went: 30 days. Pass it to [`Outbox::prune`].
pub const KEEP_DELIVERED_SECS: u64 = 30 * 24 * 60 * 60;

/// Store keys of the outbox. Values are sealed by the store; keys carry only the random id.
mod keys {
    /// `reports/body/<id>`: the report as filed, written once.
    pub(super) const BODY_PREFIX: &[u8] = b"reports/body/";
    /// `reports/status/<id>`: its [`DeliveryRecord`](super::DeliveryRecord).
    pub(super) const STATUS_PREFIX: &[u8] = b"reports/status/";
    /// The filing number the next report gets; never goes back, not even after pruning.
    pub(super) const NEXT_SEQUENCE: &[u8] = b"reports/next-sequence";

    pub(super) fn body(id: &str) -> Vec<u8> {
        [BODY_PREFIX, id.as_bytes()].concat()
    }

    pub(super) fn status(id: &str) -> Vec<u8> {
        [STATUS_PREFIX, id.as_bytes()].concat()
    }
}

/// What the child chose to send; the outbox adds the id and the time.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReportDraft {
    /// The button pressed.
    pub kind: ReportKind,
    /// The addresses involved.
    pub urls: Vec<String>,
    /// Who it is about.
    pub reported_user: Option<ReportedUser>,
    /// The child's own words.
    pub notes: Option<String>,
    /// Text the child typed from a screenshot.
    pub screenshot_text: Option<String>,
    /// Only in an SOS, and only when the child allowed it.
    pub location: Option<Location>,
    /// Keep it from the parents: the country's child helpline gets it instead (and the hotline
    /// too, for grooming). Only grooming and bullying reports may be helpline only (see
    /// [`ReportKind::may_be_helpline_only`]); SOS always reaches the parents. Defaults to
    /// `false` for callers written before it existed.
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub helpline_only: bool,
}

impl ReportDraft {
    /// A draft of `kind` with nothing else filled in.
    pub fn new(kind: ReportKind) -> Self {
        Self {
            kind,
            urls: Vec::new(),
            reported_user: None,
            notes: None,
            screenshot_text: None,
            location: None,
            helpline_only: false,
        }
    }

    fn into_report(self, id: String, created_at: u64) -> Report {
        Report {
            id,
            kind: self.kind,
            created_at,
            urls: self.urls,
            reported_user: self.reported_user,
            notes: self.notes,
            screenshot_text: self.screenshot_text,
            location: self.location,
            helpline_only: self.helpline_only,
        }
    }
}

/// Where a report is, as the phone knows it. The order is the order of progress: a report's
/// state never moves back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "kebab-case")]
pub enum ReportState {
    /// Stored on the phone, not sent yet.
    Queued,
    /// Sent at least once, no receipt yet; it is sent again until one comes.
    Sending,
    /// The server stored it (its receipt came back).
    Delivered,
    /// The server placed it in every destination's queue.
    Routed,
    /// Every destination has taken it.
    Forwarded,
}

impl ReportState {
    /// The name shown in JSON and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Delivered => "delivered",
            Self::Routed => "routed",
            Self::Forwarded => "forwarded",
        }
    }

    /// Whether the report still waits for a server receipt (and so must be sent).
    pub fn awaits_receipt(self) -> bool {
        self < Self::Delivered
    }

    fn from_server(state: DeliveryState) -> Self {
        match state {
            DeliveryState::Received => Self::Delivered,
            DeliveryState::Routed => Self::Routed,
            DeliveryState::Forwarded => Self::Forwarded,
        }
    }
}

/// The answer to [`Outbox::report`]: the report is durable on the phone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Receipt {
    /// The report's id, its idempotency key on every retry.
    pub id: String,
    /// The report kind.
    pub kind: ReportKind,
    /// Always [`ReportState::Queued`] when just filed.
    pub state: ReportState,
    /// When it was filed, Unix seconds on the phone's trusted clock.
    pub created_at: u64,
}

/// What the phone knows of one report's delivery. Times are Unix seconds on the phone's trusted
/// clock, except `server_received_at`, which is the server's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeliveryRecord {
    /// The report id.
    pub id: String,
    /// The report kind.
    pub kind: ReportKind,
    /// Where it is.
    pub state: ReportState,
    /// Filing order on this phone: 0 for the first report ever filed.
    pub sequence: u64,
    /// When it was filed.
    pub created_at: u64,
    /// How many times it was handed to the sync to send.
    pub attempts: u32,
    /// When it was last handed to the sync.
    pub last_sent_at: Option<u64>,
    /// When the phone got the server's receipt.
    pub delivered_at: Option<u64>,
    /// When the server says it stored it.
    pub server_received_at: Option<u64>,
    /// When the phone learned it was routed.
    pub routed_at: Option<u64>,
    /// When the phone learned every destination took it.
    pub forwarded_at: Option<u64>,
}

/// Why the outbox refused or failed. When a report is refused, nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The report breaks a report rule, or no randomness was available for its id.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The store failed or was tampered with.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The freshly drawn id is already in the outbox. With 128 random bits this means the
    /// system's random generator is broken, so nothing is stored.
    #[error("the new report id is already in use: the random generator is not random")]
    IdInUse,
    /// A status has no report body: the store was changed outside the SDK.
    #[error("a report status has no report body: the store was changed outside the SDK")]
    MissingBody,
}

/// The report outbox of one device over its store.
pub struct Outbox<S: Store> {
    store: S,
    /// Serializes the read-modify-write steps (filing numbers, status changes) of this process;
    /// sled itself allows one process per store.
    ///
    /// It also guards the in-memory index of the reports still waiting for a receipt, in sending
    /// order, so that taking the next batch does not read every report the outbox holds. The
    /// index is built from the store on first use and kept in step by every change this outbox
    /// makes; it is a cache, never the record (open one outbox per store).
    writer: Mutex<Option<WaitingIndex>>,
}

impl<S: Store> Outbox<S> {
    /// The outbox kept in `store`.
    pub fn new(store: S) -> Self {
        Self {
            store,
            writer: Mutex::new(None),
        }
    }

    /// The store, for the other parts of the SDK that share it.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Files a report: draws its id, stamps it with trusted time, checks it, and stores it with
    /// its status in one flushed batch. The receipt means the report survives a kill from here
    /// on. A refused report stores nothing; if the store fails while writing, the report may or
    /// may not be there, as with any unconfirmed write ([`Store::apply`]): read
    /// [`Outbox::statuses`] before filing it again.
    pub fn report(&self, draft: ReportDraft, clock: ClockReading) -> Result<Receipt, OutboxError> {
        let mut writer = self.lock();
        let (now, mut batch) = advance_trusted_clock(&self.store, clock)?;
        let id = new_report_id().map_err(ReportError::from)?;
        let report = draft.into_report(id, now.unix_secs());
        report.validate()?;
        let body_key = keys::body(&report.id);
        if self.store.get(&body_key)?.is_some() {
            return Err(OutboxError::IdInUse);
        }
        let sequence: u64 = get_json(&self.store, keys::NEXT_SEQUENCE)?.unwrap_or(0);
        let record = DeliveryRecord {
            id: report.id.clone(),
            kind: report.kind,
            state: ReportState::Queued,
            sequence,
            created_at: report.created_at,
            attempts: 0,
            last_sent_at: None,
            delivered_at: None,
            server_received_at: None,
            routed_at: None,
            forwarded_at: None,
        };
        put_json(&mut batch, &body_key, &report)?;
        put_json(&mut batch, &keys::status(&report.id), &record)?;
        put_json(&mut batch, keys::NEXT_SEQUENCE, &(sequence + 1))?;
        self.store.apply(batch)?;
        if let Some(index) = writer.as_mut() {
            index.insert(waiting_key(&record));
        }
        Ok(Receipt {
            id: report.id,
            kind: report.kind,
            state: ReportState::Queued,
            created_at: report.created_at,
        })
    }

    /// Up to `max` reports still waiting for a server receipt (queued, or sent without an
    /// answer), most urgent kind first ([`ReportKind::urgency_rank`]), then oldest first. Each
    /// is exactly as filed.
    pub fn pending(&self, max: usize) -> Result<Vec<Report>, OutboxError> {
        let mut writer = self.lock();
        let index = match writer.as_mut() {
            Some(index) => index,
            None => writer.insert(
                self.statuses()?
                    .iter()
                    .filter(|record| record.state.awaits_receipt())
                    .map(waiting_key)
                    .collect(),
            ),
        };
        let ids: Vec<String> = index
            .iter()
            .take(max)
            .map(|(_, _, id)| id.clone())
            .collect();
        drop(writer);
        ids.iter().map(|id| self.body(id)).collect()
    }

    /// Records that the sync is about to send the reports `ids`: each still waiting for a
    /// receipt becomes [`ReportState::Sending`] with one more attempt counted. Ids that are
    /// unknown or already delivered are left alone. Returns how many were marked.
    pub fn mark_sending(&self, ids: &[String], clock: ClockReading) -> Result<usize, OutboxError> {
        self.update(clock, ids, String::as_str, |_, record, now| {
            if !record.state.awaits_receipt() {
                return false;
            }
            record.state = ReportState::Sending;
            record.attempts = record.attempts.saturating_add(1);
            record.last_sent_at = Some(now);
            true
        })
    }

    /// Takes the server's receipts and later statuses: each report named moves forward to
    /// delivered, routed or forwarded (never back). A receipt for an unknown id, or whose kind
    /// is not the stored report's, is ignored: it cannot be this phone's report. Returns how
    /// many reports changed.
    pub fn record_receipts(
        &self,
        receipts: &[ReportStatus],
        clock: ClockReading,
    ) -> Result<usize, OutboxError> {
        self.update(
            clock,
            receipts,
            |receipt| receipt.id.as_str(),
            |receipt, record, now| record.kind == receipt.kind && advance(record, receipt, now),
        )
    }

    /// Every report in the outbox with its status, in filing order.
    pub fn statuses(&self) -> Result<Vec<DeliveryRecord>, OutboxError> {
        let mut records = self
            .store
            .scan_prefix(keys::STATUS_PREFIX)?
            .iter()
            .map(|(_, value)| {
                // serde_json's own message can quote the value: only the kind of problem is kept.
                serde_json::from_slice::<DeliveryRecord>(value).map_err(|_| {
                    StoreError::Serialization {
                        namespace: "reports/".to_owned(),
                        problem: "a report status that is not the expected JSON",
                    }
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        records.sort_by_key(|record| record.sequence);
        Ok(records)
    }

    /// Removes the reports delivered at least `keep_delivered_secs` ago (usually
    /// [`KEEP_DELIVERED_SECS`]), body and status together. Reports still waiting for a receipt
    /// are never removed. Returns how many were removed.
    pub fn prune(
        &self,
        clock: ClockReading,
        keep_delivered_secs: u64,
    ) -> Result<usize, OutboxError> {
        let _writer = self.lock();
        let (now, mut batch) = advance_trusted_clock(&self.store, clock)?;
        let mut removed = 0;
        for record in self.statuses()? {
            let expired = record.delivered_at.is_some_and(|delivered| {
                now.unix_secs().saturating_sub(delivered) >= keep_delivered_secs
            });
            if !record.state.awaits_receipt() && expired {
                batch.delete(&keys::body(&record.id));
                batch.delete(&keys::status(&record.id));
                removed += 1;
            }
        }
        if removed > 0 {
            self.store.apply(batch)?;
        }
        Ok(removed)
    }

    /// The report `id` exactly as filed.
    fn body(&self, id: &str) -> Result<Report, OutboxError> {
        get_json(&self.store, &keys::body(id))?.ok_or(OutboxError::MissingBody)
    }

    /// Applies `change` to the record of each of `items` (named by `id_of`), all in one batch
    /// with the advanced clock; `change` returns whether it changed anything. Items naming no
    /// report of this outbox are skipped. When nothing changed, nothing is written. Returns how
    /// many records changed.
    fn update<T>(
        &self,
        clock: ClockReading,
        items: &[T],
        id_of: impl Fn(&T) -> &str,
        change: impl Fn(&T, &mut DeliveryRecord, u64) -> bool,
    ) -> Result<usize, OutboxError> {
        let mut writer = self.lock();
        let (now, mut batch) = advance_trusted_clock(&self.store, clock)?;
        // Records changed so far in this call: an id named twice sees its own earlier change.
        let mut changed: BTreeMap<&str, DeliveryRecord> = BTreeMap::new();
        for item in items {
            let id = id_of(item);
            if !is_report_id(id) {
                continue;
            }
            let (record, changed_before) = match changed.remove(id) {
                Some(record) => (Some(record), true),
                None => (get_json(&self.store, &keys::status(id))?, false),
            };
            let Some(mut record) = record else {
                continue;
            };
            if change(item, &mut record, now.unix_secs()) || changed_before {
                changed.insert(id, record);
            }
        }
        if changed.is_empty() {
            return Ok(0);
        }
        for (id, record) in &changed {
            put_json(&mut batch, &keys::status(id), record)?;
        }
        self.store.apply(batch)?;
        if let Some(index) = writer.as_mut() {
            for record in changed.values() {
                if !record.state.awaits_receipt() {
                    index.remove(&waiting_key(record));
                }
            }
        }
        Ok(changed.len())
    }

    fn lock(&self) -> MutexGuard<'_, Option<WaitingIndex>> {
        // The lock guards no data of its own: a panic while it was held leaves nothing to repair.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The reports waiting for a receipt, in sending order: urgency, then filing order.
type WaitingIndex = BTreeSet<(u8, u64, String)>;

fn waiting_key(record: &DeliveryRecord) -> (u8, u64, String) {
    (
        record.kind.urgency_rank(),
        record.sequence,
        record.id.clone(),
    )
}

/// Moves `record` forward to what `receipt` says, at phone time `now`.
fn advance(record: &mut DeliveryRecord, receipt: &ReportStatus, now: u64) -> bool {
    let next = ReportState::from_server(receipt.state);
    if next <= record.state {
        return false;
    }
    record.state = next;
    record.delivered_at.get_or_insert(now);
    record.server_received_at.get_or_insert(receipt.received_at);
    if next >= ReportState::Routed {
        record.routed_at.get_or_insert(now);
    }
    if next == ReportState::Forwarded {
        record.forwarded_at.get_or_insert(now);
    }
    true
}
