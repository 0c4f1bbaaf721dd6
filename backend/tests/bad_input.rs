//! Bad input of every kind is refused with a 4xx and an ErrorBody, and leaves nothing behind:
//! malformed or oversized bodies, unknown fields, broken signatures, stale or replayed
//! requests, unknown principals and reports that break the rules.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
mod support;

use childsafe_backend::clock::unix_now;
use childsafe_backend::limits::{MAX_IDEMPOTENCY_KEY_CHARS, MAX_JSON_BODY_BYTES};
use childsafe_protocol::error::ErrorBody;
use childsafe_protocol::report::{Location, ReportKind, UploadedReport};
use childsafe_protocol::request_signing::{MAX_CLOCK_SKEW_SECS, PrincipalKind, sign_request};
use childsafe_protocol::wire::ReportBatch;
use common::{Call, Identity, Reply, TestServer, report};
use serde_json::json;

/// Asserts that `device` has no report stored and the hotline queue is empty.
async fn nothing_stored(server: &TestServer, device: &Identity) {
    assert!(
        server
            .storage
            .report_statuses(&device.id)
            .await
            .unwrap()
            .is_empty(),
        "[{}] a refused upload stored a report",
        server.name
    );
    assert!(server.storage.hotline_queue().await.unwrap().is_empty());
}

fn signed_upload<'a>(server: &'a TestServer, who: &'a Identity, batch: &ReportBatch) -> Call<'a> {
    server
        .post("/v1/device/reports")
        .signed(who)
        .idempotency_key(&common::fresh_key())
        .json(batch)
}

fn error_body(reply: &Reply) -> ErrorBody {
    let body: ErrorBody = reply.json();
    assert!(!body.message.is_empty());
    body
}

#[tokio::test]
async fn malformed_oversized_and_unexpected_bodies_are_refused() {
    for server in common::servers().await {
        let device = server.device("GB").await;
        let upload = || {
            server
                .post("/v1/device/reports")
                .signed(&device)
                .idempotency_key(&common::fresh_key())
        };
        upload()
            .raw(b"{\"reports\": [".to_vec(), "application/json")
            .send()
            .await
            .refused(400, "malformed_json");
        let valid = serde_json::to_vec(&ReportBatch {
            reports: vec![report(ReportKind::IllegalContent)],
        })
        .unwrap();
        upload()
            .raw(valid.clone(), "text/plain")
            .send()
            .await
            .refused(400, "unsupported_content_type");
        let mut oversized = valid.clone();
        oversized.extend(std::iter::repeat_n(b' ', MAX_JSON_BODY_BYTES));
        upload()
            .raw(oversized, "application/json")
            .send()
            .await
            .refused(413, "body_too_large");
        let mut extra = serde_json::to_value(ReportBatch {
            reports: vec![report(ReportKind::Sos)],
        })
        .unwrap();
        extra["priority"] = json!("high");
        upload()
            .json(&extra)
            .send()
            .await
            .refused(400, "invalid_body");
        let mut inner_extra = serde_json::to_value(ReportBatch {
            reports: vec![report(ReportKind::Sos)],
        })
        .unwrap();
        inner_extra["reports"][0]["photo"] = json!("aGVsbG8");
        let refused = upload()
            .json(&inner_extra)
            .send()
            .await
            .refused(400, "invalid_body");
        assert!(error_body(&refused).message.contains("photo"));
        nothing_stored(&server, &device).await;

        // Unknown routes and methods answer with an ErrorBody too.
        server
            .get("/v2/server")
            .send()
            .await
            .refused(404, "not_found");
        server
            .put("/v1/device/reports")
            .signed(&device)
            .send()
            .await
            .refused(405, "method_not_allowed");
        server.stop().await;
    }
}

