//! The authorization matrix: every route against every kind of caller. A device sees only its
//! own data, a parent only the devices paired with them (in its feed, mailbox, device list and
//! live events), a carrier only its own lines, the operator API only the operator; every other
//! cell is refused, and a refusal changes nothing the API can show.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
mod support;

use std::time::Duration;

use childsafe_backend::operator::mint_activation_tokens;
use childsafe_backend::storage::Storage;
use childsafe_protocol::carrier::{
    CarrierRegistration, DEACTIVATION_CONTEXT, LineDocuments, Lines, PROFILE_CONTEXT,
    PendingActivations, SAFETY_PACK_CONTEXT,
};
use childsafe_protocol::keys::{KeyRotation, ROTATION_CONTEXT};
use childsafe_protocol::operator::TokenRequest;
use childsafe_protocol::pairing::{PairingSecret, ParentStatement, sign_claim};
use childsafe_protocol::report::ReportKind;
use childsafe_protocol::request_signing::{PrincipalKind, registration_proof};
use childsafe_protocol::routes::{Access, Operation, ROUTES};
use childsafe_protocol::wire::{
    BundleKind, DeviceStatus, Feed, Mailbox, MessageKind, OutgoingMessage, PairedPeers,
    PairingInvite, ParentClaim, ParentRegistration, ParentRemoval, PendingClaims, ReportStatuses,
    SignedParentStatement, TimeRequest,
};
use common::{
    Call, Identity, Reply, TestServer, fresh_key, line_document, line_request, report, sealed,
};

/// The callers of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// Device A, paired with parent P.
    DeviceA,
    /// Device B, paired with nobody.
    DeviceB,
    /// Parent P, paired with A.
    ParentP,
    /// Parent Q, paired with no device of interest.
    ParentQ,
    Operator,
    WrongOperatorToken,
    /// Claims to be device A, signs with another key.
    ForgedA,
    /// Carrier X, owning the lines of devices D and E.
    CarrierX,
    /// Carrier Y, owning no line of interest.
    CarrierY,
}

const EVERYONE: [Who; 10] = [
    Who::Anonymous,
    Who::DeviceA,
    Who::DeviceB,
    Who::ParentP,
    Who::ParentQ,
    Who::Operator,
    Who::WrongOperatorToken,
    Who::ForgedA,
    Who::CarrierX,
    Who::CarrierY,
];

/// The people and data of the story.
struct World {
    server: TestServer,
    a: Identity,
    b: Identity,
    p: Identity,
    q: Identity,
    forged_a: Identity,
    /// A device whose pairing codes and invite the parents claim.
    c: Identity,
    /// The secret of C's invite, as its QR code carries it.
    c_secret: PairingSecret,
    /// A's illegal-content report, in the hotline queue.
    a_report: String,
    /// A's bullying report kept from the parents, in the helpline queue.
    a_kept: String,
    next_bundle_version: std::cell::Cell<u64>,
    x: Identity,
    y: Identity,
    /// X's line, whose device D gets profiles and settings.
    x_line: String,
    d: Identity,
    /// X's other line, whose device E it deactivates.
    x_second_line: String,
    e: Identity,
    /// Grows with every signed document or pack of the matrix.
    next_sequence: std::cell::Cell<u64>,
}

#[tokio::test]
async fn every_route_refuses_every_caller_it_does_not_belong_to() {
    for server in common::servers().await {
        let world = World::new(server).await;
        for route in ROUTES {
            for who in EVERYONE {
                let expected = expected(route.access, route.operation, who);
                let before = snapshot(&world).await;
                let reply = request(&world, route.operation, who).await;
                assert_eq!(
                    reply.status,
                    expected.0,
                    "[{}] {:?} as {who:?}: {}",
                    world.server.name,
                    route.operation,
                    String::from_utf8_lossy(&reply.body)
                );
                if let Some(code) = expected.1 {
                    assert_eq!(reply.error(), code, "{:?} as {who:?}", route.operation);
                    assert_eq!(
                        snapshot(&world).await,
                        before,
                        "[{}] the refused {:?} as {who:?} changed something",
                        world.server.name,
                        route.operation
                    );
                } else {
                    sees_only_its_own(&world, route.operation, who, &reply);
                }
            }
        }
        world.server.stop().await;
    }
}

