//! Who is paired with whom: the short-lived codes a device hands out, and the pairings a
//! parent makes by claiming one. [`PairingStore`] is the part of the storage that keeps them.

use async_trait::async_trait;

use super::error::StorageResult;

/// Pairing codes and the pairings made with them.
#[async_trait]
pub trait PairingStore: Send + Sync + 'static {
    /// Stores a pairing code for a device; `false` if the code is in use (nothing changed).
    async fn create_pairing_code(
        &self,
        code: &str,
        device_id: &str,
        expires_at: u64,
    ) -> StorageResult<bool>;

    /// Uses up a pairing code, if it exists and has not expired, pairing the parent with its
    /// device; the device id, or `None` (nothing changed).
    async fn claim_pairing_code(
        &self,
        code: &str,
        parent_id: &str,
        now: u64,
    ) -> StorageResult<Option<String>>;

    /// The parents paired with a device, with the time of pairing, oldest first.
    async fn parents_of(&self, device_id: &str) -> StorageResult<Vec<(String, u64)>>;

    /// The devices paired with a parent, with the time of pairing, oldest first.
    async fn devices_of(&self, parent_id: &str) -> StorageResult<Vec<(String, u64)>>;
}
