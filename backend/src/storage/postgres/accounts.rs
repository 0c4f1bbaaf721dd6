//! [`AccountStore`] in PostgreSQL: a token is used up with `DELETE` in the transaction that
//! stores its device.

use async_trait::async_trait;
use childsafe_protocol::wire::ReportedDeviceStatus;
use deadpool_postgres::GenericClient;

use super::sql::{execute, from_pg, get, get_optional_u64, get_u64, public_key, query_opt, to_db};
use super::store::PostgresStorage;
use crate::storage::accounts::{AccountStore, DeviceRecord, DeviceRegistered, ParentRecord};
use crate::storage::error::StorageResult;

/// Stores a new device in `client`'s transaction; `false` when a device with its id exists
/// (nothing is written). Registration with a token and with a line both store through it.
pub(super) async fn insert_device<C: GenericClient + Sync>(
    client: &C,
    device: &DeviceRecord,
) -> StorageResult<bool> {
    let stored = execute(
        client,
        "INSERT INTO devices (id, public_key, country, registered_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        &[
            &device.id,
            &&device.public_key.0[..],
            &device.country,
            &to_db(device.registered_at)?,
        ],
    )
    .await?;
    Ok(stored == 1)
}

#[async_trait]
impl AccountStore for PostgresStorage {
    async fn add_activation_tokens(
        &self,
        token_hashes: &[[u8; 32]],
        now: u64,
    ) -> StorageResult<()> {
        let hashes: Vec<&[u8]> = token_hashes.iter().map(|h| &h[..]).collect();
        let client = self.client().await?;
        execute(
            &client,
            "INSERT INTO activation_tokens (token_hash, added_at)
             SELECT unnest($1::bytea[]), $2 ON CONFLICT DO NOTHING",
            &[&hashes, &to_db(now)?],
        )
        .await?;
        Ok(())
    }

    async fn register_device(
        &self,
        token_hash: [u8; 32],
        device: DeviceRecord,
    ) -> StorageResult<DeviceRegistered> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        let used = execute(
            &tx,
            "DELETE FROM activation_tokens WHERE token_hash = $1",
            &[&&token_hash[..]],
        )
        .await?;
        if used == 0 {
            return Ok(DeviceRegistered::TokenRefused);
        }
        if !insert_device(&tx, &device).await? {
            // Dropping the transaction rolls it back, so the token stays unused.
            return Ok(DeviceRegistered::AlreadyRegistered);
        }
        tx.commit().await.map_err(from_pg)?;
        Ok(DeviceRegistered::Registered)
    }

    async fn device(&self, id: &str) -> StorageResult<Option<DeviceRecord>> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            "SELECT public_key, country, registered_at FROM devices WHERE id = $1",
            &[&id],
        )
        .await?;
        row.map(|row| {
            Ok(DeviceRecord {
                id: id.to_owned(),
                public_key: public_key(&row, 0)?,
                country: get(&row, 1)?,
                registered_at: get_u64(&row, 2)?,
            })
        })
        .transpose()
    }

    async fn register_parent(&self, parent: ParentRecord) -> StorageResult<bool> {
        let client = self.client().await?;
        let stored = execute(
            &client,
            "INSERT INTO parents (id, public_key, registered_at)
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[
                &parent.id,
                &&parent.public_key.0[..],
                &to_db(parent.registered_at)?,
            ],
        )
        .await?;
        Ok(stored == 1)
    }

    async fn parent(&self, id: &str) -> StorageResult<Option<ParentRecord>> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            "SELECT public_key, registered_at FROM parents WHERE id = $1",
            &[&id],
        )
        .await?;
        row.map(|row| {
            Ok(ParentRecord {
                id: id.to_owned(),
                public_key: public_key(&row, 0)?,
                registered_at: get_u64(&row, 1)?,
            })
        })
        .transpose()
    }

    async fn put_device_status(
        &self,
        device_id: &str,
        status: ReportedDeviceStatus,
    ) -> StorageResult<()> {
        let client = self.client().await?;
        execute(
            &client,
            "INSERT INTO device_status
                 (device_id, lists_version, lists_out_of_date_since, lists_unavailable,
                  reported_at, snapshot)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (device_id) DO UPDATE
             SET lists_version = EXCLUDED.lists_version,
                 lists_out_of_date_since = EXCLUDED.lists_out_of_date_since,
                 lists_unavailable = EXCLUDED.lists_unavailable,
                 reported_at = EXCLUDED.reported_at,
                 snapshot = EXCLUDED.snapshot",
            &[
                &device_id,
                &status.lists_version.map(to_db).transpose()?,
                &status.lists_out_of_date_since.map(to_db).transpose()?,
                &status.lists_unavailable,
                &to_db(status.reported_at)?,
                &status.snapshot,
            ],
        )
        .await?;
        Ok(())
    }

    async fn device_status(&self, device_id: &str) -> StorageResult<Option<ReportedDeviceStatus>> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            "SELECT lists_version, lists_out_of_date_since, lists_unavailable, reported_at,
                    snapshot
             FROM device_status WHERE device_id = $1",
            &[&device_id],
        )
        .await?;
        row.map(|row| {
            Ok(ReportedDeviceStatus {
                lists_version: get_optional_u64(&row, 0)?,
                lists_out_of_date_since: get_optional_u64(&row, 1)?,
                lists_unavailable: get(&row, 2)?,
                reported_at: get_u64(&row, 3)?,
                snapshot: get(&row, 4)?,
            })
        })
        .transpose()
    }
}
