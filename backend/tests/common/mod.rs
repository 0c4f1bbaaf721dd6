//! What every backend test shares: a real server on loopback over each storage of
//! `support::storages()`, and a small client that signs requests the way the SDK does, with
//! knobs to sign them wrongly on purpose. Every exchange is recorded so the conformance test can
//! check each answer against the OpenAPI document.
#![allow(dead_code, unreachable_pub, clippy::expect_used, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_backend::storage::Storage;
use childsafe_backend::{RunningServer, ServerConfig, spawn};
use childsafe_crypto::{self as crypto, SigningKey};
use childsafe_protocol::carrier::{CarrierRegistration, LineAccepted, LineRequest, SignedUpload};
use childsafe_protocol::operator::{TokenRequest, Tokens};
use childsafe_protocol::pairing::{PairingSecret, ParentRole, ParentStatement, sign_claim};
use childsafe_protocol::report::new_report_id;
use childsafe_protocol::report::{ReportKind, UploadedReport};
use childsafe_protocol::request_signing::{
    HEADER_IDEMPOTENCY_KEY, HEADER_NONCE, HEADER_PRINCIPAL, HEADER_SIGNATURE, HEADER_TIMESTAMP,
    PrincipalKind, RequestParts, key_id, line_registration_proof, registration_proof,
};
use childsafe_protocol::wire::{
    DeviceRegistration, PairingInvite, ParentClaim, ParentRegistration, Registered, ReportBatch,
    SignedParentStatement,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::support;

pub mod raw;

/// The operator token every test server is started with.
pub const OPERATOR_TOKEN: &str = "test-operator-token-7f3a";

/// One recorded request and its answer.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// Upper-case method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// The answer.
    pub reply: Reply,
}

/// A server under test and the storage it runs on.
pub struct TestServer {
    /// `sled` or `postgres`.
    pub name: &'static str,
    /// The storage, to look behind the API ("nothing was stored").
    pub storage: Arc<dyn Storage>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// `127.0.0.1:PORT`.
    pub addr: std::net::SocketAddr,
    http: reqwest::Client,
    running: Option<RunningServer>,
    exchanges: Mutex<Vec<Exchange>>,
    _guard: Option<support::Guard>,
}

/// One server per storage, with the operator API on.
pub async fn servers() -> Vec<TestServer> {
    servers_with(|_| {}).await
}

/// One server per storage, with the configuration changed by `adjust`.
pub async fn servers_with(adjust: impl Fn(&mut ServerConfig)) -> Vec<TestServer> {
    let mut servers = Vec::new();
    for (name, storage, guard) in support::storages().await {
        servers.push(TestServer::start(name, storage, Some(guard), &adjust).await);
    }
    servers
}

/// One server on a fresh sled storage, configured by `adjust`: for stories about connections,
/// which do not depend on the storage.
pub async fn sled_server_with(adjust: impl Fn(&mut ServerConfig)) -> TestServer {
    let (storage, guard) = support::fresh_sled();
    TestServer::start("sled", storage, Some(guard), &adjust).await
}

/// Who signs a request.
#[derive(Debug)]
pub struct Identity {
    /// Device or parent.
    pub kind: PrincipalKind,
    /// The id in the principal header.
    pub id: String,
    /// The key that signs (for a forger, not the registered one).
    pub key: SigningKey,
}

impl Identity {
    /// A fresh key, not registered anywhere.
    pub fn new(kind: PrincipalKind) -> Self {
        let (key, _) = SigningKey::generate().unwrap();
        Self {
            kind,
            id: key_id(&key.public_key()),
            key,
        }
    }

    /// Someone claiming to be this principal while holding another key.
    pub fn forger(&self) -> Self {
        let (key, _) = SigningKey::generate().unwrap();
        Self {
            kind: self.kind,
            id: self.id.clone(),
            key,
        }
    }

    /// `device:ID` or `parent:ID`.
    pub fn principal(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.id)
    }
}

/// How a request proves who sends it.
enum Auth<'a> {
    Anonymous,
    Signed(&'a Identity),
    Bearer(String),
}

/// A request being built.
pub struct Call<'a> {
    server: &'a TestServer,
    method: reqwest::Method,
    path_and_query: String,
    auth: Auth<'a>,
    body: Vec<u8>,
    content_type: Option<String>,
    headers: Vec<(String, String)>,
    idempotency_key: Option<String>,
    timestamp: Option<u64>,
    nonce: Option<String>,
}

impl<'a> Call<'a> {
    /// Signs as this device or parent.
    pub fn signed(mut self, identity: &'a Identity) -> Self {
        self.auth = Auth::Signed(identity);
        self
    }

