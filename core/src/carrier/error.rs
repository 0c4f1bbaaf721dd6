//! Why a [`ChildSafeCarrier`](super::ChildSafeCarrier) call failed, with its source kept. The FFI
//! sorts it into the one public error (`crate::error`).

use crate::crypto::CryptoError;
use crate::protocol::keys::KeyDocumentError;
use crate::settings::activation::ActivationError;
use crate::settings::birth_month::BirthMonthError;
use crate::sync::client::SyncError;

/// Why a carrier's call failed. Nothing was signed or sent, except where a variant says so.
#[derive(Debug, thiserror::Error)]
pub enum CarrierError {
    /// The backend could not be reached or refused (what was refused was not kept there).
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The signing key is not a key, or there was no randomness.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The line's birth month gives no band today.
    #[error(transparent)]
    BirthMonth(#[from] BirthMonthError),
    /// A profile or deactivation could not be signed.
    #[error("cannot sign: {0}")]
    Signing(#[from] ActivationError),
    /// A key rotation could not be signed or is not one this carrier can hand in.
    #[error(transparent)]
    KeyDocument(#[from] KeyDocumentError),
    /// The input is not usable; the text says how.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// The call names a line that is not among the carrier's lines.
    #[error("none of the carrier's lines has this handle")]
    UnknownLine,
    /// The call needs something the line does not have yet; the text says what.
    #[error("not ready: {0}")]
    NotReady(&'static str),
    /// The backend's answer does not hold together; the text says how.
    #[error("the backend's answer does not follow the protocol: {0}")]
    Protocol(&'static str),
}
