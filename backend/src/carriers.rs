//! The carrier's routes and the device's view of its line.
//!
//! The operator admits a carrier with its key (`POST /v1/operator/carriers`); the carrier then
//! signs its requests with that key and sees only its own lines: a line of another carrier is
//! answered exactly like a line that does not exist (404 `line_unknown`), except when adding a
//! line, where the 409 `line_exists` names no owner. Profiles, deactivations, key rotations and
//! safety packs are documents the carrier signed: the server checks each one's signature with
//! the carrier's current key (under the document's own context) and reads from its payload only
//! what it needs to file it; the phone verifies each again with its own key ring. A device reads
//! what its line holds with `GET /v1/device/line`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_crypto::envelope::{self, EnvelopeError};
use childsafe_protocol::carrier::{
    CarrierRegistration, DEACTIVATION_CONTEXT, LineAccepted, LineBinding, LineDocuments,
    LineRequest, LineState, LineSummary, Lines, PROFILE_CONTEXT, PackBinding, PendingActivations,
    SAFETY_PACK_CONTEXT, SignedUpload,
};
use childsafe_protocol::keys::{KeyRotation, ROTATION_CONTEXT};
use serde::de::DeserializeOwned;

use crate::auth::{CarrierCaller, DeviceCaller, Operator};
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, json_body};
use crate::limits::{MAX_CARRIER_ENVELOPE_BYTES, MAX_SAFETY_PACK_BYTES};
use crate::line_handle::checked_settings;
use crate::state::AppState;
use crate::storage::{
    BundlePut, CarrierAdmitted, CarrierRecord, LineChange, LineChanged, LineRecord,
    SafetyPackRecord, SignedForLine,
};

/// Longest carrier id.
const MAX_CARRIER_ID_CHARS: usize = 64;
/// Longest carrier name.
const MAX_CARRIER_NAME_CHARS: usize = 200;

/// `POST /v1/operator/carriers`: admits a carrier (201), or answers 200 when it was admitted
/// with this key before.
pub(crate) async fn register(
    State(state): State<AppState>,
    _operator: Operator,
    JsonBody(registration): JsonBody<CarrierRegistration>,
) -> ApiResult<(StatusCode, Json<CarrierRegistration>)> {
    let id = &registration.carrier_id;
    let id_ok = (1..=MAX_CARRIER_ID_CHARS).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !id_ok {
        return Err(ApiError::bad_request(
            "bad_carrier_id",
            format!("carrier_id must be 1 to {MAX_CARRIER_ID_CHARS} characters of a-z, 0-9 and -"),
        ));
    }
    let name = registration.name.trim();
    if name.is_empty() || name.len() > MAX_CARRIER_NAME_CHARS {
        return Err(ApiError::bad_request(
            "bad_carrier_name",
            format!("name must be 1 to {MAX_CARRIER_NAME_CHARS} bytes"),
        ));
    }
    let record = CarrierRecord {
        id: id.clone(),
        name: name.to_owned(),
        public_key: registration.public_key,
        rotations: Vec::new(),
        safety_pack: None,
        admitted_at: clock::unix_now(),
    };
    let status = match state.storage.admit_carrier(record).await? {
        CarrierAdmitted::Admitted => StatusCode::CREATED,
        CarrierAdmitted::AlreadyAdmitted => StatusCode::OK,
        CarrierAdmitted::Conflict => {
            return Err(ApiError::conflict(
                "carrier_exists",
                "a carrier with this id is admitted with another key",
            ));
        }
    };
    Ok((status, Json(registration)))
}

/// `POST /v1/carrier/lines`: a new child's line of the calling carrier.
pub(crate) async fn add_line(
    State(state): State<AppState>,
    caller: CarrierCaller,
) -> ApiResult<(StatusCode, Json<LineAccepted>)> {
    let request: LineRequest = json_body(&caller.headers, &caller.body)?;
    let settings = checked_settings(&request)?;
    let handle = state.line_key.handle_of(&request.line)?;
    let line = LineRecord {
        handle: handle.clone(),
        carrier_id: caller.carrier.id,
        settings,
        device_id: None,
        previous: None,
        profile: None,
        deactivation: None,
        sequence: 0,
        state: LineState::AwaitingDevice,
        added_at: clock::unix_now(),
    };
    if !state.storage.add_line(line).await? {
        return Err(ApiError::conflict(
            "line_exists",
            "this line is already a child's line",
        ));
    }
    Ok((
        StatusCode::CREATED,
        Json(LineAccepted {
            line_handle: handle,
        }),
    ))
}

