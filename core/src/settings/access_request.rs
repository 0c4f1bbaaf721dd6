//! "May I open this?": the request a child sends from a block page to their paired parents.
//!
//! It travels through the backend's relay as a signed envelope (the device key, under its own
//! context string), so the server can neither read a meaning into it nor forge one: the parent's
//! app checks it against the device key it received at pairing. The parent answers with a signed
//! parent command ([`ParentAction::ApproveAccess`](super::parent_command::ParentAction)), which
//! the device applies like any other command.

use serde::{Deserialize, Serialize};

use crate::crypto::envelope::{self, EnvelopeError};
use crate::crypto::{PublicKey, SigningKey};

/// Context string of an access request's signature.
pub const SIGNING_CONTEXT: &[u8] = b"childsafe access request v1\n";
/// Largest envelope accepted, in bytes.
pub const MAX_ENVELOPE_BYTES: usize = 8 * 1024;

/// A child's request to open one blocked page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessRequest {
    /// Random, to match the parent's answer.
    pub request_id: String,
    /// The device asking.
    pub device_id: String,
    /// The blocked page, as the child chose to send it.
    pub url: String,
    /// Its host: what an approval would open.
    pub host: String,
    /// When the child asked, Unix seconds.
    pub requested_at: u64,
}

/// Why an access request did not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccessRequestError {
    /// Not an access request envelope, or too large.
    #[error("the access request is malformed: {0}")]
    Malformed(&'static str),
    /// Not signed by the device's key.
    #[error("the access request is not signed by the paired device")]
    BadSignature,
}

impl From<EnvelopeError> for AccessRequestError {
    fn from(error: EnvelopeError) -> Self {
        match error {
            EnvelopeError::Malformed(what) => Self::Malformed(what),
            EnvelopeError::BadSignature => Self::BadSignature,
        }
    }
}

impl AccessRequest {
    /// Signs the request with the device key; the envelope to relay.
    pub fn sign(&self, device_key: &SigningKey) -> Result<Vec<u8>, AccessRequestError> {
        Ok(envelope::seal(self, SIGNING_CONTEXT, device_key)?)
    }

    /// Opens an envelope signed by `device_key` (the parent's side).
    pub fn verify(bytes: &[u8], device_key: &PublicKey) -> Result<Self, AccessRequestError> {
        let (request, _) =
            envelope::open(bytes, SIGNING_CONTEXT, &[*device_key], MAX_ENVELOPE_BYTES)?;
        Ok(request)
    }
}

/// What became of a request the child sent, as the phone keeps it so the child sees the answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum AccessAnswer {
    /// No parent has answered yet.
    Pending,
    /// A parent approved it: the host opens until this time (Unix seconds, trusted time).
    Approved {
        /// Until when.
        until_unix: u64,
    },
    /// A parent refused it.
    Denied,
}

/// A request the child sent, with its answer so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SentAccessRequest {
    /// The request's id, which the parent's answer names.
    pub request_id: String,
    /// The host an approval opens.
    pub host: String,
    /// The page the child asked for.
    pub url: String,
    /// When the child asked, Unix seconds.
    pub requested_at: u64,
    /// The answer so far.
    pub answer: AccessAnswer,
}
