//! SafeSearch and restricted modes: making search engines filter their own results.
//!
//! A block list cannot know what a search will return, but most large engines can filter explicit
//! results themselves when asked. [`enforce`] asks by rewriting the search URL with the engine's
//! safe-search parameter, replacing any value the child (or a link) put there, so `safe=off`
//! cannot undo it. Engines that have no way to be forced safe from the URL are reported as such,
//! so the policy can block them as a category. YouTube is asked by a request header instead
//! ([`restricted_mode_headers`]), which the browser integration must add to every request it makes
//! to the hosts listed there.
//!
//! All engine knowledge lives in one table, `SEARCH_ENGINES`, with where each fact comes from.
//! Every URL is checked here, almost always for nothing, so the engines' site labels (see
//! `site_label`) are gathered once from that table and a host with none of them is turned away
//! before any rule is tried.
//!
//! The decision is made on the canonical URL, whose query is unescaped. Two consequences the
//! browser integration must respect:
//! - a rewrite is built from the canonical URL, so a search whose terms contained an escaped `&`
//!   or `=` loses that escape (the search still runs, safely, for slightly different terms);
//! - [`SafeSearchOutcome::AlreadySafe`] describes the canonical URL. The request must be made for
//!   a URL with the same canonical form *and the same parameters*: a raw URL that hides
//!   `%26safe%3Dactive` inside a search term canonicalizes to a "safe" URL although the engine
//!   sees no such parameter. Loading the canonical URL (or comparing the raw query with
//!   [`CanonicalUrl::query`]) closes that gap.

use std::fmt;
use std::sync::LazyLock;

use super::{CanonicalUrl, HostKind};

/// What [`enforce`] decided for a URL.
#[derive(Clone, PartialEq, Eq)]
pub enum SafeSearchOutcome {
    /// The URL is not a search-results page of a known engine; nothing to do.
    NotASearchEngine,
    /// The URL is a search of an engine already filtering: its safe parameter is set, or the
    /// engine filters every search.
    AlreadySafe,
    /// Load this URL instead: the same search with the engine's safe mode forced.
    Rewrite {
        /// The full rewritten URL, itself canonical.
        url: String,
    },
    /// A general-purpose engine whose results cannot be forced safe from the URL; the policy
    /// should block it as a category.
    CannotBeForcedSafe {
        /// The engine's name, for the block page.
        engine: &'static str,
    },
}

impl fmt::Debug for SafeSearchOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotASearchEngine => f.write_str("NotASearchEngine"),
            Self::AlreadySafe => f.write_str("AlreadySafe"),
            // The rewritten URL carries the child's search terms: never print it.
            Self::Rewrite { .. } => f.debug_struct("Rewrite").finish_non_exhaustive(),
            Self::CannotBeForcedSafe { engine } => f
                .debug_struct("CannotBeForcedSafe")
                .field("engine", engine)
                .finish(),
        }
    }
}

/// Decides how to make `url` safe if it is a search on a known engine.
///
/// YouTube is not handled here: its restricted mode is a header, see [`restricted_mode_headers`].
pub fn enforce(url: &CanonicalUrl) -> SafeSearchOutcome {
    if url.host_kind() != HostKind::Domain {
        return SafeSearchOutcome::NotASearchEngine;
    }
    let host = url.host();
    if !ENGINE_SITES.may_cover(host) {
        return SafeSearchOutcome::NotASearchEngine;
    }
    let Some(engine) = SEARCH_ENGINES
        .iter()
        .find(|engine| engine.hosts.iter().any(|rule| rule.matches(host)))
    else {
        return SafeSearchOutcome::NotASearchEngine;
    };
    if !engine
        .results_paths
        .iter()
        .any(|rule| rule.matches(url.path()))
    {
        return SafeSearchOutcome::NotASearchEngine;
    }
    match engine.safety {
        Safety::AlwaysFiltered => SafeSearchOutcome::AlreadySafe,
        Safety::NotEnforceable => SafeSearchOutcome::CannotBeForcedSafe {
            engine: engine.name,
        },
        Safety::Parameter { name, value } => {
            match with_parameter_forced(url.query().unwrap_or(""), name, value) {
                None => SafeSearchOutcome::AlreadySafe,
                Some(query) => SafeSearchOutcome::Rewrite {
                    url: format!("{}://{}{}?{query}", url.scheme(), host, url.path()),
                },
            }
        }
    }
}

