//! [`SecretStore`] in PostgreSQL: the first replica to store a secret wins, and every replica
//! reads that one.

use async_trait::async_trait;

use super::sql::{execute, get, lost_race, query_opt};
use super::store::PostgresStorage;
use crate::storage::error::StorageResult;
use crate::storage::secrets::SecretStore;

#[async_trait]
impl SecretStore for PostgresStorage {
    async fn secret(&self, name: &str, fresh: Vec<u8>) -> StorageResult<Vec<u8>> {
        let client = self.client().await?;
        // A secret never changes once stored, so the read needs no transaction with the insert.
        execute(
            &client,
            "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&name, &fresh],
        )
        .await?;
        let row = query_opt(
            &client,
            "SELECT value FROM secrets WHERE name = $1",
            &[&name],
        )
        .await?
        .ok_or_else(|| lost_race("a secret"))?;
        get(&row, 0)
    }
}
