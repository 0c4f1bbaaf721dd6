//! [`AppState`]: what every handler shares (storage, the server time key, the operator token's
//! hash, the line key, the registration windows, the bundles held in memory and the parents' live events). The server builds it once at
//! start; handlers and extractors only read it.

use std::ops::Deref;
use std::sync::Arc;

use childsafe_crypto::SigningKey;

use crate::admission::ClientAddress;
use crate::attempts::AttemptWindow;
use crate::bundle_cache::BundleCache;
use crate::events::ParentEvents;
use crate::line_handle::LineKey;
use crate::storage::Storage;

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState(Arc<Shared>);

impl AppState {
    /// Shares `shared` with every handler.
    pub(crate) fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The state behind [`AppState`].
pub(crate) struct Shared {
    /// Everything durable.
    pub(crate) storage: Arc<dyn Storage>,
    /// Signs server time (and posts to the push gateway).
    pub(crate) time_key: Arc<SigningKey>,
    /// SHA-256 of the operator token, when the operator API is on.
    pub(crate) operator_token_hash: Option<[u8; 32]>,
    /// Parent registrations per client address.
    pub(crate) parent_registrations: AttemptWindow<ClientAddress>,
    /// Device registrations naming a line, per client address.
    pub(crate) line_registrations: AttemptWindow<ClientAddress>,
    /// The key of line handles, shared by every replica through storage.
    pub(crate) line_key: LineKey,
    /// The bundles served, each held once in memory with its ETag.
    pub(crate) bundles: BundleCache,
    /// The parents' live event streams and the push gateway.
    pub(crate) events: ParentEvents,
}
