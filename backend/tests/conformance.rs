//! The server against its OpenAPI document (`docs/protocol/openapi.json`), in the spirit of
//! schemathesis: the routes served and the routes documented are the same set, every operation
//! is exercised through each documented answer (500 aside; 408 and 503 on replicas whose limits
//! make them quick to provoke), and every answer the server gives matches the documented status
//! and schema. OpenAPI 3.1 schemas are JSON Schema 2020-12; refs
//! to `#/components/...` resolve against a root that carries the document's components.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::time::Duration;

use childsafe_backend::clock::unix_now;
use childsafe_backend::limits::{
    BUSY_RETRY_AFTER_SECS, MAX_BUNDLE_BYTES, MAX_EVENT_STREAMS_PER_PARENT, MAX_JSON_BODY_BYTES,
    MAX_SAFETY_PACK_BODY_BYTES,
};
use childsafe_backend::storage::IdempotencyBegin;
use childsafe_crypto as crypto;
use childsafe_protocol::carrier::{
    CarrierRegistration, DEACTIVATION_CONTEXT, LineRequest, PROFILE_CONTEXT, SAFETY_PACK_CONTEXT,
    SignedUpload,
};
use childsafe_protocol::keys::{KeyRotation, ROTATION_CONTEXT};
use childsafe_protocol::operator::TokenRequest;
use childsafe_protocol::pairing::PairingSecret;
use childsafe_protocol::report::ReportKind;
use childsafe_protocol::request_signing::{
    HEADER_NONCE, HEADER_PRINCIPAL, HEADER_SIGNATURE, HEADER_TIMESTAMP, PrincipalKind,
};
use childsafe_protocol::routes::{Access, HttpMethod, ROUTES, Route};
use childsafe_protocol::wire::{
    DeviceStatus, MessageKind, OutgoingMessage, PairingInvite, ParentClaim, ParentRegistration,
    ReportBatch, TimeRequest,
};
use common::{
    Identity, OPERATOR_TOKEN, Reply, TestServer, confirmed, confirmed_member, line_document,
    line_request, raw, report, sealed,
};
use serde_json::{Value, json};
use tokio::net::TcpStream;

const OPENAPI: &str = include_str!("../../docs/protocol/openapi.json");
/// One byte over the JSON body limit.
const OVER_JSON_LIMIT: usize = MAX_JSON_BODY_BYTES + 1;
/// One byte over the bundle limit.
const OVER_BUNDLE_LIMIT: usize = MAX_BUNDLE_BYTES + 1;
/// The body rate grace of the replica that exercises 408, so that each of them takes a moment.
const HURRIED_BODY_GRACE: Duration = Duration::from_millis(100);
/// An id for path parameters and principals of requests refused before they are looked up.
const ANY_ID: &str = "00000000000000000000000000000000";

fn document() -> Value {
    serde_json::from_str(OPENAPI).expect("openapi.json is JSON")
}

/// (METHOD, path, operationId) of every documented operation.
fn documented_operations(doc: &Value) -> BTreeSet<(String, String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations.insert((
                method.to_uppercase(),
                path.clone(),
                operation["operationId"].as_str().unwrap().to_owned(),
            ));
        }
    }
    operations
}

#[test]
fn the_routes_served_are_exactly_the_routes_documented() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let served: BTreeSet<(String, String, String)> = ROUTES
        .iter()
        .map(|route| {
            (
                route.method.as_str().to_owned(),
                route.path.to_owned(),
                format!("{:?}", route.operation),
            )
        })
        .collect();
    assert_eq!(served, documented_operations(&doc));
    // The documented security matches who the server lets in.
    for route in ROUTES {
        let operation = &operation_of(&doc, route);
        let security = operation["security"].to_string();
        let expected = match route.access {
            Access::Public => "[]",
            Access::Device | Access::Parent | Access::Carrier => {
                r#"[{"nonce":[],"principal":[],"signature":[],"timestamp":[]}]"#
            }
            Access::Operator => r#"[{"operatorToken":[]}]"#,
        };
        assert_eq!(security, expected, "{:?}", route.operation);
    }
}

#[test]
fn every_documented_schema_is_a_valid_json_schema() {
    let doc = document();
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        let root = rooted(schema, &doc);
        assert!(
            jsonschema::draft202012::new(&root).is_ok(),
            "{name} is not a valid 2020-12 schema"
        );
    }
}

