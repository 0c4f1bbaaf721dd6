//! The `ChildSafe` facade as an app uses it, against the real backend on loopback: the listener
//! hears about changes and deliveries, a parent's command through the relay takes effect on the
//! very next URL check, and everything survives closing and reopening the SDK; a report the
//! child keeps to the hotline is delivered there and never shown to the parent. And a child who
//! fires PIN guesses from many threads at once gets each one counted before it is checked.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

use std::sync::{Arc, Barrier};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_backend::storage::Storage;
use childsafe_backend::{RunningServer, ServerConfig, clock, open_storage, operator, spawn};
use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::decision::Verdict;
use childsafe_core::protocol::wire::{DestinationKind, ReportStatus};
use childsafe_core::protocol::wire::{MessageKind, OutgoingMessage};
use childsafe_core::reports::{ReportDraft, ReportKind, ReportState};
use childsafe_core::sdk::ChildSafeEvent;
use childsafe_core::settings::parent_command::{ParentAction, ParentCommand};
use childsafe_core::settings::{FREE_ATTEMPTS, PinCheck};
use childsafe_core::store::FileKeyStore;
use childsafe_core::sync::client::SyncClient;
use childsafe_core::{ChildSafe, ChildSafeConfig};
use childsafe_tests::pair_parent_by_qr;
use childsafe_tests::recorder::Recorder;

/// The real backend on loopback with one activation token, and the configuration of a phone
/// that uses it (its data and data key in their own directory).
struct Loopback {
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    storage: Arc<dyn Storage>,
    server: RunningServer,
    token: String,
    keys: FileKeyStore,
    config: ChildSafeConfig,
}

impl Loopback {
    async fn start() -> Self {
        let backend_dir = tempfile::tempdir().unwrap();
        let storage = open_storage(Some(backend_dir.path()), None).await.unwrap();
        let server = spawn(Arc::clone(&storage), ServerConfig::loopback())
            .await
            .unwrap();
        let token = operator::mint_activation_tokens(storage.as_ref(), 1, clock::unix_now())
            .await
            .unwrap()
            .remove(0);
        let phone_dir = tempfile::tempdir().unwrap();
        let keys = FileKeyStore::new(phone_dir.path().join("data.key"));
        let config = ChildSafeConfig {
            data_dir: phone_dir.path().join("sdk").display().to_string(),
            backend_url: Some(server.url()),
            allow_insecure_loopback: true,
            country: "GB".to_owned(),
            locale: "en".to_owned(),
            ..ChildSafeConfig::default()
        };
        Self {
            _dirs: (backend_dir, phone_dir),
            storage,
            server,
            token,
            keys,
            config,
        }
    }
}

