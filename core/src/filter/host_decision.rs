//! The decision for a host alone: what an on-device DNS filter needs to answer a name, judged by
//! the same bundle, policy and parent rules as the browser's URLs.
//!
//! A host is judged as the browser judges `https://<host>/`: the same canonical form (IPv4 in
//! every spelling, trailing dots, case, IDN to punycode), the same rules in the same order (see
//! [`super::decision`]), the same fail-closed states. What differs is what a name alone cannot
//! say:
//!
//! - **Paths cannot apply.** A hashed entry of an illegal-material list blocks the host only
//!   when it covers the whole host (the entry `host/`); an entry for one page does not block the
//!   host's other pages in the browser, so it does not block the name either. The browser still
//!   blocks that page. Likewise the DoH path `/dns-query` on an unlisted host, SafeSearch
//!   parameters and restricted-mode headers are the browser's to apply.
//! - **SafeSearch is a name.** With SafeSearch on, the engines that document a forced-safe
//!   service at DNS level are answered with that service's name ([`HostVerdict::UseSafeHost`]),
//!   which the DNS filter gives back as a CNAME.

use super::CanonicalUrl;
use super::blockpage::BlockReason;
use super::decision::{DecisionReason, UrlDecision, UrlFilter, Verdict};
use super::policy::FilterPolicy;
use super::safesearch;

impl UrlFilter {
    /// Decides for a host alone (a DNS name, an IP address in any spelling), as [`Self::check`]
    /// decides for `https://<host>/`: see [this module](self) for what a host alone can and
    /// cannot be judged by.
    pub fn check_host(&self, host: &str, policy: &FilterPolicy, now_unix: u64) -> HostDecision {
        let Some(url) = host_url(host) else {
            return HostDecision::not_a_host(self.bundle_version());
        };
        let decision = self.check_str(&url, policy, now_unix);
        // Only an allowed host needs its canonical form, to look up the engines' safe hosts.
        let canonical = (policy.safe_search && decision.verdict != Verdict::Block)
            .then(|| CanonicalUrl::parse(url.as_bytes()).ok())
            .flatten();
        HostDecision::of_url(
            decision,
            canonical.as_ref().map(|url| url.host()),
            policy.safe_search,
        )
    }
}

/// What to do with a host.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum HostVerdict {
    /// Resolve it.
    Allow,
    /// Do not resolve it: answer with the block answer.
    Block,
    /// Resolve `host` instead, the engine's forced-safe service, and answer the name asked for
    /// with a CNAME to it.
    UseSafeHost {
        /// The engine's documented safe host, such as `forcesafesearch.google.com`.
        host: String,
    },
}

/// The answer for one host.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HostDecision {
    /// Allow, block, or resolve the engine's safe host instead.
    pub verdict: HostVerdict,
    /// The rule that decided, in the vocabulary of [`UrlDecision`].
    pub reason: DecisionReason,
    /// The list or built-in category that decided, when one did.
    pub category: Option<String>,
    /// The version of the list bundle in force, if any.
    pub bundle_version: Option<u64>,
}

impl HostDecision {
    /// Whether the host is blocked.
    pub fn blocks(&self) -> bool {
        self.verdict == HostVerdict::Block
    }

    /// What a block page would say, for a blocked host.
    pub fn block_reason(&self) -> Option<BlockReason> {
        self.as_url_decision().block_reason()
    }

    /// A blocked host that cannot be a web host at all (see [`host_url`]).
    pub(crate) fn not_a_host(bundle_version: Option<u64>) -> Self {
        Self {
            verdict: HostVerdict::Block,
            reason: DecisionReason::NotAWebAddress,
            category: None,
            bundle_version,
        }
    }

    /// The host's decision from the decision for `https://<host>/`, whose canonical host is
    /// `host`; `safe_search` says whether the policy forces SafeSearch.
    pub(crate) fn of_url(decision: UrlDecision, host: Option<&str>, safe_search: bool) -> Self {
        let UrlDecision {
            verdict,
            reason,
            category,
            bundle_version,
            ..
        } = decision;
        if verdict == Verdict::Block {
            return Self {
                verdict: HostVerdict::Block,
                reason,
                category,
                bundle_version,
            };
        }
        let safe_host = host
            .filter(|_| safe_search)
            .and_then(safesearch::dns_safe_host);
        match safe_host {
            Some(safe) => Self {
                verdict: HostVerdict::UseSafeHost {
                    host: safe.to_owned(),
                },
                reason: DecisionReason::SafeSearchEnforced,
                category: None,
                bundle_version,
            },
            None => Self {
                verdict: HostVerdict::Allow,
                // A URL rewrite or header is the browser's to apply; at the DNS level nothing
                // was enforced.
                reason: match reason {
                    DecisionReason::SafeSearchEnforced => DecisionReason::NoRuleApplies,
                    other => other,
                },
                category,
                bundle_version,
            },
        }
    }

    fn as_url_decision(&self) -> UrlDecision {
        UrlDecision {
            verdict: match self.verdict {
                HostVerdict::Block => Verdict::Block,
                HostVerdict::Allow | HostVerdict::UseSafeHost { .. } => Verdict::Allow,
            },
            reason: self.reason,
            category: self.category.clone(),
            rewrite_url: None,
            request_headers: Vec::new(),
            via_carried_url: false,
            bundle_version: self.bundle_version,
        }
    }
}

/// The URL `https://<host>/` a host is judged as, or `None` when `host` holds a character that
/// would end the host in a URL (`/ ? # @ \`, a port's `:`) or that a browser drops (spaces,
/// controls): judged as a URL, such a "host" would be some other host, so it is blocked instead.
///
/// Letters, digits, `-`, `_`, `.`, `%` (percent-escapes the URL Standard decodes in hosts) and
/// any non-ASCII character (an IDN) may make up a name; an IPv6 address comes in brackets.
pub(crate) fn host_url(host: &str) -> Option<String> {
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '%');
    let is_name = !host.is_empty() && host.chars().all(|c| name_char(c) || !c.is_ascii());
    let is_ipv6 = host
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .is_some_and(|inner| {
            !inner.is_empty()
                && inner
                    .bytes()
                    .all(|byte| byte.is_ascii_hexdigit() || matches!(byte, b':' | b'.'))
        });
    (is_name || is_ipv6).then(|| format!("https://{host}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hosts_become_urls() {
        assert_eq!(
            host_url("Example.COM.").as_deref(),
            Some("https://Example.COM./")
        );
        assert_eq!(host_url("bücher.de").as_deref(), Some("https://bücher.de/"));
        assert_eq!(
            host_url("[2001:db8::1]").as_deref(),
            Some("https://[2001:db8::1]/")
        );
        assert_eq!(host_url("0x7f.1").as_deref(), Some("https://0x7f.1/"));
        for not_a_host in [
            "",
            "a/b.example",
            "allowed.example/x.blocked.example",
            "user@blocked.example",
            "blocked.example:443",
            "a b.example",
            "a\tb.example",
            "a?b",
            "a#b",
            "a\\b",
            "[]",
            "[::1",
            "[::g]",
        ] {
            assert_eq!(host_url(not_a_host), None, "{not_a_host:?}");
        }
    }
}
