//! Compiled list bundles, as the phone meets them: a bundle is built and signed offline, then
//! opened with the keys the phone trusts. Every damaged, foreign, expired or older bundle is
//! refused with a typed error and the bundle in force stays; no input whatever makes the loader
//! panic.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use childsafe_core::crypto::{PublicKey, SigningKey};
use childsafe_core::filter::bundle::{
    ActiveBundle, BundleBuilder, BundleError, FORMAT_VERSION, IpRange, ListBundle, ListKind,
    OLDEST_FORMAT_VERSION, signed_message,
};
use childsafe_core::filter::{CanonicalUrl, ExpressionHash, HashedUrlEntry};
use proptest::prelude::*;
use std::net::IpAddr;

/// 2030-01-01T00:00:00Z: far enough ahead for every bundle these tests open "now".
const EXPIRES: u64 = 1_893_456_000;
/// 2026-01-01T00:00:00Z, the "now" of these tests.
const NOW: u64 = 1_767_225_600;
const SIGNATURE_LEN: usize = 64;

fn key() -> SigningKey {
    SigningKey::generate().unwrap().0
}

/// The hash of a URL's first lookup expression (exact host and path), as hashed lists store it.
fn url_hash(url: &str) -> ExpressionHash {
    url_entry(url).hash
}

/// A URL's first lookup expression as a hashed list takes it: its hash and host.
fn url_entry(url: &str) -> HashedUrlEntry {
    let url = CanonicalUrl::parse(url.as_bytes()).unwrap();
    HashedUrlEntry::from(url.lookup_expressions().next().unwrap())
}

fn domains(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}

fn ip_ranges(texts: &[&str]) -> Vec<IpRange> {
    texts.iter().map(|text| text.parse().unwrap()).collect()
}

