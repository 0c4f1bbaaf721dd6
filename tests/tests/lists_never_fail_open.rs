//! The filter's lists never fail open, told as stories of a phone whose lists expire: it is
//! offline for a month, its clock is moved forward and back, it restarts, its clock runs a year
//! ahead until a sync with the real backend on loopback corrects it, and an app update leaves
//! it without the key to its stored lists. Each phone is the SDK's facade over a real sled
//! directory, reading clocks the test sets. Through all of it, a page on the hashed
//! illegal-material list and a page in a blocked category stay blocked, and the state of the
//! lists shows where it should: in the status, as an event to the app, in the log, and to the
//! parent through the backend.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;

use childsafe_backend::storage::Storage;
use childsafe_backend::{RunningServer, ServerConfig, clock, open_storage, operator, spawn};
use childsafe_core::crypto::{PublicKey, SigningKey};
use childsafe_core::filter::bundle::{BundleBuilder, ListKind};
use childsafe_core::filter::decision::{DecisionReason, ListsStatus, UrlDecision, Verdict};
use childsafe_core::filter::{CanonicalUrl, HashedUrlEntry};
use childsafe_core::sdk::{ChildSafeEvent, POLICY_REFRESH_SECS};
use childsafe_core::settings::AgeBand;
use childsafe_core::settings::activation::ActivationProfile;
use childsafe_core::store::FileKeyStore;
use childsafe_core::sync::client::SyncClient;
use childsafe_core::time::ClockForTests;
use childsafe_core::{ChildSafe, ChildSafeConfig};
use childsafe_tests::pair_parent_by_qr;
use childsafe_tests::recorder::Recorder;
use tempfile::TempDir;

/// When the stories without a backend start.
const T0: u64 = 1_800_000_000;
const DAY: u64 = 24 * 3600;
const YEAR: u64 = 365 * DAY;
/// How long each bundle is valid when it is published.
const VALIDITY: u64 = 30 * DAY;
/// A page under an entry of the hashed illegal-material list.
const ILLEGAL_URL: &str = "https://abuse-material.example/gallery/page2";
/// The entry itself, as the hotline's list holds it.
const ILLEGAL_ENTRY: &str = "http://abuse-material.example/gallery/";
/// A page in the gambling category, which the child's age band blocks.
const GAMBLING_URL: &str = "https://casino.example/slots";
/// A page no list names.
const PLAIN_URL: &str = "https://en.wikipedia.org/wiki/Sea_otter";
const OPERATOR_TOKEN: &str = "operator-token-for-the-lists-tests";

/// A list bundle of `version` expiring at `expires_at`: gambling domains and the hashed
/// illegal-material list.
fn bundle(key: &SigningKey, version: u64, expires_at: u64) -> Vec<u8> {
    let mut builder = BundleBuilder::new(version, expires_at);
    builder
        .add_domains(
            "gambling",
            ListKind::Category,
            vec!["casino.example".to_owned()],
        )
        .unwrap();
    let entry = CanonicalUrl::parse(ILLEGAL_ENTRY.as_bytes()).unwrap();
    let expression = entry.lookup_expressions().next().unwrap();
    builder
        .add_hashed_urls("illegal", vec![HashedUrlEntry::from(expression)])
        .unwrap();
    builder.sign(key).unwrap()
}

/// A child's phone: its directory, data key and clocks, opened again at every restart.
struct Phone {
    _dir: TempDir,
    keys: FileKeyStore,
    config: ChildSafeConfig,
    clock: Arc<ClockForTests>,
    app: Arc<Recorder>,
    carrier: SigningKey,
}

