//! [`ReportStore`] in sled: each report stored with its feed items, its place in its device's
//! list and in the age, hotline and helpline indexes, in one transaction; statuses, feeds and the
//! hotline and helpline queues read back from them.

use async_trait::async_trait;
use childsafe_protocol::wire::{DestinationKind, FeedItem, ReportStatus};
use sled::Tree;
use sled::transaction::ConflictableTransactionError;

use super::keys::{TIME_LEN, owned_key, owner_prefix, timed_key};
use super::schema::{Trees, TxResult, TxTrees, from_sled, next_seq, page_after};
use super::store::SledStorage;
use super::values::{ReportValue, from_json, to_json};
use crate::storage::accounts::DeviceRecord;
use crate::storage::error::StorageResult;
use crate::storage::reports::{
    FeedPlacement, HelplineEntry, HotlineEntry, NewReport, QueuedReport, ReportInsert, ReportStore,
};
use crate::storage::rules;

#[async_trait]
impl ReportStore for SledStorage {
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
        let queue = self.queue(DestinationKind::Hotline, |t| &t.hotline).await?;
        Ok(queue.into_iter().map(HotlineEntry::from).collect())
    }

    async fn mark_hotline_forwarded(&self, report_id: &str) -> StorageResult<bool> {
        self.mark_queue_forwarded(DestinationKind::Hotline, report_id)
            .await
    }

    async fn helpline_queue(&self) -> StorageResult<Vec<HelplineEntry>> {
        let queue = self
            .queue(DestinationKind::Helpline, |t| &t.helpline)
            .await?;
        Ok(queue.into_iter().map(HelplineEntry::from).collect())
    }

    async fn mark_helpline_forwarded(&self, report_id: &str) -> StorageResult<bool> {
        self.mark_queue_forwarded(DestinationKind::Helpline, report_id)
            .await
    }
}

impl SledStorage {
    /// The operator queue of `kind` (hotline or helpline), oldest first, read through `index`,
    /// the tree of the reports with a destination of that kind (`received_at || report id`).
    async fn queue(
        &self,
        kind: DestinationKind,
        index: fn(&Trees) -> &Tree,
    ) -> StorageResult<Vec<QueuedReport>> {
        self.scan(move |t| {
            let mut queue = Vec::new();
            for entry in index(t).iter() {
                let (key, _) = entry.map_err(from_sled)?;
                let Some(value) = load_report(&t.reports, &key[TIME_LEN..])? else {
                    continue;
                };
                for destination in value.destinations.iter().filter(|d| d.kind == kind) {
                    queue.push(QueuedReport {
                        report: value.report.clone(),
                        name: destination.name.clone(),
                        country: value.country.clone(),
                        received_at: value.received_at,
                        forwarded: destination.forwarded,
                    });
                }
            }
            Ok(queue)
        })
        .await
    }

    /// Marks the destinations of `kind` of a report forwarded; `false` if it has none.
    async fn mark_queue_forwarded(
        &self,
        kind: DestinationKind,
        report_id: &str,
    ) -> StorageResult<bool> {
        let id = report_id.to_owned();
        self.write(move |tx| {
            let Some(bytes) = tx.reports.get(id.as_bytes())? else {
                return Ok(false);
            };
            let mut value: ReportValue =
                from_json(&bytes, "report").map_err(ConflictableTransactionError::Abort)?;
            if !value.in_queue(kind) {
                return Ok(false);
            }
            if value.mark_forwarded(|d| d.kind == kind) {
                let encoded = to_json(&value).map_err(ConflictableTransactionError::Abort)?;
                tx.reports.insert(id.as_bytes(), encoded)?;
            }
            Ok(true)
        })
        .await
    }
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
    if value.in_queue(DestinationKind::Helpline) {
        tx.helpline.insert(timed_key(now, id), &[][..])?;
    }
    tx.reports.insert(
        id,
        to_json(&value).map_err(ConflictableTransactionError::Abort)?,
    )?;
    let placements = value
        .feed
        .iter()
        .map(|(parent_id, seq)| FeedPlacement {
            parent_id: parent_id.clone(),
            seq: *seq,
        })
        .collect();
    Ok(ReportInsert::Stored(value.status(), placements))
}

fn load_report(reports: &Tree, id: &[u8]) -> StorageResult<Option<ReportValue>> {
    reports
        .get(id)
        .map_err(from_sled)?
        .map(|bytes| from_json(&bytes, "report"))
        .transpose()
}
