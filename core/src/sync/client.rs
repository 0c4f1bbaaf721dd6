//! The HTTP client the phone uses to talk to the backend: one signed request per call, no retry
//! policy of its own (the caller owns that, with [`Backoff`](super::backoff::Backoff)).
//!
//! HTTPS is required. Plain HTTP is accepted only for a loopback address and only when the
//! caller asks for it explicitly (tests and the demo), so a misconfigured phone cannot send a
//! child's report in clear text. TLS is rustls with the ring provider and the Mozilla root set
//! compiled in, the same on every platform.
//!
//! Every request's method and path come from the protocol's route table
//! ([`routes`](crate::protocol::routes)), the one the server mounts, so no path is written here.
//! Each request is signed with the device key over its exact bytes (see
//! [`request_signing`](crate::protocol::request_signing)). The timestamp comes from the phone's
//! clock corrected by the offset seen in the server's last `Date` header, so a phone whose clock
//! is wrong still gets its reports through.

use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{ETAG, IF_NONE_MATCH, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::crypto::{CryptoError, SigningKey};
use crate::protocol::carrier::LineDocuments;
use crate::protocol::error::ErrorBody;
use crate::protocol::request_signing::{self, HEADER_IDEMPOTENCY_KEY, PrincipalKind, key_id};
use crate::protocol::routes::{HttpMethod, Operation, PathParam};
use crate::protocol::wire::{
    BundleKind, ClaimedDevice, DeviceRegistration, DeviceStatus, Feed, Mailbox, OutgoingMessage,
    PairedPeers, PairingInvite, PairingInviteOpened, ParentClaim, ParentRegistration,
    ParentRemoval, PendingClaims, Registered, Relayed, ReportBatch, ReportReceipts, ReportStatuses,
    SignedParentStatement, StatementApplied, TimeRequest,
};

/// How long one request may take, connection included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest JSON answer the client reads.
pub const MAX_JSON_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// Why an exchange with the backend failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// The backend URL is not HTTPS (or loopback HTTP when allowed), or is not a URL.
    #[error("the backend URL is refused: {0}")]
    BadUrl(&'static str),
    /// No answer: connection refused, reset, timed out, or the answer was cut short.
    #[error("the backend could not be reached: {0}")]
    Network(String),
    /// The backend is there but failed or asked to wait (5xx, 429, a request still running).
    #[error("the backend asked to retry later ({status}: {code})")]
    Unavailable {
        /// HTTP status.
        status: u16,
        /// The server's error code, if it sent one.
        code: String,
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// The backend refused the request itself; sending it again unchanged will not help.
    #[error("the backend refused the request ({status}: {code}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The server's error code.
        code: String,
        /// The server's explanation.
        message: String,
    },
    /// The answer does not follow the protocol.
    #[error("the backend's answer does not follow the protocol: {0}")]
    Protocol(String),
    /// No randomness for a nonce.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl SyncError {
    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SyncError::Network(_) | SyncError::Unavailable { .. } | SyncError::Protocol(_)
        )
    }

    /// The wait the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SyncError::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A bundle as fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BundleFetch {
    /// The server has none of this kind.
    NotFound,
    /// The one held is still current (304).
    NotModified,
    /// A bundle, with the server's ETag.
    Fetched {
        /// The exact bytes, to verify before use.
        bytes: Vec<u8>,
        /// The server's ETag, to send next time.
        etag: Option<String>,
    },
}

/// A connection to one backend, for one signing principal.
pub struct SyncClient {
    http: reqwest::Client,
    base: Url,
    /// Who signs: the child's device, or (in a parent's app, the demo and tests) a parent, or
    /// a carrier's provisioning system.
    principal: PrincipalKind,
    /// The principal's id when it is not its key's id: a carrier's, as the operator admitted it.
    principal_id: Option<String>,
    /// Server clock minus phone clock, in seconds, from the last `Date` header seen.
    clock_offset_secs: AtomicI64,
}

impl std::fmt::Debug for SyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncClient")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

