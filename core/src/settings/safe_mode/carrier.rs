//! The carrier's side of safe mode: the line the phone is bound to, the signed profile that sets
//! the floor of protection for that line, the deactivation that ends it, the band that follows
//! the child's age, the provisional protection of a phone still waiting for its profile, and the
//! tightenings taken back from the previous device of the line.
//!
//! The rules:
//! 1. A profile or deactivation is applied only if a trusted key that may sign for its carrier
//!    signed it, it names this device, and it names the line the device is bound to (a device
//!    bound to no line accepts only documents that name no line). Its sequence must be above the
//!    last one applied **for that line**, so a rotated carrier key cannot replay an old profile.
//! 2. The profile's floor is its band's defaults plus its extra categories, less what it lets
//!    parents relax (category names, [`SAFE_SEARCH`], [`ALLOWLIST_ONLY`]). Parents tighten
//!    freely; a change that would take the profile below the floor is refused with
//!    [`SafeModeError::CarrierFloor`], and a parent's allowed host or approval does not open a
//!    host in a floor category ([`crate::filter::policy::FilterPolicy::locked_categories`]).
//! 3. A newer profile, or a band move, starts again from the new band's defaults and keeps the
//!    parents' choices the new floor still allows: their hosts and approvals, the categories they
//!    blocked on top, and what they relaxed that may still be relaxed.
//! 4. With a birth month the band follows the child's age on trusted time, which a wall clock
//!    set back does not move. At 18 safe mode goes off unless the owner asked to keep it; kept,
//!    it stays on the 16-17 settings, and the carrier's floor is gone.
//! 5. A wiped app on a child's line is in safe mode at once, provisionally, until the profile
//!    arrives; the previous device's signed snapshot gives back what tightened, never what
//!    loosened.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{SafeMode, SafeModeError, keys as settings_keys};
use crate::filter::policy::canonical_host;
use crate::settings::activation::{self, ActivationError, ActivationProfile, LineDeactivation};
use crate::settings::audit::Actor;
use crate::settings::birth_month::{BirthMonthError, band_for_birth_month};
use crate::settings::parent_command::ParentAction;
use crate::settings::status_snapshot::StatusSnapshot;
use crate::settings::{AgeBand, SafeModeProfile};
use crate::store::{Store, WriteBatch, get_json, put_json};
use crate::time::{ClockReading, TrustedNow};
use crate::trust::TrustedKey;

/// What a profile names in `parents_may_relax` to let parents switch SafeSearch off.
pub const SAFE_SEARCH: &str = "safe-search";
/// What a profile names in `parents_may_relax` to let parents switch allowlist-only off.
pub const ALLOWLIST_ONLY: &str = "allowlist-only";

/// Store key of the [`CarrierState`].
const CARRIER: &[u8] = b"settings/carrier";

/// The phone's record of its line and of what the carrier said about it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct CarrierState {
    /// The line handle the backend bound this device to.
    #[serde(default)]
    pub(super) line: Option<String>,
    /// The last sequence applied per line handle (`""` for documents that name no line).
    #[serde(default)]
    pub(super) line_sequences: BTreeMap<String, u64>,
    /// Safe mode is on provisionally, awaiting the carrier's profile.
    #[serde(default)]
    pub(super) provisional: bool,
    /// Why the carrier deactivated the line, when it did (and no profile came since).
    #[serde(default)]
    pub(super) deactivated: Option<String>,
    /// The band the carrier's floor is at now (the profile's, or the child's age's).
    #[serde(default)]
    pub(super) floor_band: Option<AgeBand>,
    /// The owner asked to keep safe mode on after 18.
    #[serde(default)]
    pub(super) keep_after_eighteen: bool,
    /// The child turned 18 on trusted time.
    #[serde(default)]
    pub(super) adult: bool,
}

impl CarrierState {
    /// The last sequence applied for `line`: recorded per line, or for a phone activated before
    /// sequences were kept per line, that of the profile kept for the same line.
    fn last_sequence(&self, line: &str, kept: Option<&ActivationProfile>) -> Option<u64> {
        self.line_sequences.get(line).copied().or_else(|| {
            kept.filter(|kept| kept.line == line)
                .map(|kept| kept.sequence)
        })
    }
}

/// What a carrier's profile holds in place: parents may go above it, never below.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Floor {
    /// The oldest band parents may set.
    pub(crate) band: AgeBand,
    /// Categories that stay blocked.
    pub(crate) categories: BTreeSet<String>,
    /// SafeSearch stays on.
    pub(crate) safe_search: bool,
    /// Allowlist-only stays on.
    pub(crate) allowlist_only: bool,
}

