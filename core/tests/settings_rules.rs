//! Safe-mode profiles as a parent and a child meet them: each age band's defaults, protection
//! that eases gradually instead of vanishing at 13, who may change what, approvals that run out
//! on trusted time, and the rules summary a child reads.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeSet;

use childsafe_core::filter::policy::Approval;
use childsafe_core::settings::{
    AgeBand, CHANGE_PERMISSIONS, Permission, SafeModeProfile, SettingKind, rules_summary,
};
use childsafe_core::time::TrustedClock;
use childsafe_core::vocabulary::Locale;

const BOOT: u64 = 42;
const START: u64 = 1_750_000_000;

/// Categories that no band below 18 lets through.
const BLOCKED_AT_EVERY_AGE: [&str; 11] = [
    "adult",
    "gambling",
    "dating",
    "self-harm",
    "hate",
    "anonymizers",
    "proxies",
    "vpn",
    "doh",
    "ip-literal",
    "unsafe-search",
];

fn blocked(band: AgeBand) -> BTreeSet<String> {
    SafeModeProfile::for_band(band).blocked_categories
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

#[test]
fn each_band_starts_from_its_documented_defaults() {
    let mut under_13 = set(&BLOCKED_AT_EVERY_AGE);
    under_13.extend(set(&["violence", "drugs", "weapons"]));
    let mut from_13 = set(&BLOCKED_AT_EVERY_AGE);
    from_13.extend(set(&["drugs", "weapons"]));
    let expected = [
        (AgeBand::UpTo5, &under_13, true),
        (AgeBand::From6To8, &under_13, false),
        (AgeBand::From9To12, &under_13, false),
        (AgeBand::From13To15, &from_13, false),
        (AgeBand::From16To17, &set(&BLOCKED_AT_EVERY_AGE), false),
    ];
    for (band, categories, allowlist_only) in expected {
        let profile = SafeModeProfile::for_band(band);
        assert!(profile.enabled, "{band}");
        assert_eq!(&profile.blocked_categories, categories, "{band}");
        assert_eq!(profile.allowlist_only, allowlist_only, "{band}");
        assert!(profile.safe_search, "SafeSearch is on for {band}");
        assert!(profile.allowed_hosts.is_empty() && profile.denied_hosts.is_empty());
        assert!(profile.approvals.is_empty());
    }
}

#[test]
fn there_is_no_cliff_at_13() {
    // A 13-year-old is still protected from everything that is for adults or dangerous.
    let teen = blocked(AgeBand::From13To15);
    for category in BLOCKED_AT_EVERY_AGE {
        assert!(teen.contains(category), "13-15 must still block {category}");
    }
    // Each older band keeps everything the next older one blocks, and each step lets through
    // at most two categories, so protection eases instead of falling away.
    for pair in AgeBand::ALL.windows(2) {
        let (younger, older) = (blocked(pair[0]), blocked(pair[1]));
        assert!(older.is_subset(&younger), "{} vs {}", pair[0], pair[1]);
        assert!(
            younger.len() - older.len() <= 2,
            "{} vs {}",
            pair[0],
            pair[1]
        );
    }
}

#[test]
fn band_names_parse_for_the_command_line() {
    let names = ["0-5", "6-8", "9-12", "13-15", "16-17"];
    for (name, band) in names.into_iter().zip(AgeBand::ALL) {
        assert_eq!(name.parse::<AgeBand>(), Ok(band));
        assert_eq!(band.to_string(), name);
    }
    assert!("18-21".parse::<AgeBand>().is_err());
    assert_eq!(AgeBand::for_age(12), Some(AgeBand::From9To12));
    assert_eq!(AgeBand::for_age(13), Some(AgeBand::From13To15));
}

#[test]
fn nothing_that_loosens_the_filter_is_ever_the_childs_alone() {
    for band in AgeBand::ALL {
        for kind in SettingKind::ALL {
            if kind.loosens() {
                assert_eq!(band.permission(kind), Permission::Parent, "{band} {kind:?}");
            }
        }
    }
    assert_eq!(CHANGE_PERMISSIONS.len(), SettingKind::ALL.len());
}

#[test]
fn children_may_tighten_more_as_they_grow() {
    let child_may = |band: AgeBand| -> Vec<SettingKind> {
        SettingKind::ALL
            .into_iter()
            .filter(|kind| band.permission(*kind) == Permission::Child)
            .collect()
    };
    assert!(child_may(AgeBand::UpTo5).is_empty());
    assert_eq!(child_may(AgeBand::From6To8), [SettingKind::DenyHost]);
    assert!(child_may(AgeBand::From9To12).contains(&SettingKind::BlockCategory));
    assert!(!child_may(AgeBand::From9To12).contains(&SettingKind::TurnOnAllowlistOnly));
    assert!(child_may(AgeBand::From16To17).contains(&SettingKind::TurnOnAllowlistOnly));
    for pair in AgeBand::ALL.windows(2) {
        let (younger, older) = (child_may(pair[0]), child_may(pair[1]));
        assert!(younger.iter().all(|kind| older.contains(kind)));
    }
    let profile = SafeModeProfile::for_band(AgeBand::From16To17);
    assert_eq!(
        profile.permission(SettingKind::TurnOffSafeSearch),
        Permission::Parent
    );
}

#[test]
fn the_filter_policy_carries_the_profile_and_drops_expired_approvals() {
    let mut clock = TrustedClock::default();
    clock.accept_server_time(START, 10, BOOT);
    let mut profile = SafeModeProfile::for_band(AgeBand::From9To12);
    profile.allowed_hosts.insert("school.example".to_owned());
    profile.denied_hosts.insert("game.example".to_owned());
    profile.approvals.push(Approval {
        host: "video.example".to_owned(),
        expires_at_unix: START + 3_600,
    });

    let policy = profile.to_filter_policy(clock.now(START, 20, BOOT));
    assert_eq!(policy.blocked_categories, profile.blocked_categories);
    assert!(policy.safe_search && !policy.allowlist_only);
    assert!(policy.allowed_hosts.contains("school.example"));
    assert!(policy.denied_hosts.contains("game.example"));
    assert_eq!(policy.approvals.len(), 1);

    // An hour later the approval is over, and setting the clock back does not bring it back.
    let later = clock.now(START + 3_600, 3_610, BOOT);
    assert!(profile.to_filter_policy(later).approvals.is_empty());
    let clock_set_back = clock.now(START, 3_620, BOOT);
    assert!(
        profile
            .to_filter_policy(clock_set_back)
            .approvals
            .is_empty()
    );
}

#[test]
fn a_child_can_read_the_rules_in_every_language() {
    for band in AgeBand::ALL {
        let profile = SafeModeProfile::for_band(band);
        let english = rules_summary(&profile, Locale::En);
        assert!(english.len() >= 5, "{band}: {english:?}");
        assert!(english[0].contains(&band.youngest_age().to_string()));
        assert!(
            english.iter().all(|line| !line.contains('{')),
            "{english:?}"
        );
        for locale in [Locale::Fr, Locale::Es, Locale::De] {
            let lines = rules_summary(&profile, locale);
            assert_eq!(lines.len(), english.len(), "{band} {locale:?}");
            for (line, english) in lines.iter().zip(&english) {
                assert_ne!(line, english, "{band} {locale:?}");
            }
        }
    }
}

#[test]
fn the_summary_follows_what_is_blocked() {
    let young = rules_summary(&SafeModeProfile::for_band(AgeBand::From6To8), Locale::En);
    let older = rules_summary(&SafeModeProfile::for_band(AgeBand::From16To17), Locale::En);
    let mentions = |lines: &[String], word: &str| lines.iter().any(|line| line.contains(word));
    assert!(mentions(&young, "violent") && !mentions(&older, "violent"));
    assert!(mentions(&young, "weapons") && !mentions(&older, "weapons"));
    assert!(mentions(&older, "adults") && mentions(&older, "gambling"));
    let youngest = rules_summary(&SafeModeProfile::for_band(AgeBand::UpTo5), Locale::En);
    assert!(mentions(&youngest, "Only a parent can change"));
    assert!(mentions(&young, "stricter yourself") && mentions(&older, "stricter yourself"));
}
