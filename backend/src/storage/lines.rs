//! Carriers and their children's lines: the carriers the operator admitted (their current key,
//! the key rotations they signed, their newest safety pack) and each line, kept under its line
//! handle only (the identifier itself is never stored), with its settings, its device, and the
//! newest signed profile or deactivation the carrier filed for it. [`LineStore`] is the part of
//! the storage that keeps them.
//!
//! The rules that change a line ([`LineRecord::apply`], [`LineRecord::bind_device`]) are here,
//! run by both stores inside the transaction that reads and writes the line, so a profile and a
//! settings update, or two registrations, cannot interleave.

use async_trait::async_trait;
use childsafe_crypto::PublicKey;
use childsafe_protocol::carrier::{LineRequest, LineState, LineSummary, PendingActivation};
use serde::{Deserialize, Serialize};

use super::accounts::DeviceRecord;
use super::bundles::BundlePut;
use super::error::StorageResult;

/// A carrier the operator admitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierRecord {
    /// Its id (`a-z`, `0-9`, `-`).
    pub id: String,
    /// The name shown to parents.
    pub name: String,
    /// The key that signs its requests and documents now.
    pub public_key: PublicKey,
    /// The key rotations it signed, oldest first, each the envelope as uploaded (base64url).
    pub rotations: Vec<String>,
    /// Its newest safety-information pack.
    pub safety_pack: Option<SafetyPackRecord>,
    /// When the operator admitted it, Unix seconds.
    pub admitted_at: u64,
}

/// A carrier's signed safety-information pack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyPackRecord {
    /// The pack's version; grows with every pack.
    pub version: u64,
    /// The envelope as uploaded (base64url).
    pub envelope: String,
}

/// What admitting a carrier did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CarrierAdmitted {
    /// It is stored.
    Admitted,
    /// It was admitted before with this key; nothing changed.
    AlreadyAdmitted,
    /// A carrier with this id holds another key; nothing changed.
    Conflict,
}

/// The device a line had before the one it has now (after the app's data was wiped, the phone
/// registered again with a new key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousDevice {
    /// Its id.
    pub device_id: String,
    /// Its key, which signed `snapshot`.
    pub public_key: PublicKey,
    /// Its last signed status snapshot, if it sent one.
    pub snapshot: Option<String>,
}

/// A child's line, under its handle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineRecord {
    /// The keyed hash of the identifier.
    pub handle: String,
    /// The carrier that owns it.
    pub carrier_id: String,
    /// Its settings; `line` is always empty.
    pub settings: LineRequest,
    /// The device registered with it.
    pub device_id: Option<String>,
    /// The device it had before that one, if it moved.
    pub previous: Option<PreviousDevice>,
    /// The newest profile for `device_id` (envelope, base64url).
    pub profile: Option<String>,
    /// The carrier's deactivation (envelope, base64url); a line holds a profile or a
    /// deactivation, never both.
    pub deactivation: Option<String>,
    /// The sequence of the newest profile or deactivation filed; 0 before any.
    pub sequence: u64,
    /// Where it stands.
    pub state: LineState,
    /// When the carrier added it, Unix seconds.
    pub added_at: u64,
}

/// A change a carrier makes to one of its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineChange {
    /// New settings (without the identifier).
    Settings(LineRequest),
    /// A profile signed for the line's device.
    Profile(SignedForLine),
    /// A deactivation signed for the line's device.
    Deactivation(SignedForLine),
}

/// A carrier-signed document for one line and device, as filed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedForLine {
    /// The device it names.
    pub device_id: String,
    /// Its sequence.
    pub sequence: u64,
    /// The envelope as uploaded (base64url).
    pub envelope: String,
}

/// What [`LineStore::change_line`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineChanged {
    /// The line after the change.
    Changed(Box<LineRecord>),
    /// No such line for this carrier (absent, or another carrier's); nothing changed.
    Unknown,
    /// The document names another device than the line's, or the line has none.
    WrongDevice,
    /// The document's sequence is not above the line's; nothing changed.
    NotNewer {
        /// The line's sequence.
        current: u64,
    },
    /// The line is deactivated: only new settings bring it back.
    Deactivated,
}

/// What [`LineStore::register_line_device`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineRegistration {
    /// The device is stored and bound to the line (the line after it).
    Registered(Box<LineRecord>),
    /// No such line, or it is deactivated; nothing changed.
    LineUnknown,
    /// A device with this key already exists; nothing changed.
    AlreadyRegistered,
    /// The line's device changed since the caller read it; nothing changed.
    Raced,
}

impl LineRecord {
    /// The line as its carrier lists it.
    pub fn summary(&self) -> LineSummary {
        LineSummary {
            line_handle: self.handle.clone(),
            settings: self.settings.clone(),
            device_id: self.device_id.clone(),
            state: self.state,
            sequence: (self.sequence > 0).then_some(self.sequence),
        }
    }

    /// The profile the line's device waits for, if it waits for one.
    pub fn pending(&self) -> Option<PendingActivation> {
        let device_id = self.device_id.clone()?;
        (self.state == LineState::AwaitingProfile).then(|| PendingActivation {
            line_handle: self.handle.clone(),
            device_id,
            settings: self.settings.clone(),
            next_sequence: self.sequence.saturating_add(1),
        })
    }

