//! Host normalisation: the part of canonicalization that decides *which machine* a URL names.
//!
//! Most filter bypasses dress one host up as many: `0x7f.1`, `2130706433` and `[::ffff:7f00:1]`
//! are all 127.0.0.1; `ＥＸＡＭＰＬＥ。com` is `example.com`; `example.com.` and `..example.com`
//! are `example.com`. Everything here maps such spellings onto one form, so that a list entry
//! written once matches all of them.

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::UrlError;
use super::escape::{UrlPart, escape_into};

/// What kind of host a canonical URL names. Lookup expressions and IP-literal policies differ
/// by kind: an IP address has no parent domains to walk up through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostKind {
    /// A domain name, lowercase ASCII (internationalised names in punycode).
    Domain,
    /// An IPv4 address in dotted decimal, whatever form the URL wrote it in, including IPv6
    /// literals that only wrap an IPv4 address (`[::ffff:a.b.c.d]`).
    Ipv4,
    /// An IPv6 address in brackets, in its shortest standard text form.
    Ipv6,
}

/// Normalises `raw`, the host of a URL as found on the raw input (no userinfo, no port) and then
/// fully unescaped, and appends its canonical text to `out`.
///
/// An ASCII host with its dots in place, as almost every host is, is read where it lies: only
/// dots to collapse or a non-ASCII name make a copy. Case is folded as the host is written out
/// (IPv4 parsing reads either case).
pub(crate) fn push_canonical_host(raw: &[u8], out: &mut String) -> Result<HostKind, UrlError> {
    if let Some(inner) = raw.strip_prefix(b"[") {
        let literal = inner
            .strip_suffix(b"]")
            .ok_or(UrlError::MalformedIpLiteral)?;
        return push_ipv6(literal, out);
    }

    let mut host = if has_stray_dots(raw) {
        Cow::Owned(collapse_dots(raw))
    } else {
        Cow::Borrowed(raw)
    };
    if !host.is_ascii() {
        // IDNA applies only to text; bytes that are not UTF-8 cannot name a registrable domain
        // and are kept (escaped) so that they still match a list entry written the same way.
        // A `%` that IDNA moves next to other characters could form an escape that was not in
        // the URL (`%bü0` becomes `xn--%b0-...`), and browsers refuse a `%` in a host anyway,
        // so such a host is kept as it came.
        if let Some(ascii) = std::str::from_utf8(&host)
            .ok()
            .and_then(|text| idna::domain_to_ascii(text).ok())
            .filter(|ascii| !ascii.contains('%'))
        {
            // UTS 46 mapping can create dots (U+3002 `。`, U+FF0E `．`), so collapse again.
            host = Cow::Owned(collapse_dots(ascii.as_bytes()));
        }
    }
    if host.is_empty() {
        return Err(UrlError::NoHost);
    }
    // Brackets belong only around an IPv6 literal; browsers refuse a host with a stray one.
    if host.iter().any(|byte| matches!(byte, b'[' | b']')) {
        return Err(UrlError::MalformedIpLiteral);
    }
    if let Some(address) = parse_ipv4(&host) {
        push_display(address, out);
        return Ok(HostKind::Ipv4);
    }
    escape_into(&host, UrlPart::Host, out);
    Ok(HostKind::Domain)
}

/// Whether `host` has a dot to strip or collapse: a leading or trailing one, or two in a row.
fn has_stray_dots(host: &[u8]) -> bool {
    host.first() == Some(&b'.')
        || host.last() == Some(&b'.')
        || host.windows(2).any(|pair| pair == b"..")
}

/// Strips leading and trailing dots and collapses runs of dots into one.
pub(super) fn collapse_dots(host: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(host.len());
    for label in host
        .split(|&byte| byte == b'.')
        .filter(|label| !label.is_empty())
    {
        if !out.is_empty() {
            out.push(b'.');
        }
        out.extend_from_slice(label);
    }
    out
}

pub(super) fn push_ipv6(literal: &[u8], out: &mut String) -> Result<HostKind, UrlError> {
    let address: Ipv6Addr = std::str::from_utf8(literal)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or(UrlError::MalformedIpLiteral)?;
    if let Some(v4) = address.to_ipv4_mapped() {
        push_display(v4, out);
        return Ok(HostKind::Ipv4);
    }
    out.push('[');
    push_display(address, out);
    out.push(']');
    Ok(HostKind::Ipv6)
}

pub(super) fn push_display(value: impl std::fmt::Display, out: &mut String) {
    use std::fmt::Write as _;
    // Writing into a String cannot fail.
    let _ = write!(out, "{value}");
}

