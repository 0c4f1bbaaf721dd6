//! Pairing that the relay cannot hijack (see `childsafe_protocol::pairing`): the device opens an
//! invite with the public half of a key derived from a secret this server never sees, a parent
//! claims it with that key's signature, and the device, having checked the claim and the
//! confirmation code itself, confirms the parent with a device-signed statement. Only then is
//! the parent paired and sent reports.
//!
//! The order of the checks on a claim:
//! 1. the claim names the calling parent's own key (else 400, not counted);
//! 2. the device has a live invite: not expired, and fewer than
//!    [`MAX_WRONG_PAIRING_CLAIMS`] wrong claims on it (else 404, the same for every reason,
//!    which also answers an invite already holding
//!    [`MAX_PAIRING_CLAIMS`](crate::limits::MAX_PAIRING_CLAIMS) claims);
//! 3. the invite's pairing key signed the claim (else 403, counted against the invite, from
//!    whoever sent it);
//! 4. the claim is stored as pending, still only on a live invite (checked again in the write).
//!
//! A parent leaves by the device's `ParentRemoved` statement, or at once by its owner (the parent
//! the device confirmed as owner) through [`remove_as_owner`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_protocol::pairing::{ParentStatement, verify_claim};
use childsafe_protocol::request_signing::key_id;
use childsafe_protocol::wire::{
    ClaimedDevice, PairingInvite, PairingInviteOpened, ParentClaim, ParentRemoval, PendingClaim,
    PendingClaims, SignedParentStatement, StatementApplied,
};

use crate::auth::{DeviceCaller, ParentCaller};
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::extract::{PathParam, json_body};
use crate::limits::{MAX_PAIRING_INVITE_SECS, MAX_WRONG_PAIRING_CLAIMS};
use crate::state::AppState;
use crate::storage::{ClaimAdded, OwnerRemoval, ParentChange};

/// `POST /v1/device/pairing-invites`: opens (or replaces) the device's invite.
pub(crate) async fn open(
    State(state): State<AppState>,
    caller: DeviceCaller,
) -> ApiResult<(StatusCode, Json<PairingInviteOpened>)> {
    let invite: PairingInvite = json_body(&caller.headers, &caller.body)?;
    let now = clock::unix_now();
    if invite.expires_at <= now {
        return Err(ApiError::bad_request(
            "invite_expired",
            "expires_at must be in the future",
        ));
    }
    let expires_at = invite
        .expires_at
        .min(now.saturating_add(MAX_PAIRING_INVITE_SECS));
    state
        .storage
        .open_pairing_invite(&caller.device.id, invite.pairing_public_key, expires_at)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(PairingInviteOpened { expires_at }),
    ))
}

/// `POST /v1/parent/pairing-claims`: a parent claims a device's invite; pending until the device
/// confirms it.
pub(crate) async fn claim(
    State(state): State<AppState>,
    caller: ParentCaller,
) -> ApiResult<(StatusCode, Json<ClaimedDevice>)> {
    let claim: ParentClaim = json_body(&caller.headers, &caller.body)?;
    if claim.parent_public_key != caller.parent.public_key {
        return Err(ApiError::bad_request(
            "wrong_parent_key",
            "parent_public_key must be the key this request is signed with",
        ));
    }
    let now = clock::unix_now();
    let invite = state.storage.pairing_invite(&claim.device_id).await?;
    let Some(invite) = invite.filter(|invite| invite.is_live(now)) else {
        return Err(no_live_invite());
    };
    if !verify_claim(
        &invite.pairing_public_key,
        &claim.device_id,
        &claim.parent_public_key,
        &claim.claim_signature,
    ) {
        state
            .storage
            .count_wrong_pairing_claim(&claim.device_id)
            .await?;
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "bad_claim",
            "the claim is not signed with this invite's pairing key",
        ));
    }
    let device = state
        .storage
        .device(&claim.device_id)
        .await?
        .ok_or_else(|| ApiError::internal("a pairing invite named a missing device"))?;
    let pending = PendingClaim {
        parent_id: caller.parent.id.clone(),
        parent_public_key: claim.parent_public_key,
        claim_signature: claim.claim_signature,
        claimed_at: now,
    };
    match state
        .storage
        .add_pairing_claim(&claim.device_id, pending, now)
        .await?
    {
        ClaimAdded::Added => Ok((
            StatusCode::ACCEPTED,
            Json(ClaimedDevice {
                device_id: device.id,
                device_public_key: device.public_key,
            }),
        )),
        // An invite that many hold the secret of is no use: the phone refuses more than one
        // claim anyway, so a full invite answers like a closed one.
        ClaimAdded::NoLiveInvite | ClaimAdded::Full => Err(no_live_invite()),
    }
}

