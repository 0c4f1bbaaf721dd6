//! Pairing a parent's app with a child's phone so that the relay cannot take it over. The phone
//! draws a 128-bit [`PairingSecret`] that only it and the parent's app ever hold (it travels in
//! a QR code, [`PairingQr`]); the backend sees only the public half of a key derived from it.
//!
//! 1. Both ends derive the same Ed25519 pairing key from the secret
//!    ([`PairingSecret::pairing_key`]: the seed is `SHA-256("childsafe pairing key v1\n" || S)`).
//!    The phone registers the public half with its invite.
//! 2. The parent's app signs a claim with the pairing key over [`CLAIM_CONTEXT`], the device id
//!    and its own public key ([`sign_claim`]). The backend checks it against the invite
//!    ([`verify_claim`]) and so does the phone, which trusts nothing the relay forwards: a key the
//!    relay put in place of the parent's has no claim signature to show.
//! 3. Both screens show the same six digits ([`confirmation_code`]), derived from the secret and
//!    both public keys, so the people holding the phones see that they paired with each other.
//! 4. The phone tells the backend with a device-signed [`ParentStatement`]: only then does the
//!    backend treat the parent as paired; a later statement removes it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_crypto::envelope::{self, EnvelopeError};
use childsafe_crypto::{self as crypto, PublicKey, SigningKey};
use serde::{Deserialize, Serialize};

use crate::request_signing::key_id;

/// Bytes in a [`PairingSecret`]: 128 bits, beyond any offline guess from what the backend keeps.
pub const PAIRING_SECRET_LEN: usize = 16;
/// Characters of a secret in base32 (RFC 4648 alphabet, no padding), the form typed by hand.
pub const PAIRING_SECRET_BASE32_LEN: usize = 26;
/// Digits of the confirmation code both screens show.
pub const CONFIRMATION_DIGITS: usize = 6;
/// What the QR payload starts with, before its version.
pub const QR_SCHEME: &str = "childsafe-pair";
/// The QR payload version this build writes and reads.
pub const QR_VERSION: u32 = 1;

/// Hashed before the secret to make the pairing key's seed.
pub const PAIRING_KEY_CONTEXT: &[u8] = b"childsafe pairing key v1\n";
/// Signed before the device id and the parent's key in a claim.
pub const CLAIM_CONTEXT: &[u8] = b"childsafe pairing claim v1\n";
/// Hashed before the secret and both keys to make the confirmation code.
pub const CONFIRMATION_CONTEXT: &[u8] = b"childsafe pairing confirm v1\n";
/// The envelope context of a [`ParentStatement`].
pub const STATEMENT_CONTEXT: &[u8] = b"childsafe parent statement v1\n";
/// Largest sealed statement read.
pub const MAX_STATEMENT_BYTES: usize = 4 * 1024;

/// RFC 4648 base32 alphabet.
const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// 10^[`CONFIRMATION_DIGITS`].
const CONFIRMATION_SPACE: u64 = 1_000_000;

/// Why a pairing secret or QR payload was refused. Messages never contain the secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PairingError {
    /// The payload is not `childsafe-pair:<version>:<device id>:<secret>`.
    #[error("not a childsafe pairing code (expected childsafe-pair:1:<device id>:<secret>)")]
    NotAPairingCode,
    /// A payload of a version this build does not read.
    #[error("pairing code version {0} is not supported; update the app")]
    UnsupportedVersion(String),
    /// The device id is not 32 lowercase hex digits.
    #[error("the device id in the pairing code is not 32 lowercase hex digits")]
    BadDeviceId,
    /// The secret is not 26 base32 characters of 128 bits.
    #[error("the secret in the pairing code is not 26 base32 characters")]
    BadSecret,
    /// The system random generator failed.
    #[error("no randomness for a pairing secret")]
    Random,
    /// A statement that does not open under the device's key, or is not for this device.
    #[error("the statement is not signed by this device")]
    BadStatement,
}