#[tokio::test]
async fn every_operation_answers_as_documented() {
    let doc = document();
    for server in common::servers().await {
        let disabled = server.replica(|config| config.operator_token = None).await;
        exercise(&server, &disabled).await;
        let strict = server
            .replica(|config| {
                config.parent_registrations_per_address = 1;
                config.line_registrations_per_address = 1;
            })
            .await;
        exercise_registration_limit(&strict).await;
        let crowded = server
            .replica(|config| config.connections.max_requests_per_address = 1)
            .await;
        exercise_address_busy(&crowded).await;
        let hurried = server
            .replica(|config| config.connections.min_body_rate.grace = HURRIED_BODY_GRACE)
            .await;
        exercise_body_too_slow(&hurried, &doc).await;
        let mut exchanges = server.exchanges();
        for replica in [&disabled, &strict, &crowded, &hurried] {
            exchanges.extend(replica.exchanges());
        }

        let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for exchange in &exchanges {
            let Some(route) = route_of(&exchange.method, &exchange.path) else {
                // Off the table: only the documented generic 404 and 405 answers.
                assert!(
                    [404, 405].contains(&exchange.reply.status),
                    "{} {}",
                    exchange.method,
                    exchange.path
                );
                check_body(
                    &doc,
                    &json!({"$ref": "#/components/schemas/ErrorBody"}),
                    &exchange.reply,
                );
                continue;
            };
            let operation = operation_of(&doc, route);
            let status = exchange.reply.status.to_string();
            let response = resolve(&doc, &operation["responses"][&status]);
            assert!(
                !response.is_null(),
                "[{}] {:?} answered {status}, which is not documented: {}",
                server.name,
                route.operation,
                String::from_utf8_lossy(&exchange.reply.body)
            );
            match response["content"].as_object() {
                None => assert!(
                    exchange.reply.body.is_empty(),
                    "{:?} {status}",
                    route.operation
                ),
                Some(content) => {
                    let content_type = exchange.reply.header("content-type").unwrap_or_default();
                    let (media, body) = content.iter().next().unwrap();
                    assert!(
                        content_type.starts_with(media.as_str()),
                        "{:?} {status}",
                        route.operation
                    );
                    if media == "application/json" {
                        check_body(&doc, &body["schema"], &exchange.reply);
                    }
                }
            }
            seen.entry(format!("{:?}", route.operation))
                .or_default()
                .insert(status);
        }

        for route in ROUTES {
            let id = format!("{:?}", route.operation);
            let documented: BTreeSet<String> = operation_of(&doc, route)["responses"]
                .as_object()
                .unwrap()
                .keys()
                .filter(|status| *status != "500")
                .cloned()
                .collect();
            let exercised = seen.get(&id).cloned().unwrap_or_default();
            assert_eq!(
                exercised, documented,
                "[{}] {id}: answers exercised vs documented",
                server.name
            );
        }
        disabled.stop().await;
        strict.stop().await;
        crowded.stop().await;
        hurried.stop().await;
        server.stop().await;
    }
}

