//! [`ReportStore`] in PostgreSQL: a report, its destinations and its feed items in one
//! transaction that holds the feed lock of every parent it goes to; statuses read back with
//! their destinations in one query.

use async_trait::async_trait;
use childsafe_protocol::report::ReportKind;
use childsafe_protocol::wire::{Destination, DestinationKind, FeedItem, ReportStatus};
use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;

use super::sql::{
    RACE_RETRIES, after_db, corrupt, execute, from_pg, get, get_u64, limit_db, lock_sequence,
    lost_race, query, query_opt, report_json, to_db,
};
use super::store::PostgresStorage;
use crate::storage::accounts::DeviceRecord;
use crate::storage::error::{StorageError, StorageResult};
use crate::storage::reports::{
    FeedPlacement, HelplineEntry, HotlineEntry, NewReport, QueuedReport, ReportInsert, ReportStore,
};
use crate::storage::rules;

/// A report's status with its destinations, in the order stored. One row per destination, or
/// one row with null destination columns when there is none.
const STATUS_COLUMNS: &str = "SELECT r.id, r.kind, r.received_at, d.kind, d.name, d.forwarded
    FROM reports r LEFT JOIN report_destinations d ON d.report_id = r.id";

#[async_trait]
impl ReportStore for PostgresStorage {
    async fn insert_reports(
        &self,
        device: &DeviceRecord,
        reports: Vec<NewReport>,
        now: u64,
    ) -> StorageResult<Vec<ReportInsert>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        let mut parents: Vec<&str> = reports
            .iter()
            .flat_map(|new| &new.destinations)
            .filter(|d| d.kind == DestinationKind::Parent)
            .map(|d| d.name.as_str())
            .collect();
        // Always in the same order, so that two transactions never wait for each other's locks.
        parents.sort_unstable();
        parents.dedup();
        for parent in parents {
            lock_sequence(&tx, "feed", parent).await?;
        }
        let mut outcomes = Vec::with_capacity(reports.len());
        for new in &reports {
            outcomes.push(insert_report(&tx, device, new, now).await?);
        }
        tx.commit().await.map_err(from_pg)?;
        Ok(outcomes)
    }

    async fn report_status(
        &self,
        device_id: &str,
        id: &str,
    ) -> StorageResult<Option<ReportStatus>> {
        let client = self.client().await?;
        Ok(load_statuses(
            &client,
            "WHERE r.id = $1 AND r.device_id = $2",
            &[&id, &device_id],
        )
        .await?
        .pop())
    }

    async fn report_statuses(&self, device_id: &str) -> StorageResult<Vec<ReportStatus>> {
        let client = self.client().await?;
        load_statuses(&client, "WHERE r.device_id = $1", &[&device_id]).await
    }

    async fn feed(
        &self,
        parent_id: &str,
        after: u64,
        limit: usize,
    ) -> StorageResult<Vec<FeedItem>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        let rows = query(
            &tx,
            "SELECT f.seq, r.id, r.device_id, r.received_at, r.report
             FROM feed_items f JOIN reports r ON r.id = f.report_id
             WHERE f.parent_id = $1 AND f.seq > $2 ORDER BY f.seq LIMIT $3",
            &[&parent_id, &after_db(after), &limit_db(limit)],
        )
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        let mut ids = Vec::with_capacity(rows.len());
        for row in &rows {
            ids.push(get::<String>(row, 1)?);
            items.push(FeedItem {
                seq: get_u64(row, 0)?,
                device_id: get(row, 2)?,
                received_at: get_u64(row, 3)?,
                report: report_json(row, 4)?,
            });
        }
        execute(
            &tx,
            "UPDATE report_destinations SET forwarded = TRUE
             WHERE kind = 'parent' AND name = $1 AND NOT forwarded AND report_id = ANY($2)",
            &[&parent_id, &ids],
        )
        .await?;
        tx.commit().await.map_err(from_pg)?;
        Ok(items)
    }

    async fn hotline_queue(&self) -> StorageResult<Vec<HotlineEntry>> {
        let queue = self.queue(DestinationKind::Hotline).await?;
        Ok(queue.into_iter().map(HotlineEntry::from).collect())
    }

    async fn mark_hotline_forwarded(&self, report_id: &str) -> StorageResult<bool> {
        self.mark_queue_forwarded(DestinationKind::Hotline, report_id)
            .await
    }

    async fn helpline_queue(&self) -> StorageResult<Vec<HelplineEntry>> {
        let queue = self.queue(DestinationKind::Helpline).await?;
        Ok(queue.into_iter().map(HelplineEntry::from).collect())
    }

    async fn mark_helpline_forwarded(&self, report_id: &str) -> StorageResult<bool> {
        self.mark_queue_forwarded(DestinationKind::Helpline, report_id)
            .await
    }
}

impl PostgresStorage {
    /// The operator queue of `kind` (hotline or helpline), oldest first.
    async fn queue(&self, kind: DestinationKind) -> StorageResult<Vec<QueuedReport>> {
        let client = self.client().await?;
        // The kind is written into the text (one of this file's own names, never input) so that
        // the planner can use that kind's partial index.
        let sql = format!(
            "SELECT r.report, d.name, r.country, r.received_at, d.forwarded
             FROM report_destinations d JOIN reports r ON r.id = d.report_id
             WHERE d.kind = '{}'
             ORDER BY r.received_at, r.id COLLATE \"C\", d.position",
            destination_kind_name(kind)
        );
        let rows = query(&client, &sql, &[]).await?;
        rows.iter()
            .map(|row| {
                Ok(QueuedReport {
                    report: report_json(row, 0)?,
                    name: get(row, 1)?,
                    country: get(row, 2)?,
                    received_at: get_u64(row, 3)?,
                    forwarded: get(row, 4)?,
                })
            })
            .collect()
    }