/// The 128-bit secret a pairing rests on. Only the phone and the parent's app hold it.
#[derive(Clone, PartialEq, Eq)]
pub struct PairingSecret([u8; PAIRING_SECRET_LEN]);

impl std::fmt::Debug for PairingSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PairingSecret(..)")
    }
}

impl PairingSecret {
    /// A new secret from the system's random generator.
    pub fn generate() -> Result<Self, PairingError> {
        crypto::random_bytes::<PAIRING_SECRET_LEN>()
            .map(Self)
            .map_err(|_| PairingError::Random)
    }

    /// The secret of these bytes.
    pub fn from_bytes(bytes: [u8; PAIRING_SECRET_LEN]) -> Self {
        Self(bytes)
    }

    /// The secret's bytes.
    pub fn as_bytes(&self) -> &[u8; PAIRING_SECRET_LEN] {
        &self.0
    }

    /// The secret in base32, upper case, without padding: 26 characters.
    pub fn to_base32(&self) -> String {
        let mut out = String::with_capacity(PAIRING_SECRET_BASE32_LEN);
        let (mut buffer, mut bits) = (0u32, 0u32);
        for &byte in &self.0 {
            buffer = (buffer << 8) | u32::from(byte);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(char::from(
                    BASE32_ALPHABET[((buffer >> bits) & 31) as usize],
                ));
            }
        }
        if bits > 0 {
            out.push(char::from(
                BASE32_ALPHABET[((buffer << (5 - bits)) & 31) as usize],
            ));
        }
        out
    }

    /// Reads the base32 form, in either case; refuses anything but 26 characters whose last,
    /// unused bits are zero, so each secret has one written form.
    pub fn from_base32(text: &str) -> Result<Self, PairingError> {
        if text.len() != PAIRING_SECRET_BASE32_LEN {
            return Err(PairingError::BadSecret);
        }
        let mut bytes = [0u8; PAIRING_SECRET_LEN];
        let (mut buffer, mut bits, mut filled) = (0u32, 0u32, 0usize);
        for c in text.bytes() {
            let value = BASE32_ALPHABET
                .iter()
                .position(|&a| a == c.to_ascii_uppercase())
                .ok_or(PairingError::BadSecret)?;
            buffer = ((buffer << 5) | value as u32) & 0xffff;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                let slot = bytes.get_mut(filled).ok_or(PairingError::BadSecret)?;
                *slot = (buffer >> bits) as u8;
                filled += 1;
            }
        }
        if filled != PAIRING_SECRET_LEN || buffer & ((1 << bits) - 1) != 0 {
            return Err(PairingError::BadSecret);
        }
        Ok(Self(bytes))
    }

    /// The pairing key both ends derive: its Ed25519 seed is
    /// `SHA-256(PAIRING_KEY_CONTEXT || secret)`.
    pub fn pairing_key(&self) -> Result<SigningKey, PairingError> {
        let seed = crypto::sha256_of_parts(&[PAIRING_KEY_CONTEXT, &self.0]);
        SigningKey::from_seed(&seed).map_err(|_| PairingError::BadSecret)
    }
}

/// What the phone's QR code carries: `childsafe-pair:1:<device_id>:<base32 secret>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairingQr {
    /// The child's device id (the key id of its public key), so the parent's app can check the
    /// key the backend hands it.
    pub device_id: String,
    /// The pairing secret.
    pub secret: PairingSecret,
}

impl PairingQr {
    /// The payload to encode in the QR code.
    pub fn to_payload(&self) -> String {
        format!(
            "{QR_SCHEME}:{QR_VERSION}:{}:{}",
            self.device_id,
            self.secret.to_base32()
        )
    }

