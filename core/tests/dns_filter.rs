//! The DNS filter, told as stories: a real signed bundle, a policy with parent rules, and the
//! queries (messages and whole IP packets) the child's apps send, with answers made up as an
//! upstream resolver would give them.
//!
//! The first story is the promise the rest stands on: a host alone is judged exactly as the
//! browser judges `https://<host>/`.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use childsafe_core::crypto::SigningKey;
use childsafe_core::dns::{
    self, BlockAnswer, DnsStep, FILTER_TTL_SECS, PacketStep, SIGNAL_DOMAINS,
};
use childsafe_core::filter::HostVerdict;
use childsafe_core::filter::bundle::{BundleBuilder, ListKind};
use childsafe_core::filter::decision::{DecisionReason, UrlFilter, Verdict};
use childsafe_core::filter::import::{ListFormat, import_domains, import_url_hashes};
use childsafe_core::filter::policy::FilterPolicy;
use etherparse::{NetSlice, PacketBuilder, SlicedPacket, TransportSlice};
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, CNAME};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use proptest::prelude::*;

const NOW: u64 = 1_800_000_000;
const DAY: u64 = 24 * 60 * 60;

const ADULT: &[u8] = b"adult.example\n";
const VPN: &[u8] = b"vpn.example\n203.0.113.0/24\n2001:db8:bad::/48\n";
const ILLEGAL_URLS: &[u8] = b"http://whole-host.example/\nhttp://page-host.example/dir/page.html\n";
const ALLOWLIST: &[u8] = b"kids.example\n198.51.100.7\n";

/// The device's filter with its bundle, and the policy a parent set.
struct Phone {
    filter: UrlFilter,
    policy: FilterPolicy,
}

fn phone() -> Phone {
    let (key, _) = SigningKey::generate().unwrap();
    let mut builder = BundleBuilder::new(3, NOW + DAY);
    for (name, kind, text) in [
        ("adult", ListKind::Category, ADULT),
        ("vpn", ListKind::Category, VPN),
        ("kids", ListKind::Allow, ALLOWLIST),
    ] {
        let imported = import_domains(text, ListFormat::Auto);
        builder
            .add_hosts(name, kind, imported.domains, imported.ip_ranges)
            .unwrap();
    }
    builder
        .add_hashed_urls("csam", import_url_hashes(ILLEGAL_URLS).entries)
        .unwrap();
    let mut filter = UrlFilter::new(vec![key.public_key()]);
    filter
        .install_bundle(builder.sign(&key).unwrap(), NOW)
        .unwrap();
    let mut policy = FilterPolicy::default();
    for category in ["adult", "vpn", "doh", "unsafe-search"] {
        policy.block_category(category);
    }
    policy.safe_search = true;
    policy.deny_host("denied.example").unwrap();
    policy.allow_host("adult.example").unwrap();
    policy.allow_host("parent-ok.example").unwrap();
    policy.approve("approved.example", NOW + 3600).unwrap();
    policy.deny_host("10.9.8.7").unwrap();
    Phone { filter, policy }
}

impl Phone {
    fn judge(&self) -> impl Fn(&str) -> Option<childsafe_core::filter::HostDecision> + '_ {
        |host| Some(self.filter.check_host(host, &self.policy, NOW))
    }

    fn query(&self, message: &[u8], block: &BlockAnswer) -> DnsStep {
        dns::dns_query(message, block, self.judge())
    }

    fn reply(&self, message: &[u8], upstream: Option<&[u8]>, block: &BlockAnswer) -> Vec<u8> {
        dns::dns_reply(message, upstream, block, self.judge())
    }
}

// ---- check_host agrees with check_url ------------------------------------------------------

