//! Importers for the list formats people already maintain: hosts files, plain domain lists, the
//! domain subset of AdBlock filter syntax, and plain URL lists for the hashed lists.
//!
//! An imported entry is only useful if it meets the URLs the browser loads, so every domain is
//! put through the same canonicalization as a URL ([`CanonicalUrl::parse`]): uppercase, trailing
//! dots and internationalised names come out as the host of a canonical URL would. Published lists
//! are messy (banners, CRLF line endings, entries for the machine's own loopback names, rules in
//! syntaxes this engine does not implement), so a line that cannot be used is counted and skipped,
//! never fatal: the caller reports the counts and decides whether the list is usable.
//!
//! Lists of VPN, proxy and DNS-over-HTTPS endpoints are full of IP addresses, so an address or
//! a CIDR range is an entry too ([`IpRange`]), kept apart from the domains: a URL whose host is
//! an address, in any spelling, is matched against the ranges (see
//! [`BundleBuilder::add_hosts`](super::bundle::BundleBuilder::add_hosts)).
//!
//! Choices made where a format is loose:
//! - A line that is only an IP address or a CIDR range (`203.0.113.7`, `198.51.100.0/24`,
//!   `2001:db8::/32`, `[2001:db8::1]`, optionally followed by a `#` comment) is an address entry,
//!   whatever the format but AdBlock's, where an address is a rule's host (`||203.0.113.7^`). The
//!   notations and the treatment of host bits and prefix lengths are [`IpRange`]'s: `/33` is
//!   invalid, `198.51.100.7/24` stands for `198.51.100.0/24`.
//! - In a hosts file the first column is the address the names are sent to (`0.0.0.0
//!   example.com`, `127.0.0.1 example.com`), not an entry, and an address in the name position is
//!   boilerplate (`0.0.0.0 0.0.0.0`). An address is never imported as a domain.
//! - A single-label name (`router`, `com`) is invalid: lookups never try a top-level domain alone,
//!   so such an entry could never match a public site.
//! - Lines are counted one by one: a line that yields at least one domain counts as imported even
//!   if other names on it were unusable; a line that yields none counts as a comment (comments,
//!   headers, blank lines, loopback boilerplate) or as invalid (everything else).

use std::net::IpAddr;

use super::bundle::IpRange;
use super::{CanonicalUrl, HashedUrlEntry, HostKind};

/// The longest domain name DNS allows, in bytes (RFC 1035). Longer names are invalid entries.
const MAX_DOMAIN_BYTES: usize = 253;

/// The longest label DNS allows, in bytes (RFC 1035).
const MAX_LABEL_BYTES: usize = 63;

/// Names every hosts file maps to loopback or broadcast addresses for the machine itself. They
/// are boilerplate, not blocked sites.
const SYSTEM_HOST_NAMES: [&str; 12] = [
    "localhost",
    "localhost.localdomain",
    "local",
    "broadcasthost",
    "ip6-localhost",
    "ip6-loopback",
    "ip6-localnet",
    "ip6-mcastprefix",
    "ip6-allnodes",
    "ip6-allrouters",
    "ip6-allhosts",
    "ip6-allnodes.local",
];

/// AdBlock options that leave `||domain^` a block of the whole domain for a child's browser:
/// party restrictions (every page the child opens is first-party to itself), priority, and the
/// whole-document types. Any other option (`$script`, `$domain=...`, `$badfilter`, `$redirect`)
/// narrows or changes the rule, so the rule is not taken.
const WHOLE_DOMAIN_ADBLOCK_OPTIONS: [&str; 12] = [
    "third-party",
    "3p",
    "~third-party",
    "first-party",
    "1p",
    "~first-party",
    "important",
    "document",
    "doc",
    "all",
    "popup",
    "match-case",
];

/// Markers of AdBlock cosmetic (element hiding and scriptlet) rules, which hide parts of a page
/// rather than block a domain.
const ADBLOCK_COSMETIC_MARKERS: [&[u8]; 7] =
    [b"##", b"#@#", b"#?#", b"#@?#", b"#$#", b"#@$#", b"#%#"];

