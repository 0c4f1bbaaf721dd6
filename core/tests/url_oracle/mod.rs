//! The property the URL Standard oracles check, shared by `url_standard_oracle.rs` and the fuzz
//! target `fuzz/fuzz_targets/url_check.rs`: whenever an oracle reads an `http(s)` URL, the filter
//! judges the same host, and blocks it when that host is denied, listed or not on the allowlist;
//! whatever the oracle says, a URL the filter cannot read is blocked.

// Test code: a failed expectation is a failed test; each user takes what it needs.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::net::Ipv6Addr;
use std::sync::OnceLock;

use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::bundle::{BundleBuilder, ListKind};
use childsafe_core::filter::decision::{UrlFilter, Verdict};
use childsafe_core::filter::policy::FilterPolicy;
use childsafe_core::filter::{CanonicalUrl, HashedUrlEntry};

/// The time decisions are made at.
pub(crate) const NOW: u64 = 1_800_000_000;
/// The listed host of the fixture bundle: on a category list and, as `listed.example/`, on a
/// hashed URL list.
pub(crate) const LISTED: &str = "listed.example";
/// Addresses on the category list `listed` too, as the filter writes IP hosts.
pub(crate) const LISTED_ADDRESSES: [&str; 2] = ["203.0.113.7", "[2001:db8::1]"];
/// The host allowlist-only mode allows; the grammar puts it in userinfo.
pub(crate) const ALLOWED: &str = "allowed.example";

/// The host an oracle read, as the filter writes hosts: an IPv4-mapped address as IPv4, and a
/// domain with the Safe Browsing dot rules applied (leading and trailing dots dropped, runs of
/// dots made one), then read again by the `url` crate's host parser, since dropping dots can
/// leave an IPv4 address (`..111..` is `111`, which is 0.0.0.111). `None` when nothing is left
/// of the name: no resolver can look such a name up, and the filter refuses it.
pub(crate) fn expected_host(host: &str) -> Option<String> {
    if let Some(literal) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let address: Ipv6Addr = literal.parse().expect("the oracle writes valid IPv6");
        return Some(match address.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => format!("[{address}]"),
        });
    }
    let labels: Vec<&str> = host.split('.').filter(|label| !label.is_empty()).collect();
    if labels.is_empty() {
        return None;
    }
    let name = labels.join(".");
    Some(match url::Host::parse(&name) {
        Ok(url::Host::Ipv4(address)) => address.to_string(),
        _ => name,
    })
}

/// A filter with one signed bundle: `listed.example` and [`LISTED_ADDRESSES`] on the category
/// list `listed`, and, as the expression `listed.example/`, `listed.example` on the hashed list
/// `csam`.
fn filter() -> &'static UrlFilter {
    static FILTER: OnceLock<UrlFilter> = OnceLock::new();
    FILTER.get_or_init(|| {
        let (key, _) = SigningKey::generate().unwrap();
        let mut builder = BundleBuilder::new(1, NOW + 86_400);
        builder
            .add_domains(
                "listed",
                ListKind::Category,
                std::iter::once(LISTED)
                    .chain(LISTED_ADDRESSES)
                    .map(str::to_owned),
            )
            .unwrap();
        let root = CanonicalUrl::parse(format!("http://{LISTED}/").as_bytes()).unwrap();
        let entry = HashedUrlEntry::from(root.lookup_expressions().next().unwrap());
        builder.add_hashed_urls("csam", [entry]).unwrap();
        let mut filter = UrlFilter::new(vec![key.public_key()]);
        filter
            .install_bundle(builder.sign(&key).unwrap(), NOW)
            .unwrap();
        filter
    })
}

fn verdict(url: &str, policy: &FilterPolicy) -> Verdict {
    filter().check_str(url, policy, NOW).verdict
}

fn is_within(host: &str, domain: &str) -> bool {
    host == domain || host.ends_with(&format!(".{domain}"))
}

/// What an oracle read of an `http(s)` URL: its host and its own serialization of the URL.
pub(crate) type Reading = (String, String);

/// Everything promised about one URL, given what an oracle read of it (`None` when the oracle
/// read no `http(s)` URL). The oracle's serialization is judged the same way as the raw text.
pub(crate) fn check(raw: &str, reading: Option<&Reading>) -> Result<(), String> {
    let ours = CanonicalUrl::parse(raw.as_bytes());
    if ours.is_err() && verdict(raw, &FilterPolicy::default()) != Verdict::Block {
        return Err("a URL the filter cannot read was not blocked".to_owned());
    }
    let Some((oracle_host, serialization)) = reading else {
        return Ok(());
    };
    let expected = expected_host(oracle_host);
    for text in [raw, serialization.as_str()] {
        let judged = CanonicalUrl::parse(text.as_bytes()).map(|url| url.host().to_owned());
        match (&expected, &judged) {
            (Some(expected), Ok(judged)) if judged == expected => {}
            // A name of dots only: the browser cannot resolve it; the filter refuses it.
            (None, Err(_)) => {}
            _ => {
                return Err(format!(
                    "{text:?}: the oracle reads host {oracle_host:?}, the filter {judged:?}"
                ));
            }
        }
        let Some(expected) = &expected else { continue };
        let mut denied = FilterPolicy::default();
        denied
            .deny_host(expected)
            .map_err(|_| "the oracle's host is no host rule")?;
        if verdict(text, &denied) != Verdict::Block {
            return Err(format!(
                "{text:?}: a parent's deny rule for {expected} let it through"
            ));
        }
        let on_hashed_list = is_within(expected, LISTED);
        if on_hashed_list || LISTED_ADDRESSES.contains(&expected.as_str()) {
            let mut listed = FilterPolicy::default();
            listed.block_category("listed");
            if verdict(text, &listed) != Verdict::Block {
                return Err(format!(
                    "{text:?}: a host on a blocked category list was let through"
                ));
            }
        }
        if on_hashed_list && verdict(text, &FilterPolicy::default()) != Verdict::Block {
            return Err(format!(
                "{text:?}: a host on the hashed list was let through"
            ));
        }
        if !is_within(expected, ALLOWED) {
            let mut allowlist_only = FilterPolicy {
                allowlist_only: true,
                ..FilterPolicy::default()
            };
            allowlist_only.allow_host(ALLOWED).unwrap();
            if verdict(text, &allowlist_only) != Verdict::Block {
                return Err(format!(
                    "{text:?}: allowlist-only mode let {expected} through as {ALLOWED}"
                ));
            }
        }
    }
    Ok(())
}

/// [`check`] with the `url` crate as the oracle.
pub(crate) fn check_against_url_crate(raw: &str) -> Result<(), String> {
    check(raw, url_crate_reading(raw).as_ref())
}

/// What the `url` crate reads of `raw`.
fn url_crate_reading(raw: &str) -> Option<Reading> {
    let parsed = url::Url::parse(raw).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    Some((parsed.host_str()?.to_owned(), parsed.as_str().to_owned()))
}
