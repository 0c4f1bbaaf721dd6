//! Hashed URL lists: SHA-256 hashes of lookup expressions, searched by their 4-byte prefixes and
//! confirmed on the full hash.
//!
//! The hashes are sorted. Their prefixes, read as big-endian `u32`s, form a sorted sequence
//! stored in blocks of [`BLOCK_ENTRIES`]: a block index holds each block's first prefix and the
//! bit position of its gaps, and a Rice-coded bit stream holds the gaps between neighbours. The
//! other 28 bytes of every hash follow in the same order, so the rank at which a prefix is found
//! is the position of the hashes to confirm it with: a prefix shared by chance never blocks.
//!
//! Size: the gaps of `n` random prefixes average `2^32 / n`, which Rice-codes in about
//! `log2(2^32 / n) + 1.5` bits, and the index adds 8 bytes per block of 64, 1 bit per entry: about
//! 1.8 bytes per entry for a million hashes, 2.6 for ten thousand. The confirming part is 28 bytes
//! per entry whatever the count.

use std::ops::Range;

use super::format::u32_at;
use super::rice::{self, BitReader, BitWriter};
use super::{BundleError, MAX_LIST_ENTRIES};
use crate::filter::ExpressionHash;

/// Entries per block of the prefix index. Larger blocks shrink the index (8 bytes per block) and
/// lengthen the walk a lookup decodes (half a block on average).
const BLOCK_ENTRIES: usize = 64;
/// Bytes of each index entry: the block's first prefix and the bit position of its gaps.
const INDEX_ENTRY_BYTES: usize = 8;
/// Bytes of a hash kept in the prefix set.
const PREFIX_BYTES: usize = 4;
/// Bytes of a hash kept to confirm a prefix hit.
const REST_BYTES: usize = 32 - PREFIX_BYTES;

/// A hashed URL set as the builder writes it: the Rice parameter and the three sections.
pub(super) struct EncodedHashSet {
    pub(super) rice_parameter: u8,
    pub(super) entries: usize,
    pub(super) index: Vec<u8>,
    pub(super) gaps: Vec<u8>,
    pub(super) rests: Vec<u8>,
}

/// Encodes a set of hashes (any order, duplicates allowed).
pub(super) fn encode(mut hashes: Vec<ExpressionHash>) -> EncodedHashSet {
    hashes.sort_unstable();
    hashes.dedup();
    let prefixes: Vec<u32> = hashes.iter().map(prefix_value).collect();
    let gaps_of = |block: &[u32]| -> Vec<u64> {
        block
            .windows(2)
            .map(|pair| u64::from(pair[1] - pair[0]))
            .collect()
    };
    let all_gaps: Vec<u64> = prefixes.chunks(BLOCK_ENTRIES).flat_map(gaps_of).collect();
    let k = rice::best_parameter(&all_gaps);

    let mut index = Vec::with_capacity(prefixes.len().div_ceil(BLOCK_ENTRIES) * INDEX_ENTRY_BYTES);
    let mut writer = BitWriter::default();
    for block in prefixes.chunks(BLOCK_ENTRIES) {
        index.extend_from_slice(&block[0].to_le_bytes());
        // The bundle is capped at MAX_BUNDLE_BYTES (2^27 bytes, 2^30 bits): positions fit a u32.
        index.extend_from_slice(&(writer.bit_len() as u32).to_le_bytes());
        for gap in gaps_of(block) {
            writer.push_rice(gap, k);
        }
    }
    let mut rests = Vec::with_capacity(hashes.len() * REST_BYTES);
    for hash in &hashes {
        rests.extend_from_slice(&hash.0[PREFIX_BYTES..]);
    }
    EncodedHashSet {
        rice_parameter: k as u8,
        entries: hashes.len(),
        index,
        gaps: writer.into_bytes(),
        rests,
    }
}

/// A hash's prefix as a number, ordered as the hashes are.
fn prefix_value(hash: &ExpressionHash) -> u32 {
    u32::from_be_bytes(hash.prefix())
}

/// Where a checked hashed URL set lies in the bundle's bytes.
#[derive(Clone, Debug)]
pub(super) struct HashSetShape {
    rice_parameter: u32,
    entries: usize,
    index: Range<usize>,
    gaps: Range<usize>,
    rests: Range<usize>,
}

