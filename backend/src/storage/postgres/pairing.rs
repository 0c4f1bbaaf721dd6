//! [`PairingStore`] in PostgreSQL: a code is used up with `DELETE ... RETURNING` in the
//! transaction that stores the pairing. An invite is one row, its claims a JSON column, read
//! `FOR UPDATE` by the transaction that changes it so that concurrent claims count one by one.

use async_trait::async_trait;
use childsafe_crypto::PublicKey;
use childsafe_protocol::wire::PendingClaim;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::sql::{corrupt, execute, from_pg, get, get_u64, public_key, query, query_opt, to_db};
use super::store::PostgresStorage;
use crate::storage::error::StorageResult;
use crate::storage::pairing::{
    ClaimAdded, OwnerRemoval, PairingInviteRecord, PairingStore, ParentChange, add_claim_to,
};
use childsafe_protocol::pairing::ParentRole;

#[async_trait]
impl PairingStore for PostgresStorage {
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

    async fn open_pairing_invite(
        &self,
        device_id: &str,
        pairing_public_key: PublicKey,
        expires_at: u64,
    ) -> StorageResult<()> {
        let client = self.client().await?;
        execute(
            &client,
            "INSERT INTO pairing_invites
                 (device_id, pairing_public_key, expires_at, wrong_claims, claims)
             VALUES ($1, $2, $3, 0, '[]')
             ON CONFLICT (device_id) DO UPDATE SET
                 pairing_public_key = EXCLUDED.pairing_public_key,
                 expires_at = EXCLUDED.expires_at, wrong_claims = 0, claims = '[]'",
            &[
                &device_id,
                &pairing_public_key.0.as_slice(),
                &to_db(expires_at)?,
            ],
        )
        .await?;
        Ok(())
    }

    async fn pairing_invite(&self, device_id: &str) -> StorageResult<Option<PairingInviteRecord>> {
        let client = self.client().await?;
        invite_of(&client, device_id, "").await
    }

    async fn add_pairing_claim(
        &self,
        device_id: &str,
        claim: PendingClaim,
        now: u64,
    ) -> StorageResult<ClaimAdded> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        let Some(mut invite) = invite_of(&tx, device_id, "FOR UPDATE").await? else {
            return Ok(ClaimAdded::NoLiveInvite);
        };
        let added = add_claim_to(&mut invite, claim, now);
        if added == ClaimAdded::Added {
            let claims =
                serde_json::to_string(&invite.claims).map_err(|_| corrupt("pairing claims"))?;
            execute(
                &tx,
                "UPDATE pairing_invites SET claims = $2 WHERE device_id = $1",
                &[&device_id, &claims],
            )
            .await?;
        }
        tx.commit().await.map_err(from_pg)?;
        Ok(added)
    }

    async fn count_wrong_pairing_claim(&self, device_id: &str) -> StorageResult<u32> {
        let client = self.client().await?;
        let row = query_opt(
            &client,
            "UPDATE pairing_invites SET wrong_claims = wrong_claims + 1
             WHERE device_id = $1 RETURNING wrong_claims",
            &[&device_id],
        )
        .await?;
        row.map_or(Ok(0), |row| {
            u32::try_from(get_u64(&row, 0)?).map_err(|_| corrupt("wrong claim count"))
        })
    }

    async fn apply_parent_statement(
        &self,
        device_id: &str,
        parent_id: &str,
        seq: u64,
        change: ParentChange,
        now: u64,
    ) -> StorageResult<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        let newer = execute(
            &tx,
            "INSERT INTO statement_seqs (device_id, seq) VALUES ($1, $2)
             ON CONFLICT (device_id) DO UPDATE SET seq = EXCLUDED.seq
             WHERE statement_seqs.seq < EXCLUDED.seq",
            &[&device_id, &to_db(seq)?],
        )
        .await?;
        if newer == 0 {
            return Ok(false);
        }
        match change {
            ParentChange::Confirm(role) => {
                pair(&tx, device_id, parent_id, to_db(now)?).await?;
                execute(
                    &tx,
                    "DELETE FROM pairing_invites WHERE device_id = $1",
                    &[&device_id],
                )
                .await?;
                if role == ParentRole::Owner {
                    execute(
                        &tx,
                        "INSERT INTO device_owners (device_id, parent_id) VALUES ($1, $2)
                         ON CONFLICT (device_id) DO UPDATE SET parent_id = EXCLUDED.parent_id",
                        &[&device_id, &parent_id],
                    )
                    .await?;
                }
            }
            ParentChange::Remove => {
                unpair(&tx, device_id, parent_id).await?;
            }
        }
        tx.commit().await.map_err(from_pg)?;
        Ok(true)
    }

    async fn device_owner(&self, device_id: &str) -> StorageResult<Option<String>> {
        let client = self.client().await?;
        query_opt(
            &client,
            "SELECT parent_id FROM device_owners WHERE device_id = $1",
            &[&device_id],
        )
        .await?
        .map(|row| get(&row, 0))
        .transpose()
    }

    async fn remove_parent_as_owner(
        &self,
        device_id: &str,
        owner_id: &str,
        parent_id: &str,
    ) -> StorageResult<OwnerRemoval> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        let owner = query_opt(
            &tx,
            "SELECT parent_id FROM device_owners WHERE device_id = $1 FOR UPDATE",
            &[&device_id],
        )
        .await?;
        let owner: Option<String> = owner.map(|row| get(&row, 0)).transpose()?;
        if owner.as_deref() != Some(owner_id) {
            return Ok(OwnerRemoval::NotOwner);
        }
        if !unpair(&tx, device_id, parent_id).await? {
            return Ok(OwnerRemoval::NotPaired);
        }
        tx.commit().await.map_err(from_pg)?;
        Ok(OwnerRemoval::Removed)
    }
}

