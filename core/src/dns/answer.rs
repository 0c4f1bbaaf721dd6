//! The answers the filter writes itself: errors, the block answer, and an upstream answer put
//! back under the name asked, for SafeSearch.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hickory_proto::op::{Edns, Header, Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};

/// How blocked names are answered: NXDOMAIN, or the handset maker's block page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockAnswer {
    v4: Vec<Ipv4Addr>,
    v6: Vec<Ipv6Addr>,
}

impl BlockAnswer {
    /// NXDOMAIN for every blocked name.
    pub fn nxdomain() -> Self {
        Self::default()
    }

    /// The block page's addresses: A queries for a blocked name get the IPv4 ones, AAAA queries
    /// the IPv6 ones, and every other type (or a family with no address given) an empty
    /// answer. With no address at all, NXDOMAIN.
    pub fn addresses(addresses: &[IpAddr]) -> Self {
        let mut answer = Self::default();
        for address in addresses {
            match address {
                IpAddr::V4(v4) => answer.v4.push(*v4),
                IpAddr::V6(v6) => answer.v6.push(*v6),
            }
        }
        answer
    }

    /// [`BlockAnswer::addresses`] from their text (a configuration's); `None` when one of them is
    /// not an IPv4 or IPv6 address.
    pub fn parse(addresses: &[String]) -> Option<Self> {
        let parsed: Result<Vec<IpAddr>, _> = addresses.iter().map(|text| text.parse()).collect();
        parsed.ok().map(|addresses| Self::addresses(&addresses))
    }

    /// Whether blocked names get NXDOMAIN.
    pub fn is_nxdomain(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }
}

/// The time to live of the filter's own records (block-page addresses, SafeSearch CNAMEs):
/// short, so that a parent's new rule or approval reaches the apps within a minute. NXDOMAIN
/// answers carry no SOA record, so resolvers and apps do not cache them at all (RFC 2308).
pub const FILTER_TTL_SECS: u32 = 60;

/// The largest UDP answer an asker without EDNS accepts (RFC 1035).
const CLASSIC_UDP_PAYLOAD: u16 = 512;

/// The UDP payload the filter says it accepts in its own answers' EDNS record: the size DNS
/// Flag Day 2020 settled on, which fits any link's MTU.
const EDNS_UDP_PAYLOAD: u16 = 1232;

/// The header of `bytes`, when there are enough of them to hold one.
pub(super) fn read_header(bytes: &[u8]) -> Option<Header> {
    Header::read(&mut BinDecoder::new(bytes)).ok()
}

/// An error answer with nothing but the id, the opcode and the RD bit of a query whose body
/// cannot be read.
pub(super) fn header_error(header: &Header, code: ResponseCode) -> Vec<u8> {
    let mut answer = Message::error_msg(header.metadata.id, header.metadata.op_code, code);
    answer.metadata.recursion_desired = header.metadata.recursion_desired;
    answer.metadata.recursion_available = true;
    encode(&answer)
}

/// An answer to `query` with `code` and no records.
pub(super) fn error(query: &Message, code: ResponseCode) -> Vec<u8> {
    encode(&response(query, code))
}

/// The block answer to `query`.
pub(super) fn blocked(query: &Message, block: &BlockAnswer) -> Vec<u8> {
    if block.is_nxdomain() {
        return error(query, ResponseCode::NXDomain);
    }
    let mut answer = response(query, ResponseCode::NoError);
    if let Some(question) = query.queries.first() {
        let name = question.name.clone();
        let records: Vec<Record> = match question.query_type {
            RecordType::A => block
                .v4
                .iter()
                .map(|&address| {
                    Record::from_rdata(name.clone(), FILTER_TTL_SECS, RData::A(A(address)))
                })
                .collect(),
            RecordType::AAAA => block
                .v6
                .iter()
                .map(|&address| {
                    Record::from_rdata(name.clone(), FILTER_TTL_SECS, RData::AAAA(AAAA(address)))
                })
                .collect(),
            _ => Vec::new(),
        };
        answer.answers = records;
    }
    fit(query, answer)
}

/// The upstream's answer for the safe host, given back as the answer for the name asked: the
/// question as asked, a CNAME from the name to `safe_host`, then the upstream's records.
pub(super) fn under_safe_host(query: &Message, mut upstream: Message, safe_host: &Name) -> Vec<u8> {
    if let Some(question) = query.queries.first() {
        let cname = Record::from_rdata(
            question.name.clone(),
            FILTER_TTL_SECS,
            RData::CNAME(CNAME(safe_host.clone())),
        );
        upstream.queries = vec![question.clone()];
        upstream.answers.insert(0, cname);
    }
    // The CNAME is the filter's, not signed data the upstream validated.
    upstream.metadata.authentic_data = false;
    upstream.metadata.authoritative = false;
    fit(query, upstream)
}

/// The answer to `query` as it is, or with its records left out and TC set when it is larger
/// than the asker accepts over UDP.
fn fit(query: &Message, answer: Message) -> Vec<u8> {
    let bytes = encode(&answer);
    if bytes.len() <= usize::from(udp_limit(query)) {
        return bytes;
    }
    let mut truncated = response(query, answer.metadata.response_code);
    truncated.metadata.truncation = true;
    encode(&truncated)
}

/// The largest UDP answer the asker of `query` accepts.
fn udp_limit(query: &Message) -> u16 {
    query
        .edns
        .as_ref()
        .map_or(CLASSIC_UDP_PAYLOAD, |edns| edns.max_payload())
        .max(CLASSIC_UDP_PAYLOAD)
}

/// A response to `query`: its id, opcode, question, RD and CD bits; recursion available; an
/// EDNS record when the query had one (RFC 6891).
fn response(query: &Message, code: ResponseCode) -> Message {
    let mut answer = Message::new(
        query.metadata.id,
        MessageType::Response,
        query.metadata.op_code,
    );
    answer.metadata.recursion_desired = query.metadata.recursion_desired;
    answer.metadata.recursion_available = true;
    answer.metadata.checking_disabled = query.metadata.checking_disabled;
    answer.metadata.response_code = code;
    answer.queries = query.queries.clone();
    if query.edns.is_some() {
        let mut edns = Edns::new();
        edns.set_max_payload(EDNS_UDP_PAYLOAD);
        answer.edns = Some(edns);
    }
    answer
}

/// The wire form of an answer the filter made. Every one is a header, at most one question and
/// a few records, which always encode; should one not, a bare SERVFAIL with its id goes back.
fn encode(answer: &Message) -> Vec<u8> {
    answer.to_vec().unwrap_or_else(|_| {
        let mut bare = Message::error_msg(
            answer.metadata.id,
            answer.metadata.op_code,
            ResponseCode::ServFail,
        );
        bare.metadata.recursion_available = true;
        bare.to_vec().unwrap_or_default()
    })
}
