//! The decision: for one URL the child's browser is about to load, allow, block (with the reason
//! and the list that decided) or rewrite.
//!
//! Rules apply in this order, the first that decides wins:
//!
//! 1. **Not a web address.** Only `http`, `https`, `ws` and `wss` URLs load. `about:blank` and
//!    `about:srcdoc` are allowed (empty local documents); `blob:` and `view-source:` are judged by
//!    the URL they carry (the source of a search SafeSearch would rewrite is blocked); everything
//!    else (`data:`, `javascript:`, `file:`, `intent:`, URLs that cannot be read) is blocked,
//!    because none of it can be checked against a list. The URL is read as the browser reads it
//!    (see [`super::canonical`]): the host judged below is the host the browser connects to.
//! 2. **Illegal material.** A hit on any hashed URL list blocks, whatever any allow rule,
//!    approval or allowlist says. Nothing below can override it.
//! 3. **Parent deny rules** block.
//! 4. **Parent allow rules and unexpired approvals** allow (SafeSearch still applies), except a
//!    host in a category the carrier's floor locks ([`FilterPolicy::locked_categories`]): the
//!    category blocks it, as in rule 7, whatever the parent allowed.
//! 5. **Allowlist-only mode** blocks every host not on an allowlist of the bundle.
//! 6. **Allowlists** (exceptions) allow in normal mode, before categories are looked at.
//! 7. **Blocked categories** block: bundle lists, then the built-in `ip-literal`, `doh` and
//!    `unsafe-search` categories.
//! 8. **Carried URLs.** A translation, cache, AMP, image or web proxy URL is blocked when the URL
//!    it carries would be (judged by all of the rules above), and when a known proxy's target
//!    cannot be read. A known proxy's server fetches the search it carries without SafeSearch,
//!    so such a URL is rewritten to the carried search in its safe form.
//! 9. **SafeSearch** rewrites search URLs to their safe form, or adds the restricted-mode
//!    header the browser must send.
//! 10. Otherwise the URL is allowed.
//!
//! One state overrides all of them but rule 1: when the lists the phone had cannot be put back in
//! force (see [`UrlFilter::restore_bundle`]), every URL that rule 1 would not block and that is
//! not a local page is blocked as **lists unavailable**. The filter never runs without its lists.

use super::blockpage::BlockReason;
use super::bundle::{ActiveBundle, BundleError, BundleList, DomainProbe, ListBundle, ListKind};
use super::canonical::{CanonicalStr, PlainScan, as_browser_reads, is_web_scheme};
use super::policy::{FilterPolicy, builtin_category};
use super::safesearch::{HostRule, SafeSearchOutcome, SiteLabels};
use super::{CanonicalUrl, HostKind, LookupExpressions};
use super::{expressions, proxies, safesearch};
use crate::crypto::PublicKey;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

/// How deep `blob:` / `view-source:` wrappers and proxies carrying proxies are followed. Deeper
/// nesting has no use but hiding, so it is blocked.
pub const MAX_WRAPPING_DEPTH: usize = 4;

/// Well-known public DNS-over-HTTPS resolvers (the built-in part of the `doh` category).
const DOH_RESOLVERS: &[&str] = &[
    "cloudflare-dns.com",
    "one.one.one.one",
    "1dot1dot1dot1.cloudflare-dns.com",
    "dns.google",
    "dns.google.com",
    "dns.quad9.net",
    "dns9.quad9.net",
    "dns10.quad9.net",
    "dns11.quad9.net",
    "doh.opendns.com",
    "dns.adguard.com",
    "dns.adguard-dns.com",
    "dns.nextdns.io",
    "doh.cleanbrowsing.org",
    "doh.mullvad.net",
    "dns.mullvad.net",
    "doh.dns.sb",
    "dns.alidns.com",
    "doh.pub",
    "dns.controld.com",
    "freedns.controld.com",
    "doh.libredns.gr",
    "dns0.eu",
];

/// The built-in DNS-over-HTTPS resolvers and every host under them.
const DOH_RESOLVER_HOSTS: HostRule = HostRule::Domains(DOH_RESOLVERS);

/// The addresses of the same public resolvers, which serve DNS-over-TLS (port 853) and
/// DNS-over-HTTPS on their IP address as well as on their names (`https://1.1.1.1/dns-query`,
/// Android's Private DNS set to `1.1.1.1`): the built-in `doh` category holds them too, so an
/// address is judged as its resolver's name is.
const DOH_RESOLVER_ADDRESSES: &[IpAddr] = &[
    // Cloudflare, with its malware and family variants.
    v4(1, 1, 1, 1),
    v4(1, 0, 0, 1),
    v4(1, 1, 1, 2),
    v4(1, 0, 0, 2),
    v4(1, 1, 1, 3),
    v4(1, 0, 0, 3),
    v6([0x2606, 0x4700, 0x4700, 0, 0, 0, 0, 0x1111]),
    v6([0x2606, 0x4700, 0x4700, 0, 0, 0, 0, 0x1001]),
    v6([0x2606, 0x4700, 0x4700, 0, 0, 0, 0, 0x1112]),
    v6([0x2606, 0x4700, 0x4700, 0, 0, 0, 0, 0x1002]),
    v6([0x2606, 0x4700, 0x4700, 0, 0, 0, 0, 0x1113]),
    v6([0x2606, 0x4700, 0x4700, 0, 0, 0, 0, 0x1003]),
    // Google Public DNS.
    v4(8, 8, 8, 8),
    v4(8, 8, 4, 4),
    v6([0x2001, 0x4860, 0x4860, 0, 0, 0, 0, 0x8888]),
    v6([0x2001, 0x4860, 0x4860, 0, 0, 0, 0, 0x8844]),
    // Quad9, filtered and unfiltered.
    v4(9, 9, 9, 9),
    v4(149, 112, 112, 112),
    v4(9, 9, 9, 10),
    v4(149, 112, 112, 10),
    v4(9, 9, 9, 11),
    v4(149, 112, 112, 11),
    v6([0x2620, 0xfe, 0, 0, 0, 0, 0, 0xfe]),
    v6([0x2620, 0xfe, 0, 0, 0, 0, 0, 0x9]),
    v6([0x2620, 0xfe, 0, 0, 0, 0, 0, 0x10]),
    v6([0x2620, 0xfe, 0, 0, 0, 0, 0, 0x11]),
    // OpenDNS.
    v4(208, 67, 222, 222),
    v4(208, 67, 220, 220),
    v4(208, 67, 222, 123),
    v4(208, 67, 220, 123),
    // AdGuard DNS.
    v4(94, 140, 14, 14),
    v4(94, 140, 15, 15),
    v4(94, 140, 14, 15),
    v4(94, 140, 15, 16),
];

const fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

const fn v6(segments: [u16; 8]) -> IpAddr {
    let [a, b, c, d, e, f, g, h] = segments;
    IpAddr::V6(Ipv6Addr::new(a, b, c, d, e, f, g, h))
}

/// The RFC 8484 default path of a DNS-over-HTTPS endpoint.
const DOH_PATH: &str = "/dns-query";

/// Host suffixes whose probes a decision holds without allocating: hosts of up to this many
/// labels, which is every real one. A longer host spills its probes to the heap.
const INLINE_PROBES: usize = 8;

/// What to do with a URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Verdict {
    /// Load it.
    Allow,
    /// Do not load it; show the block page.
    Block,
    /// Load [`UrlDecision::rewrite_url`] instead.
    Rewrite,
}

/// Which rule decided. Each has a stable [`code`](DecisionReason::code) for logs and the JSON of
/// the CLI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DecisionReason {
    /// No rule blocks or rewrites the URL.
    NoRuleApplies,
    /// `about:blank` or `about:srcdoc`: an empty local document.
    LocalPage,
    /// The parent allowed this host.
    ParentAllowed,
    /// The parent approved an access request for this host, and it has not expired.
    ApprovedRequest,
    /// The host is on an allowlist of the bundle.
    Allowlisted,
    /// The URL was rewritten, or a header added, to force SafeSearch or restricted mode.
    SafeSearchEnforced,
    /// The URL is on a list of known child sexual abuse material.
    IllegalMaterial,
    /// The host is in a blocked category; [`UrlDecision::category`] names it.
    BlockedCategory,
    /// The parent denied this host.
    ParentDenied,
    /// Allowlist-only mode is on and the host is on no allowlist.
    NotOnAllowlist,
    /// Not a web address that can be checked (`data:`, `javascript:`, `file:`, unreadable).
    NotAWebAddress,
    /// The lists the phone had cannot be opened (a changed key, a damaged store), so nothing can
    /// be checked until a valid list bundle installs.
    ListsUnavailable,
}

impl DecisionReason {
    /// A stable, lowercase code for this reason.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoRuleApplies => "no-rule-applies",
            Self::LocalPage => "local-page",
            Self::ParentAllowed => "parent-allowed",
            Self::ApprovedRequest => "approved-request",
            Self::Allowlisted => "allowlisted",
            Self::SafeSearchEnforced => "safe-search-enforced",
            Self::IllegalMaterial => "illegal-material",
            Self::BlockedCategory => "blocked-category",
            Self::ParentDenied => "parent-denied",
            Self::NotOnAllowlist => "not-on-allowlist",
            Self::NotAWebAddress => "not-a-web-address",
            Self::ListsUnavailable => "lists-unavailable",
        }
    }
}

/// A header the browser must add to a request: a field of its own rather than a tuple, so that
/// it crosses to Kotlin and Swift as a record.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RequestHeader {
    /// The header's name, e.g. `YouTube-Restrict`.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// The answer for one URL.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UrlDecision {
    /// Allow, block or rewrite.
    pub verdict: Verdict,
    /// The rule that decided.
    pub reason: DecisionReason,
    /// The list or built-in category that decided, when one did.
    pub category: Option<String>,
    /// For [`Verdict::Rewrite`], the URL to load instead.
    pub rewrite_url: Option<String>,
    /// Headers the browser must add to the request (YouTube's restricted mode).
    pub request_headers: Vec<RequestHeader>,
    /// Whether the decision was made on a URL carried inside this one (a proxy or wrapper).
    pub via_carried_url: bool,
    /// The version of the list bundle in force, if any.
    pub bundle_version: Option<u64>,
}

impl UrlDecision {
    /// Whether the browser loads the URL exactly as it asked: allowed, with nothing to rewrite
    /// and no header to add. What most subresources get, and all a browser needs to know of them.
    pub fn loads_as_is(&self) -> bool {
        self.verdict == Verdict::Allow && self.request_headers.is_empty()
    }

    /// What the block page should say, for a blocked URL.
    pub fn block_reason(&self) -> Option<BlockReason> {
        if self.verdict != Verdict::Block {
            return None;
        }
        Some(match self.reason {
            DecisionReason::IllegalMaterial => BlockReason::IllegalMaterial,
            DecisionReason::ParentDenied => BlockReason::ParentDenied,
            DecisionReason::NotOnAllowlist => BlockReason::NotOnAllowlist,
            DecisionReason::ListsUnavailable => BlockReason::ListsUnavailable,
            DecisionReason::BlockedCategory => BlockReason::Category {
                category: self.category.clone().unwrap_or_default(),
            },
            _ => BlockReason::NotAWebAddress,
        })
    }

    fn new(verdict: Verdict, reason: DecisionReason) -> Self {
        Self {
            verdict,
            reason,
            category: None,
            rewrite_url: None,
            request_headers: Vec::new(),
            via_carried_url: false,
            bundle_version: None,
        }
    }

    fn block(reason: DecisionReason) -> Self {
        Self::new(Verdict::Block, reason)
    }

    fn allow(reason: DecisionReason) -> Self {
        Self::new(Verdict::Allow, reason)
    }

    fn with_category(mut self, category: &str) -> Self {
        self.category = Some(category.to_owned());
        self
    }
}

/// What one of rules 4 to 7 decided: the verdict, the reason and the list or category that
/// decided. Small enough to pass around by value; it becomes a [`UrlDecision`] once, at the end.
#[derive(Clone, Copy)]
struct Ruling<'a> {
    verdict: Verdict,
    reason: DecisionReason,
    category: Option<&'a str>,
}

impl<'a> Ruling<'a> {
    fn allow(reason: DecisionReason) -> Self {
        Self {
            verdict: Verdict::Allow,
            reason,
            category: None,
        }
    }

    fn block(reason: DecisionReason) -> Self {
        Self {
            verdict: Verdict::Block,
            reason,
            category: None,
        }
    }

    fn by(self, category: &'a str) -> Self {
        Self {
            category: Some(category),
            ..self
        }
    }

    fn decision(self) -> UrlDecision {
        let decision = UrlDecision::new(self.verdict, self.reason);
        match self.category {
            Some(category) => decision.with_category(category),
            None => decision,
        }
    }
}

