//! Prints what "save first, then send" costs: the latency of `Outbox::report()` on a real sealed
//! sled store (its answer means the report is on disk), against the floor every durable write
//! pays on this disk: writing the same number of bytes to a file and fsyncing it. The target is
//! report() at most twice the floor.
//!
//! `cargo bench -p childsafe-core --bench report_durability`. The store and the file live in the
//! system's temporary directory, which must be on the disk being measured (not a tmpfs).
#![allow(
    missing_docs,
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use childsafe_core::reports::{Outbox, ReportDraft, ReportKind, ReportedUser};
use childsafe_core::store::{FileKeyStore, Store, open_device_store};
use childsafe_core::time::ClockReading;

/// Reports timed, after the warm-up.
const REPORTS: usize = 400;
/// Reports filed first and not timed (sled's first segments, the page cache).
const WARM_UP: usize = 20;
const T0: u64 = 1_800_000_000;

fn main() {
    let dir = scratch_dir();
    let keys = FileKeyStore::new(dir.join("data.key"));
    let outbox = Outbox::new(open_device_store(&dir.join("store"), &keys).unwrap());

    for i in 0..WARM_UP {
        outbox.report(draft(), clock(i)).unwrap();
    }
    let mut report_times = Vec::with_capacity(REPORTS);
    let mut last_id = String::new();
    for i in WARM_UP..WARM_UP + REPORTS {
        let started = Instant::now();
        last_id = outbox.report(draft(), clock(i)).unwrap().id;
        report_times.push(started.elapsed());
    }
    let bytes = bytes_per_report(outbox.store().backend(), &last_id);
    drop(outbox);

    let file_path = dir.join("floor.bin");
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file_path)
        .unwrap();
    let record = vec![0x5a_u8; bytes];
    for _ in 0..WARM_UP {
        file.write_all(&record).unwrap();
        file.sync_all().unwrap();
    }
    let mut floor_times = Vec::with_capacity(REPORTS);
    for _ in 0..REPORTS {
        let started = Instant::now();
        file.write_all(&record).unwrap();
        file.sync_all().unwrap();
        floor_times.push(started.elapsed());
    }
    drop(file);
    let _ = std::fs::remove_dir_all(&dir);

    let report = Figures::of(&mut report_times);
    let floor = Figures::of(&mut floor_times);
    println!("{REPORTS} reports, {bytes} bytes written per report (keys and sealed values)");
    println!("                              median        p99       mean");
    report.print("Outbox::report() (sled)     ");
    floor.print("write + fsync, same bytes   ");
    println!(
        "ratio report/floor: median {:.2}x, p99 {:.2}x (target <= 2x)",
        report.median.as_secs_f64() / floor.median.as_secs_f64(),
        report.p99.as_secs_f64() / floor.p99.as_secs_f64()
    );
}

/// A typical grooming report: where, who, and a few sentences.
fn draft() -> ReportDraft {
    let mut draft = ReportDraft::new(ReportKind::Grooming);
    draft
        .urls
        .push("https://chat.example/rooms/4821/messages".to_owned());
    draft.reported_user = Some(ReportedUser {
        handle: Some("friendly_gamer_99".to_owned()),
        platform: Some("a game's voice chat".to_owned()),
    });
    draft.notes = Some(
        "He said he was 14 and asked me to send pictures and not tell my parents. He wants to \
         meet at the park on Saturday."
            .to_owned(),
    );
    draft
}

fn clock(i: usize) -> ClockReading {
    ClockReading {
        wall_unix: T0 + i as u64,
        monotonic_secs: 1_000 + i as u64,
        boot_id: 1,
    }
}

/// What one report() writes: its body, its status, the filing counter and the trusted clock,
/// keys and sealed values.
fn bytes_per_report(raw: &dyn Store, id: &str) -> usize {
    let keys = [
        format!("reports/body/{id}"),
        format!("reports/status/{id}"),
        "reports/next-sequence".to_owned(),
        "settings/clock".to_owned(),
    ];
    keys.iter()
        .map(|key| key.len() + raw.get(key.as_bytes()).unwrap().unwrap().len())
        .sum()
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "childsafe-bench-report-durability-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Figures {
    median: Duration,
    p99: Duration,
    mean: Duration,
}

impl Figures {
    fn of(times: &mut [Duration]) -> Self {
        times.sort();
        let total: Duration = times.iter().sum();
        Self {
            median: times[times.len() / 2],
            p99: times[(times.len() * 99 / 100).min(times.len() - 1)],
            mean: total / times.len() as u32,
        }
    }

    fn print(&self, label: &str) {
        println!(
            "{label}{:>10.2?} {:>10.2?} {:>10.2?}",
            self.median, self.p99, self.mean
        );
    }
}