impl Floor {
    /// The floor of `profile` when the child is in `band`.
    pub(crate) fn of(profile: &ActivationProfile, band: AgeBand) -> Self {
        let baseline = baseline(profile, band);
        let relaxable = |name: &str| profile.parents_may_relax.iter().any(|named| named == name);
        Self {
            band,
            categories: baseline
                .blocked_categories
                .into_iter()
                .filter(|category| !relaxable(category))
                .collect(),
            safe_search: baseline.safe_search && !relaxable(SAFE_SEARCH),
            allowlist_only: baseline.allowlist_only && !relaxable(ALLOWLIST_ONLY),
        }
    }

    /// The first thing `profile` has below the floor, in words, if any.
    pub(crate) fn breach(&self, profile: &SafeModeProfile) -> Option<String> {
        if !profile.enabled {
            return Some("safe mode".to_owned());
        }
        if profile.band > self.band {
            return Some(format!(
                "an age band older than the carrier's ({})",
                self.band
            ));
        }
        if let Some(category) = self
            .categories
            .iter()
            .find(|category| !profile.blocked_categories.contains(*category))
        {
            return Some(format!("the {category} category"));
        }
        if self.safe_search && !profile.safe_search {
            return Some("SafeSearch".to_owned());
        }
        if self.allowlist_only && !profile.allowlist_only {
            return Some("allowlist-only browsing".to_owned());
        }
        None
    }

    /// Brings `profile` up to the floor, leaving everything above it as it is.
    pub(crate) fn impose(&self, profile: &mut SafeModeProfile) {
        profile.enabled = true;
        profile.band = profile.band.min(self.band);
        profile
            .blocked_categories
            .extend(self.categories.iter().cloned());
        profile.safe_search |= self.safe_search;
        profile.allowlist_only |= self.allowlist_only;
    }

    /// What parents may not relax, by name: the categories, then `safe-search` and
    /// `allowlist-only` when they are held on.
    pub(crate) fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.categories.iter().cloned().collect();
        if self.safe_search {
            names.push(SAFE_SEARCH.to_owned());
        }
        if self.allowlist_only {
            names.push(ALLOWLIST_ONLY.to_owned());
        }
        names
    }
}

/// What the carrier switches on for `band`: the band's defaults and the profile's extra
/// categories, before any parent's choice.
fn baseline(profile: &ActivationProfile, band: AgeBand) -> SafeModeProfile {
    let mut settings = SafeModeProfile::for_band(band);
    settings
        .blocked_categories
        .extend(profile.extra_blocked_categories.iter().cloned());
    settings
}

/// `next_base` with the parents' choices in `current` (made on top of `old_base`) that `floor`
/// still allows: their hosts and approvals, the categories they blocked on top, what they
/// relaxed, and SafeSearch or allowlist-only as they set them.
fn rebase(
    current: &SafeModeProfile,
    old_base: &SafeModeProfile,
    mut next: SafeModeProfile,
    floor: &Floor,
) -> SafeModeProfile {
    for added in current
        .blocked_categories
        .difference(&old_base.blocked_categories)
    {
        next.blocked_categories.insert(added.clone());
    }
    for relaxed in old_base
        .blocked_categories
        .difference(&current.blocked_categories)
    {
        next.blocked_categories.remove(relaxed);
    }
    if current.safe_search != old_base.safe_search {
        next.safe_search = current.safe_search;
    }
    if current.allowlist_only != old_base.allowlist_only {
        next.allowlist_only = current.allowlist_only;
    }
    next.allowed_hosts = current.allowed_hosts.clone();
    next.denied_hosts = current.denied_hosts.clone();
    next.approvals = current.approvals.clone();
    floor.impose(&mut next);
    next
}

/// The band the carrier's floor is at for `profile` at `now`: the child's age's with a birth
/// month (`None` from 18), the profile's otherwise.
fn band_at(
    profile: &ActivationProfile,
    now: TrustedNow,
) -> Result<Option<AgeBand>, ActivationError> {
    match &profile.birth_month {
        None => Ok(Some(profile.band)),
        Some(month) => match band_for_birth_month(month, now.unix_secs()) {
            Ok(band) => Ok(Some(band)),
            Err(BirthMonthError::Adult { .. }) => Ok(None),
            // Not born yet on a clock that says so: the youngest band, the strictest.
            Err(BirthMonthError::InTheFuture) => Ok(Some(AgeBand::UpTo5)),
            Err(BirthMonthError::Malformed | BirthMonthError::ClockOutOfRange) => {
                Err(ActivationError::Malformed("the birth month is not YYYY-MM"))
            }
        },
    }
}