/// Hosts of every kind the rules tell apart, in the spellings a name or address may take.
fn host() -> impl Strategy<Value = String> {
    let base = prop::sample::select(
        &[
            "example.com",
            "www.example.com",
            "adult.example",
            "cdn.adult.example",
            "vpn.example",
            "kids.example",
            "www.kids.example",
            "denied.example",
            "a.b.denied.example",
            "parent-ok.example",
            "approved.example",
            "whole-host.example",
            "sub.whole-host.example",
            "page-host.example",
            "dns.google",
            "cloudflare-dns.com",
            "dns.quad9.net",
            "doh.opendns.com",
            "www.google.com",
            "www.google.co.uk",
            "mail.google.com",
            "www.youtube.com",
            "www.bing.com",
            "duckduckgo.com",
            "yandex.ru",
            "www-adult-example.translate.goog",
            "www-example-com.translate.goog",
            "1.1.1.1",
            "8.8.8.8",
            "9.9.9.9",
            "203.0.113.7",
            "203.0.112.255",
            "198.51.100.7",
            "10.9.8.7",
            "[2001:db8:bad::1]",
            "[2606:4700:4700::1111]",
            "[::ffff:203.0.113.7]",
            "xn--bcher-kva.example",
            "bücher.example",
            "localhost",
            "com",
        ][..],
    )
    .prop_map(String::from);
    let random = "[a-z0-9-]{1,8}(\\.[a-z0-9-]{1,8}){0,3}";
    let name = prop_oneof![4 => base, 1 => random];
    (name, any::<u64>(), prop::bool::ANY).prop_map(|(name, case_bits, trailing_dot)| {
        let mut spelled: String = name
            .chars()
            .enumerate()
            .map(|(index, c)| {
                if case_bits >> (index % 64) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        if trailing_dot && !spelled.ends_with(']') {
            spelled.push('.');
        }
        spelled
    })
}

/// Every spelling of 203.0.113.7 and of 1.1.1.1 a host may take.
const IP_SPELLINGS: &[&str] = &[
    "203.0.113.7",
    "3405803783",
    "0xcb.0.0x71.7",
    "0313.0.0161.07",
    "203.0.28935",
    "0xcb007107",
    "[::ffff:203.0.113.7]",
    "[::FFFF:CB00:7107]",
    "203.0.113.7.",
    "16843009",
    "0x1.0x1.0x1.0x1",
    "1.1.257",
];

/// The policies the promise must hold under.
fn policies() -> Vec<(&'static str, Phone)> {
    let normal = phone();
    let mut allowlist_only = phone();
    allowlist_only.policy.allowlist_only = true;
    let mut no_safe_search = phone();
    no_safe_search.policy.safe_search = false;
    let mut ip_literals = phone();
    ip_literals.policy.block_category("ip-literal");
    let mut unavailable = phone();
    unavailable.filter = UrlFilter::new(Vec::new());
    assert!(
        unavailable
            .filter
            .restore_bundle(b"damaged".to_vec())
            .is_err()
    );
    assert!(unavailable.filter.lists_unavailable());
    vec![
        ("normal", normal),
        ("allowlist-only", allowlist_only),
        ("no SafeSearch", no_safe_search),
        ("ip-literal blocked", ip_literals),
        ("lists unavailable", unavailable),
    ]
}

fn assert_agrees(phone: &Phone, host: &str, label: &str) {
    let by_host = phone.filter.check_host(host, &phone.policy, NOW);
    let by_url = phone
        .filter
        .check(format!("https://{host}/").as_bytes(), &phone.policy, NOW);
    let url_blocks = by_url.verdict == Verdict::Block;
    assert_eq!(
        by_host.blocks(),
        url_blocks,
        "{label}: {host}: {by_host:?} / {by_url:?}"
    );
    if url_blocks {
        assert_eq!(by_host.reason, by_url.reason, "{label}: {host}");
        assert_eq!(by_host.category, by_url.category, "{label}: {host}");
    }
    assert_eq!(
        by_host.bundle_version, by_url.bundle_version,
        "{label}: {host}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// `check_host(h)` blocks exactly when `check_url("https://h/")` does, for the same reason
    /// and list, under every policy.
    #[test]
    fn check_host_blocks_exactly_when_check_url_blocks_the_host_root(host in host()) {
        for (label, phone) in policies_once() {
            assert_agrees(phone, &host, label);
        }
    }
}

/// The policies, made once for all the cases of the property.
fn policies_once() -> &'static [(&'static str, Phone)] {
    static POLICIES: std::sync::OnceLock<Vec<(&'static str, Phone)>> = std::sync::OnceLock::new();
    POLICIES.get_or_init(policies)
}

#[test]
fn every_ip_spelling_is_judged_as_its_address() {
    for (label, phone) in policies_once() {
        for host in IP_SPELLINGS {
            assert_agrees(phone, host, label);
        }
    }
    let phone = phone();
    for host in &IP_SPELLINGS[..9] {
        let decision = phone.filter.check_host(host, &phone.policy, NOW);
        assert_eq!(decision.category.as_deref(), Some("vpn"), "{host}");
    }
    for host in &IP_SPELLINGS[9..] {
        let decision = phone.filter.check_host(host, &phone.policy, NOW);
        assert_eq!(decision.category.as_deref(), Some("doh"), "{host}");
    }
}

#[test]
fn hosts_on_lists_parent_rules_and_allowlists_are_judged_as_in_the_browser() {
    let phone = phone();
    let check = |host: &str| phone.filter.check_host(host, &phone.policy, NOW);
    let blocked = |host: &str, reason: DecisionReason, category: Option<&str>| {
        let decision = check(host);
        assert_eq!(decision.verdict, HostVerdict::Block, "{host}");
        assert_eq!(decision.reason, reason, "{host}");
        assert_eq!(decision.category.as_deref(), category, "{host}");
        assert_eq!(decision.bundle_version, Some(3));
    };
    blocked("vpn.example", DecisionReason::BlockedCategory, Some("vpn"));
    blocked(
        "WWW.VPN.EXAMPLE.",
        DecisionReason::BlockedCategory,
        Some("vpn"),
    );
    blocked("denied.example", DecisionReason::ParentDenied, None);
    blocked("x.denied.example", DecisionReason::ParentDenied, None);
    blocked("10.9.8.7", DecisionReason::ParentDenied, None);
    blocked(
        "whole-host.example",
        DecisionReason::IllegalMaterial,
        Some("csam"),
    );
    // The parent allowed the adult site: the category no longer blocks it.
    assert_eq!(check("adult.example").reason, DecisionReason::ParentAllowed);
    assert_eq!(
        check("approved.example").reason,
        DecisionReason::ApprovedRequest
    );
    assert_eq!(
        check("www.kids.example").reason,
        DecisionReason::Allowlisted
    );
    assert_eq!(check("198.51.100.7").reason, DecisionReason::Allowlisted);
    assert_eq!(check("example.com").verdict, HostVerdict::Allow);
    // A name that would be some other host inside a URL is no host.
    for not_a_host in [
        "allowed.example/x.vpn.example",
        "a@vpn.example",
        "vpn.example:53",
        "",
    ] {
        blocked(not_a_host, DecisionReason::NotAWebAddress, None);
    }
}

#[test]
fn an_entry_for_one_page_cannot_block_its_host_but_one_for_the_whole_host_does() {
    let phone = phone();
    let page = phone.filter.check(
        b"http://page-host.example/dir/page.html",
        &phone.policy,
        NOW,
    );
    assert_eq!(page.reason, DecisionReason::IllegalMaterial);
    let host = phone
        .filter
        .check_host("page-host.example", &phone.policy, NOW);
    assert_eq!(host.verdict, HostVerdict::Allow);
    let whole = phone
        .filter
        .check_host("sub.whole-host.example", &phone.policy, NOW);
    assert_eq!(whole.reason, DecisionReason::IllegalMaterial);
}

#[test]
fn dns_over_https_and_dns_over_tls_resolvers_are_blocked_by_name_and_address() {
    let phone = phone();
    for host in [
        "dns.google",
        "cloudflare-dns.com",
        "one.one.one.one",
        "dns.quad9.net",
        "doh.opendns.com",
        "1.1.1.1",
        "1.0.0.1",
        "8.8.8.8",
        "8.8.4.4",
        "9.9.9.9",
        "[2606:4700:4700::1111]",
        "[2001:4860:4860::8888]",
    ] {
        let decision = phone.filter.check_host(host, &phone.policy, NOW);
        assert_eq!(decision.verdict, HostVerdict::Block, "{host}");
        assert_eq!(decision.category.as_deref(), Some("doh"), "{host}");
    }
    // The browser blocks the resolvers' addresses too.
    let url = phone.filter.check(b"https://1.1.1.1/", &phone.policy, NOW);
    assert_eq!(url.category.as_deref(), Some("doh"));
    let neighbour = phone.filter.check_host("1.1.1.4", &phone.policy, NOW);
    assert_eq!(neighbour.verdict, HostVerdict::Allow);
}

#[test]
fn search_engines_get_their_safe_hosts_only_with_safe_search_on() {
    let mut phone = phone();
    for (host, safe) in [
        ("www.google.com", "forcesafesearch.google.com"),
        ("WWW.GOOGLE.CO.UK.", "forcesafesearch.google.com"),
        ("www.youtube.com", "restrict.youtube.com"),
        ("m.youtube.com", "restrict.youtube.com"),
        ("www.bing.com", "strict.bing.com"),
        ("duckduckgo.com", "safe.duckduckgo.com"),
    ] {
        let decision = phone.filter.check_host(host, &phone.policy, NOW);
        assert_eq!(
            decision.verdict,
            HostVerdict::UseSafeHost {
                host: safe.to_owned()
            },
            "{host}"
        );
        assert_eq!(decision.reason, DecisionReason::SafeSearchEnforced);
    }
    let gmail = phone
        .filter
        .check_host("mail.google.com", &phone.policy, NOW);
    assert_eq!(gmail.verdict, HostVerdict::Allow);
    phone.policy.safe_search = false;
    let google = phone
        .filter
        .check_host("www.google.com", &phone.policy, NOW);
    assert_eq!(google.verdict, HostVerdict::Allow);
}

// ---- Query messages -------------------------------------------------------------------------

fn name(text: &str) -> Name {
    Name::from_ascii(text).unwrap()
}

fn query_message(id: u16, host: &str, query_type: RecordType) -> Message {
    let mut message = Message::new(id, MessageType::Query, OpCode::Query);
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(name(host), query_type));
    message
}

fn query(id: u16, host: &str, query_type: RecordType) -> Vec<u8> {
    query_message(id, host, query_type).to_vec().unwrap()
}

/// What an upstream resolver would answer to `forwarded`, with `records` for its question.
fn upstream_answer(forwarded: &[u8], records: Vec<Record>) -> Vec<u8> {
    let asked = Message::from_vec(forwarded).unwrap();
    let mut answer = Message::new(asked.metadata.id, MessageType::Response, OpCode::Query);
    answer.metadata.recursion_desired = true;
    answer.metadata.recursion_available = true;
    answer.queries = asked.queries.clone();
    answer.answers = records;
    answer.to_vec().unwrap()
}

fn a_record(owner: &str, address: [u8; 4]) -> Record {
    Record::from_rdata(name(owner), 300, RData::A(A(Ipv4Addr::from(address))))
}

fn answered(step: DnsStep) -> Message {
    match step {
        DnsStep::Answer(bytes) => Message::from_vec(&bytes).unwrap(),
        other => panic!("expected an answer, got {other:?}"),
    }
}

fn forwarded(step: DnsStep) -> Vec<u8> {
    match step {
        DnsStep::Forward(bytes) => bytes,
        other => panic!("expected a forward, got {other:?}"),
    }
}

#[test]
fn a_blocked_name_gets_nxdomain_for_every_type_with_the_query_id_and_question() {
    let phone = phone();
    let block = BlockAnswer::nxdomain();
    for query_type in [
        RecordType::A,
        RecordType::AAAA,
        RecordType::HTTPS,
        RecordType::ANY,
    ] {
        for host in [
            "vpn.example.",
            "Denied.Example.",
            "www.whole-host.example.",
            "dns.google.",
        ] {
            let answer = answered(phone.query(&query(0xbeef, host, query_type), &block));
            assert_eq!(answer.metadata.id, 0xbeef);
            assert_eq!(answer.metadata.message_type, MessageType::Response);
            assert_eq!(
                answer.metadata.response_code,
                ResponseCode::NXDomain,
                "{host}"
            );
            assert!(answer.metadata.recursion_desired && answer.metadata.recursion_available);
            assert_eq!(answer.queries, vec![Query::query(name(host), query_type)]);
            assert!(answer.answers.is_empty() && answer.authorities.is_empty());
        }
    }
}

#[test]
fn a_blocked_name_gets_the_block_page_addresses_when_configured() {
    let phone = phone();
    let v4 = Ipv4Addr::new(192, 0, 2, 80);
    let v6 = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x80);
    let block = BlockAnswer::addresses(&[IpAddr::V4(v4), IpAddr::V6(v6)]);
    let a = answered(phone.query(&query(1, "vpn.example.", RecordType::A), &block));
    assert_eq!(a.metadata.response_code, ResponseCode::NoError);
    assert_eq!(a.answers.len(), 1);
    assert_eq!(a.answers[0].data, RData::A(A(v4)));
    assert_eq!(a.answers[0].ttl, FILTER_TTL_SECS);
    assert_eq!(a.answers[0].name, name("vpn.example."));
    let aaaa = answered(phone.query(&query(2, "vpn.example.", RecordType::AAAA), &block));
    assert_eq!(aaaa.answers[0].data, RData::AAAA(v6.into()));
    // Any other type: the name exists, with nothing of that type.
    let mx = answered(phone.query(&query(3, "vpn.example.", RecordType::MX), &block));
    assert_eq!(mx.metadata.response_code, ResponseCode::NoError);
    assert!(mx.answers.is_empty());
    // Only IPv4 configured: AAAA gets an empty answer, so the app falls back to the page's A.
    let v4_only = BlockAnswer::addresses(&[IpAddr::V4(v4)]);
    let aaaa = answered(phone.query(&query(4, "vpn.example.", RecordType::AAAA), &v4_only));
    assert_eq!(aaaa.metadata.response_code, ResponseCode::NoError);
    assert!(aaaa.answers.is_empty());
}

