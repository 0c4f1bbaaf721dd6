//! Ed25519 signing keys and public keys.
//!
//! The operator holds a [`SigningKey`] offline (a PKCS#8 v2 file made by `childsafe keys
//! generate`); phones hold only [`PublicKey`]s, written as unpadded base64url so that they paste
//! into configuration files and command lines unchanged.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};

use super::CryptoError;

/// Length in bytes of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// Length in bytes of an Ed25519 public key.
const PUBLIC_KEY_LEN: usize = 32;

/// An Ed25519 private key, able to sign. Loaded from PKCS#8 v2, the form that also carries the
/// public key, so a damaged file is caught by the consistency check when it is read.
pub struct SigningKey {
    pair: Ed25519KeyPair,
}

impl SigningKey {
    /// Makes a new key from the system's secure random generator. Returns the key and its PKCS#8
    /// v2 DER encoding, the bytes to keep in a key file.
    pub fn generate() -> Result<(Self, Vec<u8>), CryptoError> {
        let document = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| CryptoError::Random)?;
        let der = document.as_ref().to_vec();
        let key = Self::from_pkcs8(&der)?;
        Ok((key, der))
    }

    /// Reads a key from its PKCS#8 v2 DER encoding.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, CryptoError> {
        let pair = Ed25519KeyPair::from_pkcs8(der).map_err(|_| CryptoError::InvalidPrivateKey)?;
        Ok(Self { pair })
    }

    /// The key whose 32-byte Ed25519 seed is `seed`: for a key both ends derive from a secret
    /// they share (the pairing key), never for a key kept on disk, which is drawn by
    /// [`generate`](Self::generate).
    pub fn from_seed(seed: &[u8; 32]) -> Result<Self, CryptoError> {
        // "Unchecked" only means there is no public key to compare the seed with.
        let pair = Ed25519KeyPair::from_seed_unchecked(seed)
            .map_err(|_| CryptoError::InvalidPrivateKey)?;
        Ok(Self { pair })
    }

    /// The public key that verifies this key's signatures.
    pub fn public_key(&self) -> PublicKey {
        let mut bytes = [0u8; PUBLIC_KEY_LEN];
        bytes.copy_from_slice(self.pair.public_key().as_ref());
        PublicKey(bytes)
    }

    /// Signs `msg` (Ed25519 is deterministic: the same key and message give the same signature).
    pub fn sign(&self, msg: &[u8]) -> [u8; SIGNATURE_LEN] {
        let mut out = [0u8; SIGNATURE_LEN];
        out.copy_from_slice(self.pair.sign(msg).as_ref());
        out
    }
}

impl fmt::Debug for SigningKey {
    /// Shows only the public half: a private key must never reach a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(public: {})", self.public_key())
    }
}

/// An Ed25519 public key: the 32 bytes of RFC 8032. Any 32 bytes can be held; bytes that are not
/// a point on the curve simply verify nothing.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(pub [u8; PUBLIC_KEY_LEN]);

impl PublicKey {
    /// Reads a key written as unpadded base64url (43 characters), as [`Self::to_base64url`]
    /// writes it. Surrounding whitespace is ignored; padding and other alphabets are refused.
    pub fn from_base64url(s: &str) -> Result<Self, CryptoError> {
        let decoded = URL_SAFE_NO_PAD
            .decode(s.trim())
            .map_err(|_| CryptoError::InvalidPublicKey)?;
        let bytes: [u8; PUBLIC_KEY_LEN] = decoded
            .try_into()
            .map_err(|_| CryptoError::InvalidPublicKey)?;
        Ok(Self(bytes))
    }

    /// The key as unpadded base64url.
    pub fn to_base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// Whether `sig` is this key's Ed25519 signature of `msg`.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        UnparsedPublicKey::new(&ED25519, &self.0)
            .verify(msg, sig)
            .is_ok()
    }
}

impl FromStr for PublicKey {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_base64url(s)
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64url())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

/// Stored and sent as its base64url text, the same form people copy between tools.
impl serde::Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64url())
    }
}

impl<'de> serde::Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::from_base64url(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_hex(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn verifies_the_rfc_8032_empty_message_vector() {
        // RFC 8032, section 7.1, TEST 1.
        let key = PublicKey(
            from_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
                .try_into()
                .unwrap(),
        );
        let sig = from_hex(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        );
        assert!(key.verify(b"", &sig));
        assert!(!key.verify(b"x", &sig));
    }

    #[test]
    fn a_generated_key_signs_and_its_file_reads_back() {
        let (key, der) = SigningKey::generate().unwrap();
        let again = SigningKey::from_pkcs8(&der).unwrap();
        assert_eq!(key.public_key(), again.public_key());
        let sig = key.sign(b"bundle");
        assert_eq!(sig, again.sign(b"bundle"));
        assert!(key.public_key().verify(b"bundle", &sig));
        assert!(!key.public_key().verify(b"bundlE", &sig));
        let (other, _) = SigningKey::generate().unwrap();
        assert!(!other.public_key().verify(b"bundle", &sig));
    }

    #[test]
    fn a_damaged_key_file_is_refused() {
        let (_, mut der) = SigningKey::generate().unwrap();
        assert_eq!(
            SigningKey::from_pkcs8(&der[..der.len() - 1]).unwrap_err(),
            CryptoError::InvalidPrivateKey
        );
        // The last bytes are the embedded public key: a change breaks the pair's consistency.
        let last = der.len() - 1;
        der[last] ^= 1;
        assert!(SigningKey::from_pkcs8(&der).is_err());
        assert!(SigningKey::from_pkcs8(b"not a key").is_err());
    }

    #[test]
    fn public_keys_round_trip_through_base64url_only() {
        let (key, _) = SigningKey::generate().unwrap();
        let public = key.public_key();
        let text = public.to_string();
        assert_eq!(text.len(), 43);
        assert_eq!(text.parse::<PublicKey>().unwrap(), public);
        assert_eq!(
            PublicKey::from_base64url(&format!(" {text}\n")).unwrap(),
            public
        );
        assert!(PublicKey::from_base64url(&format!("{text}=")).is_err());
        assert!(PublicKey::from_base64url(&text[..42]).is_err());
        assert!(PublicKey::from_base64url("").is_err());
        assert!(format!("{key:?}").contains(&text));
    }
}
