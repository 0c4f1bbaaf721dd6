//! Files reports and syncs them until it is killed: the process that
//! `tests/tests/report_crash.rs` kills at random moments.
//!
//! `report_syncer DIR [drain]` opens the device in `DIR` (sealed store in `DIR/store`, key file
//! `DIR/data.key`, registered by the test) and prints, one line each, flushed at once:
//! - `receipt ID` after `report()` returned, so the report is durable on the phone;
//! - `synced DELIVERED` after each sync run.
//!
//! It files a report, syncs every few reports, and goes on until killed or until [`MAX_RUN`].
//! With `drain` it files nothing and syncs until the outbox is empty, then exits 0.
#![forbid(unsafe_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use childsafe_core::reports::{Outbox, ReportDraft, ReportKind};
use childsafe_core::store::{FileKeyStore, open_device_store};
use childsafe_core::sync::backoff::Backoff;
use childsafe_core::sync::client::SyncClient;
use childsafe_core::sync::engine::{OutboxDelivery, SyncSummary};
use childsafe_core::sync::identity;
use childsafe_core::time::system_clock_reading;

/// How long the process runs if nobody kills it.
const MAX_RUN: Duration = Duration::from_secs(30);
/// A sync after this many reports.
const SYNC_EVERY: u32 = 3;
/// Short waits between retries: the backend is on loopback.
const BACKOFF: Backoff = Backoff {
    base: Duration::from_millis(5),
    cap: Duration::from_millis(100),
};

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        complain("usage: report_syncer DIR [drain]");
        return ExitCode::from(2);
    };
    let drain = args.next().is_some_and(|arg| arg == "drain");
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            complain(&format!("runtime: {error}"));
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(&dir, drain)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            complain(&message);
            ExitCode::from(2)
        }
    }
}

async fn run(dir: &std::path::Path, drain: bool) -> Result<(), String> {
    let started = Instant::now();
    let keys = FileKeyStore::new(dir.join("data.key"));
    let store = open_device_store(&dir.join("store"), &keys).map_err(|e| format!("open: {e}"))?;
    let registration = identity::registration(&store)
        .map_err(|e| format!("registration: {e}"))?
        .ok_or("the device is not registered")?;
    let key = identity::device_key(&store).map_err(|e| format!("key: {e}"))?;
    let client = SyncClient::new(&registration.backend_url, true).map_err(|e| e.to_string())?;
    let outbox = Outbox::new(&store);
    let run =
        OutboxDelivery::new(&outbox, &client, &key, &system_clock_reading).with_backoff(BACKOFF);
    let mut out = std::io::stdout().lock();
    let mut say = |line: String| {
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| format!("stdout: {e}"))
    };

    if drain {
        while !outbox.pending(1).map_err(|e| e.to_string())?.is_empty() {
            if started.elapsed() > MAX_RUN {
                return Err("the outbox did not drain".to_owned());
            }
            let mut summary = SyncSummary::default();
            run.send_outbox(&mut summary)
                .await
                .map_err(|e| e.to_string())?;
            say(format!("synced {}", summary.delivered))?;
        }
        return Ok(());
    }

    let mut filed = 0u32;
    while started.elapsed() < MAX_RUN {
        let mut draft = ReportDraft::new(ReportKind::IllegalContent);
        draft.urls = vec![format!("https://bad.example/page/{filed}")];
        let receipt = outbox
            .report(draft, system_clock_reading())
            .map_err(|e| format!("report: {e}"))?;
        say(format!("receipt {}", receipt.id))?;
        filed += 1;
        if filed % SYNC_EVERY == 0 {
            let mut summary = SyncSummary::default();
            run.send_outbox(&mut summary)
                .await
                .map_err(|e| e.to_string())?;
            say(format!("synced {}", summary.delivered))?;
        }
    }
    Ok(())
}

fn complain(message: &str) {
    let _ = writeln!(std::io::stderr(), "report_syncer: {message}");
}
