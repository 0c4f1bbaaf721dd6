//! [`PostgresStorage`]: the backend's state in PostgreSQL, for deployments where several
//! stateless server replicas share one database. It owns the schema (created at connect) and
//! the SQL of every operation.
//!
//! Correctness across replicas rests on the database, never on a lock in one process: a new
//! idempotency key or report is claimed with `INSERT ... ON CONFLICT DO NOTHING` and read back,
//! a token or pairing code is used up with `DELETE ... RETURNING`, a bundle only replaces an
//! older version inside one upsert, and every change of several rows is one transaction.
//! Feed and mailbox items take their seq from a sequence while the writer holds a transaction
//! lock on that feed or mailbox, so seqs are committed in increasing order and a reader that has
//! seen seq N has seen every smaller one (without the lock, a slower transaction could commit
//! seq 10 after seq 11 was read, and `after = 11` would skip it for ever).
//!
//! Every change returns after `COMMIT`, which with PostgreSQL's default
//! `synchronous_commit = on` means the change is in the flushed write-ahead log.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use childsafe_crypto::PublicKey;
use childsafe_protocol::report::{ReportKind, UploadedReport};
use childsafe_protocol::wire::{
    BundleKind, Destination, DestinationKind, FeedItem, MessageKind, RelayedMessage, ReportStatus,
    ReportedDeviceStatus,
};
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use super::rules::{self, IdempotencyDecision, IdempotencyState, PurgeCutoffs};
use super::{
    BundlePut, BundleVersion, DeviceRecord, DeviceRegistered, HotlineEntry, IdempotencyBegin,
    NewMessage, NewReport, ParentRecord, Purged, ReportInsert, Retention, Storage, StorageError,
    StorageResult, StoredBundle,
};

/// Most connections one server process keeps open to the database.
pub const POOL_SIZE: usize = 16;

/// How long opening a connection may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The advisory lock held while the schema is created, so that replicas starting together do
/// not race on `CREATE TABLE IF NOT EXISTS` (which is not safe against itself).
const SCHEMA_LOCK: i64 = 0x6368_696c_6473_6166;

/// How many times a change that lost a race with another replica (a row it saw as taken was
/// released before it could read it) is tried again before giving up.
const RACE_RETRIES: usize = 3;

