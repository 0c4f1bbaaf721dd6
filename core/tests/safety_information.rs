//! Safety information: the SDK's own texts are complete for every band, language and audience,
//! read at the level of the youngest children, and carry no phone number of their own (the
//! numbers come from the country directory); a carrier's signed pack replaces them only when
//! trusted, meant for its carrier, newer and unexpired, and a refused pack changes nothing.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod reports_support;

use childsafe_core::crypto::SigningKey;
use childsafe_core::reports::CountryCode;
use childsafe_core::reports::directory;
use childsafe_core::safety::{
    self, BUILT_IN_SOURCE, BUILT_IN_VERSION, LanguageTexts, SafetyAudience, SafetyError,
    SafetyInformation, SafetyPack, SafetyTopic, install_safety_pack, installed_pack,
};
use childsafe_core::settings::AgeBand;
use childsafe_core::store::Store;
use childsafe_core::trust::TrustedKey;
use childsafe_core::vocabulary::Locale;
use reports_support::{Device, T0, at};

const DAY: u64 = 86_400;

fn gb() -> CountryCode {
    "GB".parse().unwrap()
}

fn information(
    store: &dyn Store,
    band: AgeBand,
    locale: Locale,
    audience: SafetyAudience,
) -> SafetyInformation {
    safety::safety_information(store, band, locale, audience, Some(&gb())).unwrap()
}

fn built_in(locale: Locale) -> &'static LanguageTexts {
    safety::texts::built_in(locale).unwrap()
}

/// Every sentence of `text`: split after `.`, `!` and `?`, each as its words.
fn sentences(text: &str) -> Vec<Vec<&str>> {
    text.split(['.', '!', '?'])
        .map(|sentence| {
            sentence
                .split_whitespace()
                .filter(|word| word.chars().any(char::is_alphanumeric))
                .collect::<Vec<_>>()
        })
        .filter(|words| !words.is_empty())
        .collect()
}

/// Whether the paragraphs read at a young child's level: no sentence longer than `max_words`,
/// and on average no more than `mean_words` a sentence. The error names the first failure.
fn readable(paragraphs: &[String], max_words: usize, mean_words: f64) -> Result<(), String> {
    let all: Vec<Vec<&str>> = paragraphs.iter().flat_map(|p| sentences(p)).collect();
    if let Some(long) = all.iter().find(|words| words.len() > max_words) {
        return Err(format!(
            "a sentence of {} words: {:?}",
            long.len(),
            long.join(" ")
        ));
    }
    let words: usize = all.iter().map(Vec::len).sum();
    let mean = words as f64 / all.len().max(1) as f64;
    if mean > mean_words {
        return Err(format!("{mean:.1} words a sentence on average"));
    }
    Ok(())
}

// ---- The SDK's own texts -----------------------------------------------------------------

#[test]
fn every_band_language_and_audience_has_every_topic_with_words_in_it() {
    let device = Device::new("safety-complete");
    let store = device.store();
    let mut packs = 0;
    for locale in Locale::ALL {
        for band in AgeBand::ALL {
            for audience in SafetyAudience::ALL {
                let info = information(&store, band, locale, audience);
                assert_eq!(
                    (info.source.as_str(), info.version),
                    (BUILT_IN_SOURCE, BUILT_IN_VERSION)
                );
                assert_eq!(info.language, locale.tag());
                assert_eq!(info.band, band.name());
                assert_eq!(info.audience, audience);
                assert!(!info.title.trim().is_empty());
                let topics: Vec<SafetyTopic> = info.sections.iter().map(|s| s.topic).collect();
                assert_eq!(topics, SafetyTopic::ALL, "{locale:?} {band} {audience:?}");
                for section in &info.sections {
                    assert!(!section.title.trim().is_empty());
                    assert!(!section.paragraphs.is_empty());
                    for paragraph in &section.paragraphs {
                        assert!(!paragraph.trim().is_empty(), "{locale:?} {band}");
                    }
                }
                packs += 1;
            }
        }
    }
    assert_eq!(packs, 4 * 5 * 2);
}

#[test]
fn each_language_is_its_own_text_and_child_and_parent_texts_differ() {
    let device = Device::new("safety-distinct");
    let store = device.store();
    for band in AgeBand::ALL {
        let child = |locale| information(&store, band, locale, SafetyAudience::Child);
        let english = child(Locale::En);
        for locale in [Locale::Fr, Locale::Es, Locale::De] {
            assert_ne!(
                child(locale).sections,
                english.sections,
                "{locale:?} {band}"
            );
        }
        let parent = information(&store, band, Locale::En, SafetyAudience::Parent);
        assert_ne!(parent.sections, english.sections, "{band}");
    }
    // Children of 0-5 and of 6-8 do not read at the same level: their texts are their own.
    for locale in Locale::ALL {
        let texts = built_in(locale);
        let youngest = texts
            .for_band(AgeBand::UpTo5, SafetyAudience::Child)
            .unwrap();
        assert_eq!(youngest.bands, [AgeBand::UpTo5], "{locale:?}");
        let next = texts
            .for_band(AgeBand::From6To8, SafetyAudience::Child)
            .unwrap();
        assert_eq!(next.bands, [AgeBand::From6To8], "{locale:?}");
    }
}

