//! The phone's side of pairing over the network, and the documents it owes the backend.
//!
//! The relay's word counts for nothing here: every claim it hands over is checked against the
//! invite's own pairing key ([`valid_claimants`]), and a claim that does not verify is ignored.
//! An invite with more than one valid claimant is abandoned, since more than one person holds its
//! secret and the phone cannot tell which one stands next to it.
//!
//! What the phone owes (statements about its parents, receipts for commands) leaves in the order
//! it was made ([`send_owed`]); a network failure stops there and the rest waits for the next
//! sync, while a document the backend refuses for good is dropped so that it cannot hold up the
//! ones behind it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::client::{SyncClient, SyncError};
use crate::crypto::{PublicKey, SigningKey};
use crate::protocol::pairing::{ParentRole, verify_claim};
use crate::protocol::request_signing::key_id;
use crate::protocol::wire::{
    MessageKind, OutgoingMessage, PairingInvite, PendingClaim, SignedParentStatement,
};
use crate::settings::{InviteOrigin, Owed, SafeMode, SafeModeError};
use crate::store::Store;
use crate::time::{ClockReading, trusted_now};

/// Why an exchange about pairing or owed documents failed.
#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    /// The backend could not be reached or refused.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// Safe mode or its store refused or failed.
    #[error(transparent)]
    SafeMode(#[from] SafeModeError),
    /// A document could not be signed.
    #[error("a document for the backend could not be signed")]
    Signing,
}

/// The claims on an invite, sorted by the phone itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claimants {
    /// The distinct parent keys whose claims the pairing key signed, in the order first seen.
    pub valid: Vec<PublicKey>,
    /// Claims that did not verify: unsigned, signed by another key, or moved to another parent.
    pub ignored: usize,
}

/// Sorts `claims` on `device_id`'s invite by whether `pairing_public_key` signed them.
pub fn valid_claimants(
    claims: &[PendingClaim],
    pairing_public_key: &PublicKey,
    device_id: &str,
) -> Claimants {
    let mut sorted = Claimants::default();
    for claim in claims {
        if verify_claim(
            pairing_public_key,
            device_id,
            &claim.parent_public_key,
            &claim.claim_signature,
        ) {
            if !sorted.valid.contains(&claim.parent_public_key) {
                sorted.valid.push(claim.parent_public_key);
            }
        } else {
            sorted.ignored += 1;
        }
    }
    sorted
}

/// Reads the claims on this device's invite and sorts them.
pub async fn read_claimants(
    client: &SyncClient,
    device_key: &SigningKey,
    pairing_public_key: &PublicKey,
) -> Result<Claimants, SyncError> {
    let claims = client.pairing_claims(device_key).await?;
    Ok(valid_claimants(
        &claims.claims,
        pairing_public_key,
        &key_id(&device_key.public_key()),
    ))
}

/// Registers an invite with the backend; the expiry the backend keeps.
pub async fn register_invite(
    client: &SyncClient,
    device_key: &SigningKey,
    pairing_public_key: PublicKey,
    expires_at: u64,
) -> Result<u64, SyncError> {
    let opened = client
        .open_pairing_invite(
            device_key,
            &PairingInvite {
                pairing_public_key,
                expires_at,
            },
        )
        .await?;
    Ok(opened.expires_at)
}

/// What became of an invite the owner opened, at one sync.
#[derive(Debug, PartialEq, Eq)]
pub enum OwnerInviteNews {
    /// The one valid claimant was enrolled as a member.
    Enrolled(PublicKey),
    /// More than one parent claimed it: abandoned, no one enrolled.
    Abandoned,
    /// It expired before a claim: abandoned.
    Expired,
    /// Waiting for a claim.
    Waiting {
        /// Claims that did not verify and were ignored.
        ignored: usize,
    },
}

/// Moves an invite the owner opened one step on: registers it with the backend if it is not
/// yet, then enrols its one valid claimant on the owner's word, or abandons it if more than one
/// parent claimed it or it expired. `None` when no owner's invite is open.
pub async fn settle_owner_invite<S: Store>(
    safe_mode: &SafeMode<S>,
    client: &SyncClient,
    device_key: &SigningKey,
    clock: ClockReading,
) -> Result<Option<OwnerInviteNews>, InviteError> {
    let Some(invite) = safe_mode.open_invite()? else {
        return Ok(None);
    };
    let InviteOrigin::Owner {
        pairing_public_key, ..
    } = invite.origin
    else {
        return Ok(None);
    };
    let now = trusted_now(safe_mode.store(), clock).map_err(SafeModeError::from)?;
    if now.unix_secs() >= invite.expires_at {
        safe_mode.abandon_invite(&pairing_public_key, "expired", clock)?;
        return Ok(Some(OwnerInviteNews::Expired));
    }
    if !invite.registered {
        register_invite(client, device_key, pairing_public_key, invite.expires_at).await?;
        safe_mode.invite_registered(&pairing_public_key)?;
    }
    let claimants = read_claimants(client, device_key, &pairing_public_key).await?;
    Ok(Some(match claimants.valid.as_slice() {
        [] => OwnerInviteNews::Waiting {
            ignored: claimants.ignored,
        },
        [member] => {
            let role = safe_mode.enrol_invited_parent(*member, &pairing_public_key, None, clock)?;
            debug_assert_eq!(role, ParentRole::Member);
            OwnerInviteNews::Enrolled(*member)
        }
        _ => {
            safe_mode.abandon_invite(
                &pairing_public_key,
                "claimed by more than one parent",
                clock,
            )?;
            OwnerInviteNews::Abandoned
        }
    }))
}

/// What [`send_owed`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct OwedSent {
    /// Documents the backend took.
    pub sent: usize,
    /// Documents the backend refused for good, dropped.
    pub dropped: usize,
}

/// Sends what the phone owes the backend, oldest first, each signed with the device key now.
/// A network failure stops here and keeps the rest for the next sync.
pub async fn send_owed<S: Store>(
    safe_mode: &SafeMode<S>,
    client: &SyncClient,
    device_key: &SigningKey,
) -> Result<OwedSent, InviteError> {
    let mut done = OwedSent::default();
    for owed in safe_mode.owed()? {
        let sent = match &owed {
            Owed::Statement(statement) => {
                let sealed = statement
                    .seal(device_key)
                    .map_err(|_| InviteError::Signing)?;
                let body = SignedParentStatement {
                    statement: URL_SAFE_NO_PAD.encode(sealed),
                };
                match client.send_parent_statement(device_key, &body).await {
                    // The backend already holds this statement or a later one.
                    Err(SyncError::Refused { status: 409, .. }) => Ok(()),
                    other => other.map(drop),
                }
            }
            Owed::Receipt(receipt) => {
                let signed = receipt.sign(device_key).map_err(|_| InviteError::Signing)?;
                let message = OutgoingMessage {
                    kind: MessageKind::Receipt,
                    blob: URL_SAFE_NO_PAD.encode(signed),
                };
                client.send_message(device_key, &message).await.map(drop)
            }
        };
        match sent {
            Ok(()) => done.sent += 1,
            Err(error) if error.is_retryable() => return Err(error.into()),
            Err(_) => done.dropped += 1,
        }
        safe_mode.owed_settled(&owed)?;
    }
    Ok(done)
}
