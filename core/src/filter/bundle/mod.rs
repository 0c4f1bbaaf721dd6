//! Compiled list bundles: the signed binary form in which block lists, category lists and
//! allowlists reach the phone.
//!
//! The operator compiles text lists offline with [`BundleBuilder`] (the CLI's `childsafe lists
//! compile`) and signs the result with an Ed25519 key. The phone hands the bytes to
//! [`ListBundle::open`], which checks the signature against the keys it trusts, the format, and
//! the expiry, then checks that every section lies inside the buffer, and answers lookups straight
//! from those bytes: no text is parsed and no table is rebuilt, so opening a million entries costs
//! the signature check and little more. [`ActiveBundle`] keeps the bundle in force and only ever
//! replaces it with a newer one that opened cleanly.
//!
//! Three kinds of list ([`ListKind`]):
//! - category lists and allowlists of domains, stored as keyed 56-bit fingerprints in sorted
//!   buckets (see `domain_set`), about 5.1 bytes per entry for a million domains; and of IP
//!   addresses and CIDR ranges ([`IpRange`]), stored as sorted, merged address ranges searched by
//!   binary search (see `address_set`), 8 bytes per IPv4 range and 32 per IPv6 range;
//! - hashed URL lists, stored as Rice-coded 4-byte prefixes of SHA-256 lookup-expression hashes
//!   plus the rest of each hash to confirm a prefix hit (see `hash_set`), so the phone never holds
//!   the addresses themselves and a prefix collision never blocks; and a host prefilter of short,
//!   deliberately ambiguous fingerprints of the entries' hosts (see `host_filter`), so that a URL
//!   on none of those hosts is decided without hashing any expression.
//!
//! # Byte layout (format version 4)
//!
//! All integers are little-endian. The signature covers the SHA-256 of every byte before it,
//! starting with the magic, behind a context string that keeps a bundle signature from being
//! mistaken for anything else the key signs (see `format::signed_message`).
//!
//! ```text
//! header (56 bytes)
//!   0  magic            8   "csbundle"
//!   8  format version   u16 4 (3 is read too: see below)
//!  10  flags            u16 0 (reserved)
//!  12  list count       u32 at most MAX_LISTS
//!  16  total length     u64 the whole bundle, signature included
//!  24  bundle version   u64 newer bundles have larger numbers
//!  32  expires at       u64 unix seconds; the bundle is refused from this second on
//!  40  fingerprint seed 16  random per bundle, keys the domain fingerprints
//! list records, one after another
//!   0  kind             u8  1 category, 2 allow, 3 hashed URLs
//!   1  name length      u8  1..=MAX_NAME_BYTES
//!   2  parameter        u8  bucket bits (domain lists) or Rice parameter (hashed URLs)
//!   3  flags            u8  1 = a domain list with a single-label entry (so lookups try
//!                           a URL's top-level domain too), else 0
//!   4  entry count      u32 domain fingerprints / hashes
//!   8  section A length u32 bucket offsets / prefix block index
//!  12  section B length u32 fingerprint remainders / Rice-coded prefix deltas
//!  16  section C length u32 IPv4 address ranges (8 bytes each; see `address_set`) / hash
//!                           remainders (28 bytes per entry)
//!  20  section D length u32 IPv6 address ranges (32 bytes each) / host prefilter (its own
//!                           8-byte header, then as sections A, B of a domain list; see
//!                           `host_filter`)
//!  24  name, then sections A, B, C, D
//! signature (64 bytes): Ed25519 over "childsafe list bundle signature v3\0" and the SHA-256
//!                       of everything above
//! ```
//!
//! Version 4 added the address ranges of domain lists (sections C and D, empty in version 3).
//! A phone that reads only version 3 refuses a version 4 bundle as a format it cannot read, and
//! keeps the bundle in force, rather than filter without the addresses. This build reads version
//! 3 bundles too, checking that their domain lists have no third or fourth section, so a phone
//! updated to it keeps its stored bundle in force until a version 4 bundle arrives.

mod active;
mod address_set;
mod builder;
mod domain_set;
mod error;
mod format;
mod hash_set;
mod host_filter;
mod ip_range;
mod open;
mod rice;

pub use active::{ActiveBundle, require_newer};
pub use builder::BundleBuilder;
pub use error::BundleError;
pub use format::{
    FORMAT_VERSION, MAX_BUNDLE_BYTES, MAX_LIST_ENTRIES, MAX_LISTS, MAX_NAME_BYTES,
    OLDEST_FORMAT_VERSION, signed_message,
};
pub use ip_range::{IpRange, IpRangeError};
pub use open::{BundleList, DomainProbe, ListBundle};

/// What a list in a bundle holds, and so how the filter uses a hit in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// Domains of one category (adult, gambling, ...): a hit on any host suffix of a URL puts
    /// the URL in the category. Also IP addresses and CIDR ranges, which a URL whose host is an
    /// IP address is looked up in.
    Category,
    /// SHA-256 hashes of lookup expressions of known illegal material, matched URL by URL.
    HashedUrls,
    /// Domains (and IP addresses and ranges) a child may visit, for allowlist-only browsing
    /// and explicit exceptions.
    Allow,
}

impl ListKind {
    /// Whether lists of this kind hold domains and address ranges (and so answer
    /// [`BundleList::contains_domain`] and [`BundleList::contains_address`]).
    pub fn holds_domains(self) -> bool {
        matches!(self, Self::Category | Self::Allow)
    }
}
