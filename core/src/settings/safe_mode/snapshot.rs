//! The phone's signed account of itself for its parents: a [`StatusSnapshot`] of the settings,
//! rules, lists and parents as they stand, numbered so that an older one never replaces a newer.

use super::{SafeMode, SafeModeError};
use crate::filter::decision::ListsStatus;
use crate::settings::status_snapshot::{SnapshotApproval, SnapshotParent, StatusSnapshot};
use crate::settings::{SafeModeProfile, rules_summary_with};
use crate::store::{Store, get_json, put_json};
use crate::time::ClockReading;
use crate::vocabulary::Locale;

/// Store key of the last snapshot's seq.
const SNAPSHOT_SEQ: &[u8] = b"settings/snapshot-seq";

impl<S: Store> SafeMode<S> {
    /// A snapshot of the phone now (trusted time), with the next seq, which is kept. `lists` is
    /// the state of the filter's lists and `last_sync` when the previous sync finished.
    pub fn take_snapshot(
        &self,
        clock: ClockReading,
        lists: &ListsStatus,
        locale: Locale,
        last_sync: Option<u64>,
    ) -> Result<StatusSnapshot, SafeModeError> {
        let setup = self.setup()?;
        let (now, mut batch) = self.begin(clock)?;
        self.grow_up(now, &mut batch)?;
        self.store.apply(std::mem::take(&mut batch))?;
        let (now, mut batch) = self.begin(clock)?;
        let seq = get_json::<u64>(&self.store, SNAPSHOT_SEQ)?.unwrap_or(0) + 1;
        put_json(&mut batch, SNAPSHOT_SEQ, &seq)?;
        let profile = self.profile()?;
        let carrier = self.carrier_state()?;
        let rules_profile = profile.clone().unwrap_or_else(|| {
            let mut off = SafeModeProfile::for_band(super::DEFAULT_BAND);
            off.enabled = false;
            off
        });
        let snapshot = StatusSnapshot {
            device_id: setup.device_id,
            taken_at: now.unix_secs(),
            seq,
            safe_mode: profile.as_ref().is_some_and(|profile| profile.enabled),
            band: profile
                .as_ref()
                .map_or(super::DEFAULT_BAND, |profile| profile.band),
            blocked_categories: rules_profile.blocked_categories.iter().cloned().collect(),
            allowed_hosts: rules_profile.allowed_hosts.iter().cloned().collect(),
            denied_hosts: rules_profile.denied_hosts.iter().cloned().collect(),
            approvals: rules_profile
                .live_approvals(now)
                .map(|approval| SnapshotApproval {
                    host: approval.host.clone(),
                    until_unix: approval.expires_at_unix,
                })
                .collect(),
            allowlist_only: rules_profile.allowlist_only,
            safe_search: rules_profile.safe_search,
            rules: rules_summary_with(&rules_profile, self.rules_notes()?, locale),
            lists_version: lists.version,
            lists_out_of_date_since: lists.out_of_date_since,
            lists_unavailable: lists.unavailable,
            last_sync,
            parents: self
                .enrolled_parents()?
                .into_iter()
                .map(|parent| SnapshotParent {
                    public_key: parent.public_key,
                    role: parent.role,
                })
                .collect(),
            carrier: self.activation()?.map(|activation| activation.carrier),
            provisional: carrier.provisional,
            line_deactivated: carrier.deactivated.is_some(),
            carrier_floor: self.floor()?.map(|floor| floor.names()).unwrap_or_default(),
        };
        self.store.apply(batch)?;
        Ok(snapshot)
    }
}
