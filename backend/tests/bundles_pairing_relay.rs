//! Bundles, pairing, the relay and signed time, as clients use them: a bundle's version never
//! goes back and an expired one is never served; a pairing code works once and not for long;
//! blobs travel both ways untouched, only between paired peers; and the server's signed time
//! verifies with the key it publishes.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
mod support;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_backend::clock::unix_now;
use childsafe_backend::limits::MAX_BLOB_BYTES;
use childsafe_protocol::server_time::{SIGNING_CONTEXT, SignedServerTime};
use childsafe_protocol::wire::{
    BundleInfo, Mailbox, MessageKind, OutgoingMessage, PairedPeers, Relayed, ServerInfo,
    TimeRequest,
};
use common::{Call, TestServer};
use serde_json::Value;

fn bundle_upload<'a>(
    server: &'a TestServer,
    version: u64,
    expires_at: u64,
    bytes: &[u8],
) -> Call<'a> {
    server
        .put("/v1/operator/bundles/lists")
        .operator()
        .raw(bytes.to_vec(), "application/octet-stream")
        .header("x-bundle-version", &version.to_string())
        .header("x-bundle-expires-at", &expires_at.to_string())
}

#[tokio::test]
async fn bundles_revalidate_by_etag_and_never_go_back() {
    for server in common::servers().await {
        let in_a_day = unix_now() + 86_400;
        let info: BundleInfo = bundle_upload(&server, 5, in_a_day, b"lists v5")
            .send()
            .await
            .expect(200)
            .json();
        assert_eq!((info.version, info.size), (5, 8));

        let served = server.get("/v1/bundles/lists").send().await.expect(200);
        assert_eq!(served.body, b"lists v5");
        assert_eq!(served.header("etag"), Some(info.etag.clone()));
        assert_eq!(served.header("x-bundle-version").as_deref(), Some("5"));
        assert_eq!(
            served.header("x-bundle-expires-at"),
            Some(in_a_day.to_string())
        );
        assert_eq!(
            served.header("content-type").as_deref(),
            Some("application/octet-stream")
        );
        for same in [
            info.etag.clone(),
            format!("W/{}", info.etag),
            format!("\"x\", {}", info.etag),
        ] {
            let cached = server
                .get("/v1/bundles/lists")
                .header("if-none-match", &same)
                .send()
                .await;
            assert_eq!(cached.expect(304).body, b"");
        }

        // Rollback and replay of the current version are refused; the newer one stays served.
        let v6: BundleInfo = bundle_upload(&server, 6, in_a_day, b"lists v6")
            .send()
            .await
            .expect(200)
            .json();
        bundle_upload(&server, 4, in_a_day, b"old lists")
            .send()
            .await
            .refused(409, "version_not_newer");
        bundle_upload(&server, 6, in_a_day, b"other v6")
            .send()
            .await
            .refused(409, "version_not_newer");
        let served = server
            .get("/v1/bundles/lists")
            .header("if-none-match", &info.etag)
            .send()
            .await
            .expect(200);
        assert_eq!(served.body, b"lists v6");
        assert_eq!(served.header("etag"), Some(v6.etag));
        server
            .get("/v1/bundles/keys")
            .send()
            .await
            .refused(404, "bundle_missing");
        server.stop().await;
    }
}

