//! Carrier activation profiles and parent commands: what a trusted signer produces is accepted,
//! and each way of getting around the signature is refused with its own error.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_core::crypto::SigningKey;
use childsafe_core::settings::AgeBand;
use childsafe_core::settings::activation::{
    self, ActivationError, ActivationProfile, LineDeactivation,
};
use childsafe_core::settings::parent_command::{self, CommandError, ParentAction, ParentCommand};
use childsafe_core::trust::TrustedKey;

const NOW: u64 = 1_800_000_000;

fn profile(sequence: u64) -> ActivationProfile {
    ActivationProfile {
        line: "line-handle-a".to_owned(),
        device_id: "device-1".to_owned(),
        birth_month: None,
        parents_may_relax: Vec::new(),
        carrier: "Example Mobile".to_owned(),
        profile_id: "child-line-2026".to_owned(),
        band: "9-12".parse::<AgeBand>().unwrap(),
        extra_blocked_categories: ["gambling".to_owned()].into(),
        issued_at: NOW - 60,
        expires_at: NOW + 86_400,
        sequence,
    }
}

/// Re-encodes the envelope with its payload changed by `edit`, keeping the old signature.
fn tamper(envelope: &[u8], edit: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
    let mut outer: serde_json::Value = serde_json::from_slice(envelope).unwrap();
    let payload = URL_SAFE_NO_PAD
        .decode(outer["payload"].as_str().unwrap())
        .unwrap();
    let mut inner: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    edit(&mut inner);
    outer["payload"] = URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&inner).unwrap())
        .into();
    serde_json::to_vec(&outer).unwrap()
}

#[test]
fn a_profile_signed_by_a_trusted_carrier_verifies() {
    let (carrier, _) = SigningKey::generate().unwrap();
    let envelope = profile(3).sign(&carrier).unwrap();
    let verified =
        ActivationProfile::verify(&envelope, &[TrustedKey::pinned(carrier.public_key())], NOW)
            .unwrap();
    assert_eq!(verified.profile, profile(3));
    assert_eq!(verified.signed_by, carrier.public_key());
}

#[test]
fn every_refusal_of_a_profile_has_its_own_error() {
    let (carrier, _) = SigningKey::generate().unwrap();
    let (stranger, _) = SigningKey::generate().unwrap();
    let trusted = [TrustedKey::pinned(carrier.public_key())];
    let envelope = profile(3).sign(&carrier).unwrap();

    let wrong_key = profile(3).sign(&stranger).unwrap();
    assert_eq!(
        ActivationProfile::verify(&wrong_key, &trusted, NOW),
        Err(ActivationError::BadSignature)
    );

    let younger = tamper(&envelope, |p| p["band"] = "16-17".into());
    assert_eq!(
        ActivationProfile::verify(&younger, &trusted, NOW),
        Err(ActivationError::BadSignature)
    );

    let mut flipped = envelope.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    assert!(ActivationProfile::verify(&flipped, &trusted, NOW).is_err());

    assert_eq!(
        ActivationProfile::verify(&envelope, &trusted, NOW + 86_400),
        Err(ActivationError::Expired)
    );
    assert!(matches!(
        ActivationProfile::verify(b"not json", &trusted, NOW),
        Err(ActivationError::Malformed(_))
    ));
    assert!(matches!(
        ActivationProfile::verify(&envelope[..envelope.len() / 2], &trusted, NOW),
        Err(ActivationError::Malformed(_))
    ));

    // Replays and older profiles are refused by sequence.
    assert_eq!(
        activation::check_sequence(3, Some(3)),
        Err(ActivationError::NotNewer {
            offered: 3,
            applied: 3
        })
    );
    assert!(activation::check_sequence(2, Some(3)).is_err());
    assert_eq!(activation::check_sequence(4, Some(3)), Ok(()));
    assert_eq!(activation::check_sequence(1, None), Ok(()));
}

#[test]
fn a_profile_signature_is_not_a_command_signature() {
    let (key, _) = SigningKey::generate().unwrap();
    let envelope = profile(1).sign(&key).unwrap();
    assert_eq!(
        ParentCommand::verify(&envelope, &[key.public_key()], "device-1"),
        Err(CommandError::BadSignature)
    );
}

fn command(device: &str, sequence: u64) -> ParentCommand {
    ParentCommand {
        device_id: device.to_owned(),
        sequence,
        issued_at: NOW,
        action: ParentAction::ApproveAccess {
            host: "school.example".to_owned(),
            until_unix: NOW + 3600,
            request_id: None,
        },
    }
}

#[test]
fn parent_commands_are_refused_when_forged_redirected_replayed_or_out_of_order() {
    let (parent, _) = SigningKey::generate().unwrap();
    let (relay, _) = SigningKey::generate().unwrap();
    let paired = [parent.public_key()];
    let envelope = command("device-1", 7).sign(&parent).unwrap();

    let verified = ParentCommand::verify(&envelope, &paired, "device-1").unwrap();
    assert_eq!(verified.command, command("device-1", 7));

    let forged = command("device-1", 8).sign(&relay).unwrap();
    assert_eq!(
        ParentCommand::verify(&forged, &paired, "device-1"),
        Err(CommandError::BadSignature)
    );

    let altered = tamper(&envelope, |c| c["action"]["host"] = "other.example".into());
    assert_eq!(
        ParentCommand::verify(&altered, &paired, "device-1"),
        Err(CommandError::BadSignature)
    );

    assert_eq!(
        ParentCommand::verify(&envelope, &paired, "device-2"),
        Err(CommandError::WrongDevice)
    );

    assert_eq!(
        parent_command::check_sequence(7, Some(7)),
        Err(CommandError::NotNewer {
            offered: 7,
            applied: 7
        })
    );
    assert!(parent_command::check_sequence(6, Some(7)).is_err());
    assert_eq!(parent_command::check_sequence(8, Some(7)), Ok(()));
}

