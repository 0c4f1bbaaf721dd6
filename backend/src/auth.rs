//! Who is calling: signed requests of devices, parents and carriers, and the operator's bearer
//! token.
//!
//! A signed request is checked in a fixed order, each step refusing with 401: the principal
//! exists, the timestamp is within [`MAX_CLOCK_SKEW_SECS`] of the server's clock, the signature
//! covers this method, path, query, idempotency key and body, and only then is the nonce spent,
//! so that a forged request cannot use up a real client's nonces.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use childsafe_crypto::{self as crypto, PublicKey};
use childsafe_protocol::request_signing::{
    HEADER_IDEMPOTENCY_KEY, HEADER_NONCE, HEADER_PRINCIPAL, HEADER_SIGNATURE, HEADER_TIMESTAMP,
    MAX_CLOCK_SKEW_SECS, PrincipalKind, RequestParts,
};

use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::extract::body_bytes;
use crate::limits::MAX_NONCE_CHARS;
use crate::state::AppState;
use crate::storage::{CarrierRecord, DeviceRecord, ParentRecord};

/// A request a registered device signed.
pub(crate) struct DeviceCaller {
    /// The device.
    pub(crate) device: DeviceRecord,
    /// Its `Idempotency-Key` header, if it sent one.
    pub(crate) idempotency_key: Option<String>,
    /// The request headers.
    pub(crate) headers: HeaderMap,
    /// The exact body that was signed.
    pub(crate) body: Bytes,
}

/// A request a registered parent app signed.
pub(crate) struct ParentCaller {
    /// The parent.
    pub(crate) parent: ParentRecord,
    /// The request headers.
    pub(crate) headers: HeaderMap,
    /// The exact body that was signed.
    pub(crate) body: Bytes,
}

/// A request an admitted carrier signed with its current key.
pub(crate) struct CarrierCaller {
    /// The carrier, as stored when the request was checked.
    pub(crate) carrier: CarrierRecord,
    /// The request headers.
    pub(crate) headers: HeaderMap,
    /// The exact body that was signed.
    pub(crate) body: Bytes,
}

impl DeviceCaller {
    /// `device:ID`, the form mailboxes and message senders use.
    pub(crate) fn principal(&self) -> String {
        format!("{}:{}", PrincipalKind::Device.as_str(), self.device.id)
    }
}

impl ParentCaller {
    /// `parent:ID`, the form mailboxes and message senders use.
    pub(crate) fn principal(&self) -> String {
        format!("{}:{}", PrincipalKind::Parent.as_str(), self.parent.id)
    }
}

impl FromRequest<AppState> for DeviceCaller {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> ApiResult<Self> {
        let signed = SignedRequest::read(request, state, PrincipalKind::Device).await?;
        let device = state
            .storage
            .device(&signed.id)
            .await?
            .ok_or_else(unknown_principal)?;
        signed.verify(state, &device.public_key).await?;
        Ok(DeviceCaller {
            device,
            idempotency_key: signed.idempotency_key,
            headers: signed.headers,
            body: signed.body,
        })
    }
}

impl FromRequest<AppState> for ParentCaller {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> ApiResult<Self> {
        let signed = SignedRequest::read(request, state, PrincipalKind::Parent).await?;
        let parent = state
            .storage
            .parent(&signed.id)
            .await?
            .ok_or_else(unknown_principal)?;
        signed.verify(state, &parent.public_key).await?;
        Ok(ParentCaller {
            parent,
            headers: signed.headers,
            body: signed.body,
        })
    }
}

impl FromRequest<AppState> for CarrierCaller {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> ApiResult<Self> {
        let signed = SignedRequest::read(request, state, PrincipalKind::Carrier).await?;
        let carrier = state
            .storage
            .carrier(&signed.id)
            .await?
            .ok_or_else(unknown_principal)?;
        // Only the current key signs: a key the carrier rotated away from is refused here.
        signed.verify(state, &carrier.public_key).await?;
        Ok(CarrierCaller {
            carrier,
            headers: signed.headers,
            body: signed.body,
        })
    }
}