impl HashSetShape {
    /// Checks the sections of a hashed URL list: the parameter is in range, the index and the
    /// confirming hashes have exactly the length the entry count gives, and the index's prefixes
    /// and bit positions never decrease and stay inside the gap stream. Lookups still check
    /// every bit they read, since the stream itself is not decoded here.
    pub(super) fn parse(
        bytes: &[u8],
        rice_parameter: u8,
        entries: u32,
        index: Range<usize>,
        gaps: Range<usize>,
        rests: Range<usize>,
    ) -> Result<Self, BundleError> {
        let rice_parameter = u32::from(rice_parameter);
        let entries = entries as usize;
        if rice_parameter > rice::MAX_PARAMETER || entries > MAX_LIST_ENTRIES {
            return Err(BundleError::Malformed(
                "a hashed list's Rice parameter is out of range",
            ));
        }
        if index.len() != entries.div_ceil(BLOCK_ENTRIES) * INDEX_ENTRY_BYTES
            || rests.len() != entries * REST_BYTES
        {
            return Err(BundleError::Malformed(
                "a hashed list's sections do not match its entry count",
            ));
        }
        let table = bytes.get(index.clone()).ok_or(BundleError::Malformed(
            "a hashed list lies outside the bundle",
        ))?;
        let gap_bits = gaps.len() as u64 * 8;
        let (mut last_prefix, mut last_position) = (0u32, 0u32);
        for block in 0..entries.div_ceil(BLOCK_ENTRIES) {
            let (Some(prefix), Some(position)) =
                (u32_at(table, 2 * block), u32_at(table, 2 * block + 1))
            else {
                return Err(BundleError::Malformed("a hashed list's index is cut short"));
            };
            if prefix < last_prefix || position < last_position || u64::from(position) > gap_bits {
                return Err(BundleError::Malformed(
                    "a hashed list's index is out of order",
                ));
            }
            (last_prefix, last_position) = (prefix, position);
        }
        Ok(Self {
            rice_parameter,
            entries,
            index,
            gaps,
            rests,
        })
    }

    /// The set over `bytes`, the buffer this shape was parsed from.
    #[inline]
    pub(super) fn view<'a>(&self, bytes: &'a [u8]) -> HashedUrlSet<'a> {
        // `parse` checked the ranges against this buffer; an empty section is only a fallback.
        HashedUrlSet {
            rice_parameter: self.rice_parameter,
            entries: self.entries,
            index: bytes.get(self.index.clone()).unwrap_or_default(),
            gaps: bytes.get(self.gaps.clone()).unwrap_or_default(),
            rests: bytes.get(self.rests.clone()).unwrap_or_default(),
        }
    }
}

/// A hashed URL set, read in place from a bundle's bytes.
#[derive(Clone, Copy)]
pub(super) struct HashedUrlSet<'a> {
    rice_parameter: u32,
    entries: usize,
    index: &'a [u8],
    gaps: &'a [u8],
    rests: &'a [u8],
}

impl<'a> HashedUrlSet<'a> {
    /// Number of distinct hashes.
    pub(super) fn len(&self) -> usize {
        self.entries
    }

    /// Bytes of the prefix part (index and gap stream), the part a lookup walks.
    pub(super) fn prefix_bytes(&self) -> usize {
        self.index.len() + self.gaps.len()
    }

    /// Bytes the set occupies in the bundle, confirming hashes included.
    pub(super) fn bytes_used(&self) -> usize {
        self.prefix_bytes() + self.rests.len()
    }

    /// Whether `hash` is in the set: its prefix is found, then one of the hashes sharing that
    /// prefix equals it in full.
    pub(super) fn contains(&self, hash: &ExpressionHash) -> bool {
        let wanted = prefix_value(hash);
        let rest = &hash.0[PREFIX_BYTES..];
        // The last block starting below the prefix holds its first occurrence, or the block after
        // it starts with it.
        let blocks = self.entries.div_ceil(BLOCK_ENTRIES);
        let (mut low, mut high) = (0, blocks);
        while low < high {
            let middle = low + (high - low) / 2;
            if self
                .block_start(middle)
                .is_some_and(|(first, _)| first < wanted)
            {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        for (rank, prefix) in self.prefixes_from_block(low.saturating_sub(1)) {
            if prefix > wanted {
                break;
            }
            if prefix == wanted && self.rest_at(rank) == Some(rest) {
                return true;
            }
        }
        false
    }

    /// The first prefix and the gap stream position of block `block`.
    fn block_start(&self, block: usize) -> Option<(u32, u32)> {
        Some((
            u32_at(self.index, 2 * block)?,
            u32_at(self.index, 2 * block + 1)?,
        ))
    }

    /// The last 28 bytes of the hash of rank `rank`.
    fn rest_at(&self, rank: usize) -> Option<&'a [u8]> {
        self.rests.get(rank * REST_BYTES..(rank + 1) * REST_BYTES)
    }

    /// The prefixes with their ranks, in order, from the start of block `block`.
    fn prefixes_from_block(&self, block: usize) -> Prefixes<'a> {
        Prefixes {
            set: *self,
            next_rank: block * BLOCK_ENTRIES,
            value: 0,
            reader: BitReader::new(self.gaps, 0),
        }
    }
}

