//! Proxy stories: the site behind a translation proxy, a cache viewer, an archive or a web proxy
//! is found, however the proxy writes it and however deep proxies are nested.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use childsafe_core::filter::CanonicalUrl;
use childsafe_core::filter::proxies::{MAX_CARRIED_URLS, MAX_NESTING_DEPTH, carried_urls};

fn carried(raw: &str) -> Vec<String> {
    carried_urls(&CanonicalUrl::parse(raw.as_bytes()).unwrap())
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn google_translate_website_proxy_hosts() {
    assert_eq!(
        carried(
            "https://www-blocked-example.translate.goog/forum/thread?id=5&_x_tr_sl=auto&_x_tr_tl=en&_x_tr_hl=en&_x_tr_pto=wapp"
        ),
        ["https://www.blocked.example/forum/thread?id=5"]
    );
    assert_eq!(
        carried("https://some--hyphenated-example.translate.goog/?_x_tr_sch=http&_x_tr_sl=de"),
        ["http://some-hyphenated.example/"]
    );
}

#[test]
fn google_translate_u_parameter_encoded_or_literal() {
    let expected = ["https://blocked.example/page"];
    assert_eq!(
        carried(
            "https://translate.google.com/translate?sl=auto&tl=en&u=https%3A%2F%2Fblocked.example%2Fpage"
        ),
        expected
    );
    assert_eq!(
        carried("https://translate.google.co.uk/translate?u=https://blocked.example/page&sl=auto"),
        expected
    );
    assert_eq!(
        carried("https://translate.google.de/translate?hl=de&u=blocked.example/page"),
        ["http://blocked.example/page"]
    );
    assert_eq!(
        carried(
            "https://translate.googleusercontent.com/translate_c?depth=1&u=https://blocked.example/page"
        ),
        expected
    );
}

#[test]
fn a_carried_urls_own_query_is_kept_up_to_the_proxys_next_parameter() {
    assert_eq!(
        carried(
            "https://translate.google.com/translate?u=https%3A%2F%2Fsite.example%2Fa%3Fb%3Dc&sl=auto"
        ),
        ["https://site.example/a?b=c"]
    );
}

#[test]
fn google_cache_viewer() {
    assert_eq!(
        carried("https://webcache.googleusercontent.com/search?q=cache:blocked.example/page"),
        ["http://blocked.example/page"]
    );
    assert_eq!(
        carried(
            "https://webcache.googleusercontent.com/search?q=cache:AbCdEf123:https://blocked.example/page+&cd=1&hl=en"
        ),
        ["https://blocked.example/page"]
    );
}

#[test]
fn wayback_machine_snapshots() {
    assert_eq!(
        carried("https://web.archive.org/web/20200101000000/https://blocked.example/a/b?x=1"),
        ["https://blocked.example/a/b?x=1"]
    );
    assert_eq!(
        carried("https://web.archive.org/web/2020id_/http://blocked.example/"),
        ["http://blocked.example/"]
    );
    assert_eq!(
        carried("https://web.archive.org/web/blocked.example/"),
        ["http://blocked.example/"]
    );
    assert!(carried("https://web.archive.org/").is_empty());
}

#[test]
fn archive_today_snapshots() {
    assert_eq!(
        carried("https://archive.ph/newest/https://blocked.example/page"),
        ["https://blocked.example/page"]
    );
    assert_eq!(
        carried("https://archive.today/2024.01.02-030405/https://blocked.example/"),
        ["https://blocked.example/"]
    );
    assert_eq!(
        carried("https://archive.is/o/AbCdE/https://blocked.example/x"),
        ["https://blocked.example/x"]
    );
    // A short snapshot id does not name the page it archived.
    assert!(carried("https://archive.ph/AbCdE").is_empty());
}

#[test]
fn microsoft_translators_and_web_proxies() {
    assert_eq!(
        carried("https://www.translatetheweb.com/?from=&to=en&a=https://blocked.example/"),
        ["https://blocked.example/"]
    );
    assert_eq!(
        carried("https://www.bing.com/translator?ref=TThis&from=&to=en&a=https://blocked.example/"),
        ["https://blocked.example/"]
    );
    assert_eq!(
        carried("https://freeproxy.example/browse.php?u=blocked.example/page&b=4"),
        ["http://blocked.example/page"]
    );
    assert_eq!(
        carried("https://unblock.example/proxy?url=https://blocked.example/page"),
        ["https://blocked.example/page"]
    );
}

#[test]
fn nested_proxies_are_unwrapped_outermost_first() {
    // A translation of a cached copy of an archived page.
    let wayback = "https://web.archive.org/web/2020/https://blocked.example/page";
    let cache = format!("https://webcache.googleusercontent.com/search?q=cache:{wayback}");
    let translate = format!("https://translate.google.com/translate?sl=auto&u={cache}");
    assert_eq!(
        carried(&translate),
        [
            CanonicalUrl::parse(cache.as_bytes()).unwrap().to_string(),
            // The canonical path collapses the archived URL's `//`.
            "https://web.archive.org/web/2020/https:/blocked.example/page".to_owned(),
            "https://blocked.example/page".to_owned(),
        ]
    );
}

#[test]
fn nesting_stops_at_the_documented_depth() {
    let mut url = "https://blocked.example/".to_owned();
    for _ in 0..MAX_NESTING_DEPTH + 2 {
        url = format!("https://web.archive.org/web/2020/{url}");
    }
    let found = carried(&url);
    assert_eq!(found.len(), MAX_NESTING_DEPTH);
    assert!(found.len() <= MAX_CARRIED_URLS);
    assert!(!found.contains(&"https://blocked.example/".to_owned()));
}

#[test]
fn ordinary_pages_carry_nothing() {
    for raw in [
        "https://www.example.com/",
        "https://www.google.com/search?q=kittens",
        "https://translate.google.com/?sl=en&tl=fr&text=hello",
        "https://news.example/article?id=42&u=7",
    ] {
        assert!(carried(raw).is_empty(), "{raw}");
    }
}
