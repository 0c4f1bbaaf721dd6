//! The byte layout of a bundle (described in the module above) and its size limits: the one
//! place that knows where each field sits, used both to write and to read.

use super::{BundleError, ListKind};
use crate::crypto::SIGNATURE_LEN;

/// The bundle format version this build writes, and the newest it reads. Version 4 gives domain
/// lists their IP address ranges (sections C and D); version 3 began signing a SHA-256 digest of
/// the bundle instead of the bundle itself (see [`signed_message`]).
pub const FORMAT_VERSION: u16 = 4;
/// The oldest bundle format version this build reads. A version 3 bundle is a version 4 bundle
/// whose domain lists have no address ranges, so a phone updated to this build keeps the bundle
/// it holds in force until a newer one arrives; a build that reads only version 3 refuses
/// version 4 bundles whole, never reading their domains without their ranges.
pub const OLDEST_FORMAT_VERSION: u16 = 3;
/// The first format version whose domain lists may hold address ranges.
pub(super) const ADDRESS_RANGES_SINCE: u16 = 4;
/// Largest bundle accepted, in bytes (128 MiB). A million category domains take about 5.3 MB,
/// so this leaves room for every list a phone should carry while bounding what a bad download
/// can make the phone hold.
pub const MAX_BUNDLE_BYTES: usize = 128 << 20;
/// Most lists in one bundle.
pub const MAX_LISTS: usize = 256;
/// Longest list name, in bytes. Names are ASCII letters, digits, `-`, `_` and `.`.
pub const MAX_NAME_BYTES: usize = 64;
/// Most distinct entries in one list (2^23, about 8.4 million). Below this the false-positive
/// bound of domain lists holds (see `domain_set`).
pub const MAX_LIST_ENTRIES: usize = 1 << 23;

/// The first bytes of every bundle.
pub(super) const MAGIC: [u8; 8] = *b"csbundle";
/// Length of the fixed header.
pub(super) const HEADER_LEN: usize = 56;
/// Length of the fixed part of a list record, before its name.
pub(super) const LIST_RECORD_LEN: usize = 24;
/// Length of the per-bundle fingerprint seed.
pub(super) const SEED_LEN: usize = 16;
/// Sections per list record (A to D); a kind of list leaves the ones it does not use empty.
pub(super) const SECTIONS: usize = 4;
/// Where the total length sits.
const TOTAL_LEN_AT: usize = 16;

/// The fixed header of a bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Header {
    /// The format version: [`FORMAT_VERSION`] in a bundle this build writes.
    pub(super) format: u16,
    pub(super) list_count: u32,
    pub(super) total_len: u64,
    pub(super) version: u64,
    pub(super) expires_at: u64,
    pub(super) seed: [u8; SEED_LEN],
}

impl Header {
    pub(super) fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&self.format.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&self.list_count.to_le_bytes());
        out.extend_from_slice(&self.total_len.to_le_bytes());
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&self.expires_at.to_le_bytes());
        out.extend_from_slice(&self.seed);
    }

    /// Reads the header of `bytes`, which [`check_envelope`] has already accepted.
    pub(super) fn parse(reader: &mut Reader<'_>) -> Result<Self, BundleError> {
        let magic = reader.take(MAGIC.len())?;
        let format = reader.u16()?;
        if magic != MAGIC || !is_readable(format) {
            return Err(BundleError::Malformed(
                "the header changed after it was checked",
            ));
        }
        if reader.u16()? != 0 {
            return Err(BundleError::Malformed("reserved header flags are set"));
        }
        let list_count = reader.u32()?;
        let total_len = reader.u64()?;
        let version = reader.u64()?;
        let expires_at = reader.u64()?;
        let seed = reader.array()?;
        Ok(Self {
            format,
            list_count,
            total_len,
            version,
            expires_at,
            seed,
        })
    }
}

/// Separates the signature of a bundle from anything else an Ed25519 key might sign. It names
/// format version 3, where this way of signing began; later versions sign the same way (the
/// format version is checked before the signature, so no bundle is read in another's format).
const SIGNATURE_CONTEXT: &[u8] = b"childsafe list bundle signature v3\0";

