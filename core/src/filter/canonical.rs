//! URL canonicalization: find the parts as a browser does, then apply the published Safe
//! Browsing (Web Risk) rules to each part.
//!
//! A block list entry and a URL the child's browser loads only meet if both are written the same
//! way, and the filter only protects if it judges the host the browser will connect to.
//! [`CanonicalUrl::parse`] takes whatever bytes a page or a person produced and works in this
//! order:
//!
//! 1. **Read the input as a browser does** (the WHATWG URL Standard, which Chromium, Android
//!    WebView and WebKit follow): strip every C0 control and space at both ends, remove tabs and
//!    line breaks anywhere, drop the fragment at the first `#`.
//! 2. **Find the parts on the raw text**, before any decoding: the scheme; for web schemes any
//!    run of `/` and `\` after it; the authority up to the first `/`, `\` or `?`; the host after
//!    the authority's *last* `@` and before its port; the path up to the first `?`; the query.
//!    An escaped delimiter (`%2F`, `%3F`, `%5C`, `%40`, `%23`, or any of them escaped twice)
//!    stays inside the part it was written in: `http://fine.example%2F@denied.example/` names
//!    `denied.example`, as every browser loads it.
//! 3. **Canonicalize each part by the Safe Browsing rules**: the host unescaped repeatedly and
//!    normalised (see [`super::host`]: dots, IPv4 in every legal form, case, IDN to punycode);
//!    the path unescaped repeatedly, its `.` and `..` segments resolved and runs of slashes
//!    collapsed; the query unescaped repeatedly. Each is re-escaped for the part it is in, so
//!    that a `?` decoded inside a path or a `/` decoded inside a host cannot move a boundary when
//!    the canonical URL is read again (canonicalizing a canonical URL changes nothing).
//!
//! Where the two standards differ, the browser's reading wins, because a filter that reads a URL
//! differently from the browser can be walked around: a backslash ends the host as a slash does
//! (`http://evil.com\@good.com/` goes to evil.com), and `http:example.com` is a web address as
//! it is in the address bar. The Safe Browsing rules still decide what the browser leaves open:
//! a host such as `host%23.com`, which a browser refuses to load at all, keeps its published
//! canonical form `host%23.com` (so the 33 published vectors hold), and a trailing dot or an
//! empty label is dropped where the URL Standard keeps it (`example.com.` is `example.com`). The
//! test `core/tests/url_standard_oracle.rs` holds this against the `url` crate, an independent
//! implementation of the URL Standard.
//!
//! Most URLs need none of the rewriting: no control, no escape, an ASCII host already in place.
//! [`CanonicalUrl::from_plain`] and [`CanonicalStr::in_place`] take those where they lie in one
//! pass; the proptests check that they give exactly what the general path gives.

use std::borrow::Cow;
use std::fmt;

use super::escape::{UrlPart, escape_into, unescape_fully};
use super::host::{HostKind, push_canonical_host};
use super::url_error::UrlError;

/// The longest URL accepted, in bytes: 2 MiB, the limit browsers apply to the URLs they load.
/// A longer input is refused rather than truncated, so the caller decides (the filter blocks it).
pub const MAX_URL_BYTES: usize = 2 * 1024 * 1024;

/// The scheme of a URL written without one (`example.com/page`).
const DEFAULT_SCHEME: &str = "http";

/// Schemes whose URLs name a host whatever the slashes after the colon (`http:example.com`,
/// `https:\\example.com`), as browsers treat them.
const SPECIAL_SCHEMES: [&str; 5] = ["http", "https", "ws", "wss", "ftp"];

/// A URL in canonical form: `scheme://host/path[?query]`, printable ASCII only.
///
/// Equal canonical URLs name the same resource for the purpose of list lookups, and
/// canonicalizing a canonical URL again changes nothing.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CanonicalUrl {
    serialized: String,
    parts: Parts,
}

impl CanonicalUrl {
    /// Canonicalizes `raw`, which may be any bytes: URLs arrive from pages in any encoding and
    /// with any junk a bypass attempt puts in them.
    pub fn parse(raw: &[u8]) -> Result<Self, UrlError> {
        Self::parse_scanned(raw, PlainScan::of(raw).as_ref())
    }

    /// [`Self::parse`], with `scan` what [`PlainScan::of`] found of `raw` (a caller that has
    /// already scanned it does not scan again).
    pub(crate) fn parse_scanned(raw: &[u8], scan: Option<&PlainScan>) -> Result<Self, UrlError> {
        if raw.len() > MAX_URL_BYTES {
            return Err(UrlError::TooLong {
                limit: MAX_URL_BYTES,
            });
        }
        if let Some(plain) = scan.and_then(|scan| Self::from_plain(raw, scan)) {
            return Ok(plain);
        }
        let input = as_browser_reads(raw);
        // The parts are found on the input as it is, as a browser finds them; only then is each
        // part unescaped, so that no escape (`%2F`, `%3F`, `%40`, `%23`, `%5C`) moves a boundary.
        let WrittenParts {
            scheme,
            host,
            path,
            query,
        } = WrittenParts::split(&input)?;

        let mut serialized = String::with_capacity(input.len() + 16);
        match scheme {
            // The scheme is checked to be ASCII letters, digits, `+`, `-` and `.`.
            Some(scheme) => serialized.extend(
                scheme
                    .iter()
                    .map(|&byte| char::from(byte.to_ascii_lowercase())),
            ),
            None => serialized.push_str(DEFAULT_SCHEME),
        }
        serialized.push_str("://");
        let host_start = serialized.len();
        let host_kind = push_canonical_host(&unescape_fully(host), &mut serialized)?;
        let host_end = serialized.len();
        push_resolved_path(&unescape_fully(path), &mut serialized);
        let path_end = serialized.len();
        if let Some(query) = query {
            serialized.push('?');
            escape_into(&unescape_fully(query), UrlPart::Query, &mut serialized);
        }
        Ok(Self {
            serialized,
            parts: Parts {
                host_start,
                host_end,
                path_end,
                host_kind,
            },
        })
    }