#[tokio::test]
async fn an_expired_bundle_is_never_served() {
    for server in common::servers().await {
        bundle_upload(&server, 1, unix_now() - 1, b"stale")
            .send()
            .await
            .refused(400, "bundle_already_expired");
        bundle_upload(&server, 1, unix_now() + 2, b"short-lived")
            .send()
            .await
            .expect(200);
        server.get("/v1/bundles/lists").send().await.expect(200);
        tokio::time::sleep(Duration::from_millis(3100)).await;
        server
            .get("/v1/bundles/lists")
            .send()
            .await
            .refused(404, "bundle_expired");
        // A fresh upload (a newer version) is served again.
        bundle_upload(&server, 2, unix_now() + 60, b"renewed")
            .send()
            .await
            .expect(200);
        assert_eq!(
            server
                .get("/v1/bundles/lists")
                .send()
                .await
                .expect(200)
                .body,
            b"renewed"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn the_short_code_pairing_that_paired_whoever_claimed_first_is_gone() {
    for server in common::servers().await {
        let device = server.device("GB").await;
        let parent = server.parent().await;
        server
            .post("/v1/device/pairing-codes")
            .signed(&device)
            .send()
            .await
            .refused(404, "not_found");
        server
            .post("/v1/parent/pairings")
            .signed(&parent)
            .json(&serde_json::json!({ "code": "12345678" }))
            .send()
            .await
            .refused(404, "not_found");
        server
            .get("/v1/device/parents")
            .signed(&device)
            .send()
            .await
            .refused(404, "not_found");
        let devices: PairedPeers = server
            .get("/v1/parent/devices")
            .signed(&parent)
            .send()
            .await
            .expect(200)
            .json();
        assert!(devices.peers.is_empty());
        server.stop().await;
    }
}

#[tokio::test]
async fn blobs_travel_both_ways_between_paired_peers_only() {
    for server in common::servers().await {
        let device = server.device("GB").await;
        let mother = server.parent().await;
        let father = server.parent().await;
        let stranger = server.parent().await;
        server.pair(&device, &mother).await;
        server.pair(&device, &father).await;

        let request_blob = URL_SAFE_NO_PAD.encode(b"signed: may I open example.org?");
        server
            .post("/v1/device/messages")
            .signed(&device)
            .json(&OutgoingMessage {
                kind: MessageKind::AccessRequest,
                blob: request_blob.clone(),
            })
            .send()
            .await
            .expect(201);
        for parent in [&mother, &father] {
            let mailbox: Mailbox = server
                .get("/v1/parent/messages")
                .signed(parent)
                .send()
                .await
                .expect(200)
                .json();
            assert_eq!(mailbox.messages.len(), 1);
            let message = &mailbox.messages[0];
            assert_eq!(message.blob, request_blob);
            assert_eq!(message.kind, MessageKind::AccessRequest);
            assert!(message.from.ends_with(&device.id));
        }
        let empty: Mailbox = server
            .get("/v1/parent/messages")
            .signed(&stranger)
            .send()
            .await
            .expect(200)
            .json();
        assert!(empty.messages.is_empty());

        let to_device = format!("/v1/parent/devices/{}/messages", device.id);
        let mut seqs = Vec::new();
        for (kind, text) in [
            (MessageKind::Decision, "yes, once"),
            (MessageKind::Command, "bedtime 21:00"),
        ] {
            let relayed: Relayed = server
                .post(&to_device)
                .signed(&mother)
                .json(&OutgoingMessage {
                    kind,
                    blob: URL_SAFE_NO_PAD.encode(text),
                })
                .send()
                .await
                .expect(201)
                .json();
            seqs.push(relayed.seq);
        }
        assert!(seqs[0] < seqs[1]);
        let first_page: Mailbox = server
            .get("/v1/device/messages?limit=1")
            .signed(&device)
            .send()
            .await
            .expect(200)
            .json();
        assert_eq!(first_page.messages.len(), 1);
        assert_eq!(first_page.messages[0].kind, MessageKind::Decision);
        let rest: Mailbox = server
            .get(&format!(
                "/v1/device/messages?after={}",
                first_page.messages[0].seq
            ))
            .signed(&device)
            .send()
            .await
            .expect(200)
            .json();
        let blobs: Vec<Vec<u8>> = rest
            .messages
            .iter()
            .map(|m| URL_SAFE_NO_PAD.decode(&m.blob).unwrap())
            .collect();
        assert_eq!(blobs, [b"bedtime 21:00".to_vec()]);

        // A parent not paired with the device cannot reach it; nothing arrives.
        server
            .post(&to_device)
            .signed(&stranger)
            .json(&OutgoingMessage {
                kind: MessageKind::Command,
                blob: URL_SAFE_NO_PAD.encode("unlock"),
            })
            .send()
            .await
            .refused(404, "device_unknown");
        // Blobs over 16 KiB or not base64url are refused.
        for blob in [
            URL_SAFE_NO_PAD.encode(vec![0u8; MAX_BLOB_BYTES + 1]),
            "not base64!".to_owned(),
        ] {
            server
                .post(&to_device)
                .signed(&mother)
                .json(&OutgoingMessage {
                    kind: MessageKind::Command,
                    blob,
                })
                .send()
                .await
                .refused(400, "bad_blob");
        }
        let all: Mailbox = server
            .get("/v1/device/messages")
            .signed(&device)
            .send()
            .await
            .expect(200)
            .json();
        assert_eq!(all.messages.len(), 2, "[{}]", server.name);
        server.stop().await;
    }
}

#[tokio::test]
async fn signed_time_verifies_with_the_published_key_and_survives_restarts() {
    for server in common::servers().await {
        let device = server.device("GB").await;
        let info: ServerInfo = server.get("/v1/server").send().await.expect(200).json();
        assert_eq!(info.protocol, 1);
        let reply = server
            .post("/v1/device/time")
            .signed(&device)
            .json(&TimeRequest {
                challenge: "c2FmZS1tb2RlLWNoYWxsZW5nZQ".to_owned(),
            })
            .send()
            .await
            .expect(200);
        assert!(
            reply
                .header("content-type")
                .unwrap()
                .starts_with("application/json")
        );
        let envelope: Value = reply.json();
        assert_eq!(envelope["format"], 1);
        let payload = URL_SAFE_NO_PAD
            .decode(envelope["payload"].as_str().unwrap())
            .unwrap();
        let signature = URL_SAFE_NO_PAD
            .decode(envelope["signature"].as_str().unwrap())
            .unwrap();
        assert!(
            info.time_key
                .verify(&[SIGNING_CONTEXT, &payload].concat(), &signature)
        );
        let time: SignedServerTime = serde_json::from_slice(&payload).unwrap();
        assert_eq!(time.device_id, device.id);
        assert_eq!(time.challenge, "c2FmZS1tb2RlLWNoYWxsZW5nZQ");
        assert!(time.unix_secs.abs_diff(unix_now()) <= 2);

        // A second replica over the same storage signs with the same key.
        let replica = server.replica(|_| {}).await;
        let again: ServerInfo = replica.get("/v1/server").send().await.expect(200).json();
        assert_eq!(again.time_key, info.time_key);
        replica.stop().await;
        server.stop().await;
    }
}
