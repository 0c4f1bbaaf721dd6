//! Safe mode of one device on a real sealed store on disk, told as stories: a carrier switches
//! it on, a parent sets the PIN and sends commands, a child tries to get around it. After every
//! refusal, nothing has changed.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::decision::ListsStatus;
use childsafe_core::protocol::pairing::PairingSecret;
use childsafe_core::settings::activation::{ActivationError, ActivationProfile};
use childsafe_core::settings::audit::Actor;
use childsafe_core::settings::parent_code::{ParentSecret, current_code};
use childsafe_core::settings::parent_command::{CommandError, ParentAction, ParentCommand};
use childsafe_core::settings::{DeviceSetup, PinCheck, SafeMode, SafeModeError, SafeModeStatus};
use childsafe_core::store::{FileKeyStore, SealedStore, SledStore, open_device_store};
use childsafe_core::time::ClockReading;
use childsafe_core::trust::TrustedKey;

const T0: u64 = 1_800_000_000;
const DEVICE: &str = "device-under-test";
const PIN: &str = "4821";

/// A device directory on disk, removed after the test.
struct Device {
    dir: PathBuf,
    carrier: SigningKey,
}

impl Device {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("childsafe-safe-mode-{name}-{}", std::process::id()));
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

    /// Opens the store as a fresh process would.
    fn open(&self) -> SafeMode<SealedStore<SledStore>> {
        let keys = FileKeyStore::new(self.dir.join("data.key"));
        SafeMode::new(open_device_store(&self.dir.join("store"), &keys).unwrap())
    }

    /// The carrier keys the device trusts, as the SDK hands them to safe mode.
    fn trusted(&self) -> Vec<TrustedKey> {
        vec![TrustedKey::pinned(self.carrier.public_key())]
    }

    /// A profile signed by the device's trusted carrier.
    fn profile(&self, sequence: u64, band: &str) -> Vec<u8> {
        profile_document(sequence, band)
            .sign(&self.carrier)
            .unwrap()
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn profile_document(sequence: u64, band: &str) -> ActivationProfile {
    ActivationProfile {
        line: String::new(),
        device_id: DEVICE.to_owned(),
        birth_month: None,
        parents_may_relax: Vec::new(),
        carrier: "Example Mobile".to_owned(),
        profile_id: format!("profile-{sequence}"),
        band: band.parse().unwrap(),
        extra_blocked_categories: Default::default(),
        issued_at: T0,
        expires_at: T0 + 86_400,
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

fn status(safe_mode: &SafeMode<SealedStore<SledStore>>, clock: ClockReading) -> SafeModeStatus {
    // Safe mode alone holds no lists; the facade adds theirs.
    safe_mode.status(clock, ListsStatus::default()).unwrap()
}

#[test]
fn a_carrier_profile_switches_safe_mode_on_and_every_bad_profile_changes_nothing() {
    let device = Device::new("activation");
    let safe_mode = device.open();
    assert!(!status(&safe_mode, at(T0 + 1)).safe_mode);
    safe_mode
        .activate(&device.profile(5, "9-12"), &device.trusted(), at(T0 + 2))
        .unwrap();
    let on = status(&safe_mode, at(T0 + 3));
    assert!(on.safe_mode);
    assert_eq!(on.band.as_deref(), Some("9-12"));
    assert!(on.blocked_categories.contains(&"adult".to_owned()));

    let (stranger, _) = SigningKey::generate().unwrap();
    let wrong_key = profile_document(7, "16-17").sign(&stranger).unwrap();
    let mut tampered = device.profile(8, "16-17");
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x20;
    assert!(matches!(
        safe_mode.activate(&device.profile(4, "16-17"), &device.trusted(), at(T0 + 10)),
        Err(SafeModeError::Activation(ActivationError::NotNewer {
            offered: 4,
            applied: 5
        }))
    ));
    // A newer profile from the same carrier is applied.
    safe_mode
        .activate(&device.profile(6, "13-15"), &device.trusted(), at(T0 + 20))
        .unwrap();
    assert_eq!(
        status(&safe_mode, at(T0 + 21)).band.as_deref(),
        Some("13-15")
    );

    // Expired comes last: trusted time never runs backwards, so after it every profile here
    // has expired.
    let refusals: Vec<(&str, Vec<u8>, ClockReading)> = vec![
        ("wrong key", wrong_key, at(T0 + 30)),
        ("tampered", tampered, at(T0 + 30)),
        ("replayed", device.profile(6, "16-17"), at(T0 + 30)),
        ("older", device.profile(5, "16-17"), at(T0 + 30)),
        ("expired", device.profile(9, "16-17"), at(T0 + 86_400)),
    ];
    for (what, envelope, clock) in refusals {
        let before = status(&safe_mode, clock);
        let entries_before = safe_mode.audit().len().unwrap();
        let refused = safe_mode.activate(&envelope, &device.trusted(), clock);
        assert!(
            matches!(refused, Err(SafeModeError::Activation(_))),
            "{what}: {refused:?}"
        );
        let after = status(&safe_mode, clock);
        assert_eq!(after, before, "{what} changed something");
        assert_eq!(
            safe_mode.audit().len().unwrap(),
            entries_before,
            "{what} was logged as a change"
        );
    }
}

#[test]
fn a_pin_lockout_holds_across_a_restart_and_the_wall_clock_moving_back_or_forward() {
    let device = Device::new("lockout");
    device.open().set_pin(PIN, None, at(T0)).unwrap();
    let mut now = T0 + 10;
    let mut last = PinCheck::Right;
    for _ in 0..childsafe_core::settings::FREE_ATTEMPTS {
        // Each guess in a new "process".
        last = device.open().verify_pin("0000", at(now)).unwrap();
        now += 1;
    }
    let PinCheck::Wrong { wait_secs, .. } = last else {
        panic!("expected a wrong PIN, got {last:?}")
    };
    assert!(wait_secs > 0, "the last free guess, wrong, starts a wait");

    // A restart, then the right PIN, is still refused while the wait runs.
    assert!(matches!(
        device.open().verify_pin(PIN, at(now)).unwrap(),
        PinCheck::LockedOut { .. }
    ));
    // Moving the wall clock back a day or forward a year (monotonic time barely moves) unlocks nothing.
    for wall in [now - 86_400, now + 365 * 86_400] {
        let moved = ClockReading {
            wall_unix: wall,
            monotonic_secs: now - T0 + 1_000 + 1,
            boot_id: 1,
        };
        assert!(
            matches!(
                device.open().verify_pin(PIN, moved).unwrap(),
                PinCheck::LockedOut { .. }
            ),
            "wall clock at {wall} unlocked the PIN"
        );
    }
    // Once the wait has passed on the monotonic clock, the right PIN works.
    let later = ClockReading {
        wall_unix: now + wait_secs + 5,
        monotonic_secs: now - T0 + 1_000 + wait_secs + 5,
        boot_id: 1,
    };
    assert_eq!(
        device.open().verify_pin(PIN, later).unwrap(),
        PinCheck::Right
    );
}

#[test]
fn changing_the_pin_needs_the_old_one() {
    let device = Device::new("change-pin");
    let safe_mode = device.open();
    safe_mode.set_pin(PIN, None, at(T0)).unwrap();
    assert!(matches!(
        safe_mode.set_pin("9999", None, at(T0 + 1)),
        Err(SafeModeError::PinRequired)
    ));
    assert!(matches!(
        safe_mode.set_pin("9999", Some("1111"), at(T0 + 2)),
        Err(SafeModeError::Pin(_))
    ));
    assert_eq!(
        safe_mode.verify_pin(PIN, at(T0 + 3)).unwrap(),
        PinCheck::Right
    );
    safe_mode.set_pin("9999", Some(PIN), at(T0 + 4)).unwrap();
    assert_eq!(
        safe_mode.verify_pin("9999", at(T0 + 5)).unwrap(),
        PinCheck::Right
    );
}

/// Opens the device, sets the PIN and pairs a parent through an invite behind the PIN: the
/// parent's key and the secret both ends derive from the pairing secret.
fn paired(device: &Device) -> (SafeMode<SealedStore<SledStore>>, SigningKey, ParentSecret) {
    let safe_mode = device.open();
    safe_mode.set_pin(PIN, None, at(T0)).unwrap();
    let (parent, _) = SigningKey::generate().unwrap();
    let pairing = PairingSecret::generate().unwrap();
    safe_mode
        .open_invite_with_pin(PIN, &pairing, at(T0 + 1))
        .unwrap();
    safe_mode
        .enrol_invited_parent(
            parent.public_key(),
            &pairing.pairing_key().unwrap().public_key(),
            Some(PIN),
            at(T0 + 1),
        )
        .unwrap();
    (
        safe_mode,
        parent,
        ParentSecret::from_pairing_secret(&pairing),
    )
}

fn command(sequence: u64, action: ParentAction) -> ParentCommand {
    ParentCommand {
        device_id: DEVICE.to_owned(),
        sequence,
        issued_at: T0,
        action,
    }
}

#[test]
fn parent_commands_apply_once_in_order_and_forged_ones_change_nothing() {
    let device = Device::new("commands");
    let (safe_mode, parent, _) = paired(&device);
    // The carrier lets these parents relax violence: below the carrier's floor, an unblock is
    // refused (see carrier_floor.rs).
    let relaxable = ActivationProfile {
        parents_may_relax: vec!["violence".to_owned()],
        ..profile_document(1, "9-12")
    };
    safe_mode
        .activate(
            &relaxable.sign(&device.carrier).unwrap(),
            &device.trusted(),
            at(T0 + 1),
        )
        .unwrap();

    let unblock = command(
        1,
        ParentAction::UnblockCategory {
            category: "violence".into(),
        },
    );
    safe_mode
        .apply_parent_command(&unblock.sign(&parent).unwrap(), at(T0 + 2))
        .unwrap();
    assert!(
        !status(&safe_mode, at(T0 + 3))
            .blocked_categories
            .contains(&"violence".to_owned())
    );

    let approve = command(
        2,
        ParentAction::ApproveAccess {
            host: "School.Example".into(),
            until_unix: T0 + 3_600,
            request_id: None,
        },
    );
    safe_mode
        .apply_parent_command(&approve.sign(&parent).unwrap(), at(T0 + 4))
        .unwrap();
    let policy = safe_mode.filter_policy(at(T0 + 5)).unwrap();
    assert_eq!(policy.approvals.len(), 1);
    assert_eq!(policy.approvals[0].host, "school.example");
    assert!(
        safe_mode
            .filter_policy(at(T0 + 3_601))
            .unwrap()
            .approvals
            .is_empty(),
        "expired approval still counts"
    );

    let (stranger, _) = SigningKey::generate().unwrap();
    let mut for_other_device = command(
        9,
        ParentAction::BlockCategory {
            category: "games".into(),
        },
    );
    for_other_device.device_id = "another-child".into();
    let refusals = [
        (
            "forged",
            command(
                3,
                ParentAction::UnblockCategory {
                    category: "adult".into(),
                },
            )
            .sign(&stranger)
            .unwrap(),
        ),
        ("replayed", unblock.sign(&parent).unwrap()),
        (
            "out of order",
            command(
                1,
                ParentAction::UnblockCategory {
                    category: "adult".into(),
                },
            )
            .sign(&parent)
            .unwrap(),
        ),
        ("other device", for_other_device.sign(&parent).unwrap()),
    ];
    for (what, envelope) in refusals {
        let before = status(&safe_mode, at(T0 + 6));
        let refused = safe_mode.apply_parent_command(&envelope, at(T0 + 6));
        assert!(
            matches!(refused, Err(SafeModeError::Command(_))),
            "{what}: {refused:?}"
        );
        assert_eq!(
            status(&safe_mode, at(T0 + 6)),
            before,
            "{what} changed something"
        );
    }
    assert!(matches!(
        safe_mode.apply_parent_command(&unblock.sign(&parent).unwrap(), at(T0 + 7)),
        Err(SafeModeError::Command(CommandError::NotNewer {
            offered: 1,
            applied: 2
        }))
    ));
}

#[test]
fn an_offline_parent_code_works_once() {
    let device = Device::new("parent-code");
    let (safe_mode, _, secret) = paired(&device);
    let code = current_code(&secret, T0 + 100);
    safe_mode.verify_parent_code(&code, at(T0 + 100)).unwrap();
    assert!(matches!(
        safe_mode.verify_parent_code(&code, at(T0 + 101)),
        Err(SafeModeError::ParentCode(_))
    ));
}

#[test]
fn every_change_is_in_the_audit_log_and_the_log_verifies() {
    let device = Device::new("audit");
    let safe_mode = device.open();
    safe_mode
        .activate(&device.profile(1, "6-8"), &device.trusted(), at(T0 + 1))
        .unwrap();
    safe_mode.set_pin(PIN, None, at(T0 + 2)).unwrap();
    safe_mode.set_pin("9999", Some(PIN), at(T0 + 3)).unwrap();
    drop(safe_mode);
    let log = device.open();
    let entries = log.audit().entries().unwrap();
    let actors: Vec<&Actor> = entries.iter().map(|entry| &entry.actor).collect();
    assert_eq!(
        actors,
        [
            &Actor::System,
            &Actor::CarrierProfile {
                carrier: "Example Mobile".into()
            },
            &Actor::ParentPin,
            &Actor::ParentPin,
        ]
    );
    assert!(entries[1].change.contains("6-8"));
    assert_eq!(log.audit().verify().unwrap(), 4);
    assert_eq!(status(&log, at(T0 + 4)).audit_log_entries, 4);
}

#[test]
fn a_parent_changes_the_pin_by_command_without_the_relay_seeing_it() {
    let device = Device::new("pin-command");
    let (safe_mode, parent, secret) = paired(&device);

    let change_pin = ParentAction::change_pin("777777", &secret, DEVICE).unwrap();
    let ParentAction::ChangePin { sealed_pin } = &change_pin else {
        panic!("change_pin makes a ChangePin action");
    };
    assert!(!sealed_pin.contains("777777"));

    // Sealed under another secret, the PIN does not open: refused, the old PIN still works.
    let other_secret = ParentSecret::generate().unwrap();
    let unreadable = command(
        1,
        ParentAction::change_pin("111111", &other_secret, DEVICE).unwrap(),
    );
    assert!(matches!(
        safe_mode.apply_parent_command(&unreadable.sign(&parent).unwrap(), at(T0 + 2)),
        Err(SafeModeError::Command(CommandError::Malformed(_)))
    ));
    assert_eq!(
        safe_mode.verify_pin(PIN, at(T0 + 3)).unwrap(),
        PinCheck::Right
    );

    let envelope = command(1, change_pin).sign(&parent).unwrap();
    assert!(!String::from_utf8_lossy(&envelope).contains("777777"));
    safe_mode
        .apply_parent_command(&envelope, at(T0 + 4))
        .unwrap();
    assert_eq!(
        safe_mode.verify_pin("777777", at(T0 + 5)).unwrap(),
        PinCheck::Right
    );
    assert!(matches!(
        safe_mode.verify_pin(PIN, at(T0 + 6)).unwrap(),
        PinCheck::Wrong { .. }
    ));
}

#[test]
fn the_parent_code_resets_a_locked_pin_without_network() {
    let device = Device::new("pin-reset");
    let (safe_mode, _, secret) = paired(&device);
    for second in 0..10 {
        let _ = safe_mode.verify_pin("0000", at(T0 + 10 + second)).unwrap();
    }
    assert!(matches!(
        safe_mode.verify_pin(PIN, at(T0 + 30)).unwrap(),
        PinCheck::LockedOut { .. }
    ));

    // A wrong code changes nothing; the right one resets the PIN and ends the lockout.
    assert!(
        safe_mode
            .reset_pin_with_parent_code("000000", "2468", at(T0 + 60))
            .is_err()
            || current_code(&secret, T0 + 60) == "000000"
    );
    let code = current_code(&secret, T0 + 90);
    safe_mode
        .reset_pin_with_parent_code(&code, "2468", at(T0 + 90))
        .unwrap();
    assert_eq!(
        safe_mode.verify_pin("2468", at(T0 + 91)).unwrap(),
        PinCheck::Right
    );
    // The same code cannot be used twice.
    assert!(matches!(
        safe_mode.reset_pin_with_parent_code(&code, "1357", at(T0 + 92)),
        Err(SafeModeError::ParentCode(_))
    ));
    assert_eq!(
        safe_mode.verify_pin("2468", at(T0 + 93)).unwrap(),
        PinCheck::Right
    );
}

#[test]
fn signed_server_time_corrects_the_clock_once_per_request() {
    use childsafe_core::protocol::server_time::{ServerTimeError, SignedServerTime};
    let device = Device::new("server-time");
    let (safe_mode, parent, _) = paired(&device);
    let approve = ParentAction::ApproveAccess {
        host: "school.example".into(),
        until_unix: T0 + 4_000,
        request_id: None,
    };
    safe_mode
        .apply_parent_command(&command(1, approve).sign(&parent).unwrap(), at(T0 + 2))
        .unwrap();
    assert_eq!(
        safe_mode.filter_policy(at(T0 + 3)).unwrap().approvals.len(),
        1
    );
    let (server, _) = SigningKey::generate().unwrap();
    let (stranger, _) = SigningKey::generate().unwrap();
    let servers = [server.public_key()];
    let answer = |challenge: &str, key: &SigningKey, device_id: &str| {
        SignedServerTime {
            unix_secs: T0 + 5_000,
            device_id: device_id.to_owned(),
            challenge: challenge.to_owned(),
        }
        .sign(key)
        .unwrap()
    };

    // Nothing was asked for yet: a signed time is refused.
    let unasked = answer("none", &server, DEVICE);
    assert!(matches!(
        safe_mode.accept_signed_server_time(&unasked, &servers, at(T0 + 1)),
        Err(SafeModeError::ServerTime(ServerTimeError::NotRequested))
    ));

    let challenge = safe_mode.server_time_challenge().unwrap();
    for (what, envelope, expected) in [
        (
            "forged",
            answer(&challenge, &stranger, DEVICE),
            ServerTimeError::BadSignature,
        ),
        (
            "other device",
            answer(&challenge, &server, "another-child"),
            ServerTimeError::WrongDevice,
        ),
        (
            "other challenge",
            answer("old-challenge", &server, DEVICE),
            ServerTimeError::NotRequested,
        ),
    ] {
        let refused = safe_mode.accept_signed_server_time(&envelope, &servers, at(T0 + 2));
        assert!(
            matches!(&refused, Err(SafeModeError::ServerTime(error)) if *error == expected),
            "{what}: {refused:?}"
        );
    }
    let good = answer(&challenge, &server, DEVICE);
    assert_eq!(
        safe_mode
            .accept_signed_server_time(&good, &servers, at(T0 + 3))
            .unwrap(),
        T0 + 5_000
    );
    // The same answer again is a replay: its challenge is used up.
    assert!(matches!(
        safe_mode.accept_signed_server_time(&good, &servers, at(T0 + 4)),
        Err(SafeModeError::ServerTime(ServerTimeError::NotRequested))
    ));
    // The clock now follows the server: an approval that ends before the server's time is over,
    // although the phone's own clocks say little time has passed.
    let policy = safe_mode.filter_policy(at(T0 + 5)).unwrap();
    assert!(policy.approvals.is_empty());
}

#[test]
fn a_child_may_tighten_what_their_band_allows_and_nothing_that_loosens() {
    use childsafe_core::settings::ChildChange;
    let device = Device::new("child-changes");
    let safe_mode = device.open();
    // Before safe mode is on, a child changes nothing.
    assert!(matches!(
        safe_mode.change_as_child(ChildChange::TurnOnSafeSearch, at(T0)),
        Err(SafeModeError::ParentRequired)
    ));
    safe_mode
        .activate(&device.profile(1, "13-15"), &device.trusted(), at(T0 + 1))
        .unwrap();
    safe_mode
        .change_as_child(ChildChange::BlockCategory("gaming".into()), at(T0 + 2))
        .unwrap();
    safe_mode
        .change_as_child(
            ChildChange::DenyHost("Distracting.Example".into()),
            at(T0 + 3),
        )
        .unwrap();
    let policy = safe_mode.filter_policy(at(T0 + 4)).unwrap();
    assert!(policy.blocks("gaming"));
    assert!(policy.denied_hosts.contains("distracting.example"));
    let entries = safe_mode.audit().entries().unwrap();
    assert_eq!(entries.last().unwrap().actor, Actor::Child);

    // The youngest band may not even tighten alone: a parent sets everything.
    let young = Device::new("child-changes-young");
    let young_mode = young.open();
    young_mode
        .activate(&young.profile(1, "0-5"), &young.trusted(), at(T0 + 1))
        .unwrap();
    let before = status(&young_mode, at(T0 + 2));
    assert!(matches!(
        young_mode.change_as_child(ChildChange::DenyHost("x.example".into()), at(T0 + 2)),
        Err(SafeModeError::ParentRequired)
    ));
    assert_eq!(status(&young_mode, at(T0 + 3)), before);
}
