//! The offline parent code: a six-digit code that rotates every 30 seconds and lets a parent
//! unlock safe mode on the child's phone without a network.
//!
//! It is TOTP (RFC 6238) over a secret shared at pairing: the parent's phone (or any authenticator
//! app the parent scans the secret into) shows [`current_code`], and the child's phone checks it
//! with [`ParentCodeState::verify`] on [`TrustedNow`], so setting the clock does not bring
//! back an old code. The choices, with the constants in [`super`]:
//!
//! - HMAC-SHA1, RFC 6238's default. It is the one algorithm every authenticator app implements
//!   (several ignore a request for another), and HMAC's strength does not rest on the collision
//!   resistance that SHA-1 has lost.
//! - Steps of [`PARENT_CODE_STEP_SECS`] from the Unix epoch, [`PARENT_CODE_DIGITS`] digits, and
//!   [`PARENT_CODE_SKEW_STEPS`] step either side accepted for clocks that disagree.
//! - Each code works once: the state remembers the last step accepted and refuses any code of
//!   that step or earlier, so a code seen over a parent's shoulder is spent.
//! - Wrong codes are counted, before the comparison, in the same escalating [`Lockout`] as the
//!   PIN: three acceptable steps give a guess three chances in a million, and the lockout keeps
//!   guessing from adding up.

use std::fmt;

use ring::hmac;
use serde::{Deserialize, Serialize};

use super::lockout::{LockedOut, Lockout};
use super::{
    PARENT_CODE_DIGITS, PARENT_CODE_SKEW_STEPS, PARENT_CODE_STEP_SECS, PARENT_SECRET_LEN, base32,
};
use crate::crypto::{CryptoError, random_bytes};
use crate::time::TrustedNow;

/// The longest secret accepted, in bytes: one HMAC-SHA1 block. A longer key would be hashed
/// first, which some authenticator apps get wrong.
const MAX_SECRET_LEN: usize = 64;

/// The secret shared between the child's phone and the parent at pairing. Shown to the parent as
/// base32 ([`ParentSecret::to_base32`]); stored in that form too.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ParentSecret(Vec<u8>);

/// Proof that a parent just identified themselves: by the offline code
/// ([`ParentCodeState::verify`]) or, later, by a signed command. Settings that only a parent may
/// change take one, so they cannot be reached without.
#[derive(Debug)]
#[must_use = "a credential proves nothing unless it is handed to what it authorises"]
pub struct ParentCredential {
    _private: (),
}

/// The parent-code state of a child's phone: the secret, the last step accepted, and the
/// lockout for wrong codes. Plain data, persisted after every [`ParentCodeState::verify`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentCodeState {
    secret: ParentSecret,
    last_accepted_step: Option<u64>,
    lockout: Lockout,
}

/// Why a parent code was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParentCodeError {
    /// Not six digits (spaces between them are allowed); nothing was counted.
    #[error("a parent code is {PARENT_CODE_DIGITS} digits")]
    Malformed,
    /// Not the code of the current time; counted as a failed attempt.
    #[error("the parent code is not right")]
    Wrong,
    /// The code was right but has been used already; counted as a failed attempt.
    #[error("this parent code has been used already; wait for the next one")]
    Reused,
    /// Too many wrong codes; nothing was checked or counted.
    #[error(transparent)]
    LockedOut(#[from] LockedOut),
}

/// Why text or bytes are not a parent secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a parent secret is 20 to 64 bytes, written in base32")]
pub struct InvalidParentSecret;

/// The parent code for `secret` at `unix_secs`, as the parent's side shows it: always
/// [`PARENT_CODE_DIGITS`] digits, with leading zeros. The parent's phone uses its own clock here;
/// only the child's phone needs trusted time.
pub fn current_code(secret: &ParentSecret, unix_secs: u64) -> String {
    let code = code_for_step(secret, unix_secs / PARENT_CODE_STEP_SECS);
    format!("{code:0width$}", width = PARENT_CODE_DIGITS as usize)
}

