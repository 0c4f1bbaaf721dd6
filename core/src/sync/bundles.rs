//! Signed bundles fetched from the backend and applied on the phone, each with the same checks
//! a bundle loaded any other way gets: the signature of a trusted key, a version above the one
//! in force (never back), the expiry on trusted time, and a size cap per kind. A refused bundle
//! changes nothing; the one in force stays.
//!
//! - keys: the root-signed trust document, installed in the [`KeyRing`];
//! - lists: a compiled filter bundle, kept by the [`ListsStore`] and put in force in a new filter;
//! - directory: the country directory of emergency numbers and helplines.
//!
//! They are applied in that order, so that the keys a trust document delegates or revokes judge
//! the lists and directory of the same sync. Lists and directory are checked against the keys the
//! ring trusts for their role at that moment of trusted time; a ring that cannot be read refuses
//! them.
//!
//! What was applied comes back typed, as each bundle's [`BundleKind`] and version; what was
//! refused, as a [`BundleRefusal`] saying which kind and why.

use std::fmt;

use super::client::{BundleFetch, SyncClient, SyncError};
use super::lists_store::{InstalledLists, ListsError, ListsStore};
use crate::filter::decision::UrlFilter;
use crate::protocol::keys::{KeyRole, MAX_TRUST_DOCUMENT_BYTES};
use crate::protocol::wire::BundleKind;
use crate::reports::directory::{self, DirectoryError};
use crate::settings::SafeMode;
use crate::store::{Store, WriteBatch, get_json, put_json};
use crate::time::ClockReading;
use crate::trust::{KeyRing, PinnedKeys, TrustError, public_keys};

/// Largest list bundle the phone downloads.
pub const MAX_LISTS_BYTES: usize = 32 * 1024 * 1024;

/// Store keys of this module.
mod keys {
    pub(super) fn etag(kind: &str) -> Vec<u8> {
        [b"sync/etag/".as_slice(), kind.as_bytes()].concat()
    }
}

/// A bundle now in force: its kind and version. Shown as `lists v2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppliedBundle {
    /// Which bundle.
    pub kind: BundleKind,
    /// Its version.
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
    /// The trust document was refused, or the key ring could not be read to check a bundle.
    #[error(transparent)]
    Keys(#[from] TrustError),
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

/// Fetches every kind of bundle and applies those that changed, checked against the key ring
/// over the `pinned` keys.
pub async fn fetch_and_apply<S: Store>(
    client: &SyncClient,
    safe_mode: &SafeMode<S>,
    pinned: &PinnedKeys,
    clock: &(dyn Fn() -> ClockReading + Send + Sync),
) -> BundlesApplied {
    let store: &dyn Store = safe_mode.store();
    let ring = KeyRing::new(store, pinned);
    let mut outcome = BundlesApplied::default();
    for kind in BundleKind::ALL {
        let cap = match kind {
            BundleKind::Keys => MAX_TRUST_DOCUMENT_BYTES,
            BundleKind::Lists => MAX_LISTS_BYTES,
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
            BundleKind::Keys => ring
                .install_trust_document(&bytes, clock())
                .map_err(Into::into),
            BundleKind::Lists => install_lists(&ring, store, bytes, clock).map(
                |InstalledLists { version, filter }| {
                    outcome.lists = Some(filter);
                    version
                },
            ),
            BundleKind::Directory => apply_directory(&ring, store, &bytes, clock),
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

/// Installs a list bundle signed by a key the ring trusts for lists now.
fn install_lists(
    ring: &KeyRing<'_>,
    store: &dyn Store,
    bytes: Vec<u8>,
    clock: &(dyn Fn() -> ClockReading + Send + Sync),
) -> Result<InstalledLists, BundleRefused> {
    let trusted = public_keys(&ring.keys_at(KeyRole::Lists, clock())?);
    Ok(ListsStore::new(store, &trusted).install(bytes, clock())?)
}

/// Applies a directory bundle signed by a key the ring trusts for the directory now.
fn apply_directory(
    ring: &KeyRing<'_>,
    store: &dyn Store,
    bytes: &[u8],
    clock: &(dyn Fn() -> ClockReading + Send + Sync),
) -> Result<u64, BundleRefused> {
    let trusted = public_keys(&ring.keys_at(KeyRole::Directory, clock())?);
    Ok(directory::apply_update(store, bytes, &trusted, clock())?)
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
