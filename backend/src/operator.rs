//! The operator's side: minting activation tokens and reading the hotline and child-helpline
//! queues, over HTTP (bearer token) and from the command line (`tokens create`, `export`),
//! through the same functions so both give the same results.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_crypto as crypto;
use childsafe_protocol::operator::{
    HelplineQueue, HelplineReport, HotlineQueue, HotlineReport, TokenRequest, Tokens,
};
use childsafe_protocol::rfc3339;

use crate::auth::Operator;
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, PathParam};
use crate::limits::MAX_TOKENS_PER_REQUEST;
use crate::routing;
use crate::state::AppState;
use crate::storage::{HelplineEntry, HotlineEntry, Storage, StorageResult};

/// Random bytes in an activation token.
const TOKEN_BYTES: usize = 32;

/// Mints `count` one-use activation tokens; only their SHA-256 is stored.
pub async fn mint_activation_tokens(
    storage: &dyn Storage,
    count: u32,
    now: u64,
) -> anyhow::Result<Vec<String>> {
    let mut tokens = Vec::with_capacity(count as usize);
    let mut hashes = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let bytes = crypto::random_bytes::<TOKEN_BYTES>()?;
        let token = URL_SAFE_NO_PAD.encode(bytes);
        hashes.push(crypto::sha256_of_parts(&[token.as_bytes()]));
        tokens.push(token);
    }
    storage.add_activation_tokens(&hashes, now).await?;
    Ok(tokens)
}

/// The hotline queue in the shape hotlines take, oldest first.
pub async fn hotline_export(storage: &dyn Storage) -> StorageResult<Vec<HotlineReport>> {
    let entries = storage.hotline_queue().await?;
    Ok(entries.into_iter().filter_map(hotline_report).collect())
}

/// One queued report as a hotline reads it: the fields of NCMEC's and IWF's forms, no location
/// and no media (reports never carry any). Kinds that never go to a hotline give `None`.
pub fn hotline_report(entry: HotlineEntry) -> Option<HotlineReport> {
    let report = entry.report;
    let incident_type = routing::incident_type(report.kind)?;
    let notes = childs_words(report.notes, report.screenshot_text);
    Some(HotlineReport {
        report_id: report.id,
        hotline: entry.hotline,
        incident_type,
        incident_time: rfc3339::format(report.created_at),
        received_time: rfc3339::format(entry.received_at),
        reporter_country: entry.country,
        urls: report.urls,
        reported_user: report.reported_user,
        notes,
        forwarded: entry.forwarded,
    })
}

/// The child-helpline queue in the shape helplines take, oldest first.
pub async fn helpline_export(storage: &dyn Storage) -> StorageResult<Vec<HelplineReport>> {
    let entries = storage.helpline_queue().await?;
    Ok(entries.into_iter().map(helpline_report).collect())
}

/// One queued report as a child helpline reads it: what the child said, about whom, when and
/// from which country. Never the location, the URLs or anything but the child's own account.
pub fn helpline_report(entry: HelplineEntry) -> HelplineReport {
    let report = entry.report;
    HelplineReport {
        report_id: report.id,
        helpline: entry.helpline,
        kind: report.kind,
        incident_time: rfc3339::format(report.created_at),
        received_time: rfc3339::format(entry.received_at),
        reporter_country: entry.country,
        reported_user: report.reported_user,
        notes: childs_words(report.notes, report.screenshot_text),
        forwarded: entry.forwarded,
    }
}

/// The child's notes and any screenshot text as one text, the screenshot text labelled.
fn childs_words(notes: Option<String>, screenshot_text: Option<String>) -> Option<String> {
    match (notes, screenshot_text) {
        (Some(notes), Some(text)) => Some(format!("{notes}\n\nText from a screenshot: {text}")),
        (Some(notes), None) => Some(notes),
        (None, Some(text)) => Some(format!("Text from a screenshot: {text}")),
        (None, None) => None,
    }
}

/// `POST /v1/operator/activation-tokens`.
pub(crate) async fn create_tokens(
    _operator: Operator,
    State(state): State<AppState>,
    JsonBody(request): JsonBody<TokenRequest>,
) -> ApiResult<(StatusCode, Json<Tokens>)> {
    if !(1..=MAX_TOKENS_PER_REQUEST).contains(&request.count) {
        return Err(ApiError::bad_request(
            "bad_token_count",
            format!("count must be 1 to {MAX_TOKENS_PER_REQUEST}"),
        ));
    }
    let tokens = mint_activation_tokens(state.storage.as_ref(), request.count, clock::unix_now())
        .await
        .map_err(|error| ApiError::internal(&error.to_string()))?;
    Ok((StatusCode::CREATED, Json(Tokens { tokens })))
}

/// `GET /v1/operator/hotline-queue`.
pub(crate) async fn hotline_queue(
    _operator: Operator,
    State(state): State<AppState>,
) -> ApiResult<Json<HotlineQueue>> {
    let reports = hotline_export(state.storage.as_ref()).await?;
    Ok(Json(HotlineQueue { reports }))
}

/// `POST /v1/operator/hotline-queue/{report_id}/forwarded`.
pub(crate) async fn mark_forwarded(
    _operator: Operator,
    State(state): State<AppState>,
    PathParam(report_id): PathParam,
) -> ApiResult<StatusCode> {
    if state.storage.mark_hotline_forwarded(&report_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(
            "report_unknown",
            "no report with this id is in the hotline queue",
        ))
    }
}

/// `GET /v1/operator/helpline-queue`.
pub(crate) async fn helpline_queue(
    _operator: Operator,
    State(state): State<AppState>,
) -> ApiResult<Json<HelplineQueue>> {
    let reports = helpline_export(state.storage.as_ref()).await?;
    Ok(Json(HelplineQueue { reports }))
}

/// `POST /v1/operator/helpline-queue/{report_id}/forwarded`.
pub(crate) async fn mark_helpline_forwarded(
    _operator: Operator,
    State(state): State<AppState>,
    PathParam(report_id): PathParam,
) -> ApiResult<StatusCode> {
    if state.storage.mark_helpline_forwarded(&report_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(
            "report_unknown",
            "no report with this id is in the helpline queue",
        ))
    }
}
