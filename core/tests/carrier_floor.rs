//! The carrier's side of safe mode on a real sealed store: profiles bound to one line and one
//! device, the floor parents cannot go below, deactivation, the band following the child's age,
//! provisional protection of a wiped app, and the tightenings taken back from the previous
//! device. After every refusal, nothing has changed.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::bundle::{BundleBuilder, ListKind};
use childsafe_core::filter::decision::{DecisionReason, ListsStatus, UrlFilter, Verdict};
use childsafe_core::protocol::pairing::PairingSecret;
use childsafe_core::settings::activation::{ActivationError, ActivationProfile, LineDeactivation};
use childsafe_core::settings::audit::Actor;
use childsafe_core::settings::command_receipt::CommandOutcome;
use childsafe_core::settings::parent_command::{ParentAction, ParentCommand};
use childsafe_core::settings::status_snapshot::StatusSnapshot;
use childsafe_core::settings::{
    AgeBand, DeviceSetup, Owed, SafeMode, SafeModeError, SafeModeStatus,
};
use childsafe_core::store::{FileKeyStore, SealedStore, SledStore, open_device_store};
use childsafe_core::time::ClockReading;
use childsafe_core::trust::TrustedKey;
use childsafe_core::vocabulary::Locale;

/// 2027-01-15 08:00 UTC.
const T0: u64 = 1_800_000_000;
/// 2027-03-01 00:00 UTC: a child born in March 2014 turns 13, one born in March 2009 turns 18.
const MARCH_2027: u64 = 1_803_859_200;
const DEVICE: &str = "device-under-test";
const LINE_A: &str = "line-handle-a";
const LINE_B: &str = "line-handle-b";
const CARRIER: &str = "Example Mobile";
const PIN: &str = "4821";

type Phone = SafeMode<SealedStore<SledStore>>;

/// A device directory on disk, removed after the test.
struct Device {
    dir: PathBuf,
    carrier: SigningKey,
}

