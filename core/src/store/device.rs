//! The device store as the SDK opens it: the two implementations of [`Store`](super::Store)
//! stacked, sled underneath and every value sealed above it.

use std::path::Path;

use super::{KeyStore, SealedStore, SledStore, StoreError};

/// The one way the SDK opens its store: sled in `dir` (created if missing, recovered if a
/// previous process was killed), every value sealed under the data key from `keys`.
pub fn open_device_store(
    dir: &Path,
    keys: &dyn KeyStore,
) -> Result<SealedStore<SledStore>, StoreError> {
    SealedStore::new(SledStore::open(dir)?, keys)
}
