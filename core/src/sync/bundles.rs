//! Signed bundles fetched from the backend and applied on the phone, each with the same checks
//! a bundle loaded any other way gets: the signature of a trusted key, a version above the one
//! in force (never back), the expiry on trusted time, and a size cap per kind. A refused bundle
//! changes nothing; the one in force stays.
//!
//! - lists: a compiled filter bundle, kept by the [`ListsStore`] and put in force in a new filter;
//! - policy: a carrier activation profile, applied through safe mode;
//! - directory: the country directory of emergency numbers and helplines.
//!
//! What was applied comes back typed, as each bundle's [`BundleKind`] and version; what was
//! refused, as a [`BundleRefusal`] saying which kind and why.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::client::{BundleFetch, SyncClient, SyncError};
use super::lists_store::{InstalledLists, ListsError, ListsStore};
use crate::crypto::PublicKey;
use crate::filter::decision::UrlFilter;
use crate::protocol::wire::BundleKind;
use crate::reports::directory::{self, DirectoryError};
use crate::settings::{SafeMode, SafeModeError};

use crate::store::{Store, WriteBatch, get_json, put_json};
use crate::time::ClockReading;

/// Largest list bundle the phone downloads.
pub const MAX_LISTS_BYTES: usize = 32 * 1024 * 1024;
/// Largest policy (activation profile) the phone downloads.
pub const MAX_POLICY_BYTES: usize = 64 * 1024;

/// Store keys of this module.
mod keys {
    pub(super) fn etag(kind: &str) -> Vec<u8> {
        [b"sync/etag/".as_slice(), kind.as_bytes()].concat()
    }
}

/// The keys bundles must be signed with (policy bundles use safe mode's trusted carriers).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleTrust {
    /// Keys that sign list bundles.
    #[serde(default)]
    pub lists: Vec<PublicKey>,
    /// Keys that sign directory bundles.
    #[serde(default)]
    pub directory: Vec<PublicKey>,
}

/// A bundle now in force: its kind and version. Shown as `lists v2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppliedBundle {
    /// Which bundle.
    pub kind: BundleKind,
    /// Its version (for a policy, the activation profile's sequence number).
    pub version: u64,
}

impl fmt::Display for AppliedBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} v{}", self.kind.as_str(), self.version)
    }
}

/// Why a bundle was not applied.
#[derive(Debug, thiserror::Error)]
pub enum BundleRefused {
    /// It could not be fetched.
    #[error(transparent)]
    Fetch(#[from] SyncError),
    /// The list bundle was refused or could not be kept.
    #[error(transparent)]
    Lists(#[from] ListsError),
    /// Safe mode refused the policy (activation profile).
    #[error(transparent)]
    Policy(#[from] SafeModeError),
    /// The directory update was refused.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

/// A bundle of one kind not applied, and why. Shown as `lists: why`.
#[derive(Debug)]
pub struct BundleRefusal {
    /// Which bundle.
    pub kind: BundleKind,
    /// Why.
    pub error: BundleRefused,
}

impl fmt::Display for BundleRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.error)
    }
}

/// What fetching the bundles did.
#[derive(Default)]
pub struct BundlesApplied {
    /// The bundles applied, in the order of [`BundleKind::ALL`].
    pub applied: Vec<AppliedBundle>,
    /// The kinds refused or not fetched, with why.
    pub refused: Vec<BundleRefusal>,
    /// When a list bundle was applied: a filter with it in force, to replace the one in use.
    pub lists: Option<UrlFilter>,
}

impl fmt::Debug for BundlesApplied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BundlesApplied")
            .field("applied", &self.applied)
            .field("refused", &self.refused)
            .field("lists", &self.lists.as_ref().map(UrlFilter::bundle_version))
            .finish()
    }
}

/// Fetches every kind of bundle and applies those that changed.
pub async fn fetch_and_apply<S: Store>(
    client: &SyncClient,
    safe_mode: &SafeMode<S>,
    trust: &BundleTrust,
    clock: &(dyn Fn() -> ClockReading + Send + Sync),
) -> BundlesApplied {
    let store: &dyn Store = safe_mode.store();
    let mut outcome = BundlesApplied::default();
    for kind in BundleKind::ALL {
        let cap = match kind {
            BundleKind::Lists => MAX_LISTS_BYTES,
            // The trust document's installation comes with the key ring.
            BundleKind::Keys => continue,
            BundleKind::Directory => directory::MAX_BUNDLE_BYTES,
        };
        let etag_key = keys::etag(kind.as_str());
        let held: Option<String> = get_json(store, &etag_key).ok().flatten();
        let (bytes, etag) = match client.fetch_bundle(kind, held.as_deref(), cap).await {
            Ok(BundleFetch::Fetched { bytes, etag }) => (bytes, etag),
            Ok(BundleFetch::NotModified | BundleFetch::NotFound) => continue,
            Err(error) => {
                outcome.refused.push(BundleRefusal {
                    kind,
                    error: error.into(),
                });
                continue;
            }
        };
        let applied: Result<u64, BundleRefused> = match kind {
            BundleKind::Lists => ListsStore::new(store, &trust.lists)
                .install(bytes, clock())
                .map(|InstalledLists { version, filter }| {
                    outcome.lists = Some(filter);
                    version
                })
                .map_err(Into::into),
            BundleKind::Keys => continue,
            BundleKind::Directory => {
                directory::apply_update(store, &bytes, &trust.directory, clock())
                    .map_err(Into::into)
            }
        };
        match applied {
            Ok(version) => {
                outcome.applied.push(AppliedBundle { kind, version });
                remember_etag(store, &etag_key, etag);
            }
            Err(error) => outcome.refused.push(BundleRefusal { kind, error }),
        }
    }
    outcome
}

/// Keeps the ETag of an applied bundle so the next fetch can be answered 304. Losing it only
/// costs one download, so a failure here is not an error.
fn remember_etag(store: &dyn Store, key: &[u8], etag: Option<String>) {
    let Some(etag) = etag else { return };
    let mut batch = WriteBatch::new();
    if put_json(&mut batch, key, &etag).is_ok() {
        let _ = store.apply(batch);
    }
}
