//! IP addresses and CIDR ranges as entries of category lists and allowlists: `203.0.113.7`,
//! `198.51.100.0/24`, `2001:db8::/32`, `[2001:db8::1]`.
//!
//! Lists of VPN, proxy and DNS-over-HTTPS endpoints are mostly addresses, and a URL can name its
//! host by address. An [`IpRange`] is read once, at the edge, from the text a list writes, and
//! from then on is a network address with its host bits clear and a prefix length that fits the
//! address family.
//!
//! Choices made where the notation is loose:
//! - Only the standard notations are read: IPv4 in dotted decimal without leading zeros (as
//!   `inet_pton` reads it), IPv6 in any RFC 4291 form, with or without brackets. The other
//!   spellings a browser accepts in a URL (`0x7f.1`, `2130706433`, `010.0.0.1`) are refused in a
//!   list, where `010` is more likely a padded 10 than the octal 8 a browser would read. URLs are
//!   still matched in every spelling: canonicalization reduces them to the standard one.
//! - A prefix length longer than the address (`/33` for IPv4, `/129` for IPv6) is refused.
//! - Host bits set below the prefix (`198.51.100.7/24`) are cleared: the entry stands for the
//!   whole `/24`, as firewalls (iptables, nftables, ipset) read it. The prefix length says how
//!   much the entry covers; what follows it is noise.
//! - An IPv4 address `a` and its IPv4-mapped IPv6 form `::ffff:a` are the same address: a URL
//!   that names `[::ffff:203.0.113.7]` is canonicalized to `203.0.113.7`. So an IPv6 range that
//!   reaches into `::ffff:0:0/96` covers the IPv4 addresses it maps (`::ffff:192.0.2.0/120` is
//!   `192.0.2.0/24`, and `::/0` covers every IPv4 address too). Other IPv6 forms that embed an
//!   IPv4 address (`::192.0.2.1`, NAT64's `64:ff9b::/96`) are separate addresses, as they are
//!   to a browser.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// Bits of an IPv4 address.
const IPV4_BITS: u8 = 32;
/// Bits of an IPv6 address.
const IPV6_BITS: u8 = 128;
/// Most digits of a prefix length (`/128`).
const MAX_PREFIX_DIGITS: usize = 3;
/// The first IPv4-mapped IPv6 address, `::ffff:0.0.0.0`: IPv4 address `a` is `a` above it.
pub(super) const IPV4_MAPPED_FIRST: u128 = 0xffff << 32;
/// The last IPv4-mapped IPv6 address, `::ffff:255.255.255.255`.
pub(super) const IPV4_MAPPED_LAST: u128 = IPV4_MAPPED_FIRST | u32::MAX as u128;

/// A range of IP addresses a list entry names: a network address and a prefix length, as CIDR
/// writes it (`198.51.100.0/24`), or a single address (a prefix as long as the address).
///
/// ```
/// use childsafe_core::filter::bundle::IpRange;
///
/// let range: IpRange = "198.51.100.7/24".parse()?;
/// assert_eq!(range.to_string(), "198.51.100.0/24");
/// assert!(range.contains("198.51.100.200".parse()?));
/// assert!(!range.contains("198.51.101.0".parse()?));
/// assert!("[2001:db8::1]".parse::<IpRange>()?.is_single_address());
/// assert!("203.0.113.0/33".parse::<IpRange>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpRange {
    /// The first address, host bits clear.
    network: IpAddr,
    prefix_len: u8,
}

/// Why text is not an [`IpRange`]. Names the rule broken, never the text: it may be a list entry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IpRangeError {
    /// The text is not an address in a standard notation, optionally followed by `/` and a
    /// decimal prefix length.
    #[error(
        "not an IP address or CIDR range (such as 203.0.113.7, 198.51.100.0/24, 2001:db8::/32)"
    )]
    NotAnAddress,
    /// The prefix length is longer than the address.
    #[error("the prefix length {found} is longer than the {bits} bits of the address")]
    PrefixTooLong {
        /// The prefix length written.
        found: u16,
        /// Bits of the address: 32 or 128.
        bits: u8,
    },
}

