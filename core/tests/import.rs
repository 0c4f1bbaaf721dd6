//! Importing the list files people publish: a hosts file, an AdBlock list, a plain domain list
//! and a URL list, each as it arrives (comments, junk, CRLF), checked through the public API.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use childsafe_core::filter::import::{ListFormat, import_domains, import_url_hashes};
use childsafe_core::filter::{CanonicalUrl, ExpressionHash};

const HOSTS_FILE: &[u8] = b"# Title: family blocklist\r\n\
# Updated: 2024-05-01\r\n\
\r\n\
127.0.0.1 localhost\r\n\
127.0.0.1 localhost.localdomain\r\n\
255.255.255.255 broadcasthost\r\n\
::1 localhost ip6-localhost ip6-loopback\r\n\
0.0.0.0 0.0.0.0\r\n\
\r\n\
# Adult\r\n\
0.0.0.0 Adult-Site.example\r\n\
0.0.0.0 www.adult-site.example cdn.adult-site.example # mirrors\r\n\
127.0.0.1\tgamble.example\r\n\
0.0.0.0 adult-site.example\r\n\
this line is junk\r\n\
0.0.0.0 http://not-a-name.example/path\r\n";

#[test]
fn a_hosts_file_with_comments_boilerplate_junk_and_crlf() {
    let imported = import_domains(HOSTS_FILE, ListFormat::Hosts);
    assert_eq!(
        imported.domains,
        [
            "adult-site.example",
            "cdn.adult-site.example",
            "gamble.example",
            "www.adult-site.example",
        ]
    );
    assert_eq!(imported.lines, 16);
    // Two title comments, two blank lines, the section comment, five boilerplate lines.
    assert_eq!(imported.skipped_comments, 10);
    assert_eq!(imported.skipped_invalid, 2);
}

#[test]
fn auto_reads_a_hosts_file_as_the_hosts_format_does() {
    let auto = import_domains(HOSTS_FILE, ListFormat::Auto);
    assert_eq!(
        auto.domains,
        import_domains(HOSTS_FILE, ListFormat::Hosts).domains
    );
}

const ADBLOCK_LIST: &[u8] = b"[Adblock Plus 2.0]\n\
! Title: Example filters\n\
! Expires: 4 days\n\
||tracker.example^\n\
||ads.example^$third-party\n\
||Popups.EXAMPLE^$popup,important\n\
@@||allowed.example^\n\
example.com##.sponsored\n\
##.cookie-banner\n\
||cdn.example/ads/*\n\
||scripts.example^$script\n\
||partly*.example^\n\
/banner[0-9]+/\n\
|https://anchored.example/\n";

#[test]
fn an_adblock_list_yields_only_its_whole_domain_rules() {
    let imported = import_domains(ADBLOCK_LIST, ListFormat::AdBlock);
    assert_eq!(
        imported.domains,
        ["ads.example", "popups.example", "tracker.example"]
    );
    assert_eq!(imported.lines, 14);
    assert_eq!(imported.skipped_comments, 3);
    assert_eq!(imported.skipped_invalid, 8);
}

#[test]
fn a_plain_domain_list_with_idn_uppercase_and_wildcards() {
    let list = "# my list\n\
                Example.COM\n\
                *.wild.example\n\
                .dot.example\n\
                bücher.de\n\
                ＥＸＡＭＰＬＥ．org\n\
                trailing.example.\n\
                example.com\n\
                192.168.0.1\n\
                localhost\n\
                two words.example\n";
    let imported = import_domains(list.as_bytes(), ListFormat::Domains);
    assert_eq!(
        imported.domains,
        [
            "dot.example",
            "example.com",
            "example.org",
            "trailing.example",
            "wild.example",
            "xn--bcher-kva.de",
        ]
    );
    // An address on a line of its own is an entry, kept apart from the domains.
    assert_eq!(imported.ip_ranges, ["192.168.0.1".parse().unwrap()]);
    assert_eq!(imported.skipped_comments, 1);
    assert_eq!(imported.skipped_invalid, 2);
}

#[test]
fn imported_domains_meet_the_hosts_of_urls() {
    let imported = import_domains("BÜCHER.de\n".as_bytes(), ListFormat::Auto);
    let url = CanonicalUrl::parse("https://www.bücher.de/".as_bytes()).unwrap();
    let suffixes: Vec<&str> = url
        .lookup_expressions()
        .map(|expression| expression.host_suffix())
        .collect();
    assert!(suffixes.contains(&imported.domains[0].as_str()));
}

fn hash_of(expression: &str) -> ExpressionHash {
    let url = CanonicalUrl::parse(expression.as_bytes()).unwrap();
    url.lookup_expressions().next().unwrap().full_hash()
}

#[test]
fn a_url_list_is_hashed_by_each_entrys_exact_expression() {
    let list = b"# reported pages\r\n\
                 evil.example/dir/\r\n\
                 https://EVIL.example/page.html\r\n\
                 http://evil.example/page.html#fragment\r\n\
                 http://other.example/q?id=7\r\n\
                 \r\n\
                 javascript:alert(1)\r\n";
    let imported = import_url_hashes(list);
    let mut expected = vec![
        hash_of("evil.example/dir/"),
        hash_of("evil.example/page.html"),
        hash_of("other.example/q?id=7"),
    ];
    expected.sort();
    let hashes: Vec<_> = imported.entries.iter().map(|entry| entry.hash).collect();
    assert_eq!(hashes, expected);
    // Each entry keeps the host its expression starts with, for the list's host prefilter.
    assert!(imported.entries.iter().all(|entry| {
        let expected_host = if entry.hash == hash_of("other.example/q?id=7") {
            "other.example"
        } else {
            "evil.example"
        };
        entry.host == expected_host
    }));
    assert_eq!(imported.lines, 7);
    assert_eq!(imported.skipped_comments, 2);
    assert_eq!(imported.skipped_invalid, 1);
}

#[test]
fn a_directory_entry_matches_pages_below_it_and_a_page_entry_only_itself() {
    let imported = import_url_hashes(b"evil.example/dir/\nevil.example/page.html\n");
    let matches = |raw: &str| {
        let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
        url.lookup_expressions().any(|expression| {
            let hash = expression.full_hash();
            imported.entries.iter().any(|entry| entry.hash == hash)
        })
    };
    assert!(matches("http://evil.example/dir/sub/file.html?x=1"));
    assert!(matches("https://www.evil.example/page.html"));
    assert!(!matches("http://evil.example/other.html"));
    assert!(!matches("http://evil.example/"));
}
