//! The offline parent code: the RFC 6238 vectors, a code that works once, a window of one step
//! either side for clocks that disagree, and codes judged on trusted time, never the wall clock.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use childsafe_core::settings::parent_code::{
    ParentCodeError, ParentCodeState, ParentSecret, current_code,
};
use childsafe_core::settings::{FREE_ATTEMPTS, PARENT_CODE_STEP_SECS};
use childsafe_core::time::TrustedClock;

const BOOT: u64 = 9;
const START: u64 = 1_750_000_020;
const YEAR: u64 = 365 * 24 * 60 * 60;

/// RFC 6238, appendix B: times and the 8-digit HMAC-SHA1 TOTP values for the ASCII secret
/// "12345678901234567890". A 6-digit code is the same value modulo 10^6: its last six digits.
const RFC_6238_SHA1: [(u64, &str); 6] = [
    (59, "94287082"),
    (1_111_111_109, "07081804"),
    (1_111_111_111, "14050471"),
    (1_234_567_890, "89005924"),
    (2_000_000_000, "69279037"),
    (20_000_000_000, "65353130"),
];

fn rfc_secret() -> ParentSecret {
    ParentSecret::from_bytes(b"12345678901234567890").unwrap()
}

fn paired() -> (ParentSecret, ParentCodeState, TrustedClock) {
    let secret = ParentSecret::generate().unwrap();
    let state = ParentCodeState::new(secret.clone());
    let mut clock = TrustedClock::default();
    clock.accept_server_time(START, 50, BOOT);
    (secret, state, clock)
}

#[test]
fn codes_match_the_rfc_6238_vectors() {
    for (time, eight_digits) in RFC_6238_SHA1 {
        assert_eq!(
            current_code(&rfc_secret(), time),
            eight_digits[2..],
            "at {time}"
        );
    }
}

#[test]
fn the_secret_travels_as_base32() {
    // "12345678901234567890" in RFC 4648 base32.
    let secret = ParentSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
    assert_eq!(secret, rfc_secret());
    assert_eq!(rfc_secret().to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    assert_eq!(
        ParentSecret::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap(),
        secret
    );
    assert!(ParentSecret::from_base32("GEZDGNBV").is_err(), "too short");
    assert!(ParentSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1").is_err());
}

#[test]
fn a_code_works_once_even_across_a_restart() {
    let (secret, mut state, mut clock) = paired();
    let now = clock.now(START, 50, BOOT);
    let code = current_code(&secret, START);
    assert!(state.verify(&code, now).is_ok());
    assert!(matches!(
        state.verify(&code, now),
        Err(ParentCodeError::Reused)
    ));

    let json = serde_json::to_string(&state).unwrap();
    assert!(!json.contains(&code));
    let mut restored: ParentCodeState = serde_json::from_str(&json).unwrap();
    assert!(matches!(
        restored.verify(&code, now),
        Err(ParentCodeError::Reused)
    ));

    // The next step's code is new, and works.
    let next = START + PARENT_CODE_STEP_SECS;
    let now = clock.now(next, 50 + PARENT_CODE_STEP_SECS, BOOT);
    assert!(restored.verify(&current_code(&secret, next), now).is_ok());
}

#[test]
fn one_step_of_clock_skew_is_accepted_and_two_are_not() {
    let step = PARENT_CODE_STEP_SECS;
    for (offset, accepted) in [(-1, true), (1, true), (-2, false), (2, false)] {
        let (secret, mut state, mut clock) = paired();
        let parent_time = START.checked_add_signed(offset * step as i64).unwrap();
        let result = state.verify(
            &current_code(&secret, parent_time),
            clock.now(START, 50, BOOT),
        );
        assert_eq!(result.is_ok(), accepted, "parent clock {offset} steps off");
    }
}

#[test]
fn an_older_code_is_refused_once_a_newer_one_was_used() {
    let (secret, mut state, mut clock) = paired();
    let now = clock.now(START, 50, BOOT);
    // The parent's clock runs a step ahead; then someone types the code of the step before.
    assert!(
        state
            .verify(&current_code(&secret, START + 30), now)
            .is_ok()
    );
    assert!(matches!(
        state.verify(&current_code(&secret, START), now),
        Err(ParentCodeError::Reused)
    ));
}

#[test]
fn codes_are_judged_on_trusted_time_not_the_wall_clock() {
    let (secret, mut state, mut clock) = paired();
    // A code seen over the parent's shoulder and used an hour ago...
    let seen = current_code(&secret, START);
    assert!(state.verify(&seen, clock.now(START, 50, BOOT)).is_ok());
    // ...cannot be used again by setting the wall clock back to that moment.
    let an_hour_later = clock.now(START, 50 + 3_600, BOOT);
    assert!(state.verify(&seen, an_hour_later).is_err());
    // And the parent's real code works even while the wall clock says next year.
    let real = START + 3_630;
    let now = clock.now(real + YEAR, 50 + 3_630, BOOT);
    assert!(state.verify(&current_code(&secret, real), now).is_ok());
}

#[test]
fn wrong_codes_lock_out_but_malformed_ones_do_not_count() {
    let (secret, mut state, mut clock) = paired();
    let now = clock.now(START, 50, BOOT);
    let right = current_code(&secret, START);
    let wrong = if right == "000000" {
        "000001"
    } else {
        "000000"
    };
    for bad in ["", "12345", "1234567", "12a456"] {
        assert!(matches!(
            state.verify(bad, now),
            Err(ParentCodeError::Malformed)
        ));
    }
    for _ in 0..FREE_ATTEMPTS {
        assert!(matches!(
            state.verify(wrong, now),
            Err(ParentCodeError::Wrong)
        ));
    }
    // Even the right code must wait now.
    let Err(ParentCodeError::LockedOut(locked)) = state.verify(&right, now) else {
        panic!("expected a lockout");
    };
    assert_eq!(locked.retry_after_secs, 60);
    let later = clock.now(START + 60, 110, BOOT);
    assert!(
        state
            .verify(&current_code(&secret, START + 60), later)
            .is_ok()
    );
}
