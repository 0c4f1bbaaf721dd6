//! The parent's app (`ChildSafeParent`) against the real backend on loopback, with the child's
//! phone played from the protocol's building blocks (its device key, its pairing invite, its
//! signed statements, snapshots and access requests): pairing shows the same code on both
//! screens and keeps nothing when the relay lies about the phone's key; what the phone says is
//! shown only once it verifies against the key checked at pairing; commands carry sequence
//! numbers that survive reopening; the feed puts SOS first; and a parent sees nothing of a child
//! it did not pair with.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;

use childsafe_backend::storage::Storage;
use childsafe_backend::{RunningServer, ServerConfig, clock, open_storage, operator, spawn};
use childsafe_core::crypto::SigningKey;
use childsafe_core::parent::{
    AccessAnswer, ChildEvent, ChildSafeParent, CommandState, ParentConfig, ParentError,
};
use childsafe_core::protocol::pairing::{PairingError, PairingQr, ParentRole};
use childsafe_core::protocol::report::ReportKind;
use childsafe_core::protocol::request_signing::key_id;
use childsafe_core::protocol::wire::MessageKind;
use childsafe_core::settings::AgeBand;
use childsafe_core::settings::PARENT_CODE_STEP_SECS;
use childsafe_core::settings::command_receipt::{CommandOutcome, CommandReceipt};
use childsafe_core::settings::parent_code::{ParentSecret, current_code};
use childsafe_core::settings::parent_command::ParentAction;
use childsafe_core::store::FileKeyStore;
use childsafe_tests::played_phone::PlayedPhone;
use tempfile::TempDir;

// ---- The backend and the parent's app ----------------------------------------------------------

struct Backend {
    storage: Arc<dyn Storage>,
    server: RunningServer,
    _dir: TempDir,
}

async fn backend() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let storage = open_storage(Some(dir.path()), None).await.unwrap();
    let server = spawn(Arc::clone(&storage), ServerConfig::loopback())
        .await
        .unwrap();
    Backend {
        storage,
        server,
        _dir: dir,
    }
}

/// A parent's app data directory, kept across reopening.
struct ParentPhone {
    dir: TempDir,
    url: String,
}

impl ParentPhone {
    fn new(url: &str) -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            url: url.to_owned(),
        }
    }

    fn open(&self) -> ChildSafeParent {
        self.open_at(&self.url)
    }

    fn open_at(&self, url: &str) -> ChildSafeParent {
        let keys = FileKeyStore::new(self.dir.path().join("data.key"));
        ChildSafeParent::open(
            ParentConfig {
                data_dir: self.dir.path().join("parent").display().to_string(),
                backend_url: url.to_owned(),
                allow_insecure_loopback: true,
            },
            &keys,
        )
        .unwrap()
    }
}

/// A parent registered and paired as the owner of a phone that confirmed it and sent a snapshot.
async fn paired(backend: &Backend) -> (ParentPhone, ChildSafeParent, PlayedPhone) {
    let home = ParentPhone::new(&backend.server.url());
    let parent = home.open();
    parent.register().await.unwrap();
    let mut phone = new_phone(backend).await;
    let (qr, secret) = phone.invite().await;
    let started = parent.pair(&qr).await.unwrap();
    let (code, enrolled) = phone.confirm(&secret, ParentRole::Owner).await;
    assert_eq!(started.confirmation_code, code);
    assert_eq!(enrolled, parent.public_key());
    let snapshot = phone.snapshot(&[(parent.public_key(), ParentRole::Owner)]);
    phone.send_status(&snapshot.sign(&phone.key).unwrap()).await;
    (home, parent, phone)
}

/// A new phone registered at `backend`.
async fn new_phone(backend: &Backend) -> PlayedPhone {
    let token = operator::mint_activation_tokens(backend.storage.as_ref(), 1, clock::unix_now())
        .await
        .unwrap()
        .remove(0);
    PlayedPhone::register(&backend.server.url(), &token).await
}

