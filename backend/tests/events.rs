//! A parent's live events against a real server: what reaches a parent's stream (its confirmed
//! children's reports, SOS first, their messages and statuses) and what never does (another
//! parent's children, a child whose claim is still pending, anything after a removal, which also
//! ends the stream); the caps on streams; a stream that keeps no request slot of its address;
//! and the push gateway, a real HTTP receiver on loopback that checks every signature, including
//! one that fails first and gets the event on a retry.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_backend::push::{HEADER_PUSH_SIGNATURE, HEADER_PUSH_TIMESTAMP, push_signed_bytes};
use childsafe_crypto::PublicKey;
use childsafe_protocol::report::ReportKind;
use childsafe_protocol::wire::{
    DeviceStatus, Feed, MessageKind, OutgoingMessage, PairedPeers, ParentEvent, ServerInfo,
};
use common::{EventStream, Identity, TestServer, fresh_key, removed, report};
use serde_json::Value;
use tokio::sync::mpsc;

/// Long enough for anything the server sends at once to arrive on loopback.
const ARRIVES: Duration = Duration::from_secs(10);
/// How long a stream is watched for something that must not come.
const QUIET: Duration = Duration::from_millis(400);

async fn events_of(server: &TestServer, parent: &Identity) -> EventStream {
    server
        .get("/v1/parent/events")
        .signed(parent)
        .open_events()
        .await
        .unwrap_or_else(|reply| panic!("no stream: {} {:?}", reply.status, reply.error()))
}

async fn next(stream: &mut EventStream) -> ParentEvent {
    let event = stream.next_event(ARRIVES).await.expect("the stream ended");
    let parsed: ParentEvent = serde_json::from_str(&event.data).unwrap();
    assert_eq!(event.name, parsed.name(), "the SSE name is the event's");
    parsed
}

fn message(kind: MessageKind) -> OutgoingMessage {
    OutgoingMessage {
        kind,
        blob: URL_SAFE_NO_PAD.encode(b"a signed document"),
    }
}

