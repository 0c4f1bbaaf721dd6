//! What a device needs to trust this server's clock: `GET /v1/server` publishes the time key,
//! and `POST /v1/device/time` answers a device's challenge with the server's time, signed.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use childsafe_protocol::server_time::SignedServerTime;
use childsafe_protocol::wire::{ServerInfo, TimeRequest};

use crate::auth::DeviceCaller;
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::extract::json_body;
use crate::limits::MAX_CHALLENGE_CHARS;
use crate::state::AppState;

/// The protocol version this server speaks.
pub(crate) const PROTOCOL_VERSION: u32 = 1;

/// `GET /v1/server`.
pub(crate) async fn info(State(state): State<AppState>) -> Json<ServerInfo> {
    Json(ServerInfo {
        time_key: state.time_key.public_key(),
        protocol: PROTOCOL_VERSION,
    })
}

/// `POST /v1/device/time`: the signed envelope is the body.
pub(crate) async fn signed_time(
    State(state): State<AppState>,
    caller: DeviceCaller,
) -> ApiResult<Response> {
    let request: TimeRequest = json_body(&caller.headers, &caller.body)?;
    if request.challenge.is_empty() || request.challenge.len() > MAX_CHALLENGE_CHARS {
        return Err(ApiError::bad_request(
            "bad_challenge",
            format!("the challenge must be 1 to {MAX_CHALLENGE_CHARS} characters"),
        ));
    }
    let envelope = SignedServerTime {
        unix_secs: clock::unix_now(),
        device_id: caller.device.id,
        challenge: request.challenge,
    }
    .sign(&state.time_key)
    .map_err(|_| ApiError::internal("the server time did not sign"))?;
    let mut response = Response::new(Body::from(envelope));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}
