//! The exported surface of `childsafe-ffi`, called as Rust: each export must give exactly what
//! core gives, and every core error must arrive as the public error with a message that does not
//! repeat the URL. (The same functions are exercised through Kotlin on the JVM in `tests/kotlin`.)

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use childsafe_core::filter::CanonicalUrl;
use childsafe_ffi::{ChildSafeError, canonicalize_url, lookup_expressions};

const SAMPLES: &[&str] = &[
    "http://3279880203/blah",
    "HTTPS://user:pw@Example.COM:8443/a/./b/../c?x=1#top",
    "http://a.b.c.d.e.f.g/1/2/3/4/5.html?q",
    "bücher.de/straße",
    "http://[::ffff:7f00:1]/",
];

#[test]
fn exports_agree_with_core() {
    for sample in SAMPLES {
        let core = CanonicalUrl::parse(sample.as_bytes()).expect("core accepts the sample");
        assert_eq!(
            canonicalize_url((*sample).to_owned()).expect("accepted"),
            core.as_str()
        );
        let core_expressions: Vec<String> =
            core.lookup_expressions().map(|e| e.to_string()).collect();
        assert_eq!(
            lookup_expressions((*sample).to_owned()).expect("accepted"),
            core_expressions
        );
    }
}

#[test]
fn every_refusal_becomes_invalid_url_without_the_url_in_it() {
    let refused = [
        ("", "the URL is empty"),
        ("javascript:steal('secret-token')", "no network address"),
        ("https://?secret-token", "the URL has no host"),
        ("http://[secret-token]/", "malformed IP literal"),
    ];
    for (input, expected) in refused {
        for error in [
            canonicalize_url(input.to_owned()).expect_err("refused"),
            lookup_expressions(input.to_owned()).expect_err("refused"),
        ] {
            let ChildSafeError::InvalidUrl { reason } = &error else {
                panic!("{input}: expected InvalidUrl, got {error:?}");
            };
            assert!(reason.contains(expected), "{reason}");
            assert!(!error.to_string().contains("secret-token"), "{error}");
        }
    }
}

#[test]
fn an_overlong_url_is_refused_not_truncated() {
    let long = format!(
        "http://example.com/{}",
        "a".repeat(childsafe_core::filter::MAX_URL_BYTES)
    );
    let error = canonicalize_url(long).expect_err("refused");
    assert!(
        error.to_string().contains("longer than the limit"),
        "{error}"
    );
}
