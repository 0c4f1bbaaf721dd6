//! The on-device DNS filter: the same policy as the browser's, for every app on the phone.
//!
//! A handset maker routes the child's DNS through it (an Android `VpnService` that routes only
//! DNS, an iOS `NEDNSProxyProvider`, a local resolver): [`dns_query`] looks at one query message
//! and either answers it or hands back the message to send to the upstream resolver, and
//! [`dns_reply`] turns the upstream's answer into the answer for the asker. [`packet`] does the
//! same for whole IPv4/IPv6 UDP packets, as a `VpnService` reads them from its TUN device. The
//! messages are read and written by `hickory-proto`; nothing here parses DNS by hand.
//!
//! A query is handled by the first of these rules that applies:
//!
//! 1. **No header** (under 12 bytes), or **an answer** rather than a query (the QR bit):
//!    nothing is sent back ([`DnsStep::Ignore`]): there is no id to answer to, and answering an
//!    answer invites loops between resolvers.
//! 2. **Unreadable** past its header: FORMERR, with the query's id.
//! 3. **Not a standard query** (NOTIFY, UPDATE, ...): NOTIMP.
//! 4. **Not exactly one question**: FORMERR, as RFC 9619 has it. Each name is judged alone, so
//!    a second question could never ride along unjudged.
//! 5. **Not class IN** (CHAOS `version.bind`, ...) or **a zone transfer** (AXFR, IXFR): REFUSED.
//!    Nothing there names a web host, so nothing is forwarded. Every record type of class IN is
//!    judged by its name, `ANY` included.
//! 6. **A signal name** that switches off a way around the filter: NXDOMAIN, whatever the
//!    policy and the configured block answer (see [`SIGNAL_DOMAINS`]).
//! 7. **The name** is judged by [`crate::ChildSafe::check_host`]: blocked names are answered
//!    with the block answer ([`BlockAnswer`]); allowed names are forwarded as they came; a
//!    search engine under SafeSearch is forwarded as a query for the engine's safe host, and
//!    the answer comes back under the name asked, by CNAME. A name that is not a host name (a
//!    label with bytes other than letters, digits, `-` and `_`, or the root) is blocked as not
//!    a web address. When no decision can be made (the store fails), SERVFAIL: never an
//!    unjudged answer.
//!
//! The upstream's answer is checked before it reaches the asker ([`dns_reply`]): it must be an
//! answer to the very question forwarded, with the query's id, or the asker gets SERVFAIL; no
//! answer at all is SERVFAIL too. A CNAME in it to a blocked name turns it into the block
//! answer, unless the name asked was explicitly allowed (a parent's rule, an approval, an
//! allowlist), as the browser would load it.
//!
//! What DNS cannot judge: a page's path (one page of a site on a list), and what a host's
//! address alone says; see [`crate::filter::host_decision`]. Traffic that does not use the
//! phone's resolver (an app's own DNS-over-HTTPS to a resolver not on the built-in list, hard-
//! coded addresses) is not seen here; the known public DoH/DoT resolvers are blocked by name,
//! and their addresses are in the `doh` category for a VPN that also judges destinations.

mod answer;
pub mod packet;

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{DNSClass, Name, RData, RecordType};

use crate::filter::decision::DecisionReason;
use crate::filter::{HostDecision, HostVerdict};

pub use answer::{BlockAnswer, FILTER_TTL_SECS};
pub use packet::{PacketStep, dns_packet, dns_packet_reply};

/// What to do with one DNS query message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DnsStep {
    /// Send this message back to the asker: the filter answered it (a blocked name, a malformed
    /// query answered FORMERR, ...).
    Answer(Vec<u8>),
    /// Send this message to the upstream resolver, then hand its answer to [`dns_reply`]
    /// together with the original query.
    Forward(Vec<u8>),
    /// Send nothing: the bytes hold no DNS header to answer, or are an answer themselves.
    Ignore,
}

/// Names that tell software on the phone to stop going around the phone's resolver, answered
/// NXDOMAIN whatever the policy, with every name under them:
///
/// - `use-application-dns.net`: Firefox's canary. Mozilla's "Canary domain -
///   use-application-dns.net" (support.mozilla.org) says a negative answer (NXDOMAIN,
///   SERVFAIL, or no A/AAAA records) makes Firefox keep its default DNS-over-HTTPS off.
/// - `mask.icloud.com`, `mask-h2.icloud.com`: Apple's "Prepare your network or web server for
///   iCloud Private Relay" (developer.apple.com) says a network that must see DNS answers these
///   with NXDOMAIN or an empty answer, and the device then tells the user Private Relay is off
///   on this network.
/// - `resolver.arpa`: RFC 9462's discovery of designated resolvers (`_dns.resolver.arpa`),
///   through which Android and iOS would move to the upstream's own encrypted DNS and leave
///   the filter behind.
pub const SIGNAL_DOMAINS: &[&str] = &[
    "use-application-dns.net",
    "mask.icloud.com",
    "mask-h2.icloud.com",
    "resolver.arpa",
];