/// Drives every operation through its documented answers.
async fn exercise(server: &TestServer, disabled: &TestServer) {
    let device = server.device("GB").await;
    let lonely_device = server.device("US").await;
    let parent = server.parent().await;
    let other_parent = server.parent().await;
    server.pair(&device, &parent).await;
    let carrier = server.carrier("conformance-carrier").await;

    // Anyone may read the server's key; unknown routes and methods answer with an ErrorBody.
    server.get("/v1/server").send().await.expect(200);
    server
        .get("/v1/nowhere")
        .send()
        .await
        .refused(404, "not_found");
    server
        .call("DELETE", "/v1/server")
        .send()
        .await
        .refused(405, "method_not_allowed");

    // Generic refusals, for every route they apply to.
    let over_json = vec![b' '; OVER_JSON_LIMIT];
    for route in ROUTES {
        let path = concrete_path(route.path, &device.id);
        let op = operation_of(&document(), route);
        let responses = &op["responses"];
        match route.access {
            Access::Device | Access::Parent | Access::Carrier => {
                let (me, other_kind) = match route.access {
                    Access::Device => (&device, &parent),
                    Access::Parent => (&parent, &device),
                    _ => (&carrier, &device),
                };
                // The safety pack's route takes more than a JSON body's worth.
                let over = if route.path == "/v1/carrier/safety-packs" {
                    vec![b' '; MAX_SAFETY_PACK_BODY_BYTES + 1]
                } else {
                    over_json.clone()
                };
                server
                    .call(route.method.as_str(), &path)
                    .send()
                    .await
                    .refused(401, "unsigned_request");
                server
                    .call(route.method.as_str(), &path)
                    .signed(other_kind)
                    .send()
                    .await
                    .refused(403, "wrong_principal");
                server
                    .call(route.method.as_str(), &path)
                    .signed(me)
                    .raw(over, "application/json")
                    .send()
                    .await
                    .refused(413, "body_too_large");
            }
            Access::Operator => {
                server
                    .call(route.method.as_str(), &path)
                    .send()
                    .await
                    .refused(401, "bad_operator_token");
                disabled
                    .call(route.method.as_str(), &path)
                    .operator()
                    .send()
                    .await
                    .refused(403, "operator_api_disabled");
                if !responses["413"].is_null() {
                    let size = if route.method.as_str() == "PUT" {
                        OVER_BUNDLE_LIMIT
                    } else {
                        OVER_JSON_LIMIT
                    };
                    server
                        .call(route.method.as_str(), &path)
                        .operator()
                        .raw(vec![b' '; size], "application/json")
                        .send()
                        .await
                        .refused(413, "body_too_large");
                }
            }
            Access::Public => {
                if !responses["413"].is_null() {
                    server
                        .call(route.method.as_str(), &path)
                        .raw(over_json.clone(), "application/json")
                        .send()
                        .await
                        .refused(413, "body_too_large");
                }
            }
        }
        if !op["requestBody"]["content"]["application/json"].is_null() {
            let call = server
                .call(route.method.as_str(), &path)
                .raw(b"{\"oops".to_vec(), "application/json");
            // A key, so that uploads reach the body check.
            let call = match route.access {
                Access::Device => call.signed(&device).idempotency_key("generic"),
                Access::Parent => call.signed(&parent),
                Access::Carrier => call.signed(&carrier),
                Access::Operator => call.operator(),
                Access::Public => call,
            };
            call.send().await.refused(400, "malformed_json");
        }
    }

    // Registration.
    let newcomer = Identity::new(PrincipalKind::Device);
    let token = server.tokens(1).await.remove(0);
    server
        .post("/v1/devices")
        .json(&TestServer::device_registration(&newcomer, &token, "gb"))
        .send()
        .await
        .refused(400, "bad_country");
    server
        .post("/v1/devices")
        .json(&TestServer::device_registration(
            &newcomer,
            "never-minted",
            "GB",
        ))
        .send()
        .await
        .refused(401, "token_refused");
    server
        .post("/v1/devices")
        .json(&TestServer::device_registration(&device, &token, "GB"))
        .send()
        .await
        .refused(409, "already_registered");
    let again = ParentRegistration {
        public_key: parent.key.public_key(),
        proof: childsafe_protocol::request_signing::registration_proof(
            &parent.key,
            PrincipalKind::Parent,
            "",
        ),
    };
    server
        .post("/v1/parents")
        .json(&again)
        .send()
        .await
        .expect(200);
    server
        .post("/v1/parents")
        .json(&ParentRegistration {
            proof: "AAAA".to_owned(),
            ..again
        })
        .send()
        .await
        .refused(400, "bad_proof");

    // Reports.
    let illegal = report(ReportKind::IllegalContent);
    server
        .upload(&device, "first", std::slice::from_ref(&illegal))
        .await
        .expect(200);
    server
        .upload(&device, "first", &[report(ReportKind::Sos)])
        .await
        .refused(422, "idempotency_key_reused");
    server
        .post("/v1/device/reports")
        .signed(&device)
        .json(&ReportBatch {
            reports: vec![report(ReportKind::Sos)],
        })
        .send()
        .await
        .refused(400, "idempotency_key_required");
    let held = ReportBatch {
        reports: vec![report(ReportKind::Bullying)],
    };
    let held_body = serde_json::to_vec(&held).unwrap();
    let begun = server
        .storage
        .begin_idempotent(
            &device.id,
            "held",
            crypto::sha256_of_parts(&[&held_body]),
            childsafe_backend::clock::unix_now(),
        )
        .await
        .unwrap();
    assert_eq!(begun, IdempotencyBegin::Started);
    server
        .post("/v1/device/reports")
        .signed(&device)
        .idempotency_key("held")
        .raw(held_body, "application/json")
        .send()
        .await
        .refused(409, "request_in_progress");
    server
        .get("/v1/device/reports")
        .signed(&device)
        .send()
        .await
        .expect(200);
    server
        .get(&format!("/v1/device/reports/{}", illegal.id))
        .signed(&device)
        .send()
        .await
        .expect(200);
    server
        .get(&format!("/v1/device/reports/{}", illegal.id))
        .signed(&lonely_device)
        .send()
        .await
        .refused(404, "report_unknown");

    // Signed time.
    server
        .post("/v1/device/time")
        .signed(&device)
        .json(&TimeRequest {
            challenge: "abc".to_owned(),
        })
        .send()
        .await
        .expect(200);
    server
        .post("/v1/device/time")
        .signed(&device)
        .json(&TimeRequest {
            challenge: String::new(),
        })
        .send()
        .await
        .refused(400, "bad_challenge");

    // Device status, before the parent lists its devices, so that the listing shows it.
    server
        .post("/v1/device/status")
        .signed(&device)
        .json(&DeviceStatus {
            lists_version: Some(4),
            lists_out_of_date_since: Some(1_700_000_000),
            lists_unavailable: false,
            snapshot: None,
        })
        .send()
        .await
        .expect(204);
    server
        .post("/v1/device/status")
        .signed(&device)
        .json(&json!({"lists_version": 4, "lists_out_of_date_since": null,
                      "lists_unavailable": false, "battery": 80}))
        .send()
        .await
        .refused(400, "invalid_body");

    // Pairing.
    let listed = server
        .get("/v1/parent/devices")
        .signed(&parent)
        .send()
        .await
        .expect(200);
    assert!(
        String::from_utf8_lossy(&listed.body).contains("\"lists_out_of_date_since\":1700000000"),
        "the parent sees the device's status"
    );

    // Relay.
    let access_request = OutgoingMessage {
        kind: MessageKind::AccessRequest,
        blob: "c2lnbmVk".to_owned(),
    };
    let decision = OutgoingMessage {
        kind: MessageKind::Decision,
        blob: "c2lnbmVk".to_owned(),
    };
    server
        .post("/v1/device/messages")
        .signed(&device)
        .json(&access_request)
        .send()
        .await
        .expect(201);
    server
        .post("/v1/device/messages")
        .signed(&lonely_device)
        .json(&access_request)
        .send()
        .await
        .refused(409, "not_paired");
    server
        .post("/v1/device/messages")
        .signed(&device)
        .json(&decision)
        .send()
        .await
        .refused(400, "wrong_message_kind");
    let to_device = format!("/v1/parent/devices/{}/messages", device.id);
    server
        .post(&to_device)
        .signed(&parent)
        .json(&decision)
        .send()
        .await
        .expect(201);
    server
        .post(&to_device)
        .signed(&other_parent)
        .json(&decision)
        .send()
        .await
        .refused(404, "device_unknown");
    server
        .post(&to_device)
        .signed(&parent)
        .json(&access_request)
        .send()
        .await
        .refused(400, "wrong_message_kind");
    for (path, reader) in [
        ("/v1/device/messages", &device),
        ("/v1/parent/messages", &parent),
        ("/v1/parent/feed", &parent),
    ] {
        server
            .get(&format!("{path}?after=0&limit=10"))
            .signed(reader)
            .send()
            .await
            .expect(200);
        server
            .get(&format!("{path}?limit=0"))
            .signed(reader)
            .send()
            .await
            .refused(400, "bad_query");
    }

    // Bundles.
    server
        .get("/v1/bundles/keys")
        .send()
        .await
        .refused(404, "bundle_missing");
    server
        .get("/v1/bundles/fonts")
        .send()
        .await
        .refused(404, "bundle_unknown");
    let expires = (childsafe_backend::clock::unix_now() + 3600).to_string();
    let put = |version: &str| {
        server
            .put("/v1/operator/bundles/keys")
            .operator()
            .raw(b"signed keys".to_vec(), "application/octet-stream")
            .header("x-bundle-version", version)
            .header("x-bundle-expires-at", &expires)
    };
    put("3").send().await.expect(200);
    put("3").send().await.refused(409, "version_not_newer");
    server
        .put("/v1/operator/bundles/keys")
        .operator()
        .raw(b"signed keys".to_vec(), "application/octet-stream")
        .send()
        .await
        .refused(400, "bad_bundle_headers");
    server
        .put("/v1/operator/bundles/fonts")
        .operator()
        .raw(b"x".to_vec(), "application/octet-stream")
        .header("x-bundle-version", "1")
        .header("x-bundle-expires-at", &expires)
        .send()
        .await
        .refused(404, "bundle_unknown");
    let fetched = server.get("/v1/bundles/keys").send().await.expect(200);
    let etag = fetched.header("etag").unwrap();
    server
        .get("/v1/bundles/keys")
        .header("if-none-match", &etag)
        .send()
        .await
        .expect(304);

    // Operator.
    server
        .post("/v1/operator/activation-tokens")
        .operator()
        .json(&TokenRequest { count: 0 })
        .send()
        .await
        .refused(400, "bad_token_count");
    server
        .get("/v1/operator/hotline-queue")
        .operator()
        .send()
        .await
        .expect(200);
    server
        .post(&format!(
            "/v1/operator/hotline-queue/{}/forwarded",
            illegal.id
        ))
        .operator()
        .send()
        .await
        .expect(204);
    server
        .post(&format!(
            "/v1/operator/hotline-queue/{}/forwarded",
            "0".repeat(32)
        ))
        .operator()
        .send()
        .await
        .refused(404, "report_unknown");
    let mut kept = report(ReportKind::Bullying);
    kept.helpline_only = true;
    kept.screenshot_text = Some("you are not coming".to_owned());
    server
        .upload(&device, "helpline", std::slice::from_ref(&kept))
        .await
        .expect(200);
    let queue = server
        .get("/v1/operator/helpline-queue")
        .operator()
        .send()
        .await
        .expect(200);
    assert_eq!(queue.json::<Value>()["reports"][0]["report_id"], kept.id);
    server
        .post(&format!(
            "/v1/operator/helpline-queue/{}/forwarded",
            kept.id
        ))
        .operator()
        .send()
        .await
        .expect(204);
    server
        .post(&format!(
            "/v1/operator/helpline-queue/{}/forwarded",
            illegal.id
        ))
        .operator()
        .send()
        .await
        .refused(404, "report_unknown");

    exercise_pairing_invites(server, &other_parent).await;
    exercise_carriers(server, &carrier, &device).await;
    exercise_events(server).await;
}

