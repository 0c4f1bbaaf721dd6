//! Age bands: what safe mode starts from for a child of a given age, and which settings the
//! child may change alone.
//!
//! Five bands cover every age below 18. Protection loosens a little from one band to the next
//! instead of all at once at 13 (the age many services treat as "not a child"): the youngest
//! children see only sites a parent chose; from 6 the web is open with every category blocked;
//! from 13 violent content (news, history, games) is no longer blocked; from 16 drugs and
//! weapons (health information, sport and hunting) are not either. What stays blocked until 18,
//! in every band, is what is for adults or dangerous at any age below it: adult content,
//! gambling and dating (adult by law in most countries), self-harm, hate, the ways around the
//! filter (anonymizers, proxies, VPNs, DNS-over-HTTPS, bare IP addresses), and search engines
//! that cannot be made safe. SafeSearch is on in every band.
//!
//! Who may change what is the table [`CHANGE_PERMISSIONS`]: anything that loosens the filter
//! needs a parent at every age. A child may make things stricter from an age at which they can
//! judge it (blocking a site that scared them from 6, whole categories from 9, allowlist-only
//! from 13). Undoing such a change loosens the filter, so it needs a parent.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::vocabulary::Category;

/// A child's age band; each has default settings ([`super::SafeModeProfile::for_band`]).
/// Written as its age range (`"6-8"`) in text, JSON and on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AgeBand {
    /// Ages 0 to 5: only websites a parent chose.
    #[serde(rename = "0-5")]
    UpTo5,
    /// Ages 6 to 8: the open web, every category blocked.
    #[serde(rename = "6-8")]
    From6To8,
    /// Ages 9 to 12: as 6 to 8, and the child may block categories themselves.
    #[serde(rename = "9-12")]
    From9To12,
    /// Ages 13 to 15: violent content no longer blocked.
    #[serde(rename = "13-15")]
    From13To15,
    /// Ages 16 and 17: drugs and weapons no longer blocked either.
    #[serde(rename = "16-17")]
    From16To17,
}

/// Who may make a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// The child alone (a parent may too).
    Child,
    /// Only a parent: with the PIN, the offline parent code or a signed command.
    Parent,
}

/// A change that can be made to safe mode, for the permission table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SettingKind {
    /// Switch safe mode off.
    TurnOffSafeMode,
    /// Move the child to another age band (its defaults replace the current settings).
    ChangeAgeBand,
    /// Set a new parent PIN.
    ChangePin,
    /// Stop blocking a category.
    UnblockCategory,
    /// Block one more category.
    BlockCategory,
    /// Allow a host whatever its category.
    AllowHost,
    /// Remove a host from the allowed hosts.
    RemoveAllowedHost,
    /// Never load a host.
    DenyHost,
    /// Remove a host from the denied hosts.
    RemoveDeniedHost,
    /// Switch SafeSearch off.
    TurnOffSafeSearch,
    /// Switch SafeSearch on.
    TurnOnSafeSearch,
    /// Switch allowlist-only off.
    TurnOffAllowlistOnly,
    /// Switch allowlist-only on.
    TurnOnAllowlistOnly,
    /// Approve an access request for a while.
    ApproveAccess,
}

/// Why text is not an age band.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("an age band is one of 0-5, 6-8, 9-12, 13-15, 16-17")]
pub struct ParseAgeBandError;

/// Categories blocked in every band: for adults, or dangerous at any age below 18.
const ALWAYS_BLOCKED: [Category; 11] = [
    Category::Adult,
    Category::Gambling,
    Category::Dating,
    Category::SelfHarm,
    Category::Hate,
    // The ways around the filter: with any of them open, nothing else here would hold.
    Category::Anonymizers,
    Category::Proxies,
    Category::Vpn,
    Category::Doh,
    Category::IpLiteral,
    Category::UnsafeSearch,
];

/// Categories blocked below 13 only.
const BLOCKED_UNDER_13: [Category; 1] = [Category::Violence];

