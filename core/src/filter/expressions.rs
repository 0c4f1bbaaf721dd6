//! Lookup expressions: the host-suffix × path-prefix combinations under which a URL is looked up.
//!
//! A list entry `evil.example/` must block `http://www.evil.example/any/page.html`, and an entry
//! `host.example/dir/` everything under that directory. Safe Browsing gets this by looking each URL
//! up under a small fixed set of expressions: the exact host and up to four parent domains taken
//! from its last five labels, times the exact path with its query, the exact path, and up to four
//! directory prefixes from the root. At most 5 × 6 = 30 expressions, all borrowed from the
//! canonical URL. [`LookupExpressions`] is that published set, unchanged: `childsafe url
//! expressions` prints it and the bindings return it, so that a list maintainer can compare it
//! with any other Safe Browsing implementation.
//!
//! Hashed URL lists are asked more: under the same host suffixes, *every* directory prefix of the
//! path, however deep ([`ListLookupHashes`]). With only four, an entry for
//! `host.example/a/b/c/d/e/` would never meet `http://host.example/a/b/c/d/e/f.html`, whose
//! directories the published set stops listing at `/a/b/c/`, and a directory entry would cover
//! nothing below its fourth level. The published set is a subset of what a list is asked, so an
//! entry made from any of its expressions matches as before. Each directory's hash continues the
//! SHA-256 of the one above it (`Sha256Stream`): a URL with `n` directories costs two passes over
//! its path (the whole URL first, then the directories) and `n` final blocks, linear in its length
//! however hostile, and only for a host suffix a list's host prefilter lets through.

use std::fmt;

use super::canonical::{CanonicalStr, CanonicalUrl};
use super::host::HostKind;
use crate::crypto::{self, Sha256Stream};

/// Most host suffixes tried for one URL: the exact host and four parents.
pub const MAX_HOST_SUFFIXES: usize = 5;
/// Most path prefixes tried for one URL: with query, exact, and four directory prefixes.
pub const MAX_PATH_PREFIXES: usize = 6;
/// How many directory prefixes (counting the root) are tried.
const DIRECTORY_PREFIXES: usize = 4;

/// One lookup expression: a host suffix followed by a path prefix, such as `b.c/1/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LookupExpression<'a> {
    host: &'a str,
    path: &'a str,
}

impl<'a> LookupExpression<'a> {
    /// The expression made of `host` (a host suffix) and `path` (a path prefix) of one URL.
    pub(crate) fn new(host: &'a str, path: &'a str) -> Self {
        Self { host, path }
    }

    /// The host suffix part (`b.c` in `b.c/1/`).
    pub fn host_suffix(&self) -> &'a str {
        self.host
    }

    /// The path prefix part, with the query when it is the exact path (`/1/` in `b.c/1/`).
    pub fn path_prefix(&self) -> &'a str {
        self.path
    }

    /// The SHA-256 of the expression's text, as hashed URL lists store it.
    pub fn full_hash(&self) -> ExpressionHash {
        ExpressionHash(crypto::sha256_of_parts(&[
            self.host.as_bytes(),
            self.path.as_bytes(),
        ]))
    }
}

impl fmt::Display for LookupExpression<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.host)?;
        f.write_str(self.path)
    }
}

/// The SHA-256 of a lookup expression. Hashed lists hold these instead of addresses, so the phone
/// never carries the plaintext of a list of illegal-material URLs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExpressionHash(pub [u8; 32]);

impl ExpressionHash {
    /// The first four bytes, the part hashed lists keep in memory to find candidates quickly.
    pub fn prefix(&self) -> [u8; 4] {
        [self.0[0], self.0[1], self.0[2], self.0[3]]
    }
}

/// One entry of a hashed URL list as the offline compiler gets it: the hash of a lookup expression
/// and the host suffix that expression starts with.
///
/// The bundle keeps only the hash and a deliberately ambiguous short fingerprint of the host (see
/// [`BundleBuilder::add_hashed_urls`](crate::filter::bundle::BundleBuilder::add_hashed_urls)),
/// which lets the phone skip the hashing for the hosts that carry no entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HashedUrlEntry {
    /// The SHA-256 of the whole expression.
    pub hash: ExpressionHash,
    /// The expression's host suffix, as [`LookupExpression::host_suffix`] gives it.
    pub host: String,
}

impl From<LookupExpression<'_>> for HashedUrlEntry {
    fn from(expression: LookupExpression<'_>) -> Self {
        Self {
            hash: expression.full_hash(),
            host: expression.host_suffix().to_owned(),
        }
    }
}

impl fmt::Display for ExpressionHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for ExpressionHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExpressionHash({self})")
    }
}