/// The live events: a stream whose every event's data matches the ParentEvent schema, then
/// streams up to the per-parent cap and one over it.
async fn exercise_events(server: &TestServer) {
    let doc = document();
    let device = server.device("GB").await;
    let parent = server.parent().await;
    server.pair_by_invite(&device, &parent, 1).await;
    let mut streams = Vec::new();
    let mut first = server
        .get("/v1/parent/events")
        .signed(&parent)
        .open_events()
        .await
        .map_err(|reply| reply.status)
        .unwrap();
    server
        .upload(&device, &common::fresh_key(), &[report(ReportKind::Sos)])
        .await
        .expect(200);
    server
        .post("/v1/device/status")
        .signed(&device)
        .json(&DeviceStatus::default())
        .send()
        .await
        .expect(204);
    for name in ["report", "status"] {
        let event = first.next_event(Duration::from_secs(10)).await.unwrap();
        assert_eq!(event.name, name);
        let as_reply = Reply {
            status: 200,
            headers: Default::default(),
            body: event.data.into_bytes(),
        };
        check_body(
            &doc,
            &json!({"$ref": "#/components/schemas/ParentEvent"}),
            &as_reply,
        );
    }
    streams.push(first);
    for _ in 1..MAX_EVENT_STREAMS_PER_PARENT {
        let stream = server
            .get("/v1/parent/events")
            .signed(&parent)
            .open_events()
            .await
            .map_err(|reply| reply.status)
            .unwrap();
        streams.push(stream);
    }
    let refused = server
        .get("/v1/parent/events")
        .signed(&parent)
        .open_events()
        .await
        .err()
        .unwrap();
    assert_eq!(refused.error(), "too_many_streams");
}

