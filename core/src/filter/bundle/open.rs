//! Opening a bundle: checking it, then answering lookups from its bytes in place.

use std::fmt;
use std::net::IpAddr;

use super::address_set::{AddressSet, AddressSetShape};
use super::domain_set::{BATCH, DomainSet, DomainSetShape, FingerprintKey};
use super::format::{
    self, ADDRESS_RANGES_SINCE, HOLDS_SINGLE_LABELS, Header, ListRecord, MAX_LISTS, Reader,
};
use super::hash_set::{HashSetShape, HashedUrlSet};
use super::host_filter::{HostFilter, HostFilterShape};
use super::{BundleError, ListKind};
use crate::crypto::PublicKey;
use crate::filter::ExpressionHash;

/// An opened bundle: signed by a trusted key, unexpired when it was first installed, and checked
/// so that no lookup can read outside it. It owns its bytes and answers lookups from them directly.
pub struct ListBundle {
    bytes: Vec<u8>,
    version: u64,
    expires_at: u64,
    key: FingerprintKey,
    lists: Vec<ListEntry>,
    /// For each [`ListKind`], the indices in `lists` of the lists of that kind, in order.
    by_kind: [Vec<usize>; LIST_KINDS],
}

/// How many [`ListKind`]s there are.
const LIST_KINDS: usize = 3;

/// Where `kind`'s lists are listed in [`ListBundle::by_kind`].
fn kind_index(kind: ListKind) -> usize {
    match kind {
        ListKind::Category => 0,
        ListKind::HashedUrls => 1,
        ListKind::Allow => 2,
    }
}

/// A checked list: its name, kind and where its sections lie.
struct ListEntry {
    name: String,
    kind: ListKind,
    /// Whether the domain list has a single-label entry (see [`DomainProbe`]).
    holds_single_labels: bool,
    shape: ListShape,
}

enum ListShape {
    Domains(DomainSetShape, AddressSetShape),
    Hashes(HashSetShape, HostFilterShape),
}

impl ListBundle {
    /// Opens `bytes` as a bundle, in this order: the size, magic, format version and length;
    /// the Ed25519 signature against each of the `trusted` keys; the expiry against `now_unix`
    /// (unix seconds); then the structure of every list. Nothing is read from the bundle's
    /// body before its signature has verified.
    ///
    /// The cost is one SHA-256 pass over the bytes and a signature check over its digest, plus
    /// a walk over the bucket offsets and block index of each list, not over its entries.
    pub fn open(bytes: Vec<u8>, trusted: &[PublicKey], now_unix: u64) -> Result<Self, BundleError> {
        Self::open_checked(bytes, trusted, Some(now_unix))
    }

    /// Opens a bundle that was already in force (the one the phone keeps in its store) with
    /// every check of [`Self::open`] but the expiry. Lists in force stay in force until a newer
    /// bundle replaces them, whatever the clocks say: a phone that could not sync, or whose
    /// clock a child moved forward, keeps filtering with them (and says they are out of date).
    pub fn reopen(bytes: Vec<u8>, trusted: &[PublicKey]) -> Result<Self, BundleError> {
        Self::open_checked(bytes, trusted, None)
    }

    /// [`Self::open`], checking the expiry only when given the time.
    fn open_checked(
        bytes: Vec<u8>,
        trusted: &[PublicKey],
        now_unix: Option<u64>,
    ) -> Result<Self, BundleError> {
        let (signed, signature) = format::check_envelope(&bytes)?;
        if trusted.is_empty() {
            return Err(BundleError::NoTrustedKeys);
        }
        let message = format::signed_message(signed);
        if !trusted.iter().any(|key| key.verify(&message, signature)) {
            return Err(BundleError::BadSignature);
        }

        let mut reader = Reader::new(signed);
        let header = Header::parse(&mut reader)?;
        if let Some(now) = now_unix.filter(|&now| now >= header.expires_at) {
            return Err(BundleError::Expired {
                expires_at: header.expires_at,
                now,
            });
        }
        let lists = parse_lists(signed, &mut reader, &header)?;
        let mut by_kind: [Vec<usize>; LIST_KINDS] = Default::default();
        for (index, list) in lists.iter().enumerate() {
            by_kind[kind_index(list.kind)].push(index);
        }
        Ok(Self {
            version: header.version,
            expires_at: header.expires_at,
            key: FingerprintKey::from_seed(&header.seed),
            lists,
            by_kind,
            bytes,
        })
    }

    /// The bundle's version: a newer bundle has a larger one.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// When the bundle expires, in unix seconds; it is refused from that second on.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// Whether the bundle has expired at `now_unix`. An open bundle stays usable after its
    /// expiry; the caller decides whether to keep filtering with it until a newer one arrives.
    pub fn is_expired(&self, now_unix: u64) -> bool {
        now_unix >= self.expires_at
    }

