//! The filter policy: what a parent (or the age-band defaults) decided for this child's browser.
//!
//! The policy says which categories are blocked, whether only allowlisted sites may load, whether
//! SafeSearch is forced, the parent's own allow and deny rules, and approvals of access requests
//! that expire at a given time. It holds no lists itself: lists come in signed bundles.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::CanonicalUrl;

/// The names of the categories the engine recognises without any list: they follow from the URL
/// itself. Each is a [`Category`](crate::vocabulary::Category), described there; these are its
/// names, as the policy holds them.
pub mod builtin_category {
    use crate::vocabulary::Category;

    /// [`Category::IpLiteral`]: hosts written as an IPv4 or IPv6 address.
    pub const IP_LITERAL: &str = Category::IpLiteral.name();
    /// [`Category::Doh`]: DNS-over-HTTPS endpoints.
    pub const DOH: &str = Category::Doh.name();
    /// [`Category::UnsafeSearch`]: search engines that cannot be forced safe (see `safesearch`).
    pub const UNSAFE_SEARCH: &str = Category::UnsafeSearch.name();
}

/// What a parent allowed or denied for one child's browser.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterPolicy {
    /// Names of blocked categories: bundle list names (`adult`, `gambling`, ...) and the
    /// [`builtin_category`] names.
    pub blocked_categories: BTreeSet<String>,
    /// When set, only hosts on an allowlist of the bundle, the parent's allowed hosts or an
    /// approval may load (the youngest age band).
    pub allowlist_only: bool,
    /// Force SafeSearch and restricted modes on the engines that support them.
    pub safe_search: bool,
    /// The parent's own allow rules: hosts (and everything below them) that load whatever their
    /// category. Never overrides the illegal-material lists.
    pub allowed_hosts: BTreeSet<String>,
    /// The parent's own deny rules: hosts (and everything below them) that never load.
    pub denied_hosts: BTreeSet<String>,
    /// Approved access requests, each allowing a host until a time.
    pub approvals: Vec<Approval>,
    /// Categories the carrier's floor holds blocked: the parent's allowed hosts and approvals do
    /// not open a host in one of them (a parent may allow single hosts, but not around what the
    /// carrier requires for this line). Only names that are also in `blocked_categories` count.
    pub locked_categories: BTreeSet<String>,
}

/// A parent's approval of an access request: the host may load until `expires_at_unix`. The
/// same record is stored in the safe-mode profile and handed to the filter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The approved host, canonical (lowercase, punycode); its subdomains are included.
    pub host: String,
    /// The trusted time, in seconds since the Unix epoch, from which the approval no longer
    /// counts.
    pub expires_at_unix: u64,
}

/// Why a host given as a rule could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a host rule must be a host name or address, such as example.com")]
pub struct InvalidHostRule;

impl FilterPolicy {
    /// Adds a parent allow rule for `host`, written as a person would (`Example.COM`,
    /// `www.example.com.`, `bücher.de`, even `https://example.com/page`); stored canonical.
    pub fn allow_host(&mut self, host: &str) -> Result<(), InvalidHostRule> {
        self.allowed_hosts.insert(canonical_host(host)?);
        Ok(())
    }

    /// Adds a parent deny rule for `host`; see [`FilterPolicy::allow_host`].
    pub fn deny_host(&mut self, host: &str) -> Result<(), InvalidHostRule> {
        self.denied_hosts.insert(canonical_host(host)?);
        Ok(())
    }

    /// Adds an approval of `host` until `expires_at_unix`.
    pub fn approve(&mut self, host: &str, expires_at_unix: u64) -> Result<(), InvalidHostRule> {
        self.approvals.push(Approval {
            host: canonical_host(host)?,
            expires_at_unix,
        });
        Ok(())
    }

    /// Marks `category` as blocked.
    pub fn block_category(&mut self, category: &str) {
        self.blocked_categories.insert(category.to_owned());
    }

    /// Whether `category` is blocked.
    pub fn blocks(&self, category: &str) -> bool {
        self.blocked_categories.contains(category)
    }

    /// Whether `category` is blocked and locked by the carrier's floor, so that no allow rule
    /// or approval opens it.
    pub fn locks(&self, category: &str) -> bool {
        self.locked_categories.contains(category) && self.blocks(category)
    }
}

/// The canonical form of a host typed by a person, through the same canonicalizer as URLs so
/// that rules and URLs meet.
pub fn canonical_host(text: &str) -> Result<String, InvalidHostRule> {
    let url = CanonicalUrl::parse(text.as_bytes()).map_err(|_| InvalidHostRule)?;
    Ok(url.host().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_rules_are_stored_canonical() {
        let mut policy = FilterPolicy::default();
        policy.allow_host("WWW.Example.COM.").unwrap();
        policy.deny_host("https://bücher.de/page").unwrap();
        policy.approve("0x7f.1", 10).unwrap();
        assert!(policy.allowed_hosts.contains("www.example.com"));
        assert!(policy.denied_hosts.contains("xn--bcher-kva.de"));
        assert_eq!(policy.approvals[0].host, "127.0.0.1");
        assert_eq!(
            policy.deny_host("javascript:alert(1)"),
            Err(InvalidHostRule)
        );
        assert_eq!(policy.allow_host(""), Err(InvalidHostRule));
    }
}
