//! The `childsafe report`, `reports` and `emergency` commands, run as a test rig or a demo runs
//! them: a device files reports and an SOS, lists them with their status after a restart, and
//! looks up the numbers a phone shows in a country.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{Scratch, arg, childsafe, success_json, text};
use serde_json::Value;

fn init(device: &Path, country: Option<&str>) {
    let mut args = vec!["device", "init", "--dir", arg(device)];
    if let Some(country) = country {
        args.extend(["--country", country]);
    }
    let output = childsafe(&args);
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn reports_are_filed_listed_in_order_and_kept_across_runs() {
    let scratch = Scratch::new();
    let device = scratch.path("device");
    init(&device, Some("gb"));

    let grooming = success_json(&childsafe(&[
        "report",
        "--dir",
        arg(&device),
        "--kind",
        "grooming",
        "--url",
        "https://chat.example/room/7",
        "--text",
        "he asked for pictures",
    ]));
    assert_eq!(grooming["status"], "queued");
    assert_eq!(grooming["kind"], "grooming");
    assert_eq!(grooming["id"].as_str().unwrap().len(), 32);

    let illegal = success_json(&childsafe(&[
        "report",
        "--dir",
        arg(&device),
        "--kind",
        "illegal-content",
        "--url",
        "https://bad.example/x",
    ]));

    let kept = success_json(&childsafe(&[
        "report",
        "--dir",
        arg(&device),
        "--kind",
        "grooming",
        "--url",
        "https://chat.example/room/8",
        "--helpline-only",
    ]));
    assert_eq!(kept["status"], "queued");
    let kept_bullying = success_json(&childsafe(&[
        "report",
        "--dir",
        arg(&device),
        "--kind",
        "bullying",
        "--text",
        "they laugh at me in the group chat",
        "--helpline-only",
    ]));
    assert_eq!(kept_bullying["status"], "queued");
    assert_eq!(kept_bullying["kind"], "bullying");

    let sos = success_json(&childsafe(&[
        "report",
        "--dir",
        arg(&device),
        "--kind",
        "sos",
    ]));
    assert_eq!(sos["status"], "queued");
    assert_eq!(sos["kind"], "sos");
    assert_eq!(sos["numbers"], serde_json::json!(["999", "112"]));
    assert_eq!(sos["helpline"]["number"], "0800 1111");

    // Every run is a new process: the list comes from the store on disk.
    let listed = success_json(&childsafe(&["reports", "--dir", arg(&device)]));
    let listed = listed.as_array().unwrap();
    let ids: Vec<&Value> = listed.iter().map(|report| &report["id"]).collect();
    assert_eq!(
        ids,
        [
            &grooming["id"],
            &illegal["id"],
            &kept["id"],
            &kept_bullying["id"],
            &sos["id"]
        ]
    );
    for report in listed {
        assert_eq!(report["status"], "queued");
        assert_eq!(report["attempts"], 0);
    }
}

#[test]
fn a_report_that_breaks_the_rules_is_refused_clearly_and_nothing_is_filed() {
    let scratch = Scratch::new();
    let device = scratch.path("device");
    init(&device, None);

    let no_url = childsafe(&["report", "--dir", arg(&device), "--kind", "illegal-content"]);
    assert!(!no_url.status.success());
    assert!(text(&no_url.stderr).contains("needs its URL"), "{no_url:?}");

    let sos_with_text = childsafe(&[
        "report",
        "--dir",
        arg(&device),
        "--kind",
        "sos",
        "--text",
        "help",
    ]);
    assert!(!sos_with_text.status.success());
    assert!(
        text(&sos_with_text.stderr).contains("SOS"),
        "{sos_with_text:?}"
    );

    let kept_sos = childsafe(&[
        "report",
        "--dir",
        arg(&device),
        "--kind",
        "sos",
        "--helpline-only",
    ]);
    assert!(!kept_sos.status.success());
    assert!(
        text(&kept_sos.stderr).contains("an SOS always reaches the parents"),
        "{kept_sos:?}"
    );
    let kept_illegal = childsafe(&[
        "report",
        "--dir",
        arg(&device),
        "--kind",
        "illegal-content",
        "--url",
        "https://bad.example/x",
        "--helpline-only",
    ]);
    assert!(!kept_illegal.status.success());
    assert!(
        text(&kept_illegal.stderr)
            .contains("only a grooming or bullying report can be kept from the parents"),
        "{kept_illegal:?}"
    );

    let unknown_kind = childsafe(&["report", "--dir", arg(&device), "--kind", "spam"]);
    assert!(!unknown_kind.status.success());
    assert!(text(&unknown_kind.stderr).contains("illegal-content, grooming, bullying or sos"));

    let listed = success_json(&childsafe(&["reports", "--dir", arg(&device)]));
    assert_eq!(listed, serde_json::json!([]));

    // SOS on a device set up without a country still gives numbers that work everywhere.
    let sos = success_json(&childsafe(&[
        "report",
        "--dir",
        arg(&device),
        "--kind",
        "sos",
    ]));
    assert_eq!(sos["numbers"], serde_json::json!(["112", "911"]));
    assert_eq!(sos["country"], Value::Null);
}

#[test]
fn reports_need_a_device_directory() {
    let scratch = Scratch::new();
    let missing = scratch.path("nowhere");
    for args in [
        vec!["reports", "--dir", arg(&missing)],
        vec!["report", "--dir", arg(&missing), "--kind", "bullying"],
    ] {
        let output = childsafe(&args);
        assert!(!output.status.success());
        assert!(text(&output.stderr).contains("device init"), "{output:?}");
    }
    assert!(!missing.exists());
}

#[test]
fn emergency_prints_the_numbers_a_phone_shows() {
    let gb = success_json(&childsafe(&["emergency", "--country", "GB"]));
    assert_eq!(gb["numbers"], serde_json::json!(["999", "112"]));
    assert_eq!(gb["emergency_number"], "999");
    assert_eq!(gb["helpline"]["name"], "Childline");

    let us = success_json(&childsafe(&["emergency", "--country", "us"]));
    assert_eq!(us["numbers"], serde_json::json!(["911"]));
    assert_eq!(us["country"], "US");

    let germany = success_json(&childsafe(&["emergency", "--country", "DE"]));
    assert_eq!(germany["helpline"]["number"], "116 111");

    // A country without a confirmed helpline says so rather than guessing.
    let brazil = success_json(&childsafe(&["emergency", "--country", "BR"]));
    assert_eq!(brazil["helpline"], Value::Null);
    assert_eq!(brazil["emergency_number"], "190");
}

#[test]
fn emergency_refuses_unknown_and_malformed_country_codes_clearly() {
    let unknown = childsafe(&["emergency", "--country", "ZZ"]);
    assert!(!unknown.status.success());
    assert!(text(&unknown.stderr).contains("no emergency numbers are known for country ZZ"));
    assert!(unknown.stdout.is_empty());

    for malformed in ["GBR", "G", "", "1A", "é"] {
        let output = childsafe(&["emergency", "--country", malformed]);
        assert!(!output.status.success(), "{malformed:?}");
        assert!(
            text(&output.stderr).contains("not an ISO 3166-1 alpha-2 country code"),
            "{malformed:?}: {output:?}"
        );
    }
}
