//! Base32 (RFC 4648, section 6), the form a parent-code secret takes on screen and in a QR code.
//!
//! Authenticator apps expect the secret in this alphabet (`A`-`Z`, `2`-`7`), which survives
//! being read aloud or typed: no `0`/`O` or `1`/`l` pairs. Encoding writes upper case without
//! padding, as the `otpauth://` key URI format asks. Decoding is lenient about what people type
//! (lower case, spaces and dashes between groups, trailing `=` padding) and strict about the
//! rest: any other character, or leftover bits that are not zero, is refused, so each secret has
//! exactly one reading.

/// The RFC 4648 base32 alphabet, indexed by 5-bit value.
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Why text is not base32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct InvalidBase32;

/// `bytes` in base32, upper case; padded with `=` to a multiple of 8 characters when `padded`.
pub(crate) fn encode(bytes: &[u8], padded: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u16 = 0;
    let mut bits = 0u32;
    for &byte in bytes {
        buffer = (buffer << 8) | u16::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(symbol(buffer >> bits));
        }
        // At most four bits are left over; drop the consumed ones so the buffer never overflows.
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(symbol(buffer << (5 - bits)));
    }
    if padded {
        while out.len() % 8 != 0 {
            out.push('=');
        }
    }
    out
}

/// The bytes written in base32 `text`; see the module documentation for what is accepted.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, InvalidBase32> {
    let text = text.trim_end_matches(['=', ' ']);
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u16 = 0;
    let mut bits = 0u32;
    for character in text.bytes() {
        if matches!(character, b' ' | b'-') {
            continue;
        }
        let value = ALPHABET
            .iter()
            .position(|&known| known == character.to_ascii_uppercase())
            .ok_or(InvalidBase32)?;
        // `position` in a 32-entry table is below 32, so it fits in a u16.
        buffer = (buffer << 5) | value as u16;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    // Whatever bits are left are padding: fewer than a byte, and all zero in canonical text.
    if bits >= 5 || buffer != 0 {
        return Err(InvalidBase32);
    }
    Ok(out)
}

/// The alphabet symbol for the low five bits of `value`.
fn symbol(value: u16) -> char {
    char::from(ALPHABET[usize::from(value & 0x1f)])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4648, section 10: the base32 test vectors.
    const RFC_4648_VECTORS: [(&str, &str); 7] = [
        ("", ""),
        ("f", "MY======"),
        ("fo", "MZXQ===="),
        ("foo", "MZXW6==="),
        ("foob", "MZXW6YQ="),
        ("fooba", "MZXW6YTB"),
        ("foobar", "MZXW6YTBOI======"),
    ];

    #[test]
    fn encodes_and_decodes_the_rfc_4648_vectors() {
        for (plain, encoded) in RFC_4648_VECTORS {
            assert_eq!(encode(plain.as_bytes(), true), encoded);
            assert_eq!(
                encode(plain.as_bytes(), false),
                encoded.trim_end_matches('=')
            );
            assert_eq!(decode(encoded).unwrap(), plain.as_bytes(), "{encoded}");
            assert_eq!(
                decode(encoded.trim_end_matches('=')).unwrap(),
                plain.as_bytes()
            );
        }
    }

    #[test]
    fn decoding_accepts_what_people_type() {
        assert_eq!(decode("mzxw 6ytb-oi").unwrap(), b"foobar");
    }

    #[test]
    fn decoding_refuses_other_alphabets_and_loose_bits() {
        for bad in ["MZXW1", "MZXW6YTB0I", "MZ=XW", "MZXW6YTBOJ", "M", "MZX"] {
            assert_eq!(decode(bad), Err(InvalidBase32), "{bad}");
        }
    }

    #[test]
    fn every_byte_value_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        for length in 0..bytes.len() {
            let slice = &bytes[..length];
            assert_eq!(decode(&encode(slice, false)).unwrap(), slice);
        }
    }
}