impl<S: Store> SafeMode<S> {
    /// Applies a carrier activation profile: signed by one of `trusted` that may sign for its
    /// carrier, not expired on trusted time, for this device and its bound line, newer than the
    /// last document of that line. Safe mode goes on at the floor of the profile; the parents'
    /// choices the floor allows are kept; provisional protection ends.
    pub fn activate(
        &self,
        envelope: &[u8],
        trusted: &[TrustedKey],
        clock: ClockReading,
    ) -> Result<ActivationProfile, SafeModeError> {
        let (now, mut batch) = self.begin(clock)?;
        let profile = ActivationProfile::verify(envelope, trusted, now.unix_secs())?.profile;
        let (mut state, previous) =
            self.check_line_document(&profile.line, &profile.device_id, profile.sequence)?;
        let band = band_at(&profile, now)?.ok_or(ActivationError::Malformed(
            "the birth month makes the child 18 or older",
        ))?;
        let floor = Floor::of(&profile, band);
        let next = baseline(&profile, band);
        let settings = match self.profile()? {
            Some(current) => {
                let old_base = match &previous {
                    Some(previous) => baseline(previous, state.floor_band.unwrap_or(previous.band)),
                    None => SafeModeProfile::for_band(current.band),
                };
                rebase(&current, &old_base, next, &floor)
            }
            None => {
                let mut next = next;
                floor.impose(&mut next);
                next
            }
        };
        state
            .line_sequences
            .insert(profile.line.clone(), profile.sequence);
        state.provisional = false;
        state.deactivated = None;
        state.floor_band = Some(band);
        state.adult = false;
        put_json(&mut batch, settings_keys::PROFILE, &settings)?;
        put_json(&mut batch, settings_keys::ACTIVATION, &profile)?;
        put_json(&mut batch, CARRIER, &state)?;
        let change = format!(
            "safe mode on by activation profile {} (sequence {}), age band {band}",
            profile.profile_id, profile.sequence
        );
        let actor = Actor::CarrierProfile {
            carrier: profile.carrier.clone(),
        };
        self.audit()
            .append(&mut batch, actor, change, now.unix_secs())?;
        self.store.apply(batch)?;
        Ok(profile)
    }

    /// Applies the carrier's signed deactivation of the line: the same checks as a profile
    /// (without expiry), with a sequence above the line's last. Safe mode goes off and the
    /// carrier's floor with it; the parents stay paired and may switch safe mode back on.
    pub fn deactivate(
        &self,
        envelope: &[u8],
        trusted: &[TrustedKey],
        clock: ClockReading,
    ) -> Result<LineDeactivation, SafeModeError> {
        let deactivation = LineDeactivation::verify(envelope, trusted)?.deactivation;
        let (mut state, _) = self.check_line_document(
            &deactivation.line,
            &deactivation.device_id,
            deactivation.sequence,
        )?;
        let (now, mut batch) = self.begin(clock)?;
        if let Some(mut profile) = self.profile()? {
            profile.enabled = false;
            put_json(&mut batch, settings_keys::PROFILE, &profile)?;
        }
        batch.delete(settings_keys::ACTIVATION);
        state
            .line_sequences
            .insert(deactivation.line.clone(), deactivation.sequence);
        state.provisional = false;
        state.deactivated = Some(deactivation.reason.clone());
        state.floor_band = None;
        put_json(&mut batch, CARRIER, &state)?;
        let change = format!(
            "safe mode off: the carrier deactivated the line (sequence {}): {}",
            deactivation.sequence, deactivation.reason
        );
        let actor = Actor::CarrierProfile {
            carrier: deactivation.carrier.clone(),
        };
        self.audit()
            .append(&mut batch, actor, change, now.unix_secs())?;
        self.store.apply(batch)?;
        Ok(deactivation)
    }

