//! The `ChildSafe` facade as an app uses it, against the real backend on loopback: the listener
//! hears about changes and deliveries, a parent's command through the relay takes effect on the
//! very next URL check, and everything survives closing and reopening the SDK.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_backend::{ServerConfig, clock, open_storage, operator, spawn};
use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::decision::Verdict;
use childsafe_core::reports::{ReportDraft, ReportKind};
use childsafe_core::sdk::{ChildSafeEvent, EventListener, LogLevel, Logger};
use childsafe_core::settings::parent_command::{ParentAction, ParentCommand};
use childsafe_core::store::FileKeyStoreForTests;
use childsafe_core::sync::client::SyncClient;
use childsafe_core::sync::wire::{MessageKind, OutgoingMessage};
use childsafe_core::{ChildSafe, ChildSafeConfig};

#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<ChildSafeEvent>>,
    lines: Mutex<Vec<String>>,
}

impl EventListener for Recorder {
    fn on_event(&self, event: ChildSafeEvent) {
        self.events.lock().unwrap().push(event);
    }
}

impl Logger for Recorder {
    fn log(&self, _level: LogLevel, message: String) {
        self.lines.lock().unwrap().push(message);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_facade_syncs_hears_its_parent_and_keeps_its_state() {
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
    let keys = FileKeyStoreForTests::new(phone_dir.path().join("data.key"));
    let config = ChildSafeConfig {
        data_dir: phone_dir.path().join("sdk").display().to_string(),
        backend_url: Some(server.url()),
        allow_insecure_loopback: true,
        country: "GB".to_owned(),
        locale: "en".to_owned(),
        ..ChildSafeConfig::default()
    };
    let recorder = Arc::new(Recorder::default());
    let sdk = ChildSafe::open(config.clone(), &keys, recorder.clone(), recorder.clone()).unwrap();
    let device_id = sdk.register(&token).await.unwrap();
    assert_eq!(device_id, sdk.device_id());

    sdk.set_pin("4821", None).unwrap();
    assert!(
        recorder
            .events
            .lock()
            .unwrap()
            .contains(&ChildSafeEvent::SettingsChanged)
    );

    // A parent pairs through the backend.
    let (parent_key, _) = SigningKey::generate().unwrap();
    let parent = SyncClient::for_parent(&server.url(), true).unwrap();
    parent.register_parent(&parent_key).await.unwrap();
    let code = sdk.pairing_code().await.unwrap();
    parent
        .claim_pairing_code(&parent_key, &code.code)
        .await
        .unwrap();
    let paired = sdk.pair_parent("4821").await.unwrap();
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
            .events
            .lock()
            .unwrap()
            .contains(&ChildSafeEvent::ReportDelivered {
                id: receipt.id.clone()
            })
    );
    // The same command relayed again (a replay) changes nothing and is only logged.
    let summary = sdk.sync_now().await.unwrap();
    assert_eq!(summary.sent, 0);
    let logged = recorder.lines.lock().unwrap().join("\n");
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
