//! The IP address entries of a domain list: sorted, disjoint address ranges, found by binary
//! search.
//!
//! A list's addresses and CIDR ranges ([`IpRange`]) become ranges `first..=last`. The builder
//! splits each at the edges of the IPv4-mapped block (`::ffff:0:0/96`): the part inside is kept as
//! IPv4, since a URL naming such an address is canonicalized to IPv4 (see `ip_range`), the rest
//! as IPv6. Within each family it sorts the ranges and merges those that overlap or touch, so at
//! most one range can hold an address and a lookup is one binary search: about 17 steps for
//! 100,000 ranges, over a table read in place. Only a URL whose host is an IP address is looked
//! up here, and a domain never is.
//!
//! Size: 8 bytes per IPv4 range and 32 per IPv6 range, whatever its width; a `/8` costs what a
//! single address costs.
//!
//! # Byte layout (sections C and D of a domain list)
//!
//! ```text
//! section C  IPv4 ranges, 8 bytes each:   first u32, last u32
//! section D  IPv6 ranges, 32 bytes each:  first u128, last u128
//! ```
//!
//! Addresses are numbers, little-endian as every integer of the bundle. In each section the
//! ranges are sorted, each has `first <= last`, and a range starts more than one address after
//! the one before it ends (overlapping or touching ranges are merged); opening a bundle checks
//! all of that.

use std::net::IpAddr;
use std::ops::Range;

use super::BundleError;
use super::ip_range::{IPV4_MAPPED_FIRST, IPV4_MAPPED_LAST, IpRange, as_ipv6_bits};

/// Bytes of an IPv4 address in the table; a range takes two.
const IPV4_BYTES: usize = 4;
/// Bytes of an IPv6 address in the table; a range takes two.
const IPV6_BYTES: usize = 16;

/// A list's address ranges as the builder writes them: sections C and D.
pub(super) struct EncodedAddressSet {
    pub(super) ipv4: Vec<u8>,
    pub(super) ipv6: Vec<u8>,
    /// Ranges in both sections, after merging.
    pub(super) ranges: usize,
}

/// Encodes `ranges` (any order, overlaps and duplicates allowed).
pub(super) fn encode(ranges: &[IpRange]) -> EncodedAddressSet {
    let (mut ipv4, mut ipv6) = (Vec::new(), Vec::new());
    for range in ranges {
        let (first, last) = range.bounds();
        if first < IPV4_MAPPED_FIRST {
            ipv6.push((first, last.min(IPV4_MAPPED_FIRST - 1)));
        }
        if last > IPV4_MAPPED_LAST {
            ipv6.push((first.max(IPV4_MAPPED_LAST + 1), last));
        }
        let (mapped_first, mapped_last) =
            (first.max(IPV4_MAPPED_FIRST), last.min(IPV4_MAPPED_LAST));
        if mapped_first <= mapped_last {
            ipv4.push((
                mapped_first - IPV4_MAPPED_FIRST,
                mapped_last - IPV4_MAPPED_FIRST,
            ));
        }
    }
    let (ipv4, ipv6) = (merged(ipv4), merged(ipv6));
    EncodedAddressSet {
        ranges: ipv4.len() + ipv6.len(),
        ipv4: table(&ipv4, IPV4_BYTES),
        ipv6: table(&ipv6, IPV6_BYTES),
    }
}

/// `ranges` sorted, with those that overlap or touch merged into one.
fn merged(mut ranges: Vec<(u128, u128)>) -> Vec<(u128, u128)> {
    ranges.sort_unstable();
    let mut out: Vec<(u128, u128)> = Vec::with_capacity(ranges.len());
    for (first, last) in ranges {
        match out.last_mut() {
            Some(previous) if first <= previous.1.saturating_add(1) => {
                previous.1 = previous.1.max(last);
            }
            _ => out.push((first, last)),
        }
    }
    out
}

/// The table of `ranges`, each address in `width` bytes (every address fits: IPv4 ranges were
/// taken out of the mapped block, so they are below 2^32).
fn table(ranges: &[(u128, u128)], width: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(ranges.len() * 2 * width);
    for &(first, last) in ranges {
        out.extend_from_slice(&first.to_le_bytes()[..width]);
        out.extend_from_slice(&last.to_le_bytes()[..width]);
    }
    out
}

/// Where a checked address set lies in the bundle's bytes.
#[derive(Clone, Debug)]
pub(super) struct AddressSetShape {
    ipv4: Range<usize>,
    ipv6: Range<usize>,
}

