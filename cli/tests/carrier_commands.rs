//! `childsafe carrier ...` against the real backend on loopback: the operator admits a carrier,
//! the carrier adds a child's line, a phone registers with it, `sign-pending` signs the profile
//! the phone then reads and verifies with the carrier's key, the carrier deactivates the line
//! and rotates its key, after which the old key is refused.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_backend::{ServerConfig, open_storage, spawn};
use childsafe_core::crypto::{PublicKey, SigningKey, envelope};
use childsafe_core::settings::activation::{ActivationProfile, LineDeactivation};
use childsafe_core::sync::client::SyncClient;
use childsafe_protocol::carrier::{DEACTIVATION_CONTEXT, PROFILE_CONTEXT};
use childsafe_protocol::keys::{KeyRotation, ROTATION_CONTEXT};
use common::{Scratch, arg, childsafe_async, generate_key, success_json, text};

const OPERATOR_TOKEN: &str = "carrier-cli-operator-token";
const CARRIER: &str = "acme-mobile";
const LINE: &str = "+44 7700 900123";

/// Runs `childsafe carrier <command...>` as the carrier, signing with `key`.
async fn as_carrier(url: &str, key: &str, command: &[&str]) -> std::process::Output {
    let mut args = vec!["carrier"];
    args.extend(command);
    args.extend([
        "--backend",
        url,
        "--allow-insecure-loopback",
        "--carrier-id",
        CARRIER,
        "--key",
        key,
    ]);
    childsafe_async(&args).await
}