/// What a bundle's Ed25519 signature signs: `SIGNATURE_CONTEXT`, then the SHA-256 of `signed`,
/// every byte of the bundle before the signature.
///
/// Ed25519 hashes what it signs with SHA-512, and checking a signature over the whole bundle
/// would cost a SHA-512 pass over megabytes at every start. SHA-256 runs on the CPU's own
/// instructions on the phones' ARMv8 cores and on current x86-64 (about three times faster than
/// SHA-512 here), so the phone hashes the bundle once with it and checks the signature over 32
/// bytes. Forging a bundle then needs a SHA-256 collision or second preimage.
///
/// Public so that a tool signing bundles elsewhere (an HSM, a fuzzer) signs the same message.
pub fn signed_message(signed: &[u8]) -> Vec<u8> {
    let digest = crate::crypto::sha256_of_parts(&[signed]);
    [SIGNATURE_CONTEXT, &digest].concat()
}

/// Checks what must hold before the signature can even be looked for: size, magic, format
/// version and the total length. Returns the signed part and the signature.
pub(super) fn check_envelope(bytes: &[u8]) -> Result<(&[u8], &[u8]), BundleError> {
    if bytes.len() > MAX_BUNDLE_BYTES {
        return Err(BundleError::TooLarge {
            what: "the bundle",
            limit: MAX_BUNDLE_BYTES as u64,
        });
    }
    let mut reader = Reader::new(bytes);
    let magic = reader.take(MAGIC.len()).map_err(|_| short(bytes, &MAGIC))?;
    if magic != MAGIC {
        return Err(BundleError::BadMagic);
    }
    let format = reader.u16().map_err(|_| BundleError::Truncated)?;
    if !is_readable(format) {
        return Err(BundleError::UnsupportedFormat {
            found: format,
            supported: FORMAT_VERSION,
        });
    }
    let total_len = bytes
        .get(TOTAL_LEN_AT..TOTAL_LEN_AT + 8)
        .and_then(|field| <[u8; 8]>::try_from(field).ok())
        .map(u64::from_le_bytes)
        .ok_or(BundleError::Truncated)?;
    if total_len > bytes.len() as u64 || bytes.len() < HEADER_LEN + SIGNATURE_LEN {
        return Err(BundleError::Truncated);
    }
    if total_len < bytes.len() as u64 {
        return Err(BundleError::Malformed(
            "bytes follow the end the header gives (two bundles joined, or a bad header)",
        ));
    }
    Ok(bytes.split_at(bytes.len() - SIGNATURE_LEN))
}

/// Whether this build reads bundles of format version `format`.
fn is_readable(format: u16) -> bool {
    (OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&format)
}

/// A short input is reported as truncated if it could be the start of a bundle, else as not a
/// bundle at all.
fn short(bytes: &[u8], magic: &[u8]) -> BundleError {
    if magic.starts_with(bytes) {
        BundleError::Truncated
    } else {
        BundleError::BadMagic
    }
}

/// List record flag: the domain list has an entry of a single label (a top-level domain such
/// as `tk`, or a name without dots). Without it, lookups skip a URL's single-label suffixes,
/// which no entry of the list can equal.
pub(super) const HOLDS_SINGLE_LABELS: u8 = 1;

/// The fixed part of one list record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ListRecord {
    pub(super) kind: ListKind,
    pub(super) name_len: u8,
    /// Bucket bits for domain lists, the Rice parameter for hashed URL lists.
    pub(super) parameter: u8,
    /// [`HOLDS_SINGLE_LABELS`] or 0; always 0 for a hashed URL list.
    pub(super) flags: u8,
    pub(super) entries: u32,
    /// Lengths of sections A to D, which follow the name in that order.
    pub(super) sections: [u32; SECTIONS],
}

impl ListRecord {
    pub(super) fn write_to(&self, out: &mut Vec<u8>) {
        out.push(kind_code(self.kind));
        out.push(self.name_len);
        out.push(self.parameter);
        out.push(self.flags);
        out.extend_from_slice(&self.entries.to_le_bytes());
        for length in self.sections {
            out.extend_from_slice(&length.to_le_bytes());
        }
    }

