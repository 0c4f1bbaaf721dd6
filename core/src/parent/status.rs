//! A child's status as the parent's app shows it: the phone's signed [`StatusSnapshot`] from the
//! backend, verified against the device key checked at pairing, and never older than one already
//! shown. The backend only carries it; nothing it adds or changes reaches the parent.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::ParentError;
use super::records::ChildRecord;
use crate::crypto::PublicKey;
use crate::protocol::pairing::ParentRole;
use crate::protocol::request_signing::key_id;
use crate::protocol::wire::PairedPeer;
use crate::settings::AgeBand;
use crate::settings::status_snapshot::{SnapshotError, StatusSnapshot};

/// An access approval still running on the child's phone.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChildApproval {
    /// The approved host.
    pub host: String,
    /// Until when, Unix seconds.
    pub until_unix: u64,
}

/// A parent enrolled on the child's phone, as the phone lists it in its signed status.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChildParent {
    /// The parent's id (the key id of its key).
    pub parent_id: String,
    /// The parent's key: what `remove_parent` takes.
    pub public_key: PublicKey,
    /// Owner or member.
    pub role: ParentRole,
}

/// The state of a child's phone, as the phone signed it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChildStatus {
    /// The phone.
    pub device_id: String,
    /// When the phone took the snapshot, Unix seconds on its trusted clock.
    pub taken_at: u64,
    /// The snapshot's number; grows with each one the phone signs.
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
    pub approvals: Vec<ChildApproval>,
    /// Whether only allowlisted hosts load.
    pub allowlist_only: bool,
    /// Whether SafeSearch is forced.
    pub safe_search: bool,
    /// The rules as the child reads them on the phone.
    pub rules: Vec<String>,
    /// The version of the filter lists in force, if any.
    pub lists_version: Option<u64>,
    /// Whether the lists in force are out of date (they keep filtering).
    pub lists_out_of_date: bool,
    /// Since when they are, Unix seconds.
    pub lists_out_of_date_since: Option<u64>,
    /// Whether the lists cannot be used, so that the phone blocks every address.
    pub lists_unavailable: bool,
    /// When the phone last finished a sync before this snapshot, if ever.
    pub last_sync: Option<u64>,
    /// The parents the phone has enrolled, with their roles.
    pub parents: Vec<ChildParent>,
    /// The carrier whose profile is in force, if any.
    pub carrier: Option<String>,
    /// Safe mode is on provisionally (a child's line whose carrier profile has not arrived).
    pub provisional: bool,
    /// The carrier deactivated the line (it passed to an adult).
    pub line_deactivated: bool,
    /// What the carrier keeps on that parents may not relax.
    pub carrier_floor: Vec<String>,
}

/// The snapshot the backend lists for `child` in `peer`, verified: the peer must carry the
/// device key checked at pairing, and a snapshot signed by that key for this device, not older
/// than the one kept. `NotReady` when the phone has sent none yet.
pub(crate) fn verified(
    child: &ChildRecord,
    peer: &PairedPeer,
) -> Result<StatusSnapshot, ParentError> {
    if peer.public_key != child.device_public_key {
        return Err(ParentError::Refused(
            "the backend lists this child under another key than the one checked at pairing",
        ));
    }
    let encoded = peer
        .status
        .as_ref()
        .and_then(|status| status.snapshot.as_deref())
        .ok_or(ParentError::NotReady(
            "the child's phone has not sent a signed status yet",
        ))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| ParentError::Refused("the child's status is not base64url"))?;
    let snapshot = StatusSnapshot::verify(&bytes, &child.device_public_key, &child.device_id)
        .map_err(|error| match error {
            SnapshotError::Malformed(_) => {
                ParentError::Refused("the child's status is not a signed status snapshot")
            }
            SnapshotError::BadSignature => {
                ParentError::Refused("the child's status is not signed by the child's phone")
            }
            SnapshotError::WrongDevice => {
                ParentError::Refused("the child's status is another phone's")
            }
        })?;
    if child
        .snapshot
        .as_ref()
        .is_some_and(|kept| snapshot.seq < kept.seq)
    {
        return Err(ParentError::Refused(
            "the child's status is older than one already shown",
        ));
    }
    Ok(snapshot)
}

impl From<StatusSnapshot> for ChildStatus {
    fn from(snapshot: StatusSnapshot) -> Self {
        Self {
            device_id: snapshot.device_id,
            taken_at: snapshot.taken_at,
            seq: snapshot.seq,
            safe_mode: snapshot.safe_mode,
            band: snapshot.band,
            blocked_categories: snapshot.blocked_categories,
            allowed_hosts: snapshot.allowed_hosts,
            denied_hosts: snapshot.denied_hosts,
            approvals: snapshot
                .approvals
                .into_iter()
                .map(|approval| ChildApproval {
                    host: approval.host,
                    until_unix: approval.until_unix,
                })
                .collect(),
            allowlist_only: snapshot.allowlist_only,
            safe_search: snapshot.safe_search,
            rules: snapshot.rules,
            lists_version: snapshot.lists_version,
            lists_out_of_date: snapshot.lists_out_of_date_since.is_some(),
            lists_out_of_date_since: snapshot.lists_out_of_date_since,
            lists_unavailable: snapshot.lists_unavailable,
            last_sync: snapshot.last_sync,
            carrier: snapshot.carrier,
            provisional: snapshot.provisional,
            line_deactivated: snapshot.line_deactivated,
            carrier_floor: snapshot.carrier_floor,
            parents: snapshot
                .parents
                .into_iter()
                .map(|parent| ChildParent {
                    parent_id: key_id(&parent.public_key),
                    public_key: parent.public_key,
                    role: parent.role,
                })
                .collect(),
        }
    }
}
