//! What a parent's app sees of its children: each device that confirmed the parent (see
//! [`pairing_invites`](crate::pairing_invites)), with its key and the status it last reported.

use axum::Json;
use axum::extract::State;
use childsafe_protocol::wire::{PairedPeer, PairedPeers};

use crate::auth::ParentCaller;
use crate::error::ApiResult;
use crate::state::AppState;

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