    /// Reads a scanned payload.
    pub fn parse(payload: &str) -> Result<Self, PairingError> {
        let mut parts = payload.trim().split(':');
        if parts.next() != Some(QR_SCHEME) {
            return Err(PairingError::NotAPairingCode);
        }
        let (Some(version), Some(device_id), Some(secret), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(PairingError::NotAPairingCode);
        };
        if version != QR_VERSION.to_string() {
            return Err(PairingError::UnsupportedVersion(
                version.chars().take(8).collect(),
            ));
        }
        if !is_key_id(device_id) {
            return Err(PairingError::BadDeviceId);
        }
        Ok(Self {
            device_id: device_id.to_owned(),
            secret: PairingSecret::from_base32(secret)?,
        })
    }
}

/// The message a claim signs: the context, the device id, a newline, the parent's key bytes.
pub fn claim_message(device_id: &str, parent_key: &PublicKey) -> Vec<u8> {
    [CLAIM_CONTEXT, device_id.as_bytes(), b"\n", &parent_key.0].concat()
}

/// The parent's app signs its claim on `device_id` with the pairing key: unpadded base64url.
pub fn sign_claim(pairing_key: &SigningKey, device_id: &str, parent_key: &PublicKey) -> String {
    URL_SAFE_NO_PAD.encode(pairing_key.sign(&claim_message(device_id, parent_key)))
}

/// Whether `signature` is the pairing key's claim of `device_id` for `parent_key`.
pub fn verify_claim(
    pairing_public_key: &PublicKey,
    device_id: &str,
    parent_key: &PublicKey,
    signature: &str,
) -> bool {
    URL_SAFE_NO_PAD.decode(signature).is_ok_and(|signature| {
        pairing_public_key.verify(&claim_message(device_id, parent_key), &signature)
    })
}

/// The six digits both screens show: the first 8 bytes of
/// `SHA-256(CONFIRMATION_CONTEXT || secret || device key || parent key)`, big-endian, modulo
/// 10^6, zero-padded. Anyone without the secret cannot make a key that shows the same digits
/// except by a one-in-a-million chance, and the secret never reaches the backend.
pub fn confirmation_code(
    secret: &PairingSecret,
    device_key: &PublicKey,
    parent_key: &PublicKey,
) -> String {
    let digest = crypto::sha256_of_parts(&[
        CONFIRMATION_CONTEXT,
        secret.as_bytes(),
        &device_key.0,
        &parent_key.0,
    ]);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // 2^64 is so far above 10^6 that the modulo's bias is below one in 10^13.
    format!(
        "{:0width$}",
        u64::from_be_bytes(first) % CONFIRMATION_SPACE,
        width = CONFIRMATION_DIGITS
    )
}

/// A parent's place on a phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParentRole {
    /// The first parent: may remove others.
    Owner,
    /// A parent the owner invited.
    Member,
}

/// What a phone tells the backend about one of its parents, signed with the device's key so that
/// the backend cannot make one up. `seq` grows with each statement of the device, so an old
/// statement cannot be played again after a newer one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "statement", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ParentStatement {
    /// The phone enrolled this parent after its PIN was entered and the codes matched.
    ParentConfirmed {
        /// The phone's device id.
        device_id: String,
        /// The parent's key.
        parent_public_key: PublicKey,
        /// Owner or member.
        role: ParentRole,
        /// The phone's statement counter.
        seq: u64,
    },
    /// The phone dropped this parent.
    ParentRemoved {
        /// The phone's device id.
        device_id: String,
        /// The parent's key.
        parent_public_key: PublicKey,
        /// The phone's statement counter.
        seq: u64,
    },
}

impl ParentStatement {
    /// The device the statement is about.
    pub fn device_id(&self) -> &str {
        match self {
            ParentStatement::ParentConfirmed { device_id, .. }
            | ParentStatement::ParentRemoved { device_id, .. } => device_id,
        }
    }

    /// The parent the statement is about.
    pub fn parent_public_key(&self) -> &PublicKey {
        match self {
            ParentStatement::ParentConfirmed {
                parent_public_key, ..
            }
            | ParentStatement::ParentRemoved {
                parent_public_key, ..
            } => parent_public_key,
        }
    }

