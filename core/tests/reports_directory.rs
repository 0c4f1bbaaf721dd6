//! The country directory: what the SDK ships (every AOSP country, the reviewed helplines), and
//! signed updates from the backend, which are applied only when trusted, newer, unexpired and
//! small enough. A refused update changes nothing.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod reports_support;

use childsafe_core::crypto::SigningKey;
use childsafe_core::reports::directory::{
    self, EMBEDDED_VERSION, MAX_BUNDLE_BYTES, Routing, Service, ServiceNumber,
};
use childsafe_core::reports::{
    CountryCode, CountryEntry, DirectoryBundle, DirectoryError, Helpline,
};
use childsafe_core::store::Store;
use reports_support::{Device, T0, at};

fn code(text: &str) -> CountryCode {
    text.parse().unwrap()
}

fn embedded() -> &'static DirectoryBundle {
    DirectoryBundle::embedded().unwrap()
}

#[test]
fn great_britain_shows_999_then_112_and_childline() {
    let gb = embedded().contacts(Some(&code("gb")));
    assert_eq!(gb.country, Some(code("GB")));
    assert_eq!(gb.numbers(), ["999", "112"]);
    let childline = gb.helpline.unwrap();
    assert_eq!(
        (childline.name.as_str(), childline.number.as_str()),
        ("Childline", "0800 1111")
    );
}

#[test]
fn the_united_states_show_911() {
    let us = embedded().contacts(Some(&code("US")));
    assert_eq!(us.numbers(), ["911"]);
    assert_eq!(us.services[0].routing, Routing::Emergency);
    assert_eq!(
        us.services[0].services,
        [Service::Police, Service::Ambulance, Service::Fire]
    );
}

#[test]
fn countries_where_a_service_answers_116_111_show_it() {
    for country in ["DE", "SE", "DK", "FI", "NO", "PL", "CZ"] {
        let helpline = embedded().country(&code(country)).unwrap().helpline.clone();
        assert_eq!(helpline.unwrap().number, "116 111", "{country}");
    }
    // Where the national number is what the sources confirmed, that is what is shown.
    let austria = embedded().country(&code("AT")).unwrap();
    assert_eq!(austria.helpline.as_ref().unwrap().number, "147");
}

#[test]
fn an_unconfirmed_helpline_stays_unknown_and_the_emergency_number_is_still_there() {
    // The draft listed 116 111 for Belgium and Bulgaria, unconfirmed: not shipped.
    for country in ["BR", "BE", "BG", "JP"] {
        let entry = embedded().country(&code(country)).unwrap();
        assert_eq!(entry.helpline, None, "{country}");
        assert!(!entry.emergency_number.is_empty());
    }
    assert_eq!(
        embedded().country(&code("BR")).unwrap().emergency_number,
        "190"
    );
}

#[test]
fn every_country_of_the_aosp_file_is_in_the_directory_with_a_number() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/directory/aosp-eccdata.txt"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let in_file: Vec<CountryCode> = text
        .lines()
        .filter_map(|line| line.trim().strip_prefix("iso_code: \""))
        .map(|rest| code(rest.trim_end_matches('"')))
        .collect();
    assert_eq!(in_file.len(), 227);

    let directory = embedded();
    assert_eq!(directory.countries.len(), 227);
    assert_eq!(directory.version, EMBEDDED_VERSION);
    for country in &in_file {
        let entry = directory.country(country).unwrap();
        assert!(!entry.emergency_number.is_empty(), "{country}");
        assert!(
            ["112", "911"].contains(&entry.fallback_number.as_str()),
            "{country}"
        );
    }
    let helplines = directory
        .countries
        .iter()
        .filter(|c| c.helpline.is_some())
        .count();
    assert_eq!(helplines, 18);
}

#[test]
fn an_unknown_or_missing_country_gets_the_universal_numbers() {
    for country in [Some(code("ZZ")), None] {
        let contacts = embedded().contacts(country.as_ref());
        assert_eq!(contacts.country, None);
        assert_eq!(contacts.numbers(), ["112", "911"]);
        assert_eq!(contacts.helpline, None);
    }
}

/// The shipped directory with one change, as an operator would publish it.
fn update(version: u64, expires_at: u64) -> DirectoryBundle {
    let mut bundle = embedded().clone();
    bundle.version = version;
    bundle.expires_at = expires_at;
    for entry in &mut bundle.countries {
        if entry.country == code("BR") {
            entry.helpline = Some(Helpline {
                name: "Disque 100".to_owned(),
                number: "100".to_owned(),
            });
        }
    }
    bundle
}

#[test]
fn a_signed_newer_directory_is_applied_and_kept_across_restarts() {
    let device = Device::new("directory-update");
    let (operator, _) = SigningKey::generate().unwrap();
    let envelope = update(EMBEDDED_VERSION + 1, T0 + 86_400)
        .sign(&operator)
        .unwrap();
    let store = device.store();
    let applied = directory::apply_update(&store, &envelope, &[operator.public_key()], at(T0));
    assert_eq!(applied.unwrap(), EMBEDDED_VERSION + 1);
    drop(store);

    let store = device.store();
    let in_force = directory::in_force(&store).unwrap();
    assert_eq!(in_force.version, EMBEDDED_VERSION + 1);
    let brazil = directory::contacts_for(&store, Some(&code("BR")));
    assert_eq!(brazil.helpline.unwrap().number, "100");
    // The rest of the world is as shipped.
    assert_eq!(
        directory::contacts_for(&store, Some(&code("GB"))).numbers(),
        ["999", "112"]
    );
}