    /// Sends the operator's bearer token.
    pub fn operator(self) -> Self {
        self.bearer(OPERATOR_TOKEN)
    }

    /// Sends this bearer token.
    pub fn bearer(mut self, token: &str) -> Self {
        self.auth = Auth::Bearer(token.to_owned());
        self
    }

    /// A JSON body.
    pub fn json(self, value: &impl Serialize) -> Self {
        self.raw(serde_json::to_vec(value).unwrap(), "application/json")
    }

    /// A body of these bytes and content type.
    pub fn raw(mut self, body: Vec<u8>, content_type: &str) -> Self {
        self.body = body;
        self.content_type = Some(content_type.to_owned());
        self
    }

    /// Another header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The `Idempotency-Key` (signed along).
    pub fn idempotency_key(mut self, key: &str) -> Self {
        self.idempotency_key = Some(key.to_owned());
        self
    }

    /// Signs with this timestamp instead of now.
    pub fn timestamp(mut self, unix: u64) -> Self {
        self.timestamp = Some(unix);
        self
    }

    /// Signs with this nonce instead of a fresh one.
    pub fn nonce(mut self, nonce: &str) -> Self {
        self.nonce = Some(nonce.to_owned());
        self
    }

    /// Sends it and records the exchange.
    pub async fn send(self) -> Reply {
        let response = self.prepared().send().await.unwrap();
        self.finish(response).await
    }

    /// The request, signed as asked.
    fn prepared(&self) -> reqwest::RequestBuilder {
        let url = format!("{}{}", self.server.url, self.path_and_query);
        let mut request = self
            .server
            .http
            .request(self.method.clone(), url)
            .body(self.body.clone());
        if let Some(content_type) = &self.content_type {
            request = request.header("content-type", content_type);
        }
        if let Some(key) = &self.idempotency_key {
            request = request.header(HEADER_IDEMPOTENCY_KEY, key);
        }
        match &self.auth {
            Auth::Anonymous => {}
            Auth::Bearer(token) => {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            Auth::Signed(identity) => {
                let principal = identity.principal();
                let timestamp = self
                    .timestamp
                    .unwrap_or_else(childsafe_backend::clock::unix_now);
                let nonce = self.nonce.clone().unwrap_or_else(|| {
                    URL_SAFE_NO_PAD.encode(crypto::random_bytes::<16>().unwrap())
                });
                let parts = RequestParts {
                    principal: &principal,
                    method: self.method.as_str(),
                    path_and_query: &self.path_and_query,
                    timestamp,
                    nonce: &nonce,
                    idempotency_key: self.idempotency_key.as_deref().unwrap_or(""),
                    body: &self.body,
                };
                let signature = URL_SAFE_NO_PAD.encode(identity.key.sign(&parts.message()));
                request = request
                    .header(HEADER_PRINCIPAL, principal)
                    .header(HEADER_TIMESTAMP, timestamp.to_string())
                    .header(HEADER_NONCE, nonce)
                    .header(HEADER_SIGNATURE, signature);
            }
        }
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        request
    }

    /// Opens a server-sent-events stream: the stream on 200 (recorded with its head only), or
    /// the refusal.
    pub async fn open_events(self) -> Result<EventStream, Reply> {
        let response = self.prepared().send().await.unwrap();
        if response.status().as_u16() != 200 {
            return Err(self.finish(response).await);
        }
        let path = self
            .path_and_query
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned();
        let reply = Reply {
            status: 200,
            headers: response.headers().clone(),
            body: Vec::new(),
        };
        self.server.exchanges.lock().unwrap().push(Exchange {
            method: self.method.as_str().to_owned(),
            path,
            reply,
        });
        Ok(EventStream {
            response,
            buffer: Vec::new(),
        })
    }

    /// Reads an answer and records the exchange.
    async fn finish(&self, response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.unwrap().to_vec();
        let reply = Reply {
            status,
            headers,
            body,
        };
        let path = self
            .path_and_query
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned();
        self.server.exchanges.lock().unwrap().push(Exchange {
            method: self.method.as_str().to_owned(),
            path,
            reply: reply.clone(),
        });
        reply
    }
}

/// An open server-sent-events stream.
pub struct EventStream {
    response: reqwest::Response,
    buffer: Vec<u8>,
}

/// One server-sent event: its `event` name and its `data`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event` field.
    pub name: String,
    /// The `data` field.
    pub data: String,
}

impl EventStream {
    /// The next event, skipping keep-alive comments; `None` when the stream ends, panics when
    /// nothing comes within `wait`.
    pub async fn next_event(&mut self, wait: std::time::Duration) -> Option<SseEvent> {
        tokio::time::timeout(wait, self.next())
            .await
            .expect("no event and no end within the wait")
    }