    /// The phone's statement counter.
    pub fn seq(&self) -> u64 {
        match self {
            ParentStatement::ParentConfirmed { seq, .. }
            | ParentStatement::ParentRemoved { seq, .. } => *seq,
        }
    }

    /// Signs the statement with the device's key: the envelope's bytes.
    pub fn seal(&self, device_key: &SigningKey) -> Result<Vec<u8>, PairingError> {
        envelope::seal(self, STATEMENT_CONTEXT, device_key).map_err(|_| PairingError::BadStatement)
    }

    /// Opens a sealed statement with the device's key, and refuses one that names another device
    /// than the key's.
    pub fn open(sealed: &[u8], device_key: &PublicKey) -> Result<Self, PairingError> {
        let (statement, _): (Self, _) = envelope::open(
            sealed,
            STATEMENT_CONTEXT,
            std::slice::from_ref(device_key),
            MAX_STATEMENT_BYTES,
        )
        .map_err(|_: EnvelopeError| PairingError::BadStatement)?;
        if statement.device_id() != key_id(device_key) {
            return Err(PairingError::BadStatement);
        }
        Ok(statement)
    }
}

/// Whether `text` has the shape of a [`key_id`]: 32 lowercase hex digits.
fn is_key_id(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::generate().unwrap().0
    }

    fn secret(byte: u8) -> PairingSecret {
        PairingSecret::from_bytes([byte; PAIRING_SECRET_LEN])
    }

    #[test]
    fn both_ends_derive_the_same_pairing_key_from_the_secret_alone() {
        let s = PairingSecret::generate().unwrap();
        let typed = PairingSecret::from_base32(&s.to_base32().to_lowercase()).unwrap();
        assert_eq!(
            s.pairing_key().unwrap().public_key(),
            typed.pairing_key().unwrap().public_key()
        );
        assert_ne!(
            secret(1).pairing_key().unwrap().public_key(),
            secret(2).pairing_key().unwrap().public_key()
        );
    }

    #[test]
    fn base32_is_26_characters_and_round_trips() {
        for s in [secret(0), secret(0xff), PairingSecret::generate().unwrap()] {
            let text = s.to_base32();
            assert_eq!(text.len(), PAIRING_SECRET_BASE32_LEN);
            assert_eq!(PairingSecret::from_base32(&text).unwrap(), s);
        }
        assert_eq!(secret(0).to_base32(), "A".repeat(26));
    }

    #[test]
    fn malformed_secrets_are_refused() {
        let good = secret(7).to_base32();
        for bad in [
            "",
            &good[..25],
            &format!("{good}A"),
            &format!("{}1", &good[..25]),
            // The last character carries two unused bits; they must be zero.
            &format!("{}7", &good[..25]),
        ] {
            assert_eq!(
                PairingSecret::from_base32(bad),
                Err(PairingError::BadSecret),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_qr_payload_round_trips() {
        let device = key();
        let qr = PairingQr {
            device_id: key_id(&device.public_key()),
            secret: PairingSecret::generate().unwrap(),
        };
        let payload = qr.to_payload();
        assert!(payload.starts_with("childsafe-pair:1:"), "{payload}");
        assert_eq!(PairingQr::parse(&payload).unwrap(), qr);
    }

    #[test]
    fn a_malformed_qr_payload_is_refused_with_a_clear_error() {
        let id = key_id(&key().public_key());
        let s = secret(3).to_base32();
        let cases = [
            (
                String::from("https://example.com"),
                PairingError::NotAPairingCode,
            ),
            (
                format!("childsafe-pair:1:{id}"),
                PairingError::NotAPairingCode,
            ),
            (
                format!("childsafe-pair:1:{id}:{s}:x"),
                PairingError::NotAPairingCode,
            ),
            (
                format!("childsafe-pair:2:{id}:{s}"),
                PairingError::UnsupportedVersion("2".into()),
            ),
            (
                format!("childsafe-pair:1:{}:{s}", id.to_uppercase()),
                PairingError::BadDeviceId,
            ),
            (
                format!("childsafe-pair:1:abc:{s}"),
                PairingError::BadDeviceId,
            ),
            (
                format!("childsafe-pair:1:{id}:{}", &s[..20]),
                PairingError::BadSecret,
            ),
        ];
        for (payload, expected) in cases {
            let error = PairingQr::parse(&payload).unwrap_err();
            assert_eq!(error, expected, "{payload}");
            assert!(!error.to_string().contains(&s), "the secret never shows");
        }
    }

    #[test]
    fn a_claim_verifies_only_with_the_pairing_key_and_its_own_inputs() {
        let pairing = secret(9).pairing_key().unwrap();
        let parent = key().public_key();
        let device_id = key_id(&key().public_key());
        let signature = sign_claim(&pairing, &device_id, &parent);
        assert!(verify_claim(
            &pairing.public_key(),
            &device_id,
            &parent,
            &signature
        ));

        let other_pairing = secret(10).pairing_key().unwrap();
        let forged = sign_claim(&other_pairing, &device_id, &parent);
        assert!(!verify_claim(
            &pairing.public_key(),
            &device_id,
            &parent,
            &forged
        ));
        let by_a_plain_key = sign_claim(&key(), &device_id, &parent);
        assert!(!verify_claim(
            &pairing.public_key(),
            &device_id,
            &parent,
            &by_a_plain_key
        ));

        // The relay cannot move the claim to its own key or to another device.
        let relay = key().public_key();
        assert!(!verify_claim(
            &pairing.public_key(),
            &device_id,
            &relay,
            &signature
        ));
        let other_device = key_id(&key().public_key());
        assert!(!verify_claim(
            &pairing.public_key(),
            &other_device,
            &parent,
            &signature
        ));
        assert!(!verify_claim(
            &pairing.public_key(),
            &device_id,
            &parent,
            "not base64!"
        ));
    }

    #[test]
    fn the_confirmation_code_is_six_digits_and_changes_with_every_input() {
        let (device, parent) = (key().public_key(), key().public_key());
        let code = confirmation_code(&secret(1), &device, &parent);
        assert_eq!(code.len(), CONFIRMATION_DIGITS);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(confirmation_code(&secret(1), &device, &parent), code);

        let other = key().public_key();
        for changed in [
            confirmation_code(&secret(2), &device, &parent),
            confirmation_code(&secret(1), &other, &parent),
            confirmation_code(&secret(1), &device, &other),
            confirmation_code(&secret(1), &parent, &device),
        ] {
            assert_ne!(changed, code);
        }
    }

    #[test]
    fn a_statement_opens_only_under_the_key_of_the_device_it_names() {
        let device = key();
        let statement = ParentStatement::ParentConfirmed {
            device_id: key_id(&device.public_key()),
            parent_public_key: key().public_key(),
            role: ParentRole::Owner,
            seq: 1,
        };
        let sealed = statement.seal(&device).unwrap();
        assert_eq!(
            ParentStatement::open(&sealed, &device.public_key()).unwrap(),
            statement
        );

        let other = key();
        assert_eq!(
            ParentStatement::open(&sealed, &other.public_key()),
            Err(PairingError::BadStatement)
        );
        // Another device signing a statement about this one is refused too.
        let by_other = statement.seal(&other).unwrap();
        assert_eq!(
            ParentStatement::open(&by_other, &other.public_key()),
            Err(PairingError::BadStatement)
        );
        assert_eq!(
            ParentStatement::open(&by_other, &device.public_key()),
            Err(PairingError::BadStatement)
        );
    }

    #[test]
    fn a_removal_reads_back_as_a_removal() {
        let device = key();
        let removed = ParentStatement::ParentRemoved {
            device_id: key_id(&device.public_key()),
            parent_public_key: key().public_key(),
            seq: 4,
        };
        let opened =
            ParentStatement::open(&removed.seal(&device).unwrap(), &device.public_key()).unwrap();
        assert_eq!(opened, removed);
        assert_eq!(opened.seq(), 4);
    }
}
