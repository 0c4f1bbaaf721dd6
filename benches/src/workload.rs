//! The generated workload: the category domain list, the hashed-URL list (as plaintext URLs, so
//! each engine can be given its own form of it) and the corpus of URLs a child's browser loads.
//!
//! Everything comes from one [`SplitMix64`] seed, so two runs measure the same bytes. Each corpus
//! URL records which part of the mix it belongs to and whether the generator put it on a list,
//! so the sanity section can say which engine missed what.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::names::{self, SUBRESOURCES, WORDS};
use crate::rng::SplitMix64;

/// How much of everything to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkloadSize {
    /// Entries of the category (domain) list.
    pub category_domains: usize,
    /// Entries of the hashed-URL list.
    pub hashed_urls: usize,
    /// Hosts the hashed-URL entries are spread over.
    pub hashed_hosts: usize,
    /// Made-up popular sites the everyday part of the corpus visits (besides the real ones).
    pub popular_sites: usize,
    /// URLs in the corpus.
    pub corpus: usize,
    /// URLs in the long-tail corpus, the second shape of workload.
    pub long_tail: usize,
}

impl WorkloadSize {
    /// The sizes the issue asks for: 1M category domains, 10k hashed URLs on about 2k hosts, a
    /// corpus of 100k URLs.
    pub const ISSUE: Self = Self {
        category_domains: 1_000_000,
        hashed_urls: 10_000,
        hashed_hosts: 2_000,
        popular_sites: 2_500,
        corpus: 100_000,
        long_tail: 100_000,
    };

    /// A small workload for a quick smoke run (`cargo test --all-targets` runs the bench binary
    /// without `--bench`, and in debug).
    pub const SMOKE: Self = Self {
        category_domains: 5_000,
        hashed_urls: 200,
        hashed_hosts: 50,
        popular_sites: 100,
        corpus: 1_000,
        long_tail: 1_000,
    };
}

/// Share of each kind in the corpus, in percent (the rest is [`CorpusKind::Everyday`]).
const CATEGORY_PERCENT: usize = 15;
const HASHED_PERCENT: usize = 5;
const SEARCH_PERCENT: usize = 5;
const ODD_SPELLING_PERCENT: usize = 5;

/// Share of each kind in the long-tail corpus, in percent (the rest is
/// [`CorpusKind::LongPage`]).
const CDN_ASSET_PERCENT: usize = 25;
const LISTED_SUBDOMAIN_PERCENT: usize = 15;

/// Hosts that serve scripts, styles and images for many sites, with paths of their own shape.
const ASSET_CDNS: &[&str] = &[
    "cdn.jsdelivr.net",
    "unpkg.com",
    "cdnjs.cloudflare.com",
    "d1a2b3c4d5e6f7.cloudfront.net",
    "res.cloudinary.com",
    "images.ctfassets.net",
    "lh3.googleusercontent.com",
    "pbs.twimg.com",
];

/// Query parameters that trackers and campaign links add to URLs.
const TRACKING_PARAMETERS: &[&str] = &[
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "fbclid",
    "gclid",
    "mc_eid",
    "ref_src",
    "session",
    "sig",
];

/// Real sites children use, visited alongside the made-up ones. None is on a generated list.
const REAL_SITES: &[&str] = &[
    "wikipedia.org",
    "youtube.com",
    "bbc.co.uk",
    "github.com",
    "amazon.com",
    "reddit.com",
    "roblox.com",
    "minecraft.net",
    "khanacademy.org",
    "nationalgeographic.com",
    "spotify.com",
    "netflix.com",
    "twitch.tv",
    "instagram.com",
    "tiktok.com",
    "duolingo.com",
    "nasa.gov",
    "imdb.com",
    "pinterest.com",
    "lego.com",
];

/// Shared content delivery hosts that pages pull scripts, fonts and images from.
const SHARED_CDNS: &[&str] = &[
    "cdn.jsdelivr.net",
    "fonts.gstatic.com",
    "ajax.googleapis.com",
    "cdnjs.cloudflare.com",
    "upload.wikimedia.org",
    "i.ytimg.com",
];

