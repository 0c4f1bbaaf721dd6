//! The browser filter's decisions, told as stories: a real signed bundle compiled from list text,
//! a policy, and the URLs a child's browser (or someone trying to get around it) would load.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::blockpage::BlockReason;
use childsafe_core::filter::bundle::{BundleBuilder, IpRange, ListKind};
use childsafe_core::filter::decision::{DecisionReason, UrlDecision, UrlFilter, Verdict};
use childsafe_core::filter::import::{ListFormat, import_domains, import_url_hashes};
use childsafe_core::filter::policy::FilterPolicy;
use childsafe_core::filter::{CanonicalUrl, HashedUrlEntry};

const NOW: u64 = 1_800_000_000;
const DAY: u64 = 24 * 60 * 60;

const HOSTS_FILE: &[u8] =
    b"# adult sites\r\n0.0.0.0 adult-one.example\r\n127.0.0.1 adult-two.example # inline\r\n";
const DOMAIN_LIST: &[u8] = b"gambling-site.example\nB\xc3\xbccher-Casino.example\n";
const ADBLOCK_LIST: &[u8] = b"[Adblock Plus 2.0]\n! dating\n||dating-app.example^\n";
const ILLEGAL_URLS: &[u8] = b"http://abuse-host.example/dir/page.html\nhttp://195.127.0.11/blah\n\
    http://deep-host.example/a/b/c/d/e/\n";
const ALLOWLIST: &[u8] = b"kids-encyclopedia.example\n";

struct Fixture {
    filter: UrlFilter,
    signing_key: SigningKey,
}

fn fixture() -> Fixture {
    let (signing_key, _pkcs8) = SigningKey::generate().expect("key");
    let bytes = bundle(&signing_key, 7);
    let mut filter = UrlFilter::new(vec![signing_key.public_key()]);
    assert_eq!(filter.install_bundle(bytes, NOW), Ok(7));
    Fixture {
        filter,
        signing_key,
    }
}

fn bundle(signing_key: &SigningKey, version: u64) -> Vec<u8> {
    let mut builder = BundleBuilder::new(version, NOW + 30 * DAY);
    builder
        .add_domains(
            "adult",
            ListKind::Category,
            import_domains(HOSTS_FILE, ListFormat::Auto).domains,
        )
        .unwrap();
    builder
        .add_domains(
            "gambling",
            ListKind::Category,
            import_domains(DOMAIN_LIST, ListFormat::Auto).domains,
        )
        .unwrap();
    builder
        .add_domains(
            "dating",
            ListKind::Category,
            import_domains(ADBLOCK_LIST, ListFormat::Auto).domains,
        )
        .unwrap();
    builder
        .add_hashed_urls("csam", import_url_hashes(ILLEGAL_URLS).entries)
        .unwrap();
    builder
        .add_domains(
            "kids",
            ListKind::Allow,
            import_domains(ALLOWLIST, ListFormat::Auto).domains,
        )
        .unwrap();
    builder.sign(signing_key).unwrap()
}

fn blocking(categories: &[&str]) -> FilterPolicy {
    let mut policy = FilterPolicy::default();
    for category in categories {
        policy.block_category(category);
    }
    policy
}

fn check(fixture: &Fixture, url: &str, policy: &FilterPolicy) -> UrlDecision {
    fixture.filter.check(url.as_bytes(), policy, NOW)
}

fn assert_blocked(
    fixture: &Fixture,
    url: &str,
    policy: &FilterPolicy,
    reason: DecisionReason,
    category: Option<&str>,
) {
    let decision = check(fixture, url, policy);
    assert_eq!(decision.verdict, Verdict::Block, "{url}: {decision:?}");
    assert_eq!(decision.reason, reason, "{url}");
    assert_eq!(decision.category.as_deref(), category, "{url}");
}

fn assert_allowed(fixture: &Fixture, url: &str, policy: &FilterPolicy) {
    let decision = check(fixture, url, policy);
    assert_eq!(decision.verdict, Verdict::Allow, "{url}: {decision:?}");
}

