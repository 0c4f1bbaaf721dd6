//! The parent PIN against a child who guesses: every guess counted before its answer, waits
//! that grow until 10,000 guesses take more than a year, and no way around them by restarting
//! the app, rebooting or setting the clock. And changing the PIN takes the old one or a parent.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use childsafe_core::settings::parent_code::{ParentCodeState, ParentSecret, current_code};
use childsafe_core::settings::pin::{PinChangeAuthority, PinError, PinOutcome, PinState};
use childsafe_core::settings::{FREE_ATTEMPTS, LOCKOUT_WAITS_SECS, LockedOut};
use childsafe_core::time::{TrustedClock, TrustedNow};
use serde::Serialize;
use serde::de::DeserializeOwned;

const PIN: &str = "4826";
const BOOT: u64 = 3;
const START: u64 = 1_750_000_000;
const YEAR: u64 = 365 * 24 * 60 * 60;

/// What the app does at a restart: the state goes to the store as JSON and comes back.
fn restart<T: Serialize + DeserializeOwned>(state: &T) -> T {
    serde_json::from_str(&serde_json::to_string(state).unwrap()).unwrap()
}

fn clock_at_start() -> TrustedClock {
    let mut clock = TrustedClock::default();
    clock.accept_server_time(START, 100, BOOT);
    clock
}

/// Begins attempts and drops their tickets, as an app killed during the check would, until the
/// next attempt must wait.
fn guess_until_locked(pin: &mut PinState, now: TrustedNow) -> LockedOut {
    loop {
        match pin.begin_attempt(now) {
            Ok(ticket) => drop(ticket),
            Err(locked) => return locked,
        }
    }
}

#[test]
fn a_wrong_pin_is_counted_before_the_answer_is_known() {
    let mut clock = clock_at_start();
    let mut pin = PinState::new(PIN).unwrap();
    let ticket = pin.begin_attempt(clock.now(START, 100, BOOT)).unwrap();
    // The app persists here. If it is killed now, the stored state already holds the failure.
    let stored = restart(&pin);
    assert_eq!(stored.failed_attempts(), 1);
    // Finishing with the wrong PIN leaves that failure; the right PIN clears it.
    assert_eq!(
        pin.finish_attempt(ticket, "0000"),
        PinOutcome::Wrong { wait_secs: 0 }
    );
    assert_eq!(pin.failed_attempts(), 1);
    let ticket = pin.begin_attempt(clock.now(START, 101, BOOT)).unwrap();
    assert_eq!(pin.failed_attempts(), 2);
    assert_eq!(pin.finish_attempt(ticket, PIN), PinOutcome::Right);
    assert_eq!(pin.failed_attempts(), 0);
}

#[test]
fn killing_the_app_after_each_guess_gains_nothing() {
    let mut clock = clock_at_start();
    let mut pin = PinState::new(PIN).unwrap();
    for _ in 0..FREE_ATTEMPTS {
        let ticket = pin.begin_attempt(clock.now(START, 100, BOOT)).unwrap();
        pin = restart(&pin);
        drop(ticket);
    }
    let locked = pin.begin_attempt(clock.now(START, 100, BOOT)).unwrap_err();
    assert_eq!(locked.retry_after_secs, LOCKOUT_WAITS_SECS[0]);
}

#[test]
fn a_lockout_survives_restarts_reboots_and_clock_changes() {
    let mut clock = clock_at_start();
    let mut pin = PinState::new(PIN).unwrap();
    // Guess at the earliest moments allowed until the wait is an hour (after the 8th failure).
    let now = clock.now(START, 100, BOOT);
    let mut locked = guess_until_locked(&mut pin, now);
    let mut monotonic = 100;
    let mut wall = START;
    while locked.retry_after_secs < 60 * 60 {
        monotonic += locked.retry_after_secs;
        wall += locked.retry_after_secs;
        locked = guess_until_locked(&mut pin, clock.now(wall, monotonic, BOOT));
    }
    assert_eq!(locked.retry_after_secs, 60 * 60);

    // The app restarts: pin and clock come back from the store; the wait is unchanged.
    pin = restart(&pin);
    clock = restart(&clock);
    let wait = |pin: &PinState, now| pin.check_lockout(now).unwrap_err().retry_after_secs;
    assert_eq!(wait(&pin, clock.now(wall, monotonic, BOOT)), 60 * 60);

    // The child sets the clock back a day, then forward a year: nothing moves.
    assert_eq!(
        wait(&pin, clock.now(wall - 86_400, monotonic + 10, BOOT)),
        60 * 60 - 10
    );
    assert_eq!(
        wait(&pin, clock.now(wall + YEAR, monotonic + 20, BOOT)),
        60 * 60 - 20
    );
    assert!(
        pin.begin_attempt(clock.now(wall + YEAR, monotonic + 30, BOOT))
            .is_err()
    );

    // The child reboots with the clock a year ahead: still locked, for the time not yet served.
    let after_reboot = clock.now(wall + YEAR, 5, BOOT + 1);
    assert_eq!(wait(&pin, after_reboot), 60 * 60 - 30);
    assert_eq!(pin.failed_attempts(), FREE_ATTEMPTS + 3);

    // Only real time (counted by the monotonic clock) or the server's signed time ends it.
    clock.accept_server_time(wall + 60 * 60, 10, BOOT + 1);
    assert!(
        pin.check_lockout(clock.now(wall + 60 * 60, 10, BOOT + 1))
            .is_ok()
    );
}

