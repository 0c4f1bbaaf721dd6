//! The canonicalization as first written, before the allocation-free rewrite: every step on its
//! own copy of the URL. Kept only as the oracle the rewrite is compared with, byte for byte.

use super::{CanonicalUrl, MAX_URL_BYTES, Parts, SPECIAL_SCHEMES, UrlError, host_of};
use crate::filter::escape::unescape_fully;
use crate::filter::host::{HostKind, collapse_dots, parse_ipv4, push_display, push_ipv6};

pub(super) fn parse(raw: &[u8]) -> Result<CanonicalUrl, UrlError> {
    if raw.len() > MAX_URL_BYTES {
        return Err(UrlError::TooLong {
            limit: MAX_URL_BYTES,
        });
    }
    let trimmed = raw.trim_ascii();
    let without_breaks: Vec<u8> = trimmed
        .iter()
        .copied()
        .filter(|byte| !matches!(byte, b'\t' | b'\r' | b'\n'))
        .collect();
    if without_breaks.is_empty() {
        return Err(UrlError::Empty);
    }
    let before_fragment = match without_breaks.iter().position(|&byte| byte == b'#') {
        Some(hash) => &without_breaks[..hash],
        None => &without_breaks[..],
    };
    let unescaped = unescape_fully(before_fragment).into_owned();

    let (scheme, rest) = split_scheme(&unescaped)?;
    let authority_end = rest
        .iter()
        .position(|&byte| matches!(byte, b'/' | b'\\' | b'?'))
        .unwrap_or(rest.len());
    let (authority, after_authority) = rest.split_at(authority_end);
    let (path, query) = match after_authority.iter().position(|&byte| byte == b'?') {
        Some(mark) => (&after_authority[..mark], Some(&after_authority[mark + 1..])),
        None => (after_authority, None),
    };

    let mut serialized = String::with_capacity(unescaped.len() + 16);
    serialized.push_str(&scheme);
    serialized.push_str("://");
    let host_start = serialized.len();
    let host_kind = push_canonical_host(host_of(authority)?, &mut serialized)?;
    let host_end = serialized.len();
    push_resolved_path(path, &mut serialized);
    let path_end = serialized.len();
    if let Some(query) = query {
        serialized.push('?');
        escape_into(query, &mut serialized);
    }
    Ok(CanonicalUrl {
        serialized,
        parts: Parts {
            host_start,
            host_end,
            path_end,
            host_kind,
        },
    })
}

fn split_scheme(url: &[u8]) -> Result<(String, &[u8]), UrlError> {
    let no_scheme = Ok((String::from("http"), url));
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
    let scheme = String::from_utf8_lossy(candidate).to_ascii_lowercase();
    let is_slash = |byte: &u8| matches!(byte, b'/' | b'\\');
    if SPECIAL_SCHEMES.contains(&scheme.as_str()) {
        let slashes = after_colon.iter().take_while(|byte| is_slash(byte)).count();
        return Ok((scheme, &after_colon[slashes..]));
    }
    if let Some(rest) = after_colon.strip_prefix(b"//") {
        return Ok((scheme, rest));
    }
    if after_colon.first().is_none_or(u8::is_ascii_digit) {
        return no_scheme;
    }
    Err(UrlError::NoNetworkAddress)
}

fn push_canonical_host(raw: &[u8], out: &mut String) -> Result<HostKind, UrlError> {
    if let Some(inner) = raw.strip_prefix(b"[") {
        let literal = inner
            .strip_suffix(b"]")
            .ok_or(UrlError::MalformedIpLiteral)?;
        return push_ipv6(literal, out);
    }
    let mut host = collapse_dots(raw);
    if !host.is_ascii() {
        if let Some(ascii) = std::str::from_utf8(&host)
            .ok()
            .and_then(|text| idna::domain_to_ascii(text).ok())
            .filter(|ascii| !ascii.contains('%'))
        {
            host = collapse_dots(ascii.as_bytes());
        }
    }
    host.make_ascii_lowercase();
    if host.is_empty() {
        return Err(UrlError::NoHost);
    }
    if host.iter().any(|byte| matches!(byte, b'[' | b']')) {
        return Err(UrlError::MalformedIpLiteral);
    }
    if let Some(address) = parse_ipv4(&host) {
        push_display(address, out);
        return Ok(HostKind::Ipv4);
    }
    escape_into(&host, out);
    Ok(HostKind::Domain)
}

fn push_resolved_path(path: &[u8], out: &mut String) {
    let mut segments: Vec<&[u8]> = Vec::new();
    let mut ends_in_directory = true;
    for segment in path.split(|&byte| matches!(byte, b'/' | b'\\')) {
        match segment {
            b"" | b"." => ends_in_directory = true,
            b".." => {
                segments.pop();
                ends_in_directory = true;
            }
            name => {
                segments.push(name);
                ends_in_directory = false;
            }
        }
    }
    out.push('/');
    for (index, segment) in segments.iter().enumerate() {
        if index > 0 {
            out.push('/');
        }
        escape_into(segment, out);
    }
    if ends_in_directory && !segments.is_empty() {
        out.push('/');
    }
}

fn escape_into(bytes: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in bytes {
        if byte <= 0x20 || byte >= 0x7F || byte == b'#' || byte == b'%' {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0F)]));
        } else {
            out.push(char::from(byte));
        }
    }
}
