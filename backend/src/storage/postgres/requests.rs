//! [`RequestStore`] in PostgreSQL: nonces and idempotency keys claimed with
//! `INSERT ... ON CONFLICT DO NOTHING` and read back, so that replicas agree.

use async_trait::async_trait;
use tokio_postgres::Row;

use super::sql::{
    RACE_RETRIES, corrupt, execute, from_pg, get, get_u64, lost_race, query_opt, to_db,
};
use super::store::PostgresStorage;
use crate::storage::error::StorageResult;
use crate::storage::requests::{IdempotencyBegin, RequestStore};
use crate::storage::rules::{self, IdempotencyDecision, IdempotencyState};

#[async_trait]
impl RequestStore for PostgresStorage {
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