#[test]
fn ten_thousand_guesses_take_more_than_a_year() {
    let mut clock = clock_at_start();
    let mut pin = PinState::new(PIN).unwrap();
    let mut monotonic = 100;
    let mut waited = 0u64;
    for _ in 0..10_000 {
        // Each guess is made at the earliest moment the lockout allows. Its ticket is dropped:
        // a guess is counted in full when it begins, so checking it would change nothing here.
        let ticket = loop {
            let now = clock.now(START + waited, monotonic, BOOT);
            match pin.begin_attempt(now) {
                Ok(ticket) => break ticket,
                Err(locked) => {
                    waited += locked.retry_after_secs;
                    monotonic += locked.retry_after_secs;
                }
            }
        };
        drop(ticket);
    }
    assert_eq!(pin.failed_attempts(), 10_000);
    // The waits before guesses 6 to 10,000: the schedule's entries, then the cap for the rest.
    let past_free = 10_000 - u64::from(FREE_ATTEMPTS);
    let table: u64 = LOCKOUT_WAITS_SECS.iter().sum();
    let cap = LOCKOUT_WAITS_SECS[LOCKOUT_WAITS_SECS.len() - 1];
    let expected = table + (past_free - LOCKOUT_WAITS_SECS.len() as u64) * cap;
    assert_eq!(waited, expected);
    assert!(waited > YEAR, "10,000 guesses took only {waited} s");
    assert!(waited > 27 * YEAR, "the cap makes it decades: {waited} s");
}

#[test]
fn changing_the_pin_needs_the_old_pin_or_a_parent() {
    let mut clock = clock_at_start();
    let mut pin = PinState::new(PIN).unwrap();

    // A wrong old PIN changes nothing and stays counted.
    let ticket = pin.begin_attempt(clock.now(START, 100, BOOT)).unwrap();
    let refused = pin.change(
        "1111",
        PinChangeAuthority::OldPin {
            ticket,
            pin: "9999",
        },
    );
    assert_eq!(refused, Err(PinError::WrongOldPin { wait_secs: 0 }));
    assert_eq!(pin.failed_attempts(), 1);

    // The right old PIN changes it.
    let ticket = pin.begin_attempt(clock.now(START, 101, BOOT)).unwrap();
    pin.change("1111", PinChangeAuthority::OldPin { ticket, pin: PIN })
        .unwrap();
    let ticket = pin.begin_attempt(clock.now(START, 102, BOOT)).unwrap();
    assert_eq!(
        pin.finish_attempt(ticket, PIN),
        PinOutcome::Wrong { wait_secs: 0 }
    );
    let ticket = pin.begin_attempt(clock.now(START, 103, BOOT)).unwrap();
    assert_eq!(pin.finish_attempt(ticket, "1111"), PinOutcome::Right);

    // A new PIN must be a PIN.
    let ticket = pin.begin_attempt(clock.now(START, 104, BOOT)).unwrap();
    let refused = pin.change(
        "12",
        PinChangeAuthority::OldPin {
            ticket,
            pin: "1111",
        },
    );
    assert_eq!(refused, Err(PinError::Format));
}

#[test]
fn a_parent_code_resets_a_forgotten_pin_without_resetting_the_count() {
    let mut clock = clock_at_start();
    let mut pin = PinState::new(PIN).unwrap();
    let secret = ParentSecret::generate().unwrap();
    let mut codes = ParentCodeState::new(secret.clone());

    let now = clock.now(START, 100, BOOT);
    let locked = guess_until_locked(&mut pin, now);
    assert_eq!(locked.retry_after_secs, LOCKOUT_WAITS_SECS[0]);

    let credential = codes.verify(&current_code(&secret, START), now).unwrap();
    pin.change("5555", PinChangeAuthority::Parent(credential))
        .unwrap();
    // The change gives a guesser nothing: the count and the wait are as they were.
    assert_eq!(pin.failed_attempts(), FREE_ATTEMPTS);
    assert!(pin.check_lockout(now).is_err());

    // A parent may end the wait explicitly, with a fresh code.
    let now = clock.now(START + 30, 130, BOOT);
    let credential = codes
        .verify(&current_code(&secret, START + 30), now)
        .unwrap();
    pin.clear_lockout(credential);
    let ticket = pin.begin_attempt(now).unwrap();
    assert_eq!(pin.finish_attempt(ticket, "5555"), PinOutcome::Right);
}
