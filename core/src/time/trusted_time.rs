//! Trusted time: the clock that lockouts, approvals and parent codes are judged by.
//!
//! A child can set the phone's wall clock to anything, so the wall clock alone decides nothing.
//! [`TrustedClock`] keeps the last time it trusted together with the monotonic clock's reading
//! at that moment (time since boot, counting sleep: `SystemClock.elapsedRealtime()` on Android,
//! `mach_continuous_time()` on iOS), and the identity of that boot. From then
//! on the time that has passed is what the monotonic clock says, which no setting can change.
//!
//! Every reading gives two times, as a [`TrustedNow`]:
//!
//! - [`TrustedNow::unix_secs`], the best estimate of the time, for approvals and parent codes.
//!   It never goes backwards: a wall clock set back is ignored. Within one boot a wall clock
//!   that runs ahead of the monotonic count by more than [`WALL_CLOCK_TOLERANCE_SECS`] is not
//!   believed. Across a reboot the monotonic clock starts again, so nothing says how long the
//!   phone was off: the estimate then takes the wall clock if it is later (never earlier).
//! - [`TrustedNow::steady_unix_secs`], which moves only with monotonic time and with server
//!   time: no wall clock change and no reboot moves it forward. Lockouts count down on it, so
//!   that setting the clock forward a year and rebooting unlocks nothing. The price: time the
//!   phone spends switched off does not count towards a lockout until the server's signed time
//!   arrives. A steady time is only ever compared with another (the end of a lockout), so where
//!   it started does not matter, and it is not tied to the estimate: a phone whose first reading
//!   ever came from a wall clock set a year ahead starts its steady clock there, and the server's
//!   time then brings the estimate back without moving the steady clock (which would only make
//!   running lockouts longer).
//!
//! Signed server time ([`TrustedClock::accept_server_time`], checked elsewhere) is the authority:
//! it re-anchors both times, and is the only thing that moves the estimate back (undoing a
//! forward jump believed after a reboot). Time zones play no part: everything is in seconds
//! since the Unix epoch, which a time-zone change does not alter.

use serde::{Deserialize, Serialize};

/// How far, in seconds, the wall clock may run ahead of the time counted by the monotonic clock
/// before it is no longer believed. Two minutes covers the corrections network time makes to a
/// drifting clock; a child who sets the clock forward gains at most this much, once.
pub const WALL_CLOCK_TOLERANCE_SECS: u64 = 120;

/// The time as safe mode believes it, from [`TrustedClock::now`]. Only the clock makes one, so
/// a function that takes a `TrustedNow` cannot be handed the raw wall clock by mistake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrustedNow {
    estimate_unix: u64,
    steady_unix: u64,
}

impl TrustedNow {
    /// The best estimate of the time, in seconds since the Unix epoch; never earlier than any
    /// estimate given before (unless signed server time corrected it).
    pub fn unix_secs(self) -> u64 {
        self.estimate_unix
    }

    /// The time on the clock that only monotonic and server time move, in seconds since the
    /// Unix epoch; lockouts are measured on it. Only differences of it mean anything.
    pub fn steady_unix_secs(self) -> u64 {
        self.steady_unix
    }
}

/// The state of the trusted clock; persisted so that it survives restarts of the app and of the
/// phone. Start one with [`TrustedClock::default`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedClock {
    /// The boot in which `anchor_monotonic` was read; `None` before the first reading.
    boot_id: Option<u64>,
    /// The monotonic reading (seconds since boot) at the anchor.
    anchor_monotonic: u64,
    /// The estimate at the anchor.
    anchor_estimate: u64,
    /// The steady time at the anchor.
    anchor_steady: u64,
    /// The latest estimate given out; the estimate never goes below it.
    last_estimate: u64,
    /// The latest steady time given out; the steady time never goes below it.
    last_steady: u64,
}

