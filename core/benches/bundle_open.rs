//! Prints what compiled list bundles cost: bytes per entry of each kind of list, the time to open
//! a bundle (signature check and index walk) against the time to parse the same list from text,
//! and the time of one lookup.
//!
//! `cargo bench -p childsafe-core --bench bundle_open`. The lists are generated from a fixed seed:
//! a million category domains shaped like real ones (one to three labels under common top-level
//! domains) and ten thousand hashed URLs. Each time is the median of several rounds.
#![allow(
    missing_docs,
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::collections::HashSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::bundle::{BundleBuilder, ListBundle, ListKind};
use childsafe_core::filter::import::{ListFormat, import_domains};
use childsafe_core::filter::{CanonicalUrl, ExpressionHash, HashedUrlEntry};

const CATEGORY_DOMAINS: usize = 1_000_000;
const HASHED_URLS: usize = 10_000;
const GENERATOR_SEED: u64 = 0x5eed_b0d1_e5c0_ffee;
const FINGERPRINT_SEED: [u8; 16] = *b"bundle-bench-sd!";
const EXPIRES: u64 = 4_000_000_000;
const NOW: u64 = 1_800_000_000;
const OPEN_ROUNDS: usize = 9;
const PARSE_ROUNDS: usize = 3;
const LOOKUPS: usize = 200_000;
const TOP_LEVEL_DOMAINS: [&str; 8] = ["com", "net", "org", "de", "co.uk", "io", "ru", "xyz"];

fn main() {
    let mut random = SplitMix(GENERATOR_SEED);
    let domains: Vec<String> = (0..CATEGORY_DOMAINS).map(|_| domain(&mut random)).collect();
    let urls: Vec<String> = (0..HASHED_URLS)
        .map(|_| {
            format!(
                "http://{}/{:x}/{:x}.jpg",
                domain(&mut random),
                random.next(),
                random.next()
            )
        })
        .collect();
    let entries: Vec<HashedUrlEntry> = urls.iter().map(|url| first_entry(url)).collect();
    let hashes: Vec<ExpressionHash> = entries.iter().map(|entry| entry.hash).collect();
    let text: String = domains.iter().map(|domain| format!("{domain}\n")).collect();

    let (key, _) = SigningKey::generate().unwrap();
    let start = Instant::now();
    let mut builder = BundleBuilder::new(1, EXPIRES);
    builder.set_fingerprint_seed(FINGERPRINT_SEED);
    builder
        .add_domains("category", ListKind::Category, domains.iter().cloned())
        .unwrap();
    builder
        .add_hashed_urls("hashed", entries.iter().cloned())
        .unwrap();
    let bytes = builder.sign(&key).unwrap();
    let build_time = start.elapsed();
    let trusted = [key.public_key()];

    println!(
        "bundle: {} category domains, {} hashed URLs",
        CATEGORY_DOMAINS, HASHED_URLS
    );
    println!(
        "  size                 {:>10} bytes (built and signed in {build_time:.2?})",
        bytes.len()
    );
    let bundle = ListBundle::open(bytes.clone(), &trusted, NOW).unwrap();
    for list in bundle.lists() {
        let per_entry = |used: usize| used as f64 / list.len() as f64;
        println!(
            "  {:<20} {:>10} entries, {:.3} bytes/entry",
            list.name(),
            list.len(),
            per_entry(list.bytes_used())
        );
        if list.kind() == ListKind::HashedUrls {
            println!(
                "  {:<20} {:>10} of which the prefix set: {:.3} bytes/entry (the rest, 28 bytes/entry, confirms a hit)",
                "",
                "",
                per_entry(list.prefix_bytes_used())
            );
            println!(
                "  {:<20} {:>10} and the host prefilter: {:.3} bytes/entry",
                "",
                "",
                per_entry(list.host_filter_bytes_used())
            );
        }
    }

    // The prefix set's size depends on the entry count (gaps of about 2^32 / n), so it is shown
    // for larger hashed lists too, made of random hashes, five per host.
    for count in [100_000, 1_000_000] {
        let random_hashes = (0..count).map(|i| {
            let mut hash = [0u8; 32];
            for chunk in hash.chunks_mut(8) {
                chunk.copy_from_slice(&random.next().to_le_bytes());
            }
            HashedUrlEntry {
                hash: ExpressionHash(hash),
                host: format!("host{}.example", i / 5),
            }
        });
        let mut builder = BundleBuilder::new(1, EXPIRES);
        builder.add_hashed_urls("hashed", random_hashes).unwrap();
        let sized = ListBundle::open(builder.sign(&key).unwrap(), &trusted, NOW).unwrap();
        let list = sized.list("hashed").unwrap();
        println!(
            "  hashed, {count:>9} entries: prefix set {:.3} bytes/entry, host prefilter {:.3}",
            list.prefix_bytes_used() as f64 / list.len() as f64,
            list.host_filter_bytes_used() as f64 / list.len() as f64
        );
    }

    let copies: Vec<Vec<u8>> = (0..OPEN_ROUNDS).map(|_| bytes.clone()).collect();
    let open = median(copies.into_iter().map(|copy| {
        let start = Instant::now();
        black_box(ListBundle::open(copy, &trusted, NOW).unwrap());
        start.elapsed()
    }));
    let parse_set = median((0..PARSE_ROUNDS).map(|_| {
        let start = Instant::now();
        let set: HashSet<&str> = text.lines().collect();
        black_box(set.len());
        start.elapsed()
    }));
    let import = median((0..PARSE_ROUNDS).map(|_| {
        let start = Instant::now();
        let imported = import_domains(text.as_bytes(), ListFormat::Domains);
        let set: HashSet<String> = imported.domains.into_iter().collect();
        black_box(set.len());
        start.elapsed()
    }));
    println!("open (verify signature + check index)   {open:>10.2?}");
    println!("text -> HashSet<&str> (lines only)       {parse_set:>10.2?}");
    println!("text -> import_domains -> HashSet        {import:>10.2?}");

    let category = bundle.list("category").unwrap();
    let hashed = bundle.list("hashed").unwrap();
    let others: Vec<String> = (0..LOOKUPS).map(|_| domain(&mut random)).collect();
    let other_hashes: Vec<ExpressionHash> = (0..LOOKUPS)
        .map(|i| first_hash(&format!("http://miss{i}.example/x")))
        .collect();
    // Members are copied out in lookup order, so that both cases read their input alike.
    let members: Vec<String> = (0..LOOKUPS)
        .map(|i| domains[i * 7919 % domains.len()].clone())
        .collect();
    report("contains_domain, member", |i| {
        category.contains_domain(&members[i])
    });
    report("contains_domain, not a member", |i| {
        category.contains_domain(&others[i])
    });
    report("contains_hash, member", |i| {
        hashed.contains_hash(&hashes[i % hashes.len()])
    });
    report("contains_hash, not a member", |i| {
        hashed.contains_hash(&other_hashes[i])
    });
}

