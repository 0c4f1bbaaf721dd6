//! Building and signing a bundle, offline, from lists already read into memory.

use super::domain_set::{self, FingerprintKey};
use super::format::{
    self, HEADER_LEN, HOLDS_SINGLE_LABELS, Header, LIST_RECORD_LEN, ListRecord, SECTIONS, SEED_LEN,
};
use super::{
    BundleError, FORMAT_VERSION, IpRange, ListKind, MAX_BUNDLE_BYTES, MAX_LIST_ENTRIES, MAX_LISTS,
};
use super::{address_set, hash_set, host_filter};
use crate::crypto::{self, SIGNATURE_LEN, SigningKey};
use crate::filter::HashedUrlEntry;

/// Longest canonical host accepted in a domain list, in bytes: the DNS limit for a name.
const MAX_DOMAIN_BYTES: usize = 253;

/// Collects lists, then compiles and signs them into one bundle's bytes.
///
/// ```
/// use childsafe_core::crypto::SigningKey;
/// use childsafe_core::filter::bundle::{BundleBuilder, ListBundle, ListKind};
///
/// let (key, _pkcs8) = SigningKey::generate()?;
/// let mut builder = BundleBuilder::new(1, 4_000_000_000);
/// builder.add_domains("gambling", ListKind::Category, ["casino.example".to_string()])?;
/// let bytes = builder.sign(&key)?;
///
/// let bundle = ListBundle::open(bytes, &[key.public_key()], 1_800_000_000)?;
/// let gambling = bundle.list("gambling").expect("the list is in the bundle");
/// assert!(gambling.contains_domain("casino.example"));
/// assert!(!gambling.contains_domain("school.example"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BundleBuilder {
    version: u64,
    expires_at: u64,
    seed: Option<[u8; SEED_LEN]>,
    lists: Vec<PendingList>,
}

#[derive(Debug)]
struct PendingList {
    name: String,
    kind: ListKind,
    entries: PendingEntries,
}

#[derive(Debug)]
enum PendingEntries {
    Hosts {
        domains: Vec<String>,
        ip_ranges: Vec<IpRange>,
    },
    Hashes(Vec<HashedUrlEntry>),
}

impl BundleBuilder {
    /// Starts a bundle with version `version` (each new bundle must have a larger one than the
    /// last, or phones refuse it) that phones refuse from `expires_at_unix` (unix seconds) on.
    pub fn new(version: u64, expires_at_unix: u64) -> Self {
        Self {
            version,
            expires_at: expires_at_unix,
            seed: None,
            lists: Vec::new(),
        }
    }

    /// Fixes the fingerprint seed instead of drawing a random one when signing, so that the
    /// same lists compile to the same bytes (for reproducible builds and benchmarks). A fresh
    /// random seed per bundle is the better default: it makes every bundle's rare false
    /// positives different.
    pub fn set_fingerprint_seed(&mut self, seed: [u8; SEED_LEN]) {
        self.seed = Some(seed);
    }

    /// Adds a list of domains of kind `kind` ([`ListKind::Category`] or [`ListKind::Allow`]).
    /// Domains are canonical hosts as [`CanonicalUrl`](crate::filter::CanonicalUrl) writes them
    /// (lowercase ASCII, punycode, no trailing dot); duplicates are fine. An entry written as an
    /// IP address or CIDR range (`203.0.113.7`, `[2001:db8::1]`, `198.51.100.0/24`) is taken as
    /// that [`IpRange`], as [`Self::add_hosts`] takes ranges: a URL whose host is an IP address
    /// is looked up in the list's ranges only, so an address kept as a domain would never match.
    pub fn add_domains(
        &mut self,
        name: &str,
        kind: ListKind,
        domains: impl IntoIterator<Item = String>,
    ) -> Result<(), BundleError> {
        self.add_hosts(name, kind, domains, [])
    }

    /// Adds a list of kind `kind` ([`ListKind::Category`] or [`ListKind::Allow`]) holding
    /// `domains` (as [`Self::add_domains`] takes them) and the IP addresses and CIDR ranges
    /// `ip_ranges`. Overlapping ranges and duplicates are fine.
    ///
    /// A domain covers its subdomains; a range covers every address in it, in every spelling a
    /// URL can give it (canonicalization reduces them all to one), an IPv4 address and its
    /// IPv4-mapped IPv6 form (`::ffff:203.0.113.7`) being the same address.
    pub fn add_hosts(
        &mut self,
        name: &str,
        kind: ListKind,
        domains: impl IntoIterator<Item = String>,
        ip_ranges: impl IntoIterator<Item = IpRange>,
    ) -> Result<(), BundleError> {
        if !kind.holds_domains() {
            return Err(BundleError::InvalidList(
                "add_domains and add_hosts take category lists and allowlists; hashed URL lists \
                 go through add_hashed_urls",
            ));
        }
        self.check_new_name(name)?;
        let mut ip_ranges: Vec<IpRange> = ip_ranges.into_iter().collect();
        let mut entries = Vec::new();
        for (index, domain) in domains.into_iter().enumerate() {
            if let Ok(range) = domain.parse::<IpRange>() {
                ip_ranges.push(range);
            } else if is_canonical_host(&domain) {
                entries.push(domain);
            } else {
                return Err(BundleError::InvalidDomain { index });
            }
        }
        self.lists.push(PendingList {
            name: name.to_owned(),
            kind,
            entries: PendingEntries::Hosts {
                domains: entries,
                ip_ranges,
            },
        });
        Ok(())
    }

