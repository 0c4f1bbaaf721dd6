//! A carrier's provisioning system drives the real backend on loopback through core's
//! `ChildSafeCarrier`, as the JVM services of carriers do through the native library: it adds a
//! child's line, a phone registers with it, the carrier signs the waiting profile and the phone
//! reads exactly that profile for its line; new terms make the device wait again for a newer
//! profile; the carrier moves to a new key (the old one is refused from then on); it hands in a
//! safety pack and deactivates the line. Bad terms are named before anything is sent, and
//! change nothing.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_backend::storage::{CarrierRecord, Storage};
use childsafe_backend::{RunningServer, ServerConfig, clock, open_storage, spawn};
use childsafe_core::carrier::{
    BirthMonthError, CarrierConfig, CarrierError, CarrierLineState, ChildSafeCarrier, LineSettings,
    band_for_birth_month,
};
use childsafe_core::crypto::{PublicKey, SigningKey, envelope};
use childsafe_core::protocol::carrier::{DEACTIVATION_CONTEXT, SAFETY_PACK_CONTEXT};
use childsafe_core::protocol::keys::KeyRotation;
use childsafe_core::settings::AgeBand;
use childsafe_core::settings::activation::{ActivationProfile, LineDeactivation};
use childsafe_core::sync::client::{SyncClient, SyncError};
use tempfile::TempDir;

const CARRIER: &str = "acme-mobile";
const LINE: &str = "+44 7700 900123";
const DAY_SECS: u64 = 86_400;

struct Backend {
    storage: Arc<dyn Storage>,
    server: RunningServer,
    _dir: TempDir,
}

async fn backend() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let storage = open_storage(Some(dir.path()), None).await.unwrap();
    let server = spawn(Arc::clone(&storage), ServerConfig::loopback())
        .await
        .unwrap();
    Backend {
        storage,
        server,
        _dir: dir,
    }
}

/// Admits the carrier with a fresh key, as the operator would; the key's PKCS#8 bytes.
async fn admit(backend: &Backend) -> (Vec<u8>, PublicKey) {
    let (key, pkcs8) = SigningKey::generate().unwrap();
    backend
        .storage
        .admit_carrier(CarrierRecord {
            id: CARRIER.to_owned(),
            name: "Acme Mobile".to_owned(),
            public_key: key.public_key(),
            rotations: Vec::new(),
            safety_pack: None,
            admitted_at: clock::unix_now(),
        })
        .await
        .unwrap();
    (pkcs8, key.public_key())
}

fn carrier(backend: &Backend, pkcs8: &[u8]) -> ChildSafeCarrier {
    let config = CarrierConfig {
        backend_url: backend.server.url(),
        allow_insecure_loopback: true,
        carrier_id: CARRIER.to_owned(),
    };
    ChildSafeCarrier::open(config, pkcs8).unwrap()
}

fn line(band: Option<AgeBand>, birth_month: Option<&str>) -> LineSettings {
    LineSettings {
        line: LINE.to_owned(),
        country: "GB".to_owned(),
        band,
        birth_month: birth_month.map(str::to_owned),
        extra_blocked_categories: vec!["gambling".to_owned()],
        parents_may_relax: vec!["safe-search".to_owned()],
    }
}

fn decode(encoded: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(encoded).unwrap()
}

