//! Percent-unescaping to a fixed point and the re-escaping of canonical URLs.
//!
//! Safe Browsing canonicalization unescapes a URL "repeatedly until it has no more
//! percent-escapes", so that `%2525252E` and `.` name the same thing. Done naively (one full pass
//! per round) that costs time quadratic in the length of the URL, which a hostile page can choose.
//! [`unescape_fully`] reaches the same fixed point in one pass over the input, and without a copy
//! when there is no `%` at all, as in most URLs.
//!
//! Each part of a URL (host, path, query) is unescaped on its own, after the parts were found on
//! the raw input, and re-escaped by [`escape_into`] for the part it is in: an escaped `/`, `?`,
//! `#`, `\` or `@` never moves a boundary between parts.

use std::borrow::Cow;

/// Hex digits of escapes, uppercase as canonical URLs write them.
const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";

/// Percent-decodes `input` until no `%XX` escape (two hex digits) is left.
///
/// Works like a stack: each byte is pushed to the output, and whenever the output ends in a
/// complete escape that escape is replaced by the byte it encodes. The decoded byte may itself
/// complete an escape with the two bytes before it (`%2` followed by `%35` gives `%25`, then `%`),
/// so the check repeats. Every replacement shortens the output by two bytes, which bounds the work
/// by the input length. Without a `%` there is nothing to decode and `input` itself is returned.
pub(crate) fn unescape_fully(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.contains(&b'%') {
        return Cow::Borrowed(input);
    }
    let mut out = Vec::with_capacity(input.len());
    for &byte in input {
        out.push(byte);
        while let Some(decoded) = trailing_escape(&out) {
            out.truncate(out.len() - 3);
            out.push(decoded);
        }
    }
    Cow::Owned(out)
}

/// Percent-decodes `input` once, as a server decodes a form value: `%252F` becomes `%2F`, not
/// `/`. Bytes that are not UTF-8 once decoded become U+FFFD. Borrowed when there is no `%`.
pub(crate) fn unescape_once(input: &str) -> Cow<'_, str> {
    if !input.contains('%') {
        return Cow::Borrowed(input);
    }
    Cow::Owned(String::from_utf8_lossy(&unescape_pass(input.as_bytes())).into_owned())
}

/// One left-to-right pass that decodes every `%XX` escape of `input` (two hex digits), and only
/// those: a decoded byte never joins the bytes around it into a new escape.
fn unescape_pass(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut index = 0;
    while index < input.len() {
        match input.get(index..index + 3).and_then(trailing_escape) {
            Some(decoded) => {
                out.push(decoded);
                index += 3;
            }
            None => {
                out.push(input[index]);
                index += 1;
            }
        }
    }
    out
}

/// The part of a canonical URL some bytes are escaped for. Every part escapes what a canonical URL
/// may not carry literally (controls and space, DEL and everything above, `#` and `%`); each also
/// escapes what would end it, so that no unescaped byte can move a boundary when the canonical
/// URL is read again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UrlPart {
    /// A host, whose ASCII letters are also lowercased (the escapes' hex digits stay uppercase).
    /// `/`, `\`, `?`, `@` and `:` would end it or move it; browsers refuse a host holding one,
    /// so only hosts that never load are escaped this way.
    Host,
    /// One segment of a path: `?` would start the query.
    PathSegment,
    /// The query: the fragment's `#` is the only byte that could end it, and it is escaped in
    /// every part.
    Query,
}

impl UrlPart {
    /// Whether a canonical URL must carry `byte` escaped in this part.
    fn must_escape(self, byte: u8) -> bool {
        let anywhere = byte <= 0x20 || byte >= 0x7F || byte == b'#' || byte == b'%';
        anywhere
            || match self {
                Self::Host => matches!(byte, b'/' | b'\\' | b'?' | b'@' | b':'),
                Self::PathSegment => byte == b'?',
                Self::Query => false,
            }
    }
}