/// The request headers that put the service at `url` into its strictest restricted mode; empty
/// for every other URL.
///
/// YouTube documents restricted mode for networks as the `YouTube-Restrict: Strict` header on
/// requests to its web and API hosts. The browser integration must add these headers to every
/// request it makes to such a URL (page loads and the page's own API calls); the URL itself
/// cannot carry the setting. Google Search documents no such header (its network-level
/// enforcement is DNS, which a URL filter cannot do), so Google is enforced by [`enforce`].
pub fn restricted_mode_headers(url: &CanonicalUrl) -> &'static [(&'static str, &'static str)] {
    let host = url.host();
    if url.host_kind() == HostKind::Domain
        && YOUTUBE_SITES.may_cover(host)
        && YOUTUBE_RESTRICTED_HOSTS
            .iter()
            .any(|rule| rule.matches(host))
    {
        YOUTUBE_RESTRICT_STRICT
    } else {
        &[]
    }
}

/// The engine's forced-safe host for `host` (canonical), which a DNS filter answers `host` with
/// by CNAME; `None` for every host that has none.
///
/// Each engine documents the mapping for network operators:
/// - Google Search: "Block adult content at your school with SafeSearch"
///   (support.google.com/websearch/answer/186669) has a DNS entry for `www.google.com` and the
///   country domains point by CNAME to `forcesafesearch.google.com`. Only the search hosts
///   (`google.<tld>`, `www.google.<tld>`) are mapped: other Google hosts serve other services.
/// - YouTube: Google Workspace's "Restrict YouTube content" (support.google.com/a/answer/6214622)
///   maps `www.youtube.com`, `m.youtube.com`, `youtubei.googleapis.com`,
///   `youtube.googleapis.com` and `www.youtube-nocookie.com` to `restrict.youtube.com` (strict)
///   or `restrictmoderate.youtube.com`; strict, as [`YOUTUBE_RESTRICT_STRICT`] is.
/// - Bing: Microsoft's "Block adult content with SafeSearch" for networks maps `www.bing.com` to
///   `strict.bing.com`.
/// - DuckDuckGo: its safe search help maps `duckduckgo.com` to `safe.duckduckgo.com` (also what
///   CleanBrowsing, AdGuard and dnsmasq-based filters configure).
pub fn dns_safe_host(host: &str) -> Option<&'static str> {
    if matches!(country_domain_prefix(host, "google"), Some("" | "www.")) {
        return Some(GOOGLE_SAFE_HOST);
    }
    DNS_SAFE_HOSTS
        .iter()
        .find(|(hosts, _)| hosts.contains(&host))
        .map(|&(_, safe)| safe)
}

/// Google's forced-SafeSearch host.
pub const GOOGLE_SAFE_HOST: &str = "forcesafesearch.google.com";

/// The hosts other than Google's mapped to a safe host at DNS level (see [`dns_safe_host`]).
const DNS_SAFE_HOSTS: &[(&[&str], &str)] = &[
    (
        &[
            "www.youtube.com",
            "m.youtube.com",
            "youtubei.googleapis.com",
            "youtube.googleapis.com",
            "www.youtube-nocookie.com",
        ],
        "restrict.youtube.com",
    ),
    (&["www.bing.com"], "strict.bing.com"),
    (
        &["duckduckgo.com", "www.duckduckgo.com"],
        "safe.duckduckgo.com",
    ),
];