/// (status, refusal code) of a cell; no code means allowed.
fn expected(access: Access, operation: Operation, who: Who) -> (u16, Option<&'static str>) {
    use Who::*;
    let refused = |status, code| (status, Some(code));
    match (access, who) {
        (Access::Public, _) => {}
        (Access::Device, DeviceA | DeviceB)
        | (Access::Parent, ParentP | ParentQ)
        | (Access::Carrier, CarrierX | CarrierY) => {}
        (Access::Device, ForgedA) => return refused(401, "bad_signature"),
        (
            Access::Device | Access::Parent | Access::Carrier,
            Anonymous | Operator | WrongOperatorToken,
        ) => {
            return refused(401, "unsigned_request");
        }
        (Access::Device | Access::Parent | Access::Carrier, _) => {
            return refused(403, "wrong_principal");
        }
        (Access::Operator, Operator) => {}
        (Access::Operator, _) => return refused(401, "bad_operator_token"),
    }
    match (operation, who) {
        (Operation::GetReportStatus, DeviceB) => refused(404, "report_unknown"),
        (Operation::SendToParents, DeviceB) => refused(409, "not_paired"),
        (Operation::SendToDevice, ParentQ) => refused(404, "device_unknown"),
        // P owns A but Q is not A's parent; Q owns nothing.
        (Operation::RemoveParentAsOwner, ParentP) => refused(404, "parent_unknown"),
        (Operation::RemoveParentAsOwner, ParentQ) => refused(404, "device_unknown"),
        // Y names X's lines: answered as if they did not exist.
        (
            Operation::UpdateLine | Operation::UploadProfile | Operation::DeactivateLine,
            CarrierY,
        ) => refused(404, "line_unknown"),
        (
            Operation::RegisterDevice
            | Operation::RegisterCarrier
            | Operation::AddLine
            | Operation::RegisterParent
            | Operation::CreatePairingInvite
            | Operation::SendToParents
            | Operation::SendToDevice
            | Operation::CreateActivationTokens,
            _,
        ) => (201, None),
        (Operation::ClaimPairingInvite, _) => (202, None),
        (
            Operation::MarkHotlineForwarded
            | Operation::MarkHelplineForwarded
            | Operation::ReportDeviceStatus
            | Operation::RotateCarrierKey
            | Operation::UploadSafetyPack,
            _,
        ) => (204, None),
        _ => (200, None),
    }
}

impl World {
    async fn new(server: TestServer) -> Self {
        let a = server.device("GB").await;
        let b = server.device("US").await;
        let c = server.device("FR").await;
        let p = server.parent().await;
        let q = server.parent().await;
        server.pair(&a, &p).await;
        let illegal = report(ReportKind::IllegalContent);
        server
            .upload(&a, &fresh_key(), std::slice::from_ref(&illegal))
            .await
            .expect(200);
        let mut kept = report(ReportKind::Bullying);
        kept.helpline_only = true;
        server
            .upload(&a, &fresh_key(), std::slice::from_ref(&kept))
            .await
            .expect(200);
        // Something in every mailbox that must not leak.
        server
            .post("/v1/device/messages")
            .signed(&a)
            .json(&message(MessageKind::AccessRequest))
            .send()
            .await
            .expect(201);
        server
            .post(&format!("/v1/parent/devices/{}/messages", a.id))
            .signed(&p)
            .json(&message(MessageKind::Decision))
            .send()
            .await
            .expect(201);
        // A's lists are out of date: only A's parent may see that.
        server
            .post("/v1/device/status")
            .signed(&a)
            .json(&a_status())
            .send()
            .await
            .expect(204);
        // C's invite stays open through the matrix, so every claim cell finds it live.
        let c_secret = PairingSecret::generate().unwrap();
        server
            .post("/v1/device/pairing-invites")
            .signed(&c)
            .json(&PairingInvite {
                pairing_public_key: c_secret.pairing_key().unwrap().public_key(),
                expires_at: childsafe_backend::clock::unix_now() + 600,
            })
            .send()
            .await
            .expect(201);
        let x = server.carrier("carrier-x").await;
        let y = server.carrier("carrier-y").await;
        let x_line = server.line(&x, "447700900101").await;
        let x_second_line = server.line(&x, "447700900102").await;
        let (d, reply) = server.register_on_line("447700900101").await;
        reply.expect(201);
        let (e, reply) = server.register_on_line("447700900102").await;
        reply.expect(201);
        let forged_a = a.forger();
        let world = World {
            server,
            a,
            b,
            p,
            q,
            forged_a,
            c,
            c_secret,
            a_report: illegal.id,
            a_kept: kept.id,
            next_bundle_version: std::cell::Cell::new(1),
            x,
            y,
            x_line,
            d,
            x_second_line,
            e,
            next_sequence: std::cell::Cell::new(1),
        };
        world
            .put_bundle(world.server.put("/v1/operator/bundles/keys").operator())
            .send()
            .await
            .expect(200);
        world
    }