#[test]
fn signal_names_get_nxdomain_whatever_the_policy_and_block_answer() {
    let mut phone = phone();
    phone.policy = FilterPolicy::default();
    let block = BlockAnswer::addresses(&[IpAddr::V4(Ipv4Addr::new(192, 0, 2, 80))]);
    for host in SIGNAL_DOMAINS
        .iter()
        .map(|signal| format!("{signal}."))
        .chain([
            "_dns.resolver.arpa.".to_owned(),
            "USE-APPLICATION-DNS.NET.".to_owned(),
        ])
    {
        for query_type in [RecordType::A, RecordType::AAAA, RecordType::SVCB] {
            let answer = answered(phone.query(&query(7, &host, query_type), &block));
            assert_eq!(
                answer.metadata.response_code,
                ResponseCode::NXDomain,
                "{host}"
            );
            assert!(answer.answers.is_empty());
        }
    }
}

#[test]
fn an_allowed_name_is_forwarded_as_it_came_and_its_answer_passed_back_whole() {
    let phone = phone();
    let block = BlockAnswer::nxdomain();
    let mut asked = query_message(0x1234, "www.Example.com.", RecordType::A);
    let mut edns = Edns::new();
    edns.set_max_payload(1232);
    asked.edns = Some(edns);
    let asked = asked.to_vec().unwrap();
    let sent = forwarded(phone.query(&asked, &block));
    assert_eq!(sent, asked);
    let upstream = upstream_answer(
        &sent,
        vec![a_record("www.example.com.", [93, 184, 215, 14])],
    );
    assert_eq!(phone.reply(&asked, Some(&upstream), &block), upstream);
}

