//! The `childsafe device` and `childsafe activation` commands, run as an operator or a test rig
//! runs them: a carrier key signs a profile, a device directory is set up and activated, the
//! PIN commands answer with the documented exit codes and JSON, and a device with lists
//! installed decides URLs as the phone does, in the JSON `childsafe url check` prints.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{Scratch, arg, childsafe, generate_key, text};

/// Signs an activation profile for `device` (bound to no line) with `childsafe activation sign`
/// into `out`.
fn sign_profile(key: &Path, carrier: &str, device: &str, band: &str, sequence: u64, out: &Path) {
    let sequence = sequence.to_string();
    let signed = childsafe(&[
        "activation",
        "sign",
        "--key",
        arg(key),
        "--carrier",
        carrier,
        "--device",
        device,
        "--band",
        band,
        "--sequence",
        &sequence,
        "--expires",
        "2099-01-01T00:00:00Z",
        "--out",
        arg(out),
    ]);
    assert!(signed.status.success(), "{signed:?}");
}

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(text(&output.stdout).trim()).expect("one JSON object")
}

#[test]
fn a_device_is_set_up_activated_and_guarded_by_its_pin() {
    let scratch = Scratch::new();
    let (carrier_key, carrier) = generate_key(&scratch);
    let device = scratch.path("device");
    let carrier = carrier.to_string();

    let init = childsafe(&[
        "device",
        "init",
        "--dir",
        arg(&device),
        "--country",
        "gb",
        "--trust-carrier",
        &carrier,
    ]);
    assert!(init.status.success(), "{init:?}");
    let device_id = json(&init)["device_id"].as_str().unwrap().to_owned();
    assert_eq!(device_id.len(), 32);

    let status = childsafe(&["device", "status", "--dir", arg(&device)]);
    assert_eq!(json(&status)["safe_mode"], false);

    let profile = scratch.path("profile.json");
    sign_profile(
        &carrier_key,
        "Example Mobile",
        &device_id,
        "6-8",
        2,
        &profile,
    );
    let activated = childsafe(&[
        "device",
        "activate",
        "--dir",
        arg(&device),
        "--profile",
        arg(&profile),
    ]);
    assert!(activated.status.success(), "{activated:?}");
    assert_eq!(json(&activated)["band"], "6-8");

    // The same profile again is a replay: refused, with a clear message, nothing changed.
    let replayed = childsafe(&[
        "device",
        "activate",
        "--dir",
        arg(&device),
        "--profile",
        arg(&profile),
    ]);
    assert!(!replayed.status.success());
    assert!(text(&replayed.stderr).contains("replay"), "{replayed:?}");

    assert!(
        childsafe(&["device", "set-pin", "--dir", arg(&device), "--pin", "4821"])
            .status
            .success()
    );
    let right = childsafe(&[
        "device",
        "verify-pin",
        "--dir",
        arg(&device),
        "--pin",
        "4821",
    ]);
    assert_eq!(right.status.code(), Some(0));
    assert_eq!(json(&right)["result"], "right");
    let mut last = right;
    for _ in 0..5 {
        last = childsafe(&[
            "device",
            "verify-pin",
            "--dir",
            arg(&device),
            "--pin",
            "0000",
        ]);
        assert_eq!(last.status.code(), Some(1), "{last:?}");
    }
    assert!(json(&last)["retry_after_secs"].as_u64().unwrap() > 0);
    let locked = childsafe(&[
        "device",
        "verify-pin",
        "--dir",
        arg(&device),
        "--pin",
        "4821",
    ]);
    assert_eq!(locked.status.code(), Some(3), "{locked:?}");
    assert_eq!(json(&locked)["result"], "locked_out");

    let status = json(&childsafe(&["device", "status", "--dir", arg(&device)]));
    assert_eq!(status["safe_mode"], true);
    assert_eq!(status["band"], "6-8");
    assert!(status["locked_out_for_secs"].as_u64().unwrap() > 0);
    assert_eq!(status["audit_log_entries"], 3);
    assert!(
        status["blocked_categories"]
            .as_array()
            .unwrap()
            .contains(&"adult".into())
    );

    let rules = childsafe(&[
        "device",
        "rules",
        "--dir",
        arg(&device),
        "--locale",
        "de-AT",
    ]);
    assert!(rules.status.success());
    assert!(text(&rules.stdout).lines().count() >= 3, "{rules:?}");
}

#[test]
fn a_profile_from_an_untrusted_carrier_is_refused() {
    let scratch = Scratch::new();
    let (_, trusted) = generate_key(&scratch);
    let other_scratch = Scratch::new();
    let (stranger_key, _) = generate_key(&other_scratch);
    let device = scratch.path("device");
    let init = childsafe(&[
        "device",
        "init",
        "--dir",
        arg(&device),
        "--country",
        "fr",
        "--trust-carrier",
        &trusted.to_string(),
    ]);
    assert!(init.status.success());
    let device_id = json(&init)["device_id"].as_str().unwrap().to_owned();
    let profile = scratch.path("profile.json");
    sign_profile(&stranger_key, "Nobody", &device_id, "16-17", 1, &profile);
    let refused = childsafe(&[
        "device",
        "activate",
        "--dir",
        arg(&device),
        "--profile",
        arg(&profile),
    ]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("not signed by a trusted carrier"),
        "{refused:?}"
    );
    assert_eq!(
        json(&childsafe(&["device", "status", "--dir", arg(&device)]))["safe_mode"],
        false
    );
}