/// The state of the filter's lists, for a status screen and for what the device tells its
/// parents.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ListsStatus {
    /// The version of the list bundle in force; `None` before the first one installs.
    pub version: Option<u64>,
    /// When the bundle in force expired (unix seconds, judged on trusted time), if it has. The
    /// lists stay in force, out of date, until a sync brings newer ones.
    pub out_of_date_since: Option<u64>,
    /// Whether the lists the phone had cannot be opened, so that every web address is blocked
    /// until a valid list bundle installs.
    pub unavailable: bool,
}

/// The browser filter: the list bundle in force and the keys bundles must be signed with.
pub struct UrlFilter {
    trusted_keys: Vec<PublicKey>,
    bundle: ActiveBundle,
    /// Set when the lists the phone had could not be put back in force and none are: the filter
    /// then blocks every web address rather than run without them.
    lists_unavailable: bool,
}

impl UrlFilter {
    /// A filter that accepts bundles signed by any of `trusted_keys`, with no bundle yet (until
    /// one is installed, only the policy's own rules and the built-in categories apply).
    pub fn new(trusted_keys: Vec<PublicKey>) -> Self {
        Self {
            trusted_keys,
            bundle: ActiveBundle::new(),
            lists_unavailable: false,
        }
    }

    /// Verifies and installs a new list bundle. A bundle that is damaged, wrongly signed,
    /// expired at `now_unix` (trusted time: the raw wall clock is the child's to set) or not
    /// newer than the one in force is refused, and the one in force stays.
    pub fn install_bundle(&mut self, bytes: Vec<u8>, now_unix: u64) -> Result<u64, BundleError> {
        let version = self.bundle.install(bytes, &self.trusted_keys, now_unix)?;
        self.lists_unavailable = false;
        Ok(version)
    }

    /// Puts back in force the bundle that was in force before (the one the phone keeps), with
    /// every check but the expiry: lists stay in force until a newer bundle replaces them. If it
    /// cannot be opened (a trusted key changed in an update, the store is damaged) and no bundle
    /// is in force, the filter fails closed: every web address is blocked with
    /// [`DecisionReason::ListsUnavailable`] until a bundle installs.
    pub fn restore_bundle(&mut self, bytes: Vec<u8>) -> Result<u64, BundleError> {
        match self.bundle.restore(bytes, &self.trusted_keys) {
            Ok(version) => {
                self.lists_unavailable = false;
                Ok(version)
            }
            Err(error) => {
                self.lists_lost();
                Err(error)
            }
        }
    }

    /// The version of the bundle in force.
    pub fn bundle_version(&self) -> Option<u64> {
        self.bundle.current().map(ListBundle::version)
    }

    /// Whether the filter is blocking every web address because its lists could not be put
    /// back in force (see [`Self::restore_bundle`], [`Self::lists_lost`]).
    pub fn lists_unavailable(&self) -> bool {
        self.lists_unavailable
    }

    /// Records that the lists the phone had cannot even be read (the store holding them is
    /// damaged): with no bundle in force, the filter fails closed as [`Self::restore_bundle`]
    /// does.
    pub fn lists_lost(&mut self) {
        self.lists_unavailable |= self.bundle.current().is_none();
    }

    /// The state of the lists at `now_unix` (trusted time).
    pub fn lists_status(&self, now_unix: u64) -> ListsStatus {
        let current = self.bundle.current();
        ListsStatus {
            version: current.map(ListBundle::version),
            out_of_date_since: current
                .filter(|bundle| bundle.is_expired(now_unix))
                .map(ListBundle::expires_at),
            unavailable: self.lists_unavailable,
        }
    }

    /// Decides what to do with `url` (any bytes) under `policy` at `now_unix`.
    pub fn check(&self, url: &[u8], policy: &FilterPolicy, now_unix: u64) -> UrlDecision {
        self.decide(RawUrl::Bytes(url), policy, now_unix)
    }

    /// [`Self::check`] for a URL that is text, as the browser hands it over: the same decision,
    /// without checking again that it is UTF-8.
    pub fn check_str(&self, url: &str, policy: &FilterPolicy, now_unix: u64) -> UrlDecision {
        self.decide(RawUrl::Text(url), policy, now_unix)
    }

    fn decide(&self, url: RawUrl<'_>, policy: &FilterPolicy, now_unix: u64) -> UrlDecision {
        let judge = Judge {
            policy,
            bundle: self.bundle.current(),
            now_unix,
        };
        let mut decision = judge.raw(url, 0);
        let opens =
            decision.verdict != Verdict::Block && decision.reason != DecisionReason::LocalPage;
        if self.lists_unavailable && opens {
            decision = UrlDecision::block(DecisionReason::ListsUnavailable);
        }
        decision.bundle_version = self.bundle_version();
        decision
    }
}

/// A URL as the browser gave it: any bytes, or text.
#[derive(Clone, Copy)]
enum RawUrl<'a> {
    Bytes(&'a [u8]),
    /// Known to be UTF-8, so a URL already in canonical form is taken as it is.
    Text(&'a str),
}

impl<'a> RawUrl<'a> {
    fn bytes(self) -> &'a [u8] {
        match self {
            Self::Bytes(bytes) => bytes,
            Self::Text(text) => text.as_bytes(),
        }
    }

    /// The URL where it lies, when it is already in canonical form (see [`CanonicalStr`]);
    /// `scan` is what [`PlainScan::of`] found of its bytes.
    fn in_place(self, scan: &PlainScan) -> Option<CanonicalStr<'a>> {
        match self {
            Self::Bytes(bytes) => CanonicalStr::in_place(bytes, scan),
            Self::Text(text) => CanonicalStr::in_place_text(text, scan),
        }
    }
}

/// One decision in progress: the policy, the lists and the time it is judged against.
struct Judge<'a> {
    policy: &'a FilterPolicy,
    bundle: Option<&'a ListBundle>,
    now_unix: u64,
}

