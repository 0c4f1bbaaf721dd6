//! The host prefilter of a hashed URL list: short keyed fingerprints of the hosts its entries
//! are on, so that most URLs are decided before any lookup expression is hashed.
//!
//! Every entry of a hashed URL list is the SHA-256 of an expression `host/path`, and a URL can
//! only match an entry whose host is one of its (at most five) lookup host suffixes. So the list
//! also keeps, for each distinct entry host, the top `b` bits of the bundle's keyed 56-bit domain
//! fingerprint of it (see `domain_set`), in the same bucketed layout as domain lists. A lookup
//! takes the fingerprints the decision has already made for its host suffixes, and only a
//! suffix found here has its expressions hashed and looked up in the prefix set.
//!
//! # How many bits, and what they reveal
//!
//! With `h` distinct hosts, `b = ceil(log2 h) + NOISE_BITS` (7), so `2^b` lies between `128·h`
//! and `256·h`, and a host that carries no entry is found with probability `h / 2^b`: between
//! 1 in 256 and 1 in 128. That is the point, not a side effect:
//!
//! - *Speed.* A URL has at most five host suffixes, so at most about 5/128 ≈ 4 % of URLs off
//!   the list (in practice, with two or three suffixes, 1 to 2 %) pay for hashing up to six
//!   expressions each; every other URL costs a bit test per host suffix. The bundle stores the
//!   fingerprints in about three bytes per host; opening it spreads them into a bitmap of up to
//!   256 KiB (`2^b` bits, or the top 21 bits of each fingerprint for a filter of over 16,384
//!   hosts, whose set bits are then confirmed in the stored filter). A false "maybe" costs
//!   time only: the full hashes decide.
//! - *Privacy.* The bundle holds no host names, and the filter cannot be used to confirm one:
//!   someone holding a bundle (the key is in it) who tests a dictionary of `D` host names finds
//!   the real ones among about `D/256` to `D/128` others that match by chance, with nothing in
//!   the filter to tell them apart. Fingerprints as long as the domain lists' (56 bits) would
//!   have named every listed host with certainty. What remains is what the full hashes always
//!   revealed: an expression that can be guessed whole (`host/` for a listed site root) can be
//!   hashed and checked against the list, with or without this filter.
//!
//! Size: about `b - q` bits rounded up to whole bytes per host, plus a four-byte bucket offset
//! per [`MAX_MEAN_BUCKET`] hosts, so about 3 bytes per host (2,000 hosts take about 6 KiB), or
//! 0.6 bytes per entry for a list of five entries per host.
//!
//! # Byte layout (section D of a hashed URL list)
//!
//! ```text
//! 0  fingerprint bits  u8   b, 1..=56
//! 1  bucket bits       u8   q, below b and at most 24
//! 2  reserved          u16  0
//! 4  host count        u32  distinct b-bit fingerprints
//! 8  bucket offsets    as section A of a domain list (see `domain_set`), then the remainders,
//!                      host count × ceil((b - q) / 8) bytes
//! ```

use std::ops::Range;

use super::BundleError;
use super::domain_set::{self, DomainSet, DomainSetShape, FingerprintKey};
use super::format::Reader;

/// Bits of noise: a host that carries no entry passes the filter with probability between
/// `2^-(NOISE_BITS + 1)` and `2^-NOISE_BITS`.
const NOISE_BITS: u32 = 7;
/// Most hosts per bucket, on average. The filter is asked for every host suffix of every URL
/// and is small (a few KiB), so it spends some bytes on short buckets: a lookup reads its bucket
/// offsets and one or two remainders instead of searching a long bucket step by step.
const MAX_MEAN_BUCKET: usize = 4;
/// Bytes of the section's own header, before the bucket offsets.
const HEADER_BYTES: usize = 8;
/// Most bits of the bitmap an opened filter keeps in memory (see [`HostFilterShape::parse`]):
/// `2^21` bits take 256 KiB, enough to hold the whole filter for up to 16,384 hosts (whose
/// fingerprints have `14 + NOISE_BITS` bits).
const MAX_BITMAP_BITS: u32 = 21;

/// Encodes the filter of the hosts whose 56-bit fingerprints are `host_fingerprints` (any order,
/// duplicates allowed) as section D of a hashed URL list.
pub(super) fn encode(mut host_fingerprints: Vec<u64>) -> Result<Vec<u8>, BundleError> {
    host_fingerprints.sort_unstable();
    host_fingerprints.dedup();
    let bits = fingerprint_bits(host_fingerprints.len());
    let set = domain_set::encode_truncated(host_fingerprints, bits, MAX_MEAN_BUCKET)?;
    let mut out = Vec::with_capacity(HEADER_BYTES + set.offsets.len() + set.remainders.len());
    // Fingerprint bits are at most 23 + NOISE_BITS = 30 (entry counts are capped at
    // MAX_LIST_ENTRIES = 2^23, checked by the builder), so they fit a byte.
    out.push(set.fingerprint_bits as u8);
    out.push(set.bucket_bits);
    out.extend_from_slice(&0u16.to_le_bytes());
    // At most MAX_LIST_ENTRIES distinct hosts, one per entry.
    out.extend_from_slice(&(set.entries as u32).to_le_bytes());
    out.extend_from_slice(&set.offsets);
    out.extend_from_slice(&set.remainders);
    Ok(out)
}