    /// Whether the stream ends (or sends nothing but comments) within `wait`, with no event.
    pub async fn nothing_within(&mut self, wait: std::time::Duration) -> Option<SseEvent> {
        tokio::time::timeout(wait, self.next()).await.ok().flatten()
    }

    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let block = String::from_utf8(block).unwrap();
                let mut name = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        name = value.trim_start().to_owned();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim_start());
                    }
                }
                if !data.is_empty() {
                    return Some(SseEvent { name, data });
                }
                continue;
            }
            match self.response.chunk().await {
                Ok(Some(chunk)) => self.buffer.extend_from_slice(&chunk),
                Ok(None) | Err(_) => return None,
            }
        }
    }
}

/// An answer.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as `T`; panics with the body when it is not.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "status {} body {:?} is not the expected JSON: {error}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The `error` code of an ErrorBody answer.
    pub fn error(&self) -> String {
        let value: Value = self.json();
        value["error"].as_str().unwrap_or_default().to_owned()
    }

    /// Asserts the status, showing the body when it differs.
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status,
            status,
            "unexpected answer: {}",
            String::from_utf8_lossy(&self.body)
        );
        self
    }

    /// Asserts a refusal: this status, an ErrorBody with this code.
    pub fn refused(self, status: u16, code: &str) -> Self {
        let reply = self.expect(status);
        assert_eq!(
            reply.error(),
            code,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        reply
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    }
}

impl TestServer {
    async fn start(
        name: &'static str,
        storage: Arc<dyn Storage>,
        guard: Option<support::Guard>,
        adjust: &dyn Fn(&mut ServerConfig),
    ) -> Self {
        let mut config = ServerConfig::new("127.0.0.1:0".parse().unwrap());
        config.operator_token = Some(OPERATOR_TOKEN.to_owned());
        adjust(&mut config);
        let running = spawn(Arc::clone(&storage), config).await.unwrap();
        TestServer {
            name,
            storage,
            url: running.url(),
            addr: running.addr(),
            http: reqwest::Client::new(),
            running: Some(running),
            exchanges: Mutex::new(Vec::new()),
            _guard: guard,
        }
    }

    /// Another server over the same storage (a second replica), configured by `adjust`.
    pub async fn replica(&self, adjust: impl Fn(&mut ServerConfig)) -> TestServer {
        TestServer::start(self.name, Arc::clone(&self.storage), None, &adjust).await
    }