#[tokio::test]
async fn a_parent_streams_its_childrens_reports_sos_first_messages_and_statuses() {
    for server in common::servers().await {
        let child = server.device("GB").await;
        let parent = server.parent().await;
        server.pair_by_invite(&child, &parent, 1).await;
        let other_child = server.device("GB").await;
        let other_parent = server.parent().await;
        server.pair_by_invite(&other_child, &other_parent, 1).await;
        let mut mine = events_of(&server, &parent).await;
        let mut theirs = events_of(&server, &other_parent).await;

        let bullying = report(ReportKind::Bullying);
        let sos = report(ReportKind::Sos);
        server
            .upload(&child, &fresh_key(), &[bullying.clone(), sos.clone()])
            .await
            .expect(200);
        let first = next(&mut mine).await;
        let second = next(&mut mine).await;
        let (ParentEvent::Report { item: first }, ParentEvent::Report { item: second }) =
            (first, second)
        else {
            panic!("not two reports");
        };
        assert_eq!(first.report, sos, "[{}] the SOS comes first", server.name);
        assert_eq!(second.report, bullying);
        // Each event names the feed item the parent reads.
        let feed: Feed = server
            .get("/v1/parent/feed")
            .signed(&parent)
            .send()
            .await
            .expect(200)
            .json();
        for item in [&first, &second] {
            assert!(feed.items.contains(item), "[{}] {item:?}", server.name);
            assert_eq!(item.device_id, child.id);
        }

        let sent = server
            .post("/v1/device/messages")
            .signed(&child)
            .json(&message(MessageKind::Receipt))
            .send()
            .await
            .expect(201)
            .json::<childsafe_protocol::wire::Relayed>();
        assert_eq!(
            next(&mut mine).await,
            ParentEvent::Message {
                device_id: child.id.clone(),
                seq: sent.seq,
                kind: MessageKind::Receipt,
            }
        );

        server
            .post("/v1/device/status")
            .signed(&child)
            .json(&DeviceStatus::default())
            .send()
            .await
            .expect(204);
        assert!(matches!(
            next(&mut mine).await,
            ParentEvent::Status { device_id, .. } if device_id == child.id
        ));

        assert_eq!(
            theirs.nothing_within(QUIET).await,
            None,
            "[{}] another parent's child's events leaked",
            server.name
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_claim_the_phone_has_not_confirmed_gets_no_event() {
    for server in common::servers().await {
        let child = server.device("GB").await;
        let claimant = server.parent().await;
        let secret = server.invite(&child).await;
        server
            .claim_invite(&claimant, &child.id, &secret.pairing_key().unwrap())
            .await
            .expect(202);
        let mut stream = events_of(&server, &claimant).await;
        server
            .upload(&child, &fresh_key(), &[report(ReportKind::Sos)])
            .await
            .expect(200);
        assert_eq!(
            stream.nothing_within(QUIET).await,
            None,
            "[{}]",
            server.name
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_removed_parents_stream_ends_and_a_new_one_sees_nothing_of_that_child() {
    for server in common::servers().await {
        let child = server.device("GB").await;
        let owner = server.parent().await;
        let member = server.parent().await;
        server.pair_by_invite(&child, &owner, 1).await;
        let secret = server.invite(&child).await;
        server
            .claim_invite(&member, &child.id, &secret.pairing_key().unwrap())
            .await
            .expect(202);
        server
            .post_statement(
                &child,
                &child.key,
                &common::confirmed_member(&child, &member, 2),
            )
            .await
            .expect(200);

        // Removed by the owner: the member's open stream ends at once.
        let mut member_stream = events_of(&server, &member).await;
        server
            .remove_as_owner(&owner, &child, &member)
            .await
            .expect(204);
        assert_eq!(
            member_stream.next_event(ARRIVES).await,
            None,
            "[{}] the stream did not end",
            server.name
        );
        let mut member_again = events_of(&server, &member).await;

        // Removed by the phone's own statement: the owner's stream ends too.
        let mut owner_stream = events_of(&server, &owner).await;
        server
            .post_statement(&child, &child.key, &removed(&child, &owner, 3))
            .await
            .expect(200);
        assert_eq!(owner_stream.next_event(ARRIVES).await, None);
        let mut owner_again = events_of(&server, &owner).await;

        server
            .upload(&child, &fresh_key(), &[report(ReportKind::Sos)])
            .await
            .expect(200);
        server
            .post("/v1/device/status")
            .signed(&child)
            .json(&DeviceStatus::default())
            .send()
            .await
            .expect(204);
        for stream in [&mut member_again, &mut owner_again] {
            assert_eq!(
                stream.nothing_within(QUIET).await,
                None,
                "[{}]",
                server.name
            );
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn streams_are_capped_per_parent_and_in_total() {
    let server = common::sled_server_with(|config| {
        config.events.per_parent = 1;
        config.events.total = 2;
    })
    .await;
    let first = server.parent().await;
    let second = server.parent().await;
    let third = server.parent().await;
    let _one = events_of(&server, &first).await;
    let refused = server
        .get("/v1/parent/events")
        .signed(&first)
        .open_events()
        .await
        .err()
        .expect("a second stream of one parent");
    assert_eq!(
        (refused.status, refused.error()),
        (429, "too_many_streams".into())
    );
    let _two = events_of(&server, &second).await;
    let full = server
        .get("/v1/parent/events")
        .signed(&third)
        .open_events()
        .await
        .err()
        .expect("a stream over the server's cap");
    assert_eq!((full.status, full.error()), (503, "streams_full".into()));
    assert!(full.header("retry-after").is_some());
    server.stop().await;
}

#[tokio::test]
async fn open_streams_keep_no_request_slot_of_their_address() {
    let server = common::sled_server_with(|config| {
        config.connections.max_requests_per_address = 2;
    })
    .await;
    let mut streams = Vec::new();
    for _ in 0..3 {
        let parent = server.parent().await;
        streams.push(events_of(&server, &parent).await);
    }
    // Three streams from one address with a cap of two in flight: ordinary requests still pass.
    server.get("/v1/server").send().await.expect(200);
    server.stop().await;
}

#[tokio::test]
async fn a_snapshot_is_capped_and_shown_to_confirmed_parents_only() {
    for server in common::servers().await {
        let child = server.device("GB").await;
        let parent = server.parent().await;
        server.pair_by_invite(&child, &parent, 1).await;
        let claimant = server.parent().await;
        let secret = server.invite(&child).await;
        server
            .claim_invite(&claimant, &child.id, &secret.pairing_key().unwrap())
            .await
            .expect(202);

        let limit = childsafe_backend::limits::MAX_SNAPSHOT_BYTES;
        for bad in [
            "not base64url!".to_owned(),
            String::new(),
            URL_SAFE_NO_PAD.encode(vec![7u8; limit + 1]),
        ] {
            server
                .post("/v1/device/status")
                .signed(&child)
                .json(&DeviceStatus {
                    snapshot: Some(bad),
                    ..DeviceStatus::default()
                })
                .send()
                .await
                .refused(400, "bad_snapshot");
        }
        assert!(
            devices(&server, &parent).await.peers[0].status.is_none(),
            "[{}] a refused status was kept",
            server.name
        );

        let snapshot = URL_SAFE_NO_PAD.encode(vec![9u8; limit]);
        server
            .post("/v1/device/status")
            .signed(&child)
            .json(&DeviceStatus {
                snapshot: Some(snapshot.clone()),
                ..DeviceStatus::default()
            })
            .send()
            .await
            .expect(204);
        let shown = devices(&server, &parent).await.peers[0]
            .status
            .clone()
            .unwrap();
        assert_eq!(shown.snapshot, Some(snapshot), "[{}]", server.name);
        assert!(devices(&server, &claimant).await.peers.is_empty());
        server.stop().await;
    }
}

#[tokio::test]
async fn a_receipt_reaches_every_confirmed_parent_and_only_a_device_sends_one() {
    for server in common::servers().await {
        let child = server.device("GB").await;
        let parent = server.parent().await;
        server.pair_by_invite(&child, &parent, 1).await;
        server
            .post("/v1/device/messages")
            .signed(&child)
            .json(&message(MessageKind::Receipt))
            .send()
            .await
            .expect(201);
        let mailbox: childsafe_protocol::wire::Mailbox = server
            .get("/v1/parent/messages")
            .signed(&parent)
            .send()
            .await
            .expect(200)
            .json();
        assert_eq!(mailbox.messages.len(), 1, "[{}]", server.name);
        assert_eq!(mailbox.messages[0].kind, MessageKind::Receipt);
        server
            .post(&format!("/v1/parent/devices/{}/messages", child.id))
            .signed(&parent)
            .json(&message(MessageKind::Receipt))
            .send()
            .await
            .refused(400, "wrong_message_kind");
        server.stop().await;
    }
}

async fn devices(server: &TestServer, parent: &Identity) -> PairedPeers {
    server
        .get("/v1/parent/devices")
        .signed(parent)
        .send()
        .await
        .expect(200)
        .json()
}

/// What a push receiver saw: each body whose signature verified, and every attempt.
struct Receiver {
    time_key: tokio::sync::OnceCell<PublicKey>,
    verified: mpsc::UnboundedSender<Value>,
    attempts: AtomicUsize,
    /// Attempts answered 503 before the first one taken.
    failures_first: usize,
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let attempt = receiver.attempts.fetch_add(1, Ordering::SeqCst);
    if attempt < receiver.failures_first {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(timestamp), Some(signature)) =
        (header(HEADER_PUSH_TIMESTAMP), header(HEADER_PUSH_SIGNATURE))
    else {
        return StatusCode::UNAUTHORIZED;
    };
    let Ok(timestamp) = timestamp.parse::<u64>() else {
        return StatusCode::UNAUTHORIZED;
    };
    let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
        return StatusCode::UNAUTHORIZED;
    };
    let now = childsafe_backend::clock::unix_now();
    let key = receiver
        .time_key
        .get()
        .expect("the test sets the key first");
    if now.abs_diff(timestamp) > 300
        || !key.verify(&push_signed_bytes(timestamp, &body), &signature)
    {
        return StatusCode::UNAUTHORIZED;
    }
    receiver
        .verified
        .send(serde_json::from_slice(&body).unwrap())
        .unwrap();
    StatusCode::NO_CONTENT
}

/// A push receiver on loopback, failing its first `failures_first` attempts.
async fn push_receiver(
    failures_first: usize,
) -> (SocketAddr, Arc<Receiver>, mpsc::UnboundedReceiver<Value>) {
    let (verified, bodies) = mpsc::unbounded_channel();
    let receiver = Arc::new(Receiver {
        time_key: tokio::sync::OnceCell::new(),
        verified,
        attempts: AtomicUsize::new(0),
        failures_first,
    });
    let app = axum::Router::new()
        .route("/push", post(receive))
        .with_state(Arc::clone(&receiver));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, receiver, bodies)
}

/// A device paired with a parent on a server posting to the receiver at `gateway`; the
/// receiver learns the server's key from `GET /v1/server`, as a real gateway would.
async fn sos_through_the_gateway(failures_first: usize) -> (Arc<Receiver>, Value, String) {
    let (addr, receiver, mut bodies) = push_receiver(failures_first).await;
    let server = common::sled_server_with(|config| {
        config.push_gateway = Some(format!("http://{addr}/push"));
    })
    .await;
    let info: ServerInfo = server.get("/v1/server").send().await.expect(200).json();
    receiver.time_key.set(info.time_key).unwrap();
    let child = server.device("GB").await;
    let parent = server.parent().await;
    server.pair_by_invite(&child, &parent, 1).await;
    server
        .upload(&child, &fresh_key(), &[report(ReportKind::Sos)])
        .await
        .expect(200);
    let body = tokio::time::timeout(ARRIVES, bodies.recv())
        .await
        .expect("the gateway got nothing")
        .unwrap();
    server.stop().await;
    (receiver, body, parent.id)
}

#[tokio::test]
async fn every_event_is_posted_to_the_push_gateway_signed_with_the_time_key() {
    let (receiver, body, parent_id) = sos_through_the_gateway(0).await;
    assert_eq!(body["parent_id"], parent_id.as_str());
    let event: ParentEvent = serde_json::from_value(body["event"].clone()).unwrap();
    let ParentEvent::Report { item } = event else {
        panic!("not a report: {body}");
    };
    assert_eq!(item.report.kind, ReportKind::Sos);
    assert_eq!(receiver.attempts.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_gateway_that_fails_first_gets_the_event_on_a_retry() {
    let (receiver, body, parent_id) = sos_through_the_gateway(2).await;
    assert_eq!(body["parent_id"], parent_id.as_str());
    assert_eq!(
        receiver.attempts.load(Ordering::SeqCst),
        3,
        "two failures, then the event"
    );
}
