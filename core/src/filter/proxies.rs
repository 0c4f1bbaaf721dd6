//! Carried URLs: the site a translation proxy, cache viewer or web proxy shows inside its own URL.
//!
//! `https://www-blocked-example.translate.goog/page` is Google Translate showing
//! `https://www.blocked.example/page`; `web.archive.org/web/2020/https://blocked.example/` is the
//! Wayback Machine showing it. A filter that looks only at the host of the address bar lets both
//! through, so [`carried_urls`] finds the URLs a proxy URL carries and the policy checks each of
//! them as if the child had opened it. Proxies nest (a translation of a cached copy), so the
//! search repeats on what it finds, up to [`MAX_NESTING_DEPTH`] levels.
//!
//! Known proxies and how each carries its URL are in one table, `PROXIES`. Past the table, any
//! URL with a `url`, `u` or `q` parameter holding an absolute `http(s)://` URL carries that URL:
//! this catches the many small web proxies and open redirectors that work this way, and for a
//! child's browser a search *for* a blocked address may be treated like the address itself.
//!
//! The canonical query is unescaped, so `u=https%3A%2F%2Fsite%2Fa` and `u=https://site/a` look the
//! same here. A carried URL's own query can contain `&`, which is then indistinguishable from the
//! proxy's next parameter: the carried URL is taken up to the first `&`. Its host and path, which
//! lists key on, are always exact.

use std::sync::LazyLock;

use super::canonical::CanonicalStr;
use super::safesearch::{HostRule, SiteLabels};
use super::{CanonicalUrl, HostKind};

/// How many proxies deep carried URLs are looked for: a translation of a cached copy of an
/// archived page is three levels. Deeper nesting is not followed; three levels cover the
/// combinations of the services in the `PROXIES` table that still load.
pub const MAX_NESTING_DEPTH: usize = 3;

/// The most carried URLs returned for one URL, bounding the work a crafted URL can cause.
pub const MAX_CARRIED_URLS: usize = 8;

/// Parameter names that carry a target URL in generic web proxies and redirectors; a value counts
/// only when it is an absolute `http://` or `https://` URL.
const GENERIC_TARGET_PARAMETERS: [&str; 3] = ["url", "u", "q"];

/// Parameters Google Translate's website proxy adds to the translated site's own query.
const TRANSLATE_GOOG_PARAMETER_PREFIX: &str = "_x_tr_";

/// The host suffix of Google Translate's website proxy.
const TRANSLATE_GOOG_SUFFIX: &str = ".translate.goog";

/// The URLs `url` carries, outermost first, without duplicates and without `url` itself; empty
/// when `url` is not a proxy URL. Nested proxies are unwrapped up to [`MAX_NESTING_DEPTH`] levels.
pub fn carried_urls(url: &CanonicalUrl) -> Vec<CanonicalUrl> {
    let mut found: Vec<CanonicalUrl> = Vec::new();
    let keep_carried_by = |outer: &CanonicalUrl, found: &mut Vec<CanonicalUrl>| {
        for carried in directly_carried(outer) {
            if found.len() < MAX_CARRIED_URLS && carried != *url && !found.contains(&carried) {
                found.push(carried);
            }
        }
    };
    // The first level is `url` itself, read in place: a URL that carries nothing, as almost
    // every URL, costs no allocation.
    keep_carried_by(url, &mut found);
    let mut level = 0..found.len();
    for _ in 1..MAX_NESTING_DEPTH {
        if level.is_empty() {
            break;
        }
        let outers = found[level.clone()].to_vec();
        let level_end = found.len();
        for outer in &outers {
            keep_carried_by(outer, &mut found);
        }
        level = level_end..found.len();
    }
    found
}

/// The host rules of the proxies that run on named hosts (all but [`HostRule::Any`]).
pub(crate) fn named_host_rules() -> impl Iterator<Item = &'static HostRule> {
    PROXIES
        .iter()
        .map(|proxy| &proxy.hosts)
        .filter(|hosts| !matches!(hosts, HostRule::Any))
}