    fn as_who<'a>(&'a self, call: Call<'a>, who: Who) -> Call<'a> {
        match who {
            Who::Anonymous => call,
            Who::DeviceA => call.signed(&self.a),
            Who::DeviceB => call.signed(&self.b),
            Who::ParentP => call.signed(&self.p),
            Who::ParentQ => call.signed(&self.q),
            Who::Operator => call.operator(),
            Who::WrongOperatorToken => call.bearer("not-the-operator-token"),
            Who::ForgedA => call.signed(&self.forged_a),
            Who::CarrierX => call.signed(&self.x),
            Who::CarrierY => call.signed(&self.y),
        }
    }

    /// The carrier a cell's body speaks for: Y when Y calls, else X (the rightful caller).
    fn carrier_of(&self, who: Who) -> &Identity {
        if who == Who::CarrierY {
            &self.y
        } else {
            &self.x
        }
    }

    /// The next sequence or version of a signed document.
    fn next_sequence(&self) -> u64 {
        let sequence = self.next_sequence.get();
        self.next_sequence.set(sequence + 1);
        sequence
    }

    fn put_bundle<'a>(&self, call: Call<'a>) -> Call<'a> {
        let version = self.next_bundle_version.get();
        self.next_bundle_version.set(version + 1);
        call.raw(b"signed bundle".to_vec(), "application/octet-stream")
            .header("x-bundle-version", &version.to_string())
            .header(
                "x-bundle-expires-at",
                &(childsafe_backend::clock::unix_now() + 3600).to_string(),
            )
    }
}

/// The status device A reports: lists version 3, out of date.
fn a_status() -> DeviceStatus {
    DeviceStatus {
        lists_version: Some(3),
        lists_out_of_date_since: Some(1_700_000_000),
        lists_unavailable: false,
        snapshot: None,
    }
}

fn message(kind: MessageKind) -> OutgoingMessage {
    OutgoingMessage {
        kind,
        blob: "ZW5kLXRvLWVuZCBzaWduZWQ".to_owned(),
    }
}