#[test]
fn the_youngest_childrens_texts_are_short_sentences() {
    // 0-5 is read with a parent; 6-8 by a child who is learning to read.
    let limits = [(AgeBand::UpTo5, 12, 8.0), (AgeBand::From6To8, 16, 10.0)];
    for locale in Locale::ALL {
        let texts = built_in(locale);
        for (band, max_words, mean_words) in limits {
            let pack = texts.for_band(band, SafetyAudience::Child).unwrap();
            for section in &pack.sections {
                if let Err(why) = readable(&section.paragraphs, max_words, mean_words) {
                    panic!("{locale:?} {band} {:?}: {why}", section.topic);
                }
            }
        }
    }
}

#[test]
fn the_readability_check_fails_on_a_long_sentence() {
    let short = vec!["Tell a grown-up. They will help you.".to_owned()];
    assert_eq!(readable(&short, 12, 8.0), Ok(()));
    let long = vec![
        "If someone you have only ever met in a game asks you to send them a photo, tell a \
         grown-up."
            .to_owned(),
    ];
    assert!(readable(&long, 12, 8.0).unwrap_err().contains("20 words"));
    // Many sentences just under the limit still fail on the average.
    let wordy = vec!["One two three four five six seven eight nine ten. ".repeat(4)];
    assert!(readable(&wordy, 12, 8.0).unwrap_err().contains("average"));
}

#[test]
fn no_text_carries_a_phone_number_of_its_own() {
    // The numbers come from the directory, so that they are right for the country and follow
    // its updates; a number written into a text would be wrong somewhere.
    for locale in Locale::ALL {
        for pack in &built_in(locale).packs {
            for section in &pack.sections {
                for text in std::iter::once(&section.title).chain(&section.paragraphs) {
                    let mut run = 0;
                    for c in text.chars() {
                        run = if c.is_ascii_digit() { run + 1 } else { 0 };
                        assert!(run < 3, "{locale:?} {:?}: {text}", section.topic);
                    }
                }
            }
        }
    }
}

#[test]
fn the_report_buttons_are_named_as_the_phone_names_them_in_every_pack() {
    let buttons: [(Locale, [&str; 4]); 4] = [
        (
            Locale::En,
            [
                "I saw something illegal",
                "Someone is asking me for pictures",
                "I\u{2019}m being bullied",
                "I\u{2019}m in danger",
            ],
        ),
        (
            Locale::Fr,
            [
                "J\u{2019}ai vu quelque chose d\u{2019}illégal",
                "Quelqu\u{2019}un me demande des photos",
                "On me harcèle",
                "Je suis en danger",
            ],
        ),
        (
            Locale::Es,
            [
                "He visto algo ilegal",
                "Alguien me pide fotos",
                "Me están acosando",
                "Estoy en peligro",
            ],
        ),
        (
            Locale::De,
            [
                "Ich habe etwas Verbotenes gesehen",
                "Jemand will Bilder von mir",
                "Ich werde gemobbt",
                "Ich bin in Gefahr",
            ],
        ),
    ];
    for (locale, names) in buttons {
        for pack in &built_in(locale).packs {
            let section = pack
                .sections
                .iter()
                .find(|s| s.topic == SafetyTopic::ReportButtons)
                .unwrap();
            let text = section.paragraphs.join(" ");
            for name in names {
                assert!(
                    text.contains(name),
                    "{locale:?} {:?} {:?}: {name}",
                    pack.bands,
                    pack.audience
                );
            }
        }
    }
}

#[test]
fn the_contacts_come_from_the_directory_for_the_country() {
    let device = Device::new("safety-contacts");
    let store = device.store();
    let info = information(
        &store,
        AgeBand::From9To12,
        Locale::En,
        SafetyAudience::Child,
    );
    assert_eq!(info.contacts, directory::contacts_for(&store, Some(&gb())));
    assert_eq!(info.contacts.helpline.unwrap().name, "Childline");
    let germany: CountryCode = "DE".parse().unwrap();
    let de = safety::safety_information(
        &store,
        AgeBand::From9To12,
        Locale::De,
        SafetyAudience::Parent,
        Some(&germany),
    )
    .unwrap();
    assert_eq!(de.contacts.country, Some(germany));
    assert_eq!(de.contacts.helpline.unwrap().number, "116 111");
    let unknown = safety::safety_information(
        &store,
        AgeBand::From9To12,
        Locale::En,
        SafetyAudience::Child,
        None,
    )
    .unwrap();
    assert_eq!(unknown.contacts.numbers(), ["112", "911"]);
}