fn open<T: serde::de::DeserializeOwned>(encoded: &str, context: &[u8], key: PublicKey) -> T {
    let bytes = URL_SAFE_NO_PAD.decode(encoded).unwrap();
    envelope::open(&bytes, context, &[key], 64 * 1024)
        .unwrap()
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_provisions_a_line_signs_its_profile_and_deactivates_it() {
    let scratch = Scratch::new();
    let storage = open_storage(Some(scratch.path("backend").as_path()), None)
        .await
        .unwrap();
    let mut config = ServerConfig::loopback();
    config.operator_token = Some(OPERATOR_TOKEN.to_owned());
    let server = spawn(Arc::clone(&storage), config).await.unwrap();
    let url = server.url();
    let (key_file, public_key) = generate_key(&scratch);
    let key = arg(&key_file).to_owned();

    let admitted = success_json(
        &childsafe_async(&[
            "carrier",
            "admit",
            "--backend",
            &url,
            "--allow-insecure-loopback",
            "--operator-token",
            OPERATOR_TOKEN,
            "--carrier-id",
            CARRIER,
            "--name",
            "Acme Mobile",
            "--public-key",
            &public_key.to_string(),
        ])
        .await,
    );
    assert_eq!(admitted["carrier_id"], CARRIER);

    // Plain HTTP is refused unless asked for, and a line needs a band or a birth month.
    let insecure = childsafe_async(&[
        "carrier",
        "line",
        "list",
        "--backend",
        &url,
        "--carrier-id",
        CARRIER,
        "--key",
        &key,
    ])
    .await;
    assert!(!insecure.status.success());
    assert!(text(&insecure.stderr).contains("https"), "{insecure:?}");
    let no_band = as_carrier(
        &url,
        &key,
        &["line", "add", "--line", LINE, "--country", "GB"],
    )
    .await;
    assert!(!no_band.status.success(), "{no_band:?}");

    let added = success_json(
        &as_carrier(
            &url,
            &key,
            &[
                "line",
                "add",
                "--line",
                LINE,
                "--country",
                "GB",
                "--birth-month",
                "2015-01",
                "--extra",
                "gambling",
                "--parents-may-relax",
                "safe-search",
            ],
        )
        .await,
    );
    let handle = added["line_handle"].as_str().unwrap().to_owned();
    assert_eq!(handle.len(), 64);
    let again = as_carrier(
        &url,
        &key,
        &[
            "line",
            "add",
            "--line",
            LINE,
            "--country",
            "GB",
            "--band",
            "9-12",
        ],
    )
    .await;
    assert!(text(&again.stderr).contains("line_exists"), "{again:?}");

    // The child's phone registers with its line, no token.
    let (device_key, _) = SigningKey::generate().unwrap();
    let phone = SyncClient::new(&url, true).unwrap();
    let registered = phone
        .register_device(&device_key, "", Some("447700900123"), "GB")
        .await
        .unwrap();
    assert_eq!(registered.line_handle.as_deref(), Some(handle.as_str()));

    let pending = success_json(&as_carrier(&url, &key, &["activations"]).await);
    assert_eq!(pending["activations"][0]["device_id"], registered.id);
    assert_eq!(pending["activations"][0]["next_sequence"], 1);

    let signed =
        success_json(&as_carrier(&url, &key, &["sign-pending", "--expires-in-days", "30"]).await);
    let printed = &signed["signed"][0];
    assert_eq!(printed["line"], handle);
    assert_eq!(printed["device_id"], registered.id);
    assert_eq!(printed["sequence"], 1);
    assert_eq!(printed["birth_month"], "2015-01");
    assert_eq!(printed["extra_blocked_categories"][0], "gambling");

    let documents = phone.line_documents(&device_key).await.unwrap();
    let profile: ActivationProfile = open(
        documents.profile.as_deref().unwrap(),
        PROFILE_CONTEXT,
        public_key,
    );
    assert_eq!(serde_json::to_value(&profile).unwrap(), *printed);
    assert_eq!(profile.expires_at - profile.issued_at, 30 * 86_400);
    let nothing_left = success_json(&as_carrier(&url, &key, &["sign-pending"]).await);
    assert_eq!(nothing_left["signed"], serde_json::json!([]));

    let lines = success_json(&as_carrier(&url, &key, &["line", "list"]).await);
    assert_eq!(lines["lines"][0]["state"], "active");
    assert_eq!(
        lines["lines"][0]["settings"]["line"], "",
        "never the identifier"
    );

    let deactivated = success_json(
        &as_carrier(
            &url,
            &key,
            &[
                "line",
                "deactivate",
                "--handle",
                &handle,
                "--reason",
                "line passed to an adult",
            ],
        )
        .await,
    );
    assert_eq!(deactivated["line"]["state"], "deactivated");
    assert_eq!(deactivated["deactivation"]["sequence"], 2);
    let documents = phone.line_documents(&device_key).await.unwrap();
    let deactivation: LineDeactivation = open(
        documents.deactivation.as_deref().unwrap(),
        DEACTIVATION_CONTEXT,
        public_key,
    );
    assert_eq!(deactivation.device_id, registered.id);
    assert_eq!(deactivation.reason, "line passed to an adult");

    // The carrier rotates its key; the old one then signs nothing.
    let new_key_file = scratch.path("next.key");
    let generated = childsafe_async(&["keys", "generate", "--out", arg(&new_key_file)]).await;
    assert!(generated.status.success(), "{generated:?}");
    let new_public: PublicKey = text(&generated.stdout).trim().parse().unwrap();
    let old_key = SigningKey::from_pkcs8(&std::fs::read(&key_file).unwrap()).unwrap();
    let rotation = KeyRotation {
        carrier: CARRIER.to_owned(),
        old_key: public_key,
        new_key: new_public,
        issued_at: 1_780_000_000,
        expires_at: 4_000_000_000,
    };
    let rotation_file = scratch.path("rotation.json");
    std::fs::write(
        &rotation_file,
        envelope::seal(&rotation, ROTATION_CONTEXT, &old_key).unwrap(),
    )
    .unwrap();
    success_json(
        &as_carrier(
            &url,
            &key,
            &["rotate-key", "--rotation", arg(&rotation_file)],
        )
        .await,
    );
    let refused = as_carrier(&url, &key, &["line", "list"]).await;
    assert!(
        text(&refused.stderr).contains("bad_signature"),
        "{refused:?}"
    );
    let listed = success_json(&as_carrier(&url, arg(&new_key_file), &["line", "list"]).await);
    assert_eq!(listed["lines"][0]["line_handle"], handle);
    assert_eq!(
        phone
            .line_documents(&device_key)
            .await
            .unwrap()
            .key_rotations
            .len(),
        1
    );
    server.shutdown().await.unwrap();
}
