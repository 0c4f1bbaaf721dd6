//! Any bytes through the DNS filter, in every place hostile bytes reach it: as a query message,
//! as an IP packet from the TUN, as the DNS payload of a well-formed UDP packet, and as the
//! upstream's answer to a forwarded query (the first byte picks which). Nothing may panic; every answer the filter writes must
//! parse as a DNS response, and every answer packet as an IP/UDP packet from port 53.
#![no_main]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;

use childsafe_core::crypto::SigningKey;
use childsafe_core::dns::{self, BlockAnswer, DnsStep, PacketStep};
use childsafe_core::filter::HostDecision;
use childsafe_core::filter::bundle::{BundleBuilder, ListKind};
use childsafe_core::filter::decision::UrlFilter;
use childsafe_core::filter::policy::FilterPolicy;
use etherparse::{PacketBuilder, SlicedPacket, TransportSlice};
use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RecordType};
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_800_000_000;

struct Shared {
    filter: UrlFilter,
    policy: FilterPolicy,
    block: BlockAnswer,
    /// A query for an allowed name and one for a SafeSearch engine: the upstream answers the
    /// fuzzer writes are checked against them.
    forwarded_queries: [Vec<u8>; 2],
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let (key, _) = SigningKey::generate().expect("key generation");
        let mut builder = BundleBuilder::new(1, NOW + 86_400);
        builder
            .add_domains("adult", ListKind::Category, ["adult.example".to_owned()])
            .expect("list");
        let mut filter = UrlFilter::new(vec![key.public_key()]);
        filter
            .install_bundle(builder.sign(&key).expect("bundle"), NOW)
            .expect("install");
        let mut policy = FilterPolicy::default();
        policy.block_category("adult");
        policy.block_category("doh");
        policy.safe_search = true;
        let query = |host: &str| {
            let mut message = Message::new(0x0101, MessageType::Query, OpCode::Query);
            message.add_query(Query::query(Name::from_ascii(host).expect("name"), RecordType::A));
            message.to_vec().expect("query")
        };
        Shared {
            filter,
            policy,
            block: BlockAnswer::addresses(&[IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))]),
            forwarded_queries: [query("example.com."), query("www.google.com.")],
        }
    })
}

fn judge(shared: &Shared) -> impl Fn(&str) -> Option<HostDecision> + '_ {
    |host| Some(shared.filter.check_host(host, &shared.policy, NOW))
}

fn assert_response(bytes: &[u8]) {
    let message = Message::from_vec(bytes).expect("the filter's answer parses");
    assert_eq!(message.metadata.message_type, MessageType::Response);
}

fn assert_answer_packet(packet: &[u8]) {
    let sliced = SlicedPacket::from_ip(packet).expect("the answer packet parses");
    let Some(TransportSlice::Udp(udp)) = sliced.transport else {
        panic!("the answer packet is UDP");
    };
    assert_eq!(udp.source_port(), 53);
    assert_response(udp.payload());
}

fuzz_target!(|input: &[u8]| {
    let shared = shared();
    let query = |message: &[u8]| dns::dns_query(message, &shared.block, judge(shared));
    // The first byte picks where the rest of the bytes go, so that each run takes one path.
    let Some((&place, data)) = input.split_first() else {
        return;
    };
    match place % 4 {
        // A query message.
        0 => match query(data) {
            DnsStep::Answer(answer) => assert_response(&answer),
            DnsStep::Forward(sent) => {
                Message::from_vec(&sent).expect("a forwarded query parses");
                let reply = dns::dns_reply(data, Some(data), &shared.block, judge(shared));
                assert_response(&reply);
            }
            DnsStep::Ignore => {}
        },
        // A packet from the TUN, or the payload of a well-formed UDP packet to port 53.
        1 | 2 => {
            let mut in_udp = Vec::new();
            let packet = if place % 4 == 1 {
                data
            } else {
                PacketBuilder::ipv4([10, 0, 0, 2], [10, 0, 0, 1], 64)
                    .udp(40_000, 53)
                    .write(&mut in_udp, data)
                    .expect("a packet of any payload up to 64 KiB");
                &in_udp[..]
            };
            if let PacketStep::Answer(answer) = dns::dns_packet(packet, query) {
                assert_answer_packet(&answer);
            }
            let reply = dns::dns_packet_reply(packet, |message| {
                dns::dns_reply(message, None, &shared.block, judge(shared))
            });
            if let Some(answer) = reply {
                assert_answer_packet(&answer);
            }
        }
        // The upstream's answer to a forwarded query (an allowed name, a SafeSearch engine).
        _ => {
            let forwarded = &shared.forwarded_queries[usize::from(place / 4 % 2)];
            let reply = dns::dns_reply(forwarded, Some(data), &shared.block, judge(shared));
            assert_response(&reply);
        }
    }
});