impl TrustedClock {
    /// The time now, from the wall clock (`wall_unix`, seconds since the Unix epoch), the
    /// monotonic clock (`monotonic_secs`, seconds since boot, counting sleep) and an identifier
    /// of the current boot that changes at every reboot (Android's `Settings.Global.BOOT_COUNT`,
    /// the boot time from `sysctl kern.boottime` on iOS). The caller persists the clock afterwards.
    pub fn now(&mut self, wall_unix: u64, monotonic_secs: u64, boot_id: u64) -> TrustedNow {
        let same_boot = self.boot_id == Some(boot_id) && monotonic_secs >= self.anchor_monotonic;
        if same_boot {
            let elapsed = monotonic_secs - self.anchor_monotonic;
            let counted = self.anchor_estimate.saturating_add(elapsed);
            // Small differences are the wall clock being corrected; beyond the tolerance it is
            // someone setting it. The tolerance is measured from the anchor, so repeated small
            // steps forward do not add up.
            let believed_wall = if wall_unix <= counted.saturating_add(WALL_CLOCK_TOLERANCE_SECS) {
                wall_unix
            } else {
                counted
            };
            self.last_estimate = self.last_estimate.max(counted).max(believed_wall);
            self.last_steady = self
                .last_steady
                .max(self.anchor_steady.saturating_add(elapsed));
        } else {
            if self.boot_id.is_none() {
                // The first reading ever: nothing better than the wall clock is known. The
                // steady clock only measures differences, so where it starts does not matter.
                self.last_steady = wall_unix;
            }
            // A new boot: the monotonic clock restarted, so the time spent off is unknown. The
            // estimate believes a later wall clock; the steady clock counts the time as none.
            self.last_estimate = self.last_estimate.max(wall_unix);
            self.anchor(boot_id, monotonic_secs);
        }
        self.reading()
    }

    /// Takes `server_unix`, the time in a server response whose signature has been checked,
    /// read when the monotonic clock of boot `boot_id` said `monotonic_secs`. The estimate
    /// becomes the server's time, back or forward; the steady time moves forward to it, never
    /// back (see the module documentation).
    pub fn accept_server_time(&mut self, server_unix: u64, monotonic_secs: u64, boot_id: u64) {
        self.last_steady = self.last_steady.max(server_unix);
        self.last_estimate = server_unix;
        self.anchor(boot_id, monotonic_secs);
    }

    /// Makes the latest times the anchor, read at `monotonic_secs` in boot `boot_id`.
    fn anchor(&mut self, boot_id: u64, monotonic_secs: u64) {
        self.boot_id = Some(boot_id);
        self.anchor_monotonic = monotonic_secs;
        self.anchor_estimate = self.last_estimate;
        self.anchor_steady = self.last_steady;
    }