/// A client address registers its parents up to the server's limit, then waits.
async fn exercise_registration_limit(strict: &TestServer) {
    strict.parent().await;
    let newcomer = Identity::new(PrincipalKind::Parent);
    strict
        .post("/v1/parents")
        .json(&ParentRegistration {
            public_key: newcomer.key.public_key(),
            proof: childsafe_protocol::request_signing::registration_proof(
                &newcomer.key,
                PrincipalKind::Parent,
                "",
            ),
        })
        .send()
        .await
        .refused(429, "too_many_registrations");
    // Devices registering with a line count on their own.
    strict
        .register_on_line("447700900301")
        .await
        .1
        .refused(404, "line_unknown");
    strict
        .register_on_line("447700900301")
        .await
        .1
        .refused(429, "too_many_registrations");
}

/// The carrier's routes and the device's line through their answers.
async fn exercise_carriers(server: &TestServer, carrier: &Identity, plain_device: &Identity) {
    let admit = |carrier_id: &str, key: childsafe_crypto::PublicKey| {
        server
            .post("/v1/operator/carriers")
            .operator()
            .json(&CarrierRegistration {
                carrier_id: carrier_id.to_owned(),
                name: "Conformance".to_owned(),
                public_key: key,
            })
    };
    admit("conformance-carrier", carrier.key.public_key())
        .send()
        .await
        .expect(200);
    admit("conformance-carrier", plain_device.key.public_key())
        .send()
        .await
        .refused(409, "carrier_exists");
    admit("Not An Id", carrier.key.public_key())
        .send()
        .await
        .refused(400, "bad_carrier_id");

    // Lines.
    let handle = server.line(carrier, "447700900201").await;
    let add = || {
        server
            .post("/v1/carrier/lines")
            .signed(carrier)
            .json(&line_request("447700900201"))
    };
    add().send().await.refused(409, "line_exists");
    let no_band = LineRequest {
        band: None,
        ..line_request("447700900202")
    };
    for path in ["/v1/carrier/lines", "/v1/carrier/line-updates"] {
        server
            .post(path)
            .signed(carrier)
            .json(&no_band)
            .send()
            .await
            .refused(400, "bad_band");
    }
    server
        .post("/v1/carrier/line-updates")
        .signed(carrier)
        .json(&line_request("447700900203"))
        .send()
        .await
        .refused(404, "line_unknown");
    server
        .post("/v1/carrier/line-updates")
        .signed(carrier)
        .json(&line_request("447700900201"))
        .send()
        .await
        .expect(200);

    // A device registers with the line and waits for its profile.
    let (device, reply) = server.register_on_line("447700900201").await;
    reply.expect(201);
    server
        .register_on_line("447700900209")
        .await
        .1
        .refused(404, "line_unknown");
    server
        .get("/v1/carrier/lines")
        .signed(carrier)
        .send()
        .await
        .expect(200);
    server
        .get("/v1/carrier/activations")
        .signed(carrier)
        .send()
        .await
        .expect(200);
    server
        .get("/v1/device/line")
        .signed(plain_device)
        .send()
        .await
        .expect(200);

    for (path, context) in [
        ("/v1/carrier/profiles", PROFILE_CONTEXT),
        ("/v1/carrier/line-deactivations", DEACTIVATION_CONTEXT),
    ] {
        let file = |line: &str, device_id: &str, sequence| {
            server.post(path).signed(carrier).json(&sealed(
                &line_document(&carrier.id, line, device_id, sequence),
                context,
                &carrier.key,
            ))
        };
        file(&"0".repeat(64), &device.id, 10)
            .send()
            .await
            .refused(404, "line_unknown");
        file(&handle, &plain_device.id, 10)
            .send()
            .await
            .refused(409, "wrong_device");
        server
            .post(path)
            .signed(carrier)
            .json(&SignedUpload {
                envelope: "%%".to_owned(),
            })
            .send()
            .await
            .refused(400, "bad_envelope");
        let sequence = if context == PROFILE_CONTEXT { 1 } else { 2 };
        file(&handle, &device.id, sequence).send().await.expect(200);
    }
    server
        .get("/v1/device/line")
        .signed(&device)
        .send()
        .await
        .expect(200);

    // The safety pack and the key rotation.
    let pack = |version: u64, key: &childsafe_crypto::SigningKey| {
        server
            .post("/v1/carrier/safety-packs")
            .signed(carrier)
            .json(&sealed(
                &json!({"carrier": carrier.id, "version": version}),
                SAFETY_PACK_CONTEXT,
                key,
            ))
    };
    pack(1, &carrier.key).send().await.expect(204);
    pack(1, &carrier.key)
        .send()
        .await
        .refused(409, "version_not_newer");
    pack(2, &device.key)
        .send()
        .await
        .refused(400, "wrong_signer");
    let (new_key, _) = childsafe_crypto::SigningKey::generate().unwrap();
    let rotation = |old_key: childsafe_crypto::PublicKey| KeyRotation {
        carrier: carrier.id.clone(),
        old_key,
        new_key: new_key.public_key(),
        issued_at: 1_780_000_000,
        expires_at: 4_000_000_000,
    };
    let rotate = |document: KeyRotation| {
        server
            .post("/v1/carrier/key-rotations")
            .signed(carrier)
            .json(&sealed(&document, ROTATION_CONTEXT, &carrier.key))
    };
    rotate(rotation(device.key.public_key()))
        .send()
        .await
        .refused(409, "stale_rotation");
    rotate(rotation(carrier.key.public_key()))
        .send()
        .await
        .expect(204);
}

