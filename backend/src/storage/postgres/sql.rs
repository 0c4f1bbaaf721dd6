//! Running SQL and reading rows: prepared statements, column conversions to the storage's
//! types, the lock that orders feed and mailbox seqs, and the storage errors of database
//! failures (which never quote a row).

use childsafe_crypto::PublicKey;
use childsafe_protocol::report::UploadedReport;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::storage::error::{StorageError, StorageResult};

/// How many times a change that lost a race with another replica (a row it saw as taken was
/// released before it could read it) is tried again before giving up.
pub(super) const RACE_RETRIES: usize = 3;

/// Takes the transaction lock that orders the seqs of one feed or mailbox.
pub(super) async fn lock_sequence<C: GenericClient + Sync>(
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

pub(super) async fn query<C: GenericClient + Sync>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StorageResult<Vec<Row>> {
    let statement = client.prepare_cached(sql).await.map_err(from_pg)?;
    client.query(&statement, params).await.map_err(from_pg)
}

pub(super) async fn query_opt<C: GenericClient + Sync>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StorageResult<Option<Row>> {
    let statement = client.prepare_cached(sql).await.map_err(from_pg)?;
    client.query_opt(&statement, params).await.map_err(from_pg)
}

pub(super) async fn execute<C: GenericClient + Sync>(
    client: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StorageResult<u64> {
    let statement = client.prepare_cached(sql).await.map_err(from_pg)?;
    client.execute(&statement, params).await.map_err(from_pg)
}

pub(super) fn get<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a Row,
    column: usize,
) -> StorageResult<T> {
    row.try_get(column).map_err(from_pg)
}

pub(super) fn get_u64(row: &Row, column: usize) -> StorageResult<u64> {
    u64::try_from(get::<i64>(row, column)?).map_err(|_| corrupt("negative number"))
}

pub(super) fn get_optional_u64(row: &Row, column: usize) -> StorageResult<Option<u64>> {
    get::<Option<i64>>(row, column)?
        .map(|value| u64::try_from(value).map_err(|_| corrupt("negative number")))
        .transpose()
}

pub(super) fn public_key(row: &Row, column: usize) -> StorageResult<PublicKey> {
    let bytes: Vec<u8> = get(row, column)?;
    Ok(PublicKey(
        bytes.try_into().map_err(|_| corrupt("public key"))?,
    ))
}

pub(super) fn report_json(row: &Row, column: usize) -> StorageResult<UploadedReport> {
    let json: String = get(row, column)?;
    // serde's message can quote the report, so it is not passed on.
    serde_json::from_str(&json).map_err(|_| corrupt("report"))
}

/// `value` as a `BIGINT`. Times and versions above `i64::MAX` cannot be stored.
pub(super) fn to_db(value: u64) -> StorageResult<i64> {
    i64::try_from(value).map_err(|_| {
        StorageError::Backend(format!("{value} is above what PostgreSQL's BIGINT holds"))
    })
}

/// A seq bound: nothing is stored above `i64::MAX`, so a larger one means "after everything".
pub(super) fn after_db(after: u64) -> i64 {
    i64::try_from(after).unwrap_or(i64::MAX)
}

pub(super) fn limit_db(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

pub(super) fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(format!("a stored {what} is not valid"))
}

pub(super) fn lost_race(what: &str) -> StorageError {
    StorageError::Backend(format!(
        "{what} kept changing under concurrent requests; try again"
    ))
}

/// The storage error for a database error: its SQLSTATE and message, never its detail, which
/// can quote the values of a row.
pub(super) fn from_pg(e: tokio_postgres::Error) -> StorageError {
    match e.as_db_error() {
        Some(db) => StorageError::Backend(format!(
            "database error {}: {}",
            db.code().code(),
            db.message()
        )),
        None => StorageError::Backend(format!("database error: {e}")),
    }
}
