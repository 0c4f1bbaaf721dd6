//! The block page as a child, a parent and an attacker meet it: what it says for each reason in
//! each language, which actions it offers, and what a hostile host name or action URL can do to
//! it (nothing).

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use childsafe_core::filter::blockpage::{
    BlockPage, BlockReason, CATEGORIES_WITH_OWN_WORDING, CONTENT_SECURITY_POLICY, reason_text,
};
use childsafe_core::vocabulary::Locale;
use proptest::prelude::*;

const ASK: &str = "childsafe://ask?request=r1&host=casino.example";
const REPORT: &str = "childsafe://report?request=r1";

fn category(name: &str) -> BlockReason {
    BlockReason::Category {
        category: name.to_owned(),
    }
}

/// Every reason there is: the fixed ones, every category with its own wording, and one without.
fn every_reason() -> Vec<BlockReason> {
    let mut reasons = vec![
        BlockReason::IllegalMaterial,
        BlockReason::ParentDenied,
        BlockReason::NotOnAllowlist,
        BlockReason::NotAWebAddress,
        BlockReason::ListsUnavailable,
        category("social-media"),
    ];
    reasons.extend(
        CATEGORIES_WITH_OWN_WORDING
            .iter()
            .map(|name| category(name)),
    );
    reasons
}

fn render(reason: &BlockReason, locale: Locale, host: Option<&str>) -> String {
    BlockPage {
        reason,
        locale,
        host,
        ask_parent_action: Some(ASK),
        report_action: Some(REPORT),
    }
    .render()
}

#[test]
fn a_child_blocked_from_a_gambling_site_is_told_why_and_can_ask_a_parent() {
    let page = render(&category("gambling"), Locale::En, Some("casino.example"));

    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<html lang=\"en\" dir=\"ltr\">"));
    assert!(page.contains("<h1>This page is blocked</h1>"));
    assert!(page.contains("This page is about gambling, which is only for adults."));
    assert!(page.contains("Website: <bdi>casino.example</bdi>"));
    // The action URLs arrive as the app wrote them and leave as attribute values.
    assert!(
        page.contains(
            "href=\"childsafe://ask?request=r1&amp;host=casino.example\">Ask a parent</a>"
        )
    );
    assert!(page.contains("href=\"childsafe://report?request=r1\">Report</a>"));
    // A list name the sentence already explains is not repeated in small print.
    assert!(!page.contains(">gambling<"));
}

#[test]
fn illegal_material_gets_the_standard_wording_without_the_address_or_ask_parent() {
    let host = "csam-host.example";
    for locale in Locale::ALL {
        let page = render(&BlockReason::IllegalMaterial, locale, Some(host));

        assert!(page.contains(reason_text(&BlockReason::IllegalMaterial, locale)));
        assert!(!page.contains(host), "{locale:?} shows the address");
        assert!(
            !page.contains("childsafe://ask"),
            "{locale:?} offers ask a parent"
        );
        assert!(page.contains(REPORT), "{locale:?} hides report");
    }

    let english = reason_text(&BlockReason::IllegalMaterial, Locale::En);
    assert!(
        english
            .contains("on a list of web addresses known to contain images of child sexual abuse")
    );
    assert!(english.contains("not your fault"));
    let page = render(&BlockReason::IllegalMaterial, Locale::En, Some(host));
    assert!(page.contains("talk to an adult you trust"));
}

#[test]
fn every_reason_reads_in_every_language_without_falling_back_to_english() {
    let english_only = ["This page is blocked", "Ask a parent", ">Report<"];
    for reason in every_reason() {
        let english = reason_text(&reason, Locale::En);
        for locale in Locale::ALL {
            let sentence = reason_text(&reason, locale);
            let page = render(&reason, locale, Some("example.com"));

            assert!(!sentence.trim().is_empty(), "{reason:?} in {locale:?}");
            assert!(page.contains(sentence), "{reason:?} in {locale:?}");
            assert!(page.contains(&format!("<html lang=\"{}\" dir=\"ltr\">", locale.tag())));
            if locale != Locale::En {
                assert_ne!(sentence, english, "{reason:?} in {locale:?} is English");
                for phrase in english_only {
                    assert!(!page.contains(phrase), "{locale:?} page says {phrase:?}");
                }
            }
        }
    }
}

#[test]
fn categories_without_their_own_words_get_a_general_sentence_and_a_small_print_name() {
    let page = render(&category("Social-Media"), Locale::Fr, None);

    assert!(page.contains("Ce type de page est bloqué par les réglages de sécurité"));
    assert!(page.contains("Catégorie\u{202F}: <bdi>Social-Media</bdi>"));
    assert_eq!(
        reason_text(&category("social-media"), Locale::Fr),
        reason_text(&category("something-new"), Locale::Fr)
    );
}

#[test]
fn a_hostile_host_name_stays_text() {
    let host = "\"><script>alert(document.cookie)</script><a href='x";
    let page = render(&BlockReason::ParentDenied, Locale::En, Some(host));

    assert!(!page.to_ascii_lowercase().contains("<script"));
    assert!(page.contains(
        "<bdi>&quot;&gt;&lt;script&gt;alert(document.cookie)&lt;/script&gt;&lt;a href=&#39;x</bdi>"
    ));
}

#[test]
fn a_hostile_host_name_cannot_reverse_itself() {
    // U+202E would make "moc.elgoog" display as "google.com".
    let page = render(
        &BlockReason::ParentDenied,
        Locale::En,
        Some("\u{202E}moc.elgoog"),
    );
    assert!(!page.contains('\u{202E}'));
    assert!(page.contains("<bdi>\u{FFFD}moc.elgoog</bdi>"));
}

