//! Domain lists (categories and allowlists) as sorted keyed fingerprints.
//!
//! Each domain becomes a 56-bit fingerprint: the top 56 bits of xxh3-64 keyed by a secret drawn
//! from the bundle's random 128-bit seed. The fingerprints are sorted and split into `2^b`
//! buckets by their top `b` bits, and each entry keeps only its remaining `56 - b` bits, rounded
//! up to whole bytes. A bucket offset table says where each bucket starts. A lookup hashes the
//! host suffix once, reads two offsets and binary-searches a bucket of a few dozen entries.
//!
//! The offset table is what every lookup reads first, at a random place, so it is kept small
//! enough to stay in the CPU's cache between URLs: the `2^b + 1` offsets are grouped by
//! [`GROUP_BUCKETS`], each group has the `u32` index of its first entry, and each offset is a
//! `u16` count from its group's start. For a million domains that is 128 KiB instead of the
//! 256 KiB of one `u32` per bucket.
//!
//! # Byte layout (section A of a domain list)
//!
//! ```text
//! group starts     ((2^b >> 8) + 1) u32   the first entry of each group of 256 buckets
//! bucket offsets   (2^b + 1) u16          entries before each bucket, counted from its group's
//!                                         start (0 for the first bucket of a group); the last
//!                                         offset is the end of the last bucket
//! ``` A URL's host suffixes are looked up together
//! ([`DomainSet::contains_any_fingerprint`]): their offsets and buckets are read before any bucket
//! is searched, so for a list much larger than the CPU cache their cache misses overlap rather
//! than follow one another.
//!
//! `b` is chosen to make the list smallest, with buckets of at most [`MAX_MEAN_BUCKET`] entries
//! on average. For a million domains that is `b = 16`: 5-byte remainders plus 0.13 bytes of
//! offsets, about 5.13 bytes per domain.
//!
//! The same layout stores sets of *shorter* fingerprints, the top bits of the 56-bit ones: the
//! host prefilter of a hashed URL list (see `host_filter`) keeps about `log2(hosts) + 7` bits per
//! host, so that it answers "maybe" for a host it does not hold about once in 128 to 256 times.
//!
//! # False positives
//!
//! A host suffix that is not in a list of `n` distinct fingerprints is found only if its own
//! fingerprint equals one of them. With the keyed hash behaving as a random function (the key is
//! fresh for every bundle, so list entries and lookups are independent of it), each stored
//! fingerprint matches with probability `2^-56`, and by the union bound one lookup errs with
//! probability at most `n / 2^56`:
//!
//! - `n = 10^6`: `10^6 / 7.21·10^16 ≈ 1.39·10^-11` per lookup. A URL checks at most
//!   [`MAX_HOST_SUFFIXES`](crate::filter::MAX_HOST_SUFFIXES) = 5 host suffixes (6 allowed for
//!   here), so at most `6 × 1.39·10^-11 ≈ 8.3·10^-11 < 10^-9` per URL.
//! - The bound stays under `10^-9` per URL while `n ≤ 10^-9 · 2^56 / 6 ≈ 1.2·10^7`;
//!   [`MAX_LIST_ENTRIES`](super::MAX_LIST_ENTRIES) = `2^23` gives at most
//!   `6 · 2^23 / 2^56 = 6 · 2^-33 ≈ 7.0·10^-10`.
//!
//! The fingerprint is not a cryptographic commitment: someone holding a bundle (the seed is in
//! it) could search about `2^56 / n` names for one that collides with an entry. For a category
//! list that only blocks the searcher's own name; for a small allowlist it could admit one chosen
//! name, at a cost of roughly `7·10^13` hash evaluations for 1000 entries, redone for every
//! bundle since each has a new seed.

use std::ops::Range;

use xxhash_rust::xxh3::xxh3_64_with_secret;

use super::format::{SEED_LEN, u16_at, u32_at};
use super::{BundleError, MAX_LIST_ENTRIES};
use crate::crypto;

