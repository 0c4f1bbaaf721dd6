//! Signing keys delegated from a root key, in the manner of TUF's roles.
//!
//! The handset maker puts one or more *root* keys in the SDK's configuration. A root key signs a
//! [`TrustDocument`]: which keys may sign what ([`KeyRole`]) and until when, and which keys are
//! revoked. It travels as the `keys` bundle, so versions never go back. A carrier rotates its own
//! key without the root by a [`KeyRotation`] signed with its current key. A document signed by a
//! key that is revoked, expired, superseded or delegated for another role is refused.

use childsafe_crypto::envelope::{self, EnvelopeError};
use childsafe_crypto::{PublicKey, SigningKey};
use serde::{Deserialize, Serialize};

/// Prefixed to a trust document's payload before signing.
pub const TRUST_CONTEXT: &[u8] = b"childsafe trust document v1\n";
/// Prefixed to a key rotation's payload before signing.
pub const ROTATION_CONTEXT: &[u8] = b"childsafe key rotation v1\n";
/// Largest signed trust document accepted, in bytes: room for a few hundred delegations, while
/// anything absurd is refused before it is parsed.
pub const MAX_TRUST_DOCUMENT_BYTES: usize = 256 * 1024;
/// Largest signed key rotation accepted, in bytes.
pub const MAX_ROTATION_BYTES: usize = 4 * 1024;
/// Longest carrier id a delegation or rotation may name, in bytes.
pub const MAX_CARRIER_ID_BYTES: usize = 64;

/// What a delegated key may sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyRole {
    /// Activation profiles, deactivations and safety packs of one carrier.
    Carrier,
    /// Filter list bundles.
    Lists,
    /// The country directory.
    Directory,
}

/// One key a root delegates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delegation {
    /// What it may sign.
    pub role: KeyRole,
    /// The key.
    pub key: PublicKey,
    /// For [`KeyRole::Carrier`], the carrier id it signs for (documents naming another carrier
    /// are refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Unix seconds from which the delegation no longer holds (trusted time).
    pub expires_at: u64,
}

/// The root's document: the `keys` bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustDocument {
    /// Grows with every document; an older one is refused.
    pub version: u64,
    /// When the root signed it.
    pub issued_at: u64,
    /// From this second on the document is not installed (the one in force stays).
    pub expires_at: u64,
    /// The delegated keys.
    pub delegations: Vec<Delegation>,
    /// Keys no document may be accepted from again, whatever delegated them.
    #[serde(default)]
    pub revoked: Vec<PublicKey>,
}

/// A carrier's move from one key to the next, signed with the old key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRotation {
    /// The carrier.
    pub carrier: String,
    /// The key being retired; it signs this rotation.
    pub old_key: PublicKey,
    /// The key that takes over.
    pub new_key: PublicKey,
    /// When it was signed.
    pub issued_at: u64,
    /// Until when the new key holds (no later than the delegation it continues).
    pub expires_at: u64,
}

