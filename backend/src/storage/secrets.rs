//! The server's own secrets (the key that signs server time), kept in storage so that every
//! replica sharing it uses the same one. [`SecretStore`] is the part of the storage that keeps
//! them.

use async_trait::async_trait;

use super::error::StorageResult;

/// Named secrets, each stored once and never changed.
#[async_trait]
pub trait SecretStore: Send + Sync + 'static {
    /// The stored secret named `name`, storing `fresh` first if there is none (so replicas
    /// agree on one server key).
    async fn secret(&self, name: &str, fresh: Vec<u8>) -> StorageResult<Vec<u8>>;
}