fn refused_with(error: &CarrierError, code: &str) -> bool {
    matches!(error, CarrierError::Sync(SyncError::Refused { code: got, .. }) if got == code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_runs_a_line_from_provisioning_to_deactivation_through_the_sdk() {
    let backend = backend().await;
    let (pkcs8, first_key) = admit(&backend).await;
    let carrier = carrier(&backend, &pkcs8);
    assert_eq!(carrier.public_key(), first_key);

    let handle = carrier
        .add_line(&line(None, Some("2015-01")))
        .await
        .unwrap();
    assert_eq!(handle.len(), 64);
    let lines = carrier.lines().await.unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].handle, handle);
    assert_eq!(lines[0].state, CarrierLineState::AwaitingDevice);
    assert_eq!(lines[0].terms.birth_month.as_deref(), Some("2015-01"));
    assert!(carrier.pending_activations().await.unwrap().is_empty());

    // The child's phone registers with its line, as the platform reads it.
    let (device_key, _) = SigningKey::generate().unwrap();
    let phone = SyncClient::new(&backend.server.url(), true).unwrap();
    let registered = phone
        .register_device(&device_key, "", Some("447700900123"), "GB")
        .await
        .unwrap();
    assert_eq!(registered.line_handle.as_deref(), Some(handle.as_str()));

    let pending = carrier.pending_activations().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].device_id, registered.id);
    assert_eq!(pending[0].next_sequence, 1);

    let signed = carrier.sign_pending(30 * DAY_SECS).await.unwrap();
    assert_eq!(signed.len(), 1);
    let profile = &signed[0].profile;
    assert_eq!(profile.carrier, CARRIER);
    assert_eq!(profile.line, handle);
    assert_eq!(profile.device_id, registered.id);
    assert_eq!(profile.sequence, 1);
    assert_eq!(
        profile.band,
        band_for_birth_month("2015-01", profile.issued_at).unwrap()
    );
    assert_eq!(profile.extra_blocked_categories, ["gambling"]);
    assert_eq!(profile.parents_may_relax, ["safe-search"]);
    assert_eq!(profile.expires_at - profile.issued_at, 30 * DAY_SECS);
    // The phone reads exactly that envelope for its line, and it verifies with the key.
    let documents = phone.line_documents(&device_key).await.unwrap();
    assert_eq!(
        documents.profile.as_deref(),
        Some(signed[0].envelope.as_str())
    );
    let verified = ActivationProfile::verify(
        &decode(&signed[0].envelope),
        &[childsafe_core::trust::TrustedKey::pinned(first_key)],
        clock::unix_now(),
    )
    .unwrap();
    assert_eq!(verified.profile, *profile);
    assert!(carrier.sign_pending(DAY_SECS).await.unwrap().is_empty());
    assert_eq!(
        carrier.lines().await.unwrap()[0].state,
        CarrierLineState::Active
    );

    // New terms: the device waits again, for a profile above the one it has.
    let updated = carrier
        .update_line(&line(Some(AgeBand::From13To15), None))
        .await
        .unwrap();
    assert_eq!(updated, handle);
    let pending = carrier.pending_activations().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].next_sequence, 2);
    assert_eq!(pending[0].terms.band, Some(AgeBand::From13To15));
    let signed = carrier.sign_pending(DAY_SECS).await.unwrap();
    assert_eq!(signed[0].profile.sequence, 2);
    assert_eq!(signed[0].profile.band, AgeBand::From13To15);
    assert_eq!(signed[0].profile.birth_month, None);
    let documents = phone.line_documents(&device_key).await.unwrap();
    assert_eq!(
        documents.profile.as_deref(),
        Some(signed[0].envelope.as_str())
    );

    // A line the carrier never added cannot be updated.
    let mut stranger = line(Some(AgeBand::From6To8), None);
    stranger.line = "+44 7700 900999".to_owned();
    let error = carrier.update_line(&stranger).await.unwrap_err();
    assert!(refused_with(&error, "line_unknown"), "{error:?}");

    // The carrier moves to a new key: the old one is refused from then on, the new one works,
    // and the phone's line carries the rotation signed by the old key.
    let (_, next_pkcs8) = SigningKey::generate().unwrap();
    let next_key = carrier
        .rotate_key(&next_pkcs8, 365 * DAY_SECS)
        .await
        .unwrap();
    assert_eq!(carrier.public_key(), next_key);
    let error = carrier_with_old_key(&backend, &pkcs8).await;
    assert!(refused_with(&error, "bad_signature"), "{error:?}");
    assert_eq!(carrier.lines().await.unwrap().len(), 1);
    let documents = phone.line_documents(&device_key).await.unwrap();
    assert_eq!(documents.key_rotations.len(), 1);
    let rotation = KeyRotation::open(&decode(&documents.key_rotations[0]), &[first_key]).unwrap();
    assert_eq!(rotation.new_key, next_key);
    assert_eq!(rotation.carrier, CARRIER);

    // A safety pack signed with the new key reaches the phone's line; its version only grows.
    let next = SigningKey::from_pkcs8(&next_pkcs8).unwrap();
    let pack = envelope::seal(
        &serde_json::json!({"carrier": CARRIER, "version": 1, "texts": []}),
        SAFETY_PACK_CONTEXT,
        &next,
    )
    .unwrap();
    carrier.upload_safety_pack(&pack).await.unwrap();
    let error = carrier.upload_safety_pack(&pack).await.unwrap_err();
    assert!(refused_with(&error, "version_not_newer"), "{error:?}");
    let documents = phone.line_documents(&device_key).await.unwrap();
    assert_eq!(
        documents.safety_pack.as_deref().map(decode),
        Some(pack.clone())
    );

    // Deactivation: signed with the new key, above the newest profile.
    let error = carrier
        .deactivate("no-such-handle", "ended")
        .await
        .unwrap_err();
    assert!(matches!(error, CarrierError::UnknownLine), "{error:?}");
    let done = carrier
        .deactivate(&handle, "line passed to an adult")
        .await
        .unwrap();
    assert_eq!(done.deactivation.sequence, 3);
    assert_eq!(done.deactivation.device_id, registered.id);
    assert_eq!(done.line.state, CarrierLineState::Deactivated);
    let documents = phone.line_documents(&device_key).await.unwrap();
    let (deactivation, signer): (LineDeactivation, PublicKey) = envelope::open(
        &decode(documents.deactivation.as_deref().unwrap()),
        DEACTIVATION_CONTEXT,
        &[first_key, next_key],
        64 * 1024,
    )
    .unwrap();
    assert_eq!(signer, next_key);
    assert_eq!(deactivation, done.deactivation);
    backend.server.shutdown().await.unwrap();
}