impl IpRange {
    /// The range of `prefix_len` leading bits of `address`: its host bits are cleared. Refused if
    /// `prefix_len` is longer than the address.
    pub fn new(address: IpAddr, prefix_len: u8) -> Result<Self, IpRangeError> {
        let bits = family_bits(address);
        if prefix_len > bits {
            return Err(IpRangeError::PrefixTooLong {
                found: u16::from(prefix_len),
                bits,
            });
        }
        let network = match address {
            IpAddr::V4(v4) => {
                let mask = u32::MAX.checked_shl(u32::from(bits - prefix_len));
                IpAddr::V4(Ipv4Addr::from_bits(v4.to_bits() & mask.unwrap_or(0)))
            }
            IpAddr::V6(v6) => {
                let mask = u128::MAX.checked_shl(u32::from(bits - prefix_len));
                IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & mask.unwrap_or(0)))
            }
        };
        Ok(Self {
            network,
            prefix_len,
        })
    }

    /// The range of the one address `address`.
    pub fn address(address: IpAddr) -> Self {
        Self {
            network: address,
            prefix_len: family_bits(address),
        }
    }

    /// The first address of the range.
    pub fn network(&self) -> IpAddr {
        self.network
    }

    /// How many leading bits the addresses of the range share.
    pub fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    /// Whether the range is a single address (`203.0.113.7`, or `203.0.113.7/32`).
    pub fn is_single_address(&self) -> bool {
        self.prefix_len == family_bits(self.network)
    }

    /// Whether `address` is in the range, an IPv4 address and its IPv4-mapped IPv6 form being
    /// the same (see the module documentation): what a list holding the range matches.
    pub fn contains(&self, address: IpAddr) -> bool {
        let (first, last) = self.bounds();
        (first..=last).contains(&as_ipv6_bits(address))
    }

    /// The first and last address of the range as IPv6 numbers, IPv4 addresses as their
    /// IPv4-mapped form.
    pub(super) fn bounds(&self) -> (u128, u128) {
        let first = as_ipv6_bits(self.network);
        let host_bits = u32::from(family_bits(self.network) - self.prefix_len);
        let hosts = u128::MAX.checked_shr(128 - host_bits).unwrap_or(0);
        (first, first | hosts)
    }
}

impl FromStr for IpRange {
    type Err = IpRangeError;

    /// Reads `address` or `address/prefix`, the address in dotted decimal, or IPv6 with or
    /// without brackets (`[2001:db8::]/32`, `2001:db8::/32`).
    fn from_str(text: &str) -> Result<Self, IpRangeError> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address = match address.strip_prefix('[') {
            Some(bracketed) => bracketed
                .strip_suffix(']')
                .and_then(|inner| inner.parse::<Ipv6Addr>().ok())
                .map(IpAddr::V6),
            None => address.parse::<IpAddr>().ok(),
        }
        .ok_or(IpRangeError::NotAnAddress)?;
        let Some(prefix) = prefix else {
            return Ok(Self::address(address));
        };
        // Decimal digits only, and no leading zero: `/+24`, `/024` and `/ 24` are not CIDR.
        let plain = (1..=MAX_PREFIX_DIGITS).contains(&prefix.len())
            && prefix.bytes().all(|byte| byte.is_ascii_digit())
            && (prefix == "0" || !prefix.starts_with('0'));
        let prefix_len: u16 = match prefix.parse() {
            Ok(prefix_len) if plain => prefix_len,
            _ => return Err(IpRangeError::NotAnAddress),
        };
        let bits = family_bits(address);
        match u8::try_from(prefix_len) {
            Ok(prefix_len) if prefix_len <= bits => Self::new(address, prefix_len),
            _ => Err(IpRangeError::PrefixTooLong {
                found: prefix_len,
                bits,
            }),
        }
    }
}

impl fmt::Display for IpRange {
    /// A single address alone (`203.0.113.7`, `2001:db8::1`), a range in CIDR notation.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_single_address() {
            write!(f, "{}", self.network)
        } else {
            write!(f, "{}/{}", self.network, self.prefix_len)
        }
    }
}

/// Bits of an address of `address`'s family.
fn family_bits(address: IpAddr) -> u8 {
    match address {
        IpAddr::V4(_) => IPV4_BITS,
        IpAddr::V6(_) => IPV6_BITS,
    }
}

