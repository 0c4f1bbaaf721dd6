//! [`RetentionStore`] in PostgreSQL: one transaction of `DELETE`s; destinations and feed items
//! go with their report by `ON DELETE CASCADE`.

use async_trait::async_trait;

use super::sql::{execute, from_pg, to_db};
use super::store::PostgresStorage;
use crate::storage::error::StorageResult;
use crate::storage::retention::{Purged, Retention, RetentionStore};
use crate::storage::rules::{self, PurgeCutoffs};

#[async_trait]
impl RetentionStore for PostgresStorage {
    async fn purge(&self, now: u64, retention: Retention) -> StorageResult<Purged> {
        let cutoffs = PurgeCutoffs::at(now, &retention);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        // Destinations and feed items go with their report (ON DELETE CASCADE).
        let reports = execute(
            &tx,
            "DELETE FROM reports r WHERE r.received_at < $1 AND r.received_at <
                CASE WHEN EXISTS (SELECT 1 FROM report_destinations d
                                  WHERE d.report_id = r.id AND d.kind = 'hotline')
                THEN $2 ELSE $1 END",
            &[&to_db(cutoffs.report)?, &to_db(cutoffs.hotline_report)?],
        )
        .await?;
        let messages = execute(
            &tx,
            "DELETE FROM messages WHERE received_at < $1",
            &[&to_db(cutoffs.message)?],
        )
        .await?;
        let idempotency = execute(
            &tx,
            "DELETE FROM idempotency_keys
             WHERE started_at < $1 AND (status IS NOT NULL OR started_at < $2)",
            &[
                &to_db(now.saturating_sub(retention.idempotency_secs))?,
                &to_db(rules::abandoned_before(now))?,
            ],
        )
        .await?;
        let now = to_db(now)?;
        let nonces = execute(&tx, "DELETE FROM nonces WHERE expires_at < $1", &[&now]).await?;
        let invites = execute(
            &tx,
            "DELETE FROM pairing_invites WHERE expires_at < $1",
            &[&now],
        )
        .await?;
        tx.commit().await.map_err(from_pg)?;
        Ok(Purged {
            reports,
            messages,
            other: idempotency + nonces + invites,
        })
    }
}
