//! Pairing a parent with the phone so that no relay can take it over, and what the parents do
//! afterwards, with the real `ChildSafe` against the real backend on loopback. The parent's side
//! is built from the protocol's own functions, as a parent's app would be.
//!
//! The stories: the whole pairing (both screens show the same six digits, the PIN enrols, the
//! backend then lists the parent); a wrong PIN, a second claimant and a claim the relay forged or
//! moved to another key all enrol no one; nothing the backend stores lets it guess the code or
//! claim for another key; the owner invites a member by command; a member cannot release the
//! phone or remove the owner, and is told so in a receipt signed by the phone; a removed parent's
//! commands are refused; releasing the phone keeps what the carrier requires; the signed status
//! snapshot carries the settings; a denied access request shows as denied to the child.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_backend::storage::Storage;
use childsafe_backend::{RunningServer, ServerConfig, clock, open_storage, operator, spawn};
use childsafe_core::crypto::{PublicKey, SigningKey};
use childsafe_core::protocol::pairing::{
    PairingQr, PairingSecret, ParentRole, confirmation_code, sign_claim, verify_claim,
};
use childsafe_core::protocol::request_signing::{self, PrincipalKind, key_id};
use childsafe_core::protocol::routes::Operation;
use childsafe_core::protocol::wire::{MessageKind, OutgoingMessage, ParentClaim, PendingClaim};
use childsafe_core::sdk::{ChildSafeEvent, SdkError};
use childsafe_core::settings::SafeModeError;
use childsafe_core::settings::access_request::AccessAnswer;
use childsafe_core::settings::activation::ActivationProfile;
use childsafe_core::settings::parent_code::ParentSecret;
use childsafe_core::settings::parent_command::{ParentAction, ParentCommand};
use childsafe_core::settings::status_snapshot::StatusSnapshot;
use childsafe_core::store::FileKeyStore;
use childsafe_core::sync::client::SyncClient;
use childsafe_core::{ChildSafe, ChildSafeConfig};
use childsafe_tests::recorder::Recorder;

const PIN: &str = "4821";

/// The backend on loopback and a registered phone.
struct World {
    _backend_dir: tempfile::TempDir,
    _phone_dir: tempfile::TempDir,
    storage: Arc<dyn Storage>,
    server: Option<RunningServer>,
    phone: ChildSafe,
    recorder: Arc<Recorder>,
    carrier: SigningKey,
}

impl World {
    async fn new() -> Self {
        let backend_dir = tempfile::tempdir().unwrap();
        let storage = open_storage(Some(backend_dir.path()), None).await.unwrap();
        let server = spawn(Arc::clone(&storage), ServerConfig::loopback())
            .await
            .unwrap();
        let token = operator::mint_activation_tokens(storage.as_ref(), 1, clock::unix_now())
            .await
            .unwrap()
            .remove(0);
        let (carrier, _) = SigningKey::generate().unwrap();
        let phone_dir = tempfile::tempdir().unwrap();
        let keys = FileKeyStore::new(phone_dir.path().join("data.key"));
        let config = ChildSafeConfig {
            data_dir: phone_dir.path().join("sdk").display().to_string(),
            backend_url: Some(server.url()),
            allow_insecure_loopback: true,
            trusted_carrier_keys: vec![carrier.public_key()],
            country: "GB".to_owned(),
            locale: "en".to_owned(),
            ..ChildSafeConfig::default()
        };
        let recorder = Arc::new(Recorder::default());
        let phone = ChildSafe::open(config, &keys, recorder.clone(), recorder.clone()).unwrap();
        phone.register(&token).await.unwrap();
        phone.set_pin(PIN, None).unwrap();
        Self {
            _backend_dir: backend_dir,
            _phone_dir: phone_dir,
            storage,
            server: Some(server),
            phone,
            recorder,
            carrier,
        }
    }

    fn server(&self) -> &RunningServer {
        self.server.as_ref().unwrap()
    }

