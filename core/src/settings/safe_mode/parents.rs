//! The parents of a phone: the pairing invite that may enrol one, the enrolled parents with
//! their roles, what each signed command does to them, and what the phone owes the backend
//! about them (device-signed [`ParentStatement`]s and [`CommandReceipt`]s, kept sealed here until
//! the backend took them, so that a change made offline still reaches it).
//!
//! Who may do what:
//! 1. The first parent enrolled is the owner; every later one is a member.
//! 2. Inviting a parent, releasing the phone and removing another parent are the owner's; a
//!    member may remove itself; every other command is any enrolled parent's.
//! 3. A command whose signature checks out gets a receipt, applied or refused; one that does
//!    not gets nothing (the phone cannot tell who sent it).

use serde::{Deserialize, Serialize};

use super::{PairedParent, SafeMode, SafeModeError, apply_action, keys as settings_keys};
use crate::crypto::PublicKey;
use crate::protocol::pairing::{PairingSecret, ParentRole, ParentStatement};
use crate::settings::access_request::{AccessAnswer, SentAccessRequest};
use crate::settings::activation::ActivationProfile;
use crate::settings::audit::Actor;
use crate::settings::command_receipt::{CommandOutcome, CommandReceipt};
use crate::settings::parent_code::{ParentCodeState, ParentCredential, ParentSecret};
use crate::settings::parent_command::{
    self, CommandError, ParentAction, ParentCommand, VerifiedCommand,
};
use crate::settings::pin::{PinChangeAuthority, PinState};
use crate::settings::{PinCheck, SafeModeProfile};
use crate::store::{Store, WriteBatch, get_json, put_json};
use crate::time::{ClockReading, TrustedNow};

/// How long a pairing invite stays open, in seconds: ten minutes, the longest the backend keeps
/// one, enough to scan a QR code and compare six digits.
pub const INVITE_LIFETIME_SECS: u64 = 600;

/// Sent access requests the phone keeps for the child to see their answers; the oldest go first.
pub const MAX_KEPT_ACCESS_REQUESTS: usize = 100;

/// Store keys of this module.
mod keys {
    pub(super) const INVITE: &[u8] = b"settings/pairing-invite";
    pub(super) const OUTGOING: &[u8] = b"settings/owed";
    pub(super) const ACCESS_REQUESTS: &[u8] = b"settings/access-requests";
}

/// Where an open pairing invite came from.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "origin", rename_all = "kebab-case")]
pub enum InviteOrigin {
    /// Opened on the phone behind the PIN; the phone drew the pairing secret of its QR code.
    Pin {
        /// The pairing secret, base32. Only here, sealed, and in the QR code.
        secret: String,
    },
    /// Opened by the owner's signed command for a second parent; the phone never sees the
    /// pairing secret, only its public key and the member's offline-code secret.
    Owner {
        /// The public half of the pairing key the owner's app derived.
        pairing_public_key: PublicKey,
        /// The member's offline-code secret, opened with the owner's secret.
        member_secret: ParentSecret,
        /// The owner who invited.
        invited_by: PublicKey,
    },
}

impl std::fmt::Debug for InviteOrigin {
    /// Never shows the pairing secret: it must not reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InviteOrigin::Pin { .. } => f.write_str("Pin { secret: .. }"),
            InviteOrigin::Owner {
                pairing_public_key,
                invited_by,
                ..
            } => f
                .debug_struct("Owner")
                .field("pairing_public_key", pairing_public_key)
                .field("invited_by", invited_by)
                .finish_non_exhaustive(),
        }
    }
}

/// The phone's one open pairing invite (the backend keeps one per device too).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenInvite {
    /// Where it came from.
    pub origin: InviteOrigin,
    /// When it stops working, Unix seconds on the trusted clock.
    pub expires_at: u64,
    /// Whether the backend has taken it.
    pub registered: bool,
}

impl OpenInvite {
    /// The pairing secret, for an invite opened on the phone.
    pub fn pairing_secret(&self) -> Option<PairingSecret> {
        match &self.origin {
            InviteOrigin::Pin { secret } => PairingSecret::from_base32(secret).ok(),
            InviteOrigin::Owner { .. } => None,
        }
    }