/// The text format of a domain list. In every format but AdBlock's, a line that is only an IP
/// address or CIDR range is an address entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ListFormat {
    /// Decide for each line from its shape: AdBlock rules start with `||` or `@@` or carry
    /// AdBlock markers, hosts lines start with an IP address followed by names, a lone address
    /// or range is an address entry, anything else is a plain domain. Mixed files (a hosts file
    /// with a few bare domains and addresses) import as a person would expect.
    #[default]
    Auto,
    /// Hosts-file lines: an IP address (where the names are sent, not an entry) followed by one
    /// or more names, `#` starting a comment.
    Hosts,
    /// One domain per line; `*.example.com` and `.example.com` mean `example.com` and its
    /// subdomains, as every domain entry does.
    Domains,
    /// AdBlock filter syntax, of which only whole-domain block rules (`||example.com^`,
    /// `||203.0.113.7^`) are taken.
    AdBlock,
}

/// The domains and IP address entries read from a list, with counts of what was read and
/// skipped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportedDomains {
    /// Canonical domains (lowercase, punycode), sorted and without duplicates.
    pub domains: Vec<String>,
    /// IP addresses and CIDR ranges, sorted and without duplicates.
    pub ip_ranges: Vec<IpRange>,
    /// Lines read.
    pub lines: usize,
    /// Lines that carry no entry by design: blank lines, comments, list headers, and hosts-file
    /// lines naming only the machine itself (`127.0.0.1 localhost`).
    pub skipped_comments: usize,
    /// Lines that yielded no entry because they are malformed or use syntax this importer does
    /// not take (AdBlock exceptions, cosmetic rules, rules with paths or wildcards, prefix
    /// lengths longer than the address).
    pub skipped_invalid: usize,
}

impl ImportedDomains {
    /// How many of [`Self::ip_ranges`] are single addresses.
    pub fn ip_addresses(&self) -> usize {
        self.ip_ranges
            .iter()
            .filter(|range| range.is_single_address())
            .count()
    }

    /// How many of [`Self::ip_ranges`] are ranges of more than one address.
    pub fn cidr_ranges(&self) -> usize {
        self.ip_ranges.len() - self.ip_addresses()
    }
}

/// Reads a domain list in `format`. `text` may be any bytes; lines end in LF or CRLF.
pub fn import_domains(text: &[u8], format: ListFormat) -> ImportedDomains {
    let mut imported = ImportedDomains::default();
    for line in lines_of(text) {
        imported.lines += 1;
        let mut entries = Entries {
            domains: &mut imported.domains,
            ip_ranges: &mut imported.ip_ranges,
        };
        match read_domain_line(line.trim_ascii(), format, &mut entries) {
            LineOutcome::Entries => {}
            LineOutcome::Comment => imported.skipped_comments += 1,
            LineOutcome::Invalid => imported.skipped_invalid += 1,
        }
    }
    imported.domains.sort_unstable();
    imported.domains.dedup();
    imported.ip_ranges.sort_unstable();
    imported.ip_ranges.dedup();
    imported
}

/// The entries read from a URL list, as hashed lists take them, with counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportedUrls {
    /// Each entry's expression hash with its host, sorted by hash and without duplicates.
    pub entries: Vec<HashedUrlEntry>,
    /// Lines read.
    pub lines: usize,
    /// Blank lines and comments (`#`, `!`).
    pub skipped_comments: usize,
    /// Lines that are not URLs with a network address.
    pub skipped_invalid: usize,
}

/// Reads a list of URLs, one per line, with or without a scheme.
///
/// Each entry is canonicalized and stands for its first lookup expression: the exact host with the
/// exact path (and query, if it has one). So `evil.example/dir/` matches everything under that
/// directory, because every URL below it is looked up under `evil.example/dir/`, while
/// `evil.example/page.html` matches only that page.
pub fn import_url_hashes(text: &[u8]) -> ImportedUrls {
    let mut imported = ImportedUrls::default();
    for line in lines_of(text) {
        imported.lines += 1;
        let line = line.trim_ascii();
        if is_comment(line) {
            imported.skipped_comments += 1;
            continue;
        }
        let entry = CanonicalUrl::parse(line)
            .ok()
            .and_then(|url| url.lookup_expressions().next().map(HashedUrlEntry::from));
        match entry {
            Some(entry) => imported.entries.push(entry),
            None => imported.skipped_invalid += 1,
        }
    }
    imported.entries.sort_unstable();
    imported.entries.dedup();
    imported
}

/// Where the entries of a domain list's lines go.
struct Entries<'a> {
    domains: &'a mut Vec<String>,
    ip_ranges: &'a mut Vec<IpRange>,
}

