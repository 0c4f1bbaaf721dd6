//! The records a carrier's system hands [`ChildSafeCarrier`](super::ChildSafeCarrier) and gets
//! back, in the SDK's types (an [`AgeBand`], not its name). The protocol's wire types cannot
//! cross the FFI, so each is converted here, both ways: what the backend sends is checked on the
//! way in (a band that is not one is refused, not passed on).

use super::error::CarrierError;
use crate::protocol::carrier as wire;
use crate::settings::AgeBand;
use crate::settings::activation::{ActivationProfile, LineDeactivation};

/// A child's line as the carrier provisions it: the identifier and the terms it gets.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LineSettings {
    /// The line identifier (phone number or ICCID) as the phone's platform reads it; the
    /// backend keeps only its keyed hash, the line handle.
    pub line: String,
    /// ISO 3166-1 alpha-2 country of the line, upper case (`GB`).
    pub country: String,
    /// The child's age band; give it or `birth_month`, not both.
    pub band: Option<AgeBand>,
    /// The child's birth month, `YYYY-MM`: the band then follows the child's age.
    pub birth_month: Option<String>,
    /// Categories blocked on top of the band's defaults.
    pub extra_blocked_categories: Vec<String>,
    /// What of the carrier's floor parents may relax: category names, `safe-search`,
    /// `allowlist-only`.
    pub parents_may_relax: Vec<String>,
}

/// A line's terms, without its identifier: what the backend lists back.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LineTerms {
    /// ISO 3166-1 alpha-2 country of the line.
    pub country: String,
    /// The child's age band, when the carrier gave one.
    pub band: Option<AgeBand>,
    /// The child's birth month, `YYYY-MM`, when the carrier gave one instead.
    pub birth_month: Option<String>,
    /// Categories blocked on top of the band's defaults.
    pub extra_blocked_categories: Vec<String>,
    /// What of the carrier's floor parents may relax.
    pub parents_may_relax: Vec<String>,
}

/// Where one of the carrier's lines stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CarrierLineState {
    /// No device has registered with the line yet.
    AwaitingDevice,
    /// A device registered and waits for a profile for the line's newest terms.
    AwaitingProfile,
    /// The device's newest profile is at the backend.
    Active,
    /// The carrier deactivated the line.
    Deactivated,
}

/// One of the carrier's lines (never its identifier).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CarrierLine {
    /// The line handle, which profiles and deactivations name.
    pub handle: String,
    /// The line's terms.
    pub terms: LineTerms,
    /// The device registered with the line, if any.
    pub device_id: Option<String>,
    /// Where it stands.
    pub state: CarrierLineState,
    /// The sequence of the newest profile or deactivation stored for it.
    pub sequence: Option<u64>,
}

/// A line whose device waits for a profile.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PendingActivation {
    /// The line handle.
    pub line_handle: String,
    /// The device the profile is for.
    pub device_id: String,
    /// The line's terms.
    pub terms: LineTerms,
    /// The sequence the next profile carries.
    pub next_sequence: u64,
}

/// A profile the carrier signed and the backend took.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SignedProfileInfo {
    /// What was signed.
    pub profile: ActivationProfile,
    /// The signed envelope as uploaded (unpadded base64url), for the carrier's records.
    pub envelope: String,
}

/// A deactivation the carrier signed and the backend took, with the line after it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeactivationInfo {
    /// What was signed.
    pub deactivation: LineDeactivation,
    /// The line as the backend holds it now.
    pub line: CarrierLine,
}

impl LineSettings {
    /// The wire request: the band by its name.
    pub(super) fn to_wire(&self) -> wire::LineRequest {
        wire::LineRequest {
            line: self.line.clone(),
            country: self.country.clone(),
            band: self.band.map(|band| band.name().to_owned()),
            birth_month: self.birth_month.clone(),
            extra_blocked_categories: self.extra_blocked_categories.clone(),
            parents_may_relax: self.parents_may_relax.clone(),
        }
    }
}

impl LineTerms {
    /// The terms of a wire request; a band that is not one is the backend's fault, refused.
    fn from_wire(request: wire::LineRequest) -> Result<Self, CarrierError> {
        let band =
            match request.band {
                Some(name) => Some(name.parse().map_err(|_| {
                    CarrierError::Protocol("the backend lists a band that is not one")
                })?),
                None => None,
            };
        Ok(Self {
            country: request.country,
            band,
            birth_month: request.birth_month,
            extra_blocked_categories: request.extra_blocked_categories,
            parents_may_relax: request.parents_may_relax,
        })
    }

    /// The wire form, without an identifier (`line` empty, as the backend lists it).
    pub fn to_wire(&self) -> wire::LineRequest {
        wire::LineRequest {
            line: String::new(),
            country: self.country.clone(),
            band: self.band.map(|band| band.name().to_owned()),
            birth_month: self.birth_month.clone(),
            extra_blocked_categories: self.extra_blocked_categories.clone(),
            parents_may_relax: self.parents_may_relax.clone(),
        }
    }
}

impl From<wire::LineState> for CarrierLineState {
    fn from(state: wire::LineState) -> Self {
        match state {
            wire::LineState::AwaitingDevice => Self::AwaitingDevice,
            wire::LineState::AwaitingProfile => Self::AwaitingProfile,
            wire::LineState::Active => Self::Active,
            wire::LineState::Deactivated => Self::Deactivated,
        }
    }
}

impl From<CarrierLineState> for wire::LineState {
    fn from(state: CarrierLineState) -> Self {
        match state {
            CarrierLineState::AwaitingDevice => Self::AwaitingDevice,
            CarrierLineState::AwaitingProfile => Self::AwaitingProfile,
            CarrierLineState::Active => Self::Active,
            CarrierLineState::Deactivated => Self::Deactivated,
        }
    }
}

impl CarrierLine {
    pub(super) fn from_wire(summary: wire::LineSummary) -> Result<Self, CarrierError> {
        Ok(Self {
            handle: summary.line_handle,
            terms: LineTerms::from_wire(summary.settings)?,
            device_id: summary.device_id,
            state: summary.state.into(),
            sequence: summary.sequence,
        })
    }

    /// The wire form, as `GET /v1/carrier/lines` lists it (the CLI prints it).
    pub fn to_wire(&self) -> wire::LineSummary {
        wire::LineSummary {
            line_handle: self.handle.clone(),
            settings: self.terms.to_wire(),
            device_id: self.device_id.clone(),
            state: self.state.into(),
            sequence: self.sequence,
        }
    }
}

impl PendingActivation {
    pub(super) fn from_wire(pending: wire::PendingActivation) -> Result<Self, CarrierError> {
        Ok(Self {
            line_handle: pending.line_handle,
            device_id: pending.device_id,
            terms: LineTerms::from_wire(pending.settings)?,
            next_sequence: pending.next_sequence,
        })
    }

    /// The wire form, as `GET /v1/carrier/activations` lists it (the CLI prints it).
    pub fn to_wire(&self) -> wire::PendingActivation {
        wire::PendingActivation {
            line_handle: self.line_handle.clone(),
            device_id: self.device_id.clone(),
            settings: self.terms.to_wire(),
            next_sequence: self.next_sequence,
        }
    }
}
