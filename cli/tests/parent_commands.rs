//! `childsafe parent ...` and the phone's pairing commands against the real backend on loopback:
//! a parent's app pairs with a phone by its QR payload and matching digits behind the PIN, sees
//! the phone-signed status, sends a command and reads the phone's receipt, answers an access
//! request, reads an SOS from the feed, and leaves.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use childsafe_backend::{ServerConfig, clock, open_storage, operator, spawn};
use common::{Scratch, arg, childsafe, childsafe_async, success_json, text};
use serde_json::Value;

const PIN: &str = "4821";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_pairs_sees_the_signed_status_commands_answers_and_reads_the_feed() {
    let scratch = Scratch::new();
    let storage = open_storage(Some(scratch.path("backend").as_path()), None)
        .await
        .unwrap();
    let server = spawn(Arc::clone(&storage), ServerConfig::loopback())
        .await
        .unwrap();
    let token = operator::mint_activation_tokens(storage.as_ref(), 1, clock::unix_now())
        .await
        .unwrap()
        .remove(0);
    let (phone, mum) = (scratch.path("phone"), scratch.path("mum"));
    let (phone, mum) = (arg(&phone).to_owned(), arg(&mum).to_owned());
    let url = server.url();

    // The child's phone: set up, registered, a PIN.
    let device_id = success_json(
        &childsafe_async(&["device", "init", "--dir", &phone, "--country", "GB"]).await,
    )["device_id"]
        .as_str()
        .unwrap()
        .to_owned();
    success_json(
        &childsafe_async(&[
            "device",
            "register",
            "--dir",
            &phone,
            "--backend",
            &url,
            "--activation-token",
            &token,
            "--allow-insecure-loopback",
        ])
        .await,
    );
    success_json(&childsafe_async(&["device", "set-pin", "--dir", &phone, "--pin", PIN]).await);

    // The parent's app.
    let parent_id = success_json(
        &childsafe_async(&[
            "parent",
            "init",
            "--dir",
            &mum,
            "--backend",
            &url,
            "--allow-insecure-loopback",
        ])
        .await,
    )["parent_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let registered = success_json(&childsafe_async(&["parent", "register", "--dir", &mum]).await);
    assert_eq!(registered["parent_id"], parent_id.as_str());

    // Pairing: a wrong PIN opens nothing; the QR payload; the same six digits on both sides.
    let wrong =
        childsafe_async(&["device", "pairing-code", "--dir", &phone, "--pin", "0000"]).await;
    assert!(!wrong.status.success(), "{wrong:?}");
    let invite = success_json(
        &childsafe_async(&["device", "pairing-code", "--dir", &phone, "--pin", PIN]).await,
    );
    let qr = invite["qr_payload"].as_str().unwrap().to_owned();
    assert!(
        qr.starts_with(&format!("childsafe-pair:1:{device_id}:")),
        "{qr}"
    );
    let paired =
        success_json(&childsafe_async(&["parent", "pair", "--dir", &mum, "--qr", &qr]).await);
    assert_eq!(paired["device_id"], device_id.as_str());
    let parents_code = paired["confirmation_code"].as_str().unwrap().to_owned();
    assert_eq!(parents_code.len(), 6);

    let shown = success_json(
        &childsafe_async(&["device", "confirm-parent", "--dir", &phone, "--pin", PIN]).await,
    );
    assert_eq!(shown["confirmation_code"], parents_code.as_str());
    assert_eq!(shown["enrolled"], false, "showing the digits enrols no one");
    let other_digits = if parents_code == "000000" {
        "000001"
    } else {
        "000000"
    };
    let differ = childsafe_async(&[
        "device",
        "confirm-parent",
        "--dir",
        &phone,
        "--pin",
        PIN,
        "--code",
        other_digits,
    ])
    .await;
    assert_eq!(differ.status.code(), Some(4), "{differ:?}");
    assert_eq!(
        success_json(&childsafe_async(&["device", "parents", "--dir", &phone]).await),
        Value::Array(Vec::new())
    );
    let enrolled = success_json(
        &childsafe_async(&[
            "device",
            "confirm-parent",
            "--dir",
            &phone,
            "--pin",
            PIN,
            "--code",
            &parents_code,
        ])
        .await,
    );
    assert_eq!(enrolled["enrolled"], true);
    assert_eq!(enrolled["role"], "owner");
    assert_eq!(enrolled["parent_id"], parent_id.as_str());

    // After a sync, the parent sees the child confirmed and its signed status.
    success_json(&childsafe_async(&["sync", "--dir", &phone]).await);
    let children = success_json(&childsafe_async(&["parent", "children", "--dir", &mum]).await);
    assert_eq!(children[0]["device_id"], device_id.as_str(), "{children}");
    let status = success_json(
        &childsafe_async(&["parent", "status", "--dir", &mum, "--device", &device_id]).await,
    );
    assert_eq!(status["device_id"], device_id.as_str());
    assert_eq!(status["parents"][0]["role"], "owner", "{status}");
    let children = success_json(&childsafe_async(&["parent", "children", "--dir", &mum]).await);
    assert_eq!(children[0]["confirmed"], true, "{children}");
    assert_eq!(children[0]["role"], "owner", "{children}");

    // A command, applied at the phone's next sync, answered with the phone's signed receipt.
    let ticket = success_json(
        &childsafe_async(&[
            "parent",
            "command",
            "--dir",
            &mum,
            "--device",
            &device_id,
            "deny-host",
            "games.example",
        ])
        .await,
    );
    assert_eq!(ticket["state"], "pending");
    success_json(&childsafe_async(&["sync", "--dir", &phone]).await);
    let commands = success_json(
        &childsafe_async(&["parent", "commands", "--dir", &mum, "--device", &device_id]).await,
    );
    assert_eq!(commands[0]["state"], "applied", "{commands}");
    let checked =
        childsafe_async(&["device", "check", "--dir", &phone, "https://games.example/"]).await;
    assert!(
        text(&checked.stdout).contains("\"block\""),
        "the parent's deny rule is in force: {checked:?}"
    );
    let status = success_json(
        &childsafe_async(&["parent", "status", "--dir", &mum, "--device", &device_id]).await,
    );
    assert_eq!(status["denied_hosts"][0], "games.example", "{status}");

    // An SOS from the phone reaches the parent's feed.
    success_json(&childsafe_async(&["report", "--dir", &phone, "--kind", "sos"]).await);
    success_json(&childsafe_async(&["sync", "--dir", &phone]).await);
    let feed = success_json(&childsafe_async(&["parent", "feed", "--dir", &mum]).await);
    assert_eq!(feed[0]["kind"], "sos", "{feed}");
    assert_eq!(feed[0]["device_id"], device_id.as_str());

    // The offline code is six digits; a parent not paired with the phone has no such code.
    let code = success_json(
        &childsafe_async(&[
            "parent",
            "offline-code",
            "--dir",
            &mum,
            "--device",
            &device_id,
        ])
        .await,
    );
    assert_eq!(code["code"].as_str().unwrap().len(), 6);

    // The phone removes the parent behind the PIN; the parent then sees nothing new.
    success_json(
        &childsafe_async(&[
            "device",
            "remove-parent",
            "--dir",
            &phone,
            "--pin",
            PIN,
            "--parent",
            &parent_id,
        ])
        .await,
    );
    success_json(&childsafe_async(&["sync", "--dir", &phone]).await);
    assert_eq!(
        success_json(&childsafe_async(&["device", "parents", "--dir", &phone]).await),
        Value::Array(Vec::new())
    );
    success_json(&childsafe_async(&["report", "--dir", &phone, "--kind", "sos"]).await);
    success_json(&childsafe_async(&["sync", "--dir", &phone]).await);
    let feed = success_json(&childsafe_async(&["parent", "feed", "--dir", &mum]).await);
    assert_eq!(
        feed.as_array().unwrap().len(),
        1,
        "a removed parent gets no new report: {feed}"
    );
}

#[test]
fn a_parent_directory_must_be_set_up_and_a_bad_qr_payload_is_refused() {
    let scratch = Scratch::new();
    let mum = scratch.path("mum");
    let missing = childsafe(&["parent", "children", "--dir", arg(&mum)]);
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("parent init"), "{missing:?}");
    let refused = childsafe(&[
        "parent",
        "init",
        "--dir",
        arg(&mum),
        "--backend",
        "http://backend.example",
    ]);
    assert!(!refused.status.success(), "plain HTTP off loopback");
    assert!(!mum.join("parent.json").exists(), "nothing looks set up");
    let init = childsafe(&[
        "parent",
        "init",
        "--dir",
        arg(&mum),
        "--backend",
        "https://backend.example",
    ]);
    assert!(init.status.success(), "{init:?}");
    let bad = childsafe(&[
        "parent",
        "pair",
        "--dir",
        arg(&mum),
        "--qr",
        "childsafe-pair:1:not-a-device:SECRET",
    ]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("device id"), "{bad:?}");
    let unregistered = childsafe(&[
        "parent",
        "pair",
        "--dir",
        arg(&mum),
        "--qr",
        &format!("childsafe-pair:1:{}:{}", "0".repeat(32), "A".repeat(26)),
    ]);
    assert!(!unregistered.status.success());
    assert!(
        text(&unregistered.stderr).contains("not registered"),
        "{unregistered:?}"
    );
}
