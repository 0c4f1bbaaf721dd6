//! The Rust side of the FFI overhead benchmark, with no FFI in between: for each workload, the
//! bare decision (`UrlFilter::check_str` on the same bundle and policy, no SDK), then the SDK
//! facade's `check_url`, `url_loads_as_is` and `check_urls` (batches of [`BATCH`] URLs, a page
//! and its subresources) on `childsafe_core::ChildSafe`. The facade's price is its figure minus
//! the bare decision's. The Kotlin side (`FfiOverheadBenchTest` in tests/kotlin, run with
//! `mvn -Pbench`) sets up the same device and the same URLs, and calls through JNA; its figures
//! minus these are what the bindings cost.
//!
//!     cargo bench -p childsafe-ffi --bench ffi_overhead
//!
//! The device: safe mode on at age band 9-12 (a carrier profile), a signed list bundle with one
//! category of [`LISTED_HOSTS`] hosts. Two workloads, since one corpus is not the world:
//! *subresources*, the allowed CDN scripts and images a page loads (the call made most often),
//! and *mixed*, pages on listed hosts, searches SafeSearch rewrites, a video site that needs a
//! header, `data:` and unreadable URLs among allowed ones. Prints figures; asserts only that the
//! bare decision and the facade agree, so that the two figures time the same work.
//!
//! Figures (ns per URL) on a 2-core Xeon shared with other builds (load average 5 to 12, so
//! single figures move by a few hundred ns from run to run). *Before*: `check_url` went through
//! a one-URL `check_urls` and every reading of the clocks read `/proc/uptime`; *after*: the boot
//! clock comes from `CLOCK_BOOTTIME` (the vDSO) and `check_url` decides its one URL directly.
//! Two runs after.
//!
//! | workload     | figure                 | before | after     |
//! |--------------|------------------------|--------|-----------|
//! | subresources | bare decision          |    607 | 363, 435  |
//! | subresources | facade check_url       |   4607 | 254, 543  |
//! | subresources | facade url_loads_as_is |   4730 | 355, 391  |
//! | subresources | facade check_urls      |    524 | 561, 431  |
//! | mixed        | bare decision          |    716 | 770, 625  |
//! | mixed        | facade check_url       |   5134 | 841, 593  |
//! | mixed        | facade url_loads_as_is |   4158 | 864, 571  |
//! | mixed        | facade check_urls      |    709 | 713, 525  |
//!
//! The facade now costs the bare decision within the noise (a mutex, an `Arc` clone and the
//! boot clock); before, about 4 us of each single check was the file read of the boot clock.
#![allow(clippy::expect_used, clippy::print_stdout)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::bundle::{BundleBuilder, ListKind};
use childsafe_core::filter::decision::UrlFilter;
use childsafe_core::filter::policy::FilterPolicy;
use childsafe_core::sdk::{ChildSafeEvent, EventListener, LogLevel, Logger};
use childsafe_core::settings::activation::ActivationProfile;
use childsafe_core::settings::{AgeBand, SafeModeProfile};
use childsafe_core::store::FileKeyStore;
use childsafe_core::{ChildSafe, ChildSafeConfig};

/// URLs in one `check_urls` call, about what a page loads; also the size of each workload.
const BATCH: usize = 50;
/// Hosts on the category list, as in the Kotlin bench.
const LISTED_HOSTS: usize = 1_000;
/// How long each figure is measured for, after as long again of warm-up.
const MEASURE: Duration = Duration::from_secs(2);
/// The band the bench device is protected at.
const BAND: AgeBand = AgeBand::From9To12;

fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (sdk, bare) = device(dir.path());
    for (name, urls) in [
        ("subresources", subresource_urls()),
        ("mixed", mixed_urls()),
    ] {
        for url in &urls {
            assert_eq!(
                bare.check(url),
                sdk.check_url(url).expect("check_url"),
                "the bare decision and the facade disagree on {url}"
            );
        }
        let figures = [
            (
                "bare decision",
                per_url(&urls, |url| {
                    black_box(bare.check(url));
                }),
            ),
            (
                "facade check_url",
                per_url(&urls, |url| {
                    black_box(sdk.check_url(url).expect("check_url"));
                }),
            ),
            (
                "facade url_loads_as_is",
                per_url(&urls, |url| {
                    black_box(sdk.url_loads_as_is(url).expect("url_loads_as_is"));
                }),
            ),
            (
                "facade check_urls",
                per_call(|| {
                    black_box(sdk.check_urls(&urls).expect("check_urls"));
                }) / BATCH as u32,
            ),
        ];
        for (figure, time) in figures {
            println!(
                "ffi_overhead (Rust, no FFI) {name:<12}  {figure:<24} {:>6} ns per URL",
                time.as_nanos()
            );
        }
    }
}

/// Mostly what a page loads: scripts, styles and images on CDNs, all allowed.
fn subresource_urls() -> Vec<String> {
    (0..BATCH)
        .map(|i| match i % 3 {
            0 => format!("https://cdn{}.example.org/assets/{i}/app.js?v={i}", i % 7),
            1 => format!("https://static{}.example.net/css/site-{i}.css", i % 5),
            _ => format!("https://images.example.com/w_640,q_80/photo-{i}.jpg"),
        })
        .collect()
}

/// Allowed pages and subresources with, among them, listed hosts (blocked), searches that
/// SafeSearch rewrites, a video page that needs the restricted-mode header, and URLs that
/// cannot be checked (`data:`, unreadable).
fn mixed_urls() -> Vec<String> {
    (0..BATCH)
        .map(|i| match i % 10 {
            0 | 5 => format!("https://casino{i}.example/slots?id={i}"),
            1 => format!("https://www.google.com/search?q=dinosaur+{i}"),
            2 => format!("https://www.bing.com/search?q=volcano+{i}"),
            3 => format!("https://www.youtube.com/watch?v=video{i}"),
            4 => format!("data:text/html,<p>{i}</p>"),
            6 => format!("http://[not-a-host-{i}/"),
            _ => format!("https://news{}.example.org/article/{i}?ref=home", i % 7),
        })
        .collect()
}

/// The mean time of `check` on one URL of `urls`.
fn per_url(urls: &[String], mut check: impl FnMut(&str)) -> Duration {
    per_call(|| {
        for url in urls {
            check(url);
        }
    }) / urls.len() as u32
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

/// The filter and policy the device decides with, held outside any SDK: what the facade's
/// figures are set against.
struct BareDecision {
    filter: UrlFilter,
    policy: FilterPolicy,
    now: u64,
}

impl BareDecision {
    fn check(&self, url: &str) -> childsafe_core::filter::decision::UrlDecision {
        self.filter.check_str(url, &self.policy, self.now)
    }
}

/// The bench device, and the same bundle and band's policy held bare.
fn device(dir: &std::path::Path) -> (ChildSafe, BareDecision) {
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
        band: BAND,
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
    let signed = bundle.sign(&lists).expect("sign bundle");
    sdk.install_list_bundle(signed.clone()).expect("install");

    let mut filter = UrlFilter::new(vec![lists.public_key()]);
    filter.install_bundle(signed, now).expect("bare install");
    let band = SafeModeProfile::for_band(BAND);
    let policy = FilterPolicy {
        blocked_categories: band.blocked_categories,
        allowlist_only: band.allowlist_only,
        safe_search: band.safe_search,
        ..FilterPolicy::default()
    };
    (
        sdk,
        BareDecision {
            filter,
            policy,
            now,
        },
    )
}

/// Logger and listener that drop everything: the bench measures the checks.
struct Quiet;

impl Logger for Quiet {
    fn log(&self, _level: LogLevel, _message: String) {}
}

impl EventListener for Quiet {
    fn on_event(&self, _event: ChildSafeEvent) {}
}
