//! Report endpoints: the device's idempotent upload, its status reads, and the parent's feed.
//!
//! An upload is checked whole before anything is stored: the JSON, every report's rules, the
//! batch size, and ids that clash with reports this device sent before. Only then does it take
//! the `Idempotency-Key`, store each report with its routing, and record the answer that every
//! retry with the same key and body gets again.

use std::collections::HashMap;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use childsafe_crypto as crypto;
use childsafe_protocol::report::{ReportKind, UploadedReport};
use childsafe_protocol::wire::{
    Feed, FeedItem, MAX_REPORTS_PER_BATCH, ParentEvent, ReportBatch, ReportReceipts, ReportStatus,
    ReportStatuses,
};

use crate::auth::{DeviceCaller, ParentCaller};
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Page, PathParam, json_body};
use crate::limits::MAX_IDEMPOTENCY_KEY_CHARS;
use crate::paired_pages::paired_page;
use crate::routing;
use crate::state::AppState;
use crate::storage::{FeedPlacement, IdempotencyBegin, NewReport, ReportInsert};

/// `POST /v1/device/reports`.
pub(crate) async fn upload(
    State(state): State<AppState>,
    caller: DeviceCaller,
) -> ApiResult<Response> {
    let key = idempotency_key(caller.idempotency_key.as_deref())?.to_owned();
    let batch: ReportBatch = json_body(&caller.headers, &caller.body)?;
    let reports = checked_reports(batch)?;
    // A phone can lose its connection at any moment, and hyper then drops this handler at its
    // next await. From taking the key to recording the answer the work runs on its own task, so
    // a hang-up can never leave the key held (every retry refused with 409 until it went stale)
    // or the answer unrecorded.
    tokio::spawn(ingest(state, caller, key, reports))
        .await
        .map_err(|_| ApiError::internal("the ingest task stopped"))?
}

/// Takes the `Idempotency-Key`, stores the reports and records the answer.
async fn ingest(
    state: AppState,
    caller: DeviceCaller,
    key: String,
    reports: Vec<NewReportDraft>,
) -> ApiResult<Response> {
    let key = key.as_str();
    let body_hash = crypto::sha256_of_parts(&[&caller.body]);
    let device_id = &caller.device.id;
    let now = clock::unix_now();
    match state
        .storage
        .begin_idempotent(device_id, key, body_hash, now)
        .await?
    {
        IdempotencyBegin::Started => {}
        IdempotencyBegin::Replay { status, body } => {
            let status = StatusCode::from_u16(status)
                .map_err(|_| ApiError::internal("a stored idempotent answer has a bad status"))?;
            return Ok(json_response(status, body));
        }
        IdempotencyBegin::Mismatch => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was used with another body; use a new key",
            ));
        }
        IdempotencyBegin::InProgress => {
            return Err(ApiError::conflict(
                "request_in_progress",
                "a request with this Idempotency-Key is still running; retry later",
            ));
        }
    }
    match store(&state, &caller, reports, now).await {
        Ok(answer) => {
            let (status, body) = match &answer {
                Ok(receipts) => (StatusCode::OK, serde_json::to_vec(receipts)),
                Err(refusal) => (refusal.status(), serde_json::to_vec(&refusal.body())),
            };
            let body = body.map_err(|_| ApiError::internal("an answer did not serialise"))?;
            state
                .storage
                .finish_idempotent(device_id, key, status.as_u16(), &body)
                .await?;
            Ok(json_response(status, body))
        }
        Err(error) => {
            // A failure is not an answer: release the key so that the device's retry runs again.
            if let Err(abandon) = state.storage.abandon_idempotent(device_id, key).await {
                return Err(abandon.into());
            }
            Err(error)
        }
    }
}

/// `GET /v1/device/reports`.
pub(crate) async fn statuses(
    State(state): State<AppState>,
    caller: DeviceCaller,
) -> ApiResult<Json<ReportStatuses>> {
    let reports = state.storage.report_statuses(&caller.device.id).await?;
    Ok(Json(ReportStatuses { reports }))
}

/// `GET /v1/device/reports/{report_id}`: 404 also for another device's report.
pub(crate) async fn status(
    State(state): State<AppState>,
    PathParam(report_id): PathParam,
    caller: DeviceCaller,
) -> ApiResult<Json<ReportStatus>> {
    state
        .storage
        .report_status(&caller.device.id, &report_id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("report_unknown", "this device sent no such report"))
}

/// `GET /v1/parent/feed`: reports of the parent's paired devices, in order.
pub(crate) async fn feed(
    State(state): State<AppState>,
    page: Page,
    caller: ParentCaller,
) -> ApiResult<Json<Feed>> {
    let parent_id = &caller.parent.id;
    let items = paired_page(
        &state,
        parent_id,
        page,
        |after| state.storage.feed(parent_id, after, page.limit),
        |item| item.seq,
        reporting_device,
    )
    .await?;
    Ok(Json(Feed { items }))
}

/// The device whose report a feed item is.
fn reporting_device(item: &FeedItem) -> Option<&str> {
    Some(&item.device_id)
}

