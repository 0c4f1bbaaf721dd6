//! [`PairingStore`] in sled: pairing codes, and each pairing kept twice (under the device and
//! under the parent) so that either side's list is one prefix scan.

use async_trait::async_trait;
use sled::Tree;
use sled::transaction::ConflictableTransactionError;

use super::keys::{be_u64, owned_key, owner_prefix};
use super::schema::{from_sled, insert_new};
use super::store::SledStorage;
use super::values::{PairingValue, from_json, to_json};
use crate::storage::error::{StorageError, StorageResult};
use crate::storage::pairing::PairingStore;

#[async_trait]
impl PairingStore for SledStorage {
    async fn create_pairing_code(
        &self,
        code: &str,
        device_id: &str,
        expires_at: u64,
    ) -> StorageResult<bool> {
        let code = code.to_owned();
        let value = to_json(&PairingValue {
            device_id: device_id.to_owned(),
            expires_at,
        })?;
        self.write(move |tx| insert_new(tx.pairing_codes, code.as_bytes(), &value))
            .await
    }

    async fn claim_pairing_code(
        &self,
        code: &str,
        parent_id: &str,
        now: u64,
    ) -> StorageResult<Option<String>> {
        let code = code.to_owned();
        let parent_id = parent_id.to_owned();
        self.write(move |tx| {
            let Some(bytes) = tx.pairing_codes.get(code.as_bytes())? else {
                return Ok(None);
            };
            let pairing: PairingValue =
                from_json(&bytes, "pairing code").map_err(ConflictableTransactionError::Abort)?;
            if now > pairing.expires_at {
                return Ok(None);
            }
            tx.pairing_codes.remove(code.as_bytes())?;
            let device_side = owned_key(&pairing.device_id, parent_id.as_bytes());
            // Pairing again keeps the time of the first pairing.
            if tx.device_parents.get(&device_side)?.is_none() {
                let paired_at = &now.to_be_bytes()[..];
                tx.device_parents.insert(device_side, paired_at)?;
                tx.parent_devices.insert(
                    owned_key(&parent_id, pairing.device_id.as_bytes()),
                    paired_at,
                )?;
            }
            Ok(Some(pairing.device_id))
        })
        .await
    }

    async fn parents_of(&self, device_id: &str) -> StorageResult<Vec<(String, u64)>> {
        let device_id = device_id.to_owned();
        self.read(move |t| pairings_of(&t.device_parents, &device_id))
            .await
    }

    async fn devices_of(&self, parent_id: &str) -> StorageResult<Vec<(String, u64)>> {
        let parent_id = parent_id.to_owned();
        self.read(move |t| pairings_of(&t.parent_devices, &parent_id))
            .await
    }
}

/// The pairings under `owner` in `tree`, oldest first.
fn pairings_of(tree: &Tree, owner: &str) -> StorageResult<Vec<(String, u64)>> {
    let prefix = owner_prefix(owner);
    let mut pairings = Vec::new();
    for entry in tree.scan_prefix(&prefix) {
        let (key, paired_at) = entry.map_err(from_sled)?;
        let peer = String::from_utf8(key[prefix.len()..].to_vec())
            .map_err(|_| StorageError::Corrupt("a pairing key is not text".to_owned()))?;
        pairings.push((peer, be_u64(&paired_at, "pairing time")?));
    }
    pairings.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    Ok(pairings)
}