/// Iterator over the lookup expressions of one [`CanonicalUrl`](super::CanonicalUrl), host
/// suffixes outermost, in the order the published rules list them. No expression repeats.
#[derive(Clone, Debug)]
pub struct LookupExpressions<'a> {
    hosts: [&'a str; MAX_HOST_SUFFIXES],
    host_count: usize,
    paths: [&'a str; MAX_PATH_PREFIXES],
    path_count: usize,
    next: usize,
    /// The URL's whole path, and its path with the query, for [`Self::list_lookup_hashes`].
    path: &'a str,
    path_and_query: &'a str,
}

// The expressions of a canonical URL are made here rather than beside its type: the canonical
// form is what lookups read, and knows nothing of them.
impl CanonicalUrl {
    /// The host-suffix × path-prefix expressions that list lookups try for this URL (at most
    /// 5 × 6 = 30), without allocating.
    pub fn lookup_expressions(&self) -> LookupExpressions<'_> {
        LookupExpressions::new(self.borrowed())
    }
}

impl<'a> CanonicalStr<'a> {
    /// See [`CanonicalUrl::lookup_expressions`].
    pub(crate) fn lookup_expressions(self) -> LookupExpressions<'a> {
        LookupExpressions::new(self)
    }
}

impl<'a> LookupExpressions<'a> {
    fn new(url: CanonicalStr<'a>) -> Self {
        let (hosts, host_count) = host_suffixes(url.host(), url.host_kind());
        let (paths, path_count) = path_prefixes(url.path_and_query(), url.path());
        Self {
            hosts,
            host_count,
            paths,
            path_count,
            next: 0,
            path: url.path(),
            path_and_query: url.path_and_query(),
        }
    }
}

impl<'a> LookupExpressions<'a> {
    /// The host suffixes the expressions are made of, longest first: the exact host and up to
    /// four parents, [`MAX_HOST_SUFFIXES`] at most.
    pub fn host_suffixes(&self) -> &[&'a str] {
        &self.hosts[..self.host_count]
    }

    /// The path prefixes the expressions are made of, in lookup order: with the query, exact,
    /// then the directories from the root, [`MAX_PATH_PREFIXES`] at most.
    pub fn path_prefixes(&self) -> &[&'a str] {
        &self.paths[..self.path_count]
    }

    /// The hashes a hashed URL list is asked about for `host_suffix`, one of
    /// [`Self::host_suffixes`]: more than the published expressions of that suffix, since lists
    /// are asked about every directory prefix (see [`ListLookupHashes`]).
    pub(crate) fn list_lookup_hashes(&self, host_suffix: &'a str) -> ListLookupHashes<'a> {
        ListLookupHashes::new(host_suffix, self.path, self.path_and_query)
    }
}

impl<'a> Iterator for LookupExpressions<'a> {
    type Item = LookupExpression<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let (host_index, path_index) = (self.next / self.path_count, self.next % self.path_count);
        let host = *self.hosts[..self.host_count].get(host_index)?;
        self.next += 1;
        Some(LookupExpression::new(host, self.paths[path_index]))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let remaining = self.host_count * self.path_count - self.next;
        (remaining, Some(remaining))
    }
}

impl ExactSizeIterator for LookupExpressions<'_> {}

/// The hashes of every expression a hashed URL list is asked about for one host suffix of a URL,
/// in Safe Browsing's order: the host suffix followed by the path with the query when there is
/// one, then by the exact path, then by each directory prefix of the path from the root (`/`,
/// `/a/`, `/a/b/`, ... at any depth). No expression repeats.
///
/// The whole URL comes first because most entries are pages, so a URL on a list is usually
/// found with one or two hashes. The directories all start with the host suffix and each is a
/// prefix of the next, so one [`Sha256Stream`] fed the host and then the path, a directory at a
/// time, gives each of their hashes for the cost of its own segment and a final block: the work
/// grows with the URL's length, however many directories it has.
#[derive(Clone)]
pub(crate) struct ListLookupHashes<'a> {
    host_suffix: &'a str,
    path: &'a str,
    /// The query with its `?`, or empty.
    query: &'a str,
    /// What comes next.
    next: NextHash,
    /// The host suffix and `path[..fed]`, hashed.
    directories: Sha256Stream,
    /// How much of `path` the stream has been fed.
    fed: usize,
}

/// Which of the expressions [`ListLookupHashes`] gives next.
#[derive(Clone, Copy)]
enum NextHash {
    WithQuery,
    ExactPath,
    Directories,
}