#[test]
fn lists_from_every_format_block_their_domains_and_subdomains_only_when_the_category_is_blocked() {
    let fixture = fixture();
    let all = blocking(&["adult", "gambling", "dating"]);
    let none = FilterPolicy::default();
    for (url, category) in [
        ("http://adult-one.example/", "adult"),
        ("https://www.adult-two.example/gallery?id=3", "adult"),
        ("http://deep.sub.gambling-site.example/x", "gambling"),
        ("http://bücher-casino.example/", "gambling"),
        ("https://m.dating-app.example/", "dating"),
    ] {
        assert_blocked(
            &fixture,
            url,
            &all,
            DecisionReason::BlockedCategory,
            Some(category),
        );
        assert_allowed(&fixture, url, &none);
    }
    assert_allowed(&fixture, "http://not-adult-one.example/", &all);
    assert_allowed(&fixture, "http://adult-one.example.org/", &all);
    assert_eq!(
        check(&fixture, "http://adult-one.example/", &all).bundle_version,
        Some(7)
    );
}

#[test]
fn a_hashed_entry_blocks_its_url_in_every_spelling_but_not_a_sibling_page() {
    let fixture = fixture();
    let policy = FilterPolicy::default();
    for spelling in [
        "http://abuse-host.example/dir/page.html",
        "HTTP://ABUSE-HOST.example.:80/dir/./x/../page.html#top",
        "http://abuse-host.example/dir/page.html?utm=1",
        "abuse-host.example/%64ir/page.html",
        "http://3279880203/blah",
        "http://0xc37f000b/blah",
        "http://0303.0177.0.013/blah",
        "http://195.127.11/blah",
        "http://[::ffff:c37f:b]/blah",
    ] {
        assert_blocked(
            &fixture,
            spelling,
            &policy,
            DecisionReason::IllegalMaterial,
            Some("csam"),
        );
    }
    assert_allowed(
        &fixture,
        "http://abuse-host.example/dir/other.html",
        &policy,
    );
    assert_allowed(&fixture, "http://abuse-host.example/", &policy);
}

#[test]
fn a_hashed_directory_entry_blocks_everything_below_it_at_any_depth() {
    let fixture = fixture();
    let policy = FilterPolicy::default();
    for url in [
        "http://deep-host.example/a/b/c/d/e/",
        "http://deep-host.example/a/b/c/d/e/page.html",
        "http://deep-host.example/a/b/c/d/e/f/",
        "http://deep-host.example/a/b/c/d/e/f/g/page.html?x=1",
        "https://deep-host.example/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p.jpg",
        // Under a subdomain of the listed host, and spelled as a browser might.
        "http://www.deep-host.example/a/b/c/d/e/f/g/page.html?x=1",
        "http://cdn.img.deep-host.example/a/b/c/d/e/f/g/",
        "HTTP://DEEP-HOST.example./a/b/c/%64/e/./f/../g/page.html",
    ] {
        assert_blocked(
            &fixture,
            url,
            &policy,
            DecisionReason::IllegalMaterial,
            Some("csam"),
        );
    }
    for url in [
        "http://deep-host.example/a/b/c/d/",
        // A file called `e` is not the directory `e/`.
        "http://deep-host.example/a/b/c/d/e",
        "http://deep-host.example/a/b/c/d/x/f/g/page.html",
        "http://deep-host.example/a/b/c/d/ee/f/",
        "http://deep-host.example/b/c/d/e/f/",
        "http://deep-host.example.org/a/b/c/d/e/f/",
        "http://not-deep-host.example/a/b/c/d/e/f/",
    ] {
        assert_allowed(&fixture, url, &policy);
    }
}

/// A hostile URL with 100,000 directories on a listed host is judged like any other: each
/// directory's hash continues the one above it, so the work grows with the URL's length, not
/// with its square.
#[test]
fn a_url_with_a_hundred_thousand_directories_is_judged_whole() {
    let fixture = fixture();
    let policy = FilterPolicy::default();
    let deep = "z/".repeat(100_000);
    assert_blocked(
        &fixture,
        &format!("http://deep-host.example/a/b/c/d/e/{deep}page.html?x=1"),
        &policy,
        DecisionReason::IllegalMaterial,
        Some("csam"),
    );
    assert_allowed(
        &fixture,
        &format!("http://deep-host.example/a/b/c/d/{deep}e/page.html"),
        &policy,
    );
}