/// Fingerprint bits for `hosts` distinct hosts: `ceil(log2 hosts) + NOISE_BITS`.
fn fingerprint_bits(hosts: usize) -> u32 {
    hosts.max(1).next_power_of_two().trailing_zeros() + NOISE_BITS
}

/// Where a checked host filter lies in the bundle's bytes, and its bitmap.
#[derive(Clone, Debug)]
pub(super) struct HostFilterShape {
    set: DomainSetShape,
    section_len: usize,
    bitmap: Bitmap,
}

/// One bit for each value of the top `bits` bits of a fingerprint, set when a host of the filter
/// has them. Made when the bundle is opened: the filter is asked for every host suffix of every
/// URL, and a bit test costs a few instructions where a bucket lookup costs a hundred or more.
#[derive(Clone, Debug)]
struct Bitmap {
    words: Vec<u64>,
    bits: u32,
    /// Whether `bits` are all of the filter's fingerprint bits, so that the bitmap answers on
    /// its own; otherwise a set bit is confirmed in the filter.
    exact: bool,
}

impl Bitmap {
    /// The bitmap of `fingerprints`, of `fingerprint_bits` bits each.
    fn of(fingerprints: impl Iterator<Item = u64>, fingerprint_bits: u32) -> Self {
        let bits = fingerprint_bits.min(MAX_BITMAP_BITS);
        let mut words = vec![0u64; (1usize << bits).div_ceil(64)];
        for fingerprint in fingerprints {
            let index = (fingerprint >> (fingerprint_bits - bits)) as usize;
            if let Some(word) = words.get_mut(index / 64) {
                *word |= 1 << (index % 64);
            }
        }
        Self {
            words,
            bits,
            exact: bits == fingerprint_bits,
        }
    }

    /// Whether the bit of a 56-bit fingerprint is set.
    #[inline]
    fn holds(&self, fingerprint: u64) -> bool {
        let index = (fingerprint >> (domain_set::FINGERPRINT_BITS - self.bits)) as usize;
        self.words
            .get(index / 64)
            .is_some_and(|word| word & (1 << (index % 64)) != 0)
    }
}

impl HostFilterShape {
    /// Checks section D of a hashed URL list, `section` in `bytes`: its header, and the bucket
    /// offsets and remainders as for a domain list (see `DomainSetShape::parse`).
    pub(super) fn parse(bytes: &[u8], section: Range<usize>) -> Result<Self, BundleError> {
        let outside = BundleError::Malformed("a hashed list's host filter lies outside the bundle");
        let body = bytes.get(section.clone()).ok_or(outside)?;
        let mut reader = Reader::new(body);
        let fingerprint_bits = reader.u8()?;
        let bucket_bits = reader.u8()?;
        if reader.u16()? != 0 {
            return Err(BundleError::Malformed(
                "a hashed list's host filter has reserved bits set",
            ));
        }
        let hosts = reader.u32()?;
        let offsets_len = domain_set::offsets_len(bucket_bits).ok_or(BundleError::Malformed(
            "a hashed list's host filter has too many buckets",
        ))?;
        let offsets_start = section.start + reader.position();
        let offsets_end = offsets_start
            .checked_add(offsets_len)
            .filter(|&end| end <= section.end)
            .ok_or(BundleError::Malformed(
                "a hashed list's host filter is cut short",
            ))?;
        let set = DomainSetShape::parse_truncated(
            bytes,
            u32::from(fingerprint_bits),
            bucket_bits,
            hosts,
            offsets_start..offsets_end,
            offsets_end..section.end,
        )?;
        let bitmap = Bitmap::of(set.fingerprints(bytes), u32::from(fingerprint_bits));
        Ok(Self {
            set,
            section_len: section.len(),
            bitmap,
        })
    }

    /// The filter over `bytes`, the buffer this shape was parsed from.
    #[inline]
    pub(super) fn view<'a>(&'a self, bytes: &'a [u8], key: &'a FingerprintKey) -> HostFilter<'a> {
        HostFilter {
            set: self.set.view(bytes, key),
            bitmap: &self.bitmap,
            section_len: self.section_len,
        }
    }
}

/// A host filter, read in place from a bundle's bytes.
#[derive(Clone, Copy)]
pub(super) struct HostFilter<'a> {
    set: DomainSet<'a>,
    bitmap: &'a Bitmap,
    section_len: usize,
}

impl<'a> HostFilter<'a> {
    /// Bytes the filter occupies in the bundle, header included.
    pub(super) fn bytes_used(&self) -> usize {
        self.section_len
    }

