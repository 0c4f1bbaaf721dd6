//! The safe-mode profile: everything a parent (or the age band's defaults) decided for one
//! child's phone, as stored.
//!
//! A [`SafeModeProfile`] starts from its band's defaults ([`SafeModeProfile::for_band`]) and
//! holds the parent's own changes on top. The browser does not read it directly: it is turned
//! into the filter's [`FilterPolicy`] at a given trusted time
//! ([`SafeModeProfile::to_filter_policy`]), which is where approvals that have run out drop away.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{AgeBand, Permission, SettingKind};
use crate::filter::policy::{Approval, FilterPolicy};
use crate::time::TrustedNow;

/// The safe-mode settings of one child's phone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafeModeProfile {
    /// Whether safe mode is on. When off, the filter policy blocks no category (the lists of
    /// known illegal material are not part of the policy and apply regardless).
    pub enabled: bool,
    /// The child's age band, which decides the defaults and who may change what.
    pub band: AgeBand,
    /// Names of blocked categories: bundle list names (`adult`, `gambling`, ...) and the
    /// filter's built-in categories (`doh`, `ip-literal`, `unsafe-search`).
    pub blocked_categories: BTreeSet<String>,
    /// Force SafeSearch and restricted modes on the engines that support them.
    pub safe_search: bool,
    /// Only hosts on an allowlist, the allowed hosts or an approval load.
    pub allowlist_only: bool,
    /// The parent's own allow rules: canonical hosts (see
    /// [`crate::filter::policy::canonical_host`]) that load whatever their category.
    pub allowed_hosts: BTreeSet<String>,
    /// The parent's own deny rules: canonical hosts that never load.
    pub denied_hosts: BTreeSet<String>,
    /// Approved access requests, each allowing a host until a time.
    pub approvals: Vec<Approval>,
}

impl SafeModeProfile {
    /// Safe mode on, with `band`'s defaults and no rules of the parent's own yet.
    pub fn for_band(band: AgeBand) -> Self {
        Self {
            enabled: true,
            band,
            blocked_categories: band
                .default_blocked_categories()
                .map(|category| category.name().to_owned())
                .collect(),
            safe_search: band.default_safe_search(),
            allowlist_only: band.default_allowlist_only(),
            allowed_hosts: BTreeSet::new(),
            denied_hosts: BTreeSet::new(),
            approvals: Vec::new(),
        }
    }

    /// The filter policy in force at `now`: approvals that have expired are left out. A
    /// disabled profile gives the empty policy, which blocks nothing of its own.
    pub fn to_filter_policy(&self, now: TrustedNow) -> FilterPolicy {
        if !self.enabled {
            return FilterPolicy::default();
        }
        FilterPolicy {
            blocked_categories: self.blocked_categories.clone(),
            allowlist_only: self.allowlist_only,
            safe_search: self.safe_search,
            allowed_hosts: self.allowed_hosts.clone(),
            denied_hosts: self.denied_hosts.clone(),
            approvals: self.live_approvals(now).cloned().collect(),
            // The carrier's floor is safe mode's to add: the profile does not know it.
            locked_categories: BTreeSet::new(),
        }
    }

    /// The approvals still running at `now`.
    pub fn live_approvals(&self, now: TrustedNow) -> impl Iterator<Item = &Approval> {
        self.approvals
            .iter()
            .filter(move |approval| approval.expires_at_unix > now.unix_secs())
    }

    /// Drops the approvals that have expired at `now`, so the stored profile does not grow.
    pub fn prune_approvals(&mut self, now: TrustedNow) {
        self.approvals
            .retain(|approval| approval.expires_at_unix > now.unix_secs());
    }

    /// Who may make `change` for this child; see [`super::CHANGE_PERMISSIONS`].
    pub fn permission(&self, change: SettingKind) -> Permission {
        self.band.permission(change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::TrustedClock;

    #[test]
    fn expired_approvals_leave_the_policy() {
        let mut clock = TrustedClock::default();
        let mut profile = SafeModeProfile::for_band(AgeBand::From9To12);
        for (host, expires_at_unix) in [("old.example", 1_000), ("new.example", 1_001)] {
            profile.approvals.push(Approval {
                host: host.to_owned(),
                expires_at_unix,
            });
        }
        let policy = profile.to_filter_policy(clock.now(1_000, 1, 1));
        assert_eq!(policy.approvals.len(), 1);
        assert_eq!(policy.approvals[0].host, "new.example");
        profile.prune_approvals(clock.now(1_001, 2, 1));
        assert!(profile.approvals.is_empty());
    }

    #[test]
    fn a_disabled_profile_gives_the_empty_policy() {
        let mut clock = TrustedClock::default();
        let mut profile = SafeModeProfile::for_band(AgeBand::UpTo5);
        profile.enabled = false;
        assert_eq!(
            profile.to_filter_policy(clock.now(1, 1, 1)),
            FilterPolicy::default()
        );
    }

    #[test]
    fn the_profile_round_trips_through_json() {
        let mut profile = SafeModeProfile::for_band(AgeBand::From13To15);
        profile.denied_hosts.insert("example.com".to_owned());
        let json = serde_json::to_string(&profile).unwrap();
        assert_eq!(
            serde_json::from_str::<SafeModeProfile>(&json).unwrap(),
            profile
        );
    }
}
