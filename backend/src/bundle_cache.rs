//! The bundles the server answers with, each held once in memory with its ETag: a fetch of a
//! bundle of up to 32 MiB neither copies nor hashes it, whatever the number of clients reading
//! it at once. Storage stays the truth every replica shares; this is only the copy served.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use childsafe_crypto as crypto;
use childsafe_protocol::wire::BundleKind;

use crate::error::{ApiError, ApiResult};
use crate::storage::Storage;

/// The bundles served, each held once in memory with its ETag, so that a fetch neither copies
/// nor hashes a bundle of up to 32 MiB: it checks the stored version (a few bytes) and answers
/// from the copy held here. A version's bytes never change (a new upload needs a higher
/// version), so a held copy is right for as long as its version is the one stored; one newer
/// than storage says (another replica uploaded it meanwhile) is served too, since versions only
/// go up.
#[derive(Default)]
pub(crate) struct BundleCache {
    by_kind: Mutex<HashMap<BundleKind, Arc<ServedBundle>>>,
    /// Held while a version is loaded and hashed, so that requests arriving meanwhile wait for
    /// that one load instead of each making their own.
    loading: tokio::sync::Mutex<()>,
}

/// A bundle as served.
#[derive(Debug)]
pub(crate) struct ServedBundle {
    /// The bundle's own version.
    pub(crate) version: u64,
    /// Unix seconds.
    pub(crate) expires_at: u64,
    /// The signed bytes, shared by every answer.
    pub(crate) bytes: Bytes,
    /// The strong ETag of the bytes.
    pub(crate) etag: String,
}

impl BundleCache {
    /// The bundle served for `kind` now, loading it from `storage` when its version is not
    /// held; `None` when none is stored.
    pub(crate) async fn served(
        &self,
        storage: &dyn Storage,
        kind: BundleKind,
    ) -> ApiResult<Option<Arc<ServedBundle>>> {
        let Some(stored) = storage.bundle_version(kind).await? else {
            return Ok(None);
        };
        if let Some(held) = self.held(kind, stored.version) {
            return Ok(Some(held));
        }
        let _loading = self.loading.lock().await;
        if let Some(held) = self.held(kind, stored.version) {
            return Ok(Some(held));
        }
        let Some(bundle) = storage.bundle(kind).await? else {
            return Ok(None);
        };
        let bytes = bundle.bytes.clone();
        // Hashing 32 MiB takes tens of milliseconds: not on a thread that serves requests.
        let etag = tokio::task::spawn_blocking(move || etag_of(&bytes))
            .await
            .map_err(|_| ApiError::internal("hashing a bundle failed"))?;
        let served = Arc::new(ServedBundle {
            version: bundle.version,
            expires_at: bundle.expires_at,
            bytes: bundle.bytes,
            etag,
        });
        self.lock().insert(kind, Arc::clone(&served));
        Ok(Some(served))
    }

    /// The held bundle of `kind` if it is version `version` or newer.
    fn held(&self, kind: BundleKind, version: u64) -> Option<Arc<ServedBundle>> {
        self.lock()
            .get(&kind)
            .filter(|held| held.version >= version)
            .cloned()
    }

    /// An entry is replaced whole under the lock, so a poisoned lock still holds whole
    /// entries.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<BundleKind, Arc<ServedBundle>>> {
        self.by_kind.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A strong ETag: the SHA-256 of the bytes in lowercase hex, quoted.
pub(crate) fn etag_of(bytes: &[u8]) -> String {
    format!("\"{}\"", crypto::hex(&crypto::sha256_of_parts(&[bytes])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock;
    use crate::storage::sled::SledStorage;
    use crate::storage::{BundleStore, StoredBundle};

    fn lists(version: u64, fill: u8) -> StoredBundle {
        StoredBundle {
            kind: BundleKind::Lists,
            version,
            expires_at: clock::unix_now() + 3600,
            bytes: Bytes::from(vec![fill; 1024 * 1024]),
        }
    }

    #[tokio::test]
    async fn every_fetch_shares_the_one_copy_held_until_a_new_version() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SledStorage::open(dir.path()).unwrap();
        storage.put_bundle(lists(1, 1)).await.unwrap();
        let cache = BundleCache::default();

        let first = cache.served(&storage, BundleKind::Lists).await.unwrap();
        let second = cache.served(&storage, BundleKind::Lists).await.unwrap();
        let (first, second) = (first.unwrap(), second.unwrap());
        assert!(
            Arc::ptr_eq(&first, &second),
            "the second fetch loaded again"
        );
        assert_eq!(first.bytes, lists(1, 1).bytes);
        assert_eq!(first.etag, etag_of(&first.bytes));
        let stored = storage.bundle(BundleKind::Lists).await.unwrap().unwrap();
        assert_eq!(
            first.bytes.as_ptr(),
            stored.bytes.as_ptr(),
            "the copy held is not sled's own: the bundle is twice in memory"
        );

        storage.put_bundle(lists(2, 2)).await.unwrap();
        let third = cache
            .served(&storage, BundleKind::Lists)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(third.version, 2, "a new version replaces the one held");
        assert_eq!(third.bytes, lists(2, 2).bytes);
        assert_eq!(
            cache
                .served(&storage, BundleKind::Keys)
                .await
                .unwrap()
                .map(|b| b.version),
            None
        );
    }
}
