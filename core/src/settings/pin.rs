//! The parent PIN: how it is stored, checked, locked out and changed.
//!
//! The PIN is never stored, only its PBKDF2-HMAC-SHA256 hash ([`PBKDF2_ITERATIONS`] rounds, over
//! a random salt of [`PIN_SALT_LEN`] bytes drawn on this device). The check compares in constant
//! time (*ring*'s `pbkdf2::verify`), so its timing says nothing about how close a guess was.
//!
//! A check is split in two so that a guess is counted before its answer exists:
//! [`PinState::begin_attempt`] counts the attempt as failed and sets the wait a failure earns;
//! the caller persists the state, then calls [`PinState::finish_attempt`], which clears the
//! count only if the PIN was right. Killing the app during the slow hash, or right after seeing
//! "wrong", leaves the failure counted. The waits are those of [`super::Lockout`].
//!
//! A PIN is 4 to 12 ASCII digits ([`PIN_MIN_DIGITS`], [`PIN_MAX_DIGITS`]): what a phone keypad
//! types in any language. Changing it needs the old PIN, checked as an attempt like any other,
//! or a parent credential; a change never clears the failure count, so it cannot be used to buy
//! fresh attempts.

use std::fmt;
use std::num::NonZeroU32;

use ring::pbkdf2;
use serde::{Deserialize, Serialize};

use super::lockout::{LockedOut, Lockout};
use super::parent_code::ParentCredential;
use super::{PBKDF2_ITERATIONS, PIN_MAX_DIGITS, PIN_MIN_DIGITS, PIN_SALT_LEN};
use crate::crypto::{CryptoError, random_bytes};
use crate::time::TrustedNow;

/// Length in bytes of the stored hash: the output size of SHA-256.
const HASH_LEN: usize = 32;

/// [`PBKDF2_ITERATIONS`] as *ring* takes it; a zero would fail to compile.
const CURRENT_ITERATIONS: NonZeroU32 = match NonZeroU32::new(PBKDF2_ITERATIONS) {
    Some(iterations) => iterations,
    None => panic!("PBKDF2_ITERATIONS must not be zero"),
};

/// Put in front of the salt, so a hash made for the PIN can never equal one made with the same
/// salt for anything else.
const SALT_CONTEXT: &[u8] = b"childsafe parent pin v1\0";

/// The stored parent PIN: salt, hash and lockout. Plain data, persisted in the sealed store after
/// every step that changes it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinState {
    salt: [u8; PIN_SALT_LEN],
    hash: [u8; HASH_LEN],
    iterations: u32,
    lockout: Lockout,
}

/// Permission to check one PIN guess, from [`PinState::begin_attempt`]. It cannot be copied or
/// made elsewhere, so every check has been counted first.
#[derive(Debug)]
#[must_use = "an attempt is counted as failed until it is finished with the right PIN"]
pub struct AttemptTicket {
    wait_if_wrong_secs: u64,
}

/// The answer to a PIN attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinOutcome {
    /// The PIN was right; the failure count and any wait are cleared.
    Right,
    /// The PIN was wrong (or not a PIN at all); the failure stays counted.
    Wrong {
        /// Seconds, from the start of the attempt, before the next attempt may begin.
        wait_secs: u64,
    },
}

/// What allows a PIN change.
#[derive(Debug)]
pub enum PinChangeAuthority<'a> {
    /// The old PIN, checked as an attempt begun with [`PinState::begin_attempt`] (and so counted
    /// and persisted like any other).
    OldPin {
        /// The attempt the old PIN is checked under.
        ticket: AttemptTicket,
        /// The old PIN as typed.
        pin: &'a str,
    },
    /// A parent proved who they are another way: the offline parent code, or a signed command.
    Parent(ParentCredential),
}