#[test]
fn an_answer_that_is_not_for_the_question_forwarded_is_servfail_never_passed_through() {
    let phone = phone();
    let block = BlockAnswer::nxdomain();
    let asked = query(0x4242, "example.com.", RecordType::A);
    let servfail = |upstream: Option<&[u8]>| {
        let answer = Message::from_vec(&phone.reply(&asked, upstream, &block)).unwrap();
        assert_eq!(answer.metadata.id, 0x4242);
        assert_eq!(answer.metadata.response_code, ResponseCode::ServFail);
        assert_eq!(
            answer.queries,
            vec![Query::query(name("example.com."), RecordType::A)]
        );
        assert!(answer.answers.is_empty());
    };
    servfail(None);
    servfail(Some(b"\x42\x42"));
    servfail(Some(&[0u8; 40]));
    let wrong_id = upstream_answer(&query(0x4243, "example.com.", RecordType::A), vec![]);
    servfail(Some(&wrong_id));
    let wrong_name = upstream_answer(&query(0x4242, "other.example.", RecordType::A), vec![]);
    servfail(Some(&wrong_name));
    let wrong_type = upstream_answer(&query(0x4242, "example.com.", RecordType::AAAA), vec![]);
    servfail(Some(&wrong_type));
    // The query itself, sent back as if it were an answer.
    servfail(Some(&asked));
    let mut two = Message::from_vec(&upstream_answer(&asked, vec![])).unwrap();
    two.add_query(Query::query(name("vpn.example."), RecordType::A));
    servfail(Some(&two.to_vec().unwrap()));
}