impl Phone {
    /// A phone trusting `list_key`, its clocks at `now`, and safe mode on for a 9 to 12 year
    /// old (every category blocked).
    fn new(now: u64, list_key: PublicKey, configure: impl FnOnce(&mut ChildSafeConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (carrier, _) = SigningKey::generate().unwrap();
        let mut config = ChildSafeConfig {
            data_dir: dir.path().join("sdk").display().to_string(),
            trusted_carrier_keys: vec![carrier.public_key()],
            trusted_list_keys: vec![list_key],
            country: "GB".to_owned(),
            locale: "en".to_owned(),
            ..ChildSafeConfig::default()
        };
        configure(&mut config);
        let phone = Self {
            keys: FileKeyStore::new(dir.path().join("data.key")),
            _dir: dir,
            config,
            clock: Arc::new(ClockForTests::new(now)),
            app: Arc::new(Recorder::default()),
            carrier,
        };
        let device_id = phone.open().device_id();
        let profile = ActivationProfile {
            line: String::new(),
            device_id,
            birth_month: None,
            parents_may_relax: Vec::new(),
            carrier: "Example Mobile".to_owned(),
            profile_id: "line-1".to_owned(),
            band: AgeBand::From9To12,
            extra_blocked_categories: Vec::new(),
            issued_at: now,
            expires_at: now + VALIDITY,
            sequence: 1,
        }
        .sign(&phone.carrier)
        .unwrap();
        phone.open().activate(&profile).unwrap();
        phone
    }

    /// Opens the SDK, as the app does at every start.
    fn open(&self) -> ChildSafe {
        ChildSafe::open_with_clock(
            self.config.clone(),
            &self.keys,
            self.app.clone(),
            self.app.clone(),
            self.clock.clone(),
        )
        .unwrap()
    }
}

fn check(sdk: &ChildSafe, url: &str) -> UrlDecision {
    sdk.check_url(url).unwrap()
}

/// The illegal-material page and the gambling page are both blocked, each for its own reason.
fn assert_lists_filter(sdk: &ChildSafe) {
    let illegal = check(sdk, ILLEGAL_URL);
    assert_eq!(
        (illegal.verdict, illegal.reason),
        (Verdict::Block, DecisionReason::IllegalMaterial),
        "{illegal:?}"
    );
    let gambling = check(sdk, GAMBLING_URL);
    assert_eq!(
        (
            gambling.verdict,
            gambling.reason,
            gambling.category.as_deref()
        ),
        (
            Verdict::Block,
            DecisionReason::BlockedCategory,
            Some("gambling")
        ),
        "{gambling:?}"
    );
}

fn lists(sdk: &ChildSafe) -> ListsStatus {
    sdk.status().unwrap().lists
}

fn out_of_date(version: u64, since: u64) -> ListsStatus {
    ListsStatus {
        version: Some(version),
        out_of_date_since: Some(since),
        unavailable: false,
    }
}

fn up_to_date(version: u64) -> ListsStatus {
    ListsStatus {
        version: Some(version),
        ..ListsStatus::default()
    }
}

#[test]
fn lists_stay_in_force_after_a_restart_once_they_expired_offline() {
    let (list_key, _) = SigningKey::generate().unwrap();
    let phone = Phone::new(T0, list_key.public_key(), |_| {});
    let expiry = T0 + VALIDITY;
    let sdk = phone.open();
    assert_eq!(
        sdk.install_list_bundle(bundle(&list_key, 1, expiry))
            .unwrap(),
        1
    );
    assert_lists_filter(&sdk);
    assert_eq!(lists(&sdk), up_to_date(1));
    drop(sdk);

    // A month and a day with no network; then the app starts again.
    phone.clock.advance(VALIDITY + DAY);
    phone.app.clear();
    let sdk = phone.open();
    assert_lists_filter(&sdk);
    assert_eq!(lists(&sdk), out_of_date(1, expiry));
    assert_eq!(
        phone.app.events(),
        [ChildSafeEvent::ListsOutOfDate { since_unix: expiry }],
        "told once, when opened"
    );
    assert!(
        phone
            .app
            .warnings()
            .iter()
            .any(|line| line.contains("lists out of date since")),
        "{:?}",
        phone.app.warnings()
    );
    assert_lists_filter(&sdk);
    assert_eq!(phone.app.events().len(), 1, "not told again for each URL");

    // A bundle that is already expired is refused (the freeze defence), and the lists in force
    // stay; a fresh one ends the out-of-date state.
    assert!(
        sdk.install_list_bundle(bundle(&list_key, 2, expiry + DAY))
            .is_err()
    );
    assert_lists_filter(&sdk);
    assert_eq!(lists(&sdk), out_of_date(1, expiry));
    let now = T0 + VALIDITY + DAY;
    sdk.install_list_bundle(bundle(&list_key, 3, now + VALIDITY))
        .unwrap();
    assert_lists_filter(&sdk);
    assert_eq!(lists(&sdk), up_to_date(3));
}

#[test]
fn lists_that_expire_while_the_app_runs_offline_are_told_about_and_stay_in_force() {
    let (list_key, _) = SigningKey::generate().unwrap();
    let phone = Phone::new(T0, list_key.public_key(), |_| {});
    let expiry = T0 + VALIDITY;
    let sdk = phone.open();
    sdk.install_list_bundle(bundle(&list_key, 1, expiry))
        .unwrap();
    assert_lists_filter(&sdk);
    phone.app.clear();

    // The app keeps running, never restarted and never able to sync, past the expiry.
    phone.clock.advance(VALIDITY + DAY);
    assert_lists_filter(&sdk);
    assert_eq!(
        phone.app.events(),
        [ChildSafeEvent::ListsOutOfDate { since_unix: expiry }],
        "told when the browser's next check reads the time again"
    );
    phone.clock.advance(POLICY_REFRESH_SECS + 1);
    assert_lists_filter(&sdk);
    assert_eq!(phone.app.events().len(), 1, "told once");
    assert_eq!(lists(&sdk), out_of_date(1, expiry));
}

#[test]
fn a_clock_moved_past_expiry_and_back_never_takes_the_lists_away() {
    let (list_key, _) = SigningKey::generate().unwrap();
    let phone = Phone::new(T0, list_key.public_key(), |_| {});
    let expiry = T0 + VALIDITY;
    let sdk = phone.open();
    sdk.install_list_bundle(bundle(&list_key, 1, expiry))
        .unwrap();
    drop(sdk);

    // The child sets the clock two months ahead and restarts the app: the trusted clock does
    // not believe the jump within this boot, so the lists are not even out of date.
    phone.clock.set_wall(T0 + 2 * VALIDITY);
    let sdk = phone.open();
    assert_lists_filter(&sdk);
    assert_eq!(lists(&sdk), up_to_date(1));
    drop(sdk);

    // ...then restarts the phone: across a reboot the trusted clock takes a later wall clock,
    // so the lists are out of date, and stay in force.
    phone.clock.reboot();
    let sdk = phone.open();
    assert_lists_filter(&sdk);
    assert_eq!(lists(&sdk), out_of_date(1, expiry));
    assert!(
        phone
            .app
            .events()
            .contains(&ChildSafeEvent::ListsOutOfDate { since_unix: expiry })
    );
    drop(sdk);

    // ...then sets the clock back and restarts the app again: nothing changes.
    phone.clock.set_wall(T0 + DAY);
    let sdk = phone.open();
    assert_lists_filter(&sdk);
    assert_eq!(lists(&sdk), out_of_date(1, expiry));
}

#[test]
fn a_stored_bundle_no_trusted_key_opens_blocks_every_web_address_until_a_valid_one_installs() {
    let (old_key, _) = SigningKey::generate().unwrap();
    let phone = Phone::new(T0, old_key.public_key(), |_| {});
    let sdk = phone.open();
    sdk.install_list_bundle(bundle(&old_key, 1, T0 + VALIDITY))
        .unwrap();
    drop(sdk);

    // An app update ships another list key: the stored lists no longer open.
    let (new_key, _) = SigningKey::generate().unwrap();
    let mut updated = phone;
    updated.config.trusted_list_keys = vec![new_key.public_key()];
    updated.app.clear();
    let sdk = updated.open();
    for url in [
        PLAIN_URL,
        GAMBLING_URL,
        ILLEGAL_URL,
        "https://www.google.com/search?q=x",
    ] {
        let decision = check(&sdk, url);
        assert_eq!(
            (decision.verdict, decision.reason),
            (Verdict::Block, DecisionReason::ListsUnavailable),
            "{url}: {decision:?}"
        );
    }
    // Local pages still open: they load nothing.
    assert_eq!(check(&sdk, "about:blank").verdict, Verdict::Allow);
    let page = sdk.block_page(PLAIN_URL, &check(&sdk, PLAIN_URL)).unwrap();
    assert!(page.contains("safety lists on this device need to be updated"));
    assert!(lists(&sdk).unavailable);
    assert_eq!(updated.app.events(), [ChildSafeEvent::ListsUnavailable]);
    assert!(
        updated
            .app
            .warnings()
            .iter()
            .any(|line| line.contains("every web address is blocked")),
        "{:?}",
        updated.app.warnings()
    );

    // A bundle signed with the new key ends it.
    sdk.install_list_bundle(bundle(&new_key, 2, T0 + VALIDITY))
        .unwrap();
    assert_eq!(check(&sdk, PLAIN_URL).verdict, Verdict::Allow);
    assert_lists_filter(&sdk);
    assert_eq!(lists(&sdk), up_to_date(2));
}

#[test]
fn a_phone_that_never_had_lists_keeps_its_built_in_rules() {
    let (list_key, _) = SigningKey::generate().unwrap();
    let phone = Phone::new(T0, list_key.public_key(), |_| {});
    let sdk = phone.open();
    let plain = check(&sdk, PLAIN_URL);
    assert_eq!(
        (plain.verdict, plain.reason),
        (Verdict::Allow, DecisionReason::NoRuleApplies)
    );
    let literal = check(&sdk, "http://10.0.0.1/");
    assert_eq!(
        (literal.verdict, literal.category.as_deref()),
        (Verdict::Block, Some("ip-literal"))
    );
    assert_eq!(lists(&sdk), ListsStatus::default());
    // Activation told the app of the new settings and of the safety information to show.
    assert_eq!(
        phone.app.events(),
        [
            ChildSafeEvent::SettingsChanged,
            ChildSafeEvent::SafetyInformationAvailable
        ]
    );
}

/// The real backend on loopback, signing its time with a key the test knows, with the operator
/// API on.
struct Backend {
    storage: Arc<dyn Storage>,
    server: RunningServer,
    time_key: PublicKey,
    _dir: TempDir,
}

impl Backend {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let storage = open_storage(Some(dir.path()), None).await.unwrap();
        let (time_key, pkcs8) = SigningKey::generate().unwrap();
        let mut config = ServerConfig::loopback();
        config.operator_token = Some(OPERATOR_TOKEN.to_owned());
        config.time_key = Some(pkcs8);
        let server = spawn(Arc::clone(&storage), config).await.unwrap();
        Self {
            storage,
            server,
            time_key: time_key.public_key(),
            _dir: dir,
        }
    }

