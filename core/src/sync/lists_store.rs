//! The list bundle kept on the phone: the only code that stores, opens and restores it, whether
//! it came from a sync or from the app ([`ChildSafe::install_list_bundle`]).
//!
//! A new bundle is opened once, into the filter that will use it: its signature, structure and
//! expiry are checked there, against trusted time. It is kept only if its version is above the
//! one in force ([`require_newer`], the one rollback rule), and the trusted clock's advance, the
//! bundle and its version are written in one batch. The version is kept apart from the bundle so
//! that the floor holds even when the stored bundle no longer opens (a trusted key changed in an
//! app update). A stored bundle is restored with every check but its expiry, so lists in force
//! stay in force across restarts, however long the phone was offline or wherever its clock was
//! moved; one that cannot be read or opened leaves the filter failing closed.
//!
//! It lives in `sync/`, beside the other signed bundles, because it needs the filter, the store
//! and the trusted clock together: `sync` already stands on all three, and both the sync run and
//! the facade above it reach it without a new edge between core's modules, while `filter/` stays
//! free of storage and time.
//!
//! [`ChildSafe::install_list_bundle`]: crate::ChildSafe::install_list_bundle

use crate::crypto::PublicKey;
use crate::filter::bundle::{BundleError, require_newer};
use crate::filter::decision::UrlFilter;
use crate::store::{Store, StoreError, get_json, put_json};
use crate::time::{ClockReading, advance_trusted_clock};

/// Store keys of this module. Their names predate it (the sync module kept them), so a phone
/// updated from an earlier build keeps its lists.
mod keys {
    /// The bundle in force, as signed.
    pub(super) const LISTS_BUNDLE: &[u8] = b"sync/bundle/lists";
    /// The version of the bundle in force (JSON), which new bundles must exceed.
    pub(super) const LISTS_VERSION: &[u8] = b"sync/bundle/lists-version";
}

/// Why a list bundle was not installed. Nothing changed, in the store or in the filter.
#[derive(Debug, thiserror::Error)]
pub enum ListsError {
    /// The bundle is not signed by a trusted key, is damaged, has expired on trusted time, or is
    /// not newer than the one in force.
    #[error(transparent)]
    Refused(#[from] BundleError),
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A list bundle just installed: its version, and a filter with it in force to replace the one
/// in use.
pub struct InstalledLists {
    /// The version now in force.
    pub version: u64,
    /// A filter trusting the store's keys, with the new bundle in force.
    pub filter: UrlFilter,
}

/// What [`ListsStore::restore`] found: the filter to use, and why the stored bundle could not be
/// put back in force, if it could not (the filter then blocks every web address).
pub struct RestoredLists {
    /// A filter with the stored bundle in force, or without one.
    pub filter: UrlFilter,
    /// Why the stored bundle is not in force, when there is one.
    pub failure: Option<ListsError>,
}

/// The list bundle in `store`, opened with the keys in `trusted`.
#[derive(Clone, Copy)]
pub struct ListsStore<'a> {
    store: &'a dyn Store,
    trusted: &'a [PublicKey],
}

impl<'a> ListsStore<'a> {
    /// The lists kept in `store`, signed by any of `trusted`.
    pub fn new(store: &'a dyn Store, trusted: &'a [PublicKey]) -> Self {
        ListsStore { store, trusted }
    }

    /// Opens `bytes` against the trusted time `clock` advances to, and keeps it if it is newer
    /// than the bundle in force. On any error nothing is written and the lists in force stay.
    pub fn install(
        &self,
        bytes: Vec<u8>,
        clock: ClockReading,
    ) -> Result<InstalledLists, ListsError> {
        let (now, mut batch) = advance_trusted_clock(self.store, clock)?;
        // The batch keeps its own copy; it is written only once the bundle has passed.
        batch.put(keys::LISTS_BUNDLE, &bytes);
        let mut filter = UrlFilter::new(self.trusted.to_vec());
        let version = filter.install_bundle(bytes, now.unix_secs())?;
        require_newer(get_json(self.store, keys::LISTS_VERSION)?, version)?;
        put_json(&mut batch, keys::LISTS_VERSION, &version)?;
        self.store.apply(batch)?;
        Ok(InstalledLists { version, filter })
    }

    /// A filter with the stored bundle back in force, checked for everything but its expiry. A
    /// phone that never had a bundle gets a filter without one (the built-in rules only); a
    /// stored bundle that cannot be read or opened gives a filter that blocks every web address.
    pub fn restore(&self) -> RestoredLists {
        let mut filter = UrlFilter::new(self.trusted.to_vec());
        let failure = match self.store.get(keys::LISTS_BUNDLE) {
            Ok(None) => None,
            Ok(Some(bytes)) => filter.restore_bundle(bytes).err().map(ListsError::from),
            Err(error) => {
                filter.lists_lost();
                Some(error.into())
            }
        };
        RestoredLists { filter, failure }
    }

    /// The bytes of the bundle in force, as signed, if one was installed.
    pub fn stored(&self) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.get(keys::LISTS_BUNDLE)
    }
}