    /// The public half of the pairing key that must sign every claim on this invite.
    pub fn pairing_public_key(&self) -> Result<PublicKey, SafeModeError> {
        match &self.origin {
            InviteOrigin::Pin { .. } => self
                .pairing_secret()
                .and_then(|secret| secret.pairing_key().ok())
                .map(|key| key.public_key())
                .ok_or(SafeModeError::Command(CommandError::Malformed(
                    "the stored pairing secret is unreadable",
                ))),
            InviteOrigin::Owner {
                pairing_public_key, ..
            } => Ok(*pairing_public_key),
        }
    }
}

/// A document the phone owes the backend, signed with the device key when it is sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "owed", rename_all = "kebab-case")]
pub enum Owed {
    /// A parent confirmed or removed, for `POST /v1/device/parent-statements`.
    Statement(ParentStatement),
    /// The answer to a parent's command, relayed to the parents.
    Receipt(CommandReceipt),
}

/// A parent enrolled on the phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrolledParent {
    /// The key that signs its commands.
    pub public_key: PublicKey,
    /// Owner or member.
    pub role: ParentRole,
}

/// What became of a relayed or handed-over command.
#[derive(Debug)]
pub struct CommandAnswer {
    /// The action applied, or why nothing changed.
    pub outcome: Result<ParentAction, SafeModeError>,
    /// Whether a receipt is owed to the parent (the signature checked out).
    pub answered: bool,
}

/// The documents owed and the statement counter, read once, changed, written in one batch.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Outgoing {
    owed: Vec<Owed>,
    /// The seq of the last statement made; the next is one more.
    statement_seq: u64,
}

impl Outgoing {
    fn load(store: &dyn Store) -> Result<Self, SafeModeError> {
        Ok(get_json(store, keys::OUTGOING)?.unwrap_or_default())
    }

    fn state(&mut self, statement: impl FnOnce(u64) -> ParentStatement) {
        self.statement_seq += 1;
        self.owed
            .push(Owed::Statement(statement(self.statement_seq)));
    }

    fn save(&self, batch: &mut WriteBatch) -> Result<(), SafeModeError> {
        Ok(put_json(batch, keys::OUTGOING, self)?)
    }
}

/// A command decided and written into a batch, not yet applied.
struct Decided {
    now: TrustedNow,
    batch: WriteBatch,
    outgoing: Outgoing,
    /// How many documents were owed before this command's statements.
    owed_before: usize,
    action: ParentAction,
}

impl<S: Store> SafeMode<S> {
    /// Opens a pairing invite behind the PIN (a counted attempt), replacing any earlier one.
    pub fn open_invite_with_pin(
        &self,
        pin: &str,
        secret: &PairingSecret,
        clock: ClockReading,
    ) -> Result<OpenInvite, SafeModeError> {
        let credentials = self.lock_credentials();
        self.require_pin(&credentials, pin, clock)?;
        let (now, mut batch) = self.begin(clock)?;
        let invite = OpenInvite {
            origin: InviteOrigin::Pin {
                secret: secret.to_base32(),
            },
            expires_at: now.unix_secs() + INVITE_LIFETIME_SECS,
            registered: false,
        };
        put_json(&mut batch, keys::INVITE, &invite)?;
        self.audit().append(
            &mut batch,
            Actor::ParentPin,
            "pairing started",
            now.unix_secs(),
        )?;
        self.store.apply(batch)?;
        Ok(invite)
    }

    /// The open invite, if any.
    pub fn open_invite(&self) -> Result<Option<OpenInvite>, SafeModeError> {
        Ok(get_json(&self.store, keys::INVITE)?)
    }

    /// Notes that the backend took the invite of `pairing_public_key`.
    pub fn invite_registered(&self, pairing_public_key: &PublicKey) -> Result<(), SafeModeError> {
        let _credentials = self.lock_credentials();
        if let Some(mut invite) = self.matching_invite(pairing_public_key)? {
            invite.registered = true;
            let mut batch = WriteBatch::new();
            put_json(&mut batch, keys::INVITE, &invite)?;
            self.store.apply(batch)?;
        }
        Ok(())
    }

