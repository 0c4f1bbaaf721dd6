//! `childsafe device register` and `childsafe sync` against the real backend on loopback: a
//! device registers with a carrier's activation token, files reports while the backend is
//! running, syncs, and sees them delivered; HTTPS is required unless loopback HTTP is asked for.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::process::Output;
use std::sync::Arc;

use childsafe_backend::{ServerConfig, clock, open_storage, operator, spawn};
use common::{Scratch, arg, childsafe, text};
use serde_json::Value;

fn json(output: &Output) -> Value {
    assert!(output.status.success(), "{output:?}");
    serde_json::from_str(text(&output.stdout).trim()).expect("one JSON value")
}

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
    let run = |args: Vec<String>| async move {
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            childsafe(&args)
        })
        .await
        .unwrap()
    };
    let owned = |args: &[&str]| args.iter().map(|arg| (*arg).to_owned()).collect::<Vec<_>>();

    let init = json(
        &run(owned(&[
            "device",
            "init",
            "--dir",
            arg(&device),
            "--country",
            "GB",
        ]))
        .await,
    );
    let device_id = init["device_id"].as_str().unwrap().to_owned();

    let refused = run(owned(&[
        "device",
        "register",
        "--dir",
        arg(&device),
        "--backend",
        &url,
        "--activation-token",
        &token,
    ]))
    .await;
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("HTTPS is required"),
        "{refused:?}"
    );

    let registered = json(
        &run(owned(&[
            "device",
            "register",
            "--dir",
            arg(&device),
            "--backend",
            &url,
            "--activation-token",
            &token,
            "--allow-insecure-loopback",
        ]))
        .await,
    );
    assert_eq!(
        registered["device_id"], device_id,
        "the backend knows the device by its key"
    );

    let again = run(owned(&[
        "device",
        "register",
        "--dir",
        arg(&device),
        "--backend",
        &url,
        "--activation-token",
        &token,
        "--allow-insecure-loopback",
    ]))
    .await;
    assert!(!again.status.success(), "a second registration is refused");

    for (kind, extra) in [
        ("bullying", vec!["--text", "they post about me"]),
        ("illegal-content", vec!["--url", "https://bad.example/page"]),
        ("sos", vec![]),
    ] {
        let mut args = owned(&["report", "--dir", arg(&device), "--kind", kind]);
        args.extend(extra.into_iter().map(str::to_owned));
        json(&run(args).await);
    }

    let summary = json(&run(owned(&["sync", "--dir", arg(&device)])).await);
    assert_eq!(summary["sent"], 3, "{summary}");
    assert_eq!(summary["delivered"], 3, "{summary}");
    assert_eq!(summary["failed"], 0, "{summary}");

    let listed = json(&run(owned(&["reports", "--dir", arg(&device)])).await);
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

    let quiet = json(&run(owned(&["sync", "--dir", arg(&device)])).await);
    assert_eq!(quiet["sent"], 0, "nothing is sent twice: {quiet}");
    server.shutdown().await.unwrap();
}
