//! The relay between a child's device and its paired parents. Blobs are documents their sender
//! signed end to end (access requests and command receipts from the phone; decisions and parent
//! commands from a parent): the server checks only
//! their size and who may send which kind to whom, and never reads a meaning into them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_protocol::request_signing::PrincipalKind;
use childsafe_protocol::wire::{
    Mailbox, MessageKind, OutgoingMessage, ParentEvent, Relayed, RelayedMessage,
};

use crate::auth::{DeviceCaller, ParentCaller};
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Page, PathParam, json_body};
use crate::limits::MAX_BLOB_BYTES;
use crate::paired_pages::paired_page;
use crate::state::AppState;
use crate::storage::NewMessage;

/// `POST /v1/device/messages`: an access request, or a command receipt, to every paired
/// parent; each is told on its live stream.
pub(crate) async fn device_sends(
    State(state): State<AppState>,
    caller: DeviceCaller,
) -> ApiResult<(StatusCode, Json<Relayed>)> {
    let message = checked_message(
        &caller.headers,
        &caller.body,
        &[MessageKind::AccessRequest, MessageKind::Receipt],
    )?;
    let parents = state.storage.parents_of(&caller.device.id).await?;
    if parents.is_empty() {
        return Err(ApiError::conflict(
            "not_paired",
            "this device has no paired parent to send to",
        ));
    }
    let now = clock::unix_now();
    let mut first_seq = None;
    for (parent_id, _) in parents {
        let seq = state
            .storage
            .post_message(
                &format!("parent:{parent_id}"),
                NewMessage {
                    from: caller.principal(),
                    kind: message.kind,
                    blob: message.blob.clone(),
                    received_at: now,
                },
            )
            .await?;
        first_seq.get_or_insert(seq);
        state.events.publish(
            &parent_id,
            &ParentEvent::Message {
                device_id: caller.device.id.clone(),
                seq,
                kind: message.kind,
            },
        );
    }
    let seq = first_seq.unwrap_or_default();
    Ok((StatusCode::CREATED, Json(Relayed { seq })))
}

/// `POST /v1/parent/devices/{device_id}/messages`: a decision or command to a paired device.
pub(crate) async fn parent_sends(
    State(state): State<AppState>,
    PathParam(device_id): PathParam,
    caller: ParentCaller,
) -> ApiResult<(StatusCode, Json<Relayed>)> {
    let message = checked_message(
        &caller.headers,
        &caller.body,
        &[MessageKind::Decision, MessageKind::Command],
    )?;
    let paired = state
        .storage
        .devices_of(&caller.parent.id)
        .await?
        .iter()
        .any(|(id, _)| *id == device_id);
    if !paired {
        // The same answer as for a device that does not exist, so nothing leaks about others.
        return Err(ApiError::not_found(
            "device_unknown",
            "no device with this id is paired with you",
        ));
    }
    let seq = state
        .storage
        .post_message(
            &format!("device:{device_id}"),
            NewMessage {
                from: caller.principal(),
                kind: message.kind,
                blob: message.blob,
                received_at: clock::unix_now(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Relayed { seq })))
}

/// `GET /v1/device/messages`.
pub(crate) async fn device_reads(
    State(state): State<AppState>,
    page: Page,
    caller: DeviceCaller,
) -> ApiResult<Json<Mailbox>> {
    let messages = state
        .storage
        .messages(&caller.principal(), page.after, page.limit)
        .await?;
    Ok(Json(Mailbox { messages }))
}

/// `GET /v1/parent/messages`: what the devices still paired with the parent sent.
pub(crate) async fn parent_reads(
    State(state): State<AppState>,
    page: Page,
    caller: ParentCaller,
) -> ApiResult<Json<Mailbox>> {
    let principal = caller.principal();
    let messages = paired_page(
        &state,
        &caller.parent.id,
        page,
        |after| state.storage.messages(&principal, after, page.limit),
        |message| message.seq,
        kept_to_paired,
    )
    .await?;
    Ok(Json(Mailbox { messages }))
}

/// The device whose pairing a mailbox message stays readable under: its sender, except for a
/// command receipt, which stays readable after the pairing ends. A receipt only answers a
/// command the parent sent, and the command that ends a pairing (the owner's release, or a
/// parent removing itself) has its receipt sent just before the statement that unpairs: hidden,
/// that parent would never learn that its command was applied.
fn kept_to_paired(message: &RelayedMessage) -> Option<&str> {
    if message.kind == MessageKind::Receipt {
        None
    } else {
        sending_device(message)
    }
}

/// The device that sent `message`, if a device did (`device:ID`).
fn sending_device(message: &RelayedMessage) -> Option<&str> {
    message
        .from
        .strip_prefix(PrincipalKind::Device.as_str())?
        .strip_prefix(':')
}

/// Parses an outgoing message and checks its kind and blob.
fn checked_message(
    headers: &axum::http::HeaderMap,
    body: &[u8],
    allowed: &[MessageKind],
) -> ApiResult<OutgoingMessage> {
    let message: OutgoingMessage = json_body(headers, body)?;
    if !allowed.contains(&message.kind) {
        return Err(ApiError::bad_request(
            "wrong_message_kind",
            "devices send access-request or receipt; parents send decision or command",
        ));
    }
    let decoded = URL_SAFE_NO_PAD
        .decode(&message.blob)
        .map_err(|_| ApiError::bad_request("bad_blob", "blob must be unpadded base64url"))?;
    if decoded.is_empty() || decoded.len() > MAX_BLOB_BYTES {
        return Err(ApiError::bad_request(
            "bad_blob",
            format!("blob must hold 1 to {MAX_BLOB_BYTES} bytes"),
        ));
    }
    Ok(message)
}