    /// The fast path for a URL that is already written as its canonical form, but for the case
    /// of its scheme and host, a missing `/` before the query and a fragment: the form nearly
    /// every URL a page loads is in. One pass over the bytes checks that no step of the general
    /// path would change them, then they are copied once. `None` sends the URL down the general
    /// path, which gives the same result for every URL this accepts (the proptests compare the
    /// two). `scan` is what [`PlainScan::of`] found of `raw`.
    ///
    /// Accepted: a web scheme (`http`, `https`, `ws`, `wss`, any case) and exactly `://`; a
    /// host of printable ASCII without userinfo, port, brackets, stray dots or a numeric last
    /// label (an IPv4 form); a path without empty, `.` or `..` segments; nothing that would be
    /// unescaped or escaped (`%`, controls, space, non-ASCII) and no backslash (a browser reads
    /// it as `/`) before the query.
    fn from_plain(raw: &[u8], scan: &PlainScan) -> Option<Self> {
        // The canonical URL is the input up to its fragment, with the scheme and host in
        // lowercase and a `/` for an empty path.
        let no_path = scan.path_end == scan.host_end;
        let mut serialized = Vec::with_capacity(scan.end + usize::from(no_path));
        serialized.extend_from_slice(&raw[..scan.host_end]);
        if !scan.scheme_is_lowercase {
            serialized[..scan.colon].make_ascii_lowercase();
        }
        if scan.host_has_uppercase {
            serialized[scan.host_start..].make_ascii_lowercase();
        }
        if no_path {
            serialized.push(b'/');
        }
        serialized.extend_from_slice(&raw[scan.host_end..scan.end]);
        // Every byte was checked to be printable ASCII.
        let serialized = String::from_utf8(serialized).ok()?;
        Some(Self {
            serialized,
            parts: Parts {
                host_start: scan.host_start,
                host_end: scan.host_end,
                path_end: scan.path_end + usize::from(no_path),
                host_kind: HostKind::Domain,
            },
        })
    }

    /// The URL borrowed, for code that serves canonical URLs and text already in canonical form
    /// alike.
    #[inline]
    pub(crate) fn borrowed(&self) -> CanonicalStr<'_> {
        CanonicalStr {
            serialized: &self.serialized,
            parts: self.parts,
        }
    }

    /// The whole canonical URL.
    pub fn as_str(&self) -> &str {
        &self.serialized
    }

    /// The scheme, lowercase (`http` when the input had none).
    pub fn scheme(&self) -> &str {
        self.borrowed().scheme()
    }

    /// The canonical host: a lowercase domain, dotted-decimal IPv4, or a bracketed IPv6 address.
    #[inline]
    pub fn host(&self) -> &str {
        self.borrowed().host()
    }

    /// Whether the host is a domain name or an IP address.
    #[inline]
    pub fn host_kind(&self) -> HostKind {
        self.parts.host_kind
    }

    /// The resolved path; always starts with `/`.
    #[inline]
    pub fn path(&self) -> &str {
        self.borrowed().path()
    }

    /// The query without its `?`, if the URL had one (possibly empty).
    #[inline]
    pub fn query(&self) -> Option<&str> {
        self.borrowed().query()
    }
}

/// Where the parts of a canonical URL lie in its text.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Parts {
    /// Byte offsets into the text.
    host_start: usize,
    host_end: usize,
    path_end: usize,
    host_kind: HostKind,
}

/// A canonical URL borrowed: from a [`CanonicalUrl`], or from text that is already a canonical
/// URL as it stands (see [`Self::in_place`]). The decision works on this form, so the URLs a
/// page loads, nearly all written canonically, are judged without being copied.
#[derive(Clone, Copy)]
pub(crate) struct CanonicalStr<'a> {
    serialized: &'a str,
    parts: Parts,
}

impl<'a> CanonicalStr<'a> {
    /// `raw` up to its fragment, when that is already a canonical URL byte for byte: what
    /// [`CanonicalUrl::parse`] would return, without the copy. `scan` is what [`PlainScan::of`]
    /// found of `raw`. `None` for anything else, which then needs `parse`: an uppercase letter
    /// in the scheme or host, no `/` before the query, or any of the forms the fast path of
    /// `parse` leaves to the general one.
    pub(crate) fn in_place(raw: &'a [u8], scan: &PlainScan) -> Option<Self> {
        if !scan.is_in_place() {
            return None;
        }
        // Every byte was checked to be printable ASCII.
        let serialized = std::str::from_utf8(raw.get(..scan.end)?).ok()?;
        Some(Self::from_scan(serialized, scan))
    }

    /// [`Self::in_place`] for text, which needs no check that it is UTF-8.
    pub(crate) fn in_place_text(raw: &'a str, scan: &PlainScan) -> Option<Self> {
        if !scan.is_in_place() {
            return None;
        }
        Some(Self::from_scan(raw.get(..scan.end)?, scan))
    }