    /// The bundle's bytes as signed, for storing it and opening it again at the next start.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bundle's lists, in the order they were compiled.
    pub fn lists(&self) -> impl Iterator<Item = BundleList<'_>> {
        self.lists.iter().map(|entry| self.view(entry))
    }

    /// The bundle's lists of one kind, in the order they were compiled.
    pub fn lists_of_kind(&self, kind: ListKind) -> impl Iterator<Item = BundleList<'_>> {
        self.by_kind[kind_index(kind)]
            .iter()
            .filter_map(|&index| self.lists.get(index))
            .map(|entry| self.view(entry))
    }

    /// The list called `name`, if the bundle has one.
    pub fn list(&self, name: &str) -> Option<BundleList<'_>> {
        self.lists
            .iter()
            .find(|entry| entry.name == name)
            .map(|entry| self.view(entry))
    }

    /// The fingerprint of `host_suffix` under this bundle's key, to look up in each of its domain
    /// lists with [`BundleList::contains_probe`] without hashing the suffix once per list.
    #[inline]
    pub fn probe<'a>(&'a self, host_suffix: &'a str) -> DomainProbe<'a> {
        self.probe_labelled(host_suffix, !host_suffix.contains('.'))
    }

    /// [`Self::probe`] for a caller that has already scanned the suffix: `single_label` must be
    /// whether it has no dot.
    #[inline]
    pub(crate) fn probe_labelled<'a>(
        &'a self,
        host_suffix: &'a str,
        single_label: bool,
    ) -> DomainProbe<'a> {
        debug_assert_eq!(single_label, !host_suffix.contains('.'));
        DomainProbe {
            domain: host_suffix,
            key: &self.key,
            fingerprint: self.key.fingerprint(host_suffix.as_bytes()),
            single_label,
        }
    }

    #[inline]
    fn view<'a>(&'a self, entry: &'a ListEntry) -> BundleList<'a> {
        BundleList {
            bundle: self,
            entry,
        }
    }
}

impl fmt::Debug for ListBundle {
    /// The version, expiry and list names, never the entries.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListBundle")
            .field("version", &self.version)
            .field("expires_at", &self.expires_at)
            .field("bytes", &self.bytes.len())
            .field("lists", &self.lists().collect::<Vec<_>>())
            .finish()
    }
}

/// Reads the list records `header` announces from `reader`, a reader over `signed` (the bundle
/// without its signature) placed after the header, and checks each list's sections as the
/// header's format version lays them out.
fn parse_lists(
    signed: &[u8],
    reader: &mut Reader<'_>,
    header: &Header,
) -> Result<Vec<ListEntry>, BundleError> {
    let count = header.list_count;
    if count as usize > MAX_LISTS {
        return Err(BundleError::TooLarge {
            what: "the number of lists",
            limit: MAX_LISTS as u64,
        });
    }
    let mut lists: Vec<ListEntry> = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let record = ListRecord::parse(reader)?;
        let name = format::check_list_name(reader.take(usize::from(record.name_len))?)
            .map_err(|_| BundleError::Malformed("a list name is not a valid name"))?
            .to_owned();
        if lists.iter().any(|list| list.name == name) {
            return Err(BundleError::Malformed("two lists have the same name"));
        }
        // The reader starts at the bundle's first byte, so its positions are where lookups
        // will find the sections in the whole bundle.
        let mut ranges = [0..0, 0..0, 0..0, 0..0];
        for (range, length) in ranges.iter_mut().zip(record.sections) {
            let start = reader.position();
            reader.take(length as usize)?;
            *range = start..reader.position();
        }
        let [a, b, c, d] = ranges;
        let shape = if record.kind.holds_domains() {
            if header.format < ADDRESS_RANGES_SINCE && !(c.is_empty() && d.is_empty()) {
                return Err(BundleError::Malformed(
                    "a domain list has address ranges in a format version without them",
                ));
            }
            ListShape::Domains(
                DomainSetShape::parse(signed, record.parameter, record.entries, a, b)?,
                AddressSetShape::parse(signed, c, d)?,
            )
        } else {
            ListShape::Hashes(
                HashSetShape::parse(signed, record.parameter, record.entries, a, b, c)?,
                HostFilterShape::parse(signed, d)?,
            )
        };
        lists.push(ListEntry {
            name,
            kind: record.kind,
            holds_single_labels: record.flags & HOLDS_SINGLE_LABELS != 0,
            shape,
        });
    }
    if !reader.is_at_end() {
        return Err(BundleError::Malformed(
            "bytes are left between the last list and the signature",
        ));
    }
    Ok(lists)
}

