//! Signed bundles fetched from the backend and applied on the phone, each with the same checks
//! a bundle loaded any other way gets: the signature of a trusted key, a version above the one
//! in force (never back), the expiry on trusted time, and a size cap per kind. A refused bundle
//! changes nothing; the one in force stays.
//!
//! - lists: a compiled filter bundle, kept in the store for the filter to load;
//! - policy: a carrier activation profile, applied through safe mode;
//! - directory: the country directory of emergency numbers and helplines.

use serde::{Deserialize, Serialize};

use super::client::{BundleFetch, SyncClient};
use super::wire::BundleKind;
use crate::crypto::PublicKey;
use crate::filter::bundle::ListBundle;
use crate::reports::directory;
use crate::settings::SafeMode;
use crate::store::{Store, WriteBatch, get_json, put_json};
use crate::time::{ClockReading, advance_trusted_clock};

/// Largest list bundle the phone downloads.
pub const MAX_LISTS_BYTES: usize = 32 * 1024 * 1024;
/// Largest policy (activation profile) the phone downloads.
pub const MAX_POLICY_BYTES: usize = 64 * 1024;

/// Store keys of this module.
mod keys {
    pub(super) const LISTS_BUNDLE: &[u8] = b"sync/bundle/lists";
    pub(super) const LISTS_VERSION: &[u8] = b"sync/bundle/lists-version";
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

/// What fetching the bundles did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BundlesApplied {
    /// The kinds applied, each with its new version, for the sync summary.
    pub applied: Vec<String>,
    /// The kinds applied.
    pub kinds: Vec<BundleKind>,
    /// The kinds refused or not fetched, with why.
    pub refused: Vec<String>,
}

/// The list bundle in force from sync, if any: the bytes for [`ListBundle::open`].
pub fn stored_lists(store: &dyn Store) -> Result<Option<Vec<u8>>, crate::store::StoreError> {
    store.get(keys::LISTS_BUNDLE)
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
            BundleKind::Policy => MAX_POLICY_BYTES,
            BundleKind::Directory => directory::MAX_BUNDLE_BYTES,
        };
        let etag_key = keys::etag(kind.as_str());
        let held: Option<String> = get_json(store, &etag_key).ok().flatten();
        let (bytes, etag) = match client.fetch_bundle(kind, held.as_deref(), cap).await {
            Ok(BundleFetch::Fetched { bytes, etag }) => (bytes, etag),
            Ok(BundleFetch::NotModified | BundleFetch::NotFound) => continue,
            Err(error) => {
                outcome.refused.push(format!("{}: {error}", kind.as_str()));
                continue;
            }
        };
        let applied = match kind {
            BundleKind::Lists => apply_lists(store, bytes, &trust.lists, clock()),
            BundleKind::Policy => safe_mode
                .activate(&bytes, clock())
                .map(|profile| profile.sequence)
                .map_err(|error| error.to_string()),
            BundleKind::Directory => {
                directory::apply_update(store, &bytes, &trust.directory, clock())
                    .map_err(|error| error.to_string())
            }
        };
        match applied {
            Ok(version) => {
                outcome
                    .applied
                    .push(format!("{} v{version}", kind.as_str()));
                outcome.kinds.push(kind);
                remember_etag(store, &etag_key, etag);
            }
            Err(why) => outcome.refused.push(format!("{}: {why}", kind.as_str())),
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

/// Opens a list bundle (signature, format, expiry on trusted time) and keeps it if its version
/// is above the one in force.
pub fn apply_lists(
    store: &dyn Store,
    bytes: Vec<u8>,
    trusted: &[PublicKey],
    clock: ClockReading,
) -> Result<u64, String> {
    let (now, mut batch) = advance_trusted_clock(store, clock).map_err(|e| e.to_string())?;
    let opened = ListBundle::open(bytes, trusted, now.unix_secs()).map_err(|e| e.to_string())?;
    let in_force: Option<u64> = get_json(store, keys::LISTS_VERSION).map_err(|e| e.to_string())?;
    if in_force.is_some_and(|current| opened.version() <= current) {
        return Err(format!(
            "list bundle version {} is not newer than {} in force",
            opened.version(),
            in_force.unwrap_or_default()
        ));
    }
    batch.put(keys::LISTS_BUNDLE, opened.as_bytes());
    put_json(&mut batch, keys::LISTS_VERSION, &opened.version()).map_err(|e| e.to_string())?;
    store.apply(batch).map_err(|e| e.to_string())?;
    Ok(opened.version())
}
