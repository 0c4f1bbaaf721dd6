//! How many wrong pairing codes each parent has claimed in the current window, so that a parent
//! who used them up waits before trying again and codes cannot be swept in their lifetime. The
//! table lives in one server process's memory.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::StatusCode;

use crate::error::{ApiError, ApiResult};
use crate::limits::{MAX_PAIRING_FAILURES, PAIRING_FAILURE_WINDOW_SECS};

/// Parents tracked before stale windows are dropped, so the table cannot grow without bound.
const PAIRING_FAILURES_TRACKED: usize = 10_000;

/// Wrong pairing claims per parent in the current window.
#[derive(Default)]
pub(crate) struct PairingAttempts {
    failures: Mutex<HashMap<String, (u64, u32)>>,
}

impl PairingAttempts {
    /// Refuses a parent that has used up its wrong claims in this window.
    pub(crate) fn check(&self, parent_id: &str, now: u64) -> ApiResult<()> {
        let failures = self
            .failures
            .lock()
            .map_err(|_| ApiError::internal("the pairing attempt table is poisoned"))?;
        match failures.get(parent_id) {
            Some(&(since, count))
                if count >= MAX_PAIRING_FAILURES
                    && now < since.saturating_add(PAIRING_FAILURE_WINDOW_SECS) =>
            {
                Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_pairing_attempts",
                    "too many wrong pairing codes; wait ten minutes",
                ))
            }
            _ => Ok(()),
        }
    }

    /// Counts a wrong claim.
    pub(crate) fn record_failure(&self, parent_id: &str, now: u64) {
        let Ok(mut failures) = self.failures.lock() else {
            return;
        };
        if failures.len() >= PAIRING_FAILURES_TRACKED {
            failures
                .retain(|_, (since, _)| now < since.saturating_add(PAIRING_FAILURE_WINDOW_SECS));
        }
        let entry = failures.entry(parent_id.to_owned()).or_insert((now, 0));
        if now >= entry.0.saturating_add(PAIRING_FAILURE_WINDOW_SECS) {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}
