//! The page a child sees instead of a blocked page.
//!
//! [`BlockPage::render`] turns a [`BlockReason`] into a complete HTML document in the child's
//! [`Locale`]: a short, kind sentence saying why the page is blocked, and the "ask a parent" and
//! "report" actions whose targets the app supplies. The page is self-contained (inline CSS, no
//! script, nothing fetched, a Content-Security-Policy that forbids anything else) because it is
//! shown in place of a page we did not want loaded, and must not load anything itself.
//!
//! Part of what the page shows comes from the blocked page (its host name) and part from the app
//! (action URLs, category names); all of it is escaped here, and an action URL whose scheme could
//! run code or open local data is dropped with its button. Known child-sexual-abuse material is
//! a reason of its own: it gets the standard hotline-style wording, never shows the address, and
//! never offers "ask a parent", because no parent's allow rule can unblock it.
//!
//! The words themselves live in `strings.rs`, one table for every locale.

mod strings;

use strings::{PageText, page_text, worded_category};

use crate::vocabulary::{Category, Locale};

/// Schemes an action URL may use: the SDK's own scheme, which the filtered browser intercepts to
/// start the action in the app, and `https`. Anything else (`javascript:`, `data:`, `intent:`,
/// `file:`, plain `http:` ...) is dropped together with its button.
pub const ACTION_URL_SCHEMES: [&str; 2] = ["childsafe", "https"];

/// The most characters of a host name the page shows: the length limit of a DNS name. A longer
/// "host" is cut and ends in an ellipsis, so a hostile URL cannot fill the screen.
pub const MAX_SHOWN_HOST_CHARS: usize = 253;

/// The most characters of a category name the page shows; longer names are cut as hosts are.
pub const MAX_SHOWN_CATEGORY_CHARS: usize = 64;

/// The page's Content-Security-Policy: nothing may load or run, except the page's own inline
/// style. Forms and `<base>` are shut too, so no injected markup could send data anywhere.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/// Category names that have their own sentence; any other name gets a general sentence and is
/// shown in small print so a parent can tell which list blocked the page.
pub const CATEGORIES_WITH_OWN_WORDING: [&str; Category::ALL.len()] = {
    let mut names = [""; Category::ALL.len()];
    let mut index = 0;
    while index < names.len() {
        names[index] = Category::ALL[index].name();
        index += 1;
    }
    names
};

/// Why the filter blocked a page; decides the words on the page and which actions it offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockReason {
    /// The URL is on a list of known child sexual abuse material. Shown with hotline-style
    /// wording, without the address, and without "ask a parent": no allow rule overrides it.
    IllegalMaterial,
    /// The site is in a blocked category.
    Category {
        /// The category's name as lists and the policy spell it (`adult`, `gambling`, `doh`,
        /// `ip-literal` ...); see [`CATEGORIES_WITH_OWN_WORDING`].
        category: String,
    },
    /// One of the parent's own deny rules matched.
    ParentDenied,
    /// Allowlist-only mode (the youngest children) and the site is not on an allowlist.
    NotOnAllowlist,
    /// The URL is not a web address (`javascript:`, `data:`, `file:`, `intent:` ...) or could not
    /// be read as one.
    NotAWebAddress,
    /// The phone's lists cannot be opened, so no page can be checked until new lists arrive.
    ListsUnavailable,
}

impl BlockReason {
    /// Whether the page offers "ask a parent". Not for illegal material, which no allow rule can
    /// unblock, nor for something that is not a web address, for which there is nothing to allow,
    /// nor while the lists are unavailable, when no allow rule applies either.
    pub fn offers_ask_parent(&self) -> bool {
        !matches!(
            self,
            Self::IllegalMaterial | Self::NotAWebAddress | Self::ListsUnavailable
        )
    }

    /// Whether the page may show the blocked host. Never for illegal material: the address itself
    /// is part of what must not spread.
    fn shows_host(&self) -> bool {
        !matches!(self, Self::IllegalMaterial)
    }
}

/// The sentence a child reads for `reason` in `locale`. A category without wording of its own
/// gets a general sentence, never its name: names are list identifiers, not words for a child.
pub fn reason_text(reason: &BlockReason, locale: Locale) -> &'static str {
    let reasons = &page_text(locale).reasons;
    match reason {
        BlockReason::IllegalMaterial => reasons.illegal_material,
        BlockReason::Category { category } => reasons.category(category),
        BlockReason::ParentDenied => reasons.parent_denied,
        BlockReason::NotOnAllowlist => reasons.not_on_allowlist,
        BlockReason::NotAWebAddress => reasons.not_a_web_address,
        BlockReason::ListsUnavailable => reasons.lists_unavailable,
    }
}

