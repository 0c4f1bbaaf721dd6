//! The promise of the report button: a report that got a receipt reaches the backend exactly
//! once, however often the app is killed while it files and syncs.
//!
//! The test starts the real backend on loopback (embedded sled store), sets up and registers a
//! device directory, then runs the `report_syncer` binary (src/bin/report_syncer) on it again and
//! again and SIGKILLs it at a random moment each time: while it files reports, while a sync is
//! in flight, while it opens its store. Finally it lets the binary drain the outbox and checks
//! the backend: every report that ever got a receipt is there, each exactly once (one hotline
//! entry per report), and nothing is there that the phone never filed.
//!
//! `REPORT_CRASH_KILLS` sets the number of kills (default 500) and `REPORT_CRASH_SEED` replays
//! the random moments of a run.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use childsafe_backend::storage::Storage;
use childsafe_backend::{ServerConfig, clock, open_storage, operator, spawn};
use childsafe_core::reports::Outbox;
use childsafe_core::settings::{DeviceSetup, SafeMode};
use childsafe_core::store::{FileKeyStore, open_device_store};
use childsafe_core::sync::client::SyncClient;
use childsafe_core::sync::identity::{self, Registration};
use childsafe_core::time::system_clock_reading;
use childsafe_core::trust::PinnedKeys;
use childsafe_tests::fault_proxy::SplitMix64;

/// Kills per run unless `REPORT_CRASH_KILLS` says otherwise.
const KILLS: u32 = 500;
/// A kill lands this long after the process started, at least and at most.
const KILL_MIN: Duration = Duration::from_millis(10);
const KILL_MAX: Duration = Duration::from_millis(250);

#[test]
fn reports_with_a_receipt_arrive_exactly_once_however_often_the_app_is_killed() {
    let seed = std::env::var("REPORT_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
            now.as_secs() ^ u64::from(now.subsec_nanos())
        });
    let kills: u32 = std::env::var("REPORT_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(KILLS);
    println!("report crash test: seed {seed} (replay with REPORT_CRASH_SEED={seed})");
    let mut rng = SplitMix64(seed);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server_dir = tempfile::tempdir().unwrap();
    let storage = runtime
        .block_on(open_storage(Some(server_dir.path()), None))
        .unwrap();
    let server = runtime
        .block_on(spawn(Arc::clone(&storage), ServerConfig::loopback()))
        .unwrap();
    let device_dir = tempfile::tempdir().unwrap();
    let device_id = runtime.block_on(register_device(device_dir.path(), &server.url(), &storage));

    let started = Instant::now();
    let mut receipted = BTreeSet::new();
    let mut syncs_seen = 0;
    for _ in 0..kills {
        let delay = rng.duration_between(KILL_MIN, KILL_MAX);
        let lines = run_and_kill(device_dir.path(), Some(delay));
        for line in lines {
            if let Some(id) = line.strip_prefix("receipt ") {
                receipted.insert(id.to_owned());
            } else if line.starts_with("synced") {
                syncs_seen += 1;
            }
        }
    }
    let killing = started.elapsed();
    let drained = run_and_kill(device_dir.path(), None);
    assert!(
        drained.iter().all(|line| line.starts_with("synced")),
        "drain printed {drained:?}"
    );

    let filed: BTreeSet<String> = {
        let keys = FileKeyStore::new(device_dir.path().join("data.key"));
        let store = open_device_store(&device_dir.path().join("store"), &keys).unwrap();
        let outbox = Outbox::new(&store);
        assert!(outbox.pending(1).unwrap().is_empty(), "the outbox drained");
        outbox
            .statuses()
            .unwrap()
            .into_iter()
            .map(|record| record.id)
            .collect()
    };
    let on_server: BTreeSet<String> = runtime
        .block_on(storage.report_statuses(&device_id))
        .unwrap()
        .into_iter()
        .map(|status| status.id)
        .collect();
    let mut hotline_entries: BTreeMap<String, usize> = BTreeMap::new();
    for entry in runtime.block_on(storage.hotline_queue()).unwrap() {
        *hotline_entries.entry(entry.report.id).or_default() += 1;
    }

    let lost: Vec<_> = receipted.difference(&on_server).collect();
    let duplicated: Vec<_> = hotline_entries.iter().filter(|(_, n)| **n != 1).collect();
    let unknown: Vec<_> = on_server.difference(&filed).collect();
    println!(
        "report crash test: {kills} kills in {:.1} s, {} syncs completed between kills; {} \
         reports got a receipt, {} filed in all, {} on the server: lost {}, duplicated {}, unknown {}",
        killing.as_secs_f64(),
        syncs_seen,
        receipted.len(),
        filed.len(),
        on_server.len(),
        lost.len(),
        duplicated.len(),
        unknown.len()
    );
    assert!(
        lost.is_empty(),
        "receipted reports missing on the server: {lost:?}"
    );
    assert!(
        duplicated.is_empty(),
        "reports routed more than once: {duplicated:?}"
    );
    assert!(
        unknown.is_empty(),
        "server holds reports never filed: {unknown:?}"
    );
    assert_eq!(on_server, filed, "every filed report arrived");
    assert_eq!(hotline_entries.len(), filed.len());
    assert!(
        receipted.len() >= kills as usize / 4,
        "the kills left time to file reports"
    );
    runtime.block_on(server.shutdown()).unwrap();
}

/// Sets up a device directory as `childsafe device init` and `device register` do.
async fn register_device(dir: &Path, backend: &str, storage: &Arc<dyn Storage>) -> String {
    let token = operator::mint_activation_tokens(storage.as_ref(), 1, clock::unix_now())
        .await
        .unwrap()
        .remove(0);
    let keys = FileKeyStore::new(dir.join("data.key"));
    let store = open_device_store(&dir.join("store"), &keys).unwrap();
    let key = identity::device_key(&store).unwrap();
    let safe_mode = SafeMode::new(&store);
    let now = clock::unix_now();
    let reading = system_clock_reading();
    safe_mode
        .init(
            DeviceSetup {
                device_id: identity::device_id(&key),
                country: Some("GB".to_owned()),
                trusted_carriers: Vec::new(),
            },
            reading,
        )
        .unwrap();
    let client = SyncClient::new(backend, true).unwrap();
    let device_id = client
        .register_device(&key, &token, None, "GB")
        .await
        .unwrap()
        .id;
    identity::save_registration(
        &store,
        &Registration {
            backend_url: client.base_url().to_owned(),
            device_id: device_id.clone(),
            country: "GB".to_owned(),
            allow_insecure_loopback: true,
            registered_at: now,
            trust: PinnedKeys::default(),
        },
    )
    .unwrap();
    device_id
}

/// Runs the binary on `dir`; kills it after `delay`, or lets it drain when there is none.
/// Returns what it printed.
fn run_and_kill(dir: &Path, delay: Option<Duration>) -> Vec<String> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_report_syncer"));
    command.arg(dir);
    if delay.is_none() {
        command.arg("drain");
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("report_syncer starts");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let reader = thread::spawn(move || stdout.lines().map_while(Result::ok).collect::<Vec<_>>());
    match delay {
        Some(delay) => {
            thread::sleep(delay);
            let _ = child.kill();
            let _ = child.wait();
        }
        None => {
            let status = child.wait().unwrap();
            assert!(status.success(), "drain ended with {status}");
        }
    }
    reader.join().unwrap()
}