#[test]
fn a_cname_to_a_blocked_name_is_blocked_unless_the_parent_allowed_the_name_asked() {
    let phone = phone();
    let block = BlockAnswer::nxdomain();
    let chain = |owner: &str| {
        vec![
            Record::from_rdata(
                name(owner),
                300,
                RData::CNAME(CNAME(name("cdn.example.net."))),
            ),
            Record::from_rdata(
                name("cdn.example.net."),
                300,
                RData::CNAME(CNAME(name("edge.vpn.example."))),
            ),
            a_record("edge.vpn.example.", [203, 0, 113, 9]),
        ]
    };
    let asked = query(9, "innocent.example.", RecordType::A);
    let sent = forwarded(phone.query(&asked, &block));
    let upstream = upstream_answer(&sent, chain("innocent.example."));
    let answer = Message::from_vec(&phone.reply(&asked, Some(&upstream), &block)).unwrap();
    assert_eq!(answer.metadata.response_code, ResponseCode::NXDomain);
    assert!(answer.answers.is_empty());
    // The parent allowed this name: the browser would load it, and so the answer stands.
    let asked = query(10, "parent-ok.example.", RecordType::A);
    let sent = forwarded(phone.query(&asked, &block));
    let upstream = upstream_answer(&sent, chain("parent-ok.example."));
    assert_eq!(phone.reply(&asked, Some(&upstream), &block), upstream);
}

#[test]
fn a_search_engine_is_answered_by_cname_to_its_safe_host() {
    let phone = phone();
    let block = BlockAnswer::nxdomain();
    for (host, safe) in [
        ("www.google.com.", "forcesafesearch.google.com."),
        ("www.youtube.com.", "restrict.youtube.com."),
        ("www.bing.com.", "strict.bing.com."),
        ("duckduckgo.com.", "safe.duckduckgo.com."),
    ] {
        let asked = query(0x5afe, host, RecordType::A);
        let sent = forwarded(phone.query(&asked, &block));
        let sent_message = Message::from_vec(&sent).unwrap();
        assert_eq!(sent_message.metadata.id, 0x5afe);
        assert!(sent_message.metadata.recursion_desired);
        assert_eq!(
            sent_message.queries,
            vec![Query::query(name(safe), RecordType::A)]
        );
        let upstream = upstream_answer(&sent, vec![a_record(safe, [216, 239, 38, 120])]);
        let answer = Message::from_vec(&phone.reply(&asked, Some(&upstream), &block)).unwrap();
        assert_eq!(answer.metadata.id, 0x5afe);
        assert_eq!(answer.metadata.response_code, ResponseCode::NoError);
        assert_eq!(
            answer.queries,
            vec![Query::query(name(host), RecordType::A)]
        );
        assert_eq!(answer.answers.len(), 2, "{host}");
        assert_eq!(answer.answers[0].name, name(host));
        assert_eq!(answer.answers[0].data, RData::CNAME(CNAME(name(safe))));
        assert_eq!(answer.answers[1], a_record(safe, [216, 239, 38, 120]));
        // The upstream answering the engine's own name instead is no answer to what was sent.
        let unsafe_answer = upstream_answer(&asked, vec![a_record(host, [142, 250, 1, 1])]);
        let refused =
            Message::from_vec(&phone.reply(&asked, Some(&unsafe_answer), &block)).unwrap();
        assert_eq!(refused.metadata.response_code, ResponseCode::ServFail);
    }
}