    pub(super) fn parse(reader: &mut Reader<'_>) -> Result<Self, BundleError> {
        let kind = match reader.u8()? {
            1 => ListKind::Category,
            2 => ListKind::Allow,
            3 => ListKind::HashedUrls,
            _ => return Err(BundleError::Malformed("a list has an unknown kind")),
        };
        let name_len = reader.u8()?;
        let parameter = reader.u8()?;
        let flags = reader.u8()?;
        if flags & !HOLDS_SINGLE_LABELS != 0 || (!kind.holds_domains() && flags != 0) {
            return Err(BundleError::Malformed("a list record has unknown flags"));
        }
        let entries = reader.u32()?;
        let sections = [reader.u32()?, reader.u32()?, reader.u32()?, reader.u32()?];
        if entries as usize > MAX_LIST_ENTRIES {
            return Err(BundleError::TooLarge {
                what: "a list's entry count",
                limit: MAX_LIST_ENTRIES as u64,
            });
        }
        Ok(Self {
            kind,
            name_len,
            parameter,
            flags,
            entries,
            sections,
        })
    }
}

fn kind_code(kind: ListKind) -> u8 {
    match kind {
        ListKind::Category => 1,
        ListKind::Allow => 2,
        ListKind::HashedUrls => 3,
    }
}

/// Checks a list name: 1 to [`MAX_NAME_BYTES`] ASCII letters, digits, `-`, `_` or `.`. Names
/// appear on the command line as `NAME=FILE` and in block pages, so nothing else is needed.
pub(super) fn check_list_name(name: &[u8]) -> Result<&str, BundleError> {
    if name.len() > MAX_NAME_BYTES {
        return Err(BundleError::TooLarge {
            what: "a list name",
            limit: MAX_NAME_BYTES as u64,
        });
    }
    let allowed = |byte: &u8| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.');
    if name.is_empty() || !name.iter().all(allowed) {
        return Err(BundleError::InvalidList(
            "a list name must be 1 to 64 ASCII letters, digits, '-', '_' or '.'",
        ));
    }
    std::str::from_utf8(name).map_err(|_| BundleError::InvalidList("a list name is not ASCII"))
}

/// A cursor over untrusted bytes: every read is bounds-checked and a read past the end is an
/// error, never a panic.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, position: 0 }
    }

    /// How many bytes have been read.
    pub(super) fn position(&self) -> usize {
        self.position
    }

    /// Whether every byte has been read.
    pub(super) fn is_at_end(&self) -> bool {
        self.position == self.bytes.len()
    }

    /// The next `len` bytes.
    pub(super) fn take(&mut self, len: usize) -> Result<&'a [u8], BundleError> {
        let end = self
            .position
            .checked_add(len)
            .filter(|&end| end <= self.bytes.len())
            .ok_or(BundleError::Malformed(
                "a field or section runs past the end of the bundle",
            ))?;
        let taken = &self.bytes[self.position..end];
        self.position = end;
        Ok(taken)
    }

    pub(super) fn array<const N: usize>(&mut self) -> Result<[u8; N], BundleError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(super) fn u8(&mut self) -> Result<u8, BundleError> {
        Ok(u8::from_le_bytes(self.array()?))
    }

    pub(super) fn u16(&mut self) -> Result<u16, BundleError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    pub(super) fn u32(&mut self) -> Result<u32, BundleError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub(super) fn u64(&mut self) -> Result<u64, BundleError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
}

/// The little-endian `u16` at index `index` of an array of them, or `None` past its end.
#[inline]
pub(super) fn u16_at(bytes: &[u8], index: usize) -> Option<u16> {
    let start = index.checked_mul(2)?;
    let field = bytes.get(start..start.checked_add(2)?)?;
    Some(u16::from_le_bytes([field[0], field[1]]))
}

