//! The parents of a phone as safe mode keeps them, on a real sled store: enrolment through an
//! invite behind the PIN, roles, the statements and receipts the phone owes the backend (kept
//! across a restart, in order), and what a signed command gets back.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

use childsafe_core::crypto::SigningKey;
use childsafe_core::protocol::pairing::{PairingSecret, ParentRole, ParentStatement};
use childsafe_core::settings::command_receipt::{CommandOutcome, CommandReceipt};
use childsafe_core::settings::parent_command::{CommandError, ParentAction, ParentCommand};
use childsafe_core::settings::{DeviceSetup, Owed, PinCheck, SafeMode, SafeModeError};
use childsafe_core::store::{FileKeyStore, SealedStore, SledStore, open_device_store};
use childsafe_core::time::ClockReading;

const T0: u64 = 1_800_000_000;
const DEVICE: &str = "device-under-test";
const PIN: &str = "4821";

struct Device {
    dir: PathBuf,
}

impl Device {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("childsafe-parents-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let device = Self { dir };
        let safe_mode = device.open();
        let setup = DeviceSetup {
            device_id: DEVICE.to_owned(),
            country: Some("GB".to_owned()),
            trusted_carriers: Vec::new(),
        };
        safe_mode.init(setup, at(T0)).unwrap();
        safe_mode.set_pin(PIN, None, at(T0)).unwrap();
        device
    }