/// Every host rule of the search engines and of YouTube's restricted mode: a host none of them
/// covers gets nothing from [`enforce`] or [`restricted_mode_headers`].
pub(crate) fn host_rules() -> impl Iterator<Item = &'static HostRule> {
    SEARCH_ENGINES
        .iter()
        .flat_map(|engine| engine.hosts)
        .chain(YOUTUBE_RESTRICTED_HOSTS)
}

/// The header that asks YouTube for its strict restricted mode.
pub const YOUTUBE_RESTRICT_STRICT: &[(&str, &str)] = &[("YouTube-Restrict", "Strict")];

/// The hosts YouTube honours [`YOUTUBE_RESTRICT_STRICT`] on: the web sites (desktop, mobile, the
/// privacy-enhanced embed host) and the API hosts its apps and player use.
const YOUTUBE_RESTRICTED_HOSTS: &[HostRule] = &[
    HostRule::Domains(&["youtube.com", "youtube-nocookie.com"]),
    HostRule::Hosts(&["youtubei.googleapis.com", "youtube.googleapis.com"]),
];

/// How one search engine is made safe.
struct SearchEngine {
    /// A name a parent recognises, shown on block pages.
    name: &'static str,
    /// Where the engine is served.
    hosts: &'static [HostRule],
    /// The paths that return results (web, images, video); other pages are left alone.
    results_paths: &'static [PathRule],
    safety: Safety,
}

/// What makes an engine's results safe.
#[derive(Clone, Copy)]
enum Safety {
    /// This query parameter with this value turns on the strictest filtering.
    Parameter {
        name: &'static str,
        value: &'static str,
    },
    /// The engine filters every search; there is nothing to force.
    AlwaysFiltered,
    /// No URL parameter is known to force filtering (the setting lives in a cookie or an
    /// account), so the engine cannot be made safe by rewriting.
    NotEnforceable,
}

