//! Parent commands: changes a parent makes from their own phone, signed with the parent key
//! enrolled at pairing, verified on the child's phone whatever relayed them.
//!
//! The backend only stores and forwards these blobs. It cannot forge one (it has no parent key),
//! cannot replay one (each carries a sequence number that must grow, per parent key), and cannot
//! redirect one to another child (each names the device it is for, inside the signature).
//!
//! # Wire form
//!
//! Like activation profiles: `{"format": 1, "payload": B64, "signature": B64}` (base64url without
//! padding), the signature over [`SIGNING_CONTEXT`] followed by the payload, the JSON of
//! [`ParentCommand`].

use serde::{Deserialize, Serialize};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::AgeBand;
use super::parent_code::ParentSecret;
use crate::crypto::envelope::{self, EnvelopeError};
use crate::crypto::{PublicKey, SigningKey, aead};

/// Prefixed to the payload before signing and verifying.
pub const SIGNING_CONTEXT: &[u8] = b"childsafe parent command v1\n";
/// Largest envelope accepted, in bytes.
pub const MAX_ENVELOPE_BYTES: usize = 16 * 1024;

/// One change a parent asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum ParentAction {
    /// Move the child to another age band (its defaults replace the current ones).
    SetAgeBand {
        /// The new band.
        band: AgeBand,
    },
    /// Block a filter category.
    BlockCategory {
        /// The category's name.
        category: String,
    },
    /// Unblock a filter category.
    UnblockCategory {
        /// The category's name.
        category: String,
    },
    /// Let a host (and its subdomains) load whatever its category.
    AllowHost {
        /// The host.
        host: String,
    },
    /// Never let a host (and its subdomains) load.
    DenyHost {
        /// The host.
        host: String,
    },
    /// Remove the parent's own allow or deny rule for a host.
    ClearHostRule {
        /// The host.
        host: String,
    },
    /// Approve a child's access request: the host loads until a time.
    ApproveAccess {
        /// The host.
        host: String,
        /// Until when, unix seconds (trusted time).
        until_unix: u64,
        /// The access request this answers, when it answers one, so the child sees the answer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Refuse a child's access request; the child sees the answer and nothing else changes.
    DenyAccess {
        /// The access request this answers.
        request_id: String,
        /// Its host.
        host: String,
    },
    /// Force SafeSearch and restricted modes on, or let them go.
    SetSafeSearch {
        /// On or off.
        on: bool,
    },
    /// Let only allowlisted hosts, the parents' allowed hosts and approvals load, or not.
    SetAllowlistOnly {
        /// On or off.
        on: bool,
    },
    /// The owner invites a second parent: the phone opens a pairing invite under this pairing
    /// key, whose secret the owner's app hands to the second parent. A claim signed with it
    /// enrols that parent as a member, on the owner's word instead of the phone's PIN.
    InviteParent {
        /// The public half of the pairing key derived from the invite's secret.
        pairing_public_key: PublicKey,
        /// The invited parent's offline-code secret ([`ParentSecret::from_pairing_secret`] of
        /// the invite's pairing secret), sealed under the owner's secret as a PIN is in
        /// [`ParentAction::ChangePin`] but with its own associated data
        /// ([`ParentAction::invite_parent`]), so the phone can give the new parent offline codes
        /// and sealed PINs without ever seeing the pairing secret.
        sealed_secret: String,
    },
    /// The owner removes a parent, or a parent removes itself. The key is dropped on the phone
    /// and the phone tells the backend with a signed statement.
    RemoveParent {
        /// The parent to remove.
        parent_public_key: PublicKey,
    },
    /// The owner releases the phone from parental management: every parent is dropped and the
    /// parents' own rules go; what the carrier's profile and the age band require stays.
    ReleaseDevice,
    /// Switch safe mode on or off (off is refused while a carrier's profile requires it): how
    /// parents keep protecting a child whose line the carrier deactivated.
    SetSafeMode {
        /// On or off.
        on: bool,
    },
    /// The owner keeps safe mode on after the child turns 18 (at the 16-17 settings), or not.
    KeepAfterEighteen {
        /// Keep it on.
        on: bool,
    },
    /// Set a new parent PIN. The command carries no PIN in the clear: `sealed_pin` is the new PIN
    /// sealed with the key shared at pairing, which the relay does not have.
    ChangePin {
        /// The new PIN, sealed (base64url).
        sealed_pin: String,
    },
}