/// Subdomains a popular site serves its pages and subresources from.
const SITE_HOSTS: &[&str] = &["www", "cdn", "static", "img", "api", "m"];

/// Labels that appear in front of category domains.
const SUBDOMAIN_PREFIXES: &[&str] = &["www", "m", "en", "de", "cdn", "img", "video"];

/// The whole workload.
#[derive(Clone, Debug)]
pub struct Workload {
    /// The category list, one domain (or subdomain) per entry; each also covers its subdomains.
    pub category_domains: Vec<String>,
    /// The hashed-URL list, as the plaintext URLs the hashes are computed from.
    pub hashed_urls: Vec<HashedUrl>,
    /// The URLs to decide, in browsing order.
    pub corpus: Vec<CorpusUrl>,
    /// A second corpus of another shape: mostly long URLs on hosts no list names (deep paths,
    /// long queries), CDN script and image URLs, and pages on subdomains of listed hosts.
    pub long_tail: Vec<CorpusUrl>,
}

/// One entry of the hashed-URL list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashedUrl {
    /// The URL whose exact lookup expression is hashed.
    pub url: String,
    /// A page, or a directory (ending in `/`) that covers everything under it.
    pub is_directory: bool,
}

/// One URL of the corpus, with the request a browser would make for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorpusUrl {
    /// The URL, as the browser hands it over.
    pub url: String,
    /// The page that loads it (the URL itself for a top-level document).
    pub source_url: String,
    /// The request type in adblock's vocabulary (`document`, `script`, `image`, ...).
    pub request_type: &'static str,
    /// Which part of the mix it belongs to.
    pub kind: CorpusKind,
    /// Whether the generator put its host or URL on a list: an engine that understands the URL
    /// the way the lists mean it blocks exactly these.
    pub on_list: bool,
}

/// The parts of the corpus mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CorpusKind {
    /// Pages and subresources of popular sites on no list.
    Everyday,
    /// URLs on hosts of the category list or their subdomains.
    Category,
    /// URLs equal to, or under, a hashed-URL entry.
    Hashed,
    /// Search engine result pages.
    Search,
    /// Odd spellings of the above: uppercase, trailing dots, IP literals, percent-escapes,
    /// userinfo tricks.
    OddSpelling,
    /// Long URLs on hosts no list names: deep paths, long queries full of tracking parameters.
    LongPage,
    /// Scripts, styles and images on shared CDNs, with versioned and transformed paths.
    CdnAsset,
    /// Pages and assets on deep subdomains of listed hosts, with long paths.
    ListedSubdomain,
}

impl CorpusKind {
    /// Every kind, in report order.
    pub const ALL: [Self; 8] = [
        Self::Everyday,
        Self::Category,
        Self::Hashed,
        Self::Search,
        Self::OddSpelling,
        Self::LongPage,
        Self::CdnAsset,
        Self::ListedSubdomain,
    ];

    /// A short name for the report.
    pub fn name(self) -> &'static str {
        match self {
            Self::Everyday => "everyday",
            Self::Category => "category",
            Self::Hashed => "hashed-url",
            Self::Search => "search",
            Self::OddSpelling => "odd-spelling",
            Self::LongPage => "long-page",
            Self::CdnAsset => "cdn-asset",
            Self::ListedSubdomain => "listed-sub",
        }
    }
}

impl Workload {
    /// Generates the workload of `size` from `seed`.
    pub fn generate(seed: u64, size: WorkloadSize) -> Self {
        let mut rng = SplitMix64::new(seed);
        let (category_domains, category_set) = category_domains(&mut rng, size.category_domains);
        let mut taken = category_set;
        let popular = popular_sites(&mut rng, size.popular_sites, &mut taken);
        let hashed_hosts: Vec<String> = (0..size.hashed_hosts)
            .map(|_| fresh_site(&mut rng, &mut taken))
            .collect();
        let hashed_urls = hashed_urls(&mut rng, &hashed_hosts, size.hashed_urls);
        let mut generator = CorpusGenerator {
            rng,
            popular: &popular,
            category_domains: &category_domains,
            hashed_urls: &hashed_urls,
        };
        let corpus = generator.corpus(size.corpus);
        // The long tail's hosts, drawn after the first corpus so that it stays as it was: many,
        // each rarely visited, on no list.
        let unlisted: Vec<String> = (0..size.long_tail / 10)
            .map(|_| fresh_site(&mut generator.rng, &mut taken))
            .collect();
        let long_tail = generator.long_tail(size.long_tail, &unlisted);
        Self {
            category_domains,
            hashed_urls,
            corpus,
            long_tail,
        }
    }
}