/// The operator, proven by the bearer token.
pub(crate) struct Operator;

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let Some(expected) = state.operator_token_hash else {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "operator_api_disabled",
                "this server was started without an operator token",
            ));
        };
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map_or("", |(_, token)| token.trim());
        // Comparing digests keeps the time taken independent of how much of the token matched.
        let digest = crypto::sha256_of_parts(&[presented.as_bytes()]);
        let difference = digest
            .iter()
            .zip(expected.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if presented.is_empty() || difference != 0 {
            return Err(ApiError::unauthorized(
                "bad_operator_token",
                "send Authorization: Bearer with the operator token",
            ));
        }
        Ok(Operator)
    }
}

/// The signing headers and body of a request, before the signature is checked.
struct SignedRequest {
    id: String,
    principal: String,
    method: String,
    path_and_query: String,
    timestamp: u64,
    nonce: String,
    signature: String,
    idempotency_key: Option<String>,
    headers: HeaderMap,
    body: Bytes,
}

impl SignedRequest {
    /// Reads the headers and the body; refuses a request that is not signed as `kind`.
    async fn read(request: Request, state: &AppState, kind: PrincipalKind) -> ApiResult<Self> {
        let headers = request.headers().clone();
        let method = request.method().as_str().to_owned();
        let path_and_query = request.uri().path_and_query().map_or_else(
            || request.uri().path().to_owned(),
            |pq| pq.as_str().to_owned(),
        );
        let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        let unsigned = || {
            ApiError::unauthorized(
                "unsigned_request",
                "sign with the x-childsafe-principal, -timestamp, -nonce and -signature headers",
            )
        };
        let principal = text(HEADER_PRINCIPAL).ok_or_else(unsigned)?.to_owned();
        let timestamp = text(HEADER_TIMESTAMP)
            .and_then(|value| value.parse::<u64>().ok())
            .ok_or_else(unsigned)?;
        let nonce = text(HEADER_NONCE).ok_or_else(unsigned)?.to_owned();
        let signature = text(HEADER_SIGNATURE).ok_or_else(unsigned)?.to_owned();
        if nonce.is_empty() || nonce.len() > MAX_NONCE_CHARS {
            return Err(unsigned());
        }
        let idempotency_key = text(HEADER_IDEMPOTENCY_KEY).map(str::to_owned);
        let Some((prefix, id)) = principal.split_once(':') else {
            return Err(unsigned());
        };
        if prefix != kind.as_str() {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "wrong_principal",
                format!("this route is for {} principals", kind.as_str()),
            ));
        }
        let id = id.to_owned();
        let body = body_bytes(request, state).await?;
        Ok(Self {
            id,
            principal,
            method,
            path_and_query,
            timestamp,
            nonce,
            signature,
            idempotency_key,
            headers,
            body,
        })
    }

    /// Checks time, signature and then the nonce.
    async fn verify(&self, state: &AppState, key: &PublicKey) -> ApiResult<()> {
        let now = clock::unix_now();
        if now.abs_diff(self.timestamp) > MAX_CLOCK_SKEW_SECS {
            return Err(ApiError::unauthorized(
                "stale_request",
                format!(
                    "the timestamp is over {MAX_CLOCK_SKEW_SECS} s from the server's clock ({now})"
                ),
            ));
        }
        let parts = RequestParts {
            principal: &self.principal,
            method: &self.method,
            path_and_query: &self.path_and_query,
            timestamp: self.timestamp,
            nonce: &self.nonce,
            idempotency_key: self.idempotency_key.as_deref().unwrap_or(""),
            body: &self.body,
        };
        if !parts.verify(key, &self.signature) {
            return Err(ApiError::unauthorized(
                "bad_signature",
                "the signature does not cover this request with the principal's key",
            ));
        }
        let fresh = state
            .storage
            .remember_nonce(
                &self.principal,
                &self.nonce,
                self.timestamp.saturating_add(MAX_CLOCK_SKEW_SECS),
            )
            .await?;
        if !fresh {
            return Err(ApiError::unauthorized(
                "replayed",
                "this nonce was already used; sign each request with a new one",
            ));
        }
        Ok(())
    }
}

fn unknown_principal() -> ApiError {
    ApiError::unauthorized(
        "unknown_principal",
        "no such device, parent or carrier is registered",
    )
}