    /// A request to `path_and_query`.
    pub fn call(&self, method: &str, path_and_query: &str) -> Call<'_> {
        Call {
            server: self,
            method: reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            path_and_query: path_and_query.to_owned(),
            auth: Auth::Anonymous,
            body: Vec::new(),
            content_type: None,
            headers: Vec::new(),
            idempotency_key: None,
            timestamp: None,
            nonce: None,
        }
    }

    /// A GET.
    pub fn get(&self, path_and_query: &str) -> Call<'_> {
        self.call("GET", path_and_query)
    }

    /// A POST.
    pub fn post(&self, path_and_query: &str) -> Call<'_> {
        self.call("POST", path_and_query)
    }

    /// A PUT.
    pub fn put(&self, path_and_query: &str) -> Call<'_> {
        self.call("PUT", path_and_query)
    }

    /// How many connections the server has open.
    pub fn open_connections(&self) -> usize {
        self.running
            .as_ref()
            .map_or(0, RunningServer::open_connections)
    }

    /// Records an exchange made without [`Call`] (over a raw socket), for the conformance check.
    pub fn record(&self, method: &str, path: &str, reply: &Reply) {
        self.exchanges.lock().unwrap().push(Exchange {
            method: method.to_owned(),
            path: path.to_owned(),
            reply: reply.clone(),
        });
    }

    /// Every exchange so far.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.lock().unwrap().clone()
    }

    /// Activation tokens minted through the operator API.
    pub async fn tokens(&self, count: u32) -> Vec<String> {
        self.post("/v1/operator/activation-tokens")
            .operator()
            .json(&TokenRequest { count })
            .send()
            .await
            .expect(201)
            .json::<Tokens>()
            .tokens
    }

    /// The registration body of a device with this token.
    pub fn device_registration(
        identity: &Identity,
        token: &str,
        country: &str,
    ) -> DeviceRegistration {
        DeviceRegistration {
            line: None,
            activation_token: token.to_owned(),
            public_key: identity.key.public_key(),
            country: country.to_owned(),
            proof: registration_proof(&identity.key, PrincipalKind::Device, token),
        }
    }

    /// A newly registered device in `country`.
    pub async fn device(&self, country: &str) -> Identity {
        let identity = Identity::new(PrincipalKind::Device);
        let token = self.tokens(1).await.remove(0);
        let registered: Registered = self
            .post("/v1/devices")
            .json(&Self::device_registration(&identity, &token, country))
            .send()
            .await
            .expect(201)
            .json();
        assert_eq!(registered.id, identity.id);
        identity
    }

    /// A newly registered parent.
    pub async fn parent(&self) -> Identity {
        let identity = Identity::new(PrincipalKind::Parent);
        self.post("/v1/parents")
            .json(&ParentRegistration {
                public_key: identity.key.public_key(),
                proof: registration_proof(&identity.key, PrincipalKind::Parent, ""),
            })
            .send()
            .await
            .expect(201);
        identity
    }

    /// Pairs `parent` with `device` the way that cannot be hijacked (see
    /// `pair_by_invite`), with the next statement counter of this test process, which
    /// is above any the device used before.
    pub async fn pair(&self, device: &Identity, parent: &Identity) {
        self.pair_by_invite(device, parent, next_statement_seq())
            .await;
    }

    /// Opens a pairing invite of `device` with a fresh secret, which it returns as the QR code
    /// would carry it.
    pub async fn invite(&self, device: &Identity) -> PairingSecret {
        let secret = PairingSecret::generate().unwrap();
        self.post("/v1/device/pairing-invites")
            .signed(device)
            .json(&PairingInvite {
                pairing_public_key: secret.pairing_key().unwrap().public_key(),
                expires_at: childsafe_backend::clock::unix_now() + 600,
            })
            .send()
            .await
            .expect(201);
        secret
    }

    /// `parent` claims the invite of the device `device_id`, signing with `pairing_key` (the
    /// right one only if it read the QR code).
    pub async fn claim_invite(
        &self,
        parent: &Identity,
        device_id: &str,
        pairing_key: &SigningKey,
    ) -> Reply {
        let parent_public_key = parent.key.public_key();
        self.post("/v1/parent/pairing-claims")
            .signed(parent)
            .json(&ParentClaim {
                device_id: device_id.to_owned(),
                claim_signature: sign_claim(pairing_key, device_id, &parent_public_key),
                parent_public_key,
            })
            .send()
            .await
    }

    /// `device` posts `statement` sealed with `sealed_by` (its own key, unless the test forges).
    pub async fn post_statement(
        &self,
        device: &Identity,
        sealed_by: &SigningKey,
        statement: &ParentStatement,
    ) -> Reply {
        let sealed = statement.seal(sealed_by).unwrap();
        self.post("/v1/device/parent-statements")
            .signed(device)
            .json(&SignedParentStatement {
                statement: URL_SAFE_NO_PAD.encode(sealed),
            })
            .send()
            .await
    }

    /// Pairs `device` and `parent` the way that cannot be hijacked: invite, claim with the
    /// secret, and the device's signed confirmation with statement counter `seq`.
    pub async fn pair_by_invite(&self, device: &Identity, parent: &Identity, seq: u64) {
        let secret = self.invite(device).await;
        self.claim_invite(parent, &device.id, &secret.pairing_key().unwrap())
            .await
            .expect(202);
        self.post_statement(device, &device.key, &confirmed(device, parent, seq))
            .await
            .expect(200);
    }

    /// `owner` asks to remove `parent` from `device`.
    pub async fn remove_as_owner(
        &self,
        owner: &Identity,
        device: &Identity,
        parent: &Identity,
    ) -> Reply {
        self.post(&format!("/v1/parent/devices/{}/parent-removals", device.id))
            .signed(owner)
            .json(&childsafe_protocol::wire::ParentRemoval {
                parent_public_key: parent.key.public_key(),
            })
            .send()
            .await
    }

    /// Uploads reports under an idempotency key.
    pub async fn upload(&self, device: &Identity, key: &str, reports: &[UploadedReport]) -> Reply {
        self.post("/v1/device/reports")
            .signed(device)
            .idempotency_key(key)
            .json(&ReportBatch {
                reports: reports.to_vec(),
            })
            .send()
            .await
    }

    /// A carrier the operator admitted as `carrier_id` (its identity signs as it).
    pub async fn carrier(&self, carrier_id: &str) -> Identity {
        let (key, _) = SigningKey::generate().unwrap();
        self.post("/v1/operator/carriers")
            .operator()
            .json(&CarrierRegistration {
                carrier_id: carrier_id.to_owned(),
                name: format!("Carrier {carrier_id}"),
                public_key: key.public_key(),
            })
            .send()
            .await
            .expect(201);
        Identity {
            kind: PrincipalKind::Carrier,
            id: carrier_id.to_owned(),
            key,
        }
    }

    /// `carrier` adds the child's line `line` in the 9-12 band; its handle.
    pub async fn line(&self, carrier: &Identity, line: &str) -> String {
        self.post("/v1/carrier/lines")
            .signed(carrier)
            .json(&line_request(line))
            .send()
            .await
            .expect(201)
            .json::<LineAccepted>()
            .line_handle
    }

    /// A fresh device registering with the child's line `line` (no token).
    pub async fn register_on_line(&self, line: &str) -> (Identity, Reply) {
        let identity = Identity::new(PrincipalKind::Device);
        let reply = self
            .post("/v1/devices")
            .json(&line_registration(&identity, line))
            .send()
            .await;
        (identity, reply)
    }

    /// Stops the server, waiting for it to finish.
    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await.unwrap();
        }
    }
}