/// The request of a cell: what the route's rightful caller would send.
async fn request(world: &World, operation: Operation, who: Who) -> Reply {
    let server = &world.server;
    let call = match operation {
        Operation::GetServerInfo => server.get("/v1/server"),
        Operation::RegisterDevice => {
            let newcomer = Identity::new(PrincipalKind::Device);
            let token = mint_activation_tokens(server.storage.as_ref(), 1, 0)
                .await
                .unwrap()
                .remove(0);
            server
                .post("/v1/devices")
                .json(&TestServer::device_registration(&newcomer, &token, "GB"))
        }
        Operation::RegisterParent => {
            let newcomer = Identity::new(PrincipalKind::Parent);
            server.post("/v1/parents").json(&ParentRegistration {
                public_key: newcomer.key.public_key(),
                proof: registration_proof(&newcomer.key, PrincipalKind::Parent, ""),
            })
        }
        Operation::UploadReports => server
            .post("/v1/device/reports")
            .idempotency_key(&fresh_key())
            .json(&childsafe_protocol::wire::ReportBatch {
                reports: vec![report(ReportKind::Bullying)],
            }),
        Operation::ListReportStatuses => server.get("/v1/device/reports"),
        Operation::GetReportStatus => server.get(&format!("/v1/device/reports/{}", world.a_report)),
        Operation::GetSignedTime => server.post("/v1/device/time").json(&TimeRequest {
            challenge: "challenge".to_owned(),
        }),
        Operation::ReportDeviceStatus => server.post("/v1/device/status").json(&a_status()),
        Operation::SendToParents => server
            .post("/v1/device/messages")
            .json(&message(MessageKind::AccessRequest)),
        Operation::ReadDeviceMailbox => server.get("/v1/device/messages"),
        Operation::CreatePairingInvite => {
            server
                .post("/v1/device/pairing-invites")
                .json(&PairingInvite {
                    pairing_public_key: fresh_pairing_key(),
                    expires_at: childsafe_backend::clock::unix_now() + 600,
                })
        }
        Operation::ListPairingClaims => server.get("/v1/device/pairing-claims"),
        Operation::PostParentStatement => {
            // The rightful caller removes parent Q, which it was never paired with: allowed,
            // and it changes nothing the rest of the matrix reads.
            let device = if who == Who::DeviceB {
                &world.b
            } else {
                &world.a
            };
            let seq = common::next_statement_seq();
            let removed = ParentStatement::ParentRemoved {
                device_id: device.id.clone(),
                parent_public_key: world.q.key.public_key(),
                seq,
            };
            let sealed = removed.seal(&device.key).unwrap();
            server
                .post("/v1/device/parent-statements")
                .json(&SignedParentStatement {
                    statement: base64url(&sealed),
                })
        }
        Operation::ClaimPairingInvite => {
            let parent = if who == Who::ParentQ {
                &world.q
            } else {
                &world.p
            };
            let pairing_key = world.c_secret.pairing_key().unwrap();
            let parent_public_key = parent.key.public_key();
            server.post("/v1/parent/pairing-claims").json(&ParentClaim {
                device_id: world.c.id.clone(),
                claim_signature: sign_claim(&pairing_key, &world.c.id, &parent_public_key),
                parent_public_key,
            })
        }
        Operation::RemoveParentAsOwner => {
            let other = if who == Who::ParentQ {
                &world.p
            } else {
                &world.q
            };
            server
                .post(&format!(
                    "/v1/parent/devices/{}/parent-removals",
                    world.a.id
                ))
                .json(&ParentRemoval {
                    parent_public_key: other.key.public_key(),
                })
        }
        Operation::ListParentDevices => server.get("/v1/parent/devices"),
        Operation::SendToDevice => server
            .post(&format!("/v1/parent/devices/{}/messages", world.a.id))
            .json(&message(MessageKind::Command)),
        Operation::ReadParentMailbox => server.get("/v1/parent/messages"),
        Operation::ReadFeed => server.get("/v1/parent/feed"),
        Operation::StreamParentEvents => return events_cell(world, who).await,
        Operation::GetBundle => server.get("/v1/bundles/keys"),
        Operation::PutBundle => world.put_bundle(server.put("/v1/operator/bundles/keys")),
        Operation::CreateActivationTokens => server
            .post("/v1/operator/activation-tokens")
            .json(&TokenRequest { count: 1 }),
        Operation::GetHotlineQueue => server.get("/v1/operator/hotline-queue"),
        Operation::MarkHotlineForwarded => server.post(&format!(
            "/v1/operator/hotline-queue/{}/forwarded",
            world.a_report
        )),
        Operation::GetHelplineQueue => server.get("/v1/operator/helpline-queue"),
        Operation::MarkHelplineForwarded => server.post(&format!(
            "/v1/operator/helpline-queue/{}/forwarded",
            world.a_kept
        )),
        Operation::ReadLineDocuments => server.get("/v1/device/line"),
        Operation::RegisterCarrier => {
            let (key, _) = childsafe_crypto::SigningKey::generate().unwrap();
            server
                .post("/v1/operator/carriers")
                .json(&CarrierRegistration {
                    carrier_id: format!("carrier-{}", world.next_sequence()),
                    name: "A newcomer".to_owned(),
                    public_key: key.public_key(),
                })
        }
        Operation::AddLine => server
            .post("/v1/carrier/lines")
            .json(&line_request(&format!(
                "4477009002{:02}",
                world.next_sequence()
            ))),
        Operation::UpdateLine => server
            .post("/v1/carrier/line-updates")
            .json(&line_request("447700900101")),
        Operation::ListLines => server.get("/v1/carrier/lines"),
        Operation::ListPendingActivations => server.get("/v1/carrier/activations"),
        Operation::UploadProfile => {
            let carrier = world.carrier_of(who);
            let document = line_document(
                &carrier.id,
                &world.x_line,
                &world.d.id,
                world.next_sequence(),
            );
            server.post("/v1/carrier/profiles").json(&sealed(
                &document,
                PROFILE_CONTEXT,
                &carrier.key,
            ))
        }
        Operation::DeactivateLine => {
            let carrier = world.carrier_of(who);
            let document = line_document(
                &carrier.id,
                &world.x_second_line,
                &world.e.id,
                world.next_sequence(),
            );
            server.post("/v1/carrier/line-deactivations").json(&sealed(
                &document,
                DEACTIVATION_CONTEXT,
                &carrier.key,
            ))
        }
        Operation::RotateCarrierKey => return rotation_cell(world, who).await,
        Operation::UploadSafetyPack => {
            let carrier = world.carrier_of(who);
            let pack = serde_json::json!({
                "carrier": carrier.id,
                "version": world.next_sequence(),
            });
            server.post("/v1/carrier/safety-packs").json(&sealed(
                &pack,
                SAFETY_PACK_CONTEXT,
                &carrier.key,
            ))
        }
    };
    world.as_who(call, who).send().await
}