/// What one line contributed.
enum LineOutcome {
    Entries,
    Comment,
    Invalid,
}

/// The syntax a single line is read in.
#[derive(Clone, Copy)]
enum LineSyntax {
    Hosts,
    Domain,
    AdBlock,
}

/// The lines of `text` without their terminators. A final line break does not start another
/// line, and a UTF-8 byte-order mark (left by some Windows editors) is not part of the first line.
fn lines_of(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    let no_lines = text.is_empty();
    text.split(|&byte| byte == b'\n').filter(move |_| !no_lines)
}

/// Reads one trimmed line, appending the entries it names to `out`.
fn read_domain_line(line: &[u8], format: ListFormat, out: &mut Entries<'_>) -> LineOutcome {
    // In AdBlock syntax `##.banner` hides page elements; it is a rule, not a comment.
    if format == ListFormat::AdBlock && is_cosmetic_rule(line) {
        return LineOutcome::Invalid;
    }
    if is_comment(line) {
        return LineOutcome::Comment;
    }
    // Before headers: `[2001:db8::1]` is an address, not a section like `[Adblock Plus 2.0]`.
    if format != ListFormat::AdBlock {
        let entry = without_inline_comment(line).trim_ascii();
        if let Some(range) = address_entry(entry) {
            out.ip_ranges.push(range);
            return LineOutcome::Entries;
        }
    }
    if is_list_header(line) {
        return LineOutcome::Comment;
    }
    let syntax = match format {
        ListFormat::Auto => detect_syntax(line),
        ListFormat::Hosts => LineSyntax::Hosts,
        ListFormat::Domains => LineSyntax::Domain,
        ListFormat::AdBlock => LineSyntax::AdBlock,
    };
    match syntax {
        LineSyntax::Hosts => read_hosts_line(line, out.domains),
        LineSyntax::Domain => read_plain_domain(line, out.domains),
        LineSyntax::AdBlock => read_adblock_rule(line, out),
    }
}

/// Blank lines and `#` or `!` comments.
fn is_comment(line: &[u8]) -> bool {
    matches!(line.first(), None | Some(b'#' | b'!'))
}

/// A bracketed header such as `[Adblock Plus 2.0]`.
fn is_list_header(line: &[u8]) -> bool {
    line.starts_with(b"[") && line.ends_with(b"]")
}

fn detect_syntax(line: &[u8]) -> LineSyntax {
    let adblock_start = line.starts_with(b"|") || line.starts_with(b"@@") || line.starts_with(b"/");
    if adblock_start || is_cosmetic_rule(line) || line.contains(&b'^') || line.contains(&b'$') {
        return LineSyntax::AdBlock;
    }
    let first_token = line
        .split(u8::is_ascii_whitespace)
        .next()
        .unwrap_or_default();
    if is_ip_address(first_token) {
        LineSyntax::Hosts
    } else {
        LineSyntax::Domain
    }
}

/// `0.0.0.0 ads.example tracker.example # comment`.
fn read_hosts_line(line: &[u8], out: &mut Vec<String>) -> LineOutcome {
    let mut tokens = without_inline_comment(line)
        .split(u8::is_ascii_whitespace)
        .filter(|token| !token.is_empty());
    let Some(address) = tokens.next() else {
        return LineOutcome::Comment;
    };
    if !is_ip_address(address) {
        return LineOutcome::Invalid;
    }
    let (mut names, mut boilerplate, mut found) = (0, 0, false);
    for name in tokens {
        names += 1;
        if is_system_host_name(name) || is_ip_address(name) {
            boilerplate += 1;
        } else if let Some(domain) = canonical_domain(name) {
            out.push(domain);
            found = true;
        }
    }
    if found {
        LineOutcome::Entries
    } else if names > 0 && names == boilerplate {
        LineOutcome::Comment
    } else {
        LineOutcome::Invalid
    }
}

/// `example.com`, `*.example.com` or `.example.com`, optionally followed by a `#` comment.
fn read_plain_domain(line: &[u8], out: &mut Vec<String>) -> LineOutcome {
    let entry = without_inline_comment(line).trim_ascii();
    if entry.iter().any(u8::is_ascii_whitespace) {
        return LineOutcome::Invalid;
    }
    let name = entry
        .strip_prefix(b"*.")
        .or_else(|| entry.strip_prefix(b"."))
        .unwrap_or(entry);
    push_domain(name, out)
}