/// Whether `url` bears the mark of a proxy that may run on any host: the Google Translate
/// website proxy's host suffix, the path of a proxy script, or a query holding `://` (where a
/// generic target parameter would be). A URL on none of [`named_host_rules`] without such a
/// mark carries nothing.
pub(crate) fn may_carry_on_any_host(url: CanonicalStr<'_>) -> bool {
    let mut on_any_host = PROXIES
        .iter()
        .filter(|proxy| matches!(proxy.hosts, HostRule::Any));
    on_any_host.any(|proxy| match proxy.carrier {
        Carrier::TranslateGoogHost => url.host().ends_with(TRANSLATE_GOOG_SUFFIX),
        _ => proxy.serves_path(url.path()),
    }) || url.query().is_some_and(holds_scheme_separator)
}

/// Whether `query` holds `://`, as any absolute URL in it does. A plain scan for the colon:
/// this runs for nearly every URL, and a substring searcher costs more to set up than a short
/// query takes to read.
fn holds_scheme_separator(query: &str) -> bool {
    query
        .as_bytes()
        .iter()
        .enumerate()
        .any(|(index, &byte)| byte == b':' && query.as_bytes()[index + 1..].starts_with(b"//"))
}

/// A known proxy service.
struct Proxy {
    hosts: HostRule,
    /// The paths at which the service carries a URL; empty for every path.
    paths: &'static [&'static str],
    carrier: Carrier,
}

impl Proxy {
    /// Whether the service carries a URL at `path`.
    fn serves_path(&self, path: &str) -> bool {
        self.paths.is_empty() || self.paths.contains(&path)
    }
}

