//! [`AccountStore`] in sled: activation tokens, devices (kept in memory once read, since a
//! device never changes), parents and device statuses.

use std::sync::PoisonError;

use async_trait::async_trait;
use childsafe_protocol::wire::ReportedDeviceStatus;

use super::schema::{from_sled, insert_new};
use super::store::SledStorage;
use super::values::{DeviceValue, ParentValue, from_json, to_json};
use crate::storage::accounts::{AccountStore, DeviceRecord, DeviceRegistered, ParentRecord};
use crate::storage::error::StorageResult;

/// Most devices [`SledStorage`] keeps in memory; when full, it starts again from none, which
/// costs one read per device and keeps memory bounded whatever the number of devices.
pub(super) const KNOWN_DEVICES_CAP: usize = 100_000;

#[async_trait]
impl AccountStore for SledStorage {
    async fn add_activation_tokens(
        &self,
        token_hashes: &[[u8; 32]],
        now: u64,
    ) -> StorageResult<()> {
        let hashes = token_hashes.to_vec();
        self.write(move |tx| {
            for hash in &hashes {
                tx.tokens.insert(&hash[..], &now.to_be_bytes()[..])?;
            }
            Ok(())
        })
        .await
    }

    async fn register_device(
        &self,
        token_hash: [u8; 32],
        device: DeviceRecord,
    ) -> StorageResult<DeviceRegistered> {
        let value = to_json(&DeviceValue {
            public_key: device.public_key,
            country: device.country,
            registered_at: device.registered_at,
        })?;
        self.write(move |tx| {
            if tx.tokens.get(token_hash)?.is_none() {
                return Ok(DeviceRegistered::TokenRefused);
            }
            if tx.devices.get(device.id.as_bytes())?.is_some() {
                return Ok(DeviceRegistered::AlreadyRegistered);
            }
            tx.tokens.remove(&token_hash[..])?;
            tx.devices.insert(device.id.as_bytes(), value.as_slice())?;
            Ok(DeviceRegistered::Registered)
        })
        .await
    }

    async fn device(&self, id: &str) -> StorageResult<Option<DeviceRecord>> {
        // A panic while holding the lock cannot leave the map half-changed.
        let cache = || {
            self.known_devices
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        if let Some(device) = cache().get(id) {
            return Ok(Some(device.clone()));
        }
        let owned_id = id.to_owned();
        let device = self
            .read(move |t| {
                let Some(bytes) = t.devices.get(owned_id.as_bytes()).map_err(from_sled)? else {
                    return Ok(None);
                };
                let value: DeviceValue = from_json(&bytes, "device")?;
                Ok(Some(DeviceRecord {
                    id: owned_id,
                    public_key: value.public_key,
                    country: value.country,
                    registered_at: value.registered_at,
                }))
            })
            .await?;
        if let Some(device) = &device {
            let mut known = cache();
            if known.len() >= KNOWN_DEVICES_CAP {
                known.clear();
            }
            known.insert(device.id.clone(), device.clone());
        }
        Ok(device)
    }

    async fn register_parent(&self, parent: ParentRecord) -> StorageResult<bool> {
        let value = to_json(&ParentValue {
            public_key: parent.public_key,
            registered_at: parent.registered_at,
        })?;
        self.write(move |tx| insert_new(tx.parents, parent.id.as_bytes(), &value))
            .await
    }

    async fn parent(&self, id: &str) -> StorageResult<Option<ParentRecord>> {
        let id = id.to_owned();
        self.read(move |t| {
            let Some(bytes) = t.parents.get(id.as_bytes()).map_err(from_sled)? else {
                return Ok(None);
            };
            let value: ParentValue = from_json(&bytes, "parent")?;
            Ok(Some(ParentRecord {
                id,
                public_key: value.public_key,
                registered_at: value.registered_at,
            }))
        })
        .await
    }

    async fn put_device_status(
        &self,
        device_id: &str,
        status: ReportedDeviceStatus,
    ) -> StorageResult<()> {
        let key = device_id.as_bytes().to_vec();
        let value = to_json(&status)?;
        self.write(move |tx| {
            tx.device_status.insert(key.as_slice(), value.as_slice())?;
            Ok(())
        })
        .await
    }

    async fn device_status(&self, device_id: &str) -> StorageResult<Option<ReportedDeviceStatus>> {
        let key = device_id.as_bytes().to_vec();
        self.read(move |t| {
            t.device_status
                .get(&key)
                .map_err(from_sled)?
                .map(|bytes| from_json(&bytes, "a device status"))
                .transpose()
        })
        .await
    }
}
