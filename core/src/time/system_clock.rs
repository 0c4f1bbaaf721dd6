//! Reading the platform's clocks where Rust can: the wall clock, the time since boot including
//! sleep, and an identifier of the boot.
//!
//! On Linux and Android the kernel gives all three (`CLOCK_BOOTTIME` counts suspend, like
//! Android's `elapsedRealtime`; `/proc/sys/kernel/random/boot_id` changes at every boot). The
//! browser reads the clocks for every URL it checks, so neither costs a file read per reading:
//! the boot clock comes from the vDSO, and the boot id is read once, since a process never
//! outlives its boot. Where the boot id cannot be read (iOS), the time since boot is measured
//! from the first reading in this process and every process counts as a new boot, which only
//! makes the trusted clock more cautious: it then relies on the last trusted time it stored and
//! on signed server time.
//!
//! The SDK reads the clocks through one [`ClockSource`], the system's by default ([`SystemClock`]),
//! so that a test can set all three ([`ClockForTests`]) and see what a child who moves the clock
//! or restarts the phone would see.

use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::ClockReading;
use crate::crypto;

/// Where the SDK reads the platform's clocks: every time it judges or stamps anything, it asks
/// its one source and takes the reading through the trusted clock.
pub trait ClockSource: Send + Sync {
    /// The clocks now.
    fn reading(&self) -> ClockReading;
}

/// The system's clocks (see [`system_clock_reading`]): what a phone uses.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl ClockSource for SystemClock {
    fn reading(&self) -> ClockReading {
        system_clock_reading()
    }
}

/// Where [`ClockForTests`] puts the time since boot when a boot starts: a minute, as if the app
/// opened shortly after the phone started.
const TEST_SECS_AFTER_BOOT: u64 = 60;

/// Clocks a test sets by hand: the wall clock a child could move, the time since boot, and the
/// boot. Never used on a phone.
#[derive(Debug)]
pub struct ClockForTests {
    now: Mutex<ClockReading>,
}

impl ClockForTests {
    /// Clocks reading `wall_unix` on the wall, a minute after boot 1.
    pub fn new(wall_unix: u64) -> Self {
        Self {
            now: Mutex::new(ClockReading {
                wall_unix,
                monotonic_secs: TEST_SECS_AFTER_BOOT,
                boot_id: 1,
            }),
        }
    }

    /// Lets `secs` pass: the wall clock and the time since boot both move on.
    pub fn advance(&self, secs: u64) {
        self.change(|now| {
            now.wall_unix = now.wall_unix.saturating_add(secs);
            now.monotonic_secs = now.monotonic_secs.saturating_add(secs);
        });
    }

    /// Sets the wall clock to `wall_unix`, as a child in the phone's settings can; the time since
    /// boot does not move.
    pub fn set_wall(&self, wall_unix: u64) {
        self.change(|now| now.wall_unix = wall_unix);
    }

    /// Restarts the phone: a new boot, whose time since boot starts again.
    pub fn reboot(&self) {
        self.change(|now| {
            now.boot_id = now.boot_id.wrapping_add(1);
            now.monotonic_secs = TEST_SECS_AFTER_BOOT;
        });
    }

    fn change(&self, step: impl FnOnce(&mut ClockReading)) {
        step(&mut self.now.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

impl ClockSource for ClockForTests {
    fn reading(&self) -> ClockReading {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

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

/// Whole seconds since boot, counting suspend: the same count as `/proc/uptime`.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn uptime_secs() -> Option<u64> {
    let since_boot = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
    u64::try_from(since_boot.tv_sec).ok()
}

/// No boot clock Rust can read here: the caller falls back to the process's own clock.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn uptime_secs() -> Option<u64> {
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The boot clock is the count `/proc/uptime` shows (both include suspend), so a trusted
    /// clock anchored by an older build of the SDK keeps counting from the same origin.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn the_boot_clock_counts_what_proc_uptime_counts() {
        let before = uptime_secs().expect("boot clock");
        let text = std::fs::read_to_string("/proc/uptime").expect("/proc/uptime");
        let proc_secs: u64 = text
            .split('.')
            .next()
            .and_then(|secs| secs.trim().parse().ok())
            .expect("seconds in /proc/uptime");
        let after = uptime_secs().expect("boot clock");
        assert!(
            before <= proc_secs && proc_secs <= after,
            "boot clock {before}..{after} s, /proc/uptime {proc_secs} s"
        );
    }

    #[test]
    fn readings_in_one_process_share_a_boot_and_never_go_back() {
        let first = system_clock_reading();
        let second = system_clock_reading();
        assert_eq!(first.boot_id, second.boot_id);
        assert!(second.monotonic_secs >= first.monotonic_secs);
    }
}