/// When several hashed lists hold expressions of a URL, the first list of the bundle names the
/// block, whichever host suffix or directory the hit was found under.
#[test]
fn the_first_hashed_list_of_the_bundle_names_the_block() {
    let (signing_key, _) = SigningKey::generate().unwrap();
    let mut builder = BundleBuilder::new(1, NOW + DAY);
    builder
        .add_hashed_urls(
            "hotline-a",
            import_url_hashes(b"http://both.example/x/y/z/w/v/u/\n").entries,
        )
        .unwrap();
    builder
        .add_hashed_urls(
            "hotline-b",
            import_url_hashes(b"http://www.both.example/\n").entries,
        )
        .unwrap();
    let mut filter = UrlFilter::new(vec![signing_key.public_key()]);
    filter
        .install_bundle(builder.sign(&signing_key).unwrap(), NOW)
        .unwrap();
    let policy = FilterPolicy::default();
    let category = |url: &str| filter.check_str(url, &policy, NOW).category;
    assert_eq!(
        category("http://www.both.example/x/y/z/w/v/u/t.html").as_deref(),
        Some("hotline-a")
    );
    assert_eq!(
        category("http://www.both.example/x/y/").as_deref(),
        Some("hotline-b")
    );
    assert_eq!(category("http://both.example/x/y/"), None);
}

#[test]
fn illegal_material_is_blocked_whatever_any_allow_rule_says() {
    let fixture = fixture();
    let mut policy = FilterPolicy::default();
    policy.allow_host("abuse-host.example").unwrap();
    policy.approve("abuse-host.example", NOW + DAY).unwrap();
    policy.allowlist_only = true;
    assert_blocked(
        &fixture,
        "http://abuse-host.example/dir/page.html",
        &policy,
        DecisionReason::IllegalMaterial,
        Some("csam"),
    );
}

/// VPN, proxy and DNS-over-HTTPS endpoints as such lists are published: bare addresses, CIDR
/// ranges of both families, and hosts-file lines whose first column is only where names are sent.
const VPN_LIST: &[u8] =
    b"# VPN, proxy and DoH endpoints\n203.0.113.7\n198.51.100.0/24 # exit nodes\n\
    2001:db8:1::/48\n[2001:db8:2::1]\n::ffff:192.0.2.128/121\n0.0.0.0 vpn-provider.example\n\
    127.0.0.1 proxy-provider.example\n203.0.113.0/33\n";
/// Servers a school runs, allowlisted by address.
const KIDS_SERVERS: &[u8] = b"198.51.100.77\n2001:db8:1:cafe::/64\n192.0.2.10\n";

/// A filter whose bundle has the category list `vpn` read from [`VPN_LIST`] and the allowlist
/// `kids-servers` read from [`KIDS_SERVERS`].
fn address_fixture() -> Fixture {
    let (signing_key, _) = SigningKey::generate().unwrap();
    let mut builder = BundleBuilder::new(1, NOW + DAY);
    for (name, kind, text) in [
        ("vpn", ListKind::Category, VPN_LIST),
        ("kids-servers", ListKind::Allow, KIDS_SERVERS),
    ] {
        let imported = import_domains(text, ListFormat::Auto);
        builder
            .add_hosts(name, kind, imported.domains, imported.ip_ranges)
            .unwrap();
    }
    let mut filter = UrlFilter::new(vec![signing_key.public_key()]);
    filter
        .install_bundle(builder.sign(&signing_key).unwrap(), NOW)
        .unwrap();
    Fixture {
        filter,
        signing_key,
    }
}

/// Every spelling of 203.0.113.7 a browser reads: dotted, one number, hex, octal, three parts,
/// IPv4-mapped IPv6 in both notations, with a port, user-info and a trailing dot, escaped, and
/// inside a wrapper.
const SPELLINGS_OF_203_0_113_7: [&str; 13] = [
    "http://203.0.113.7/",
    "https://203.0.113.7:8443/path?q=1",
    "http://3405803783/",
    "http://0xcb.0.0x71.7/",
    "http://0313.0.0161.07/",
    "http://203.0.28935/",
    "http://0xcb007107/",
    "http://[::ffff:203.0.113.7]/",
    "http://[::ffff:cb00:7107]/",
    "http://user@203.0.113.7./",
    "http://%32%30%33.0.113.7/",
    "HTTP://[::FFFF:CB00:7107]:80/",
    "blob:http://203.0.113.7/0b1c",
];

