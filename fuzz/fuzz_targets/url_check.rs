//! Any bytes as a URL: canonicalization and the whole decision must never panic, a canonical URL
//! must be a fixed point, and a rewrite must come with its URL. Input that is text is also held
//! against the `url` crate's reading of the URL Standard (the property of
//! `core/tests/url_standard_oracle.rs`, from the same module): the filter judges the host the
//! browser loads, and a URL it cannot read is blocked.
#![no_main]

#[allow(dead_code, unreachable_pub)]
#[path = "../../core/tests/url_oracle/mod.rs"]
mod url_oracle;

use std::sync::OnceLock;

use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::bundle::{BundleBuilder, ListKind};
use childsafe_core::filter::decision::{UrlFilter, Verdict};
use childsafe_core::filter::policy::FilterPolicy;
use childsafe_core::filter::{CanonicalUrl, HashedUrlEntry};
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_800_000_000;

/// A filter with a small bundle, made once: what each input is checked against.
fn filter_and_policy() -> &'static (UrlFilter, FilterPolicy) {
    static SHARED: OnceLock<(UrlFilter, FilterPolicy)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let (key, _) = SigningKey::generate().expect("key generation");
        let mut builder = BundleBuilder::new(1, NOW + 86_400);
        builder
            .add_domains("adult", ListKind::Category, ["adult.example".to_owned()])
            .expect("domain list");
        builder
            .add_domains("kids", ListKind::Allow, ["kids.example".to_owned()])
            .expect("allowlist");
        let page = CanonicalUrl::parse(b"http://bad.example/page").expect("canonical");
        let entry = HashedUrlEntry::from(page.lookup_expressions().next().expect("an expression"));
        builder
            .add_hashed_urls("csam", [entry])
            .expect("hashed list");
        let mut filter = UrlFilter::new(vec![key.public_key()]);
        filter
            .install_bundle(builder.sign(&key).expect("signed"), NOW)
            .expect("installed");
        let mut policy = FilterPolicy {
            safe_search: true,
            ..FilterPolicy::default()
        };
        for category in ["adult", "ip-literal", "doh", "unsafe-search"] {
            policy.block_category(category);
        }
        (filter, policy)
    })
}

fuzz_target!(|raw: &[u8]| {
    if let Ok(url) = CanonicalUrl::parse(raw) {
        let again = CanonicalUrl::parse(url.as_str().as_bytes()).expect("canonical reparses");
        assert_eq!(again.as_str(), url.as_str());
        assert!(url.lookup_expressions().count() <= 30);
    }
    let (filter, policy) = filter_and_policy();
    let decision = filter.check(raw, policy, NOW);
    assert_eq!(
        decision.verdict == Verdict::Rewrite,
        decision.rewrite_url.is_some()
    );
    if let Ok(text) = std::str::from_utf8(raw) {
        if let Err(disagreement) = url_oracle::check_against_url_crate(text) {
            panic!("{disagreement}");
        }
    }
});
