//! Carriers and their children's lines over HTTP, on every storage: the operator admits a
//! carrier, the carrier adds a line, the child's phone registers with the line (no token), the
//! carrier signs a profile for the device it sees pending, and the phone reads it back. A carrier
//! sees and changes only its own lines; a profile is filed only for the line's own device with a
//! newer sequence; a wiped app's new key takes the line over with the old device's snapshot; a
//! deactivation and a key rotation take effect; hostile bodies change nothing.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
mod support;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_crypto::SigningKey;
use childsafe_crypto::envelope::seal;
use childsafe_protocol::carrier::{
    DEACTIVATION_CONTEXT, LineDocuments, LineRequest, LineState, LineSummary, Lines,
    PROFILE_CONTEXT, PendingActivations, SAFETY_PACK_CONTEXT, SignedUpload,
};
use childsafe_protocol::keys::{KeyRotation, ROTATION_CONTEXT};
use childsafe_protocol::request_signing::{PrincipalKind, line_registration_proof};
use childsafe_protocol::wire::{DeviceStatus, Registered};
use common::{Identity, TestServer, line_document, line_request, sealed};

/// `carrier` uploads the profile for `handle` and `device_id` with `sequence`.
async fn upload_profile(
    server: &TestServer,
    carrier: &Identity,
    handle: &str,
    device_id: &str,
    sequence: u64,
) -> common::Reply {
    server
        .post("/v1/carrier/profiles")
        .signed(carrier)
        .json(&sealed(
            &line_document(&carrier.id, handle, device_id, sequence),
            PROFILE_CONTEXT,
            &carrier.key,
        ))
        .send()
        .await
}

async fn documents(server: &TestServer, device: &Identity) -> LineDocuments {
    server
        .get("/v1/device/line")
        .signed(device)
        .send()
        .await
        .expect(200)
        .json()
}

async fn lines_of(server: &TestServer, carrier: &Identity) -> Vec<LineSummary> {
    server
        .get("/v1/carrier/lines")
        .signed(carrier)
        .send()
        .await
        .expect(200)
        .json::<Lines>()
        .lines
}

async fn pending(server: &TestServer, carrier: &Identity) -> PendingActivations {
    server
        .get("/v1/carrier/activations")
        .signed(carrier)
        .send()
        .await
        .expect(200)
        .json()
}

#[tokio::test]
async fn a_carrier_line_reaches_its_phone_as_a_signed_profile() {
    for server in common::servers().await {
        let carrier = server.carrier("acme-mobile").await;
        let handle = server.line(&carrier, "+44 7700 900001").await;
        assert_eq!(handle.len(), 64, "{}", server.name);
        assert!(!handle.contains("7700900001"));

        let (device, reply) = server.register_on_line("447700900001").await;
        let registered: Registered = reply.expect(201).json();
        assert_eq!(registered.id, device.id);
        assert_eq!(registered.line_handle.as_deref(), Some(handle.as_str()));

        let waiting = pending(&server, &carrier).await.activations;
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].line_handle, handle);
        assert_eq!(waiting[0].device_id, device.id);
        assert_eq!(waiting[0].next_sequence, 1);
        assert_eq!(
            waiting[0].settings.line, "",
            "the identifier is never handed back"
        );
        assert_eq!(waiting[0].settings.band.as_deref(), Some("9-12"));

        // Before the profile, the phone sees its line and nothing signed yet.
        let before = documents(&server, &device).await;
        assert_eq!(before.line_handle.as_deref(), Some(handle.as_str()));
        assert_eq!(before.profile, None);

        let upload = sealed(
            &line_document(&carrier.id, &handle, &device.id, 1),
            PROFILE_CONTEXT,
            &carrier.key,
        );
        let summary: LineSummary = server
            .post("/v1/carrier/profiles")
            .signed(&carrier)
            .json(&upload)
            .send()
            .await
            .expect(200)
            .json();
        assert_eq!(summary.state, LineState::Active);
        assert_eq!(summary.sequence, Some(1));
        assert!(pending(&server, &carrier).await.activations.is_empty());

        let after = documents(&server, &device).await;
        assert_eq!(after.profile.as_deref(), Some(upload.envelope.as_str()));
        assert_eq!(after.deactivation, None);
        assert_eq!(after.previous_snapshot, None);

        // A device registered with a token has no line.
        let plain = server.device("GB").await;
        assert_eq!(documents(&server, &plain).await, LineDocuments::default());
    }
}