/// The invite, claim and statement answers, on a device and parent of their own so that the
/// pairing they make changes nothing the rest of [`exercise`] relies on.
async fn exercise_pairing_invites(server: &TestServer, bystander: &Identity) {
    let device = server.device("GB").await;
    let parent = server.parent().await;
    let secret = PairingSecret::generate().unwrap();
    let pairing_key = secret.pairing_key().unwrap();
    let invite = |expires_at| PairingInvite {
        pairing_public_key: pairing_key.public_key(),
        expires_at,
    };
    server
        .post("/v1/device/pairing-invites")
        .signed(&device)
        .json(&invite(unix_now() - 1))
        .send()
        .await
        .refused(400, "invite_expired");
    server
        .post("/v1/device/pairing-invites")
        .signed(&device)
        .json(&invite(unix_now() + 600))
        .send()
        .await
        .expect(201);

    server
        .post("/v1/parent/pairing-claims")
        .signed(bystander)
        .json(&ParentClaim {
            device_id: device.id.clone(),
            parent_public_key: parent.key.public_key(),
            claim_signature: "AAAA".to_owned(),
        })
        .send()
        .await
        .refused(400, "wrong_parent_key");
    let guessed_key = PairingSecret::generate().unwrap().pairing_key().unwrap();
    server
        .claim_invite(bystander, &device.id, &guessed_key)
        .await
        .refused(403, "bad_claim");
    server
        .claim_invite(&parent, ANY_ID, &pairing_key)
        .await
        .refused(404, "pairing_invite_unknown");
    server
        .claim_invite(&parent, &device.id, &pairing_key)
        .await
        .expect(202);
    server
        .get("/v1/device/pairing-claims")
        .signed(&device)
        .send()
        .await
        .expect(200);

    let statement = confirmed(&device, &parent, 1);
    server
        .post_statement(&device, &bystander.key, &statement)
        .await
        .refused(403, "bad_statement");
    server
        .post_statement(
            &device,
            &device.key,
            &confirmed(&device, &Identity::new(PrincipalKind::Parent), 1),
        )
        .await
        .refused(404, "parent_unknown");
    server
        .post_statement(&device, &device.key, &statement)
        .await
        .expect(200);
    server
        .post_statement(&device, &device.key, &statement)
        .await
        .refused(409, "stale_statement");

    // The owner removes a second parent; nobody else may.
    server
        .post_statement(
            &device,
            &device.key,
            &confirmed_member(&device, bystander, 2),
        )
        .await
        .expect(200);
    server
        .remove_as_owner(&parent, &device, &parent)
        .await
        .refused(400, "cannot_remove_self");
    server
        .remove_as_owner(bystander, &device, &parent)
        .await
        .refused(404, "device_unknown");
    server
        .remove_as_owner(&parent, &device, bystander)
        .await
        .expect(204);
    server
        .remove_as_owner(&parent, &device, bystander)
        .await
        .refused(404, "parent_unknown");
}