/// The little-endian `u32` at index `index` of an array of them, or `None` past its end.
#[inline]
pub(super) fn u32_at(bytes: &[u8], index: usize) -> Option<u32> {
    let start = index.checked_mul(4)?;
    let field = bytes.get(start..start.checked_add(4)?)?;
    let mut out = [0u8; 4];
    out.copy_from_slice(field);
    Some(u32::from_le_bytes(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            format: FORMAT_VERSION,
            list_count: 2,
            total_len: (HEADER_LEN + SIGNATURE_LEN) as u64,
            version: 7,
            expires_at: 1_900_000_000,
            seed: [9; SEED_LEN],
        }
    }

    #[test]
    fn header_round_trips_and_has_the_documented_length() {
        let mut bytes = Vec::new();
        header().write_to(&mut bytes);
        assert_eq!(bytes.len(), HEADER_LEN);
        assert_eq!(Header::parse(&mut Reader::new(&bytes)).unwrap(), header());
        let older = Header {
            format: OLDEST_FORMAT_VERSION,
            ..header()
        };
        let mut bytes = Vec::new();
        older.write_to(&mut bytes);
        assert_eq!(Header::parse(&mut Reader::new(&bytes)).unwrap(), older);
    }

    #[test]
    fn the_envelope_names_what_is_wrong() {
        let mut bytes = Vec::new();
        header().write_to(&mut bytes);
        bytes.extend_from_slice(&[0; SIGNATURE_LEN]);
        assert!(check_envelope(&bytes).is_ok());
        assert_eq!(check_envelope(b"csb"), Err(BundleError::Truncated));
        assert_eq!(check_envelope(b"PK\x03\x04"), Err(BundleError::BadMagic));
        assert_eq!(check_envelope(&bytes[..40]), Err(BundleError::Truncated));
        assert_eq!(
            check_envelope(&bytes[..bytes.len() - 1]),
            Err(BundleError::Truncated)
        );
        let mut older = bytes.clone();
        older[MAGIC.len()..MAGIC.len() + 2].copy_from_slice(&OLDEST_FORMAT_VERSION.to_le_bytes());
        assert!(check_envelope(&older).is_ok());
        let mut joined = bytes.clone();
        joined.push(0);
        assert!(matches!(
            check_envelope(&joined),
            Err(BundleError::Malformed(_))
        ));
        for other in [OLDEST_FORMAT_VERSION - 1, FORMAT_VERSION + 1] {
            let mut other_format = bytes.clone();
            other_format[MAGIC.len()..MAGIC.len() + 2].copy_from_slice(&other.to_le_bytes());
            assert_eq!(
                check_envelope(&other_format),
                Err(BundleError::UnsupportedFormat {
                    found: other,
                    supported: FORMAT_VERSION
                })
            );
        }
    }

    #[test]
    fn list_records_round_trip() {
        let record = ListRecord {
            kind: ListKind::HashedUrls,
            name_len: 5,
            parameter: 17,
            flags: 0,
            entries: 1000,
            sections: [1, 2, 3, 4],
        };
        let mut bytes = Vec::new();
        record.write_to(&mut bytes);
        assert_eq!(bytes.len(), LIST_RECORD_LEN);
        assert_eq!(ListRecord::parse(&mut Reader::new(&bytes)).unwrap(), record);
        let mut unknown_kind = bytes.clone();
        unknown_kind[0] = 9;
        assert!(ListRecord::parse(&mut Reader::new(&unknown_kind)).is_err());
        // Only a domain list may hold single labels, and no other flag exists.
        let mut flagged = bytes.clone();
        flagged[3] = HOLDS_SINGLE_LABELS;
        assert!(ListRecord::parse(&mut Reader::new(&flagged)).is_err());
        flagged[0] = 1;
        assert!(ListRecord::parse(&mut Reader::new(&flagged)).is_ok());
        flagged[3] = 2;
        assert!(ListRecord::parse(&mut Reader::new(&flagged)).is_err());
    }

    #[test]
    fn list_names_are_short_plain_ascii() {
        assert_eq!(
            check_list_name(b"adult-2024_v1.x").unwrap(),
            "adult-2024_v1.x"
        );
        assert!(check_list_name(b"").is_err());
        assert!(check_list_name(b"a=b").is_err());
        assert!(check_list_name("dé".as_bytes()).is_err());
        assert!(check_list_name(&[b'a'; MAX_NAME_BYTES]).is_ok());
        assert!(check_list_name(&[b'a'; MAX_NAME_BYTES + 1]).is_err());
    }

    #[test]
    fn reads_past_the_end_are_errors() {
        let mut reader = Reader::new(&[1, 2, 3]);
        assert_eq!(reader.u16().unwrap(), 0x0201);
        assert!(reader.u16().is_err());
        assert_eq!(reader.u8().unwrap(), 3);
        assert!(reader.is_at_end());
        assert!(reader.take(usize::MAX).is_err());
        assert_eq!(u32_at(&[1, 0, 0, 0, 2], 0), Some(1));
        assert_eq!(u32_at(&[1, 0, 0, 0, 2], 1), None);
        assert_eq!(u32_at(&[], usize::MAX), None);
        assert_eq!(u16_at(&[1, 0, 2], 0), Some(1));
        assert_eq!(u16_at(&[1, 0, 2], 1), None);
        assert_eq!(u16_at(&[], usize::MAX), None);
    }
}