/// Decodes a set's prefixes in order; stops at the end of the set or of a damaged stream.
struct Prefixes<'a> {
    set: HashedUrlSet<'a>,
    next_rank: usize,
    value: u64,
    reader: BitReader<'a>,
}

impl Iterator for Prefixes<'_> {
    type Item = (usize, u32);

    fn next(&mut self) -> Option<Self::Item> {
        if self.next_rank >= self.set.entries {
            return None;
        }
        if self.next_rank % BLOCK_ENTRIES == 0 {
            let (first, position) = self.set.block_start(self.next_rank / BLOCK_ENTRIES)?;
            self.value = u64::from(first);
            self.reader = BitReader::new(self.set.gaps, u64::from(position));
        } else {
            self.value += self.reader.read_rice(self.set.rice_parameter)?;
        }
        let value = u32::try_from(self.value).ok()?;
        let rank = self.next_rank;
        self.next_rank += 1;
        Some((rank, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::sha256_of_parts;

    fn hash(i: u64) -> ExpressionHash {
        ExpressionHash(sha256_of_parts(&[&i.to_le_bytes()]))
    }

    fn parsed(encoded: &EncodedHashSet) -> (Vec<u8>, HashSetShape) {
        let mut bytes = encoded.index.clone();
        let gaps_start = bytes.len();
        bytes.extend_from_slice(&encoded.gaps);
        let rests_start = bytes.len();
        bytes.extend_from_slice(&encoded.rests);
        let shape = HashSetShape::parse(
            &bytes,
            encoded.rice_parameter,
            encoded.entries as u32,
            0..gaps_start,
            gaps_start..rests_start,
            rests_start..bytes.len(),
        )
        .unwrap();
        (bytes, shape)
    }

    #[test]
    fn finds_exactly_its_members() {
        let members: Vec<ExpressionHash> = (0..3000).map(hash).collect();
        let encoded = encode(members.clone());
        let (bytes, shape) = parsed(&encoded);
        let set = shape.view(&bytes);
        assert_eq!(set.len(), 3000);
        assert!(members.iter().all(|member| set.contains(member)));
        assert!((3000..6000).map(hash).all(|other| !set.contains(&other)));
        assert_eq!(set.prefixes_from_block(0).count(), 3000);
    }

    #[test]
    fn a_shared_prefix_is_confirmed_on_the_full_hash() {
        // Many hashes with one prefix, spanning several blocks, and a lookalike of each.
        let mut members = Vec::new();
        for i in 0..200u64 {
            let mut bytes = hash(i).0;
            bytes[..4].copy_from_slice(&[0xab, 0xcd, 0xef, 0x01]);
            members.push(ExpressionHash(bytes));
        }
        members.extend((0..100).map(hash));
        let (bytes, shape) = parsed(&encode(members.clone()));
        let set = shape.view(&bytes);
        assert!(members.iter().all(|member| set.contains(member)));
        for member in &members[..200] {
            let mut lookalike = *member;
            lookalike.0[31] ^= 1;
            assert!(!set.contains(&lookalike));
        }
    }

    #[test]
    fn extreme_prefixes_and_the_empty_set() {
        let low = ExpressionHash([0; 32]);
        let high = ExpressionHash([0xff; 32]);
        let (bytes, shape) = parsed(&encode(vec![low, high, low]));
        let set = shape.view(&bytes);
        assert_eq!(set.len(), 2);
        assert!(set.contains(&low) && set.contains(&high));
        let (bytes, shape) = parsed(&encode(Vec::new()));
        let set = shape.view(&bytes);
        assert_eq!(set.bytes_used(), 0);
        assert!(!set.contains(&low));
    }

    #[test]
    fn ten_thousand_random_prefixes_cost_under_three_bytes_each() {
        let (bytes, shape) = parsed(&encode((0..10_000).map(hash).collect()));
        let per_entry = shape.view(&bytes).prefix_bytes() as f64 / 10_000.0;
        assert!(per_entry < 3.0, "{per_entry}");
    }

    #[test]
    fn an_index_out_of_order_is_refused() {
        let encoded = encode((0..300).map(hash).collect());
        let (mut bytes, shape) = parsed(&encoded);
        let index = shape.index.clone();
        // Block 1's first prefix set below block 0's.
        bytes[index.start + 8..index.start + 12].copy_from_slice(&0u32.to_le_bytes());
        bytes[index.start..index.start + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(
            HashSetShape::parse(
                &bytes,
                5,
                300,
                index,
                shape.gaps.clone(),
                shape.rests.clone()
            )
            .is_err()
        );
    }
}
