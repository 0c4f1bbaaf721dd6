//! The list bundle kept on the phone, over a real sealed sled store: a bundle installs once it
//! opens against trusted time and is newer than the one in force; a restart puts it back; the
//! version floor holds even when the stored bundle no longer opens; and a store that cannot be
//! written is reported as the store's failure, not as a refused bundle, with nothing changed.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod reports_support;

use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::bundle::{BundleBuilder, BundleError, ListKind};
use childsafe_core::store::{Entry, Store, StoreError, WriteBatch};
use childsafe_core::sync::lists_store::{ListsError, ListsStore};
use reports_support::{Device, T0, at};

const DAY: u64 = 24 * 3600;

/// A signed list bundle of `version`, valid for a month from `T0`.
fn bundle(key: &SigningKey, version: u64) -> Vec<u8> {
    let mut builder = BundleBuilder::new(version, T0 + 30 * DAY);
    builder
        .add_domains(
            "gambling",
            ListKind::Category,
            vec!["casino.example".to_owned()],
        )
        .unwrap();
    builder.sign(key).unwrap()
}

/// A store whose reads work and whose every write fails, as a full disk would.
struct WritesFail<S>(S);

impl<S: Store> Store for WritesFail<S> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.get(key)
    }

    fn apply(&self, _batch: WriteBatch) -> Result<(), StoreError> {
        Err(StoreError::Io(std::io::Error::other("no space left")))
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, StoreError> {
        self.0.scan_prefix(prefix)
    }
}

#[test]
fn a_newer_bundle_installs_and_comes_back_after_a_restart_an_older_one_is_refused() {
    let device = Device::new("lists-install");
    let (key, _) = SigningKey::generate().unwrap();
    let trusted = [key.public_key()];
    let store = device.store();
    let lists = ListsStore::new(&store, &trusted);

    let installed = lists.install(bundle(&key, 2), at(T0)).unwrap();
    assert_eq!(installed.version, 2);
    assert_eq!(installed.filter.bundle_version(), Some(2));
    let held = lists.stored().unwrap().unwrap();

    assert!(matches!(
        lists.install(bundle(&key, 1), at(T0 + 1)),
        Err(ListsError::Refused(BundleError::NotNewer {
            current: 2,
            offered: 1
        }))
    ));
    assert!(matches!(
        lists.install(bundle(&key, 2), at(T0 + 2)),
        Err(ListsError::Refused(BundleError::NotNewer { .. }))
    ));
    assert_eq!(lists.stored().unwrap().unwrap(), held);
    drop(store);

    // A restart long after expiry: the lists in force stay in force.
    let store = device.store();
    let restored = ListsStore::new(&store, &trusted).restore();
    assert!(restored.failure.is_none());
    assert_eq!(restored.filter.bundle_version(), Some(2));
    assert!(!restored.filter.lists_unavailable());
    assert_eq!(
        restored
            .filter
            .lists_status(T0 + 365 * DAY)
            .out_of_date_since,
        Some(T0 + 30 * DAY)
    );
}

#[test]
fn an_expired_or_untrusted_bundle_is_refused_and_nothing_is_kept() {
    let device = Device::new("lists-refused");
    let (key, _) = SigningKey::generate().unwrap();
    let (stranger, _) = SigningKey::generate().unwrap();
    let trusted = [key.public_key()];
    let store = device.store();
    let lists = ListsStore::new(&store, &trusted);

    assert!(matches!(
        lists.install(bundle(&key, 1), at(T0 + 31 * DAY)),
        Err(ListsError::Refused(_))
    ));
    assert!(matches!(
        lists.install(bundle(&stranger, 1), at(T0 + 31 * DAY)),
        Err(ListsError::Refused(_))
    ));
    assert_eq!(lists.stored().unwrap(), None);
    let restored = lists.restore();
    assert!(restored.failure.is_none());
    assert_eq!(restored.filter.bundle_version(), None);
}

#[test]
fn the_version_floor_holds_when_the_stored_bundle_no_longer_opens() {
    let device = Device::new("lists-floor");
    let (old_key, _) = SigningKey::generate().unwrap();
    let (new_key, _) = SigningKey::generate().unwrap();
    let store = device.store();
    ListsStore::new(&store, &[old_key.public_key()])
        .install(bundle(&old_key, 5), at(T0))
        .unwrap();

    // An app update trusts another key: the stored bundle does not open, the filter fails
    // closed, and a replayed bundle below the version once in force is still refused.
    let trusted = [new_key.public_key()];
    let lists = ListsStore::new(&store, &trusted);
    let restored = lists.restore();
    assert!(matches!(restored.failure, Some(ListsError::Refused(_))));
    assert!(restored.filter.lists_unavailable());
    assert!(matches!(
        lists.install(bundle(&new_key, 4), at(T0 + 1)),
        Err(ListsError::Refused(BundleError::NotNewer {
            current: 5,
            offered: 4
        }))
    ));
    assert_eq!(
        lists
            .install(bundle(&new_key, 6), at(T0 + 2))
            .unwrap()
            .version,
        6
    );
}

#[test]
fn a_store_that_cannot_be_written_is_a_store_failure_not_a_refusal() {
    let device = Device::new("lists-store-fails");
    let (key, _) = SigningKey::generate().unwrap();
    let trusted = [key.public_key()];
    let store = WritesFail(device.store());
    let lists = ListsStore::new(&store, &trusted);

    assert!(matches!(
        lists.install(bundle(&key, 1), at(T0)),
        Err(ListsError::Store(StoreError::Io(_)))
    ));
    assert_eq!(lists.stored().unwrap(), None);
    // A refused bundle is still a refusal, whatever the store would have done.
    let (stranger, _) = SigningKey::generate().unwrap();
    assert!(matches!(
        lists.install(bundle(&stranger, 1), at(T0)),
        Err(ListsError::Refused(_))
    ));
}