/// Checks a backend URL: `https://...`, or `http://` to a loopback address when
/// `allow_insecure_loopback` is set.
pub fn parse_backend_url(url: &str, allow_insecure_loopback: bool) -> Result<Url, SyncError> {
    let mut parsed = Url::parse(url).map_err(|_| SyncError::BadUrl("not a URL"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(SyncError::BadUrl("credentials in the URL are not allowed"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(SyncError::BadUrl("a query or fragment is not allowed"));
    }
    match parsed.scheme() {
        "https" => {}
        "http" if allow_insecure_loopback && is_loopback(&parsed) => {}
        "http" if allow_insecure_loopback => {
            return Err(SyncError::BadUrl(
                "plain HTTP is allowed only to a loopback address",
            ));
        }
        "http" => {
            return Err(SyncError::BadUrl(
                "HTTPS is required (plain HTTP only to loopback, when explicitly allowed)",
            ));
        }
        _ => return Err(SyncError::BadUrl("the scheme must be https")),
    }
    if !parsed.path().ends_with('/') {
        let path = format!("{}/", parsed.path());
        parsed.set_path(&path);
    }
    Ok(parsed)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

impl SyncClient {
    /// A child's device's client for the backend at `base_url` (see [`parse_backend_url`]).
    pub fn new(base_url: &str, allow_insecure_loopback: bool) -> Result<Self, SyncError> {
        Self::signing_as(PrincipalKind::Device, base_url, allow_insecure_loopback)
    }

    /// A parent app's client: its requests are signed as `parent:ID` and reach the parent
    /// routes (pairing claims, the feed, messages to paired devices).
    pub fn for_parent(base_url: &str, allow_insecure_loopback: bool) -> Result<Self, SyncError> {
        Self::signing_as(PrincipalKind::Parent, base_url, allow_insecure_loopback)
    }

    /// A carrier's client: its requests are signed as `carrier:<carrier_id>` (the id the
    /// operator admitted it with, not its key's id) and reach the carrier routes.
    pub fn for_carrier(
        base_url: &str,
        allow_insecure_loopback: bool,
        carrier_id: &str,
    ) -> Result<Self, SyncError> {
        let mut client =
            Self::signing_as(PrincipalKind::Carrier, base_url, allow_insecure_loopback)?;
        client.principal_id = Some(carrier_id.to_owned());
        Ok(client)
    }

    fn signing_as(
        principal: PrincipalKind,
        base_url: &str,
        allow_insecure_loopback: bool,
    ) -> Result<Self, SyncError> {
        let base = parse_backend_url(base_url, allow_insecure_loopback)?;
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .https_only(base.scheme() == "https")
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| SyncError::Network(error.to_string()))?;
        Ok(SyncClient {
            http,
            base,
            principal,
            principal_id: None,
            clock_offset_secs: AtomicI64::new(0),
        })
    }

    /// The backend's base URL.
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    /// Registers this device with a carrier's activation token, or with the child's line the
    /// carrier added (`line`, the identifier as the platform reads it; the token may then be
    /// empty): its device id and, with a line, the line handle its profiles will name.
    pub async fn register_device(
        &self,
        key: &SigningKey,
        activation_token: &str,
        line: Option<&str>,
        country: &str,
    ) -> Result<Registered, SyncError> {
        let body = DeviceRegistration {
            activation_token: activation_token.to_owned(),
            line: line.map(str::to_owned),
            public_key: key.public_key(),
            country: country.to_owned(),
            proof: request_signing::line_registration_proof(
                key,
                PrincipalKind::Device,
                activation_token,
                line,
            ),
        };
        self.send_json(Target::of(Operation::RegisterDevice), None, &body)
            .await
    }

    /// What the backend holds for this device's line: the carrier's signed profile or
    /// deactivation, its key rotations and safety pack, the previous device's snapshot. Empty
    /// for a device registered without a line.
    pub async fn line_documents(&self, key: &SigningKey) -> Result<LineDocuments, SyncError> {
        let target = Target::of(Operation::ReadLineDocuments);
        self.signed(key, target, "", Vec::new()).await
    }

    /// Uploads a batch of reports under an idempotency key; one receipt per report.
    pub async fn upload_reports(
        &self,
        key: &SigningKey,
        idempotency_key: &str,
        batch: &ReportBatch,
    ) -> Result<ReportReceipts, SyncError> {
        let body = to_json(batch)?;
        self.signed(
            key,
            Target::of(Operation::UploadReports),
            idempotency_key,
            body,
        )
        .await
    }

    /// The server's view of every report of this device.
    pub async fn report_statuses(&self, key: &SigningKey) -> Result<ReportStatuses, SyncError> {
        let target = Target::of(Operation::ListReportStatuses);
        self.signed(key, target, "", Vec::new()).await
    }

    /// Signed server time answering `challenge`: the envelope bytes, for safe mode to verify.
    pub async fn server_time(
        &self,
        key: &SigningKey,
        challenge: &str,
    ) -> Result<Vec<u8>, SyncError> {
        let body = to_json(&TimeRequest {
            challenge: challenge.to_owned(),
        })?;
        let response = self
            .send(
                Some(key),
                Target::of(Operation::GetSignedTime),
                "",
                body,
                None,
            )
            .await?;
        read_limited(response, MAX_JSON_RESPONSE_BYTES).await
    }

    /// Tells the backend the state of this device's lists, for its parents to see.
    pub async fn send_status(
        &self,
        key: &SigningKey,
        status: &DeviceStatus,
    ) -> Result<(), SyncError> {
        self.send(
            Some(key),
            Target::of(Operation::ReportDeviceStatus),
            "",
            to_json(status)?,
            None,
        )
        .await?;
        Ok(())
    }

    /// Relays a signed blob (an access request) to this device's parents.
    pub async fn send_message(
        &self,
        key: &SigningKey,
        message: &OutgoingMessage,
    ) -> Result<Relayed, SyncError> {
        let body = to_json(message)?;
        self.signed(key, Target::of(Operation::SendToParents), "", body)
            .await
    }

    /// This device's mailbox after `after`.
    pub async fn messages(&self, key: &SigningKey, after: u64) -> Result<Mailbox, SyncError> {
        let target = Target::of(Operation::ReadDeviceMailbox).after(after);
        self.signed(key, target, "", Vec::new()).await
    }

    /// Opens (or replaces) this device's pairing invite with the public half of its pairing key.
    pub async fn open_pairing_invite(
        &self,
        key: &SigningKey,
        invite: &PairingInvite,
    ) -> Result<PairingInviteOpened, SyncError> {
        let target = Target::of(Operation::CreatePairingInvite);
        self.signed(key, target, "", to_json(invite)?).await
    }

    /// The claims on this device's pairing invite, as the relay hands them: to check.
    pub async fn pairing_claims(&self, key: &SigningKey) -> Result<PendingClaims, SyncError> {
        let target = Target::of(Operation::ListPairingClaims);
        self.signed(key, target, "", Vec::new()).await
    }

    /// Tells the backend of a parent confirmed or removed, in a statement the device signed.
    pub async fn send_parent_statement(
        &self,
        key: &SigningKey,
        statement: &SignedParentStatement,
    ) -> Result<StatementApplied, SyncError> {
        let target = Target::of(Operation::PostParentStatement);
        self.signed(key, target, "", to_json(statement)?).await
    }

    /// Fetches a bundle of at most `max_bytes`, sending `etag` as `If-None-Match`.
    pub async fn fetch_bundle(
        &self,
        kind: BundleKind,
        etag: Option<&str>,
        max_bytes: usize,
    ) -> Result<BundleFetch, SyncError> {
        let target = Target::with(Operation::GetBundle, &[PathParam::Kind(kind)]);
        let response = self.send(None, target, "", Vec::new(), etag).await;
        let response = match response {
            Err(SyncError::Refused { status: 404, .. }) => return Ok(BundleFetch::NotFound),
            other => other?,
        };
        if response.status() == StatusCode::NOT_MODIFIED {
            return Ok(BundleFetch::NotModified);
        }
        let etag = response
            .headers()
            .get(ETAG)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let bytes = read_limited(response, max_bytes).await?;
        Ok(BundleFetch::Fetched { bytes, etag })
    }

    /// Registers a parent app's key; its parent id.
    pub async fn register_parent(&self, key: &SigningKey) -> Result<String, SyncError> {
        let body = ParentRegistration {
            public_key: key.public_key(),
            proof: request_signing::registration_proof(key, PrincipalKind::Parent, ""),
        };
        let registered: Registered = self
            .send_json(Target::of(Operation::RegisterParent), None, &body)
            .await?;
        Ok(registered.id)
    }

    /// The devices paired with this parent, each with the status it last reported (the state
    /// of its lists).
    pub async fn parent_devices(&self, key: &SigningKey) -> Result<PairedPeers, SyncError> {
        let target = Target::of(Operation::ListParentDevices);
        self.signed(key, target, "", Vec::new()).await
    }

    /// A parent's feed of reports from paired devices, after `after`.
    pub async fn parent_feed(&self, key: &SigningKey, after: u64) -> Result<Feed, SyncError> {
        let target = Target::of(Operation::ReadFeed).after(after);
        self.signed(key, target, "", Vec::new()).await
    }

    /// A parent's mailbox (access requests from paired devices), after `after`.
    pub async fn parent_messages(
        &self,
        key: &SigningKey,
        after: u64,
    ) -> Result<Mailbox, SyncError> {
        let target = Target::of(Operation::ReadParentMailbox).after(after);
        self.signed(key, target, "", Vec::new()).await
    }

    /// A parent relays a signed blob (a decision or a command) to one paired device.
    pub async fn send_to_device(
        &self,
        key: &SigningKey,
        device_id: &str,
        message: &OutgoingMessage,
    ) -> Result<Relayed, SyncError> {
        let target = Target::with(Operation::SendToDevice, &[PathParam::DeviceId(device_id)]);
        self.signed(key, target, "", to_json(message)?).await
    }

    /// A parent's app claims a device's pairing invite with the claim signed by the pairing key
    /// (see [`crate::protocol::pairing`]); the device's key as the backend hands it, which the
    /// caller checks against the device id it read from the QR code.
    pub async fn claim_pairing_invite(
        &self,
        key: &SigningKey,
        claim: &ParentClaim,
    ) -> Result<ClaimedDevice, SyncError> {
        let body = to_json(claim)?;
        self.signed(key, Target::of(Operation::ClaimPairingInvite), "", body)
            .await
    }

    /// The owner of a device unpairs another of its parents at the backend.
    pub async fn remove_parent_as_owner(
        &self,
        key: &SigningKey,
        device_id: &str,
        removal: &ParentRemoval,
    ) -> Result<(), SyncError> {
        let target = Target::with(
            Operation::RemoveParentAsOwner,
            &[PathParam::DeviceId(device_id)],
        );
        self.send(Some(key), target, "", to_json(removal)?, None)
            .await?;
        Ok(())
    }

    /// Opens a parent's live stream of its children's events (server-sent events, each a
    /// [`ParentEvent`](crate::protocol::wire::ParentEvent)); the caller reads the body as it
    /// comes, for at most [`REQUEST_TIMEOUT`].
    pub async fn open_parent_events(
        &self,
        key: &SigningKey,
    ) -> Result<reqwest::Response, SyncError> {
        let target = Target::of(Operation::StreamParentEvents);
        self.send(Some(key), target, "", Vec::new(), None).await
    }

    /// Sends a request signed by `key` and reads its JSON answer (the carrier's calls use it).
    pub(crate) async fn signed<T: DeserializeOwned>(
        &self,
        key: &SigningKey,
        target: Target,
        idempotency_key: &str,
        body: Vec<u8>,
    ) -> Result<T, SyncError> {
        let response = self
            .send(Some(key), target, idempotency_key, body, None)
            .await?;
        parse_json(response).await
    }

    async fn send_json<T: DeserializeOwned, B: Serialize>(
        &self,
        target: Target,
        key: Option<&SigningKey>,
        body: &B,
    ) -> Result<T, SyncError> {
        let response = self.send(key, target, "", to_json(body)?, None).await?;
        parse_json(response).await
    }

    /// Sends one request and sorts the answer into success (2xx, 304) or a [`SyncError`].
    pub(crate) async fn send(
        &self,
        key: Option<&SigningKey>,
        target: Target,
        idempotency_key: &str,
        body: Vec<u8>,
        if_none_match: Option<&str>,
    ) -> Result<reqwest::Response, SyncError> {
        let Target { method, path } = target;
        let url = self
            .base
            .join(&path)
            .map_err(|_| SyncError::BadUrl("cannot join the request path"))?;
        let mut request = self.http.request(method.clone(), url.clone());
        if let Some(key) = key {
            let path_and_query = match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            };
            let principal = match &self.principal_id {
                Some(id) => format!("{}:{id}", self.principal.as_str()),
                None => format!("{}:{}", self.principal.as_str(), key_id(&key.public_key())),
            };
            let headers = request_signing::sign_request_as(
                key,
                principal,
                method.as_str(),
                &path_and_query,
                self.now_secs(),
                idempotency_key,
                &body,
            )?;
            for (name, value) in headers.pairs() {
                request = request.header(name, value);
            }
        }
        if !idempotency_key.is_empty() {
            request = request.header(HEADER_IDEMPOTENCY_KEY, idempotency_key);
        }
        if let Some(etag) = if_none_match {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if !body.is_empty() {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let response = request
            .send()
            .await
            .map_err(|error| SyncError::Network(describe(&error)))?;
        self.learn_clock(&response);
        let status = response.status();
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            return Ok(response);
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(parse_retry_after);
        let error: Option<ErrorBody> = read_limited(response, MAX_JSON_RESPONSE_BYTES)
            .await
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let (code, message) = error
            .map(|body| (body.error, body.message))
            .unwrap_or_else(|| ("unknown".to_owned(), String::new()));
        // 409 request_in_progress: another attempt with this key is still running on the server.
        let transient = status.is_server_error()
            || status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::REQUEST_TIMEOUT
            || (status == StatusCode::CONFLICT && code == "request_in_progress")
            || (status == StatusCode::UNAUTHORIZED && code == "stale_request");
        if transient {
            Err(SyncError::Unavailable {
                status: status.as_u16(),
                code,
                retry_after,
            })
        } else {
            Err(SyncError::Refused {
                status: status.as_u16(),
                code,
                message,
            })
        }
    }

    /// The phone's clock corrected by the offset seen in the server's `Date` headers.
    pub(crate) fn now_secs(&self) -> u64 {
        let local = unix_now();
        local.saturating_add_signed(self.clock_offset_secs.load(Ordering::Relaxed))
    }

    fn learn_clock(&self, response: &reqwest::Response) {
        let server = response
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| httpdate::parse_http_date(text).ok())
            .and_then(|time| time.duration_since(UNIX_EPOCH).ok());
        if let Some(server) = server {
            let offset = i64::try_from(server.as_secs())
                .unwrap_or(i64::MAX)
                .saturating_sub(i64::try_from(unix_now()).unwrap_or(i64::MAX));
            self.clock_offset_secs.store(offset, Ordering::Relaxed);
        }
    }
}

/// One request's method and path, relative to the backend's base URL (query included), as the
/// protocol's route table gives them.
pub(crate) struct Target {
    method: Method,
    path: String,
}

impl Target {
    /// The route of an operation without path parameters.
    pub(crate) fn of(operation: Operation) -> Self {
        Self::with(operation, &[])
    }

    /// The route of `operation`, its path parameters filled from `params`.
    fn with(operation: Operation, params: &[PathParam<'_>]) -> Self {
        let route = operation.route();
        let method = match route.method {
            HttpMethod::Get => Method::GET,
            HttpMethod::Post => Method::POST,
            HttpMethod::Put => Method::PUT,
        };
        // Relative, so that a base URL with a path of its own keeps it.
        let path = route.path_with(params).trim_start_matches('/').to_owned();
        Self { method, path }
    }

    /// The same request for a page of messages or feed items after `after`.
    fn after(mut self, after: u64) -> Self {
        self.path = format!("{}?after={after}", self.path);
        self
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, SyncError> {
    serde_json::to_vec(value).map_err(|error| SyncError::Protocol(error.to_string()))
}

async fn parse_json<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, SyncError> {
    let bytes = read_limited(response, MAX_JSON_RESPONSE_BYTES).await?;
    serde_json::from_slice(&bytes).map_err(|error| SyncError::Protocol(error.to_string()))
}

/// Reads a body of at most `max_bytes`; a longer one is refused without reading it all.
async fn read_limited(
    mut response: reqwest::Response,
    max_bytes: usize,
) -> Result<Vec<u8>, SyncError> {
    if response
        .content_length()
        .is_some_and(|length| length > max_bytes as u64)
    {
        return Err(SyncError::Protocol(
            "the answer is larger than allowed".into(),
        ));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| SyncError::Network(describe(&error)))?
    {
        if bytes.len() + chunk.len() > max_bytes {
            return Err(SyncError::Protocol(
                "the answer is larger than allowed".into(),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// `Retry-After` as seconds or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    if let Ok(secs) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// A reqwest error without the URL (which is the backend's, but errors should stay short).
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the answer was cut short"
    } else {
        "the request failed"
    };
    let mut text = kind.to_owned();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_required_and_loopback_http_only_when_allowed() {
        assert!(parse_backend_url("https://backend.example/", false).is_ok());
        assert!(parse_backend_url("http://backend.example/", false).is_err());
        assert!(parse_backend_url("http://backend.example/", true).is_err());
        assert!(parse_backend_url("http://127.0.0.1:8080", false).is_err());
        assert!(parse_backend_url("http://127.0.0.1:8080", true).is_ok());
        assert!(parse_backend_url("http://[::1]:8080", true).is_ok());
        assert!(parse_backend_url("http://localhost:8080", true).is_ok());
        assert!(parse_backend_url("http://127.0.0.1.example.com/", true).is_err());
        assert!(parse_backend_url("ftp://backend.example/", true).is_err());
        assert!(parse_backend_url("https://user:pw@backend.example/", false).is_err());
        assert!(parse_backend_url("not a url", true).is_err());
    }

    #[test]
    fn a_base_path_is_kept() {
        let url = parse_backend_url("https://backend.example/childsafe", false).unwrap();
        assert_eq!(
            url.join("v1/devices").unwrap().as_str(),
            "https://backend.example/childsafe/v1/devices"
        );
    }

    #[test]
    fn retry_after_reads_seconds() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("soon"), None);
    }
}