#[test]
fn a_profile_for_another_device_is_refused_and_a_deactivation_switches_safe_mode_off() {
    let scratch = Scratch::new();
    let (carrier_key, carrier) = generate_key(&scratch);
    let device = scratch.path("device");
    let init = childsafe(&[
        "device",
        "init",
        "--dir",
        arg(&device),
        "--country",
        "gb",
        "--trust-carrier",
        &carrier.to_string(),
    ]);
    assert!(init.status.success(), "{init:?}");
    let device_id = json(&init)["device_id"].as_str().unwrap().to_owned();
    let activate = |profile: &Path| {
        childsafe(&[
            "device",
            "activate",
            "--dir",
            arg(&device),
            "--profile",
            arg(profile),
        ])
    };

    let elsewhere = scratch.path("elsewhere.json");
    sign_profile(
        &carrier_key,
        "Example Mobile",
        "another-device",
        "9-12",
        1,
        &elsewhere,
    );
    let refused = activate(&elsewhere);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("another device"),
        "{refused:?}"
    );

    let profile = scratch.path("profile.json");
    sign_profile(
        &carrier_key,
        "Example Mobile",
        &device_id,
        "9-12",
        1,
        &profile,
    );
    assert!(activate(&profile).status.success());

    let deactivation = scratch.path("deactivation.json");
    let signed = childsafe(&[
        "activation",
        "deactivate",
        "--key",
        arg(&carrier_key),
        "--carrier",
        "Example Mobile",
        "--device",
        &device_id,
        "--sequence",
        "2",
        "--reason",
        "line passed to an adult",
        "--out",
        arg(&deactivation),
    ]);
    assert!(signed.status.success(), "{signed:?}");
    let applied = childsafe(&[
        "device",
        "deactivate",
        "--dir",
        arg(&device),
        "--deactivation",
        arg(&deactivation),
    ]);
    assert!(applied.status.success(), "{applied:?}");
    assert_eq!(json(&applied)["safe_mode"], false);
    let status = json(&childsafe(&["device", "status", "--dir", arg(&device)]));
    assert_eq!(status["safe_mode"], false);
    assert_eq!(status["line_deactivated"], true);
    // The profile before it cannot come back.
    let replayed = activate(&profile);
    assert!(!replayed.status.success());
    assert!(text(&replayed.stderr).contains("replay"), "{replayed:?}");
}

#[test]
fn commands_on_a_directory_that_was_never_set_up_explain_what_to_do() {
    let scratch = Scratch::new();
    let output = childsafe(&["device", "status", "--dir", arg(&scratch.path("nothing"))]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("device init"), "{output:?}");
}

/// Makes a key with `childsafe keys generate` at `name` in `scratch`; its file and public key.
fn key(scratch: &Scratch, name: &str) -> (PathBuf, String) {
    let file = scratch.path(name);
    let output = childsafe(&["keys", "generate", "--out", arg(&file)]);
    assert!(output.status.success(), "{output:?}");
    (file, text(&output.stdout).trim().to_owned())
}

/// Compiles the lists of the story, version `version`, signed with `key`, into `name`.
fn compile_lists(scratch: &Scratch, key: &Path, version: u64, name: &str) -> PathBuf {
    let gambling = scratch.file("gambling.txt", "casino.example\n");
    let illegal = scratch.file("illegal.txt", "http://abuse-material.example/gallery/\n");
    let out = scratch.path(name);
    let version = version.to_string();
    let compiled = childsafe(&[
        "lists",
        "compile",
        "--out",
        arg(&out),
        "--key",
        arg(key),
        "--version",
        &version,
        "--category",
        &format!("gambling={}", arg(&gambling)),
        "--hashed-urls",
        &format!("illegal={}", arg(&illegal)),
    ]);
    assert!(compiled.status.success(), "{compiled:?}");
    out
}

/// One JSON object per line.
fn json_lines(output: &std::process::Output) -> Vec<serde_json::Value> {
    text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON object per line"))
        .collect()
}