/// Every route answers 503 `address_busy` with `Retry-After` while its caller's address has its
/// one request in flight (a request the server is reading the body of).
async fn exercise_address_busy(crowded: &TestServer) {
    let _in_flight = request_without_its_body(
        crowded,
        HttpMethod::Post,
        "/v1/operator/activation-tokens",
        Access::Operator,
    )
    .await;
    for route in ROUTES {
        let reply = crowded
            .call(route.method.as_str(), &concrete_path(route.path, ANY_ID))
            .send()
            .await
            .refused(503, "address_busy");
        assert_eq!(
            reply.header("retry-after"),
            Some(BUSY_RETRY_AFTER_SECS.to_string()),
            "{:?}",
            route.operation
        );
    }
}

/// Every route documented to answer 408 does when its body never comes, at the shortened
/// grace.
async fn exercise_body_too_slow(hurried: &TestServer, doc: &Value) {
    for route in ROUTES {
        if operation_of(doc, route)["responses"]["408"].is_null() {
            continue;
        }
        let path = concrete_path(route.path, ANY_ID);
        let mut stream = request_without_its_body(hurried, route.method, &path, route.access).await;
        let reply = raw::read_reply(&mut stream)
            .await
            .unwrap_or_else(|| panic!("{:?}: no answer", route.operation));
        hurried.record(route.method.as_str(), &path, &reply);
    }
}

