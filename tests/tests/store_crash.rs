//! The crash promise of the device store: kill a process that is writing settings at any moment,
//! and the store opens again, holds one whole batch, and has lost no acknowledged write.
//!
//! The test runs the `store_writer` binary (src/bin/store_writer) on one directory again and
//! again and SIGKILLs it at random moments: mostly while it writes (a random 5-80 ms after its
//! store opened, where nearly all its time is spent in `apply()` and sled's flushes), and one
//! time in four soon after it starts, which lands before or during the recovery sled runs at
//! open. After every kill the test opens the store itself and checks that
//! - it opens (the repair of half-written snapshots included);
//! - the keys of the last batch agree with each other (no batch is half there);
//! - the stored generation is at least the last one the writer acknowledged (no acknowledged write
//!   lost) and at most one more (nothing appears that was never written).
//!
//! The moments come from a small PRNG seeded from the clock; the seed is printed, and setting
//! `STORE_CRASH_SEED` replays a run (`STORE_CRASH_KILLS` sets the number of kills, for a soak
//! run). On a failure the directory is kept and its path printed.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

// The writer's own definition of a whole batch; the test only reads, so the writing half is unused.
#[allow(dead_code)]
#[path = "../src/bin/store_writer/generation.rs"]
mod generation;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use childsafe_core::store::{FileKeyStore, open_device_store};
use childsafe_tests::fault_proxy::SplitMix64;

/// How many times the writer is killed, unless `STORE_CRASH_KILLS` asks for more (a soak run).
const KILLS: u32 = 240;
/// One kill in this many comes soon after the writer starts instead of while it writes.
const EARLY_KILL_EVERY: u64 = 4;
/// An early kill comes this long after the writer starts, at most (a debug build needs some
/// 40-100 ms to start and open the store, so most early kills land inside the open).
const EARLY_KILL_MAX: Duration = Duration::from_millis(60);
/// A kill while writing comes this long after the store opened, at least and at most.
const WRITING_KILL_MIN: Duration = Duration::from_millis(5);
const WRITING_KILL_MAX: Duration = Duration::from_millis(80);
/// How long the writer may take to open the store before the test gives up on it.
const OPEN_TIMEOUT: Duration = Duration::from_secs(20);