/// Bits of each domain fingerprint.
pub(super) const FINGERPRINT_BITS: u32 = 56;
/// Most bucket bits: `2^24` offsets already take 64 MiB, past any useful list.
const MAX_BUCKET_BITS: u32 = 24;
/// Most entries per bucket, on average, that the encoder accepts when it looks for the smallest
/// layout of a domain list: a binary search in a bucket this size takes six steps.
pub(super) const MAX_MEAN_BUCKET: usize = 64;
/// Bytes of the xxh3 secret derived from the seed (xxh3's default secret size).
const SECRET_LEN: usize = 192;
/// Buckets per group of the offset table: a group's offsets count from its own start, so a
/// group may hold at most `u16::MAX` entries (a mean bucket of [`MAX_MEAN_BUCKET`] fills a
/// quarter of that).
const GROUP_BUCKETS: usize = 256;
/// Bytes of a group start.
const GROUP_START_BYTES: usize = 4;
/// Bytes of a bucket offset within its group.
const OFFSET_BYTES: usize = 2;
/// Separates this use of SHA-256 from any other in the derivation of the xxh3 secret.
const SECRET_CONTEXT: &[u8] = b"childsafe bundle domain fingerprint secret";

/// The keyed hash that turns a domain into its fingerprint, derived from a bundle's seed.
#[derive(Clone)]
pub(super) struct FingerprintKey {
    secret: [u8; SECRET_LEN],
}

impl FingerprintKey {
    /// A key of zeros, which no bundle has (its seed is random): for placeholders only.
    pub(super) const UNUSED: Self = Self {
        secret: [0; SECRET_LEN],
    };

    /// Stretches the 128-bit seed into an xxh3 secret: SHA-256 of (context, seed, block number)
    /// for each 32-byte block.
    pub(super) fn from_seed(seed: &[u8; SEED_LEN]) -> Self {
        let mut secret = [0u8; SECRET_LEN];
        for (block, chunk) in (0u8..).zip(secret.chunks_mut(32)) {
            chunk.copy_from_slice(&crypto::sha256_of_parts(&[SECRET_CONTEXT, seed, &[block]]));
        }
        Self { secret }
    }

    /// The 56-bit fingerprint of `domain`.
    #[inline]
    pub(super) fn fingerprint(&self, domain: &[u8]) -> u64 {
        // The secret is SECRET_LEN = 192 bytes, over xxh3's minimum of 136, so the length
        // assertion inside cannot fire.
        xxh3_64_with_secret(domain, &self.secret) >> (64 - FINGERPRINT_BITS)
    }
}

/// A domain set as the builder writes it: the parameter and the two sections.
pub(super) struct EncodedDomainSet {
    pub(super) fingerprint_bits: u32,
    pub(super) bucket_bits: u8,
    pub(super) entries: usize,
    pub(super) offsets: Vec<u8>,
    pub(super) remainders: Vec<u8>,
}

/// Encodes a set of 56-bit domain fingerprints (any order, duplicates allowed).
pub(super) fn encode(fingerprints: Vec<u64>) -> Result<EncodedDomainSet, BundleError> {
    encode_truncated(fingerprints, FINGERPRINT_BITS, MAX_MEAN_BUCKET)
}

/// Encodes the top `fingerprint_bits` bits (1 to 56) of each of a set of 56-bit fingerprints,
/// in buckets of at most `max_mean_bucket` entries on average.
pub(super) fn encode_truncated(
    fingerprints: Vec<u64>,
    fingerprint_bits: u32,
    max_mean_bucket: usize,
) -> Result<EncodedDomainSet, BundleError> {
    let mut fingerprints: Vec<u64> = fingerprints
        .into_iter()
        .map(|fingerprint| fingerprint >> (FINGERPRINT_BITS - fingerprint_bits))
        .collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    let entries = fingerprints.len();
    let bucket_bits = best_bucket_bits(entries, fingerprint_bits, max_mean_bucket);
    let remainder_bits = fingerprint_bits - bucket_bits;
    let width = remainder_width(fingerprint_bits, bucket_bits);

    let bucket_count = 1usize << bucket_bits;
    let mut starts = Vec::with_capacity(bucket_count + 1);
    let mut next = 0usize;
    for bucket in 0..=bucket_count {
        while fingerprints
            .get(next)
            .is_some_and(|&fp| ((fp >> remainder_bits) as usize) < bucket)
        {
            next += 1;
        }
        starts.push(next);
    }
    let offsets = offset_table(&starts)?;
    let mut remainders = Vec::with_capacity(entries * width);
    let mask = (1u64 << remainder_bits) - 1;
    for fp in &fingerprints {
        remainders.extend_from_slice(&(fp & mask).to_le_bytes()[..width]);
    }
    Ok(EncodedDomainSet {
        fingerprint_bits,
        bucket_bits: bucket_bits as u8,
        entries,
        offsets,
        remainders,
    })
}

