//! Carried URLs: the site a translation proxy, cache viewer, AMP cache, image proxy or web proxy
//! shows inside its own URL.
//!
//! `https://www-blocked-example.translate.goog/page` is Google Translate showing
//! `https://www.blocked.example/page`; `web.archive.org/web/2020/https://blocked.example/` is the
//! Wayback Machine showing it; `cdn.ampproject.org/c/s/blocked.example/page` is Google's AMP cache
//! serving it. A filter that looks only at the host of the address bar lets them all through, so
//! [`carried_urls`] finds the URLs a proxy URL carries and the policy checks each of them as if
//! the child had opened it. Proxies nest (a translation of a cached copy), so the search repeats
//! on what it finds, up to [`MAX_NESTING_DEPTH`] levels.
//!
//! Known proxies and how each carries its URL are in one table, `PROXIES`. Their servers fetch
//! the carried URL themselves, so the browser never loads it and never asks the filter about it:
//! a carried URL that a known proxy fetches is judged here or not at all, and a known proxy URL
//! whose target cannot be read is reported as such (the decision blocks it). Past the table, any
//! URL with a `url`, `u` or `q` parameter holding an absolute `http(s)://` URL carries that URL:
//! this catches the many small web proxies and open redirectors that work this way, and for a
//! child's browser a search *for* a blocked address may be treated like the address itself.
//!
//! A proxy URL is read twice, because a proxy's server and the filter may decode it differently:
//! from its canonical form, where everything is unescaped (`u=https%3A%2F%2Fsite%2Fa` and
//! `u=https://site/a` look the same), and as written, where a parameter value is decoded exactly
//! once, as a server decodes a form value (so `u=https://fine.example%252F@blocked.example/`
//! carries `https://fine.example%2F@blocked.example/`, whose host is `blocked.example`). Every
//! URL either reading finds is judged. A carried URL's own query can contain `&`, which is then
//! indistinguishable from the proxy's next parameter: the carried URL is taken up to the first
//! `&`. Its host and path, which lists key on, are always exact.

use std::borrow::Cow;
use std::sync::LazyLock;

use super::canonical::{CanonicalStr, WrittenParts, as_browser_reads};
use super::escape::unescape_once;
use super::safesearch::{HostRule, PathRule, SiteLabels};
use super::{CanonicalUrl, HostKind};

/// How many proxies deep carried URLs are looked for: a translation of a cached copy of an
/// archived page is three levels. Deeper nesting is not followed; three levels cover the
/// combinations of the services in the `PROXIES` table that still load.
pub const MAX_NESTING_DEPTH: usize = 3;

/// The most carried URLs judged for one URL, bounding the work a crafted URL can cause. A URL
/// that carries more is reported unreadable (and blocked), never judged by the first ones only.
pub const MAX_CARRIED_URLS: usize = 8;

/// Parameter names that carry a target URL in generic web proxies and redirectors; a value counts
/// only when it is an absolute `http://` or `https://` URL.
const GENERIC_TARGET_PARAMETERS: [&str; 3] = ["url", "u", "q"];

/// Parameters Google Translate's website proxy adds to the translated site's own query.
const TRANSLATE_GOOG_PARAMETER_PREFIX: &str = "_x_tr_";

/// The host suffix of Google Translate's website proxy.
const TRANSLATE_GOOG_SUFFIX: &str = ".translate.goog";

/// The first path segments of an AMP cache URL that serve a page or a resource of the site
/// named next (`/c/s/example.com/page`): documents, images, resources, the viewer and signed
/// exchanges. Other paths (`/v0.js`, `/lts/...`) are the AMP runtime, which carries nothing.
const AMP_CONTENT_TYPES: [&str; 6] = ["c", "i", "r", "v", "wp", "mwp"];

/// A URL carried inside another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarriedUrl {
    /// The carried URL.
    pub url: CanonicalUrl,
    /// The carried URL as the reading that found it wrote it, before canonicalization: what a
    /// proxy's server would request. A search URL that looks safe in canonical form may not be
    /// safe as written (`q=x%26safe%3Dactive`), so SafeSearch compares the two.
    pub as_written: String,
    /// Whether a known proxy's server fetches it (so the browser never loads or checks it
    /// itself): true when any proxy on the way to it is in the `PROXIES` table; false for a URL
    /// found only in a generic parameter, such as a redirector's target, which the browser
    /// loads, and the filter checks, next.
    pub fetched_by_proxy: bool,
}

