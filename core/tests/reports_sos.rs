//! SOS, as a frightened child uses it: one press gives the numbers to call at once, from the
//! phone alone, and queues an urgent report that the sync sends before anything else, even when
//! storing it fails.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod reports_support;

use childsafe_core::crypto::SigningKey;
use childsafe_core::reports::directory::{self, EMBEDDED_VERSION};
use childsafe_core::reports::{
    CountryCode, DirectoryBundle, Helpline, Location, OutboxError, ReportDraft, ReportKind,
    ReportState,
};
use childsafe_core::store::{Store, StoreError, WriteBatch};
use reports_support::{Device, T0, at};

fn code(text: &str) -> CountryCode {
    text.parse().unwrap()
}

#[test]
fn sos_shows_the_local_numbers_and_its_report_is_sent_first() {
    let device = Device::new("sos");
    let outbox = device.outbox();
    for i in 0..3 {
        outbox
            .report(ReportDraft::new(ReportKind::Bullying), at(T0 + i))
            .unwrap();
    }
    let here = Location {
        latitude: 53.48,
        longitude: -2.24,
        accuracy_m: Some(35.0),
    };
    let answer = outbox.sos(Some(&code("GB")), Some(here.clone()), at(T0 + 10));

    assert_eq!(answer.contacts.numbers(), ["999", "112"]);
    assert_eq!(answer.contacts.helpline.unwrap().name, "Childline");
    let receipt = answer.report.unwrap();
    assert_eq!(
        (receipt.kind, receipt.state),
        (ReportKind::Sos, ReportState::Queued)
    );
    drop(outbox);

    let outbox = device.outbox();
    let first = outbox.pending(1).unwrap().remove(0);
    assert_eq!(first.id, receipt.id);
    assert_eq!(first.kind, ReportKind::Sos);
    assert_eq!(first.location, Some(here));
}

#[test]
fn sos_without_a_known_country_shows_112_and_911_and_sends_no_location_unasked() {
    let device = Device::new("sos-unknown");
    let outbox = device.outbox();
    let answer = outbox.sos(None, None, at(T0));
    assert_eq!(answer.contacts.numbers(), ["112", "911"]);
    let id = answer.report.unwrap().id;
    let report = outbox.pending(1).unwrap().remove(0);
    assert_eq!((report.id, report.location), (id, None));
}

#[test]
fn sos_uses_the_directory_update_in_force() {
    let device = Device::new("sos-update");
    let outbox = device.outbox();
    let (operator, _) = SigningKey::generate().unwrap();
    let mut bundle: DirectoryBundle = DirectoryBundle::embedded().unwrap().clone();
    bundle.version = EMBEDDED_VERSION + 1;
    bundle.expires_at = T0 + 86_400;
    for entry in &mut bundle.countries {
        if entry.country == code("NL") {
            entry.helpline = Some(Helpline {
                name: "De Kindertelefoon".to_owned(),
                number: "0800-0432".to_owned(),
            });
        }
    }
    let envelope = bundle.sign(&operator).unwrap();
    directory::apply_update(outbox.store(), &envelope, &[operator.public_key()], at(T0)).unwrap();

    let answer = outbox.sos(Some(&code("NL")), None, at(T0 + 1));
    assert_eq!(answer.contacts.helpline.unwrap().number, "0800-0432");
    assert!(answer.report.is_ok());
}

#[test]
fn sos_still_gives_the_numbers_when_its_report_cannot_be_stored() {
    let device = Device::new("sos-broken-store");
    let outbox = device.outbox();
    outbox
        .report(ReportDraft::new(ReportKind::Bullying), at(T0))
        .unwrap();
    // Something outside the SDK damages the sealed trusted clock: every write that needs the
    // time now fails, and is refused rather than guessed.
    let mut damage = WriteBatch::new();
    damage.put(b"settings/clock", b"not a sealed value");
    outbox.store().backend().apply(damage).unwrap();

    let answer = outbox.sos(Some(&code("US")), None, at(T0 + 1));
    assert_eq!(answer.contacts.numbers(), ["911"]);
    let error = answer.report.unwrap_err();
    assert!(
        matches!(error, OutboxError::Store(StoreError::Tampered { .. })),
        "{error}"
    );
}
