//! The filter judges the host the browser loads. Browsers find a URL's parts by the WHATWG URL
//! Standard; two independent implementations of it are the oracles here: the `url` crate (in
//! process, over a proptest grammar of hostile URLs) and Node.js's `URL` (over a sample of the
//! same grammar). Whenever an oracle reads an `http(s)` URL:
//!
//! - the filter names the same host (after the Safe Browsing dot rules: `example.com.` is
//!   `example.com`; an IPv4-mapped IPv6 address becomes its IPv4 form), both for the raw text and
//!   for the oracle's own serialization of it;
//! - with that host denied by a parent rule the decision is `block`, and with the host on a
//!   blocked category list of the bundle, or not on the allowlist in allowlist-only mode, too.
//!
//! And whatever the oracles say: a URL the filter cannot read is blocked, never allowed.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod url_oracle;

use std::io::Write as _;
use std::process::{Command, Stdio};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use url_oracle::{ALLOWED, Reading, check, check_against_url_crate};

/// URLs built from the pieces that have moved host boundaries in URL parsers: encoded delimiters
/// in userinfo and path, doubled `@`, backslashes, every C0 control at both ends and tabs and
/// line breaks inside, IPv4 in every radix and short form, IPv6 and IPv4-mapped forms, IDN and
/// full-width dots, and ports.
fn hostile_url() -> impl Strategy<Value = String> {
    let junk = proptest::collection::vec((0u8..=0x20).prop_map(char::from), 0..3)
        .prop_map(|chars| chars.into_iter().collect::<String>());
    let scheme = prop::sample::select(&["http", "https", "HTTP", "hTtPs"][..]);
    let separator =
        prop::sample::select(&["://", ":/", ":", ":\\\\", ":/\\", ":////", ":\\/", "://\\"][..]);
    let userinfo = prop::option::of(
        proptest::collection::vec(
            prop::sample::select(
                &[
                    ALLOWED, "user", ":", "pw", "@", "%2F", "%3F", "%23", "%5C", "%40", "%3A",
                    "%252F", "%25253F", "%2f%2F", "%00", "%20", "%",
                ][..],
            ),
            1..5,
        )
        .prop_map(|pieces| format!("{}@", pieces.concat())),
    );
    let host = prop_oneof![4 => domain(), 2 => ipv4(), 1 => ipv6()];
    let port =
        prop::sample::select(&["", "", "", ":80", ":", ":8080", ":65535", ":0", ":99999"][..]);
    let path = proptest::collection::vec(
        (
            prop::sample::select(&["/", "/", "\\"][..]),
            prop::sample::select(
                &[
                    "a", "..", ".", "%2e%2E", "%2F", "%3F", "%23", "%5C", "%40", "x%252Fy", "b c",
                    "ü", "@", "%3A", "",
                ][..],
            ),
        ),
        0..4,
    )
    .prop_map(|segments| {
        segments
            .into_iter()
            .map(|(slash, segment)| format!("{slash}{segment}"))
            .collect::<String>()
    });
    let query = prop::sample::select(&["", "?", "?q=1", "?u=%2F%40x", "?a=b?c", "?%23=%25"][..]);
    let fragment = prop::sample::select(&["", "#", "#frag", "#%2F@other.example/"][..]);
    let breaks = proptest::collection::vec((any::<prop::sample::Index>(), 0..3usize), 0..3);
    (
        (junk.clone(), scheme, separator, userinfo, host),
        (port, path, query, fragment, junk, breaks),
    )
        .prop_map(
            |(
                (start, scheme, separator, userinfo, host),
                (port, path, query, fragment, end, breaks),
            )| {
                let mut url = format!(
                    "{start}{scheme}{separator}{}{host}{port}{path}{query}{fragment}{end}",
                    userinfo.unwrap_or_default()
                );
                for (at, which) in breaks {
                    let mut index = at.index(url.len() + 1);
                    while !url.is_char_boundary(index) {
                        index -= 1;
                    }
                    url.insert(index, ['\t', '\n', '\r'][which]);
                }
                url
            },
        )
}

/// Domain names, listed or not, in the spellings a host can take.
fn domain() -> impl Strategy<Value = String> {
    let label = prop::sample::select(
        &[
            "listed",
            "LISTED",
            "l%69sted",
            "ｌｉｓｔｅｄ",
            "allowed",
            "www",
            "bücher",
            "xn--bcher-kva",
            "a-b",
            "x_y",
            "example",
            "EXAMPLE",
            "%45xample",
            "exa%6Dple",
            "ex%C3%A4mple",
            "1",
            "0x1f",
        ][..],
    );
    let dot = prop::sample::select(&[".", ".", ".", "。", "．", "｡", "%2e", ".."][..]);
    let ending = prop::sample::select(&["", "", ".", ".."][..]);
    (
        prop::sample::select(&["", "", ".", "www."][..]),
        proptest::collection::vec((label, dot), 0..3),
        prop::sample::select(
            &[
                "listed", "Listed", "example", "allowed", "com", "111", "0x1F",
            ][..],
        ),
        prop::sample::select(&[".example", ".EXAMPLE", "%2Eexample", "。example", ""][..]),
        ending,
    )
        .prop_map(|(start, labels, last, tld, ending)| {
            let middle: String = labels
                .into_iter()
                .map(|(label, dot)| format!("{label}{dot}"))
                .collect();
            format!("{start}{middle}{last}{tld}{ending}")
        })
}