#[tokio::test]
async fn an_unknown_line_creates_no_device_and_the_proof_binds_the_line() {
    for server in common::servers().await {
        let carrier = server.carrier("acme-mobile").await;
        server.line(&carrier, "447700900011").await;
        let (device, reply) = server.register_on_line("447700900012").await;
        reply.refused(404, "line_unknown");
        assert!(server.storage.device(&device.id).await.unwrap().is_none());

        // A proof made for one line does not register on another.
        let mut body = common::line_registration(&device, "447700900012");
        body.line = Some("447700900011".to_owned());
        server
            .post("/v1/devices")
            .json(&body)
            .send()
            .await
            .refused(400, "bad_proof");
        assert!(server.storage.device(&device.id).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn line_registrations_per_address_are_capped() {
    let server = common::sled_server_with(|config| config.line_registrations_per_address = 2).await;
    for _ in 0..2 {
        server
            .register_on_line("447700900099")
            .await
            .1
            .refused(404, "line_unknown");
    }
    server
        .register_on_line("447700900098")
        .await
        .1
        .refused(429, "too_many_registrations");
}

#[tokio::test]
async fn a_carrier_never_sees_nor_changes_another_carriers_lines() {
    for server in common::servers().await {
        let acme = server.carrier("acme-mobile").await;
        let other = server.carrier("other-tel").await;
        let handle = server.line(&acme, "447700900021").await;
        let (device, reply) = server.register_on_line("447700900021").await;
        reply.expect(201);

        // Adding the same line answers the same 409 whoever owns it.
        for carrier in [&acme, &other] {
            server
                .post("/v1/carrier/lines")
                .signed(carrier)
                .json(&line_request("447700900021"))
                .send()
                .await
                .refused(409, "line_exists");
        }
        assert!(lines_of(&server, &other).await.is_empty());
        assert!(pending(&server, &other).await.activations.is_empty());
        server
            .post("/v1/carrier/line-updates")
            .signed(&other)
            .json(&line_request("447700900021"))
            .send()
            .await
            .refused(404, "line_unknown");
        upload_profile(&server, &other, &handle, &device.id, 1)
            .await
            .refused(404, "line_unknown");
        server
            .post("/v1/carrier/line-deactivations")
            .signed(&other)
            .json(&sealed(
                &line_document(&other.id, &handle, &device.id, 1),
                DEACTIVATION_CONTEXT,
                &other.key,
            ))
            .send()
            .await
            .refused(404, "line_unknown");
        // Naming the owner inside a document signed by another key gets nowhere either.
        server
            .post("/v1/carrier/profiles")
            .signed(&other)
            .json(&sealed(
                &line_document(&acme.id, &handle, &device.id, 1),
                PROFILE_CONTEXT,
                &other.key,
            ))
            .send()
            .await
            .refused(400, "wrong_carrier");

        let lines = lines_of(&server, &acme).await;
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].state, LineState::AwaitingProfile);
        assert_eq!(documents(&server, &device).await.profile, None);
    }
}

#[tokio::test]
async fn a_profile_for_another_line_or_device_or_not_newer_is_refused() {
    for server in common::servers().await {
        let carrier = server.carrier("acme-mobile").await;
        let handle = server.line(&carrier, "447700900031").await;
        let second = server.line(&carrier, "447700900032").await;
        let (device, reply) = server.register_on_line("447700900031").await;
        reply.expect(201);
        let stranger = server.device("GB").await;

        upload_profile(&server, &carrier, &handle, &stranger.id, 1)
            .await
            .refused(409, "wrong_device");
        // The second line has no device yet.
        upload_profile(&server, &carrier, &second, &device.id, 1)
            .await
            .refused(409, "wrong_device");
        upload_profile(&server, &carrier, "0".repeat(64).as_str(), &device.id, 1)
            .await
            .refused(404, "line_unknown");
        upload_profile(&server, &carrier, &handle, &device.id, 2)
            .await
            .expect(200);
        for stale in [1, 2] {
            upload_profile(&server, &carrier, &handle, &device.id, stale)
                .await
                .refused(409, "sequence_not_newer");
        }
        // Signed under the deactivation context, a profile's bytes are no profile.
        server
            .post("/v1/carrier/profiles")
            .signed(&carrier)
            .json(&sealed(
                &line_document(&carrier.id, &handle, &device.id, 3),
                DEACTIVATION_CONTEXT,
                &carrier.key,
            ))
            .send()
            .await
            .refused(400, "wrong_signer");
        let lines = lines_of(&server, &carrier).await;
        let line = lines
            .iter()
            .find(|line| line.line_handle == handle)
            .unwrap();
        assert_eq!(line.sequence, Some(2));

        // New settings: the device waits for a profile above the stored sequence.
        server
            .post("/v1/carrier/line-updates")
            .signed(&carrier)
            .json(&LineRequest {
                band: None,
                birth_month: Some("2014-05".to_owned()),
                ..line_request("447700900031")
            })
            .send()
            .await
            .expect(200);
        let waiting = pending(&server, &carrier).await.activations;
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].next_sequence, 3);
        assert_eq!(waiting[0].settings.birth_month.as_deref(), Some("2014-05"));
        assert!(documents(&server, &device).await.profile.is_some());
    }
}