impl Judge<'_> {
    /// Rule 1, then the URL's own rules, following wrappers up to [`MAX_WRAPPING_DEPTH`].
    fn raw(&self, raw: RawUrl<'_>, depth: usize) -> UrlDecision {
        if depth > MAX_WRAPPING_DEPTH {
            return UrlDecision::block(DecisionReason::NotAWebAddress);
        }
        let bytes = raw.bytes();
        // One scan of the bytes serves both ways of reading the URL below.
        let scan = PlainScan::of(bytes);
        // A URL already in canonical form, as nearly every one a page loads is, is judged where
        // it lies. Its web scheme rules out a wrapper.
        if let Some(url) = scan.as_ref().and_then(|scan| raw.in_place(scan)) {
            return self.url(url, Some(bytes), depth);
        }
        match wrapped_url(bytes) {
            Wrapping::Carries { inner, fetches } => {
                let decision = self.raw(RawUrl::Bytes(&inner), depth + 1);
                let decision = match decision.verdict {
                    Verdict::Block => decision,
                    // A rewrite or a header cannot be applied through the wrapper: the source
                    // of a search SafeSearch would rewrite is not shown.
                    _ if fetches && needs_safe_search(&decision) => {
                        UrlDecision::block(DecisionReason::BlockedCategory)
                            .with_category(builtin_category::UNSAFE_SEARCH)
                    }
                    // A `blob:` URL names an object a page of that origin made; nothing loads.
                    _ => UrlDecision::allow(DecisionReason::NoRuleApplies),
                };
                UrlDecision {
                    via_carried_url: true,
                    ..decision
                }
            }
            Wrapping::LocalPage => UrlDecision::allow(DecisionReason::LocalPage),
            // Any other URL is canonicalized first.
            Wrapping::None => match CanonicalUrl::parse_scanned(bytes, scan.as_ref()) {
                Ok(url) if is_web_scheme(url.scheme().as_bytes()) => {
                    self.url(url.borrowed(), Some(bytes), depth)
                }
                _ => UrlDecision::block(DecisionReason::NotAWebAddress),
            },
        }
    }

    /// Rules 2 to 10 for a canonical web URL; `raw` is the URL as the browser would send it, when
    /// this is the URL being loaded rather than one carried inside it.
    fn url(&self, url: CanonicalStr<'_>, raw: Option<&[u8]>, depth: usize) -> UrlDecision {
        if depth > MAX_WRAPPING_DEPTH {
            return UrlDecision::block(DecisionReason::NotAWebAddress);
        }
        // Each host suffix is fingerprinted once, then looked up in every list.
        let mut probes = HostProbes::EMPTY;
        if let Some(bundle) = self.bundle {
            probes.fill(url, bundle);
        }
        if let Some(list) = self.illegal_material_list(url, &probes) {
            return UrlDecision::block(DecisionReason::IllegalMaterial).with_category(list);
        }
        let (host, kind) = (url.host(), url.host_kind());
        if rules_cover(&self.policy.denied_hosts, url) {
            return UrlDecision::block(DecisionReason::ParentDenied);
        }
        let parent_allowed = if rules_cover(&self.policy.allowed_hosts, url) {
            Some(DecisionReason::ParentAllowed)
        } else if self.policy.approvals.iter().any(|approval| {
            approval.expires_at_unix > self.now_unix && host_matches(host, kind, &approval.host)
        }) {
            Some(DecisionReason::ApprovedRequest)
        } else {
            None
        };

        // Most URLs are no search, no YouTube and no proxy; one look at the host tells.
        let special = special_rules_may_apply(url);
        // The special rules read the URL as an owned one; only the few they may act on are
        // copied.
        let owned = special.then(|| url.to_owned_url());
        // The SafeSearch outcome serves rule 9 and the built-in `unsafe-search` category only.
        let search = match &owned {
            Some(owned)
                if self.policy.safe_search
                    || self.policy.blocks(builtin_category::UNSAFE_SEARCH) =>
            {
                safesearch::enforce(owned)
            }
            _ => SafeSearchOutcome::NotASearchEngine,
        };
        let ruling = match parent_allowed {
            Some(reason) => match self.locked_category(url, probes.all(), &search, special) {
                Some(locked) => return locked.decision(),
                None => Ruling::allow(reason),
            },
            None => match self.lists_and_categories(url, probes.all(), &search, special) {
                Some(ruling) if ruling.verdict == Verdict::Block => return ruling.decision(),
                Some(ruling) => ruling,
                None => Ruling::allow(DecisionReason::NoRuleApplies),
            },
        };
        let Some(owned) = owned else {
            return ruling.decision();
        };
        let mut outcome = ruling.decision();
        // A proxy is judged by what it carries, even when the proxy's own host is allowed.
        let carried = proxies::carried_urls(&owned, raw);
        if carried.unreadable {
            return UrlDecision {
                via_carried_url: true,
                ..UrlDecision::block(DecisionReason::NotAWebAddress)
            };
        }
        for carried in carried.urls {
            let written = Some(carried.as_written.as_bytes());
            let mut carried_decision = self.url(carried.url.borrowed(), written, depth + 1);
            carried_decision.via_carried_url = true;
            if carried_decision.verdict == Verdict::Block {
                return carried_decision;
            }
            // A proxy's server fetches the search itself, unrewritten and without the header:
            // the browser is sent to the search in its safe form instead.
            if carried.fetched_by_proxy && needs_safe_search(&carried_decision) {
                let safe = carried_decision
                    .rewrite_url
                    .take()
                    .unwrap_or_else(|| carried.url.to_string());
                return UrlDecision {
                    verdict: Verdict::Rewrite,
                    reason: DecisionReason::SafeSearchEnforced,
                    rewrite_url: Some(safe),
                    request_headers: Vec::new(),
                    ..carried_decision
                };
            }
        }
        if self.policy.safe_search {
            enforce_safe_search(&owned, raw, search, &mut outcome);
        }
        outcome
    }

    /// Rules 5 to 7: allowlist-only mode, allowlists, blocked categories. `None` when no list or
    /// category has anything to say. `special` is what [`special_rules_may_apply`] said of `url`.
    ///
    /// A domain is looked up in the lists' domains by its suffixes (`probes`); an IP address,
    /// whatever spelling the URL gave it (canonicalization leaves one), in their address ranges
    /// only, so neither kind of host pays for the other's lookup.
    fn lists_and_categories(
        &self,
        url: CanonicalStr<'_>,
        probes: &[DomainProbe<'_>],
        search: &SafeSearchOutcome,
        special: bool,
    ) -> Option<Ruling<'_>> {
        // Canonical IP hosts always parse back (see `host_address`); one that did not could not
        // be looked up, so it is not let through.
        let Some(host) = ListedHost::of(url, probes) else {
            return Some(Ruling::block(DecisionReason::NotAWebAddress));
        };
        if let Some(list) = first_hit(self.allowlists(), host) {
            return Some(Ruling::allow(DecisionReason::Allowlisted).by(list));
        }
        if self.policy.allowlist_only {
            return Some(Ruling::block(DecisionReason::NotOnAllowlist));
        }
        if let Some(list) = first_hit(self.blocked_category_lists(), host) {
            return Some(Ruling::block(DecisionReason::BlockedCategory).by(list));
        }
        let builtin = builtin_category_of(url, search, special, |category| {
            self.policy.blocks(category)
        })?;
        Some(Ruling::block(DecisionReason::BlockedCategory).by(builtin))
    }

    /// The exception to rule 4: the block of a category the carrier's floor locks, when the
    /// host falls in one. Nothing is looked up when no category is locked, as on every phone
    /// without a carrier profile.
    fn locked_category(
        &self,
        url: CanonicalStr<'_>,
        probes: &[DomainProbe<'_>],
        search: &SafeSearchOutcome,
        special: bool,
    ) -> Option<Ruling<'_>> {
        if self.policy.locked_categories.is_empty() {
            return None;
        }
        let Some(host) = ListedHost::of(url, probes) else {
            return Some(Ruling::block(DecisionReason::NotAWebAddress));
        };
        let locked_lists = self
            .bundle
            .into_iter()
            .flat_map(|bundle| bundle.lists_of_kind(ListKind::Category))
            .filter(|list| self.policy.locks(list.name()));
        if let Some(list) = first_hit(locked_lists, host) {
            return Some(Ruling::block(DecisionReason::BlockedCategory).by(list));
        }
        let builtin =
            builtin_category_of(url, search, special, |category| self.policy.locks(category))?;
        Some(Ruling::block(DecisionReason::BlockedCategory).by(builtin))
    }

    /// The bundle's allowlists.
    fn allowlists(&self) -> impl Iterator<Item = BundleList<'_>> {
        self.bundle
            .into_iter()
            .flat_map(|bundle| bundle.lists_of_kind(ListKind::Allow))
    }

    /// The bundle's category lists the policy blocks.
    fn blocked_category_lists(&self) -> impl Iterator<Item = BundleList<'_>> {
        self.bundle
            .into_iter()
            .flat_map(|bundle| bundle.lists_of_kind(ListKind::Category))
            .filter(|list| self.policy.blocks(list.name()))
    }

    /// The name of the first hashed URL list (in bundle order) that holds any expression of
    /// `url` a list is asked about: a lookup host suffix followed by any directory prefix of the
    /// path, the exact path or the path with its query (see [`LookupExpressions::list_lookup_hashes`]).
    ///
    /// The lists' host prefilters are asked first for each lookup host suffix (with the
    /// fingerprint `probes` already hold), so only the expressions of a suffix that passes one
    /// are hashed: for most URLs, none. Each expression is hashed at most once and looked up in
    /// every list whose prefilter let its host suffix through.
    fn illegal_material_list(
        &self,
        url: CanonicalStr<'_>,
        probes: &HostProbes<'_>,
    ) -> Option<&str> {
        let bundle = self.bundle?;
        let lists = || bundle.lists_of_kind(ListKind::HashedUrls);
        // Nearly every URL: no prefilter lets any host suffix through, and nothing is hashed.
        if !lists().any(|list| {
            probes
                .lookup_probes()
                .any(|probe| list.may_hold_host(probe))
        }) {
            return None;
        }
        // The URL's path is only looked at once some host suffix passes a prefilter.
        let mut expressions: Option<LookupExpressions<'_>> = None;
        // The rank in `lists` and the list itself of the first list found to hold an expression.
        let mut found: Option<(usize, BundleList<'_>)> = None;
        for probe in probes.lookup_probes() {
            // Only a list ranked before the one found could still change the answer.
            let ranks = found.map_or(usize::MAX, |(rank, _)| rank);
            if !lists().take(ranks).any(|list| list.may_hold_host(probe)) {
                continue;
            }
            let expressions = expressions.get_or_insert_with(|| url.lookup_expressions());
            for hash in expressions.list_lookup_hashes(probe.host_suffix()) {
                let ranks = found.map_or(usize::MAX, |(rank, _)| rank);
                let hit = lists()
                    .take(ranks)
                    .enumerate()
                    .find(|(_, list)| list.may_hold_host(probe) && list.contains_hash(&hash));
                if let Some((rank, list)) = hit {
                    if rank == 0 {
                        return Some(list.name());
                    }
                    found = Some((rank, list));
                }
            }
        }
        found.map(|(_, list)| list.name())
    }
}