// ---- Pairing ------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairing_shows_the_phones_code_and_the_child_is_confirmed_by_the_phone() {
    let backend = backend().await;
    let home = ParentPhone::new(&backend.server.url());
    let parent = home.open();
    // A payload that is not a pairing code is named as such, registered or not; a well-formed
    // one waits for the registration.
    assert!(matches!(
        parent.pair("childsafe-pair:1:00:AAAA").await,
        Err(ParentError::Pairing(PairingError::BadDeviceId))
    ));
    let well_formed = format!("childsafe-pair:1:{}:{}", "0".repeat(32), "A".repeat(26));
    assert!(matches!(
        parent.pair(&well_formed).await,
        Err(ParentError::NotReady(_))
    ));
    let id = parent.register().await.unwrap();
    assert_eq!(id, parent.parent_id());
    assert_eq!(parent.register().await.unwrap(), id, "registering again");

    let mut phone = new_phone(&backend).await;
    let (qr, secret) = phone.invite().await;
    let started = parent.pair(&qr).await.unwrap();
    assert_eq!(started.device_id, phone.id);
    let children = parent.children().unwrap();
    assert_eq!(children.len(), 1);
    assert!(!children[0].confirmed, "awaiting the phone");
    assert_eq!(children[0].role, None);

    let (code, _) = phone.confirm(&secret, ParentRole::Owner).await;
    assert_eq!(
        started.confirmation_code, code,
        "both screens show the same code"
    );
    let snapshot = phone.snapshot(&[(parent.public_key(), ParentRole::Owner)]);
    phone.send_status(&snapshot.sign(&phone.key).unwrap()).await;
    parent.sync().await.unwrap();
    let children = parent.children().unwrap();
    assert!(children[0].confirmed);
    assert_eq!(children[0].role, Some(ParentRole::Owner));

    let status = parent.status(&phone.id).await.unwrap();
    assert_eq!(status.device_id, phone.id);
    assert_eq!(status.band, AgeBand::From9To12);
    assert_eq!(status.blocked_categories, ["gambling"]);
    assert_eq!(status.allowed_hosts, ["school.example"]);
    assert_eq!(status.denied_hosts, ["casino.example"]);
    assert!(status.safe_mode && status.safe_search && !status.allowlist_only);
    assert_eq!(status.lists_version, Some(7));
    assert!(status.lists_out_of_date);
    assert_eq!(status.taken_at, snapshot.taken_at);
    assert_eq!(status.last_sync, snapshot.last_sync);
    assert_eq!(
        parent.rules(&phone.id).await.unwrap(),
        ["Gambling sites are blocked."]
    );
    // The offline code comes from the QR's secret, as the phone derives it.
    let on_the_phone = ParentSecret::from_pairing_secret(&secret);
    let shown = parent.offline_code(&phone.id).unwrap();
    let now = clock::unix_now();
    assert!(
        [
            now - PARENT_CODE_STEP_SECS,
            now,
            now + PARENT_CODE_STEP_SECS
        ]
        .iter()
        .any(|&at| current_code(&on_the_phone, at) == shown)
    );
}