#[test]
fn an_address_entry_blocks_its_address_in_every_spelling_and_not_its_neighbours() {
    let fixture = address_fixture();
    let policy = blocking(&["vpn"]);
    for url in SPELLINGS_OF_203_0_113_7 {
        assert_blocked(
            &fixture,
            url,
            &policy,
            DecisionReason::BlockedCategory,
            Some("vpn"),
        );
        assert_allowed(&fixture, url, &FilterPolicy::default());
    }
    for url in [
        "http://203.0.113.6/",
        "http://203.0.113.8/",
        // 203.0.29447 is 203.0.115.7; ::203.0.113.7 is an IPv6 address of its own.
        "http://203.0.29447/",
        "http://[::203.0.113.7]/",
    ] {
        assert_allowed(&fixture, url, &policy);
    }
}

#[test]
fn a_cidr_entry_blocks_every_address_in_its_range_in_every_spelling() {
    let fixture = address_fixture();
    let policy = blocking(&["vpn"]);
    for url in [
        "http://198.51.100.0/",
        "http://198.51.100.255/",
        "http://3325256804/",
        "http://0xc6.0x33.0x64.0x01/",
        "http://0306.063.0144.0377/",
        "http://198.51.25700/",
        "http://[::ffff:c633:64ff]/",
        "http://[2001:db8:1::5]/",
        "http://[2001:DB8:1:0:0:0:0:5]/",
        "http://[2001:0db8:0001:ffff:ffff:ffff:ffff:ffff]:8080/",
        "http://[2001:db8:2::1]/",
        "http://[2001:db8:2:0::0:1]/",
        // An IPv6 range over IPv4-mapped addresses covers those IPv4 addresses.
        "http://192.0.2.200/",
        "http://3221226177/",
        "http://[::ffff:192.0.2.129]/",
    ] {
        assert_blocked(
            &fixture,
            url,
            &policy,
            DecisionReason::BlockedCategory,
            Some("vpn"),
        );
    }
    for url in [
        "http://198.51.99.255/",
        "http://198.51.101.0/",
        "http://[2001:db8:2::2]/",
        "http://[2001:db8::1]/",
        "http://[2001:db8:0:ffff:ffff:ffff:ffff:ffff]/",
        "http://192.0.2.127/",
        "http://[::ffff:192.0.2.100]/",
    ] {
        assert_allowed(&fixture, url, &policy);
    }
}

/// For any IPv4 address, however the URL spells it, the decision is what the entries say: the
/// allowlist first, then the category's ranges. Addresses are drawn mostly next to the edges of
/// the listed ranges, where a binary search goes wrong if it goes wrong at all.
#[test]
fn an_ipv4_host_is_judged_by_the_ranges_that_hold_it_whatever_its_spelling() {
    use proptest::prelude::*;
    use std::net::{IpAddr, Ipv4Addr};
    let fixture = address_fixture();
    let policy = blocking(&["vpn"]);
    let vpn = import_domains(VPN_LIST, ListFormat::Auto).ip_ranges;
    let kids = import_domains(KIDS_SERVERS, ListFormat::Auto).ip_ranges;
    let edges: Vec<u32> = vpn
        .iter()
        .chain(&kids)
        .filter_map(ipv4_edges)
        .flatten()
        .collect();
    let config = ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let address = prop_oneof![
        3 => (proptest::sample::select(edges), -2i64..=2)
            .prop_map(|(edge, delta)| (i64::from(edge) + delta).clamp(0, i64::from(u32::MAX)) as u32),
        1 => any::<u32>(),
    ];
    proptest!(config, |(bits in address)| {
        let ip = IpAddr::V4(Ipv4Addr::from_bits(bits));
        let expected = if kids.iter().any(|range| range.contains(ip)) {
            (Verdict::Allow, Some("kids-servers"))
        } else if vpn.iter().any(|range| range.contains(ip)) {
            (Verdict::Block, Some("vpn"))
        } else {
            (Verdict::Allow, None)
        };
        for url in [
            format!("http://{ip}/"),
            format!("http://{bits}/"),
            format!("http://{bits:#x}/"),
            format!("http://[::ffff:{:x}:{:x}]/", bits >> 16, bits & 0xffff),
        ] {
            let decision = check(&fixture, &url, &policy);
            prop_assert_eq!(
                (decision.verdict, decision.category.as_deref()),
                expected,
                "{}",
                url
            );
        }
    });
}