fn address(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// A small bundle with one list of each kind, the category list with address ranges of both
/// families.
fn small_bundle(key: &SigningKey, version: u64) -> Vec<u8> {
    let mut builder = BundleBuilder::new(version, EXPIRES);
    builder
        .add_hosts(
            "gambling",
            ListKind::Category,
            domains(&["casino.example", "bets.example", "casino.example"]),
            ip_ranges(&["203.0.113.7", "198.51.100.0/24", "2001:db8::/32"]),
        )
        .unwrap();
    builder
        .add_domains("school", ListKind::Allow, domains(&["school.example"]))
        .unwrap();
    builder
        .add_hashed_urls(
            "illegal",
            [
                url_entry("http://bad.example/dir/"),
                url_entry("http://bad.example/page.html"),
            ],
        )
        .unwrap();
    builder.sign(key).unwrap()
}

#[test]
fn a_signed_bundle_opens_with_its_lists_and_metadata() {
    let key = key();
    let bundle = ListBundle::open(small_bundle(&key, 42), &[key.public_key()], NOW).unwrap();
    assert_eq!(bundle.version(), 42);
    assert_eq!(bundle.expires_at(), EXPIRES);
    let lists: Vec<_> = bundle
        .lists()
        .map(|list| (list.name(), list.kind(), list.len()))
        .collect();
    assert_eq!(
        lists,
        [
            ("gambling", ListKind::Category, 5),
            ("school", ListKind::Allow, 1),
            ("illegal", ListKind::HashedUrls, 2),
        ]
    );
    let gambling = bundle.list("gambling").unwrap();
    assert_eq!(gambling.address_range_count(), 3);
    assert!(gambling.contains_address(address("198.51.100.9")));
    assert!(bundle.list("nothing").is_none());
    assert!(
        bundle
            .lists()
            .all(|list| !list.is_empty() && list.bytes_used() > 0)
    );
    // The bytes it keeps are the bytes it was given, ready to be stored and opened again.
    let again = ListBundle::open(bundle.as_bytes().to_vec(), &[key.public_key()], NOW).unwrap();
    assert_eq!(again.version(), 42);
}

#[test]
fn domain_lists_answer_for_host_suffixes_and_hashed_lists_for_expressions() {
    let key = key();
    let bundle = ListBundle::open(small_bundle(&key, 1), &[key.public_key()], NOW).unwrap();
    let gambling = bundle.list("gambling").unwrap();
    let illegal = bundle.list("illegal").unwrap();

    // The filter tries each host suffix of a URL against domain lists...
    let url = CanonicalUrl::parse(b"https://www.casino.example/poker").unwrap();
    assert!(
        url.lookup_expressions()
            .any(|expression| gambling.contains_domain(expression.host_suffix()))
    );
    assert!(!gambling.contains_domain("casino.example.org"));
    assert!(!gambling.contains_domain("school.example"));
    assert!(
        bundle
            .list("school")
            .unwrap()
            .contains_domain("school.example")
    );

    // ...and each expression's hash against hashed lists: an entry for a directory covers it.
    let below = CanonicalUrl::parse(b"http://bad.example/dir/sub/file.jpg").unwrap();
    assert!(
        below
            .lookup_expressions()
            .any(|expression| illegal.contains_hash(&expression.full_hash()))
    );
    let beside = CanonicalUrl::parse(b"http://bad.example/other.html").unwrap();
    assert!(
        !beside
            .lookup_expressions()
            .any(|expression| illegal.contains_hash(&expression.full_hash()))
    );

    // A list of one kind never answers the other kind's question.
    assert!(!illegal.contains_domain("bad.example"));
    assert!(!gambling.contains_hash(&url_hash("http://casino.example/")));
}

#[test]
fn thousands_of_entries_are_found_and_random_others_are_not() {
    let key = key();
    let members: Vec<String> = (0..20_000).map(|i| format!("site-{i}.example")).collect();
    let entries: Vec<HashedUrlEntry> = (0..5_000)
        .map(|i| url_entry(&format!("http://host{i}.example/p/{i}")))
        .collect();
    let hashes: Vec<ExpressionHash> = entries.iter().map(|entry| entry.hash).collect();
    let mut builder = BundleBuilder::new(1, EXPIRES);
    builder
        .add_domains("adult", ListKind::Category, members.clone())
        .unwrap();
    builder.add_hashed_urls("csam", entries).unwrap();
    let bundle = ListBundle::open(builder.sign(&key).unwrap(), &[key.public_key()], NOW).unwrap();

    let adult = bundle.list("adult").unwrap();
    assert_eq!(adult.len(), members.len());
    assert!(members.iter().all(|domain| adult.contains_domain(domain)));
    assert!((20_000..40_000).all(|i| !adult.contains_domain(&format!("site-{i}.example"))));

    let csam = bundle.list("csam").unwrap();
    assert_eq!(csam.len(), hashes.len());
    assert!(hashes.iter().all(|hash| csam.contains_hash(hash)));
    assert!(
        (5_000..10_000)
            .all(|i| !csam.contains_hash(&url_hash(&format!("http://host{i}.example/p/{i}"))))
    );
    // A hash that shares an entry's 4-byte prefix but not the rest is not an entry.
    let mut lookalike = hashes[0];
    lookalike.0[20] ^= 0x40;
    assert!(!csam.contains_hash(&lookalike));
}

#[test]
fn a_hashed_list_lets_through_every_host_it_has_entries_on_and_few_others() {
    let key = key();
    // 3,000 entries on 1,000 hosts.
    let entries: Vec<HashedUrlEntry> = (0..3_000)
        .map(|i| url_entry(&format!("http://site{}.example/p/{i}", i / 3)))
        .collect();
    let mut builder = BundleBuilder::new(1, EXPIRES);
    builder
        .add_domains("adult", ListKind::Category, domains(&["site0.example"]))
        .unwrap();
    builder.add_hashed_urls("csam", entries.clone()).unwrap();
    let bundle = ListBundle::open(builder.sign(&key).unwrap(), &[key.public_key()], NOW).unwrap();
    let csam = bundle.list("csam").unwrap();

    assert!(
        entries
            .iter()
            .all(|entry| csam.may_hold_host(&bundle.probe(&entry.host)))
    );
    // 1,000 hosts in 2^17 short fingerprints: about 1 in 131 other hosts passes too, on purpose,
    // so that the bundle cannot confirm a guessed host name.
    let others = 100_000;
    let passed = (0..others)
        .filter(|i| csam.may_hold_host(&bundle.probe(&format!("other{i}.example"))))
        .count();
    assert!((others / 256..others / 100).contains(&passed), "{passed}");
    assert!(csam.host_filter_bytes_used() < 4 * 1_000);

    // A probe made under another bundle's key is recomputed, and domain lists never answer.
    let other = ListBundle::open(small_bundle(&key, 1), &[key.public_key()], NOW).unwrap();
    assert!(csam.may_hold_host(&other.probe("site7.example")));
    assert!(
        !bundle
            .list("adult")
            .unwrap()
            .may_hold_host(&bundle.probe("site0.example"))
    );
}

#[test]
fn address_entries_cover_their_ranges_and_not_their_neighbours() {
    let key = key();
    let mut builder = BundleBuilder::new(1, EXPIRES);
    builder
        .add_hosts(
            "vpn",
            ListKind::Category,
            domains(&["vpn.example"]),
            ip_ranges(&[
                "203.0.113.7",
                "198.51.100.0/24",
                "198.51.100.77",
                "10.0.0.0/8",
                "2001:db8::/32",
                "2001:db8:ffff::1",
                "2001:db8:1:2::/64",
                "::ffff:192.0.2.128/121",
            ]),
        )
        .unwrap();
    builder
        .add_hosts(
            "kids",
            ListKind::Allow,
            Vec::new(),
            ip_ranges(&["192.0.2.10"]),
        )
        .unwrap();
    let bundle = ListBundle::open(builder.sign(&key).unwrap(), &[key.public_key()], NOW).unwrap();
    let vpn = bundle.list("vpn").unwrap();
    // The single addresses and the /64 inside wider ranges add nothing; the mapped IPv6 range
    // is kept as the IPv4 range 192.0.2.128/25.
    assert_eq!(vpn.address_range_count(), 5);
    assert_eq!(vpn.len(), 6);
    for inside in [
        "203.0.113.7",
        "198.51.100.0",
        "198.51.100.255",
        "10.0.0.0",
        "10.255.255.255",
        "2001:db8::",
        "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
        "192.0.2.128",
        "192.0.2.255",
        "::ffff:192.0.2.200",
        "::ffff:203.0.113.7",
    ] {
        assert!(vpn.contains_address(address(inside)), "{inside}");
    }
    for outside in [
        "203.0.113.6",
        "203.0.113.8",
        "198.51.99.255",
        "198.51.101.0",
        "9.255.255.255",
        "11.0.0.0",
        "192.0.2.127",
        "192.0.3.0",
        "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:db9::",
        "::203.0.113.7",
        "::",
    ] {
        assert!(!vpn.contains_address(address(outside)), "{outside}");
    }
    // Addresses are not domains, and a list without ranges holds none.
    assert!(!vpn.contains_domain("203.0.113.7"));
    assert!(vpn.contains_domain("vpn.example"));
    let kids = bundle.list("kids").unwrap();
    assert!(kids.contains_address(address("192.0.2.10")) && !kids.is_empty());
    assert!(!kids.contains_address(address("192.0.2.11")));
}

#[test]
fn an_address_given_as_a_domain_is_kept_as_an_address_range() {
    let key = key();
    let mut builder = BundleBuilder::new(1, EXPIRES);
    builder
        .add_domains(
            "vpn",
            ListKind::Category,
            domains(&[
                "203.0.113.7",
                "[2001:db8::1]",
                "198.51.100.0/24",
                "vpn.example",
            ]),
        )
        .unwrap();
    let bundle = ListBundle::open(builder.sign(&key).unwrap(), &[key.public_key()], NOW).unwrap();
    let vpn = bundle.list("vpn").unwrap();
    assert_eq!((vpn.len(), vpn.address_range_count()), (4, 3));
    assert!(vpn.contains_address(address("203.0.113.7")));
    assert!(vpn.contains_address(address("2001:db8::1")));
    assert!(vpn.contains_address(address("198.51.100.1")));
    assert!(!vpn.contains_domain("203.0.113.7"));
}

/// Address ranges a faulty or compromised signer put out of order are refused when the bundle
/// is opened, never searched.
#[test]
fn address_ranges_out_of_order_behind_a_valid_signature_are_refused() {
    let key = key();
    let mut builder = BundleBuilder::new(1, EXPIRES);
    builder
        .add_hosts(
            "vpn",
            ListKind::Category,
            Vec::new(),
            ip_ranges(&["10.0.0.0/8", "192.0.2.0/24"]),
        )
        .unwrap();
    let bytes = builder.sign(&key).unwrap();
    // Section C holds each range as two little-endian numbers, first and last address.
    let section: Vec<u8> = ["10.0.0.0", "10.255.255.255", "192.0.2.0", "192.0.2.255"]
        .iter()
        .flat_map(|ip| {
            ip.parse::<std::net::Ipv4Addr>()
                .unwrap()
                .to_bits()
                .to_le_bytes()
        })
        .collect();
    let at = bytes
        .windows(section.len())
        .position(|window| window == section)
        .expect("the IPv4 section is in the bundle");
    let mut swapped = bytes.clone();
    swapped[at..at + 8].copy_from_slice(&bytes[at + 8..at + 16]);
    swapped[at + 8..at + 16].copy_from_slice(&bytes[at..at + 8]);
    assert!(matches!(
        ListBundle::open(resign(swapped, &key), &[key.public_key()], NOW),
        Err(BundleError::Malformed(_))
    ));
    assert!(ListBundle::open(resign(bytes, &key), &[key.public_key()], NOW).is_ok());
}

#[test]
fn every_single_flipped_byte_is_refused() {
    let key = key();
    let bytes = small_bundle(&key, 1);
    for position in 0..bytes.len() {
        for flip in [0x01, 0x80] {
            let mut damaged = bytes.clone();
            damaged[position] ^= flip;
            assert!(
                ListBundle::open(damaged, &[key.public_key()], NOW).is_err(),
                "byte {position} ^ {flip:#x} was accepted"
            );
        }
    }
}

#[test]
fn every_truncation_is_refused_as_truncated() {
    let key = key();
    let bytes = small_bundle(&key, 1);
    for len in 0..bytes.len() {
        let error = ListBundle::open(bytes[..len].to_vec(), &[key.public_key()], NOW).unwrap_err();
        assert_eq!(error, BundleError::Truncated, "cut at {len}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(ListBundle::open(longer, &[key.public_key()], NOW).is_err());
}

#[test]
fn a_list_with_a_top_level_domain_covers_every_host_under_it_and_others_skip_single_labels() {
    let key = key();
    let mut builder = BundleBuilder::new(1, EXPIRES);
    builder
        .add_domains(
            "whole-tlds",
            ListKind::Category,
            domains(&["tk", "localhost"]),
        )
        .unwrap();
    builder
        .add_domains("sites", ListKind::Category, domains(&["casino.example"]))
        .unwrap();
    let bundle = ListBundle::open(builder.sign(&key).unwrap(), &[key.public_key()], NOW).unwrap();
    let hit = |list: &str, suffixes: &[&str]| {
        let probes: Vec<_> = suffixes.iter().map(|suffix| bundle.probe(suffix)).collect();
        bundle.list(list).unwrap().contains_any_probe(&probes)
    };
    assert!(hit("whole-tlds", &["a.b.tk", "b.tk", "tk"]));
    assert!(hit("whole-tlds", &["localhost"]));
    assert!(!hit(
        "whole-tlds",
        &["www.example.com", "example.com", "com"]
    ));
    assert!(hit(
        "sites",
        &["www.casino.example", "casino.example", "example"]
    ));
    assert!(!hit("sites", &["example"]));
}

#[test]
fn a_signature_over_the_raw_bytes_instead_of_their_digest_is_refused() {
    let key = key();
    let mut bytes = small_bundle(&key, 1);
    let body = bytes.len() - 64;
    let raw_signature = key.sign(&bytes[..body]);
    bytes[body..].copy_from_slice(&raw_signature);
    assert_eq!(
        ListBundle::open(bytes, &[key.public_key()], NOW).unwrap_err(),
        BundleError::BadSignature
    );
}

#[test]
fn a_bundle_signed_with_another_key_is_refused() {
    let (ours, theirs) = (key(), key());
    let bytes = small_bundle(&theirs, 1);
    assert_eq!(
        ListBundle::open(bytes.clone(), &[ours.public_key()], NOW).unwrap_err(),
        BundleError::BadSignature
    );
    assert_eq!(
        ListBundle::open(bytes.clone(), &[], NOW).unwrap_err(),
        BundleError::NoTrustedKeys
    );
    // During a key rotation the phone trusts both keys, and either signature is accepted.
    assert!(ListBundle::open(bytes, &[ours.public_key(), theirs.public_key()], NOW).is_ok());
}

#[test]
fn a_bundle_is_refused_from_its_expiry_second_on() {
    let key = key();
    let bytes = small_bundle(&key, 1);
    assert!(ListBundle::open(bytes.clone(), &[key.public_key()], EXPIRES - 1).is_ok());
    assert_eq!(
        ListBundle::open(bytes, &[key.public_key()], EXPIRES).unwrap_err(),
        BundleError::Expired {
            expires_at: EXPIRES,
            now: EXPIRES
        }
    );
}

#[test]
fn not_a_bundle_and_formats_this_build_cannot_read_are_named_as_such() {
    let key = key();
    let trusted = [key.public_key()];
    assert_eq!(
        ListBundle::open(b"<html>not found</html>".to_vec(), &trusted, NOW).unwrap_err(),
        BundleError::BadMagic
    );
    let mut future = small_bundle(&key, 1);
    future[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    assert!(matches!(
        ListBundle::open(future, &trusted, NOW),
        Err(BundleError::UnsupportedFormat { found, .. }) if found == FORMAT_VERSION + 1
    ));
    let mut ancient = small_bundle(&key, 1);
    ancient[8..10].copy_from_slice(&(OLDEST_FORMAT_VERSION - 1).to_le_bytes());
    assert_eq!(
        ListBundle::open(resign(ancient, &key), &trusted, NOW).unwrap_err(),
        BundleError::UnsupportedFormat {
            found: OLDEST_FORMAT_VERSION - 1,
            supported: FORMAT_VERSION
        }
    );
}

/// A version 3 bundle, as the CLI before address ranges wrote it: the same layout, domain lists
/// without a third or fourth section. A phone updated to this build keeps it in force; one with
/// address ranges claiming version 3 is refused, never read without them.
#[test]
fn a_version_3_bundle_still_opens_but_not_with_address_ranges() {
    let key = key();
    let trusted = [key.public_key()];
    assert_eq!((OLDEST_FORMAT_VERSION, FORMAT_VERSION), (3, 4));
    let as_version_3 = |mut bytes: Vec<u8>| {
        bytes[8..10].copy_from_slice(&3u16.to_le_bytes());
        resign(bytes, &key)
    };
    let mut builder = BundleBuilder::new(1, EXPIRES);
    builder
        .add_domains("gambling", ListKind::Category, domains(&["casino.example"]))
        .unwrap();
    builder
        .add_hashed_urls("illegal", [url_entry("http://bad.example/dir/")])
        .unwrap();
    let old = ListBundle::open(as_version_3(builder.sign(&key).unwrap()), &trusted, NOW).unwrap();
    assert!(
        old.list("gambling")
            .unwrap()
            .contains_domain("casino.example")
    );
    assert!(
        old.list("illegal")
            .unwrap()
            .contains_hash(&url_hash("http://bad.example/dir/"))
    );
    let mut active = ActiveBundle::new();
    assert_eq!(
        active.install(as_version_3(small_bundle(&key, 1)), &trusted, NOW),
        Err(BundleError::Malformed(
            "a domain list has address ranges in a format version without them"
        ))
    );
    assert!(active.current().is_none());
}

#[test]
fn the_bundle_in_force_only_gives_way_to_a_newer_valid_one() {
    let key = key();
    let trusted = [key.public_key()];
    let mut active = ActiveBundle::new();
    assert!(active.current().is_none());
    assert_eq!(active.install(small_bundle(&key, 5), &trusted, NOW), Ok(5));

    // A replay of the same version, and a rollback to an older one, are refused.
    for older in [5, 4] {
        assert_eq!(
            active.install(small_bundle(&key, older), &trusted, NOW),
            Err(BundleError::NotNewer {
                current: 5,
                offered: older
            })
        );
    }
    // A newer bundle that is damaged, foreign or expired is refused too.
    let mut damaged = small_bundle(&key, 6);
    damaged[100] ^= 1;
    assert!(active.install(damaged, &trusted, NOW).is_err());
    assert!(
        active
            .install(small_bundle(&self::key(), 6), &trusted, NOW)
            .is_err()
    );
    assert!(
        active
            .install(small_bundle(&key, 6), &trusted, EXPIRES)
            .is_err()
    );
    assert!(active.install(Vec::new(), &trusted, NOW).is_err());

    // Through all of that, version 5 stayed in force and kept answering.
    let current = active.current().unwrap();
    assert_eq!(current.version(), 5);
    assert!(
        current
            .list("gambling")
            .unwrap()
            .contains_domain("casino.example")
    );

    assert_eq!(active.install(small_bundle(&key, 6), &trusted, NOW), Ok(6));
    assert_eq!(active.current().unwrap().version(), 6);
}

#[test]
fn an_opened_bundle_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>(_: &T) {}
    let key = key();
    let bundle = ListBundle::open(small_bundle(&key, 1), &[key.public_key()], NOW).unwrap();
    shareable(&bundle);
    std::thread::scope(|scope| {
        let lookups: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    bundle
                        .list("gambling")
                        .unwrap()
                        .contains_domain("bets.example")
                })
            })
            .collect();
        assert!(lookups.into_iter().all(|lookup| lookup.join().unwrap()));
    });
}