// ---- A carrier's pack --------------------------------------------------------------------

/// The SDK's texts in `locale`, every title and paragraph marked as the carrier's.
fn carrier_texts(locale: Locale, mark: &str) -> LanguageTexts {
    let mut texts = built_in(locale).clone();
    for pack in &mut texts.packs {
        pack.title = format!("{mark}: {}", pack.title);
        for section in &mut pack.sections {
            for paragraph in &mut section.paragraphs {
                *paragraph = format!("{mark}: {paragraph}");
            }
        }
    }
    texts
}

fn pack(version: u64, languages: Vec<LanguageTexts>) -> SafetyPack {
    SafetyPack {
        carrier: "acme-mobile".to_owned(),
        version,
        issued_at: T0 - DAY,
        expires_at: T0 + 30 * DAY,
        languages,
    }
}

struct Carrier {
    key: SigningKey,
    trusted: Vec<TrustedKey>,
}

fn carrier() -> Carrier {
    let (key, _) = SigningKey::generate().unwrap();
    let trusted = vec![TrustedKey::pinned(key.public_key())];
    Carrier { key, trusted }
}

fn child_title(store: &dyn Store, locale: Locale) -> (String, u64, String) {
    let info = information(store, AgeBand::From6To8, locale, SafetyAudience::Child);
    (info.source, info.version, info.title)
}

#[test]
fn a_signed_carrier_pack_replaces_the_texts_of_the_languages_it_covers() {
    let device = Device::new("safety-pack");
    let store = device.store();
    let carrier = carrier();
    let french_only = pack(3, vec![carrier_texts(Locale::Fr, "ACME")]);
    let signed = french_only.sign(&carrier.key).unwrap();
    assert_eq!(
        install_safety_pack(&store, &signed, &carrier.trusted, at(T0)).unwrap(),
        3
    );
    let (source, version, title) = child_title(&store, Locale::Fr);
    assert_eq!((source.as_str(), version), ("acme-mobile", 3));
    assert!(title.starts_with("ACME: "), "{title}");
    let parent = information(
        &store,
        AgeBand::From16To17,
        Locale::Fr,
        SafetyAudience::Parent,
    );
    assert!(parent.sections[0].paragraphs[0].starts_with("ACME: "));
    // English is not in the pack: the SDK's own English text is shown.
    let (source, version, title) = child_title(&store, Locale::En);
    assert_eq!(
        (source.as_str(), version),
        (BUILT_IN_SOURCE, BUILT_IN_VERSION)
    );
    assert!(!title.contains("ACME"));
    // The pack survives the store being opened again, as after a restart.
    drop(store);
    let reopened = device.store();
    assert_eq!(child_title(&reopened, Locale::Fr).1, 3);
}

/// Installs `bytes` over an installed version-5 pack and expects a refusal that changes nothing.
fn refused_over_installed(
    name: &str,
    make: impl FnOnce(&Carrier) -> (Vec<u8>, Vec<TrustedKey>, u64),
) -> SafetyError {
    let device = Device::new(name);
    let store = device.store();
    let carrier = carrier();
    let installed = pack(5, vec![carrier_texts(Locale::En, "FIRST")]);
    install_safety_pack(
        &store,
        &installed.sign(&carrier.key).unwrap(),
        &carrier.trusted,
        at(T0),
    )
    .unwrap();
    let before = information(
        &store,
        AgeBand::From9To12,
        Locale::En,
        SafetyAudience::Child,
    );
    let (bytes, trusted, now) = make(&carrier);
    let error = install_safety_pack(&store, &bytes, &trusted, at(now)).unwrap_err();
    assert_eq!(installed_pack(&store).unwrap(), Some(installed));
    assert_eq!(
        information(
            &store,
            AgeBand::From9To12,
            Locale::En,
            SafetyAudience::Child
        ),
        before
    );
    error
}

fn newer() -> SafetyPack {
    pack(6, vec![carrier_texts(Locale::En, "SECOND")])
}

#[test]
fn a_pack_signed_by_an_untrusted_key_is_refused() {
    let error = refused_over_installed("safety-wrong-key", |carrier| {
        let (stranger, _) = SigningKey::generate().unwrap();
        (
            newer().sign(&stranger).unwrap(),
            carrier.trusted.clone(),
            T0,
        )
    });
    assert!(matches!(error, SafetyError::BadSignature), "{error}");
}

