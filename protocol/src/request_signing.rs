//! Signed requests: how a device (or a parent's app) proves every request it sends.
//!
//! The signer covers, each on its own line after a context string: the principal (`device:ID` or
//! `parent:ID`), the method, the path with its query, the timestamp (Unix seconds), a random nonce,
//! the `Idempotency-Key` (empty when there is none) and the SHA-256 of the body in lowercase hex.
//! The server refuses a timestamp outside [`MAX_CLOCK_SKEW_SECS`] of its own clock and a nonce it
//! has already seen from that principal inside that window, so a captured request cannot be
//! replayed or moved to another path, principal or body.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_crypto::{self as crypto, CryptoError, PublicKey, SigningKey};

/// Context string that starts every signed request message.
pub const REQUEST_CONTEXT: &str = "childsafe request v1";
/// Context string of the proof of key possession in a registration.
pub const REGISTRATION_CONTEXT: &str = "childsafe registration v1";
/// Context string of the proof of key possession in a registration that names a child's line.
pub const LINE_REGISTRATION_CONTEXT: &str = "childsafe line registration v1";
/// Header naming the principal: `device:ID` or `parent:ID`.
pub const HEADER_PRINCIPAL: &str = "x-childsafe-principal";
/// Header with the request time, in Unix seconds.
pub const HEADER_TIMESTAMP: &str = "x-childsafe-timestamp";
/// Header with the request nonce (16 random bytes, unpadded base64url).
pub const HEADER_NONCE: &str = "x-childsafe-nonce";
/// Header with the Ed25519 signature (unpadded base64url).
pub const HEADER_SIGNATURE: &str = "x-childsafe-signature";
/// The idempotency header of report uploads.
pub const HEADER_IDEMPOTENCY_KEY: &str = "idempotency-key";
/// How far a request's timestamp may be from the server's clock, either way.
pub const MAX_CLOCK_SKEW_SECS: u64 = 300;

/// Who signs: a child's device or a parent's app.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    /// A child's phone, registered with an activation token.
    Device,
    /// A parent's app.
    Parent,
    /// A carrier's provisioning system.
    Carrier,
}

impl PrincipalKind {
    /// The prefix used in the principal header.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Device => "device",
            PrincipalKind::Parent => "parent",
            PrincipalKind::Carrier => "carrier",
        }
    }
}

/// The identifier the server gives a key: the first 16 bytes of its SHA-256, in lowercase hex.
pub fn key_id(key: &PublicKey) -> String {
    crypto::hex(&crypto::sha256_of_parts(&[&key.0])[..16])
}

/// The headers of one signed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `device:ID` or `parent:ID`.
    pub principal: String,
    /// Unix seconds.
    pub timestamp: u64,
    /// Unpadded base64url of 16 random bytes.
    pub nonce: String,
    /// Unpadded base64url signature.
    pub signature: String,
}

impl SignedHeaders {
    /// The headers as (name, value) pairs, in the order they are sent.
    pub fn pairs(&self) -> [(&'static str, String); 4] {
        [
            (HEADER_PRINCIPAL, self.principal.clone()),
            (HEADER_TIMESTAMP, self.timestamp.to_string()),
            (HEADER_NONCE, self.nonce.clone()),
            (HEADER_SIGNATURE, self.signature.clone()),
        ]
    }
}

/// The parts of a request the signature covers.
#[derive(Clone, Copy, Debug)]
pub struct RequestParts<'a> {
    /// `device:ID` or `parent:ID`.
    pub principal: &'a str,
    /// Upper-case HTTP method.
    pub method: &'a str,
    /// Path and query exactly as sent (`/v1/device/messages?after=3`).
    pub path_and_query: &'a str,
    /// Unix seconds.
    pub timestamp: u64,
    /// The nonce header.
    pub nonce: &'a str,
    /// The `Idempotency-Key` header, or "".
    pub idempotency_key: &'a str,
    /// The exact body bytes.
    pub body: &'a [u8],
}

impl RequestParts<'_> {
    /// The exact bytes that are signed.
    pub fn message(&self) -> Vec<u8> {
        let body_hash = crypto::hex(&crypto::sha256_of_parts(&[self.body]));
        format!(
            "{REQUEST_CONTEXT}\n{}\n{}\n{}\n{}\n{}\n{}\n{body_hash}",
            self.principal,
            self.method,
            self.path_and_query,
            self.timestamp,
            self.nonce,
            self.idempotency_key,
        )
        .into_bytes()
    }

    /// Whether `signature` (unpadded base64url) is `key`'s signature of these parts.
    pub fn verify(&self, key: &PublicKey, signature: &str) -> bool {
        URL_SAFE_NO_PAD
            .decode(signature)
            .is_ok_and(|signature| key.verify(&self.message(), &signature))
    }
}