    /// Applies `change` by the carrier `carrier_id`; what it did. The line is changed only when
    /// the answer is [`LineChanged::Changed`].
    pub fn apply(&mut self, carrier_id: &str, change: &LineChange) -> LineChanged {
        if self.carrier_id != carrier_id {
            return LineChanged::Unknown;
        }
        match change {
            LineChange::Settings(settings) => {
                self.settings = LineRequest {
                    line: String::new(),
                    ..settings.clone()
                };
                self.state = if self.device_id.is_some() {
                    LineState::AwaitingProfile
                } else {
                    LineState::AwaitingDevice
                };
            }
            LineChange::Profile(signed) | LineChange::Deactivation(signed) => {
                if self.device_id.as_deref() != Some(signed.device_id.as_str()) {
                    return LineChanged::WrongDevice;
                }
                if signed.sequence <= self.sequence {
                    return LineChanged::NotNewer {
                        current: self.sequence,
                    };
                }
                if self.state == LineState::Deactivated {
                    return LineChanged::Deactivated;
                }
                self.sequence = signed.sequence;
                if matches!(change, LineChange::Profile(_)) {
                    self.profile = Some(signed.envelope.clone());
                    self.deactivation = None;
                    self.state = LineState::Active;
                } else {
                    self.deactivation = Some(signed.envelope.clone());
                    self.profile = None;
                    self.state = LineState::Deactivated;
                }
            }
        }
        LineChanged::Changed(Box::new(self.clone()))
    }

    /// Binds `device_id` to the line. A line that had another device moves: that one becomes
    /// `previous` (its profile named it, so it goes) and the line waits for a profile for the
    /// new one.
    pub fn bind_device(&mut self, device_id: &str, previous: Option<PreviousDevice>) {
        if self
            .device_id
            .as_deref()
            .is_some_and(|bound| bound != device_id)
        {
            self.previous = previous;
            self.profile = None;
        }
        self.device_id = Some(device_id.to_owned());
        self.state = LineState::AwaitingProfile;
    }
}

/// Orders lines oldest first (then by handle), the order carriers see them in.
pub(crate) fn oldest_first(lines: &mut [LineRecord]) {
    lines.sort_by(|a, b| {
        a.added_at
            .cmp(&b.added_at)
            .then_with(|| a.handle.cmp(&b.handle))
    });
}

/// Carriers, their lines, and the documents filed for them.
#[async_trait]
pub trait LineStore: Send + Sync + 'static {
    /// Admits a carrier, unless its id is taken.
    async fn admit_carrier(&self, carrier: CarrierRecord) -> StorageResult<CarrierAdmitted>;

    /// A carrier by id.
    async fn carrier(&self, id: &str) -> StorageResult<Option<CarrierRecord>>;

    /// Replaces the carrier's key `old_key` by `new_key` and keeps the signed rotation, if
    /// `old_key` is still its key (checked in the same write); whether it did.
    async fn rotate_carrier_key(
        &self,
        id: &str,
        old_key: PublicKey,
        new_key: PublicKey,
        rotation: String,
    ) -> StorageResult<bool>;

    /// Keeps `pack` as the carrier's safety pack if its version is above the stored one's
    /// ([`BundlePut::NotNewer`] for an unknown carrier too, with 0).
    async fn put_safety_pack(
        &self,
        carrier_id: &str,
        pack: SafetyPackRecord,
    ) -> StorageResult<BundlePut>;

    /// Adds a line; `false` if one with this handle exists (whoever's it is; nothing changed).
    async fn add_line(&self, line: LineRecord) -> StorageResult<bool>;

    /// A line by handle.
    async fn line(&self, handle: &str) -> StorageResult<Option<LineRecord>>;

    /// The carrier's lines, oldest first.
    async fn lines_of(&self, carrier_id: &str) -> StorageResult<Vec<LineRecord>>;

    /// The line a device is bound to.
    async fn line_of_device(&self, device_id: &str) -> StorageResult<Option<LineRecord>>;

    /// Applies a carrier's change to a line ([`LineRecord::apply`]) in one transaction.
    async fn change_line(
        &self,
        handle: &str,
        carrier_id: &str,
        change: LineChange,
    ) -> StorageResult<LineChanged>;

    /// Stores `device` and binds it to the line ([`LineRecord::bind_device`]), atomically: only
    /// while the line exists, is not deactivated, and is still bound to `seen_device` (what the
    /// caller read when it gathered `previous`).
    async fn register_line_device(
        &self,
        device: DeviceRecord,
        handle: &str,
        seen_device: Option<String>,
        previous: Option<PreviousDevice>,
    ) -> StorageResult<LineRegistration>;
}

/// Whether a line `line` (read inside the registration's transaction) may take a new device
/// bound while the caller saw `seen_device`: the rule both stores apply.
pub(crate) fn registration_allowed(
    line: Option<&LineRecord>,
    seen_device: Option<&str>,
) -> Result<(), LineRegistration> {
    let Some(line) = line else {
        return Err(LineRegistration::LineUnknown);
    };
    if line.state == LineState::Deactivated {
        return Err(LineRegistration::LineUnknown);
    }
    if line.device_id.as_deref() != seen_device {
        return Err(LineRegistration::Raced);
    }
    Ok(())
}
