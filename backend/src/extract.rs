//! Reading request input at the edge: bodies, JSON and paging queries become typed values or an
//! [`ApiError`] with an [`ErrorBody`](childsafe_protocol::error::ErrorBody), never axum's plain
//! text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};
use crate::limits::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT};
use crate::pacing::is_body_too_slow;

/// The raw body, within the route's size limit and its read deadlines.
pub(crate) async fn body_bytes<S: Send + Sync>(request: Request, state: &S) -> ApiResult<Bytes> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if is_body_too_slow(&rejection) {
                ApiError::body_too_slow()
            } else if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    "the body is larger than this route accepts",
                )
            } else {
                ApiError::bad_request("unreadable_body", "the body could not be read")
            }
        })
}

/// Parses a JSON body sent with `Content-Type: application/json`. Unknown fields are refused
/// by the wire types themselves.
pub(crate) fn json_body<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> ApiResult<T> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::bad_request(
            "unsupported_content_type",
            "the body must be sent as application/json",
        ));
    }
    serde_json::from_slice(body).map_err(|error| {
        if error.is_data() {
            ApiError::bad_request(
                "invalid_body",
                format!("the body has the wrong shape: {error}"),
            )
        } else {
            ApiError::bad_request("malformed_json", format!("the body is not JSON: {error}"))
        }
    })
}

/// A JSON body of an unsigned route (registration, operator API).
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> ApiResult<Self> {
        let headers = request.headers().clone();
        let body = body_bytes(request, state).await?;
        json_body(&headers, &body).map(JsonBody)
    }
}

/// The raw body of a route that takes bytes (bundle uploads).
pub(crate) struct RawBody(pub(crate) Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> ApiResult<Self> {
        body_bytes(request, state).await.map(RawBody)
    }
}

/// One path parameter (an id or a bundle kind). A segment that does not decode names nothing
/// here, so it answers like an unknown id.
pub(crate) struct PathParam(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| PathParam(value))
            .map_err(|_| ApiError::not_found("not_found", "the path does not name anything"))
    }
}

/// `?after=N&limit=M` of a mailbox or feed read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Page {
    /// Items with a seq above this.
    pub(crate) after: u64,
    /// At most this many.
    pub(crate) limit: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    after: Option<u64>,
    limit: Option<usize>,
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> ApiResult<Self> {
        let bad = || {
            ApiError::bad_request(
                "bad_query",
                format!("the query takes after (0 or more) and limit (1 to {MAX_PAGE_LIMIT})"),
            )
        };
        let Query(parsed) = Query::<PageQuery>::try_from_uri(&parts.uri).map_err(|_| bad())?;
        let limit = parsed.limit.unwrap_or(DEFAULT_PAGE_LIMIT);
        if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
            return Err(bad());
        }
        Ok(Page {
            after: parsed.after.unwrap_or(0),
            limit,
        })
    }
}
