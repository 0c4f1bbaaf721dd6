//! [`PairingStore`] in sled: pairing codes, invites (one value per device, its claims inside, so
//! that counting a wrong claim and adding a claim each rewrite one value in one transaction), and
//! each pairing kept twice (under the device and under the parent) so that either side's list is
//! one prefix scan.

use async_trait::async_trait;
use childsafe_crypto::PublicKey;
use childsafe_protocol::wire::PendingClaim;
use sled::Tree;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::keys::{be_u64, owned_key, owner_prefix};
use super::schema::{TxResult, TxTrees, from_sled};
use super::store::SledStorage;
use super::values::{InviteValue, from_json, to_json};
use crate::storage::error::{StorageError, StorageResult};
use crate::storage::pairing::{
    ClaimAdded, OwnerRemoval, PairingInviteRecord, PairingStore, ParentChange, add_claim_to,
};
use childsafe_protocol::pairing::ParentRole;

#[async_trait]
impl PairingStore for SledStorage {
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

    async fn open_pairing_invite(
        &self,
        device_id: &str,
        pairing_public_key: PublicKey,
        expires_at: u64,
    ) -> StorageResult<()> {
        let device_id = device_id.to_owned();
        let value = to_json(&InviteValue {
            pairing_public_key,
            expires_at,
            wrong_claims: 0,
            claims: Vec::new(),
        })?;
        self.write(move |tx| {
            tx.pairing_invites
                .insert(device_id.as_bytes(), value.as_slice())?;
            Ok(())
        })
        .await
    }

    async fn pairing_invite(&self, device_id: &str) -> StorageResult<Option<PairingInviteRecord>> {
        let device_id = device_id.to_owned();
        self.read(move |t| {
            t.pairing_invites
                .get(device_id.as_bytes())
                .map_err(from_sled)?
                .map(|bytes| from_json::<InviteValue>(&bytes, "pairing invite").map(Into::into))
                .transpose()
        })
        .await
    }

    async fn add_pairing_claim(
        &self,
        device_id: &str,
        claim: PendingClaim,
        now: u64,
    ) -> StorageResult<ClaimAdded> {
        let device_id = device_id.to_owned();
        self.write(move |tx| {
            let Some(mut invite) = invite_in(tx.pairing_invites, &device_id)? else {
                return Ok(ClaimAdded::NoLiveInvite);
            };
            let added = add_claim_to(&mut invite, claim.clone(), now);
            if added == ClaimAdded::Added {
                store_invite(tx.pairing_invites, &device_id, invite)?;
            }
            Ok(added)
        })
        .await
    }

    async fn count_wrong_pairing_claim(&self, device_id: &str) -> StorageResult<u32> {
        let device_id = device_id.to_owned();
        self.write(move |tx| {
            let Some(mut invite) = invite_in(tx.pairing_invites, &device_id)? else {
                return Ok(0);
            };
            invite.wrong_claims = invite.wrong_claims.saturating_add(1);
            let count = invite.wrong_claims;
            store_invite(tx.pairing_invites, &device_id, invite)?;
            Ok(count)
        })
        .await
    }

    async fn apply_parent_statement(
        &self,
        device_id: &str,
        parent_id: &str,
        seq: u64,
        change: ParentChange,
        now: u64,
    ) -> StorageResult<bool> {
        let device_id = device_id.to_owned();
        let parent_id = parent_id.to_owned();
        self.write(move |tx| {
            if let Some(latest) = tx.statement_seqs.get(device_id.as_bytes())? {
                let latest = be_u64(&latest, "statement seq")
                    .map_err(ConflictableTransactionError::Abort)?;
                if seq <= latest {
                    return Ok(false);
                }
            }
            tx.statement_seqs
                .insert(device_id.as_bytes(), &seq.to_be_bytes()[..])?;
            match change {
                ParentChange::Confirm(role) => {
                    pair(tx, &device_id, &parent_id, now)?;
                    tx.pairing_invites.remove(device_id.as_bytes())?;
                    if role == ParentRole::Owner {
                        tx.device_owners
                            .insert(device_id.as_bytes(), parent_id.as_bytes())?;
                    }
                }
                ParentChange::Remove => unpair(tx, &device_id, &parent_id)?,
            }
            Ok(true)
        })
        .await
    }

    async fn device_owner(&self, device_id: &str) -> StorageResult<Option<String>> {
        let device_id = device_id.to_owned();
        self.read(move |t| {
            t.device_owners
                .get(device_id.as_bytes())
                .map_err(from_sled)?
                .map(|id| {
                    String::from_utf8(id.to_vec())
                        .map_err(|_| StorageError::Corrupt("an owner id is not text".to_owned()))
                })
                .transpose()
        })
        .await
    }

    async fn remove_parent_as_owner(
        &self,
        device_id: &str,
        owner_id: &str,
        parent_id: &str,
    ) -> StorageResult<OwnerRemoval> {
        let (device_id, owner_id, parent_id) = (
            device_id.to_owned(),
            owner_id.to_owned(),
            parent_id.to_owned(),
        );
        self.write(move |tx| {
            let owner = tx.device_owners.get(device_id.as_bytes())?;
            if owner.as_deref() != Some(owner_id.as_bytes()) {
                return Ok(OwnerRemoval::NotOwner);
            }
            let device_side = owned_key(&device_id, parent_id.as_bytes());
            if tx.device_parents.get(&device_side)?.is_none() {
                return Ok(OwnerRemoval::NotPaired);
            }
            unpair(tx, &device_id, &parent_id)?;
            Ok(OwnerRemoval::Removed)
        })
        .await
    }
}

/// Unpairs a device and a parent, which stops being the device's owner if it was.
fn unpair(tx: &TxTrees<'_>, device_id: &str, parent_id: &str) -> TxResult<()> {
    tx.device_parents
        .remove(owned_key(device_id, parent_id.as_bytes()))?;
    tx.parent_devices
        .remove(owned_key(parent_id, device_id.as_bytes()))?;
    if tx.device_owners.get(device_id.as_bytes())?.as_deref() == Some(parent_id.as_bytes()) {
        tx.device_owners.remove(device_id.as_bytes())?;
    }
    Ok(())
}

/// Pairs a device and a parent; pairing again keeps the time of the first pairing.
fn pair(tx: &TxTrees<'_>, device_id: &str, parent_id: &str, now: u64) -> TxResult<()> {
    let device_side = owned_key(device_id, parent_id.as_bytes());
    if tx.device_parents.get(&device_side)?.is_none() {
        let paired_at = &now.to_be_bytes()[..];
        tx.device_parents.insert(device_side, paired_at)?;
        tx.parent_devices
            .insert(owned_key(parent_id, device_id.as_bytes()), paired_at)?;
    }
    Ok(())
}

/// The device's invite inside a transaction.
fn invite_in(tree: &TransactionalTree, device_id: &str) -> TxResult<Option<PairingInviteRecord>> {
    let Some(bytes) = tree.get(device_id.as_bytes())? else {
        return Ok(None);
    };
    let value: InviteValue =
        from_json(&bytes, "pairing invite").map_err(ConflictableTransactionError::Abort)?;
    Ok(Some(value.into()))
}

/// Writes the device's invite inside a transaction.
fn store_invite(
    tree: &TransactionalTree,
    device_id: &str,
    invite: PairingInviteRecord,
) -> TxResult<()> {
    let value = to_json(&InviteValue::from(invite)).map_err(ConflictableTransactionError::Abort)?;
    tree.insert(device_id.as_bytes(), value)?;
    Ok(())
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