/// A relay that answers every request with `body` and status 202: a backend that lies.
async fn lying_relay(body: String) -> String {
    canned_server(format!(
        "HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    ))
    .await
}

/// A live stream that sends `events` and then stays open, saying nothing more.
async fn event_stream(events: String) -> String {
    canned_server(format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n\r\n{events}"
    ))
    .await
}

/// A server on loopback that answers each request with `answer`, then holds the connection.
async fn canned_server(answer: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        while let Ok((mut socket, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                // Read the whole request (headers and body) before answering.
                let mut request = Vec::new();
                let mut chunk = [0u8; 4096];
                while let Ok(read @ 1..) = socket.read(&mut chunk).await {
                    request.extend_from_slice(&chunk[..read]);
                    let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text
                            .lines()
                            .find_map(|line| line.strip_prefix("content-length:"))
                            .and_then(|value| value.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let _ = socket.write_all(answer.as_bytes()).await;
                tokio::time::sleep(std::time::Duration::from_secs(10)).await;
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_key_the_relay_substitutes_is_refused_and_nothing_is_kept() {
    let backend = backend().await;
    let home = ParentPhone::new(&backend.server.url());
    home.open().register().await.unwrap();
    let phone = new_phone(&backend).await;
    let (qr, _) = phone.invite().await;
    let relays_key = SigningKey::generate().unwrap().0.public_key();

    let substitutions = [
        // The phone's id with the relay's key.
        (phone.id.clone(), relays_key),
        // The relay's own device under its own id.
        (key_id(&relays_key), relays_key),
    ];
    for (device_id, device_public_key) in substitutions {
        let body = format!(
            r#"{{"device_id":"{device_id}","device_public_key":"{}"}}"#,
            device_public_key.to_base64url()
        );
        let parent = home.open_at(&lying_relay(body).await);
        let error = parent.pair(&qr).await.unwrap_err();
        assert!(matches!(error, ParentError::Refused(_)), "{error}");
        assert!(parent.children().unwrap().is_empty(), "nothing kept");
        assert!(matches!(
            parent.send(&phone.id, ParentAction::ReleaseDevice).await,
            Err(ParentError::NotPaired)
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_with_another_devices_qr_is_refused() {
    let backend = backend().await;
    let home = ParentPhone::new(&backend.server.url());
    let parent = home.open();
    parent.register().await.unwrap();
    let child = new_phone(&backend).await;
    let other = new_phone(&backend).await;
    let (_, childs_secret) = child.invite().await;
    let (others_qr, _) = other.invite().await;

    // The other phone's id with the child's secret: the other phone's invite refuses the claim.
    let mixed = PairingQr {
        device_id: other.id.clone(),
        secret: childs_secret,
    }
    .to_payload();
    let error = parent.pair(&mixed).await.unwrap_err();
    assert!(
        matches!(&error, ParentError::Sync(sync) if sync.to_string().contains("bad_claim")),
        "{error}"
    );
    assert!(parent.children().unwrap().is_empty());
    assert!(matches!(
        parent.pair("childsafe-pair:1:abc:AAAA").await,
        Err(ParentError::Pairing(_))
    ));
    // The other phone's own QR still pairs.
    parent.pair(&others_qr).await.unwrap();
    assert_eq!(parent.children().unwrap().len(), 1);
}

// ---- What the parent sees -----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_not_signed_by_the_phone_for_itself_or_older_is_refused() {
    let backend = backend().await;
    let (_home, parent, mut phone) = paired(&backend).await;
    let first = parent.status(&phone.id).await.unwrap();

    // Re-signed by another key.
    let snapshot = phone.snapshot(&[(parent.public_key(), ParentRole::Owner)]);
    let stranger = SigningKey::generate().unwrap().0;
    phone.send_status(&snapshot.sign(&stranger).unwrap()).await;
    let error = parent.status(&phone.id).await.unwrap_err();
    assert!(matches!(error, ParentError::Refused(_)), "{error}");

    // Another phone's own snapshot, swapped in for this one's.
    let mut other = new_phone(&backend).await;
    let others = other.snapshot(&[]);
    phone.send_status(&others.sign(&other.key).unwrap()).await;
    assert!(matches!(
        parent.status(&phone.id).await,
        Err(ParentError::Refused(_))
    ));

    // Signed by this phone but naming the other.
    let mut for_other = phone.snapshot(&[]);
    for_other.device_id = other.id.clone();
    phone
        .send_status(&for_other.sign(&phone.key).unwrap())
        .await;
    assert!(matches!(
        parent.status(&phone.id).await,
        Err(ParentError::Refused(_))
    ));

    // Newer, then one older than it.
    let newer = phone.snapshot(&[(parent.public_key(), ParentRole::Owner)]);
    phone.send_status(&newer.sign(&phone.key).unwrap()).await;
    assert_eq!(parent.status(&phone.id).await.unwrap().seq, newer.seq);
    let mut older = newer.clone();
    older.seq = first.seq;
    older.safe_search = false;
    phone.send_status(&older.sign(&phone.key).unwrap()).await;
    let error = parent.status(&phone.id).await.unwrap_err();
    assert!(error.to_string().contains("older"), "{error}");
    // A sync drops it too, and counts it.
    assert_eq!(parent.sync().await.unwrap().ignored, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_shows_sos_first_then_the_newest() {
    let backend = backend().await;
    let (_home, parent, phone) = paired(&backend).await;
    let bullying = phone.upload(ReportKind::Bullying).await;
    let sos = phone.upload(ReportKind::Sos).await;
    let grooming = phone.upload(ReportKind::Grooming).await;

    let summary = parent.sync().await.unwrap();
    assert_eq!(summary.reports, 3);
    let order: Vec<String> = parent
        .feed()
        .unwrap()
        .into_iter()
        .map(|report| report.report_id)
        .collect();
    assert_eq!(order, [sos, grooming, bullying]);
    // Taken once: the feed position is kept.
    assert_eq!(parent.sync().await.unwrap().reports, 0);
    assert_eq!(parent.feed().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_requests_are_verified_and_answered_with_signed_commands() {
    let backend = backend().await;
    let (_home, parent, phone) = paired(&backend).await;
    let first = phone.ask("games.example", &phone.key).await;
    let forged = SigningKey::generate().unwrap().0;
    phone.ask("forged.example", &forged).await;
    let second = phone.ask("videos.example", &phone.key).await;

    let summary = parent.sync().await.unwrap();
    assert_eq!((summary.requests, summary.ignored), (2, 1));
    let requests = parent.requests().unwrap();
    let ids: Vec<&str> = requests.iter().map(|r| r.request_id.as_str()).collect();
    assert_eq!(ids, [second.as_str(), first.as_str()], "newest first");
    assert_eq!(requests[1].host, "games.example");

    assert!(matches!(
        parent.approve(&first, 0).await,
        Err(ParentError::InvalidInput(_))
    ));
    assert!(matches!(
        parent.approve("no-such-request", 60).await,
        Err(ParentError::InvalidInput(_))
    ));
    let approved = parent.approve(&first, 3600).await.unwrap();
    let denied = parent.deny(&second).await.unwrap();
    assert_eq!((approved.sequence, denied.sequence), (1, 2));
    let answers: Vec<AccessAnswer> = parent
        .requests()
        .unwrap()
        .into_iter()
        .map(|request| request.answer)
        .collect();
    assert_eq!(answers[0], AccessAnswer::Denied);
    assert!(matches!(answers[1], AccessAnswer::Approved { .. }));

    let commands = phone.commands_from(&parent.public_key()).await;
    assert_eq!(commands.len(), 2);
    assert!(matches!(
        &commands[0].action,
        ParentAction::ApproveAccess { host, request_id: Some(id), .. }
            if host == "games.example" && *id == first
    ));
    assert_eq!(
        commands[1].action,
        ParentAction::DenyAccess {
            request_id: second,
            host: "videos.example".to_owned()
        }
    );
}

// ---- What the parent does -----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_sequence_numbers_survive_reopening() {
    let backend = backend().await;
    let (home, parent, phone) = paired(&backend).await;
    let key = parent.public_key();
    let first = parent
        .send(&phone.id, ParentAction::SetSafeSearch { on: true })
        .await
        .unwrap();
    let second = parent.set_pin(&phone.id, "8642").await.unwrap();
    assert!(matches!(
        parent.set_pin(&phone.id, "12").await,
        Err(ParentError::InvalidInput(_))
    ));
    drop(parent);

    let parent = home.open();
    let third = parent
        .send(&phone.id, ParentAction::SetAllowlistOnly { on: true })
        .await
        .unwrap();
    assert_eq!([first.sequence, second.sequence, third.sequence], [1, 2, 3]);
    let sent = parent.commands(&phone.id).unwrap();
    assert_eq!(sent.len(), 3);
    assert!(
        sent.iter()
            .all(|command| command.state == CommandState::Pending)
    );

    // A relay that cannot be reached: the command may have been taken, so it stays pending,
    // and its number is not used again.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    drop(parent);
    let offline = home.open_at(&closed_url);
    let lost = offline
        .send(&phone.id, ParentAction::SetAllowlistOnly { on: false })
        .await;
    assert!(matches!(lost, Err(ParentError::Sync(_))), "{lost:?}");
    assert_eq!(offline.commands(&phone.id).unwrap().len(), 4);
    drop(offline);
    let parent = home.open();

    // Refused by the relay (a phone that has not confirmed this parent yet): forgotten, and its
    // number is not used again either.
    let mut later = new_phone(&backend).await;
    let (qr, secret) = later.invite().await;
    parent.pair(&qr).await.unwrap();
    let refused = parent.send(&later.id, ParentAction::ReleaseDevice).await;
    assert!(
        matches!(&refused, Err(ParentError::Sync(error)) if error.to_string().contains("404")),
        "{refused:?}"
    );
    assert!(parent.commands(&later.id).unwrap().is_empty());
    later.confirm(&secret, ParentRole::Owner).await;
    let ticket = parent
        .send(&later.id, ParentAction::SetSafeSearch { on: true })
        .await
        .unwrap();
    assert_eq!(ticket.sequence, 2);

    let on_the_phone: Vec<u64> = phone
        .commands_from(&key)
        .await
        .iter()
        .map(|command| command.sequence)
        .collect();
    assert_eq!(on_the_phone, [1, 2, 3]);

    // The owner's own helpers: an invitation for a second parent, and a release. Only once the
    // phone's verified status says this parent is its owner.
    assert!(matches!(
        parent.invite_parent(&phone.id).await,
        Err(ParentError::NotAllowed(_))
    ));
    parent.sync().await.unwrap();
    let invite = parent.invite_parent(&phone.id).await.unwrap();
    let qr = PairingQr::parse(&invite.qr_payload).unwrap();
    assert_eq!(qr.device_id, phone.id);
    assert_eq!(
        invite.ticket.sequence, 5,
        "4 went to the relay that could not be reached"
    );
    let commands = phone.commands_from(&key).await;
    assert!(matches!(
        &commands[3].action,
        ParentAction::InviteParent { pairing_public_key, .. }
            if *pairing_public_key == qr.secret.pairing_key().unwrap().public_key()
    ));
    assert_eq!(parent.release(&phone.id).await.unwrap().sequence, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_may_not_invite_or_remove_others() {
    let backend = backend().await;
    let home = ParentPhone::new(&backend.server.url());
    let parent = home.open();
    parent.register().await.unwrap();
    let mut phone = new_phone(&backend).await;
    let (qr, secret) = phone.invite().await;
    parent.pair(&qr).await.unwrap();
    phone.confirm(&secret, ParentRole::Member).await;
    let snapshot = phone.snapshot(&[(parent.public_key(), ParentRole::Member)]);
    phone.send_status(&snapshot.sign(&phone.key).unwrap()).await;
    parent.sync().await.unwrap();
    assert_eq!(parent.children().unwrap()[0].role, Some(ParentRole::Member));

    let someone = SigningKey::generate().unwrap().0.public_key();
    for error in [
        parent.invite_parent(&phone.id).await.map(|_| ()),
        parent.remove_parent(&phone.id, someone).await.map(|_| ()),
        parent.release(&phone.id).await.map(|_| ()),
    ] {
        assert!(
            matches!(error, Err(ParentError::NotAllowed(_))),
            "{error:?}"
        );
    }
    assert!(
        parent.commands(&phone.id).unwrap().is_empty(),
        "nothing sent"
    );
    // A parent may always leave.
    let ticket = parent
        .remove_parent(&phone.id, parent.public_key())
        .await
        .unwrap();
    assert_eq!(ticket.sequence, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_move_commands_to_applied_or_refused_and_a_forged_one_is_ignored() {
    let backend = backend().await;
    let (_home, parent, phone) = paired(&backend).await;
    let applied = parent
        .send(&phone.id, ParentAction::SetSafeSearch { on: true })
        .await
        .unwrap();
    let refused = parent
        .send(&phone.id, ParentAction::SetAllowlistOnly { on: true })
        .await
        .unwrap();
    let receipt = |sequence, outcome| CommandReceipt {
        device_id: phone.id.clone(),
        parent_public_key: parent.public_key(),
        sequence,
        outcome,
        decided_at: clock::unix_now(),
    };
    let stranger = SigningKey::generate().unwrap().0;
    phone
        .relay(
            MessageKind::Receipt,
            receipt(refused.sequence, CommandOutcome::Applied)
                .sign(&stranger)
                .unwrap(),
        )
        .await;
    phone
        .relay(
            MessageKind::Receipt,
            receipt(applied.sequence, CommandOutcome::Applied)
                .sign(&phone.key)
                .unwrap(),
        )
        .await;
    let reason = "the carrier's profile requires it".to_owned();
    phone
        .relay(
            MessageKind::Receipt,
            receipt(
                refused.sequence,
                CommandOutcome::Refused {
                    reason: reason.clone(),
                },
            )
            .sign(&phone.key)
            .unwrap(),
        )
        .await;
    let summary = parent.sync().await.unwrap();
    assert_eq!((summary.receipts, summary.ignored), (2, 1));
    let states: Vec<CommandState> = parent
        .commands(&phone.id)
        .unwrap()
        .into_iter()
        .map(|command| command.state)
        .collect();
    assert_eq!(
        states,
        [CommandState::Applied, CommandState::Refused { reason }]
    );
}

// ---- The live stream --------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_stream_announces_news_of_the_parents_own_children_only() {
    let backend = backend().await;
    let (home, parent, phone) = paired(&backend).await;
    drop(parent);
    let stranger = "0".repeat(32);
    let events = format!(
        ": keep-alive\n\n\
         event: status\ndata: {{\"event\":\"status\",\"device_id\":\"{stranger}\",\"reported_at\":1}}\n\n\
         event: message\ndata: {{\"event\":\"message\",\"device_id\":\"{}\",\"seq\":5,\"kind\":\"access-request\"}}\n\n",
        phone.id
    );
    let parent = home.open_at(&event_stream(events).await);
    assert_eq!(
        parent.wait_for_events(10).await.unwrap(),
        [ChildEvent::AccessRequest {
            device_id: phone.id.clone(),
            mailbox_seq: 5
        }]
    );
    drop(parent);

    // Only news of another parent's child: the wait ends empty when its time is up.
    let quiet = format!(
        "event: status\ndata: {{\"event\":\"status\",\"device_id\":\"{stranger}\",\"reported_at\":1}}\n\n"
    );
    let parent = home.open_at(&event_stream(quiet).await);
    let started = std::time::Instant::now();
    assert!(parent.wait_for_events(1).await.unwrap().is_empty());
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sos_reaches_the_parents_live_stream_from_the_real_backend() {
    let backend = backend().await;
    let (_home, parent, phone) = paired(&backend).await;
    let upload_once_the_stream_is_open = async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        phone.upload(ReportKind::Sos).await
    };
    let (events, report_id) =
        tokio::join!(parent.wait_for_events(10), upload_once_the_stream_is_open);
    let events = events.unwrap();
    assert!(
        matches!(
            events.first(),
            Some(ChildEvent::Report { device_id, kind: ReportKind::Sos, .. }) if *device_id == phone.id
        ),
        "{events:?}"
    );
    // The event is a nudge: the report itself comes through the feed.
    parent.sync().await.unwrap();
    assert_eq!(parent.feed().unwrap()[0].report_id, report_id);
}

// ---- Authorization ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_never_sees_a_child_it_is_not_paired_with() {
    let backend = backend().await;
    let (_home, _parent, phone) = paired(&backend).await;
    phone.upload(ReportKind::Sos).await;
    phone.ask("games.example", &phone.key).await;

    let outsider_home = ParentPhone::new(&backend.server.url());
    let outsider = outsider_home.open();
    outsider.register().await.unwrap();
    let summary = outsider.sync().await.unwrap();
    assert_eq!((summary.reports, summary.requests), (0, 0));
    assert!(outsider.children().unwrap().is_empty());
    assert!(outsider.feed().unwrap().is_empty());
    assert!(outsider.requests().unwrap().is_empty());
    for error in [
        outsider.status(&phone.id).await.map(|_| ()),
        outsider
            .send(&phone.id, ParentAction::ReleaseDevice)
            .await
            .map(|_| ()),
        outsider.commands(&phone.id).map(|_| ()),
        outsider.offline_code(&phone.id).map(|_| ()),
    ] {
        assert!(matches!(error, Err(ParentError::NotPaired)), "{error:?}");
    }
}