/// Why a trust document or key rotation was not signed or not opened.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyDocumentError {
    /// Not an envelope of a known format, larger than allowed, or not the expected document.
    #[error("the key document is malformed: {0}")]
    Malformed(&'static str),
    /// None of the keys it may come from signed it under its context.
    #[error("the key document is not signed by a key trusted to sign it")]
    BadSignature,
    /// It is signed, but what it says does not hold together; the text says what.
    #[error("the key document is inconsistent: {0}")]
    Inconsistent(&'static str),
}

impl From<EnvelopeError> for KeyDocumentError {
    fn from(error: EnvelopeError) -> Self {
        match error {
            EnvelopeError::Malformed(what) => Self::Malformed(what),
            EnvelopeError::BadSignature => Self::BadSignature,
        }
    }
}

impl TrustDocument {
    /// Signs the document with a root key (the operator's side), once it holds together.
    pub fn sign(&self, root: &SigningKey) -> Result<Vec<u8>, KeyDocumentError> {
        self.check()?;
        let sealed = envelope::seal(self, TRUST_CONTEXT, root)?;
        if sealed.len() > MAX_TRUST_DOCUMENT_BYTES {
            return Err(KeyDocumentError::Malformed("larger than allowed"));
        }
        Ok(sealed)
    }

    /// Opens a signed document: its size, the signature of one of `roots`, then its shape. It
    /// says nothing of versions or time, which the phone judges against what it holds.
    pub fn open(bytes: &[u8], roots: &[PublicKey]) -> Result<TrustDocument, KeyDocumentError> {
        let (document, _root): (TrustDocument, PublicKey) =
            envelope::open(bytes, TRUST_CONTEXT, roots, MAX_TRUST_DOCUMENT_BYTES)?;
        document.check()?;
        Ok(document)
    }

    /// Every rule a document must keep whoever signed it: a carrier key names its carrier and
    /// only a carrier key does, a key is delegated once, and a revoked key is not delegated.
    fn check(&self) -> Result<(), KeyDocumentError> {
        if self.expires_at <= self.issued_at {
            return Err(KeyDocumentError::Inconsistent(
                "the document expires before it was issued",
            ));
        }
        for (index, delegation) in self.delegations.iter().enumerate() {
            match (delegation.role, delegation.carrier.as_deref()) {
                (KeyRole::Carrier, Some(carrier)) => check_carrier_id(carrier)?,
                (KeyRole::Carrier, None) => {
                    return Err(KeyDocumentError::Inconsistent(
                        "a carrier key must name its carrier",
                    ));
                }
                (KeyRole::Lists | KeyRole::Directory, Some(_)) => {
                    return Err(KeyDocumentError::Inconsistent(
                        "only a carrier key names a carrier",
                    ));
                }
                (KeyRole::Lists | KeyRole::Directory, None) => {}
            }
            if self.delegations[..index]
                .iter()
                .any(|earlier| earlier.key == delegation.key)
            {
                return Err(KeyDocumentError::Inconsistent(
                    "a key is delegated more than once",
                ));
            }
            if self.revoked.contains(&delegation.key) {
                return Err(KeyDocumentError::Inconsistent(
                    "a key is both delegated and revoked",
                ));
            }
        }
        Ok(())
    }
}

impl KeyRotation {
    /// Signs the rotation with the key it retires, which must be the one it names.
    pub fn sign(&self, old_key: &SigningKey) -> Result<Vec<u8>, KeyDocumentError> {
        if old_key.public_key() != self.old_key {
            return Err(KeyDocumentError::Inconsistent(
                "a rotation is signed by the key it retires",
            ));
        }
        self.check()?;
        let sealed = envelope::seal(self, ROTATION_CONTEXT, old_key)?;
        if sealed.len() > MAX_ROTATION_BYTES {
            return Err(KeyDocumentError::Malformed("larger than allowed"));
        }
        Ok(sealed)
    }

    /// Opens a signed rotation made by one of `carrier_keys` (the carrier keys trusted now), and
    /// checks that the key that signed it is the one it retires.
    pub fn open(bytes: &[u8], carrier_keys: &[PublicKey]) -> Result<KeyRotation, KeyDocumentError> {
        let (rotation, signed_by): (KeyRotation, PublicKey) =
            envelope::open(bytes, ROTATION_CONTEXT, carrier_keys, MAX_ROTATION_BYTES)?;
        if signed_by != rotation.old_key {
            return Err(KeyDocumentError::Inconsistent(
                "a rotation is signed by the key it retires",
            ));
        }
        rotation.check()?;
        Ok(rotation)
    }

    fn check(&self) -> Result<(), KeyDocumentError> {
        check_carrier_id(&self.carrier)?;
        if self.new_key == self.old_key {
            return Err(KeyDocumentError::Inconsistent(
                "a rotation moves to a different key",
            ));
        }
        if self.expires_at <= self.issued_at {
            return Err(KeyDocumentError::Inconsistent(
                "the new key expires before the rotation was issued",
            ));
        }
        Ok(())
    }
}

fn check_carrier_id(carrier: &str) -> Result<(), KeyDocumentError> {
    if carrier.is_empty() || carrier.len() > MAX_CARRIER_ID_BYTES {
        return Err(KeyDocumentError::Inconsistent(
            "a carrier id is 1 to 64 bytes",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn key() -> SigningKey {
        SigningKey::generate().unwrap().0
    }

    fn document(delegations: Vec<Delegation>) -> TrustDocument {
        TrustDocument {
            version: 1,
            issued_at: 100,
            expires_at: 200,
            delegations,
            revoked: Vec::new(),
        }
    }

    fn delegation(role: KeyRole, key: PublicKey, carrier: Option<&str>) -> Delegation {
        Delegation {
            role,
            key,
            carrier: carrier.map(str::to_owned),
            expires_at: 300,
        }
    }

    #[test]
    fn a_document_opens_only_with_its_root_and_its_context() {
        let (root, other) = (key(), key());
        let signed = document(vec![delegation(KeyRole::Lists, key().public_key(), None)])
            .sign(&root)
            .unwrap();
        let opened = TrustDocument::open(&signed, &[root.public_key()]).unwrap();
        assert_eq!(opened.version, 1);
        assert_eq!(
            TrustDocument::open(&signed, &[other.public_key()]),
            Err(KeyDocumentError::BadSignature)
        );
        // The same root's signature on a rotation is no trust document.
        let rotation = KeyRotation {
            carrier: "a".to_owned(),
            old_key: root.public_key(),
            new_key: other.public_key(),
            issued_at: 100,
            expires_at: 200,
        }
        .sign(&root)
        .unwrap();
        assert_eq!(
            TrustDocument::open(&rotation, &[root.public_key()]),
            Err(KeyDocumentError::BadSignature)
        );
    }

    #[test]
    fn tampered_or_oversized_documents_do_not_open() {
        let root = key();
        let mut signed = document(Vec::new()).sign(&root).unwrap();
        let payload = b"\"payload\": \"";
        let at = signed
            .windows(payload.len())
            .position(|window| window == payload)
            .unwrap()
            + payload.len()
            + 10;
        signed[at] = if signed[at] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            TrustDocument::open(&signed, &[root.public_key()]),
            Err(KeyDocumentError::BadSignature)
        );
        let huge = vec![b' '; MAX_TRUST_DOCUMENT_BYTES + 1];
        assert_eq!(
            TrustDocument::open(&huge, &[root.public_key()]),
            Err(KeyDocumentError::Malformed("larger than allowed"))
        );
    }

    #[test]
    fn a_document_that_does_not_hold_together_is_neither_signed_nor_opened() {
        let root = key();
        let lists = key().public_key();
        let cases = [
            document(vec![delegation(KeyRole::Carrier, lists, None)]),
            document(vec![delegation(KeyRole::Lists, lists, Some("a"))]),
            document(vec![delegation(KeyRole::Carrier, lists, Some(""))]),
            document(vec![
                delegation(KeyRole::Lists, lists, None),
                delegation(KeyRole::Directory, lists, None),
            ]),
            TrustDocument {
                revoked: vec![lists],
                ..document(vec![delegation(KeyRole::Lists, lists, None)])
            },
            TrustDocument {
                expires_at: 100,
                ..document(Vec::new())
            },
        ];
        for case in cases {
            assert!(
                matches!(case.sign(&root), Err(KeyDocumentError::Inconsistent(_))),
                "{case:?}"
            );
            // Signed anyway (by a tool that skips the checks), the phone still refuses it.
            let sealed = envelope::seal(&case, TRUST_CONTEXT, &root).unwrap();
            assert!(
                matches!(
                    TrustDocument::open(&sealed, &[root.public_key()]),
                    Err(KeyDocumentError::Inconsistent(_))
                ),
                "{case:?}"
            );
        }
    }

    #[test]
    fn a_rotation_is_signed_by_the_key_it_retires() {
        let (old, new, stranger) = (key(), key(), key());
        let rotation = KeyRotation {
            carrier: "a".to_owned(),
            old_key: old.public_key(),
            new_key: new.public_key(),
            issued_at: 100,
            expires_at: 200,
        };
        let signed = rotation.sign(&old).unwrap();
        assert_eq!(
            KeyRotation::open(&signed, &[old.public_key()]).unwrap(),
            rotation
        );
        assert_eq!(
            KeyRotation::open(&signed, &[stranger.public_key()]),
            Err(KeyDocumentError::BadSignature)
        );
        assert!(matches!(
            rotation.sign(&stranger),
            Err(KeyDocumentError::Inconsistent(_))
        ));
        // A rotation naming one old key but signed by another trusted key is refused.
        let forged = envelope::seal(&rotation, ROTATION_CONTEXT, &stranger).unwrap();
        assert!(matches!(
            KeyRotation::open(&forged, &[old.public_key(), stranger.public_key()]),
            Err(KeyDocumentError::Inconsistent(_))
        ));
        let to_itself = KeyRotation {
            new_key: old.public_key(),
            ..rotation
        };
        assert!(matches!(
            to_itself.sign(&old),
            Err(KeyDocumentError::Inconsistent(_))
        ));
    }
}
