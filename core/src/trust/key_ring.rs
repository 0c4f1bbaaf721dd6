//! The key ring: the keys the handset maker pinned in the configuration, and what root-signed
//! trust documents and carriers' key rotations have made of them since, kept in the sealed store.
//!
//! What a key is trusted for, at a moment of trusted time:
//!
//! 1. A key revoked by any trust document ever installed is trusted for nothing, pinned or not,
//!    and never again: a later document that omits it does not bring it back.
//! 2. A key a rotation retired is trusted for nothing, from the rotation on.
//! 3. A pinned key is trusted for its role (the configuration field it is in) without expiry; a
//!    pinned carrier key may sign for any carrier.
//! 4. A delegated key is trusted for its role until its delegation expires, as the document in
//!    force delegates it; a delegated carrier key signs for its own carrier only.
//! 5. A rotated-to key continues the carrier key it replaced: it is trusted while that chain's
//!    first key is still pinned or delegated in the document in force, for the rotation's
//!    carrier, until the earliest of its rotation's expiry, the expiries of the rotations before
//!    it and the first key's delegation. Revoking any key of the chain ends the chain.
//!
//! A trust document is installed only if a pinned root signed it, its version is above the one
//! in force and it has not expired on trusted time; a rotation only if it is signed by a carrier
//! key trusted now for the carrier it names. A refused one changes nothing, and whatever is
//! installed is written in the same batch as the trusted clock's advance.
//!
//! A key ring that cannot be read is never taken for an empty one: [`KeyRing::keys_for`] fails,
//! so a new document cannot be checked and is refused, and nothing is installed over it. Only to
//! restore what is already in force does the facade fall back to the pinned keys, saying so.

use serde::{Deserialize, Serialize};

use super::TrustedKey;
use crate::crypto::PublicKey;
use crate::protocol::keys::{Delegation, KeyDocumentError, KeyRole, KeyRotation, TrustDocument};
use crate::store::{Store, StoreError, get_json, put_json};
use crate::time::{ClockReading, advance_trusted_clock, trusted_now};

/// Store keys of this module.
mod keys {
    /// The key ring's state ([`super::RingState`], JSON): one value, so that a document or a
    /// rotation is installed whole or not at all.
    pub(super) const RING: &[u8] = b"trust/key-ring";
}

/// The keys the handset maker pinned: each trusted for the role of its field, without expiry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinnedKeys {
    /// Keys that sign trust documents.
    #[serde(default)]
    pub roots: Vec<PublicKey>,
    /// Keys that sign activation profiles, deactivations and safety packs, for any carrier (the
    /// device's `trusted_carriers`, sealed at set-up).
    #[serde(default)]
    pub carriers: Vec<PublicKey>,
    /// Keys that sign list bundles.
    #[serde(default)]
    pub lists: Vec<PublicKey>,
    /// Keys that sign directory bundles.
    #[serde(default)]
    pub directory: Vec<PublicKey>,
}

impl PinnedKeys {
    /// The pinned keys of `role`.
    pub fn of(&self, role: KeyRole) -> &[PublicKey] {
        match role {
            KeyRole::Carrier => &self.carriers,
            KeyRole::Lists => &self.lists,
            KeyRole::Directory => &self.directory,
        }
    }
}

/// Why a trust document or a rotation was not installed, or the ring could not be read. Nothing
/// changed.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// No root key is configured, so no trust document can be checked.
    #[error("no root key is configured: trust documents cannot be checked")]
    NoRootKey,
    /// Malformed, not signed by a key trusted to sign it (a root for a document; for a rotation,
    /// a carrier key trusted now: not revoked, expired or retired), or inconsistent.
    #[error(transparent)]
    Document(#[from] KeyDocumentError),
    /// The trust document's version is not above the one in force.
    #[error(
        "the trust document is not newer than the one in force (v{current}, offered v{offered})"
    )]
    NotNewer {
        /// The version in force.
        current: u64,
        /// The version offered.
        offered: u64,
    },
    /// The trust document or rotation has expired on trusted time.
    #[error("the key document has expired")]
    Expired,
    /// The rotation is signed by a carrier key delegated for another carrier.
    #[error("the rotation's key does not sign for the carrier it names")]
    WrongCarrier,
    /// The rotation moves to a key already known: trusted now, retired or revoked.
    #[error("the rotation's new key is already known (in use, retired or revoked)")]
    KeyNotNew,
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What installing a rotation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RotationInstalled {
    /// The new key now signs for the carrier; the old one is retired.
    New,
    /// This very rotation was installed before (the line documents bring it at every sync).
    AlreadyInForce,
}

