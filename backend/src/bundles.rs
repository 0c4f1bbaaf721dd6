//! Signed bundles (policy, lists, directory). Clients verify the signatures themselves; the
//! server's part is what a signature cannot give: a version never goes back (no rollback), an
//! expired bundle is never served (no freeze), and sizes are capped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use childsafe_crypto as crypto;
use childsafe_protocol::wire::{BundleInfo, BundleKind};

use crate::auth::Operator;
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::extract::{PathParam, RawBody};
use crate::server::AppState;
use crate::storage::{BundlePut, Storage, StoredBundle};

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

/// The bundles served, each held once in memory with its ETag, so that a fetch neither copies
/// nor hashes a bundle of up to 32 MiB: it checks the stored version (a few bytes) and answers
/// from the copy held here. A version's bytes never change (a new upload needs a higher
/// version), so a held copy is right for as long as its version is the one stored; one newer
/// than storage says (another replica uploaded it meanwhile) is served too, since versions only
/// go up.
#[derive(Default)]
pub(crate) struct BundleCache {
    by_kind: Mutex<HashMap<BundleKind, Arc<ServedBundle>>>,
    /// Held while a version is loaded and hashed, so that requests arriving meanwhile wait for
    /// that one load instead of each making their own.
    loading: tokio::sync::Mutex<()>,
}

/// A bundle as served.
#[derive(Debug)]
pub(crate) struct ServedBundle {
    /// The bundle's own version.
    pub(crate) version: u64,
    /// Unix seconds.
    pub(crate) expires_at: u64,
    /// The signed bytes, shared by every answer.
    pub(crate) bytes: Bytes,
    /// The strong ETag of the bytes.
    pub(crate) etag: String,
}

impl BundleCache {
    /// The bundle served for `kind` now, loading it from `storage` when its version is not
    /// held; `None` when none is stored.
    pub(crate) async fn served(
        &self,
        storage: &dyn Storage,
        kind: BundleKind,
    ) -> ApiResult<Option<Arc<ServedBundle>>> {
        let Some(stored) = storage.bundle_version(kind).await? else {
            return Ok(None);
        };
        if let Some(held) = self.held(kind, stored.version) {
            return Ok(Some(held));
        }
        let _loading = self.loading.lock().await;
        if let Some(held) = self.held(kind, stored.version) {
            return Ok(Some(held));
        }
        let Some(bundle) = storage.bundle(kind).await? else {
            return Ok(None);
        };
        let bytes = bundle.bytes.clone();
        // Hashing 32 MiB takes tens of milliseconds: not on a thread that serves requests.
        let etag = tokio::task::spawn_blocking(move || etag_of(&bytes))
            .await
            .map_err(|_| ApiError::internal("hashing a bundle failed"))?;
        let served = Arc::new(ServedBundle {
            version: bundle.version,
            expires_at: bundle.expires_at,
            bytes: bundle.bytes,
            etag,
        });
        self.lock().insert(kind, Arc::clone(&served));
        Ok(Some(served))
    }

    /// The held bundle of `kind` if it is version `version` or newer.
    fn held(&self, kind: BundleKind, version: u64) -> Option<Arc<ServedBundle>> {
        self.lock()
            .get(&kind)
            .filter(|held| held.version >= version)
            .cloned()
    }

    /// An entry is replaced whole under the lock, so a poisoned lock still holds whole
    /// entries.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<BundleKind, Arc<ServedBundle>>> {
        self.by_kind.lock().unwrap_or_else(PoisonError::into_inner)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sled_store::SledStorage;

    fn lists(version: u64, fill: u8) -> StoredBundle {
        StoredBundle {
            kind: BundleKind::Lists,
            version,
            expires_at: clock::unix_now() + 3600,
            bytes: Bytes::from(vec![fill; 1024 * 1024]),
        }
    }

    #[tokio::test]
    async fn every_fetch_shares_the_one_copy_held_until_a_new_version() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SledStorage::open(dir.path()).unwrap();
        storage.put_bundle(lists(1, 1)).await.unwrap();
        let cache = BundleCache::default();

        let first = cache.served(&storage, BundleKind::Lists).await.unwrap();
        let second = cache.served(&storage, BundleKind::Lists).await.unwrap();
        let (first, second) = (first.unwrap(), second.unwrap());
        assert!(
            Arc::ptr_eq(&first, &second),
            "the second fetch loaded again"
        );
        assert_eq!(first.bytes, lists(1, 1).bytes);
        assert_eq!(first.etag, etag_of(&first.bytes));
        let stored = storage.bundle(BundleKind::Lists).await.unwrap().unwrap();
        assert_eq!(
            first.bytes.as_ptr(),
            stored.bytes.as_ptr(),
            "the copy held is not sled's own: the bundle is twice in memory"
        );

        storage.put_bundle(lists(2, 2)).await.unwrap();
        let third = cache
            .served(&storage, BundleKind::Lists)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(third.version, 2, "a new version replaces the one held");
        assert_eq!(third.bytes, lists(2, 2).bytes);
        assert_eq!(
            cache
                .served(&storage, BundleKind::Policy)
                .await
                .unwrap()
                .map(|b| b.version),
            None
        );
    }
}
