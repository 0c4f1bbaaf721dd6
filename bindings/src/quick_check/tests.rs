//! The quick check through its C entry point, on a real device: a sealed store in a temporary
//! directory, safe mode on at 9-12, a signed bundle with one listed host.
#![allow(clippy::expect_used)]

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use childsafe_core::ChildSafeConfig;
use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::bundle::{BundleBuilder, ListKind};
use childsafe_core::sdk::{ChildSafeEvent, EventListener, LogLevel, Logger};
use childsafe_core::settings::AgeBand;
use childsafe_core::settings::activation::ActivationProfile;

use super::*;
use crate::{ChildSafe, ChildSafeError, KeyStore};

#[test]
fn answers_as_url_loads_as_is() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let sdk = protected_device(dir.path());
    let token = Arc::clone(&sdk).quick_check_token();
    for (url, expected) in [
        ("https://cdn.example.org/app.js", LOADS_AS_IS),
        ("https://casino.example/slots", NOT_AS_IS),
        ("https://www.google.com/search?q=dinosaur", NOT_AS_IS),
        ("javascript:alert(1)", NOT_AS_IS),
        ("", NOT_AS_IS),
        ("https://bücher.example/straße", LOADS_AS_IS),
    ] {
        assert_eq!(quick(token, url), expected, "{url}");
        let loads = sdk
            .url_loads_as_is(url.to_owned())
            .expect("url_loads_as_is");
        assert_eq!(quick(token, url) == LOADS_AS_IS, loads, "{url}");
    }
}

#[test]
fn one_token_per_object_that_does_not_keep_it_open() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let sdk = protected_device(dir.path());
    let token = Arc::clone(&sdk).quick_check_token();
    assert_eq!(Arc::clone(&sdk).quick_check_token(), token);
    assert_eq!(
        Arc::strong_count(&sdk),
        1,
        "the registry holds the object weakly"
    );
    assert_eq!(quick(token, "https://cdn.example.org/app.js"), LOADS_AS_IS);
    drop(sdk);
    assert_eq!(
        quick(token, "https://cdn.example.org/app.js"),
        UNKNOWN_TOKEN
    );
    assert!(!registry().read().expect("registry").contains_key(&token));
}

#[test]
fn refuses_what_it_cannot_read() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let sdk = protected_device(dir.path());
    let token = Arc::clone(&sdk).quick_check_token();
    let url = b"https://cdn.example.org/app.js";
    let call = |token, url: *const u8, len| {
        // SAFETY: whenever the length is positive and within the bound, `url` points to at least
        // that many bytes of `url` above.
        unsafe { childsafe_quick_url_loads_as_is(token, url, len) }
    };
    assert_eq!(
        call(0, url.as_ptr(), 30),
        UNKNOWN_TOKEN,
        "0 is never issued"
    );
    assert_eq!(call(u64::MAX, url.as_ptr(), 30), UNKNOWN_TOKEN);
    assert_eq!(call(token, std::ptr::null(), 0), BAD_ARGUMENT);
    assert_eq!(call(token, std::ptr::null(), 30), BAD_ARGUMENT);
    assert_eq!(call(token, url.as_ptr(), -1), BAD_ARGUMENT);
    assert_eq!(call(token, url.as_ptr(), i32::MIN), BAD_ARGUMENT);
    let over = i32::try_from(MAX_URL_BYTES + 1).expect("bound fits an i32");
    assert_eq!(call(token, url.as_ptr(), over), BAD_ARGUMENT);
    assert_eq!(call(token, [0xff, 0xfe].as_ptr(), 2), NOT_UTF8);
    // Only the first `len` bytes are read: the prefix of a blocked URL that names another host.
    let blocked_behind = b"https://cdn.example.org/https://casino.example/";
    assert_eq!(call(token, blocked_behind.as_ptr(), 24), LOADS_AS_IS);
    assert_eq!(
        call(token, b"https://casino.example/".as_ptr(), 23),
        NOT_AS_IS
    );
}

#[test]
fn an_error_never_answers_as_is() {
    assert_eq!(answer(Ok(true)), LOADS_AS_IS);
    assert_eq!(answer(Ok(false)), NOT_AS_IS);
    assert_eq!(
        answer(Err(SdkError::InvalidInput("the store failed"))),
        SDK_ERROR
    );
}

/// The quick check of `url` through the C entry point.
fn quick(token: u64, url: &str) -> i32 {
    let len = i32::try_from(url.len()).expect("short URL");
    // SAFETY: `url` is `len` readable bytes, borrowed for the call.
    unsafe { childsafe_quick_url_loads_as_is(token, url.as_ptr(), len) }
}

/// A device protected at 9-12 whose lists name `casino.example` as gambling.
fn protected_device(dir: &std::path::Path) -> Arc<ChildSafe> {
    let (carrier, _) = SigningKey::generate().expect("carrier key");
    let (lists, _) = SigningKey::generate().expect("list key");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let config = ChildSafeConfig {
        data_dir: dir.join("device").to_string_lossy().into_owned(),
        trusted_carrier_keys: vec![carrier.public_key()],
        trusted_list_keys: vec![lists.public_key()],
        country: "GB".to_owned(),
        locale: "en".to_owned(),
        ..ChildSafeConfig::default()
    };
    let sdk = ChildSafe::open(config, Arc::new(FixedKey), Arc::new(Quiet), Arc::new(Quiet))
        .expect("open");
    let profile = ActivationProfile {
        line: String::new(),
        device_id: sdk.device_id(),
        birth_month: None,
        parents_may_relax: Vec::new(),
        carrier: "Test Carrier".to_owned(),
        profile_id: "quick-check".to_owned(),
        band: AgeBand::From9To12,
        extra_blocked_categories: Vec::new(),
        issued_at: now,
        expires_at: now + 86_400,
        sequence: 1,
    };
    sdk.activate(profile.sign(&carrier).expect("sign profile"))
        .expect("activate");
    let mut bundle = BundleBuilder::new(1, now + 86_400);
    bundle
        .add_domains(
            "gambling",
            ListKind::Category,
            ["casino.example".to_owned()],
        )
        .expect("list");
    sdk.install_list_bundle(bundle.sign(&lists).expect("sign bundle"))
        .expect("install");
    sdk
}

/// The same data key every time, as a platform key store gives.
struct FixedKey;

impl KeyStore for FixedKey {
    fn data_key(&self) -> Result<Vec<u8>, ChildSafeError> {
        Ok(vec![7; 32])
    }
}

struct Quiet;

impl Logger for Quiet {
    fn log(&self, _level: LogLevel, _message: String) {}
}

impl EventListener for Quiet {
    fn on_event(&self, _event: ChildSafeEvent) {}
}
