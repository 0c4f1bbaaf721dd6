//! Signed bundles (policy, lists, directory). Clients verify the signatures themselves; the
//! server's part is what a signature cannot give: a version never goes back (no rollback), an
//! expired bundle is never served (no freeze), and sizes are capped.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use childsafe_core::crypto;
use childsafe_core::sync::wire::{BundleInfo, BundleKind};

use crate::auth::Operator;
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::extract::{PathParam, RawBody};
use crate::server::AppState;
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
    let bundle =
        state.storage.bundle(kind).await?.ok_or_else(|| {
            ApiError::not_found("bundle_missing", "no bundle of this kind is stored")
        })?;
    if bundle.expires_at <= clock::unix_now() {
        return Err(ApiError::not_found(
            "bundle_expired",
            "the stored bundle has expired and is no longer served",
        ));
    }
    let etag = state.etags.etag(&bundle);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| etag_matches(value, &etag));
    let mut response = if fresh {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        let mut response = Response::new(Body::from(bundle.bytes));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, header_value(&etag)?);
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
        bytes: body.to_vec(),
    };
    match state.storage.put_bundle(bundle).await? {
        BundlePut::Stored => {
            state.etags.remember(kind, version, &info.etag);
            Ok(Json(info))
        }
        BundlePut::NotNewer { current } => Err(ApiError::conflict(
            "version_not_newer",
            format!("versions never go back: the stored version is {current}"),
        )),
    }
}

/// The strong ETag of each kind's served version, so that a large bundle is hashed once per
/// version rather than once per request. A version's bytes never change (a new upload needs a
/// higher version), so an entry is right for as long as its version is the one stored.
#[derive(Default)]
pub(crate) struct EtagCache {
    by_kind: Mutex<HashMap<BundleKind, (u64, String)>>,
}

impl EtagCache {
    /// The ETag of a stored bundle.
    fn etag(&self, bundle: &StoredBundle) -> String {
        if let Ok(cache) = self.by_kind.lock() {
            if let Some((version, etag)) = cache.get(&bundle.kind) {
                if *version == bundle.version {
                    return etag.clone();
                }
            }
        }
        let etag = etag_of(&bundle.bytes);
        self.remember(bundle.kind, bundle.version, &etag);
        etag
    }

    /// Records the ETag of a version that is stored.
    fn remember(&self, kind: BundleKind, version: u64, etag: &str) {
        if let Ok(mut cache) = self.by_kind.lock() {
            cache.insert(kind, (version, etag.to_owned()));
        }
    }
}

/// A strong ETag: the SHA-256 of the bytes in lowercase hex, quoted.
fn etag_of(bytes: &[u8]) -> String {
    format!("\"{}\"", crypto::hex(&crypto::sha256_of_parts(&[bytes])))
}

fn bundle_kind(name: &str) -> ApiResult<BundleKind> {
    name.parse().map_err(|()| {
        ApiError::not_found(
            "bundle_unknown",
            "bundle kinds are policy, lists and directory",
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