/// Signs a request with a fresh nonce.
#[allow(clippy::too_many_arguments)]
pub fn sign_request(
    key: &SigningKey,
    kind: PrincipalKind,
    method: &str,
    path_and_query: &str,
    timestamp: u64,
    idempotency_key: &str,
    body: &[u8],
) -> Result<SignedHeaders, CryptoError> {
    let principal = format!("{}:{}", kind.as_str(), key_id(&key.public_key()));
    sign_request_as(
        key,
        principal,
        method,
        path_and_query,
        timestamp,
        idempotency_key,
        body,
    )
}

/// Signs a request as `principal` with a fresh nonce: for a carrier, whose principal is
/// `carrier:<carrier_id>` (the id the operator admitted it with), not its key's id.
pub fn sign_request_as(
    key: &SigningKey,
    principal: String,
    method: &str,
    path_and_query: &str,
    timestamp: u64,
    idempotency_key: &str,
    body: &[u8],
) -> Result<SignedHeaders, CryptoError> {
    let nonce = URL_SAFE_NO_PAD.encode(crypto::random_bytes::<16>()?);
    let parts = RequestParts {
        principal: &principal,
        method,
        path_and_query,
        timestamp,
        nonce: &nonce,
        idempotency_key,
        body,
    };
    let signature = URL_SAFE_NO_PAD.encode(key.sign(&parts.message()));
    Ok(SignedHeaders {
        principal,
        timestamp,
        nonce,
        signature,
    })
}

/// The message a registration's proof signs: the context, the principal kind and the token
/// (empty for a parent), each on its own line. Binding the token stops a proof being reused with
/// another one. A registration with a child's line signs [`line_registration_message`] instead.
pub fn registration_message(kind: PrincipalKind, activation_token: &str) -> Vec<u8> {
    format!(
        "{REGISTRATION_CONTEXT}\n{}\n{activation_token}",
        kind.as_str()
    )
    .into_bytes()
}

/// The message a registration's proof signs when it names a child's line: its own context
/// ([`LINE_REGISTRATION_CONTEXT`], so it can never be read as a token-only message), the
/// principal kind, the token and the line, each on its own line. A proof made for one line
/// cannot be replayed with another.
pub fn line_registration_message(
    kind: PrincipalKind,
    activation_token: &str,
    line: &str,
) -> Vec<u8> {
    format!(
        "{LINE_REGISTRATION_CONTEXT}\n{}\n{activation_token}\n{line}",
        kind.as_str()
    )
    .into_bytes()
}

/// The message a registration with this token and (optional) line signs.
fn registration_message_for(
    kind: PrincipalKind,
    activation_token: &str,
    line: Option<&str>,
) -> Vec<u8> {
    match line {
        Some(line) => line_registration_message(kind, activation_token, line),
        None => registration_message(kind, activation_token),
    }
}

/// Proof that the registering app holds the private key: its signature of
/// [`registration_message`], unpadded base64url.
pub fn registration_proof(key: &SigningKey, kind: PrincipalKind, activation_token: &str) -> String {
    line_registration_proof(key, kind, activation_token, None)
}

/// Proof of key possession for a registration that may name a child's line: the signature of
/// [`line_registration_message`] with a line, of [`registration_message`] without.
pub fn line_registration_proof(
    key: &SigningKey,
    kind: PrincipalKind,
    activation_token: &str,
    line: Option<&str>,
) -> String {
    URL_SAFE_NO_PAD.encode(key.sign(&registration_message_for(kind, activation_token, line)))
}

/// Checks a registration proof over the token and, when the registration names one, the line.
pub fn verify_registration_proof(
    key: &PublicKey,
    kind: PrincipalKind,
    activation_token: &str,
    line: Option<&str>,
    proof: &str,
) -> bool {
    URL_SAFE_NO_PAD.decode(proof).is_ok_and(|proof| {
        key.verify(
            &registration_message_for(kind, activation_token, line),
            &proof,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_registration_proof_binds_its_line_and_token() {
        let (key, _) = SigningKey::generate().unwrap();
        let public = key.public_key();
        let proof = line_registration_proof(&key, PrincipalKind::Device, "", Some("+447700900001"));
        let verify = |token, line| {
            verify_registration_proof(&public, PrincipalKind::Device, token, line, &proof)
        };
        assert!(verify("", Some("+447700900001")));
        assert!(!verify("", Some("+447700900002")));
        assert!(!verify("t", Some("+447700900001")));
        assert!(!verify("", None));
    }

    #[test]
    fn a_token_only_proof_still_verifies_without_a_line() {
        let (key, _) = SigningKey::generate().unwrap();
        let proof = registration_proof(&key, PrincipalKind::Device, "token");
        let public = key.public_key();
        assert!(verify_registration_proof(
            &public,
            PrincipalKind::Device,
            "token",
            None,
            &proof
        ));
        assert!(!verify_registration_proof(
            &public,
            PrincipalKind::Device,
            "token",
            Some(""),
            &proof
        ));
    }
}