/// Prints the median time of one call of `lookup`, over [`LOOKUPS`] calls per round.
fn report(name: &str, lookup: impl Fn(usize) -> bool) {
    let per_call = median((0..OPEN_ROUNDS).map(|_| {
        let start = Instant::now();
        for i in 0..LOOKUPS {
            black_box(lookup(black_box(i)));
        }
        start.elapsed() / LOOKUPS as u32
    }));
    println!("{name:<40} {:>8} ns", per_call.as_nanos());
}

fn median(times: impl Iterator<Item = Duration>) -> Duration {
    let mut times: Vec<Duration> = times.collect();
    times.sort();
    times[times.len() / 2]
}

fn first_hash(url: &str) -> ExpressionHash {
    first_entry(url).hash
}

fn first_entry(url: &str) -> HashedUrlEntry {
    let url = CanonicalUrl::parse(url.as_bytes()).unwrap();
    HashedUrlEntry::from(url.lookup_expressions().next().unwrap())
}

/// A plausible domain: one to three labels of 3 to 12 letters and digits over a common TLD.
fn domain(random: &mut SplitMix) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let labels = 1 + random.below(3);
    let mut out = String::new();
    for _ in 0..labels {
        for _ in 0..3 + random.below(10) {
            out.push(char::from(ALPHABET[random.below(ALPHABET.len())]));
        }
        out.push('.');
    }
    out.push_str(TOP_LEVEL_DOMAINS[random.below(TOP_LEVEL_DOMAINS.len())]);
    out
}

/// SplitMix64: a small, fixed-seed generator, enough to make reproducible test data.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}
