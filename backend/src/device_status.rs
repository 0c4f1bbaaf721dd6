//! What a device tells its parents about itself: at every sync the phone sends the state of its
//! filter lists (`POST /v1/device/status`), the server keeps the latest, and the device's paired
//! parents see it in `GET /v1/parent/devices`. A phone whose lists are out of date keeps
//! filtering with them; this is how a parent learns that it has not had new ones.

use axum::extract::State;
use axum::http::StatusCode;
use childsafe_protocol::wire::{DeviceStatus, ReportedDeviceStatus};

use crate::auth::DeviceCaller;
use crate::clock;
use crate::error::ApiResult;
use crate::extract::json_body;
use crate::state::AppState;

/// `POST /v1/device/status`: keeps the calling device's status, replacing the one before.
pub(crate) async fn report(
    State(state): State<AppState>,
    caller: DeviceCaller,
) -> ApiResult<StatusCode> {
    let status: DeviceStatus = json_body(&caller.headers, &caller.body)?;
    state
        .storage
        .put_device_status(
            &caller.device.id,
            ReportedDeviceStatus::new(status, clock::unix_now()),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