/// Everything one block page shows. Build it, then [`render`](BlockPage::render) it.
#[derive(Clone, Copy, Debug)]
pub struct BlockPage<'a> {
    /// Why the page was blocked.
    pub reason: &'a BlockReason,
    /// The language to write in.
    pub locale: Locale,
    /// The blocked page's host, shown to help the child (and a parent) see what was blocked.
    /// Ignored for [`BlockReason::IllegalMaterial`].
    pub host: Option<&'a str>,
    /// Where the "ask a parent" button leads, such as `childsafe://ask?request=...`. The button
    /// is left out when this is `None`, when the URL's scheme is not in [`ACTION_URL_SCHEMES`],
    /// and when the reason does not [offer it](BlockReason::offers_ask_parent).
    pub ask_parent_action: Option<&'a str>,
    /// Where the "report" button leads; left out when `None` or of another scheme, as above.
    pub report_action: Option<&'a str>,
}

impl BlockPage<'_> {
    /// The page as a complete, self-contained HTML5 document.
    pub fn render(&self) -> String {
        let text = page_text(self.locale);
        let ask_parent = self
            .ask_parent_action
            .filter(|_| self.reason.offers_ask_parent())
            .and_then(usable_action_url);
        let report = self.report_action.and_then(usable_action_url);
        let host = self
            .host
            .map(str::trim)
            .filter(|host| !host.is_empty() && self.reason.shows_host());
        // A category's name is shown only where its sentence does not already explain it.
        let unworded_category = match self.reason {
            BlockReason::Category { category } if worded_category(category).is_none() => {
                Some(category.trim()).filter(|category| !category.is_empty())
            }
            _ => None,
        };

        let mut page = String::with_capacity(PAGE_CAPACITY);
        push_head(&mut page, self.locale, text);
        page.push_str("<body>\n<main>\n");
        page.push_str(ICON);
        push_element(&mut page, "<h1>", text.heading, "</h1>\n");
        push_element(
            &mut page,
            "<p class=\"reason\">",
            reason_text(self.reason, self.locale),
            "</p>\n",
        );
        if let Some(host) = host {
            push_labelled(
                &mut page,
                "site",
                text.site_label,
                host,
                MAX_SHOWN_HOST_CHARS,
            );
        }
        if *self.reason == BlockReason::IllegalMaterial {
            push_element(&mut page, "<p>", text.trusted_adult_hint, "</p>\n");
        }
        if ask_parent.is_some() {
            push_element(&mut page, "<p>", text.ask_parent_hint, "</p>\n");
        }
        push_actions(&mut page, text, ask_parent, report);
        if let Some(category) = unworded_category {
            push_labelled(
                &mut page,
                "detail",
                text.category_label,
                category,
                MAX_SHOWN_CATEGORY_CHARS,
            );
        }
        page.push_str("</main>\n</body>\n</html>\n");
        page
    }
}

/// Room for a typical page, so that rendering allocates once.
const PAGE_CAPACITY: usize = 4096;