    fn open(&self) -> SafeMode<SealedStore<SledStore>> {
        let keys = FileKeyStore::new(self.dir.join("data.key"));
        SafeMode::new(open_device_store(&self.dir.join("store"), &keys).unwrap())
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn at(wall: u64) -> ClockReading {
    ClockReading {
        wall_unix: wall,
        monotonic_secs: wall - T0 + 1_000,
        boot_id: 1,
    }
}

fn key() -> SigningKey {
    SigningKey::generate().unwrap().0
}

/// Enrols `parent` through a fresh invite behind the PIN; its role.
fn enrol(safe_mode: &SafeMode<SealedStore<SledStore>>, parent: &SigningKey) -> ParentRole {
    let secret = PairingSecret::generate().unwrap();
    safe_mode
        .open_invite_with_pin(PIN, &secret, at(T0 + 1))
        .unwrap();
    let pairing = secret.pairing_key().unwrap().public_key();
    safe_mode
        .enrol_invited_parent(parent.public_key(), &pairing, Some(PIN), at(T0 + 2))
        .unwrap()
}

fn command(parent: &SigningKey, sequence: u64, device_id: &str, action: ParentAction) -> Vec<u8> {
    ParentCommand {
        device_id: device_id.to_owned(),
        sequence,
        issued_at: T0,
        action,
    }
    .sign(parent)
    .unwrap()
}

fn receipts(safe_mode: &SafeMode<SealedStore<SledStore>>) -> Vec<CommandReceipt> {
    safe_mode
        .owed()
        .unwrap()
        .into_iter()
        .filter_map(|owed| match owed {
            Owed::Receipt(receipt) => Some(receipt),
            Owed::Statement(_) => None,
        })
        .collect()
}

#[test]
fn a_wrong_pin_opens_no_invite_and_enrols_no_one_and_is_counted() {
    let device = Device::new("wrong-pin");
    let safe_mode = device.open();
    let secret = PairingSecret::generate().unwrap();
    assert!(matches!(
        safe_mode.open_invite_with_pin("0000", &secret, at(T0 + 1)),
        Err(SafeModeError::PinRequired)
    ));
    assert!(safe_mode.open_invite().unwrap().is_none());

    safe_mode
        .open_invite_with_pin(PIN, &secret, at(T0 + 2))
        .unwrap();
    let pairing = secret.pairing_key().unwrap().public_key();
    let parent = key();
    assert!(matches!(
        safe_mode.enrol_invited_parent(parent.public_key(), &pairing, Some("0000"), at(T0 + 3)),
        Err(SafeModeError::PinRequired)
    ));
    // Without a PIN, an invite opened on the phone enrols no one either.
    assert!(matches!(
        safe_mode.enrol_invited_parent(parent.public_key(), &pairing, None, at(T0 + 3)),
        Err(SafeModeError::PinRequired)
    ));
    // Another pairing key than the open invite's enrols no one.
    let other = PairingSecret::generate().unwrap().pairing_key().unwrap();
    assert!(
        safe_mode
            .enrol_invited_parent(
                parent.public_key(),
                &other.public_key(),
                Some(PIN),
                at(T0 + 4)
            )
            .is_err()
    );
    assert!(safe_mode.enrolled_parents().unwrap().is_empty());
    assert!(safe_mode.owed().unwrap().is_empty());
    assert!(matches!(
        safe_mode.verify_pin("0000", at(T0 + 5)).unwrap(),
        PinCheck::Wrong { .. }
    ));
}

#[test]
fn statements_are_owed_in_order_with_a_growing_seq_and_survive_a_restart() {
    let device = Device::new("statements");
    let (owner, member) = (key(), key());
    {
        let safe_mode = device.open();
        assert_eq!(enrol(&safe_mode, &owner), ParentRole::Owner);
        assert_eq!(enrol(&safe_mode, &member), ParentRole::Member);
        assert!(
            safe_mode.open_invite().unwrap().is_none(),
            "the invite is spent"
        );
        safe_mode
            .remove_parent_with_pin(PIN, &member.public_key(), at(T0 + 3))
            .unwrap();
        assert!(matches!(
            safe_mode.remove_parent_with_pin(PIN, &member.public_key(), at(T0 + 4)),
            Err(SafeModeError::Command(CommandError::UnknownParent))
        ));
    }
    let safe_mode = device.open();
    let owed = safe_mode.owed().unwrap();
    let statements: Vec<ParentStatement> = owed
        .iter()
        .filter_map(|owed| match owed {
            Owed::Statement(statement) => Some(statement.clone()),
            Owed::Receipt(_) => None,
        })
        .collect();
    assert_eq!(
        statements,
        vec![
            ParentStatement::ParentConfirmed {
                device_id: DEVICE.to_owned(),
                parent_public_key: owner.public_key(),
                role: ParentRole::Owner,
                seq: 1,
            },
            ParentStatement::ParentConfirmed {
                device_id: DEVICE.to_owned(),
                parent_public_key: member.public_key(),
                role: ParentRole::Member,
                seq: 2,
            },
            ParentStatement::ParentRemoved {
                device_id: DEVICE.to_owned(),
                parent_public_key: member.public_key(),
                seq: 3,
            },
        ]
    );
    safe_mode.owed_settled(&owed[0]).unwrap();
    assert_eq!(safe_mode.owed().unwrap(), owed[1..].to_vec());
    // A later statement goes on counting from the last, not from what is still owed.
    enrol(&safe_mode, &member);
    assert!(matches!(
        safe_mode.owed().unwrap().last(),
        Some(Owed::Statement(statement)) if statement.seq() == 4
    ));
}

#[test]
fn every_verified_command_gets_a_receipt_the_device_key_signs_and_a_forged_one_gets_none() {
    let device = Device::new("receipts");
    let safe_mode = device.open();
    let (owner, member, stranger) = (key(), key(), key());
    enrol(&safe_mode, &owner);
    enrol(&safe_mode, &member);
    let settled: Vec<Owed> = safe_mode.owed().unwrap();
    for owed in &settled {
        safe_mode.owed_settled(owed).unwrap();
    }

    let deny = |host: &str| ParentAction::DenyHost {
        host: host.to_owned(),
    };
    let answer = safe_mode.answer_parent_command(
        &command(&owner, 1, DEVICE, deny("games.example")),
        at(T0 + 5),
    );
    assert!(answer.outcome.is_ok() && answer.answered);
    // A replay, a bad host, another device, a member's release, a member removing the owner.
    for (envelope, words) in [
        (command(&owner, 1, DEVICE, deny("games.example")), "replay"),
        (command(&owner, 2, DEVICE, deny("")), "host"),
        (
            command(&owner, 3, "another-device", deny("a.example")),
            "another device",
        ),
        (
            command(&member, 1, DEVICE, ParentAction::ReleaseDevice),
            "owner",
        ),
        (
            command(
                &member,
                2,
                DEVICE,
                ParentAction::RemoveParent {
                    parent_public_key: owner.public_key(),
                },
            ),
            "owner",
        ),
    ] {
        let answer = safe_mode.answer_parent_command(&envelope, at(T0 + 6));
        assert!(answer.outcome.is_err() && answer.answered, "{words}");
        let last = receipts(&safe_mode).pop().unwrap();
        assert!(
            matches!(&last.outcome, CommandOutcome::Refused { reason } if reason.contains(words)),
            "{words}: {last:?}"
        );
    }
    // Not signed by a paired parent: refused, and no receipt.
    let before = safe_mode.owed().unwrap().len();
    let answer = safe_mode.answer_parent_command(
        &command(&stranger, 1, DEVICE, deny("b.example")),
        at(T0 + 7),
    );
    assert!(!answer.answered);
    assert_eq!(safe_mode.owed().unwrap().len(), before);

    // A member may remove itself; the receipt goes before the statement it causes.
    let answer = safe_mode.answer_parent_command(
        &command(
            &member,
            3,
            DEVICE,
            ParentAction::RemoveParent {
                parent_public_key: member.public_key(),
            },
        ),
        at(T0 + 8),
    );
    assert!(answer.outcome.is_ok());
    let owed = safe_mode.owed().unwrap();
    assert!(
        matches!(&owed[owed.len() - 2], Owed::Receipt(r) if r.outcome == CommandOutcome::Applied)
    );
    assert!(matches!(
        &owed[owed.len() - 1],
        Owed::Statement(ParentStatement::ParentRemoved { .. })
    ));
    assert_eq!(safe_mode.enrolled_parents().unwrap().len(), 1);

    // The receipts name the command and verify with the device key that signs them.
    let all = receipts(&safe_mode);
    assert_eq!(all[0].sequence, 1);
    assert_eq!(all[0].parent_public_key, owner.public_key());
    assert_eq!(all[0].outcome, CommandOutcome::Applied);
    let device_key = key();
    let signed = all[0].sign(&device_key).unwrap();
    assert_eq!(
        CommandReceipt::verify(&signed, &device_key.public_key()).unwrap(),
        all[0]
    );
    assert!(CommandReceipt::verify(&signed, &owner.public_key()).is_err());
}

#[test]
fn an_open_invite_never_shows_its_secret_when_printed() {
    let device = Device::new("debug");
    let safe_mode = device.open();
    let secret = PairingSecret::generate().unwrap();
    let invite = safe_mode
        .open_invite_with_pin(PIN, &secret, at(T0 + 1))
        .unwrap();
    assert_eq!(invite.pairing_secret(), Some(secret.clone()));
    let printed = format!("{invite:?}");
    assert!(!printed.contains(&secret.to_base32()), "{printed}");
}
