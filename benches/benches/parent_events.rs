//! Live alerts under load: the reference backend on loopback, N parents each holding a
//! `GET /v1/parent/events` stream, and one phone, paired with every one of them through the real
//! routes (invite, claim signed with the pairing key, the phone's signed confirmation), that
//! uploads an SOS. Measured: the time from the upload's answer (the end of the phone's sync) to
//! the SOS event on each stream, as median, p99 and max over every stream and round (the server
//! publishes before it answers, so an event that comes first counts as 0, and how many did is
//! printed), the same from the upload's request, and the resident memory of the process with
//! every stream open. The target is under a second.
//!
//! `cargo bench -p childsafe-benches --bench parent_events` runs 100, then 1,000 parents
//! (`EVENTS_PARENTS`, comma-separated, changes that), `EVENTS_ROUNDS` (5) SOS uploads each. The
//! server and the parents' clients share this process, so the memory printed is theirs together
//! (each stream is two sockets here: the server's and the client's); the soft open-files limit
//! is raised to the hard one first, since 1,000 streams need over 2,000 descriptors.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_backend::{ServerConfig, clock, open_storage, operator, spawn};
use childsafe_core::crypto::{self, PublicKey, SigningKey};
use childsafe_core::protocol::pairing::{PairingSecret, ParentRole, ParentStatement, sign_claim};
use childsafe_core::protocol::report::{ReportKind, UploadedReport, new_report_id};
use childsafe_core::protocol::request_signing::{
    HEADER_IDEMPOTENCY_KEY, HEADER_NONCE, HEADER_PRINCIPAL, HEADER_SIGNATURE, HEADER_TIMESTAMP,
    PrincipalKind, RequestParts, key_id, registration_proof,
};
use childsafe_core::protocol::wire::{
    DeviceRegistration, PairingInvite, ParentClaim, ParentRegistration, ReportBatch,
    SignedParentStatement,
};
use serde::Serialize;
use tokio::sync::{Barrier, mpsc};

/// The latency the issue asks for.
const TARGET: Duration = Duration::from_secs(1);
/// How long a round may wait for its events before the bench gives up on it.
const ROUND_LIMIT: Duration = Duration::from_secs(30);

fn knob(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// A registered device or parent that signs its requests as the SDK does.
struct Principal {
    kind: PrincipalKind,
    key: SigningKey,
    id: String,
}

impl Principal {
    fn new(kind: PrincipalKind) -> Self {
        let (key, _) = SigningKey::generate().unwrap();
        let id = key_id(&key.public_key());
        Self { kind, key, id }
    }

    fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }
}

