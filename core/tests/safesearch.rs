//! SafeSearch enforcement stories: each engine's search forced safe, override attempts undone,
//! other pages left alone, and every rewrite a fixed point.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use childsafe_core::filter::CanonicalUrl;
use childsafe_core::filter::safesearch::{
    SafeSearchOutcome, YOUTUBE_RESTRICT_STRICT, enforce, restricted_mode_headers,
};
use proptest::prelude::*;

fn outcome(raw: &str) -> SafeSearchOutcome {
    enforce(&CanonicalUrl::parse(raw.as_bytes()).unwrap())
}

/// The rewritten URL, or a description of the other outcome.
fn rewritten(raw: &str) -> String {
    match outcome(raw) {
        SafeSearchOutcome::Rewrite { url } => url,
        other => format!("{other:?}"),
    }
}

#[test]
fn google_is_forced_safe_on_every_country_domain() {
    for host in [
        "www.google.com",
        "google.com",
        "www.google.co.uk",
        "www.google.com.au",
        "www.google.de",
        "www.google.co.jp",
        "www.google.com.br",
        "encrypted.google.com",
    ] {
        assert_eq!(
            rewritten(&format!("https://{host}/search?q=cats")),
            format!("https://{host}/search?q=cats&safe=active"),
        );
    }
}

#[test]
fn google_image_and_video_search_are_covered() {
    assert_eq!(
        rewritten("https://www.google.com/search?q=cats&tbm=isch"),
        "https://www.google.com/search?q=cats&tbm=isch&safe=active"
    );
    assert_eq!(
        rewritten("https://www.google.fr/imghp?hl=fr"),
        "https://www.google.fr/imghp?hl=fr&safe=active"
    );
    assert_eq!(
        rewritten("https://www.google.com/webhp"),
        "https://www.google.com/webhp?safe=active"
    );
}

#[test]
fn an_attempt_to_turn_safe_search_off_is_overridden_in_place() {
    assert_eq!(
        rewritten("https://www.google.com/search?q=x&safe=off&hl=en"),
        "https://www.google.com/search?q=x&safe=active&hl=en"
    );
    assert_eq!(
        rewritten("https://www.google.com/search?safe=active&q=x&safe=off"),
        "https://www.google.com/search?safe=active&q=x"
    );
    assert_eq!(
        rewritten("https://www.bing.com/search?q=x&adlt=off"),
        "https://www.bing.com/search?q=x&adlt=strict"
    );
    assert_eq!(
        rewritten("https://duckduckgo.com/?q=x&kp=-2"),
        "https://duckduckgo.com/?q=x&kp=1"
    );
}

#[test]
fn other_engines_get_their_own_parameter() {
    assert_eq!(
        rewritten("https://www.bing.com/images/search?q=x"),
        "https://www.bing.com/images/search?q=x&adlt=strict"
    );
    assert_eq!(
        rewritten("https://html.duckduckgo.com/html/?q=x"),
        "https://html.duckduckgo.com/html/?q=x&kp=1"
    );
    assert_eq!(
        rewritten("https://search.yahoo.com/search?p=x"),
        "https://search.yahoo.com/search?p=x&vm=r"
    );
    assert_eq!(
        rewritten("https://uk.search.yahoo.com/search?p=x&vm=p"),
        "https://uk.search.yahoo.com/search?p=x&vm=r"
    );
    assert_eq!(
        rewritten("https://yandex.ru/search/?text=x"),
        "https://yandex.ru/search/?text=x&family=yes"
    );
    assert_eq!(
        rewritten("https://yandex.com.tr/search/?text=x"),
        "https://yandex.com.tr/search/?text=x&family=yes"
    );
    assert_eq!(
        rewritten("https://search.brave.com/search?q=x&safesearch=off"),
        "https://search.brave.com/search?q=x&safesearch=strict"
    );
    assert_eq!(
        rewritten("https://www.startpage.com/sp/search?query=x"),
        "https://www.startpage.com/sp/search?query=x&qadf=heavy"
    );
}

#[test]
fn searches_already_safe_are_left_alone() {
    for raw in [
        "https://www.google.com/search?q=x&safe=active",
        "https://www.bing.com/search?adlt=strict&q=x",
        "https://duckduckgo.com/?kp=1&q=x",
        "https://swisscows.com/en/web?query=x",
    ] {
        assert_eq!(outcome(raw), SafeSearchOutcome::AlreadySafe, "{raw}");
    }
}