/// A 64-bit digest of a host name, for the membership sets used while generating. A collision
/// only drops one candidate name, so 64 bits are plenty and keep the sets small.
fn digest(host: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    host.hash(&mut hasher);
    hasher.finish()
}

/// `count` distinct category domains, and the digests of all of them.
fn category_domains(rng: &mut SplitMix64, count: usize) -> (Vec<String>, HashSet<u64>) {
    let mut domains = Vec::with_capacity(count);
    let mut seen = HashSet::with_capacity(count);
    while domains.len() < count {
        let mut domain = String::with_capacity(32);
        if rng.percent(10) {
            if rng.percent(60) {
                domain.push_str(rng.pick(SUBDOMAIN_PREFIXES));
            } else {
                let syllables = 1 + rng.below(2);
                names::pronounceable(rng, syllables, &mut domain);
            }
            domain.push('.');
        }
        names::category_label(rng, &mut domain);
        domain.push('.');
        domain.push_str(names::tld(rng));
        if seen.insert(digest(&domain)) {
            domains.push(domain);
        }
    }
    (domains, seen)
}

/// Whether `host` or any parent domain of it is in `taken`.
fn is_covered(host: &str, taken: &HashSet<u64>) -> bool {
    let mut rest = host;
    loop {
        if taken.contains(&digest(rest)) {
            return true;
        }
        match rest.split_once('.') {
            Some((_, parent)) => rest = parent,
            None => return false,
        }
    }
}

/// A made-up registrable domain that is on no list yet, nor is any host a site serves from it;
/// it is added to `taken` so no later list or site reuses it.
fn fresh_site(rng: &mut SplitMix64, taken: &mut HashSet<u64>) -> String {
    loop {
        let mut domain = String::with_capacity(24);
        let syllables = 2 + rng.below(2);
        names::pronounceable(rng, syllables, &mut domain);
        if rng.percent(30) {
            domain.push_str(rng.pick(WORDS));
        }
        domain.push('.');
        domain.push_str(names::tld(rng));
        let clear = !is_covered(&domain, taken)
            && SITE_HOSTS
                .iter()
                .all(|sub| !is_covered(&format!("{sub}.{domain}"), taken));
        if clear {
            taken.insert(digest(&domain));
            return domain;
        }
    }
}

/// The everyday sites: the real ones first (they are the most visited), then made-up ones.
fn popular_sites(rng: &mut SplitMix64, count: usize, taken: &mut HashSet<u64>) -> Vec<String> {
    let mut sites: Vec<String> = REAL_SITES
        .iter()
        .filter(|site| !is_covered(site, taken))
        .map(|site| (*site).to_owned())
        .collect();
    for site in &sites {
        taken.insert(digest(site));
    }
    sites.extend((0..count).map(|_| fresh_site(rng, taken)));
    sites
}

/// `count` distinct hashed-URL entries spread over `hosts`: mostly pages (some with a query),
/// some directories.
fn hashed_urls(rng: &mut SplitMix64, hosts: &[String], count: usize) -> Vec<HashedUrl> {
    let mut entries = Vec::with_capacity(count);
    let mut seen = HashSet::with_capacity(count);
    while entries.len() < count {
        let host = rng.pick_ref(hosts);
        let www = if rng.percent(30) { "www." } else { "" };
        let mut url = format!("http://{www}{host}/");
        let is_directory = rng.percent(30);
        if is_directory {
            url.push_str(rng.pick(WORDS));
            url.push('/');
            names::hex(rng, 6, &mut url);
            url.push('/');
        } else {
            match rng.below(3) {
                0 => {
                    url.push_str(rng.pick(WORDS));
                    url.push('/');
                    names::pronounceable(rng, 2, &mut url);
                    url.push_str(&format!("{}.html", rng.below(10_000)));
                }
                1 => {
                    url.push_str("v/");
                    names::hex(rng, 12, &mut url);
                }
                _ => url.push_str(&format!("gallery.php?id={}", rng.below(1_000_000))),
            }
        }
        if seen.insert(digest(&url)) {
            entries.push(HashedUrl { url, is_directory });
        }
    }
    entries
}