/// The bench's HTTP client over one server.
struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    /// A request signed by `who`, with `body` (empty for a GET).
    fn signed(
        &self,
        who: &Principal,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
        idempotency_key: &str,
    ) -> reqwest::RequestBuilder {
        let principal = format!("{}:{}", who.kind.as_str(), who.id);
        let timestamp = clock::unix_now();
        let nonce = URL_SAFE_NO_PAD.encode(crypto::random_bytes::<16>().unwrap());
        let parts = RequestParts {
            principal: &principal,
            method: method.as_str(),
            path_and_query: path,
            timestamp,
            nonce: &nonce,
            idempotency_key,
            body: &body,
        };
        let signature = URL_SAFE_NO_PAD.encode(who.key.sign(&parts.message()));
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.url))
            .header(HEADER_PRINCIPAL, principal)
            .header(HEADER_TIMESTAMP, timestamp.to_string())
            .header(HEADER_NONCE, nonce)
            .header(HEADER_SIGNATURE, signature)
            .header("content-type", "application/json")
            .body(body);
        if !idempotency_key.is_empty() {
            request = request.header(HEADER_IDEMPOTENCY_KEY, idempotency_key);
        }
        request
    }

    async fn post_signed(&self, who: &Principal, path: &str, body: &impl Serialize) -> u16 {
        let body = serde_json::to_vec(body).unwrap();
        self.signed(who, reqwest::Method::POST, path, body, "")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    async fn post_public(&self, path: &str, body: &impl Serialize) -> u16 {
        self.http
            .post(format!("{}{path}", self.url))
            .json(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

/// Pairs `parent` with `device` through the real routes, with statement counter `seq`.
async fn pair(client: &Client, device: &Principal, parent: &Principal, seq: u64) {
    let secret = PairingSecret::generate().unwrap();
    let pairing_key = secret.pairing_key().unwrap();
    let invite = PairingInvite {
        pairing_public_key: pairing_key.public_key(),
        expires_at: clock::unix_now() + 600,
    };
    assert_eq!(
        client
            .post_signed(device, "/v1/device/pairing-invites", &invite)
            .await,
        201
    );
    let claim = ParentClaim {
        device_id: device.id.clone(),
        claim_signature: sign_claim(&pairing_key, &device.id, &parent.public_key()),
        parent_public_key: parent.public_key(),
    };
    assert_eq!(
        client
            .post_signed(parent, "/v1/parent/pairing-claims", &claim)
            .await,
        202
    );
    let role = if seq == 1 {
        ParentRole::Owner
    } else {
        ParentRole::Member
    };
    let statement = ParentStatement::ParentConfirmed {
        device_id: device.id.clone(),
        parent_public_key: parent.public_key(),
        role,
        seq,
    };
    let sealed = statement.seal(&device.key).unwrap();
    let body = SignedParentStatement {
        statement: URL_SAFE_NO_PAD.encode(sealed),
    };
    assert_eq!(
        client
            .post_signed(device, "/v1/device/parent-statements", &body)
            .await,
        200
    );
}

/// Holds `parent`'s stream open and sends the moment each `report` event arrives.
async fn hold_stream(
    client: Arc<Client>,
    parent: Principal,
    opened: Arc<Barrier>,
    arrivals: mpsc::UnboundedSender<Instant>,
) {
    let mut response = client
        .signed(
            &parent,
            reqwest::Method::GET,
            "/v1/parent/events",
            Vec::new(),
            "",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "a stream was refused");
    opened.wait().await;
    let mut pending = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let now = Instant::now();
        pending.extend_from_slice(&chunk);
        // Events end with a blank line; count the report events among those complete.
        while let Some(end) = pending.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = pending.drain(..end + 2).collect();
            let is_report = event.starts_with(b"event: report")
                || event.windows(14).any(|w| w == b"\nevent: report");
            if is_report && arrivals.send(now).is_err() {
                return;
            }
        }
    }
}

fn sos() -> UploadedReport {
    UploadedReport {
        id: new_report_id().unwrap(),
        kind: ReportKind::Sos,
        created_at: clock::unix_now(),
        urls: Vec::new(),
        reported_user: None,
        notes: Some("help".to_owned()),
        screenshot_text: None,
        location: None,
        helpline_only: false,
    }
}

/// Resident memory of this process, in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// Raises the soft open-files limit to the hard one, and says what it is.
fn raise_open_files_limit(needed: u64) {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current.is_some_and(|soft| soft < needed) {
        limit.current = limit.maximum;
        if let Err(error) = setrlimit(Resource::Nofile, limit) {
            println!("could not raise the open-files limit: {error}");
        }
    }
    let now = getrlimit(Resource::Nofile);
    let shown = |value: Option<u64>| value.map_or("unlimited".to_owned(), |v| v.to_string());
    println!(
        "open files: soft {} hard {} (need about {needed})",
        shown(now.current),
        shown(now.maximum)
    );
    if now.current.is_some_and(|soft| soft < needed) {
        panic!("the open-files limit is under {needed}: raise the hard limit (ulimit -Hn)");
    }
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 * fraction).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

async fn run(parents: usize, rounds: usize) {
    let dir = tempfile::tempdir().unwrap();
    let storage = open_storage(Some(dir.path()), None).await.unwrap();
    let mut config = ServerConfig::loopback();
    // Every parent registers from this one address.
    config.parent_registrations_per_address = u32::try_from(parents).unwrap() + 1;
    let server = spawn(Arc::clone(&storage), config).await.unwrap();
    let client = Arc::new(Client {
        http: reqwest::Client::new(),
        url: server.url(),
    });
    let rss_at_start = rss_mib();

    let device = Principal::new(PrincipalKind::Device);
    let token = operator::mint_activation_tokens(storage.as_ref(), 1, 0)
        .await
        .unwrap()
        .remove(0);
    let registration = DeviceRegistration {
        line: None,
        activation_token: token.clone(),
        public_key: device.public_key(),
        country: "GB".to_owned(),
        proof: registration_proof(&device.key, PrincipalKind::Device, &token),
    };
    assert_eq!(client.post_public("/v1/devices", &registration).await, 201);

    let pairing_started = Instant::now();
    let mut all = Vec::with_capacity(parents);
    for seq in 1..=parents as u64 {
        let parent = Principal::new(PrincipalKind::Parent);
        let registration = ParentRegistration {
            public_key: parent.public_key(),
            proof: registration_proof(&parent.key, PrincipalKind::Parent, ""),
        };
        assert_eq!(client.post_public("/v1/parents", &registration).await, 201);
        pair(&client, &device, &parent, seq).await;
        all.push(parent);
    }
    let pairing_took = pairing_started.elapsed();

    let opened = Arc::new(Barrier::new(parents + 1));
    let (arrivals, mut arrived) = mpsc::unbounded_channel();
    let mut holders = Vec::with_capacity(parents);
    for parent in all {
        holders.push(tokio::spawn(hold_stream(
            Arc::clone(&client),
            parent,
            Arc::clone(&opened),
            arrivals.clone(),
        )));
    }
    drop(arrivals);
    opened.wait().await;
    let rss_open = rss_mib();
    println!(
        "{parents:>5} parents: paired in {:.1} s; {} connections open; RSS {rss_at_start:.1} MiB \
         before the streams, {rss_open:.1} MiB with all open ({:.1} KiB a stream, both ends)",
        pairing_took.as_secs_f64(),
        server.open_connections(),
        (rss_open - rss_at_start) * 1024.0 / parents as f64
    );

    let mut after_answer = Vec::with_capacity(parents * rounds);
    let mut after_start = Vec::with_capacity(parents * rounds);
    let mut before_answer = 0usize;
    for round in 0..rounds {
        let batch = ReportBatch {
            reports: vec![sos()],
        };
        let body = serde_json::to_vec(&batch).unwrap();
        let key = format!(
            "sos-{round}-{}",
            URL_SAFE_NO_PAD.encode(crypto::random_bytes::<8>().unwrap())
        );
        let sent = Instant::now();
        let status = client
            .signed(
                &device,
                reqwest::Method::POST,
                "/v1/device/reports",
                body,
                &key,
            )
            .send()
            .await
            .unwrap()
            .status();
        let answered = Instant::now();
        assert_eq!(status.as_u16(), 200, "the SOS upload failed");
        for _ in 0..parents {
            let at = tokio::time::timeout(ROUND_LIMIT, arrived.recv())
                .await
                .expect("an SOS never reached a stream")
                .expect("a stream ended");
            if at < answered {
                before_answer += 1;
            }
            after_answer.push(at.saturating_duration_since(answered));
            after_start.push(at.saturating_duration_since(sent));
        }
        let upload = answered - sent;
        println!(
            "        round {}: upload answered in {:.1} ms",
            round + 1,
            upload.as_secs_f64() * 1000.0
        );
    }
    after_answer.sort();
    after_start.sort();
    let max = *after_answer.last().unwrap();
    let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
    println!(
        "{parents:>5} parents: from the upload's request to the stream: median {:.2} ms, p99 \
         {:.2} ms, max {:.2} ms",
        ms(percentile(&after_start, 0.5)),
        ms(percentile(&after_start, 0.99)),
        ms(*after_start.last().unwrap()),
    );
    println!(
        "{parents:>5} parents, {} SOS events: from the upload's answer to the stream: median \
         {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} arrived before the answer, counted as 0) — \
         target under {} s: {}",
        after_answer.len(),
        ms(percentile(&after_answer, 0.5)),
        ms(percentile(&after_answer, 0.99)),
        ms(max),
        before_answer,
        TARGET.as_secs(),
        if max < TARGET { "met" } else { "MISSED" }
    );
    for holder in &holders {
        holder.abort();
    }
    server.shutdown().await.unwrap();
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = knob("EVENTS_PARENTS", "100,1000")
        .split(',')
        .map(|size| size.trim().parse().expect("EVENTS_PARENTS: numbers"))
        .collect();
    let rounds: usize = knob("EVENTS_ROUNDS", "5").parse().expect("EVENTS_ROUNDS");
    let largest = sizes.iter().copied().max().unwrap_or(0) as u64;
    raise_open_files_limit(largest * 2 + 256);
    for parents in sizes {
        run(parents, rounds).await;
    }
}
