//! Counting attempts per key over a window, in one server process's memory: parent
//! registrations per client address. A key that used up its attempts
//! waits out its window; replicas each count their own.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

/// Keys tracked before stale windows are dropped, so the table cannot grow without bound.
const KEYS_TRACKED: usize = 10_000;

/// Attempts per key in the current window of each key.
pub(crate) struct AttemptWindow<K> {
    max: u32,
    window_secs: u64,
    counts: Mutex<HashMap<K, (u64, u32)>>,
}

impl<K: Hash + Eq + Clone> AttemptWindow<K> {
    /// At most `max` attempts per key in `window_secs`.
    pub(crate) fn new(max: u32, window_secs: u64) -> Self {
        Self {
            max,
            window_secs,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `key` has used up its attempts in its current window.
    pub(crate) fn is_used_up(&self, key: &K, now: u64) -> bool {
        let counts = self.lock();
        counts.get(key).is_some_and(|&(since, count)| {
            count >= self.max && now < since.saturating_add(self.window_secs)
        })
    }

    /// Counts an attempt of `key`.
    pub(crate) fn record(&self, key: &K, now: u64) {
        let mut counts = self.lock();
        let window = self.window_secs;
        if counts.len() >= KEYS_TRACKED {
            counts.retain(|_, (since, _)| now < since.saturating_add(window));
        }
        let entry = counts.entry(key.clone()).or_insert((now, 0));
        if now >= entry.0.saturating_add(window) {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }

    /// Counts an attempt of `key` unless it has used them up; whether it was counted.
    pub(crate) fn try_record(&self, key: &K, now: u64) -> bool {
        if self.is_used_up(key, now) {
            return false;
        }
        self.record(key, now);
        true
    }

    /// Every count is changed whole under the lock and nothing in it can panic, so a poisoned
    /// lock still holds a consistent map.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (u64, u32)>> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_attempts_then_waits_out_its_window() {
        let window = AttemptWindow::new(2, 100);
        assert!(window.try_record(&"a", 0));
        assert!(window.try_record(&"a", 1));
        assert!(!window.try_record(&"a", 2), "the third is over");
        assert!(window.try_record(&"b", 2), "another key counts apart");
        assert!(window.try_record(&"a", 100), "a new window starts afresh");
    }
}
