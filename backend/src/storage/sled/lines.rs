//! [`LineStore`] in sled: each carrier and each line one JSON value, with two indexes written in
//! the same transactions (a carrier's lines, a device's line), so every change to a line is one
//! read-change-write of its value.

use async_trait::async_trait;
use childsafe_crypto::PublicKey;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::keys::{owned_key, owner_prefix};
use super::schema::{TxResult, TxTrees, from_sled};
use super::store::SledStorage;
use super::values::{DeviceValue, from_json, to_json};
use crate::storage::accounts::DeviceRecord;
use crate::storage::bundles::BundlePut;
use crate::storage::error::{StorageError, StorageResult};
use crate::storage::lines::{
    CarrierAdmitted, CarrierRecord, LineChange, LineChanged, LineRecord, LineRegistration,
    LineStore, PreviousDevice, SafetyPackRecord, oldest_first, registration_allowed,
};

#[async_trait]
impl LineStore for SledStorage {
    async fn admit_carrier(&self, carrier: CarrierRecord) -> StorageResult<CarrierAdmitted> {
        let value = to_json(&carrier)?;
        self.write(move |tx| {
            if let Some(stored) = carrier_in(tx.carriers, &carrier.id)? {
                return Ok(if stored.public_key == carrier.public_key {
                    CarrierAdmitted::AlreadyAdmitted
                } else {
                    CarrierAdmitted::Conflict
                });
            }
            tx.carriers
                .insert(carrier.id.as_bytes(), value.as_slice())?;
            Ok(CarrierAdmitted::Admitted)
        })
        .await
    }

    async fn carrier(&self, id: &str) -> StorageResult<Option<CarrierRecord>> {
        let id = id.to_owned();
        self.read(move |t| {
            t.carriers
                .get(id.as_bytes())
                .map_err(from_sled)?
                .map(|bytes| from_json(&bytes, "carrier"))
                .transpose()
        })
        .await
    }

    async fn rotate_carrier_key(
        &self,
        id: &str,
        old_key: PublicKey,
        new_key: PublicKey,
        rotation: String,
    ) -> StorageResult<bool> {
        let id = id.to_owned();
        self.write(move |tx| {
            let Some(mut carrier) = carrier_in(tx.carriers, &id)? else {
                return Ok(false);
            };
            if carrier.public_key != old_key {
                return Ok(false);
            }
            carrier.public_key = new_key;
            carrier.rotations.push(rotation.clone());
            store_carrier(tx.carriers, &carrier)?;
            Ok(true)
        })
        .await
    }

    async fn put_safety_pack(
        &self,
        carrier_id: &str,
        pack: SafetyPackRecord,
    ) -> StorageResult<BundlePut> {
        let carrier_id = carrier_id.to_owned();
        self.write(move |tx| {
            let Some(mut carrier) = carrier_in(tx.carriers, &carrier_id)? else {
                return Ok(BundlePut::NotNewer { current: 0 });
            };
            let current = carrier.safety_pack.as_ref().map_or(0, |held| held.version);
            if pack.version <= current {
                return Ok(BundlePut::NotNewer { current });
            }
            carrier.safety_pack = Some(pack.clone());
            store_carrier(tx.carriers, &carrier)?;
            Ok(BundlePut::Stored)
        })
        .await
    }

    async fn add_line(&self, line: LineRecord) -> StorageResult<bool> {
        let value = to_json(&line)?;
        self.write(move |tx| {
            if tx.lines.get(line.handle.as_bytes())?.is_some() {
                return Ok(false);
            }
            tx.lines.insert(line.handle.as_bytes(), value.as_slice())?;
            tx.carrier_lines
                .insert(owned_key(&line.carrier_id, line.handle.as_bytes()), &[][..])?;
            Ok(true)
        })
        .await
    }

    async fn line(&self, handle: &str) -> StorageResult<Option<LineRecord>> {
        let handle = handle.to_owned();
        self.read(move |t| line_at(&t.lines, &handle)).await
    }

