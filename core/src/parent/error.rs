//! Why a [`ChildSafeParent`](super::ChildSafeParent) call failed, with its source kept. The FFI
//! sorts it into the one public error (`crate::error`).

use crate::crypto::CryptoError;
use crate::protocol::pairing::PairingError;
use crate::settings::parent_command::CommandError;
use crate::store::StoreError;
use crate::sync::client::SyncError;

/// Why a parent's call failed. Nothing was kept or sent, except where a variant says so.
#[derive(Debug, thiserror::Error)]
pub enum ParentError {
    /// The parent's store could not be opened or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The backend could not be reached or refused.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The parent key could not be made or read, or no randomness.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The scanned pairing code is not one (the text says how, never the secret).
    #[error(transparent)]
    Pairing(#[from] PairingError),
    /// A command could not be built (a PIN or secret that could not be sealed).
    #[error(transparent)]
    Command(#[from] CommandError),
    /// The input is not usable; the text says how.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// The call names a child this parent is not paired with.
    #[error("not paired with this child")]
    NotPaired,
    /// What the backend or a phone sent did not verify against the keys checked at pairing, and
    /// is not shown or kept.
    #[error("refused: {0}")]
    Refused(&'static str),
    /// Only the owner of the child's phone may do this, and the phone does not list this parent
    /// as its owner.
    #[error("not allowed: {0}")]
    NotAllowed(&'static str),
    /// The call needs something the parent's app does not have yet; the text says what.
    #[error("not ready: {0}")]
    NotReady(&'static str),
}
