//! [`BundleStore`] in sled: each kind's bundle, with its version and expiry also kept apart so
//! that the check behind every fetch reads a few bytes, not the bundle.

use async_trait::async_trait;
use childsafe_protocol::wire::BundleKind;
use sled::transaction::ConflictableTransactionError;

use super::keys::TIME_LEN;
use super::schema::from_sled;
use super::store::SledStorage;
use super::values::{decode_bundle, decode_bundle_version, encode_bundle};
use crate::storage::bundles::{BundlePut, BundleStore, BundleVersion, StoredBundle};
use crate::storage::error::StorageResult;

#[async_trait]
impl BundleStore for SledStorage {
    async fn put_bundle(&self, bundle: StoredBundle) -> StorageResult<BundlePut> {
        let encoded = encode_bundle(&bundle);
        self.write(move |tx| {
            let key = bundle.kind.as_str().as_bytes();
            if let Some(stored) = tx.bundles.get(key)? {
                let current = decode_bundle_version(&stored)
                    .map_err(ConflictableTransactionError::Abort)?
                    .version;
                if bundle.version <= current {
                    return Ok(BundlePut::NotNewer { current });
                }
            }
            tx.bundles.insert(key, encoded.as_slice())?;
            tx.bundle_versions.insert(key, &encoded[..2 * TIME_LEN])?;
            Ok(BundlePut::Stored)
        })
        .await
    }

    async fn bundle(&self, kind: BundleKind) -> StorageResult<Option<StoredBundle>> {
        self.read(move |t| {
            t.bundles
                .get(kind.as_str().as_bytes())
                .map_err(from_sled)?
                .map(|stored| decode_bundle(kind, stored))
                .transpose()
        })
        .await
    }

    async fn bundle_version(&self, kind: BundleKind) -> StorageResult<Option<BundleVersion>> {
        self.read(move |t| {
            let key = kind.as_str().as_bytes();
            // A database written before `bundle_versions` existed has only the bundle itself.
            let stored = match t.bundle_versions.get(key).map_err(from_sled)? {
                Some(version) => Some(version),
                None => t.bundles.get(key).map_err(from_sled)?,
            };
            stored
                .map(|stored| decode_bundle_version(&stored))
                .transpose()
        })
        .await
    }
}