impl ParentSecret {
    /// A new secret of [`PARENT_SECRET_LEN`] bytes from the system's secure generator.
    pub fn generate() -> Result<Self, CryptoError> {
        Ok(Self(random_bytes::<PARENT_SECRET_LEN>()?.to_vec()))
    }

    /// A secret from its bytes: 20 to 64 of them.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, InvalidParentSecret> {
        if (PARENT_SECRET_LEN..=MAX_SECRET_LEN).contains(&bytes.len()) {
            Ok(Self(bytes.to_vec()))
        } else {
            Err(InvalidParentSecret)
        }
    }

    /// A secret written in base32, as [`ParentSecret::to_base32`] writes it or a person types
    /// it (any case, spaces or dashes between groups).
    pub fn from_base32(text: &str) -> Result<Self, InvalidParentSecret> {
        let bytes = base32::decode(text).map_err(|_| InvalidParentSecret)?;
        Self::from_bytes(&bytes)
    }

    /// The secret in base32, upper case without padding: what authenticator apps take.
    pub fn to_base32(&self) -> String {
        base32::encode(&self.0, false)
    }

    /// The secret both the phone and the parent's app derive from the pairing secret they share
    /// (the QR code's): `SHA-256(label || pairing secret)`, 32 bytes. No one else holds the
    /// pairing secret, so no one else can make the parent's offline codes or open a PIN it sends.
    pub fn from_pairing_secret(pairing: &crate::protocol::pairing::PairingSecret) -> Self {
        Self(crate::crypto::sha256_of_parts(&[FROM_PAIRING_LABEL, pairing.as_bytes()]).to_vec())
    }

    /// The AES-256 key that seals a new PIN inside a parent command, derived from the secret
    /// under its own label so that it is independent of the codes made from the same secret.
    pub(crate) fn pin_transport_key(&self) -> [u8; 32] {
        crate::crypto::sha256_of_parts(&[PIN_TRANSPORT_LABEL, &self.0])
    }
}

/// Label of the derivation in [`ParentSecret::from_pairing_secret`].
const FROM_PAIRING_LABEL: &[u8] = b"childsafe parent secret from pairing v1\0";

/// Label of the key derivation in [`ParentSecret::pin_transport_key`].
const PIN_TRANSPORT_LABEL: &[u8] = b"childsafe parent PIN transport key v1\0";

impl fmt::Debug for ParentSecret {
    /// Never shows the secret: it must not reach a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ParentSecret(..)")
    }
}

impl TryFrom<String> for ParentSecret {
    type Error = InvalidParentSecret;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::from_base32(&text)
    }
}

impl From<ParentSecret> for String {
    fn from(secret: ParentSecret) -> Self {
        secret.to_base32()
    }
}

impl ParentCredential {
    /// A credential, for the code that has just checked a parent's proof.
    pub(crate) fn new() -> Self {
        Self { _private: () }
    }
}

impl ParentCodeState {
    /// The state for a newly paired secret: no code used yet, no failures.
    pub fn new(secret: ParentSecret) -> Self {
        Self {
            secret,
            last_accepted_step: None,
            lockout: Lockout::default(),
        }
    }

    /// The shared secret, to show the parent at pairing.
    pub fn secret(&self) -> &ParentSecret {
        &self.secret
    }

    /// Checks `code` at `now`. A right code of a step not used before gives a
    /// [`ParentCredential`] and clears the failure count; anything but a malformed code or a
    /// lockout is counted first. Persist the state after every call, before acting on the answer.
    pub fn verify(
        &mut self,
        code: &str,
        now: TrustedNow,
    ) -> Result<ParentCredential, ParentCodeError> {
        let given = parse_code(code).ok_or(ParentCodeError::Malformed)?;
        self.lockout.begin(now)?;
        let step = now.unix_secs() / PARENT_CODE_STEP_SECS;
        // Every step in the window is computed and compared whatever the outcome, so the time
        // taken says nothing about which step (if any) matched.
        let matched = (step.saturating_sub(PARENT_CODE_SKEW_STEPS)
            ..=step.saturating_add(PARENT_CODE_SKEW_STEPS))
            .filter(|&candidate| code_for_step(&self.secret, candidate) == given)
            .max();
        match matched {
            None => Err(ParentCodeError::Wrong),
            Some(used) if self.last_accepted_step.is_some_and(|last| used <= last) => {
                Err(ParentCodeError::Reused)
            }
            Some(accepted) => {
                self.last_accepted_step = Some(accepted);
                self.lockout.succeed();
                Ok(ParentCredential::new())
            }
        }
    }