    /// Adds a list of hashed lookup expressions, each with the host suffix it starts with (see
    /// [`HashedUrlEntry`]); duplicates are fine.
    ///
    /// The hosts are needed for the list's host prefilter, which lets the phone skip hashing the
    /// URLs on no listed host. The bundle keeps only a short fingerprint of each host, short enough
    /// that about one in 128 to 256 of any other host names matches it too, so the bundle does not
    /// name the hosts (see the `host_filter` module). A host must be a host suffix as lookup
    /// expressions have it: printable ASCII without `/`, not empty.
    pub fn add_hashed_urls(
        &mut self,
        name: &str,
        entries: impl IntoIterator<Item = HashedUrlEntry>,
    ) -> Result<(), BundleError> {
        self.check_new_name(name)?;
        let mut checked = Vec::new();
        for (index, entry) in entries.into_iter().enumerate() {
            if !is_expression_host(&entry.host) {
                return Err(BundleError::InvalidHashedEntry { index });
            }
            checked.push(entry);
        }
        self.lists.push(PendingList {
            name: name.to_owned(),
            kind: ListKind::HashedUrls,
            entries: PendingEntries::Hashes(checked),
        });
        Ok(())
    }

    /// Compiles the lists and signs the bundle with `key`. Returns the bundle's bytes.
    pub fn sign(self, key: &SigningKey) -> Result<Vec<u8>, BundleError> {
        let seed = match self.seed {
            Some(seed) => seed,
            None => crypto::random_bytes()?,
        };
        let fingerprint_key = FingerprintKey::from_seed(&seed);
        let mut lists = Vec::with_capacity(self.lists.len());
        for list in self.lists {
            lists.push(compile(list, &fingerprint_key)?);
        }

        let total_len = HEADER_LEN
            + lists
                .iter()
                .map(|(_, name, sections)| {
                    LIST_RECORD_LEN + name.len() + sections.iter().map(Vec::len).sum::<usize>()
                })
                .sum::<usize>()
            + SIGNATURE_LEN;
        if total_len > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLarge {
                what: "the compiled bundle",
                limit: MAX_BUNDLE_BYTES as u64,
            });
        }
        let mut out = Vec::with_capacity(total_len);
        Header {
            format: FORMAT_VERSION,
            // At most MAX_LISTS (256) lists, checked as they were added.
            list_count: lists.len() as u32,
            total_len: total_len as u64,
            version: self.version,
            expires_at: self.expires_at,
            seed,
        }
        .write_to(&mut out);
        for (record, name, sections) in &lists {
            record.write_to(&mut out);
            out.extend_from_slice(name.as_bytes());
            for section in sections {
                out.extend_from_slice(section);
            }
        }
        let signature = key.sign(&format::signed_message(&out));
        out.extend_from_slice(&signature);
        Ok(out)
    }

    /// Refuses a name that is not a valid list name, repeats an earlier one, or would be one
    /// list too many.
    fn check_new_name(&self, name: &str) -> Result<(), BundleError> {
        format::check_list_name(name.as_bytes())?;
        if self.lists.iter().any(|list| list.name == name) {
            return Err(BundleError::InvalidList("two lists have the same name"));
        }
        if self.lists.len() >= MAX_LISTS {
            return Err(BundleError::TooLarge {
                what: "the number of lists",
                limit: MAX_LISTS as u64,
            });
        }
        Ok(())
    }
}

/// One list's record, name and sections, ready to write.
type CompiledList = (ListRecord, String, [Vec<u8>; SECTIONS]);

fn compile(list: PendingList, key: &FingerprintKey) -> Result<CompiledList, BundleError> {
    let (parameter, flags, entries, sections) = match list.entries {
        PendingEntries::Hosts { domains, ip_ranges } => {
            let fingerprints = domains
                .iter()
                .map(|domain| key.fingerprint(domain.as_bytes()))
                .collect();
            let set = domain_set::encode(fingerprints)?;
            let addresses = address_set::encode(&ip_ranges);
            check_entry_count(set.entries.saturating_add(addresses.ranges))?;
            let single_labels = domains.iter().any(|domain| !domain.contains('.'));
            (
                set.bucket_bits,
                if single_labels {
                    HOLDS_SINGLE_LABELS
                } else {
                    0
                },
                set.entries,
                [set.offsets, set.remainders, addresses.ipv4, addresses.ipv6],
            )
        }
        PendingEntries::Hashes(entries) => {
            let hosts = entries
                .iter()
                .map(|entry| key.fingerprint(entry.host.as_bytes()))
                .collect();
            let set = hash_set::encode(entries.iter().map(|entry| entry.hash).collect());
            check_entry_count(set.entries)?;
            (
                set.rice_parameter,
                0,
                set.entries,
                [set.index, set.gaps, set.rests, host_filter::encode(hosts)?],
            )
        }
    };
    let section_len = |section: &Vec<u8>| {
        u32::try_from(section.len()).map_err(|_| BundleError::TooLarge {
            what: "a list's section",
            limit: u64::from(u32::MAX),
        })
    };
    let record = ListRecord {
        kind: list.kind,
        // Names were checked to be at most MAX_NAME_BYTES (64) bytes when the list was added.
        name_len: list.name.len() as u8,
        parameter,
        flags,
        // At most MAX_LIST_ENTRIES (2^23), checked above.
        entries: entries as u32,
        sections: [
            section_len(&sections[0])?,
            section_len(&sections[1])?,
            section_len(&sections[2])?,
            section_len(&sections[3])?,
        ],
    };
    Ok((record, list.name, sections))
}