/// Search engines and how each is made safe. The first engine whose host rule matches decides.
///
/// Where each fact comes from: Google's `safe=active` is what Chromium's ForceSafeSearch policy
/// sets; DuckDuckGo documents `kp=1` as strict; Bing's `adlt` (off/moderate/strict) and Yahoo's
/// `vm` (p/i/r) are the values search clients send; Yandex's `family=yes` is its family filter.
/// Brave Search (`safesearch=strict`), Startpage (`qadf=heavy`) and Mojeek (`safe=1`) are the
/// parameters those engines are commonly driven with but were not confirmed from their own
/// documentation. Ecosia and Qwant keep safe search in a cookie only, and Baidu, Sogou, 360 Search
/// and Gibiru offer no strict mode, so those cannot be forced. Swisscows and Qwant Junior filter
/// every search.
const SEARCH_ENGINES: &[SearchEngine] = &[
    SearchEngine {
        name: "Google",
        hosts: &[HostRule::CountryDomains("google")],
        results_paths: &[
            PathRule::Exact("/search"),
            PathRule::Exact("/webhp"),
            PathRule::Exact("/imghp"),
            PathRule::Exact("/videohp"),
            PathRule::Exact("/images"),
        ],
        safety: Safety::Parameter {
            name: "safe",
            value: "active",
        },
    },
    SearchEngine {
        name: "Bing",
        hosts: &[HostRule::Domains(&["bing.com"])],
        results_paths: &[
            PathRule::Exact("/search"),
            PathRule::Prefix("/images/"),
            PathRule::Prefix("/videos/"),
            PathRule::Prefix("/news/"),
        ],
        safety: Safety::Parameter {
            name: "adlt",
            value: "strict",
        },
    },
    SearchEngine {
        name: "DuckDuckGo",
        hosts: &[HostRule::Domains(&["duckduckgo.com"])],
        results_paths: &[
            PathRule::Exact("/"),
            PathRule::Exact("/html"),
            PathRule::Exact("/html/"),
            PathRule::Exact("/lite"),
            PathRule::Exact("/lite/"),
        ],
        safety: Safety::Parameter {
            name: "kp",
            value: "1",
        },
    },
    SearchEngine {
        name: "Yahoo",
        hosts: &[HostRule::Domains(&["search.yahoo.com"])],
        results_paths: &[PathRule::Prefix("/search"), PathRule::Prefix("/yhs/search")],
        safety: Safety::Parameter {
            name: "vm",
            value: "r",
        },
    },
    SearchEngine {
        name: "Yandex",
        hosts: &[
            HostRule::CountryDomains("yandex"),
            HostRule::Domains(&["ya.ru"]),
        ],
        results_paths: &[
            PathRule::Prefix("/search"),
            PathRule::Prefix("/images/search"),
            PathRule::Prefix("/video/search"),
        ],
        safety: Safety::Parameter {
            name: "family",
            value: "yes",
        },
    },
    SearchEngine {
        name: "Brave Search",
        hosts: &[HostRule::Hosts(&["search.brave.com"])],
        results_paths: &[
            PathRule::Exact("/search"),
            PathRule::Exact("/images"),
            PathRule::Exact("/videos"),
            PathRule::Exact("/news"),
        ],
        safety: Safety::Parameter {
            name: "safesearch",
            value: "strict",
        },
    },
    SearchEngine {
        name: "Startpage",
        hosts: &[HostRule::Domains(&["startpage.com"])],
        results_paths: &[
            PathRule::Prefix("/sp/search"),
            PathRule::Prefix("/do/search"),
            PathRule::Prefix("/do/dsearch"),
            PathRule::Prefix("/do/asearch"),
        ],
        safety: Safety::Parameter {
            name: "qadf",
            value: "heavy",
        },
    },
    SearchEngine {
        name: "Mojeek",
        hosts: &[HostRule::Domains(&["mojeek.com"])],
        results_paths: &[PathRule::Exact("/search")],
        safety: Safety::Parameter {
            name: "safe",
            value: "1",
        },
    },
    SearchEngine {
        name: "Qwant Junior",
        hosts: &[HostRule::Domains(&["qwantjunior.com"])],
        results_paths: &[PathRule::Any],
        safety: Safety::AlwaysFiltered,
    },
    SearchEngine {
        name: "Swisscows",
        hosts: &[HostRule::Domains(&["swisscows.com"])],
        results_paths: &[PathRule::Any],
        safety: Safety::AlwaysFiltered,
    },
    SearchEngine {
        name: "Ecosia",
        hosts: &[HostRule::Domains(&["ecosia.org"])],
        results_paths: &[
            PathRule::Prefix("/search"),
            PathRule::Prefix("/images"),
            PathRule::Prefix("/videos"),
            PathRule::Prefix("/news"),
        ],
        safety: Safety::NotEnforceable,
    },
    SearchEngine {
        name: "Qwant",
        hosts: &[HostRule::Domains(&["qwant.com"])],
        // Qwant searches at its root (`/?q=`); Qwant Maps and other services live elsewhere.
        results_paths: &[PathRule::Exact("/")],
        safety: Safety::NotEnforceable,
    },
    SearchEngine {
        name: "Baidu",
        hosts: &[HostRule::Hosts(&[
            "baidu.com",
            "www.baidu.com",
            "m.baidu.com",
            "image.baidu.com",
            "video.baidu.com",
        ])],
        results_paths: &[PathRule::Any],
        safety: Safety::NotEnforceable,
    },
    SearchEngine {
        name: "Sogou",
        hosts: &[HostRule::Hosts(&[
            "sogou.com",
            "www.sogou.com",
            "m.sogou.com",
            "pic.sogou.com",
            "video.sogou.com",
        ])],
        results_paths: &[PathRule::Any],
        safety: Safety::NotEnforceable,
    },
    SearchEngine {
        name: "360 Search",
        hosts: &[HostRule::Hosts(&[
            "so.com",
            "www.so.com",
            "m.so.com",
            "image.so.com",
            "video.so.com",
        ])],
        results_paths: &[PathRule::Any],
        safety: Safety::NotEnforceable,
    },
    SearchEngine {
        name: "Gibiru",
        hosts: &[HostRule::Domains(&["gibiru.com"])],
        results_paths: &[PathRule::Any],
        safety: Safety::NotEnforceable,
    },
];

