//! A child's phone switched on through its carrier line, end to end: the real backend on
//! loopback, the real SDK on a real store, the carrier's and the parent's SDK objects.
//!
//! - The phone opens on a child's line already protected, registers with the line, and takes
//!   the profile the carrier signed for that line and device at its next sync; a parent's
//!   change survives the carrier's next profile.
//! - A wiped app comes back protected from its first URL check, and gets its profile and the
//!   tightenings of its previous self back.
//! - A carrier's key rotation reaches the phone through its line; the old key's documents are
//!   refused from then on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use childsafe_backend::storage::{CarrierRecord, Storage};
use childsafe_backend::{RunningServer, ServerConfig, clock, open_storage, spawn};
use childsafe_core::carrier::{CarrierConfig, ChildSafeCarrier, LineSettings, SignedProfileInfo};
use childsafe_core::crypto::{PublicKey, SigningKey};
use childsafe_core::filter::decision::UrlDecision;
use childsafe_core::parent::{ChildSafeParent, ParentConfig};
use childsafe_core::protocol::keys::{Delegation, KeyRole, TrustDocument};
use childsafe_core::sdk::{ChildSafeEvent, LineIdentity, LineInfo};
use childsafe_core::settings::AgeBand;
use childsafe_core::settings::activation::ActivationProfile;
use childsafe_core::settings::parent_command::ParentAction;
use childsafe_core::store::FileKeyStore;
use childsafe_core::{ChildSafe, ChildSafeConfig};
use childsafe_tests::recorder::Recorder;
use tempfile::TempDir;

const CARRIER: &str = "acme-mobile";
const LINE: &str = "+44 7700 900456";
const PIN: &str = "482916";
const DAY_SECS: u64 = 86_400;

/// The line the platform reads.
struct ChildsLine;

impl LineIdentity for ChildsLine {
    fn current_line(&self) -> Option<LineInfo> {
        Some(LineInfo {
            line_id: LINE.to_owned(),
            child_line: true,
        })
    }
}

/// The backend, the root key phones trust, and the carrier it delegated.
struct World {
    /// Kept open for the server's life.
    _storage: Arc<dyn Storage>,
    server: RunningServer,
    root: SigningKey,
    carrier_pkcs8: Vec<u8>,
    carrier_public: PublicKey,
    dir: TempDir,
}

impl World {
    async fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let storage = open_storage(Some(&dir.path().join("backend")), None)
            .await
            .unwrap();
        let server = spawn(Arc::clone(&storage), ServerConfig::loopback())
            .await
            .unwrap();
        let (root, _) = SigningKey::generate().unwrap();
        let (carrier_key, carrier_pkcs8) = SigningKey::generate().unwrap();
        storage
            .admit_carrier(CarrierRecord {
                id: CARRIER.to_owned(),
                name: "Acme Mobile".to_owned(),
                public_key: carrier_key.public_key(),
                rotations: Vec::new(),
                safety_pack: None,
                admitted_at: clock::unix_now(),
            })
            .await
            .unwrap();
        World {
            _storage: storage,
            server,
            root,
            carrier_pkcs8,
            carrier_public: carrier_key.public_key(),
            dir,
        }
    }

    fn carrier(&self) -> ChildSafeCarrier {
        ChildSafeCarrier::open(
            CarrierConfig {
                backend_url: self.server.url(),
                allow_insecure_loopback: true,
                carrier_id: CARRIER.to_owned(),
            },
            &self.carrier_pkcs8,
        )
        .unwrap()
    }

    /// The root's trust document delegating the carrier's key to its carrier id.
    fn trust_document(&self) -> Vec<u8> {
        let now = clock::unix_now();
        TrustDocument {
            version: 1,
            issued_at: now,
            expires_at: now + 30 * DAY_SECS,
            delegations: vec![Delegation {
                role: KeyRole::Carrier,
                key: self.carrier_public,
                carrier: Some(CARRIER.to_owned()),
                expires_at: now + 365 * DAY_SECS,
            }],
            revoked: Vec::new(),
        }
        .sign(&self.root)
        .unwrap()
    }

    /// A phone in `name`, on the child's line, trusting only the root key.
    fn phone(&self, name: &str, app: &Arc<Recorder>) -> ChildSafe {
        let dir = self.dir.path().join(name);
        let config = ChildSafeConfig {
            data_dir: path_text(&dir),
            backend_url: Some(self.server.url()),
            allow_insecure_loopback: true,
            trusted_root_keys: vec![self.root.public_key()],
            country: "GB".to_owned(),
            locale: "en".to_owned(),
            ..ChildSafeConfig::default()
        };
        let key_store = FileKeyStore::new(self.dir.path().join(format!("{name}.key")));
        ChildSafe::open_on_line(
            config,
            &key_store,
            app.clone(),
            app.clone(),
            Arc::new(ChildsLine),
        )
        .unwrap()
    }

    /// Switches `phone` on through its line: it installs the root's trust document, registers
    /// with its line, the carrier signs what is pending, and the phone syncs. The device id and
    /// the profiles the carrier signed.
    async fn switch_on(
        &self,
        phone: &ChildSafe,
        carrier: &ChildSafeCarrier,
    ) -> (String, Vec<SignedProfileInfo>) {
        phone.install_trust_document(self.trust_document()).unwrap();
        let device_id = phone.register_with_line().await.unwrap();
        let signed = carrier.sign_pending(30 * DAY_SECS).await.unwrap();
        phone.sync_now().await.unwrap();
        (device_id, signed)
    }

    /// A parent's app paired with `phone` through its QR code, the PIN entered on the phone.
    async fn paired_parent(&self, name: &str, phone: &ChildSafe) -> ChildSafeParent {
        let parent = ChildSafeParent::open(
            ParentConfig {
                data_dir: path_text(&self.dir.path().join(name)),
                backend_url: self.server.url(),
                allow_insecure_loopback: true,
            },
            &FileKeyStore::new(self.dir.path().join(format!("{name}.key"))),
        )
        .unwrap();
        parent.register().await.unwrap();
        let invite = phone.start_pairing(PIN).await.unwrap();
        parent.pair(&invite.qr_payload).await.unwrap();
        let pending = phone.pending_parent().await.unwrap();
        phone.confirm_parent(PIN, &pending.parent_id).await.unwrap();
        parent.sync().await.unwrap();
        parent
    }
}

