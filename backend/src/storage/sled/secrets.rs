//! [`SecretStore`] in sled: each secret stored once, by name.

use async_trait::async_trait;

use super::store::SledStorage;
use crate::storage::error::StorageResult;
use crate::storage::secrets::SecretStore;

#[async_trait]
impl SecretStore for SledStorage {
    async fn secret(&self, name: &str, fresh: Vec<u8>) -> StorageResult<Vec<u8>> {
        let name = name.to_owned();
        self.write(move |tx| {
            if let Some(stored) = tx.secrets.get(name.as_bytes())? {
                return Ok(stored.to_vec());
            }
            tx.secrets.insert(name.as_bytes(), fresh.as_slice())?;
            Ok(fresh.clone())
        })
        .await
    }
}
