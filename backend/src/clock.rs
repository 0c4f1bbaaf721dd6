//! The server's reading of time: Unix seconds from the system clock (their RFC 3339 form for the
//! hotline export is the protocol's). One place, so every handler of a request agrees on what
//! "now" means.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time in Unix seconds (0 if the system clock is before 1970).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
