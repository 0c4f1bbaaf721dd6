//! [`SafeMode`]: safe mode of one device, kept in the sealed store.
//!
//! It ties the pure parts of this module to the store: each operation reads the state it needs,
//! decides with the pure logic, and writes every change together with its audit entry in one
//! atomic, flushed batch, so a kill at any moment leaves either the whole change or none of it.
//! A PIN or parent-code attempt is counted and flushed *before* its answer is computed, so
//! killing the app as soon as a guess turns out wrong gains nothing.
//!
//! Time comes in as a [`ClockReading`] from the platform and goes through the persisted
//! [`TrustedClock`](crate::time::TrustedClock), so moving the wall clock (or the time zone, which
//! unix seconds do not have) unlocks nothing.
//!
//! Every counted attempt (a PIN, the old PIN of a change, an offline parent code, the PIN that
//! pairs a parent) and every other change to the PIN state or the paired parents runs under one
//! lock, from reading the state to writing it back. Guesses made at the same moment from several
//! threads are therefore each counted before any of them is checked, and none overwrites
//! another's count.

use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

use super::activation::ActivationError;
use super::audit::{Actor, AuditError, AuditLog};
use super::parent_code::{ParentCodeError, ParentCodeState, ParentCredential};
use super::parent_command::{CommandError, ParentAction};
use super::pin::{PinChangeAuthority, PinError, PinOutcome, PinState};
use super::rules_summary::{RulesNotes, rules_summary_with};
use super::{AgeBand, LockedOut, Permission, SafeModeProfile, SettingKind};
use crate::crypto::PublicKey;
use crate::filter::decision::ListsStatus;
use crate::filter::policy::{Approval, FilterPolicy, canonical_host};
use crate::protocol::pairing::ParentRole;
use crate::protocol::server_time::{self, ServerTimeError};
use crate::store::{Store, StoreError, WriteBatch, get_json, put_json};
use crate::time::{ClockReading, TrustedNow, accept_server_time, advance_trusted_clock};
use crate::vocabulary::Locale;

/// Store keys of the safe-mode state. Values are sealed by the store; keys name no person.
mod keys {
    pub(super) const DEVICE: &[u8] = b"settings/device";
    pub(super) const PROFILE: &[u8] = b"settings/profile";
    pub(super) const PIN: &[u8] = b"settings/pin";
    pub(super) const CARRIER_SEQUENCES: &[u8] = b"settings/carrier-sequences";
    pub(super) const PARENTS: &[u8] = b"settings/parents";
    pub(super) const TIME_CHALLENGE: &[u8] = b"settings/time-challenge";
    pub(super) const ACTIVATION: &[u8] = b"settings/activation";
}

mod carrier;
mod parents;

mod snapshot;

pub use carrier::{ALLOWLIST_ONLY, SAFE_SEARCH};

pub use parents::{
    CommandAnswer, EnrolledParent, INVITE_LIFETIME_SECS, InviteOrigin, MAX_KEPT_ACCESS_REQUESTS,
    OpenInvite, Owed,
};

/// The band assumed when a parent command changes a device no carrier profile has set up yet:
/// the middle band, until the parent sets the right one.
const DEFAULT_BAND: AgeBand = AgeBand::From9To12;

/// What the handset maker set up the device with: written once by [`SafeMode::init`], kept
/// sealed so that it cannot be edited on the device afterwards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSetup {
    /// This device's identifier, which parent commands must name.
    pub device_id: String,
    /// ISO 3166 country code, for the emergency directory.
    pub country: Option<String>,
    /// Carrier keys the handset maker pinned: their activation profiles and deactivations
    /// are accepted for any carrier (the SDK adds the keys a root delegated, per carrier).
    pub trusted_carriers: Vec<PublicKey>,
}

/// A parent paired with this device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct PairedParent {
    key: PublicKey,
    last_sequence: Option<u64>,
    code: ParentCodeState,
    /// Parents enrolled before roles existed had every power: they read back as owners.
    #[serde(default = "owner_role")]
    role: ParentRole,
}