/// `address` as an IPv6 number, an IPv4 address as its IPv4-mapped form.
pub(super) fn as_ipv6_bits(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => IPV4_MAPPED_FIRST | u128::from(v4.to_bits()),
        IpAddr::V6(v6) => v6.to_bits(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> IpRange {
        text.parse().unwrap()
    }

    #[test]
    fn standard_notations_are_read() {
        for (text, shown, single) in [
            ("203.0.113.7", "203.0.113.7", true),
            ("203.0.113.7/32", "203.0.113.7", true),
            ("198.51.100.0/24", "198.51.100.0/24", false),
            ("0.0.0.0/0", "0.0.0.0/0", false),
            ("2001:db8::1", "2001:db8::1", true),
            ("[2001:db8::1]", "2001:db8::1", true),
            ("2001:DB8:0:0::/32", "2001:db8::/32", false),
            ("[2001:db8::]/32", "2001:db8::/32", false),
            ("::/0", "::/0", false),
            ("::ffff:192.0.2.0/120", "::ffff:192.0.2.0/120", false),
        ] {
            let parsed = range(text);
            assert_eq!(parsed.to_string(), shown, "{text}");
            assert_eq!(parsed.is_single_address(), single, "{text}");
        }
    }

    #[test]
    fn host_bits_are_cleared() {
        let masked = range("198.51.100.77/24");
        assert_eq!(masked, range("198.51.100.0/24"));
        assert_eq!(masked.network(), "198.51.100.0".parse::<IpAddr>().unwrap());
        assert_eq!(range("2001:db8:ffff::1/33"), range("2001:db8:8000::/33"));
        assert_eq!(range("255.255.255.255/1"), range("128.0.0.0/1"));
        assert_eq!(range("255.255.255.255/0"), range("0.0.0.0/0"));
    }

    #[test]
    fn nonsense_is_refused() {
        for text in [
            "",
            "example.com",
            "203.0.113",
            "203.0.113.7.1",
            "010.0.0.1",
            "0x7f.0.0.1",
            "2130706433",
            "203.0.113.256",
            "[203.0.113.7]",
            "[2001:db8::1",
            "2001:db8::1]",
            "fe80::1%lo0",
            "203.0.113.0/",
            "203.0.113.0/024",
            "203.0.113.0/+24",
            "203.0.113.0/ 24",
            "203.0.113.0/24/8",
            "203.0.113.0/1000",
            " 203.0.113.7",
        ] {
            assert_eq!(
                text.parse::<IpRange>(),
                Err(IpRangeError::NotAnAddress),
                "{text:?}"
            );
        }
        for (text, found, bits) in [
            ("203.0.113.0/33", 33, 32),
            ("2001:db8::/129", 129, 128),
            ("::/999", 999, 128),
        ] {
            assert_eq!(
                text.parse::<IpRange>(),
                Err(IpRangeError::PrefixTooLong { found, bits }),
                "{text}"
            );
        }
        let v4 = "203.0.113.7".parse().unwrap();
        assert!(IpRange::new(v4, 33).is_err());
        assert!(IpRange::new(v4, 32).is_ok());
    }

    #[test]
    fn containment_treats_ipv4_mapped_addresses_as_ipv4() {
        let address = |text: &str| text.parse::<IpAddr>().unwrap();
        let v4 = range("192.0.2.0/24");
        assert!(v4.contains(address("192.0.2.0")));
        assert!(v4.contains(address("192.0.2.255")));
        assert!(v4.contains(address("::ffff:192.0.2.9")));
        assert!(!v4.contains(address("192.0.3.0")));
        assert!(!v4.contains(address("::192.0.2.9")));
        let mapped = range("::ffff:192.0.2.128/121");
        assert!(mapped.contains(address("192.0.2.200")));
        assert!(!mapped.contains(address("192.0.2.100")));
        assert!(range("::/0").contains(address("203.0.113.7")));
        assert!(!range("0.0.0.0/0").contains(address("2001:db8::1")));
        assert_eq!(
            range("0.0.0.0/0").bounds(),
            (IPV4_MAPPED_FIRST, IPV4_MAPPED_LAST)
        );
        assert_eq!(range("::/0").bounds(), (0, u128::MAX));
    }
}