/// Section A for buckets starting at `starts` (one more than there are buckets, the last being
/// the entry count): the group starts, then each offset counted from its group's start.
fn offset_table(starts: &[usize]) -> Result<Vec<u8>, BundleError> {
    let groups = starts.len().div_ceil(GROUP_BUCKETS);
    let mut table = Vec::with_capacity(groups * GROUP_START_BYTES + starts.len() * OFFSET_BYTES);
    for group in starts.chunks(GROUP_BUCKETS) {
        // Entry counts are capped at MAX_LIST_ENTRIES (2^23) by the builder, so they fit a u32.
        table.extend_from_slice(&(group[0] as u32).to_le_bytes());
    }
    for group in starts.chunks(GROUP_BUCKETS) {
        for &start in group {
            let offset = u16::try_from(start - group[0]).map_err(|_| {
                // Keyed fingerprints spread evenly: a group holds about a quarter of this at
                // most, and a list skewed enough to overflow one cannot be made without the key.
                BundleError::InvalidList("a list's fingerprints are too unevenly spread")
            })?;
            table.extend_from_slice(&offset.to_le_bytes());
        }
    }
    Ok(table)
}

/// The bucket bits giving the smallest encoding for `entries` fingerprints of `fingerprint_bits`
/// bits, with buckets of at most `max_mean_bucket` entries on average and at least one bit left
/// in every remainder.
fn best_bucket_bits(entries: usize, fingerprint_bits: u32, max_mean_bucket: usize) -> u32 {
    let size =
        |bits: u32| offset_table_len(bits) + entries * remainder_width(fingerprint_bits, bits);
    let most = MAX_BUCKET_BITS.min(fingerprint_bits - 1);
    (0..=most)
        .filter(|&bits| entries >> bits <= max_mean_bucket)
        .min_by_key(|&bits| size(bits))
        .unwrap_or(most)
}

/// Bytes of the bucket offset table for `bucket_bits` bucket bits, or `None` past
/// [`MAX_BUCKET_BITS`].
pub(super) fn offsets_len(bucket_bits: u8) -> Option<usize> {
    let bucket_bits = u32::from(bucket_bits);
    (bucket_bits <= MAX_BUCKET_BITS).then(|| offset_table_len(bucket_bits))
}

/// Bytes of the bucket offset table for `bucket_bits` (at most [`MAX_BUCKET_BITS`]).
fn offset_table_len(bucket_bits: u32) -> usize {
    group_starts_len(bucket_bits) + ((1usize << bucket_bits) + 1) * OFFSET_BYTES
}

/// Bytes of the group starts that begin the offset table for `bucket_bits`.
fn group_starts_len(bucket_bits: u32) -> usize {
    ((1usize << bucket_bits) + 1).div_ceil(GROUP_BUCKETS) * GROUP_START_BYTES
}

/// Bytes kept per entry once `bucket_bits` of its fingerprint are implied by its bucket.
fn remainder_width(fingerprint_bits: u32, bucket_bits: u32) -> usize {
    (fingerprint_bits - bucket_bits).div_ceil(8) as usize
}

/// Where a checked domain set lies in the bundle's bytes.
#[derive(Clone, Debug)]
pub(super) struct DomainSetShape {
    fingerprint_bits: u32,
    bucket_bits: u32,
    entries: usize,
    /// Bytes per remainder.
    width: usize,
    /// The low `8 * width` bits.
    remainder_mask: u64,
    /// The two parts of section A, the bucket offset table.
    group_starts: Range<usize>,
    bucket_offsets: Range<usize>,
    remainders: Range<usize>,
}