#[test]
fn malformed_and_unusual_queries_follow_the_documented_rules() {
    let phone = phone();
    let block = BlockAnswer::nxdomain();
    let code = |bytes: &[u8]| answered(phone.query(bytes, &block)).metadata.response_code;
    // No header: nothing to answer.
    for bytes in [
        &b""[..],
        b"\x12",
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00",
    ] {
        assert_eq!(phone.query(bytes, &block), DnsStep::Ignore);
        assert!(phone.reply(bytes, None, &block).is_empty());
    }
    // A header promising a question that is not there: FORMERR with the id.
    let truncated = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07exam";
    let answer = answered(phone.query(truncated, &block));
    assert_eq!(answer.metadata.id, 0x1234);
    assert_eq!(answer.metadata.response_code, ResponseCode::FormErr);
    assert!(answer.metadata.recursion_desired);
    // An answer is never answered.
    let upstream = upstream_answer(&query(5, "example.com.", RecordType::A), vec![]);
    assert_eq!(phone.query(&upstream, &block), DnsStep::Ignore);
    // Several questions, or none.
    let mut two = query_message(6, "example.com.", RecordType::A);
    two.add_query(Query::query(name("vpn.example."), RecordType::A));
    assert_eq!(code(&two.to_vec().unwrap()), ResponseCode::FormErr);
    let none = Message::new(6, MessageType::Query, OpCode::Query);
    assert_eq!(code(&none.to_vec().unwrap()), ResponseCode::FormErr);
    // Other classes and zone transfers are refused; other opcodes are not implemented.
    let mut chaos = query_message(7, "version.bind.", RecordType::TXT);
    chaos.queries[0].query_class = DNSClass::CH;
    assert_eq!(code(&chaos.to_vec().unwrap()), ResponseCode::Refused);
    assert_eq!(
        code(&query(8, "example.com.", RecordType::AXFR)),
        ResponseCode::Refused
    );
    let mut notify = query_message(9, "example.com.", RecordType::SOA);
    notify.metadata.op_code = OpCode::Notify;
    assert_eq!(code(&notify.to_vec().unwrap()), ResponseCode::NotImp);
    // ANY is judged by its name like every other type.
    assert_eq!(
        code(&query(10, "vpn.example.", RecordType::ANY)),
        ResponseCode::NXDomain
    );
    let any = query(11, "example.com.", RecordType::ANY);
    assert_eq!(forwarded(phone.query(&any, &block)), any);
    // A name with a byte no host has, or the root, is no host: blocked.
    let odd = Name::from_labels([&b"a/b"[..], b"example", b"com"]).unwrap();
    let mut odd_query = query_message(12, "example.com.", RecordType::A);
    odd_query.queries[0].name = odd;
    assert_eq!(code(&odd_query.to_vec().unwrap()), ResponseCode::NXDomain);
    let mut root = query_message(13, "example.com.", RecordType::NS);
    root.queries[0].name = Name::root();
    assert_eq!(code(&root.to_vec().unwrap()), ResponseCode::NXDomain);
}

#[test]
fn no_decision_is_servfail_never_a_forward() {
    let block = BlockAnswer::nxdomain();
    let asked = query(3, "example.com.", RecordType::A);
    let step = dns::dns_query(&asked, &block, |_| None);
    assert_eq!(
        answered(step).metadata.response_code,
        ResponseCode::ServFail
    );
}

#[test]
fn lists_that_cannot_be_opened_block_every_name() {
    let (_, phone) = &policies_once()[4];
    let block = BlockAnswer::nxdomain();
    for host in ["example.com.", "kids.example.", "www.google.com."] {
        let answer = answered(phone.query(&query(1, host, RecordType::A), &block));
        assert_eq!(
            answer.metadata.response_code,
            ResponseCode::NXDomain,
            "{host}"
        );
        let decision = phone.filter.check_host(host, &phone.policy, NOW);
        assert_eq!(decision.reason, DecisionReason::ListsUnavailable);
    }
}

// ---- IP packets ------------------------------------------------------------------------------