/// A request the server has taken in and is reading the body of, with what `access` needs to
/// get that far: signing headers of the right kind (not checked before the body is read) or
/// the operator token.
async fn request_without_its_body(
    server: &TestServer,
    method: HttpMethod,
    path: &str,
    access: Access,
) -> TcpStream {
    let signed_as = |kind: PrincipalKind| {
        vec![
            format!("{HEADER_PRINCIPAL}: {}:{ANY_ID}", kind.as_str()),
            format!("{HEADER_TIMESTAMP}: {}", unix_now()),
            format!("{HEADER_NONCE}: conformance-nonce"),
            format!("{HEADER_SIGNATURE}: checked-after-the-body"),
        ]
    };
    let mut extra = vec!["Content-Type: application/json".to_owned()];
    match access {
        Access::Public => {}
        Access::Device => extra.extend(signed_as(PrincipalKind::Device)),
        Access::Parent => extra.extend(signed_as(PrincipalKind::Parent)),
        Access::Carrier => extra.extend(signed_as(PrincipalKind::Carrier)),
        Access::Operator => extra.push(format!("Authorization: Bearer {OPERATOR_TOKEN}")),
    }
    raw::request_waiting_for_its_body(
        server.addr,
        Ipv4Addr::LOCALHOST,
        method.as_str(),
        path,
        &extra,
    )
    .await
}

/// The route a concrete request matched.
fn route_of(method: &str, path: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|route| {
        route.method.as_str() == method && {
            let template: Vec<&str> = route.path.split('/').collect();
            let actual: Vec<&str> = path.split('/').collect();
            template.len() == actual.len()
                && template
                    .iter()
                    .zip(&actual)
                    .all(|(t, a)| t == a || (t.starts_with('{') && !a.is_empty()))
        }
    })
}

/// A route's path with its parameters filled in.
fn concrete_path(template: &str, device_id: &str) -> String {
    template
        .replace("{device_id}", device_id)
        .replace("{report_id}", &"0".repeat(32))
        .replace("{kind}", "keys")
}

fn operation_of(doc: &Value, route: &Route) -> Value {
    doc["paths"][route.path][route.method.as_str().to_lowercase()].clone()
}

/// Follows a `$ref` to `#/components/...`.
fn resolve(doc: &Value, value: &Value) -> Value {
    match value["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(doc, doc.pointer(pointer).unwrap_or(&Value::Null))
        }
        None => value.clone(),
    }
}

/// A schema made a root that carries the document's components, so its refs resolve.
fn rooted(schema: &Value, doc: &Value) -> Value {
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [schema],
    });
    root["components"] = doc["components"].clone();
    root
}

fn check_body(doc: &Value, schema: &Value, reply: &Reply) {
    let instance: Value = serde_json::from_slice(&reply.body)
        .unwrap_or_else(|error| panic!("status {}: the body is not JSON ({error})", reply.status));
    let validator = jsonschema::draft202012::new(&rooted(schema, doc)).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "status {} body {instance} breaks its schema: {errors:?}",
        reply.status
    );
}