/// The page's look: large type, big touch targets, light and dark schemes, and logical
/// properties (`inline`/`block`, `start`) so a right-to-left locale lays out without changes.
const STYLE: &str = "\
:root {
  color-scheme: light dark;
  --background: #f3f5fa; --card: #ffffff; --text: #1b2232; --muted: #566075;
  --accent: #2a55b8; --on-accent: #ffffff; --line: #d6dce8;
}
@media (prefers-color-scheme: dark) {
  :root {
    --background: #0f131b; --card: #1a2030; --text: #eef1f7; --muted: #aab4c7;
    --accent: #92b2ff; --on-accent: #0c1322; --line: #323d55;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; min-height: 100vh; padding: 1.25rem;
  display: flex; align-items: center; justify-content: center;
  background: var(--background); color: var(--text);
  font: 1.25rem/1.5 system-ui, -apple-system, \"Segoe UI\", Roboto, sans-serif;
}
main {
  width: 100%; max-width: 34rem; padding: 2rem 1.5rem; text-align: start;
  background: var(--card); border: 1px solid var(--line); border-radius: 1.25rem;
}
.icon { display: block; width: 4rem; height: 4rem; margin-block-end: 1rem; color: var(--accent); }
.icon .mark { fill: var(--card); }
h1 { margin: 0 0 1rem; font-size: 1.75rem; line-height: 1.25; }
p { margin: 0 0 1rem; }
.site, .detail { color: var(--muted); overflow-wrap: anywhere; }
.detail { margin-block: 1.5rem 0; font-size: 1rem; }
.actions { display: flex; flex-direction: column; gap: 0.75rem; margin-block-start: 1.5rem; }
.button {
  display: block; min-height: 3rem; padding: 0.75rem 1.25rem; border-radius: 0.75rem;
  border: 2px solid var(--accent); color: var(--accent);
  font-weight: 600; text-align: center; text-decoration: none;
}
.button.primary { background: var(--accent); color: var(--on-accent); }
.button:focus-visible { outline: 3px solid var(--text); outline-offset: 3px; }
";

/// A shield with a tick: safety, not danger. Decorative, so hidden from screen readers.
const ICON: &str = "<svg class=\"icon\" viewBox=\"0 0 24 24\" aria-hidden=\"true\" \
                    focusable=\"false\"><path fill=\"currentColor\" d=\"M12 2 4 5v6c0 5.2 3.4 \
                    9.8 8 11 4.6-1.2 8-5.8 8-11V5z\"/><path class=\"mark\" d=\"m10.6 15.6-3.5-3.5 \
                    1.4-1.4 2.1 2.1 4.9-4.9 1.4 1.4z\"/></svg>\n";

/// The replacement for characters that would change how the page displays instead of showing as
/// text: controls, and the marks that reorder text so that a host name could read backwards.
const REPLACEMENT_CHARACTER: char = '\u{FFFD}';

fn push_head(page: &mut String, locale: Locale, text: &PageText) {
    page.push_str("<!DOCTYPE html>\n<html lang=\"");
    page.push_str(locale.tag());
    page.push_str("\" dir=\"");
    page.push_str(text.direction.attribute());
    page.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"");
    page.push_str(CONTENT_SECURITY_POLICY);
    page.push_str("\">\n");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    page.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n");
    // The blocked address must not travel to a report site in a Referer header.
    page.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    push_element(page, "<title>", text.heading, "</title>\n");
    page.push_str("<style>\n");
    page.push_str(STYLE);
    page.push_str("</style>\n</head>\n");
}

/// Appends the action buttons that have a usable URL; nothing when neither has.
fn push_actions(page: &mut String, text: &PageText, ask: Option<&str>, report: Option<&str>) {
    let buttons = [(ask, text.ask_parent_button), (report, text.report_button)];
    let mut shown = buttons
        .iter()
        .filter_map(|&(url, label)| Some((url?, label)))
        .peekable();
    if shown.peek().is_none() {
        return;
    }
    page.push_str("<div class=\"actions\">\n");
    for (index, (url, label)) in shown.enumerate() {
        // The first button is the one the page suggests.
        let class = if index == 0 {
            "button primary"
        } else {
            "button"
        };
        page.push_str("<a class=\"");
        page.push_str(class);
        page.push_str("\" rel=\"noreferrer\" href=\"");
        push_escaped(page, url);
        page.push_str("\">");
        push_escaped(page, label);
        page.push_str("</a>\n");
    }
    page.push_str("</div>\n");
}

/// Appends `<p class="{class}">{label} <bdi>{value}</bdi></p>`, the value cut to `max_chars`.
/// `<bdi>` keeps a right-to-left host name from reordering the label around it.
fn push_labelled(page: &mut String, class: &str, label: &str, value: &str, max_chars: usize) {
    page.push_str("<p class=\"");
    page.push_str(class);
    page.push_str("\">");
    push_escaped(page, label);
    page.push_str(" <bdi>");
    match value.char_indices().nth(max_chars) {
        Some((cut, _)) => {
            push_escaped(page, &value[..cut]);
            page.push('…');
        }
        None => push_escaped(page, value),
    }
    page.push_str("</bdi></p>\n");
}

fn push_element(page: &mut String, open: &str, text: &str, close: &str) {
    page.push_str(open);
    push_escaped(page, text);
    page.push_str(close);
}

/// Appends `text` so that it reads as text wherever it lands, between tags or inside a quoted
/// attribute: the characters that could end either (`&`, `<`, `>`, `"`, `'`, and the backtick old
/// browsers treated as a quote) become references, and invisible controls become U+FFFD.
fn push_escaped(page: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '&' => page.push_str("&amp;"),
            '<' => page.push_str("&lt;"),
            '>' => page.push_str("&gt;"),
            '"' => page.push_str("&quot;"),
            '\'' => page.push_str("&#39;"),
            '`' => page.push_str("&#96;"),
            character if is_hidden_control(character) => page.push(REPLACEMENT_CHARACTER),
            character => page.push(character),
        }
    }
}