/// Draws corpus URLs from the sites and lists.
struct CorpusGenerator<'a> {
    rng: SplitMix64,
    popular: &'a [String],
    category_domains: &'a [String],
    hashed_urls: &'a [HashedUrl],
}

impl CorpusGenerator<'_> {
    fn corpus(&mut self, count: usize) -> Vec<CorpusUrl> {
        let share = |percent: usize| count * percent / 100;
        let mut corpus = Vec::with_capacity(count);
        corpus.extend((0..share(CATEGORY_PERCENT)).map(|_| self.category_url()));
        corpus.extend((0..share(HASHED_PERCENT)).map(|_| self.hashed_url()));
        corpus.extend((0..share(SEARCH_PERCENT)).map(|_| self.search_url()));
        corpus.extend((0..share(ODD_SPELLING_PERCENT)).map(|_| self.odd_spelling()));
        while corpus.len() < count {
            corpus.push(self.everyday_url());
        }
        self.rng.shuffle(&mut corpus);
        corpus
    }

    /// The long-tail corpus: long pages on `unlisted` hosts, CDN assets, and pages on
    /// subdomains of listed hosts.
    fn long_tail(&mut self, count: usize, unlisted: &[String]) -> Vec<CorpusUrl> {
        let share = |percent: usize| count * percent / 100;
        let mut corpus = Vec::with_capacity(count);
        corpus.extend((0..share(CDN_ASSET_PERCENT)).map(|_| self.cdn_asset()));
        corpus.extend((0..share(LISTED_SUBDOMAIN_PERCENT)).map(|_| self.listed_subdomain()));
        while corpus.len() < count {
            let host = self.rng.pick_ref(unlisted).clone();
            corpus.push(self.long_page(&host));
        }
        self.rng.shuffle(&mut corpus);
        corpus
    }

    /// A long page URL on `site`: a subdomain, a deep path and a long query.
    fn long_page(&mut self, site: &str) -> CorpusUrl {
        let host = format!("{}.{site}", self.rng.pick(SITE_HOSTS));
        let url = format!("https://{host}/{}?{}", self.deep_path(), self.long_query());
        document(url, CorpusKind::LongPage, false)
    }

    /// A script, style or image on a shared CDN, loaded by an everyday page.
    fn cdn_asset(&mut self) -> CorpusUrl {
        let cdn = self.rng.pick(ASSET_CDNS);
        let (extension, request_type) = self.rng.pick(SUBRESOURCES);
        let mut path = match self.rng.below(3) {
            0 => format!(
                "npm/{}@{}.{}.{}/dist/",
                self.rng.pick(WORDS),
                self.rng.below(20),
                self.rng.below(30),
                self.rng.below(10)
            ),
            1 => format!(
                "image/upload/w_{},h_{},c_fill,q_auto,f_auto/v{}/",
                100 * (1 + self.rng.below(12)),
                100 * (1 + self.rng.below(9)),
                1_500_000_000 + self.rng.below(200_000_000)
            ),
            _ => String::from("assets/"),
        };
        names::hex(&mut self.rng, 24, &mut path);
        path.push('/');
        names::pronounceable(&mut self.rng, 3, &mut path);
        path.push('.');
        path.push_str(extension);
        if self.rng.percent(50) {
            path.push_str(&format!(
                "?v={}&{}",
                self.rng.below(100_000),
                self.long_query()
            ));
        }
        let site = &self.popular[self.rng.skewed_index(self.popular.len())];
        CorpusUrl {
            url: format!("https://{cdn}/{path}"),
            source_url: format!("https://www.{site}/"),
            request_type,
            kind: CorpusKind::CdnAsset,
            on_list: false,
        }
    }

    /// A page on a subdomain two or three labels below a listed host.
    fn listed_subdomain(&mut self) -> CorpusUrl {
        let entry = self.rng.pick_ref(self.category_domains).clone();
        let mut host = String::new();
        for _ in 0..2 + self.rng.below(2) {
            let syllables = 1 + self.rng.below(2);
            names::pronounceable(&mut self.rng, syllables, &mut host);
            host.push('.');
        }
        let url = format!("https://{host}{entry}/{}", self.deep_path());
        document(url, CorpusKind::ListedSubdomain, true)
    }

    /// A path of five to ten segments.
    fn deep_path(&mut self) -> String {
        let segments = 5 + self.rng.below(6);
        let mut path = String::with_capacity(segments * 12);
        for index in 0..segments {
            if index > 0 {
                path.push('/');
            }
            match self.rng.below(3) {
                0 => path.push_str(self.rng.pick(WORDS)),
                1 => names::hex(&mut self.rng, 8, &mut path),
                _ => path.push_str(&format!(
                    "{}-{}-{}",
                    self.rng.pick(WORDS),
                    self.rng.pick(WORDS),
                    self.rng.below(100_000)
                )),
            }
        }
        path
    }

    /// Four to twelve parameters, tracking ones among them, some with long values.
    fn long_query(&mut self) -> String {
        let parameters = 4 + self.rng.below(9);
        let mut query = String::with_capacity(parameters * 24);
        for index in 0..parameters {
            if index > 0 {
                query.push('&');
            }
            if self.rng.percent(50) {
                query.push_str(self.rng.pick(TRACKING_PARAMETERS));
            } else {
                query.push_str(self.rng.pick(WORDS));
            }
            query.push('=');
            let long = self.rng.percent(30);
            names::hex(&mut self.rng, if long { 48 } else { 8 }, &mut query);
        }
        query
    }

    /// A page or subresource of a popular site.
    fn everyday_url(&mut self) -> CorpusUrl {
        let site = &self.popular[self.rng.skewed_index(self.popular.len())];
        let page = format!("https://www.{site}/");
        if self.rng.percent(30) {
            let url = format!("{page}{}", self.page_path());
            return document(url, CorpusKind::Everyday, false);
        }
        let (url, request_type) = match self.rng.below(10) {
            0..=5 => {
                let host = if self.rng.percent(25) {
                    self.rng.pick(SHARED_CDNS).to_owned()
                } else {
                    format!("{}.{site}", self.rng.pick(SITE_HOSTS))
                };
                let (path, request_type) = self.asset_path();
                (format!("https://{host}/{path}"), request_type)
            }
            6..=7 => {
                let url = format!(
                    "https://api.{site}/v{}/{}?page={}&limit={}&lang=en",
                    1 + self.rng.below(3),
                    self.rng.pick(WORDS),
                    self.rng.below(50),
                    10 * (1 + self.rng.below(5)),
                );
                (url, "xmlhttprequest")
            }
            _ => (
                format!("https://www.{site}/{}", self.page_path()),
                "sub_frame",
            ),
        };
        CorpusUrl {
            url,
            source_url: page,
            request_type,
            kind: CorpusKind::Everyday,
            on_list: false,
        }
    }

    /// A URL on a category host, opened directly or embedded by an everyday page.
    fn category_url(&mut self) -> CorpusUrl {
        let entry = self.rng.pick_ref(self.category_domains);
        let host = match self.rng.below(10) {
            0..=5 => entry.clone(),
            6..=7 => format!("www.{entry}"),
            _ => {
                let mut host = String::new();
                let syllables = 1 + self.rng.below(2);
                names::pronounceable(&mut self.rng, syllables, &mut host);
                format!("{host}.{entry}")
            }
        };
        if self.rng.percent(50) {
            let url = format!("https://{host}/{}", self.page_path());
            return document(url, CorpusKind::Category, true);
        }
        let (path, request_type) = self.asset_path();
        let site = &self.popular[self.rng.skewed_index(self.popular.len())];
        CorpusUrl {
            url: format!("https://{host}/{path}"),
            source_url: format!("https://www.{site}/"),
            request_type,
            kind: CorpusKind::Category,
            on_list: true,
        }
    }

    /// A hashed-list URL exactly, or a file under a listed directory.
    fn hashed_url(&mut self) -> CorpusUrl {
        let entry = self.rng.pick_ref(self.hashed_urls);
        let mut url = entry.url.clone();
        if entry.is_directory {
            names::pronounceable(&mut self.rng, 2, &mut url);
            url.push_str(".jpg");
        }
        if self.rng.percent(50) {
            url.replace_range(..4, "https");
        }
        document(url, CorpusKind::Hashed, true)
    }

    /// A search results page of a common engine.
    fn search_url(&mut self) -> CorpusUrl {
        let words = 1 + self.rng.below(4);
        let query: Vec<&str> = (0..words).map(|_| self.rng.pick(WORDS)).collect();
        let query = query.join("+");
        let url = match self.rng.below(6) {
            0 | 1 => format!("https://www.google.com/search?q={query}&hl=en&source=hp"),
            2 => format!("https://www.bing.com/search?q={query}&form=QBLH"),
            3 => format!("https://duckduckgo.com/?q={query}&ia=web"),
            4 => format!("https://www.youtube.com/results?search_query={query}"),
            _ => format!("https://search.yahoo.com/search?p={query}&fr=yfp-t"),
        };
        document(url, CorpusKind::Search, false)
    }

    /// An everyday or category URL spelled the way filter bypasses spell it.
    fn odd_spelling(&mut self) -> CorpusUrl {
        let listed = self.rng.percent(50);
        let host = if listed {
            self.rng.pick_ref(self.category_domains).clone()
        } else {
            format!(
                "www.{}",
                self.popular[self.rng.skewed_index(self.popular.len())]
            )
        };
        let path = self.page_path();
        let (url, on_list) = match self.rng.below(7) {
            0 => (format!("HTTPS://{}/{path}", host.to_uppercase()), listed),
            1 => (format!("https://{host}./{path}"), listed),
            2 => (
                format!("http://{}/{path}", escape_some(&mut self.rng, &host)),
                listed,
            ),
            3 => (
                format!("https://{host}/{}", escape_some(&mut self.rng, &path)),
                listed,
            ),
            4 => (format!("https://www.google.com@{host}/{path}"), listed),
            5 => (
                format!("HTTP://{}.:80//./{path}", mixed_case(&mut self.rng, &host)),
                listed,
            ),
            _ => (format!("http://{}/{path}", self.ip_literal()), false),
        };
        document(url, CorpusKind::OddSpelling, on_list)
    }

    /// The path (without the leading `/`) of an ordinary page, sometimes with a query.
    fn page_path(&mut self) -> String {
        let rng = &mut self.rng;
        match rng.below(6) {
            0 => String::new(),
            1 => format!("{}/", rng.pick(WORDS)),
            2 => format!(
                "{}/{}-{}-{}",
                rng.pick(WORDS),
                rng.pick(WORDS),
                rng.pick(WORDS),
                rng.below(100_000)
            ),
            3 => format!("article/{}?ref={}", rng.below(10_000_000), rng.pick(WORDS)),
            4 => format!("{}/{}/index.html", rng.pick(WORDS), rng.pick(WORDS)),
            _ => format!(
                "watch?v={}&list={}&t={}s",
                rng.below(1 << 30),
                rng.pick(WORDS),
                rng.below(600)
            ),
        }
    }

    /// The path of a script, stylesheet, image, font, video or data file, with its request type.
    fn asset_path(&mut self) -> (String, &'static str) {
        let (extension, request_type) = self.rng.pick(SUBRESOURCES);
        let mut path = format!("assets/{}/", self.rng.pick(WORDS));
        names::pronounceable(&mut self.rng, 2, &mut path);
        path.push('.');
        names::hex(&mut self.rng, 8, &mut path);
        path.push('.');
        path.push_str(extension);
        if self.rng.percent(30) {
            path.push_str(&format!("?v={}", self.rng.below(1000)));
        }
        (path, request_type)
    }

    /// A host written as an IP address, in one of the forms browsers accept.
    fn ip_literal(&mut self) -> String {
        let address = self.rng.next_u64() as u32;
        let [a, b, c, d] = address.to_be_bytes();
        match self.rng.below(5) {
            0 => format!("{a}.{b}.{c}.{d}"),
            1 => address.to_string(),
            2 => format!("0x{address:x}"),
            3 => format!("0{a:o}.0{b:o}.0{c:o}.0{d:o}"),
            _ => format!(
                "[2001:db8::{:x}:{:x}]",
                self.rng.below(0xffff),
                self.rng.below(0xffff)
            ),
        }
    }
}