    /// Drops the invite of `pairing_public_key` (expired, or claimed by more than one parent),
    /// recording why; no one enrols through it.
    pub fn abandon_invite(
        &self,
        pairing_public_key: &PublicKey,
        why: &str,
        clock: ClockReading,
    ) -> Result<(), SafeModeError> {
        let _credentials = self.lock_credentials();
        if self.matching_invite(pairing_public_key)?.is_some() {
            let (now, mut batch) = self.begin(clock)?;
            batch.delete(keys::INVITE);
            let change = format!("pairing invite abandoned: {why}");
            self.audit()
                .append(&mut batch, Actor::System, change, now.unix_secs())?;
            self.store.apply(batch)?;
        }
        Ok(())
    }

    /// Enrols `parent_key`, the one valid claimant of the invite of `pairing_public_key`: with
    /// the PIN (a counted attempt) for an invite opened on the phone, on the owner's word
    /// (`pin` is `None`) for one the owner opened. The parent's offline-code secret comes from
    /// the invite; the invite goes; a `ParentConfirmed` statement is owed; all in one batch.
    pub fn enrol_invited_parent(
        &self,
        parent_key: PublicKey,
        pairing_public_key: &PublicKey,
        pin: Option<&str>,
        clock: ClockReading,
    ) -> Result<ParentRole, SafeModeError> {
        let setup = self.setup()?;
        let credentials = self.lock_credentials();
        if let Some(pin) = pin {
            self.require_pin(&credentials, pin, clock)?;
        }
        let invite = self
            .matching_invite(pairing_public_key)?
            .ok_or(SafeModeError::Command(CommandError::Malformed(
                "the pairing invite is no longer open",
            )))?;
        let (secret, actor, invited) = match (&invite.origin, pin) {
            (InviteOrigin::Pin { .. }, Some(_)) => {
                let pairing = invite.pairing_secret().ok_or(SafeModeError::Command(
                    CommandError::Malformed("the stored pairing secret is unreadable"),
                ))?;
                (
                    ParentSecret::from_pairing_secret(&pairing),
                    Actor::ParentPin,
                    false,
                )
            }
            (
                InviteOrigin::Owner {
                    member_secret,
                    invited_by,
                    ..
                },
                None,
            ) => (
                member_secret.clone(),
                Actor::ParentCommand {
                    parent_key: invited_by.to_base64url(),
                },
                true,
            ),
            (InviteOrigin::Pin { .. }, None) => return Err(SafeModeError::PinRequired),
            (InviteOrigin::Owner { .. }, Some(_)) => {
                return Err(SafeModeError::Command(CommandError::Malformed(
                    "a parent the owner invited is enrolled at sync, not with the PIN",
                )));
            }
        };
        let (now, mut batch) = self.begin(clock)?;
        let mut parents = self.parents()?;
        parents.retain(|parent| parent.key != parent_key);
        let role = if parents.is_empty() && !invited {
            ParentRole::Owner
        } else {
            ParentRole::Member
        };
        parents.push(PairedParent {
            key: parent_key,
            last_sequence: None,
            code: ParentCodeState::new(secret),
            role,
        });
        put_json(&mut batch, settings_keys::PARENTS, &parents)?;
        batch.delete(keys::INVITE);
        let mut outgoing = Outgoing::load(&self.store)?;
        outgoing.state(|seq| ParentStatement::ParentConfirmed {
            device_id: setup.device_id.clone(),
            parent_public_key: parent_key,
            role,
            seq,
        });
        outgoing.save(&mut batch)?;
        let change = format!("parent {} enrolled as {role:?}", parent_key.to_base64url());
        self.audit()
            .append(&mut batch, actor, change, now.unix_secs())?;
        self.store.apply(batch)?;
        Ok(role)
    }

    /// Removes a parent behind the PIN (a counted attempt); a `ParentRemoved` statement is
    /// owed.
    pub fn remove_parent_with_pin(
        &self,
        pin: &str,
        parent_key: &PublicKey,
        clock: ClockReading,
    ) -> Result<(), SafeModeError> {
        let setup = self.setup()?;
        let credentials = self.lock_credentials();
        self.require_pin(&credentials, pin, clock)?;
        let mut parents = self.parents()?;
        let before = parents.len();
        parents.retain(|parent| parent.key != *parent_key);
        if parents.len() == before {
            return Err(CommandError::UnknownParent.into());
        }
        let (now, mut batch) = self.begin(clock)?;
        put_json(&mut batch, settings_keys::PARENTS, &parents)?;
        let mut outgoing = Outgoing::load(&self.store)?;
        outgoing.state(|seq| ParentStatement::ParentRemoved {
            device_id: setup.device_id.clone(),
            parent_public_key: *parent_key,
            seq,
        });
        outgoing.save(&mut batch)?;
        let change = format!("parent {} removed", parent_key.to_base64url());
        self.audit()
            .append(&mut batch, Actor::ParentPin, change, now.unix_secs())?;
        Ok(self.store.apply(batch)?)
    }