impl AddressSetShape {
    /// Checks sections C (`ipv4`) and D (`ipv6`) of a domain list in `bytes`: whole ranges,
    /// each in order, sorted, and apart from the one before (see the module documentation).
    pub(super) fn parse(
        bytes: &[u8],
        ipv4: Range<usize>,
        ipv6: Range<usize>,
    ) -> Result<Self, BundleError> {
        for (section, width) in [(&ipv4, IPV4_BYTES), (&ipv6, IPV6_BYTES)] {
            let table = RangeTable::over(bytes, section, width)?;
            let mut end_of_previous: Option<u128> = None;
            for index in 0..table.len() {
                let (first, last) = table.range(index).ok_or(CUT_SHORT)?;
                let apart = end_of_previous.is_none_or(|end| {
                    end.checked_add(1)
                        .is_some_and(|after_end| after_end < first)
                });
                if first > last || !apart {
                    return Err(BundleError::Malformed(
                        "a list's address ranges are out of order or not merged",
                    ));
                }
                end_of_previous = Some(last);
            }
        }
        Ok(Self { ipv4, ipv6 })
    }

    /// The set over `bytes`, the buffer this shape was parsed from.
    #[inline]
    pub(super) fn view<'a>(&self, bytes: &'a [u8]) -> AddressSet<'a> {
        // `parse` checked the ranges against this buffer; an empty table is only a fallback.
        let table = |section: &Range<usize>, width| RangeTable {
            bytes: bytes.get(section.clone()).unwrap_or_default(),
            width,
        };
        AddressSet {
            ipv4: table(&self.ipv4, IPV4_BYTES),
            ipv6: table(&self.ipv6, IPV6_BYTES),
        }
    }
}

/// The error for a section that does not hold whole ranges.
const CUT_SHORT: BundleError =
    BundleError::Malformed("a list's address ranges are cut short or lie outside the bundle");

/// A list's address ranges, read in place from a bundle's bytes.
#[derive(Clone, Copy)]
pub(super) struct AddressSet<'a> {
    ipv4: RangeTable<'a>,
    ipv6: RangeTable<'a>,
}

impl AddressSet<'_> {
    /// Number of ranges, after merging.
    pub(super) fn len(&self) -> usize {
        self.ipv4.len() + self.ipv6.len()
    }

    /// Bytes the ranges occupy in the bundle.
    pub(super) fn bytes_used(&self) -> usize {
        self.ipv4.bytes.len() + self.ipv6.bytes.len()
    }

    /// Whether a range holds `address`; an IPv4-mapped IPv6 address is looked up as the IPv4
    /// address it maps.
    pub(super) fn contains(&self, address: IpAddr) -> bool {
        let number = as_ipv6_bits(address);
        if (IPV4_MAPPED_FIRST..=IPV4_MAPPED_LAST).contains(&number) {
            self.ipv4.contains(number - IPV4_MAPPED_FIRST)
        } else {
            self.ipv6.contains(number)
        }
    }
}

/// A table of ranges of one family, each address `width` bytes.
#[derive(Clone, Copy)]
struct RangeTable<'a> {
    bytes: &'a [u8],
    width: usize,
}

impl<'a> RangeTable<'a> {
    /// The table at `section` of `bytes`, if it lies inside and holds whole ranges.
    fn over(bytes: &'a [u8], section: &Range<usize>, width: usize) -> Result<Self, BundleError> {
        let bytes = bytes.get(section.clone()).ok_or(CUT_SHORT)?;
        if bytes.len() % (2 * width) != 0 {
            return Err(CUT_SHORT);
        }
        Ok(Self { bytes, width })
    }

    /// Number of ranges.
    fn len(&self) -> usize {
        self.bytes.len() / (2 * self.width)
    }

    /// The first and last address of range `index`, or `None` past the end.
    #[inline]
    fn range(&self, index: usize) -> Option<(u128, u128)> {
        let start = index.checked_mul(2 * self.width)?;
        Some((
            self.address_at(start)?,
            self.address_at(start.checked_add(self.width)?)?,
        ))
    }

    /// The address whose bytes start at `at`.
    #[inline]
    fn address_at(&self, at: usize) -> Option<u128> {
        let field = self.bytes.get(at..at.checked_add(self.width)?)?;
        let mut bytes = [0u8; IPV6_BYTES];
        bytes.get_mut(..field.len())?.copy_from_slice(field);
        Some(u128::from_le_bytes(bytes))
    }