/// Where in a proxy URL the carried URL is.
#[derive(Clone, Copy)]
enum Carrier {
    /// In this query parameter.
    Parameter(&'static str),
    /// In the host: Google Translate writes `www.example.com` as `www-example-com` (a `-` in the
    /// name as `--`) under `translate.goog`, keeps the path and query, and adds `_x_tr_*`
    /// parameters; `_x_tr_sch=http` marks a site served over plain HTTP.
    TranslateGoogHost,
    /// In the `q` parameter after `cache:`, optionally preceded by a cache id and followed by
    /// search terms after `+` (`q=cache:AbC123:example.com/page+terms`).
    GoogleCacheQuery,
    /// In the path after `/web/<timestamp>/` (the Wayback Machine).
    WaybackPath,
    /// In the path after `/<timestamp>/`, `/newest/` or `/oldest/` (archive.today). Short ids
    /// (`archive.ph/AbCdE`) name a snapshot without its URL and carry nothing.
    ArchiveTodayPath,
}

/// The site labels of the proxies' named hosts (every rule but [`HostRule::Any`]): a host with
/// another label is only tried against the proxies that run on any host.
static PROXY_SITES: LazyLock<SiteLabels> =
    LazyLock::new(|| SiteLabels::of(PROXIES.iter().map(|proxy| &proxy.hosts)));

/// Translation proxies, cache viewers and web proxies, and where each carries its URL.
const PROXIES: &[Proxy] = &[
    // Google Translate website proxy
    Proxy {
        hosts: HostRule::Any,
        paths: &[],
        carrier: Carrier::TranslateGoogHost,
    },
    // Google Translate
    Proxy {
        hosts: HostRule::CountrySubdomain {
            subdomain: "translate",
            brand: "google",
        },
        paths: &[],
        carrier: Carrier::Parameter("u"),
    },
    // Google Translate (older frame host)
    Proxy {
        hosts: HostRule::Hosts(&["translate.googleusercontent.com"]),
        paths: &[],
        carrier: Carrier::Parameter("u"),
    },
    // Google cache
    Proxy {
        hosts: HostRule::Hosts(&["webcache.googleusercontent.com"]),
        paths: &[],
        carrier: Carrier::GoogleCacheQuery,
    },
    // Wayback Machine
    Proxy {
        hosts: HostRule::Hosts(&["web.archive.org", "wayback.archive.org"]),
        paths: &[],
        carrier: Carrier::WaybackPath,
    },
    // archive.today
    Proxy {
        hosts: HostRule::Domains(&[
            "archive.today",
            "archive.ph",
            "archive.is",
            "archive.li",
            "archive.vn",
            "archive.fo",
            "archive.md",
        ]),
        paths: &[],
        carrier: Carrier::ArchiveTodayPath,
    },
    // Microsoft Translator website proxy
    Proxy {
        hosts: HostRule::Domains(&["microsofttranslator.com", "translatetheweb.com"]),
        paths: &[],
        carrier: Carrier::Parameter("a"),
    },
    // Bing Translator
    Proxy {
        hosts: HostRule::Domains(&["bing.com"]),
        paths: &["/translator", "/translator/"],
        carrier: Carrier::Parameter("a"),
    },
    // Glype-based web proxies
    Proxy {
        hosts: HostRule::Any,
        paths: &["/browse.php"],
        carrier: Carrier::Parameter("u"),
    },
];

/// The URLs `url` itself carries, one level deep.
fn directly_carried(url: &CanonicalUrl) -> Vec<CanonicalUrl> {
    let mut carried = Vec::new();
    if url.host_kind() == HostKind::Domain {
        let named_site = PROXY_SITES.may_cover(url.host());
        for proxy in PROXIES {
            let at_path = proxy.serves_path(url.path());
            let may_match = named_site || matches!(proxy.hosts, HostRule::Any);
            if at_path && may_match && proxy.hosts.matches(url.host()) {
                carried.extend(carried_by(proxy.carrier, url));
            }
        }
    }
    // A generic target is a parameter value starting `http://` or `https://`, taken as written:
    // a query without `://` has none, and most URLs are spared the passes over their parameters.
    let query = url.query().filter(|query| holds_scheme_separator(query));
    let generic = GENERIC_TARGET_PARAMETERS
        .iter()
        .flat_map(|name| parameter_values(query, name))
        .filter(|value| has_web_scheme(value))
        .filter_map(parse_carried);
    carried.extend(generic);
    carried
}

fn carried_by(carrier: Carrier, url: &CanonicalUrl) -> Option<CanonicalUrl> {
    match carrier {
        Carrier::Parameter(name) => parameter_values(url.query(), name)
            .find(|value| !value.is_empty())
            .and_then(parse_carried),
        Carrier::TranslateGoogHost => translate_goog_target(url),
        Carrier::GoogleCacheQuery => parameter_values(url.query(), "q")
            .find_map(|value| value.strip_prefix("cache:"))
            .map(without_cache_decorations)
            .and_then(parse_carried),
        Carrier::WaybackPath => {
            let rest = url.path().strip_prefix("/web/")?;
            let rest = match rest.split_once('/') {
                Some((segment, after)) if is_wayback_timestamp(segment) => after,
                _ => rest,
            };
            parse_path_carried(rest, url.query())
        }
        Carrier::ArchiveTodayPath => {
            let (segment, rest) = url.path().strip_prefix('/')?.split_once('/')?;
            let rest = match segment {
                // `/o/<id>/<url>`: an original-page view of snapshot <id>.
                "o" => rest.split_once('/')?.1,
                "newest" | "oldest" | "latest" => rest,
                _ if segment.starts_with(|c: char| c.is_ascii_digit()) => rest,
                _ => return None,
            };
            parse_path_carried(rest, url.query())
        }
    }
}

/// Decodes a `*.translate.goog` host back into the site's URL.
fn translate_goog_target(url: &CanonicalUrl) -> Option<CanonicalUrl> {
    let encoded = url.host().strip_suffix(TRANSLATE_GOOG_SUFFIX)?;
    if encoded.is_empty() || encoded.contains('.') {
        return None;
    }
    let mut host = String::with_capacity(encoded.len());
    let mut chars = encoded.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '-' if chars.peek() == Some(&'-') => {
                chars.next();
                host.push('-');
            }
            '-' => host.push('.'),
            other => host.push(other),
        }
    }
    let scheme = match parameter_values(url.query(), "_x_tr_sch").next() {
        Some("http") => "http",
        _ => "https",
    };
    let query: Vec<&str> = url
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with(TRANSLATE_GOOG_PARAMETER_PREFIX))
        .collect();
    let mut target = format!("{scheme}://{host}{}", url.path());
    if !query.is_empty() {
        target.push('?');
        target.push_str(&query.join("&"));
    }
    CanonicalUrl::parse(target.as_bytes()).ok()
}

