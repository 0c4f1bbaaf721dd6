//! `POST /v1/devices` and `POST /v1/parents`: a key becomes a principal. A device pays with a
//! one-use activation token the operator minted; a parent needs no token, since it can see
//! nothing until a child's device pairs with it, but each client address may register only
//! [`MAX_PARENT_REGISTRATIONS_PER_ADDRESS`](crate::limits::MAX_PARENT_REGISTRATIONS_PER_ADDRESS)
//! parents an hour, so that nobody can mint keys by the
//! thousand to spread pairing guesses over.

use axum::Json;
use axum::extract::State;
use axum::http::{Extensions, StatusCode};
use childsafe_crypto as crypto;
use childsafe_protocol::request_signing::{PrincipalKind, key_id, verify_registration_proof};
use childsafe_protocol::wire::{DeviceRegistration, ParentRegistration, Registered};

use crate::admission::ClientAddress;
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::state::AppState;
use crate::storage::{DeviceRecord, DeviceRegistered, ParentRecord};

/// Registers a child's device.
pub(crate) async fn register_device(
    State(state): State<AppState>,
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
        &registration.proof,
    ) {
        return Err(ApiError::bad_request(
            "bad_proof",
            "proof must be the key's signature of the registration message with this token",
        ));
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
        DeviceRegistered::AlreadyRegistered => Err(ApiError::conflict(
            "already_registered",
            "a device with this key is already registered",
        )),
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
        &registration.proof,
    ) {
        return Err(ApiError::bad_request(
            "bad_proof",
            "proof must be the key's signature of the parent registration message",
        ));
    }
    // Every request through the server's accept loop carries its address.
    let address = extensions
        .get::<ClientAddress>()
        .ok_or_else(|| ApiError::internal("a request without its client address"))?;
    if !state
        .parent_registrations
        .try_record(address, clock::unix_now())
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_registrations",
            "too many parents registered from this address; wait an hour",
        ));
    }
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