impl<'a> ListLookupHashes<'a> {
    /// The hashes for `host_suffix` on a URL of path `path` and `path_and_query`.
    fn new(host_suffix: &'a str, path: &'a str, path_and_query: &'a str) -> Self {
        let mut directories = Sha256Stream::new();
        directories.update(host_suffix.as_bytes());
        Self {
            host_suffix,
            path,
            query: path_and_query.get(path.len()..).unwrap_or_default(),
            next: NextHash::WithQuery,
            directories,
            fed: 0,
        }
    }
}

impl Iterator for ListLookupHashes<'_> {
    type Item = ExpressionHash;

    fn next(&mut self) -> Option<ExpressionHash> {
        let (host, path) = (self.host_suffix.as_bytes(), self.path.as_bytes());
        if let NextHash::WithQuery = self.next {
            self.next = NextHash::ExactPath;
            if !self.query.is_empty() {
                let query = self.query.as_bytes();
                return Some(ExpressionHash(crypto::sha256_of_parts(&[
                    host, path, query,
                ])));
            }
        }
        if let NextHash::ExactPath = self.next {
            self.next = NextHash::Directories;
            // A path ending in `/` is its own last directory, hashed with the others.
            if !self.path.ends_with('/') {
                return Some(ExpressionHash(crypto::sha256_of_parts(&[host, path])));
            }
        }
        let rest = path.get(self.fed..)?;
        let slash = rest.iter().position(|&byte| byte == b'/')?;
        self.directories.update(&rest[..=slash]);
        self.fed += slash + 1;
        Some(ExpressionHash(self.directories.digest()))
    }
}

/// Whether the parent domain of a host made of its last `labels` labels is a lookup host suffix:
/// those of 5, 4, 3 and 2 labels are; a top-level domain alone never is.
pub(crate) fn is_lookup_parent(labels: usize) -> bool {
    (2..=MAX_HOST_SUFFIXES).contains(&labels)
}

/// The exact host, then the parent domains [`is_lookup_parent`] names. An IP address has no
/// parents.
fn host_suffixes(host: &str, kind: HostKind) -> ([&str; MAX_HOST_SUFFIXES], usize) {
    let mut suffixes = [host; MAX_HOST_SUFFIXES];
    let mut count = 1;
    if kind == HostKind::Domain {
        // Walking the dots from the right, the suffix after the m-th dot has m labels. The
        // parents are found shortest first and tried longest first.
        let mut parents = [""; MAX_HOST_SUFFIXES - 1];
        let mut parent_count = 0;
        let dots = host.rmatch_indices('.').take(MAX_HOST_SUFFIXES);
        for (labels, (dot, _)) in (1..).zip(dots) {
            if is_lookup_parent(labels) {
                parents[parent_count] = &host[dot + 1..];
                parent_count += 1;
            }
        }
        for parent in parents[..parent_count].iter().rev() {
            suffixes[count] = parent;
            count += 1;
        }
    }
    (suffixes, count)
}

