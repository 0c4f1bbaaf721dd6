//! childsafe-crypto: thin wrappers over *ring*, the one cryptography library in childsafe. Every
//! hash, signature and cipher of the SDK, the backend and the tools goes through here, so the
//! choice of primitive is made in one place. Core re-exports this crate as
//! `childsafe_core::crypto`.
//!
//! - [`sha256_of_parts`]: the digest behind hashed URL lists and the audit chain, and
//!   [`Sha256Stream`] for the digests of every prefix of one input (the directories of a URL).
//! - [`SigningKey`] and [`PublicKey`]: Ed25519, which signs the list bundles the phone loads.
//! - [`random_bytes`]: the operating system's generator, for seeds and keys.
//! - [`aead`]: AES-256-GCM sealing, for everything the phone keeps on disk.
//! - [`envelope`]: the signed JSON envelope that activation profiles, parent commands, access
//!   requests, the country directory and signed server time travel in.
#![forbid(unsafe_code)]

pub mod aead;
pub mod envelope;
mod signing;

use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};

pub use signing::{PublicKey, SIGNATURE_LEN, SigningKey};

/// Why a cryptographic operation could not be done. Messages never contain key material.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// The bytes are not an Ed25519 private key in PKCS#8 v2 form (the form that carries the
    /// public key, as `childsafe keys generate` writes it).
    #[error("not an Ed25519 private key in PKCS#8 v2 form")]
    InvalidPrivateKey,
    /// The text is not a 32-byte Ed25519 public key in unpadded base64url.
    #[error("not an Ed25519 public key (32 bytes in unpadded base64url, 43 characters)")]
    InvalidPublicKey,
    /// AES-256-GCM refused to seal (only a message beyond the cipher's size limit does this).
    #[error("the data could not be sealed with AES-256-GCM")]
    Seal,
    /// A sealed message did not authenticate: it was altered or cut short, sealed under another
    /// key, or presented with other associated data.
    #[error(
        "the sealed data did not authenticate (altered, cut short, or sealed under another key)"
    )]
    Open,
}

/// SHA-256 of the concatenation of `parts`, without building the concatenation.
pub fn sha256_of_parts(parts: &[&[u8]]) -> [u8; 32] {
    let mut context = digest::Context::new(&digest::SHA256);
    for part in parts {
        context.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(context.finish().as_ref());
    out
}

/// SHA-256 over bytes fed in order, whose digest can be taken at any point and the feeding go on:
/// the digests of many prefixes of one input (a URL's directories) cost one pass over it plus a
/// final block per digest, instead of a pass over each prefix.
#[derive(Clone)]
pub struct Sha256Stream(digest::Context);

impl Default for Sha256Stream {
    fn default() -> Self {
        Self::new()
    }
}

impl Sha256Stream {
    /// A stream that has been fed nothing.
    pub fn new() -> Self {
        Self(digest::Context::new(&digest::SHA256))
    }

    /// Feeds `bytes` after everything fed so far.
    #[inline]
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The SHA-256 of everything fed so far; the stream can be fed on.
    #[inline]
    pub fn digest(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.0.clone().finish().as_ref());
        out
    }
}

/// `bytes` in lowercase hex: how digests and random ids are written in JSON and on the wire.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `N` bytes from the operating system's cryptographically secure generator.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| CryptoError::Random)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_fips_180_2_vector() {
        // FIPS 180-2, appendix B.1: SHA-256("abc").
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let hex: String = sha256_of_parts(&[b"a", b"", b"bc"])
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, expected);
    }

    #[test]
    fn a_stream_digests_each_prefix_as_a_one_shot_hash_would() {
        let mut stream = Sha256Stream::new();
        assert_eq!(stream.digest(), sha256_of_parts(&[]));
        let input = [b'x'; 200];
        for (start, end) in [(0, 1), (1, 55), (55, 56), (56, 64), (64, 200)] {
            stream.update(&input[start..end]);
            assert_eq!(stream.digest(), sha256_of_parts(&[&input[..end]]), "{end}");
        }
    }

    #[test]
    fn random_bytes_differ_between_calls() {
        let first: [u8; 16] = random_bytes().unwrap();
        let second: [u8; 16] = random_bytes().unwrap();
        assert_ne!(first, second);
    }
}
