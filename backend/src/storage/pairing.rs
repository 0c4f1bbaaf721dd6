//! Who is paired with whom: the short-lived codes a device hands out, the pairing invites a
//! device opens and the claims parents make on them, and the pairings themselves.
//! [`PairingStore`] is the part of the storage that keeps them.
//!
//! With an invite, a parent is paired only once the device has confirmed it with a signed
//! statement ([`PairingStore::apply_parent_statement`]); until then its claim is pending and it
//! is sent nothing.

use async_trait::async_trait;
use childsafe_crypto::PublicKey;
use childsafe_protocol::pairing::ParentRole;
use childsafe_protocol::wire::PendingClaim;

use super::error::StorageResult;
use crate::limits::{MAX_PAIRING_CLAIMS, MAX_WRONG_PAIRING_CLAIMS};

/// A device's open pairing invite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairingInviteRecord {
    /// The key that verifies claims.
    pub pairing_public_key: PublicKey,
    /// Unix seconds after which it no longer works.
    pub expires_at: u64,
    /// Claims refused because the pairing key did not sign them, from anyone.
    pub wrong_claims: u32,
    /// The claims that verified, oldest first.
    pub claims: Vec<PendingClaim>,
}

impl PairingInviteRecord {
    /// Whether a claim may still be made on it at `now`.
    pub fn is_live(&self, now: u64) -> bool {
        now <= self.expires_at && self.wrong_claims < MAX_WRONG_PAIRING_CLAIMS
    }
}

/// What [`PairingStore::add_pairing_claim`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimAdded {
    /// The claim is pending (a claim the same parent made before is replaced).
    Added,
    /// The device has no live invite: none, expired, or dead from wrong claims.
    NoLiveInvite,
    /// The invite holds [`MAX_PAIRING_CLAIMS`] claims already.
    Full,
}

/// What a device's signed statement does to one of its parents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParentChange {
    /// Pair them (and close the device's invite); an owner becomes the device's owner.
    Confirm(ParentRole),
    /// Unpair them.
    Remove,
}

/// What [`PairingStore::remove_parent_as_owner`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnerRemoval {
    /// The parent is unpaired.
    Removed,
    /// The caller is not the device's owner (or the device does not exist).
    NotOwner,
    /// The parent is not paired with the device.
    NotPaired,
}

/// Adds `claim` to `invite` if it is live and has room: the rule both stores apply inside their
/// transaction.
pub(crate) fn add_claim_to(
    invite: &mut PairingInviteRecord,
    claim: PendingClaim,
    now: u64,
) -> ClaimAdded {
    if !invite.is_live(now) {
        return ClaimAdded::NoLiveInvite;
    }
    invite
        .claims
        .retain(|earlier| earlier.parent_id != claim.parent_id);
    if invite.claims.len() >= MAX_PAIRING_CLAIMS {
        return ClaimAdded::Full;
    }
    invite.claims.push(claim);
    ClaimAdded::Added
}

/// Pairing invites, their claims, and the pairings the devices confirmed.
#[async_trait]
pub trait PairingStore: Send + Sync + 'static {
    /// The parents paired with a device, with the time of pairing, oldest first.
    async fn parents_of(&self, device_id: &str) -> StorageResult<Vec<(String, u64)>>;

    /// The devices paired with a parent, with the time of pairing, oldest first.
    async fn devices_of(&self, parent_id: &str) -> StorageResult<Vec<(String, u64)>>;

    /// Opens a pairing invite for a device, replacing its earlier one and that one's claims.
    async fn open_pairing_invite(
        &self,
        device_id: &str,
        pairing_public_key: PublicKey,
        expires_at: u64,
    ) -> StorageResult<()>;

    /// The device's invite, live or not, if it has one.
    async fn pairing_invite(&self, device_id: &str) -> StorageResult<Option<PairingInviteRecord>>;

    /// Adds a verified claim to the device's invite, if it is live (checked in the same
    /// transaction as the write).
    async fn add_pairing_claim(
        &self,
        device_id: &str,
        claim: PendingClaim,
        now: u64,
    ) -> StorageResult<ClaimAdded>;

    /// Counts a wrong claim on the device's invite; the count after it (0 with no invite).
    async fn count_wrong_pairing_claim(&self, device_id: &str) -> StorageResult<u32>;

    /// Applies a device's signed statement about a parent, if `seq` is above every statement of
    /// the device applied before; `false` (nothing changed) for an old one. Confirming pairs
    /// them at `now` and closes the device's invite (confirming an owner makes it the device's
    /// owner); removing unpairs them (and the device has no owner if it was the owner).
    async fn apply_parent_statement(
        &self,
        device_id: &str,
        parent_id: &str,
        seq: u64,
        change: ParentChange,
        now: u64,
    ) -> StorageResult<bool>;

    /// The device's owner: the parent its latest statement confirmed as owner, while paired.
    async fn device_owner(&self, device_id: &str) -> StorageResult<Option<String>>;

    /// Unpairs `parent_id` from the device if `owner_id` is the device's owner, checked in the
    /// same write.
    async fn remove_parent_as_owner(
        &self,
        device_id: &str,
        owner_id: &str,
        parent_id: &str,
    ) -> StorageResult<OwnerRemoval>;
}