/// The path with its query (when there is one), the exact path, then `/` and the directory
/// prefixes below it, up to four in all, skipping any that equal the exact path.
fn path_prefixes<'a>(
    path_and_query: &'a str,
    path: &'a str,
) -> ([&'a str; MAX_PATH_PREFIXES], usize) {
    let mut prefixes = [path; MAX_PATH_PREFIXES];
    let mut count = 0;
    if path_and_query.len() > path.len() {
        prefixes[count] = path_and_query;
        count += 1;
    }
    prefixes[count] = path;
    count += 1;
    for (slash, _) in path.match_indices('/').take(DIRECTORY_PREFIXES) {
        let directory = &path[..=slash];
        if directory != path {
            prefixes[count] = directory;
            count += 1;
        }
    }
    (prefixes, count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::CanonicalUrl;

    fn expressions(raw: &str) -> Vec<String> {
        CanonicalUrl::parse(raw.as_bytes())
            .unwrap()
            .lookup_expressions()
            .map(|expression| expression.to_string())
            .collect()
    }

    #[test]
    fn host_suffixes_use_the_last_five_labels_and_skip_the_tld() {
        let (hosts, count) = host_suffixes("a.b.c.d.e.f.g", HostKind::Domain);
        assert_eq!(
            &hosts[..count],
            ["a.b.c.d.e.f.g", "c.d.e.f.g", "d.e.f.g", "e.f.g", "f.g"]
        );
        let (hosts, count) = host_suffixes("a.b.c", HostKind::Domain);
        assert_eq!(&hosts[..count], ["a.b.c", "b.c"]);
        let (hosts, count) = host_suffixes("b.c.d.e.f", HostKind::Domain);
        assert_eq!(&hosts[..count], ["b.c.d.e.f", "c.d.e.f", "d.e.f", "e.f"]);
        let (hosts, count) = host_suffixes("localhost", HostKind::Domain);
        assert_eq!(&hosts[..count], ["localhost"]);
        let (hosts, count) = host_suffixes("1.2.3.4", HostKind::Ipv4);
        assert_eq!(&hosts[..count], ["1.2.3.4"]);
    }

    #[test]
    fn path_prefixes_stop_at_four_directories() {
        let (paths, count) = path_prefixes("/1/2/3/4/5/6.html?q", "/1/2/3/4/5/6.html");
        assert_eq!(
            &paths[..count],
            [
                "/1/2/3/4/5/6.html?q",
                "/1/2/3/4/5/6.html",
                "/",
                "/1/",
                "/1/2/",
                "/1/2/3/"
            ]
        );
        let (paths, count) = path_prefixes("/1/", "/1/");
        assert_eq!(&paths[..count], ["/1/", "/"]);
        let (paths, count) = path_prefixes("/", "/");
        assert_eq!(&paths[..count], ["/"]);
    }

    #[test]
    fn never_more_than_thirty_and_never_a_repeat() {
        let all = expressions("http://a.b.c.d.e.f.g.h/1/2/3/4/5/6/7.html?x=y");
        assert_eq!(all.len(), 30);
        let mut unique = all.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), all.len());
    }

    /// The texts whose hashes [`ListLookupHashes`] gives for `host` on `raw`, in its order.
    fn list_lookup_texts(raw: &str, host: &str) -> Vec<String> {
        let owned = CanonicalUrl::parse(raw.as_bytes()).unwrap();
        let url = owned.borrowed();
        let mut texts: Vec<String> = Vec::new();
        let path = url.path();
        if url.path_and_query().len() > path.len() {
            texts.push(format!("{host}{}", url.path_and_query()));
        }
        if !path.ends_with('/') {
            texts.push(format!("{host}{path}"));
        }
        for (slash, _) in path.match_indices('/') {
            texts.push(format!("{host}{}", &path[..=slash]));
        }
        let hashes: Vec<ExpressionHash> = owned
            .lookup_expressions()
            .list_lookup_hashes(host)
            .collect();
        let expected: Vec<ExpressionHash> = texts
            .iter()
            .map(|text| ExpressionHash(crypto::sha256_of_parts(&[text.as_bytes()])))
            .collect();
        assert_eq!(hashes, expected, "{raw}");
        texts
    }

    #[test]
    fn lists_are_asked_about_every_directory_however_deep() {
        assert_eq!(
            list_lookup_texts("http://a.b/1/2/3/4/5/6/7/8.html?q=1", "a.b"),
            [
                "a.b/1/2/3/4/5/6/7/8.html?q=1",
                "a.b/1/2/3/4/5/6/7/8.html",
                "a.b/",
                "a.b/1/",
                "a.b/1/2/",
                "a.b/1/2/3/",
                "a.b/1/2/3/4/",
                "a.b/1/2/3/4/5/",
                "a.b/1/2/3/4/5/6/",
                "a.b/1/2/3/4/5/6/7/",
            ]
        );
        assert_eq!(list_lookup_texts("http://a.b/", "a.b"), ["a.b/"]);
        assert_eq!(list_lookup_texts("http://a.b/?", "b"), ["b/?", "b/"]);
        assert_eq!(
            list_lookup_texts("http://a.b/1/?x", "a.b"),
            ["a.b/1/?x", "a.b/", "a.b/1/"]
        );
        assert_eq!(list_lookup_texts("http://a.b/x", "a.b"), ["a.b/x", "a.b/"]);
    }

    proptest::proptest! {
        /// Every published expression of a URL is among those a list is asked about, under the
        /// same host suffix.
        #[test]
        fn the_published_set_is_part_of_what_lists_are_asked(
            raw in "http://[a-c]{1,2}(\\.[a-c]{1,2}){0,6}(/[a-c]{0,2}){0,9}(\\?[a-c=&]{0,4})?"
        ) {
            let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
            let expressions = url.lookup_expressions();
            for expression in expressions.clone() {
                let asked: Vec<ExpressionHash> =
                    expressions.list_lookup_hashes(expression.host_suffix()).collect();
                proptest::prop_assert!(asked.contains(&expression.full_hash()), "{}", expression);
                let mut unique = asked.clone();
                unique.sort();
                unique.dedup();
                proptest::prop_assert_eq!(unique.len(), asked.len());
            }
        }
    }

    #[test]
    fn full_hash_is_sha256_of_the_expression_text() {
        let url = CanonicalUrl::parse(b"http://a.b.c/").unwrap();
        let first = url.lookup_expressions().next().unwrap();
        assert_eq!(first.to_string(), "a.b.c/");
        assert_eq!(first.full_hash().0, crypto::sha256_of_parts(&[b"a.b.c/"]));
        assert_eq!(first.full_hash().prefix(), first.full_hash().0[..4]);
    }
}
