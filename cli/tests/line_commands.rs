//! The carrier's path end to end in commands, as the README gives it: a root key delegates the
//! carrier's key, the operator admits the carrier, the carrier adds a child's line, a device set
//! up on that line is protected before any network, registers with its line, and takes the
//! profile the carrier signs at its next sync; the carrier then deactivates the line.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use childsafe_backend::{ServerConfig, open_storage, spawn};
use common::{Scratch, arg, childsafe_async, generate_key, success_json};

const OPERATOR_TOKEN: &str = "line-cli-operator-token";
const CARRIER: &str = "acme-mobile";
const LINE: &str = "+44 7700 900789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_on_a_childs_line_is_switched_on_and_off_by_its_carrier() {
    let scratch = Scratch::new();
    let storage = open_storage(Some(scratch.path("backend").as_path()), None)
        .await
        .unwrap();
    let mut config = ServerConfig::loopback();
    config.operator_token = Some(OPERATOR_TOKEN.to_owned());
    let server = spawn(Arc::clone(&storage), config).await.unwrap();
    let url = server.url();
    // `generate_key` writes one key per scratch directory: the root's lives apart.
    let root_scratch = Scratch::new();
    let (root_file, root_public) = generate_key(&root_scratch);
    let (carrier_file, carrier_public) = generate_key(&scratch);
    let carrier_key = arg(&carrier_file).to_owned();
    let carrier = |command: &[&str]| {
        let mut args = vec!["carrier"];
        args.extend(command);
        args.extend([
            "--backend",
            &url,
            "--allow-insecure-loopback",
            "--carrier-id",
            CARRIER,
            "--key",
            &carrier_key,
        ]);
        args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>()
    };
    let run = |args: Vec<String>| async move {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        success_json(&childsafe_async(&args).await)
    };

    // The root delegates the carrier's key to its carrier id for a year.
    let trust = scratch.path("trust.json");
    let delegation = format!(
        "carrier:{carrier_public}:{CARRIER}:{}",
        childsafe_backend::clock::unix_now() + 365 * 86_400
    );
    let signed = childsafe_async(&[
        "keys",
        "trust-document",
        "--root-key",
        arg(&root_file),
        "--version",
        "1",
        "--delegate",
        &delegation,
        "--out",
        arg(&trust),
    ])
    .await;
    assert!(signed.status.success(), "{signed:?}");

    run(vec![
        "carrier".into(),
        "admit".into(),
        "--backend".into(),
        url.clone(),
        "--allow-insecure-loopback".into(),
        "--operator-token".into(),
        OPERATOR_TOKEN.into(),
        "--carrier-id".into(),
        CARRIER.into(),
        "--name".into(),
        "Acme Mobile".into(),
        "--public-key".into(),
        carrier_public.to_string(),
    ])
    .await;
    let added = run(carrier(&[
        "line",
        "add",
        "--line",
        LINE,
        "--country",
        "GB",
        "--band",
        "9-12",
    ]))
    .await;
    let handle = added["line_handle"].as_str().unwrap().to_owned();

    // The device on the child's line, before any network: protected at the strictest band.
    let phone = scratch.path("phone");
    let root = root_public.to_string();
    let device = |command: &str, extra: &[&str]| {
        let mut args = vec!["device".to_owned(), command.to_owned(), "--dir".to_owned()];
        args.push(arg(&phone).to_owned());
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args
    };
    run(device(
        "init",
        &["--country", "GB", "--trust-root", &root, "--line", LINE],
    ))
    .await;
    let status = run(device("status", &[])).await;
    assert_eq!(status["safe_mode"], true, "{status}");
    assert_eq!(status["provisional"], true, "{status}");
    assert_eq!(status["band"], "0-5", "{status}");

    run(device("install-keys", &["--trust-document", arg(&trust)])).await;
    run(device(
        "register",
        &["--backend", &url, "--allow-insecure-loopback"],
    ))
    .await;
    let signed = run(carrier(&["sign-pending"])).await;
    assert_eq!(
        signed["signed"].as_array().map(Vec::len),
        Some(1),
        "{signed}"
    );
    run(vec!["sync".into(), "--dir".into(), arg(&phone).into()]).await;
    let status = run(device("status", &[])).await;
    assert_eq!(status["band"], "9-12", "{status}");
    assert_eq!(status["provisional"], false, "{status}");
    assert_eq!(status["carrier"], CARRIER, "{status}");
    let safety = run(device("safety", &["--audience", "parent"])).await;
    assert!(
        safety["sections"].as_array().is_some_and(|s| !s.is_empty()),
        "{safety}"
    );

    run(carrier(&[
        "line",
        "deactivate",
        "--handle",
        &handle,
        "--reason",
        "the line passed to an adult",
    ]))
    .await;
    run(vec!["sync".into(), "--dir".into(), arg(&phone).into()]).await;
    let status = run(device("status", &[])).await;
    assert_eq!(status["safe_mode"], false, "{status}");
    assert_eq!(status["line_deactivated"], true, "{status}");
}
