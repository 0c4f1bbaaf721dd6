//! How records are stored as sled values: JSON for the records that only sled reads back
//! (devices, parents, reports with everything routed from them, pairing codes, messages), and
//! small fixed layouts for idempotency keys and bundles, whose heads are read on every request.

use bytes::Bytes;
use childsafe_crypto::PublicKey;
use childsafe_protocol::report::UploadedReport;
use childsafe_protocol::wire::{
    BundleKind, Destination, DestinationKind, MessageKind, PendingClaim, ReportStatus,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sled::IVec;

use super::keys::{TIME_LEN, be_u64};
use crate::storage::bundles::{BundleVersion, StoredBundle};
use crate::storage::error::{StorageError, StorageResult};
use crate::storage::pairing::PairingInviteRecord;
use crate::storage::rules::{self, IdempotencyState};

#[derive(Serialize, Deserialize)]
pub(super) struct DeviceValue {
    pub(super) public_key: PublicKey,
    pub(super) country: String,
    pub(super) registered_at: u64,
}

#[derive(Serialize, Deserialize)]
pub(super) struct ParentValue {
    pub(super) public_key: PublicKey,
    pub(super) registered_at: u64,
}

/// A stored report with everything routed from it: its destinations are its status, and the
/// keys of its feed items let a purge remove them with it.
#[derive(Serialize, Deserialize)]
pub(super) struct ReportValue {
    pub(super) device_id: String,
    pub(super) hash: [u8; 32],
    pub(super) received_at: u64,
    /// Its key in the device's report list.
    pub(super) device_seq: u64,
    /// The reporting device's country, for the hotline and helpline exports.
    pub(super) country: String,
    pub(super) destinations: Vec<Destination>,
    /// `(parent id, seq)` of each feed item.
    pub(super) feed: Vec<(String, u64)>,
    pub(super) report: UploadedReport,
}

impl ReportValue {
    pub(super) fn status(&self) -> ReportStatus {
        rules::status(&self.report, self.received_at, self.destinations.clone())
    }

    pub(super) fn in_hotline_queue(&self) -> bool {
        self.in_queue(DestinationKind::Hotline)
    }

    /// Whether one of its destinations is of `kind` (a hotline or a child helpline).
    pub(super) fn in_queue(&self, kind: DestinationKind) -> bool {
        self.destinations.iter().any(|d| d.kind == kind)
    }

    /// Marks the destinations `matches` selects forwarded; whether any changed.
    pub(super) fn mark_forwarded(&mut self, matches: impl Fn(&Destination) -> bool) -> bool {
        let mut changed = false;
        for destination in self.destinations.iter_mut() {
            if !destination.forwarded && matches(destination) {
                destination.forwarded = true;
                changed = true;
            }
        }
        changed
    }
}

/// A [`PairingInviteRecord`] as stored.
#[derive(Serialize, Deserialize)]
pub(super) struct InviteValue {
    pub(super) pairing_public_key: PublicKey,
    pub(super) expires_at: u64,
    pub(super) wrong_claims: u32,
    pub(super) claims: Vec<PendingClaim>,
}

impl From<InviteValue> for PairingInviteRecord {
    fn from(value: InviteValue) -> Self {
        Self {
            pairing_public_key: value.pairing_public_key,
            expires_at: value.expires_at,
            wrong_claims: value.wrong_claims,
            claims: value.claims,
        }
    }
}

impl From<PairingInviteRecord> for InviteValue {
    fn from(record: PairingInviteRecord) -> Self {
        Self {
            pairing_public_key: record.pairing_public_key,
            expires_at: record.expires_at,
            wrong_claims: record.wrong_claims,
            claims: record.claims,
        }
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct MessageValue {
    pub(super) from: String,
    pub(super) kind: MessageKind,
    pub(super) blob: String,
    pub(super) received_at: u64,
}

/// `started_at || body_hash || status || body`; status 0 (no HTTP status) while unanswered.
pub(super) fn encode_idempotency(state: &IdempotencyState) -> Vec<u8> {
    let (status, body) = match &state.answer {
        Some((status, body)) => (*status, body.as_slice()),
        None => (0, &[][..]),
    };
    let mut bytes = Vec::with_capacity(IDEMPOTENCY_HEADER_LEN + body.len());
    bytes.extend_from_slice(&state.started_at.to_be_bytes());
    bytes.extend_from_slice(&state.body_hash);
    bytes.extend_from_slice(&status.to_be_bytes());
    bytes.extend_from_slice(body);
    bytes
}

/// Bytes before the body in [`encode_idempotency`].
const IDEMPOTENCY_HEADER_LEN: usize = TIME_LEN + 32 + 2;

pub(super) fn decode_idempotency(bytes: &[u8]) -> StorageResult<IdempotencyState> {
    let cut = || StorageError::Corrupt("an idempotency key is cut short".to_owned());
    let header = bytes.get(..IDEMPOTENCY_HEADER_LEN).ok_or_else(cut)?;
    let started_at = be_u64(header, "idempotency key")?;
    let body_hash: [u8; 32] = header[TIME_LEN..TIME_LEN + 32]
        .try_into()
        .map_err(|_| cut())?;
    let status = u16::from_be_bytes([header[TIME_LEN + 32], header[TIME_LEN + 33]]);
    let answer = (status != 0).then(|| (status, bytes[IDEMPOTENCY_HEADER_LEN..].to_vec()));
    Ok(IdempotencyState {
        body_hash,
        started_at,
        answer,
    })
}

/// `version || expires_at || bytes`.
pub(super) fn encode_bundle(bundle: &StoredBundle) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(2 * TIME_LEN + bundle.bytes.len());
    bytes.extend_from_slice(&bundle.version.to_be_bytes());
    bytes.extend_from_slice(&bundle.expires_at.to_be_bytes());
    bytes.extend_from_slice(&bundle.bytes);
    bytes
}

/// The bundle in a stored value. Its bytes share sled's own copy of the value (sled values are
/// reference-counted), so reading a 32 MiB bundle copies nothing.
pub(super) fn decode_bundle(kind: BundleKind, stored: IVec) -> StorageResult<StoredBundle> {
    let BundleVersion {
        version,
        expires_at,
    } = decode_bundle_version(&stored)?;
    let bytes = Bytes::from_owner(stored).slice(2 * TIME_LEN..);
    Ok(StoredBundle {
        kind,
        version,
        expires_at,
        bytes,
    })
}

/// The version and expiry at the head of a stored bundle (at least `2 * TIME_LEN` bytes once
/// this succeeds).
pub(super) fn decode_bundle_version(stored: &[u8]) -> StorageResult<BundleVersion> {
    let version = be_u64(stored, "bundle")?;
    let expires_at = be_u64(stored.get(TIME_LEN..).unwrap_or_default(), "bundle")?;
    Ok(BundleVersion {
        version,
        expires_at,
    })
}

pub(super) fn to_json<T: Serialize>(value: &T) -> StorageResult<Vec<u8>> {
    serde_json::to_vec(value)
        .map_err(|e| StorageError::Backend(format!("a record could not be encoded: {e}")))
}

/// Decodes a stored JSON value. serde's message can quote the value, so only `what` is named.
pub(super) fn from_json<T: DeserializeOwned>(bytes: &[u8], what: &str) -> StorageResult<T> {
    serde_json::from_slice(bytes)
        .map_err(|_| StorageError::Corrupt(format!("a stored {what} does not decode")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_round_trip_through_their_layout() {
        for answer in [None, Some((200, b"{}".to_vec())), Some((422, Vec::new()))] {
            let state = IdempotencyState {
                body_hash: [9; 32],
                started_at: 1_700_000_000,
                answer,
            };
            assert_eq!(
                decode_idempotency(&encode_idempotency(&state)).unwrap(),
                state
            );
        }
        assert!(decode_idempotency(&[0; IDEMPOTENCY_HEADER_LEN - 1]).is_err());
    }
}