#[test]
fn action_urls_that_could_run_code_lose_their_button() {
    let page = BlockPage {
        reason: &BlockReason::NotOnAllowlist,
        locale: Locale::Es,
        host: Some("example.com"),
        ask_parent_action: Some("javascript:alert(1)"),
        report_action: Some("https://help.example/report?a=1&b=\"x\"><script>"),
    }
    .render();

    assert!(!page.contains("javascript"));
    assert!(!page.contains("Pedir permiso"), "the ask button is gone");
    assert!(!page.contains("puedes pedir permiso"), "and so is its hint");
    assert!(page.contains(
        "href=\"https://help.example/report?a=1&amp;b=&quot;x&quot;&gt;&lt;script&gt;\">Denunciar</a>"
    ));

    for refused in [
        "data:text/html,hi",
        "intent://x#Intent;end",
        "http://plain.example/",
    ] {
        let page = BlockPage {
            reason: &BlockReason::ParentDenied,
            locale: Locale::En,
            host: None,
            ask_parent_action: Some(refused),
            report_action: None,
        }
        .render();
        assert!(!page.contains("<a "), "{refused:?} kept its button");
    }
}

#[test]
fn a_page_without_actions_still_says_why() {
    let page = BlockPage {
        reason: &BlockReason::NotAWebAddress,
        locale: Locale::De,
        host: None,
        ask_parent_action: None,
        report_action: None,
    }
    .render();

    assert!(page.contains("<h1>Diese Seite ist gesperrt</h1>"));
    assert!(page.contains(reason_text(&BlockReason::NotAWebAddress, Locale::De)));
    assert!(!page.contains("<a "));
}

#[test]
fn the_page_loads_nothing_and_runs_nothing() {
    for reason in every_reason() {
        let page = render(&reason, Locale::En, Some("example.com"));

        assert!(page.contains(&format!(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">"
        )));
        assert!(CONTENT_SECURITY_POLICY.starts_with("default-src 'none';"));
        assert!(page.contains("<meta charset=\"utf-8\">"));
        assert!(page.contains("<meta name=\"viewport\""));
        assert!(page.contains("prefers-color-scheme: dark"));
        let lowercase = page.to_ascii_lowercase();
        for fetch_or_script in ["<script", " src=", "url(", "@import", "<link", "<iframe"] {
            assert!(!lowercase.contains(fetch_or_script), "{fetch_or_script:?}");
        }
        // No event-handler attribute (`onclick=` ...) inside any tag.
        for tag in lowercase.split('<').skip(1) {
            let inside = tag.split('>').next().unwrap();
            assert!(!inside.contains(" on"), "<{inside}>");
        }
    }
}

#[test]
fn phones_locale_tags_pick_the_language() {
    assert_eq!(Locale::from_tag("fr-CA"), Locale::Fr);
    assert_eq!(Locale::from_tag("es_419"), Locale::Es);
    assert_eq!(Locale::from_tag("de-DE"), Locale::De);
    assert_eq!(Locale::from_tag("en-US"), Locale::En);
    assert_eq!(Locale::from_tag("ja-JP"), Locale::En);
    assert_eq!(Locale::from_tag("not a tag"), Locale::En);
}

/// Text built from the pieces that break out of HTML, mixed with arbitrary text.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<".to_owned()),
        Just(">".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("`".to_owned()),
        Just("&".to_owned()),
        Just("<script>".to_owned()),
        Just("</bdi></p>".to_owned()),
        Just("javascript:".to_owned()),
        Just("\u{202E}".to_owned()),
        Just(" ".to_owned()),
        any::<String>(),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

/// The markup characters of a page, counted: an escaped value adds none.
fn markup_counts(page: &str) -> [usize; 4] {
    ['<', '>', '"', '\''].map(|markup| page.matches(markup).count())
}

/// A harmless value that takes the same path through the page as `text` (blank, a category with
/// its own words, or anything else), for comparing pages.
fn harmless_stand_in(text: &str) -> &'static str {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        ""
    } else if CATEGORIES_WITH_OWN_WORDING
        .iter()
        .any(|name| name.eq_ignore_ascii_case(trimmed))
    {
        "adult"
    } else {
        "x"
    }
}

proptest! {
    #[test]
    fn no_host_or_category_adds_markup(host in hostile_text(), name in hostile_text()) {
        let locale = Locale::Fr;
        let hostile = render(&category(&name), locale, Some(&host));
        let harmless = render(
            &category(harmless_stand_in(&name)),
            locale,
            Some(harmless_stand_in(&host)),
        );

        prop_assert!(!hostile.to_ascii_lowercase().contains("<script"));
        prop_assert_eq!(markup_counts(&hostile), markup_counts(&harmless));
    }

    #[test]
    fn no_action_url_adds_markup(action in hostile_text()) {
        let page_with = |action: Option<&str>| BlockPage {
            reason: &BlockReason::ParentDenied,
            locale: Locale::En,
            host: None,
            ask_parent_action: action,
            report_action: None,
        }
        .render();
        let hostile = page_with(Some(&action));
        let kept = hostile.contains("<a ");
        let harmless = page_with(kept.then_some("childsafe:x"));

        prop_assert!(!hostile.to_ascii_lowercase().contains("<script"));
        prop_assert_eq!(markup_counts(&hostile), markup_counts(&harmless));
        if kept {
            let scheme = action.split(':').next().unwrap().to_ascii_lowercase();
            prop_assert!(scheme == "https" || scheme == "childsafe", "{} kept", action);
        }
    }
}