#[tokio::test]
async fn a_wiped_app_takes_its_line_back_with_the_old_snapshot() {
    for server in common::servers().await {
        let carrier = server.carrier("acme-mobile").await;
        let handle = server.line(&carrier, "447700900041").await;
        let (old, reply) = server.register_on_line("447700900041").await;
        reply.expect(201);
        upload_profile(&server, &carrier, &handle, &old.id, 1)
            .await
            .expect(200);
        let snapshot = URL_SAFE_NO_PAD.encode(b"the old device's signed snapshot");
        server
            .post("/v1/device/status")
            .signed(&old)
            .json(&DeviceStatus {
                lists_version: Some(3),
                lists_out_of_date_since: None,
                lists_unavailable: false,
                snapshot: Some(snapshot.clone()),
            })
            .send()
            .await
            .expect(204);

        // The app's data is wiped: the same phone comes back with a new key.
        let (new, reply) = server.register_on_line("447700900041").await;
        let registered: Registered = reply.expect(201).json();
        assert_eq!(registered.line_handle.as_deref(), Some(handle.as_str()));

        let moved = documents(&server, &new).await;
        assert_eq!(moved.line_handle.as_deref(), Some(handle.as_str()));
        assert_eq!(moved.profile, None, "the old profile named the old device");
        assert_eq!(moved.previous_snapshot, Some(snapshot));
        assert_eq!(moved.previous_device_key, Some(old.key.public_key()));
        assert_eq!(documents(&server, &old).await, LineDocuments::default());

        let waiting = pending(&server, &carrier).await.activations;
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].device_id, new.id);
        assert_eq!(waiting[0].next_sequence, 2);
        upload_profile(&server, &carrier, &handle, &old.id, 2)
            .await
            .refused(409, "wrong_device");
        upload_profile(&server, &carrier, &handle, &new.id, 2)
            .await
            .expect(200);
        assert!(documents(&server, &new).await.profile.is_some());
    }
}

