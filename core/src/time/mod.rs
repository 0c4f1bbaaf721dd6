//! Time as the SDK believes it: the one trusted clock every job judges and stamps by.
//!
//! A child can set the phone's wall clock to anything, so nothing here takes it at its word. The
//! platform's clocks are read through one [`ClockSource`] as a [`ClockReading`] (wall clock,
//! time since boot, boot identity: `system_clock.rs`); the persisted [`TrustedClock`] turns each
//! reading into a [`TrustedNow`] that neither a clock set back nor a reboot can move the wrong
//! way (`trusted_time.rs`), and the server's signed time, once its signature and challenge are
//! checked, re-anchors it. Lockouts, approvals, parent codes, report stamps and bundle expiry
//! all go through `advance_trusted_clock`, so they share one clock kept in one place in the
//! store. This module sits below the jobs: it knows the store and the crypto wrappers, and
//! nothing of safe mode, filtering or reports.

mod system_clock;
mod trusted_time;

pub use system_clock::{ClockForTests, ClockSource, SystemClock, system_clock_reading};
pub use trusted_time::{TrustedClock, TrustedNow, WALL_CLOCK_TOLERANCE_SECS};

use crate::store::{Store, StoreError, WriteBatch, get_json, put_json};

/// Store key of the trusted clock's state. Its name predates this module (the clock was part of
/// safe mode) and stays, since devices already hold it.
const CLOCK_KEY: &[u8] = b"settings/clock";

/// The platform's clocks, read by the caller at the moment of the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockReading {
    /// The wall clock, in seconds since the Unix epoch (which the child can change).
    pub wall_unix: u64,
    /// Seconds since boot, counting sleep (which the child cannot change).
    pub monotonic_secs: u64,
    /// An identifier of the current boot, different after every reboot.
    pub boot_id: u64,
}

/// Advances the device's trusted clock, kept in `store`, to `clock`: the trusted time, and a new
/// batch that already holds the clock's next state. The caller adds its own writes and applies
/// the batch, so the clock moves only together with the change it timed. Every part of the SDK
/// that stamps a time (safe mode, the report outbox, bundles) goes through here, so they share
/// one clock.
pub(crate) fn advance_trusted_clock(
    store: &dyn Store,
    clock: ClockReading,
) -> Result<(TrustedNow, WriteBatch), StoreError> {
    let mut trusted = stored_clock(store)?;
    let now = trusted.now(clock.wall_unix, clock.monotonic_secs, clock.boot_id);
    let mut batch = WriteBatch::new();
    put_json(&mut batch, CLOCK_KEY, &trusted)?;
    Ok((now, batch))
}

/// The trusted time at `clock`, with the clock's advance kept in `store`: for a reader that has
/// no write of its own to time.
pub(crate) fn trusted_now(
    store: &dyn Store,
    clock: ClockReading,
) -> Result<TrustedNow, StoreError> {
    let (now, batch) = advance_trusted_clock(store, clock)?;
    store.apply(batch)?;
    Ok(now)
}

/// Re-anchors the device's trusted clock on `server_unix`, the time of a signed server answer
/// whose signature, device and challenge the caller has checked, read at `clock`. Returns a new
/// batch holding the clock's next state, for the caller to add to and apply.
pub(crate) fn accept_server_time(
    store: &dyn Store,
    server_unix: u64,
    clock: ClockReading,
) -> Result<WriteBatch, StoreError> {
    let mut trusted = stored_clock(store)?;
    trusted.accept_server_time(server_unix, clock.monotonic_secs, clock.boot_id);
    let mut batch = WriteBatch::new();
    put_json(&mut batch, CLOCK_KEY, &trusted)?;
    Ok(batch)
}

/// The trusted clock as stored, or a new one on a device that never read it.
fn stored_clock(store: &dyn Store) -> Result<TrustedClock, StoreError> {
    Ok(get_json(store, CLOCK_KEY)?.unwrap_or_default())
}