/// The rotation cell: the carrier rotates its own key, and an allowed rotation is rotated back
/// (signed with the new key) so the rest of the matrix signs with the key it knows.
async fn rotation_cell(world: &World, who: Who) -> Reply {
    let server = &world.server;
    let carrier = world.carrier_of(who);
    let (new_key, _) = childsafe_crypto::SigningKey::generate().unwrap();
    let rotation = |old: &childsafe_crypto::SigningKey, new: &childsafe_crypto::SigningKey| {
        sealed(
            &KeyRotation {
                carrier: carrier.id.clone(),
                old_key: old.public_key(),
                new_key: new.public_key(),
                issued_at: 1_780_000_000,
                expires_at: 4_000_000_000,
            },
            ROTATION_CONTEXT,
            old,
        )
    };
    let call = server
        .post("/v1/carrier/key-rotations")
        .json(&rotation(&carrier.key, &new_key));
    let reply = world.as_who(call, who).send().await;
    if reply.status == 204 {
        let rotated = Identity {
            kind: PrincipalKind::Carrier,
            id: carrier.id.clone(),
            key: new_key,
        };
        server
            .post("/v1/carrier/key-rotations")
            .signed(&rotated)
            .json(&rotation(&rotated.key, &carrier.key))
            .send()
            .await
            .expect(204);
    }
    reply
}

/// The events cell: a refusal as it comes; an allowed stream is watched while device A reports
/// its status, which parent P (paired with A) must see and parent Q must not.
async fn events_cell(world: &World, who: Who) -> Reply {
    let server = &world.server;
    let call = world.as_who(server.get("/v1/parent/events"), who);
    let mut stream = match call.open_events().await {
        Ok(stream) => stream,
        Err(refusal) => return refusal,
    };
    server
        .post("/v1/device/status")
        .signed(&world.a)
        .json(&a_status())
        .send()
        .await
        .expect(204);
    let seen = stream.nothing_within(Duration::from_millis(500)).await;
    match who {
        Who::ParentP => {
            let event = seen.expect("P saw nothing of its own child");
            assert_eq!(event.name, "status");
            assert!(event.data.contains(&world.a.id), "{event:?}");
        }
        _ => assert_eq!(seen, None, "{who:?} saw another parent's child"),
    }
    Reply {
        status: 200,
        headers: Default::default(),
        body: Vec::new(),
    }
}