/// Everything a URL carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CarriedUrls {
    /// The carried URLs, outermost first, without duplicates and without the URL itself.
    pub urls: Vec<CarriedUrl>,
    /// Whether a known proxy carries something that cannot be read as a web address, or the URL
    /// carries more than [`MAX_CARRIED_URLS`] (the filter blocks such a URL: what it carries
    /// cannot all be judged).
    pub unreadable: bool,
}

impl CarriedUrls {
    /// Whether nothing is carried and nothing unreadable either.
    pub fn is_empty(&self) -> bool {
        self.urls.is_empty() && !self.unreadable
    }
}

/// The URLs `url` carries; empty when `url` is not a proxy URL. `as_written` is the URL as the
/// browser gave it, when known: it is read as written as well as in canonical form. Nested
/// proxies are unwrapped up to [`MAX_NESTING_DEPTH`] levels.
pub fn carried_urls(url: &CanonicalUrl, as_written: Option<&[u8]>) -> CarriedUrls {
    let mut found = CarriedUrls::default();
    // The first level is `url` itself, read in place.
    keep_carried_by(&mut found, url, url, as_written, false);
    let mut level = 0..found.urls.len();
    for _ in 1..MAX_NESTING_DEPTH {
        if level.is_empty() {
            break;
        }
        let outers = found.urls[level.clone()].to_vec();
        let level_end = found.urls.len();
        for outer in &outers {
            let written = Some(outer.as_written.as_bytes());
            keep_carried_by(&mut found, url, &outer.url, written, outer.fetched_by_proxy);
        }
        level = level_end..found.urls.len();
    }
    found
}

/// Adds to `found` what `outer` carries (read both ways), but for `root` and URLs already found;
/// `outer_fetched` says whether a known proxy fetches `outer` itself.
fn keep_carried_by(
    found: &mut CarriedUrls,
    root: &CanonicalUrl,
    outer: &CanonicalUrl,
    outer_written: Option<&[u8]>,
    outer_fetched: bool,
) {
    for reading in Reading::both(outer, outer_written) {
        for (target, fetched) in directly_carried(&reading) {
            let fetched = fetched || outer_fetched;
            let carried = match &target {
                Target::Url(text) => parse_carried(text),
                Target::Unreadable => None,
            };
            let (Some(carried), Target::Url(text)) = (carried, target) else {
                found.unreadable |= fetched;
                continue;
            };
            let known = carried == *root || found.urls.iter().any(|c| c.url == carried);
            if known {
                continue;
            }
            // More than the filter judges for one URL: what is left over cannot be judged.
            if found.urls.len() >= MAX_CARRIED_URLS {
                found.unreadable = true;
                continue;
            }
            found.urls.push(CarriedUrl {
                url: carried,
                as_written: text,
                fetched_by_proxy: fetched,
            });
        }
    }
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
        _ => proxy.paths.matches(url.path()),
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

/// One reading of a proxy URL: its host (always canonical) with its path and query either
/// canonical or as written. Parameter values of the written reading are decoded once when read.
struct Reading<'a> {
    host: &'a str,
    host_kind: HostKind,
    path: Cow<'a, str>,
    query: Option<Cow<'a, str>>,
    decode_values: bool,
}

impl<'a> Reading<'a> {
    /// The canonical reading of `url`, and the reading of `as_written` when it is given, can be
    /// split and differs.
    fn both(url: &'a CanonicalUrl, as_written: Option<&'a [u8]>) -> impl Iterator<Item = Self> {
        let canonical = Self {
            host: url.host(),
            host_kind: url.host_kind(),
            path: Cow::Borrowed(url.path()),
            query: url.query().map(Cow::Borrowed),
            decode_values: false,
        };
        // A URL written in its canonical form (nearly every one a page loads) reads the same.
        let is_canonical = |raw: &[u8]| {
            raw.strip_prefix(url.as_str().as_bytes())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(b"#"))
        };
        let written = as_written.filter(|raw| !is_canonical(raw)).and_then(|raw| {
            let input = as_browser_reads(raw);
            let parts = WrittenParts::split(&input).ok()?;
            let text = |bytes: &[u8]| Cow::Owned(String::from_utf8_lossy(bytes).into_owned());
            let path = text(parts.path);
            let query = parts.query.map(text);
            let differs = path != canonical.path || query != canonical.query;
            differs.then(|| Self {
                path,
                query,
                decode_values: true,
                ..canonical.shallow()
            })
        });
        // The written reading first: where both find the same URL, its text is what a proxy's
        // server would request.
        written.into_iter().chain([canonical])
    }

    /// The same host with empty parts, to fill in.
    fn shallow(&self) -> Self {
        Self {
            host: self.host,
            host_kind: self.host_kind,
            path: Cow::Borrowed(""),
            query: None,
            decode_values: self.decode_values,
        }
    }

    /// The values of every `name=` parameter of the query, in order, decoded as a server would.
    fn parameters<'r>(&'r self, name: &'r str) -> impl Iterator<Item = Cow<'r, str>> + 'r {
        parameter_values(self.query.as_deref(), name).map(|value| {
            if self.decode_values {
                unescape_once(value)
            } else {
                Cow::Borrowed(value)
            }
        })
    }
}