    /// Refuses with [`LockedOut`] while wrong codes must wait; counts nothing.
    pub fn check_lockout(&self, now: TrustedNow) -> Result<(), LockedOut> {
        self.lockout.check(now)
    }
}

/// The code as a number, from exactly [`PARENT_CODE_DIGITS`] ASCII digits with any spaces
/// between them (apps show `123 456`).
fn parse_code(text: &str) -> Option<u32> {
    let digits: String = text.chars().filter(|c| *c != ' ').collect();
    let right_length = digits.len() == PARENT_CODE_DIGITS as usize;
    if !right_length || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// HOTP (RFC 4226, section 5.3) of `secret` at counter `step`, reduced to the code's digits.
fn code_for_step(secret: &ParentSecret, step: u64) -> u32 {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &secret.0);
    let tag = hmac::sign(&key, &step.to_be_bytes());
    let mac = tag.as_ref();
    // Dynamic truncation: the low four bits of the last byte pick where four bytes are read.
    // An HMAC-SHA1 tag is 20 bytes, so an offset of at most 15 leaves four bytes to read.
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let word = u32::from_be_bytes([
        mac[offset],
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    (word & 0x7fff_ffff) % 10u32.pow(PARENT_CODE_DIGITS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::TrustedClock;

    /// RFC 4226, appendix D: the HOTP values of the ASCII secret "12345678901234567890" for
    /// counters 0 to 9.
    const RFC_4226_HOTP: [&str; 10] = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];

    fn rfc_secret() -> ParentSecret {
        ParentSecret::from_bytes(b"12345678901234567890").unwrap()
    }

    #[test]
    fn steps_give_the_rfc_4226_hotp_values() {
        for (counter, expected) in (0u64..).zip(RFC_4226_HOTP) {
            assert_eq!(
                current_code(&rfc_secret(), counter * PARENT_CODE_STEP_SECS),
                expected
            );
        }
    }

    #[test]
    fn codes_parse_with_spaces_and_only_as_six_digits() {
        assert_eq!(parse_code("012 345"), Some(12_345));
        for bad in ["12345", "1234567", "12345a", "+12345", "１２３４５６", ""] {
            assert_eq!(parse_code(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn secrets_keep_to_their_lengths_and_stay_out_of_debug() {
        assert_eq!(
            ParentSecret::from_bytes(&[0; 19]).unwrap_err(),
            InvalidParentSecret
        );
        assert!(ParentSecret::from_bytes(&[0; 64]).is_ok());
        assert!(ParentSecret::from_bytes(&[0; 65]).is_err());
        let secret = ParentSecret::generate().unwrap();
        assert_eq!(secret.to_base32().len(), 32);
        assert_eq!(
            ParentSecret::from_base32(&secret.to_base32().to_lowercase()).unwrap(),
            secret
        );
        assert_eq!(format!("{secret:?}"), "ParentSecret(..)");
    }

    #[test]
    fn a_malformed_code_is_not_counted_but_a_wrong_one_is() {
        let mut clock = TrustedClock::default();
        let now = clock.now(1_111_111_109, 1, 1);
        let mut state = ParentCodeState::new(rfc_secret());
        assert!(matches!(
            state.verify("12", now),
            Err(ParentCodeError::Malformed)
        ));
        assert_eq!(state.lockout.failed_attempts(), 0);
        // 1111111109 is an RFC 6238 vector time; its code ends in 081804.
        assert!(matches!(
            state.verify("000000", now),
            Err(ParentCodeError::Wrong)
        ));
        assert_eq!(state.lockout.failed_attempts(), 1);
        assert!(state.verify("081804", now).is_ok());
        assert_eq!(state.lockout.failed_attempts(), 0);
    }
}
