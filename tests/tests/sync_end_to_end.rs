//! The phone and the real backend together, over HTTP on loopback: reports filed offline are
//! delivered when the backend comes back, most urgent first; a bundle older than the one the
//! phone holds is refused; and nothing the child browsed leaves the phone unless the child put
//! it in a report.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

use std::sync::Arc;

use childsafe_backend::storage::Storage;
use childsafe_backend::{RunningServer, ServerConfig, clock, open_storage, operator, spawn};
use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::bundle::{BundleBuilder, BundleError, ListKind};
use childsafe_core::filter::decision::UrlFilter;
use childsafe_core::filter::policy::FilterPolicy;
use childsafe_core::protocol::wire::BundleKind;
use childsafe_core::reports::{Outbox, ReportDraft, ReportKind};
use childsafe_core::settings::{DeviceSetup, SafeMode};
use childsafe_core::store::{FileKeyStore, SealedStore, SledStore, open_device_store};
use childsafe_core::sync::backoff::Backoff;
use childsafe_core::sync::bundles::{self, AppliedBundle, BundleRefused};
use childsafe_core::sync::client::SyncClient;
use childsafe_core::sync::engine::{OutboxDelivery, SyncSummary};
use childsafe_core::sync::identity;
use childsafe_core::sync::lists_store::{ListsError, ListsStore};
use childsafe_core::time::system_clock_reading;
use childsafe_core::trust::PinnedKeys;
use childsafe_tests::fault_proxy::{FaultMix, FaultProxy};
use tempfile::TempDir;

const OPERATOR_TOKEN: &str = "operator-secret-for-tests";

struct Backend {
    storage: Arc<dyn Storage>,
    server: RunningServer,
    _dir: TempDir,
}

async fn backend() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let storage = open_storage(Some(dir.path()), None).await.unwrap();
    let mut config = ServerConfig::loopback();
    config.operator_token = Some(OPERATOR_TOKEN.to_owned());
    let server = spawn(Arc::clone(&storage), config).await.unwrap();
    Backend {
        storage,
        server,
        _dir: dir,
    }
}

struct Phone {
    store: SealedStore<SledStore>,
    key: SigningKey,
    device_id: String,
    _dir: TempDir,
}

async fn phone(backend: &Backend) -> Phone {
    let dir = tempfile::tempdir().unwrap();
    let keys = FileKeyStore::new(dir.path().join("data.key"));
    let store = open_device_store(&dir.path().join("store"), &keys).unwrap();
    let key = identity::device_key(&store).unwrap();
    SafeMode::new(&store)
        .init(
            DeviceSetup {
                device_id: identity::device_id(&key),
                country: Some("GB".to_owned()),
                trusted_carriers: Vec::new(),
            },
            system_clock_reading(),
        )
        .unwrap();
    let token = operator::mint_activation_tokens(backend.storage.as_ref(), 1, clock::unix_now())
        .await
        .unwrap()
        .remove(0);
    let client = SyncClient::new(&backend.server.url(), true).unwrap();
    let device_id = client
        .register_device(&key, &token, None, "GB")
        .await
        .unwrap()
        .id;
    Phone {
        store,
        key,
        device_id,
        _dir: dir,
    }
}

async fn sync(phone: &Phone, url: &str) -> SyncSummary {
    let client = SyncClient::new(url, true).unwrap();
    let outbox = Outbox::new(&phone.store);
    let run = OutboxDelivery::new(&outbox, &client, &phone.key, &system_clock_reading)
        .with_backoff(Backoff {
            base: std::time::Duration::from_millis(1),
            cap: std::time::Duration::from_millis(5),
        });
    let mut summary = SyncSummary::default();
    run.send_outbox(&mut summary).await.unwrap();
    summary
}