/// A known proxy service.
struct Proxy {
    hosts: HostRule,
    /// The paths at which the service carries a URL.
    paths: PathRule,
    carrier: Carrier,
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
    /// An AMP cache (Google's `cdn.ampproject.org`, Bing's `bing-amp.com`): in the path after a
    /// content type of [`AMP_CONTENT_TYPES`], `s/` for HTTPS, then the site's host and path
    /// (`/c/s/example.com/page`); and in the subdomain, written as Google Translate writes hosts
    /// (`example-com.cdn.ampproject.org`).
    AmpCache,
    /// Google's AMP viewer: in the path after `/amp/`, `s/` for HTTPS, then the site's host and
    /// path (`/amp/s/example.com/page`).
    AmpViewer,
    /// The whole path is the site's host and path, without a scheme (`i0.wp.com/example.com/a.jpg`).
    HostAndPath,
    /// The whole path is a URL, with or without its scheme (`r.jina.ai/https://example.com/`).
    WholePath,
    /// In this query parameter, with or without a scheme, `ssl:` standing for HTTPS
    /// (`images.weserv.nl/?url=ssl:example.com/a.jpg`).
    ImageParameter(&'static str),
    /// In the path after a segment `http` or `https`, then the site's host and path
    /// (`translated.turbopages.org/proxy_u/en-ru.ru.<id>/https/example.com/page`); and in the
    /// subdomain, when there is one, written as Google Translate writes hosts.
    SchemeSegment,
}

/// What a proxy says it carries.
enum Target {
    /// A URL, to be canonicalized.
    Url(String),
    /// Something that is meant to be a carried address but cannot be read as one.
    Unreadable,
}

/// The site labels of the proxies' named hosts (every rule but [`HostRule::Any`]): a host with
/// another label is only tried against the proxies that run on any host.
static PROXY_SITES: LazyLock<SiteLabels> =
    LazyLock::new(|| SiteLabels::of(PROXIES.iter().map(|proxy| &proxy.hosts)));

/// Translation proxies, cache viewers, AMP caches, image proxies and web proxies, and where each
/// carries its URL.
const PROXIES: &[Proxy] = &[
    // Google Translate website proxy
    Proxy {
        hosts: HostRule::Any,
        paths: PathRule::Any,
        carrier: Carrier::TranslateGoogHost,
    },
    // Google Translate
    Proxy {
        hosts: HostRule::CountrySubdomain {
            subdomain: "translate",
            brand: "google",
        },
        paths: PathRule::Any,
        carrier: Carrier::Parameter("u"),
    },
    // Google Translate (older frame host)
    Proxy {
        hosts: HostRule::Hosts(&["translate.googleusercontent.com"]),
        paths: PathRule::Any,
        carrier: Carrier::Parameter("u"),
    },
    // Google cache
    Proxy {
        hosts: HostRule::Hosts(&["webcache.googleusercontent.com"]),
        paths: PathRule::Any,
        carrier: Carrier::GoogleCacheQuery,
    },
    // Wayback Machine
    Proxy {
        hosts: HostRule::Hosts(&["web.archive.org", "wayback.archive.org"]),
        paths: PathRule::Any,
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
        paths: PathRule::Any,
        carrier: Carrier::ArchiveTodayPath,
    },
    // Microsoft Translator website proxy
    Proxy {
        hosts: HostRule::Domains(&["microsofttranslator.com", "translatetheweb.com"]),
        paths: PathRule::Any,
        carrier: Carrier::Parameter("a"),
    },
    // Bing Translator
    Proxy {
        hosts: HostRule::Domains(&["bing.com"]),
        paths: PathRule::Prefix("/translator"),
        carrier: Carrier::Parameter("a"),
    },
    // Glype-based web proxies
    Proxy {
        hosts: HostRule::Any,
        paths: PathRule::Exact("/browse.php"),
        carrier: Carrier::Parameter("u"),
    },
    // AMP caches: Google's and Bing's
    Proxy {
        hosts: HostRule::Domains(&["cdn.ampproject.org", "bing-amp.com"]),
        paths: PathRule::Any,
        carrier: Carrier::AmpCache,
    },
    // Google's AMP viewer
    Proxy {
        hosts: HostRule::CountryDomains("google"),
        paths: PathRule::Prefix("/amp/"),
        carrier: Carrier::AmpViewer,
    },
    // Jetpack's image CDN (Photon)
    Proxy {
        hosts: HostRule::Hosts(&["i0.wp.com", "i1.wp.com", "i2.wp.com", "i3.wp.com"]),
        paths: PathRule::Any,
        carrier: Carrier::HostAndPath,
    },
    // wsrv.nl (images.weserv.nl) image proxy
    Proxy {
        hosts: HostRule::Domains(&["images.weserv.nl", "wsrv.nl"]),
        paths: PathRule::Any,
        carrier: Carrier::ImageParameter("url"),
    },
    // Yandex's website translation proxy
    Proxy {
        hosts: HostRule::Domains(&["translated.turbopages.org"]),
        paths: PathRule::Any,
        carrier: Carrier::SchemeSegment,
    },
    // Jina's reader proxy
    Proxy {
        hosts: HostRule::Hosts(&["r.jina.ai"]),
        paths: PathRule::Any,
        carrier: Carrier::WholePath,
    },
];

/// The URLs one reading of a proxy URL itself carries, one level deep, each with whether a known
/// proxy fetches it.
fn directly_carried(url: &Reading<'_>) -> Vec<(Target, bool)> {
    let mut carried = Vec::new();
    if url.host_kind == HostKind::Domain {
        let named_site = PROXY_SITES.may_cover(url.host);
        for proxy in PROXIES {
            let at_path = proxy.paths.matches(&url.path);
            let may_match = named_site || matches!(proxy.hosts, HostRule::Any);
            if at_path && may_match && proxy.hosts.matches(url.host) {
                carried.extend(
                    carried_by(proxy.carrier, url)
                        .into_iter()
                        .map(|t| (t, true)),
                );
            }
        }
    }
    // A generic target is a parameter value starting `http://` or `https://`, taken as written:
    // a query without `://` has none, and most URLs are spared the passes over their parameters.
    if url.query.as_deref().is_some_and(holds_scheme_separator) {
        for name in GENERIC_TARGET_PARAMETERS {
            for value in url.parameters(name).filter(|value| has_web_scheme(value)) {
                // Not a proxy by name: a value that does not read as a URL is no target.
                if parse_carried(&value).is_some() {
                    carried.push((Target::Url(value.into_owned()), false));
                }
            }
        }
    }
    carried
}

fn carried_by(carrier: Carrier, url: &Reading<'_>) -> Vec<Target> {
    let path = url.path.as_ref();
    let target = match carrier {
        // Every value of the parameter: servers differ on which of several they take (PHP takes
        // the last), so each is judged.
        Carrier::Parameter(name) => {
            return url
                .parameters(name)
                .filter(|value| !value.is_empty())
                .map(|value| Target::Url(value.into_owned()))
                .collect();
        }
        Carrier::TranslateGoogHost => translate_goog_target(url).map(Target::Url),
        Carrier::GoogleCacheQuery => {
            return url
                .parameters("q")
                .filter_map(|value| {
                    let value = value.strip_prefix("cache:")?;
                    Some(Target::Url(without_cache_decorations(value).to_owned()))
                })
                .collect();
        }
        Carrier::WaybackPath => path.strip_prefix("/web/").and_then(|rest| {
            let rest = match rest.split_once('/') {
                Some((segment, after)) if is_wayback_timestamp(segment) => after,
                _ => rest,
            };
            path_target(rest, url)
        }),
        Carrier::ArchiveTodayPath => {
            archive_today_target(path).and_then(|rest| path_target(rest, url))
        }
        Carrier::AmpCache => {
            return [
                amp_path_target(path, &AMP_CONTENT_TYPES, url),
                subdomain_target(url),
            ]
            .into_iter()
            .flatten()
            .collect();
        }
        Carrier::AmpViewer => amp_path_target(path, &["amp"], url),
        Carrier::HostAndPath => path_target(path.trim_start_matches('/'), url),
        Carrier::WholePath => path_target(path.trim_start_matches('/'), url),
        Carrier::ImageParameter(name) => {
            return url
                .parameters(name)
                .filter(|value| !value.is_empty())
                .map(|value| {
                    let (scheme, rest) = match value.strip_prefix("ssl:") {
                        Some(rest) => ("https://", rest),
                        None => ("", value.as_ref()),
                    };
                    Target::Url(format!("{scheme}{}", rest.trim_start_matches('/')))
                })
                .collect();
        }
        Carrier::SchemeSegment => {
            // Under `/proxy_u/` a page is translated; elsewhere the service's own pages are.
            let in_path = scheme_segment_target(path, url)
                .or_else(|| path.starts_with("/proxy_u/").then_some(Target::Unreadable));
            return in_path.into_iter().chain(subdomain_target(url)).collect();
        }
    };
    target.into_iter().collect()
}

/// The rest of an archive.today path after the part naming the snapshot, when it names a page.
fn archive_today_target(path: &str) -> Option<&str> {
    let (segment, rest) = path.strip_prefix('/')?.split_once('/')?;
    match segment {
        // `/o/<id>/<url>`: an original-page view of snapshot <id>.
        "o" => Some(rest.split_once('/')?.1),
        "newest" | "oldest" | "latest" => Some(rest),
        _ if segment.starts_with(|c: char| c.is_ascii_digit()) => Some(rest),
        _ => None,
    }
}

/// `/<prefix>/[s/]<host>/<path>` for a prefix of `prefixes`: the site's URL, HTTPS when `s/`
/// is there; unreadable when the prefix is followed by no host. `None` for another path.
fn amp_path_target(path: &str, prefixes: &[&str], url: &Reading<'_>) -> Option<Target> {
    let (prefix, rest) = path.strip_prefix('/')?.split_once('/')?;
    if !prefixes.contains(&prefix) {
        return None;
    }
    let (scheme, rest) = match rest.strip_prefix("s/") {
        Some(rest) => ("https://", rest),
        None => ("http://", rest),
    };
    Some(match path_target(rest, url) {
        Some(Target::Url(target)) => Target::Url(format!("{scheme}{target}")),
        _ => Target::Unreadable,
    })
}

/// The site's URL after a path segment `http` or `https`, as Yandex's translation proxy writes
/// it; `None` when no such segment is followed by a host.
fn scheme_segment_target(path: &str, url: &Reading<'_>) -> Option<Target> {
    let mut segments = path.split('/');
    while let Some(segment) = segments.next() {
        if matches!(segment, "http" | "https") {
            let rest: Vec<&str> = segments.collect();
            let Some(Target::Url(target)) = path_target(&rest.join("/"), url) else {
                return None;
            };
            return Some(Target::Url(format!("{segment}://{target}")));
        }
    }
    None
}

/// A subdomain of a proxy's host decoded as Google Translate writes hosts (`www-example-com`
/// for `www.example.com`), when the proxy's host has one.
fn subdomain_target(url: &Reading<'_>) -> Option<Target> {
    let (subdomain, _) = url.host.split_once('.')?;
    let known = PROXIES.iter().any(|proxy| match proxy.hosts {
        HostRule::Domains(domains) | HostRule::Hosts(domains) => domains.contains(&url.host),
        _ => false,
    });
    if known || subdomain.is_empty() {
        return None;
    }
    Some(Target::Url(format!("https://{}/", dashed_host(subdomain))))
}

/// A URL written in a proxy's path (the canonical path has collapsed `https://` to `https:/`,
/// which the parser reads the same), with the proxy URL's query belonging to it. `None` for
/// nothing at all; unreadable is left to the caller, who parses it.
fn path_target(rest: &str, url: &Reading<'_>) -> Option<Target> {
    if rest.is_empty() {
        return None;
    }
    Some(Target::Url(match url.query.as_deref() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    }))
}

/// `www-example-com` → `www.example.com`, `my--site-example` → `my-site.example`.
fn dashed_host(encoded: &str) -> String {
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
    host
}

/// Decodes a `*.translate.goog` host back into the site's URL.
fn translate_goog_target(url: &Reading<'_>) -> Option<String> {
    let encoded = url.host.strip_suffix(TRANSLATE_GOOG_SUFFIX)?;
    if encoded.is_empty() || encoded.contains('.') {
        return None;
    }
    let host = dashed_host(encoded);
    let scheme = match url.parameters("_x_tr_sch").next().as_deref() {
        Some("http") => "http",
        _ => "https",
    };
    let query: Vec<&str> = url
        .query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with(TRANSLATE_GOOG_PARAMETER_PREFIX))
        .collect();
    let mut target = format!("{scheme}://{host}{}", url.path);
    if !query.is_empty() {
        target.push('?');
        target.push_str(&query.join("&"));
    }
    Some(target)
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
        let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
        carried_urls(&url, Some(raw.as_bytes()))
            .urls
            .iter()
            .map(|carried| carried.url.to_string())
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