/// A top-level document request: its own source.
fn document(url: String, kind: CorpusKind, on_list: bool) -> CorpusUrl {
    CorpusUrl {
        source_url: url.clone(),
        url,
        request_type: "document",
        kind,
        on_list,
    }
}

/// `text` with about a third of its letters and digits percent-escaped.
fn escape_some(rng: &mut SplitMix64, text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if c.is_ascii_alphanumeric() && rng.percent(33) {
            out.push_str(&format!("%{:02X}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` with about half its letters in uppercase.
fn mixed_case(rng: &mut SplitMix64, text: &str) -> String {
    text.chars()
        .map(|c| {
            if rng.percent(50) {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: WorkloadSize = WorkloadSize {
        category_domains: 5_000,
        hashed_urls: 500,
        hashed_hosts: 100,
        popular_sites: 200,
        corpus: 2_000,
        long_tail: 2_000,
    };

    #[test]
    fn the_same_seed_gives_the_same_workload() {
        let a = Workload::generate(42, SMALL);
        let b = Workload::generate(42, SMALL);
        assert_eq!(a.category_domains, b.category_domains);
        assert_eq!(a.hashed_urls, b.hashed_urls);
        assert_eq!(a.corpus, b.corpus);
        assert_eq!(a.long_tail, b.long_tail);
    }

    #[test]
    fn sizes_and_mix_are_as_asked() {
        let workload = Workload::generate(1, SMALL);
        assert_eq!(workload.category_domains.len(), SMALL.category_domains);
        assert_eq!(workload.hashed_urls.len(), SMALL.hashed_urls);
        assert_eq!(workload.corpus.len(), SMALL.corpus);
        let count = |kind| {
            workload
                .corpus
                .iter()
                .filter(|url| url.kind == kind)
                .count()
        };
        assert_eq!(count(CorpusKind::Category), SMALL.corpus * 15 / 100);
        assert_eq!(count(CorpusKind::Everyday), SMALL.corpus * 70 / 100);
        assert_eq!(workload.long_tail.len(), SMALL.long_tail);
        let long_tail = |kind| {
            workload
                .long_tail
                .iter()
                .filter(|url| url.kind == kind)
                .count()
        };
        assert_eq!(long_tail(CorpusKind::CdnAsset), SMALL.long_tail * 25 / 100);
        assert_eq!(long_tail(CorpusKind::LongPage), SMALL.long_tail * 60 / 100);
        let mean_len = workload
            .long_tail
            .iter()
            .map(|url| url.url.len())
            .sum::<usize>()
            / SMALL.long_tail;
        let everyday_len = workload
            .corpus
            .iter()
            .map(|url| url.url.len())
            .sum::<usize>()
            / SMALL.corpus;
        assert!(mean_len > 2 * everyday_len, "{mean_len} vs {everyday_len}");
    }

    #[test]
    fn everyday_hosts_are_on_no_list() {
        let workload = Workload::generate(3, SMALL);
        let listed: HashSet<u64> = workload
            .category_domains
            .iter()
            .map(|domain| digest(domain))
            .collect();
        let unlisted =
            |url: &&CorpusUrl| matches!(url.kind, CorpusKind::Everyday | CorpusKind::LongPage);
        for url in workload
            .corpus
            .iter()
            .chain(&workload.long_tail)
            .filter(unlisted)
        {
            let host = url.url.split('/').nth(2).unwrap_or_default();
            assert!(!is_covered(host, &listed), "{host} is listed");
        }
    }
}