/// A host suffix with its fingerprint under one bundle's key; see [`ListBundle::probe`].
#[derive(Clone, Copy)]
pub struct DomainProbe<'a> {
    domain: &'a str,
    key: &'a FingerprintKey,
    fingerprint: u64,
    /// Whether the suffix is a single label (`com`, `localhost`): only a list with a
    /// single-label entry can hold it.
    single_label: bool,
}

/// The key of [`DomainProbe::PLACEHOLDER`].
static PLACEHOLDER_KEY: FingerprintKey = FingerprintKey::UNUSED;

impl DomainProbe<'static> {
    /// A probe of no bundle, to fill the unused slots of an array of probes. Looked up in a
    /// list, it is recomputed under the list's key (as a probe of another bundle is) and
    /// matches nothing: its suffix is empty.
    pub(crate) const PLACEHOLDER: Self = Self {
        domain: "",
        key: &PLACEHOLDER_KEY,
        fingerprint: 0,
        single_label: true,
    };
}

impl<'a> DomainProbe<'a> {
    /// The host suffix this probe was made for.
    pub fn host_suffix(&self) -> &'a str {
        self.domain
    }
}

impl fmt::Debug for DomainProbe<'_> {
    /// Names no domain: a probe is made from a URL the child visits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DomainProbe").finish_non_exhaustive()
    }
}

/// One list of an opened bundle, read in place: two references, so cheap to make and to copy.
/// Each lookup reads the list's sections straight from the bundle's bytes.
#[derive(Clone, Copy)]
pub struct BundleList<'a> {
    bundle: &'a ListBundle,
    entry: &'a ListEntry,
}

/// A list's sections over the bundle's bytes, made for one lookup. A domain list's address
/// ranges are viewed apart ([`BundleList::addresses`]): a domain lookup never reads them.
enum ListBody<'a> {
    Domains(DomainSet<'a>),
    Hashes(HashedUrlSet<'a>, HostFilter<'a>),
}