/// The schema, created if missing. Times are Unix seconds in `BIGINT`; report bodies are the
/// report's JSON as uploaded.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS activation_tokens (
    token_hash BYTEA PRIMARY KEY,
    added_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY,
    public_key BYTEA NOT NULL,
    country TEXT NOT NULL,
    registered_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS parents (
    id TEXT PRIMARY KEY,
    public_key BYTEA NOT NULL,
    registered_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS nonces (
    principal TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (principal, nonce)
);
CREATE INDEX IF NOT EXISTS nonces_by_expiry ON nonces (expires_at);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    device_id TEXT NOT NULL,
    key TEXT NOT NULL,
    body_hash BYTEA NOT NULL,
    started_at BIGINT NOT NULL,
    status INTEGER,
    body BYTEA,
    PRIMARY KEY (device_id, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_by_start ON idempotency_keys (started_at);
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    seq BIGSERIAL NOT NULL,
    device_id TEXT NOT NULL,
    report_hash BYTEA NOT NULL,
    kind TEXT NOT NULL,
    country TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_by_device ON reports (device_id, seq);
CREATE INDEX IF NOT EXISTS reports_by_age ON reports (received_at);
CREATE TABLE IF NOT EXISTS report_destinations (
    report_id TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    forwarded BOOLEAN NOT NULL,
    PRIMARY KEY (report_id, position)
);
CREATE INDEX IF NOT EXISTS hotline_destinations
    ON report_destinations (report_id) WHERE kind = 'hotline';
CREATE TABLE IF NOT EXISTS feed_items (
    seq BIGSERIAL PRIMARY KEY,
    parent_id TEXT NOT NULL,
    report_id TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS feed_items_by_parent ON feed_items (parent_id, seq);
CREATE INDEX IF NOT EXISTS feed_items_by_report ON feed_items (report_id);
CREATE TABLE IF NOT EXISTS pairing_codes (
    code TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS pairings (
    device_id TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    paired_at BIGINT NOT NULL,
    PRIMARY KEY (device_id, parent_id)
);
CREATE INDEX IF NOT EXISTS pairings_by_parent ON pairings (parent_id);
CREATE TABLE IF NOT EXISTS messages (
    seq BIGSERIAL PRIMARY KEY,
    recipient TEXT NOT NULL,
    sender TEXT NOT NULL,
    kind TEXT NOT NULL,
    blob TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_recipient ON messages (recipient, seq);
CREATE INDEX IF NOT EXISTS messages_by_age ON messages (received_at);
CREATE TABLE IF NOT EXISTS bundles (
    kind TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    bytes BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets (
    name TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS device_status (
    device_id TEXT PRIMARY KEY,
    lists_version BIGINT,
    lists_out_of_date_since BIGINT,
    lists_unavailable BOOLEAN NOT NULL,
    reported_at BIGINT NOT NULL
);
";

/// A report's status with its destinations, in the order stored. One row per destination, or
/// one row with null destination columns when there is none.
const STATUS_COLUMNS: &str = "SELECT r.id, r.kind, r.received_at, d.kind, d.name, d.forwarded
    FROM reports r LEFT JOIN report_destinations d ON d.report_id = r.id";

/// The backend's state in a PostgreSQL database, shared by any number of server replicas.
///
/// Connections are plain TCP without TLS: the database must be on loopback or a private
/// network the operator trusts, never reached across the internet.
#[derive(Clone, Debug)]
pub struct PostgresStorage {
    pool: Pool,
}

impl PostgresStorage {
    /// Connects to the database at `url` (`postgres://user@host:port/dbname`, or the key=value
    /// form) with a pool of up to [`POOL_SIZE`] connections, and creates the schema if missing.
    pub async fn connect(url: &str) -> StorageResult<PostgresStorage> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StorageError::Backend(format!("the database URL is not valid: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StorageError::Backend(format!("the connection pool failed: {e}")))?;
        let storage = PostgresStorage { pool };
        storage.create_schema().await?;
        Ok(storage)
    }

    async fn create_schema(&self) -> StorageResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .await
            .map_err(from_pg)?;
        tx.batch_execute(SCHEMA).await.map_err(from_pg)?;
        tx.commit().await.map_err(from_pg)
    }

    async fn client(&self) -> StorageResult<deadpool_postgres::Object> {
        self.pool
            .get()
            .await
            .map_err(|e| StorageError::Backend(format!("no database connection: {e}")))
    }
}

#[async_trait]
impl Storage for PostgresStorage {
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
        let stored = execute(
            &tx,
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
        if stored == 0 {
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

    async fn remember_nonce(
        &self,
        principal: &str,
        nonce: &str,
        expires_at: u64,
    ) -> StorageResult<bool> {
        let client = self.client().await?;
        let stored = execute(
            &client,
            "INSERT INTO nonces (principal, nonce, expires_at)
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&principal, &nonce, &to_db(expires_at)?],
        )
        .await?;
        Ok(stored == 1)
    }

    async fn begin_idempotent(
        &self,
        device_id: &str,
        key: &str,
        body_hash: [u8; 32],
        now: u64,
    ) -> StorageResult<IdempotencyBegin> {
        let now_db = to_db(now)?;
        let mut client = self.client().await?;
        for _ in 0..RACE_RETRIES {
            let tx = client.transaction().await.map_err(from_pg)?;
            let claimed = execute(
                &tx,
                "INSERT INTO idempotency_keys (device_id, key, body_hash, started_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[&device_id, &key, &&body_hash[..], &now_db],
            )
            .await?;
            if claimed == 1 {
                tx.commit().await.map_err(from_pg)?;
                return Ok(IdempotencyBegin::Started);
            }
            // Locked so that of two requests finding an abandoned key, one takes it over.
            let Some(row) = query_opt(
                &tx,
                "SELECT body_hash, started_at, status, body FROM idempotency_keys
                 WHERE device_id = $1 AND key = $2 FOR UPDATE",
                &[&device_id, &key],
            )
            .await?
            else {
                // Released between the insert and the read: claim it again.
                continue;
            };
            let stored = idempotency_state(&row)?;
            match rules::begin_idempotent(Some(&stored), &body_hash, now) {
                IdempotencyDecision::Answer(answer) => return Ok(answer),
                IdempotencyDecision::Start => {
                    execute(
                        &tx,
                        "UPDATE idempotency_keys
                         SET body_hash = $3, started_at = $4, status = NULL, body = NULL
                         WHERE device_id = $1 AND key = $2",
                        &[&device_id, &key, &&body_hash[..], &now_db],
                    )
                    .await?;
                    tx.commit().await.map_err(from_pg)?;
                    return Ok(IdempotencyBegin::Started);
                }
            }
        }
        Err(lost_race("an idempotency key"))
    }

    async fn finish_idempotent(
        &self,
        device_id: &str,
        key: &str,
        status: u16,
        body: &[u8],
    ) -> StorageResult<()> {
        let client = self.client().await?;
        execute(
            &client,
            "UPDATE idempotency_keys SET status = $3, body = $4
             WHERE device_id = $1 AND key = $2",
            &[&device_id, &key, &i32::from(status), &body],
        )
        .await?;
        Ok(())
    }

    async fn abandon_idempotent(&self, device_id: &str, key: &str) -> StorageResult<()> {
        let client = self.client().await?;
        execute(
            &client,
            "DELETE FROM idempotency_keys
             WHERE device_id = $1 AND key = $2 AND status IS NULL",
            &[&device_id, &key],
        )
        .await?;
        Ok(())
    }

    async fn insert_reports(
        &self,
        device: &DeviceRecord,
        reports: Vec<NewReport>,
        now: u64,
    ) -> StorageResult<Vec<ReportInsert>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        let mut parents: Vec<&str> = reports
            .iter()
            .flat_map(|new| &new.destinations)
            .filter(|d| d.kind == DestinationKind::Parent)
            .map(|d| d.name.as_str())
            .collect();
        // Always in the same order, so that two transactions never wait for each other's locks.
        parents.sort_unstable();
        parents.dedup();
        for parent in parents {
            lock_sequence(&tx, "feed", parent).await?;
        }
        let mut outcomes = Vec::with_capacity(reports.len());
        for new in &reports {
            outcomes.push(insert_report(&tx, device, new, now).await?);
        }
        tx.commit().await.map_err(from_pg)?;
        Ok(outcomes)
    }

    async fn report_status(
        &self,
        device_id: &str,
        id: &str,
    ) -> StorageResult<Option<ReportStatus>> {
        let client = self.client().await?;
        Ok(load_statuses(
            &client,
            "WHERE r.id = $1 AND r.device_id = $2",
            &[&id, &device_id],
        )
        .await?
        .pop())
    }

    async fn report_statuses(&self, device_id: &str) -> StorageResult<Vec<ReportStatus>> {
        let client = self.client().await?;
        load_statuses(&client, "WHERE r.device_id = $1", &[&device_id]).await
    }

    async fn feed(
        &self,
        parent_id: &str,
        after: u64,
        limit: usize,
    ) -> StorageResult<Vec<FeedItem>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        let rows = query(
            &tx,
            "SELECT f.seq, r.id, r.device_id, r.received_at, r.report
             FROM feed_items f JOIN reports r ON r.id = f.report_id
             WHERE f.parent_id = $1 AND f.seq > $2 ORDER BY f.seq LIMIT $3",
            &[&parent_id, &after_db(after), &limit_db(limit)],
        )
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        let mut ids = Vec::with_capacity(rows.len());
        for row in &rows {
            ids.push(get::<String>(row, 1)?);
            items.push(FeedItem {
                seq: get_u64(row, 0)?,
                device_id: get(row, 2)?,
                received_at: get_u64(row, 3)?,
                report: report_json(row, 4)?,
            });
        }
        execute(
            &tx,
            "UPDATE report_destinations SET forwarded = TRUE
             WHERE kind = 'parent' AND name = $1 AND NOT forwarded AND report_id = ANY($2)",
            &[&parent_id, &ids],
        )
        .await?;
        tx.commit().await.map_err(from_pg)?;
        Ok(items)
    }

    async fn hotline_queue(&self) -> StorageResult<Vec<HotlineEntry>> {
        let client = self.client().await?;
        let rows = query(
            &client,
            "SELECT r.report, d.name, r.country, r.received_at, d.forwarded
             FROM report_destinations d JOIN reports r ON r.id = d.report_id
             WHERE d.kind = 'hotline'
             ORDER BY r.received_at, r.id COLLATE \"C\", d.position",
            &[],
        )
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HotlineEntry {
                    report: report_json(row, 0)?,
                    hotline: get(row, 1)?,
                    country: get(row, 2)?,
                    received_at: get_u64(row, 3)?,
                    forwarded: get(row, 4)?,
                })
            })
            .collect()
    }

    async fn mark_hotline_forwarded(&self, report_id: &str) -> StorageResult<bool> {
        let client = self.client().await?;
        let marked = execute(
            &client,
            "UPDATE report_destinations SET forwarded = TRUE
             WHERE report_id = $1 AND kind = 'hotline'",
            &[&report_id],
        )
        .await?;
        Ok(marked > 0)
    }

    async fn create_pairing_code(
        &self,
        code: &str,
        device_id: &str,
        expires_at: u64,
    ) -> StorageResult<bool> {
        let client = self.client().await?;
        let stored = execute(
            &client,
            "INSERT INTO pairing_codes (code, device_id, expires_at)
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&code, &device_id, &to_db(expires_at)?],
        )
        .await?;
        Ok(stored == 1)
    }

    async fn claim_pairing_code(
        &self,
        code: &str,
        parent_id: &str,
        now: u64,
    ) -> StorageResult<Option<String>> {
        let now = to_db(now)?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        let Some(row) = query_opt(
            &tx,
            "DELETE FROM pairing_codes WHERE code = $1 AND expires_at >= $2 RETURNING device_id",
            &[&code, &now],
        )
        .await?
        else {
            return Ok(None);
        };
        let device_id: String = get(&row, 0)?;
        // Pairing again keeps the time of the first pairing.
        execute(
            &tx,
            "INSERT INTO pairings (device_id, parent_id, paired_at)
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&device_id, &parent_id, &now],
        )
        .await?;
        tx.commit().await.map_err(from_pg)?;
        Ok(Some(device_id))
    }

    async fn parents_of(&self, device_id: &str) -> StorageResult<Vec<(String, u64)>> {
        let client = self.client().await?;
        let rows = query(
            &client,
            "SELECT parent_id, paired_at FROM pairings WHERE device_id = $1
             ORDER BY paired_at, parent_id COLLATE \"C\"",
            &[&device_id],
        )
        .await?;
        pairings(&rows)
    }

    async fn devices_of(&self, parent_id: &str) -> StorageResult<Vec<(String, u64)>> {
        let client = self.client().await?;
        let rows = query(
            &client,
            "SELECT device_id, paired_at FROM pairings WHERE parent_id = $1
             ORDER BY paired_at, device_id COLLATE \"C\"",
            &[&parent_id],
        )
        .await?;
        pairings(&rows)
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
                  reported_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (device_id) DO UPDATE
             SET lists_version = EXCLUDED.lists_version,
                 lists_out_of_date_since = EXCLUDED.lists_out_of_date_since,
                 lists_unavailable = EXCLUDED.lists_unavailable,
                 reported_at = EXCLUDED.reported_at",
            &[
                &device_id,
                &status.lists_version.map(to_db).transpose()?,
                &status.lists_out_of_date_since.map(to_db).transpose()?,
                &status.lists_unavailable,
                &to_db(status.reported_at)?,
            ],
        )
        .await?;
        Ok(())
    }

    async fn device_status(&self, device_id: &str) -> StorageResult<Option<ReportedDeviceStatus>> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            "SELECT lists_version, lists_out_of_date_since, lists_unavailable, reported_at
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
            })
        })
        .transpose()
    }

    async fn post_message(&self, recipient: &str, message: NewMessage) -> StorageResult<u64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        lock_sequence(&tx, "mailbox", recipient).await?;
        let row = query_opt(
            &tx,
            "INSERT INTO messages (recipient, sender, kind, blob, received_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING seq",
            &[
                &recipient,
                &message.from,
                &message_kind_name(message.kind),
                &message.blob,
                &to_db(message.received_at)?,
            ],
        )
        .await?
        .ok_or_else(|| StorageError::Backend("the message insert returned no seq".to_owned()))?;
        let seq = get_u64(&row, 0)?;
        tx.commit().await.map_err(from_pg)?;
        Ok(seq)
    }

    async fn messages(
        &self,
        recipient: &str,
        after: u64,
        limit: usize,
    ) -> StorageResult<Vec<RelayedMessage>> {
        let client = self.client().await?;
        let rows = query(
            &client,
            "SELECT seq, sender, kind, blob, received_at FROM messages
             WHERE recipient = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[&recipient, &after_db(after), &limit_db(limit)],
        )
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RelayedMessage {
                    seq: get_u64(row, 0)?,
                    from: get(row, 1)?,
                    kind: parse_message_kind(&get::<String>(row, 2)?)?,
                    blob: get(row, 3)?,
                    received_at: get_u64(row, 4)?,
                })
            })
            .collect()
    }

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

    async fn purge(&self, now: u64, retention: Retention) -> StorageResult<Purged> {
        let cutoffs = PurgeCutoffs::at(now, &retention);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        // Destinations and feed items go with their report (ON DELETE CASCADE).
        let reports = execute(
            &tx,
            "DELETE FROM reports r WHERE r.received_at < $1 AND r.received_at <
                CASE WHEN EXISTS (SELECT 1 FROM report_destinations d
                                  WHERE d.report_id = r.id AND d.kind = 'hotline')
                THEN $2 ELSE $1 END",
            &[&to_db(cutoffs.report)?, &to_db(cutoffs.hotline_report)?],
        )
        .await?;
        let messages = execute(
            &tx,
            "DELETE FROM messages WHERE received_at < $1",
            &[&to_db(cutoffs.message)?],
        )
        .await?;
        let idempotency = execute(
            &tx,
            "DELETE FROM idempotency_keys
             WHERE started_at < $1 AND (status IS NOT NULL OR started_at < $2)",
            &[
                &to_db(now.saturating_sub(retention.idempotency_secs))?,
                &to_db(rules::abandoned_before(now))?,
            ],
        )
        .await?;
        let now = to_db(now)?;
        let nonces = execute(&tx, "DELETE FROM nonces WHERE expires_at < $1", &[&now]).await?;
        let codes = execute(
            &tx,
            "DELETE FROM pairing_codes WHERE expires_at < $1",
            &[&now],
        )
        .await?;
        tx.commit().await.map_err(from_pg)?;
        Ok(Purged {
            reports,
            messages,
            other: idempotency + nonces + codes,
        })
    }
}

