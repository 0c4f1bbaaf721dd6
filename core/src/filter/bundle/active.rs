//! The bundle in force on the phone, replaced only by a newer one that opened cleanly.
//!
//! Expiry is checked once, when a bundle is offered for the first time ([`ActiveBundle::install`]):
//! an already expired bundle is refused, so that an attacker who holds back updates cannot feed
//! the phone an old one (the freeze attack). A bundle in force stays in force after its expiry
//! and across restarts ([`ActiveBundle::restore`]): lists that vanish when they expire would leave
//! a phone that cannot sync, or whose clock a child moved forward, with no lists at all.
//!
//! The rollback rule itself, [`require_newer`], is written here once: [`ActiveBundle`] applies it
//! to the bundle it holds in memory, and the phone's lists store to the version it keeps on disk.

use super::{BundleError, ListBundle};
use crate::crypto::PublicKey;

/// Holds the bundle in force; installing a new one never loses it on failure.
///
/// Versions only go up: a bundle whose version is not larger than the one in force is refused,
/// so an attacker who replays an old signed bundle (one without a recently added entry, say)
/// cannot roll the lists back.
#[derive(Debug, Default)]
pub struct ActiveBundle {
    current: Option<ListBundle>,
}

impl ActiveBundle {
    /// No bundle in force yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bundle in force, if one was installed.
    pub fn current(&self) -> Option<&ListBundle> {
        self.current.as_ref()
    }

    /// Opens `bytes` (see [`ListBundle::open`]: expired at `now_unix`, which must be trusted
    /// time, is refused) and puts it in force. Refuses a bundle whose version is not newer than
    /// the current one (rollback / replay); on any error the current bundle stays. Returns the
    /// version now in force.
    pub fn install(
        &mut self,
        bytes: Vec<u8>,
        trusted: &[PublicKey],
        now_unix: u64,
    ) -> Result<u64, BundleError> {
        self.put_in_force(ListBundle::open(bytes, trusted, now_unix)?)
    }

    /// Puts back in force a bundle that was in force before (the one kept in the store), opened
    /// with [`ListBundle::reopen`]: every check but the expiry. The version rule is the same as
    /// for [`Self::install`]; on any error the current bundle stays.
    pub fn restore(&mut self, bytes: Vec<u8>, trusted: &[PublicKey]) -> Result<u64, BundleError> {
        self.put_in_force(ListBundle::reopen(bytes, trusted)?)
    }

    fn put_in_force(&mut self, offered: ListBundle) -> Result<u64, BundleError> {
        require_newer(
            self.current.as_ref().map(ListBundle::version),
            offered.version(),
        )?;
        let version = offered.version();
        self.current = Some(offered);
        Ok(version)
    }
}

/// The rollback rule: a bundle of version `offered` may replace the one in force (of version
/// `in_force`, if any) only if it is newer, so an attacker who replays an old signed bundle
/// cannot roll the lists back.
pub fn require_newer(in_force: Option<u64>, offered: u64) -> Result<(), BundleError> {
    match in_force {
        Some(current) if offered <= current => Err(BundleError::NotNewer { current, offered }),
        _ => Ok(()),
    }
}
