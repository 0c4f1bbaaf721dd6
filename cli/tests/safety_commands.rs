//! The safety-information commands, run as an operator or a carrier runs them: a device prints
//! the texts for its band, audience and language with its country's numbers; a carrier signs its
//! own French texts with `safety sign-pack`, the device installs them and shows them in French
//! while English keeps the SDK's; a pack that is not newer, or signed by another key, is refused
//! and changes nothing.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{Scratch, arg, childsafe, generate_key, success_json, text};

/// The SDK's own texts of `language`, as a carrier would start from them.
fn built_in_texts(language: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/data/safety")
        .join(format!("{language}.json"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// `texts` with every pack's title marked as the carrier's, written to `name` in `scratch`.
fn carrier_file(scratch: &Scratch, name: &str, mut texts: serde_json::Value) -> PathBuf {
    for pack in texts["packs"].as_array_mut().unwrap() {
        let title = pack["title"].as_str().unwrap();
        pack["title"] = format!("Acme : {title}").into();
    }
    scratch.file(name, &texts.to_string())
}

fn sign_pack(key: &Path, version: &str, texts: &Path, out: &Path) -> std::process::Output {
    childsafe(&[
        "safety",
        "sign-pack",
        "--key",
        arg(key),
        "--carrier",
        "acme-mobile",
        "--version",
        version,
        "--pack",
        arg(texts),
        "--out",
        arg(out),
    ])
}

fn safety(device: &Path, audience: &str, locale: &str) -> serde_json::Value {
    success_json(&childsafe(&[
        "device",
        "safety",
        "--dir",
        arg(device),
        "--audience",
        audience,
        "--locale",
        locale,
    ]))
}

#[test]
fn a_device_prints_its_safety_information_and_takes_a_carriers_signed_pack() {
    let scratch = Scratch::new();
    let (carrier_key, carrier) = generate_key(&scratch);
    let device = scratch.path("device");
    let initialised = success_json(&childsafe(&[
        "device",
        "init",
        "--dir",
        arg(&device),
        "--country",
        "GB",
        "--trust-carrier",
        &carrier.to_string(),
    ]));
    let device_id = initialised["device_id"].as_str().unwrap().to_owned();

    // Safe mode is off: the child reads the 13-15 texts, with Great Britain's numbers.
    let child = safety(&device, "child", "en");
    assert_eq!(child["audience"], "child");
    assert_eq!(child["band"], "13-15");
    assert_eq!(child["language"], "en");
    assert_eq!(child["source"], "childsafe");
    let topics: Vec<&str> = child["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|section| section["topic"].as_str().unwrap())
        .collect();
    assert_eq!(
        topics,
        [
            "grooming",
            "bullying",
            "sharing-images",
            "strangers",
            "report-buttons",
            "getting-help"
        ]
    );
    assert_eq!(child["contacts"]["country"], "GB");
    assert_eq!(child["contacts"]["helpline"]["name"], "Childline");

    // The carrier's profile puts the phone in the 6-8 band: both audiences follow it.
    let profile = scratch.path("profile.bin");
    let signed = childsafe(&[
        "activation",
        "sign",
        "--key",
        arg(&carrier_key),
        "--carrier",
        "acme-mobile",
        "--device",
        &device_id,
        "--band",
        "6-8",
        "--sequence",
        "1",
        "--out",
        arg(&profile),
    ]);
    assert!(signed.status.success(), "{signed:?}");
    success_json(&childsafe(&[
        "device",
        "activate",
        "--dir",
        arg(&device),
        "--profile",
        arg(&profile),
    ]));
    let young = safety(&device, "child", "en");
    assert_eq!(young["band"], "6-8");
    assert_ne!(young["sections"], child["sections"]);
    let parent = safety(&device, "parent", "fr");
    assert_eq!(
        (&parent["band"], &parent["language"]),
        (&"6-8".into(), &"fr".into())
    );

    // The carrier signs its French texts; the device shows them in French only.
    let french = carrier_file(&scratch, "fr.json", built_in_texts("fr"));
    let pack = scratch.path("pack-2.json");
    let signed = sign_pack(&carrier_key, "2", &french, &pack);
    assert!(signed.status.success(), "{signed:?}");
    let installed = success_json(&childsafe(&[
        "safety",
        "install",
        "--dir",
        arg(&device),
        "--pack",
        arg(&pack),
    ]));
    assert_eq!(installed["safety_pack_version"], 2);
    let replaced = safety(&device, "child", "fr");
    assert_eq!(replaced["source"], "acme-mobile");
    assert_eq!(replaced["version"], 2);
    assert!(
        replaced["title"].as_str().unwrap().starts_with("Acme : "),
        "{replaced}"
    );
    assert_eq!(safety(&device, "child", "en"), young);

    // The same pack again is not newer; one signed by another key is not trusted. Neither
    // changes what the device shows.
    let again = childsafe(&[
        "safety",
        "install",
        "--dir",
        arg(&device),
        "--pack",
        arg(&pack),
    ]);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("not newer"), "{again:?}");
    let stranger_scratch = Scratch::new();
    let (stranger_key, _) = generate_key(&stranger_scratch);
    let forged = scratch.path("pack-3.json");
    assert!(
        sign_pack(&stranger_key, "3", &french, &forged)
            .status
            .success()
    );
    let refused = childsafe(&[
        "safety",
        "install",
        "--dir",
        arg(&device),
        "--pack",
        arg(&forged),
    ]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("not signed by a trusted carrier key"),
        "{refused:?}"
    );
    assert_eq!(safety(&device, "child", "fr"), replaced);
}

#[test]
fn an_incomplete_pack_is_not_signed() {
    let scratch = Scratch::new();
    let (carrier_key, _) = generate_key(&scratch);
    let mut texts = built_in_texts("de");
    texts["packs"][0]["sections"].as_array_mut().unwrap().pop();
    let incomplete = scratch.file("de.json", &texts.to_string());
    let out = scratch.path("pack.json");
    let signed = sign_pack(&carrier_key, "1", &incomplete, &out);
    assert!(!signed.status.success());
    assert!(
        text(&signed.stderr).contains("one section per topic"),
        "{signed:?}"
    );
    assert!(!out.exists());

    let unreadable = scratch.file("not-texts.json", "{\"language\": \"de\"}");
    let signed = sign_pack(&carrier_key, "1", &unreadable, &out);
    assert!(!signed.status.success());
    assert!(text(&signed.stderr).contains("not one language's safety texts"));
}

#[test]
fn the_audience_is_child_or_parent() {
    let output = childsafe(&[
        "device",
        "safety",
        "--dir",
        "/nonexistent",
        "--audience",
        "teacher",
    ]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("child or parent"),
        "{output:?}"
    );
}