/// A URL's host as domain lists look it up.
#[derive(Clone, Copy)]
enum ListedHost<'p, 'a> {
    /// A domain name: the probes of its suffixes, any of which a domain entry may be.
    Domain(&'p [DomainProbe<'a>]),
    /// An IP address, whatever spelling the URL gave it: only address ranges can cover it.
    Address(std::net::IpAddr),
}

impl<'p, 'a> ListedHost<'p, 'a> {
    /// The host of `url` as the lists look it up, with `probes`, its suffixes' probes; `None`
    /// for an IP host that does not parse back.
    fn of(url: CanonicalStr<'_>, probes: &'p [DomainProbe<'a>]) -> Option<Self> {
        match url.host_kind() {
            HostKind::Domain => Some(Self::Domain(probes)),
            HostKind::Ipv4 | HostKind::Ipv6 => host_address(url).map(Self::Address),
        }
    }
}

/// The name of the first of `lists` that holds `host`.
fn first_hit<'a>(
    mut lists: impl Iterator<Item = BundleList<'a>>,
    host: ListedHost<'_, '_>,
) -> Option<&'a str> {
    lists
        .find(|list| match host {
            ListedHost::Domain(probes) => list.contains_any_probe(probes),
            ListedHost::Address(address) => list.contains_address(address),
        })
        .map(|list| list.name())
}

/// The address of a URL whose host is an IP address; `None` for a domain. Canonicalization
/// writes an IPv4 host in dotted decimal and an IPv6 host in brackets, each as `std::net`
/// displays it (an IPv4-mapped IPv6 host becomes IPv4), so the text parses back.
fn host_address(url: CanonicalStr<'_>) -> Option<std::net::IpAddr> {
    let host = url.host();
    let address = match url.host_kind() {
        HostKind::Domain => return None,
        HostKind::Ipv4 => host,
        HostKind::Ipv6 => host.strip_prefix('[')?.strip_suffix(']')?,
    };
    address.parse().ok()
}

/// Whether SafeSearch, restricted mode, a proxy rule or the built-in DoH resolvers can have
/// anything to say about `url`: false for nearly every URL, which then skips them all. It errs
/// only towards true: each of those rules needs a host with the site label of one of its tables,
/// or (for proxies that run on any host and for generic proxy parameters) a sign of its own in
/// the URL.
fn special_rules_may_apply(url: CanonicalStr<'_>) -> bool {
    (url.host_kind() == HostKind::Domain && SPECIAL_SITES.may_cover(url.host()))
        || proxies::may_carry_on_any_host(url)
}

