//! Signed bundles (keys, lists, directory). Clients verify the signatures themselves; the
//! server's part is what a signature cannot give: a version never goes back (no rollback), an
//! expired bundle is never served (no freeze), and sizes are capped.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use childsafe_protocol::wire::{BundleInfo, BundleKind};

use crate::auth::Operator;
use crate::bundle_cache::etag_of;
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::extract::{PathParam, RawBody};
use crate::state::AppState;
use crate::storage::{BundlePut, StoredBundle};

/// Header carrying the bundle's own version.
pub(crate) const HEADER_BUNDLE_VERSION: &str = "x-bundle-version";
/// Header carrying the bundle's expiry, Unix seconds.
pub(crate) const HEADER_BUNDLE_EXPIRES_AT: &str = "x-bundle-expires-at";

/// `GET /v1/bundles/{kind}`.
pub(crate) async fn fetch(
    State(state): State<AppState>,
    PathParam(kind): PathParam,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let kind = bundle_kind(&kind)?;
    let bundle = state
        .bundles
        .served(state.storage.as_ref(), kind)
        .await?
        .ok_or_else(|| ApiError::not_found("bundle_missing", "no bundle of this kind is stored"))?;
    if bundle.expires_at <= clock::unix_now() {
        return Err(ApiError::not_found(
            "bundle_expired",
            "the stored bundle has expired and is no longer served",
        ));
    }
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| etag_matches(value, &bundle.etag));
    let mut response = if fresh {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        // A clone of `Bytes` shares the one copy in memory: every answer in flight, however
        // slowly its client reads, costs no more than its connection.
        let mut response = Response::new(Body::from(bundle.bytes.clone()));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, header_value(&bundle.etag)?);
    // Always revalidate: a cached copy may expire or be superseded at any time.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        HEADER_BUNDLE_VERSION,
        header_value(&bundle.version.to_string())?,
    );
    headers.insert(
        HEADER_BUNDLE_EXPIRES_AT,
        header_value(&bundle.expires_at.to_string())?,
    );
    Ok(response)
}

/// `PUT /v1/operator/bundles/{kind}`.
pub(crate) async fn upload(
    _operator: Operator,
    State(state): State<AppState>,
    PathParam(kind): PathParam,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<Json<BundleInfo>> {
    let kind = bundle_kind(&kind)?;
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .ok_or_else(|| {
                ApiError::bad_request(
                    "bad_bundle_headers",
                    "X-Bundle-Version and X-Bundle-Expires-At (Unix seconds) are required numbers",
                )
            })
    };
    let version = number(HEADER_BUNDLE_VERSION)?;
    let expires_at = number(HEADER_BUNDLE_EXPIRES_AT)?;
    if expires_at <= clock::unix_now() {
        return Err(ApiError::bad_request(
            "bundle_already_expired",
            "X-Bundle-Expires-At must be in the future",
        ));
    }
    if body.is_empty() {
        return Err(ApiError::bad_request(
            "empty_bundle",
            "the bundle body is empty",
        ));
    }
    let info = BundleInfo {
        kind,
        version,
        expires_at,
        etag: etag_of(&body),
        size: body.len() as u64,
    };
    let bundle = StoredBundle {
        kind,
        version,
        expires_at,
        bytes: body,
    };
    // The cache is not filled from here: storage is the truth every replica shares, and the
    // next fetch loads the new version from it (for sled, sharing sled's own copy).
    match state.storage.put_bundle(bundle).await? {
        BundlePut::Stored => Ok(Json(info)),
        BundlePut::NotNewer { current } => Err(ApiError::conflict(
            "version_not_newer",
            format!("versions never go back: the stored version is {current}"),
        )),
    }
}

fn bundle_kind(name: &str) -> ApiResult<BundleKind> {
    name.parse().map_err(|()| {
        ApiError::not_found(
            "bundle_unknown",
            "bundle kinds are keys, lists and directory",
        )
    })
}

/// Whether an `If-None-Match` value names this ETag (`*`, or a list; weak forms compare equal,
/// as RFC 9110 asks of `If-None-Match`).
fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

fn header_value(text: &str) -> ApiResult<HeaderValue> {
    HeaderValue::from_str(text).map_err(|_| ApiError::internal("a header value is not ASCII"))
}