    async fn shutdown(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.unwrap();
        }
    }

    async fn parent(&self) -> Parent {
        Parent::register(&self.server().url()).await
    }

    /// Pairs `parent` as the phone's first parent, through the QR code and the PIN.
    async fn pair_owner(&self, parent: &mut Parent) {
        let invite = self.phone.start_pairing(PIN).await.unwrap();
        parent.claim(&invite.qr_payload).await.unwrap();
        let pending = self.phone.pending_parent().await.unwrap();
        let paired = self
            .phone
            .confirm_parent(PIN, &pending.parent_id)
            .await
            .unwrap();
        assert_eq!(paired.role, ParentRole::Owner);
    }
}

/// A parent's app, from the protocol's own parts.
struct Parent {
    key: SigningKey,
    client: SyncClient,
    base: String,
    /// The pairing secret scanned, and the device key the backend handed over for it.
    paired: Option<(PairingSecret, String, PublicKey)>,
    sequence: AtomicU64,
}

impl Parent {
    async fn register(base: &str) -> Self {
        let (key, _) = SigningKey::generate().unwrap();
        let client = SyncClient::for_parent(base, true).unwrap();
        client.register_parent(&key).await.unwrap();
        Self {
            key,
            client,
            base: base.to_owned(),
            paired: None,
            sequence: AtomicU64::new(0),
        }
    }

    fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    fn id(&self) -> String {
        key_id(&self.public_key())
    }

    /// Scans the QR payload and claims the invite; the confirmation code this side shows.
    async fn claim(&mut self, qr_payload: &str) -> Result<String, String> {
        let qr = PairingQr::parse(qr_payload).unwrap();
        let pairing = qr.secret.pairing_key().unwrap();
        let claim = ParentClaim {
            device_id: qr.device_id.clone(),
            parent_public_key: self.public_key(),
            claim_signature: sign_claim(&pairing, &qr.device_id, &self.public_key()),
        };
        let answer: serde_json::Value = self
            .post(
                Operation::ClaimPairingInvite,
                &serde_json::to_vec(&claim).unwrap(),
            )
            .await?;
        let device_key: PublicKey =
            serde_json::from_value(answer["device_public_key"].clone()).unwrap();
        assert_eq!(
            key_id(&device_key),
            qr.device_id,
            "the backend named the QR's device"
        );
        let code = confirmation_code(&qr.secret, &device_key, &self.public_key());
        self.paired = Some((qr.secret, qr.device_id, device_key));
        Ok(code)
    }

    /// The offline-code secret both sides derive from the pairing secret.
    fn secret(&self) -> ParentSecret {
        ParentSecret::from_pairing_secret(&self.paired.as_ref().unwrap().0)
    }

    fn device_id(&self) -> String {
        self.paired.as_ref().unwrap().1.clone()
    }

    fn device_key(&self) -> PublicKey {
        self.paired.as_ref().unwrap().2
    }

    /// Signs and relays a command; its sequence number.
    async fn command(&self, action: ParentAction) -> u64 {
        let sequence = self.sequence.fetch_add(1, Ordering::SeqCst) + 1;
        self.command_numbered(action, sequence).await;
        sequence
    }

    /// Signs a command with the next sequence number, to hand over without the relay.
    fn signed(&self, action: ParentAction) -> Vec<u8> {
        let sequence = self.sequence.fetch_add(1, Ordering::SeqCst) + 1;
        self.envelope(action, sequence)
    }

    fn envelope(&self, action: ParentAction, sequence: u64) -> Vec<u8> {
        ParentCommand {
            device_id: self.device_id(),
            sequence,
            issued_at: clock::unix_now(),
            action,
        }
        .sign(&self.key)
        .unwrap()
    }

    async fn command_numbered(&self, action: ParentAction, sequence: u64) {
        let envelope = self.envelope(action, sequence);
        self.client
            .send_to_device(
                &self.key,
                &self.device_id(),
                &OutgoingMessage {
                    kind: MessageKind::Command,
                    blob: URL_SAFE_NO_PAD.encode(envelope),
                },
            )
            .await
            .unwrap();
    }

    /// The devices the backend counts this parent as paired with.
    async fn devices(&self) -> Vec<String> {
        self.client
            .parent_devices(&self.key)
            .await
            .unwrap()
            .peers
            .into_iter()
            .map(|peer| peer.id)
            .collect()
    }