    /// Publishes a list bundle, as the operator does.
    async fn publish(&self, bytes: Vec<u8>, version: u64, expires_at: u64) {
        let response = reqwest::Client::new()
            .put(format!("{}/v1/operator/bundles/lists", self.server.url()))
            .bearer_auth(OPERATOR_TOKEN)
            .header("x-bundle-version", version.to_string())
            .header("x-bundle-expires-at", expires_at.to_string())
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }

    /// A phone registered with this backend, trusting `time_key` for the server's time.
    async fn phone(&self, now: u64, list_key: PublicKey, time_key: Option<PublicKey>) -> Phone {
        let url = self.server.url();
        let phone = Phone::new(now, list_key, |config| {
            config.backend_url = Some(url);
            config.allow_insecure_loopback = true;
            config.trusted_server_time_keys = time_key.into_iter().collect();
        });
        let token = operator::mint_activation_tokens(self.storage.as_ref(), 1, clock::unix_now())
            .await
            .unwrap()
            .remove(0);
        phone.open().register(&token).await.unwrap();
        phone
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_a_year_ahead_is_corrected_by_the_server_and_a_new_bundle_installs() {
    let backend = Backend::start().await;
    let (list_key, _) = SigningKey::generate().unwrap();
    let now = clock::unix_now();
    let phone = backend
        .phone(now, list_key.public_key(), Some(backend.time_key))
        .await;
    let sdk = phone.open();
    sdk.install_list_bundle(bundle(&list_key, 1, now + VALIDITY))
        .unwrap();
    drop(sdk);

    // The clock is set a year ahead and the phone restarted: the trusted clock believes it, so
    // every bundle looks expired.
    phone.clock.set_wall(now + YEAR);
    phone.clock.reboot();
    let sdk = phone.open();
    assert_lists_filter(&sdk);
    assert_eq!(lists(&sdk), out_of_date(1, now + VALIDITY));

    // The operator publishes a new bundle; the next sync takes the server's signed time first,
    // so the bundle is judged on the right time and installs in the same sync.
    backend
        .publish(bundle(&list_key, 2, now + VALIDITY), 2, now + VALIDITY)
        .await;
    let summary = sdk.sync_now().await.unwrap();
    assert_eq!(
        summary.bundles_applied,
        ["lists v2"],
        "{:?}",
        phone.app.warnings()
    );
    assert!(
        phone
            .app
            .lines()
            .iter()
            .any(|line| line.contains("trusted clock set by the server")),
        "{:?}",
        phone.app.lines()
    );
    assert_lists_filter(&sdk);
    assert_eq!(lists(&sdk), up_to_date(2));
    drop(sdk);

    // Restarted with the clock still a year ahead, the phone keeps the corrected time.
    let sdk = phone.open();
    assert_eq!(lists(&sdk), up_to_date(2));
    assert_lists_filter(&sdk);
    backend.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_set_up_with_its_clock_a_year_ahead_takes_bundles_after_its_first_sync() {
    let backend = Backend::start().await;
    let (list_key, _) = SigningKey::generate().unwrap();
    let now = clock::unix_now();
    // The very first reading the phone ever takes is a year ahead: nothing better is known yet.
    let phone = backend
        .phone(now + YEAR, list_key.public_key(), Some(backend.time_key))
        .await;
    let sdk = phone.open();
    assert!(
        sdk.install_list_bundle(bundle(&list_key, 1, now + VALIDITY))
            .is_err(),
        "a bundle looks expired on a clock a year ahead"
    );
    // The server's signed time brings the estimate back, and the bundle installs in that sync.
    backend
        .publish(bundle(&list_key, 1, now + VALIDITY), 1, now + VALIDITY)
        .await;
    let summary = sdk.sync_now().await.unwrap();
    assert_eq!(
        summary.bundles_applied,
        ["lists v1"],
        "{:?}",
        phone.app.warnings()
    );
    assert_lists_filter(&sdk);
    assert_eq!(lists(&sdk), up_to_date(1));
    backend.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_server_s_time_a_sync_says_so_and_the_lists_stay_in_force() {
    let backend = Backend::start().await;
    let (list_key, _) = SigningKey::generate().unwrap();
    let (stranger, _) = SigningKey::generate().unwrap();
    // No time key at all, and a key the server does not sign with.
    let cases = [
        (None, "no server time key is configured"),
        (
            Some(stranger.public_key()),
            "the server's time was not taken",
        ),
    ];
    for (version, (time_key, warning)) in (1..).step_by(2).zip(cases) {
        let now = clock::unix_now();
        let phone = backend.phone(now, list_key.public_key(), time_key).await;
        let sdk = phone.open();
        sdk.install_list_bundle(bundle(&list_key, version, now + VALIDITY))
            .unwrap();
        drop(sdk);
        phone.clock.set_wall(now + YEAR);
        phone.clock.reboot();
        let sdk = phone.open();
        let newer = version + 1;
        backend
            .publish(
                bundle(&list_key, newer, now + VALIDITY),
                newer,
                now + VALIDITY,
            )
            .await;

        let summary = sdk.sync_now().await.unwrap();
        assert!(summary.bundles_applied.is_empty(), "{summary:?}");
        let warnings = phone.app.warnings();
        assert!(
            warnings.iter().any(|line| line.contains(warning)),
            "{warnings:?}"
        );
        assert!(
            warnings
                .iter()
                .any(|line| line.contains("bundle refused") && line.contains("expired")),
            "{warnings:?}"
        );
        assert_lists_filter(&sdk);
        assert_eq!(lists(&sdk), out_of_date(version, now + VALIDITY));
    }
    backend.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_sees_that_the_phone_s_lists_are_out_of_date() {
    let backend = Backend::start().await;
    let (list_key, _) = SigningKey::generate().unwrap();
    let now = clock::unix_now();
    // Without the server's time key: here the test's clocks, not the server's, say how long the
    // phone has been on.
    let phone = backend.phone(now, list_key.public_key(), None).await;
    let sdk = phone.open();
    sdk.install_list_bundle(bundle(&list_key, 1, now + DAY))
        .unwrap();
    let (parent_key, _) = SigningKey::generate().unwrap();
    let parent = SyncClient::for_parent(&backend.server.url(), true).unwrap();
    let parent_id = parent.register_parent(&parent_key).await.unwrap();
    sdk.set_pin("4821", None).unwrap();
    pair_parent_by_qr(&sdk, "4821", &parent, &parent_key).await;
    // Another parent, not paired with this phone.
    let (stranger_key, _) = SigningKey::generate().unwrap();
    let stranger = SyncClient::for_parent(&backend.server.url(), true).unwrap();
    stranger.register_parent(&stranger_key).await.unwrap();

    sdk.sync_now().await.unwrap();
    let devices = parent.parent_devices(&parent_key).await.unwrap();
    let status = devices.peers[0].status.clone().unwrap();
    assert_eq!(
        (status.lists_version, status.lists_out_of_date_since),
        (Some(1), None)
    );

    // The phone stays on for two days without a newer bundle: the lists expire on its trusted
    // clock, and the next sync tells the backend.
    phone.clock.advance(2 * DAY);
    sdk.sync_now().await.unwrap();
    let devices = parent.parent_devices(&parent_key).await.unwrap();
    assert_eq!(devices.peers.len(), 1, "{parent_id}: {devices:?}");
    let status = devices.peers[0].status.clone().unwrap();
    assert_eq!(
        (
            status.lists_version,
            status.lists_out_of_date_since,
            status.lists_unavailable
        ),
        (Some(1), Some(now + DAY), false)
    );
    assert!(
        stranger
            .parent_devices(&stranger_key)
            .await
            .unwrap()
            .peers
            .is_empty()
    );
    assert_lists_filter(&sdk);
    backend.server.shutdown().await.unwrap();
}
