//! The bundle in force on the phone, replaced only by a newer one that opened cleanly.

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

    /// Opens `bytes` (see [`ListBundle::open`]) and puts it in force. Refuses a bundle whose
    /// version is not newer than the current one (rollback / replay); on any error the current
    /// bundle stays. Returns the version now in force.
    pub fn install(
        &mut self,
        bytes: Vec<u8>,
        trusted: &[PublicKey],
        now_unix: u64,
    ) -> Result<u64, BundleError> {
        let offered = ListBundle::open(bytes, trusted, now_unix)?;
        if let Some(current) = &self.current {
            if offered.version() <= current.version() {
                return Err(BundleError::NotNewer {
                    current: current.version(),
                    offered: offered.version(),
                });
            }
        }
        let version = offered.version();
        self.current = Some(offered);
        Ok(version)
    }
}