const CLIENT_V4: [u8; 4] = [10, 111, 222, 2];
const RESOLVER_V4: [u8; 4] = [10, 111, 222, 1];
const CLIENT_V6: [u8; 16] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
const RESOLVER_V6: [u8; 16] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

fn udp_v4(payload: &[u8], destination_port: u16) -> Vec<u8> {
    let mut packet = Vec::new();
    PacketBuilder::ipv4(CLIENT_V4, RESOLVER_V4, 64)
        .udp(40_000, destination_port)
        .write(&mut packet, payload)
        .unwrap();
    packet
}

fn udp_v6(payload: &[u8]) -> Vec<u8> {
    let mut packet = Vec::new();
    PacketBuilder::ipv6(CLIENT_V6, RESOLVER_V6, 64)
        .udp(40_001, 53)
        .write(&mut packet, payload)
        .unwrap();
    packet
}

/// The addresses, ports and DNS payload of an answer packet, with its checksums checked.
fn unpack(packet: &[u8]) -> (IpAddr, IpAddr, u16, u16, Vec<u8>) {
    let sliced = SlicedPacket::from_ip(packet).unwrap();
    let Some(TransportSlice::Udp(udp)) = sliced.transport else {
        panic!("not UDP");
    };
    let header = udp.to_header();
    let (source, destination) = match sliced.net.unwrap() {
        NetSlice::Ipv4(ipv4) => {
            let ip = ipv4.header().to_header();
            assert_eq!(ip.header_checksum, ip.calc_header_checksum());
            assert_eq!(
                header.checksum,
                header.calc_checksum_ipv4(&ip, udp.payload()).unwrap()
            );
            (IpAddr::from(ip.source), IpAddr::from(ip.destination))
        }
        NetSlice::Ipv6(ipv6) => {
            let ip = ipv6.header().to_header();
            assert_eq!(
                header.checksum,
                header.calc_checksum_ipv6(&ip, udp.payload()).unwrap()
            );
            (IpAddr::from(ip.source), IpAddr::from(ip.destination))
        }
        NetSlice::Arp(_) => panic!("not IP"),
    };
    (
        source,
        destination,
        header.source_port,
        header.destination_port,
        udp.payload().to_vec(),
    )
}

#[test]
fn a_blocked_query_packet_is_answered_from_the_resolver_address_to_the_asker() {
    let phone = phone();
    let block = BlockAnswer::nxdomain();
    let judge = |packet: &[u8]| dns::dns_packet(packet, |message| phone.query(message, &block));
    let asked = query(0x0a0b, "vpn.example.", RecordType::A);
    let PacketStep::Answer(packet) = judge(&udp_v4(&asked, 53)) else {
        panic!("a blocked name is answered");
    };
    let (source, destination, source_port, destination_port, payload) = unpack(&packet);
    assert_eq!(source, IpAddr::from(RESOLVER_V4));
    assert_eq!(destination, IpAddr::from(CLIENT_V4));
    assert_eq!((source_port, destination_port), (53, 40_000));
    let answer = Message::from_vec(&payload).unwrap();
    assert_eq!(answer.metadata.id, 0x0a0b);
    assert_eq!(answer.metadata.response_code, ResponseCode::NXDomain);

    let PacketStep::Answer(packet) = judge(&udp_v6(&asked)) else {
        panic!("a blocked name is answered over IPv6 too");
    };
    let (source, destination, source_port, destination_port, payload) = unpack(&packet);
    assert_eq!(source, IpAddr::from(RESOLVER_V6));
    assert_eq!(destination, IpAddr::from(CLIENT_V6));
    assert_eq!((source_port, destination_port), (53, 40_001));
    assert_eq!(
        Message::from_vec(&payload).unwrap().metadata.response_code,
        ResponseCode::NXDomain
    );
}

#[test]
fn an_allowed_query_packet_is_forwarded_and_its_answer_comes_back_as_a_packet() {
    let phone = phone();
    let block = BlockAnswer::nxdomain();
    let asked = query(0x0c0d, "www.google.com.", RecordType::A);
    for packet in [udp_v4(&asked, 53), udp_v6(&asked)] {
        let step = dns::dns_packet(&packet, |message| phone.query(message, &block));
        let PacketStep::Forward(sent) = step else {
            panic!("an allowed name is forwarded");
        };
        let upstream = upstream_answer(
            &sent,
            vec![a_record("forcesafesearch.google.com.", [216, 239, 38, 120])],
        );
        let reply = dns::dns_packet_reply(&packet, |message| {
            phone.reply(message, Some(&upstream), &block)
        })
        .unwrap();
        let (_, destination, _, _, payload) = unpack(&reply);
        assert!(destination == IpAddr::from(CLIENT_V4) || destination == IpAddr::from(CLIENT_V6));
        let answer = Message::from_vec(&payload).unwrap();
        assert_eq!(answer.answers.len(), 2);
        assert_eq!(answer.answers[0].record_type(), RecordType::CNAME);
    }
}