/// The fingerprint false-positive rate measured on a list of 200,000 domains: the bound
/// `n / 2^56` predicts about `5.5·10^-6` false hits in 2 million lookups of other domains, so
/// any hit at all means the fingerprints are much weaker than documented.
#[test]
fn random_other_domains_are_not_found_in_a_large_list() {
    const ENTRIES: u64 = 200_000;
    const LOOKUPS: u64 = 2_000_000;
    let key = key();
    let mut builder = BundleBuilder::new(1, EXPIRES);
    builder
        .add_domains(
            "big",
            ListKind::Category,
            (0..ENTRIES).map(|i| format!("{i:x}.example")),
        )
        .unwrap();
    let bundle = ListBundle::open(builder.sign(&key).unwrap(), &[key.public_key()], NOW).unwrap();
    let big = bundle.list("big").unwrap();
    let mut name = String::new();
    let false_hits = (ENTRIES..ENTRIES + LOOKUPS)
        .filter(|i| {
            use std::fmt::Write;
            name.clear();
            write!(name, "{i:x}.example").unwrap();
            big.contains_domain(&name)
        })
        .count();
    assert_eq!(false_hits, 0);
}

/// Re-signs a damaged bundle as its (compromised or buggy) signer would, so that the damage
/// reaches the structural checks behind the signature.
fn resign(mut bytes: Vec<u8>, key: &SigningKey) -> Vec<u8> {
    if bytes.len() >= SIGNATURE_LEN {
        let signed_len = bytes.len() - SIGNATURE_LEN;
        let signature = key.sign(&signed_message(&bytes[..signed_len]));
        bytes[signed_len..].copy_from_slice(&signature);
    }
    bytes
}