fn path_text(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}

fn line_at(band: AgeBand, extra: &[&str]) -> LineSettings {
    LineSettings {
        line: LINE.to_owned(),
        country: "GB".to_owned(),
        band: Some(band),
        birth_month: None,
        extra_blocked_categories: extra.iter().map(|c| (*c).to_owned()).collect(),
        parents_may_relax: vec!["gambling".to_owned()],
    }
}

fn blocks(phone: &ChildSafe, url: &str) -> bool {
    let decision: UrlDecision = phone.check_url(url).unwrap();
    decision.block_reason().is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_is_switched_on_through_its_line_and_a_parents_change_survives_a_new_profile() {
    let world = World::new().await;
    let carrier = world.carrier();
    carrier
        .add_line(&line_at(AgeBand::From9To12, &[]))
        .await
        .unwrap();

    let app = Arc::new(Recorder::default());
    let phone = world.phone("phone", &app);
    // Before any network: a child's line with no profile is protected at the strictest band.
    let status = phone.status().unwrap();
    assert!(status.safe_mode && status.provisional, "{status:?}");
    assert_eq!(status.band.as_deref(), Some("0-5"));
    assert!(
        blocks(&phone, "https://example.com/"),
        "allowlist-only at 0-5"
    );

    let (device_id, signed) = world.switch_on(&phone, &carrier).await;
    assert_eq!(signed.len(), 1);
    assert_eq!(signed[0].profile.device_id, device_id);
    let status = phone.status().unwrap();
    assert_eq!(status.band.as_deref(), Some("9-12"));
    assert!(!status.provisional);
    assert_eq!(status.carrier.as_deref(), Some(CARRIER));
    assert!(status.blocked_categories.iter().any(|c| c == "gambling"));
    assert!(!blocks(&phone, "https://example.com/"));
    assert!(
        app.events()
            .contains(&ChildSafeEvent::SafetyInformationAvailable),
        "activation shows the safety information"
    );

    // The parent denies a host and relaxes what the carrier lets parents relax.
    phone.set_pin(PIN, None).unwrap();
    let parent = world.paired_parent("parent", &phone).await;
    for action in [
        ParentAction::DenyHost {
            host: "example.org".to_owned(),
        },
        ParentAction::UnblockCategory {
            category: "gambling".to_owned(),
        },
    ] {
        parent.send(&device_id, action).await.unwrap();
    }
    phone.sync_now().await.unwrap();
    assert!(blocks(&phone, "https://example.org/"));
    assert!(
        !phone
            .status()
            .unwrap()
            .blocked_categories
            .iter()
            .any(|c| c == "gambling")
    );

    // The carrier's next profile adds a category; the parent's choices stay.
    carrier
        .update_line(&line_at(AgeBand::From9To12, &["dating"]))
        .await
        .unwrap();
    let signed = carrier.sign_pending(30 * DAY_SECS).await.unwrap();
    assert_eq!(signed.len(), 1);
    phone.sync_now().await.unwrap();
    let status = phone.status().unwrap();
    assert!(status.blocked_categories.iter().any(|c| c == "dating"));
    assert!(
        !status.blocked_categories.iter().any(|c| c == "gambling"),
        "the parent's relaxation the carrier allows survives: {status:?}"
    );
    assert!(
        blocks(&phone, "https://example.org/"),
        "the parent's deny survives"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wiped_app_is_protected_from_its_first_check_and_gets_its_profile_back() {
    let world = World::new().await;
    let carrier = world.carrier();
    carrier
        .add_line(&line_at(AgeBand::From13To15, &[]))
        .await
        .unwrap();
    let app = Arc::new(Recorder::default());
    let first = world.phone("first", &app);
    let (first_id, _) = world.switch_on(&first, &carrier).await;
    first.set_pin(PIN, None).unwrap();
    let parent = world.paired_parent("parent", &first).await;
    parent
        .send(
            &first_id,
            ParentAction::DenyHost {
                host: "example.org".to_owned(),
            },
        )
        .await
        .unwrap();
    // This sync applies the deny and reports the signed snapshot that carries it.
    first.sync_now().await.unwrap();
    assert!(blocks(&first, "https://example.org/"));
    drop(first);

    // The app's data is wiped: a new store, a new device key, the same line.
    std::fs::remove_dir_all(world.dir.path().join("first")).unwrap();
    std::fs::remove_file(world.dir.path().join("first.key")).unwrap();
    let app = Arc::new(Recorder::default());
    let again = world.phone("first", &app);
    assert_ne!(again.device_id(), first_id);
    let status = again.status().unwrap();
    assert!(status.safe_mode && status.provisional, "{status:?}");
    assert!(
        blocks(&again, "https://example.com/"),
        "protected from the first check"
    );

    let (again_id, signed) = world.switch_on(&again, &carrier).await;
    assert_eq!(signed.len(), 1);
    assert_eq!(
        signed[0].profile.device_id, again_id,
        "the line moved to the new device"
    );
    let status = again.status().unwrap();
    assert_eq!(status.band.as_deref(), Some("13-15"));
    assert!(!status.provisional);
    assert!(!blocks(&again, "https://example.com/"));
    assert!(
        blocks(&again, "https://example.org/"),
        "the parent's deny comes back from the previous device's signed snapshot"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_key_rotation_reaches_the_phone_and_the_old_key_is_refused_after_it() {
    let world = World::new().await;
    let carrier = world.carrier();
    carrier
        .add_line(&line_at(AgeBand::From9To12, &[]))
        .await
        .unwrap();
    let app = Arc::new(Recorder::default());
    let phone = world.phone("phone", &app);
    let (device_id, first) = world.switch_on(&phone, &carrier).await;
    assert_eq!(phone.status().unwrap().band.as_deref(), Some("9-12"));

    let (_, new_pkcs8) = SigningKey::generate().unwrap();
    carrier
        .rotate_key(&new_pkcs8, 365 * DAY_SECS)
        .await
        .unwrap();
    carrier
        .update_line(&line_at(AgeBand::From13To15, &[]))
        .await
        .unwrap();
    carrier.sign_pending(30 * DAY_SECS).await.unwrap();
    phone.sync_now().await.unwrap();
    assert_eq!(
        phone.status().unwrap().band.as_deref(),
        Some("13-15"),
        "the rotation came through the line and the new key's profile applied"
    );

    // The old key, retired by the rotation, signs a newer profile: refused, nothing changes.
    let old_key = SigningKey::from_pkcs8(&world.carrier_pkcs8).unwrap();
    let now = clock::unix_now();
    let forged = ActivationProfile {
        carrier: CARRIER.to_owned(),
        profile_id: "old-key".to_owned(),
        line: first[0].profile.line.clone(),
        device_id,
        band: AgeBand::From16To17,
        birth_month: None,
        extra_blocked_categories: Vec::new(),
        parents_may_relax: Vec::new(),
        issued_at: now,
        expires_at: now + DAY_SECS,
        sequence: 99,
    }
    .sign(&old_key)
    .unwrap();
    assert!(phone.activate(&forged).is_err());
    assert_eq!(phone.status().unwrap().band.as_deref(), Some("13-15"));
}