#[test]
fn a_key_delegated_to_another_carrier_cannot_sign_this_carriers_pack() {
    let error = refused_over_installed("safety-other-carrier", |carrier| {
        let delegated = vec![TrustedKey {
            key: carrier.key.public_key(),
            carrier: Some("other-carrier".to_owned()),
        }];
        (newer().sign(&carrier.key).unwrap(), delegated, T0)
    });
    assert!(matches!(error, SafetyError::WrongCarrier), "{error}");
    // The same key delegated to the pack's own carrier may sign it.
    let device = Device::new("safety-own-carrier");
    let store = device.store();
    let (key, _) = SigningKey::generate().unwrap();
    let own = [TrustedKey {
        key: key.public_key(),
        carrier: Some("acme-mobile".to_owned()),
    }];
    let bytes = newer().sign(&key).unwrap();
    assert_eq!(
        install_safety_pack(&store, &bytes, &own, at(T0)).unwrap(),
        6
    );
}

#[test]
fn a_pack_not_newer_than_the_installed_one_is_refused() {
    for version in [4, 5] {
        let error = refused_over_installed("safety-older", |carrier| {
            let older = pack(version, vec![carrier_texts(Locale::En, "OLDER")]);
            (
                older.sign(&carrier.key).unwrap(),
                carrier.trusted.clone(),
                T0,
            )
        });
        assert!(
            matches!(error, SafetyError::NotNewer { offered, installed: 5 } if offered == version),
            "{error}"
        );
    }
}

#[test]
fn a_tampered_pack_is_refused() {
    let error = refused_over_installed("safety-tampered", |carrier| {
        let signed = newer().sign(&carrier.key).unwrap();
        let mut envelope: serde_json::Value = serde_json::from_slice(&signed).unwrap();
        let payload = envelope["payload"].as_str().unwrap().to_owned();
        let decoded = base64_decode(&payload);
        let changed = String::from_utf8(decoded)
            .unwrap()
            .replace("SECOND", "FORGED");
        envelope["payload"] = base64_encode(changed.as_bytes()).into();
        (
            serde_json::to_vec(&envelope).unwrap(),
            carrier.trusted.clone(),
            T0,
        )
    });
    assert!(matches!(error, SafetyError::BadSignature), "{error}");
}

#[test]
fn an_expired_pack_is_refused_on_trusted_time() {
    let error = refused_over_installed("safety-expired", |carrier| {
        (
            newer().sign(&carrier.key).unwrap(),
            carrier.trusted.clone(),
            T0 + 31 * DAY,
        )
    });
    assert!(matches!(error, SafetyError::Expired), "{error}");
}

#[test]
fn an_incomplete_or_empty_language_is_refused_before_and_after_signing() {
    let carrier = carrier();
    let mut missing_topic = carrier_texts(Locale::De, "X");
    missing_topic.packs[0].sections.pop();
    let mut empty_paragraph = carrier_texts(Locale::De, "X");
    empty_paragraph.packs[1].sections[0].paragraphs[0] = "  ".to_owned();
    let mut missing_band = carrier_texts(Locale::De, "X");
    missing_band.packs[0].bands.clear();
    for texts in [missing_topic, empty_paragraph, missing_band] {
        let broken = pack(2, vec![texts]);
        assert!(matches!(
            broken.sign(&carrier.key),
            Err(SafetyError::Texts(_))
        ));
        // A carrier that signs without the SDK's tools is held to the same rules by the phone.
        let sealed =
            childsafe_core::crypto::envelope::seal(&broken, safety::PACK_CONTEXT, &carrier.key)
                .unwrap();
        let device = Device::new("safety-incomplete");
        let store = device.store();
        let error = install_safety_pack(&store, &sealed, &carrier.trusted, at(T0)).unwrap_err();
        assert!(matches!(error, SafetyError::Texts(_)), "{error}");
        assert_eq!(installed_pack(&store).unwrap(), None);
    }
    let twice = pack(
        2,
        vec![
            carrier_texts(Locale::Fr, "A"),
            carrier_texts(Locale::Fr, "B"),
        ],
    );
    assert!(matches!(
        twice.sign(&carrier.key),
        Err(SafetyError::Malformed(_))
    ));
}

#[test]
fn an_installed_pack_that_expires_keeps_being_shown() {
    let device = Device::new("safety-stays");
    let store = device.store();
    let carrier = carrier();
    let signed = pack(2, vec![carrier_texts(Locale::Es, "OPERADOR")])
        .sign(&carrier.key)
        .unwrap();
    install_safety_pack(&store, &signed, &carrier.trusted, at(T0)).unwrap();
    // A year later, long past its expiry, with no newer pack: it is still what the child reads.
    let later = SafetyPack::verify(&signed, &carrier.trusted, T0 + 365 * DAY);
    assert!(matches!(later, Err(SafetyError::Expired)));
    let (source, version, title) = child_title(&store, Locale::Es);
    assert_eq!((source.as_str(), version), ("acme-mobile", 2));
    assert!(title.starts_with("OPERADOR: "));
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