impl DomainSetShape {
    /// Checks the sections of a domain list: the parameter is in range, each section has
    /// exactly the length its entry count gives, and the bucket offsets start at 0, never
    /// decrease and end at the entry count. After this no lookup can read outside the list.
    pub(super) fn parse(
        bytes: &[u8],
        bucket_bits: u8,
        entries: u32,
        offsets: Range<usize>,
        remainders: Range<usize>,
    ) -> Result<Self, BundleError> {
        Self::parse_truncated(
            bytes,
            FINGERPRINT_BITS,
            bucket_bits,
            entries,
            offsets,
            remainders,
        )
    }

    /// [`Self::parse`] for a set of fingerprints cut to their top `fingerprint_bits` bits.
    pub(super) fn parse_truncated(
        bytes: &[u8],
        fingerprint_bits: u32,
        bucket_bits: u8,
        entries: u32,
        offsets: Range<usize>,
        remainders: Range<usize>,
    ) -> Result<Self, BundleError> {
        let bucket_bits = u32::from(bucket_bits);
        let entries = entries as usize;
        if !(1..=FINGERPRINT_BITS).contains(&fingerprint_bits)
            || bucket_bits > MAX_BUCKET_BITS
            || bucket_bits >= fingerprint_bits
            || entries > MAX_LIST_ENTRIES
        {
            return Err(BundleError::Malformed(
                "a domain list's bucket count is out of range",
            ));
        }
        let bucket_count = 1usize << bucket_bits;
        if offsets.len() != offset_table_len(bucket_bits)
            || remainders.len() != entries * remainder_width(fingerprint_bits, bucket_bits)
        {
            return Err(BundleError::Malformed(
                "a domain list's sections do not match its entry count",
            ));
        }
        let table = bytes.get(offsets.clone()).ok_or(BundleError::Malformed(
            "a domain list lies outside the bundle",
        ))?;
        let table = OffsetTable::over(table, bucket_bits);
        let mut previous = 0usize;
        for bucket in 0..=bucket_count {
            let first_of_group = bucket % GROUP_BUCKETS == 0;
            let start = table.start(bucket);
            if start.is_none_or(|start| start < previous)
                || (first_of_group && table.offset(bucket) != Some(0))
                || (bucket == 0 && start != Some(0))
            {
                return Err(BundleError::Malformed(
                    "a domain list's bucket offsets decrease",
                ));
            }
            previous = start.unwrap_or_default();
        }
        if previous != entries {
            return Err(BundleError::Malformed(
                "a domain list's bucket offsets do not end at its entry count",
            ));
        }
        let groups_end = offsets.start + table.group_starts.len();
        let width = remainder_width(fingerprint_bits, bucket_bits);
        Ok(Self {
            fingerprint_bits,
            bucket_bits,
            entries,
            width,
            remainder_mask: (1u64 << (8 * width)) - 1,
            group_starts: offsets.start..groups_end,
            bucket_offsets: groups_end..offsets.end,
            remainders,
        })
    }

    /// Where section A lies.
    #[cfg(test)]
    fn offset_section(&self) -> Range<usize> {
        self.group_starts.start..self.bucket_offsets.end
    }