    /// The URL `serialized`, which `scan` found already canonical.
    fn from_scan(serialized: &'a str, scan: &PlainScan) -> Self {
        Self {
            serialized,
            parts: Parts {
                host_start: scan.host_start,
                host_end: scan.host_end,
                path_end: scan.path_end,
                host_kind: HostKind::Domain,
            },
        }
    }

    /// The scheme, lowercase.
    pub(crate) fn scheme(&self) -> &'a str {
        &self.serialized[..self.parts.host_start - "://".len()]
    }

    /// The canonical host.
    #[inline]
    pub(crate) fn host(&self) -> &'a str {
        &self.serialized[self.parts.host_start..self.parts.host_end]
    }

    /// Whether the host is a domain name or an IP address.
    #[inline]
    pub(crate) fn host_kind(&self) -> HostKind {
        self.parts.host_kind
    }

    /// The resolved path; always starts with `/`.
    #[inline]
    pub(crate) fn path(&self) -> &'a str {
        &self.serialized[self.parts.host_end..self.parts.path_end]
    }

    /// The query without its `?`, if the URL had one (possibly empty).
    #[inline]
    pub(crate) fn query(&self) -> Option<&'a str> {
        self.serialized.get(self.parts.path_end + 1..)
    }

    /// The path followed by `?query` when there is a query.
    pub(crate) fn path_and_query(&self) -> &'a str {
        &self.serialized[self.parts.host_end..]
    }

    /// The URL as an owned [`CanonicalUrl`] (a copy of its text).
    pub(crate) fn to_owned_url(self) -> CanonicalUrl {
        CanonicalUrl {
            serialized: self.serialized.to_owned(),
            parts: self.parts,
        }
    }
}

impl fmt::Display for CanonicalUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.serialized)
    }
}

impl fmt::Debug for CanonicalUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A URL is browsing history: debug output names only what kind of thing this is, so a
        // stray `{:?}` in a log line cannot leak it.
        f.debug_struct("CanonicalUrl")
            .field("host_kind", &self.parts.host_kind)
            .finish_non_exhaustive()
    }
}

impl AsRef<str> for CanonicalUrl {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Whether `scheme` (lowercase) is loaded over the network and so can be checked: a scheme of
/// the web, whose URLs always name a host. These are the only ones [`CanonicalUrl::from_plain`]
/// takes. A match rather than a table, as it runs for every URL.
pub(crate) fn is_web_scheme(scheme: &[u8]) -> bool {
    matches!(scheme, b"http" | b"https" | b"ws" | b"wss")
}
/// The length of the longest scheme [`is_web_scheme`] takes.
const LONGEST_WEB_SCHEME: usize = 5;

/// Where the parts of a URL lie that the fast path of [`CanonicalUrl::parse`] takes (see
/// [`CanonicalUrl::from_plain`]), and what it must lowercase.
pub(crate) struct PlainScan {
    /// The colon after the scheme.
    colon: usize,
    scheme_is_lowercase: bool,
    host_start: usize,
    host_end: usize,
    host_has_uppercase: bool,
    /// The end of the path (`host_end` when there is none).
    path_end: usize,
    /// The end of the query, where the fragment or the input ends.
    end: usize,
}

impl PlainScan {
    /// Whether the URL is canonical as it stands up to its fragment: its scheme and host are
    /// lowercase and its path is not empty.
    fn is_in_place(&self) -> bool {
        self.scheme_is_lowercase && !self.host_has_uppercase && self.path_end > self.host_end
    }

    /// One pass over `raw`: `None` unless every step of the general path would leave it as it
    /// is, but for the case of its scheme and host, a `/` for an empty path and the fragment.
    /// Also `None` for input over [`MAX_URL_BYTES`], which `parse` refuses whatever its form.
    pub(crate) fn of(raw: &[u8]) -> Option<Self> {
        if raw.len() > MAX_URL_BYTES {
            return None;
        }
        let (colon, scheme_is_lowercase) = match raw {
            // Nearly every URL a page loads is one of these two.
            [b'h', b't', b't', b'p', b's', b':', ..] => (5, true),
            [b'h', b't', b't', b'p', b':', ..] => (4, true),
            _ => {
                let colon = raw
                    .iter()
                    .take(LONGEST_WEB_SCHEME + 1)
                    .position(|&byte| byte == b':')?;
                let scheme = &raw[..colon];
                // Only a scheme not spelled in lowercase needs folding.
                let lowercase = is_web_scheme(scheme);
                if !lowercase && !is_web_scheme(&scheme.to_ascii_lowercase()) {
                    return None;
                }
                (colon, lowercase)
            }
        };
        let host_start = colon + "://".len();
        if raw.get(colon..host_start) != Some(b"://") {
            return None;
        }
        let (host_len, host_has_uppercase) = plain_domain_len(&raw[host_start..])?;
        let host_end = host_start + host_len;
        let path_end = host_end + resolved_path_len(&raw[host_end..])?;
        let end = path_end + plain_query_len(&raw[path_end..])?;
        Some(Self {
            colon,
            scheme_is_lowercase,
            host_start,
            host_end,
            host_has_uppercase,
            path_end,
            end,
        })
    }
}

/// What a byte is to [`CanonicalUrl::from_plain`]. Most bytes of a URL are ordinary to the part
/// they are in; the classes are ordered so that each part's scan passes over its ordinary bytes
/// with one table lookup and one comparison each.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Plain {
    /// Printable ASCII with no meaning to the scans below: what a host's scan passes over.
    Ordinary,
    /// `A` to `Z`: ordinary, but a host that has one must be lowercased.
    Uppercase,
    Dot,
    /// `@`, `:`, `[` and `]`: userinfo, a port or an IP literal in a host, ordinary in a path.
    /// The last class a path's scan passes over.
    HostMark,
    Slash,
    Question,
    Hash,
    /// `\\`: a path separator to a browser, ordinary in a query.
    Backslash,
    /// Controls, space, `%`, DEL and non-ASCII: the general path must escape or unescape them.
    Escaped,
}