    /// Marks the destinations of `kind` of a report forwarded; `false` if it has none.
    async fn mark_queue_forwarded(
        &self,
        kind: DestinationKind,
        report_id: &str,
    ) -> StorageResult<bool> {
        let client = self.client().await?;
        let marked = execute(
            &client,
            "UPDATE report_destinations SET forwarded = TRUE
             WHERE report_id = $1 AND kind = $2",
            &[&report_id, &destination_kind_name(kind)],
        )
        .await?;
        Ok(marked > 0)
    }
}

/// Stores one new report of `device` with its destinations and feed items, or finds it
/// stored. The caller holds the feed locks of every parent destination.
async fn insert_report<C: GenericClient + Sync>(
    tx: &C,
    device: &DeviceRecord,
    new: &NewReport,
    now: u64,
) -> StorageResult<ReportInsert> {
    let report = &new.report;
    let json = serde_json::to_string(report)
        .map_err(|e| StorageError::Backend(format!("a report could not be encoded: {e}")))?;
    for _ in 0..RACE_RETRIES {
        let stored = execute(
            tx,
            "INSERT INTO reports (id, device_id, report_hash, kind, country, received_at, report)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            &[
                &report.id,
                &device.id,
                &&new.report_hash[..],
                &report.kind.as_str(),
                &device.country,
                &to_db(now)?,
                &json,
            ],
        )
        .await?;
        if stored == 1 {
            let destinations = rules::fresh_destinations(new);
            let mut placements = Vec::new();
            for (position, destination) in destinations.iter().enumerate() {
                let position = i32::try_from(position)
                    .map_err(|_| StorageError::Backend("too many destinations".to_owned()))?;
                execute(
                    tx,
                    "INSERT INTO report_destinations (report_id, position, kind, name, forwarded)
                     VALUES ($1, $2, $3, $4, FALSE)",
                    &[
                        &report.id,
                        &position,
                        &destination_kind_name(destination.kind),
                        &destination.name,
                    ],
                )
                .await?;
                if destination.kind == DestinationKind::Parent {
                    let row = query_opt(
                        tx,
                        "INSERT INTO feed_items (parent_id, report_id) VALUES ($1, $2)
                         RETURNING seq",
                        &[&destination.name, &report.id],
                    )
                    .await?
                    .ok_or_else(|| corrupt("a feed item without its seq"))?;
                    placements.push(FeedPlacement {
                        parent_id: destination.name.clone(),
                        seq: get_u64(&row, 0)?,
                    });
                }
            }
            return Ok(ReportInsert::Stored(
                rules::status(report, now, destinations),
                placements,
            ));
        }
        let Some(row) = query_opt(
            tx,
            "SELECT device_id, report_hash FROM reports WHERE id = $1",
            &[&report.id],
        )
        .await?
        else {
            // Purged between the insert and the read: store it again.
            continue;
        };
        let stored_device: String = get(&row, 0)?;
        let stored_hash: Vec<u8> = get(&row, 1)?;
        let status = load_statuses(tx, "WHERE r.id = $1", &[&report.id])
            .await?
            .pop()
            .ok_or_else(|| lost_race("a report"))?;
        return Ok(rules::repeated_report(
            &device.id,
            &new.report_hash,
            &stored_device,
            &stored_hash,
            status,
        ));
    }
    Err(lost_race("a report"))
}

/// The statuses of the reports `filter` selects (a `WHERE` clause on `reports r`), in the order
/// received.
async fn load_statuses<C: GenericClient + Sync>(
    client: &C,
    filter: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StorageResult<Vec<ReportStatus>> {
    let sql = format!("{STATUS_COLUMNS} {filter} ORDER BY r.seq, d.position");
    let rows = query(client, &sql, params).await?;
    let mut statuses: Vec<ReportStatus> = Vec::new();
    for row in &rows {
        let id: String = get(row, 0)?;
        let destination = match get::<Option<String>>(row, 3)? {
            Some(kind) => Some(Destination {
                kind: parse_destination_kind(&kind)?,
                name: get(row, 4)?,
                forwarded: get(row, 5)?,
            }),
            None => None,
        };
        match statuses.last_mut() {
            Some(status) if status.id == id => status.destinations.extend(destination),
            _ => {
                let kind: String = get(row, 1)?;
                statuses.push(ReportStatus {
                    id,
                    kind: kind
                        .parse::<ReportKind>()
                        .map_err(|_| corrupt("report kind"))?,
                    state: rules::delivery_state(&[]),
                    received_at: get_u64(row, 2)?,
                    destinations: destination.into_iter().collect(),
                });
            }
        }
    }
    for status in &mut statuses {
        status.state = rules::delivery_state(&status.destinations);
    }
    Ok(statuses)
}

fn destination_kind_name(kind: DestinationKind) -> &'static str {
    match kind {
        DestinationKind::Parent => "parent",
        DestinationKind::Hotline => "hotline",
        DestinationKind::Helpline => "helpline",
    }
}

fn parse_destination_kind(name: &str) -> StorageResult<DestinationKind> {
    match name {
        "parent" => Ok(DestinationKind::Parent),
        "hotline" => Ok(DestinationKind::Hotline),
        "helpline" => Ok(DestinationKind::Helpline),
        _ => Err(corrupt("destination kind")),
    }
}
