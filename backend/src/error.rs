//! Every refusal the server gives: an HTTP status with an [`ErrorBody`] whose `error` is a stable
//! code a client can match on. Handlers return [`ApiError`]; storage failures become a 500 here,
//! logged without their details reaching the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use childsafe_protocol::error::ErrorBody;

use crate::limits::BUSY_RETRY_AFTER_SECS;
use crate::log;
use crate::storage::StorageError;

/// A refusal: status, stable code and a message for the developer.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// Seconds for the `Retry-After` header, on refusals that pass.
    retry_after_secs: Option<u64>,
}

/// Shorthand for handler results.
pub(crate) type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// A refusal with this status and code.
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    /// 400: the request itself is wrong.
    pub(crate) fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401: the caller is not who it claims, or did not say.
    pub(crate) fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 404: nothing here for this caller (also the answer when something exists but belongs to
    /// someone else, so that nothing leaks).
    pub(crate) fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 409: the request clashes with the current state.
    pub(crate) fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 500: the server failed; the details go to the log, not to the client.
    pub(crate) fn internal(what: &str) -> Self {
        log::line(format_args!("internal error: {what}"));
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the server failed; retry later",
        )
    }

    /// 408: the request body arrived too slowly (see [`crate::pacing`]).
    pub(crate) fn body_too_slow() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_too_slow",
            "the request body did not arrive in time or came under the minimum rate",
        )
    }

    /// 503: the server has as many connections open as it takes.
    pub(crate) fn server_busy() -> Self {
        Self::busy(
            "server_busy",
            "the server has all the connections it takes; retry after the time given",
        )
    }

    /// 503: this client address has as many requests in flight as it may.
    pub(crate) fn address_busy() -> Self {
        Self::busy(
            "address_busy",
            "this address has as many requests in flight as the server allows; retry after \
             the time given",
        )
    }

    /// 503: the server has as many event streams open as it takes.
    pub(crate) fn streams_full() -> Self {
        Self::busy(
            "streams_full",
            "the server has all the event streams it takes; retry after the time given",
        )
    }

    /// 503 with `Retry-After`: a refusal that passes on its own.
    fn busy(code: &'static str, message: impl Into<String>) -> Self {
        let mut error = Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message);
        error.retry_after_secs = Some(BUSY_RETRY_AFTER_SECS);
        error
    }

    /// The status.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// The body as sent.
    pub(crate) fn body(&self) -> ErrorBody {
        ErrorBody {
            error: self.code.to_owned(),
            message: self.message.clone(),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        Self::internal(&error.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// 404 for a path no route serves.
pub(crate) async fn unknown_route() -> ApiError {
    ApiError::not_found("not_found", "no such route in protocol v1")
}

/// 405 for a known path with another method.
pub(crate) async fn wrong_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}