/// `POST /v1/carrier/line-updates`: new settings for one of the caller's lines. A line whose
/// device has a profile waits for a new one, with a sequence above the stored one.
pub(crate) async fn update_line(
    State(state): State<AppState>,
    caller: CarrierCaller,
) -> ApiResult<Json<LineAccepted>> {
    let request: LineRequest = json_body(&caller.headers, &caller.body)?;
    let settings = checked_settings(&request)?;
    let handle = state.line_key.handle_of(&request.line)?;
    let changed = state
        .storage
        .change_line(&handle, &caller.carrier.id, LineChange::Settings(settings))
        .await?;
    changed_line(changed)?;
    Ok(Json(LineAccepted {
        line_handle: handle,
    }))
}

/// `GET /v1/carrier/lines`: the caller's lines, oldest first.
pub(crate) async fn list_lines(
    State(state): State<AppState>,
    caller: CarrierCaller,
) -> ApiResult<Json<Lines>> {
    let lines = state.storage.lines_of(&caller.carrier.id).await?;
    Ok(Json(Lines {
        lines: lines.iter().map(LineRecord::summary).collect(),
    }))
}

/// `GET /v1/carrier/activations`: the caller's lines whose device waits for a profile.
pub(crate) async fn pending_activations(
    State(state): State<AppState>,
    caller: CarrierCaller,
) -> ApiResult<Json<PendingActivations>> {
    let lines = state.storage.lines_of(&caller.carrier.id).await?;
    Ok(Json(PendingActivations {
        activations: lines.iter().filter_map(LineRecord::pending).collect(),
    }))
}

/// `POST /v1/carrier/profiles`: an activation profile the caller signed for one of its lines'
/// device.
pub(crate) async fn upload_profile(
    State(state): State<AppState>,
    caller: CarrierCaller,
) -> ApiResult<Json<LineSummary>> {
    file_for_line(&state, &caller, PROFILE_CONTEXT, LineChange::Profile).await
}

/// `POST /v1/carrier/line-deactivations`: the caller's signed deactivation of one of its lines.
pub(crate) async fn deactivate_line(
    State(state): State<AppState>,
    caller: CarrierCaller,
) -> ApiResult<Json<LineSummary>> {
    file_for_line(
        &state,
        &caller,
        DEACTIVATION_CONTEXT,
        LineChange::Deactivation,
    )
    .await
}