/// Stores one new report of `device` with its destinations and feed items, or finds it
/// stored. The caller holds the feed locks of every parent destination.
async fn insert_report<C: GenericClient + Sync>(
    tx: &C,
    device: &DeviceRecord,
    new: &NewReport,
    now: u64,
) -> StorageResult<ReportInsert> {
    let report = &new.report;
    let json = serde_json::to_string(report)
        .map_err(|e| StorageError::Backend(format!("a report could not be encoded: {e}")))?;
    for _ in 0..RACE_RETRIES {
        let stored = execute(
            tx,
            "INSERT INTO reports (id, device_id, report_hash, kind, country, received_at, report)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            &[
                &report.id,
                &device.id,
                &&new.report_hash[..],
                &report.kind.as_str(),
                &device.country,
                &to_db(now)?,
                &json,
            ],
        )
        .await?;
        if stored == 1 {
            let destinations = rules::fresh_destinations(new);
            for (position, destination) in destinations.iter().enumerate() {
                let position = i32::try_from(position)
                    .map_err(|_| StorageError::Backend("too many destinations".to_owned()))?;
                execute(
                    tx,
                    "INSERT INTO report_destinations (report_id, position, kind, name, forwarded)
                     VALUES ($1, $2, $3, $4, FALSE)",
                    &[
                        &report.id,
                        &position,
                        &destination_kind_name(destination.kind),
                        &destination.name,
                    ],
                )
                .await?;
                if destination.kind == DestinationKind::Parent {
                    execute(
                        tx,
                        "INSERT INTO feed_items (parent_id, report_id) VALUES ($1, $2)",
                        &[&destination.name, &report.id],
                    )
                    .await?;
                }
            }
            return Ok(ReportInsert::Stored(rules::status(
                report,
                now,
                destinations,
            )));
        }
        let Some(row) = query_opt(
            tx,
            "SELECT device_id, report_hash FROM reports WHERE id = $1",
            &[&report.id],
        )
        .await?
        else {
            // Purged between the insert and the read: store it again.
            continue;
        };
        let stored_device: String = get(&row, 0)?;
        let stored_hash: Vec<u8> = get(&row, 1)?;
        let status = load_statuses(tx, "WHERE r.id = $1", &[&report.id])
            .await?
            .pop()
            .ok_or_else(|| lost_race("a report"))?;
        return Ok(rules::repeated_report(
            &device.id,
            &new.report_hash,
            &stored_device,
            &stored_hash,
            status,
        ));
    }
    Err(lost_race("a report"))
}