impl<'a> BundleList<'a> {
    /// The list's name, as given to the compiler.
    pub fn name(&self) -> &'a str {
        &self.entry.name
    }

    /// What the list holds.
    pub fn kind(&self) -> ListKind {
        self.entry.kind
    }

    /// The list's sections over the bundle's bytes.
    #[inline]
    fn body(&self) -> ListBody<'a> {
        let ListBundle { bytes, key, .. } = self.bundle;
        match &self.entry.shape {
            ListShape::Domains(shape, _) => ListBody::Domains(shape.view(bytes, key)),
            ListShape::Hashes(shape, hosts) => {
                ListBody::Hashes(shape.view(bytes), hosts.view(bytes, key))
            }
        }
    }

    /// The domain list's address ranges over the bundle's bytes; `None` for a hashed URL list.
    #[inline]
    fn addresses(&self) -> Option<AddressSet<'a>> {
        match &self.entry.shape {
            ListShape::Domains(_, addresses) => Some(addresses.view(&self.bundle.bytes)),
            ListShape::Hashes(..) => None,
        }
    }

    /// Number of distinct entries: domains and address ranges (after merging, see
    /// [`Self::address_range_count`]) for a domain list, hashes for a hashed URL list.
    pub fn len(&self) -> usize {
        match self.body() {
            ListBody::Domains(set) => set.len() + self.address_range_count(),
            ListBody::Hashes(set, _) => set.len(),
        }
    }

    /// Number of address ranges the domain list keeps for its IP address and CIDR entries:
    /// overlapping and adjacent ones are merged into one, and the IPv4-mapped part of an IPv6
    /// range is kept as an IPv4 range. Zero for a hashed URL list.
    pub fn address_range_count(&self) -> usize {
        self.addresses().map_or(0, |addresses| addresses.len())
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the domain list holds `host_suffix`, one host suffix of a canonical URL (the
    /// caller tries each: a hit on any counts). Always false for a hashed URL list. A host
    /// suffix not in the list is reported as in it with probability below `10^-9` per URL (see
    /// the domain set's documentation). A host that is an IP address is looked up with
    /// [`Self::contains_address`] instead.
    pub fn contains_domain(&self, host_suffix: &str) -> bool {
        match self.body() {
            ListBody::Domains(set) => set.contains(host_suffix),
            ListBody::Hashes(..) => false,
        }
    }

    /// Whether an IP address or CIDR range entry of the domain list covers `address`, the host
    /// of a URL whose host is an IP address. An IPv4-mapped IPv6 address (`::ffff:203.0.113.7`)
    /// is the IPv4 address it maps. Exact: one binary search over the list's ranges. Always
    /// false for a hashed URL list.
    pub fn contains_address(&self, address: IpAddr) -> bool {
        self.addresses()
            .is_some_and(|addresses| addresses.contains(address))
    }

    /// Whether the domain list holds the host suffix of `probe`: the same answer as
    /// [`Self::contains_domain`], with the fingerprint already computed. A probe made by another
    /// bundle is recomputed under this list's key, so a mix-up cannot give a wrong answer.
    pub fn contains_probe(&self, probe: &DomainProbe<'_>) -> bool {
        match self.body() {
            ListBody::Domains(set) if std::ptr::eq(set.key(), probe.key) => {
                set.contains_fingerprint(probe.fingerprint)
            }
            ListBody::Domains(set) => set.contains(probe.domain),
            ListBody::Hashes(..) => false,
        }
    }

    /// Whether the domain list holds the host suffix of any of `probes` (a URL's host suffixes):
    /// the same answer as [`Self::contains_probe`] on each, faster for a large list because the
    /// memory reads of all the probes overlap (see the domain set's `contains_any_fingerprint`).
    pub fn contains_any_probe<'p>(
        &self,
        probes: impl IntoIterator<Item = &'p DomainProbe<'p>>,
    ) -> bool {
        let ListBody::Domains(set) = self.body() else {
            return false;
        };
        let mut fingerprints = [0u64; BATCH];
        let mut count = 0;
        // A list without single-label entries cannot hold a single-label suffix (`com` of
        // `www.example.com`): skipping it spares a lookup, usually a memory read, per URL.
        let probes = probes
            .into_iter()
            .filter(|probe| self.entry.holds_single_labels || !probe.single_label);
        for probe in probes {
            if !std::ptr::eq(set.key(), probe.key) {
                if self.contains_probe(probe) {
                    return true;
                }
                continue;
            }
            if count == BATCH {
                if set.contains_any_fingerprint(&fingerprints) {
                    return true;
                }
                count = 0;
            }
            fingerprints[count] = probe.fingerprint;
            count += 1;
        }
        set.contains_any_fingerprint(&fingerprints[..count])
    }

    /// Whether the hashed URL list may hold an entry whose expression starts with the host suffix
    /// of `probe`: never false when it does, and true for about one in 128 to 256 other hosts (the
    /// host prefilter is deliberately that vague, see [`BundleBuilder::add_hashed_urls`]). Only
    /// the expressions of a host suffix that passes need hashing and [`Self::contains_hash`].
    /// Always false for a domain list.
    ///
    /// [`BundleBuilder::add_hashed_urls`]: super::BundleBuilder::add_hashed_urls
    #[inline]
    pub fn may_hold_host(&self, probe: &DomainProbe<'_>) -> bool {
        let ListShape::Hashes(_, hosts) = &self.entry.shape else {
            return false;
        };
        let hosts = hosts.view(&self.bundle.bytes, &self.bundle.key);
        if std::ptr::eq(hosts.key(), probe.key) {
            hosts.may_hold_fingerprint(probe.fingerprint)
        } else {
            hosts.may_hold(probe.domain)
        }
    }

    /// Whether the hashed URL list holds `hash`, compared in full. Always false for a domain
    /// list.
    pub fn contains_hash(&self, hash: &ExpressionHash) -> bool {
        match self.body() {
            ListBody::Domains(_) => false,
            ListBody::Hashes(set, _) => set.contains(hash),
        }
    }

    /// Bytes of the bundle the list's entries take (its name and record excluded).
    pub fn bytes_used(&self) -> usize {
        match self.body() {
            ListBody::Domains(set) => {
                set.bytes_used()
                    + self
                        .addresses()
                        .map_or(0, |addresses| addresses.bytes_used())
            }
            ListBody::Hashes(set, hosts) => set.bytes_used() + hosts.bytes_used(),
        }
    }

    /// Of [`Self::bytes_used`], the bytes of the compact prefix part of a hashed URL list: the
    /// part a lookup walks before it confirms on the 28 remaining bytes of each hash. Zero for a
    /// domain list.
    pub fn prefix_bytes_used(&self) -> usize {
        match self.body() {
            ListBody::Domains(_) => 0,
            ListBody::Hashes(set, _) => set.prefix_bytes(),
        }
    }

    /// Of [`Self::bytes_used`], the bytes of a hashed URL list's host prefilter (see
    /// [`Self::may_hold_host`]). Zero for a domain list.
    pub fn host_filter_bytes_used(&self) -> usize {
        match self.body() {
            ListBody::Domains(_) => 0,
            ListBody::Hashes(_, hosts) => hosts.bytes_used(),
        }
    }
}

impl fmt::Debug for BundleList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BundleList")
            .field("name", &self.name())
            .field("kind", &self.kind())
            .field("len", &self.len())
            .finish()
    }
}