/// [`Plain`] of every byte.
static PLAIN_BYTES: [Plain; 256] = {
    let mut table = [Plain::Escaped; 256];
    let mut byte = 0x21;
    while byte <= 0x7E {
        table[byte] = match byte as u8 {
            b'.' => Plain::Dot,
            b'/' => Plain::Slash,
            b'?' => Plain::Question,
            b'#' => Plain::Hash,
            b'@' | b':' | b'[' | b']' => Plain::HostMark,
            b'\\' => Plain::Backslash,
            b'%' => Plain::Escaped,
            b'A'..=b'Z' => Plain::Uppercase,
            _ => Plain::Ordinary,
        };
        byte += 1;
    }
    table
};

#[inline]
fn plain(byte: u8) -> Plain {
    PLAIN_BYTES[usize::from(byte)]
}

/// The length of the plain domain `after_slashes` starts with, ending at `/`, `?`, `#` or the
/// end, and whether it has an uppercase letter; `None` unless the general path would only
/// lowercase it: printable ASCII without `%`, `\`, userinfo, port or brackets, no leading,
/// trailing or doubled dot, and a last label that does not start with a digit, so that no IPv4
/// form can hide in it.
fn plain_domain_len(after_slashes: &[u8]) -> Option<(usize, bool)> {
    let mut previous_dot = true;
    let mut last_label = 0;
    let mut uppercase = false;
    let mut index = 0;
    let len = loop {
        let letters = ordinary_run(&after_slashes[index..], Plain::Ordinary);
        if letters > 0 {
            previous_dot = false;
            index += letters;
        }
        match after_slashes.get(index).map(|&byte| plain(byte)) {
            None | Some(Plain::Slash | Plain::Question | Plain::Hash) => break index,
            Some(Plain::Uppercase) => {
                uppercase = true;
                previous_dot = false;
                index += 1;
            }
            Some(Plain::Dot) if !previous_dot => {
                previous_dot = true;
                index += 1;
                last_label = index;
            }
            Some(_) => return None,
        }
    };
    let numeric = after_slashes
        .get(last_label)
        .is_some_and(u8::is_ascii_digit);
    (len > 0 && !previous_dot && !numeric).then_some((len, uppercase))
}

/// The length of the resolved path `after_host` starts with (possibly empty), ending at `?`,
/// `#` or the end; `None` unless the general path would leave it as it is: printable ASCII
/// without `%` or `\\`, and no empty segment but the last, and no `.` or `..` segment.
fn resolved_path_len(after_host: &[u8]) -> Option<usize> {
    if after_host.first() != Some(&b'/') {
        return Some(0);
    }
    let is_dot_segment = |segment: &[u8]| segment == b"." || segment == b"..";
    let mut segment_start = 1;
    let mut index = 1;
    let len = loop {
        index += ordinary_run(&after_host[index..], Plain::HostMark);
        match after_host.get(index).map(|&byte| plain(byte)) {
            None | Some(Plain::Question | Plain::Hash) => break index,
            Some(Plain::Slash) => {
                let segment = &after_host[segment_start..index];
                if segment.is_empty() || is_dot_segment(segment) {
                    return None;
                }
                index += 1;
                segment_start = index;
            }
            Some(_) => return None,
        }
    };
    (!is_dot_segment(&after_host[segment_start..len])).then_some(len)
}

/// How many bytes `bytes` starts with whose class is at most `last`.
#[inline]
fn ordinary_run(bytes: &[u8], last: Plain) -> usize {
    bytes
        .iter()
        .position(|&byte| plain(byte) > last)
        .unwrap_or(bytes.len())
}

/// The length of the query `after_path` starts with (its `?` included; 0 without one), ending
/// at `#` or the end; `None` if the query has a byte the general path would escape or unescape.
fn plain_query_len(after_path: &[u8]) -> Option<usize> {
    if after_path.first() != Some(&b'?') {
        return Some(0);
    }
    for (index, &byte) in after_path.iter().enumerate() {
        match plain(byte) {
            Plain::Hash => return Some(index),
            Plain::Escaped => return None,
            _ => {}
        }
    }
    Some(after_path.len())
}

/// The parts of a URL as written, found the way a browser finds them and before anything is
/// unescaped: step 2 of the module documentation. Proxies read a carried URL from these, as the
/// proxy's server does, besides reading it from the canonical URL.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WrittenParts<'a> {
    /// The scheme as written (ASCII letters, digits, `+`, `-` and `.`); `None` when there is
    /// none and [`DEFAULT_SCHEME`] applies.
    pub(crate) scheme: Option<&'a [u8]>,
    /// The host: after the authority's last `@`, before its port.
    pub(crate) host: &'a [u8],
    /// Everything from the end of the authority to the query (possibly empty).
    pub(crate) path: &'a [u8],
    /// The query without its `?`, if there is one.
    pub(crate) query: Option<&'a [u8]>,
}

