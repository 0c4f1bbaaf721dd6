//! What a device tells its parents about itself: at every sync the phone sends the state of its
//! filter lists and its device-signed status snapshot (`POST /v1/device/status`), the server
//! keeps the latest, and the device's confirmed parents see it in `GET /v1/parent/devices` (and
//! are told on their live streams). A phone whose lists are out of date keeps filtering with
//! them; this is how a parent learns that it has not had new ones. The snapshot is the phone's
//! signed document: the server checks only its size and encoding, and the parent's app verifies
//! it against the device key.

use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_protocol::wire::{DeviceStatus, ParentEvent, ReportedDeviceStatus};

use crate::auth::DeviceCaller;
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::extract::json_body;
use crate::limits::MAX_SNAPSHOT_BYTES;
use crate::state::AppState;

/// `POST /v1/device/status`: keeps the calling device's status, replacing the one before.
pub(crate) async fn report(
    State(state): State<AppState>,
    caller: DeviceCaller,
) -> ApiResult<StatusCode> {
    let status: DeviceStatus = json_body(&caller.headers, &caller.body)?;
    if let Some(snapshot) = &status.snapshot {
        check_snapshot(snapshot)?;
    }
    let reported_at = clock::unix_now();
    let device_id = &caller.device.id;
    state
        .storage
        .put_device_status(device_id, ReportedDeviceStatus::new(status, reported_at))
        .await?;
    let event = ParentEvent::Status {
        device_id: device_id.clone(),
        reported_at,
    };
    for (parent_id, _) in state.storage.parents_of(device_id).await? {
        state.events.publish(&parent_id, &event);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A snapshot must be unpadded base64url of 1 to [`MAX_SNAPSHOT_BYTES`] bytes.
fn check_snapshot(snapshot: &str) -> ApiResult<()> {
    // Four characters carry three bytes: anything longer than this cannot decode small enough,
    // and is refused before decoding it.
    let longest = MAX_SNAPSHOT_BYTES.div_ceil(3) * 4;
    let decoded_len = (snapshot.len() <= longest)
        .then(|| URL_SAFE_NO_PAD.decode(snapshot).ok())
        .flatten()
        .map(|bytes| bytes.len());
    match decoded_len {
        Some(1..=MAX_SNAPSHOT_BYTES) => Ok(()),
        _ => Err(ApiError::bad_request(
            "bad_snapshot",
            format!("snapshot must be unpadded base64url of 1 to {MAX_SNAPSHOT_BYTES} bytes"),
        )),
    }
}