/// The field names of a JSON object.
fn fields(value: &serde_json::Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn a_device_decides_urls_with_its_stored_lists_as_the_phone_does() {
    let scratch = Scratch::new();
    let (carrier_key, carrier) = key(&scratch, "carrier.key");
    let (list_key, list_public) = key(&scratch, "lists.key");
    let device = scratch.path("device");
    let init = childsafe(&[
        "device",
        "init",
        "--dir",
        arg(&device),
        "--country",
        "GB",
        "--trust-carrier",
        &carrier,
        "--trusted-list-key",
        &list_public,
    ]);
    assert!(init.status.success(), "{init:?}");
    let device_id = json(&init)["device_id"].as_str().unwrap().to_owned();
    let profile = scratch.path("profile.json");
    sign_profile(
        &carrier_key,
        "Example Mobile",
        &device_id,
        "9-12",
        1,
        &profile,
    );
    let activated = childsafe(&[
        "device",
        "activate",
        "--dir",
        arg(&device),
        "--profile",
        arg(&profile),
    ]);
    assert!(activated.status.success(), "{activated:?}");
    let urls = [
        "https://casino.example/slots",
        "https://abuse-material.example/gallery/page2",
        "https://en.wikipedia.org/wiki/Sea_otter",
    ];
    let device_check = |urls: &[&str]| {
        let mut args = vec!["device", "check", "--dir", arg(&device)];
        args.extend_from_slice(urls);
        let output = childsafe(&args);
        assert!(output.status.success(), "{output:?}");
        json_lines(&output)
    };

    // Without lists, only the built-in rules apply.
    let before = device_check(&urls);
    assert_eq!(before[0]["verdict"], "allow", "{before:?}");
    assert_eq!(before[0]["bundle_version"], serde_json::Value::Null);

    let bundle = compile_lists(&scratch, &list_key, 1, "lists-1.bin");
    let installed = childsafe(&[
        "device",
        "install-lists",
        "--dir",
        arg(&device),
        "--bundle",
        arg(&bundle),
    ]);
    assert!(installed.status.success(), "{installed:?}");
    let installed = json(&installed);
    assert_eq!(installed["installed_version"], 1);
    assert_eq!(installed["lists"]["version"], 1);
    assert_eq!(
        installed["lists"]["out_of_date_since"],
        serde_json::Value::Null
    );

    // A later run opens the device the same way and decides with the stored lists.
    let after = device_check(&urls);
    assert_eq!(after.len(), urls.len());
    assert_eq!(
        (
            &after[0]["verdict"],
            &after[0]["reason"],
            &after[0]["category"]
        ),
        (
            &"block".into(),
            &"blocked-category".into(),
            &"gambling".into()
        )
    );
    assert_eq!(
        (&after[1]["verdict"], &after[1]["reason"]),
        (&"block".into(), &"illegal-material".into())
    );
    assert_eq!(after[2]["verdict"], "allow");
    assert!(after.iter().all(|decision| decision["bundle_version"] == 1));

    // The same fields as `childsafe url check` prints for the same bundle and policy.
    let mut args = vec![
        "url",
        "check",
        "--bundle",
        arg(&bundle),
        "--trust",
        &list_public,
        "--block",
        "gambling",
    ];
    args.extend_from_slice(&urls);
    let url_check = childsafe(&args);
    assert!(url_check.status.success(), "{url_check:?}");
    let url_check = json_lines(&url_check);
    for (phone, operator) in after.iter().zip(&url_check) {
        assert_eq!(fields(phone), fields(operator));
        assert_eq!(
            phone["verdict"], operator["verdict"],
            "{phone} vs {operator}"
        );
        assert_eq!(phone["reason"], operator["reason"], "{phone} vs {operator}");
    }

    let status = json(&childsafe(&["device", "status", "--dir", arg(&device)]));
    assert_eq!(status["lists"]["version"], 1);
    assert_eq!(status["lists"]["unavailable"], false);

    // The same bundle again is not newer: refused, and the SDK's reason is on stderr.
    let again = childsafe(&[
        "device",
        "install-lists",
        "--dir",
        arg(&device),
        "--bundle",
        arg(&bundle),
    ]);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("not newer"), "{again:?}");
}

#[test]
fn lists_signed_by_a_key_the_device_does_not_trust_are_refused() {
    let scratch = Scratch::new();
    let (list_key, _) = key(&scratch, "lists.key");
    let device = scratch.path("device");
    assert!(
        childsafe(&["device", "init", "--dir", arg(&device), "--country", "GB"])
            .status
            .success()
    );
    let bundle = compile_lists(&scratch, &list_key, 1, "lists.bin");
    let refused = childsafe(&[
        "device",
        "install-lists",
        "--dir",
        arg(&device),
        "--bundle",
        arg(&bundle),
    ]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("not signed by a trusted"),
        "{refused:?}"
    );
    let status = json(&childsafe(&["device", "status", "--dir", arg(&device)]));
    assert_eq!(status["lists"]["version"], serde_json::Value::Null);
}

#[test]
fn a_device_set_up_without_a_country_cannot_open_the_sdk_and_says_why() {
    let scratch = Scratch::new();
    let device = scratch.path("device");
    assert!(
        childsafe(&["device", "init", "--dir", arg(&device)])
            .status
            .success()
    );
    let output = childsafe(&["device", "status", "--dir", arg(&device)]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("--country"), "{output:?}");
}
