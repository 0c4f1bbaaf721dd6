//! AES-256-GCM sealing: the authenticated encryption behind everything the phone keeps on disk.
//!
//! A sealed message is `nonce || ciphertext || tag`. The nonce is 96 bits from the operating
//! system's generator, fresh for every call, so the caller never manages nonces. Random 96-bit
//! nonces keep the chance of a repeat negligible for up to 2^32 messages under one key (NIST SP
//! 800-38D, section 8.3); a phone's settings store writes many orders of magnitude fewer.
//!
//! The associated data (AAD) is authenticated but not encrypted: callers bind a sealed message to
//! its context with it (the store uses the key a value is stored under), so a message cannot be
//! moved to another context without [`open`] refusing it.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use super::CryptoError;

/// Length in bytes of an AES-256-GCM key.
pub const KEY_LEN: usize = 32;
/// Length in bytes of the nonce at the front of a sealed message.
pub const SEALED_NONCE_LEN: usize = NONCE_LEN;
/// Length in bytes of the authentication tag at the end of a sealed message.
pub const TAG_LEN: usize = 16;
/// How many bytes sealing adds to a plaintext: the nonce and the tag.
pub const SEALED_OVERHEAD: usize = SEALED_NONCE_LEN + TAG_LEN;

/// Encrypts and authenticates `plaintext`, and authenticates `aad`, under `key`. Returns
/// `nonce || ciphertext || tag`, [`SEALED_OVERHEAD`] bytes longer than `plaintext`.
pub fn seal(key: &[u8; KEY_LEN], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let key = less_safe_key(key).map_err(|()| CryptoError::Seal)?;
    let mut nonce = [0u8; SEALED_NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| CryptoError::Random)?;

    let mut sealed = Vec::with_capacity(SEALED_OVERHEAD + plaintext.len());
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(plaintext);
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut sealed[SEALED_NONCE_LEN..],
        )
        .map_err(|_| CryptoError::Seal)?;
    sealed.extend_from_slice(tag.as_ref());
    Ok(sealed)
}

/// Checks and decrypts a message made by [`seal`] with the same `key` and `aad`. Any change to
/// the message or the AAD, a cut message, or another key gives [`CryptoError::Open`]; which of
/// these it was cannot be told apart, by design of the cipher.
pub fn open(key: &[u8; KEY_LEN], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if sealed.len() < SEALED_OVERHEAD {
        return Err(CryptoError::Open);
    }
    let key = less_safe_key(key).map_err(|()| CryptoError::Open)?;
    let (nonce, body) = sealed.split_at(SEALED_NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Open)?;
    let mut body = body.to_vec();
    let plaintext_len = key
        .open_in_place(nonce, Aad::from(aad), &mut body)
        .map_err(|_| CryptoError::Open)?
        .len();
    body.truncate(plaintext_len);
    Ok(body)
}

/// The ring key for `bytes`. ring refuses only keys of the wrong length, which the array type
/// already rules out; the error is still passed on rather than assumed away.
fn less_safe_key(bytes: &[u8; KEY_LEN]) -> Result<LessSafeKey, ()> {
    UnboundKey::new(&AES_256_GCM, bytes)
        .map(LessSafeKey::new)
        .map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; KEY_LEN] = [7; KEY_LEN];

    #[test]
    fn a_sealed_message_opens_with_the_same_key_and_aad() {
        let sealed = seal(&KEY, b"settings/age", b"band 9-12").unwrap();
        assert_eq!(sealed.len(), b"band 9-12".len() + SEALED_OVERHEAD);
        assert_eq!(open(&KEY, b"settings/age", &sealed).unwrap(), b"band 9-12");
        assert_eq!(
            open(&KEY, b"", &seal(&KEY, b"", b"").unwrap()).unwrap(),
            b""
        );
    }

    #[test]
    fn every_seal_uses_a_fresh_nonce() {
        let first = seal(&KEY, b"k", b"same").unwrap();
        let second = seal(&KEY, b"k", b"same").unwrap();
        assert_ne!(first[..SEALED_NONCE_LEN], second[..SEALED_NONCE_LEN]);
        assert_ne!(first, second);
    }

    #[test]
    fn the_plaintext_does_not_appear_in_the_sealed_message() {
        let sealed = seal(&KEY, b"k", b"a very recognisable plaintext").unwrap();
        assert!(!sealed.windows(10).any(|w| w == b"recognisab"));
    }

    #[test]
    fn any_change_is_refused() {
        let sealed = seal(&KEY, b"aad", b"payload").unwrap();
        for i in 0..sealed.len() {
            let mut altered = sealed.clone();
            altered[i] ^= 0x01;
            assert_eq!(
                open(&KEY, b"aad", &altered),
                Err(CryptoError::Open),
                "byte {i}"
            );
        }
        assert_eq!(open(&KEY, b"aaD", &sealed), Err(CryptoError::Open));
        assert_eq!(open(&[8; KEY_LEN], b"aad", &sealed), Err(CryptoError::Open));
        for len in 0..sealed.len() {
            assert_eq!(open(&KEY, b"aad", &sealed[..len]), Err(CryptoError::Open));
        }
    }
}