/// The site labels of every search engine host, so that [`enforce`] turns away almost every URL
/// with one short comparison per engine site instead of trying each engine's rules.
static ENGINE_SITES: LazyLock<SiteLabels> =
    LazyLock::new(|| SiteLabels::of(SEARCH_ENGINES.iter().flat_map(|engine| engine.hosts)));

/// The site labels of the hosts in [`YOUTUBE_RESTRICTED_HOSTS`].
static YOUTUBE_SITES: LazyLock<SiteLabels> =
    LazyLock::new(|| SiteLabels::of(YOUTUBE_RESTRICTED_HOSTS));

/// The label a domain is known by: the one before its ending, where the ending is its last label,
/// or its last two for `co.<cc>` / `com.<cc>` (`google` in `www.google.co.uk`, `bing` in
/// `www.bing.com`); the whole domain when no label comes before the ending.
///
/// It depends only on the last three labels, so a domain and its subdomains share it, and every
/// host a [`HostRule`] covers has one of the rule's [`HostRule::site_labels`].
pub(crate) fn site_label(domain: &str) -> &str {
    // The dots from the right, found by a plain byte scan (hosts are short).
    let mut dots = [0usize; 3];
    let mut found = 0;
    for (index, &byte) in domain.as_bytes().iter().enumerate().rev() {
        if byte == b'.' {
            dots[found] = index;
            found += 1;
            if found == dots.len() {
                break;
            }
        }
    }
    let Some(&last_dot) = dots[..found].first() else {
        return domain;
    };
    let top_level = &domain[last_dot + 1..];
    let second_start = dots[..found].get(1).map_or(0, |dot| dot + 1);
    let second_level = &domain[second_start..last_dot];
    let country_ending = top_level.len() == 2 && matches!(second_level, "co" | "com");
    if !country_ending {
        return second_level;
    }
    let Some(&second_dot) = dots[..found].get(1) else {
        // `co.uk` alone: no label before the ending.
        return domain;
    };
    let third_start = dots[..found].get(2).map_or(0, |dot| dot + 1);
    &domain[third_start..second_dot]
}

/// The site labels (see [`site_label`]) of the hosts some rules cover: a quick necessary test
/// before the rules themselves.
pub(crate) struct SiteLabels {
    /// The labels, sorted.
    labels: Vec<&'static str>,
    /// A bit per [`label_sketches`] value some label has: most labels of other sites miss one,
    /// which answers for them without a comparison.
    sketches: [u64; 8],
}

/// Two 9-bit summaries of a label (of its length and its first two and last two bytes): equal
/// labels have equal sketches, and the few dozen labels of a table set few of the 512 bits, so a
/// label of another site misses one of its two bits nearly always.
fn label_sketches(label: &str) -> [usize; 2] {
    let bytes = label.as_bytes();
    let at = |index: usize| u64::from(bytes.get(index).copied().unwrap_or(0));
    let last = bytes.len().wrapping_sub(1);
    let key = bytes.len() as u64
        | at(0) << 8
        | at(1) << 16
        | at(last) << 24
        | at(last.wrapping_sub(1)) << 32;
    let mixed = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    [(mixed >> 55) as usize, ((mixed >> 46) & 0x1FF) as usize]
}

