//! Writes to a device store until it is killed: the process that `tests/tests/store_crash.rs`
//! kills at random moments.
//!
//! Each generation is a settings change as safe mode makes it: the profile and an audit entry in
//! one batch, with keys that must agree (see `generation`).
//!
//! `store_writer DIR` opens the sealed store in `DIR/db` with the key file `DIR/data.key` and
//! prints, one line each, flushed at once:
//! - `opening` just before opening (so a kill after it and before the next line hit the
//!   recovery that runs at open);
//! - `opened G D`: the store opened holding generation `G`, after discarding `D` half-written
//!   snapshot files;
//! - `acked G` after each `apply()` of generation `G` has returned, so `G` is on disk.
//!
//! It writes generation after generation until killed, or until [`MAX_RUN`] has passed, so that
//! a test that fails before killing it leaves no process behind. It exits with status 2 if the
//! store it opens is not consistent.
#![forbid(unsafe_code)]

mod generation;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use childsafe_core::store::{FileKeyStore, Store, open_device_store};

/// How long the writer runs if nobody kills it.
const MAX_RUN: Duration = Duration::from_secs(20);

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        report("usage: store_writer DIR");
        return ExitCode::from(2);
    };
    match run(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            report(&message);
            ExitCode::from(2)
        }
    }
}

fn run(dir: &std::path::Path) -> Result<(), String> {
    let started = Instant::now();
    let mut out = std::io::stdout().lock();
    let mut say = |line: String| {
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| format!("stdout: {e}"))
    };

    say("opening".to_owned())?;
    let keys = FileKeyStore::new(dir.join("data.key"));
    let store = open_device_store(&dir.join("db"), &keys).map_err(|e| format!("open: {e}"))?;
    let mut g = generation::stored_generation(&store)?;
    say(format!(
        "opened {g} {}",
        store.backend().discarded_snapshots()
    ))?;

    while started.elapsed() < MAX_RUN {
        g += 1;
        let batch = generation::generation_batch(&store, g)?;
        store
            .apply(batch)
            .map_err(|e| format!("apply generation {g}: {e}"))?;
        say(format!("acked {g}"))?;
    }
    Ok(())
}

/// Writes `message` to standard error, where the test shows it if the writer fails.
fn report(message: &str) {
    let _ = writeln!(std::io::stderr(), "store_writer: {message}");
}