fn fresh_pairing_key() -> childsafe_crypto::PublicKey {
    PairingSecret::generate()
        .unwrap()
        .pairing_key()
        .unwrap()
        .public_key()
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An allowed answer shows the caller its own data and nobody else's.
fn sees_only_its_own(world: &World, operation: Operation, who: Who, reply: &Reply) {
    let a = &world.a.id;
    match operation {
        Operation::ListReportStatuses => {
            let reports = reply.json::<ReportStatuses>().reports;
            let has_a_report = reports.iter().any(|status| status.id == world.a_report);
            assert_eq!(has_a_report, who == Who::DeviceA, "{who:?}");
        }
        Operation::ReadFeed => {
            let items = reply.json::<Feed>().items;
            assert!(items.iter().all(|item| item.device_id == *a));
            assert_eq!(who == Who::ParentQ, items.is_empty(), "{who:?}");
            // The report A's child kept to the helpline reaches no parent, A's own included.
            assert!(
                items.iter().all(|item| item.report.id != world.a_kept),
                "{who:?}"
            );
        }
        Operation::ListParentDevices => {
            let peers = reply.json::<PairedPeers>().peers;
            let sees_a = peers.iter().any(|peer| peer.id == *a);
            assert_eq!(sees_a, who == Who::ParentP, "{who:?}");
            // A parent sees the status its own paired devices reported (only A reported one),
            // and nobody else's.
            for peer in &peers {
                let out_of_date = peer
                    .status
                    .as_ref()
                    .and_then(|status| status.lists_out_of_date_since);
                let expected = (peer.id == *a).then_some(1_700_000_000);
                assert_eq!(out_of_date, expected, "{who:?} sees {}", peer.id);
            }
        }
        Operation::ListPairingClaims => {
            // Only C's invite has claims, and C is not a caller of the matrix.
            assert!(reply.json::<PendingClaims>().claims.is_empty(), "{who:?}");
        }
        Operation::ListLines => {
            let lines = reply.json::<Lines>().lines;
            let sees_x_line = lines.iter().any(|line| line.line_handle == world.x_line);
            assert_eq!(sees_x_line, who == Who::CarrierX, "{who:?}");
            assert!(lines.iter().all(|line| line.settings.line.is_empty()));
        }
        Operation::ListPendingActivations => {
            let pending = reply.json::<PendingActivations>().activations;
            if who == Who::CarrierY {
                assert!(pending.is_empty(), "Y sees X's devices");
            }
        }
        Operation::ReadLineDocuments => {
            // Neither A nor B registered with a line: they see none of D's and E's.
            assert_eq!(reply.json::<LineDocuments>(), LineDocuments::default());
        }
        Operation::ReadDeviceMailbox | Operation::ReadParentMailbox => {
            let messages = reply.json::<Mailbox>().messages;
            let own = matches!(who, Who::DeviceA | Who::ParentP);
            assert_eq!(!messages.is_empty(), own, "{who:?}");
        }
        _ => {}
    }
}

/// Everything the API can show about the world, as text to compare.
async fn snapshot(world: &World) -> String {
    let storage: &dyn Storage = world.server.storage.as_ref();
    let mut parts = Vec::new();
    for device in [&world.a, &world.b, &world.c] {
        parts.push(format!(
            "{:?}",
            storage.report_statuses(&device.id).await.unwrap()
        ));
        parts.push(format!(
            "{:?}",
            storage.parents_of(&device.id).await.unwrap()
        ));
        parts.push(format!(
            "{:?}",
            storage
                .device_status(&device.id)
                .await
                .unwrap()
                .map(|status| (status.lists_version, status.lists_out_of_date_since))
        ));
        parts.push(format!(
            "{:?}",
            storage
                .messages(&format!("device:{}", device.id), 0, 1000)
                .await
                .unwrap()
        ));
        parts.push(format!(
            "{:?}",
            storage.pairing_invite(&device.id).await.unwrap()
        ));
    }
    for parent in [&world.p, &world.q] {
        parts.push(format!(
            "{:?}",
            storage.devices_of(&parent.id).await.unwrap()
        ));
        parts.push(format!(
            "{:?}",
            storage
                .messages(&format!("parent:{}", parent.id), 0, 1000)
                .await
                .unwrap()
        ));
    }
    for carrier in [&world.x, &world.y] {
        parts.push(format!(
            "{:?}",
            storage.lines_of(&carrier.id).await.unwrap()
        ));
        parts.push(format!("{:?}", storage.carrier(&carrier.id).await.unwrap()));
    }
    parts.push(format!("{:?}", storage.hotline_queue().await.unwrap()));
    for kind in BundleKind::ALL {
        parts.push(format!("{:?}", storage.bundle(kind).await.unwrap()));
    }
    parts.join("\n")
}
