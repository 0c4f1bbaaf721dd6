//! Load bench of the reference backend: simulated devices register and send reports
//! concurrently over loopback HTTP, through the SDK's own sync client, against the embedded
//! (sled) store with every ingest durable before its answer.
//!
//! `cargo bench -p childsafe-benches --bench backend_load` prints, per phase, the rate and the
//! error count. Knobs (environment): `LOAD_DEVICES` (10000), `LOAD_CONCURRENCY` (64),
//! `LOAD_BATCH` (reports per request in the middle phase, 10), `LOAD_DIR` (where the database
//! goes). A last phase sends the SDK's largest batch (100) from the first devices.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use childsafe_backend::{ServerConfig, clock, open_storage, operator, spawn};
use childsafe_core::crypto::SigningKey;
use childsafe_core::protocol::report::{ReportKind, ReportedUser, UploadedReport, new_report_id};
use childsafe_core::protocol::wire::{MAX_REPORTS_PER_BATCH, ReportBatch};
use childsafe_core::sync::client::SyncClient;
use childsafe_core::sync::engine::idempotency_key;
use tokio::sync::Semaphore;

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

struct Phase {
    name: &'static str,
    items: usize,
    errors: usize,
    elapsed: Duration,
    unit: &'static str,
}

impl Phase {
    fn print(&self) {
        println!(
            "{:<44} {:>7} {:<9} in {:>6.2} s = {:>8.0} {}/s, errors {}",
            self.name,
            self.items,
            self.unit,
            self.elapsed.as_secs_f64(),
            self.items as f64 / self.elapsed.as_secs_f64(),
            self.unit,
            self.errors
        );
    }
}

fn report(kind: ReportKind) -> UploadedReport {
    UploadedReport {
        id: new_report_id().unwrap(),
        kind,
        created_at: clock::unix_now(),
        urls: vec!["https://chat.example/room/42".to_owned()],
        reported_user: Some(ReportedUser {
            handle: Some("stranger_99".to_owned()),
            platform: Some("a game chat".to_owned()),
        }),
        notes: Some("he asked me for pictures and to keep it secret".to_owned()),
        screenshot_text: None,
        location: None,
        helpline_only: false,
    }
}