#[test]
fn a_resigned_bundle_opens_so_damage_behind_the_signature_is_reached() {
    let key = key();
    let bytes = small_bundle(&key, 1);
    let mut foreign = bytes.clone();
    let body = foreign.len() - SIGNATURE_LEN;
    foreign[body..].copy_from_slice(&[0; SIGNATURE_LEN]);
    assert_eq!(
        ListBundle::open(resign(foreign, &key), &[key.public_key()], NOW)
            .unwrap()
            .as_bytes(),
        bytes
    );
}

/// Exercises every lookup of every list of an opened bundle.
fn use_every_list(bundle: &ListBundle) {
    for list in bundle.lists() {
        let _ = (list.name(), list.kind(), list.len(), list.bytes_used());
        for domain in ["casino.example", "school.example", "bad.example", ""] {
            list.contains_domain(domain);
            list.contains_probe(&bundle.probe(domain));
            list.may_hold_host(&bundle.probe(domain));
        }
        let _ = (list.prefix_bytes_used(), list.host_filter_bytes_used());
        let _ = list.address_range_count();
        for ip in [
            "203.0.113.7",
            "0.0.0.0",
            "::ffff:198.51.100.1",
            "2001:db8::1",
            "::",
        ] {
            list.contains_address(address(ip));
        }
        for hash in [
            url_hash("http://bad.example/dir/"),
            ExpressionHash([0; 32]),
            ExpressionHash([0xff; 32]),
        ] {
            list.contains_hash(&hash);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let key = PublicKey([7; 32]);
        prop_assert!(ListBundle::open(bytes, &[key], NOW).is_err());
    }

    /// Bytes changed behind a valid signature (a compromised or faulty signer) may open or not,
    /// but never panic, neither when opening nor in any lookup.
    #[test]
    fn damage_behind_a_valid_signature_never_panics(
        changes in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let key = key();
        let mut bytes = small_bundle(&key, 1);
        // Keep the magic, format version and length so the damage gets past the envelope.
        let header_len = 24;
        for (index, value) in changes {
            let position = header_len + index.index(bytes.len() - header_len - SIGNATURE_LEN);
            bytes[position] = value;
        }
        if let Some(cut) = cut {
            let len = header_len + SIGNATURE_LEN + cut.index(bytes.len() - header_len - SIGNATURE_LEN);
            bytes.truncate(len);
            let total = (bytes.len() as u64).to_le_bytes();
            bytes[16..24].copy_from_slice(&total);
        }
        if let Ok(bundle) = ListBundle::open(resign(bytes, &key), &[key.public_key()], NOW) {
            use_every_list(&bundle);
        }
    }
}

#[test]
fn a_domain_probe_gives_the_same_answer_as_a_lookup_even_across_bundles() {
    use childsafe_core::crypto::SigningKey;
    use childsafe_core::filter::bundle::{BundleBuilder, ListBundle, ListKind};
    let (key, _) = SigningKey::generate().unwrap();
    let open = |domains: &[&str]| {
        let mut builder = BundleBuilder::new(1, u64::MAX);
        builder
            .add_domains(
                "c",
                ListKind::Category,
                domains.iter().map(|d| (*d).to_owned()),
            )
            .unwrap();
        ListBundle::open(builder.sign(&key).unwrap(), &[key.public_key()], 0).unwrap()
    };
    let first = open(&["a.example", "b.example"]);
    let second = open(&["b.example", "c.example"]);
    let (first_list, second_list) = (first.list("c").unwrap(), second.list("c").unwrap());
    for domain in ["a.example", "b.example", "c.example", "d.example"] {
        let probe = first.probe(domain);
        assert_eq!(
            first_list.contains_probe(&probe),
            first_list.contains_domain(domain),
            "{domain}"
        );
        // A probe made under the first bundle's key still answers right for the second.
        assert_eq!(
            second_list.contains_probe(&probe),
            second_list.contains_domain(domain),
            "{domain}"
        );
    }
    assert!(second_list.contains_probe(&first.probe("c.example")));
    assert!(!second_list.contains_probe(&first.probe("a.example")));
}