/// Takes the transaction lock that orders the seqs of one feed or mailbox.
async fn lock_sequence<C: GenericClient + Sync>(
    tx: &C,
    kind: &str,
    owner: &str,
) -> StorageResult<()> {
    execute(
        tx,
        "SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))",
        &[&kind, &owner],
    )
    .await?;
    Ok(())
}

/// The statuses of the reports `filter` selects (a `WHERE` clause on `reports r`), in the order
/// received.
async fn load_statuses<C: GenericClient + Sync>(
    client: &C,
    filter: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StorageResult<Vec<ReportStatus>> {
    let sql = format!("{STATUS_COLUMNS} {filter} ORDER BY r.seq, d.position");
    let rows = query(client, &sql, params).await?;
    let mut statuses: Vec<ReportStatus> = Vec::new();
    for row in &rows {
        let id: String = get(row, 0)?;
        let destination = match get::<Option<String>>(row, 3)? {
            Some(kind) => Some(Destination {
                kind: parse_destination_kind(&kind)?,
                name: get(row, 4)?,
                forwarded: get(row, 5)?,
            }),
            None => None,
        };
        match statuses.last_mut() {
            Some(status) if status.id == id => status.destinations.extend(destination),
            _ => {
                let kind: String = get(row, 1)?;
                statuses.push(ReportStatus {
                    id,
                    kind: kind
                        .parse::<ReportKind>()
                        .map_err(|_| corrupt("report kind"))?,
                    state: rules::delivery_state(&[]),
                    received_at: get_u64(row, 2)?,
                    destinations: destination.into_iter().collect(),
                });
            }
        }
    }
    for status in &mut statuses {
        status.state = rules::delivery_state(&status.destinations);
    }
    Ok(statuses)
}

fn pairings(rows: &[Row]) -> StorageResult<Vec<(String, u64)>> {
    rows.iter()
        .map(|row| Ok((get(row, 0)?, get_u64(row, 1)?)))
        .collect()
}

fn idempotency_state(row: &Row) -> StorageResult<IdempotencyState> {
    let hash: Vec<u8> = get(row, 0)?;
    let status: Option<i32> = get(row, 2)?;
    let answer = match status {
        Some(status) => Some((
            u16::try_from(status).map_err(|_| corrupt("idempotency status"))?,
            get::<Option<Vec<u8>>>(row, 3)?.unwrap_or_default(),
        )),
        None => None,
    };
    Ok(IdempotencyState {
        body_hash: hash
            .try_into()
            .map_err(|_| corrupt("idempotency body hash"))?,
        started_at: get_u64(row, 1)?,
        answer,
    })
}

fn destination_kind_name(kind: DestinationKind) -> &'static str {
    match kind {
        DestinationKind::Parent => "parent",
        DestinationKind::Hotline => "hotline",
    }
}