/// Runs `work(device index)` for every device, `concurrency` at a time; counts items and errors.
async fn run_phase<F, Fut>(
    name: &'static str,
    unit: &'static str,
    devices: usize,
    concurrency: usize,
    items_per_device: usize,
    work: F,
) -> Phase
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    let work = Arc::new(work);
    let gate = Arc::new(Semaphore::new(concurrency));
    let errors = Arc::new(AtomicUsize::new(0));
    let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(devices);
    for index in 0..devices {
        let permit = Arc::clone(&gate).acquire_owned().await.unwrap();
        let work = Arc::clone(&work);
        let errors = Arc::clone(&errors);
        let first_error = Arc::clone(&first_error);
        tasks.push(tokio::spawn(async move {
            if let Err(error) = work(index).await {
                errors.fetch_add(1, Ordering::Relaxed);
                first_error.lock().unwrap().get_or_insert(error);
            }
            drop(permit);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    if let Some(error) = first_error.lock().unwrap().take() {
        println!("  first error in {name}: {error}");
    }
    Phase {
        name,
        items: devices * items_per_device,
        errors: errors.load(Ordering::Relaxed),
        elapsed,
        unit,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let devices = knob("LOAD_DEVICES", 10_000);
    let concurrency = knob("LOAD_CONCURRENCY", 64);
    let batch = knob("LOAD_BATCH", 10);
    let base =
        std::env::var("LOAD_DIR").unwrap_or_else(|_| std::env::temp_dir().display().to_string());
    let dir = tempfile::tempdir_in(base).unwrap();
    println!(
        "childsafe-backend load bench: {devices} devices, {concurrency} concurrent, sled in {}",
        dir.path().display()
    );
    let storage = open_storage(Some(dir.path()), None).await.unwrap();
    let mut config = ServerConfig::loopback();
    // Every simulated device sends from 127.0.0.1, where phones would each have an address.
    config.connections.max_requests_per_address =
        config.connections.max_requests_per_address.max(concurrency);
    let server = spawn(Arc::clone(&storage), config).await.unwrap();
    let client = Arc::new(SyncClient::new(&server.url(), true).unwrap());

    let tokens =
        operator::mint_activation_tokens(storage.as_ref(), devices as u32, clock::unix_now())
            .await
            .unwrap();
    let keys: Arc<Vec<SigningKey>> = Arc::new(
        (0..devices)
            .map(|_| SigningKey::generate().unwrap().0)
            .collect(),
    );
    let tokens = Arc::new(tokens);

    let mut phases = Vec::new();
    {
        let (client, keys, tokens) = (Arc::clone(&client), Arc::clone(&keys), Arc::clone(&tokens));
        phases.push(
            run_phase(
                "register",
                "devices",
                devices,
                concurrency,
                1,
                move |index| {
                    let (client, keys, tokens) =
                        (Arc::clone(&client), Arc::clone(&keys), Arc::clone(&tokens));
                    async move {
                        client
                            .register_device(&keys[index], &tokens[index], None, "GB")
                            .await
                            .map(drop)
                            .map_err(|error| error.to_string())
                    }
                },
            )
            .await,
        );
    }
    // Every device sends one report alone and one batch of `batch`; then the first devices send
    // the SDK's largest batch (what a phone with a backlog sends), capped at 100,000 reports.
    let largest_batch_devices = devices.min(100_000 / MAX_REPORTS_PER_BATCH);
    for (name, per_request, senders) in [
        ("sync: 1 report per request", 1, devices),
        ("sync: LOAD_BATCH reports per request", batch, devices),
        (
            "sync: 100 reports per request (SDK max)",
            MAX_REPORTS_PER_BATCH,
            largest_batch_devices,
        ),
    ] {
        let (client, keys) = (Arc::clone(&client), Arc::clone(&keys));
        phases.push(
            run_phase(
                name,
                "reports",
                senders,
                concurrency,
                per_request,
                move |index| {
                    let (client, keys) = (Arc::clone(&client), Arc::clone(&keys));
                    async move {
                        let reports: Vec<UploadedReport> = (0..per_request)
                            .map(|_| report(ReportKind::Grooming))
                            .collect();
                        let ids: Vec<String> = reports.iter().map(|r| r.id.clone()).collect();
                        let receipts = client
                            .upload_reports(
                                &keys[index],
                                &idempotency_key(&ids),
                                &ReportBatch { reports },
                            )
                            .await
                            .map_err(|error| error.to_string())?;
                        if receipts.receipts.len() != per_request {
                            return Err(format!(
                                "{} receipts for {per_request}",
                                receipts.receipts.len()
                            ));
                        }
                        Ok(())
                    }
                },
            )
            .await,
        );
    }
    {
        let (client, keys) = (Arc::clone(&client), Arc::clone(&keys));
        phases.push(
            run_phase(
                "status check by every device",
                "requests",
                devices,
                concurrency,
                1,
                move |index| {
                    let (client, keys) = (Arc::clone(&client), Arc::clone(&keys));
                    async move {
                        let statuses = client
                            .report_statuses(&keys[index])
                            .await
                            .map_err(|error| error.to_string())?;
                        let largest = if index < largest_batch_devices {
                            MAX_REPORTS_PER_BATCH
                        } else {
                            0
                        };
                        if statuses.reports.len() != 1 + batch + largest {
                            return Err(format!("{} statuses", statuses.reports.len()));
                        }
                        Ok(())
                    }
                },
            )
            .await,
        );
    }
    println!();
    for phase in &phases {
        phase.print();
    }
    let total_errors: usize = phases.iter().map(|phase| phase.errors).sum();
    println!("total errors: {total_errors}");
    server.shutdown().await.unwrap();
}
