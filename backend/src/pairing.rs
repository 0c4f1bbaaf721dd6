//! Pairing a parent with a child's device: the device asks for a short code, the parent types it
//! into their app, and from then on each sees the other's key and can relay to it.
//!
//! Codes are 8 random digits and work once, for the server's `pairing_code_ttl_secs` (ten
//! minutes unless configured). A parent that guesses wrong
//! [`MAX_PAIRING_FAILURES`](crate::limits::MAX_PAIRING_FAILURES) times waits out the window
//! before trying again, so codes cannot be swept in their lifetime. That count is kept per
//! server process, in an [`AttemptWindow`](crate::attempts::AttemptWindow): replicas each
//! allow their own.
//!
//! A short code pairs at once, so whoever claims it first is paired; the invites of
//! [`pairing_invites`](crate::pairing_invites) pair only once the phone confirms. The codes stay
//! while phones still use them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use childsafe_crypto as crypto;
use childsafe_protocol::wire::{PairedPeer, PairedPeers, PairingClaim, PairingCode};

use crate::auth::{DeviceCaller, ParentCaller};
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::extract::json_body;
use crate::limits::PAIRING_CODE_DIGITS;
use crate::state::AppState;

/// 10^[`PAIRING_CODE_DIGITS`]: codes are drawn below it.
const PAIRING_CODE_SPACE: u64 = 100_000_000;
/// Fresh codes tried when one drawn is in use, before giving up.
const PAIRING_CODE_ATTEMPTS: usize = 8;

/// `POST /v1/device/pairing-codes`.
pub(crate) async fn create_code(
    State(state): State<AppState>,
    caller: DeviceCaller,
) -> ApiResult<(StatusCode, Json<PairingCode>)> {
    let expires_at = clock::unix_now().saturating_add(state.pairing_code_ttl_secs);
    for _ in 0..PAIRING_CODE_ATTEMPTS {
        let random = crypto::random_bytes::<8>()
            .map_err(|_| ApiError::internal("no randomness for a pairing code"))?;
        // 2^64 is so far above 10^8 that the modulo's bias is below one in 10^11.
        let code = format!(
            "{:0width$}",
            u64::from_le_bytes(random) % PAIRING_CODE_SPACE,
            width = PAIRING_CODE_DIGITS
        );
        if state
            .storage
            .create_pairing_code(&code, &caller.device.id, expires_at)
            .await?
        {
            return Ok((StatusCode::CREATED, Json(PairingCode { code, expires_at })));
        }
    }
    Err(ApiError::internal("every pairing code drawn was in use"))
}

/// `POST /v1/parent/pairings`: 404 alike for a wrong, used or expired code.
pub(crate) async fn claim(
    State(state): State<AppState>,
    caller: ParentCaller,
) -> ApiResult<Json<PairedPeer>> {
    let claim: PairingClaim = json_body(&caller.headers, &caller.body)?;
    let parent_id = &caller.parent.id;
    let now = clock::unix_now();
    if state.pairing_attempts.is_used_up(parent_id, now) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_pairing_attempts",
            "too many wrong pairing codes; wait ten minutes",
        ));
    }
    let well_formed =
        claim.code.len() == PAIRING_CODE_DIGITS && claim.code.bytes().all(|b| b.is_ascii_digit());
    let device_id = if well_formed {
        state
            .storage
            .claim_pairing_code(&claim.code, parent_id, now)
            .await?
    } else {
        None
    };
    let Some(device_id) = device_id else {
        state.pairing_attempts.record(parent_id, now);
        return Err(ApiError::not_found(
            "pairing_code_unknown",
            "no such pairing code, or it expired or was used",
        ));
    };
    let device = state
        .storage
        .device(&device_id)
        .await?
        .ok_or_else(|| ApiError::internal("a pairing code named a missing device"))?;
    Ok(Json(PairedPeer {
        id: device.id,
        public_key: device.public_key,
        paired_at: now,
        status: None,
    }))
}

/// `GET /v1/device/parents`.
pub(crate) async fn parents_of_device(
    State(state): State<AppState>,
    caller: DeviceCaller,
) -> ApiResult<Json<PairedPeers>> {
    let mut peers = Vec::new();
    for (id, paired_at) in state.storage.parents_of(&caller.device.id).await? {
        if let Some(parent) = state.storage.parent(&id).await? {
            peers.push(PairedPeer {
                id,
                public_key: parent.public_key,
                paired_at,
                status: None,
            });
        }
    }
    Ok(Json(PairedPeers { peers }))
}

/// `GET /v1/parent/devices`: each paired device with the status it last reported.
pub(crate) async fn devices_of_parent(
    State(state): State<AppState>,
    caller: ParentCaller,
) -> ApiResult<Json<PairedPeers>> {
    let mut peers = Vec::new();
    for (id, paired_at) in state.storage.devices_of(&caller.parent.id).await? {
        if let Some(device) = state.storage.device(&id).await? {
            let status = state.storage.device_status(&id).await?;
            peers.push(PairedPeer {
                id,
                public_key: device.public_key,
                paired_at,
                status,
            });
        }
    }
    Ok(Json(PairedPeers { peers }))
}