/// What the backend answers the carrier's old key after the rotation.
async fn carrier_with_old_key(backend: &Backend, pkcs8: &[u8]) -> CarrierError {
    carrier(backend, pkcs8).lines().await.unwrap_err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_terms_are_named_before_anything_is_sent_and_change_nothing() {
    let backend = backend().await;
    let (pkcs8, _) = admit(&backend).await;
    let carrier = carrier(&backend, &pkcs8);

    let both = carrier
        .add_line(&line(Some(AgeBand::From9To12), Some("2015-01")))
        .await
        .unwrap_err();
    assert!(matches!(both, CarrierError::InvalidInput(_)), "{both:?}");
    let neither = carrier.add_line(&line(None, None)).await.unwrap_err();
    assert!(
        matches!(neither, CarrierError::InvalidInput(_)),
        "{neither:?}"
    );
    for (month, expected) in [
        ("2015-13", BirthMonthError::Malformed),
        ("15-01", BirthMonthError::Malformed),
        ("2999-01", BirthMonthError::InTheFuture),
    ] {
        let error = carrier
            .add_line(&line(None, Some(month)))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, CarrierError::BirthMonth(got) if *got == expected),
            "{month}: {error:?}"
        );
    }
    let adult = carrier
        .add_line(&line(None, Some("1990-01")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            adult,
            CarrierError::BirthMonth(BirthMonthError::Adult { .. })
        ),
        "{adult:?}"
    );
    assert!(adult.to_string().contains("deactivate"), "{adult}");
    let mut lower_case = line(Some(AgeBand::From9To12), None);
    lower_case.country = "gb".to_owned();
    let error = carrier.add_line(&lower_case).await.unwrap_err();
    assert!(matches!(error, CarrierError::InvalidInput(_)), "{error:?}");
    // The backend's own checks still hold for what only it judges.
    let mut bad_category = line(Some(AgeBand::From9To12), None);
    bad_category.extra_blocked_categories = vec!["Not A Category".to_owned()];
    let error = carrier.add_line(&bad_category).await.unwrap_err();
    assert!(refused_with(&error, "bad_categories"), "{error:?}");
    assert!(
        carrier.lines().await.unwrap().is_empty(),
        "nothing was added"
    );

    // A line with no device yet has nothing to deactivate, and a reason is needed.
    let handle = carrier
        .add_line(&line(Some(AgeBand::From9To12), None))
        .await
        .unwrap();
    let error = carrier.deactivate(&handle, "ended").await.unwrap_err();
    assert!(matches!(error, CarrierError::NotReady(_)), "{error:?}");
    let error = carrier.deactivate(&handle, "  ").await.unwrap_err();
    assert!(matches!(error, CarrierError::InvalidInput(_)), "{error:?}");
    let error = carrier.sign_pending(0).await.unwrap_err();
    assert!(matches!(error, CarrierError::InvalidInput(_)), "{error:?}");
    let lines = carrier.lines().await.unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].state, CarrierLineState::AwaitingDevice);
    assert_eq!(lines[0].sequence, None);

    // Neither a key that is not one nor a carrier id out of form opens the SDK.
    let config = CarrierConfig {
        backend_url: backend.server.url(),
        allow_insecure_loopback: true,
        carrier_id: CARRIER.to_owned(),
    };
    let error = ChildSafeCarrier::open(config.clone(), b"not a key").unwrap_err();
    assert!(matches!(error, CarrierError::Crypto(_)), "{error:?}");
    let error = ChildSafeCarrier::open(
        CarrierConfig {
            carrier_id: "Acme Mobile".to_owned(),
            ..config.clone()
        },
        &pkcs8,
    )
    .unwrap_err();
    assert!(matches!(error, CarrierError::InvalidInput(_)), "{error:?}");
    let error = ChildSafeCarrier::open(
        CarrierConfig {
            allow_insecure_loopback: false,
            ..config
        },
        &pkcs8,
    )
    .unwrap_err();
    assert!(
        matches!(error, CarrierError::Sync(SyncError::BadUrl(_))),
        "{error:?}"
    );
    backend.server.shutdown().await.unwrap();
}