/// Parses an IPv4 address the way `inet_aton` and browsers do: one to four dot-separated numbers,
/// each decimal, octal (leading `0`) or hexadecimal (leading `0x`); the last number fills all the
/// bytes not given by the others, so `10.1` is 10.0.0.1 and `3279880203` is 195.127.0.11.
///
/// Letters are read in either case (`0X7F`, `0xAB`), so the host need not be lowercased first.
pub(super) fn parse_ipv4(host: &[u8]) -> Option<Ipv4Addr> {
    let mut numbers = [0u64; 4];
    let mut count = 0;
    for part in host.split(|&byte| byte == b'.') {
        *numbers.get_mut(count)? = parse_ipv4_number(part)?;
        count += 1;
    }
    let (last, leading) = numbers[..count].split_last()?;
    if leading.iter().any(|&number| number > 255) {
        return None;
    }
    let last_bits = 8 * (5 - count as u32);
    if *last >= 1u64 << last_bits {
        return None;
    }
    let address = leading
        .iter()
        .enumerate()
        .fold(*last, |acc, (index, &byte)| {
            acc | byte << (24 - 8 * index as u32)
        });
    u32::try_from(address).ok().map(Ipv4Addr::from)
}

fn parse_ipv4_number(part: &[u8]) -> Option<u64> {
    let (digits, radix) = match part {
        [b'0', b'x' | b'X', rest @ ..] => (rest, 16),
        [b'0', rest @ ..] if !rest.is_empty() => (rest, 8),
        _ => (part, 10),
    };
    if digits.is_empty() && radix != 16 {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &digit| {
        let value = char::from(digit).to_digit(radix)?;
        acc.checked_mul(u64::from(radix))?
            .checked_add(u64::from(value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(raw: &str) -> Result<(String, HostKind), UrlError> {
        let mut out = String::new();
        push_canonical_host(raw.as_bytes(), &mut out).map(|kind| (out, kind))
    }

    #[test]
    fn ipv4_in_every_legal_spelling() {
        for spelling in [
            "127.0.0.1",
            "2130706433",
            "0x7f000001",
            "017700000001",
            "0x7f.1",
            "127.1",
            "0177.0.0.01",
            "0x7F.0x00.0x00.0x01",
            "127.0.1",
            "127.0.0.1.",
        ] {
            assert_eq!(
                canonical(spelling),
                Ok(("127.0.0.1".to_owned(), HostKind::Ipv4)),
                "{spelling}"
            );
        }
    }

    #[test]
    fn numbers_that_do_not_fit_are_names_not_addresses() {
        for name in [
            "256.1.1.1",
            "1.2.3.4.5",
            "1.2.3.256",
            "4294967296",
            "08.1.1.1",
            "1.2.3.x",
        ] {
            assert_eq!(
                canonical(name).map(|(_, kind)| kind),
                Ok(HostKind::Domain),
                "{name}"
            );
        }
    }

    #[test]
    fn ipv6_literals_take_their_shortest_form_and_mapped_ipv4_unwraps() {
        assert_eq!(
            canonical("[2001:DB8:0:0:0:0:0:1]"),
            Ok(("[2001:db8::1]".to_owned(), HostKind::Ipv6))
        );
        assert_eq!(
            canonical("[::ffff:7f00:1]"),
            Ok(("127.0.0.1".to_owned(), HostKind::Ipv4))
        );
        assert_eq!(
            canonical("[::ffff:10.0.0.1]"),
            Ok(("10.0.0.1".to_owned(), HostKind::Ipv4))
        );
        assert_eq!(canonical("[::1"), Err(UrlError::MalformedIpLiteral));
        assert_eq!(
            canonical("[example.com]"),
            Err(UrlError::MalformedIpLiteral)
        );
    }

    #[test]
    fn dots_case_and_internationalised_names() {
        assert_eq!(
            canonical("..WWW..Example.COM..").map(|(host, _)| host),
            Ok("www.example.com".into())
        );
        assert_eq!(
            canonical("BÜCHER.de").map(|(host, _)| host),
            Ok("xn--bcher-kva.de".into())
        );
        // Full-width letters and the ideographic full stop are the same name to a browser.
        assert_eq!(
            canonical("ｅｘａｍｐｌｅ。com").map(|(host, _)| host),
            Ok("example.com".into())
        );
        // Full-width digits make an IPv4 address once mapped.
        assert_eq!(
            canonical("１２７.０.０.１"),
            Ok(("127.0.0.1".into(), HostKind::Ipv4))
        );
    }

    #[test]
    fn bytes_that_are_not_a_name_are_kept_escaped() {
        assert_eq!(
            canonical("\x01\u{80}.com").map(|(host, _)| host),
            Ok("%01%C2%80.com".into())
        );
        let mut out = String::new();
        assert_eq!(
            push_canonical_host(b"\x01\x80.com", &mut out),
            Ok(HostKind::Domain)
        );
        assert_eq!(out, "%01%80.com");
        assert_eq!(
            canonical("...").map(|(host, _)| host),
            Err(UrlError::NoHost)
        );
    }
}
