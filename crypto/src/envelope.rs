//! The signed envelope that every signed JSON document travels in: activation profiles, parent
//! commands, access requests, the country directory and the server's signed time.
//!
//! `{"format": 1, "payload": B64, "signature": B64}` (base64url without padding): `payload` is
//! the exact bytes signed, and the Ed25519 signature covers a per-document context string
//! followed by them, so a signature made for one kind of document never verifies as another.
//! Nothing inside the payload is parsed before a trusted key's signature has verified.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::{PublicKey, SigningKey};

/// The only envelope format this version reads.
pub const ENVELOPE_FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    format: u32,
    payload: String,
    signature: String,
}

/// Why an envelope did not open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvelopeError {
    /// Not an envelope of a known format, or larger than allowed.
    Malformed(&'static str),
    /// No trusted key signed the payload with this context.
    BadSignature,
}

/// Serializes `document`, signs it under `context`, and wraps both in an envelope.
pub fn seal<T: Serialize>(
    document: &T,
    context: &[u8],
    key: &SigningKey,
) -> Result<Vec<u8>, EnvelopeError> {
    let payload =
        serde_json::to_vec(document).map_err(|_| EnvelopeError::Malformed("cannot encode"))?;
    let signature = key.sign(&[context, &payload].concat());
    let envelope = Envelope {
        format: ENVELOPE_FORMAT,
        payload: URL_SAFE_NO_PAD.encode(&payload),
        signature: URL_SAFE_NO_PAD.encode(signature),
    };
    serde_json::to_vec_pretty(&envelope).map_err(|_| EnvelopeError::Malformed("cannot encode"))
}

/// Opens an envelope of at most `max_bytes`: checks the format, finds the trusted key that
/// signed the payload under `context`, and only then parses the payload.
pub fn open<T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    context: &[u8],
    trusted: &[PublicKey],
    max_bytes: usize,
) -> Result<(T, PublicKey), EnvelopeError> {
    if bytes.len() > max_bytes {
        return Err(EnvelopeError::Malformed("larger than allowed"));
    }
    let envelope: Envelope =
        serde_json::from_slice(bytes).map_err(|_| EnvelopeError::Malformed("not an envelope"))?;
    if envelope.format != ENVELOPE_FORMAT {
        return Err(EnvelopeError::Malformed("unknown envelope format"));
    }
    let payload = URL_SAFE_NO_PAD
        .decode(&envelope.payload)
        .map_err(|_| EnvelopeError::Malformed("payload is not base64url"))?;
    let signature = URL_SAFE_NO_PAD
        .decode(&envelope.signature)
        .map_err(|_| EnvelopeError::BadSignature)?;
    let message = [context, &payload].concat();
    let signed_by = *trusted
        .iter()
        .find(|key| key.verify(&message, &signature))
        .ok_or(EnvelopeError::BadSignature)?;
    let document = serde_json::from_slice(&payload)
        .map_err(|_| EnvelopeError::Malformed("the signed payload is not the expected document"))?;
    Ok((document, signed_by))
}