impl<'a> WrittenParts<'a> {
    /// Splits `input`, which is a URL [`as_browser_reads`] gave back; the fragment is dropped.
    pub(crate) fn split(input: &'a [u8]) -> Result<Self, UrlError> {
        if input.is_empty() {
            return Err(UrlError::Empty);
        }
        let before_fragment = match input.iter().position(|&byte| byte == b'#') {
            Some(hash) => &input[..hash],
            None => input,
        };
        let (scheme, rest) = split_scheme(before_fragment)?;
        let authority_end = rest
            .iter()
            .position(|&byte| matches!(byte, b'/' | b'\\' | b'?'))
            .unwrap_or(rest.len());
        let (authority, after_authority) = rest.split_at(authority_end);
        let (path, query) = match after_authority.iter().position(|&byte| byte == b'?') {
            Some(mark) => (&after_authority[..mark], Some(&after_authority[mark + 1..])),
            None => (after_authority, None),
        };
        Ok(Self {
            scheme,
            host: host_of(authority)?,
            path,
            query,
        })
    }
}

/// `raw` as a browser reads it before anything else: every C0 control and space stripped from
/// both ends (not only whitespace: `"\x01http://host/"` loads `http://host/`), and every tab,
/// carriage return and line feed removed wherever it is. Borrowed when nothing changes.
pub(crate) fn as_browser_reads(raw: &[u8]) -> Cow<'_, [u8]> {
    let is_control_or_space = |byte: &u8| *byte <= b' ';
    let start = raw
        .iter()
        .position(|byte| !is_control_or_space(byte))
        .unwrap_or(raw.len());
    let end = raw
        .iter()
        .rposition(|byte| !is_control_or_space(byte))
        .map_or(start, |last| last + 1);
    let trimmed = &raw[start..end];
    let is_break = |byte: &u8| matches!(byte, b'\t' | b'\r' | b'\n');
    if trimmed.iter().any(is_break) {
        Cow::Owned(
            trimmed
                .iter()
                .copied()
                .filter(|byte| !is_break(byte))
                .collect(),
        )
    } else {
        Cow::Borrowed(trimmed)
    }
}

/// Splits off the scheme and the slashes after it. Returns the scheme as written (ASCII letters,
/// digits, `+`, `-` and `.`; `None` when there is none and [`DEFAULT_SCHEME`] applies) and the
/// bytes from the authority on.
fn split_scheme(url: &[u8]) -> Result<(Option<&[u8]>, &[u8]), UrlError> {
    let no_scheme = Ok((None, url));
    let Some(colon) = url.iter().position(|&byte| byte == b':') else {
        return no_scheme;
    };
    let (candidate, after_colon) = (&url[..colon], &url[colon + 1..]);
    let is_scheme = candidate.first().is_some_and(u8::is_ascii_alphabetic)
        && candidate
            .iter()
            .all(|&byte| byte.is_ascii_alphanumeric() || b"+-.".contains(&byte));
    if !is_scheme {
        return no_scheme;
    }
    let is_slash = |byte: &u8| matches!(byte, b'/' | b'\\');
    let is_special = SPECIAL_SCHEMES
        .iter()
        .any(|special| special.as_bytes().eq_ignore_ascii_case(candidate));
    if is_special {
        let slashes = after_colon.iter().take_while(|byte| is_slash(byte)).count();
        return Ok((Some(candidate), &after_colon[slashes..]));
    }
    if let Some(rest) = after_colon.strip_prefix(b"//") {
        return Ok((Some(candidate), rest));
    }
    // `example.com:8080/page` and `localhost:3000` have no scheme: what follows the colon is a
    // port. Anything else (`javascript:...`, `data:...`) is a scheme without an address.
    if after_colon.first().is_none_or(u8::is_ascii_digit) {
        return no_scheme;
    }
    Err(UrlError::NoNetworkAddress)
}

/// The host inside an authority: after the last `@` (userinfo is dropped, so
/// `http://good.com@bad.com/` names bad.com) and before the port.
fn host_of(authority: &[u8]) -> Result<&[u8], UrlError> {
    let host_and_port = match authority.iter().rposition(|&byte| byte == b'@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    if host_and_port.starts_with(b"[") {
        let close = host_and_port
            .iter()
            .position(|&byte| byte == b']')
            .ok_or(UrlError::MalformedIpLiteral)?;
        let (literal, after) = host_and_port.split_at(close + 1);
        if !(after.is_empty() || after.starts_with(b":")) {
            return Err(UrlError::MalformedIpLiteral);
        }
        return Ok(literal);
    }
    let port_start = host_and_port.iter().position(|&byte| byte == b':');
    Ok(&host_and_port[..port_start.unwrap_or(host_and_port.len())])
}

