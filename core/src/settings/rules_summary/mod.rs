//! The rules in force, in words a child can read.
//!
//! Safe mode promises that a child can see the rules that apply to them. [`rules_summary`] turns
//! a [`SafeModeProfile`] into a few short sentences in the child's [`Locale`]: which ages the
//! rules are for, what is blocked, whether only chosen sites load, SafeSearch, the parent's own
//! allowed and blocked sites, who may change the rules, and that a blocked site can be asked for.
//! Category names are list identifiers, never shown: each known category has its own sentence,
//! the ways around the filter share one, and any other category is summed up in a general one.
//!
//! The words live in `strings.rs`, one table for every locale, as the block page's do.

mod strings;

use strings::{SummaryText, summary_text};

use super::{Permission, SafeModeProfile, SettingKind};
use crate::vocabulary::{Category, Locale};

/// What the rules say beside the profile itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RulesNotes {
    /// A carrier's profile holds some rules in place that parents cannot relax.
    pub carrier_floor: bool,
    /// Safe mode is on provisionally, until the carrier's profile arrives.
    pub provisional: bool,
}

/// The rules `profile` sets, one sentence per line, in `locale`. Temporary approvals are not
/// listed: they are the answer to a request the child made, not a standing rule.
pub fn rules_summary(profile: &SafeModeProfile, locale: Locale) -> Vec<String> {
    rules_summary_with(profile, RulesNotes::default(), locale)
}

/// [`rules_summary`], saying also what `notes` hold: that the phone company keeps some rules
/// on, and that the rules are provisional.
pub fn rules_summary_with(
    profile: &SafeModeProfile,
    notes: RulesNotes,
    locale: Locale,
) -> Vec<String> {
    let text = summary_text(locale);
    if !profile.enabled {
        return vec![text.safe_mode_off.to_owned()];
    }
    let mut lines = vec![
        text.ages
            .replace("{youngest}", &profile.band.youngest_age().to_string())
            .replace("{oldest}", &profile.band.oldest_age().to_string()),
    ];
    if notes.provisional {
        lines.push(text.provisional.to_owned());
    }
    if profile.allowlist_only {
        lines.push(text.allowlist_only.to_owned());
    }
    lines.extend(category_lines(profile, text));
    if profile.safe_search {
        lines.push(text.safe_search.to_owned());
    }
    for (hosts, template) in [
        (&profile.allowed_hosts, text.allowed_hosts),
        (&profile.denied_hosts, text.denied_hosts),
    ] {
        if !hosts.is_empty() {
            let list: Vec<&str> = hosts.iter().map(String::as_str).collect();
            lines.push(template.replace("{hosts}", &list.join(", ")));
        }
    }
    let child_may_tighten = SettingKind::ALL
        .into_iter()
        .any(|kind| profile.permission(kind) == Permission::Child);
    lines.push(if child_may_tighten {
        text.child_may_tighten.to_owned()
    } else {
        text.parent_only.to_owned()
    });
    if notes.carrier_floor {
        lines.push(text.carrier_floor.to_owned());
    }
    lines.push(text.ask_parent.to_owned());
    lines
}

/// One sentence per blocked category the SDK knows (each sentence once, in the order of
/// [`Category::ALL`]), then the general sentence if any other category is blocked.
fn category_lines(profile: &SafeModeProfile, text: &SummaryText) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for category in Category::ALL {
        let line = (text.categories)(category);
        let blocked = profile.blocked_categories.contains(category.name());
        if blocked && !lines.iter().any(|known| known == line) {
            lines.push(line.to_owned());
        }
    }
    let has_other = profile
        .blocked_categories
        .iter()
        .any(|name| Category::from_name(name).is_none());
    if has_other {
        lines.push(text.other_categories.to_owned());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::AgeBand;

    #[test]
    fn the_youngest_hear_about_the_allowlist_and_that_only_a_parent_changes_rules() {
        let lines = rules_summary(&SafeModeProfile::for_band(AgeBand::UpTo5), Locale::En);
        let text = summary_text(Locale::En);
        assert_eq!(lines[0], "These rules are for ages 0 to 5.");
        assert!(lines.contains(&text.allowlist_only.to_owned()));
        assert!(lines.contains(&text.parent_only.to_owned()));
        assert_eq!(lines.last().map(String::as_str), Some(text.ask_parent));
    }

    #[test]
    fn bypass_categories_share_one_sentence_and_unknown_ones_are_not_named() {
        let mut profile = SafeModeProfile::for_band(AgeBand::From16To17);
        profile
            .blocked_categories
            .insert("crypto-mining".to_owned());
        let lines = rules_summary(&profile, Locale::En);
        let bypass = (summary_text(Locale::En).categories)(Category::Vpn);
        assert_eq!(lines.iter().filter(|line| *line == bypass).count(), 1);
        assert!(!lines.iter().any(|line| line.contains("crypto-mining")));
        assert!(lines.contains(&summary_text(Locale::En).other_categories.to_owned()));
    }

    #[test]
    fn parent_hosts_are_listed() {
        let mut profile = SafeModeProfile::for_band(AgeBand::From9To12);
        profile.allowed_hosts.insert("b.example".to_owned());
        profile.allowed_hosts.insert("a.example".to_owned());
        let lines = rules_summary(&profile, Locale::Fr);
        assert!(
            lines
                .iter()
                .any(|line| line.contains("a.example, b.example")),
            "{lines:?}"
        );
    }

    #[test]
    fn the_carrier_floor_and_provisional_protection_are_said_in_every_locale() {
        let profile = SafeModeProfile::for_band(AgeBand::From9To12);
        for locale in [Locale::En, Locale::Fr, Locale::Es, Locale::De] {
            let text = summary_text(locale);
            let plain = rules_summary(&profile, locale);
            assert!(!plain.contains(&text.carrier_floor.to_owned()));
            assert!(!plain.contains(&text.provisional.to_owned()));
            let notes = RulesNotes {
                carrier_floor: true,
                provisional: true,
            };
            let noted = rules_summary_with(&profile, notes, locale);
            assert!(noted.contains(&text.carrier_floor.to_owned()), "{locale:?}");
            assert!(noted.contains(&text.provisional.to_owned()), "{locale:?}");
            assert_eq!(noted.len(), plain.len() + 2);
        }
    }

    #[test]
    fn safe_mode_off_is_one_sentence() {
        let mut profile = SafeModeProfile::for_band(AgeBand::From6To8);
        profile.enabled = false;
        assert_eq!(rules_summary(&profile, Locale::De).len(), 1);
    }
}