/// The site labels of every host a SafeSearch, restricted-mode, proxy or DoH rule names.
static SPECIAL_SITES: LazyLock<SiteLabels> = LazyLock::new(|| {
    let doh = std::iter::once(&DOH_RESOLVER_HOSTS);
    SiteLabels::of(
        safesearch::host_rules()
            .chain(proxies::named_host_rules())
            .chain(doh),
    )
});

/// Rule 9: applies the SafeSearch outcome (already computed for `url`) to `outcome`. `raw` is the
/// URL as the browser would send it, when it is the one being loaded.
///
/// A search URL whose canonical form looks safe may not be safe as sent: `q=x%26safe%3Dactive`
/// canonicalizes to `q=x&safe=active`, but the engine receives a single parameter. Such a URL is
/// rewritten to its canonical form, where the safe parameter really stands on its own.
fn enforce_safe_search(
    url: &CanonicalUrl,
    raw: Option<&[u8]>,
    search: SafeSearchOutcome,
    outcome: &mut UrlDecision,
) {
    let rewrite = match search {
        SafeSearchOutcome::Rewrite { url: safe } => Some(safe),
        SafeSearchOutcome::AlreadySafe
            if raw.is_some_and(|raw| *as_browser_reads(raw) != *url.as_str().as_bytes()) =>
        {
            Some(url.as_str().to_owned())
        }
        _ => None,
    };
    if outcome.verdict != Verdict::Allow {
        return;
    }
    if let Some(safe) = rewrite {
        outcome.verdict = Verdict::Rewrite;
        outcome.reason = DecisionReason::SafeSearchEnforced;
        outcome.rewrite_url = Some(safe);
    }
    let headers = safesearch::restricted_mode_headers(url);
    if !headers.is_empty() {
        outcome.reason = DecisionReason::SafeSearchEnforced;
        outcome.request_headers = headers
            .iter()
            .map(|(name, value)| RequestHeader {
                name: (*name).to_owned(),
                value: (*value).to_owned(),
            })
            .collect();
    }
}

/// Whether `decision` holds only with SafeSearch applied by the browser: a rewrite, or a header
/// the request must carry.
fn needs_safe_search(decision: &UrlDecision) -> bool {
    decision.verdict == Verdict::Rewrite || !decision.request_headers.is_empty()
}

/// The first built-in category, in the order `ip-literal`, `doh`, `unsafe-search`, that `url`
/// falls in and `blocks` says is blocked; `search` is its SafeSearch outcome. A category is only
/// looked into when it is blocked.
fn builtin_category_of(
    url: CanonicalStr<'_>,
    search: &SafeSearchOutcome,
    special: bool,
    blocks: impl Fn(&'static str) -> bool,
) -> Option<&'static str> {
    // Whether the URL falls in a category is asked first: it takes a comparison or two, where
    // asking the policy takes a lookup, and nearly every URL falls in none.
    if url.host_kind() != HostKind::Domain && blocks(builtin_category::IP_LITERAL) {
        return Some(builtin_category::IP_LITERAL);
    }
    if is_doh_endpoint(url, special) && blocks(builtin_category::DOH) {
        return Some(builtin_category::DOH);
    }
    let unsafe_search = matches!(search, SafeSearchOutcome::CannotBeForcedSafe { .. });
    (unsafe_search && blocks(builtin_category::UNSAFE_SEARCH))
        .then_some(builtin_category::UNSAFE_SEARCH)
}

/// Whether `url` is a DNS-over-HTTPS endpoint: at the RFC 8484 path, or on a built-in resolver
/// (by its name or its address).
/// `special` is what [`special_rules_may_apply`] said of it: no resolver is turned away there.
fn is_doh_endpoint(url: CanonicalStr<'_>, special: bool) -> bool {
    url.path() == DOH_PATH
        || match url.host_kind() {
            HostKind::Domain => special && DOH_RESOLVER_HOSTS.matches(url.host()),
            HostKind::Ipv4 | HostKind::Ipv6 => {
                host_address(url).is_some_and(|address| DOH_RESOLVER_ADDRESSES.contains(&address))
            }
        }
}

/// Whether any of `rules` (canonical hosts) covers the host of `url`, as [`host_matches`] says:
/// one of the host's suffixes is a rule. A few set lookups, however many rules the parent made.
fn rules_cover(rules: &BTreeSet<String>, url: CanonicalStr<'_>) -> bool {
    !rules.is_empty() && HostSuffixes::of(url).any(|(suffix, _)| rules.contains(suffix))
}

/// Whether a host rule (a canonical host) covers `host`: the same host, or for domains a parent
/// domain of it (`example.com` covers `www.example.com`, not `badexample.com`).
fn host_matches(host: &str, kind: HostKind, rule: &str) -> bool {
    host == rule
        || (kind == HostKind::Domain
            && host.len() > rule.len()
            && host.ends_with(rule)
            && host.as_bytes()[host.len() - rule.len() - 1] == b'.')
}

/// Every suffix of a host at a label boundary, longest first: `a.b.com`, `b.com`, `com`. Domain
/// lists match on any of them, so an entry covers all subdomains. An IP address is only itself.
/// Each comes with whether it is a single label (has no dot), which the scan finds anyway.
struct HostSuffixes<'a> {
    host: &'a str,
    /// Where the next suffix starts in `host`, if there is one.
    next: Option<usize>,
    is_domain: bool,
}

impl<'a> HostSuffixes<'a> {
    fn of(url: CanonicalStr<'a>) -> Self {
        Self {
            host: url.host(),
            next: Some(0),
            is_domain: url.host_kind() == HostKind::Domain,
        }
    }
}

impl<'a> Iterator for HostSuffixes<'a> {
    type Item = (&'a str, bool);

    fn next(&mut self) -> Option<(&'a str, bool)> {
        let start = self.next?;
        let suffix = self.host.get(start..)?;
        // A plain scan: hosts are short, and a search call would cost more than it saves.
        let dot = suffix.bytes().position(|byte| byte == b'.');
        self.next = dot.filter(|_| self.is_domain).map(|dot| start + dot + 1);
        Some((suffix, dot.is_none()))
    }
}

/// The fingerprints of every host suffix of one URL under the bundle's key, made once per
/// decision and looked up in every list. In host-suffix order, longest first: in place for up to
/// [`INLINE_PROBES`], all on the heap for a longer host.
struct HostProbes<'a> {
    /// The probes, when there are at most [`INLINE_PROBES`]; the rest of the array holds
    /// placeholders, never read.
    inline: [DomainProbe<'a>; INLINE_PROBES],
    /// All the probes, when there are more.
    spilled: Vec<DomainProbe<'a>>,
    len: usize,
}

impl<'a> HostProbes<'a> {
    /// No probes, to be filled in place by [`Self::fill`] (returning a filled one would copy
    /// the array, several hundred bytes, once more per decision).
    const EMPTY: Self = Self {
        inline: [DomainProbe::PLACEHOLDER; INLINE_PROBES],
        spilled: Vec::new(),
        len: 0,
    };

