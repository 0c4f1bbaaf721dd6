//! `POST /v1/devices` and `POST /v1/parents`: a key becomes a principal. A device pays with a
//! one-use activation token the operator minted, or names the child's line its carrier added
//! (no token then: the line is the entitlement); a parent needs no token, since it can see
//! nothing until a child's device pairs with it. Each client address may register only
//! [`MAX_PARENT_REGISTRATIONS_PER_ADDRESS`](crate::limits::MAX_PARENT_REGISTRATIONS_PER_ADDRESS)
//! parents and
//! [`MAX_LINE_REGISTRATIONS_PER_ADDRESS`](crate::limits::MAX_LINE_REGISTRATIONS_PER_ADDRESS)
//! devices naming a line an hour, so that nobody can mint keys by the thousand to spread
//! pairing guesses over, nor walk through phone numbers to find children's lines.
//!
//! A line that already has a device and is named by a new key moves to it: the app's data was
//! wiped and the phone came back with a fresh key. The old device's last signed snapshot and key
//! stay with the line for the new device to take back what tightens, and the line waits for the
//! carrier's profile for the new device.

use axum::Json;
use axum::extract::State;
use axum::http::{Extensions, StatusCode};
use childsafe_crypto as crypto;
use childsafe_protocol::request_signing::{PrincipalKind, key_id, verify_registration_proof};
use childsafe_protocol::wire::{DeviceRegistration, ParentRegistration, Registered};

use crate::admission::ClientAddress;
use crate::attempts::AttemptWindow;
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::state::AppState;
use crate::storage::{
    DeviceRecord, DeviceRegistered, LineRegistration, ParentRecord, PreviousDevice,
};

/// How many times a registration is tried again when the line's device changed between reading
/// it and binding the new one (two phones registering on one line at once).
const LINE_RACE_RETRIES: usize = 3;

/// Registers a child's device.
pub(crate) async fn register_device(
    State(state): State<AppState>,
    extensions: Extensions,
    JsonBody(registration): JsonBody<DeviceRegistration>,
) -> ApiResult<(StatusCode, Json<Registered>)> {
    let country = &registration.country;
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ApiError::bad_request(
            "bad_country",
            "country must be an ISO 3166-1 alpha-2 code in upper case, e.g. GB",
        ));
    }
    if !verify_registration_proof(
        &registration.public_key,
        PrincipalKind::Device,
        &registration.activation_token,
        registration.line.as_deref(),
        &registration.proof,
    ) {
        return Err(ApiError::bad_request(
            "bad_proof",
            "proof must be the key's signature of the registration message with this token and line",
        ));
    }
    if registration.line.is_some() {
        return register_on_line(&state, &extensions, registration).await;
    }
    let id = key_id(&registration.public_key);
    let device = DeviceRecord {
        id: id.clone(),
        public_key: registration.public_key,
        country: registration.country,
        registered_at: clock::unix_now(),
    };
    let token_hash = crypto::sha256_of_parts(&[registration.activation_token.as_bytes()]);
    match state.storage.register_device(token_hash, device).await? {
        DeviceRegistered::Registered => Ok((
            StatusCode::CREATED,
            Json(Registered {
                id,
                line_handle: None,
            }),
        )),
        DeviceRegistered::TokenRefused => Err(ApiError::unauthorized(
            "token_refused",
            "the activation token is unknown or already used",
        )),
        DeviceRegistered::AlreadyRegistered => Err(already_registered()),
    }
}

/// Registers a parent app; registering the same key again answers 200 with the same id. Every
/// attempt with a valid proof counts against the client's address.
pub(crate) async fn register_parent(
    State(state): State<AppState>,
    extensions: Extensions,
    JsonBody(registration): JsonBody<ParentRegistration>,
) -> ApiResult<(StatusCode, Json<Registered>)> {
    if !verify_registration_proof(
        &registration.public_key,
        PrincipalKind::Parent,
        "",
        None,
        &registration.proof,
    ) {
        return Err(ApiError::bad_request(
            "bad_proof",
            "proof must be the key's signature of the parent registration message",
        ));
    }
    count_registration(&state.parent_registrations, &extensions, "parents")?;
    let id = key_id(&registration.public_key);
    let parent = ParentRecord {
        id: id.clone(),
        public_key: registration.public_key,
        registered_at: clock::unix_now(),
    };
    let status = if state.storage.register_parent(parent).await? {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(Registered {
            id,
            line_handle: None,
        }),
    ))
}

/// Registers a device naming a child's line (the proof, already checked, covers the line): the
/// line must exist and not be deactivated, else 404 `line_unknown` and no device is created. The
/// token, if any, is not used.
async fn register_on_line(
    state: &AppState,
    extensions: &Extensions,
    registration: DeviceRegistration,
) -> ApiResult<(StatusCode, Json<Registered>)> {
    count_registration(&state.line_registrations, extensions, "devices on a line")?;
    let line = registration.line.as_deref().unwrap_or_default();
    let handle = state.line_key.handle_of(line)?;
    let id = key_id(&registration.public_key);
    let device = DeviceRecord {
        id: id.clone(),
        public_key: registration.public_key,
        country: registration.country,
        registered_at: clock::unix_now(),
    };
    for _ in 0..LINE_RACE_RETRIES {
        let Some(current) = state.storage.line(&handle).await? else {
            return Err(line_unknown());
        };
        let seen = current.device_id;
        let previous = match &seen {
            Some(earlier) if *earlier != id => previous_device(state, earlier).await?,
            _ => None,
        };
        let registered = state
            .storage
            .register_line_device(device.clone(), &handle, seen, previous)
            .await?;
        match registered {
            LineRegistration::Registered(line) => {
                return Ok((
                    StatusCode::CREATED,
                    Json(Registered {
                        id,
                        line_handle: Some(line.handle),
                    }),
                ));
            }
            LineRegistration::LineUnknown => return Err(line_unknown()),
            LineRegistration::AlreadyRegistered => return Err(already_registered()),
            LineRegistration::Raced => {}
        }
    }
    Err(ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "line_busy",
        "the line's device kept changing; try again",
    ))
}

/// What the line keeps of the device it had: its key and its last signed snapshot.
async fn previous_device(state: &AppState, device_id: &str) -> ApiResult<Option<PreviousDevice>> {
    let Some(device) = state.storage.device(device_id).await? else {
        return Ok(None);
    };
    let snapshot = state
        .storage
        .device_status(device_id)
        .await?
        .and_then(|status| status.snapshot);
    Ok(Some(PreviousDevice {
        device_id: device.id,
        public_key: device.public_key,
        snapshot,
    }))
}

/// Counts a registration against the client's address in `window`; 429 once used up.
fn count_registration(
    window: &AttemptWindow<ClientAddress>,
    extensions: &Extensions,
    what: &str,
) -> ApiResult<()> {
    // Every request through the server's accept loop carries its address.
    let address = extensions
        .get::<ClientAddress>()
        .ok_or_else(|| ApiError::internal("a request without its client address"))?;
    if !window.try_record(address, clock::unix_now()) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_registrations",
            format!("too many {what} registered from this address; wait an hour"),
        ));
    }
    Ok(())
}

fn line_unknown() -> ApiError {
    ApiError::not_found(
        "line_unknown",
        "no child's line is known by this identifier",
    )
}

fn already_registered() -> ApiError {
    ApiError::conflict(
        "already_registered",
        "a device with this key is already registered",
    )
}
