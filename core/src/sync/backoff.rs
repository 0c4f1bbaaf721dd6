//! When to try again after a failed exchange with the backend: capped exponential backoff with
//! full jitter, so that a fleet of phones coming back online together does not hit the server in
//! step, and the server's `Retry-After` is never undercut.

use std::time::Duration;

use crate::crypto;

/// The first retry waits up to this long.
pub const BACKOFF_BASE: Duration = Duration::from_millis(500);
/// No wait between two attempts is longer than this, whatever the attempt count.
pub const BACKOFF_CAP: Duration = Duration::from_secs(15 * 60);
/// A `Retry-After` longer than this is treated as this: a misconfigured server must not park a
/// child's SOS for days.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60 * 60);

/// A backoff schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Upper bound of the first wait.
    pub base: Duration,
    /// Upper bound of every wait.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: BACKOFF_BASE,
            cap: BACKOFF_CAP,
        }
    }
}

impl Backoff {
    /// The wait before attempt `attempt + 1` (`attempt` counts failures so far, from 0): a
    /// uniformly random duration in `[0, min(cap, base * 2^attempt)]`, but never less than the
    /// server's `retry_after` (itself capped at [`MAX_RETRY_AFTER`]).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let ceiling = self
            .base
            .checked_mul(1u32 << attempt.min(30))
            .unwrap_or(self.cap)
            .min(self.cap);
        let fraction = crypto::random_bytes::<4>()
            .map(|bytes| f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX))
            // Without randomness, wait the whole ceiling: slower, never a thundering herd.
            .unwrap_or(1.0);
        let jittered = ceiling.mul_f64(fraction);
        match retry_after {
            Some(asked) => jittered.max(asked.min(MAX_RETRY_AFTER)),
            None => jittered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_then_stop_at_the_cap() {
        let backoff = Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(2),
        };
        for attempt in 0..40 {
            let ceiling = Duration::from_millis(100)
                .saturating_mul(1 << attempt.min(20))
                .min(Duration::from_secs(2));
            assert!(backoff.delay(attempt, None) <= ceiling, "attempt {attempt}");
        }
    }

    #[test]
    fn jitter_spreads_the_waits() {
        let backoff = Backoff::default();
        let waits: std::collections::HashSet<_> = (0..20).map(|_| backoff.delay(6, None)).collect();
        assert!(waits.len() > 10, "waits should differ: {waits:?}");
    }

    #[test]
    fn retry_after_is_honoured_but_capped() {
        let backoff = Backoff::default();
        assert!(backoff.delay(0, Some(Duration::from_secs(30))) >= Duration::from_secs(30));
        assert_eq!(
            backoff.delay(0, Some(Duration::from_secs(100_000))),
            MAX_RETRY_AFTER
        );
    }
}
