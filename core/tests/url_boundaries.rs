//! The host a browser loads is the host the filter judges. Each story is a bypass that once
//! worked: an escaped delimiter in the userinfo moved the host boundary when the whole URL was
//! unescaped before it was split (`http://fine.example%2F@denied.example/` was judged as
//! `fine.example`, while every browser loads `denied.example`), and control characters before
//! the scheme made the URL unreadable to the filter but not to the browser. Each form is tried
//! against every kind of rule it passed: category lists, parent deny rules, allowlist-only mode
//! (with the allowed host before the `@`) and the illegal-material list.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::bundle::{BundleBuilder, ListKind};
use childsafe_core::filter::decision::{DecisionReason, UrlDecision, UrlFilter, Verdict};
use childsafe_core::filter::import::import_url_hashes;
use childsafe_core::filter::policy::FilterPolicy;

const NOW: u64 = 1_800_000_000;

/// The allowed host every bypass puts before the `@`.
const FINE: &str = "fine.example";

/// Ways of writing `http://fine.example<DELIMITER>@<host>/<path>` that browsers load from
/// `<host>`, with `{host}` and `{path}` to fill in.
const USERINFO_FORMS: &[&str] = &[
    "http://fine.example%2F@{host}/{path}",
    "http://fine.example%3F@{host}/{path}",
    "http://fine.example%5C@{host}/{path}",
    "http://fine.example%23@{host}/{path}",
    "http://fine.example%252F@{host}/{path}",
    "http://fine.example%25252F@{host}/{path}",
    "http://fine.example%2f%2F:pw%40x@{host}/{path}",
    "http://fine.example%2F@fine.example%2F@{host}/{path}",
    "https:\\\\fine.example%2F@{host}\\{path}",
    "fine.example%2F@{host}/{path}",
    "blob:http://fine.example%2F@{host}/{path}",
    "blob:https://fine.example%3F@{host}/{path}",
    "view-source:http://fine.example%252F@{host}/{path}",
    "\u{1}http://fine.example%2F@{host}/{path}",
];

/// Control characters and spaces a browser strips from both ends before reading the URL.
const CONTROL_FORMS: &[&str] = &[
    "\u{1}http://{host}/{path}",
    "\u{0}\u{1f} http://{host}/{path}",
    "\u{7}\u{8}\u{b}\u{c}\u{e}https://{host}/{path}\u{1f}\u{0}",
    "\u{1}blob:http://{host}/{path}",
    "\t\u{1}view-source:http://{host}/{path}\u{1}",
    "h\ttt\np://{host}/{path}",
];

fn filter() -> UrlFilter {
    let (key, _) = SigningKey::generate().unwrap();
    let mut builder = BundleBuilder::new(1, NOW + 86_400);
    builder
        .add_domains("adult", ListKind::Category, ["denied.example".to_owned()])
        .unwrap();
    builder
        .add_domains("kids", ListKind::Allow, [FINE.to_owned()])
        .unwrap();
    builder
        .add_hashed_urls(
            "csam",
            import_url_hashes(b"http://abuse-host.example/dir/page.html\n").entries,
        )
        .unwrap();
    let mut filter = UrlFilter::new(vec![key.public_key()]);
    filter
        .install_bundle(builder.sign(&key).unwrap(), NOW)
        .unwrap();
    filter
}

fn fill(form: &str, host: &str, path: &str) -> String {
    form.replace("{host}", host).replace("{path}", path)
}

fn assert_blocked(decision: &UrlDecision, url: &str, reason: DecisionReason) {
    assert_eq!(decision.verdict, Verdict::Block, "{url:?}: {decision:?}");
    assert_eq!(decision.reason, reason, "{url:?}: {decision:?}");
}

/// Every form, against a blocked category list, a parent's deny rule, allowlist-only mode with
/// the host before the `@` allowed, and the illegal-material list.
fn assert_every_rule_holds(forms: &[&str]) {
    let filter = filter();
    let mut category = FilterPolicy::default();
    category.block_category("adult");
    let mut denied = FilterPolicy::default();
    denied.deny_host("other.example").unwrap();
    let mut allowlist_only = FilterPolicy {
        allowlist_only: true,
        ..FilterPolicy::default()
    };
    allowlist_only.allow_host(FINE).unwrap();
    for form in forms {
        let url = fill(form, "denied.example", "page");
        assert_blocked(
            &filter.check(url.as_bytes(), &category, NOW),
            &url,
            DecisionReason::BlockedCategory,
        );
        let url = fill(form, "other.example", "page");
        assert_blocked(
            &filter.check(url.as_bytes(), &denied, NOW),
            &url,
            DecisionReason::ParentDenied,
        );
        assert_blocked(
            &filter.check(url.as_bytes(), &allowlist_only, NOW),
            &url,
            DecisionReason::NotOnAllowlist,
        );
        let url = fill(form, "abuse-host.example", "dir/page.html");
        for policy in [&FilterPolicy::default(), &allowlist_only] {
            assert_blocked(
                &filter.check(url.as_bytes(), policy, NOW),
                &url,
                DecisionReason::IllegalMaterial,
            );
        }
        // The same text as the browser hands it over, as a string.
        let url = fill(form, "denied.example", "page");
        assert_eq!(
            filter.check_str(&url, &category, NOW).verdict,
            Verdict::Block,
            "{url:?}"
        );
    }
}

#[test]
fn an_escaped_delimiter_in_the_userinfo_never_moves_the_host() {
    assert_every_rule_holds(USERINFO_FORMS);
}

#[test]
fn controls_around_the_url_are_stripped_as_the_browser_strips_them() {
    assert_every_rule_holds(CONTROL_FORMS);
}

#[test]
fn the_allowed_host_itself_still_loads_in_each_form() {
    // The defence is reading the right host, not blocking everything with an `@`.
    let filter = filter();
    let mut allowlist_only = FilterPolicy {
        allowlist_only: true,
        ..FilterPolicy::default()
    };
    allowlist_only.allow_host(FINE).unwrap();
    for form in USERINFO_FORMS.iter().chain(CONTROL_FORMS) {
        let url = fill(form, FINE, "page");
        let decision = filter.check(url.as_bytes(), &allowlist_only, NOW);
        assert_eq!(decision.verdict, Verdict::Allow, "{url:?}: {decision:?}");
    }
}

#[test]
fn a_url_that_cannot_be_read_is_blocked() {
    let filter = filter();
    for url in [
        "http://fine.example%2F@/page",
        "http://[::1/",
        "http://[fine.example]/",
        "\u{1}\u{2}",
        "http://%2e%2e/",
        "blob:",
        "blob:blob:blob:blob:blob:blob:http://fine.example/",
    ] {
        let decision = filter.check(url.as_bytes(), &FilterPolicy::default(), NOW);
        assert_blocked(&decision, url, DecisionReason::NotAWebAddress);
    }
}