/// Refuses a list of more than [`MAX_LIST_ENTRIES`] distinct entries (domains and address ranges
/// together, or hashes).
fn check_entry_count(entries: usize) -> Result<(), BundleError> {
    if entries > MAX_LIST_ENTRIES {
        return Err(BundleError::TooLarge {
            what: "a list's number of distinct entries",
            limit: MAX_LIST_ENTRIES as u64,
        });
    }
    Ok(())
}

/// Whether `host` can be a host of a [`CanonicalUrl`](crate::filter::CanonicalUrl): 1 to 253
/// printable ASCII bytes without uppercase letters, slashes or whitespace, and no empty label.
/// Canonical hosts are punycode domains, dotted IPv4 addresses or bracketed IPv6 addresses.
fn is_canonical_host(host: &str) -> bool {
    let allowed = |byte: u8| byte.is_ascii_graphic() && !byte.is_ascii_uppercase() && byte != b'/';
    !host.is_empty()
        && host.len() <= MAX_DOMAIN_BYTES
        && host.bytes().all(allowed)
        && host.split('.').all(|label| !label.is_empty())
}

/// Whether `host` can be the host suffix of a lookup expression: printable ASCII without a slash,
/// not empty. Unlike domain list entries, these may carry the uppercase hex of an escape that
/// canonicalization kept in a host, and are as long as the URL made them.
fn is_expression_host(host: &str) -> bool {
    !host.is_empty()
        && host
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && byte != b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_hosts_only() {
        for good in [
            "example.com",
            "xn--bcher-kva.de",
            "1.2.3.4",
            "[::1]",
            "a_b.example",
            "localhost",
        ] {
            assert!(is_canonical_host(good), "{good}");
        }
        for bad in [
            "",
            "Example.com",
            "example.com.",
            ".example.com",
            "a..b",
            "a b",
            "a/b",
            "bü.de",
        ] {
            assert!(!is_canonical_host(bad), "{bad}");
        }
        assert!(!is_canonical_host(&"a".repeat(254)));
    }

    #[test]
    fn the_builder_refuses_what_cannot_go_in_a_bundle() {
        let mut builder = BundleBuilder::new(1, 2);
        assert!(matches!(
            builder.add_domains("x", ListKind::HashedUrls, Vec::new()),
            Err(BundleError::InvalidList(_))
        ));
        assert_eq!(
            builder.add_domains(
                "x",
                ListKind::Allow,
                vec!["ok.example".into(), "Bad.example".into()]
            ),
            Err(BundleError::InvalidDomain { index: 1 })
        );
        builder
            .add_domains("x", ListKind::Allow, Vec::new())
            .unwrap();
        assert!(matches!(
            builder.add_hashed_urls("x", Vec::new()),
            Err(BundleError::InvalidList(_))
        ));
        assert!(builder.add_hashed_urls("bad name", Vec::new()).is_err());
        let entry = |host: &str| HashedUrlEntry {
            hash: crate::filter::ExpressionHash([1; 32]),
            host: host.to_owned(),
        };
        for bad_host in ["", "a/b", "a b"] {
            assert_eq!(
                builder.add_hashed_urls("h", [entry("ok.example"), entry(bad_host)]),
                Err(BundleError::InvalidHashedEntry { index: 1 })
            );
        }
        for i in 1..MAX_LISTS {
            builder
                .add_hashed_urls(&format!("l{i}"), Vec::new())
                .unwrap();
        }
        assert!(matches!(
            builder.add_hashed_urls("one-too-many", Vec::new()),
            Err(BundleError::TooLarge { .. })
        ));
    }

    #[test]
    fn a_fixed_seed_gives_the_same_bytes() {
        let (key, _) = SigningKey::generate().unwrap();
        let build = || {
            let mut builder = BundleBuilder::new(3, 4);
            builder.set_fingerprint_seed([7; SEED_LEN]);
            builder
                .add_domains("a", ListKind::Category, vec!["x.example".into()])
                .unwrap();
            builder.sign(&key).unwrap()
        };
        assert_eq!(build(), build());
    }
}