impl SiteLabels {
    /// The labels of `rules`, which must not include [`HostRule::Any`] (it has no label; such a
    /// rule is left out, and the caller must try it regardless).
    pub(crate) fn of<'r>(rules: impl IntoIterator<Item = &'r HostRule>) -> Self {
        let mut labels: Vec<&'static str> =
            rules.into_iter().flat_map(HostRule::site_labels).collect();
        labels.sort_unstable();
        labels.dedup();
        let mut sketches = [0u64; 8];
        for label in &labels {
            for bit in label_sketches(label) {
                sketches[bit / 64] |= 1 << (bit % 64);
            }
        }
        Self { labels, sketches }
    }

    /// Whether a rule the set was made of may cover the domain `host`: false means none does.
    pub(crate) fn may_cover(&self, host: &str) -> bool {
        let site = site_label(host);
        label_sketches(site)
            .iter()
            .all(|&bit| self.sketches[bit / 64] & (1 << (bit % 64)) != 0)
            && self.labels.binary_search(&site).is_ok()
    }
}

/// Which hosts a rule covers. Shared with [`super::proxies`], whose table names hosts the same way.
#[derive(Clone, Copy, Debug)]
pub(crate) enum HostRule {
    /// These domains and all their subdomains.
    Domains(&'static [&'static str]),
    /// Exactly these hosts.
    Hosts(&'static [&'static str]),
    /// A brand's domains in every country, with any subdomain: `brand.<tld>` (`google.de`,
    /// `google.com`), `brand.co.<cc>` (`google.co.uk`) and `brand.com.<cc>` (`google.com.au`).
    CountryDomains(&'static str),
    /// One subdomain of a brand's country domains, such as `translate` of `google`
    /// (`translate.google.co.uk`).
    CountrySubdomain {
        /// The subdomain label.
        subdomain: &'static str,
        /// The brand label.
        brand: &'static str,
    },
    /// Every host.
    Any,
}

impl HostRule {
    /// Whether the canonical domain `host` is covered.
    pub(crate) fn matches(&self, host: &str) -> bool {
        match *self {
            Self::Domains(domains) => domains.iter().any(|domain| is_within(host, domain)),
            Self::Hosts(hosts) => hosts.contains(&host),
            Self::CountryDomains(brand) => country_domain_prefix(host, brand).is_some(),
            Self::CountrySubdomain { subdomain, brand } => country_domain_prefix(host, brand)
                .and_then(|prefix| prefix.strip_suffix('.'))
                .is_some_and(|prefix| prefix == subdomain),
            Self::Any => true,
        }
    }
}

impl HostRule {
    /// The [`site_label`]s of the hosts the rule covers; none for [`Self::Any`], which covers
    /// hosts of every label.
    fn site_labels(&self) -> Vec<&'static str> {
        match *self {
            Self::Domains(names) | Self::Hosts(names) => {
                names.iter().map(|&name| site_label(name)).collect()
            }
            Self::CountryDomains(brand) | Self::CountrySubdomain { brand, .. } => vec![brand],
            Self::Any => Vec::new(),
        }
    }
}

/// Which paths of a host a rule covers. Shared with [`super::proxies`], whose table says the same
/// of the paths a proxy serves.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PathRule {
    /// Exactly this path.
    Exact(&'static str),
    /// Every path starting with this text.
    Prefix(&'static str),
    /// Every path.
    Any,
}

impl PathRule {
    /// Whether the canonical `path` is covered.
    pub(crate) fn matches(&self, path: &str) -> bool {
        match *self {
            Self::Exact(exact) => path == exact,
            Self::Prefix(prefix) => path.starts_with(prefix),
            Self::Any => true,
        }
    }
}

/// Whether `host` is `domain` or one of its subdomains.
fn is_within(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

/// If `host` is one of `brand`'s country domains, the subdomain part before the brand label,
/// with its trailing dot (`"www."`, or `""` for the bare domain).
///
/// Country endings are recognised by shape rather than listed: one label of two or three letters
/// (`.de`, `.com`, `.cat`), or `co.`/`com.` followed by a two-letter country code. A shape that
/// is not a real Google domain (`google.com.zz`) matches too; that costs nothing, since no one
/// else can serve those names.
fn country_domain_prefix<'h>(host: &'h str, brand: &str) -> Option<&'h str> {
    let is_letters = |label: &str, lengths: std::ops::RangeInclusive<usize>| {
        lengths.contains(&label.len()) && label.bytes().all(|byte| byte.is_ascii_lowercase())
    };
    let (rest, top_level) = host.rsplit_once('.')?;
    if !is_letters(top_level, 2..=3) {
        return None;
    }
    if let Some(prefix) = brand_prefix(rest, brand) {
        return Some(prefix);
    }
    let (rest, second_level) = rest.rsplit_once('.')?;
    if top_level.len() == 2 && matches!(second_level, "co" | "com") {
        return brand_prefix(rest, brand);
    }
    None
}