/// Routes and stores the reports. The outer error is a failure (the key is released); the
/// inner one a refusal (recorded, so a retry gets it again).
async fn store(
    state: &AppState,
    caller: &DeviceCaller,
    reports: Vec<NewReportDraft>,
    now: u64,
) -> ApiResult<Result<ReportReceipts, ApiError>> {
    let device = &caller.device;
    let parents: Vec<String> = state
        .storage
        .parents_of(&device.id)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    // Ids this device sent before go first: storing them changes nothing whatever the outcome,
    // so a clash with an earlier report is refused before any new report is written.
    let mut known = Vec::new();
    let mut new = Vec::new();
    for (index, draft) in reports.into_iter().enumerate() {
        let report = NewReport {
            destinations: routing::destinations(&draft.report, &device.country, &parents),
            report: draft.report,
            report_hash: draft.hash,
        };
        if state
            .storage
            .report_status(&device.id, &report.report.id)
            .await?
            .is_some()
        {
            known.push((index, report));
        } else {
            new.push((index, report));
        }
    }
    let mut receipts: Vec<(usize, ReportStatus)> = Vec::new();
    // Reports stored now, with their places in the parents' feeds, for the live events.
    let mut fresh: Vec<(UploadedReport, Vec<FeedPlacement>)> = Vec::new();
    for group in [known, new] {
        let (indexes, group): (Vec<usize>, Vec<NewReport>) = group.into_iter().unzip();
        if group.is_empty() {
            continue;
        }
        let uploaded: Vec<UploadedReport> = group.iter().map(|new| new.report.clone()).collect();
        let outcomes = state.storage.insert_reports(device, group, now).await?;
        if outcomes.len() != indexes.len() {
            return Err(ApiError::internal(
                "storage returned the wrong number of outcomes",
            ));
        }
        for ((index, outcome), report) in indexes.into_iter().zip(outcomes).zip(uploaded) {
            match outcome {
                ReportInsert::Stored(status, placements) => {
                    receipts.push((index, status));
                    fresh.push((report, placements));
                }
                ReportInsert::Existing(status) => receipts.push((index, status)),
                ReportInsert::Conflict => {
                    announce(state, &device.id, now, fresh);
                    return Ok(Err(id_conflict(index)));
                }
            }
        }
    }
    announce(state, &device.id, now, fresh);
    receipts.sort_by_key(|(index, _)| *index);
    Ok(Ok(ReportReceipts {
        receipts: receipts.into_iter().map(|(_, status)| status).collect(),
    }))
}

/// Tells each parent about the reports just put in its feed, SOS first, so that an SOS does not
/// wait behind the rest of its batch in a slow stream's buffer.
fn announce(
    state: &AppState,
    device_id: &str,
    received_at: u64,
    mut fresh: Vec<(UploadedReport, Vec<FeedPlacement>)>,
) {
    // A stable sort: the order of the batch is kept within SOS and within the rest.
    fresh.sort_by_key(|(report, _)| report.kind != ReportKind::Sos);
    for (report, placements) in fresh {
        for placement in placements {
            let event = ParentEvent::Report {
                item: FeedItem {
                    seq: placement.seq,
                    device_id: device_id.to_owned(),
                    received_at,
                    report: report.clone(),
                },
            };
            state.events.publish(&placement.parent_id, &event);
        }
    }
}

/// A checked report with its canonical hash.
struct NewReportDraft {
    report: UploadedReport,
    hash: [u8; 32],
}

/// Checks the batch size, every report and clashes inside the batch.
fn checked_reports(batch: ReportBatch) -> ApiResult<Vec<NewReportDraft>> {
    if batch.reports.is_empty() || batch.reports.len() > MAX_REPORTS_PER_BATCH {
        return Err(ApiError::bad_request(
            "bad_batch_size",
            format!("a batch holds 1 to {MAX_REPORTS_PER_BATCH} reports"),
        ));
    }
    let mut hashes: HashMap<String, [u8; 32]> = HashMap::new();
    let mut drafts = Vec::with_capacity(batch.reports.len());
    for (index, report) in batch.reports.into_iter().enumerate() {
        report.validate().map_err(|error| {
            ApiError::bad_request("invalid_report", format!("report {index}: {error}"))
        })?;
        // Serialising our own type gives one byte string per report value.
        let canonical = serde_json::to_vec(&report)
            .map_err(|_| ApiError::internal("a report did not serialise"))?;
        let hash = crypto::sha256_of_parts(&[&canonical]);
        if hashes
            .insert(report.id.clone(), hash)
            .is_some_and(|earlier| earlier != hash)
        {
            return Err(id_conflict(index));
        }
        drafts.push(NewReportDraft { report, hash });
    }
    Ok(drafts)
}

/// The key of an upload: required, 1 to [`MAX_IDEMPOTENCY_KEY_CHARS`] printable ASCII.
fn idempotency_key(key: Option<&str>) -> ApiResult<&str> {
    let key = key.ok_or_else(|| {
        ApiError::bad_request(
            "idempotency_key_required",
            "report uploads need an Idempotency-Key header",
        )
    })?;
    let printable = key.bytes().all(|b| (b' '..=b'~').contains(&b));
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_CHARS || !printable {
        return Err(ApiError::bad_request(
            "bad_idempotency_key",
            format!(
                "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} printable ASCII chars"
            ),
        ));
    }
    Ok(key)
}

fn id_conflict(index: usize) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "report_id_conflict",
        format!("report {index}: this id is already stored with other contents"),
    )
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}
