//! The facade's error: every way a [`ChildSafe`](super::ChildSafe) call can fail, with its
//! source kept. The FFI maps it to the small public error platforms see.

use crate::filter::bundle::BundleError;
use crate::reports::{OutboxError, directory::DirectoryError};
use crate::settings::SafeModeError;
use crate::settings::access_request::AccessRequestError;
use crate::store::StoreError;
use crate::sync::client::SyncError;
use crate::sync::identity::IdentityError;
use crate::sync::run::RunError;

/// Why a facade call failed. Nothing changed, except where a variant says so.
#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    /// The device store could not be opened or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Safe mode refused (wrong PIN, lockout, bad profile or command...).
    #[error(transparent)]
    SafeMode(#[from] SafeModeError),
    /// The outbox refused or failed.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// A list bundle was refused.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// A directory update was refused.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// The backend could not be reached or refused.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The device key or registration could not be read or kept.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// An access request could not be made.
    #[error(transparent)]
    AccessRequest(#[from] AccessRequestError),
    /// The input is not usable; the text says how.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// A signed document was refused (not newer, expired, or not signed by a trusted key); the
    /// one in force stays.
    #[error("refused: {0}")]
    Refused(&'static str),
    /// The call needs something the device does not have yet; the text says what.
    #[error("not ready: {0}")]
    NotReady(&'static str),
}

impl From<RunError> for SdkError {
    fn from(error: RunError) -> Self {
        match error {
            RunError::Outbox(error) => SdkError::Outbox(error),
            RunError::Store(error) => SdkError::Store(error),
            RunError::Sync(error) => SdkError::Sync(error),
        }
    }
}