/// The first and last IPv4 address of `range`, when it holds IPv4 addresses (an IPv6 range
/// holds them only in the IPv4-mapped block).
fn ipv4_edges(range: &IpRange) -> Option<[u32; 2]> {
    use std::net::IpAddr;
    let (first, prefix_len) = match range.network() {
        IpAddr::V4(v4) => (v4.to_bits(), range.prefix_len()),
        IpAddr::V6(v6) => (
            v6.to_ipv4_mapped()?.to_bits(),
            range.prefix_len().checked_sub(96)?,
        ),
    };
    let hosts = u32::MAX.checked_shr(u32::from(prefix_len)).unwrap_or(0);
    Some([first, first | hosts])
}

#[test]
fn a_hosts_file_sink_address_is_not_an_entry_but_its_names_are() {
    let fixture = address_fixture();
    let policy = blocking(&["vpn"]);
    for url in ["http://0.0.0.0/", "http://127.0.0.1/", "http://[::1]/"] {
        assert_allowed(&fixture, url, &policy);
    }
    for url in [
        "http://vpn-provider.example/",
        "https://www.proxy-provider.example/",
    ] {
        assert_blocked(
            &fixture,
            url,
            &policy,
            DecisionReason::BlockedCategory,
            Some("vpn"),
        );
    }
}

/// Spellings of 198.51.100.77, on the allowlist inside the blocked 198.51.100.0/24.
const SPELLINGS_OF_198_51_100_77: [&str; 8] = [
    "http://198.51.100.77/",
    "http://3325256781/",
    "http://0xc6.0x33.0x64.0x4d/",
    "http://0306.063.0144.0115/",
    "http://198.51.25677/",
    "http://[::ffff:198.51.100.77]/",
    "http://[::ffff:c633:644d]/",
    "https://198.51.100.77.:443/lessons",
];

#[test]
fn an_allowlisted_address_is_allowed_in_every_spelling_before_any_category() {
    let fixture = address_fixture();
    let policy = blocking(&["vpn", "ip-literal"]);
    for url in SPELLINGS_OF_198_51_100_77.iter().chain(&[
        "http://[2001:db8:1:cafe::9]/",
        "http://[2001:DB8:1:CAFE:0:0:0:9]/",
    ]) {
        let decision = check(&fixture, url, &policy);
        assert_eq!(decision.verdict, Verdict::Allow, "{url}: {decision:?}");
        assert_eq!(decision.reason, DecisionReason::Allowlisted, "{url}");
        assert_eq!(decision.category.as_deref(), Some("kids-servers"), "{url}");
    }
    for url in ["http://198.51.100.78/", "http://[2001:db8:1:caff::9]/"] {
        assert_blocked(
            &fixture,
            url,
            &policy,
            DecisionReason::BlockedCategory,
            Some("vpn"),
        );
    }
    // An address on no list still falls in the built-in category.
    assert_blocked(
        &fixture,
        "http://192.0.2.11/",
        &policy,
        DecisionReason::BlockedCategory,
        Some("ip-literal"),
    );
}

#[test]
fn allowlist_only_mode_lets_through_allowlisted_addresses_in_every_spelling_and_no_other() {
    let fixture = address_fixture();
    let policy = FilterPolicy {
        allowlist_only: true,
        ..FilterPolicy::default()
    };
    for url in SPELLINGS_OF_198_51_100_77.iter().chain(&[
        "http://192.0.2.10/",
        "http://3221225994/",
        "http://[::ffff:c000:20a]/",
        "http://[2001:db8:1:cafe::1]/",
    ]) {
        let decision = check(&fixture, url, &policy);
        assert_eq!(decision.verdict, Verdict::Allow, "{url}: {decision:?}");
        assert_eq!(decision.reason, DecisionReason::Allowlisted, "{url}");
    }
    for url in [
        "http://192.0.2.11/",
        "http://198.51.100.76/",
        "http://[2001:db8:1:cafd::1]/",
        "http://203.0.113.7/",
        "http://school.example/",
    ] {
        assert_blocked(&fixture, url, &policy, DecisionReason::NotOnAllowlist, None);
    }
}

/// Checks that every spelling is blocked as the `adult` category.
fn assert_all_blocked_as_adult(spellings: &[&str]) {
    let fixture = fixture();
    let policy = blocking(&["adult"]);
    for spelling in spellings {
        let decision = check(&fixture, spelling, &policy);
        assert_eq!(decision.verdict, Verdict::Block, "{spelling}: {decision:?}");
        assert_eq!(decision.category.as_deref(), Some("adult"), "{spelling}");
    }
}

