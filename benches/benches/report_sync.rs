//! Syncing a full outbox: 10,000 reports queued on a phone, sent to the real backend over
//! loopback HTTP (embedded store, every ingest durable before its answer) in batches, versus one
//! request per report.
//!
//! `cargo bench -p childsafe-benches --bench report_sync` prints both times and the ratio
//! (target: batched at least 10 times faster). `REPORT_SYNC_REPORTS` changes the count.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use childsafe_backend::storage::Storage;
use childsafe_backend::{ServerConfig, clock, open_storage, operator, spawn};
use childsafe_core::crypto::SigningKey;
use childsafe_core::protocol::wire::MAX_REPORTS_PER_BATCH;
use childsafe_core::reports::{Outbox, ReportDraft, ReportKind};
use childsafe_core::store::{FileKeyStore, open_device_store};
use childsafe_core::sync::client::SyncClient;
use childsafe_core::sync::engine::{OutboxDelivery, SyncSummary};
use childsafe_core::time::system_clock_reading;

/// Files `reports` reports on a new phone, then times one sync run in batches of `batch`.
async fn sync_outbox(
    storage: &Arc<dyn Storage>,
    url: &str,
    reports: usize,
    batch: usize,
) -> (Duration, SyncSummary) {
    let dir = tempfile::tempdir().unwrap();
    let keys = FileKeyStore::new(dir.path().join("data.key"));
    let store = open_device_store(&dir.path().join("store"), &keys).unwrap();
    let (key, _) = SigningKey::generate().unwrap();
    let token = operator::mint_activation_tokens(storage.as_ref(), 1, clock::unix_now())
        .await
        .unwrap()
        .remove(0);
    let client = SyncClient::new(url, true).unwrap();
    client
        .register_device(&key, &token, None, "GB")
        .await
        .unwrap();
    let outbox = Outbox::new(&store);
    for n in 0..reports {
        let mut draft = ReportDraft::new(ReportKind::Bullying);
        draft.notes = Some(format!("they keep posting about me, message {n}"));
        outbox.report(draft, system_clock_reading()).unwrap();
    }
    let run =
        OutboxDelivery::new(&outbox, &client, &key, &system_clock_reading).with_batch_size(batch);
    let mut summary = SyncSummary::default();
    let started = Instant::now();
    run.send_outbox(&mut summary).await.unwrap();
    (started.elapsed(), summary)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let reports: usize = std::env::var("REPORT_SYNC_REPORTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let storage = open_storage(Some(dir.path()), None).await.unwrap();
    let server = spawn(Arc::clone(&storage), ServerConfig::loopback())
        .await
        .unwrap();
    println!("report sync bench: {reports} queued reports, backend on loopback (sled)");
    let (batched, batched_summary) =
        sync_outbox(&storage, &server.url(), reports, MAX_REPORTS_PER_BATCH).await;
    let (single, single_summary) = sync_outbox(&storage, &server.url(), reports, 1).await;
    for (name, elapsed, summary) in [
        ("batched (100 per request)", batched, &batched_summary),
        ("one request per report", single, &single_summary),
    ] {
        println!(
            "{name:<28} {:>7.2} s  {:>8.0} reports/s  delivered {} failed {}",
            elapsed.as_secs_f64(),
            reports as f64 / elapsed.as_secs_f64(),
            summary.delivered,
            summary.failed
        );
    }
    println!(
        "batched is {:.1}x faster (target >= 10x)",
        single.as_secs_f64() / batched.as_secs_f64()
    );
    server.shutdown().await.unwrap();
}