    /// Adds the probes of every host suffix of `url`, with `bundle`'s key.
    fn fill(&mut self, url: CanonicalStr<'a>, bundle: &'a ListBundle) {
        for (suffix, single_label) in HostSuffixes::of(url) {
            let probe = bundle.probe_labelled(suffix, single_label);
            if let Some(slot) = self.inline.get_mut(self.len) {
                *slot = probe;
            } else {
                if self.spilled.is_empty() {
                    self.spilled.extend_from_slice(&self.inline);
                }
                self.spilled.push(probe);
            }
            self.len += 1;
        }
    }

    /// Every probe, in host-suffix order.
    #[inline]
    fn all(&self) -> &[DomainProbe<'a>] {
        self.inline.get(..self.len).unwrap_or(&self.spilled)
    }

    /// The probes of the host suffixes lookup expressions are made of, in their order: the
    /// exact host, then the parents [`expressions::is_lookup_parent`] names.
    fn lookup_probes(&self) -> impl Iterator<Item = &DomainProbe<'a>> {
        let labels = self.len;
        self.all()
            .iter()
            .enumerate()
            .filter_map(move |(index, probe)| {
                (index == 0 || expressions::is_lookup_parent(labels - index)).then_some(probe)
            })
    }
}

/// What a URL's scheme says before it is canonicalized.
enum Wrapping<'a> {
    /// `blob:` and `view-source:` carry another URL, which is what would load.
    Carries {
        /// The bytes after the wrapper's scheme and colon, as the browser reads them.
        inner: Cow<'a, [u8]>,
        /// Whether the browser fetches the inner URL (`view-source:` does; a `blob:` URL names
        /// an object in memory, made by a page of the inner URL's origin).
        fetches: bool,
    },
    /// `about:blank` / `about:srcdoc`.
    LocalPage,
    /// Anything else: canonicalize it as it is.
    None,
}