/// Wrong PIN guesses fired at once, one thread each.
const CONCURRENT_GUESSES: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_facade_syncs_hears_its_parent_and_keeps_its_state() {
    let Loopback {
        _dirs,
        storage: _,
        server,
        token,
        keys,
        config,
    } = Loopback::start().await;
    let recorder = Arc::new(Recorder::default());
    let sdk = ChildSafe::open(config.clone(), &keys, recorder.clone(), recorder.clone()).unwrap();
    let device_id = sdk.register(&token).await.unwrap();
    assert_eq!(device_id, sdk.device_id());

    sdk.set_pin("4821", None).unwrap();
    assert!(recorder.events().contains(&ChildSafeEvent::SettingsChanged));

    // A parent pairs through the backend.
    let (parent_key, _) = SigningKey::generate().unwrap();
    let parent = SyncClient::for_parent(&server.url(), true).unwrap();
    parent.register_parent(&parent_key).await.unwrap();
    let paired = pair_parent_by_qr(&sdk, "4821", &parent, &parent_key).await;
    assert_eq!(paired.public_key, parent_key.public_key());

    // The page loads; the parent denies its host through the relay; after a sync the very next
    // check blocks it, though the policy had been read (and cached) a moment before.
    let page = "https://games.example/play";
    assert_eq!(sdk.check_url(page).unwrap().verdict, Verdict::Allow);
    let command = ParentCommand {
        device_id: device_id.clone(),
        sequence: 1,
        issued_at: clock::unix_now(),
        action: ParentAction::DenyHost {
            host: "games.example".to_owned(),
        },
    }
    .sign(&parent_key)
    .unwrap();
    parent
        .send_to_device(
            &parent_key,
            &device_id,
            &OutgoingMessage {
                kind: MessageKind::Command,
                blob: URL_SAFE_NO_PAD.encode(command),
            },
        )
        .await
        .unwrap();

    let receipt = sdk.report(ReportDraft::new(ReportKind::Bullying)).unwrap();
    let summary = sdk.sync_now().await.unwrap();
    assert_eq!(summary.delivered, 1);
    assert_eq!(sdk.check_url(page).unwrap().verdict, Verdict::Block);
    assert!(
        recorder
            .events()
            .contains(&ChildSafeEvent::ReportDelivered {
                id: receipt.id.clone()
            })
    );
    // The same command relayed again (a replay) changes nothing and is only logged.
    let summary = sdk.sync_now().await.unwrap();
    assert_eq!(summary.sent, 0);
    let logged = recorder.lines().join("\n");
    assert!(
        !logged.contains("games.example"),
        "log lines never name hosts: {logged}"
    );

    // Closed and opened again: the same device, PIN, parent rule and report.
    drop(sdk);
    let sdk = ChildSafe::open(config, &keys, recorder.clone(), recorder.clone()).unwrap();
    assert_eq!(sdk.device_id(), device_id);
    assert_eq!(sdk.status().unwrap().paired_parents, 1);
    assert_eq!(sdk.check_url(page).unwrap().verdict, Verdict::Block);
    assert_eq!(sdk.reports().unwrap().len(), 1);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_kept_from_the_parents_is_delivered_to_the_helpline_and_never_reaches_them() {
    let Loopback {
        _dirs,
        storage,
        server,
        token,
        keys,
        config,
    } = Loopback::start().await;
    let recorder = Arc::new(Recorder::default());
    let sdk = ChildSafe::open(config, &keys, recorder.clone(), recorder.clone()).unwrap();
    let device_id = sdk.register(&token).await.unwrap();
    sdk.set_pin("4821", None).unwrap();
    let (parent_key, _) = SigningKey::generate().unwrap();
    let parent = SyncClient::for_parent(&server.url(), true).unwrap();
    parent.register_parent(&parent_key).await.unwrap();
    pair_parent_by_qr(&sdk, "4821", &parent, &parent_key).await;

    let mut kept = ReportDraft::new(ReportKind::Grooming);
    kept.notes = Some("my stepfather's friend keeps messaging me".to_owned());
    kept.helpline_only = true;
    let kept = sdk.report(kept).unwrap().id;
    let mut bullied = ReportDraft::new(ReportKind::Bullying);
    bullied.notes = Some("my brother's friends post about me".to_owned());
    bullied.helpline_only = true;
    let bullied = sdk.report(bullied).unwrap().id;
    let shared = sdk
        .report(ReportDraft::new(ReportKind::Bullying))
        .unwrap()
        .id;
    let mut sos = ReportDraft::new(ReportKind::Sos);
    sos.helpline_only = true;
    assert!(
        sdk.report(sos).is_err(),
        "an SOS always reaches the parents"
    );
    assert_eq!(sdk.sync_now().await.unwrap().delivered, 3);

    // The parent's feed holds the shared report only.
    let feed = parent.parent_feed(&parent_key, 0).await.unwrap();
    let fed: Vec<&str> = feed.items.iter().map(|i| i.report.id.as_str()).collect();
    assert_eq!(fed, [shared.as_str()]);
    assert!(feed.items.iter().all(|i| i.device_id == device_id));

    // The kept grooming report went to the hotline and the child helpline, the kept bullying
    // report to the child helpline alone; the phone shows them on their way there.
    let places = |status: Option<ReportStatus>| -> Vec<(DestinationKind, String)> {
        status
            .unwrap()
            .destinations
            .into_iter()
            .map(|d| (d.kind, d.name))
            .collect()
    };
    assert_eq!(
        places(storage.report_status(&device_id, &kept).await.unwrap()),
        [
            (DestinationKind::Hotline, "IWF".to_owned()),
            (DestinationKind::Helpline, "Childline".to_owned())
        ]
    );
    assert_eq!(
        places(storage.report_status(&device_id, &bullied).await.unwrap()),
        [(DestinationKind::Helpline, "Childline".to_owned())]
    );
    let on_phone = sdk.reports().unwrap();
    let state = |id: &str| on_phone.iter().find(|r| r.id == id).unwrap().state;
    assert_eq!(state(&kept), ReportState::Routed);
    assert_eq!(state(&bullied), ReportState::Routed);
    assert_eq!(state(&shared), ReportState::Routed);

    // The operator hands the bullying report to the helpline: the phone sees it delivered.
    let queue = operator::helpline_export(storage.as_ref()).await.unwrap();
    let mut queued: Vec<&str> = queue.iter().map(|r| r.report_id.as_str()).collect();
    queued.sort_unstable();
    let mut expected = [kept.as_str(), bullied.as_str()];
    expected.sort_unstable();
    assert_eq!(queued, expected);
    assert!(storage.mark_helpline_forwarded(&bullied).await.unwrap());
    sdk.sync_now().await.unwrap();
    let on_phone = sdk.reports().unwrap();
    let state = |id: &str| on_phone.iter().find(|r| r.id == id).unwrap().state;
    assert_eq!(state(&bullied), ReportState::Forwarded);
    assert_eq!(
        state(&kept),
        ReportState::Routed,
        "the hotline has not taken it"
    );
    let feed = parent.parent_feed(&parent_key, 0).await.unwrap();
    assert!(
        feed.items
            .iter()
            .all(|i| i.report.id != kept && i.report.id != bullied)
    );
    server.shutdown().await.unwrap();
}

#[test]
fn concurrent_pin_guesses_are_each_counted_before_they_are_checked() {
    let phone_dir = tempfile::tempdir().unwrap();
    let keys = FileKeyStore::new(phone_dir.path().join("data.key"));
    let config = ChildSafeConfig {
        data_dir: phone_dir.path().join("sdk").display().to_string(),
        country: "GB".to_owned(),
        locale: "en".to_owned(),
        ..ChildSafeConfig::default()
    };
    let recorder = Arc::new(Recorder::default());
    let sdk = ChildSafe::open(config.clone(), &keys, recorder.clone(), recorder.clone()).unwrap();
    sdk.set_pin("4821", None).unwrap();

    // Every thread waits for the others, so that the guesses arrive together.
    let start = Barrier::new(CONCURRENT_GUESSES);
    let answers: Vec<PinCheck> = std::thread::scope(|scope| {
        let guesses: Vec<_> = (0..CONCURRENT_GUESSES)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    sdk.verify_pin("0000").unwrap()
                })
            })
            .collect();
        guesses
            .into_iter()
            .map(|guess| guess.join().unwrap())
            .collect()
    });
    let wrong = answers
        .iter()
        .filter(|answer| matches!(answer, PinCheck::Wrong { .. }))
        .count();
    let locked_out = answers
        .iter()
        .filter(|answer| matches!(answer, PinCheck::LockedOut { .. }))
        .count();
    println!(
        "{CONCURRENT_GUESSES} concurrent guesses: {wrong} checked and answered wrong, \
         {locked_out} refused unchecked"
    );
    assert_eq!(wrong + locked_out, CONCURRENT_GUESSES, "{answers:?}");
    // Every guess that was checked was counted first: the count kept is the number checked, and
    // no more were checked than the free attempts.
    let counted = sdk.status().unwrap().failed_pin_attempts as usize;
    assert_eq!(
        counted, wrong,
        "{wrong} guesses were checked, {counted} counted"
    );
    assert_eq!(wrong, FREE_ATTEMPTS as usize);
    drop(sdk);
    let reopened = ChildSafe::open(config, &keys, recorder.clone(), recorder).unwrap();
    let status = reopened.status().unwrap();
    assert_eq!(status.failed_pin_attempts as usize, wrong);
    assert!(status.locked_out_for_secs.is_some_and(|secs| secs > 0));
}