#[test]
fn bypass_by_case_and_dots() {
    assert_all_blocked_as_adult(&[
        "http://ADULT-ONE.EXAMPLE/",
        "http://adult-one.example./",
        "http://adult-one.example.../page",
        "http://..adult-one.example/",
    ]);
}

#[test]
fn bypass_by_userinfo_port_and_backslash() {
    assert_all_blocked_as_adult(&[
        "http://good.example@adult-one.example/",
        "http://good.example:pw@adult-one.example:8080/",
        "http://adult-one.example\\@good.example/",
    ]);
}

#[test]
fn bypass_by_percent_encoding_and_idn() {
    assert_all_blocked_as_adult(&[
        "http://adult-one%2Eexample/",
        "http://%61dult-one.example/",
        "http://%2561dult-one.example/",
        // Full-width letters and an ideographic full stop are the same host to a browser.
        "http://ａｄｕｌｔ-one。example/",
    ]);
}

#[test]
fn bypass_through_translation_and_cache_proxies() {
    assert_all_blocked_as_adult(&[
        "https://adult--one-example.translate.goog/?_x_tr_sl=auto&_x_tr_tl=en",
        "https://translate.google.com/translate?sl=auto&tl=en&u=http://adult-one.example/",
        "https://web.archive.org/web/2020/http://adult-one.example/",
    ]);
}

#[test]
fn bypass_through_blob_and_view_source_wrappers() {
    assert_all_blocked_as_adult(&[
        "blob:https://adult-one.example/0b1c",
        "view-source:http://adult-one.example/",
    ]);
}

#[test]
fn the_block_page_reason_follows_the_decision() {
    let fixture = fixture();
    let policy = blocking(&["adult"]);
    let decision = check(&fixture, "http://adult-one.example/", &policy);
    assert_eq!(
        decision.block_reason(),
        Some(BlockReason::Category {
            category: "adult".to_owned()
        })
    );
    let illegal = check(&fixture, "http://abuse-host.example/dir/page.html", &policy);
    assert_eq!(illegal.block_reason(), Some(BlockReason::IllegalMaterial));
    assert_eq!(
        check(&fixture, "http://fine.example/", &policy).block_reason(),
        None
    );
}

#[test]
fn only_a_plain_allow_loads_as_is() {
    let fixture = fixture();
    let mut policy = blocking(&["adult"]);
    policy.safe_search = true;
    let cases = [
        ("http://fine.example/app.js", true),
        ("http://adult-one.example/", false),
        ("https://www.google.com/search?q=cats", false),
        ("https://www.youtube.com/watch?v=abc", false),
        ("javascript:alert(1)", false),
        ("http://[not-a-host/", false),
    ];
    for (url, loads_as_is) in cases {
        let decision = check(&fixture, url, &policy);
        assert_eq!(decision.loads_as_is(), loads_as_is, "{url}: {decision:?}");
    }
    // The two that are not blocked need the browser to act: a rewrite, a header.
    let search = check(&fixture, "https://www.google.com/search?q=cats", &policy);
    assert_eq!(search.verdict, Verdict::Rewrite);
    let video = check(&fixture, "https://www.youtube.com/watch?v=abc", &policy);
    assert_eq!(video.verdict, Verdict::Allow);
    assert!(!video.request_headers.is_empty(), "{video:?}");
}