#[tokio::test]
async fn a_deactivated_line_reaches_its_device_and_takes_no_new_one() {
    for server in common::servers().await {
        let carrier = server.carrier("acme-mobile").await;
        let handle = server.line(&carrier, "447700900051").await;
        let (device, reply) = server.register_on_line("447700900051").await;
        reply.expect(201);
        upload_profile(&server, &carrier, &handle, &device.id, 1)
            .await
            .expect(200);
        let deactivation = sealed(
            &serde_json::json!({
                "carrier": carrier.id,
                "line": handle,
                "device_id": device.id,
                "reason": "line passed to an adult",
                "issued_at": 1_780_000_000u64,
                "sequence": 1,
            }),
            DEACTIVATION_CONTEXT,
            &carrier.key,
        );
        server
            .post("/v1/carrier/line-deactivations")
            .signed(&carrier)
            .json(&deactivation)
            .send()
            .await
            .refused(409, "sequence_not_newer");
        let deactivation = sealed(
            &serde_json::json!({
                "carrier": carrier.id,
                "line": handle,
                "device_id": device.id,
                "reason": "line passed to an adult",
                "issued_at": 1_780_000_000u64,
                "sequence": 2,
            }),
            DEACTIVATION_CONTEXT,
            &carrier.key,
        );
        let summary: LineSummary = server
            .post("/v1/carrier/line-deactivations")
            .signed(&carrier)
            .json(&deactivation)
            .send()
            .await
            .expect(200)
            .json();
        assert_eq!(summary.state, LineState::Deactivated);
        let read = documents(&server, &device).await;
        assert_eq!(read.deactivation, Some(deactivation.envelope));
        assert_eq!(read.profile, None);
        upload_profile(&server, &carrier, &handle, &device.id, 3)
            .await
            .refused(409, "line_deactivated");

        let (late, reply) = server.register_on_line("447700900051").await;
        reply.refused(404, "line_unknown");
        assert!(server.storage.device(&late.id).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn a_rotated_key_replaces_the_old_one_for_requests_and_documents() {
    for server in common::servers().await {
        let carrier = server.carrier("acme-mobile").await;
        let handle = server.line(&carrier, "447700900061").await;
        let (device, reply) = server.register_on_line("447700900061").await;
        reply.expect(201);
        let (new_key, _) = SigningKey::generate().unwrap();
        let rotation = KeyRotation {
            carrier: carrier.id.clone(),
            old_key: carrier.key.public_key(),
            new_key: new_key.public_key(),
            issued_at: 1_780_000_000,
            expires_at: 4_000_000_000,
        };
        // Signed by the new key instead of the old one: refused.
        server
            .post("/v1/carrier/key-rotations")
            .signed(&carrier)
            .json(&sealed(&rotation, ROTATION_CONTEXT, &new_key))
            .send()
            .await
            .refused(400, "wrong_signer");
        let upload = sealed(&rotation, ROTATION_CONTEXT, &carrier.key);
        server
            .post("/v1/carrier/key-rotations")
            .signed(&carrier)
            .json(&upload)
            .send()
            .await
            .expect(204);

        // The old key no longer signs requests...
        server
            .get("/v1/carrier/lines")
            .signed(&carrier)
            .send()
            .await
            .refused(401, "bad_signature");
        let rotated = Identity {
            kind: PrincipalKind::Carrier,
            id: carrier.id.clone(),
            key: new_key,
        };
        // ...nor documents, and the same rotation cannot be played again.
        server
            .post("/v1/carrier/profiles")
            .signed(&rotated)
            .json(&sealed(
                &line_document(&carrier.id, &handle, &device.id, 1),
                PROFILE_CONTEXT,
                &carrier.key,
            ))
            .send()
            .await
            .refused(400, "wrong_signer");
        server
            .post("/v1/carrier/key-rotations")
            .signed(&rotated)
            .json(&upload)
            .send()
            .await
            .refused(400, "wrong_signer");
        upload_profile(&server, &rotated, &handle, &device.id, 1)
            .await
            .expect(200);
        assert_eq!(
            documents(&server, &device).await.key_rotations,
            vec![upload.envelope]
        );
    }
}

#[tokio::test]
async fn a_carriers_safety_pack_only_grows() {
    for server in common::servers().await {
        let carrier = server.carrier("acme-mobile").await;
        server.line(&carrier, "447700900071").await;
        let (device, reply) = server.register_on_line("447700900071").await;
        reply.expect(201);
        let pack = |version: u64| {
            sealed(
                &serde_json::json!({"carrier": "acme-mobile", "version": version, "texts": []}),
                SAFETY_PACK_CONTEXT,
                &carrier.key,
            )
        };
        let send = |upload: SignedUpload| {
            server
                .post("/v1/carrier/safety-packs")
                .signed(&carrier)
                .json(&upload)
                .send()
        };
        send(pack(2)).await.expect(204);
        send(pack(2)).await.refused(409, "version_not_newer");
        send(pack(1)).await.refused(409, "version_not_newer");
        // Ed25519 signs deterministically: the same pack seals to the same envelope.
        assert_eq!(
            documents(&server, &device).await.safety_pack,
            Some(pack(2).envelope)
        );
    }
}

#[tokio::test]
async fn hostile_carrier_bodies_get_a_clear_refusal_and_change_nothing() {
    for server in common::servers().await {
        let carrier = server.carrier("acme-mobile").await;
        let handle = server.line(&carrier, "447700900081").await;
        let (device, reply) = server.register_on_line("447700900081").await;
        reply.expect(201);

        let bad_lines = [
            (line_request(" +-- "), "bad_line"),
            (line_request(&"4".repeat(65)), "bad_line"),
            (
                LineRequest {
                    band: Some("18+".to_owned()),
                    ..line_request("447700900082")
                },
                "bad_band",
            ),
            (
                LineRequest {
                    band: None,
                    ..line_request("447700900082")
                },
                "bad_band",
            ),
            (
                LineRequest {
                    country: "gbr".to_owned(),
                    ..line_request("447700900082")
                },
                "bad_country",
            ),
            (
                LineRequest {
                    extra_blocked_categories: vec!["Gambling; DROP".to_owned()],
                    ..line_request("447700900082")
                },
                "bad_categories",
            ),
        ];
        for (body, code) in bad_lines {
            server
                .post("/v1/carrier/lines")
                .signed(&carrier)
                .json(&body)
                .send()
                .await
                .refused(400, code);
        }
        for envelope in [
            "not base64 at all!".to_owned(),
            URL_SAFE_NO_PAD.encode(b"{\"format\":1}"),
            "A".repeat(200_000),
        ] {
            server
                .post("/v1/carrier/profiles")
                .signed(&carrier)
                .json(&SignedUpload { envelope })
                .send()
                .await
                .refused(400, "bad_envelope");
        }
        // A signed envelope whose payload is not a profile binding.
        server
            .post("/v1/carrier/profiles")
            .signed(&carrier)
            .json(&SignedUpload {
                envelope: URL_SAFE_NO_PAD.encode(
                    seal(
                        &serde_json::json!({"hello": 1}),
                        PROFILE_CONTEXT,
                        &carrier.key,
                    )
                    .unwrap(),
                ),
            })
            .send()
            .await
            .refused(400, "bad_envelope");
        server
            .post("/v1/carrier/profiles")
            .signed(&carrier)
            .json(&serde_json::json!({"envelope": "x", "extra": true}))
            .send()
            .await
            .refused(400, "invalid_body");
        server
            .post("/v1/operator/carriers")
            .operator()
            .json(&serde_json::json!({
                "carrier_id": "Bad Id",
                "name": "x",
                "public_key": carrier.key.public_key(),
            }))
            .send()
            .await
            .refused(400, "bad_carrier_id");
        // The same id with another key is refused; with its own key, answered again.
        let (other_key, _) = SigningKey::generate().unwrap();
        for (key, status) in [
            (other_key.public_key(), 409),
            (carrier.key.public_key(), 200),
        ] {
            server
                .post("/v1/operator/carriers")
                .operator()
                .json(&serde_json::json!({
                    "carrier_id": "acme-mobile",
                    "name": "Acme",
                    "public_key": key,
                }))
                .send()
                .await
                .expect(status);
        }
        // A registration whose proof signs another line.
        let stranger = Identity::new(PrincipalKind::Device);
        let mut body = common::line_registration(&stranger, "447700900081");
        body.proof = line_registration_proof(&stranger.key, PrincipalKind::Device, "", None);
        server
            .post("/v1/devices")
            .json(&body)
            .send()
            .await
            .refused(400, "bad_proof");

        let lines = lines_of(&server, &carrier).await;
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].line_handle, handle);
        assert_eq!(lines[0].state, LineState::AwaitingProfile);
        assert_eq!(lines[0].sequence, None);
        assert_eq!(documents(&server, &device).await.profile, None);
    }
}

#[tokio::test]
async fn global_re_band_is_gone_the_policy_bundle_is_refused_and_nothing_changes() {
    for server in common::servers().await {
        let carrier = server.carrier("acme-mobile").await;
        let handle = server.line(&carrier, "447700900091").await;
        let (device, reply) = server.register_on_line("447700900091").await;
        reply.expect(201);
        upload_profile(&server, &carrier, &handle, &device.id, 1)
            .await
            .expect(200);
        let before = documents(&server, &device).await;

        server
            .put("/v1/operator/bundles/policy")
            .operator()
            .raw(b"{\"band\":\"0-5\"}".to_vec(), "application/octet-stream")
            .header("x-bundle-version", "99")
            .header("x-bundle-expires-at", "4000000000")
            .send()
            .await
            .refused(404, "bundle_unknown");
        server
            .get("/v1/bundles/policy")
            .send()
            .await
            .refused(404, "bundle_unknown");
        assert_eq!(documents(&server, &device).await, before);
        assert_eq!(
            lines_of(&server, &carrier).await[0].state,
            LineState::Active
        );
    }
}