#[tokio::test]
async fn requests_that_are_not_properly_signed_are_refused() {
    for server in common::servers().await {
        let device = server.device("GB").await;
        let batch = ReportBatch {
            reports: vec![report(ReportKind::Grooming)],
        };
        let forger = device.forger();
        let stranger = Identity::new(PrincipalKind::Device);
        let upload = |who| signed_upload(&server, who, &batch);
        upload(&forger).send().await.refused(401, "bad_signature");
        upload(&stranger)
            .send()
            .await
            .refused(401, "unknown_principal");
        let skew = MAX_CLOCK_SKEW_SECS + 5;
        upload(&device)
            .timestamp(unix_now() - skew)
            .send()
            .await
            .refused(401, "stale_request");
        upload(&device)
            .timestamp(unix_now() + skew)
            .send()
            .await
            .refused(401, "stale_request");
        // A signature made for another method and path does not carry over.
        let elsewhere = sign_request(
            &device.key,
            PrincipalKind::Device,
            "GET",
            "/v1/device/reports",
            unix_now(),
            "k",
            b"",
        )
        .unwrap();
        let mut moved = server
            .post("/v1/device/reports")
            .idempotency_key("k")
            .json(&batch);
        for (name, value) in elsewhere.pairs() {
            moved = moved.header(name, &value);
        }
        moved.send().await.refused(401, "bad_signature");
        nothing_stored(&server, &device).await;

        // A forger cannot use up a real nonce: the signature is checked before the nonce.
        let timestamp = unix_now();
        upload(&forger)
            .timestamp(timestamp)
            .nonce("shared-nonce")
            .send()
            .await
            .refused(401, "bad_signature");
        upload(&device)
            .timestamp(timestamp)
            .nonce("shared-nonce")
            .send()
            .await
            .expect(200);
        // The same nonce again, even on a new body and key, is a replay and stores nothing.
        let other = ReportBatch {
            reports: vec![report(ReportKind::Sos)],
        };
        server
            .post("/v1/device/reports")
            .signed(&device)
            .idempotency_key(&common::fresh_key())
            .json(&other)
            .timestamp(timestamp)
            .nonce("shared-nonce")
            .send()
            .await
            .refused(401, "replayed");
        assert_eq!(
            server
                .storage
                .report_statuses(&device.id)
                .await
                .unwrap()
                .len(),
            1
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn reports_that_break_the_rules_are_refused_by_index() {
    let mut cases: Vec<(&str, UploadedReport)> = Vec::new();
    let mut bad_id = report(ReportKind::Sos);
    bad_id.id = "NOT-HEX".to_owned();
    cases.push(("id must be", bad_id));
    let mut no_url = report(ReportKind::IllegalContent);
    no_url.urls.clear();
    cases.push(("needs its URL", no_url));
    let mut too_many_urls = report(ReportKind::Grooming);
    too_many_urls.urls = vec!["https://example.com/".to_owned(); 11];
    cases.push(("at most 10 URLs", too_many_urls));
    let mut not_http = report(ReportKind::Grooming);
    not_http.urls = vec!["javascript:alert(1)".to_owned()];
    cases.push(("http(s)", not_http));
    let mut located = report(ReportKind::Bullying);
    located.location = Some(Location {
        latitude: 1.0,
        longitude: 1.0,
        accuracy_m: None,
    });
    cases.push(("only an SOS carries a location", located));
    let mut far = report(ReportKind::Sos);
    far.location = Some(Location {
        latitude: 91.0,
        longitude: 0.0,
        accuracy_m: None,
    });
    cases.push(("out of range", far));
    let mut long_notes = report(ReportKind::Bullying);
    long_notes.notes = Some("x".repeat(4001));
    cases.push(("at most 4000 bytes", long_notes));

    for server in common::servers().await {
        let device = server.device("GB").await;
        for (why, bad) in &cases {
            let reply = server
                .upload(
                    &device,
                    &common::fresh_key(),
                    &[report(ReportKind::Sos), bad.clone()],
                )
                .await
                .refused(400, "invalid_report");
            let message = error_body(&reply).message;
            assert!(
                message.starts_with("report 1:") && message.contains(why),
                "{message}"
            );
        }
        for key in ["", &"k".repeat(MAX_IDEMPOTENCY_KEY_CHARS + 1), "tab\there"] {
            server
                .upload(&device, key, &[report(ReportKind::Sos)])
                .await
                .refused(400, "bad_idempotency_key");
        }
        nothing_stored(&server, &device).await;
        server.stop().await;
    }
}

#[tokio::test]
async fn registrations_with_bad_proofs_or_countries_register_nothing() {
    for server in common::servers().await {
        let token = server.tokens(1).await.remove(0);
        let newcomer = Identity::new(PrincipalKind::Device);
        let mut wrong_proof = TestServer::device_registration(&newcomer, "another-token", "GB");
        wrong_proof.activation_token = token.clone();
        server
            .post("/v1/devices")
            .json(&wrong_proof)
            .send()
            .await
            .refused(400, "bad_proof");
        for country in ["gb", "GBR", "", "G1"] {
            server
                .post("/v1/devices")
                .json(&TestServer::device_registration(&newcomer, &token, country))
                .send()
                .await
                .refused(400, "bad_country");
        }
        let mut unknown_field =
            serde_json::to_value(TestServer::device_registration(&newcomer, &token, "GB")).unwrap();
        unknown_field["imei"] = json!("490154203237518");
        server
            .post("/v1/devices")
            .json(&unknown_field)
            .send()
            .await
            .refused(400, "invalid_body");
        assert!(server.storage.device(&newcomer.id).await.unwrap().is_none());
        // The token was never spent: it still registers the device.
        server
            .post("/v1/devices")
            .json(&TestServer::device_registration(&newcomer, &token, "GB"))
            .send()
            .await
            .expect(201);
        server.stop().await;
    }
}
