//! The `childsafe device` and `childsafe activation` commands, run as an operator or a test rig
//! runs them: a carrier key signs a profile, a device directory is set up and activated, and the
//! PIN commands answer with the documented exit codes and JSON.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{Scratch, arg, childsafe, generate_key, text};

/// Signs an activation profile with `childsafe activation sign` into `out`.
fn sign_profile(key: &Path, carrier: &str, band: &str, sequence: u64, out: &Path) {
    let sequence = sequence.to_string();
    let signed = childsafe(&[
        "activation",
        "sign",
        "--key",
        arg(key),
        "--carrier",
        carrier,
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
    assert_eq!(json(&init)["device_id"].as_str().unwrap().len(), 32);

    let status = childsafe(&["device", "status", "--dir", arg(&device)]);
    assert_eq!(json(&status)["safe_mode"], false);

    let profile = scratch.path("profile.json");
    sign_profile(&carrier_key, "Example Mobile", "6-8", 2, &profile);
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
    assert!(
        childsafe(&[
            "device",
            "init",
            "--dir",
            arg(&device),
            "--country",
            "fr",
            "--trust-carrier",
            &trusted.to_string()
        ])
        .status
        .success()
    );
    let profile = scratch.path("profile.json");
    sign_profile(&stranger_key, "Nobody", "16-17", 1, &profile);
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
fn commands_on_a_directory_that_was_never_set_up_explain_what_to_do() {
    let scratch = Scratch::new();
    let output = childsafe(&["device", "status", "--dir", arg(&scratch.path("nothing"))]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("device init"), "{output:?}");
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
