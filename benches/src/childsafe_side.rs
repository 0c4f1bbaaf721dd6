//! childsafe's side of the comparison: the workload's lists compiled into a signed bundle, and the
//! policy the corpus is judged under.

use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::bundle::{BundleBuilder, BundleError, ListBundle, ListKind};
use childsafe_core::filter::policy::FilterPolicy;
use childsafe_core::filter::{CanonicalUrl, ExpressionHash, HashedUrlEntry};

use crate::workload::Workload;

/// The name of the generated category list, and the category the policy blocks.
pub const CATEGORY: &str = "adult";
/// The name of the generated hashed-URL list.
pub const HASHED_LIST: &str = "illegal-urls";
/// The moment every decision is made at (unix seconds), fixed so runs are comparable.
pub const NOW_UNIX: u64 = 1_780_000_000;
/// When the generated bundle expires: thirty days after [`NOW_UNIX`].
pub const EXPIRES_AT_UNIX: u64 = NOW_UNIX + 30 * 24 * 60 * 60;
/// The fixed fingerprint seed, so the same workload compiles to the same bundle bytes.
const FINGERPRINT_SEED: [u8; 16] = *b"childsafe-bench!";

/// The hash a hashed-URL list holds for `url`: that of its exact lookup expression (host and
/// path with query). `None` if the URL cannot be canonicalized.
pub fn expression_hash(url: &str) -> Option<ExpressionHash> {
    hashed_entry(url).map(|entry| entry.hash)
}

/// The entry a hashed-URL list is compiled from for `url`: its exact lookup expression's hash
/// with the host. `None` if the URL cannot be canonicalized.
pub fn hashed_entry(url: &str) -> Option<HashedUrlEntry> {
    let canonical = CanonicalUrl::parse(url.as_bytes()).ok()?;
    canonical
        .lookup_expressions()
        .next()
        .map(HashedUrlEntry::from)
}

/// The prefix part, in bytes per entry, of a hashed-URL list of `count` made-up pages, compiled
/// into a bundle signed with `key` and opened: how the compact prefix set scales with list size.
pub fn hashed_prefix_bytes_per_entry(count: usize, key: &SigningKey) -> Result<f64, BundleError> {
    let mut builder = BundleBuilder::new(1, EXPIRES_AT_UNIX);
    builder.set_fingerprint_seed(FINGERPRINT_SEED);
    builder.add_hashed_urls(
        HASHED_LIST,
        (0..count)
            .filter_map(|i| hashed_entry(&format!("http://site{}.example/page{i}.html", i / 4))),
    )?;
    let bundle = ListBundle::open(builder.sign(key)?, &[key.public_key()], NOW_UNIX)?;
    let list = bundle
        .list(HASHED_LIST)
        .ok_or(BundleError::Malformed("list missing"))?;
    Ok(list.prefix_bytes_used() as f64 / list.len().max(1) as f64)
}

/// The fewest bytes per entry any encoding of a set of `count` 4-byte prefixes can take: the
/// logarithm of the number of such sets, `log2 C(2^32, count)`, over `count`, which for
/// `count` far below `2^32` is `32 - log2(count) + log2(e)` bits.
pub fn prefix_set_bound_bytes(count: usize) -> f64 {
    (32.0 - (count as f64).log2() + std::f64::consts::E.log2()) / 8.0
}

/// Compiles the workload's category and hashed-URL lists into one bundle signed with `key`.
pub fn build_bundle(workload: &Workload, key: &SigningKey) -> Result<Vec<u8>, BundleError> {
    let mut builder = BundleBuilder::new(1, EXPIRES_AT_UNIX);
    builder.set_fingerprint_seed(FINGERPRINT_SEED);
    builder.add_domains(
        CATEGORY,
        ListKind::Category,
        workload.category_domains.iter().cloned(),
    )?;
    builder.add_hashed_urls(
        HASHED_LIST,
        workload
            .hashed_urls
            .iter()
            .filter_map(|entry| hashed_entry(&entry.url)),
    )?;
    builder.sign(key)
}

/// The policy of the benchmark: the category list blocked, SafeSearch forced, nothing else.
pub fn policy() -> FilterPolicy {
    let mut policy = FilterPolicy {
        safe_search: true,
        ..FilterPolicy::default()
    };
    policy.block_category(CATEGORY);
    policy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_set_stays_near_the_least_it_can_take() {
        // 10,000 prefixes of 32 bits: 32 - 13.29 + 1.44 = 20.15 bits each.
        let bound = prefix_set_bound_bytes(10_000);
        assert!((2.50..2.54).contains(&bound), "{bound}");
        let (key, _) = SigningKey::generate().unwrap();
        let per_entry = hashed_prefix_bytes_per_entry(10_000, &key).unwrap();
        assert!(
            (bound..bound * 1.1).contains(&per_entry),
            "{per_entry} against {bound}"
        );
    }
}