    /// The set over `bytes`, the buffer this shape was parsed from. Making one costs nothing:
    /// each lookup reads the sections it needs from `bytes`.
    #[inline]
    pub(super) fn view<'a>(&'a self, bytes: &'a [u8], key: &'a FingerprintKey) -> DomainSet<'a> {
        DomainSet {
            key,
            shape: self,
            bytes,
        }
    }

    /// The bucket offset table in `bytes`, the buffer this shape was parsed from. `parse`
    /// checked both ranges against it; an empty table is only a fallback, in which every
    /// lookup fails.
    #[inline]
    fn offsets<'a>(&self, bytes: &'a [u8]) -> OffsetTable<'a> {
        OffsetTable {
            group_starts: bytes.get(self.group_starts.clone()).unwrap_or_default(),
            offsets: bytes.get(self.bucket_offsets.clone()).unwrap_or_default(),
        }
    }

    /// The remainder of entry `index` (below the entry count) in `bytes`, the buffer this shape
    /// was parsed from.
    #[inline]
    fn remainder(&self, bytes: &[u8], index: usize) -> u64 {
        let offset = self.remainders.start + index * self.width;
        // One 8-byte read, masked. A bundle goes on past every list (its signature follows), so
        // the 8 bytes are there even for the last entry.
        match bytes.get(offset..).and_then(<[u8]>::first_chunk::<8>) {
            Some(word) => u64::from_le_bytes(*word) & self.remainder_mask,
            None => self.remainder_at_end(bytes, offset),
        }
    }

    /// [`Self::remainder`] for a field with fewer than 8 bytes after its start in `bytes`: only
    /// in a buffer that ends with the set (in tests, or a damaged shape).
    #[cold]
    #[inline(never)]
    fn remainder_at_end(&self, bytes: &[u8], offset: usize) -> u64 {
        let mut out = [0u8; 8];
        if let Some(field) = bytes.get(offset..offset + self.width) {
            out[..self.width].copy_from_slice(field);
        }
        u64::from_le_bytes(out)
    }

    /// Every fingerprint of the set in `bytes` (the buffer this shape was parsed from), cut to
    /// the set's fingerprint bits, in increasing order.
    pub(super) fn fingerprints<'a>(&'a self, bytes: &'a [u8]) -> impl Iterator<Item = u64> + 'a {
        let offsets = self.offsets(bytes);
        let remainder_bits = self.fingerprint_bits - self.bucket_bits;
        (0..1usize << self.bucket_bits).flat_map(move |bucket| {
            let (start, end) = offsets.bounds(bucket).unwrap_or_default();
            (start..end.min(self.entries)).map(move |index| {
                ((bucket as u64) << remainder_bits) | self.remainder(bytes, index)
            })
        })
    }
}

/// A domain set's bucket offsets, read in place (see the byte layout above).
#[derive(Clone, Copy)]
struct OffsetTable<'a> {
    group_starts: &'a [u8],
    offsets: &'a [u8],
}

impl<'a> OffsetTable<'a> {
    /// The table in `section`, for `bucket_bits`; a section of the wrong length gives a table
    /// whose reads fail (parsing checks the length first).
    fn over(section: &'a [u8], bucket_bits: u32) -> Self {
        let (group_starts, offsets) =
            section.split_at(section.len().min(group_starts_len(bucket_bits)));
        Self {
            group_starts,
            offsets,
        }
    }

    /// The index of the first entry of `bucket` (of the end, for one past the last bucket).
    #[inline]
    fn start(&self, bucket: usize) -> Option<usize> {
        let group_start = u32_at(self.group_starts, bucket / GROUP_BUCKETS)?;
        Some(group_start as usize + usize::from(self.offset(bucket)?))
    }

    /// The offset of `bucket` from its group's start, as stored.
    #[inline]
    fn offset(&self, bucket: usize) -> Option<u16> {
        u16_at(self.offsets, bucket)
    }

    /// The index of the first entry of `bucket` and of the next bucket's: [`Self::start`] of
    /// both, with one read of the group start and of the two adjacent offsets unless the next
    /// bucket starts a group.
    #[inline]
    fn bounds(&self, bucket: usize) -> Option<(usize, usize)> {
        let next = bucket + 1;
        if next % GROUP_BUCKETS == 0 {
            return Some((self.start(bucket)?, self.start(next)?));
        }
        let group_start = u32_at(self.group_starts, bucket / GROUP_BUCKETS)? as usize;
        let pair = self
            .offsets
            .get(bucket * OFFSET_BYTES..)?
            .first_chunk::<4>()?;
        let start = u16::from_le_bytes([pair[0], pair[1]]);
        let end = u16::from_le_bytes([pair[2], pair[3]]);
        Some((
            group_start + usize::from(start),
            group_start + usize::from(end),
        ))
    }
}

