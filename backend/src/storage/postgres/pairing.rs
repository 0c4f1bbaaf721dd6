//! [`PairingStore`] in PostgreSQL: a code is used up with `DELETE ... RETURNING` in the
//! transaction that stores the pairing.

use async_trait::async_trait;
use tokio_postgres::Row;

use super::sql::{execute, from_pg, get, get_u64, query, query_opt, to_db};
use super::store::PostgresStorage;
use crate::storage::error::StorageResult;
use crate::storage::pairing::PairingStore;

#[async_trait]
impl PairingStore for PostgresStorage {
    async fn create_pairing_code(
        &self,
        code: &str,
        device_id: &str,
        expires_at: u64,
    ) -> StorageResult<bool> {
        let client = self.client().await?;
        let stored = execute(
            &client,
            "INSERT INTO pairing_codes (code, device_id, expires_at)
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&code, &device_id, &to_db(expires_at)?],
        )
        .await?;
        Ok(stored == 1)
    }

    async fn claim_pairing_code(
        &self,
        code: &str,
        parent_id: &str,
        now: u64,
    ) -> StorageResult<Option<String>> {
        let now = to_db(now)?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        let Some(row) = query_opt(
            &tx,
            "DELETE FROM pairing_codes WHERE code = $1 AND expires_at >= $2 RETURNING device_id",
            &[&code, &now],
        )
        .await?
        else {
            return Ok(None);
        };
        let device_id: String = get(&row, 0)?;
        // Pairing again keeps the time of the first pairing.
        execute(
            &tx,
            "INSERT INTO pairings (device_id, parent_id, paired_at)
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&device_id, &parent_id, &now],
        )
        .await?;
        tx.commit().await.map_err(from_pg)?;
        Ok(Some(device_id))
    }

    async fn parents_of(&self, device_id: &str) -> StorageResult<Vec<(String, u64)>> {
        let client = self.client().await?;
        let rows = query(
            &client,
            "SELECT parent_id, paired_at FROM pairings WHERE device_id = $1
             ORDER BY paired_at, parent_id COLLATE \"C\"",
            &[&device_id],
        )
        .await?;
        pairings(&rows)
    }

    async fn devices_of(&self, parent_id: &str) -> StorageResult<Vec<(String, u64)>> {
        let client = self.client().await?;
        let rows = query(
            &client,
            "SELECT device_id, paired_at FROM pairings WHERE parent_id = $1
             ORDER BY paired_at, device_id COLLATE \"C\"",
            &[&parent_id],
        )
        .await?;
        pairings(&rows)
    }
}

fn pairings(rows: &[Row]) -> StorageResult<Vec<(String, u64)>> {
    rows.iter()
        .map(|row| Ok((get(row, 0)?, get_u64(row, 1)?)))
        .collect()
}