/// Why a PIN could not be set.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// The new PIN is not 4 to 12 digits.
    #[error("a PIN must be {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits")]
    Format,
    /// The old PIN given to authorise a change was wrong; the failure stays counted.
    #[error("the current PIN is not right")]
    WrongOldPin {
        /// Seconds, from the start of the attempt, before the next attempt may begin.
        wait_secs: u64,
    },
    /// No salt could be drawn.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl PinState {
    /// Hashes a first PIN with a fresh salt and [`PBKDF2_ITERATIONS`]; no failures yet.
    pub fn new(pin: &str) -> Result<Self, PinError> {
        let mut state = Self {
            salt: [0; PIN_SALT_LEN],
            hash: [0; HASH_LEN],
            iterations: PBKDF2_ITERATIONS,
            lockout: Lockout::default(),
        };
        state.set(pin)?;
        Ok(state)
    }

    /// Starts checking a guess at `now`. While a wait is running this refuses with
    /// [`LockedOut`] and counts nothing. Otherwise the attempt is counted as failed and the wait
    /// for a failure is set *now*; persist the state before calling
    /// [`PinState::finish_attempt`].
    pub fn begin_attempt(&mut self, now: TrustedNow) -> Result<AttemptTicket, LockedOut> {
        let wait_if_wrong_secs = self.lockout.begin(now)?;
        Ok(AttemptTicket { wait_if_wrong_secs })
    }

    /// Checks `pin` under `ticket`. If it is right, the failure count and wait are cleared
    /// (persist the state again); if wrong, the failure counted at the start stays. Any
    /// well-formed PIN takes the full PBKDF2 time, right or wrong, so this belongs off the UI
    /// thread.
    pub fn finish_attempt(&mut self, ticket: AttemptTicket, pin: &str) -> PinOutcome {
        // A stored count of zero can only come from a damaged state; it verifies nothing.
        let right = match NonZeroU32::new(self.iterations) {
            Some(iterations) if is_pin_format(pin) => pbkdf2::verify(
                pbkdf2::PBKDF2_HMAC_SHA256,
                iterations,
                &self.salted(),
                pin.as_bytes(),
                &self.hash,
            )
            .is_ok(),
            _ => false,
        };
        if right {
            self.lockout.succeed();
            PinOutcome::Right
        } else {
            PinOutcome::Wrong {
                wait_secs: ticket.wait_if_wrong_secs,
            }
        }
    }

    /// Replaces the PIN with `new_pin`, if `authority` allows it. The new hash gets a fresh salt
    /// and the current [`PBKDF2_ITERATIONS`]. The failure count is left alone (a right old PIN
    /// has already cleared it, as any right attempt does); to end a lockout, a parent uses
    /// [`PinState::clear_lockout`].
    pub fn change(
        &mut self,
        new_pin: &str,
        authority: PinChangeAuthority<'_>,
    ) -> Result<(), PinError> {
        if !is_pin_format(new_pin) {
            // Refused before the old PIN is checked; the ticket's attempt stays counted, as any
            // abandoned attempt does, so apps check `is_pin_format` before beginning one.
            return Err(PinError::Format);
        }
        if let PinChangeAuthority::OldPin { ticket, pin } = authority {
            if let PinOutcome::Wrong { wait_secs } = self.finish_attempt(ticket, pin) {
                return Err(PinError::WrongOldPin { wait_secs });
            }
        }
        self.set(new_pin)
    }

    /// Ends the failure count and any wait, on a parent's word (the offline code or a signed
    /// command): a parent who forgot the PIN should not wait out a child's guesses.
    pub fn clear_lockout(&mut self, _parent: ParentCredential) {
        self.lockout.succeed();
    }

    /// Refuses with [`LockedOut`] while a wait is running, without counting anything; for the
    /// app to show the wait before the parent types.
    pub fn check_lockout(&self, now: TrustedNow) -> Result<(), LockedOut> {
        self.lockout.check(now)
    }

    /// Attempts begun since the last right PIN.
    pub fn failed_attempts(&self) -> u32 {
        self.lockout.failed_attempts()
    }

    /// Hashes `pin` over a fresh salt with the current iteration count.
    fn set(&mut self, pin: &str) -> Result<(), PinError> {
        if !is_pin_format(pin) {
            return Err(PinError::Format);
        }
        self.salt = random_bytes()?;
        self.iterations = CURRENT_ITERATIONS.get();
        let mut hash = [0u8; HASH_LEN];
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            CURRENT_ITERATIONS,
            &self.salted(),
            pin.as_bytes(),
            &mut hash,
        );
        self.hash = hash;
        Ok(())
    }

    /// The salt as PBKDF2 takes it: the context, then the random bytes.
    fn salted(&self) -> Vec<u8> {
        [SALT_CONTEXT, &self.salt].concat()
    }
}

impl fmt::Debug for PinState {
    /// Shows the counts only: salt and hash stay out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinState")
            .field("iterations", &self.iterations)
            .field("lockout", &self.lockout)
            .finish_non_exhaustive()
    }
}

/// Whether `pin` is 4 to 12 ASCII digits.
pub fn is_pin_format(pin: &str) -> bool {
    (PIN_MIN_DIGITS..=PIN_MAX_DIGITS).contains(&pin.len())
        && pin.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::TrustedClock;

    #[test]
    fn pin_format_is_four_to_twelve_ascii_digits() {
        assert!(is_pin_format("0000"));
        assert!(is_pin_format("123456789012"));
        for bad in ["123", "1234567890123", "12a4", "١٢٣٤", " 1234", ""] {
            assert!(!is_pin_format(bad), "{bad:?}");
        }
        assert_eq!(PinState::new("12").unwrap_err(), PinError::Format);
    }

    #[test]
    fn right_pin_clears_the_count_and_wrong_pin_keeps_it() {
        let mut clock = TrustedClock::default();
        let now = clock.now(1_000, 1, 1);
        let mut state = PinState::new("2468").unwrap();
        let ticket = state.begin_attempt(now).unwrap();
        assert_eq!(state.failed_attempts(), 1);
        assert_eq!(
            state.finish_attempt(ticket, "1357"),
            PinOutcome::Wrong { wait_secs: 0 }
        );
        assert_eq!(state.failed_attempts(), 1);
        let ticket = state.begin_attempt(now).unwrap();
        assert_eq!(state.finish_attempt(ticket, "2468"), PinOutcome::Right);
        assert_eq!(state.failed_attempts(), 0);
    }

    #[test]
    fn each_hash_has_its_own_salt_and_debug_hides_them() {
        let first = PinState::new("2468").unwrap();
        let second = PinState::new("2468").unwrap();
        assert_ne!(first.salt, second.salt);
        assert_ne!(first.hash, second.hash);
        let shown = format!("{first:?}");
        assert!(
            !shown.contains("salt") && !shown.contains("hash"),
            "{shown}"
        );
    }

    #[test]
    fn a_damaged_iteration_count_verifies_nothing() {
        let mut clock = TrustedClock::default();
        let mut state = PinState::new("2468").unwrap();
        state.iterations = 0;
        let ticket = state.begin_attempt(clock.now(1, 1, 1)).unwrap();
        assert_ne!(state.finish_attempt(ticket, "2468"), PinOutcome::Right);
    }
}