/// `||example.com^` or `||203.0.113.7^`, optionally with whole-domain options
/// (`||example.com^$third-party`).
fn read_adblock_rule(line: &[u8], out: &mut Entries<'_>) -> LineOutcome {
    let Some(rule) = line.strip_prefix(b"||") else {
        // Exceptions (`@@`), address-anchored (`|https://`), regex (`/.../`) and substring
        // rules do not name a whole domain.
        return LineOutcome::Invalid;
    };
    if is_cosmetic_rule(rule) {
        return LineOutcome::Invalid;
    }
    let (pattern, options) = match rule.iter().position(|&byte| byte == b'$') {
        Some(dollar) => (&rule[..dollar], Some(&rule[dollar + 1..])),
        None => (rule, None),
    };
    let whole_domain_options = options.is_none_or(|options| {
        options.split(|&byte| byte == b',').all(|option| {
            WHOLE_DOMAIN_ADBLOCK_OPTIONS
                .iter()
                .any(|accepted| accepted.as_bytes() == option.trim_ascii())
        })
    });
    if !whole_domain_options {
        return LineOutcome::Invalid;
    }
    let pattern = pattern.strip_suffix(b"|").unwrap_or(pattern);
    let pattern = pattern.strip_suffix(b"^").unwrap_or(pattern);
    // A rule's host is one address; `||198.51.100.0/24^` is a path rule on 198.51.100.0.
    if !pattern.contains(&b'/') {
        if let Some(range) = address_entry(pattern) {
            out.ip_ranges.push(range);
            return LineOutcome::Entries;
        }
    }
    // Anything left that is not a name (`*` in the middle, `^` before a path, `/`) makes the
    // canonical host fail the domain-shape check in `canonical_domain`.
    push_domain(pattern.strip_prefix(b"*.").unwrap_or(pattern), out.domains)
}

/// The IP address or CIDR range `token` is, if it is one (see [`IpRange`] for the notations).
fn address_entry(token: &[u8]) -> Option<IpRange> {
    // Every address starts with a digit or has a colon; most domains are turned away here,
    // without a parse.
    let plausible = token.first().is_some_and(u8::is_ascii_digit) || token.contains(&b':');
    if !plausible {
        return None;
    }
    std::str::from_utf8(token).ok()?.parse().ok()
}

fn push_domain(name: &[u8], out: &mut Vec<String>) -> LineOutcome {
    match canonical_domain(name) {
        Some(domain) => {
            out.push(domain);
            LineOutcome::Entries
        }
        None => LineOutcome::Invalid,
    }
}

/// The text before a `#` comment. Only used for syntaxes in which `#` cannot be part of an entry.
fn without_inline_comment(line: &[u8]) -> &[u8] {
    match line.iter().position(|&byte| byte == b'#') {
        Some(hash) => &line[..hash],
        None => line,
    }
}

fn is_cosmetic_rule(line: &[u8]) -> bool {
    ADBLOCK_COSMETIC_MARKERS
        .iter()
        .any(|marker| line.windows(marker.len()).any(|window| window == *marker))
}

/// Whether `token` is an IPv4 or IPv6 address as hosts files write them (`fe80::1%lo0` included).
fn is_ip_address(token: &[u8]) -> bool {
    let without_zone = match token.iter().position(|&byte| byte == b'%') {
        Some(percent) => &token[..percent],
        None => token,
    };
    std::str::from_utf8(without_zone).is_ok_and(|text| text.parse::<IpAddr>().is_ok())
}

fn is_system_host_name(name: &[u8]) -> bool {
    SYSTEM_HOST_NAMES
        .iter()
        .any(|system| system.as_bytes().eq_ignore_ascii_case(name))
}

/// The canonical form of a list entry's domain, if it is one: exactly the host that
/// [`CanonicalUrl::parse`] gives for `http://<name>/`, and only when that host is a domain name.
fn canonical_domain(name: &[u8]) -> Option<String> {
    if let Some(domain) = already_canonical_domain(name) {
        return Some(domain);
    }
    // Characters that end or decorate a host in a URL would make the parser read a different
    // host than the entry names (`a.com/b`, `user@a.com`, `a.com:80`), so they are refused here.
    if name.is_empty()
        || name
            .iter()
            .any(|byte| b"/\\?#@:%".contains(byte) || byte.is_ascii_whitespace())
    {
        return None;
    }
    let mut url = Vec::with_capacity(name.len() + "http:///".len());
    url.extend_from_slice(b"http://");
    url.extend_from_slice(name);
    url.push(b'/');
    let parsed = CanonicalUrl::parse(&url).ok()?;
    let host = parsed.host();
    (parsed.host_kind() == HostKind::Domain && has_domain_shape(host.as_bytes()))
        .then(|| host.to_owned())
}

