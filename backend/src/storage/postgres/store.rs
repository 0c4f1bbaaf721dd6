//! [`PostgresStorage`] itself: the connection pool, and the schema created at connect.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use super::schema::SCHEMA;
use super::sql::from_pg;
use crate::storage::error::{StorageError, StorageResult};

/// Most connections one server process keeps open to the database.
pub const POOL_SIZE: usize = 16;

/// How long opening a connection may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The advisory lock held while the schema is created, so that replicas starting together do
/// not race on `CREATE TABLE IF NOT EXISTS` (which is not safe against itself).
const SCHEMA_LOCK: i64 = 0x6368_696c_6473_6166;

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

    pub(super) async fn client(&self) -> StorageResult<deadpool_postgres::Object> {
        self.pool
            .get()
            .await
            .map_err(|e| StorageError::Backend(format!("no database connection: {e}")))
    }
}
