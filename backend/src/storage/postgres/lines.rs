//! [`LineStore`] in PostgreSQL: a carrier and a line are each one row holding the record's JSON,
//! beside the columns they are found by (a line's carrier and device). Every change reads its
//! row `FOR UPDATE` in the transaction that writes it back, so concurrent changes to one line
//! apply one after the other.

use async_trait::async_trait;
use childsafe_crypto::PublicKey;
use deadpool_postgres::GenericClient;

use super::accounts::insert_device;
use super::sql::{corrupt, execute, from_pg, get, query, query_opt};
use super::store::PostgresStorage;
use crate::storage::accounts::DeviceRecord;
use crate::storage::bundles::BundlePut;
use crate::storage::error::{StorageError, StorageResult};
use crate::storage::lines::{
    CarrierAdmitted, CarrierRecord, LineChange, LineChanged, LineRecord, LineRegistration,
    LineStore, PreviousDevice, SafetyPackRecord, oldest_first, registration_allowed,
};

#[async_trait]
impl LineStore for PostgresStorage {
    async fn admit_carrier(&self, carrier: CarrierRecord) -> StorageResult<CarrierAdmitted> {
        let client = self.client().await?;
        let stored = execute(
            &client,
            "INSERT INTO carriers (id, record) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&carrier.id, &encode(&carrier)?],
        )
        .await?;
        if stored == 1 {
            return Ok(CarrierAdmitted::Admitted);
        }
        let held = carrier_of(&client, &carrier.id, "").await?;
        Ok(match held {
            Some(held) if held.public_key == carrier.public_key => CarrierAdmitted::AlreadyAdmitted,
            _ => CarrierAdmitted::Conflict,
        })
    }

    async fn carrier(&self, id: &str) -> StorageResult<Option<CarrierRecord>> {
        let client = self.client().await?;
        carrier_of(&client, id, "").await
    }

    async fn rotate_carrier_key(
        &self,
        id: &str,
        old_key: PublicKey,
        new_key: PublicKey,
        rotation: String,
    ) -> StorageResult<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        let Some(mut carrier) = carrier_of(&tx, id, "FOR UPDATE").await? else {
            return Ok(false);
        };
        if carrier.public_key != old_key {
            return Ok(false);
        }
        carrier.public_key = new_key;
        carrier.rotations.push(rotation);
        store_carrier(&tx, &carrier).await?;
        tx.commit().await.map_err(from_pg)?;
        Ok(true)
    }

    async fn put_safety_pack(
        &self,
        carrier_id: &str,
        pack: SafetyPackRecord,
    ) -> StorageResult<BundlePut> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        let Some(mut carrier) = carrier_of(&tx, carrier_id, "FOR UPDATE").await? else {
            return Ok(BundlePut::NotNewer { current: 0 });
        };
        let current = carrier.safety_pack.as_ref().map_or(0, |held| held.version);
        if pack.version <= current {
            return Ok(BundlePut::NotNewer { current });
        }
        carrier.safety_pack = Some(pack);
        store_carrier(&tx, &carrier).await?;
        tx.commit().await.map_err(from_pg)?;
        Ok(BundlePut::Stored)
    }

    async fn add_line(&self, line: LineRecord) -> StorageResult<bool> {
        let client = self.client().await?;
        let stored = execute(
            &client,
            "INSERT INTO lines (handle, carrier_id, device_id, record) VALUES ($1, $2, $3, $4)
             ON CONFLICT (handle) DO NOTHING",
            &[
                &line.handle,
                &line.carrier_id,
                &line.device_id,
                &encode(&line)?,
            ],
        )
        .await?;
        Ok(stored == 1)
    }

    async fn line(&self, handle: &str) -> StorageResult<Option<LineRecord>> {
        let client = self.client().await?;
        line_of(&client, handle, "").await
    }

    async fn lines_of(&self, carrier_id: &str) -> StorageResult<Vec<LineRecord>> {
        let client = self.client().await?;
        let rows = query(
            &client,
            "SELECT record FROM lines WHERE carrier_id = $1",
            &[&carrier_id],
        )
        .await?;
        let mut lines = rows
            .iter()
            .map(|row| decode(&get::<String>(row, 0)?, "line"))
            .collect::<StorageResult<Vec<LineRecord>>>()?;
        oldest_first(&mut lines);
        Ok(lines)
    }

    async fn line_of_device(&self, device_id: &str) -> StorageResult<Option<LineRecord>> {
        let client = self.client().await?;
        query_opt(
            &client,
            "SELECT record FROM lines WHERE device_id = $1",
            &[&device_id],
        )
        .await?
        .map(|row| decode(&get::<String>(&row, 0)?, "line"))
        .transpose()
    }

    async fn change_line(
        &self,
        handle: &str,
        carrier_id: &str,
        change: LineChange,
    ) -> StorageResult<LineChanged> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        let Some(mut line) = line_of(&tx, handle, "FOR UPDATE").await? else {
            return Ok(LineChanged::Unknown);
        };
        let changed = line.apply(carrier_id, &change);
        if matches!(changed, LineChanged::Changed(_)) {
            store_line(&tx, &line).await?;
            tx.commit().await.map_err(from_pg)?;
        }
        Ok(changed)
    }

    async fn register_line_device(
        &self,
        device: DeviceRecord,
        handle: &str,
        seen_device: Option<String>,
        previous: Option<PreviousDevice>,
    ) -> StorageResult<LineRegistration> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        let line = line_of(&tx, handle, "FOR UPDATE").await?;
        if let Err(refused) = registration_allowed(line.as_ref(), seen_device.as_deref()) {
            return Ok(refused);
        }
        let Some(mut line) = line else {
            return Ok(LineRegistration::LineUnknown);
        };
        if !insert_device(&tx, &device).await? {
            return Ok(LineRegistration::AlreadyRegistered);
        }
        line.bind_device(&device.id, previous);
        store_line(&tx, &line).await?;
        tx.commit().await.map_err(from_pg)?;
        Ok(LineRegistration::Registered(Box::new(line)))
    }
}