    /// The enrolled parents, in the order they were enrolled.
    pub fn enrolled_parents(&self) -> Result<Vec<EnrolledParent>, SafeModeError> {
        Ok(self
            .parents()?
            .into_iter()
            .map(|parent| EnrolledParent {
                public_key: parent.key,
                role: parent.role,
            })
            .collect())
    }

    /// What the phone owes the backend, oldest first.
    pub fn owed(&self) -> Result<Vec<Owed>, SafeModeError> {
        Ok(Outgoing::load(&self.store)?.owed)
    }

    /// Forgets `owed`: the backend took it, or refused it for good.
    pub fn owed_settled(&self, owed: &Owed) -> Result<(), SafeModeError> {
        let _credentials = self.lock_credentials();
        let mut outgoing = Outgoing::load(&self.store)?;
        if let Some(index) = outgoing.owed.iter().position(|kept| kept == owed) {
            outgoing.owed.remove(index);
            let mut batch = WriteBatch::new();
            outgoing.save(&mut batch)?;
            self.store.apply(batch)?;
        }
        Ok(())
    }

    /// Keeps a request the child sent, so that the child sees its answer.
    pub fn record_access_request(&self, request: SentAccessRequest) -> Result<(), SafeModeError> {
        let _credentials = self.lock_credentials();
        let mut requests = self.access_requests()?;
        requests.push(request);
        let excess = requests.len().saturating_sub(MAX_KEPT_ACCESS_REQUESTS);
        requests.drain(..excess);
        let mut batch = WriteBatch::new();
        put_json(&mut batch, keys::ACCESS_REQUESTS, &requests)?;
        Ok(self.store.apply(batch)?)
    }

    /// The requests the child sent, oldest first, with their answers.
    pub fn access_requests(&self) -> Result<Vec<SentAccessRequest>, SafeModeError> {
        Ok(get_json(&self.store, keys::ACCESS_REQUESTS)?.unwrap_or_default())
    }

    /// Applies a signed parent command and, when its signature checks out, owes the parent a
    /// receipt saying whether it was applied or why not, written with the change itself.
    pub fn answer_parent_command(&self, envelope: &[u8], clock: ClockReading) -> CommandAnswer {
        let unanswered = |error: SafeModeError| CommandAnswer {
            outcome: Err(error),
            answered: false,
        };
        let setup = match self.setup() {
            Ok(setup) => setup,
            Err(error) => return unanswered(error),
        };
        let _credentials = self.lock_credentials();
        let parents = match self.parents() {
            Ok(parents) => parents,
            Err(error) => return unanswered(error),
        };
        let keys_paired: Vec<PublicKey> = parents.iter().map(|parent| parent.key).collect();
        let verified = match ParentCommand::open(envelope, &keys_paired) {
            Ok(verified) => verified,
            Err(error) => return unanswered(error.into()),
        };
        let (now, mut batch, mut outgoing, owed_before, outcome) =
            match self.decide(&setup.device_id, parents, &verified, clock) {
                Ok(decided) => (
                    decided.now,
                    decided.batch,
                    decided.outgoing,
                    decided.owed_before,
                    Ok(decided.action),
                ),
                Err(refusal) => {
                    let fresh = self
                        .begin(clock)
                        .and_then(|(now, batch)| Ok((now, batch, Outgoing::load(&self.store)?)));
                    match fresh {
                        Ok((now, batch, outgoing)) => {
                            let owed_before = outgoing.owed.len();
                            (now, batch, outgoing, owed_before, Err(refusal))
                        }
                        Err(error) => return unanswered(error),
                    }
                }
            };
        // The receipt leaves before the statements the command caused, while the backend still
        // counts the parents it is for as paired.
        outgoing.owed.insert(
            owed_before,
            Owed::Receipt(CommandReceipt {
                device_id: setup.device_id,
                parent_public_key: verified.signed_by,
                sequence: verified.command.sequence,
                outcome: match &outcome {
                    Ok(_) => CommandOutcome::Applied,
                    Err(refusal) => CommandOutcome::Refused {
                        reason: refusal.to_string(),
                    },
                },
                decided_at: now.unix_secs(),
            }),
        );
        let written = outgoing
            .save(&mut batch)
            .and_then(|()| Ok(self.store.apply(batch)?));
        match written {
            Ok(()) => CommandAnswer {
                outcome,
                answered: true,
            },
            Err(error) => unanswered(error),
        }
    }

