//! The signed bundles served (keys, lists, directory): one per kind, whose version never goes
//! back. [`BundleStore`] is the part of the storage that keeps them.

use async_trait::async_trait;
use bytes::Bytes;
use childsafe_protocol::wire::BundleKind;

use super::error::StorageResult;

/// A signed bundle as served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBundle {
    /// The kind.
    pub kind: BundleKind,
    /// The bundle's own version.
    pub version: u64,
    /// Unix seconds.
    pub expires_at: u64,
    /// The exact signed bytes. Shared, not copied, by every clone (up to 32 MiB each).
    pub bytes: Bytes,
}

/// The version and expiry of the bundle stored for a kind, without its bytes: what the server
/// checks its in-memory copy against on every fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BundleVersion {
    /// The bundle's own version.
    pub version: u64,
    /// Unix seconds.
    pub expires_at: u64,
}

/// What storing a bundle did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BundlePut {
    /// Stored; it is now the one served.
    Stored,
    /// Refused: its version is not above the stored one's (versions never go back).
    NotNewer {
        /// The version served now.
        current: u64,
    },
}

/// The bundle served for each kind.
#[async_trait]
pub trait BundleStore: Send + Sync + 'static {
    /// Stores a bundle if its version is above the stored one's.
    async fn put_bundle(&self, bundle: StoredBundle) -> StorageResult<BundlePut>;

    /// The bundle served for a kind.
    async fn bundle(&self, kind: BundleKind) -> StorageResult<Option<StoredBundle>>;

    /// The version and expiry of the bundle served for a kind; cheap whatever the bundle's size.
    async fn bundle_version(&self, kind: BundleKind) -> StorageResult<Option<BundleVersion>>;
}