/// A signed instruction from a parent to one child's device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParentCommand {
    /// The child's device this is for.
    pub device_id: String,
    /// Grows with every command from this parent key.
    pub sequence: u64,
    /// When the parent issued it, unix seconds.
    pub issued_at: u64,
    /// The change.
    pub action: ParentAction,
}

/// Why a command was refused. Nothing changes when any of these is returned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The envelope is not a command envelope of a known format, or is too large.
    #[error("the parent command is malformed: {0}")]
    Malformed(&'static str),
    /// No parent paired with this device signed these bytes.
    #[error("the parent command is not signed by a paired parent")]
    BadSignature,
    /// The command names another device.
    #[error("the parent command is for another device")]
    WrongDevice,
    /// A command with this or a higher sequence number from the same parent was applied
    /// already: a replay, or commands arriving out of order.
    #[error(
        "the parent command is a replay or out of order (sequence {offered}, last applied {applied})"
    )]
    NotNewer {
        /// The refused command's sequence number.
        offered: u64,
        /// The last sequence number applied for this parent.
        applied: u64,
    },
    /// Inviting a parent, releasing the phone and removing another parent are the owner's.
    #[error("only the parent who paired first (the owner) may do this")]
    OwnerOnly,
    /// The parent to remove is not enrolled on this phone.
    #[error("the parent to remove is not paired with this phone")]
    UnknownParent,
}

/// A command whose signature and target checked out, with the parent key that signed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCommand {
    /// The command.
    pub command: ParentCommand,
    /// The parent key that signed it.
    pub signed_by: PublicKey,
}

impl ParentCommand {
    /// Signs the command with a parent key; the result is the envelope to relay.
    pub fn sign(&self, key: &SigningKey) -> Result<Vec<u8>, CommandError> {
        envelope::seal(self, SIGNING_CONTEXT, key).map_err(CommandError::from)
    }

    /// Checks an envelope: format and size, a signature by one of the `paired` parent keys, and
    /// that it is for `device_id`. The sequence is checked by the caller against what it applied
    /// before, with [`check_sequence`].
    pub fn verify(
        envelope: &[u8],
        paired: &[PublicKey],
        device_id: &str,
    ) -> Result<VerifiedCommand, CommandError> {
        let verified = Self::open(envelope, paired)?;
        if verified.command.device_id != device_id {
            return Err(CommandError::WrongDevice);
        }
        Ok(verified)
    }

    /// Checks an envelope's format, size and signature by one of the `paired` parent keys,
    /// leaving the device it names to the caller: a phone answers a signed command for another
    /// device with a refusal, which it can only do once it knows who signed it.
    pub fn open(envelope: &[u8], paired: &[PublicKey]) -> Result<VerifiedCommand, CommandError> {
        let (command, signed_by): (ParentCommand, PublicKey) =
            envelope::open(envelope, SIGNING_CONTEXT, paired, MAX_ENVELOPE_BYTES)?;
        Ok(VerifiedCommand { command, signed_by })
    }
}

impl From<EnvelopeError> for CommandError {
    fn from(error: EnvelopeError) -> Self {
        match error {
            EnvelopeError::Malformed(what) => Self::Malformed(what),
            EnvelopeError::BadSignature => Self::BadSignature,
        }
    }
}

impl ParentAction {
    /// A PIN change for `device_id`: the new PIN sealed under the secret shared at pairing, with
    /// the device named in the sealing so that it opens only there.
    pub fn change_pin(
        new_pin: &str,
        secret: &ParentSecret,
        device_id: &str,
    ) -> Result<Self, CommandError> {
        let sealed = aead::seal(
            &secret.pin_transport_key(),
            device_id.as_bytes(),
            new_pin.as_bytes(),
        )
        .map_err(|_| CommandError::Malformed("the PIN could not be sealed"))?;
        Ok(Self::ChangePin {
            sealed_pin: URL_SAFE_NO_PAD.encode(sealed),
        })
    }
}

/// Associated data of a sealed invited parent's secret, after the device id.
const INVITED_SECRET_AD: &[u8] = b"\ninvited parent secret";