    /// The key the filter's fingerprints are made with (the bundle's).
    pub(super) fn key(&self) -> &'a FingerprintKey {
        self.set.key()
    }

    /// Whether the list may hold an entry on the host suffix whose 56-bit fingerprint under
    /// [`Self::key`] is `fingerprint`. Never false for a host that carries an entry.
    #[inline]
    pub(super) fn may_hold_fingerprint(&self, fingerprint: u64) -> bool {
        self.bitmap.holds(fingerprint)
            && (self.bitmap.exact || self.set.contains_fingerprint(fingerprint))
    }

    /// Whether the list may hold an entry on `host_suffix`.
    pub(super) fn may_hold(&self, host_suffix: &str) -> bool {
        self.may_hold_fingerprint(self.set.key().fingerprint(host_suffix.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::bundle::format::SEED_LEN;

    fn filter_of(hosts: &[String], key: &FingerprintKey) -> (Vec<u8>, HostFilterShape) {
        let bytes = encode(
            hosts
                .iter()
                .map(|host| key.fingerprint(host.as_bytes()))
                .collect(),
        )
        .unwrap();
        let shape = HostFilterShape::parse(&bytes, 0..bytes.len()).unwrap();
        (bytes, shape)
    }

    #[test]
    fn bits_grow_with_the_log_of_the_host_count() {
        assert_eq!(fingerprint_bits(0), NOISE_BITS);
        assert_eq!(fingerprint_bits(1), NOISE_BITS);
        assert_eq!(fingerprint_bits(2), NOISE_BITS + 1);
        assert_eq!(fingerprint_bits(2_000), 11 + NOISE_BITS);
        assert_eq!(fingerprint_bits(2_048), 11 + NOISE_BITS);
        assert_eq!(fingerprint_bits(1 << 23), 23 + NOISE_BITS);
    }

    #[test]
    fn every_host_passes_and_about_one_other_in_128_to_256() {
        let key = FingerprintKey::from_seed(&[4; SEED_LEN]);
        let hosts: Vec<String> = (0..2_000).map(|i| format!("host{i}.example")).collect();
        let (bytes, shape) = filter_of(&hosts, &key);
        let filter = shape.view(&bytes, &key);
        assert!(hosts.iter().all(|host| filter.may_hold(host)));
        let others = 200_000;
        let passed = (0..others)
            .filter(|i| filter.may_hold(&format!("other{i}.example")))
            .count();
        // 2,000 hosts in 2^18 fingerprints: 1 in 131 expected.
        let rate = passed as f64 / others as f64;
        assert!((1.0 / 256.0..1.0 / 100.0).contains(&rate), "{rate}");
        assert!(bytes.len() < 4 * hosts.len(), "{}", bytes.len());
    }

    /// The bitmap must give the stored filter's answer for every host: on its own for a small
    /// filter, and for one with more fingerprint bits than the bitmap (over 16,384 hosts) with
    /// each set bit confirmed in the filter.
    #[test]
    fn the_bitmap_answers_as_the_stored_filter_does() {
        let key = FingerprintKey::from_seed(&[6; SEED_LEN]);
        for count in [300, 20_000] {
            let hosts: Vec<String> = (0..count).map(|i| format!("host{i}.example")).collect();
            let (bytes, shape) = filter_of(&hosts, &key);
            assert_eq!(shape.bitmap.exact, count < 16_384, "{count}");
            let filter = shape.view(&bytes, &key);
            let mut passed = 0;
            for name in hosts
                .iter()
                .cloned()
                .chain((0..100_000).map(|i| format!("o{i}.test")))
            {
                let stored = filter.set.contains(&name);
                assert_eq!(filter.may_hold(&name), stored, "{count} hosts, {name}");
                passed += usize::from(stored);
            }
            assert!(passed > count, "{count} hosts: no other name passed");
        }
    }

    #[test]
    fn an_empty_filter_passes_nothing() {
        let key = FingerprintKey::from_seed(&[5; SEED_LEN]);
        let (bytes, shape) = filter_of(&[], &key);
        let filter = shape.view(&bytes, &key);
        assert!(!filter.may_hold("example.com"));
        assert_eq!(filter.bytes_used(), HEADER_BYTES + 8);
    }

    #[test]
    fn damaged_headers_are_refused() {
        let key = FingerprintKey::from_seed(&[6; SEED_LEN]);
        let hosts: Vec<String> = (0..300).map(|i| format!("h{i}.example")).collect();
        let (bytes, _) = filter_of(&hosts, &key);
        for (at, value) in [
            (0, 0),
            (0, 57),
            (1, 25),
            (1, bytes[0]),
            (2, 1),
            (4, 0),
            (4, 255),
        ] {
            let mut damaged = bytes.clone();
            damaged[at] = value;
            assert!(
                HostFilterShape::parse(&damaged, 0..damaged.len()).is_err(),
                "byte {at} = {value}"
            );
        }
        assert!(HostFilterShape::parse(&bytes, 0..bytes.len() - 1).is_err());
        assert!(HostFilterShape::parse(&bytes, 0..5).is_err());
        assert!(HostFilterShape::parse(&bytes, 0..bytes.len() + 1).is_err());
    }
}