#[test]
fn pages_that_are_not_searches_are_untouched() {
    for raw in [
        "https://www.google.com/maps/place/x",
        "https://www.google.com/",
        "https://mail.google.com/mail/u/0/",
        "https://www.bing.com/maps?q=x",
        "https://duckduckgo.com/about",
        "https://www.example.com/search?q=x",
        "https://google.example.com/search?q=x",
        "http://8.8.8.8/search?q=x",
    ] {
        assert_eq!(outcome(raw), SafeSearchOutcome::NotASearchEngine, "{raw}");
    }
}

#[test]
fn engines_without_an_enforceable_safe_mode_are_reported() {
    for (raw, engine) in [
        ("https://www.baidu.com/s?wd=x", "Baidu"),
        ("https://www.ecosia.org/search?q=x", "Ecosia"),
        ("https://www.sogou.com/web?query=x", "Sogou"),
    ] {
        assert_eq!(
            outcome(raw),
            SafeSearchOutcome::CannotBeForcedSafe { engine },
            "{raw}"
        );
    }
}

#[test]
fn youtube_gets_the_restricted_mode_header_and_nothing_else_does() {
    for raw in [
        "https://www.youtube.com/results?search_query=x",
        "https://m.youtube.com/watch?v=abc",
        "https://youtube.com/",
        "https://youtubei.googleapis.com/youtubei/v1/search",
        "https://youtube.googleapis.com/",
        "https://www.youtube-nocookie.com/embed/abc",
    ] {
        let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
        assert_eq!(
            restricted_mode_headers(&url),
            YOUTUBE_RESTRICT_STRICT,
            "{raw}"
        );
    }
    assert_eq!(YOUTUBE_RESTRICT_STRICT, &[("YouTube-Restrict", "Strict")]);
    for raw in [
        "https://www.google.com/search?q=x",
        "https://notyoutube.com/",
        "https://www.googleapis.com/",
    ] {
        let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
        assert!(restricted_mode_headers(&url).is_empty(), "{raw}");
    }
}

/// Search URLs on the engines' hosts and paths with queries made of the parameters that matter.
fn search_like() -> impl Strategy<Value = String> {
    let origin = prop_oneof![
        Just("https://www.google.com/search"),
        Just("http://google.co.uk/search"),
        Just("https://www.google.com.au/imghp"),
        Just("https://www.bing.com/search"),
        Just("https://www.bing.com/videos/search"),
        Just("https://duckduckgo.com/"),
        Just("https://lite.duckduckgo.com/lite/"),
        Just("https://search.yahoo.com/search"),
        Just("https://yandex.ru/search/"),
        Just("https://search.brave.com/search"),
        Just("https://www.startpage.com/do/search"),
        Just("https://www.mojeek.com/search"),
        Just("https://www.example.com/search"),
    ];
    let pair = prop_oneof![
        Just("safe=off".to_owned()),
        Just("safe=active".to_owned()),
        Just("safe".to_owned()),
        Just("adlt=off".to_owned()),
        Just("kp=-2".to_owned()),
        Just("vm=p".to_owned()),
        Just("family=no".to_owned()),
        Just("safesearch=off".to_owned()),
        Just("".to_owned()),
        "[a-z]{1,3}=[a-z0-9%+ #]{0,4}",
    ];
    (origin, proptest::collection::vec(pair, 0..6), any::<bool>()).prop_map(
        |(origin, pairs, with_mark)| {
            if pairs.is_empty() && !with_mark {
                origin.to_owned()
            } else {
                format!("{origin}?{}", pairs.join("&"))
            }
        },
    )
}

proptest! {
    #[test]
    fn every_rewrite_is_canonical_and_already_safe(raw in search_like()) {
        let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
        if let SafeSearchOutcome::Rewrite { url: rewritten } = enforce(&url) {
            let again = CanonicalUrl::parse(rewritten.as_bytes()).unwrap();
            prop_assert_eq!(again.as_str(), rewritten.as_str());
            prop_assert_eq!(enforce(&again), SafeSearchOutcome::AlreadySafe);
        }
    }
}
