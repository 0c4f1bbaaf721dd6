//! [`BundleStore`] in PostgreSQL: a bundle replaces an older version only inside one upsert.

use async_trait::async_trait;
use bytes::Bytes;
use childsafe_protocol::wire::BundleKind;

use super::sql::{execute, from_pg, get, get_u64, lost_race, query_opt, to_db};
use super::store::PostgresStorage;
use crate::storage::bundles::{BundlePut, BundleStore, BundleVersion, StoredBundle};
use crate::storage::error::StorageResult;

#[async_trait]
impl BundleStore for PostgresStorage {
    async fn put_bundle(&self, bundle: StoredBundle) -> StorageResult<BundlePut> {
        let kind = bundle.kind.as_str();
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        // The upsert locks the stored row even when its version wins, so the read below sees
        // the version that refused this one.
        let stored = execute(
            &tx,
            "INSERT INTO bundles (kind, version, expires_at, bytes) VALUES ($1, $2, $3, $4)
             ON CONFLICT (kind) DO UPDATE
             SET version = EXCLUDED.version, expires_at = EXCLUDED.expires_at,
                 bytes = EXCLUDED.bytes
             WHERE bundles.version < EXCLUDED.version",
            &[
                &kind,
                &to_db(bundle.version)?,
                &to_db(bundle.expires_at)?,
                &bundle.bytes.as_ref(),
            ],
        )
        .await?;
        let outcome = if stored == 1 {
            BundlePut::Stored
        } else {
            let row = query_opt(&tx, "SELECT version FROM bundles WHERE kind = $1", &[&kind])
                .await?
                .ok_or_else(|| lost_race("a bundle"))?;
            BundlePut::NotNewer {
                current: get_u64(&row, 0)?,
            }
        };
        tx.commit().await.map_err(from_pg)?;
        Ok(outcome)
    }

    async fn bundle(&self, kind: BundleKind) -> StorageResult<Option<StoredBundle>> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            "SELECT version, expires_at, bytes FROM bundles WHERE kind = $1",
            &[&kind.as_str()],
        )
        .await?;
        row.map(|row| {
            Ok(StoredBundle {
                kind,
                version: get_u64(&row, 0)?,
                expires_at: get_u64(&row, 1)?,
                bytes: Bytes::from(get::<Vec<u8>>(&row, 2)?),
            })
        })
        .transpose()
    }

    async fn bundle_version(&self, kind: BundleKind) -> StorageResult<Option<BundleVersion>> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            "SELECT version, expires_at FROM bundles WHERE kind = $1",
            &[&kind.as_str()],
        )
        .await?;
        row.map(|row| {
            Ok(BundleVersion {
                version: get_u64(&row, 0)?,
                expires_at: get_u64(&row, 1)?,
            })
        })
        .transpose()
    }
}