/// Unpairs a device and a parent, which stops being the device's owner if it was; whether they
/// were paired.
async fn unpair<C: GenericClient + Sync>(
    client: &C,
    device_id: &str,
    parent_id: &str,
) -> StorageResult<bool> {
    let removed = execute(
        client,
        "DELETE FROM pairings WHERE device_id = $1 AND parent_id = $2",
        &[&device_id, &parent_id],
    )
    .await?;
    execute(
        client,
        "DELETE FROM device_owners WHERE device_id = $1 AND parent_id = $2",
        &[&device_id, &parent_id],
    )
    .await?;
    Ok(removed == 1)
}

/// Pairs a device and a parent; pairing again keeps the time of the first pairing.
async fn pair<C: GenericClient + Sync>(
    client: &C,
    device_id: &str,
    parent_id: &str,
    now: i64,
) -> StorageResult<()> {
    execute(
        client,
        "INSERT INTO pairings (device_id, parent_id, paired_at)
         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        &[&device_id, &parent_id, &now],
    )
    .await?;
    Ok(())
}

/// The device's invite; `lock` is appended to the query (`FOR UPDATE` inside a change).
async fn invite_of<C: GenericClient + Sync>(
    client: &C,
    device_id: &str,
    lock: &str,
) -> StorageResult<Option<PairingInviteRecord>> {
    let sql = format!(
        "SELECT pairing_public_key, expires_at, wrong_claims, claims
         FROM pairing_invites WHERE device_id = $1 {lock}"
    );
    let Some(row) = query_opt(client, &sql, &[&device_id]).await? else {
        return Ok(None);
    };
    let claims: String = get(&row, 3)?;
    Ok(Some(PairingInviteRecord {
        pairing_public_key: public_key(&row, 0)?,
        expires_at: get_u64(&row, 1)?,
        wrong_claims: u32::try_from(get_u64(&row, 2)?).map_err(|_| corrupt("wrong claim count"))?,
        claims: serde_json::from_str(&claims).map_err(|_| corrupt("pairing claims"))?,
    }))
}

fn pairings(rows: &[Row]) -> StorageResult<Vec<(String, u64)>> {
    rows.iter()
        .map(|row| Ok((get(row, 0)?, get_u64(row, 1)?)))
        .collect()
}