/// A domain set, read in place from a bundle's bytes.
#[derive(Clone, Copy)]
pub(super) struct DomainSet<'a> {
    key: &'a FingerprintKey,
    shape: &'a DomainSetShape,
    /// The buffer the shape was parsed from.
    bytes: &'a [u8],
}

impl<'a> DomainSet<'a> {
    /// Number of distinct fingerprints.
    pub(super) fn len(&self) -> usize {
        self.shape.entries
    }

    /// Bytes the set occupies in the bundle.
    pub(super) fn bytes_used(&self) -> usize {
        let shape = self.shape;
        shape.group_starts.len() + shape.bucket_offsets.len() + shape.remainders.len()
    }

    /// The bucket offset table.
    #[inline]
    fn offsets(&self) -> OffsetTable<'a> {
        self.shape.offsets(self.bytes)
    }

    /// The remainder of entry `index` (below the entry count).
    #[inline]
    fn remainder(&self, index: usize) -> u64 {
        self.shape.remainder(self.bytes, index)
    }

    /// Whether `domain`'s fingerprint is in the set.
    pub(super) fn contains(&self, domain: &str) -> bool {
        self.contains_fingerprint(self.key.fingerprint(domain.as_bytes()))
    }

    /// The key this set's fingerprints are made with (one per bundle).
    pub(super) fn key(&self) -> &'a FingerprintKey {
        self.key
    }

    /// Whether `fingerprint`, a 56-bit fingerprint made with this set's key, is in the set (for a
    /// set of shorter fingerprints: whether its top bits are).
    #[inline]
    pub(super) fn contains_fingerprint(&self, fingerprint: u64) -> bool {
        self.search(self.locate(&self.offsets(), fingerprint))
    }

    /// Whether any of `fingerprints` (56-bit, made with this set's key) is in the set: the same
    /// answer as [`Self::contains_fingerprint`] on each, found faster for a URL's few host
    /// suffixes.
    ///
    /// A large set lives mostly outside the CPU cache, and each lookup waits first for its bucket
    /// offsets, then for its bucket. Asked one after another, those waits add up; here the
    /// offsets of up to [`BATCH`] fingerprints are read first, then the first bytes of each of
    /// their buckets, and only then is any bucket searched, so the loads of all of them are in
    /// flight together and the searches find their buckets already cached.
    pub(super) fn contains_any_fingerprint(&self, fingerprints: &[u64]) -> bool {
        let offsets = self.offsets();
        fingerprints.chunks(BATCH).any(|chunk| {
            let mut spans = [Span::EMPTY; BATCH];
            // Each bucket is read where its search will start before any is searched (the value
            // itself is not needed here), so that the reads of all of them wait together.
            let mut touched = 0;
            for (span, &fingerprint) in spans.iter_mut().zip(chunk) {
                *span = self.locate(&offsets, fingerprint);
                touched ^= self.remainder(span.guess);
            }
            std::hint::black_box(touched);
            spans[..chunk.len()].iter().any(|&span| self.search(span))
        })
    }

    /// The bucket `fingerprint` falls in: the indices of its candidates, the remainder it would
    /// have, and where it would be. An empty span if the offsets are out of range (`parse`
    /// rules that out).
    ///
    /// Keyed fingerprints are uniform, so a remainder's place among the bucket's sorted entries
    /// is close to its value's share of the remainder range: for a bucket of `n` entries the
    /// guess is off by about `sqrt(n) / 2` places, one or two for the buckets of a large list.
    #[inline]
    fn locate(&self, offsets: &OffsetTable<'_>, fingerprint: u64) -> Span {
        let shape = self.shape;
        let fingerprint = fingerprint >> (FINGERPRINT_BITS - shape.fingerprint_bits);
        let remainder_bits = shape.fingerprint_bits - shape.bucket_bits;
        let bucket = (fingerprint >> remainder_bits) as usize;
        let wanted = fingerprint & ((1u64 << remainder_bits) - 1);
        match offsets.bounds(bucket) {
            Some((start, end)) if start < end && end <= shape.entries => {
                // `wanted` has `remainder_bits` bits, so the guess is below the bucket's length.
                let share = (u128::from(wanted) * (end - start) as u128) >> remainder_bits;
                Span {
                    start,
                    end,
                    wanted,
                    guess: start + share as usize,
                }
            }
            _ => Span::EMPTY,
        }
    }

    /// Looks for the wanted remainder in one bucket, starting at the guess: the scan walks from
    /// there towards the value and stops as soon as it passes it.
    #[inline]
    fn search(&self, span: Span) -> bool {
        let Span {
            start,
            end,
            wanted,
            guess,
        } = span;
        if start >= end {
            return false;
        }
        let mut index = guess;
        if self.remainder(index) < wanted {
            loop {
                index += 1;
                if index >= end {
                    return false;
                }
                let next = self.remainder(index);
                if next >= wanted {
                    return next == wanted;
                }
            }
        }
        while index > start && self.remainder(index) > wanted {
            index -= 1;
        }
        self.remainder(index) == wanted
    }
}