/// What [`dns_query`] decided for a query, kept whole so that [`dns_reply`] can check the
/// upstream's answer against it.
enum Plan {
    Ignore,
    Answer(Vec<u8>),
    /// Boxed: a parsed query is large, and the other plans are small.
    Forward(Box<Forwarded>),
}

/// A query sent upstream.
struct Forwarded {
    /// The query as the asker sent it.
    query: Message,
    /// The one question the upstream is asked.
    question: Query,
    /// The safe host asked instead of the name, for SafeSearch.
    safe_host: Option<Name>,
    /// Whether the name was allowed explicitly (a parent's rule or approval, an allowlist):
    /// CNAMEs in its answer are then not judged.
    explicitly_allowed: bool,
    /// The message to send upstream.
    message: Vec<u8>,
}

/// Decides what to do with one query message. `judge` is the decision for a host
/// ([`crate::ChildSafe::check_host`]); `None` when it could not be made.
pub fn dns_query(
    query: &[u8],
    block: &BlockAnswer,
    judge: impl Fn(&str) -> Option<HostDecision>,
) -> DnsStep {
    match plan(query, block, &judge) {
        Plan::Ignore => DnsStep::Ignore,
        Plan::Answer(answer) => DnsStep::Answer(answer),
        Plan::Forward(forwarded) => DnsStep::Forward(forwarded.message),
    }
}

/// The answer for the asker of `query`, given what the upstream answered to the message
/// [`dns_query`] forwarded (`None` when it did not answer: SERVFAIL). For a query that
/// [`dns_query`] answers itself, that same answer (empty when it sends nothing).
pub fn dns_reply(
    query: &[u8],
    upstream_answer: Option<&[u8]>,
    block: &BlockAnswer,
    judge: impl Fn(&str) -> Option<HostDecision>,
) -> Vec<u8> {
    match plan(query, block, &judge) {
        Plan::Ignore => Vec::new(),
        Plan::Answer(answer) => answer,
        Plan::Forward(forwarded) => {
            let Some(upstream) = upstream_answer else {
                return answer::error(&forwarded.query, ResponseCode::ServFail);
            };
            checked_reply(&forwarded, upstream, block, &judge)
        }
    }
}

fn plan(bytes: &[u8], block: &BlockAnswer, judge: &impl Fn(&str) -> Option<HostDecision>) -> Plan {
    let Some(header) = answer::read_header(bytes) else {
        return Plan::Ignore;
    };
    if header.metadata.message_type != MessageType::Query {
        return Plan::Ignore;
    }
    let Ok(query) = Message::from_vec(bytes) else {
        return Plan::Answer(answer::header_error(&header, ResponseCode::FormErr));
    };
    if query.metadata.op_code != OpCode::Query {
        return Plan::Answer(answer::error(&query, ResponseCode::NotImp));
    }
    let [question] = query.queries.as_slice() else {
        return Plan::Answer(answer::error(&query, ResponseCode::FormErr));
    };
    if question.query_class != DNSClass::IN
        || matches!(question.query_type, RecordType::AXFR | RecordType::IXFR)
    {
        return Plan::Answer(answer::error(&query, ResponseCode::Refused));
    }
    let Some(host) = host_name(&question.name) else {
        return Plan::Answer(answer::blocked(&query, block));
    };
    if is_signal(&host) {
        return Plan::Answer(answer::error(&query, ResponseCode::NXDomain));
    }
    let Some(decision) = judge(&host) else {
        return Plan::Answer(answer::error(&query, ResponseCode::ServFail));
    };
    let explicitly_allowed = matches!(
        decision.reason,
        DecisionReason::ParentAllowed
            | DecisionReason::ApprovedRequest
            | DecisionReason::Allowlisted
    );
    match decision.verdict {
        HostVerdict::Block => Plan::Answer(answer::blocked(&query, block)),
        HostVerdict::Allow => Plan::Forward(Box::new(Forwarded {
            question: question.clone(),
            safe_host: None,
            explicitly_allowed,
            message: bytes.to_vec(),
            query,
        })),
        HostVerdict::UseSafeHost { host } => {
            let Ok(safe_host) = Name::from_ascii(format!("{host}.")) else {
                return Plan::Answer(answer::error(&query, ResponseCode::ServFail));
            };
            let mut sent = query.clone();
            let mut safe_question = question.clone();
            safe_question.name = safe_host.clone();
            sent.queries = vec![safe_question.clone()];
            match sent.to_vec() {
                Ok(message) => Plan::Forward(Box::new(Forwarded {
                    query,
                    question: safe_question,
                    safe_host: Some(safe_host),
                    explicitly_allowed,
                    message,
                })),
                Err(_) => Plan::Answer(answer::error(&query, ResponseCode::ServFail)),
            }
        }
    }
}