#[test]
fn packets_that_are_not_dns_queries_over_udp_are_dropped() {
    let phone = phone();
    let block = BlockAnswer::nxdomain();
    let step = |packet: &[u8]| dns::dns_packet(packet, |message| phone.query(message, &block));
    let asked = query(1, "vpn.example.", RecordType::A);
    assert_eq!(step(&udp_v4(&asked, 5353)), PacketStep::Ignore);
    assert_eq!(step(b"garbage"), PacketStep::Ignore);
    assert_eq!(step(&[]), PacketStep::Ignore);
    let mut tcp = Vec::new();
    PacketBuilder::ipv4(CLIENT_V4, RESOLVER_V4, 64)
        .tcp(40_000, 53, 1, 1024)
        .write(&mut tcp, &asked)
        .unwrap();
    assert_eq!(step(&tcp), PacketStep::Ignore);
    // The first fragment of a datagram: more fragments follow.
    let mut fragment = udp_v4(&asked, 53);
    fragment[6] |= 0x20;
    let header_checksum = {
        let ip = etherparse::Ipv4HeaderSlice::from_slice(&fragment)
            .unwrap()
            .to_header();
        ip.calc_header_checksum()
    };
    fragment[10..12].copy_from_slice(&header_checksum.to_be_bytes());
    assert_eq!(step(&fragment), PacketStep::Ignore);
    // A DNS payload with no header in a good packet: nothing to answer, nothing written back.
    let empty = udp_v4(b"\x01", 53);
    assert_eq!(step(&empty), PacketStep::Ignore);
    assert_eq!(
        dns::dns_packet_reply(&empty, |message| phone.reply(message, None, &block)),
        None
    );
    // A malformed query in a good packet gets FORMERR back as a packet.
    let PacketStep::Answer(packet) = step(&udp_v4(
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xff",
        53,
    )) else {
        panic!("FORMERR is an answer");
    };
    let (_, _, _, _, payload) = unpack(&packet);
    assert_eq!(
        Message::from_vec(&payload).unwrap().metadata.response_code,
        ResponseCode::FormErr
    );
}

// ---- Any bytes ------------------------------------------------------------------------------

/// Bytes that are mostly a query, so that the deeper paths are reached too.
fn query_like() -> impl Strategy<Value = Vec<u8>> {
    let real = (
        any::<u16>(),
        prop::sample::select(
            &[
                "vpn.example.",
                "example.com.",
                "www.google.com.",
                "use-application-dns.net.",
            ][..],
        ),
    )
        .prop_map(|(id, host)| query(id, host, RecordType::A));
    let mutated = (
        real.clone(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(mut bytes, flips, cut)| {
            for (at, byte) in flips {
                let at = at.index(bytes.len());
                bytes[at] = byte;
            }
            let keep = cut.index(bytes.len() + 1);
            bytes.truncate(keep.max(bytes.len() / 2));
            bytes
        });
    prop_oneof![prop::collection::vec(any::<u8>(), 0..80), mutated, real]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Any bytes as a query, an upstream answer or a packet: no panic, and every answer the
    /// filter writes is a DNS response that parses, with the query's id.
    #[test]
    fn any_bytes_never_panic_and_every_answer_parses(
        bytes in query_like(),
        upstream in query_like(),
    ) {
        let (_, phone) = &policies_once()[0];
        let block = BlockAnswer::addresses(&[IpAddr::V4(Ipv4Addr::new(192, 0, 2, 80))]);
        let id = (bytes.len() >= 2).then(|| u16::from_be_bytes([bytes[0], bytes[1]]));
        match phone.query(&bytes, &block) {
            DnsStep::Answer(answer) => {
                let answer = Message::from_vec(&answer).unwrap();
                prop_assert_eq!(answer.metadata.message_type, MessageType::Response);
                prop_assert_eq!(Some(answer.metadata.id), id);
            }
            DnsStep::Forward(sent) => {
                let sent = Message::from_vec(&sent).unwrap();
                prop_assert_eq!(sent.queries.len(), 1);
                let reply = phone.reply(&bytes, Some(&upstream), &block);
                let reply_message = Message::from_vec(&reply).unwrap();
                prop_assert_eq!(Some(reply_message.metadata.id), id);
            }
            DnsStep::Ignore => prop_assert!(phone.reply(&bytes, None, &block).is_empty()),
        }
        for packet in [udp_v4(&bytes, 53), udp_v6(&bytes), bytes.clone()] {
            if let PacketStep::Answer(answer) = dns::dns_packet(&packet, |message| phone.query(message, &block)) {
                let (_, _, _, _, payload) = unpack(&answer);
                prop_assert!(Message::from_vec(&payload).is_ok());
            }
        }
    }
}