/// `names` is `brand` or ends in `.brand`: the part before the brand label.
fn brand_prefix<'h>(names: &'h str, brand: &str) -> Option<&'h str> {
    let prefix = names.strip_suffix(brand)?;
    (prefix.is_empty() || prefix.ends_with('.')).then_some(prefix)
}

/// The query with `name=value` forced: the first occurrence of the parameter takes the value in
/// place, later occurrences are dropped (an engine may honour the last), and the parameter is
/// appended if missing. `None` when the query already has exactly that one occurrence.
fn with_parameter_forced(query: &str, name: &str, value: &str) -> Option<String> {
    let mut forced = String::with_capacity(query.len() + name.len() + value.len() + 2);
    let mut present = false;
    let mut changed = false;
    let push = |piece: &str, forced: &mut String| {
        if !forced.is_empty() {
            forced.push('&');
        }
        forced.push_str(piece);
    };
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (pair_name, pair_value) = pair.split_once('=').unwrap_or((pair, ""));
        if pair_name != name {
            push(pair, &mut forced);
            continue;
        }
        if present {
            changed = true;
            continue;
        }
        present = true;
        changed |= pair_value != value || !pair.contains('=');
        push(name, &mut forced);
        forced.push('=');
        forced.push_str(value);
    }
    if !present {
        changed = true;
        push(name, &mut forced);
        forced.push('=');
        forced.push_str(value);
    }
    changed.then_some(forced)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// What [`SiteLabels::may_cover`] relies on: a rule's names each have a label before their
    /// ending, and no brand is itself an ending label, so a host and its subdomains share the
    /// label of the name that covers them.
    pub(crate) fn assert_rules_have_site_labels<'r>(rules: impl IntoIterator<Item = &'r HostRule>) {
        for rule in rules {
            match *rule {
                HostRule::Domains(names) | HostRule::Hosts(names) => {
                    for name in names {
                        assert_ne!(site_label(name), *name, "{name} has no site label");
                    }
                }
                HostRule::CountryDomains(brand) | HostRule::CountrySubdomain { brand, .. } => {
                    assert!(!brand.contains('.') && !matches!(brand, "co" | "com"));
                }
                HostRule::Any => {}
            }
        }
    }

    #[test]
    fn search_hosts_map_to_their_safe_hosts() {
        for (host, safe) in [
            ("www.google.com", Some(GOOGLE_SAFE_HOST)),
            ("google.com", Some(GOOGLE_SAFE_HOST)),
            ("www.google.co.uk", Some(GOOGLE_SAFE_HOST)),
            ("www.google.com.au", Some(GOOGLE_SAFE_HOST)),
            ("google.de", Some(GOOGLE_SAFE_HOST)),
            ("mail.google.com", None),
            ("forcesafesearch.google.com", None),
            ("www.youtube.com", Some("restrict.youtube.com")),
            ("youtubei.googleapis.com", Some("restrict.youtube.com")),
            ("www.bing.com", Some("strict.bing.com")),
            ("strict.bing.com", None),
            ("duckduckgo.com", Some("safe.duckduckgo.com")),
            ("safe.duckduckgo.com", None),
            ("www.example.com", None),
        ] {
            assert_eq!(dns_safe_host(host), safe, "{host}");
        }
    }

    #[test]
    fn every_engine_host_has_a_site_label() {
        assert_rules_have_site_labels(SEARCH_ENGINES.iter().flat_map(|engine| engine.hosts));
        assert_rules_have_site_labels(YOUTUBE_RESTRICTED_HOSTS);
    }

    #[test]
    fn site_label_sketches_turn_away_nearly_every_other_site() {
        let sites = SiteLabels::of(SEARCH_ENGINES.iter().flat_map(|engine| engine.hosts));
        let others = 20_000;
        let passed = (0..others)
            .filter(|i| sites.may_cover(&format!("www.site{i}-name.com")))
            .count();
        assert!(passed < others / 20, "{passed}");
        assert!(sites.may_cover("www.bing.com") && sites.may_cover("google.co.uk"));
    }

    #[test]
    fn site_labels_skip_country_endings() {
        assert_eq!(site_label("www.google.co.uk"), "google");
        assert_eq!(site_label("google.com.au"), "google");
        assert_eq!(site_label("a.b.bing.com"), "bing");
        assert_eq!(site_label("ya.ru"), "ya");
        assert_eq!(site_label("localhost"), "localhost");
        assert_eq!(site_label("co.uk"), "co.uk");
        let sites = SiteLabels::of(&[HostRule::CountryDomains("google")]);
        assert!(sites.may_cover("translate.google.de"));
        assert!(!sites.may_cover("google.example.com"));
    }

    #[test]
    fn forcing_a_parameter_keeps_the_others_in_order() {
        assert_eq!(
            with_parameter_forced("q=x&safe=off&hl=en", "safe", "active").as_deref(),
            Some("q=x&safe=active&hl=en")
        );
        assert_eq!(
            with_parameter_forced("q=x", "safe", "active").as_deref(),
            Some("q=x&safe=active")
        );
        assert_eq!(
            with_parameter_forced("", "safe", "active").as_deref(),
            Some("safe=active")
        );
        assert_eq!(
            with_parameter_forced("safe=active&q=x&safe=off", "safe", "active").as_deref(),
            Some("safe=active&q=x")
        );
        assert_eq!(
            with_parameter_forced("q=x&safe&hl=en", "safe", "active").as_deref(),
            Some("q=x&safe=active&hl=en")
        );
        assert_eq!(
            with_parameter_forced("q=x&safe=active", "safe", "active"),
            None
        );
        // Another parameter that merely ends in the name is not the parameter.
        assert_eq!(
            with_parameter_forced("unsafe=1", "safe", "active").as_deref(),
            Some("unsafe=1&safe=active")
        );
    }

    #[test]
    fn country_domains_are_recognised_by_shape() {
        for (host, prefix) in [
            ("google.com", ""),
            ("www.google.com", "www."),
            ("www.google.co.uk", "www."),
            ("google.com.au", ""),
            ("images.google.de", "images."),
            ("google.cat", ""),
        ] {
            assert_eq!(
                country_domain_prefix(host, "google"),
                Some(prefix),
                "{host}"
            );
        }
        for host in [
            "google.example.com",
            "notgoogle.com",
            "googlesyndication.com",
            "google.com.evil.xyz",
            "google.info",
            "google",
        ] {
            assert_eq!(country_domain_prefix(host, "google"), None, "{host}");
        }
    }

    #[test]
    fn host_rules() {
        assert!(HostRule::Domains(&["bing.com"]).matches("www.bing.com"));
        assert!(!HostRule::Domains(&["bing.com"]).matches("notbing.com"));
        let translate = HostRule::CountrySubdomain {
            subdomain: "translate",
            brand: "google",
        };
        assert!(translate.matches("translate.google.co.jp"));
        assert!(!translate.matches("www.google.co.jp"));
        assert!(!translate.matches("x.translate.google.com"));
    }

    #[test]
    fn debug_output_does_not_leak_the_search() {
        let outcome = SafeSearchOutcome::Rewrite {
            url: "https://www.google.com/search?q=secret&safe=active".into(),
        };
        assert!(!format!("{outcome:?}").contains("secret"));
    }
}
