//! The phone's answer to a parent command: a receipt signed with the device key, relayed back to
//! the parents (`MessageKind::Receipt`), so that a parent's app shows each command as pending,
//! applied, or refused with the reason, and no relay can make up an answer.
//!
//! A command whose signature does not check out gets no receipt: the phone cannot tell who sent
//! it, and answering would let anyone probe the phone through the relay.

use serde::{Deserialize, Serialize};

use crate::crypto::envelope::{self, EnvelopeError};
use crate::crypto::{PublicKey, SigningKey};

/// Context string of a receipt's signature.
pub const SIGNING_CONTEXT: &[u8] = b"childsafe command receipt v1\n";
/// Largest envelope accepted, in bytes.
pub const MAX_ENVELOPE_BYTES: usize = 4 * 1024;

/// What became of one command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "outcome", rename_all = "snake_case", deny_unknown_fields)]
pub enum CommandOutcome {
    /// The phone applied it.
    Applied,
    /// The phone refused it and changed nothing.
    Refused {
        /// Why, in words a parent can read.
        reason: String,
    },
}

/// The phone's signed answer to the command `sequence` of the parent `parent_public_key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandReceipt {
    /// The phone answering.
    pub device_id: String,
    /// The parent whose command this answers.
    pub parent_public_key: PublicKey,
    /// The command's sequence number.
    pub sequence: u64,
    /// What became of it.
    pub outcome: CommandOutcome,
    /// When the phone decided, Unix seconds on its trusted clock.
    pub decided_at: u64,
}

/// Why a receipt did not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// Not a receipt envelope, or too large.
    #[error("the command receipt is malformed: {0}")]
    Malformed(&'static str),
    /// Not signed by the device's key.
    #[error("the command receipt is not signed by the child's device")]
    BadSignature,
}

impl From<EnvelopeError> for ReceiptError {
    fn from(error: EnvelopeError) -> Self {
        match error {
            EnvelopeError::Malformed(what) => Self::Malformed(what),
            EnvelopeError::BadSignature => Self::BadSignature,
        }
    }
}

impl CommandReceipt {
    /// Signs the receipt with the device key: the envelope to relay.
    pub fn sign(&self, device_key: &SigningKey) -> Result<Vec<u8>, ReceiptError> {
        Ok(envelope::seal(self, SIGNING_CONTEXT, device_key)?)
    }

    /// Opens an envelope signed by `device_key` (the parent's side).
    pub fn verify(bytes: &[u8], device_key: &PublicKey) -> Result<Self, ReceiptError> {
        let (receipt, _) = envelope::open(
            bytes,
            SIGNING_CONTEXT,
            std::slice::from_ref(device_key),
            MAX_ENVELOPE_BYTES,
        )?;
        Ok(receipt)
    }
}