/// Appends `bytes` to `out` as `part` of a canonical URL: each run of bytes that need no escape
/// in one piece, then the escape (uppercase hex) of the byte that ends it.
pub(crate) fn escape_into(mut bytes: &[u8], part: UrlPart, out: &mut String) {
    while !bytes.is_empty() {
        let run_len = bytes
            .iter()
            .position(|&byte| part.must_escape(byte))
            .unwrap_or(bytes.len());
        let (run, rest) = bytes.split_at(run_len);
        // A run holds only bytes 0x21..=0x7E, which are ASCII and so always UTF-8.
        if let Ok(run) = std::str::from_utf8(run) {
            let start = out.len();
            out.push_str(run);
            if part == UrlPart::Host {
                out[start..].make_ascii_lowercase();
            }
        }
        let Some((&byte, rest)) = rest.split_first() else {
            break;
        };
        out.push('%');
        out.push(char::from(HEX_DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(HEX_DIGITS[usize::from(byte & 0x0F)]));
        bytes = rest;
    }
}

/// The byte encoded by the escape at the very end of `bytes`, if `bytes` ends in `%XX`.
fn trailing_escape(bytes: &[u8]) -> Option<u8> {
    match bytes {
        [.., b'%', high, low] => Some(hex_value(*high)? << 4 | hex_value(*low)?),
        _ => None,
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The rule as written: decode every escape in one left-to-right pass, and repeat the
    /// passes until one changes nothing.
    fn unescape_by_passes(input: &[u8]) -> Vec<u8> {
        let mut current = input.to_vec();
        loop {
            let next = unescape_pass(&current);
            if next == current {
                return next;
            }
            current = next;
        }
    }

    #[test]
    fn nested_escapes_unwind_completely() {
        assert_eq!(&*unescape_fully(b"%2525252525252525"), b"%");
        assert_eq!(&*unescape_fully(b"%25%32%35"), b"%");
        assert_eq!(&*unescape_fully(b"%%%25%32%35asd%%"), b"%%%asd%%");
        assert_eq!(&*unescape_fully(b"%2%35"), b"%");
    }

    #[test]
    fn unescaping_once_decodes_each_escape_of_the_input_only() {
        assert_eq!(unescape_once("a%252Fb%2F%zz%4"), "a%2Fb/%zz%4");
        assert_eq!(unescape_once("%C3%BC%FF"), "ü\u{fffd}");
        assert!(matches!(unescape_once("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn incomplete_escapes_stay_literal() {
        assert_eq!(&*unescape_fully(b"100%"), b"100%");
        assert_eq!(&*unescape_fully(b"%zz%4"), b"%zz%4");
        assert_eq!(&*unescape_fully(b"%4g"), b"%4g");
    }

    #[test]
    fn escaping_uses_uppercase_hex_for_exactly_the_listed_bytes() {
        let escaped = |part| {
            let mut out = String::new();
            escape_into(b" #%\x01\x7f\xffA~!?/@:\\", part, &mut out);
            out
        };
        assert_eq!(escaped(UrlPart::Query), "%20%23%25%01%7F%FFA~!?/@:\\");
        assert_eq!(
            escaped(UrlPart::PathSegment),
            "%20%23%25%01%7F%FFA~!%3F/@:\\"
        );
        assert_eq!(
            escaped(UrlPart::Host),
            "%20%23%25%01%7F%FFa~!%3F%2F%40%3A%5C"
        );
    }

    proptest! {
        #[test]
        fn one_pass_reaches_the_same_fixed_point_as_repeated_passes(
            input in proptest::collection::vec(
                prop_oneof![Just(b'%'), Just(b'2'), Just(b'5'), Just(b'a'), Just(b'F'), any::<u8>()],
                0..40,
            )
        ) {
            prop_assert_eq!(&*unescape_fully(&input), unescape_by_passes(&input));
        }
    }
}