fn parse_destination_kind(name: &str) -> StorageResult<DestinationKind> {
    match name {
        "parent" => Ok(DestinationKind::Parent),
        "hotline" => Ok(DestinationKind::Hotline),
        _ => Err(corrupt("destination kind")),
    }
}

fn message_kind_name(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::AccessRequest => "access-request",
        MessageKind::Decision => "decision",
        MessageKind::Command => "command",
    }
}

fn parse_message_kind(name: &str) -> StorageResult<MessageKind> {
    match name {
        "access-request" => Ok(MessageKind::AccessRequest),
        "decision" => Ok(MessageKind::Decision),
        "command" => Ok(MessageKind::Command),
        _ => Err(corrupt("message kind")),
    }
}

async fn query<C: GenericClient + Sync>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StorageResult<Vec<Row>> {
    let statement = client.prepare_cached(sql).await.map_err(from_pg)?;
    client.query(&statement, params).await.map_err(from_pg)
}

async fn query_opt<C: GenericClient + Sync>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StorageResult<Option<Row>> {
    let statement = client.prepare_cached(sql).await.map_err(from_pg)?;
    client.query_opt(&statement, params).await.map_err(from_pg)
}

async fn execute<C: GenericClient + Sync>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StorageResult<u64> {
    let statement = client.prepare_cached(sql).await.map_err(from_pg)?;
    client.execute(&statement, params).await.map_err(from_pg)
}