#[test]
fn every_bad_update_is_refused_and_changes_nothing() {
    let device = Device::new("directory-refused");
    let store = device.store();
    let (operator, _) = SigningKey::generate().unwrap();
    let (stranger, _) = SigningKey::generate().unwrap();
    let trusted = [operator.public_key()];
    let apply = |envelope: &[u8]| directory::apply_update(&store, envelope, &trusted, at(T0));

    let accepted = update(EMBEDDED_VERSION + 5, T0 + 86_400)
        .sign(&operator)
        .unwrap();
    apply(&accepted).unwrap();
    let before = store.backend().scan_prefix(b"").unwrap();

    let newer = update(EMBEDDED_VERSION + 6, T0 + 86_400);
    let mut tampered = newer.sign(&operator).unwrap();
    let text = String::from_utf8(tampered.clone()).unwrap();
    let payload_at = text.find("\"payload\": \"").unwrap() + 20;
    tampered[payload_at] = if tampered[payload_at] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let mut oversize = newer.sign(&operator).unwrap();
    oversize.extend(std::iter::repeat_n(b' ', MAX_BUNDLE_BYTES));

    let refusals: Vec<(&str, Result<u64, DirectoryError>)> = vec![
        ("tampered", apply(&tampered)),
        ("wrong key", apply(&newer.sign(&stranger).unwrap())),
        (
            "same version",
            apply(
                &update(EMBEDDED_VERSION + 5, T0 + 86_400)
                    .sign(&operator)
                    .unwrap(),
            ),
        ),
        (
            "older",
            apply(
                &update(EMBEDDED_VERSION + 4, T0 + 86_400)
                    .sign(&operator)
                    .unwrap(),
            ),
        ),
        (
            "expired",
            apply(&update(EMBEDDED_VERSION + 6, T0).sign(&operator).unwrap()),
        ),
        ("oversize", apply(&oversize)),
        ("not an envelope", apply(b"{\"version\": 99}")),
    ];
    for (what, outcome) in refusals {
        let error = outcome.unwrap_err();
        let expected = match what {
            "tampered" | "wrong key" => matches!(error, DirectoryError::BadSignature),
            "same version" | "older" => matches!(
                error,
                DirectoryError::NotNewer { in_force, .. } if in_force == EMBEDDED_VERSION + 5
            ),
            "expired" => matches!(error, DirectoryError::Expired),
            _ => matches!(error, DirectoryError::Malformed(_)),
        };
        assert!(expected, "{what}: {error}");
        assert_eq!(store.backend().scan_prefix(b"").unwrap(), before, "{what}");
    }
    assert_eq!(
        directory::in_force(&store).unwrap().version,
        EMBEDDED_VERSION + 5
    );
}

#[test]
fn an_update_older_than_the_embedded_directory_is_refused() {
    let device = Device::new("directory-floor");
    let store = device.store();
    let (operator, _) = SigningKey::generate().unwrap();
    let envelope = update(EMBEDDED_VERSION, T0 + 86_400)
        .sign(&operator)
        .unwrap();
    let error = directory::apply_update(&store, &envelope, &[operator.public_key()], at(T0));
    assert!(matches!(error, Err(DirectoryError::NotNewer { .. })));
}

#[test]
fn a_bundle_with_a_broken_entry_is_never_signed_nor_applied() {
    let (operator, _) = SigningKey::generate().unwrap();
    let mut undialable = update(EMBEDDED_VERSION + 1, T0 + 86_400);
    undialable.countries[0].emergency_number = "call the police".to_owned();
    let mut doubled = update(EMBEDDED_VERSION + 1, T0 + 86_400);
    let first = doubled.countries[0].clone();
    doubled.countries.push(first);
    let mut nameless = update(EMBEDDED_VERSION + 1, T0 + 86_400);
    nameless.countries[0].helpline = Some(Helpline {
        name: " ".to_owned(),
        number: "116 111".to_owned(),
    });
    let mut empty = update(EMBEDDED_VERSION + 1, T0 + 86_400);
    empty.countries.clear();
    for bundle in [undialable, doubled, nameless, empty] {
        assert!(matches!(
            bundle.sign(&operator),
            Err(DirectoryError::Malformed(_))
        ));
    }

    // A bundle too big for the cap is refused when signing, too.
    let huge = DirectoryBundle {
        version: EMBEDDED_VERSION + 1,
        expires_at: T0 + 86_400,
        countries: (b'A'..=b'Z')
            .flat_map(|a| (b'A'..=b'K').map(move |b| [a, b]))
            .map(|letters| CountryEntry {
                country: code(std::str::from_utf8(&letters).unwrap()),
                emergency_number: "112".to_owned(),
                fallback_number: "112".to_owned(),
                services: vec![
                    ServiceNumber {
                        number: "1234567890123456789".to_owned(),
                        services: vec![Service::Unspecified; 6],
                        routing: Routing::Normal,
                    };
                    32
                ],
                helpline: None,
            })
            .collect(),
    };
    let error = huge.sign(&operator).unwrap_err();
    assert!(
        matches!(error, DirectoryError::Malformed("larger than allowed")),
        "{error}"
    );
}