    /// Decides a command whose signature checked out, writing its effects into a batch.
    fn decide(
        &self,
        device_id: &str,
        mut parents: Vec<PairedParent>,
        verified: &VerifiedCommand,
        clock: ClockReading,
    ) -> Result<Decided, SafeModeError> {
        let command = &verified.command;
        if command.device_id != device_id {
            return Err(CommandError::WrongDevice.into());
        }
        let signer = parents
            .iter_mut()
            .find(|parent| parent.key == verified.signed_by)
            .ok_or(CommandError::BadSignature)?;
        parent_command::check_sequence(command.sequence, signer.last_sequence)?;
        signer.last_sequence = Some(command.sequence);
        let (signer_role, signer_secret) = (signer.role, signer.code.secret().clone());
        let owner_only = match &command.action {
            ParentAction::InviteParent { .. }
            | ParentAction::ReleaseDevice
            | ParentAction::KeepAfterEighteen { .. } => true,
            ParentAction::RemoveParent { parent_public_key } => {
                *parent_public_key != verified.signed_by
            }
            _ => false,
        };
        if owner_only && signer_role != ParentRole::Owner {
            return Err(CommandError::OwnerOnly.into());
        }

        let (now, mut batch) = self.begin(clock)?;
        // The band follows the child's age before a parent's change is held to the floor.
        self.grow_up(now, &mut batch)?;
        self.store.apply(std::mem::take(&mut batch))?;
        let (now, mut batch) = self.begin(clock)?;
        let mut outgoing = Outgoing::load(&self.store)?;
        let owed_before = outgoing.owed.len();
        let change = match &command.action {
            ParentAction::KeepAfterEighteen { on } => self.keep_after_eighteen(*on, &mut batch)?,
            ParentAction::ChangePin { sealed_pin } => {
                let pin = parent_command::open_sealed_pin(sealed_pin, &signer_secret, device_id)?;
                let state = match self.pin_state()? {
                    Some(mut state) => {
                        state.change(&pin, PinChangeAuthority::Parent(ParentCredential::new()))?;
                        state
                    }
                    None => PinState::new(&pin)?,
                };
                put_json(&mut batch, settings_keys::PIN, &state)?;
                "parent PIN changed".to_owned()
            }
            ParentAction::InviteParent {
                pairing_public_key,
                sealed_secret,
            } => {
                let member_secret =
                    parent_command::open_invited_secret(sealed_secret, &signer_secret, device_id)?;
                let invite = OpenInvite {
                    origin: InviteOrigin::Owner {
                        pairing_public_key: *pairing_public_key,
                        member_secret,
                        invited_by: verified.signed_by,
                    },
                    expires_at: now.unix_secs() + INVITE_LIFETIME_SECS,
                    registered: false,
                };
                put_json(&mut batch, keys::INVITE, &invite)?;
                "second parent invited".to_owned()
            }
            ParentAction::RemoveParent { parent_public_key } => {
                let before = parents.len();
                parents.retain(|parent| parent.key != *parent_public_key);
                if parents.len() == before {
                    return Err(CommandError::UnknownParent.into());
                }
                outgoing.state(|seq| ParentStatement::ParentRemoved {
                    device_id: device_id.to_owned(),
                    parent_public_key: *parent_public_key,
                    seq,
                });
                format!("parent {} removed", parent_public_key.to_base64url())
            }
            ParentAction::ReleaseDevice => {
                for parent in parents.drain(..) {
                    outgoing.state(|seq| ParentStatement::ParentRemoved {
                        device_id: device_id.to_owned(),
                        parent_public_key: parent.key,
                        seq,
                    });
                }
                batch.delete(keys::INVITE);
                if let Some(profile) = self.released_profile()? {
                    put_json(&mut batch, settings_keys::PROFILE, &profile)?;
                }
                "released from parental management: parents and their rules dropped".to_owned()
            }
            action => {
                let mut profile = self
                    .profile()?
                    .unwrap_or_else(|| SafeModeProfile::for_band(super::DEFAULT_BAND));
                let change = apply_action(&mut profile, action)?;
                self.hold_floor(action, &mut profile)?;
                put_json(&mut batch, settings_keys::PROFILE, &profile)?;
                self.answer_access_request(&mut batch, action)?;
                change
            }
        };
        put_json(&mut batch, settings_keys::PARENTS, &parents)?;
        let actor = Actor::ParentCommand {
            parent_key: verified.signed_by.to_base64url(),
        };
        self.audit()
            .append(&mut batch, actor, change, now.unix_secs())?;
        Ok(Decided {
            now,
            batch,
            outgoing,
            owed_before,
            action: command.action.clone(),
        })
    }

