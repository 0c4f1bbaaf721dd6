//! Prints what the DNS filter costs per query, in the filter alone (no sockets): the time of
//! `dns_query` for a forwarded name, a blocked one and a SafeSearch engine, and of `dns_reply`
//! checking an upstream answer, against a bundle of a hundred thousand category domains.
//!
//! `cargo bench -p childsafe-core --bench dns_query`. Each figure is the median of several rounds
//! of many queries. The end-to-end figures over real sockets (dnsperf against `childsafe dns
//! serve`) are the CLI's.
#![allow(
    missing_docs,
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use childsafe_core::crypto::SigningKey;
use childsafe_core::dns::{self, BlockAnswer, DnsStep};
use childsafe_core::filter::HostDecision;
use childsafe_core::filter::bundle::{BundleBuilder, ListKind};
use childsafe_core::filter::decision::UrlFilter;
use childsafe_core::filter::policy::FilterPolicy;
use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{Name, RData, Record, RecordType};

const CATEGORY_DOMAINS: usize = 100_000;
const NOW: u64 = 1_800_000_000;
const ROUNDS: usize = 7;
const QUERIES: usize = 100_000;

fn main() {
    let (key, _) = SigningKey::generate().unwrap();
    let mut builder = BundleBuilder::new(1, NOW + 86_400);
    builder
        .add_domains(
            "adult",
            ListKind::Category,
            (0..CATEGORY_DOMAINS).map(|index| format!("site{index}.example")),
        )
        .unwrap();
    let mut filter = UrlFilter::new(vec![key.public_key()]);
    filter
        .install_bundle(builder.sign(&key).unwrap(), NOW)
        .unwrap();
    let mut policy = FilterPolicy::default();
    policy.block_category("adult");
    policy.block_category("doh");
    policy.safe_search = true;
    let judge =
        |host: &str| -> Option<HostDecision> { Some(filter.check_host(host, &policy, NOW)) };
    let block = BlockAnswer::nxdomain();

    let forwarded = query("www.wikipedia.org.");
    let blocked = query("www.site4242.example.");
    let search = query("www.google.com.");
    for (label, message) in [
        ("forwarded (allowed name)", &forwarded),
        ("answered (blocked name)", &blocked),
        ("forwarded (SafeSearch CNAME)", &search),
    ] {
        let time = median(|| {
            for _ in 0..QUERIES {
                black_box(dns::dns_query(black_box(message), &block, judge));
            }
        });
        println!("dns_query, {label}: {:.2} us", per_query(time));
    }
    for (label, message) in [("allowed name", &forwarded), ("SafeSearch CNAME", &search)] {
        let DnsStep::Forward(sent) = dns::dns_query(message, &block, judge) else {
            panic!("forwarded");
        };
        let upstream = answer(&sent);
        let time = median(|| {
            for _ in 0..QUERIES {
                black_box(dns::dns_reply(
                    message,
                    Some(black_box(&upstream)),
                    &block,
                    judge,
                ));
            }
        });
        println!("dns_reply, {label}: {:.2} us", per_query(time));
    }
}

fn query(host: &str) -> Vec<u8> {
    let mut message = Message::new(0x1234, MessageType::Query, OpCode::Query);
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(Name::from_ascii(host).unwrap(), RecordType::A));
    message.to_vec().unwrap()
}

fn answer(sent: &[u8]) -> Vec<u8> {
    let asked = Message::from_vec(sent).unwrap();
    let mut answer = Message::new(asked.metadata.id, MessageType::Response, OpCode::Query);
    answer.metadata.recursion_available = true;
    let name = asked.queries[0].name.clone();
    answer.queries = asked.queries;
    answer.answers = vec![Record::from_rdata(
        name,
        300,
        RData::A(A(Ipv4Addr::new(198, 51, 100, 1))),
    )];
    answer.to_vec().unwrap()
}

fn per_query(round: Duration) -> f64 {
    round.as_secs_f64() * 1e6 / QUERIES as f64
}

fn median(mut round: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            round();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[ROUNDS / 2]
}