/// Looks at the scheme of `raw` as a browser reads it (controls and spaces at the ends stripped,
/// tabs and line breaks removed: `"\x01bl\tob:..."` is a `blob:` URL).
fn wrapped_url(raw: &[u8]) -> Wrapping<'_> {
    let input = as_browser_reads(raw);
    let Some(colon) = input.iter().position(|&byte| byte == b':') else {
        return Wrapping::None;
    };
    let (scheme, rest) = (&input[..colon], &input[colon + 1..]);
    let fetches = scheme.eq_ignore_ascii_case(b"view-source");
    if fetches || scheme.eq_ignore_ascii_case(b"blob") {
        let inner = match input {
            Cow::Borrowed(input) => Cow::Borrowed(&input[colon + 1..]),
            Cow::Owned(_) => Cow::Owned(rest.to_vec()),
        };
        return Wrapping::Carries { inner, fetches };
    }
    if scheme.eq_ignore_ascii_case(b"about") {
        let page = rest
            .split(|&byte| matches!(byte, b'?' | b'#'))
            .next()
            .unwrap_or_default();
        if page.eq_ignore_ascii_case(b"blank") || page.eq_ignore_ascii_case(b"srcdoc") {
            return Wrapping::LocalPage;
        }
    }
    Wrapping::None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::Strategy;

    fn suffixes(raw: &str) -> Vec<String> {
        let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
        HostSuffixes::of(url.borrowed())
            .map(|(suffix, single_label)| {
                assert_eq!(single_label, !suffix.contains('.'), "{suffix}");
                suffix.to_owned()
            })
            .collect()
    }

    #[test]
    fn host_suffixes_cover_every_parent_domain() {
        assert_eq!(
            suffixes("http://a.b.example.com/"),
            ["a.b.example.com", "b.example.com", "example.com", "com"]
        );
        assert_eq!(suffixes("http://10.0.0.1/"), ["10.0.0.1"]);
        assert_eq!(suffixes("http://localhost/"), ["localhost"]);
    }

    #[test]
    fn lookup_probes_are_the_lookup_host_suffixes() {
        let (key, _) = crate::crypto::SigningKey::generate().unwrap();
        let bundle = crate::filter::bundle::BundleBuilder::new(1, u64::MAX)
            .sign(&key)
            .unwrap();
        let bundle = ListBundle::open(bundle, &[key.public_key()], 0).unwrap();
        for raw in [
            "http://localhost/",
            "http://example.com/",
            "http://www.example.com/",
            "http://a.b.c.d.example.com/",
            "http://1.2.3.4.5.6.7.8.9.10.example.com/",
            "http://10.0.0.1/",
            "http://[2001:db8::1]/",
        ] {
            let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
            let mut probes = HostProbes::EMPTY;
            probes.fill(url.borrowed(), &bundle);
            let from_probes: Vec<&str> = probes
                .lookup_probes()
                .map(|probe| probe.host_suffix())
                .collect();
            let expected = url.lookup_expressions();
            assert_eq!(from_probes, expected.host_suffixes(), "{raw}");
        }
    }

    #[test]
    fn every_ip_host_spelling_gives_its_address() {
        for (raw, expected) in [
            ("http://203.0.113.7/", "203.0.113.7"),
            ("http://3405803783/", "203.0.113.7"),
            ("http://0xcb.0.0x71.7/", "203.0.113.7"),
            ("http://0313.0.0161.07/", "203.0.113.7"),
            ("http://203.0.28935/", "203.0.113.7"),
            ("http://203.0.29447/", "203.0.115.7"),
            ("http://[::ffff:203.0.113.7]/", "203.0.113.7"),
            ("http://[::ffff:cb00:7107]/", "203.0.113.7"),
            ("http://[2001:DB8:0:0:0:0:0:1]/", "2001:db8::1"),
            ("http://[::1]/", "::1"),
            ("http://[::203.0.113.7]/", "::cb00:7107"),
        ] {
            let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
            assert_eq!(
                host_address(url.borrowed()),
                Some(expected.parse().unwrap()),
                "{raw}"
            );
        }
        let domain = CanonicalUrl::parse(b"http://example.com/").unwrap();
        assert_eq!(host_address(domain.borrowed()), None);
    }

    #[test]
    fn host_rules_match_at_label_boundaries_only() {
        assert!(host_matches(
            "www.example.com",
            HostKind::Domain,
            "example.com"
        ));
        assert!(host_matches("example.com", HostKind::Domain, "example.com"));
        assert!(!host_matches(
            "badexample.com",
            HostKind::Domain,
            "example.com"
        ));
        assert!(!host_matches("10.0.0.1", HostKind::Ipv4, "0.0.1"));
    }

    proptest::proptest! {
        /// Looking the host's suffixes up in the rules finds what comparing each rule finds.
        #[test]
        fn rule_lookup_agrees_with_matching_each_rule(
            host in "[a-c]{1,2}(\\.[a-c]{1,2}){0,3}|10\\.0\\.[0-2]\\.1|\\[::[1-3]\\]",
            rules in proptest::collection::btree_set(
                "[a-c]{1,2}(\\.[a-c]{1,2}){0,2}|10\\.0\\.[0-2]\\.1|0\\.[0-2]\\.1|\\[::[1-3]\\]",
                0..6,
            ),
        ) {
            let url = CanonicalUrl::parse(format!("http://{host}/").as_bytes()).unwrap();
            let by_rule = rules
                .iter()
                .any(|rule| host_matches(url.host(), url.host_kind(), rule));
            proptest::prop_assert_eq!(rules_cover(&rules, url.borrowed()), by_rule);
        }
    }

    /// One of `options`, or a string of `pattern`.
    fn one_of(
        options: &'static [&'static str],
        pattern: &'static str,
    ) -> impl Strategy<Value = String> {
        proptest::prop_oneof![
            3 => proptest::sample::select(options).prop_map(String::from),
            1 => pattern,
        ]
    }

    /// URLs of every kind the special rules react to, and of the kinds they do not.
    fn special_or_not() -> impl Strategy<Value = String> {
        let scheme = proptest::sample::select(&["https://", "http://"][..]);
        let host = one_of(
            &[
                "www.google.com",
                "translate.google.co.uk",
                "www.google.com.au",
                "google.de",
                "www.bing.com",
                "duckduckgo.com",
                "search.yahoo.com",
                "yandex.ru",
                "www.baidu.com",
                "m.youtube.com",
                "youtubei.googleapis.com",
                "www-example-com.translate.goog",
                "webcache.googleusercontent.com",
                "web.archive.org",
                "archive.ph",
                "www.microsofttranslator.com",
                "cdn.ampproject.org",
                "www-example-com.cdn.ampproject.org",
                "www-example-com.bing-amp.com",
                "i0.wp.com",
                "images.weserv.nl",
                "wsrv.nl",
                "translated.turbopages.org",
                "r.jina.ai",
                "proxy.example",
                "www.example.com",
                "10.0.0.1",
                "[2001:db8::1]",
            ],
            "[a-z]{1,8}\\.(com|org|co\\.uk)",
        );
        let path = one_of(
            &[
                "/",
                "/search",
                "/images",
                "/results",
                "/browse.php",
                "/translate",
                "/translator",
                "/web/2020/https://blocked.example/",
                "/newest/https://blocked.example/",
                "/c/s/blocked.example/",
                "/amp/s/blocked.example/",
                "/proxy_u/en-ru.ru.1/https/blocked.example/",
                "/blocked.example/a.jpg",
                "/https://blocked.example/",
            ],
            "/[a-z]{0,6}",
        );
        let query = one_of(
            &[
                "",
                "?q=cats",
                "?q=cache:blocked.example/page",
                "?u=https://blocked.example/",
                "?url=http://blocked.example/&x=1",
                "?a=https://blocked.example/",
                "?search_query=cats",
                "?_x_tr_sch=http",
                "?url=blocked.example/a.jpg",
                "?url=ssl:blocked.example/a.jpg",
            ],
            "\\?[a-z]{1,3}=[a-z:/.]{0,12}",
        );
        (scheme, host, path, query)
            .prop_map(|(scheme, host, path, query)| format!("{scheme}{host}{path}{query}"))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]

        /// A URL the quick look turns away gets nothing from SafeSearch, restricted mode or the
        /// proxy rules, so skipping them changes no decision.
        #[test]
        fn the_quick_look_never_turns_away_a_url_the_special_rules_act_on(
            raw in special_or_not()
        ) {
            let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
            if !special_rules_may_apply(url.borrowed()) {
                proptest::prop_assert_eq!(
                    safesearch::enforce(&url),
                    SafeSearchOutcome::NotASearchEngine
                );
                proptest::prop_assert!(safesearch::restricted_mode_headers(&url).is_empty());
                proptest::prop_assert!(proxies::carried_urls(&url, Some(raw.as_bytes())).is_empty());
            }
        }
    }

    #[test]
    fn the_quick_look_spots_searches_youtube_and_proxies() {
        for raw in [
            "https://www.google.co.uk/search?q=x",
            "https://m.youtube.com/watch?v=1",
            "https://www-example-com.translate.goog/",
            "https://web.archive.org/web/2020/https://example.com/",
            "https://proxy.example/browse.php?u=x",
            "https://any.example/?url=https://example.com/",
        ] {
            let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
            assert!(special_rules_may_apply(url.borrowed()), "{raw}");
        }
        for raw in [
            "https://www.example.com/watch?v=1",
            "https://cdn.example.net/app.js?v=3",
            "http://10.0.0.1/",
        ] {
            let url = CanonicalUrl::parse(raw.as_bytes()).unwrap();
            assert!(!special_rules_may_apply(url.borrowed()), "{raw}");
        }
    }

    #[test]
    fn wrappers_are_recognised_case_insensitively() {
        let raw = b" BLOB:https://x.example/uuid\n";
        let Wrapping::Carries { inner, fetches } = wrapped_url(raw) else {
            panic!("blob: carries a URL");
        };
        assert_eq!(&*inner, b"https://x.example/uuid");
        assert!(!fetches);
        let raw = b"\x01bl\tob:https://x.exa\nmple/uuid\x1f";
        let Wrapping::Carries { inner, .. } = wrapped_url(raw) else {
            panic!("blob: carries a URL, whatever controls surround it");
        };
        assert_eq!(&*inner, b"https://x.example/uuid");
        assert!(matches!(
            wrapped_url(b"view-source:http://x/"),
            Wrapping::Carries { fetches: true, .. }
        ));
        assert!(matches!(wrapped_url(b"about:blank"), Wrapping::LocalPage));
        assert!(matches!(wrapped_url(b"about:config"), Wrapping::None));
        assert!(matches!(wrapped_url(b"http://x/"), Wrapping::None));
    }
}
