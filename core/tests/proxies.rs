//! Proxy stories: the site behind a translation proxy, a cache viewer, an archive or a web proxy
//! is found, however the proxy writes it and however deep proxies are nested.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use childsafe_core::filter::CanonicalUrl;
use childsafe_core::filter::proxies::{MAX_CARRIED_URLS, MAX_NESTING_DEPTH, carried_urls};

fn carried(raw: &str) -> Vec<String> {
    carried_urls(
        &CanonicalUrl::parse(raw.as_bytes()).unwrap(),
        Some(raw.as_bytes()),
    )
    .urls
    .iter()
    .map(|carried| carried.url.to_string())
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

#[test]
fn amp_caches_carry_the_site_in_their_path_and_subdomain() {
    assert_eq!(
        carried("https://cdn.ampproject.org/c/s/blocked.example/news/story.amp.html"),
        ["https://blocked.example/news/story.amp.html"]
    );
    assert_eq!(
        carried("https://cdn.ampproject.org/i/s/blocked.example/photo.jpg"),
        ["https://blocked.example/photo.jpg"]
    );
    assert_eq!(
        carried("https://cdn.ampproject.org/v/s/blocked.example/page?amp_js_v=0.1"),
        ["https://blocked.example/page?amp_js_v=0.1"]
    );
    assert_eq!(
        carried("https://cdn.ampproject.org/c/blocked.example/plain"),
        ["http://blocked.example/plain"]
    );
    assert_eq!(
        carried("https://www-blocked-example.cdn.ampproject.org/c/s/www.blocked.example/a"),
        [
            "https://www.blocked.example/a",
            "https://www.blocked.example/"
        ]
    );
    assert_eq!(
        carried("https://blocked--site-example.bing-amp.com/c/s/blocked-site.example/a"),
        [
            "https://blocked-site.example/a",
            "https://blocked-site.example/"
        ]
    );
    // The AMP runtime the caches also serve carries nothing.
    for runtime in [
        "https://cdn.ampproject.org/v0.js",
        "https://cdn.ampproject.org/v0/amp-ad-0.1.js",
        "https://cdn.ampproject.org/lts/v0.js",
    ] {
        assert!(carried(runtime).is_empty(), "{runtime}");
    }
}

#[test]
fn googles_amp_viewer() {
    assert_eq!(
        carried("https://www.google.com/amp/s/blocked.example/story"),
        ["https://blocked.example/story"]
    );
    assert_eq!(
        carried("https://www.google.co.uk/amp/blocked.example/story"),
        ["http://blocked.example/story"]
    );
}

#[test]
fn image_proxies_carry_a_host_without_a_scheme() {
    assert_eq!(
        carried("https://i0.wp.com/blocked.example/wp-content/a.jpg?w=600&ssl=1"),
        ["http://blocked.example/wp-content/a.jpg?w=600&ssl=1"]
    );
    assert_eq!(
        carried("https://i2.wp.com/blocked.example/b.png"),
        ["http://blocked.example/b.png"]
    );
    assert_eq!(
        carried("https://images.weserv.nl/?url=blocked.example/c.jpg&w=300"),
        ["http://blocked.example/c.jpg"]
    );
    assert_eq!(
        carried("https://images.weserv.nl/?url=ssl:blocked.example/c.jpg"),
        ["https://blocked.example/c.jpg"]
    );
    assert_eq!(
        carried("https://wsrv.nl/?url=https://blocked.example/d.jpg"),
        ["https://blocked.example/d.jpg"]
    );
    assert!(carried("https://images.weserv.nl/").is_empty());
}

#[test]
fn yandex_translation_and_jina_reader() {
    assert_eq!(
        carried(
            "https://translated.turbopages.org/proxy_u/en-ru.ru.3f2a1b4c-65a0b1c2-d3e4f5a6-74722d776562/https/blocked.example/page"
        ),
        ["https://blocked.example/page"]
    );
    assert_eq!(
        carried("https://r.jina.ai/https://blocked.example/article"),
        ["https://blocked.example/article"]
    );
    assert_eq!(
        carried("https://r.jina.ai/blocked.example/article"),
        ["http://blocked.example/article"]
    );
}

#[test]
fn a_known_proxy_whose_target_cannot_be_read_says_so() {
    for raw in [
        "https://cdn.ampproject.org/c/s/",
        "https://cdn.ampproject.org/c/s/%5B::1/",
        "https://translated.turbopages.org/proxy_u/en-ru.ru.3f2a1b4c/",
        "https://translate.google.com/translate?u=javascript:alert(1)",
        "https://r.jina.ai/javascript:alert(1)",
    ] {
        let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
        assert!(carried_urls(&url, Some(raw.as_bytes())).unreadable, "{raw}");
    }
    // A generic parameter is not a proxy by name: a value that is not a URL is no target.
    let raw = "https://shop.example/find?q=http://[bad/";
    let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
    assert!(carried_urls(&url, Some(raw.as_bytes())).is_empty());
}

#[test]
fn a_parameter_value_is_also_read_as_the_proxys_server_decodes_it() {
    // Decoded once, as Google Translate's server decodes `u`, the escaped slash stays in the
    // userinfo and the host is blocked.example; fully unescaped, it would end the host early.
    let found = carried(
        "https://translate.google.com/translate?u=https://fine.example%252F@blocked.example/page",
    );
    assert!(
        found.contains(&"https://blocked.example/page".to_owned()),
        "{found:?}"
    );
    let found =
        carried("https://web.archive.org/web/2020/https://fine.example%2F@blocked.example/");
    assert!(
        found.contains(&"https://blocked.example/".to_owned()),
        "{found:?}"
    );
}

/// Decisions through proxies, with a signed bundle that lists `blocked.example`.
mod decisions {
    use childsafe_core::crypto::SigningKey;
    use childsafe_core::filter::bundle::{BundleBuilder, ListKind};
    use childsafe_core::filter::decision::{DecisionReason, UrlDecision, UrlFilter, Verdict};
    use childsafe_core::filter::policy::FilterPolicy;

    const NOW: u64 = 1_800_000_000;

    fn decide(url: &str) -> UrlDecision {
        let (key, _) = SigningKey::generate().unwrap();
        let mut builder = BundleBuilder::new(1, NOW + 86_400);
        builder
            .add_domains("adult", ListKind::Category, ["blocked.example".to_owned()])
            .unwrap();
        let mut filter = UrlFilter::new(vec![key.public_key()]);
        filter
            .install_bundle(builder.sign(&key).unwrap(), NOW)
            .unwrap();
        let mut policy = FilterPolicy {
            safe_search: true,
            ..FilterPolicy::default()
        };
        policy.block_category("adult");
        filter.check(url.as_bytes(), &policy, NOW)
    }

    #[test]
    fn every_proxy_form_is_judged_by_the_url_it_carries() {
        for url in [
            "https://cdn.ampproject.org/c/s/blocked.example/page",
            "https://cdn.ampproject.org/i/s/blocked.example/a.jpg",
            "https://cdn.ampproject.org/v/s/blocked.example/page",
            "https://www-blocked-example.cdn.ampproject.org/c/s/www.blocked.example/",
            "https://www-blocked-example.bing-amp.com/c/s/www.blocked.example/",
            "https://www.google.com/amp/s/blocked.example/story",
            "https://i0.wp.com/blocked.example/a.jpg",
            "https://images.weserv.nl/?url=blocked.example/a.jpg",
            "https://translated.turbopages.org/proxy_u/en-ru.ru.3f2a1b4c/https/blocked.example/",
            "https://r.jina.ai/https://blocked.example/",
            "https://translate.google.com/translate?u=https://fine.example%252F@blocked.example/",
            "https://proxy.example/browse.php?u=https://fine.example/&u=https://blocked.example/",
        ] {
            let decision = decide(url);
            assert_eq!(decision.verdict, Verdict::Block, "{url}: {decision:?}");
            assert_eq!(decision.reason, DecisionReason::BlockedCategory, "{url}");
            assert!(decision.via_carried_url, "{url}");
        }
        for url in [
            "https://cdn.ampproject.org/c/s/fine.example/page",
            "https://cdn.ampproject.org/v0.js",
            "https://i1.wp.com/fine.example/a.jpg",
            "https://r.jina.ai/https://fine.example/",
        ] {
            assert_eq!(decide(url).verdict, Verdict::Allow, "{url}");
        }
    }

    #[test]
    fn proxies_nested_past_the_depth_followed_are_blocked_not_allowed() {
        for depth in [1, 3, 5, 8] {
            let mut url = "https://blocked.example/".to_owned();
            for _ in 0..depth {
                url = format!("https://web.archive.org/web/2020/{url}");
            }
            let decision = decide(&url);
            assert_eq!(decision.verdict, Verdict::Block, "{depth}: {decision:?}");
            assert!(decision.via_carried_url, "{depth}");
        }
    }

    #[test]
    fn a_proxy_whose_target_cannot_be_read_is_blocked() {
        let too_many: Vec<String> = (0..=super::MAX_CARRIED_URLS)
            .map(|n| format!("u=https://site{n}.example/"))
            .collect();
        let too_many = format!("https://proxy.example/browse.php?{}", too_many.join("&"));
        for url in [
            "https://cdn.ampproject.org/c/s/",
            "https://translated.turbopages.org/proxy_u/en-ru.ru.3f2a1b4c/",
            "https://translate.google.com/translate?u=javascript:alert(1)",
            &too_many,
        ] {
            let decision = decide(url);
            assert_eq!(decision.verdict, Verdict::Block, "{url}: {decision:?}");
            assert_eq!(decision.reason, DecisionReason::NotAWebAddress, "{url}");
        }
    }

    #[test]
    fn a_search_carried_by_a_proxy_is_never_let_through_unsafe() {
        // The proxy's server would fetch the search without SafeSearch: the browser is sent to
        // the search in its safe form instead.
        for (url, safe) in [
            (
                "https://translate.google.com/translate?u=https://www.google.com/search?q=cats",
                "https://www.google.com/search?q=cats&safe=active",
            ),
            (
                "https://www-google-com.translate.goog/search?q=cats&_x_tr_sl=auto",
                "https://www.google.com/search?q=cats&safe=active",
            ),
            (
                "https://web.archive.org/web/2020/https://www.bing.com/search?q=cats",
                "https://www.bing.com/search?q=cats&adlt=strict",
            ),
            (
                "https://r.jina.ai/https://www.youtube.com/watch?v=abc",
                "https://www.youtube.com/watch?v=abc",
            ),
            (
                "https://translate.google.com/translate?u=https://www.google.com/search?q=x%2526safe%253Dactive",
                "https://www.google.com/search?q=x&safe=active",
            ),
        ] {
            let decision = decide(url);
            assert_eq!(decision.verdict, Verdict::Rewrite, "{url}: {decision:?}");
            assert_eq!(decision.reason, DecisionReason::SafeSearchEnforced, "{url}");
            assert_eq!(decision.rewrite_url.as_deref(), Some(safe), "{url}");
            assert!(decision.via_carried_url, "{url}");
        }
        // The source of an unsafe search is not shown.
        let decision = decide("view-source:https://www.google.com/search?q=cats");
        assert_eq!(decision.verdict, Verdict::Block, "{decision:?}");
        assert_eq!(decision.category.as_deref(), Some("unsafe-search"));
        // A redirect the browser follows is checked again when it loads: a search for a URL
        // stays a search.
        let decision = decide("https://www.google.com/search?q=https://www.youtube.com/");
        assert_eq!(decision.verdict, Verdict::Rewrite, "{decision:?}");
        assert_eq!(
            decision.rewrite_url.as_deref(),
            Some("https://www.google.com/search?q=https://www.youtube.com/&safe=active")
        );
    }
}

#[test]
fn every_value_of_a_proxys_parameter_is_judged() {
    // PHP, which Glype runs on, takes the last of several `u` values; the first is harmless.
    let found = carried(
        "https://freeproxy.example/browse.php?u=https://fine.example/&u=https://blocked.example/",
    );
    assert_eq!(found, ["https://fine.example/", "https://blocked.example/"]);
}

#[test]
fn a_url_carrying_more_than_the_filter_judges_is_unreadable() {
    let targets: Vec<String> = (0..=MAX_CARRIED_URLS)
        .map(|n| format!("u=https://site{n}.example/"))
        .collect();
    let raw = format!("https://freeproxy.example/browse.php?{}", targets.join("&"));
    let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
    let found = carried_urls(&url, Some(raw.as_bytes()));
    assert_eq!(found.urls.len(), MAX_CARRIED_URLS);
    assert!(found.unreadable);
}
