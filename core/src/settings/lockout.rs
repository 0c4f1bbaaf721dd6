//! The escalating lockout shared by the parent PIN and the offline parent code.
//!
//! A [`Lockout`] counts failed attempts and says until when the next attempt must wait, on the
//! steady clock of [`TrustedNow`] so that no clock setting shortens a wait. A failure is recorded
//! *before* its answer is known (see [`Lockout::begin`]): if the app is killed while checking,
//! the attempt still counts, so killing the app between guesses gains nothing. The waits come
//! from [`FREE_ATTEMPTS`] and [`LOCKOUT_WAITS_SECS`].

use serde::{Deserialize, Serialize};

use super::{FREE_ATTEMPTS, LOCKOUT_WAITS_SECS};
use crate::time::TrustedNow;

/// Failed attempts and the wait they impose; plain data, persisted with what it protects.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lockout {
    /// Attempts begun since the last success, including one whose answer is not known yet.
    failed_attempts: u32,
    /// No attempt may begin before this steady time (see [`TrustedNow::steady_unix_secs`]).
    locked_until_steady: u64,
}

/// The answer to an attempt made too early: nothing was checked and nothing was counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("too many failed attempts; try again in {retry_after_secs} seconds")]
pub struct LockedOut {
    /// Seconds until the next attempt may begin.
    pub retry_after_secs: u64,
}

impl Lockout {
    /// Starts an attempt at `now`: refuses it while locked out; otherwise counts it as failed
    /// and sets the wait that follows a failure, returning that wait in seconds. The caller
    /// persists the lockout before checking the answer, and calls [`Lockout::succeed`] if the
    /// answer was right.
    pub fn begin(&mut self, now: TrustedNow) -> Result<u64, LockedOut> {
        self.check(now)?;
        self.failed_attempts = self.failed_attempts.saturating_add(1);
        let wait = wait_after_failures(self.failed_attempts);
        self.locked_until_steady = now.steady_unix_secs().saturating_add(wait);
        Ok(wait)
    }

    /// Refuses with [`LockedOut`] while an attempt must wait; changes nothing.
    pub fn check(&self, now: TrustedNow) -> Result<(), LockedOut> {
        match self.locked_until_steady.checked_sub(now.steady_unix_secs()) {
            Some(retry_after_secs) if retry_after_secs > 0 => Err(LockedOut { retry_after_secs }),
            _ => Ok(()),
        }
    }

    /// Clears the count and the wait after a right answer.
    pub fn succeed(&mut self) {
        *self = Self::default();
    }

    /// Attempts begun since the last success.
    pub fn failed_attempts(&self) -> u32 {
        self.failed_attempts
    }
}

/// Seconds to wait after the `failures`-th failure in a row.
pub(crate) fn wait_after_failures(failures: u32) -> u64 {
    let Some(past_free) = failures.checked_sub(FREE_ATTEMPTS) else {
        return 0;
    };
    // `failures` counts from 1, so the FREE_ATTEMPTS-th failure already waits the first entry.
    let index = usize::try_from(past_free)
        .unwrap_or(usize::MAX)
        .min(LOCKOUT_WAITS_SECS.len() - 1);
    LOCKOUT_WAITS_SECS[index]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::TrustedClock;

    #[test]
    fn the_first_free_failures_cost_nothing_then_waits_escalate_to_the_cap() {
        let waits: Vec<u64> = (1..=16).map(wait_after_failures).collect();
        assert_eq!(
            waits,
            [
                0, 0, 0, 0, 60, 300, 900, 3_600, 7_200, 14_400, 28_800, 57_600, 86_400, 86_400,
                86_400, 86_400
            ]
        );
        assert_eq!(wait_after_failures(u32::MAX), 86_400);
    }

    #[test]
    fn an_attempt_too_early_is_refused_and_not_counted() {
        let mut clock = TrustedClock::default();
        let mut lockout = Lockout::default();
        for _ in 0..FREE_ATTEMPTS {
            lockout.begin(clock.now(1_000, 10, 1)).unwrap();
        }
        assert_eq!(
            lockout.begin(clock.now(1_030, 40, 1)),
            Err(LockedOut {
                retry_after_secs: 30
            })
        );
        assert_eq!(lockout.failed_attempts(), FREE_ATTEMPTS);
        assert_eq!(lockout.begin(clock.now(1_060, 70, 1)), Ok(300));
        lockout.succeed();
        assert_eq!(lockout, Lockout::default());
    }
}