/// `POST /v1/carrier/key-rotations`: the caller's move to a new key, signed with its current
/// one. The new key signs its requests from then on; phones learn of it through their line.
pub(crate) async fn rotate_key(
    State(state): State<AppState>,
    caller: CarrierCaller,
) -> ApiResult<StatusCode> {
    let (rotation, envelope): (KeyRotation, String) =
        signed_upload(&caller, ROTATION_CONTEXT, MAX_CARRIER_ENVELOPE_BYTES)?;
    same_carrier(&rotation.carrier, &caller)?;
    if rotation.old_key != caller.carrier.public_key {
        return Err(stale_rotation());
    }
    if rotation.new_key == rotation.old_key {
        return Err(ApiError::bad_request(
            "bad_rotation",
            "the new key must differ from the old one",
        ));
    }
    let rotated = state
        .storage
        .rotate_carrier_key(
            &caller.carrier.id,
            rotation.old_key,
            rotation.new_key,
            envelope,
        )
        .await?;
    if !rotated {
        return Err(stale_rotation());
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/carrier/safety-packs`: the caller's signed safety-information pack, kept if its
/// version is above the one held.
pub(crate) async fn upload_safety_pack(
    State(state): State<AppState>,
    caller: CarrierCaller,
) -> ApiResult<StatusCode> {
    let (binding, envelope): (PackBinding, String) =
        signed_upload(&caller, SAFETY_PACK_CONTEXT, MAX_SAFETY_PACK_BYTES)?;
    same_carrier(&binding.carrier, &caller)?;
    let pack = SafetyPackRecord {
        version: binding.version,
        envelope,
    };
    match state
        .storage
        .put_safety_pack(&caller.carrier.id, pack)
        .await?
    {
        BundlePut::Stored => Ok(StatusCode::NO_CONTENT),
        BundlePut::NotNewer { current } => Err(ApiError::conflict(
            "version_not_newer",
            format!("pack versions only grow: the stored version is {current}"),
        )),
    }
}

/// `GET /v1/device/line`: what the calling device's line holds for it; everything empty for a
/// device that registered without a line (or whose line moved to another device).
pub(crate) async fn line_documents(
    State(state): State<AppState>,
    caller: DeviceCaller,
) -> ApiResult<Json<LineDocuments>> {
    let Some(line) = state.storage.line_of_device(&caller.device.id).await? else {
        return Ok(Json(LineDocuments::default()));
    };
    if line.device_id.as_deref() != Some(caller.device.id.as_str()) {
        return Ok(Json(LineDocuments::default()));
    }
    let carrier = state.storage.carrier(&line.carrier_id).await?;
    let (key_rotations, safety_pack) = carrier.map_or((Vec::new(), None), |carrier| {
        (
            carrier.rotations,
            carrier.safety_pack.map(|pack| pack.envelope),
        )
    });
    let (previous_snapshot, previous_device_key) = line.previous.map_or((None, None), |previous| {
        (previous.snapshot, Some(previous.public_key))
    });
    Ok(Json(LineDocuments {
        line_handle: Some(line.handle),
        profile: line.profile,
        deactivation: line.deactivation,
        key_rotations,
        previous_snapshot,
        previous_device_key,
        safety_pack,
    }))
}

/// Files a profile or a deactivation: its signature checked with the caller's current key under
/// `context`, its binding read, and the line changed only if the binding names the caller, one
/// of its lines, that line's device and a sequence above the line's.
async fn file_for_line(
    state: &AppState,
    caller: &CarrierCaller,
    context: &[u8],
    change: fn(SignedForLine) -> LineChange,
) -> ApiResult<Json<LineSummary>> {
    let (binding, envelope): (LineBinding, String) =
        signed_upload(caller, context, MAX_CARRIER_ENVELOPE_BYTES)?;
    same_carrier(&binding.carrier, caller)?;
    let signed = SignedForLine {
        device_id: binding.device_id,
        sequence: binding.sequence,
        envelope,
    };
    let changed = state
        .storage
        .change_line(&binding.line, &caller.carrier.id, change(signed))
        .await?;
    Ok(Json(changed_line(changed)?.summary()))
}

/// The line a change left, or the refusal it earned.
fn changed_line(changed: LineChanged) -> ApiResult<LineRecord> {
    match changed {
        LineChanged::Changed(line) => Ok(*line),
        LineChanged::Unknown => Err(ApiError::not_found(
            "line_unknown",
            "none of your lines has this handle",
        )),
        LineChanged::WrongDevice => Err(ApiError::conflict(
            "wrong_device",
            "the document names another device than the line's",
        )),
        LineChanged::NotNewer { current } => Err(ApiError::conflict(
            "sequence_not_newer",
            format!("the line's sequence is {current}; sign the next one above it"),
        )),
        LineChanged::Deactivated => Err(ApiError::conflict(
            "line_deactivated",
            "the line is deactivated; send its settings again first",
        )),
    }
}

/// The document in the caller's [`SignedUpload`], opened with the caller's current key under
/// `context`, with the envelope as uploaded.
fn signed_upload<T: DeserializeOwned>(
    caller: &CarrierCaller,
    context: &[u8],
    max_bytes: usize,
) -> ApiResult<(T, String)> {
    let upload: SignedUpload = json_body(&caller.headers, &caller.body)?;
    let bad_envelope = |why: &str| {
        ApiError::bad_request(
            "bad_envelope",
            format!(
                "envelope must be a signed envelope of up to {max_bytes} bytes in unpadded base64url: {why}"
            ),
        )
    };
    // Four characters carry three bytes: anything longer cannot decode small enough.
    if upload.envelope.len() > max_bytes.div_ceil(3) * 4 {
        return Err(bad_envelope("too large"));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(&upload.envelope)
        .map_err(|_| bad_envelope("not base64url"))?;
    match envelope::open(&bytes, context, &[caller.carrier.public_key], max_bytes) {
        Ok((document, _)) => Ok((document, upload.envelope)),
        Err(EnvelopeError::Malformed(why)) => Err(bad_envelope(why)),
        Err(EnvelopeError::BadSignature) => Err(ApiError::bad_request(
            "wrong_signer",
            "the document is not signed by your current key for this kind of document",
        )),
    }
}

fn same_carrier(named: &str, caller: &CarrierCaller) -> ApiResult<()> {
    if named != caller.carrier.id {
        return Err(ApiError::bad_request(
            "wrong_carrier",
            "the document names another carrier",
        ));
    }
    Ok(())
}

fn stale_rotation() -> ApiError {
    ApiError::conflict(
        "stale_rotation",
        "the rotation's old key is not your current key",
    )
}