/// The key ring in `store`, over the keys the handset maker pinned.
#[derive(Clone, Copy)]
pub struct KeyRing<'a> {
    store: &'a dyn Store,
    pinned: &'a PinnedKeys,
}

/// What the ring keeps: the document in force, every key ever revoked, every rotation.
#[derive(Debug, Default, Serialize, Deserialize)]
struct RingState {
    #[serde(default)]
    document: Option<TrustDocument>,
    #[serde(default)]
    revoked: Vec<PublicKey>,
    #[serde(default)]
    rotations: Vec<KeyRotation>,
}

impl<'a> KeyRing<'a> {
    /// The ring kept in `store`, over `pinned`.
    pub fn new(store: &'a dyn Store, pinned: &'a PinnedKeys) -> Self {
        KeyRing { store, pinned }
    }

    /// Installs a root-signed trust document (the `keys` bundle) and returns its version. Refused,
    /// changing nothing, unless a pinned root signed it, its version is above the one in force
    /// and it has not expired on the trusted time `clock` advances to.
    pub fn install_trust_document(
        &self,
        bytes: &[u8],
        clock: ClockReading,
    ) -> Result<u64, TrustError> {
        if self.pinned.roots.is_empty() {
            return Err(TrustError::NoRootKey);
        }
        let (now, mut batch) = advance_trusted_clock(self.store, clock)?;
        let mut state = self.state()?;
        let document = TrustDocument::open(bytes, &self.pinned.roots)?;
        if let Some(current) = state.document.as_ref().map(|held| held.version) {
            if document.version <= current {
                return Err(TrustError::NotNewer {
                    current,
                    offered: document.version,
                });
            }
        }
        if document.expires_at <= now.unix_secs() {
            return Err(TrustError::Expired);
        }
        for key in &document.revoked {
            if !state.revoked.contains(key) {
                state.revoked.push(*key);
            }
        }
        let version = document.version;
        state.document = Some(document);
        put_json(&mut batch, keys::RING, &state)?;
        self.store.apply(batch)?;
        Ok(version)
    }

    /// Installs a carrier's key rotation. Refused, changing nothing, unless the key it retires is
    /// trusted now for the carrier it names, it has not expired on the trusted time `clock`
    /// advances to, and its new key is one the ring has never seen.
    pub fn install_rotation(
        &self,
        bytes: &[u8],
        clock: ClockReading,
    ) -> Result<RotationInstalled, TrustError> {
        let (now, mut batch) = advance_trusted_clock(self.store, clock)?;
        let now = now.unix_secs();
        let mut state = self.state()?;
        // A rotation already installed was signed by a key now retired: recognised, not applied.
        let retired: Vec<PublicKey> = state.rotations.iter().map(|r| r.old_key).collect();
        if let Ok(known) = KeyRotation::open(bytes, &retired) {
            if state.rotations.contains(&known) {
                return Ok(RotationInstalled::AlreadyInForce);
            }
        }
        let carriers = state.keys(self.pinned, KeyRole::Carrier, Some(now));
        let trusted: Vec<PublicKey> = carriers.iter().map(|trusted| trusted.key).collect();
        let rotation = KeyRotation::open(bytes, &trusted)?;
        if !carriers
            .iter()
            .any(|signer| signer.key == rotation.old_key && signer.may_sign_for(&rotation.carrier))
        {
            return Err(TrustError::WrongCarrier);
        }
        if rotation.expires_at <= now {
            return Err(TrustError::Expired);
        }
        if state.knows(self.pinned, &rotation.new_key) {
            return Err(TrustError::KeyNotNew);
        }
        state.rotations.push(rotation);
        put_json(&mut batch, keys::RING, &state)?;
        self.store.apply(batch)?;
        Ok(RotationInstalled::New)
    }

    /// The keys trusted for `role` at `now_unix` (trusted time), to check a new document with:
    /// pinned keys first (carrier `None`), then delegated and rotated-to keys.
    pub fn keys_for(&self, role: KeyRole, now_unix: u64) -> Result<Vec<TrustedKey>, TrustError> {
        Ok(self.state()?.keys(self.pinned, role, Some(now_unix)))
    }

    /// [`Self::keys_for`] at the trusted time `clock` advances to (the clock's advance is kept).
    pub fn keys_at(
        &self,
        role: KeyRole,
        clock: ClockReading,
    ) -> Result<Vec<TrustedKey>, TrustError> {
        let now = trusted_now(self.store, clock)?;
        self.keys_for(role, now.unix_secs())
    }