/// Also: text gets the decision its bytes get, whichever way the URL is read (in place or
/// canonicalized, directly or through a wrapper).
#[test]
fn arbitrary_bytes_never_panic_the_decision() {
    use proptest::prelude::*;
    let fixture = fixture();
    let mut policy = blocking(&["adult", "ip-literal", "doh", "unsafe-search"]);
    policy.safe_search = true;
    let config = ProptestConfig {
        cases: 2048,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let pieces = prop_oneof![
        Just(b"http://".to_vec()),
        Just(b"blob:".to_vec()),
        Just(b"view-source:".to_vec()),
        Just(b"adult-one.example".to_vec()),
        Just(b".translate.goog/".to_vec()),
        Just(b"translate.google.com/translate?u=".to_vec()),
        Just(b"web.archive.org/web/1/".to_vec()),
        Just(b"www.google.com/search?q=x&safe=off".to_vec()),
        Just(b"%25".to_vec()),
        Just(b"/".to_vec()),
        Just(b"https://www.".to_vec()),
        Just(b" ".to_vec()),
        Just("\u{fc}".as_bytes().to_vec()),
        proptest::collection::vec(any::<u8>(), 1..6),
    ];
    proptest!(config, |(raw in proptest::collection::vec(pieces, 0..10).prop_map(|p| p.concat()))| {
        let decision = fixture.filter.check(&raw, &policy, NOW);
        if decision.verdict == Verdict::Rewrite {
            prop_assert!(decision.rewrite_url.is_some());
        }
        if let Ok(text) = std::str::from_utf8(&raw) {
            prop_assert_eq!(fixture.filter.check_str(text, &policy, NOW), decision);
        }
    });
}

#[test]
fn ip_literal_hosts_are_a_blockable_category() {
    let fixture = fixture();
    let policy = blocking(&["ip-literal"]);
    for url in [
        "http://10.0.0.1/",
        "http://0x0a000001/",
        "http://[2001:db8::1]/",
        "http://167772161/",
    ] {
        assert_blocked(
            &fixture,
            url,
            &policy,
            DecisionReason::BlockedCategory,
            Some("ip-literal"),
        );
    }
    assert_allowed(&fixture, "http://10.0.0.1/", &FilterPolicy::default());
}

#[test]
fn dns_over_https_endpoints_are_a_blockable_category() {
    let fixture = fixture();
    let policy = blocking(&["doh"]);
    for url in [
        "https://dns.google/dns-query?dns=AAAB",
        "https://cloudflare-dns.com/dns-query",
        "https://doh.some-resolver.example/dns-query",
        // The built-in resolvers, on any path and under any subdomain.
        "https://dns.google/resolve?name=example.com",
        "https://1dot1dot1dot1.cloudflare-dns.com/",
        "https://abc123.dns.nextdns.io/",
        "https://DOH.MULLVAD.NET./",
    ] {
        assert_blocked(
            &fixture,
            url,
            &policy,
            DecisionReason::BlockedCategory,
            Some("doh"),
        );
    }
    for url in [
        "https://dns.google.example/",
        "https://notcloudflare-dns.com/",
        "https://example.com/dns-query-help",
    ] {
        assert_allowed(&fixture, url, &policy);
    }
}

#[test]
fn non_web_schemes_follow_the_documented_policy() {
    let fixture = fixture();
    let policy = FilterPolicy::default();
    for url in [
        "data:text/html,<h1>hi</h1>",
        "javascript:alert(1)",
        "file:///sdcard/Download/x.html",
        "intent://scan/#Intent;scheme=zxing;package=com.example;end",
        "content://media/external/images/1",
        "",
        "http://",
    ] {
        assert_blocked(&fixture, url, &policy, DecisionReason::NotAWebAddress, None);
    }
    assert_eq!(
        check(&fixture, "about:blank", &policy).reason,
        DecisionReason::LocalPage
    );
    assert_allowed(&fixture, "blob:https://fine.example/uuid", &policy);
}

#[test]
fn safe_search_urls_come_back_rewritten() {
    let fixture = fixture();
    let policy = FilterPolicy {
        safe_search: true,
        ..FilterPolicy::default()
    };
    let decision = check(
        &fixture,
        "https://www.google.co.uk/search?q=cats&safe=off",
        &policy,
    );
    assert_eq!(decision.verdict, Verdict::Rewrite, "{decision:?}");
    assert_eq!(decision.reason, DecisionReason::SafeSearchEnforced);
    let rewritten = decision.rewrite_url.expect("a rewrite URL");
    assert!(
        rewritten.contains("safe=active") && !rewritten.contains("safe=off"),
        "{rewritten}"
    );
    let again = check(&fixture, &rewritten, &policy);
    assert_ne!(
        again.verdict,
        Verdict::Rewrite,
        "the rewrite is not a fixed point: {again:?}"
    );

    // A safe parameter hidden inside another parameter's escaped value does not count.
    let hidden = check(
        &fixture,
        "https://www.google.com/search?q=cats%26safe%3Dactive",
        &policy,
    );
    assert_eq!(hidden.verdict, Verdict::Rewrite, "{hidden:?}");
    assert!(hidden.rewrite_url.unwrap().contains("&safe=active"));

    let youtube = check(&fixture, "https://www.youtube.com/watch?v=abc", &policy);
    assert!(
        youtube
            .request_headers
            .iter()
            .any(|header| header.name.eq_ignore_ascii_case("YouTube-Restrict"))
    );
    assert_allowed(
        &fixture,
        "https://www.google.co.uk/search?q=cats",
        &FilterPolicy::default(),
    );
}

#[test]
fn precedence_parent_rules_allowlists_and_approvals() {
    let fixture = fixture();
    let mut policy = blocking(&["adult", "gambling"]);
    policy.allow_host("adult-one.example").unwrap();
    policy.deny_host("fine.example").unwrap();
    policy.approve("gambling-site.example", NOW - 1).unwrap();
    assert_eq!(
        check(&fixture, "http://www.adult-one.example/", &policy).reason,
        DecisionReason::ParentAllowed
    );
    assert_blocked(
        &fixture,
        "http://fine.example/",
        &policy,
        DecisionReason::ParentDenied,
        None,
    );
    // The approval expired a second ago: the category decides again.
    assert_blocked(
        &fixture,
        "http://gambling-site.example/",
        &policy,
        DecisionReason::BlockedCategory,
        Some("gambling"),
    );
    policy.approve("gambling-site.example", NOW + 3600).unwrap();
    assert_eq!(
        check(&fixture, "http://gambling-site.example/", &policy).reason,
        DecisionReason::ApprovedRequest
    );
    // A deny rule beats an allow rule for the same host.
    policy.deny_host("adult-one.example").unwrap();
    assert_blocked(
        &fixture,
        "http://adult-one.example/",
        &policy,
        DecisionReason::ParentDenied,
        None,
    );
}

#[test]
fn allowlist_only_mode_lets_through_only_allowlisted_and_parent_allowed_hosts() {
    let fixture = fixture();
    let mut policy = FilterPolicy {
        allowlist_only: true,
        ..FilterPolicy::default()
    };
    policy.allow_host("school.example").unwrap();
    assert_eq!(
        check(
            &fixture,
            "https://www.kids-encyclopedia.example/animals",
            &policy
        )
        .reason,
        DecisionReason::Allowlisted
    );
    assert_eq!(
        check(&fixture, "https://school.example/homework", &policy).reason,
        DecisionReason::ParentAllowed
    );
    assert_blocked(
        &fixture,
        "https://anything-else.example/",
        &policy,
        DecisionReason::NotOnAllowlist,
        None,
    );
}

#[test]
fn a_refused_bundle_leaves_the_one_in_force() {
    let mut fixture = fixture();
    let older = bundle(&fixture.signing_key, 6);
    assert!(fixture.filter.install_bundle(older, NOW).is_err());
    let mut tampered = bundle(&fixture.signing_key, 8);
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    assert!(fixture.filter.install_bundle(tampered, NOW).is_err());
    let (stranger, _) = SigningKey::generate().unwrap();
    assert!(
        fixture
            .filter
            .install_bundle(bundle(&stranger, 9), NOW)
            .is_err()
    );
    assert_eq!(fixture.filter.bundle_version(), Some(7));
    assert_blocked(
        &fixture,
        "http://adult-one.example/",
        &blocking(&["adult"]),
        DecisionReason::BlockedCategory,
        Some("adult"),
    );
    assert_eq!(
        fixture
            .filter
            .install_bundle(bundle(&fixture.signing_key, 8), NOW),
        Ok(8)
    );
}

#[test]
fn canonical_form_of_hashed_entries_matches_what_the_importer_hashes() {
    let url = CanonicalUrl::parse(b"http://abuse-host.example/dir/page.html").unwrap();
    let expected = HashedUrlEntry::from(url.lookup_expressions().next().unwrap());
    assert!(import_url_hashes(ILLEGAL_URLS).entries.contains(&expected));
}

/// A URL longer than the canonicalizer accepts is blocked, however plainly it is written: it
/// cannot be checked whole.
#[test]
fn an_over_long_url_is_blocked_even_when_written_plainly() {
    let fixture = fixture();
    let policy = FilterPolicy::default();
    let long = format!(
        "https://kids-encyclopedia.example/{}",
        "a".repeat(childsafe_core::filter::MAX_URL_BYTES)
    );
    for decision in [
        fixture.filter.check(long.as_bytes(), &policy, NOW),
        fixture.filter.check_str(&long, &policy, NOW),
    ] {
        assert_eq!(decision.verdict, Verdict::Block);
        assert_eq!(decision.reason, DecisionReason::NotAWebAddress);
    }
}