/// `GET /v1/device/pairing-claims`: the claims on the device's invite, for the device to check
/// and confirm.
pub(crate) async fn claims(
    State(state): State<AppState>,
    caller: DeviceCaller,
) -> ApiResult<Json<PendingClaims>> {
    let claims = state
        .storage
        .pairing_invite(&caller.device.id)
        .await?
        .map(|invite| invite.claims)
        .unwrap_or_default();
    Ok(Json(PendingClaims { claims }))
}

/// `POST /v1/device/parent-statements`: the device confirms or removes a parent, in a statement
/// signed with its own key (the request signature alone is not kept, the statement is).
pub(crate) async fn statement(
    State(state): State<AppState>,
    caller: DeviceCaller,
) -> ApiResult<Json<StatementApplied>> {
    let body: SignedParentStatement = json_body(&caller.headers, &caller.body)?;
    let bad_statement = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "bad_statement",
            "the statement is not signed by this device, or names another device",
        )
    };
    let sealed = URL_SAFE_NO_PAD
        .decode(&body.statement)
        .map_err(|_| bad_statement())?;
    let statement =
        ParentStatement::open(&sealed, &caller.device.public_key).map_err(|_| bad_statement())?;
    let parent_id = key_id(statement.parent_public_key());
    if state.storage.parent(&parent_id).await?.is_none() {
        return Err(ApiError::not_found(
            "parent_unknown",
            "no parent is registered with this key",
        ));
    }
    let change = match statement {
        ParentStatement::ParentConfirmed { role, .. } => ParentChange::Confirm(role),
        ParentStatement::ParentRemoved { .. } => ParentChange::Remove,
    };
    let seq = statement.seq();
    let applied = state
        .storage
        .apply_parent_statement(
            &caller.device.id,
            &parent_id,
            seq,
            change,
            clock::unix_now(),
        )
        .await?;
    if !applied {
        return Err(ApiError::conflict(
            "stale_statement",
            "the device has sent a statement with this seq or a later one",
        ));
    }
    if change == ParentChange::Remove {
        state.events.end_streams(&parent_id);
    }
    Ok(Json(StatementApplied { seq }))
}

/// `POST /v1/parent/devices/{device_id}/parent-removals`: the device's owner unpairs another of
/// its parents. Anyone else gets the answer a device they are not paired with gives.
pub(crate) async fn remove_as_owner(
    State(state): State<AppState>,
    PathParam(device_id): PathParam,
    caller: ParentCaller,
) -> ApiResult<StatusCode> {
    let removal: ParentRemoval = json_body(&caller.headers, &caller.body)?;
    let parent_id = key_id(&removal.parent_public_key);
    if parent_id == caller.parent.id {
        return Err(ApiError::bad_request(
            "cannot_remove_self",
            "an owner cannot remove itself; the phone can, with its PIN",
        ));
    }
    match state
        .storage
        .remove_parent_as_owner(&device_id, &caller.parent.id, &parent_id)
        .await?
    {
        OwnerRemoval::Removed => {
            state.events.end_streams(&parent_id);
            Ok(StatusCode::NO_CONTENT)
        }
        OwnerRemoval::NotOwner => Err(ApiError::not_found(
            "device_unknown",
            "no device with this id has you as its owner",
        )),
        OwnerRemoval::NotPaired => Err(ApiError::not_found(
            "parent_unknown",
            "no parent with this key is paired with the device",
        )),
    }
}

fn no_live_invite() -> ApiError {
    ApiError::not_found(
        "pairing_invite_unknown",
        format!(
            "this device has no open pairing invite (none, expired, or closed after \
             {MAX_WRONG_PAIRING_CLAIMS} wrong claims)"
        ),
    )
}