    async fn lines_of(&self, carrier_id: &str) -> StorageResult<Vec<LineRecord>> {
        let carrier_id = carrier_id.to_owned();
        self.scan(move |t| {
            let prefix = owner_prefix(&carrier_id);
            let mut lines = Vec::new();
            for entry in t.carrier_lines.scan_prefix(&prefix) {
                let (key, _) = entry.map_err(from_sled)?;
                let handle = std::str::from_utf8(&key[prefix.len()..])
                    .map_err(|_| StorageError::Corrupt("a line handle is not text".to_owned()))?;
                if let Some(line) = line_at(&t.lines, handle)? {
                    lines.push(line);
                }
            }
            oldest_first(&mut lines);
            Ok(lines)
        })
        .await
    }

    async fn line_of_device(&self, device_id: &str) -> StorageResult<Option<LineRecord>> {
        let device_id = device_id.to_owned();
        self.read(move |t| {
            let Some(handle) = t
                .device_lines
                .get(device_id.as_bytes())
                .map_err(from_sled)?
            else {
                return Ok(None);
            };
            let handle = std::str::from_utf8(&handle)
                .map_err(|_| StorageError::Corrupt("a line handle is not text".to_owned()))?;
            line_at(&t.lines, handle)
        })
        .await
    }

    async fn change_line(
        &self,
        handle: &str,
        carrier_id: &str,
        change: LineChange,
    ) -> StorageResult<LineChanged> {
        let (handle, carrier_id) = (handle.to_owned(), carrier_id.to_owned());
        self.write(move |tx| {
            let Some(mut line) = line_in(tx, &handle)? else {
                return Ok(LineChanged::Unknown);
            };
            let changed = line.apply(&carrier_id, &change);
            if matches!(changed, LineChanged::Changed(_)) {
                store_line(tx, &line)?;
            }
            Ok(changed)
        })
        .await
    }

    async fn register_line_device(
        &self,
        device: DeviceRecord,
        handle: &str,
        seen_device: Option<String>,
        previous: Option<PreviousDevice>,
    ) -> StorageResult<LineRegistration> {
        let handle = handle.to_owned();
        let value = to_json(&DeviceValue {
            public_key: device.public_key,
            country: device.country.clone(),
            registered_at: device.registered_at,
        })?;
        self.write(move |tx| {
            let line = line_in(tx, &handle)?;
            if let Err(refused) = registration_allowed(line.as_ref(), seen_device.as_deref()) {
                return Ok(refused);
            }
            let Some(mut line) = line else {
                return Ok(LineRegistration::LineUnknown);
            };
            if tx.devices.get(device.id.as_bytes())?.is_some() {
                return Ok(LineRegistration::AlreadyRegistered);
            }
            tx.devices.insert(device.id.as_bytes(), value.as_slice())?;
            if let Some(earlier) = &line.device_id {
                tx.device_lines.remove(earlier.as_bytes())?;
            }
            line.bind_device(&device.id, previous.clone());
            tx.device_lines
                .insert(device.id.as_bytes(), line.handle.as_bytes())?;
            store_line(tx, &line)?;
            Ok(LineRegistration::Registered(Box::new(line)))
        })
        .await
    }
}

fn carrier_in(tree: &TransactionalTree, id: &str) -> TxResult<Option<CarrierRecord>> {
    tree.get(id.as_bytes())?
        .map(|bytes| from_json(&bytes, "carrier").map_err(ConflictableTransactionError::Abort))
        .transpose()
}

fn store_carrier(tree: &TransactionalTree, carrier: &CarrierRecord) -> TxResult<()> {
    let value = to_json(carrier).map_err(ConflictableTransactionError::Abort)?;
    tree.insert(carrier.id.as_bytes(), value)?;
    Ok(())
}

fn line_at(tree: &sled::Tree, handle: &str) -> StorageResult<Option<LineRecord>> {
    tree.get(handle.as_bytes())
        .map_err(from_sled)?
        .map(|bytes| from_json(&bytes, "line"))
        .transpose()
}

fn line_in(tx: &TxTrees<'_>, handle: &str) -> TxResult<Option<LineRecord>> {
    tx.lines
        .get(handle.as_bytes())?
        .map(|bytes| from_json(&bytes, "line").map_err(ConflictableTransactionError::Abort))
        .transpose()
}

fn store_line(tx: &TxTrees<'_>, line: &LineRecord) -> TxResult<()> {
    let value = to_json(line).map_err(ConflictableTransactionError::Abort)?;
    tx.lines.insert(line.handle.as_bytes(), value)?;
    Ok(())
}