/// IPv4 addresses in every form `inet_aton` and browsers read: each part in decimal, octal or
/// hexadecimal, one to four parts, an optional trailing dot.
fn ipv4() -> impl Strategy<Value = String> {
    let address =
        prop::sample::select(&[0xCB00_7107u32, 0x7F00_0001, 0xC0A8_0001, 0, u32::MAX][..]);
    let parts = 1..=4usize;
    let radixes = proptest::collection::vec(0..3u8, 4);
    let ending = prop::sample::select(&["", "", "."][..]);
    (address, parts, radixes, ending).prop_map(|(address, parts, radixes, ending)| {
        let bytes = address.to_be_bytes();
        let mut numbers: Vec<u64> = bytes[..parts - 1].iter().map(|&b| u64::from(b)).collect();
        let rest_bits = 8 * (5 - parts as u32);
        numbers.push(u64::from(address) & ((1u64 << rest_bits) - 1));
        let written: Vec<String> = numbers
            .iter()
            .zip(&radixes)
            .map(|(&number, &radix)| match radix {
                0 => number.to_string(),
                1 => format!("0{number:o}"),
                _ => format!("0x{number:X}"),
            })
            .collect();
        format!("{}{ending}", written.join("."))
    })
}

/// IPv6 literals, compressed and not, IPv4-mapped and IPv4-compatible.
fn ipv6() -> impl Strategy<Value = String> {
    prop::sample::select(
        &[
            "[::1]",
            "[2001:db8::1]",
            "[2001:DB8:0:0:0:0:0:1]",
            "[::ffff:203.0.113.7]",
            "[::FFFF:cb00:7107]",
            "[::203.0.113.7]",
            "[fe80::]",
            "[0:0:0:0:0:0:0:0]",
            "[2001:db8:0:0:1:0:0:1]",
            "[::ffff:1.2.3]",
            "[1:2:3:4:5:6:7:8:9]",
        ][..],
    )
    .prop_map(str::to_owned)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn the_filter_judges_the_host_the_url_crate_reads(raw in hostile_url()) {
        let result = check_against_url_crate(&raw);
        prop_assert!(result.is_ok(), "{}", result.unwrap_err());
    }
}

/// Inputs the fuzz target `url_check` found that the grammar had not reached, kept as they were
/// found.
const FUZZ_FINDINGS: &[&str] =
    &["http:\t............................\t\t\t\t\t\t\t\t\t\t\t111..:#"];

#[test]
fn the_fuzzers_findings_hold() {
    for raw in FUZZ_FINDINGS {
        check_against_url_crate(raw).unwrap();
    }
}

/// How many URLs of the grammar Node.js reads in one batch.
const NODE_SAMPLE: usize = 20_000;

/// Reads each line of stdin (a JSON string) with `new URL()` and prints, per line, the hostname
/// of an `http(s)` URL and its serialization, or `null`.
const NODE_READER: &str = r#"
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean);
const out = lines.map((line) => {
  try {
    const url = new URL(JSON.parse(line));
    return (url.protocol === 'http:' || url.protocol === 'https:')
      ? [url.hostname, url.href] : null;
  } catch (e) { return null; }
});
process.stdout.write(JSON.stringify(out));
"#;

#[test]
fn the_filter_judges_the_host_node_reads() {
    let mut runner = TestRunner::new(Config {
        rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha,
        ..Config::default()
    });
    let strategy = hostile_url();
    let urls: Vec<String> = (0..NODE_SAMPLE)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect();
    let mut node = Command::new("node")
        .args(["-e", NODE_READER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("Node.js runs here (scripts/install-prerequisites.sh installs it)");
    {
        let mut stdin = node.stdin.take().unwrap();
        for url in &urls {
            writeln!(stdin, "{}", serde_json::to_string(url).unwrap()).unwrap();
        }
    }
    let output = node.wait_with_output().unwrap();
    assert!(output.status.success(), "node failed");
    let readings: Vec<Option<Reading>> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(readings.len(), urls.len());
    let mut read = 0;
    let failures: Vec<String> = urls
        .iter()
        .zip(&readings)
        .filter_map(|(raw, reading)| {
            read += usize::from(reading.is_some());
            check(raw, reading.as_ref()).err()
        })
        .collect();
    println!("Node.js read {read} of {NODE_SAMPLE} generated URLs as http(s)");
    assert!(
        failures.is_empty(),
        "{} disagreements, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    // The grammar must reach both sides: many URLs parse, many do not.
    assert!(read > NODE_SAMPLE / 10 && read < NODE_SAMPLE, "{read} read");
}