/// `AbC123:example.com/page+terms` → `example.com/page`. A leading cache id is recognised as a
/// first part with no dot or slash before a colon that does not start `://`.
fn without_cache_decorations(value: &str) -> &str {
    let value = match value.split_once(':') {
        Some((id, rest))
            if !id.is_empty() && !id.contains(['.', '/']) && !rest.starts_with("//") =>
        {
            rest
        }
        _ => value,
    };
    value.split('+').next().unwrap_or(value)
}

/// A Wayback timestamp segment: digits (any precision) with an optional modifier such as `id_` or
/// `*` for listings.
fn is_wayback_timestamp(segment: &str) -> bool {
    segment.starts_with(|c: char| c.is_ascii_digit() || c == '*')
        && segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '*')
}

/// A URL written in a proxy's path (the canonical path has collapsed `https://` to `https:/`,
/// which the parser reads the same), with the proxy URL's query belonging to it.
fn parse_path_carried(rest: &str, query: Option<&str>) -> Option<CanonicalUrl> {
    if rest.is_empty() {
        return None;
    }
    let target = match query {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };
    parse_carried(&target)
}

/// Canonicalizes a carried URL. In the unescaped proxy URL an escaped `#` (`%23`) most likely
/// started the carried URL's fragment, so it ends the URL here.
fn parse_carried(value: &str) -> Option<CanonicalUrl> {
    let value = value.split("%23").next().unwrap_or(value);
    CanonicalUrl::parse(value.as_bytes()).ok()
}

/// The values of every `name=` parameter in `query`, in order.
fn parameter_values<'q>(query: Option<&'q str>, name: &'q str) -> impl Iterator<Item = &'q str> {
    query
        .unwrap_or("")
        .split('&')
        .filter_map(move |pair| pair.split_once('='))
        .filter(move |(pair_name, _)| *pair_name == name)
        .map(|(_, value)| value)
}

fn has_web_scheme(value: &str) -> bool {
    let lower_starts = |prefix: &str| {
        value
            .get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    };
    lower_starts("http://") || lower_starts("https://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_proxy_host_has_a_site_label() {
        crate::filter::safesearch::tests::assert_rules_have_site_labels(
            PROXIES.iter().map(|proxy| &proxy.hosts),
        );
    }

    fn carried(raw: &str) -> Vec<String> {
        carried_urls(&CanonicalUrl::parse(raw.as_bytes()).unwrap())
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn translate_goog_hosts_decode_dashes() {
        assert_eq!(
            carried("https://www-example-com.translate.goog/a?x=1&_x_tr_sl=auto&_x_tr_tl=en"),
            ["https://www.example.com/a?x=1"]
        );
        assert_eq!(
            carried("https://my--site-example.translate.goog/?_x_tr_sch=http&_x_tr_tl=de"),
            ["http://my-site.example/"]
        );
        assert_eq!(
            carried("https://xn----bcher--kva-de.translate.goog/"),
            ["https://xn--bcher-kva.de/"]
        );
        assert!(carried("https://translate.goog/").is_empty());
    }

    #[test]
    fn cache_values_lose_their_id_and_terms() {
        assert_eq!(
            without_cache_decorations("AbC123xyz:example.com/page+more"),
            "example.com/page"
        );
        assert_eq!(
            without_cache_decorations("https://example.com/"),
            "https://example.com/"
        );
    }

    #[test]
    fn wayback_timestamps() {
        for segment in ["20200101000000", "2020", "20200101id_", "2020*", "*"] {
            assert!(is_wayback_timestamp(segment), "{segment}");
        }
        assert!(!is_wayback_timestamp("example.com"));
        assert!(!is_wayback_timestamp("https:"));
    }

    #[test]
    fn generic_parameters_need_an_explicit_web_scheme() {
        assert_eq!(
            carried("http://proxy.example/go?url=HTTPS://Target.example/x"),
            ["https://target.example/x"]
        );
        assert!(carried("http://shop.example/find?q=shoes").is_empty());
        assert!(carried("http://shop.example/find?u=target.example").is_empty());
    }

    #[test]
    fn ordinary_urls_carry_nothing() {
        assert!(carried("https://www.example.com/page?a=b").is_empty());
        assert!(carried("http://1.2.3.4/browse.php").is_empty());
    }
}