/// Categories blocked below 16 only.
const BLOCKED_UNDER_16: [Category; 2] = [Category::Drugs, Category::Weapons];

/// Shorthands for the permission table.
const C: Permission = Permission::Child;
const P: Permission = Permission::Parent;

/// Who may make each change, per band in the order of [`AgeBand::ALL`] (0-5, 6-8, 9-12, 13-15,
/// 16-17). Every change that loosens the filter is the parent's at every age; a test holds the
/// table to that.
pub const CHANGE_PERMISSIONS: [(SettingKind, [Permission; 5]); 14] = [
    (SettingKind::TurnOffSafeMode, [P, P, P, P, P]),
    (SettingKind::ChangeAgeBand, [P, P, P, P, P]),
    (SettingKind::ChangePin, [P, P, P, P, P]),
    (SettingKind::UnblockCategory, [P, P, P, P, P]),
    (SettingKind::AllowHost, [P, P, P, P, P]),
    (SettingKind::RemoveDeniedHost, [P, P, P, P, P]),
    (SettingKind::TurnOffSafeSearch, [P, P, P, P, P]),
    (SettingKind::TurnOffAllowlistOnly, [P, P, P, P, P]),
    (SettingKind::ApproveAccess, [P, P, P, P, P]),
    // Stricter: a child who saw something that upset them can block that site from 6.
    (SettingKind::DenyHost, [P, C, C, C, C]),
    (SettingKind::BlockCategory, [P, P, C, C, C]),
    (SettingKind::TurnOnSafeSearch, [P, P, C, C, C]),
    (SettingKind::TurnOnAllowlistOnly, [P, P, P, C, C]),
    // Removing an allowed host makes the filter stricter, but the list is the parent's.
    (SettingKind::RemoveAllowedHost, [P, P, P, P, P]),
];

impl AgeBand {
    /// Every band, youngest first.
    pub const ALL: [AgeBand; 5] = [
        AgeBand::UpTo5,
        AgeBand::From6To8,
        AgeBand::From9To12,
        AgeBand::From13To15,
        AgeBand::From16To17,
    ];

    /// The band for a child of `years`; `None` from 18, when safe mode has no band.
    pub fn for_age(years: u8) -> Option<AgeBand> {
        AgeBand::ALL
            .into_iter()
            .find(|band| years <= band.oldest_age())
    }

    /// The youngest age in the band.
    pub fn youngest_age(self) -> u8 {
        match self {
            AgeBand::UpTo5 => 0,
            AgeBand::From6To8 => 6,
            AgeBand::From9To12 => 9,
            AgeBand::From13To15 => 13,
            AgeBand::From16To17 => 16,
        }
    }

    /// The oldest age in the band.
    pub fn oldest_age(self) -> u8 {
        match self {
            AgeBand::UpTo5 => 5,
            AgeBand::From6To8 => 8,
            AgeBand::From9To12 => 12,
            AgeBand::From13To15 => 15,
            AgeBand::From16To17 => 17,
        }
    }

