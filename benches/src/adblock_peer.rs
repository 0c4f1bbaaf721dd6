//! The peer engine, Brave's adblock-rust, given the same lists in its own rule syntax.
//!
//! A category domain `d` becomes `||d^` (the domain and its subdomains, every request type,
//! documents included). A hashed-URL entry becomes the closest URL rule: the exact lookup
//! expression `host/path` anchored at a host boundary, ending at a separator (`^`) for a page,
//! exactly (`|`) when it has a query, and open for a directory (`host/dir/` covers what is under
//! it). `$all` makes URL rules apply to documents too. adblock has no hashed lists, so it is given
//! the plaintext; that is the comparison the issue asks for, not a design childsafe could use.

use adblock::lists::{ParseOptions, RuleTypes};
use adblock::url_parser::ResolvesDomain;
use adblock::{Engine, FilterSet};
use childsafe_core::filter::CanonicalUrl;

use crate::workload::Workload;

/// Two-label public suffixes the generated domains use; the resolver treats every other host's
/// last label as its public suffix.
const TWO_LABEL_SUFFIXES: &[&str] = &["co.uk", "com.br", "co.jp", "com.au"];

/// The adblock rule text of the workload's lists, one rule per line. Hashed entries whose URL
/// cannot be canonicalized are left out (the generator makes none).
pub fn rule_text(workload: &Workload) -> String {
    let mut text = String::with_capacity(workload.category_domains.len() * 24);
    for domain in &workload.category_domains {
        text.push_str("||");
        text.push_str(domain);
        text.push_str("^\n");
    }
    for entry in &workload.hashed_urls {
        if let Some(rule) = hashed_url_rule(&entry.url) {
            text.push_str(&rule);
            text.push('\n');
        }
    }
    text
}

/// The adblock rule closest to a hashed-URL entry for `url`: its exact lookup expression.
pub fn hashed_url_rule(url: &str) -> Option<String> {
    let canonical = CanonicalUrl::parse(url.as_bytes()).ok()?;
    let expression = canonical.lookup_expressions().next()?;
    let (host, path) = (expression.host_suffix(), expression.path_prefix());
    let end = if path.ends_with('/') {
        ""
    } else if path.contains('?') {
        "|"
    } else {
        "^"
    };
    Some(format!("||{host}{path}{end}$all"))
}

/// Parses `rules` and builds an optimised engine from them, network rules only (nothing
/// cosmetic is being compared).
pub fn build_engine(rules: String) -> Engine {
    let mut filter_set = FilterSet::new(false);
    let options = ParseOptions {
        rule_types: RuleTypes::NetworkOnly,
        ..ParseOptions::default()
    };
    filter_set.add_filter_list(rules, options);
    Engine::new_with_filter_set(filter_set)
}

/// Installs [`SuffixResolver`] as adblock's domain resolver. adblock is built without its
/// embedded public suffix list (a large dependency), and then must be given one before the first
/// request. Calling this again is harmless.
pub fn install_domain_resolver() {
    // An earlier call already installed the same resolver; nothing to do.
    let _ = adblock::url_parser::set_domain_resolver(Box::new(SuffixResolver));
}

/// Finds a host's registrable domain (eTLD+1) with a short suffix table instead of the full
/// public suffix list. adblock uses it only to tell first from third party, which none of the
/// rules here depends on; a table lookup is also no slower than the real list, so it does not
/// handicap the peer.
#[derive(Clone, Copy, Debug, Default)]
pub struct SuffixResolver;

impl ResolvesDomain for SuffixResolver {
    fn get_host_domain(&self, host: &str) -> (usize, usize) {
        let whole = (0, host.len());
        if host.is_empty()
            || host.starts_with('[')
            || host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            return whole;
        }
        let suffix_labels = if TWO_LABEL_SUFFIXES.iter().any(|suffix| {
            host.strip_suffix(suffix)
                .is_some_and(|rest| rest.ends_with('.'))
        }) {
            2
        } else {
            1
        };
        // The registrable domain starts after the dot before the suffix's labels and one more.
        match host.rmatch_indices('.').nth(suffix_labels) {
            Some((dot, _)) => (dot + 1, host.len()),
            None => whole,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolver_finds_the_registrable_domain() {
        let domain = |host: &'static str| {
            let (start, end) = SuffixResolver.get_host_domain(host);
            &host[start..end]
        };
        assert_eq!(domain("api.m.example.com"), "example.com");
        assert_eq!(domain("a.b.co.uk"), "b.co.uk");
        assert_eq!(domain("example.com"), "example.com");
        assert_eq!(domain("192.168.0.1"), "192.168.0.1");
        assert_eq!(domain("localhost"), "localhost");
    }

    #[test]
    fn hashed_entries_become_url_rules() {
        assert_eq!(
            hashed_url_rule("http://Host.example/a/b.html").as_deref(),
            Some("||host.example/a/b.html^$all")
        );
        assert_eq!(
            hashed_url_rule("http://host.example/dir/").as_deref(),
            Some("||host.example/dir/$all")
        );
        assert_eq!(
            hashed_url_rule("http://host.example/g.php?id=7").as_deref(),
            Some("||host.example/g.php?id=7|$all")
        );
    }

    #[test]
    fn the_engine_blocks_what_the_rules_name() {
        install_domain_resolver();
        let engine = build_engine("||bad.example^\n||host.example/dir/$all\n".to_owned());
        let blocks = |url: &str| {
            adblock::request::Request::new(url, url, "document", "GET")
                .is_ok_and(|request| engine.check_network_request(&request).should_block())
        };
        assert!(blocks("https://www.bad.example/page"));
        assert!(blocks("http://host.example/dir/x.jpg"));
        assert!(!blocks("https://good.example/"));
    }
}