/// Control characters, and the bidirectional marks, embeddings, overrides and isolates.
fn is_hidden_control(character: char) -> bool {
    character.is_control()
        || matches!(
            character,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `url` if it may be a button's target: a scheme from [`ACTION_URL_SCHEMES`], something after
/// it, and only printable ASCII. The last rule matters because browsers drop tabs and line breaks
/// anywhere in a URL, so `java\tscript:` must not get past a check that reads it differently; an
/// app's action URLs are percent-encoded and never need anything else.
fn usable_action_url(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once(':')?;
    let allowed_scheme = ACTION_URL_SCHEMES
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(scheme));
    let printable = url.bytes().all(|byte| byte.is_ascii_graphic());
    (allowed_scheme && printable && !rest.is_empty()).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        push_escaped(&mut out, text);
        out
    }

    fn page(reason: &BlockReason, host: Option<&str>) -> String {
        BlockPage {
            reason,
            locale: Locale::En,
            host,
            ask_parent_action: Some("childsafe://ask?request=1"),
            report_action: Some("childsafe://report?request=1"),
        }
        .render()
    }

    #[test]
    fn escaping_leaves_nothing_that_ends_text_or_an_attribute() {
        assert_eq!(
            escaped("\"><script>alert('x')</script>&`"),
            "&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&#96;"
        );
        assert_eq!(escaped("bücher.de"), "bücher.de");
        assert_eq!(
            escaped("a\u{202E}moc.b\u{0}\n"),
            "a\u{FFFD}moc.b\u{FFFD}\u{FFFD}"
        );
    }

    #[test]
    fn action_urls_need_an_allowed_scheme_and_printable_ascii() {
        for usable in [
            "childsafe://ask?request=abc%20def",
            "CHILDSAFE:report",
            "https://help.example/report?id=1",
        ] {
            assert_eq!(usable_action_url(usable), Some(usable));
        }
        for refused in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<b>hi</b>",
            "intent://scan/#Intent;scheme=zxing;end",
            "file:///sdcard/x",
            "http://plain.example/",
            "vbscript:msgbox",
            "childsafe:",
            "https://a b",
            "https://bücher.de/",
            "childsafe",
            "",
        ] {
            assert_eq!(usable_action_url(refused), None, "{refused:?}");
        }
    }

    #[test]
    fn long_hosts_are_cut_on_a_character_boundary() {
        let host = "é".repeat(MAX_SHOWN_HOST_CHARS + 10);
        let html = page(&BlockReason::ParentDenied, Some(&host));
        let shown = "é".repeat(MAX_SHOWN_HOST_CHARS);
        assert!(html.contains(&format!("<bdi>{shown}…</bdi>")));
        assert!(!html.contains(&format!("{shown}é")));
    }

    #[test]
    fn blank_hosts_are_not_shown() {
        for host in [None, Some(""), Some("   ")] {
            let html = page(&BlockReason::ParentDenied, host);
            assert!(!html.contains("class=\"site\""), "{host:?}");
        }
    }

    #[test]
    fn only_unworded_categories_show_their_name() {
        let worded = BlockReason::Category {
            category: "self-harm".to_owned(),
        };
        assert!(!page(&worded, None).contains("class=\"detail\""));
        let unworded = BlockReason::Category {
            category: "social-media".to_owned(),
        };
        assert!(page(&unworded, None).contains("<bdi>social-media</bdi>"));
    }

    #[test]
    fn not_a_web_address_offers_report_but_not_ask_parent() {
        let html = page(&BlockReason::NotAWebAddress, None);
        assert!(!html.contains("childsafe://ask"));
        assert!(html.contains("href=\"childsafe://report?request=1\""));
    }

    #[test]
    fn no_action_means_no_button_row() {
        let html = BlockPage {
            reason: &BlockReason::ParentDenied,
            locale: Locale::De,
            host: None,
            ask_parent_action: None,
            report_action: Some("javascript:alert(1)"),
        }
        .render();
        assert!(!html.contains("class=\"actions\""));
        assert!(!html.contains("<a "));
        assert!(!html.contains(page_text(Locale::De).ask_parent_hint));
    }

    #[test]
    fn worded_category_list_matches_the_table() {
        assert!(CATEGORIES_WITH_OWN_WORDING.contains(&"self-harm"));
        assert!(CATEGORIES_WITH_OWN_WORDING.contains(&"unsafe-search"));
        assert!(!CATEGORIES_WITH_OWN_WORDING.contains(&""));
    }
}