    /// The band's age range as written in text: `"0-5"`, `"6-8"`, `"9-12"`, `"13-15"`,
    /// `"16-17"`.
    pub fn name(self) -> &'static str {
        match self {
            AgeBand::UpTo5 => "0-5",
            AgeBand::From6To8 => "6-8",
            AgeBand::From9To12 => "9-12",
            AgeBand::From13To15 => "13-15",
            AgeBand::From16To17 => "16-17",
        }
    }

    /// The categories the band blocks by default: bundle lists and the filter's built-in
    /// categories.
    pub fn default_blocked_categories(self) -> impl Iterator<Item = Category> {
        let under_13 = self.oldest_age() < 13;
        let under_16 = self.oldest_age() < 16;
        ALWAYS_BLOCKED
            .into_iter()
            .chain(BLOCKED_UNDER_13.into_iter().filter(move |_| under_13))
            .chain(BLOCKED_UNDER_16.into_iter().filter(move |_| under_16))
    }

    /// Whether the band starts in allowlist-only mode: the youngest only.
    pub fn default_allowlist_only(self) -> bool {
        self == AgeBand::UpTo5
    }

    /// Whether the band starts with SafeSearch forced: every band.
    pub fn default_safe_search(self) -> bool {
        true
    }

    /// Who may make `change` for a child in this band.
    pub fn permission(self, change: SettingKind) -> Permission {
        let column = AgeBand::ALL
            .iter()
            .position(|band| *band == self)
            .unwrap_or_default();
        CHANGE_PERMISSIONS
            .iter()
            .find(|(kind, _)| *kind == change)
            // A kind missing from the table is the parent's: the safe answer (and a test checks
            // that none is missing).
            .map_or(Permission::Parent, |(_, by_band)| by_band[column])
    }
}

impl SettingKind {
    /// Every kind of change, for anything that must cover them all.
    pub const ALL: [SettingKind; 14] = [
        SettingKind::TurnOffSafeMode,
        SettingKind::ChangeAgeBand,
        SettingKind::ChangePin,
        SettingKind::UnblockCategory,
        SettingKind::BlockCategory,
        SettingKind::AllowHost,
        SettingKind::RemoveAllowedHost,
        SettingKind::DenyHost,
        SettingKind::RemoveDeniedHost,
        SettingKind::TurnOffSafeSearch,
        SettingKind::TurnOnSafeSearch,
        SettingKind::TurnOffAllowlistOnly,
        SettingKind::TurnOnAllowlistOnly,
        SettingKind::ApproveAccess,
    ];

    /// Whether the change can let through something that was blocked, or hands control away
    /// from the parent (PIN, band, safe mode itself).
    pub fn loosens(self) -> bool {
        !matches!(
            self,
            SettingKind::BlockCategory
                | SettingKind::DenyHost
                | SettingKind::TurnOnSafeSearch
                | SettingKind::TurnOnAllowlistOnly
                | SettingKind::RemoveAllowedHost
        )
    }
}

impl fmt::Display for AgeBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for AgeBand {
    type Err = ParseAgeBandError;

    /// Reads a band's name (`"13-15"`); surrounding spaces and an en dash (`"13–15"`) are
    /// accepted.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim().replace('\u{2013}', "-");
        AgeBand::ALL
            .into_iter()
            .find(|band| band.name() == text)
            .ok_or(ParseAgeBandError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_age_below_18_has_exactly_one_band() {
        for years in 0..18 {
            let band = AgeBand::for_age(years).unwrap();
            assert!((band.youngest_age()..=band.oldest_age()).contains(&years));
        }
        assert_eq!(AgeBand::for_age(18), None);
        for pair in AgeBand::ALL.windows(2) {
            assert_eq!(pair[0].oldest_age() + 1, pair[1].youngest_age());
        }
    }

    #[test]
    fn names_round_trip_through_text_and_json() {
        for band in AgeBand::ALL {
            assert_eq!(band.to_string().parse::<AgeBand>(), Ok(band));
            let json = serde_json::to_string(&band).unwrap();
            assert_eq!(json, format!("\"{band}\""));
            assert_eq!(serde_json::from_str::<AgeBand>(&json).unwrap(), band);
        }
        assert_eq!(" 13–15 ".parse(), Ok(AgeBand::From13To15));
        for bad in ["13", "18-", "0_5", "", "adult"] {
            assert_eq!(bad.parse::<AgeBand>(), Err(ParseAgeBandError), "{bad}");
        }
    }

    #[test]
    fn the_permission_table_lists_every_kind_once() {
        for kind in SettingKind::ALL {
            let rows = CHANGE_PERMISSIONS
                .iter()
                .filter(|(listed, _)| *listed == kind)
                .count();
            assert_eq!(rows, 1, "{kind:?}");
        }
    }
}