/// The fast path for the common entry that is already canonical (lowercase ASCII letters, digits,
/// `-` and `_`, no empty labels, a top-level domain starting with a letter): canonicalization
/// would return it unchanged, so the URL parser is skipped. A top-level label that starts with a
/// letter can never be read as an IPv4 number, and these characters are never escaped.
fn already_canonical_domain(name: &[u8]) -> Option<String> {
    let plain = name
        .iter()
        .all(|&byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || b"-_.".contains(&byte));
    let top_level = name.rsplit(|&byte| byte == b'.').next()?;
    if !plain || !top_level.first().is_some_and(u8::is_ascii_lowercase) || !has_domain_shape(name) {
        return None;
    }
    // Every byte was checked to be ASCII above.
    std::str::from_utf8(name).ok().map(str::to_owned)
}

/// At least two labels, none empty or over [`MAX_LABEL_BYTES`], at most [`MAX_DOMAIN_BYTES`] in
/// all, and only the characters a canonical domain can hold (punycode included).
fn has_domain_shape(host: &[u8]) -> bool {
    let characters = host
        .iter()
        .all(|&byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || b"-_.".contains(&byte));
    let mut labels = 0;
    let labels_fit = host.split(|&byte| byte == b'.').all(|label| {
        labels += 1;
        !label.is_empty() && label.len() <= MAX_LABEL_BYTES
    });
    characters && labels_fit && labels >= 2 && host.len() <= MAX_DOMAIN_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn domains(text: &str, format: ListFormat) -> Vec<String> {
        import_domains(text.as_bytes(), format).domains
    }

    #[test]
    fn hosts_lines_take_every_name_and_skip_boilerplate() {
        let imported = import_domains(
            b"127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n\
              0.0.0.0 0.0.0.0\n0.0.0.0 a.example B.example # two at once\n\
              fe80::1%lo0 localhost\n",
            ListFormat::Hosts,
        );
        assert_eq!(imported.domains, ["a.example", "b.example"]);
        assert_eq!(imported.lines, 5);
        assert_eq!(imported.skipped_comments, 4);
        assert_eq!(imported.skipped_invalid, 0);
    }

    #[test]
    fn hosts_lines_without_an_address_or_with_unusable_names_are_invalid() {
        let imported = import_domains(
            b"example.com\n0.0.0.0 router\nfe80::1%lo0\n",
            ListFormat::Hosts,
        );
        assert!(imported.domains.is_empty() && imported.ip_ranges.is_empty());
        assert_eq!(imported.skipped_invalid, 3);
    }

    fn ranges(texts: &[&str]) -> Vec<IpRange> {
        let mut ranges: Vec<IpRange> = texts.iter().map(|text| text.parse().unwrap()).collect();
        ranges.sort_unstable();
        ranges
    }

    #[test]
    fn a_line_of_one_address_or_range_is_an_entry_and_a_hosts_sink_is_not() {
        let text = b"# VPN endpoints\n0.0.0.0 vpn.example\n127.0.0.1 proxy.example # sink\n\
              203.0.113.7\n198.51.100.0/24 # exit nodes\n2001:db8::/32\n[2001:db8:1::1]\n\
              2001:db8:2::1\n203.0.113.7/32\n192.0.2.9/24\n0.0.0.0 0.0.0.0\n\
              203.0.113.0/33\n2001:db8::/129\n010.0.0.1\n2130706433\n";
        for format in [ListFormat::Auto, ListFormat::Hosts, ListFormat::Domains] {
            let imported = import_domains(text, format);
            assert_eq!(
                imported.ip_ranges,
                ranges(&[
                    "203.0.113.7",
                    "198.51.100.0/24",
                    "2001:db8::/32",
                    "2001:db8:1::1",
                    "2001:db8:2::1",
                    "192.0.2.0/24",
                ]),
                "{format:?}"
            );
            assert_eq!(
                (imported.ip_addresses(), imported.cidr_ranges()),
                (3, 3),
                "{format:?}"
            );
            assert_eq!(imported.lines, 15, "{format:?}");
            if format != ListFormat::Domains {
                assert_eq!(imported.domains, ["proxy.example", "vpn.example"]);
                assert_eq!(imported.skipped_comments, 2, "{format:?}");
                assert_eq!(imported.skipped_invalid, 4, "{format:?}");
            }
        }
    }

    #[test]
    fn adblock_rules_name_single_addresses() {
        let imported = import_domains(
            b"||203.0.113.7^\n||[2001:db8::1]^$third-party\n||198.51.100.0/24^\n\
              203.0.113.8\n||0x7f.1^\n",
            ListFormat::AdBlock,
        );
        assert_eq!(imported.ip_ranges, ranges(&["203.0.113.7", "2001:db8::1"]));
        assert!(imported.domains.is_empty());
        assert_eq!(imported.skipped_invalid, 3);
        let auto = import_domains(b"||203.0.113.7^\n", ListFormat::Auto);
        assert_eq!(auto.ip_ranges, ranges(&["203.0.113.7"]));
    }

    #[test]
    fn plain_domains_accept_wildcard_and_leading_dot() {
        assert_eq!(
            domains("*.a.example\n.b.example\nc.example.\n", ListFormat::Domains),
            ["a.example", "b.example", "c.example"]
        );
        let imported = import_domains(b"a.example b.example\n1.2.3.4\n", ListFormat::Domains);
        assert_eq!(imported.skipped_invalid, 1);
        assert_eq!(imported.ip_ranges, ranges(&["1.2.3.4"]));
    }

    #[test]
    fn adblock_takes_only_whole_domain_blocks() {
        let imported = import_domains(
            b"[Adblock Plus 2.0]\n! Title: test\n||a.example^\n||b.example^$third-party\n\
              ||c.example^|\n||*.d.example^\n@@||e.example^\nf.example##.ad\n##.banner\n\
              ||g.example/ads\n||h.example^$script\n||i*.example^\n/ads[0-9]/\n||j.example^$badfilter\n",
            ListFormat::AdBlock,
        );
        assert_eq!(
            imported.domains,
            ["a.example", "b.example", "c.example", "d.example"]
        );
        assert_eq!(imported.skipped_comments, 2);
        assert_eq!(imported.skipped_invalid, 8);
    }

    #[test]
    fn auto_detects_each_line() {
        assert_eq!(
            domains(
                "0.0.0.0 h.example\n||a.example^\nd.example\n@@||x.example^\n",
                ListFormat::Auto
            ),
            ["a.example", "d.example", "h.example"]
        );
    }

    #[test]
    fn ip_entries_and_single_labels_are_not_domains() {
        for name in [
            "1.2.3.4",
            "0x7f.1",
            "[::1]",
            "com",
            "a.com/path",
            "a@b.com",
            "a.com:80",
            "",
        ] {
            assert_eq!(canonical_domain(name.as_bytes()), None, "{name}");
        }
    }

    #[test]
    fn non_utf8_and_escapes_are_invalid_not_fatal() {
        let imported = import_domains(b"\xff\xfe.example\nok.example\n", ListFormat::Auto);
        assert_eq!(imported.domains, ["ok.example"]);
        assert_eq!(imported.skipped_invalid, 1);
    }

    #[test]
    fn line_counting_ignores_a_final_newline_and_a_bom() {
        assert_eq!(import_domains(b"", ListFormat::Auto).lines, 0);
        assert_eq!(import_domains(b"a.example\n", ListFormat::Auto).lines, 1);
        assert_eq!(import_domains(b"a.example\n\n", ListFormat::Auto).lines, 2);
        let with_bom = import_domains(b"\xEF\xBB\xBFa.example\r\n", ListFormat::Auto);
        assert_eq!(with_bom.domains, ["a.example"]);
    }

    proptest! {
        #[test]
        fn the_fast_path_agrees_with_the_url_parser(
            name in "[a-z0-9_.-]{1,20}\\.[a-z][a-z0-9-]{0,5}"
        ) {
            if let Some(fast) = already_canonical_domain(name.as_bytes()) {
                let url = CanonicalUrl::parse(format!("http://{name}/").as_bytes()).unwrap();
                prop_assert_eq!(url.host_kind(), HostKind::Domain);
                prop_assert_eq!(fast.as_str(), url.host());
            }
        }
    }
}