#[test]
fn a_store_killed_at_random_moments_opens_whole_with_every_acknowledged_write() {
    let seed = std::env::var("STORE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
            now.as_secs() ^ u64::from(now.subsec_nanos())
        });
    println!("store crash test: seed {seed} (replay with STORE_CRASH_SEED={seed})");
    let kills = std::env::var("STORE_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(KILLS);
    let mut rng = SplitMix64(seed);
    let dir = std::env::temp_dir().join(format!(
        "childsafe-store-crash-{}-{seed}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    let started = Instant::now();
    let mut stats = Stats::default();
    let mut stored = 0;
    for kill in 0..kills {
        let early = rng.below(EARLY_KILL_EVERY) == 0;
        let run = run_writer_and_kill(&dir, early, &mut rng);
        stats.count(&run);

        let fail = |what: String| -> ! {
            panic!(
                "kill {kill} of {kills} (seed {seed}, {}): {what}\n\
                 writer output: {:?}\nwriter errors: {}\nthe store is kept in {}",
                run.moment,
                run.lines,
                run.errors,
                dir.display()
            )
        };
        if let Some(status) = run.exited_by_itself {
            fail(format!("the writer stopped by itself ({status})"));
        }
        let keys = FileKeyStore::new(dir.join("data.key"));
        let store = open_device_store(&dir.join("db"), &keys)
            .unwrap_or_else(|e| fail(format!("the store did not open: {e} ({e:?})")));
        stats.discarded_snapshots += store.backend().discarded_snapshots();
        let now = generation::stored_generation(&store)
            .unwrap_or_else(|e| fail(format!("the store is not consistent: {e}")));
        let floor = run.last_acked.unwrap_or(stored);
        if now < floor {
            fail(format!(
                "acknowledged generation {floor} was lost: the store holds {now}"
            ));
        }
        if now > floor + 1 {
            fail(format!(
                "the store holds generation {now}, but only up to {} was ever written",
                floor + 1
            ));
        }
        stored = now;
    }

    let elapsed = started.elapsed();
    println!(
        "store crash test: {kills} kills in {:.1} s: {} while writing, {} during open, {} before \
         open; {} acknowledged writes, final generation {stored}, {} KiB on disk; half-written \
         snapshots discarded at open: {}",
        elapsed.as_secs_f64(),
        stats.while_writing,
        stats.during_open,
        stats.before_open,
        stats.acknowledged,
        bytes_under(&dir) / 1024,
        stats.discarded_snapshots
    );
    assert!(
        stats.while_writing > 0 && stats.during_open > 0,
        "{stats:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The size of every file under `dir`.
fn bytes_under(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                bytes_under(&entry.path())
            } else {
                meta.len()
            }
        })
        .sum()
}

/// What one run of the writer did before it was killed.
struct WriterRun {
    /// When the kill came, for the failure message.
    moment: String,
    /// Everything the writer printed.
    lines: Vec<String>,
    /// What it wrote to standard error.
    errors: String,
    /// The last generation it acknowledged, if any.
    last_acked: Option<u64>,
    /// Its exit status, when it ended before the kill.
    exited_by_itself: Option<String>,
}

/// Starts the writer on `dir` and kills it: soon after its start when `early`, else a while
/// after its store opened.
fn run_writer_and_kill(dir: &Path, early: bool, rng: &mut SplitMix64) -> WriterRun {
    let mut child = Command::new(env!("CARGO_BIN_EXE_store_writer"))
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the writer starts");
    let (opened_tx, opened_rx) = mpsc::channel();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let reader = thread::spawn(move || {
        let mut lines = Vec::new();
        for line in stdout.lines() {
            let line = line.unwrap();
            if line.starts_with("opened") {
                let _ = opened_tx.send(());
            }
            lines.push(line);
        }
        lines
    });

    let moment = if early {
        let delay = rng.duration_between(Duration::ZERO, EARLY_KILL_MAX);
        thread::sleep(delay);
        format!("{} ms after start", delay.as_millis())
    } else {
        let delay = rng.duration_between(WRITING_KILL_MIN, WRITING_KILL_MAX);
        if opened_rx.recv_timeout(OPEN_TIMEOUT).is_ok() {
            thread::sleep(delay);
        }
        format!("{} ms after the store opened", delay.as_millis())
    };
    let exited_by_itself = kill(&mut child);

    let lines = reader.join().unwrap();
    let mut errors = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut errors)
        .unwrap();
    let last_acked = lines
        .iter()
        .filter_map(|line| line.strip_prefix("acked "))
        .map(|g| g.parse().unwrap())
        .next_back();
    WriterRun {
        moment,
        lines,
        errors,
        last_acked,
        exited_by_itself,
    }
}

/// SIGKILLs `child` (what `Child::kill` sends on unix) and reaps it. Returns the exit status if
/// the child had already ended by itself.
fn kill(child: &mut Child) -> Option<String> {
    if let Some(status) = child.try_wait().unwrap() {
        return Some(status.to_string());
    }
    child.kill().unwrap();
    child.wait().unwrap();
    None
}

/// Where the kills landed, counted.
#[derive(Debug, Default)]
struct Stats {
    before_open: u32,
    during_open: u32,
    while_writing: u32,
    acknowledged: usize,
    discarded_snapshots: usize,
}

impl Stats {
    fn count(&mut self, run: &WriterRun) {
        let printed = |prefix: &str| run.lines.iter().any(|l| l.starts_with(prefix));
        if printed("opened") {
            self.while_writing += 1;
        } else if printed("opening") {
            self.during_open += 1;
        } else {
            self.before_open += 1;
        }
        self.acknowledged += run.lines.iter().filter(|l| l.starts_with("acked")).count();
    }
}