#[test]
fn unknown_fields_in_a_signed_command_are_refused() {
    let (parent, _) = SigningKey::generate().unwrap();
    // A payload the parent really signed, but with a field this version does not know.
    let mut value = serde_json::to_value(command("device-1", 1)).unwrap();
    value["surprise"] = true.into();
    let payload = serde_json::to_vec(&value).unwrap();
    let signature = parent.sign(&[parent_command::SIGNING_CONTEXT, &payload].concat());
    let envelope = serde_json::json!({
        "format": 1,
        "payload": URL_SAFE_NO_PAD.encode(&payload),
        "signature": URL_SAFE_NO_PAD.encode(signature),
    });
    let bytes = serde_json::to_vec(&envelope).unwrap();
    assert!(matches!(
        ParentCommand::verify(&bytes, &[parent.public_key()], "device-1"),
        Err(CommandError::Malformed(_))
    ));
}

/// A key a root delegated to `carrier`.
fn delegated(key: &SigningKey, carrier: &str) -> TrustedKey {
    TrustedKey {
        key: key.public_key(),
        carrier: Some(carrier.to_owned()),
    }
}

#[test]
fn a_key_delegated_to_one_carrier_cannot_sign_for_another() {
    let (key, _) = SigningKey::generate().unwrap();
    let envelope = profile(1).sign(&key).unwrap();
    // The profile names "Example Mobile".
    assert!(
        ActivationProfile::verify(&envelope, &[delegated(&key, "Example Mobile")], NOW).is_ok()
    );
    assert_eq!(
        ActivationProfile::verify(&envelope, &[delegated(&key, "Other Mobile")], NOW),
        Err(ActivationError::WrongCarrier {
            named: "Example Mobile".to_owned(),
            key_carrier: "Other Mobile".to_owned(),
        })
    );
    // A pinned key signs for any carrier.
    assert!(
        ActivationProfile::verify(&envelope, &[TrustedKey::pinned(key.public_key())], NOW).is_ok()
    );
    let message = ActivationProfile::verify(&envelope, &[delegated(&key, "Other Mobile")], NOW)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("Example Mobile") && message.contains("Other Mobile"),
        "{message}"
    );
}

#[test]
fn a_document_for_another_line_or_device_is_refused_with_its_own_error() {
    let bound = Some("line-handle-a");
    assert_eq!(
        activation::check_binding("line-handle-a", "device-1", bound, "device-1"),
        Ok(())
    );
    assert_eq!(
        activation::check_binding("line-handle-b", "device-1", bound, "device-1"),
        Err(ActivationError::WrongLine)
    );
    assert_eq!(
        activation::check_binding("line-handle-a", "device-2", bound, "device-1"),
        Err(ActivationError::WrongDevice)
    );
    // A device bound to no line takes only documents that name none.
    assert_eq!(
        activation::check_binding("", "device-1", None, "device-1"),
        Ok(())
    );
    assert_eq!(
        activation::check_binding("line-handle-a", "device-1", None, "device-1"),
        Err(ActivationError::WrongLine)
    );
    // A line-bound phone does not take an unbound document either.
    assert_eq!(
        activation::check_binding("", "device-1", bound, "device-1"),
        Err(ActivationError::WrongLine)
    );
}

fn deactivation(sequence: u64) -> LineDeactivation {
    LineDeactivation {
        carrier: "Example Mobile".to_owned(),
        line: "line-handle-a".to_owned(),
        device_id: "device-1".to_owned(),
        reason: "line passed to an adult".to_owned(),
        issued_at: NOW,
        sequence,
    }
}

#[test]
fn a_deactivation_verifies_under_its_own_context_only() {
    let (key, _) = SigningKey::generate().unwrap();
    let (stranger, _) = SigningKey::generate().unwrap();
    let trusted = [TrustedKey::pinned(key.public_key())];
    let envelope = deactivation(9).sign(&key).unwrap();
    let verified = LineDeactivation::verify(&envelope, &trusted).unwrap();
    assert_eq!(verified.deactivation, deactivation(9));
    assert_eq!(verified.signed_by, key.public_key());
    assert_eq!(
        LineDeactivation::verify(&deactivation(9).sign(&stranger).unwrap(), &trusted),
        Err(ActivationError::BadSignature)
    );
    assert!(matches!(
        LineDeactivation::verify(&envelope, &[delegated(&key, "Other Mobile")]),
        Err(ActivationError::WrongCarrier { .. })
    ));
    // A profile's signature is not a deactivation's, nor the other way round.
    let profile_envelope = profile(1).sign(&key).unwrap();
    assert!(LineDeactivation::verify(&profile_envelope, &trusted).is_err());
    assert!(ActivationProfile::verify(&envelope, &trusted, NOW).is_err());
}