/// Appends the path with `.` and `..` segments resolved and runs of slashes collapsed; an empty
/// path becomes `/`. A backslash separates segments as a slash does.
///
/// The resolved segments are written straight into `out`, which always ends in `/` followed by
/// them joined with `/`; a `..` cuts the last one off again. An escaped segment holds no `/`, so
/// the last `/` written is where the last segment starts.
fn push_resolved_path(path: &[u8], out: &mut String) {
    let start = out.len();
    out.push('/');
    let mut segments = 0usize;
    let mut ends_in_directory = true;
    for segment in path.split(|&byte| matches!(byte, b'/' | b'\\')) {
        match segment {
            b"" | b"." => ends_in_directory = true,
            b".." => {
                segments = segments.saturating_sub(1);
                let kept = match out[start..].rfind('/') {
                    // The first segment follows the leading slash, which stays.
                    Some(slash) if segments > 0 => slash,
                    _ => 1,
                };
                out.truncate(start + kept);
                ends_in_directory = true;
            }
            name => {
                if segments > 0 {
                    out.push('/');
                }
                escape_into(name, UrlPart::PathSegment, out);
                segments += 1;
                ends_in_directory = false;
            }
        }
    }
    if ends_in_directory && segments > 0 {
        out.push('/');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Everything a canonical URL holds, in a form that prints (its `Debug` hides the URL).
    fn parts(
        result: Result<CanonicalUrl, UrlError>,
    ) -> Result<(String, usize, usize, usize, HostKind), UrlError> {
        result.map(|url| {
            (
                url.serialized,
                url.parts.host_start,
                url.parts.host_end,
                url.parts.path_end,
                url.parts.host_kind,
            )
        })
    }

    /// URL-shaped bytes made of the pieces each step of canonicalization reacts to, with
    /// arbitrary bytes mixed in.
    fn url_like() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(b"http://".to_vec()),
            Just(b"HTTPS:\\\\".to_vec()),
            Just(b"Ftp:".to_vec()),
            Just(b"wS://".to_vec()),
            Just(b"x-y+z.1://".to_vec()),
            Just(b"javascript:".to_vec()),
            Just(b"user:pw@".to_vec()),
            Just(b"@".to_vec()),
            Just(b"www.".to_vec()),
            Just(b"ExAmple".to_vec()),
            Just(b".COM".to_vec()),
            Just(b".".to_vec()),
            Just(b"..".to_vec()),
            Just(b"0x7F".to_vec()),
            Just(b"0X1".to_vec()),
            Just(b"017".to_vec()),
            Just(b"4294967295".to_vec()),
            Just(b"[::ffff:1.2.3.4]".to_vec()),
            Just(b"[2001:DB8::1]".to_vec()),
            Just(b"[".to_vec()),
            Just(b":8080".to_vec()),
            Just(b":".to_vec()),
            Just(b"/".to_vec()),
            Just(b"\\".to_vec()),
            Just(b"/./".to_vec()),
            Just(b"/../".to_vec()),
            Just(b"..".to_vec()),
            Just(b"//".to_vec()),
            Just(b"%25".to_vec()),
            Just(b"%2".to_vec()),
            Just(b"%2e".to_vec()),
            Just(b"%2E%2e".to_vec()),
            Just(b"%2F".to_vec()),
            Just(b"%5C".to_vec()),
            Just(b"%23".to_vec()),
            Just(b"%3F".to_vec()),
            Just(b"%40".to_vec()),
            Just(b"%41".to_vec()),
            Just(b"%00".to_vec()),
            Just(b"%C3%BC".to_vec()),
            Just(b"?".to_vec()),
            Just(b"&q=".to_vec()),
            Just(b"#".to_vec()),
            Just("bü".as_bytes().to_vec()),
            Just("Ｅ。".as_bytes().to_vec()),
            Just(b"\t".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b" ".to_vec()),
            proptest::collection::vec(any::<u8>(), 1..4),
        ];
        proptest::collection::vec(piece, 0..16).prop_map(|pieces| pieces.concat())
    }

    /// URLs close to the plain form the fast path takes, with the near misses it must turn
    /// down: numeric labels, dots, ports, userinfo, dot segments, empty segments, escapes.
    fn near_plain() -> impl Strategy<Value = Vec<u8>> {
        let scheme = prop_oneof![
            Just("http://"),
            Just("HTTPS://"),
            Just("wss://"),
            Just("ftp://"),
            Just("http:/"),
            Just("http:///"),
        ];
        let label = prop_oneof![
            "[a-zA-Z][a-zA-Z0-9_!*-]{0,6}",
            "[0-9]{1,3}",
            "0x[0-9a-f]{1,2}",
            Just(String::new()),
        ];
        let host = proptest::collection::vec(label, 1..5).prop_map(|labels| labels.join("."));
        let extra = prop_oneof![Just(""), Just(":8080"), Just("."), Just("@x.example"),];
        let segment = prop_oneof![
            "[a-zA-Z0-9._~!$&'()*+,;=:@-]{1,8}",
            Just(".".to_owned()),
            Just("..".to_owned()),
            Just(String::new()),
            Just("%2e".to_owned()),
        ];
        let path = proptest::collection::vec(segment, 0..5)
            .prop_map(|segments| segments.iter().map(|s| format!("/{s}")).collect::<String>());
        let tail = prop_oneof![
            Just(""),
            Just("?"),
            Just("?q=a/b/../c&x=1"),
            Just("?a=1#frag"),
            Just("#top"),
            Just("# \t%zz"),
            Just(" "),
        ];
        (scheme, host, extra, path, tail).prop_map(|(scheme, host, extra, path, tail)| {
            format!("{scheme}{host}{extra}{path}{tail}").into_bytes()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// The fast path for URLs already in plain form gives what the general path gives.
        #[test]
        fn the_plain_fast_path_matches_the_general_path(raw in near_plain()) {
            prop_assert_eq!(parts(CanonicalUrl::parse(&raw)), parts(parse_general(&raw)));
        }

        /// A URL taken where it lies is exactly the one the general path writes.
        #[test]
        fn a_url_taken_in_place_is_its_canonical_form(raw in near_plain()) {
            if let Some(url) = in_place(&raw) {
                prop_assert_eq!(
                    Ok(parts(Ok(url.to_owned_url()))),
                    parse_general(&raw).map(|url| parts(Ok(url)))
                );
            }
        }

        /// Canonicalizing a canonical URL changes nothing, and the parts found again are the
        /// same: no escape written into one part can move a boundary on the second reading.
        #[test]
        fn a_canonical_url_is_a_fixed_point(raw in url_like()) {
            if let Ok(url) = CanonicalUrl::parse(&raw) {
                let again = CanonicalUrl::parse(url.as_str().as_bytes());
                prop_assert_eq!(parts(again), parts(Ok(url)));
            }
        }

        #[test]
        fn a_canonical_url_of_any_bytes_is_a_fixed_point(
            raw in proptest::collection::vec(any::<u8>(), 0..64)
        ) {
            if let Ok(url) = CanonicalUrl::parse(&raw) {
                let again = CanonicalUrl::parse(url.as_str().as_bytes());
                prop_assert_eq!(parts(again), parts(Ok(url)));
            }
        }
    }

    /// The general path alone, which every input could take.
    fn parse_general(raw: &[u8]) -> Result<CanonicalUrl, UrlError> {
        CanonicalUrl::parse_scanned(raw, None)
    }

    /// The fast path alone.
    fn parse_plain(raw: &[u8]) -> Option<CanonicalUrl> {
        CanonicalUrl::from_plain(raw, &PlainScan::of(raw)?)
    }

    fn in_place(raw: &[u8]) -> Option<CanonicalStr<'_>> {
        CanonicalStr::in_place(raw, &PlainScan::of(raw)?)
    }

    fn in_place_text(raw: &str) -> Option<CanonicalStr<'_>> {
        CanonicalStr::in_place_text(raw, &PlainScan::of(raw.as_bytes())?)
    }

    fn canonical(raw: &str) -> String {
        CanonicalUrl::parse(raw.as_bytes())
            .map(|url| url.to_string())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn everyday_urls_take_the_plain_fast_path() {
        for raw in [
            "https://www.example.com/",
            "https://WWW.Example.com/a/b.html?x=1&y=/z#top",
            "http://example.com?q=1",
            "wss://chat.example.org/socket",
        ] {
            let plain = parse_plain(raw.as_bytes());
            assert_eq!(
                parts(plain.ok_or(UrlError::Empty)),
                parts(parse_general(raw.as_bytes())),
                "{raw}"
            );
        }
        for raw in [
            "https://example.com./",
            "http://0x7f.1/",
            "http://example.com:80/",
            "http://user@example.com/",
            "http://example.com/a//b",
            "http://example.com/a/../b",
            "http://example.com/%41",
            "http://example.com\\a",
            " http://example.com/",
            "ftp://example.com/",
        ] {
            assert!(parse_plain(raw.as_bytes()).is_none(), "{raw}");
        }
    }

    #[test]
    fn urls_already_canonical_are_taken_in_place() {
        for raw in [
            "https://www.example.com/",
            "https://www.example.com/a/b.html?x=1&y=/z#top",
            "wss://chat.example.org/socket",
        ] {
            let url = in_place(raw.as_bytes()).unwrap();
            let text = in_place_text(raw).unwrap();
            assert_eq!(url.to_owned_url(), text.to_owned_url());
            assert!(raw.starts_with(url.to_owned_url().as_str()), "{raw}");
            assert_eq!(
                parts(Ok(url.to_owned_url())),
                parts(parse_general(raw.as_bytes()))
            );
        }
        // Each needs a change: case, a `/` before the query, or the general path.
        for raw in [
            "HTTPS://www.example.com/",
            "https://WWW.example.com/",
            "http://example.com?q=1",
            "http://example.com",
            "http://example.com/a/../b",
        ] {
            assert!(in_place(raw.as_bytes()).is_none(), "{raw}");
            assert!(in_place_text(raw).is_none(), "{raw}");
        }
    }

    #[test]
    fn parts_are_exposed_separately() {
        let url =
            CanonicalUrl::parse(b"HTTPS://user:pw@Example.COM:8443/a/./b/../c?x=1#top").unwrap();
        assert_eq!(url.as_str(), "https://example.com/a/c?x=1");
        assert_eq!(url.scheme(), "https");
        assert_eq!(url.host(), "example.com");
        assert_eq!(url.host_kind(), HostKind::Domain);
        assert_eq!(url.path(), "/a/c");
        assert_eq!(url.query(), Some("x=1"));
        assert_eq!(url.borrowed().path_and_query(), "/a/c?x=1");
    }

    #[test]
    fn empty_query_is_kept_and_absent_query_is_none() {
        assert_eq!(
            CanonicalUrl::parse(b"http://h/q?").unwrap().query(),
            Some("")
        );
        assert_eq!(CanonicalUrl::parse(b"http://h/q").unwrap().query(), None);
        assert_eq!(
            canonical("http://example.com?x=1"),
            "http://example.com/?x=1"
        );
    }

    #[test]
    fn schemes_with_and_without_an_address() {
        assert_eq!(canonical("http:example.com/a"), "http://example.com/a");
        // As in a browser, extra slashes after a web scheme do not empty the host.
        assert_eq!(canonical("http:///example.com/a"), "http://example.com/a");
        assert_eq!(
            canonical("https:\\\\example.com\\a\\b"),
            "https://example.com/a/b"
        );
        assert_eq!(canonical("ftp://files.example/x"), "ftp://files.example/x");
        assert_eq!(
            canonical("example.com:8080/page"),
            "http://example.com/page"
        );
        assert_eq!(canonical("localhost:3000"), "http://localhost/");
        for opaque in [
            "javascript:alert(1)",
            "data:text/html,hi",
            "mailto:a@b.c",
            "about:blank",
        ] {
            assert_eq!(
                CanonicalUrl::parse(opaque.as_bytes()),
                Err(UrlError::NoNetworkAddress),
                "{opaque}"
            );
        }
    }

    #[test]
    fn backslash_and_colon_end_the_host_as_in_a_browser() {
        assert_eq!(
            canonical("http://evil.com\\@good.com/"),
            "http://evil.com/@good.com/"
        );
        assert_eq!(canonical("http://evil.com:good.com@x/"), "http://x/");
        assert_eq!(canonical("http://good.com@evil.com/"), "http://evil.com/");
        assert_eq!(canonical("http://a@b@evil.com/"), "http://evil.com/");
        assert_eq!(canonical("http://evil.com:80:81/"), "http://evil.com/");
    }

    #[test]
    fn escaped_delimiters_in_userinfo_never_move_the_host() {
        for raw in [
            "http://fine.example%2F@denied.example/",
            "http://fine.example%3F@denied.example/",
            "http://fine.example%5C@denied.example/",
            "http://fine.example%23@denied.example/",
            "http://fine.example%252F@denied.example/",
            "http://fine.example%25252F@denied.example/",
            "http://fine.example%2F%40x@denied.example/",
            "https://fine.example%2F:pw%2F@denied.example:443/a",
            "http:\\\\fine.example%2F@denied.example\\a",
            "fine.example%2F@denied.example/",
        ] {
            let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
            assert_eq!(url.host(), "denied.example", "{raw}");
        }
    }

    #[test]
    fn escaped_delimiters_stay_in_the_path_and_the_query() {
        // A `?` decoded in the path is written escaped, so the query starts where it did.
        assert_eq!(
            canonical("http://h.example/a%3Fb?q=1"),
            "http://h.example/a%3Fb?q=1"
        );
        let url = CanonicalUrl::parse(b"http://h.example/a%3Fb?q=1").unwrap();
        assert_eq!((url.path(), url.query()), ("/a%3Fb", Some("q=1")));
        // `%23` is never a fragment; `%2F` is a slash inside the path.
        assert_eq!(
            canonical("http://h.example/a%23b#frag"),
            "http://h.example/a%23b"
        );
        assert_eq!(
            canonical("http://h.example/a%2Fb/../c"),
            "http://h.example/a/c"
        );
        // An escaped `@` or `/` in a query stays in the query.
        let url = CanonicalUrl::parse(b"http://h.example/p?u=x%40y%2Fz").unwrap();
        assert_eq!((url.host(), url.query()), ("h.example", Some("u=x@y/z")));
    }

    #[test]
    fn a_host_that_unescapes_to_a_delimiter_is_written_escaped() {
        // Browsers refuse these hosts; written escaped, they read back as the same host.
        assert_eq!(canonical("http://a%2Fb.example/"), "http://a%2Fb.example/");
        assert_eq!(
            canonical("http://a%40b.example/x"),
            "http://a%40b.example/x"
        );
        assert_eq!(canonical("http://a%3Fb.example/"), "http://a%3Fb.example/");
        assert_eq!(canonical("http://a%5Cb.example/"), "http://a%5Cb.example/");
    }

    #[test]
    fn controls_and_spaces_at_both_ends_are_stripped_as_a_browser_does() {
        for raw in [
            "\x01http://blocked.example/",
            "\x00\x1f http://blocked.example/ \x1f\x00",
            "\x0b\x0chttp://blocked.example/\x7f",
            "\thttp://blo\tcked.exa\nmple/\r\n",
        ] {
            let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
            assert_eq!(url.host(), "blocked.example", "{raw:?}");
            assert_eq!(url.scheme(), "http", "{raw:?}");
        }
        assert_eq!(CanonicalUrl::parse(b"\x01\x02 \x1f"), Err(UrlError::Empty));
    }

    #[test]
    fn ip_literal_hosts() {
        assert_eq!(canonical("http://[::1]:8080/x"), "http://[::1]/x");
        assert_eq!(canonical("http://[::ffff:c0a8:1]/"), "http://192.168.0.1/");
        assert_eq!(
            CanonicalUrl::parse(b"http://[::1]junk/"),
            Err(UrlError::MalformedIpLiteral)
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(CanonicalUrl::parse(b" \t\r\n "), Err(UrlError::Empty));
        assert_eq!(CanonicalUrl::parse(b"http://"), Err(UrlError::NoHost));
        assert_eq!(
            CanonicalUrl::parse(b"http://user@:80/path"),
            Err(UrlError::NoHost)
        );
        assert_eq!(CanonicalUrl::parse(b"https://?q"), Err(UrlError::NoHost));
        assert_eq!(
            CanonicalUrl::parse(b"file:///etc/passwd"),
            Err(UrlError::NoHost)
        );
        let long = vec![b'a'; MAX_URL_BYTES + 1];
        assert_eq!(
            CanonicalUrl::parse(&long),
            Err(UrlError::TooLong {
                limit: MAX_URL_BYTES
            })
        );
    }

    #[test]
    fn debug_output_does_not_leak_the_url() {
        let url = CanonicalUrl::parse(b"http://secret.example/diary").unwrap();
        assert!(!format!("{url:?}").contains("secret"));
    }
}
