//! Reading the platform's clocks where Rust can: the wall clock, the time since boot including
//! sleep, and an identifier of the boot.
//!
//! On Linux and Android the kernel gives all three (`/proc/uptime` counts suspend, like
//! Android's `elapsedRealtime`; `/proc/sys/kernel/random/boot_id` changes at every boot). Where
//! they cannot be read (iOS), the time since boot is measured from the first reading in this
//! process and every process counts as a new boot, which only makes the trusted clock more
//! cautious: it then relies on the last trusted time it stored and on signed server time.

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::ClockReading;
use crate::crypto;

/// The clocks now.
pub fn system_clock_reading() -> ClockReading {
    let wall_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let (monotonic_secs, boot_id) = match (uptime_secs(), kernel_boot_id()) {
        (Some(uptime), Some(boot)) => (uptime, boot),
        _ => process_clock(),
    };
    ClockReading {
        wall_unix,
        monotonic_secs,
        boot_id,
    }
}

fn uptime_secs() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/uptime").ok()?;
    text.split('.').next()?.trim().parse().ok()
}

/// The kernel's boot id, read once: a process never outlives its boot, and the browser reads
/// the clock for every URL it checks.
fn kernel_boot_id() -> Option<u64> {
    static BOOT_ID: OnceLock<Option<u64>> = OnceLock::new();
    *BOOT_ID.get_or_init(|| {
        let bytes = std::fs::read("/proc/sys/kernel/random/boot_id").ok()?;
        let digest = crypto::sha256_of_parts(&[&bytes]);
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        Some(u64::from_le_bytes(first))
    })
}

/// Seconds since this process first read the clock, and a random identifier of the process.
fn process_clock() -> (u64, u64) {
    static START: OnceLock<(Instant, u64)> = OnceLock::new();
    let (start, id) = START.get_or_init(|| {
        let id = crypto::random_bytes::<8>().map_or(0, u64::from_le_bytes);
        (Instant::now(), id)
    });
    (start.elapsed().as_secs(), *id)
}