fn file(phone: &Phone, kind: ReportKind, url: Option<&str>) -> String {
    let mut draft = ReportDraft::new(kind);
    draft.urls = url.into_iter().map(str::to_owned).collect();
    Outbox::new(&phone.store)
        .report(draft, system_clock_reading())
        .unwrap()
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_filed_offline_arrive_when_the_backend_is_back_sos_first() {
    let backend = backend().await;
    let phone = phone(&backend).await;
    let bullying = file(&phone, ReportKind::Bullying, None);
    let illegal = file(
        &phone,
        ReportKind::IllegalContent,
        Some("https://bad.example/a"),
    );
    let grooming = file(&phone, ReportKind::Grooming, None);
    let sos = Outbox::new(&phone.store)
        .sos(None, None, system_clock_reading())
        .report
        .unwrap()
        .id;

    let offline = FaultProxy::start(backend.server.addr(), FaultMix::OFFLINE, 1)
        .await
        .unwrap();
    let summary = sync(&phone, &format!("http://{}", offline.addr())).await;
    assert_eq!(summary.delivered, 0);
    assert_eq!(summary.failed, 4);
    assert!(summary.stopped_by.is_some());
    assert!(
        backend
            .storage
            .report_statuses(&phone.device_id)
            .await
            .unwrap()
            .is_empty()
    );

    let summary = sync(&phone, &backend.server.url()).await;
    assert_eq!((summary.delivered, summary.failed), (4, 0), "{summary:?}");
    let order: Vec<String> = backend
        .storage
        .report_statuses(&phone.device_id)
        .await
        .unwrap()
        .into_iter()
        .map(|status| status.id)
        .collect();
    assert_eq!(
        order,
        [sos, grooming, illegal, bullying],
        "most urgent first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_bundle_older_than_the_one_held_is_refused() {
    let (list_key, _) = SigningKey::generate().unwrap();
    let expires = clock::unix_now() + 30 * 24 * 3600;
    let bundle = |version| {
        let mut builder = BundleBuilder::new(version, expires);
        builder
            .add_domains(
                "gambling",
                ListKind::Category,
                vec!["casino.example".to_owned()],
            )
            .unwrap();
        builder.sign(&list_key).unwrap()
    };
    let upload = |backend: &Backend, version: u64, bytes: Vec<u8>| {
        let url = format!("{}/v1/operator/bundles/lists", backend.server.url());
        async move {
            let response = reqwest::Client::new()
                .put(url)
                .bearer_auth(OPERATOR_TOKEN)
                .header("x-bundle-version", version.to_string())
                .header("x-bundle-expires-at", expires.to_string())
                .body(bytes)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success(), "{}", response.status());
        }
    };
    let newer = backend().await;
    let older = backend().await;
    upload(&newer, 2, bundle(2)).await;
    upload(&older, 1, bundle(1)).await;

    let phone = phone(&newer).await;
    let safe_mode = SafeMode::new(&phone.store);
    let trust = PinnedKeys {
        lists: vec![list_key.public_key()],
        ..PinnedKeys::default()
    };
    let from_newer = SyncClient::new(&newer.server.url(), true).unwrap();
    let applied =
        bundles::fetch_and_apply(&from_newer, &safe_mode, &trust, &system_clock_reading).await;
    assert_eq!(
        applied.applied,
        [AppliedBundle {
            kind: BundleKind::Lists,
            version: 2
        }]
    );
    assert_eq!(applied.applied[0].to_string(), "lists v2");
    let lists = ListsStore::new(&phone.store, &trust.lists);
    let held = lists.stored().unwrap().unwrap();

    let from_older = SyncClient::new(&older.server.url(), true).unwrap();
    let refused =
        bundles::fetch_and_apply(&from_older, &safe_mode, &trust, &system_clock_reading).await;
    assert!(refused.applied.is_empty());
    assert!(
        refused
            .refused
            .iter()
            .any(|why| why.to_string().contains("not newer")),
        "{refused:?}"
    );
    assert!(
        refused.refused.iter().any(|why| matches!(
            why.error,
            BundleRefused::Lists(ListsError::Refused(BundleError::NotNewer {
                current: 2,
                offered: 1
            }))
        )),
        "{refused:?}"
    );
    assert_eq!(lists.stored().unwrap().unwrap(), held);

    // The bundle in force still loads into the filter.
    let mut filter = UrlFilter::new(vec![list_key.public_key()]);
    assert_eq!(filter.install_bundle(held, clock::unix_now()).unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_the_child_browsed_is_sent_unless_the_child_reported_it() {
    let backend = backend().await;
    let tap = FaultProxy::start(backend.server.addr(), FaultMix::PASS, 1)
        .await
        .unwrap();
    let phone = phone(&backend).await;
    let visited = [
        "https://diary-visited.example/my/secret/page",
        "http://homework-visited.example/search?q=private+question",
        "https://www.google.com/search?q=visited-query-words",
    ];
    let filter = UrlFilter::new(Vec::new());
    let policy = FilterPolicy::default();
    for url in visited {
        let _ = filter.check(url.as_bytes(), &policy, clock::unix_now());
    }
    let reported = "https://reported-by-the-child.example/bad";
    file(&phone, ReportKind::IllegalContent, Some(reported));
    let summary = sync(&phone, &format!("http://{}", tap.addr())).await;
    assert_eq!(summary.delivered, 1);
    let safe_mode = SafeMode::new(&phone.store);
    let tapped = SyncClient::new(&format!("http://{}", tap.addr()), true).unwrap();
    bundles::fetch_and_apply(
        &tapped,
        &safe_mode,
        &PinnedKeys::default(),
        &system_clock_reading,
    )
    .await;

    let sent = String::from_utf8_lossy(&tap.sent_bytes()).into_owned();
    assert!(
        sent.contains("reported-by-the-child.example"),
        "the report went out"
    );
    for marker in ["diary-visited", "homework-visited", "visited-query-words"] {
        assert!(!sent.contains(marker), "{marker} left the phone");
    }
}