    /// Binds the device to the line handle the backend answered at registration; from then on
    /// only documents for that line apply.
    pub fn bind_line(&self, handle: &str, clock: ClockReading) -> Result<(), SafeModeError> {
        self.setup()?;
        if handle.trim().is_empty() {
            return Err(ActivationError::Malformed("the line handle is empty").into());
        }
        let mut state = self.carrier_state()?;
        if state.line.as_deref() == Some(handle) {
            return Ok(());
        }
        let (now, mut batch) = self.begin(clock)?;
        state.line = Some(handle.to_owned());
        put_json(&mut batch, CARRIER, &state)?;
        self.audit().append(
            &mut batch,
            Actor::System,
            format!("bound to line {handle}"),
            now.unix_secs(),
        )?;
        Ok(self.store.apply(batch)?)
    }

    /// The line handle the device is bound to, if any.
    pub fn line(&self) -> Result<Option<String>, SafeModeError> {
        Ok(self.carrier_state()?.line)
    }

    /// Puts a device that has no settings yet (the first open of a wiped app on a child's line)
    /// in safe mode at once with `band`'s defaults, marked provisional until the carrier's
    /// profile arrives. Does nothing, and answers `false`, on a device that already has
    /// settings (a profile, a parent's, an earlier provisional start) or whose line the carrier
    /// deactivated.
    pub fn start_provisional(
        &self,
        band: AgeBand,
        clock: ClockReading,
    ) -> Result<bool, SafeModeError> {
        self.setup()?;
        let mut state = self.carrier_state()?;
        if self.profile()?.is_some() || self.activation()?.is_some() || state.deactivated.is_some()
        {
            return Ok(false);
        }
        let (now, mut batch) = self.begin(clock)?;
        state.provisional = true;
        put_json(
            &mut batch,
            settings_keys::PROFILE,
            &SafeModeProfile::for_band(band),
        )?;
        put_json(&mut batch, CARRIER, &state)?;
        self.audit().append(
            &mut batch,
            Actor::System,
            format!(
                "safe mode on provisionally at age band {band}, awaiting the carrier's profile"
            ),
            now.unix_secs(),
        )?;
        self.store.apply(batch)?;
        Ok(true)
    }

    /// Takes back from the previous device's snapshot (whose signature the caller checked) what
    /// tightens the rules here: its blocked categories, denied hosts, SafeSearch on and
    /// allowlist-only on. Allowed hosts, approvals and anything that loosens stay behind: those
    /// come back by the parents' signed commands. Answers how many things changed.
    pub fn restore_tightenings(
        &self,
        snapshot: &StatusSnapshot,
        clock: ClockReading,
    ) -> Result<usize, SafeModeError> {
        self.setup()?;
        let mut denied = Vec::with_capacity(snapshot.denied_hosts.len());
        for host in &snapshot.denied_hosts {
            denied.push(canonical_host(host).map_err(|_| SafeModeError::InvalidHost)?);
        }
        let (mut profile, mut changes) = match self.profile()? {
            Some(profile) => (profile, 0),
            // A phone with no settings at all: safe mode on at the snapshot's band is already a
            // tightening.
            None if snapshot.safe_mode => (SafeModeProfile::for_band(snapshot.band), 1),
            None => return Ok(0),
        };
        for category in &snapshot.blocked_categories {
            changes += usize::from(profile.blocked_categories.insert(category.clone()));
        }
        for host in denied {
            changes += usize::from(profile.denied_hosts.insert(host));
        }
        if snapshot.safe_search && !profile.safe_search {
            profile.safe_search = true;
            changes += 1;
        }
        if snapshot.allowlist_only && !profile.allowlist_only {
            profile.allowlist_only = true;
            changes += 1;
        }
        if snapshot.safe_mode && !profile.enabled {
            profile.enabled = true;
            changes += 1;
        }
        if changes == 0 {
            return Ok(0);
        }
        let (now, mut batch) = self.begin(clock)?;
        put_json(&mut batch, settings_keys::PROFILE, &profile)?;
        self.audit().append(
            &mut batch,
            Actor::System,
            format!("{changes} tightening(s) taken back from the previous device's status"),
            now.unix_secs(),
        )?;
        self.store.apply(batch)?;
        Ok(changes)
    }

