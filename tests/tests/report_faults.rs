//! Reports through a hostile network: 10,000 reports filed on a device are synced to the real
//! backend through a TCP proxy that drops, resets, stalls and truncates connections, loses
//! answers after the backend has acted, and answers 503 itself. Every report must arrive, and
//! arrive once.
//!
//! `REPORT_FAULTS_REPORTS` sets the number of reports (default 10,000); `REPORT_FAULTS_SEED`
//! replays the proxy's choices.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use childsafe_backend::{ServerConfig, clock, open_storage, operator, spawn};
use childsafe_core::crypto::SigningKey;
use childsafe_core::reports::{Outbox, ReportDraft, ReportKind};
use childsafe_core::store::{FileKeyStore, open_device_store};
use childsafe_core::sync::backoff::Backoff;
use childsafe_core::sync::client::SyncClient;
use childsafe_core::sync::engine::{OutboxDelivery, SyncSummary};
use childsafe_core::time::system_clock_reading;
use childsafe_tests::fault_proxy::{Fault, FaultMix, FaultProxy};

const REPORTS: usize = 10_000;
/// Sync runs before the test gives up.
const MAX_RUNS: usize = 2_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_reports_through_a_hostile_network_arrive_exactly_once() {
    let reports: usize = std::env::var("REPORT_FAULTS_REPORTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(REPORTS);
    let seed = std::env::var("REPORT_FAULTS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
            now.as_secs() ^ u64::from(now.subsec_nanos())
        });
    println!("fault proxy test: seed {seed} (replay with REPORT_FAULTS_SEED={seed})");

    let server_dir = tempfile::tempdir().unwrap();
    let storage = open_storage(Some(server_dir.path()), None).await.unwrap();
    let server = spawn(Arc::clone(&storage), ServerConfig::loopback())
        .await
        .unwrap();
    let proxy = FaultProxy::start(server.addr(), FaultMix::HOSTILE, seed)
        .await
        .unwrap();

    let (key, _) = SigningKey::generate().unwrap();
    let token = operator::mint_activation_tokens(storage.as_ref(), 1, clock::unix_now())
        .await
        .unwrap()
        .remove(0);
    let direct = SyncClient::new(&server.url(), true).unwrap();
    let device_id = direct
        .register_device(&key, &token, None, "GB")
        .await
        .unwrap()
        .id;

    let device_dir = tempfile::tempdir().unwrap();
    let keys = FileKeyStore::new(device_dir.path().join("data.key"));
    let store = open_device_store(&device_dir.path().join("store"), &keys).unwrap();
    let outbox = Outbox::new(&store);
    let filing = Instant::now();
    for n in 0..reports {
        let mut draft = ReportDraft::new(ReportKind::IllegalContent);
        draft.urls = vec![format!("https://bad.example/{n}")];
        outbox.report(draft, system_clock_reading()).unwrap();
    }
    let filed = filing.elapsed();

    let client = SyncClient::new(&format!("http://{}", proxy.addr()), true).unwrap();
    let run =
        OutboxDelivery::new(&outbox, &client, &key, &system_clock_reading).with_backoff(Backoff {
            base: Duration::from_millis(2),
            cap: Duration::from_millis(50),
        });
    let syncing = Instant::now();
    let mut runs = 0;
    let mut sent = 0;
    while !outbox.pending(1).unwrap().is_empty() {
        assert!(
            runs < MAX_RUNS,
            "the outbox did not drain in {MAX_RUNS} runs"
        );
        let mut summary = SyncSummary::default();
        run.send_outbox(&mut summary).await.unwrap();
        assert_eq!(
            summary.refused, 0,
            "the backend refused a report: {summary:?}"
        );
        sent += summary.sent;
        runs += 1;
    }
    let synced = syncing.elapsed();

    let on_server = storage.report_statuses(&device_id).await.unwrap();
    let mut hotline: BTreeMap<String, usize> = BTreeMap::new();
    for entry in storage.hotline_queue().await.unwrap() {
        *hotline.entry(entry.report.id).or_default() += 1;
    }
    let duplicated = hotline.values().filter(|&&n| n != 1).count();
    let filed_ids: Vec<String> = outbox
        .statuses()
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let lost = filed_ids
        .iter()
        .filter(|id| !hotline.contains_key(*id))
        .count();
    println!(
        "fault proxy test: {reports} reports filed in {:.1} s, synced in {:.1} s over {runs} runs \
         ({sent} sends); proxy: {}; on the server {}, lost {lost}, duplicated {duplicated}",
        filed.as_secs_f64(),
        synced.as_secs_f64(),
        proxy.counts().summary(),
        on_server.len()
    );
    assert_eq!(lost, 0);
    assert_eq!(duplicated, 0);
    assert_eq!(on_server.len(), reports);
    assert_eq!(hotline.len(), reports);
    for fault in [
        Fault::Drop,
        Fault::Reset,
        Fault::TruncateResponse,
        Fault::LoseResponse,
    ] {
        assert!(
            proxy.counts().get(fault) > 0,
            "the proxy never used {fault:?}"
        );
    }
    server.shutdown().await.unwrap();
}