fn owner_role() -> ParentRole {
    ParentRole::Owner
}

/// A change the child may ask for alone, when their age band allows it (see
/// [`super::CHANGE_PERMISSIONS`]): only changes that make the filter stricter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChildChange {
    /// Block one more category.
    BlockCategory(String),
    /// Never load a host.
    DenyHost(String),
    /// Take a host off the parent's allowed hosts.
    RemoveAllowedHost(String),
    /// Switch SafeSearch on.
    TurnOnSafeSearch,
    /// Switch allowlist-only browsing on.
    TurnOnAllowlistOnly,
}

impl ChildChange {
    /// The row of the permission table this change falls under.
    pub fn kind(&self) -> SettingKind {
        match self {
            Self::BlockCategory(_) => SettingKind::BlockCategory,
            Self::DenyHost(_) => SettingKind::DenyHost,
            Self::RemoveAllowedHost(_) => SettingKind::RemoveAllowedHost,
            Self::TurnOnSafeSearch => SettingKind::TurnOnSafeSearch,
            Self::TurnOnAllowlistOnly => SettingKind::TurnOnAllowlistOnly,
        }
    }
}

/// The answer to a PIN check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PinCheck {
    /// The PIN is right.
    Right,
    /// The PIN is wrong; the attempt was counted.
    Wrong {
        /// Attempts left before the next wait (0 once waits have started).
        attempts_before_wait: u32,
        /// Seconds before the next attempt may begin (0 within the free attempts).
        wait_secs: u64,
    },
    /// Too many wrong attempts: no attempt may begin yet, and nothing was checked.
    LockedOut {
        /// Seconds until the next attempt may begin.
        retry_after_secs: u64,
    },
}

/// What safe mode looks like now, for a status screen or `childsafe device status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SafeModeStatus {
    /// Whether safe mode is on.
    pub safe_mode: bool,
    /// The age band, when safe mode has been set up.
    pub band: Option<String>,
    /// The blocked categories.
    pub blocked_categories: Vec<String>,
    /// Whether a parent PIN is set.
    pub pin_set: bool,
    /// PIN attempts counted since the last right one.
    pub failed_pin_attempts: u32,
    /// Seconds until a PIN attempt may begin, when locked out.
    pub locked_out_for_secs: Option<u64>,
    /// Parents paired with the device.
    pub paired_parents: u64,
    /// Entries in the audit log.
    pub audit_log_entries: u64,
    /// The browser filter's lists: their version, and whether they are out of date or
    /// unavailable.
    pub lists: ListsStatus,
    /// The carrier whose profile sets the floor of protection, when one does.
    pub carrier: Option<String>,
    /// Safe mode is on provisionally: the app started on a child's line and awaits the carrier's
    /// profile.
    pub provisional: bool,
    /// Why safe mode is provisional, in words for a status screen, when it is.
    pub provisional_reason: Option<String>,
    /// The carrier deactivated the line (it is no longer a child's line).
    pub line_deactivated: bool,
    /// What parents may not relax under the carrier's floor: category names, `safe-search`,
    /// `allowlist-only`.
    pub carrier_floor: Vec<String>,
}

/// What a status screen says of provisional protection.
const PROVISIONAL_REASON: &str = "awaiting the carrier's profile for this child's line";