impl Device {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "childsafe-carrier-floor-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (carrier, _) = SigningKey::generate().unwrap();
        let device = Self { dir, carrier };
        let setup = DeviceSetup {
            device_id: DEVICE.to_owned(),
            country: Some("GB".to_owned()),
            trusted_carriers: vec![device.carrier.public_key()],
        };
        device.open().init(setup, at(T0)).unwrap();
        device
    }

    /// A device already bound to line A.
    fn on_line_a(name: &str) -> (Self, Phone) {
        let device = Self::new(name);
        let phone = device.open();
        phone.bind_line(LINE_A, at(T0)).unwrap();
        (device, phone)
    }

    fn open(&self) -> Phone {
        let keys = FileKeyStore::new(self.dir.join("data.key"));
        SafeMode::new(open_device_store(&self.dir.join("store"), &keys).unwrap())
    }

    fn trusted(&self) -> Vec<TrustedKey> {
        vec![TrustedKey::pinned(self.carrier.public_key())]
    }

    fn sign(&self, profile: &ActivationProfile) -> Vec<u8> {
        profile.sign(&self.carrier).unwrap()
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A profile for line A and this device, valid a year from T0.
fn profile(sequence: u64, band: &str) -> ActivationProfile {
    ActivationProfile {
        carrier: CARRIER.to_owned(),
        profile_id: format!("profile-{sequence}"),
        line: LINE_A.to_owned(),
        device_id: DEVICE.to_owned(),
        band: band.parse().unwrap(),
        birth_month: None,
        extra_blocked_categories: Vec::new(),
        parents_may_relax: Vec::new(),
        issued_at: T0,
        expires_at: T0 + 365 * 86_400,
        sequence,
    }
}

fn deactivation(sequence: u64) -> LineDeactivation {
    LineDeactivation {
        carrier: CARRIER.to_owned(),
        line: LINE_A.to_owned(),
        device_id: DEVICE.to_owned(),
        reason: "line passed to an adult".to_owned(),
        issued_at: T0,
        sequence,
    }
}

/// A clock reading in boot 1, with the wall clock agreeing.
fn at(wall: u64) -> ClockReading {
    ClockReading {
        wall_unix: wall,
        monotonic_secs: wall - T0 + 1_000,
        boot_id: 1,
    }
}

fn status(phone: &Phone, clock: ClockReading) -> SafeModeStatus {
    phone.status(clock, ListsStatus::default()).unwrap()
}

fn blocks(status: &SafeModeStatus, category: &str) -> bool {
    status
        .blocked_categories
        .iter()
        .any(|name| name == category)
}

/// Pairs an owner with the PIN; returns the owner's key.
fn pair(phone: &Phone) -> SigningKey {
    phone.set_pin(PIN, None, at(T0)).unwrap();
    let (parent, _) = SigningKey::generate().unwrap();
    let pairing = PairingSecret::generate().unwrap();
    phone.open_invite_with_pin(PIN, &pairing, at(T0)).unwrap();
    phone
        .enrol_invited_parent(
            parent.public_key(),
            &pairing.pairing_key().unwrap().public_key(),
            Some(PIN),
            at(T0),
        )
        .unwrap();
    parent
}

/// A parent's command, signed.
fn command(parent: &SigningKey, sequence: u64, action: ParentAction) -> Vec<u8> {
    ParentCommand {
        device_id: DEVICE.to_owned(),
        sequence,
        issued_at: T0,
        action,
    }
    .sign(parent)
    .unwrap()
}

#[test]
fn a_profile_for_another_line_is_refused_and_changes_nothing() {
    let (device, phone) = Device::on_line_a("cross-line");
    let mut youngest = profile(3, "0-5");
    youngest.extra_blocked_categories = vec!["social".to_owned()];
    phone
        .activate(&device.sign(&youngest), &device.trusted(), at(T0 + 1))
        .unwrap();
    let before = status(&phone, at(T0 + 2));
    let entries = phone.audit().len().unwrap();

    // Line B's profile: band 16-17, a higher sequence, signed by the same trusted carrier.
    let mut other_line = profile(7, "16-17");
    other_line.line = LINE_B.to_owned();
    let refused = phone.activate(&device.sign(&other_line), &device.trusted(), at(T0 + 3));
    assert!(
        matches!(
            refused,
            Err(SafeModeError::Activation(ActivationError::WrongLine))
        ),
        "{refused:?}"
    );
    let after = status(&phone, at(T0 + 3));
    assert_eq!(after, before);
    assert_eq!(phone.audit().len().unwrap(), entries);
    for category in ["drugs", "violence", "weapons", "social"] {
        assert!(blocks(&after, category), "{category} opened");
    }
    assert_eq!(after.band.as_deref(), Some("0-5"));
    assert!(phone.filter_policy(at(T0 + 4)).unwrap().allowlist_only);
    // Line A's profile at sequence 4 still applies: line B's 7 counted for nothing.
    phone
        .activate(
            &device.sign(&profile(4, "6-8")),
            &device.trusted(),
            at(T0 + 5),
        )
        .unwrap();
}

#[test]
fn another_devices_an_unbound_or_an_old_profile_is_refused() {
    let (device, phone) = Device::on_line_a("binding");
    phone
        .activate(
            &device.sign(&profile(5, "6-8")),
            &device.trusted(),
            at(T0 + 1),
        )
        .unwrap();
    let before = status(&phone, at(T0 + 2));

    let mut other_device = profile(6, "16-17");
    other_device.device_id = "another-phone".to_owned();
    let mut unbound = profile(6, "16-17");
    unbound.line = String::new();
    // The carrier rotated its key: the new key is trusted too, and still cannot replay.
    let (rotated, _) = SigningKey::generate().unwrap();
    let both = vec![
        TrustedKey::pinned(device.carrier.public_key()),
        TrustedKey::pinned(rotated.public_key()),
    ];
    let replay_by_new_key = profile(5, "16-17").sign(&rotated).unwrap();
    // A key a root delegated to another carrier, signing a profile naming this one.
    let (delegated, _) = SigningKey::generate().unwrap();
    let other_carrier = vec![TrustedKey {
        key: delegated.public_key(),
        carrier: Some("Other Mobile".to_owned()),
    }];
    let cases: Vec<(&str, Vec<u8>, Vec<TrustedKey>, ActivationError)> = vec![
        (
            "other device",
            device.sign(&other_device),
            device.trusted(),
            ActivationError::WrongDevice,
        ),
        (
            "unbound profile on a bound phone",
            device.sign(&unbound),
            device.trusted(),
            ActivationError::WrongLine,
        ),
        (
            "not newer for the line",
            replay_by_new_key,
            both,
            ActivationError::NotNewer {
                offered: 5,
                applied: 5,
            },
        ),
        (
            "carrier mismatch",
            profile(9, "16-17").sign(&delegated).unwrap(),
            other_carrier,
            ActivationError::WrongCarrier {
                named: CARRIER.to_owned(),
                key_carrier: "Other Mobile".to_owned(),
            },
        ),
    ];
    for (what, envelope, trusted, expected) in cases {
        let refused = phone.activate(&envelope, &trusted, at(T0 + 3));
        match refused {
            Err(SafeModeError::Activation(error)) => assert_eq!(error, expected, "{what}"),
            other => panic!("{what}: {other:?}"),
        }
        assert_eq!(
            status(&phone, at(T0 + 3)),
            before,
            "{what} changed something"
        );
    }

    // A phone bound to no line takes only profiles naming none.
    let loose = Device::new("binding-unbound");
    let phone = loose.open();
    let refused = phone.activate(
        &loose.sign(&profile(1, "9-12")),
        &loose.trusted(),
        at(T0 + 1),
    );
    assert!(matches!(
        refused,
        Err(SafeModeError::Activation(ActivationError::WrongLine))
    ));
    let mut unbound = profile(1, "9-12");
    unbound.line = String::new();
    phone
        .activate(&loose.sign(&unbound), &loose.trusted(), at(T0 + 2))
        .unwrap();
    assert_eq!(phone.line().unwrap(), None);
}

#[test]
fn parents_tighten_freely_and_relax_only_what_the_carrier_named() {
    let (device, phone) = Device::on_line_a("floor");
    let parent = pair(&phone);
    let mut floor = profile(1, "9-12");
    floor.extra_blocked_categories = vec!["social".to_owned()];
    floor.parents_may_relax = vec!["violence".to_owned(), "safe-search".to_owned()];
    phone
        .activate(&device.sign(&floor), &device.trusted(), at(T0 + 1))
        .unwrap();
    let on = status(&phone, at(T0 + 2));
    assert_eq!(on.carrier.as_deref(), Some(CARRIER));
    assert!(on.carrier_floor.contains(&"drugs".to_owned()));
    let told = phone
        .take_snapshot(at(T0 + 2), &ListsStatus::default(), Locale::En, None)
        .unwrap();
    assert_eq!(told.carrier.as_deref(), Some(CARRIER));
    assert_eq!(told.carrier_floor, on.carrier_floor);
    assert!(on.carrier_floor.contains(&"social".to_owned()));
    assert!(!on.carrier_floor.contains(&"violence".to_owned()));
    assert!(!on.carrier_floor.contains(&"safe-search".to_owned()));

    // Tightening and what the carrier named go through.
    let allowed = [
        ParentAction::BlockCategory {
            category: "games".to_owned(),
        },
        ParentAction::DenyHost {
            host: "Chat.Example".to_owned(),
        },
        ParentAction::UnblockCategory {
            category: "violence".to_owned(),
        },
        ParentAction::SetSafeSearch { on: false },
        ParentAction::SetAllowlistOnly { on: true },
        ParentAction::SetAllowlistOnly { on: false },
    ];
    let mut sequence = 0;
    for action in allowed {
        sequence += 1;
        phone
            .apply_parent_command(&command(&parent, sequence, action.clone()), at(T0 + 3))
            .unwrap_or_else(|error| panic!("{action:?}: {error}"));
    }
    let relaxed = status(&phone, at(T0 + 4));
    assert!(!blocks(&relaxed, "violence"));
    assert!(blocks(&relaxed, "games"));

    // Everything else below the floor is refused, with a receipt that says why.
    let refused = [
        (
            ParentAction::UnblockCategory {
                category: "drugs".to_owned(),
            },
            "drugs",
        ),
        (
            ParentAction::UnblockCategory {
                category: "social".to_owned(),
            },
            "social",
        ),
        (
            ParentAction::SetAgeBand {
                band: AgeBand::From13To15,
            },
            "age band",
        ),
        (ParentAction::SetSafeMode { on: false }, "safe mode"),
    ];
    for (action, what) in refused {
        sequence += 1;
        let before = status(&phone, at(T0 + 5));
        let answer =
            phone.answer_parent_command(&command(&parent, sequence, action.clone()), at(T0 + 5));
        match answer.outcome {
            Err(SafeModeError::CarrierFloor { what: named }) => {
                assert!(named.contains(what), "{action:?}: {named}")
            }
            other => panic!("{action:?}: {other:?}"),
        }
        assert!(answer.answered);
        let receipt = phone
            .owed()
            .unwrap()
            .into_iter()
            .rev()
            .find_map(|owed| match owed {
                Owed::Receipt(receipt) if receipt.sequence == sequence => Some(receipt),
                _ => None,
            });
        match receipt.map(|receipt| receipt.outcome) {
            Some(CommandOutcome::Refused { reason }) => {
                assert!(reason.contains("carrier"), "{reason}")
            }
            other => panic!("{action:?}: receipt {other:?}"),
        }
        assert_eq!(
            status(&phone, at(T0 + 5)),
            before,
            "{action:?} changed something"
        );
    }

    // A younger band is a tightening: allowed, and the carrier's extra category stays.
    sequence += 1;
    phone
        .apply_parent_command(
            &command(
                &parent,
                sequence,
                ParentAction::SetAgeBand {
                    band: AgeBand::From6To8,
                },
            ),
            at(T0 + 6),
        )
        .unwrap();
    let younger = status(&phone, at(T0 + 7));
    assert_eq!(younger.band.as_deref(), Some("6-8"));
    assert!(blocks(&younger, "social"));

    // The child reads that the carrier keeps some rules.
    let rules = phone.rules(Locale::En).unwrap();
    assert!(
        rules.iter().any(|line| line.contains("phone company")),
        "{rules:?}"
    );
}

#[test]
fn a_newer_profile_keeps_the_parents_choices_it_still_allows() {
    let (device, phone) = Device::on_line_a("newer");
    let parent = pair(&phone);
    let mut first = profile(1, "9-12");
    first.parents_may_relax = vec!["violence".to_owned(), "safe-search".to_owned()];
    phone
        .activate(&device.sign(&first), &device.trusted(), at(T0 + 1))
        .unwrap();
    let actions = [
        ParentAction::UnblockCategory {
            category: "violence".to_owned(),
        },
        ParentAction::SetSafeSearch { on: false },
        ParentAction::BlockCategory {
            category: "games".to_owned(),
        },
        ParentAction::DenyHost {
            host: "chat.example".to_owned(),
        },
        ParentAction::AllowHost {
            host: "school.example".to_owned(),
        },
    ];
    for (sequence, action) in (1..).zip(actions) {
        phone
            .apply_parent_command(&command(&parent, sequence, action), at(T0 + 2))
            .unwrap();
    }

    // The second profile still lets parents relax SafeSearch, no longer violence.
    let mut second = profile(2, "9-12");
    second.parents_may_relax = vec!["safe-search".to_owned()];
    phone
        .activate(&device.sign(&second), &device.trusted(), at(T0 + 3))
        .unwrap();
    let now = status(&phone, at(T0 + 4));
    assert!(
        blocks(&now, "violence"),
        "a relaxation no longer allowed stayed"
    );
    assert!(blocks(&now, "games"), "the parents' own block was dropped");
    let policy = phone.filter_policy(at(T0 + 4)).unwrap();
    assert!(!policy.safe_search, "an allowed relaxation was dropped");
    assert!(policy.denied_hosts.contains("chat.example"));
    assert!(policy.allowed_hosts.contains("school.example"));
    assert!(policy.locked_categories.contains("violence"));
}

/// A filter whose bundle lists `drugs.example` in the `drugs` category.
fn drugs_filter() -> UrlFilter {
    let (key, _) = SigningKey::generate().unwrap();
    let mut builder = BundleBuilder::new(1, T0 + 30 * 86_400);
    builder
        .add_domains(
            "drugs",
            ListKind::Category,
            vec!["drugs.example".to_owned()],
        )
        .unwrap();
    let bytes = builder.sign(&key).unwrap();
    let mut filter = UrlFilter::new(vec![key.public_key()]);
    assert_eq!(filter.install_bundle(bytes, T0), Ok(1));
    filter
}

#[test]
fn a_parents_allowed_host_cannot_open_a_floor_category() {
    let (device, phone) = Device::on_line_a("allow-host");
    let parent = pair(&phone);
    phone
        .activate(
            &device.sign(&profile(1, "9-12")),
            &device.trusted(),
            at(T0 + 1),
        )
        .unwrap();
    phone
        .apply_parent_command(
            &command(
                &parent,
                1,
                ParentAction::AllowHost {
                    host: "drugs.example".to_owned(),
                },
            ),
            at(T0 + 2),
        )
        .unwrap();
    phone
        .apply_parent_command(
            &command(
                &parent,
                2,
                ParentAction::ApproveAccess {
                    host: "www.drugs.example".to_owned(),
                    until_unix: T0 + 3_600,
                    request_id: None,
                },
            ),
            at(T0 + 2),
        )
        .unwrap();
    let filter = drugs_filter();
    let policy = phone.filter_policy(at(T0 + 3)).unwrap();
    for url in ["https://drugs.example/", "https://www.drugs.example/page"] {
        let decision = filter.check(url.as_bytes(), &policy, T0 + 3);
        assert_eq!(decision.verdict, Verdict::Block, "{url}");
        assert_eq!(decision.reason, DecisionReason::BlockedCategory, "{url}");
        assert_eq!(decision.category.as_deref(), Some("drugs"), "{url}");
    }

    // Once the carrier lets parents relax drugs, their allowed host opens; the category stays
    // blocked for every other host.
    let mut relaxable = profile(2, "9-12");
    relaxable.parents_may_relax = vec!["drugs".to_owned()];
    phone
        .activate(&device.sign(&relaxable), &device.trusted(), at(T0 + 4))
        .unwrap();
    let policy = phone.filter_policy(at(T0 + 5)).unwrap();
    let decision = filter.check(b"https://drugs.example/", &policy, T0 + 5);
    assert_eq!(decision.verdict, Verdict::Allow);
    assert_eq!(decision.reason, DecisionReason::ParentAllowed);
    assert!(policy.blocks("drugs"));

    // Without any floor (no carrier), the parents' allow rule decides as before.
    let mut plain = policy.clone();
    plain.locked_categories.clear();
    plain.blocked_categories.insert("drugs".to_owned());
    let decision = filter.check(b"https://drugs.example/", &plain, T0 + 5);
    assert_eq!(decision.reason, DecisionReason::ParentAllowed);
}

#[test]
fn a_deactivation_switches_safe_mode_off_and_parents_may_switch_it_back_on() {
    let (device, phone) = Device::on_line_a("deactivation");
    let parent = pair(&phone);
    phone
        .activate(
            &device.sign(&profile(4, "9-12")),
            &device.trusted(),
            at(T0 + 1),
        )
        .unwrap();
    let sign = |document: &LineDeactivation| document.sign(&device.carrier).unwrap();

    // Not newer than the profile, another line, another device: refused, nothing changed.
    let mut other_line = deactivation(5);
    other_line.line = LINE_B.to_owned();
    let mut other_device = deactivation(5);
    other_device.device_id = "another-phone".to_owned();
    let before = status(&phone, at(T0 + 2));
    for (what, envelope) in [
        ("not newer", sign(&deactivation(4))),
        ("other line", sign(&other_line)),
        ("other device", sign(&other_device)),
    ] {
        let refused = phone.deactivate(&envelope, &device.trusted(), at(T0 + 2));
        assert!(
            matches!(refused, Err(SafeModeError::Activation(_))),
            "{what}: {refused:?}"
        );
        assert_eq!(status(&phone, at(T0 + 2)), before, "{what}");
    }

    let entries = phone.audit().len().unwrap();
    let applied = phone
        .deactivate(&sign(&deactivation(5)), &device.trusted(), at(T0 + 3))
        .unwrap();
    assert_eq!(applied.reason, "line passed to an adult");
    let off = status(&phone, at(T0 + 4));
    assert!(!off.safe_mode);
    assert!(off.line_deactivated);
    assert_eq!(off.carrier, None);
    assert!(off.carrier_floor.is_empty());
    assert_eq!(off.paired_parents, 1, "the parents stay paired");
    // The parents see it in the phone's signed status.
    let told = phone
        .take_snapshot(at(T0 + 4), &ListsStatus::default(), Locale::En, None)
        .unwrap();
    assert!(told.line_deactivated && !told.safe_mode);
    assert_eq!(told.carrier, None);
    let last = phone.audit().entries().unwrap().pop().unwrap();
    assert_eq!(phone.audit().len().unwrap(), entries + 1);
    assert!(matches!(last.actor, Actor::CarrierProfile { .. }));
    assert!(last.change.contains("deactivated"));
    // The old profile cannot come back.
    let replay = phone.activate(
        &device.sign(&profile(4, "9-12")),
        &device.trusted(),
        at(T0 + 5),
    );
    assert!(matches!(
        replay,
        Err(SafeModeError::Activation(ActivationError::NotNewer { .. }))
    ));

    // The parents keep protecting the child, and may now relax what they like.
    phone
        .apply_parent_command(
            &command(&parent, 1, ParentAction::SetSafeMode { on: true }),
            at(T0 + 6),
        )
        .unwrap();
    phone
        .apply_parent_command(
            &command(
                &parent,
                2,
                ParentAction::UnblockCategory {
                    category: "drugs".to_owned(),
                },
            ),
            at(T0 + 6),
        )
        .unwrap();
    let back = status(&phone, at(T0 + 7));
    assert!(back.safe_mode);
    assert!(!blocks(&back, "drugs"));
    assert!(blocks(&back, "adult"));
}

/// A reading later in the same boot whose wall clock says `wall`, `elapsed` seconds of monotonic
/// time after `at(T0)`.
fn reading(elapsed: u64, wall: u64) -> ClockReading {
    ClockReading {
        wall_unix: wall,
        monotonic_secs: 1_000 + elapsed,
        boot_id: 1,
    }
}

#[test]
fn the_band_follows_the_childs_age_on_trusted_time() {
    let (device, phone) = Device::on_line_a("growing-up");
    let parent = pair(&phone);
    let mut born = profile(1, "9-12");
    born.birth_month = Some("2014-03".to_owned());
    born.extra_blocked_categories = vec!["social".to_owned()];
    phone
        .activate(&device.sign(&born), &device.trusted(), at(T0 + 1))
        .unwrap();
    phone
        .apply_parent_command(
            &command(
                &parent,
                1,
                ParentAction::DenyHost {
                    host: "chat.example".to_owned(),
                },
            ),
            at(T0 + 2),
        )
        .unwrap();
    let day_before = MARCH_2027 - 86_400;
    let twelve = status(&phone, at(day_before));
    assert_eq!(twelve.band.as_deref(), Some("9-12"));
    assert!(blocks(&twelve, "violence"));

    // The wall clock set a week ahead on the day before the birthday does not move the band.
    let ahead = reading(day_before - T0 + 10, MARCH_2027 + 7 * 86_400);
    assert_eq!(status(&phone, ahead).band.as_deref(), Some("9-12"));

    // On the birthday, on trusted time, the band moves: violence is no longer blocked, the
    // carrier's extra category and the parents' denied host stay, and the log says so.
    let birthday = reading(MARCH_2027 - T0 + 60, MARCH_2027 + 60);
    let thirteen = status(&phone, birthday);
    assert_eq!(thirteen.band.as_deref(), Some("13-15"));
    assert!(!blocks(&thirteen, "violence"));
    assert!(blocks(&thirteen, "drugs"));
    assert!(blocks(&thirteen, "social"));
    let policy = phone.filter_policy(birthday).unwrap();
    assert!(policy.denied_hosts.contains("chat.example"));
    let last = phone.audit().entries().unwrap().pop().unwrap();
    assert!(last.change.contains("9-12 to 13-15"), "{}", last.change);

    // The wall clock set back to before the birthday moves nothing back.
    let back = reading(MARCH_2027 - T0 + 120, T0);
    assert_eq!(status(&phone, back).band.as_deref(), Some("13-15"));
    let entries = phone.audit().len().unwrap();
    let _ = status(&phone, back);
    assert_eq!(phone.audit().len().unwrap(), entries, "no second move");
}

#[test]
fn at_eighteen_safe_mode_goes_off_unless_the_parents_keep_it() {
    for keep in [false, true] {
        let (device, phone) = Device::on_line_a(if keep { "eighteen-kept" } else { "eighteen" });
        let parent = pair(&phone);
        let mut born = profile(1, "16-17");
        born.birth_month = Some("2009-03".to_owned());
        phone
            .activate(&device.sign(&born), &device.trusted(), at(T0 + 1))
            .unwrap();
        if keep {
            phone
                .apply_parent_command(
                    &command(&parent, 1, ParentAction::KeepAfterEighteen { on: true }),
                    at(T0 + 2),
                )
                .unwrap();
        }
        assert!(status(&phone, at(MARCH_2027 - 1)).safe_mode);
        let adult = status(&phone, at(MARCH_2027 + 1));
        assert_eq!(adult.safe_mode, keep, "kept: {keep}");
        assert_eq!(adult.carrier, None);
        if keep {
            assert_eq!(adult.band.as_deref(), Some("16-17"));
            assert!(blocks(&adult, "adult"));
        } else {
            assert!(
                phone
                    .filter_policy(at(MARCH_2027 + 2))
                    .unwrap()
                    .blocked_categories
                    .is_empty()
            );
        }
    }
}

#[test]
fn a_wiped_app_on_a_childs_line_is_protected_from_the_first_check() {
    let (device, phone) = Device::on_line_a("provisional");
    assert!(phone.start_provisional(AgeBand::UpTo5, at(T0 + 1)).unwrap());
    let policy = phone.filter_policy(at(T0 + 1)).unwrap();
    assert!(policy.allowlist_only);
    assert!(policy.blocks("adult"));
    let provisional = status(&phone, at(T0 + 2));
    assert!(provisional.safe_mode);
    assert!(provisional.provisional);
    assert!(
        provisional
            .provisional_reason
            .as_deref()
            .is_some_and(|reason| reason.contains("carrier"))
    );
    let rules = phone.rules(Locale::Fr).unwrap();
    assert!(
        rules.iter().any(|line| line.contains("opérateur")),
        "{rules:?}"
    );
    // A second start changes nothing.
    assert!(
        !phone
            .start_provisional(AgeBand::From16To17, at(T0 + 3))
            .unwrap()
    );
    assert_eq!(status(&phone, at(T0 + 3)).band.as_deref(), Some("0-5"));

    // The carrier's profile ends it.
    phone
        .activate(
            &device.sign(&profile(1, "9-12")),
            &device.trusted(),
            at(T0 + 4),
        )
        .unwrap();
    let activated = status(&phone, at(T0 + 5));
    assert!(!activated.provisional);
    assert_eq!(activated.provisional_reason, None);
    assert_eq!(activated.band.as_deref(), Some("9-12"));
    // And a device with a profile never goes provisional.
    assert!(!phone.start_provisional(AgeBand::UpTo5, at(T0 + 6)).unwrap());
    assert_eq!(status(&phone, at(T0 + 6)).band.as_deref(), Some("9-12"));
}

/// The previous device's snapshot: stricter in some ways, looser in others.
fn previous_snapshot() -> StatusSnapshot {
    StatusSnapshot {
        device_id: "previous-device".to_owned(),
        taken_at: T0 - 86_400,
        seq: 40,
        safe_mode: true,
        band: AgeBand::From16To17,
        blocked_categories: vec!["adult".to_owned(), "games".to_owned()],
        allowed_hosts: vec!["drugs.example".to_owned()],
        denied_hosts: vec!["Chat.Example".to_owned()],
        approvals: vec![
            childsafe_core::settings::status_snapshot::SnapshotApproval {
                host: "casino.example".to_owned(),
                until_unix: T0 + 86_400,
            },
        ],
        allowlist_only: true,
        safe_search: false,
        rules: Vec::new(),
        lists_version: None,
        lists_out_of_date_since: None,
        lists_unavailable: false,
        last_sync: None,
        parents: Vec::new(),
        carrier: None,
        provisional: false,
        line_deactivated: false,
        carrier_floor: Vec::new(),
    }
}

#[test]
fn the_previous_devices_tightenings_come_back_and_nothing_that_loosens() {
    let (device, phone) = Device::on_line_a("restore");
    phone.start_provisional(AgeBand::UpTo5, at(T0)).unwrap();
    phone
        .activate(
            &device.sign(&profile(1, "9-12")),
            &device.trusted(),
            at(T0 + 1),
        )
        .unwrap();
    let before = phone.filter_policy(at(T0 + 2)).unwrap();
    assert!(!before.allowlist_only);
    let changes = phone
        .restore_tightenings(&previous_snapshot(), at(T0 + 3))
        .unwrap();
    // games, chat.example, allowlist-only.
    assert_eq!(changes, 3);
    let after = phone.filter_policy(at(T0 + 4)).unwrap();
    assert!(after.blocks("games"));
    assert!(after.denied_hosts.contains("chat.example"));
    assert!(after.allowlist_only);
    assert!(
        after.safe_search,
        "SafeSearch off on the old phone came back off"
    );
    assert!(after.allowed_hosts.is_empty());
    assert!(after.approvals.is_empty());
    assert!(
        after.blocks("drugs"),
        "the old phone's older band loosened this one"
    );
    assert_eq!(status(&phone, at(T0 + 4)).band.as_deref(), Some("9-12"));
    // Taking them back again changes nothing more.
    assert_eq!(
        phone
            .restore_tightenings(&previous_snapshot(), at(T0 + 5))
            .unwrap(),
        0
    );
}