/// The asker's answer from the upstream's `bytes`, once they are known to answer the question
/// forwarded.
fn checked_reply(
    forwarded: &Forwarded,
    bytes: &[u8],
    block: &BlockAnswer,
    judge: &impl Fn(&str) -> Option<HostDecision>,
) -> Vec<u8> {
    let servfail = || answer::error(&forwarded.query, ResponseCode::ServFail);
    let Ok(upstream) = Message::from_vec(bytes) else {
        return servfail();
    };
    let answers_question = upstream.metadata.message_type == MessageType::Response
        && upstream.metadata.id == forwarded.query.metadata.id
        && upstream.metadata.op_code == OpCode::Query
        && upstream.queries.as_slice() == std::slice::from_ref(&forwarded.question);
    if !answers_question {
        return servfail();
    }
    if !forwarded.explicitly_allowed {
        for record in &upstream.answers {
            let RData::CNAME(target) = &record.data else {
                continue;
            };
            let decision = host_name(&target.0).and_then(|host| judge(&host));
            match decision {
                Some(decision) if !decision.blocks() => {}
                Some(_) => return answer::blocked(&forwarded.query, block),
                None => return servfail(),
            }
        }
    }
    match &forwarded.safe_host {
        None => bytes.to_vec(),
        Some(safe_host) => answer::under_safe_host(&forwarded.query, upstream, safe_host),
    }
}

/// The host a query name stands for (lowercase is left to the judge), or `None` for a name
/// that is no host name: the root, or a label with a byte other than an ASCII letter, digit,
/// `-` or `_`.
fn host_name(name: &Name) -> Option<String> {
    if name.is_root() {
        return None;
    }
    let mut host = String::with_capacity(name.len());
    for label in name.iter() {
        let is_host_label = !label.is_empty()
            && label
                .iter()
                .all(|&byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_'));
        if !is_host_label {
            return None;
        }
        if !host.is_empty() {
            host.push('.');
        }
        // Every byte is ASCII, so each is one char.
        host.extend(label.iter().map(|&byte| char::from(byte)));
    }
    Some(host)
}

/// Whether `host` is one of the [`SIGNAL_DOMAINS`] or under one.
fn is_signal(host: &str) -> bool {
    SIGNAL_DOMAINS.iter().any(|signal| {
        host.len() >= signal.len()
            && host[host.len() - signal.len()..].eq_ignore_ascii_case(signal)
            && (host.len() == signal.len()
                || host.as_bytes()[host.len() - signal.len() - 1] == b'.')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_domains_cover_their_subdomains_only() {
        assert!(is_signal("use-application-dns.net"));
        assert!(is_signal("USE-APPLICATION-DNS.NET"));
        assert!(is_signal("_dns.resolver.arpa"));
        assert!(!is_signal("notuse-application-dns.net"));
        assert!(!is_signal("icloud.com"));
    }

    #[test]
    fn only_host_names_are_judged() {
        let name = |text: &str| Name::from_ascii(text).unwrap();
        assert_eq!(
            host_name(&name("WWW.Example.com.")).as_deref(),
            Some("WWW.Example.com")
        );
        assert_eq!(
            host_name(&name("_dns.resolver.arpa.")).as_deref(),
            Some("_dns.resolver.arpa")
        );
        assert_eq!(host_name(&Name::root()), None);
        let odd = Name::from_labels([&b"a/b"[..], b"example", b"com"]).unwrap();
        assert_eq!(host_name(&odd), None);
        let spaced = Name::from_labels([&b"a b"[..], b"com"]).unwrap();
        assert_eq!(host_name(&spaced), None);
    }
}