fn get<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a Row, column: usize) -> StorageResult<T> {
    row.try_get(column).map_err(from_pg)
}

fn get_u64(row: &Row, column: usize) -> StorageResult<u64> {
    u64::try_from(get::<i64>(row, column)?).map_err(|_| corrupt("negative number"))
}

fn get_optional_u64(row: &Row, column: usize) -> StorageResult<Option<u64>> {
    get::<Option<i64>>(row, column)?
        .map(|value| u64::try_from(value).map_err(|_| corrupt("negative number")))
        .transpose()
}

fn public_key(row: &Row, column: usize) -> StorageResult<PublicKey> {
    let bytes: Vec<u8> = get(row, column)?;
    Ok(PublicKey(
        bytes.try_into().map_err(|_| corrupt("public key"))?,
    ))
}

fn report_json(row: &Row, column: usize) -> StorageResult<UploadedReport> {
    let json: String = get(row, column)?;
    // serde's message can quote the report, so it is not passed on.
    serde_json::from_str(&json).map_err(|_| corrupt("report"))
}

/// `value` as a `BIGINT`. Times and versions above `i64::MAX` cannot be stored.
fn to_db(value: u64) -> StorageResult<i64> {
    i64::try_from(value).map_err(|_| {
        StorageError::Backend(format!("{value} is above what PostgreSQL's BIGINT holds"))
    })
}

/// A seq bound: nothing is stored above `i64::MAX`, so a larger one means "after everything".
fn after_db(after: u64) -> i64 {
    i64::try_from(after).unwrap_or(i64::MAX)
}

fn limit_db(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(format!("a stored {what} is not valid"))
}

fn lost_race(what: &str) -> StorageError {
    StorageError::Backend(format!(
        "{what} kept changing under concurrent requests; try again"
    ))
}

/// The storage error for a database error: its SQLSTATE and message, never its detail, which
/// can quote the values of a row.
fn from_pg(e: tokio_postgres::Error) -> StorageError {
    match e.as_db_error() {
        Some(db) => StorageError::Backend(format!(
            "database error {}: {}",
            db.code().code(),
            db.message()
        )),
        None => StorageError::Backend(format!("database error: {e}")),
    }
}