    /// The latest times given out.
    fn reading(&self) -> TrustedNow {
        TrustedNow {
            estimate_unix: self.last_estimate,
            steady_unix: self.last_steady,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOT: u64 = 7;
    const START: u64 = 1_700_000_000;
    const YEAR: u64 = 365 * 24 * 60 * 60;

    fn started_clock() -> TrustedClock {
        let mut clock = TrustedClock::default();
        clock.accept_server_time(START, 100, BOOT);
        clock
    }

    #[test]
    fn time_follows_the_monotonic_clock() {
        let mut clock = started_clock();
        let now = clock.now(START + 50, 150, BOOT);
        assert_eq!(now.unix_secs(), START + 50);
        assert_eq!(now.steady_unix_secs(), START + 50);
    }

    #[test]
    fn a_wall_clock_set_back_is_ignored() {
        let mut clock = started_clock();
        let now = clock.now(START - YEAR, 160, BOOT);
        assert_eq!(now.unix_secs(), START + 60);
        assert_eq!(now.steady_unix_secs(), START + 60);
    }

    #[test]
    fn a_small_correction_forward_is_believed_once() {
        let mut clock = started_clock();
        let now = clock.now(START + 10 + WALL_CLOCK_TOLERANCE_SECS, 110, BOOT);
        assert_eq!(now.unix_secs(), START + 10 + WALL_CLOCK_TOLERANCE_SECS);
        assert_eq!(now.steady_unix_secs(), START + 10);
        // A second step of the same size is measured from the anchor again, so it gains nothing.
        let now = clock.now(START + 20 + 2 * WALL_CLOCK_TOLERANCE_SECS, 120, BOOT);
        assert_eq!(now.unix_secs(), START + 10 + WALL_CLOCK_TOLERANCE_SECS);
    }

    #[test]
    fn a_jump_forward_is_not_believed_within_a_boot() {
        let mut clock = started_clock();
        let now = clock.now(START + YEAR, 130, BOOT);
        assert_eq!(now.unix_secs(), START + 30);
        assert_eq!(now.steady_unix_secs(), START + 30);
    }

    #[test]
    fn after_a_reboot_only_the_estimate_believes_a_later_wall_clock() {
        let mut clock = started_clock();
        clock.now(START + 100, 200, BOOT);
        let now = clock.now(START + YEAR, 5, BOOT + 1);
        assert_eq!(now.unix_secs(), START + YEAR);
        assert_eq!(now.steady_unix_secs(), START + 100);
        // ...and a wall clock set back after the reboot takes nothing back.
        let now = clock.now(START, 10, BOOT + 1);
        assert_eq!(now.unix_secs(), START + YEAR + 5);
        assert_eq!(now.steady_unix_secs(), START + 105);
    }

    #[test]
    fn a_monotonic_clock_going_back_is_taken_for_a_reboot() {
        let mut clock = started_clock();
        let now = clock.now(START + 10, 50, BOOT);
        assert_eq!(now.steady_unix_secs(), START);
        assert_eq!(now.unix_secs(), START + 10);
    }

    #[test]
    fn server_time_corrects_a_believed_jump_and_never_moves_steady_time_back() {
        let mut clock = started_clock();
        clock.now(START + YEAR, 5, BOOT + 1);
        clock.accept_server_time(START + 500, 10, BOOT + 1);
        let now = clock.now(START + YEAR, 20, BOOT + 1);
        assert_eq!(now.unix_secs(), START + 510);
        assert_eq!(now.steady_unix_secs(), START + 510);
        clock.accept_server_time(START, 30, BOOT + 1);
        assert_eq!(
            clock.now(START, 30, BOOT + 1).steady_unix_secs(),
            START + 510
        );
    }

    #[test]
    fn server_time_corrects_a_first_reading_that_was_a_year_ahead() {
        let mut clock = TrustedClock::default();
        let ahead = clock.now(START + YEAR, 3, BOOT);
        assert_eq!(ahead.unix_secs(), START + YEAR);
        clock.accept_server_time(START, 4, BOOT);
        let now = clock.now(START + YEAR, 14, BOOT);
        assert_eq!(now.unix_secs(), START + 10);
        // The steady clock keeps counting from where it started: a lockout begun before the
        // correction still has its whole wait to run.
        assert_eq!(now.steady_unix_secs(), ahead.steady_unix_secs() + 10);
    }

    #[test]
    fn the_first_reading_takes_the_wall_clock() {
        let mut clock = TrustedClock::default();
        let now = clock.now(START, 3, BOOT);
        assert_eq!(now.unix_secs(), START);
        assert_eq!(now.steady_unix_secs(), START);
    }

    #[test]
    fn the_clock_survives_a_restart_of_the_app() {
        let mut clock = started_clock();
        clock.now(START + 40, 140, BOOT);
        let json = serde_json::to_string(&clock).unwrap();
        let mut restored: TrustedClock = serde_json::from_str(&json).unwrap();
        assert_eq!(restored, clock);
        assert_eq!(
            restored.now(START + YEAR, 150, BOOT).unix_secs(),
            START + 50
        );
    }
}
