//! The Rust side of the FFI overhead benchmark: `check_url` and `check_urls` (per URL, a batch
//! of [`BATCH`] URLs, a page and its subresources) called on `childsafe_core::ChildSafe`
//! directly, with no FFI in between. The Kotlin side (`FfiOverheadBenchTest` in tests/kotlin, run
//! with `mvn -Pbench`) sets up the same device and the same URLs, and calls through JNA; the
//! ratio of the two figures is what the bindings cost.
//!
//!     cargo bench -p childsafe-ffi --bench ffi_overhead
//!
//! The device: safe mode on at age band 9-12 (a carrier profile), a signed list bundle with one
//! category of [`LISTED_HOSTS`] hosts. Prints figures; asserts nothing.
#![allow(clippy::expect_used, clippy::print_stdout)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::bundle::{BundleBuilder, ListKind};
use childsafe_core::sdk::{ChildSafeEvent, EventListener, LogLevel, Logger};
use childsafe_core::settings::AgeBand;
use childsafe_core::settings::activation::ActivationProfile;
use childsafe_core::store::FileKeyStore;
use childsafe_core::{ChildSafe, ChildSafeConfig};

/// URLs in one `check_urls` call, about what a page loads.
const BATCH: usize = 50;
/// Hosts on the category list, as in the Kotlin bench.
const LISTED_HOSTS: usize = 1_000;
/// How long each figure is measured for, after as long again of warm-up.
const MEASURE: Duration = Duration::from_secs(3);

fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let sdk = device(dir.path());
    let urls = batch_urls();

    let single = per_call(|| {
        for url in &urls {
            black_box(sdk.check_url(url).expect("check_url"));
        }
    }) / BATCH as u32;
    let batched = per_call(|| {
        black_box(sdk.check_urls(&urls).expect("check_urls"));
    }) / BATCH as u32;

    println!(
        "ffi_overhead (Rust, no FFI): check_url   {:>8} ns per URL",
        single.as_nanos()
    );
    println!(
        "ffi_overhead (Rust, no FFI): check_urls  {:>8} ns per URL (batches of {BATCH})",
        batched.as_nanos()
    );
}

/// The URLs of one page: mostly allowed subresources, a few on the category list.
fn batch_urls() -> Vec<String> {
    (0..BATCH)
        .map(|i| {
            if i % 10 == 0 {
                format!("https://casino{i}.example/slots?id={i}")
            } else {
                format!("https://cdn{}.example.org/assets/{i}/app.js?v={i}", i % 7)
            }
        })
        .collect()
}

/// The mean time of one `run`, over [`MEASURE`] after as long again of warm-up.
fn per_call(mut run: impl FnMut()) -> Duration {
    let warm_until = Instant::now() + MEASURE;
    while Instant::now() < warm_until {
        run();
    }
    let started = Instant::now();
    let mut calls = 0u32;
    while started.elapsed() < MEASURE {
        run();
        calls += 1;
    }
    started.elapsed() / calls
}

fn device(dir: &std::path::Path) -> ChildSafe {
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
    let sdk = ChildSafe::open(
        config,
        &FileKeyStore::new(dir.join("data.key")),
        Arc::new(Quiet),
        Arc::new(Quiet),
    )
    .expect("open");
    let profile = ActivationProfile {
        line: String::new(),
        device_id: sdk.device_id(),
        birth_month: None,
        parents_may_relax: Vec::new(),
        carrier: "Bench Carrier".to_owned(),
        profile_id: "bench".to_owned(),
        band: AgeBand::From9To12,
        extra_blocked_categories: Vec::new(),
        issued_at: now,
        expires_at: now + 86_400,
        sequence: 1,
    };
    sdk.activate(&profile.sign(&carrier).expect("sign profile"))
        .expect("activate");
    let mut bundle = BundleBuilder::new(1, now + 86_400);
    bundle
        .add_domains(
            "gambling",
            ListKind::Category,
            (0..LISTED_HOSTS).map(|i| format!("casino{i}.example")),
        )
        .expect("list");
    sdk.install_list_bundle(bundle.sign(&lists).expect("sign bundle"))
        .expect("install");
    sdk
}

/// Logger and listener that drop everything: the bench measures the checks.
struct Quiet;

impl Logger for Quiet {
    fn log(&self, _level: LogLevel, _message: String) {}
}

impl EventListener for Quiet {
    fn on_event(&self, _event: ChildSafeEvent) {}
}