/// Why a safe-mode operation was refused. Nothing changed when one of these is returned,
/// except that a counted PIN or parent-code attempt stays counted.
#[derive(Debug, thiserror::Error)]
pub enum SafeModeError {
    /// [`SafeMode::init`] has not run for this store.
    #[error("the device is not set up: run device init first")]
    NotInitialised,
    /// [`SafeMode::init`] already ran for this store.
    #[error("the device is already set up")]
    AlreadyInitialised,
    /// The activation profile was refused.
    #[error(transparent)]
    Activation(#[from] ActivationError),
    /// The parent command was refused.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// The change would take safe mode below what the carrier's profile requires for this
    /// line; `what` names the setting.
    #[error("the carrier's protection for this line does not let parents relax {what}")]
    CarrierFloor {
        /// What the change would have relaxed.
        what: String,
    },
    /// The PIN could not be set or changed.
    #[error(transparent)]
    Pin(#[from] PinError),
    /// The child's age band does not let the child make this change alone.
    #[error("this change needs a parent at this age band")]
    ParentRequired,
    /// A PIN is needed for this change and none was given, or none is set yet.
    #[error("this change needs the parent PIN")]
    PinRequired,
    /// Too many wrong attempts.
    #[error("too many wrong attempts: try again in {retry_after_secs} seconds")]
    LockedOut {
        /// Seconds until the next attempt may begin.
        retry_after_secs: u64,
    },
    /// The parent code was refused.
    #[error(transparent)]
    ParentCode(#[from] ParentCodeError),
    /// The system's random generator failed.
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    /// The server's signed time was refused.
    #[error(transparent)]
    ServerTime(#[from] ServerTimeError),
    /// A host in a command is not a host name or address.
    #[error("a host in the command is not a host name or address")]
    InvalidHost,
    /// The store failed or was tampered with.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The audit log is broken.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl From<LockedOut> for SafeModeError {
    fn from(locked: LockedOut) -> Self {
        Self::LockedOut {
            retry_after_secs: locked.retry_after_secs,
        }
    }
}

/// Safe mode of one device over its store. Keep one per store: the lock that serializes PIN
/// and parent-code attempts is this object's.
pub struct SafeMode<S: Store> {
    store: S,
    /// Held from reading the PIN state or the paired parents to writing them back.
    credentials: Mutex<()>,
}

impl<S: Store> SafeMode<S> {
    /// Safe mode over `store`, which [`SafeMode::init`] set up before (now or at an earlier
    /// run).
    pub fn new(store: S) -> Self {
        Self {
            store,
            credentials: Mutex::new(()),
        }
    }

    /// The store, for the other parts of the SDK that share it.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Sets the device up: its identifier, country and trusted carrier keys. Safe mode stays
    /// off until a carrier profile or a parent switches it on.
    pub fn init(&self, setup: DeviceSetup, clock: ClockReading) -> Result<(), SafeModeError> {
        if self.setup().is_ok() {
            return Err(SafeModeError::AlreadyInitialised);
        }
        let (now, mut batch) = self.begin(clock)?;
        put_json(&mut batch, keys::DEVICE, &setup)?;
        let change = format!(
            "device set up, trusting {} carrier key(s)",
            setup.trusted_carriers.len()
        );
        self.audit()
            .append(&mut batch, Actor::System, change, now.unix_secs())?;
        Ok(self.store.apply(batch)?)
    }

    /// The setup written by [`SafeMode::init`].
    pub fn setup(&self) -> Result<DeviceSetup, SafeModeError> {
        get_json(&self.store, keys::DEVICE)?.ok_or(SafeModeError::NotInitialised)
    }

    /// Sets the parent PIN. The first PIN needs nothing; changing it needs the old PIN, whose
    /// check is counted like any other attempt.
    pub fn set_pin(
        &self,
        new_pin: &str,
        old_pin: Option<&str>,
        clock: ClockReading,
    ) -> Result<(), SafeModeError> {
        self.setup()?;
        let _credentials = self.lock_credentials();
        let Some(mut state) = self.pin_state()? else {
            let (now, mut batch) = self.begin(clock)?;
            put_json(&mut batch, keys::PIN, &PinState::new(new_pin)?)?;
            self.audit().append(
                &mut batch,
                Actor::ParentPin,
                "parent PIN set",
                now.unix_secs(),
            )?;
            return Ok(self.store.apply(batch)?);
        };
        let old_pin = old_pin.ok_or(SafeModeError::PinRequired)?;
        if !super::pin::is_pin_format(new_pin) {
            return Err(PinError::Format.into());
        }
        let ticket = self.counted_attempt(&mut state, clock)?;
        let outcome = state.change(
            new_pin,
            PinChangeAuthority::OldPin {
                ticket,
                pin: old_pin,
            },
        );
        let (now, mut batch) = self.begin(clock)?;
        put_json(&mut batch, keys::PIN, &state)?;
        if outcome.is_ok() {
            self.audit().append(
                &mut batch,
                Actor::ParentPin,
                "parent PIN changed",
                now.unix_secs(),
            )?;
        }
        self.store.apply(batch)?;
        Ok(outcome?)
    }

    /// Checks a PIN guess. The attempt is counted and flushed before the answer is computed.
    pub fn verify_pin(&self, pin: &str, clock: ClockReading) -> Result<PinCheck, SafeModeError> {
        let credentials = self.lock_credentials();
        self.verify_pin_locked(&credentials, pin, clock)
    }

    /// [`Self::verify_pin`] for a caller that holds the credentials lock.
    fn verify_pin_locked(
        &self,
        _credentials: &MutexGuard<'_, ()>,
        pin: &str,
        clock: ClockReading,
    ) -> Result<PinCheck, SafeModeError> {
        self.setup()?;
        let mut state = self.pin_state()?.ok_or(SafeModeError::PinRequired)?;
        let ticket = match self.counted_attempt(&mut state, clock) {
            Ok(ticket) => ticket,
            Err(SafeModeError::LockedOut { retry_after_secs }) => {
                return Ok(PinCheck::LockedOut { retry_after_secs });
            }
            Err(other) => return Err(other),
        };
        let outcome = state.finish_attempt(ticket, pin);
        let mut batch = WriteBatch::new();
        put_json(&mut batch, keys::PIN, &state)?;
        self.store.apply(batch)?;
        Ok(match outcome {
            PinOutcome::Right => PinCheck::Right,
            PinOutcome::Wrong { wait_secs } => PinCheck::Wrong {
                attempts_before_wait: super::FREE_ATTEMPTS.saturating_sub(state.failed_attempts()),
                wait_secs,
            },
        })
    }

    /// Checks an offline parent code against every paired parent's secret. A right code works
    /// once; a wrong one is counted (per parent) and flushed before the answer is acted on.
    pub fn verify_parent_code(&self, code: &str, clock: ClockReading) -> Result<(), SafeModeError> {
        self.with_parent_code(code, clock, |_, _| {
            Ok("parent code used on the device".to_owned())
        })
    }

    /// Sets a new PIN and ends any PIN lockout on the word of the offline parent code: how a
    /// parent who forgot the PIN, or finds it locked by a child's guesses, gets back in without
    /// network.
    pub fn reset_pin_with_parent_code(
        &self,
        code: &str,
        new_pin: &str,
        clock: ClockReading,
    ) -> Result<(), SafeModeError> {
        if !super::pin::is_pin_format(new_pin) {
            return Err(PinError::Format.into());
        }
        self.with_parent_code(code, clock, |credential, batch| {
            let state = match self.pin_state()? {
                Some(mut state) => {
                    state.change(new_pin, PinChangeAuthority::Parent(credential))?;
                    state.clear_lockout(ParentCredential::new());
                    state
                }
                None => PinState::new(new_pin)?,
            };
            put_json(batch, keys::PIN, &state)?;
            Ok("parent PIN reset with the parent code".to_owned())
        })
    }

    /// Checks `code`, flushes the attempt, and on a right code runs `action` with the parent's
    /// credential, writing its changes and audit entry in the same batch as the used code.
    fn with_parent_code(
        &self,
        code: &str,
        clock: ClockReading,
        action: impl FnOnce(ParentCredential, &mut WriteBatch) -> Result<String, SafeModeError>,
    ) -> Result<(), SafeModeError> {
        let _credentials = self.lock_credentials();
        let (now, mut batch) = self.begin(clock)?;
        let mut parents = self.parents()?;
        let mut outcome = Err(ParentCodeError::Wrong);
        for parent in &mut parents {
            match parent.code.verify(code, now) {
                Ok(credential) => {
                    outcome = Ok(credential);
                    break;
                }
                Err(ParentCodeError::Reused) => outcome = Err(ParentCodeError::Reused),
                Err(_) => {}
            }
        }
        put_json(&mut batch, keys::PARENTS, &parents)?;
        let credential = match outcome {
            Ok(credential) => credential,
            Err(refusal) => {
                // The counted attempt is on disk before the refusal is reported.
                self.store.apply(batch)?;
                return Err(refusal.into());
            }
        };
        let change = action(credential, &mut batch)?;
        self.audit()
            .append(&mut batch, Actor::ParentCode, change, now.unix_secs())?;
        Ok(self.store.apply(batch)?)
    }

    /// Applies a signed parent command: verified against the paired parents' keys, for this
    /// device, with a sequence number above the last one applied from that parent, and allowed
    /// to the parent's role. See [`SafeMode::answer_parent_command`], which this wraps.
    pub fn apply_parent_command(
        &self,
        envelope: &[u8],
        clock: ClockReading,
    ) -> Result<ParentAction, SafeModeError> {
        self.answer_parent_command(envelope, clock).outcome
    }

    /// A fresh challenge to send with a request for the server's signed time; the answer must
    /// carry it back, so a signed time recorded earlier cannot be replayed to move the clock.
    pub fn server_time_challenge(&self) -> Result<String, SafeModeError> {
        let challenge = server_time::new_challenge()?;
        let mut batch = WriteBatch::new();
        put_json(&mut batch, keys::TIME_CHALLENGE, &challenge)?;
        self.store.apply(batch)?;
        Ok(challenge)
    }

    /// Takes the server's signed time into the trusted clock: signed by one of `server_keys`,
    /// for this device, answering the pending [`SafeMode::server_time_challenge`]. It corrects
    /// a wall clock set wrong in either direction; the challenge is used up either way.
    pub fn accept_signed_server_time(
        &self,
        envelope: &[u8],
        server_keys: &[PublicKey],
        clock: ClockReading,
    ) -> Result<u64, SafeModeError> {
        let setup = self.setup()?;
        let pending: Option<String> = get_json(&self.store, keys::TIME_CHALLENGE)?;
        let time =
            server_time::verify(envelope, server_keys, &setup.device_id, pending.as_deref())?;
        let mut batch = accept_server_time(&self.store, time.unix_secs, clock)?;
        batch.delete(keys::TIME_CHALLENGE);
        self.store.apply(batch)?;
        Ok(time.unix_secs)
    }

    /// Makes a change the child asked for, if the permission table lets a child of this age
    /// band make it alone; otherwise refuses with [`SafeModeError::ParentRequired`] and changes
    /// nothing. Recorded in the audit log as the child's.
    pub fn change_as_child(
        &self,
        change: ChildChange,
        clock: ClockReading,
    ) -> Result<(), SafeModeError> {
        let mut profile = self.profile()?.ok_or(SafeModeError::ParentRequired)?;
        if !profile.enabled || profile.permission(change.kind()) != Permission::Child {
            return Err(SafeModeError::ParentRequired);
        }
        let host = |text: &str| canonical_host(text).map_err(|_| SafeModeError::InvalidHost);
        let description = match change {
            ChildChange::BlockCategory(category) => {
                let description = format!("blocked category {category}");
                profile.blocked_categories.insert(category);
                description
            }
            ChildChange::DenyHost(text) => {
                let host = host(&text)?;
                profile.allowed_hosts.remove(&host);
                let description = format!("denied host {host}");
                profile.denied_hosts.insert(host);
                description
            }
            ChildChange::RemoveAllowedHost(text) => {
                let host = host(&text)?;
                let description = format!("removed allowed host {host}");
                profile.allowed_hosts.remove(&host);
                description
            }
            ChildChange::TurnOnSafeSearch => {
                profile.safe_search = true;
                "SafeSearch on".to_owned()
            }
            ChildChange::TurnOnAllowlistOnly => {
                profile.allowlist_only = true;
                "allowlist-only browsing on".to_owned()
            }
        };
        let (now, mut batch) = self.begin(clock)?;
        put_json(&mut batch, keys::PROFILE, &profile)?;
        self.audit()
            .append(&mut batch, Actor::Child, description, now.unix_secs())?;
        Ok(self.store.apply(batch)?)
    }

    /// The state for a status screen, with `lists`, the state of the filter's lists (which the
    /// SDK's facade holds, not safe mode).
    pub fn status(
        &self,
        clock: ClockReading,
        lists: ListsStatus,
    ) -> Result<SafeModeStatus, SafeModeError> {
        self.setup()?;
        let (now, mut batch) = self.begin(clock)?;
        self.grow_up(now, &mut batch)?;
        self.store.apply(batch)?;
        let profile = self.profile()?;
        let pin = self.pin_state()?;
        let carrier = self.carrier_state()?;
        let floor = self.floor()?;
        Ok(SafeModeStatus {
            safe_mode: profile.as_ref().is_some_and(|profile| profile.enabled),
            band: profile.as_ref().map(|profile| profile.band.to_string()),
            blocked_categories: profile
                .map(|profile| profile.blocked_categories.into_iter().collect())
                .unwrap_or_default(),
            pin_set: pin.is_some(),
            failed_pin_attempts: pin.as_ref().map_or(0, PinState::failed_attempts),
            locked_out_for_secs: pin
                .as_ref()
                .and_then(|pin| pin.check_lockout(now).err())
                .map(|locked| locked.retry_after_secs),
            paired_parents: self.parents()?.len() as u64,
            audit_log_entries: self.audit().len()?,
            lists,
            carrier: self.activation()?.map(|activation| activation.carrier),
            provisional: carrier.provisional,
            provisional_reason: carrier.provisional.then(|| PROVISIONAL_REASON.to_owned()),
            line_deactivated: carrier.deactivated.is_some(),
            carrier_floor: floor.map(|floor| floor.names()).unwrap_or_default(),
        })
    }

    /// The rules in force, in words for the child, in `locale`.
    pub fn rules(&self, locale: Locale) -> Result<Vec<String>, SafeModeError> {
        let profile = self.profile()?.unwrap_or_else(|| {
            let mut off = SafeModeProfile::for_band(DEFAULT_BAND);
            off.enabled = false;
            off
        });
        Ok(rules_summary_with(&profile, self.rules_notes()?, locale))
    }

    /// What the rules say beside the profile: the carrier's floor and provisional protection.
    fn rules_notes(&self) -> Result<RulesNotes, SafeModeError> {
        Ok(RulesNotes {
            carrier_floor: self.activation()?.is_some(),
            provisional: self.carrier_state()?.provisional,
        })
    }

    /// The filter policy in force at `clock` (expired approvals left out), with the categories
    /// the carrier's floor locks. The band follows the child's age here first.
    pub fn filter_policy(&self, clock: ClockReading) -> Result<FilterPolicy, SafeModeError> {
        let (now, mut batch) = self.begin(clock)?;
        self.grow_up(now, &mut batch)?;
        self.store.apply(batch)?;
        let Some(profile) = self.profile()? else {
            return Ok(FilterPolicy::default());
        };
        let mut policy = profile.to_filter_policy(now);
        if profile.enabled {
            if let Some(floor) = self.floor()? {
                policy.locked_categories = floor.categories;
            }
        }
        Ok(policy)
    }

    /// The audit log of this device.
    pub fn audit(&self) -> AuditLog<'_> {
        AuditLog::new(&self.store)
    }

    /// Advances the trusted clock to `clock`, returning the trusted time and a batch that
    /// already holds the clock's new state.
    fn begin(&self, clock: ClockReading) -> Result<(TrustedNow, WriteBatch), SafeModeError> {
        Ok(advance_trusted_clock(&self.store, clock)?)
    }

    /// The lock every read-modify-write of the PIN state and the paired parents holds. A thread
    /// that panicked while holding it left no half-written state (each change is one batch), so
    /// a poisoned lock is taken over.
    fn lock_credentials(&self) -> MutexGuard<'_, ()> {
        self.credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Begins a PIN attempt and flushes it as counted before anything is compared.
    fn counted_attempt(
        &self,
        state: &mut PinState,
        clock: ClockReading,
    ) -> Result<super::pin::AttemptTicket, SafeModeError> {
        let (now, mut batch) = self.begin(clock)?;
        let ticket = state.begin_attempt(now);
        if ticket.is_ok() {
            put_json(&mut batch, keys::PIN, &*state)?;
        }
        self.store.apply(batch)?;
        Ok(ticket?)
    }

    fn profile(&self) -> Result<Option<SafeModeProfile>, SafeModeError> {
        Ok(get_json(&self.store, keys::PROFILE)?)
    }

    fn pin_state(&self) -> Result<Option<PinState>, SafeModeError> {
        Ok(get_json(&self.store, keys::PIN)?)
    }

    fn parents(&self) -> Result<Vec<PairedParent>, SafeModeError> {
        Ok(get_json(&self.store, keys::PARENTS)?.unwrap_or_default())
    }
}

/// Applies one parent action that changes the profile, returning the audit text.
fn apply_action(
    profile: &mut SafeModeProfile,
    action: &ParentAction,
) -> Result<String, SafeModeError> {
    let host = |text: &str| canonical_host(text).map_err(|_| SafeModeError::InvalidHost);
    Ok(match action {
        ParentAction::SetAgeBand { band } => {
            let mut next = SafeModeProfile::for_band(*band);
            next.allowed_hosts = std::mem::take(&mut profile.allowed_hosts);
            next.denied_hosts = std::mem::take(&mut profile.denied_hosts);
            next.approvals = std::mem::take(&mut profile.approvals);
            *profile = next;
            format!("age band set to {band}")
        }
        ParentAction::BlockCategory { category } => {
            profile.blocked_categories.insert(category.clone());
            format!("blocked category {category}")
        }
        ParentAction::UnblockCategory { category } => {
            profile.blocked_categories.remove(category);
            format!("unblocked category {category}")
        }
        ParentAction::AllowHost { host: text } => {
            let host = host(text)?;
            profile.denied_hosts.remove(&host);
            let change = format!("allowed host {host}");
            profile.allowed_hosts.insert(host);
            change
        }
        ParentAction::DenyHost { host: text } => {
            let host = host(text)?;
            profile.allowed_hosts.remove(&host);
            let change = format!("denied host {host}");
            profile.denied_hosts.insert(host);
            change
        }
        ParentAction::ClearHostRule { host: text } => {
            let host = host(text)?;
            profile.allowed_hosts.remove(&host);
            profile.denied_hosts.remove(&host);
            format!("cleared the rules for host {host}")
        }
        ParentAction::ApproveAccess {
            host: text,
            until_unix,
            ..
        } => {
            let host = host(text)?;
            let change = format!("approved host {host} until {until_unix}");
            profile.approvals.push(Approval {
                host,
                expires_at_unix: *until_unix,
            });
            change
        }
        ParentAction::DenyAccess { request_id, host } => {
            format!("denied access request {request_id} for host {host}")
        }
        ParentAction::SetSafeSearch { on } => {
            profile.safe_search = *on;
            format!("SafeSearch {}", if *on { "on" } else { "off" })
        }
        ParentAction::SetAllowlistOnly { on } => {
            profile.allowlist_only = *on;
            format!("allowlist-only {}", if *on { "on" } else { "off" })
        }
        ParentAction::SetSafeMode { on } => {
            profile.enabled = *on;
            format!("safe mode {}", if *on { "on" } else { "off" })
        }
        ParentAction::KeepAfterEighteen { .. }
        | ParentAction::ChangePin { .. }
        | ParentAction::InviteParent { .. }
        | ParentAction::RemoveParent { .. }
        | ParentAction::ReleaseDevice => {
            // The caller handles these: they change the PIN or the parents, not the profile.
            return Err(CommandError::Malformed("not a profile change").into());
        }
    })
}