    async fn post(&self, operation: Operation, body: &[u8]) -> Result<serde_json::Value, String> {
        let route = operation.route();
        let path = route.path_with(&[]);
        let headers = request_signing::sign_request(
            &self.key,
            PrincipalKind::Parent,
            "POST",
            &path,
            clock::unix_now(),
            "",
            body,
        )
        .unwrap();
        let mut request = reqwest::Client::new()
            .post(format!("{}{}", self.base.trim_end_matches('/'), path))
            .header("content-type", "application/json")
            .body(body.to_vec());
        for (name, value) in headers.pairs() {
            request = request.header(name, value);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        if status.is_success() {
            Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
        } else {
            Err(format!("{status}: {text}"))
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_pairs_by_qr_code_matching_digits_and_the_pin_and_the_backend_then_lists_it() {
    let mut world = World::new().await;
    let mut parent = world.parent().await;

    // Starting needs the PIN, and a wrong one starts nothing.
    let wrong = world.phone.start_pairing("0000").await.unwrap_err();
    assert!(
        matches!(wrong, SdkError::SafeMode(SafeModeError::PinRequired)),
        "{wrong:?}"
    );
    assert!(matches!(
        world.phone.pending_parent().await,
        Err(SdkError::NotReady(_))
    ));

    let invite = world.phone.start_pairing(PIN).await.unwrap();
    assert_eq!(invite.secret_code.len(), 26);
    assert!(invite.qr_payload.ends_with(&invite.secret_code));
    assert!(
        !world
            .recorder
            .lines()
            .join("\n")
            .contains(&invite.secret_code),
        "the secret is never logged"
    );
    assert!(matches!(
        world.phone.pending_parent().await,
        Err(SdkError::NotReady(_))
    ));

    let parent_code = parent.claim(&invite.qr_payload).await.unwrap();
    let pending = world.phone.pending_parent().await.unwrap();
    assert_eq!(pending.confirmation_code, parent_code, "both screens agree");
    assert_eq!(pending.parent_public_key, parent.public_key());
    assert_eq!(pending.parent_id, parent.id());
    assert!(
        parent.devices().await.is_empty(),
        "not paired before the phone confirms"
    );

    // A wrong PIN enrols nothing; the right one enrols the owner.
    assert!(
        world
            .phone
            .confirm_parent("0000", &parent.id())
            .await
            .is_err()
    );
    assert!(world.phone.parents().unwrap().is_empty());
    assert!(parent.devices().await.is_empty());
    let paired = world
        .phone
        .confirm_parent(PIN, &pending.parent_id)
        .await
        .unwrap();
    assert_eq!(paired.public_key, parent.public_key());
    assert_eq!(paired.role, ParentRole::Owner);
    let parents = world.phone.parents().unwrap();
    assert_eq!(parents.len(), 1);
    assert_eq!(parents[0].role, ParentRole::Owner);
    assert_eq!(parent.devices().await, vec![world.phone.device_id()]);

    // The invite is spent: nothing more to confirm.
    assert!(world.phone.pending_parent().await.is_err());

    // The phone and the parent's app derived the same offline-code secret from the QR code: a
    // PIN the parent seals with it opens on the phone.
    parent
        .command(ParentAction::change_pin("2468", &parent.secret(), &parent.device_id()).unwrap())
        .await;
    world.phone.sync_now().await.unwrap();
    assert_eq!(
        world.phone.verify_pin("2468").unwrap(),
        childsafe_core::settings::PinCheck::Right
    );
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_claimant_ends_the_pairing_and_no_one_is_enrolled() {
    let mut world = World::new().await;
    let mut parent = world.parent().await;
    let mut shoulder_surfer = world.parent().await;
    let invite = world.phone.start_pairing(PIN).await.unwrap();
    parent.claim(&invite.qr_payload).await.unwrap();
    shoulder_surfer.claim(&invite.qr_payload).await.unwrap();

    let refused = world.phone.pending_parent().await.unwrap_err();
    assert!(matches!(refused, SdkError::Refused(_)), "{refused:?}");
    assert!(
        refused.to_string().contains("start pairing again"),
        "{refused}"
    );
    // The invite is gone: confirming either one fails, and no one is enrolled anywhere.
    for claimant in [&parent, &shoulder_surfer] {
        assert!(
            world
                .phone
                .confirm_parent(PIN, &claimant.id())
                .await
                .is_err()
        );
        assert!(claimant.devices().await.is_empty());
    }
    assert!(world.phone.parents().unwrap().is_empty());
    assert!(matches!(
        world.phone.pending_parent().await,
        Err(SdkError::NotReady(_))
    ));
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_the_relay_forged_or_moved_to_its_own_key_are_ignored() {
    let mut world = World::new().await;
    let device_id = world.phone.device_id();
    let invite = world.phone.start_pairing(PIN).await.unwrap();
    let secret = PairingQr::parse(&invite.qr_payload).unwrap().secret;
    let (relay_key, _) = SigningKey::generate().unwrap();
    let relay_parent = Parent::register(&world.server().url()).await;
    let mut parent = world.parent().await;
    parent.claim(&invite.qr_payload).await.unwrap();
    let genuine = world
        .storage
        .pairing_invite(&device_id)
        .await
        .unwrap()
        .unwrap()
        .claims
        .remove(0);

    // A compromised backend writes claims straight into its storage: the genuine signature
    // moved to its own key, and a claim signed with a pairing key of its own.
    let forged_pairing = PairingSecret::generate().unwrap().pairing_key().unwrap();
    for forged in [
        PendingClaim {
            parent_id: relay_parent.id(),
            parent_public_key: relay_parent.public_key(),
            claim_signature: genuine.claim_signature.clone(),
            claimed_at: clock::unix_now(),
        },
        PendingClaim {
            parent_id: key_id(&relay_key.public_key()),
            parent_public_key: relay_key.public_key(),
            claim_signature: sign_claim(&forged_pairing, &device_id, &relay_key.public_key()),
            claimed_at: clock::unix_now(),
        },
    ] {
        world
            .storage
            .add_pairing_claim(&device_id, forged, clock::unix_now())
            .await
            .unwrap();
    }

    // Only the genuine parent shows, and only it can be confirmed.
    let pending = world.phone.pending_parent().await.unwrap();
    assert_eq!(pending.parent_public_key, parent.public_key());
    assert!(
        world
            .recorder
            .warnings()
            .iter()
            .any(|line| line.contains("2 pairing claim(s)")),
        "{:?}",
        world.recorder.warnings()
    );
    assert!(
        world
            .phone
            .confirm_parent(PIN, &relay_parent.id())
            .await
            .is_err()
    );
    assert!(world.phone.parents().unwrap().is_empty());

    // What the backend keeps (the pairing key's public half and the claim's signature) holds
    // no trace of the secret, and the stored signature proves nothing for another key.
    let stored = world
        .storage
        .pairing_invite(&device_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.pairing_public_key,
        secret.pairing_key().unwrap().public_key()
    );
    assert!(!verify_claim(
        &stored.pairing_public_key,
        &device_id,
        &relay_key.public_key(),
        &genuine.claim_signature
    ));
    let mut on_disk = Vec::new();
    for entry in walk(world._backend_dir.path()) {
        on_disk.extend(std::fs::read(entry).unwrap());
    }
    assert!(!on_disk.is_empty());
    for trace in [
        secret.as_bytes().to_vec(),
        secret.to_base32().into_bytes(),
        secret.to_base32().to_lowercase().into_bytes(),
    ] {
        assert!(
            !on_disk
                .windows(trace.len())
                .any(|window| window == trace.as_slice()),
            "the backend's storage holds the pairing secret"
        );
    }
    // The relay's own claim over the REST route is refused and counted.
    let mut impostor = Parent::register(&world.server().url()).await;
    let forged_qr = PairingQr {
        device_id: device_id.clone(),
        secret: PairingSecret::generate().unwrap(),
    };
    assert!(impostor.claim(&forged_qr.to_payload()).await.is_err());

    // Without the genuine claim, nothing is left to show.
    world.phone.confirm_parent(PIN, &parent.id()).await.unwrap();
    assert_eq!(world.phone.parents().unwrap().len(), 1);
    world.shutdown().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_invites_a_member_who_cannot_release_the_phone_or_remove_the_owner() {
    let mut world = World::new().await;
    let mut owner = world.parent().await;
    world.pair_owner(&mut owner).await;

    // The owner's app draws the member's pairing secret and sends the invitation as a command.
    let member_secret = PairingSecret::generate().unwrap();
    let action =
        ParentAction::invite_parent(&member_secret, &owner.secret(), &owner.device_id()).unwrap();
    owner.command(action).await;
    world.phone.sync_now().await.unwrap();

    let mut member = world.parent().await;
    let member_qr = PairingQr {
        device_id: world.phone.device_id(),
        secret: member_secret,
    };
    member.claim(&member_qr.to_payload()).await.unwrap();
    world.phone.sync_now().await.unwrap();
    let parents = world.phone.parents().unwrap();
    assert_eq!(parents.len(), 2);
    assert_eq!(parents[1].public_key, member.public_key());
    assert_eq!(parents[1].role, ParentRole::Member);
    assert_eq!(member.devices().await, vec![world.phone.device_id()]);

    // The member's derived secret is the one the phone holds: its sealed PIN opens.
    member
        .command(ParentAction::change_pin("1357", &member.secret(), &member.device_id()).unwrap())
        .await;
    // A member may neither release the phone nor remove the owner.
    member.command(ParentAction::ReleaseDevice).await;
    member
        .command(ParentAction::RemoveParent {
            parent_public_key: owner.public_key(),
        })
        .await;
    world.recorder.clear();
    world.phone.sync_now().await.unwrap();
    let owner_only = world
        .recorder
        .warnings()
        .into_iter()
        .filter(|line| line.contains("only the parent who paired first (the owner)"))
        .count();
    assert_eq!(owner_only, 2, "{:?}", world.recorder.warnings());
    assert_eq!(world.phone.parents().unwrap().len(), 2);
    assert_eq!(
        world.phone.verify_pin("1357").unwrap(),
        childsafe_core::settings::PinCheck::Right
    );

    // The owner removes the member: its next command is refused and gets no receipt, and the
    // backend no longer pairs it.
    owner
        .command(ParentAction::RemoveParent {
            parent_public_key: member.public_key(),
        })
        .await;
    world.phone.sync_now().await.unwrap();
    assert_eq!(world.phone.parents().unwrap().len(), 1);
    assert!(member.devices().await.is_empty());
    // The backend no longer relays for it; handed to the phone directly, it is refused.
    let refused = world
        .phone
        .apply_parent_command(&member.signed(ParentAction::AllowHost {
            host: "games.example".to_owned(),
        }))
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("not signed by a paired parent"),
        "{refused}"
    );
    world.phone.sync_now().await.unwrap();
    let snapshot = snapshot_of(&owner).await;
    assert!(snapshot.allowed_hosts.is_empty());
    assert_eq!(snapshot.parents.len(), 1);
    world.shutdown().await;
}

/// The phone's latest snapshot as the owner's app sees it, verified against the device key.
async fn snapshot_of(parent: &Parent) -> StatusSnapshot {
    let peers = parent.client.parent_devices(&parent.key).await.unwrap();
    let status = peers.peers[0].status.clone().unwrap();
    let bytes = URL_SAFE_NO_PAD.decode(status.snapshot.unwrap()).unwrap();
    StatusSnapshot::verify(&bytes, &parent.device_key(), &parent.device_id()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signed_snapshot_carries_the_settings_and_releasing_keeps_what_the_carrier_requires() {
    let mut world = World::new().await;
    let activation = ActivationProfile {
        line: String::new(),
        device_id: world.phone.device_id(),
        birth_month: None,
        // The carrier lets the parents relax these; releasing the phone still brings its
        // category back.
        parents_may_relax: vec!["violence".to_owned(), "safe-search".to_owned()],
        carrier: "Example Mobile".to_owned(),
        profile_id: "p1".to_owned(),
        band: "9-12".parse().unwrap(),
        extra_blocked_categories: vec!["violence".to_owned()],
        issued_at: clock::unix_now() - 10,
        expires_at: clock::unix_now() + 86_400,
        sequence: 1,
    };
    world
        .phone
        .activate(&activation.sign(&world.carrier).unwrap())
        .unwrap();
    let mut owner = world.parent().await;
    world.pair_owner(&mut owner).await;

    owner
        .command(ParentAction::UnblockCategory {
            category: "violence".to_owned(),
        })
        .await;
    owner
        .command(ParentAction::DenyHost {
            host: "games.example".to_owned(),
        })
        .await;
    owner
        .command(ParentAction::SetSafeSearch { on: false })
        .await;
    world.phone.sync_now().await.unwrap();
    // The status goes before the mailbox is read: the next sync's snapshot shows the changes.
    world.phone.sync_now().await.unwrap();
    let first = snapshot_of(&owner).await;
    assert!(first.safe_mode);
    assert_eq!(first.denied_hosts, vec!["games.example".to_owned()]);
    assert!(!first.blocked_categories.contains(&"violence".to_owned()));
    assert!(!first.safe_search);
    assert_eq!(first.rules, world.phone.rules().unwrap());
    assert_eq!(first.parents.len(), 1);
    assert_eq!(first.parents[0].role, ParentRole::Owner);
    assert!(first.last_sync.is_some(), "the first sync had finished");

    // Released: the parents go, their rules go, the carrier's category comes back.
    owner.command(ParentAction::ReleaseDevice).await;
    world.phone.sync_now().await.unwrap();
    assert!(world.phone.parents().unwrap().is_empty());
    let status = world.phone.status().unwrap();
    assert!(status.safe_mode);
    assert!(status.blocked_categories.contains(&"violence".to_owned()));
    assert!(owner.devices().await.is_empty(), "the backend was told");
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_access_request_shows_as_denied_to_the_child() {
    let mut world = World::new().await;
    let mut owner = world.parent().await;
    world.pair_owner(&mut owner).await;
    let first = world
        .phone
        .request_access("https://games.example/play")
        .await
        .unwrap();
    let second = world
        .phone
        .request_access("https://videos.example/watch")
        .await
        .unwrap();
    let requests = world.phone.access_requests().unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].request_id, second, "newest first");
    assert!(
        requests
            .iter()
            .all(|request| request.answer == AccessAnswer::Pending)
    );

    owner
        .command(ParentAction::DenyAccess {
            request_id: first.clone(),
            host: "games.example".to_owned(),
        })
        .await;
    let until = clock::unix_now() + 3_600;
    owner
        .command(ParentAction::ApproveAccess {
            host: "videos.example".to_owned(),
            until_unix: until,
            request_id: Some(second.clone()),
        })
        .await;
    world.phone.sync_now().await.unwrap();
    let requests = world.phone.access_requests().unwrap();
    assert_eq!(requests[1].request_id, first);
    assert_eq!(requests[1].answer, AccessAnswer::Denied);
    assert_eq!(
        requests[0].answer,
        AccessAnswer::Approved { until_unix: until }
    );
    assert!(
        world
            .recorder
            .events()
            .contains(&ChildSafeEvent::AccessDenied {
                request_id: first,
                host: "games.example".to_owned(),
            })
    );
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_phone_can_remove_a_parent_with_its_pin() {
    let mut world = World::new().await;
    let mut owner = world.parent().await;
    world.pair_owner(&mut owner).await;
    assert!(
        world
            .phone
            .remove_parent("0000", &owner.id())
            .await
            .is_err()
    );
    assert_eq!(world.phone.parents().unwrap().len(), 1);
    world.phone.remove_parent(PIN, &owner.id()).await.unwrap();
    assert!(world.phone.parents().unwrap().is_empty());
    assert!(owner.devices().await.is_empty());
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_made_while_the_backend_is_down_reaches_it_at_the_next_sync() {
    let mut world = World::new().await;
    let mut owner = world.parent().await;
    world.pair_owner(&mut owner).await;
    let address = world.server().url();
    let shutdown = world.server.take().unwrap();
    shutdown.shutdown().await.unwrap();

    world.recorder.clear();
    world.phone.remove_parent(PIN, &owner.id()).await.unwrap();
    assert!(
        world.phone.parents().unwrap().is_empty(),
        "the removal stands"
    );
    assert!(
        world
            .recorder
            .warnings()
            .iter()
            .any(|line| line.contains("next sync")),
        "{:?}",
        world.recorder.warnings()
    );

    let listen: std::net::SocketAddr = address
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    world.server = Some(
        spawn(Arc::clone(&world.storage), ServerConfig::new(listen))
            .await
            .unwrap(),
    );
    assert_eq!(owner.devices().await, vec![world.phone.device_id()]);
    world.phone.sync_now().await.unwrap();
    assert!(
        owner.devices().await.is_empty(),
        "the statement was sent by the sync"
    );
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owners_invitation_claimed_twice_enrols_no_one() {
    let mut world = World::new().await;
    let mut owner = world.parent().await;
    world.pair_owner(&mut owner).await;
    let invite = PairingSecret::generate().unwrap();
    owner
        .command(ParentAction::invite_parent(&invite, &owner.secret(), &owner.device_id()).unwrap())
        .await;
    world.phone.sync_now().await.unwrap();
    let qr = PairingQr {
        device_id: world.phone.device_id(),
        secret: invite,
    }
    .to_payload();
    let mut first = world.parent().await;
    let mut second = world.parent().await;
    first.claim(&qr).await.unwrap();
    second.claim(&qr).await.unwrap();
    world.phone.sync_now().await.unwrap();
    assert_eq!(world.phone.parents().unwrap().len(), 1, "only the owner");
    assert!(first.devices().await.is_empty());
    assert!(second.devices().await.is_empty());
    assert!(
        world
            .recorder
            .warnings()
            .iter()
            .any(|line| line.contains("more than one parent")),
        "{:?}",
        world.recorder.warnings()
    );
    // Abandoned for good: a later sync enrols no one either.
    world.phone.sync_now().await.unwrap();
    assert_eq!(world.phone.parents().unwrap().len(), 1);
    world.shutdown().await;
}

/// The `childsafe://ask` link in a block page's HTML, as the browser follows it (the page escapes
/// `&` in the attribute).
fn ask_link_in(page: &str) -> String {
    let start = page
        .find("childsafe://ask?")
        .expect("the page has an ask link");
    let end = start + page[start..].find('"').expect("the link ends");
    page[start..end].replace("&amp;", "&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_block_pages_own_ask_link_sends_an_access_request() {
    let mut world = World::new().await;
    let activation = ActivationProfile {
        line: String::new(),
        device_id: world.phone.device_id(),
        birth_month: None,
        parents_may_relax: Vec::new(),
        carrier: "Example Mobile".to_owned(),
        profile_id: "p1".to_owned(),
        band: "9-12".parse().unwrap(),
        extra_blocked_categories: Vec::new(),
        issued_at: clock::unix_now() - 10,
        expires_at: clock::unix_now() + 86_400,
        sequence: 1,
    };
    world
        .phone
        .activate(&activation.sign(&world.carrier).unwrap())
        .unwrap();
    let mut owner = world.parent().await;
    world.pair_owner(&mut owner).await;
    owner
        .command(ParentAction::DenyHost {
            host: "games.example".to_owned(),
        })
        .await;
    world.phone.sync_now().await.unwrap();
    let blocked = "https://games.example/play";
    let decision = world.phone.check_url(blocked).unwrap();
    let page = world.phone.block_page(blocked, &decision).unwrap();
    let link = ask_link_in(&page);
    assert!(link.contains("&nonce="), "{link}");

    // A page of its own writes the link the sample once used, or borrows the real nonce for
    // another host: nothing is sent.
    let forged = format!(
        "childsafe://ask?url={}",
        URL_SAFE_NO_PAD.encode(blocked.as_bytes())
    );
    let nonce = link.split("&nonce=").nth(1).unwrap();
    let moved = format!(
        "childsafe://ask?url={}&nonce={nonce}",
        URL_SAFE_NO_PAD.encode(b"https://chat.example/")
    );
    for link in [forged, moved] {
        assert!(matches!(
            world.phone.ask_parent(&link).await,
            Err(SdkError::InvalidInput(_))
        ));
    }
    assert!(world.phone.access_requests().unwrap().is_empty());
    assert!(
        world
            .recorder
            .warnings()
            .iter()
            .any(|line| line.contains("ask a parent ignored")),
        "a refused link is logged"
    );

    // The block page's own link sends one request, once.
    let request_id = world.phone.ask_parent(&link).await.unwrap();
    let requests = world.phone.access_requests().unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].request_id, request_id);
    assert_eq!(requests[0].host, "games.example");
    assert!(matches!(
        world.phone.ask_parent(&link).await,
        Err(SdkError::InvalidInput(_))
    ));
    assert_eq!(world.phone.access_requests().unwrap().len(), 1);
    world.shutdown().await;
}