async fn carrier_of<C: GenericClient + Sync>(
    client: &C,
    id: &str,
    lock: &str,
) -> StorageResult<Option<CarrierRecord>> {
    query_opt(
        client,
        &format!("SELECT record FROM carriers WHERE id = $1 {lock}"),
        &[&id],
    )
    .await?
    .map(|row| decode(&get::<String>(&row, 0)?, "carrier"))
    .transpose()
}

async fn store_carrier<C: GenericClient + Sync>(
    client: &C,
    carrier: &CarrierRecord,
) -> StorageResult<()> {
    execute(
        client,
        "UPDATE carriers SET record = $2 WHERE id = $1",
        &[&carrier.id, &encode(carrier)?],
    )
    .await?;
    Ok(())
}

async fn line_of<C: GenericClient + Sync>(
    client: &C,
    handle: &str,
    lock: &str,
) -> StorageResult<Option<LineRecord>> {
    query_opt(
        client,
        &format!("SELECT record FROM lines WHERE handle = $1 {lock}"),
        &[&handle],
    )
    .await?
    .map(|row| decode(&get::<String>(&row, 0)?, "line"))
    .transpose()
}

async fn store_line<C: GenericClient + Sync>(client: &C, line: &LineRecord) -> StorageResult<()> {
    execute(
        client,
        "UPDATE lines SET device_id = $2, record = $3 WHERE handle = $1",
        &[&line.handle, &line.device_id, &encode(line)?],
    )
    .await?;
    Ok(())
}

fn encode<T: serde::Serialize>(record: &T) -> StorageResult<String> {
    serde_json::to_string(record)
        .map_err(|e| StorageError::Backend(format!("a record could not be encoded: {e}")))
}

/// serde's message can quote the record, so only `what` is named.
fn decode<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> StorageResult<T> {
    serde_json::from_str(json).map_err(|_| corrupt(what))
}
