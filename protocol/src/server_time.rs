//! The server's signed time: what lets the trusted clock correct a wall clock the child moved.
//!
//! The phone asks for the time with a fresh random challenge; the server answers with its time,
//! the device's identifier and the challenge, signed with its Ed25519 key in the same envelope
//! as activation profiles and parent commands (under its own context string). A recorded answer
//! cannot be replayed later to turn the clock back: its challenge is used up.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_crypto::envelope::{self, EnvelopeError};
use childsafe_crypto::{self as crypto, PublicKey, SigningKey};
use serde::{Deserialize, Serialize};

/// Prefixed to the payload before signing and verifying.
pub const SIGNING_CONTEXT: &[u8] = b"childsafe server time v1\n";
/// Largest envelope accepted, in bytes.
pub const MAX_ENVELOPE_BYTES: usize = 4 * 1024;
/// Random bytes in a challenge (128 bits: never repeats).
const CHALLENGE_BYTES: usize = 16;

/// The server's answer to a time request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedServerTime {
    /// The server's time, in seconds since the Unix epoch.
    pub unix_secs: u64,
    /// The device that asked.
    pub device_id: String,
    /// The challenge the device sent.
    pub challenge: String,
}

/// Why a signed time was refused; the clock is left as it was.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ServerTimeError {
    /// Not a time envelope of a known format.
    #[error("the server time is malformed: {0}")]
    Malformed(&'static str),
    /// No trusted server key signed it.
    #[error("the server time is not signed by a trusted server key")]
    BadSignature,
    /// It is for another device.
    #[error("the server time is for another device")]
    WrongDevice,
    /// It does not answer the pending challenge: a replay, or no time was asked for.
    #[error("the server time does not answer this device's pending request")]
    NotRequested,
}

impl SignedServerTime {
    /// Signs the time with a server key (the backend's side, and tests).
    pub fn sign(&self, key: &SigningKey) -> Result<Vec<u8>, ServerTimeError> {
        envelope::seal(self, SIGNING_CONTEXT, key).map_err(ServerTimeError::from)
    }
}

/// A new challenge, unpadded base64url: what a device sends in its time request.
pub fn new_challenge() -> Result<String, crypto::CryptoError> {
    Ok(URL_SAFE_NO_PAD.encode(crypto::random_bytes::<CHALLENGE_BYTES>()?))
}

/// Checks an envelope against the trusted server keys, the device and the pending challenge (the
/// device's side).
pub fn verify(
    envelope: &[u8],
    server_keys: &[PublicKey],
    device_id: &str,
    pending_challenge: Option<&str>,
) -> Result<SignedServerTime, ServerTimeError> {
    let (time, _): (SignedServerTime, PublicKey) =
        envelope::open(envelope, SIGNING_CONTEXT, server_keys, MAX_ENVELOPE_BYTES)?;
    if time.device_id != device_id {
        return Err(ServerTimeError::WrongDevice);
    }
    if pending_challenge != Some(time.challenge.as_str()) {
        return Err(ServerTimeError::NotRequested);
    }
    Ok(time)
}

impl From<EnvelopeError> for ServerTimeError {
    fn from(error: EnvelopeError) -> Self {
        match error {
            EnvelopeError::Malformed(what) => Self::Malformed(what),
            EnvelopeError::BadSignature => Self::BadSignature,
        }
    }
}
