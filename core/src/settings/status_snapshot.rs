//! What a parent's app shows about a child's phone: a snapshot of its settings and lists, taken
//! by the phone at each sync and signed with the device key. The backend keeps the latest one
//! and hands it to the phone's confirmed parents (`ReportedDeviceStatus::snapshot`); the
//! parent's app verifies it against the device key it checked at pairing, so what it shows is
//! what the phone said, not what the relay says.

use serde::{Deserialize, Serialize};

use super::AgeBand;
use crate::crypto::envelope::{self, EnvelopeError};
use crate::crypto::{PublicKey, SigningKey};
use crate::protocol::pairing::ParentRole;

/// Context string of a snapshot's signature.
pub const SIGNING_CONTEXT: &[u8] = b"childsafe status snapshot v1\n";
/// Largest envelope accepted, in bytes: the rules and host lists of a phone fit many times over.
pub const MAX_ENVELOPE_BYTES: usize = 64 * 1024;

/// A parent as the phone lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotParent {
    /// The parent's key.
    pub public_key: PublicKey,
    /// Owner or member.
    pub role: ParentRole,
}

/// An access approval still running.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotApproval {
    /// The approved host.
    pub host: String,
    /// Until when, Unix seconds.
    pub until_unix: u64,
}

/// The state of one child's phone, as the phone signed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusSnapshot {
    /// The phone.
    pub device_id: String,
    /// When the phone took it, Unix seconds on its trusted clock.
    pub taken_at: u64,
    /// Grows with each snapshot the phone signs, so an older one cannot replace a newer one.
    pub seq: u64,
    /// Whether safe mode is on.
    pub safe_mode: bool,
    /// The age band.
    pub band: AgeBand,
    /// The blocked categories.
    pub blocked_categories: Vec<String>,
    /// The parents' allowed hosts.
    pub allowed_hosts: Vec<String>,
    /// The parents' denied hosts.
    pub denied_hosts: Vec<String>,
    /// Approvals still running.
    pub approvals: Vec<SnapshotApproval>,
    /// Whether only allowlisted hosts load.
    pub allowlist_only: bool,
    /// Whether SafeSearch is forced.
    pub safe_search: bool,
    /// The rules as the child reads them on the phone, in the phone's language.
    pub rules: Vec<String>,
    /// The version of the lists in force, if any.
    pub lists_version: Option<u64>,
    /// Since when the lists in force are out of date, if they are.
    pub lists_out_of_date_since: Option<u64>,
    /// Whether the lists cannot be used, so that the phone blocks every address.
    pub lists_unavailable: bool,
    /// When the phone last finished a sync before this one, if ever.
    pub last_sync: Option<u64>,
    /// The parents the phone has enrolled.
    pub parents: Vec<SnapshotParent>,
    /// The carrier whose profile sets the floor of protection, when one does. This and the
    /// three fields below were added later: a snapshot without them reads as no carrier, not
    /// provisional, not deactivated.
    #[serde(default)]
    pub carrier: Option<String>,
    /// Safe mode is on provisionally, awaiting the carrier's profile.
    #[serde(default)]
    pub provisional: bool,
    /// The carrier deactivated the line.
    #[serde(default)]
    pub line_deactivated: bool,
    /// What parents may not relax under the carrier's floor.
    #[serde(default)]
    pub carrier_floor: Vec<String>,
}

/// Why a snapshot did not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// Not a snapshot envelope, or too large.
    #[error("the status snapshot is malformed: {0}")]
    Malformed(&'static str),
    /// Not signed by the device's key.
    #[error("the status snapshot is not signed by the child's device")]
    BadSignature,
    /// Signed by the device, but naming another device.
    #[error("the status snapshot names another device")]
    WrongDevice,
}

impl From<EnvelopeError> for SnapshotError {
    fn from(error: EnvelopeError) -> Self {
        match error {
            EnvelopeError::Malformed(what) => Self::Malformed(what),
            EnvelopeError::BadSignature => Self::BadSignature,
        }
    }
}

impl StatusSnapshot {
    /// Signs the snapshot with the device key.
    pub fn sign(&self, device_key: &SigningKey) -> Result<Vec<u8>, SnapshotError> {
        Ok(envelope::seal(self, SIGNING_CONTEXT, device_key)?)
    }

    /// Opens an envelope signed by `device_key`, for `device_id` (the parent's side).
    pub fn verify(
        bytes: &[u8],
        device_key: &PublicKey,
        device_id: &str,
    ) -> Result<Self, SnapshotError> {
        let (snapshot, _): (Self, _) = envelope::open(
            bytes,
            SIGNING_CONTEXT,
            std::slice::from_ref(device_key),
            MAX_ENVELOPE_BYTES,
        )?;
        if snapshot.device_id != device_id {
            return Err(SnapshotError::WrongDevice);
        }
        Ok(snapshot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_from_before_carrier_lines_still_reads() {
        let old = r#"{"device_id":"d","taken_at":1,"seq":2,"safe_mode":true,"band":"9-12",
            "blocked_categories":["adult"],"allowed_hosts":[],"denied_hosts":[],"approvals":[],
            "allowlist_only":false,"safe_search":true,"rules":[],"lists_version":null,
            "lists_out_of_date_since":null,"lists_unavailable":false,"last_sync":null,
            "parents":[]}"#;
        let snapshot: StatusSnapshot = serde_json::from_str(old).unwrap();
        assert_eq!(snapshot.carrier, None);
        assert!(!snapshot.provisional && !snapshot.line_deactivated);
        assert!(snapshot.carrier_floor.is_empty());
    }
}