    /// The keys whose documents already in force stay in force: those of [`Self::keys_for`]
    /// without judging expiry, as a bundle installed while its key held stays in force however
    /// long the phone is offline. Revoked and retired keys are still left out.
    pub fn keys_to_restore(&self, role: KeyRole) -> Result<Vec<TrustedKey>, TrustError> {
        Ok(self.state()?.keys(self.pinned, role, None))
    }

    /// The keys the handset maker pinned, which the ring stands on.
    pub fn pinned(&self) -> &'a PinnedKeys {
        self.pinned
    }

    /// The version of the trust document in force, if one was installed.
    pub fn document_version(&self) -> Result<Option<u64>, TrustError> {
        Ok(self.state()?.document.map(|document| document.version))
    }

    fn state(&self) -> Result<RingState, StoreError> {
        Ok(get_json(self.store, keys::RING)?.unwrap_or_default())
    }
}

impl RingState {
    /// The keys of `role` under the rules in the module's comment, at `now` (trusted time), or
    /// whatever their expiry with `None`.
    fn keys(&self, pinned: &PinnedKeys, role: KeyRole, now: Option<u64>) -> Vec<TrustedKey> {
        let holds = |expires_at: u64| now.is_none_or(|now| expires_at > now);
        let origins = pinned
            .of(role)
            .iter()
            .map(|key| (TrustedKey::pinned(*key), u64::MAX))
            .chain(self.delegations(role).map(|delegation| {
                let key = TrustedKey {
                    key: delegation.key,
                    carrier: delegation.carrier.clone(),
                };
                (key, delegation.expires_at)
            }));
        let mut trusted: Vec<TrustedKey> = Vec::new();
        for (origin, expires_at) in origins {
            // Only carriers rotate their keys; a key of another role that a rotation retired
            // (it was a carrier key too) is retired for every role.
            let followed = match role {
                KeyRole::Carrier => self.follow_rotations(origin, expires_at),
                KeyRole::Lists | KeyRole::Directory => (!self.revoked.contains(&origin.key)
                    && !self.retired(&origin.key))
                .then_some((origin, expires_at)),
            };
            let Some((key, expires_at)) = followed else {
                continue;
            };
            if holds(expires_at) && !trusted.contains(&key) {
                trusted.push(key);
            }
        }
        trusted
    }

    /// Where the rotations from `key` lead: the last key of the chain with its expiry, or `None`
    /// if a key of the chain is revoked or the chain ends on a retired key (a rotation for
    /// another carrier).
    fn follow_rotations(
        &self,
        mut key: TrustedKey,
        mut expires_at: u64,
    ) -> Option<(TrustedKey, u64)> {
        // Every rotation retires its old key, which no later rotation may take up again, so a
        // chain is at most as long as the rotations kept; the bound only guards against a
        // damaged store.
        for _ in 0..=self.rotations.len() {
            if self.revoked.contains(&key.key) {
                return None;
            }
            let Some(next) = self.rotations.iter().find(|r| r.old_key == key.key) else {
                return Some((key, expires_at));
            };
            if !key.may_sign_for(&next.carrier) {
                return None;
            }
            key = TrustedKey {
                key: next.new_key,
                carrier: Some(next.carrier.clone()),
            };
            expires_at = expires_at.min(next.expires_at);
        }
        None
    }

    /// Whether a rotation retired `key`.
    fn retired(&self, key: &PublicKey) -> bool {
        self.rotations
            .iter()
            .any(|rotation| &rotation.old_key == key)
    }

    /// The delegations of `role` in the document in force.
    fn delegations(&self, role: KeyRole) -> impl Iterator<Item = &Delegation> {
        self.document
            .iter()
            .flat_map(|document| &document.delegations)
            .filter(move |delegation| delegation.role == role)
    }

    /// Whether `key` is pinned, delegated, rotated to, retired or revoked: a rotation may only
    /// move to a key the ring has never seen, so that no chain can loop or join another.
    fn knows(&self, pinned: &PinnedKeys, key: &PublicKey) -> bool {
        let pinned = [
            &pinned.roots,
            &pinned.carriers,
            &pinned.lists,
            &pinned.directory,
        ]
        .into_iter()
        .any(|keys| keys.contains(key));
        let delegated = self
            .document
            .iter()
            .flat_map(|document| &document.delegations)
            .any(|delegation| &delegation.key == key);
        let rotated = self
            .rotations
            .iter()
            .any(|rotation| &rotation.old_key == key || &rotation.new_key == key);
        pinned || delegated || rotated || self.revoked.contains(key)
    }
}