impl ParentAction {
    /// The owner's invitation of a second parent to `device_id`, whose app will pair with the
    /// pairing secret `invite`: its public pairing key, and the invited parent's derived secret
    /// sealed under the owner's `owner_secret`.
    pub fn invite_parent(
        invite: &crate::protocol::pairing::PairingSecret,
        owner_secret: &ParentSecret,
        device_id: &str,
    ) -> Result<Self, CommandError> {
        let pairing_public_key = invite
            .pairing_key()
            .map_err(|_| CommandError::Malformed("the pairing key could not be derived"))?
            .public_key();
        let invited = ParentSecret::from_pairing_secret(invite);
        let sealed = aead::seal(
            &owner_secret.pin_transport_key(),
            &[device_id.as_bytes(), INVITED_SECRET_AD].concat(),
            invited.to_base32().as_bytes(),
        )
        .map_err(|_| CommandError::Malformed("the invited parent's secret could not be sealed"))?;
        Ok(Self::InviteParent {
            pairing_public_key,
            sealed_secret: URL_SAFE_NO_PAD.encode(sealed),
        })
    }
}

/// Opens the invited parent's secret sealed by [`ParentAction::invite_parent`] (the phone's side).
pub(crate) fn open_invited_secret(
    sealed_secret: &str,
    owner_secret: &ParentSecret,
    device_id: &str,
) -> Result<ParentSecret, CommandError> {
    let unreadable = CommandError::Malformed(
        "the invited parent's secret does not open with the owner's secret",
    );
    let sealed = URL_SAFE_NO_PAD
        .decode(sealed_secret)
        .map_err(|_| unreadable.clone())?;
    let text = aead::open(
        &owner_secret.pin_transport_key(),
        &[device_id.as_bytes(), INVITED_SECRET_AD].concat(),
        &sealed,
    )
    .map_err(|_| unreadable.clone())?;
    let text = String::from_utf8(text).map_err(|_| unreadable.clone())?;
    ParentSecret::from_base32(&text).map_err(|_| unreadable)
}

/// Opens the PIN sealed by [`ParentAction::change_pin`].
pub(crate) fn open_sealed_pin(
    sealed_pin: &str,
    secret: &ParentSecret,
    device_id: &str,
) -> Result<String, CommandError> {
    let unreadable =
        CommandError::Malformed("the sealed PIN does not open with this parent's secret");
    let sealed = URL_SAFE_NO_PAD
        .decode(sealed_pin)
        .map_err(|_| unreadable.clone())?;
    let pin = aead::open(&secret.pin_transport_key(), device_id.as_bytes(), &sealed)
        .map_err(|_| unreadable.clone())?;
    String::from_utf8(pin).map_err(|_| unreadable)
}

/// Refuses a command whose sequence is not above `last_applied` for the same parent key.
pub fn check_sequence(offered: u64, last_applied: Option<u64>) -> Result<(), CommandError> {
    match last_applied {
        Some(applied) if offered <= applied => Err(CommandError::NotNewer { offered, applied }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::pairing::PairingSecret;

    #[test]
    fn an_invited_parents_secret_opens_only_with_the_owners_secret_on_its_device() {
        let invite = PairingSecret::from_bytes([9; 16]);
        let owner = ParentSecret::generate().unwrap();
        let action = ParentAction::invite_parent(&invite, &owner, "device-a").unwrap();
        let ParentAction::InviteParent {
            pairing_public_key,
            sealed_secret,
        } = action
        else {
            panic!("not an invitation");
        };
        assert_eq!(
            pairing_public_key,
            invite.pairing_key().unwrap().public_key()
        );
        let opened = open_invited_secret(&sealed_secret, &owner, "device-a").unwrap();
        assert_eq!(opened, ParentSecret::from_pairing_secret(&invite));
        let stranger = ParentSecret::generate().unwrap();
        assert!(open_invited_secret(&sealed_secret, &stranger, "device-a").is_err());
        assert!(open_invited_secret(&sealed_secret, &owner, "device-b").is_err());
        // A sealed PIN is not a sealed secret: the associated data differ.
        let ParentAction::ChangePin { sealed_pin } =
            ParentAction::change_pin("2468", &owner, "device-a").unwrap()
        else {
            panic!("not a PIN change");
        };
        assert!(open_invited_secret(&sealed_pin, &owner, "device-a").is_err());
    }
}