/// The settings of a 9-12 child's line in GB.
pub fn line_request(line: &str) -> LineRequest {
    LineRequest {
        line: line.to_owned(),
        country: "GB".to_owned(),
        band: Some("9-12".to_owned()),
        birth_month: None,
        extra_blocked_categories: vec!["gambling".to_owned()],
        parents_may_relax: vec!["safe-search".to_owned()],
    }
}

/// The registration body of a device naming the child's line `line`, with no token.
pub fn line_registration(identity: &Identity, line: &str) -> DeviceRegistration {
    DeviceRegistration {
        line: Some(line.to_owned()),
        activation_token: String::new(),
        public_key: identity.key.public_key(),
        country: "GB".to_owned(),
        proof: line_registration_proof(&identity.key, PrincipalKind::Device, "", Some(line)),
    }
}

/// `document` sealed by `key` under `context`, as a [`SignedUpload`] carries it.
pub fn sealed(document: &impl Serialize, context: &[u8], key: &SigningKey) -> SignedUpload {
    SignedUpload {
        envelope: URL_SAFE_NO_PAD.encode(crypto::envelope::seal(document, context, key).unwrap()),
    }
}

/// A profile's or deactivation's payload, as far as the server reads it, for `carrier`'s line
/// `handle` and `device_id`.
pub fn line_document(carrier: &str, handle: &str, device_id: &str, sequence: u64) -> Value {
    serde_json::json!({
        "carrier": carrier,
        "profile_id": "p1",
        "line": handle,
        "device_id": device_id,
        "band": "9-12",
        "issued_at": 1_780_000_000u64,
        "expires_at": 4_000_000_000u64,
        "sequence": sequence,
    })
}

/// A valid report of this kind with a fresh id.
pub fn report(kind: ReportKind) -> UploadedReport {
    UploadedReport {
        id: new_report_id().unwrap(),
        kind,
        created_at: 1_780_000_000,
        urls: match kind {
            ReportKind::IllegalContent | ReportKind::Grooming => {
                vec!["https://example.com/page".to_owned()]
            }
            ReportKind::Bullying | ReportKind::Sos => Vec::new(),
        },
        reported_user: None,
        notes: Some("what happened".to_owned()),
        screenshot_text: None,
        location: None,
        helpline_only: false,
    }
}

/// A random idempotency key.
pub fn fresh_key() -> String {
    URL_SAFE_NO_PAD.encode(crypto::random_bytes::<12>().unwrap())
}

/// `device`'s statement that it confirmed `parent` as its owner.
pub fn confirmed(device: &Identity, parent: &Identity, seq: u64) -> ParentStatement {
    ParentStatement::ParentConfirmed {
        device_id: device.id.clone(),
        parent_public_key: parent.key.public_key(),
        role: ParentRole::Owner,
        seq,
    }
}

/// A statement counter above every one this test process used before, for any device.
pub fn next_statement_seq() -> u64 {
    static STATEMENTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    STATEMENTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// `device`'s statement that it confirmed `parent` as a parent the owner invited.
pub fn confirmed_member(device: &Identity, parent: &Identity, seq: u64) -> ParentStatement {
    ParentStatement::ParentConfirmed {
        device_id: device.id.clone(),
        parent_public_key: parent.key.public_key(),
        role: ParentRole::Member,
        seq,
    }
}

/// `device`'s statement that it removed `parent`.
pub fn removed(device: &Identity, parent: &Identity, seq: u64) -> ParentStatement {
    ParentStatement::ParentRemoved {
        device_id: device.id.clone(),
        parent_public_key: parent.key.public_key(),
        seq,
    }
}