    /// Records a parent's answer to one of the child's requests, when `action` is one.
    fn answer_access_request(
        &self,
        batch: &mut WriteBatch,
        action: &ParentAction,
    ) -> Result<(), SafeModeError> {
        let (request_id, answer) = match action {
            ParentAction::ApproveAccess {
                request_id: Some(request_id),
                until_unix,
                ..
            } => (
                request_id,
                AccessAnswer::Approved {
                    until_unix: *until_unix,
                },
            ),
            ParentAction::DenyAccess { request_id, .. } => (request_id, AccessAnswer::Denied),
            _ => return Ok(()),
        };
        let mut requests = self.access_requests()?;
        if let Some(request) = requests
            .iter_mut()
            .find(|request| request.request_id == *request_id)
        {
            request.answer = answer;
            put_json(batch, keys::ACCESS_REQUESTS, &requests)?;
        }
        Ok(())
    }

    /// The profile once the parents are gone: the band's defaults, with what the carrier's
    /// activation profile requires (its band and extra categories). On a phone activated before
    /// the activation was kept, the categories blocked now stay blocked, so that nothing the
    /// carrier required can open. `None` when no profile was ever set.
    fn released_profile(&self) -> Result<Option<SafeModeProfile>, SafeModeError> {
        let Some(current) = self.profile()? else {
            return Ok(None);
        };
        let activation: Option<ActivationProfile> =
            get_json(&self.store, settings_keys::ACTIVATION)?;
        let released = match activation {
            Some(activation) => {
                let band = self.carrier_state()?.floor_band.unwrap_or(activation.band);
                let mut profile = SafeModeProfile::for_band(band);
                profile
                    .blocked_categories
                    .extend(activation.extra_blocked_categories);
                profile
            }
            None => {
                let mut profile = SafeModeProfile::for_band(current.band);
                profile.enabled = current.enabled;
                let carriers: Option<std::collections::BTreeMap<String, u64>> =
                    get_json(&self.store, settings_keys::CARRIER_SEQUENCES)?;
                if carriers.is_some_and(|carriers| !carriers.is_empty()) {
                    profile
                        .blocked_categories
                        .extend(current.blocked_categories);
                }
                profile
            }
        };
        Ok(Some(released))
    }

    /// The open invite if it is the one of `pairing_public_key`.
    fn matching_invite(
        &self,
        pairing_public_key: &PublicKey,
    ) -> Result<Option<OpenInvite>, SafeModeError> {
        Ok(self.open_invite()?.filter(|invite| {
            invite
                .pairing_public_key()
                .is_ok_and(|key| key == *pairing_public_key)
        }))
    }

    /// Checks the PIN as a counted attempt; anything but right refuses.
    fn require_pin(
        &self,
        credentials: &std::sync::MutexGuard<'_, ()>,
        pin: &str,
        clock: ClockReading,
    ) -> Result<(), SafeModeError> {
        match self.verify_pin_locked(credentials, pin, clock)? {
            PinCheck::Right => Ok(()),
            PinCheck::LockedOut { retry_after_secs } => {
                Err(SafeModeError::LockedOut { retry_after_secs })
            }
            PinCheck::Wrong { .. } => Err(SafeModeError::PinRequired),
        }
    }
}