/// Fingerprints [`DomainSet::contains_any_fingerprint`] locates before searching any: more than
/// a URL has host suffixes in all but odd cases.
pub(super) const BATCH: usize = 8;

/// Where one fingerprint's bucket lies among a set's entries (indices, `start` up to but not
/// including `end`), the remainder sought in it, and the index it would have.
#[derive(Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    wanted: u64,
    guess: usize,
}

impl Span {
    /// A bucket with no candidates.
    const EMPTY: Self = Self {
        start: 0,
        end: 0,
        wanted: 0,
        guess: 0,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_of(domains: &[&str], key: &FingerprintKey) -> (Vec<u8>, DomainSetShape) {
        let encoded = encode(
            domains
                .iter()
                .map(|domain| key.fingerprint(domain.as_bytes()))
                .collect(),
        )
        .unwrap();
        let mut bytes = encoded.offsets.clone();
        bytes.extend_from_slice(&encoded.remainders);
        let shape = DomainSetShape::parse(
            &bytes,
            encoded.bucket_bits,
            encoded.entries as u32,
            0..encoded.offsets.len(),
            encoded.offsets.len()..bytes.len(),
        )
        .unwrap();
        (bytes, shape)
    }

    /// `count` made-up domains, and the set of them under a key made from `seed`.
    fn made_up_set(
        seed: u8,
        count: usize,
    ) -> (Vec<String>, FingerprintKey, Vec<u8>, DomainSetShape) {
        let key = FingerprintKey::from_seed(&[seed; SEED_LEN]);
        let members: Vec<String> = (0..count).map(|i| format!("site{i}.example")).collect();
        let refs: Vec<&str> = members.iter().map(String::as_str).collect();
        let (bytes, shape) = set_of(&refs, &key);
        (members, key, bytes, shape)
    }

    #[test]
    fn finds_exactly_its_members() {
        let (members, key, bytes, shape) = made_up_set(1, 5000);
        let set = shape.view(&bytes, &key);
        assert_eq!(set.len(), 5000);
        assert!(members.iter().all(|domain| set.contains(domain)));
        assert!((5000..10_000).all(|i| !set.contains(&format!("site{i}.example"))));
    }

    #[test]
    fn a_batch_lookup_agrees_with_single_lookups() {
        let key = FingerprintKey::from_seed(&[4; SEED_LEN]);
        let members: Vec<String> = (0..3000).map(|i| format!("m{i}.example")).collect();
        let refs: Vec<&str> = members.iter().map(String::as_str).collect();
        let (bytes, shape) = set_of(&refs, &key);
        let set = shape.view(&bytes, &key);
        let fingerprint = |name: &str| key.fingerprint(name.as_bytes());
        let outsiders: Vec<u64> = (0..2 * BATCH + 3)
            .map(|i| fingerprint(&format!("out{i}.example")))
            .collect();
        assert!(!set.contains_any_fingerprint(&outsiders));
        assert!(!set.contains_any_fingerprint(&[]));
        // A member in each position, including past the first batch.
        for position in 0..outsiders.len() {
            let mut probes = outsiders.clone();
            probes[position] = fingerprint(refs[position * 97]);
            assert!(set.contains_any_fingerprint(&probes), "position {position}");
        }
    }

    #[test]
    fn an_empty_set_contains_nothing() {
        let key = FingerprintKey::from_seed(&[2; SEED_LEN]);
        let (bytes, shape) = set_of(&[], &key);
        let set = shape.view(&bytes, &key);
        assert_eq!((set.len(), set.bytes_used()), (0, 8));
        assert!(!set.contains("example.com"));
    }

    #[test]
    fn the_seed_keys_the_fingerprint() {
        let one = FingerprintKey::from_seed(&[1; SEED_LEN]);
        let two = FingerprintKey::from_seed(&[2; SEED_LEN]);
        assert_ne!(
            one.fingerprint(b"example.com"),
            two.fingerprint(b"example.com")
        );
        assert!(one.fingerprint(b"example.com") < 1 << FINGERPRINT_BITS);
    }

    #[test]
    fn offsets_in_many_groups_find_every_member_and_must_restart_at_each_group() {
        let (members, key, bytes, shape) = made_up_set(7, 40_000);
        assert!(shape.bucket_bits >= 10, "{}", shape.bucket_bits);
        let set = shape.view(&bytes, &key);
        assert!(members.iter().all(|member| set.contains(member)));
        assert!((0..10_000).all(|i| !set.contains(&format!("other{i}.example"))));

        let offsets_at = shape.bucket_offsets.start;
        let reparse = |damaged: &[u8]| {
            DomainSetShape::parse(
                damaged,
                shape.bucket_bits as u8,
                shape.entries as u32,
                shape.offset_section(),
                shape.remainders.clone(),
            )
        };
        assert!(reparse(&bytes).is_ok());
        // The second group's first offset must be 0: its start is the group start.
        let mut not_restarted = bytes.clone();
        not_restarted[offsets_at + GROUP_BUCKETS * OFFSET_BYTES] = 1;
        assert!(reparse(&not_restarted).is_err());
        // An offset below the one before it.
        let mut decreasing = bytes.clone();
        decreasing[offsets_at + 2 * OFFSET_BYTES] = 0;
        decreasing[offsets_at + 2 * OFFSET_BYTES + 1] = 0;
        assert!(reparse(&decreasing).is_err());
        // A group start past the entries.
        let mut past_the_end = bytes.clone();
        past_the_end[shape.offset_section().start + GROUP_START_BYTES + 3] = 0xFF;
        assert!(reparse(&past_the_end).is_err());
    }

    #[test]
    fn a_million_entries_take_sixteen_bucket_bits_and_five_byte_remainders() {
        let best = |entries| best_bucket_bits(entries, FINGERPRINT_BITS, MAX_MEAN_BUCKET);
        assert_eq!(best(1_000_000), 16);
        assert_eq!(remainder_width(FINGERPRINT_BITS, 16), 5);
        assert_eq!(best(0), 0);
        assert_eq!(best(64), 0);
        assert!(MAX_LIST_ENTRIES >> best(MAX_LIST_ENTRIES) <= MAX_MEAN_BUCKET);
    }

    #[test]
    fn inconsistent_sections_are_refused() {
        let key = FingerprintKey::from_seed(&[3; SEED_LEN]);
        let (bytes, shape) = set_of(&["a.example", "b.example", "c.example"], &key);
        let offsets = shape.offset_section();
        let remainders = shape.remainders.clone();
        let bits = shape.bucket_bits as u8;
        assert!(
            DomainSetShape::parse(&bytes, bits, 4, offsets.clone(), remainders.clone()).is_err()
        );
        assert!(DomainSetShape::parse(&bytes, 25, 3, offsets.clone(), remainders.clone()).is_err());
        let mut decreasing = bytes.clone();
        decreasing[offsets.end - 4] = 1;
        assert!(
            DomainSetShape::parse(&decreasing, bits, 3, offsets.clone(), remainders.clone())
                .is_err()
        );
        assert!(DomainSetShape::parse(&bytes[..4], bits, 3, offsets, remainders).is_err());
    }
}
