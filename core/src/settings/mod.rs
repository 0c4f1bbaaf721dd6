//! Safe mode: the settings of a child's phone, as pure state that the store keeps sealed.
//!
//! This module owns what safe mode *decides*, not where it is kept: the age band and the
//! profile it starts from ([`AgeBand`], [`SafeModeProfile`]), who may change which setting
//! ([`SettingKind`], [`Permission`]), the rules a child can read ([`rules_summary`]), the parent
//! PIN and its lockout ([`pin`]) and the rotating offline parent code ([`parent_code`]), all
//! judged by the one trusted clock of [`crate::time`]. Every state type of these is plain data
//! that serializes to JSON and does no I/O, so the encrypted store can persist it and a crash
//! between two steps can be reasoned about step by step. The signed documents that change safe
//! mode from outside ([`activation`] profiles from carriers, [`parent_command`]s from a parent's
//! phone) and the [`audit`] log of every change live here too.
//!
//! The numbers the security of safe mode rests on are all below, in one place, each with the
//! reason for its value.

pub mod access_request;
pub mod activation;
mod age_band;
pub mod audit;
mod base32;
pub mod birth_month;
pub mod command_receipt;
mod lockout;
pub mod parent_code;
pub mod parent_command;
pub mod pin;
mod profile;
mod rules_summary;
mod safe_mode;
pub mod status_snapshot;

pub use age_band::{AgeBand, CHANGE_PERMISSIONS, ParseAgeBandError, Permission, SettingKind};
pub use lockout::{LockedOut, Lockout};
pub use profile::SafeModeProfile;
pub use rules_summary::{RulesNotes, rules_summary, rules_summary_with};
pub use safe_mode::{
    ALLOWLIST_ONLY, ChildChange, CommandAnswer, DeviceSetup, EnrolledParent, INVITE_LIFETIME_SECS,
    InviteOrigin, MAX_KEPT_ACCESS_REQUESTS, OpenInvite, Owed, PinCheck, SAFE_SEARCH, SafeMode,
    SafeModeError, SafeModeStatus,
};

/// PBKDF2-HMAC-SHA256 iterations for a new parent PIN hash.
///
/// OWASP's password storage guidance asks for at least 600,000 iterations of PBKDF2-HMAC-SHA256,
/// and this is that figure. A PIN has far less entropy than a password (10,000 four-digit PINs),
/// so the hash alone cannot protect a PIN whose stored hash leaks: that is the job of the sealed
/// store and of the [`LOCKOUT_WAITS_SECS`] schedule. The iterations still make each offline guess
/// cost real CPU time: one verification took 0.17 s (0.19 to 0.25 s under load) in the release
/// profile on a two-core Xeon build server, and a mid-range phone can be expected to take a few
/// tenths of a second. It runs only when someone types the PIN, so the cost is paid rarely and
/// never on the UI thread. The count is stored with each hash, so a later version can raise it without
/// invalidating existing PINs.
pub const PBKDF2_ITERATIONS: u32 = 600_000;

/// Length in bytes of the random salt drawn for each PIN hash (128 bits: never repeats across
/// devices or PIN changes in practice).
pub const PIN_SALT_LEN: usize = 16;

/// Fewest digits a parent PIN may have: four, the shortest PIN people are used to.
pub const PIN_MIN_DIGITS: usize = 4;

/// Most digits a parent PIN may have: twelve, long enough for a parent who wants more than a
/// phone-unlock PIN, short enough to type on a keypad.
pub const PIN_MAX_DIGITS: usize = 12;

/// Failed attempts allowed before any waiting: enough for a parent who mistypes, too few to
/// matter against 10,000 possible four-digit PINs.
pub const FREE_ATTEMPTS: u32 = 5;

/// Seconds to wait after each failure beyond [`FREE_ATTEMPTS`]: the first entry after the
/// first failure past the free ones, the second after the next, and so on; the last entry
/// (24 hours) repeats for every later failure until a correct entry resets the count.
///
/// The schedule starts gently (1, 5 and 15 minutes, then an hour) for a parent who has
/// genuinely forgotten, then doubles to the cap. With the cap at a day, guessing all 10,000
/// four-digit PINs takes more than 27 years of waiting, far beyond the year a child must not be
/// able to get through (a test proves the bound by simulation). A parent locked out has the
/// offline parent code and signed commands from their own phone, which do not wait.
pub const LOCKOUT_WAITS_SECS: [u64; 9] = [
    60,     // 1 minute
    5 * 60, // 5 minutes
    15 * 60,
    60 * 60, // 1 hour
    2 * 60 * 60,
    4 * 60 * 60,
    8 * 60 * 60,
    16 * 60 * 60,
    24 * 60 * 60, // the cap
];

/// Length of one parent-code time step in seconds: RFC 6238's default, and the only period
/// that every authenticator app supports.
pub const PARENT_CODE_STEP_SECS: u64 = 30;

/// Digits in a parent code: six, what authenticator apps show by default.
pub const PARENT_CODE_DIGITS: u32 = 6;

/// Time steps either side of the current one in which a parent code is still accepted, for
/// clocks that disagree by up to a step (30 s) and for the seconds it takes to type the code.
pub const PARENT_CODE_SKEW_STEPS: u64 = 1;

/// Length in bytes of the secret shared at pairing: 160 bits, the length RFC 4226 recommends
/// and the output size of HMAC-SHA1. It shows as 32 base32 characters.
pub const PARENT_SECRET_LEN: usize = 20;
