//! Keys delegated by a root, end to end through the real backend on loopback: the operator
//! uploads a `keys` bundle delegating a list key and lists signed by that key, and a phone
//! configured with nothing but the root key installs both in one sync (keys first). A later
//! document revoking the list key makes the next lists it signs refused.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;

use childsafe_backend::{RunningServer, ServerConfig, clock, open_storage, operator, spawn};
use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::bundle::{BundleBuilder, ListKind};
use childsafe_core::protocol::keys::{Delegation, KeyRole, TrustDocument};
use childsafe_core::protocol::wire::BundleKind;
use childsafe_core::store::FileKeyStore;
use childsafe_core::{ChildSafe, ChildSafeConfig};
use childsafe_tests::recorder::Recorder;

const OPERATOR_TOKEN: &str = "operator-secret-for-tests";
const DAY: u64 = 24 * 3600;

/// Uploads `bytes` as the operator's bundle of `kind`.
async fn upload(server: &RunningServer, kind: BundleKind, version: u64, bytes: Vec<u8>) {
    let url = format!("{}/v1/operator/bundles/{}", server.url(), kind.as_str());
    let response = reqwest::Client::new()
        .put(url)
        .bearer_auth(OPERATOR_TOKEN)
        .header("x-bundle-version", version.to_string())
        .header("x-bundle-expires-at", (clock::unix_now() + DAY).to_string())
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
}

fn lists(key: &SigningKey, version: u64) -> Vec<u8> {
    let mut builder = BundleBuilder::new(version, clock::unix_now() + 30 * DAY);
    builder
        .add_domains(
            "gambling",
            ListKind::Category,
            vec!["casino.example".to_owned()],
        )
        .unwrap();
    builder.sign(key).unwrap()
}

fn trust_document(
    version: u64,
    delegations: Vec<Delegation>,
    revoked: &[&SigningKey],
) -> TrustDocument {
    let now = clock::unix_now();
    TrustDocument {
        version,
        issued_at: now,
        expires_at: now + DAY,
        delegations,
        revoked: revoked.iter().map(|key| key.public_key()).collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_with_only_the_root_key_takes_lists_from_the_key_the_root_delegates() {
    let backend_dir = tempfile::tempdir().unwrap();
    let storage = open_storage(Some(backend_dir.path()), None).await.unwrap();
    let mut server_config = ServerConfig::loopback();
    server_config.operator_token = Some(OPERATOR_TOKEN.to_owned());
    let server = spawn(Arc::clone(&storage), server_config).await.unwrap();
    let token = operator::mint_activation_tokens(storage.as_ref(), 1, clock::unix_now())
        .await
        .unwrap()
        .remove(0);

    let (root, list_key) = (
        SigningKey::generate().unwrap().0,
        SigningKey::generate().unwrap().0,
    );
    let delegation = Delegation {
        role: KeyRole::Lists,
        key: list_key.public_key(),
        carrier: None,
        expires_at: clock::unix_now() + 30 * DAY,
    };
    let keys = trust_document(1, vec![delegation], &[])
        .sign(&root)
        .unwrap();
    upload(&server, BundleKind::Keys, 1, keys).await;
    upload(&server, BundleKind::Lists, 1, lists(&list_key, 1)).await;

    let phone_dir = tempfile::tempdir().unwrap();
    let config = ChildSafeConfig {
        data_dir: phone_dir.path().join("sdk").display().to_string(),
        backend_url: Some(server.url()),
        allow_insecure_loopback: true,
        trusted_root_keys: vec![root.public_key()],
        country: "GB".to_owned(),
        locale: "en".to_owned(),
        ..ChildSafeConfig::default()
    };
    let data_key = FileKeyStore::new(phone_dir.path().join("data.key"));
    let recorder = Arc::new(Recorder::default());
    let sdk = ChildSafe::open(config, &data_key, recorder.clone(), recorder.clone()).unwrap();
    sdk.register(&token).await.unwrap();

    let summary = sdk.sync_now().await.unwrap();
    assert_eq!(
        summary.bundles_applied,
        ["keys v1", "lists v1"],
        "{summary:?}"
    );
    assert!(summary.bundles_refused.is_empty(), "{summary:?}");
    assert_eq!(sdk.status().unwrap().lists.version, Some(1));

    // The root revokes the list key: its next lists are refused, the ones in force stay.
    let revoking = trust_document(2, Vec::new(), &[&list_key])
        .sign(&root)
        .unwrap();
    upload(&server, BundleKind::Keys, 2, revoking).await;
    upload(&server, BundleKind::Lists, 2, lists(&list_key, 2)).await;
    let summary = sdk.sync_now().await.unwrap();
    assert_eq!(summary.bundles_applied, ["keys v2"], "{summary:?}");
    assert_eq!(summary.bundles_refused.len(), 1, "{summary:?}");
    assert!(
        summary.bundles_refused[0].starts_with("lists: "),
        "{summary:?}"
    );
    assert_eq!(sdk.status().unwrap().lists.version, Some(1));
}