    /// Whether a range holds `address`: the last range starting at or before it ends at or
    /// after it.
    fn contains(&self, address: u128) -> bool {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = low + (high - low) / 2;
            if self
                .range(middle)
                .is_some_and(|(first, _)| first <= address)
            {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low.checked_sub(1)
            .and_then(|index| self.range(index))
            .is_some_and(|(_, last)| address <= last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(texts: &[&str]) -> Vec<IpRange> {
        texts.iter().map(|text| text.parse().unwrap()).collect()
    }

    /// Encodes `texts` into a buffer of sections C and D, checks it, and returns it with its
    /// shape.
    fn set_of(texts: &[&str]) -> (Vec<u8>, AddressSetShape, usize) {
        let encoded = encode(&ranges(texts));
        let split = encoded.ipv4.len();
        let bytes = [encoded.ipv4, encoded.ipv6].concat();
        let shape = AddressSetShape::parse(&bytes, 0..split, split..bytes.len()).unwrap();
        (bytes, shape, encoded.ranges)
    }

    fn address(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_hold_their_addresses_and_not_their_neighbours() {
        let (bytes, shape, count) = set_of(&[
            "203.0.113.7",
            "198.51.100.0/24",
            "10.0.0.0/8",
            "2001:db8::/32",
            "[2001:db8:ffff:ffff::1]",
        ]);
        let set = shape.view(&bytes);
        assert_eq!((count, set.len()), (4, 4), "2001:db8::/32 holds the last");
        for inside in [
            "203.0.113.7",
            "198.51.100.0",
            "198.51.100.255",
            "10.255.255.255",
            "::ffff:203.0.113.7",
            "2001:db8::",
            "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
        ] {
            assert!(set.contains(address(inside)), "{inside}");
        }
        for outside in [
            "203.0.113.6",
            "203.0.113.8",
            "198.51.99.255",
            "198.51.101.0",
            "9.255.255.255",
            "11.0.0.0",
            "0.0.0.0",
            "255.255.255.255",
            "::203.0.113.7",
            "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
            "2001:db9::",
            "::",
        ] {
            assert!(!set.contains(address(outside)), "{outside}");
        }
        assert_eq!(set.bytes_used(), 3 * 8 + 32);
    }

    #[test]
    fn overlapping_and_touching_ranges_are_merged() {
        let (bytes, shape, count) = set_of(&[
            "192.0.2.0/25",
            "192.0.2.128/25",
            "192.0.2.77",
            "192.0.2.0/24",
            "192.0.4.0/24",
            "192.0.4.0/24",
            "192.0.3.0/24",
        ]);
        assert_eq!(count, 1);
        let set = shape.view(&bytes);
        assert!(set.contains(address("192.0.3.9")));
        assert!(!set.contains(address("192.0.5.0")));
        let (_, _, apart) = set_of(&["192.0.2.0/24", "192.0.4.0/24"]);
        assert_eq!(apart, 2);
    }

    #[test]
    fn the_ipv4_mapped_part_of_an_ipv6_range_is_kept_as_ipv4() {
        let (bytes, shape, count) = set_of(&["::ffff:192.0.2.128/121"]);
        assert_eq!(count, 1);
        let set = shape.view(&bytes);
        assert_eq!(set.ipv4.len(), 1);
        assert!(set.contains(address("192.0.2.200")));
        assert!(set.contains(address("::ffff:192.0.2.200")));
        assert!(!set.contains(address("192.0.2.100")));

        // `::/0` is every address: the IPv6 space on either side of the mapped block, and all
        // of IPv4.
        let (bytes, shape, count) = set_of(&["::/0"]);
        assert_eq!(count, 3);
        let set = shape.view(&bytes);
        for any in [
            "0.0.0.0",
            "255.255.255.255",
            "::",
            "::fffe:ffff:ffff",
            "::1:0:0:0",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        ] {
            assert!(set.contains(address(any)), "{any}");
        }
    }

    #[test]
    fn an_empty_set_holds_nothing() {
        let (bytes, shape, count) = set_of(&[]);
        assert_eq!((bytes.len(), count), (0, 0));
        let set = shape.view(&bytes);
        assert!(!set.contains(address("0.0.0.0")));
        assert!(!set.contains(address("::")));
    }

    #[test]
    fn tables_out_of_order_unmerged_or_cut_are_refused() {
        let v4 = |pairs: &[(u32, u32)]| -> Vec<u8> {
            pairs
                .iter()
                .flat_map(|(first, last)| [first.to_le_bytes(), last.to_le_bytes()].concat())
                .collect()
        };
        let refused = |bytes: Vec<u8>| AddressSetShape::parse(&bytes, 0..bytes.len(), 0..0);
        assert!(refused(v4(&[(1, 2), (4, 9)])).is_ok());
        for bad in [
            v4(&[(2, 1)]),
            v4(&[(4, 9), (1, 2)]),
            v4(&[(1, 4), (3, 9)]),
            v4(&[(1, 2), (3, 9)]),
            v4(&[(1, 2), (1, 2)]),
        ] {
            assert!(refused(bad).is_err());
        }
        let mut cut = v4(&[(1, 2)]);
        cut.pop();
        assert!(refused(cut).is_err());
        let bytes = v4(&[(1, 2)]);
        assert!(AddressSetShape::parse(&bytes, 0..bytes.len() + 1, 0..0).is_err());
        assert!(AddressSetShape::parse(&bytes, 0..0, 0..bytes.len()).is_err());
        // The highest IPv6 address ends the table: nothing may follow it.
        let ipv6: Vec<u8> = [u128::MAX - 1, u128::MAX, 0, 0]
            .iter()
            .flat_map(|address| address.to_le_bytes())
            .collect();
        assert!(AddressSetShape::parse(&ipv6, 0..0, 0..32).is_ok());
        assert!(AddressSetShape::parse(&ipv6, 0..0, 0..64).is_err());
    }
}
