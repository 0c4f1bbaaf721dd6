//! childsafe's side of the comparison: the workload's lists compiled into a signed bundle, and the
//! policy the corpus is judged under.

use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::bundle::{BundleBuilder, BundleError, ListKind};
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
