//! `childsafe device register` and `childsafe sync` against the real backend on loopback: a
//! device registers with a carrier's activation token, files reports while the backend is
//! running, syncs, and sees them delivered; HTTPS is required unless loopback HTTP is asked for.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use childsafe_backend::{ServerConfig, clock, open_storage, operator, spawn};
use common::{Scratch, arg, childsafe_async, success_json, text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_registers_files_reports_and_syncs_them_to_the_backend() {
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
    let device = scratch.path("device");
    let url = server.url();

    let init = success_json(
        &childsafe_async(&["device", "init", "--dir", arg(&device), "--country", "GB"]).await,
    );
    let device_id = init["device_id"].as_str().unwrap().to_owned();

    let refused = childsafe_async(&[
        "device",
        "register",
        "--dir",
        arg(&device),
        "--backend",
        &url,
        "--activation-token",
        &token,
    ])
    .await;
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("HTTPS is required"),
        "{refused:?}"
    );

    let registered = success_json(
        &childsafe_async(&[
            "device",
            "register",
            "--dir",
            arg(&device),
            "--backend",
            &url,
            "--activation-token",
            &token,
            "--allow-insecure-loopback",
        ])
        .await,
    );
    assert_eq!(
        registered["device_id"], device_id,
        "the backend knows the device by its key"
    );

    let again = childsafe_async(&[
        "device",
        "register",
        "--dir",
        arg(&device),
        "--backend",
        &url,
        "--activation-token",
        &token,
        "--allow-insecure-loopback",
    ])
    .await;
    assert!(!again.status.success(), "a second registration is refused");

    for (kind, extra) in [
        ("bullying", vec!["--text", "they post about me"]),
        ("illegal-content", vec!["--url", "https://bad.example/page"]),
        ("sos", vec![]),
    ] {
        let mut args = vec!["report", "--dir", arg(&device), "--kind", kind];
        args.extend(extra);
        success_json(&childsafe_async(&args).await);
    }

    let summary = success_json(&childsafe_async(&["sync", "--dir", arg(&device)]).await);
    assert_eq!(summary["sent"], 3, "{summary}");
    assert_eq!(summary["delivered"], 3, "{summary}");
    assert_eq!(summary["failed"], 0, "{summary}");

    let listed = success_json(&childsafe_async(&["reports", "--dir", arg(&device)]).await);
    let states: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|report| report["status"].as_str().unwrap())
        .collect();
    assert_eq!(states.len(), 3);
    assert!(
        states
            .iter()
            .all(|state| *state != "queued" && *state != "sending"),
        "{listed}"
    );
    let on_server = storage.report_statuses(&device_id).await.unwrap();
    assert_eq!(on_server.len(), 3);

    let quiet = success_json(&childsafe_async(&["sync", "--dir", arg(&device)]).await);
    assert_eq!(quiet["sent"], 0, "nothing is sent twice: {quiet}");
    server.shutdown().await.unwrap();
}