    /// Moves the band with the child's age on trusted time, when the carrier's profile gives a
    /// birth month: writes into `batch` the profile rebased on the new band's defaults (the
    /// parents' choices still allowed kept), or at 18 safe mode off unless the owner kept it,
    /// with an audit entry. Nothing is written when the band has not moved.
    pub(super) fn grow_up(
        &self,
        now: TrustedNow,
        batch: &mut WriteBatch,
    ) -> Result<(), SafeModeError> {
        let Some(activation) = self.activation()? else {
            return Ok(());
        };
        if activation.birth_month.is_none() {
            return Ok(());
        }
        let mut state = self.carrier_state()?;
        let was = state.floor_band.unwrap_or(activation.band);
        let Ok(band) = band_at(&activation, now) else {
            // A stored birth month was checked when the profile was applied.
            return Ok(());
        };
        if band == Some(was) {
            return Ok(());
        }
        let actor = Actor::CarrierProfile {
            carrier: activation.carrier.clone(),
        };
        let Some(current) = self.profile()? else {
            return Ok(());
        };
        let change = match band {
            Some(band) => {
                let floor = Floor::of(&activation, band);
                let next = rebase(
                    &current,
                    &baseline(&activation, was),
                    baseline(&activation, band),
                    &floor,
                );
                put_json(batch, settings_keys::PROFILE, &next)?;
                state.floor_band = Some(band);
                format!("age band moved from {was} to {band} with the child's age")
            }
            None => {
                state.adult = true;
                state.floor_band = None;
                batch.delete(settings_keys::ACTIVATION);
                if state.keep_after_eighteen {
                    "the child turned 18: safe mode kept on at the parents' request, without \
                     the carrier's floor"
                        .to_owned()
                } else {
                    let mut off = current;
                    off.enabled = false;
                    put_json(batch, settings_keys::PROFILE, &off)?;
                    "the child turned 18: safe mode off".to_owned()
                }
            }
        };
        put_json(batch, CARRIER, &state)?;
        self.audit().append(batch, actor, change, now.unix_secs())?;
        Ok(())
    }

    /// Records the owner's wish to keep safe mode after 18 (or not) into `batch`, with what it
    /// does at once to a child who is 18 already; returns the audit text.
    pub(super) fn keep_after_eighteen(
        &self,
        on: bool,
        batch: &mut WriteBatch,
    ) -> Result<String, SafeModeError> {
        let mut state = self.carrier_state()?;
        state.keep_after_eighteen = on;
        if state.adult {
            if let Some(mut profile) = self.profile()? {
                profile.enabled = on;
                put_json(batch, settings_keys::PROFILE, &profile)?;
            }
        }
        put_json(batch, CARRIER, &state)?;
        Ok(format!(
            "safe mode {} after 18",
            if on { "kept on" } else { "not kept on" }
        ))
    }

    /// Refuses a carrier document for another device or line than this one's, or whose
    /// sequence is not above the line's last; answers the carrier state and the profile kept.
    fn check_line_document(
        &self,
        line: &str,
        device_id: &str,
        sequence: u64,
    ) -> Result<(CarrierState, Option<ActivationProfile>), SafeModeError> {
        let setup = self.setup()?;
        let state = self.carrier_state()?;
        activation::check_binding(line, device_id, state.line.as_deref(), &setup.device_id)?;
        let kept = self.activation()?;
        activation::check_sequence(sequence, state.last_sequence(line, kept.as_ref()))?;
        Ok((state, kept))
    }

    /// The carrier's floor in force, if a profile set one.
    pub(crate) fn floor(&self) -> Result<Option<Floor>, SafeModeError> {
        let Some(activation) = self.activation()? else {
            return Ok(None);
        };
        let state = self.carrier_state()?;
        let band = state.floor_band.unwrap_or(activation.band);
        Ok(Some(Floor::of(&activation, band)))
    }

    /// Holds a parent's change to the floor: `action` was applied to `profile`, which started at
    /// or above the floor. A band older than the carrier's, or anything else below the floor,
    /// is refused; a younger band gets the floor's extra categories back.
    pub(super) fn hold_floor(
        &self,
        action: &ParentAction,
        profile: &mut SafeModeProfile,
    ) -> Result<(), SafeModeError> {
        let Some(floor) = self.floor()? else {
            return Ok(());
        };
        if matches!(action, ParentAction::SetAgeBand { band } if *band <= floor.band) {
            floor.impose(profile);
        }
        match floor.breach(profile) {
            Some(what) => Err(SafeModeError::CarrierFloor { what }),
            None => Ok(()),
        }
    }

    pub(super) fn carrier_state(&self) -> Result<CarrierState, SafeModeError> {
        Ok(get_json(&self.store, CARRIER)?.unwrap_or_default())
    }

    pub(super) fn activation(&self) -> Result<Option<ActivationProfile>, SafeModeError> {
        Ok(get_json(&self.store, settings_keys::ACTIVATION)?)
    }
}
