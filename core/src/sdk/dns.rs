//! The DNS filter on the device: [`crate::dns`] with the phone's own lists, policy and parent
//! rules, through [`ChildSafe::check_host`].

use super::{ChildSafe, LogLevel};
use crate::dns::{self, DnsStep, PacketStep};
use crate::filter::HostDecision;

impl ChildSafe {
    /// What to do with one DNS query message (what an iOS `NEDNSProxyProvider` or a local
    /// resolver receives): answer it, forward it to the upstream resolver, or send nothing.
    /// See [`crate::dns`] for the rules.
    pub fn dns_query(&self, query: &[u8]) -> DnsStep {
        dns::dns_query(query, &self.dns_block, |host| self.judge_host(host))
    }

    /// The answer for the asker of `query`, given the upstream's answer to the message
    /// [`ChildSafe::dns_query`] forwarded; `None` when the upstream did not answer (SERVFAIL).
    /// An answer that does not answer the question forwarded is never passed on (SERVFAIL).
    pub fn dns_reply(&self, query: &[u8], upstream_answer: Option<&[u8]>) -> Vec<u8> {
        dns::dns_reply(query, upstream_answer, &self.dns_block, |host| {
            self.judge_host(host)
        })
    }

    /// [`ChildSafe::dns_query`] for one IP packet read from a `VpnService`'s TUN device (IPv4 or
    /// IPv6, UDP to port 53); see [`crate::dns::packet`].
    pub fn dns_packet(&self, packet: &[u8]) -> PacketStep {
        dns::dns_packet(packet, |query| self.dns_query(query))
    }

    /// The packet to write back to the TUN for `packet`, given the upstream's answer to the
    /// message [`ChildSafe::dns_packet`] forwarded (`None` when it did not answer); `None` when
    /// nothing is to be written back.
    pub fn dns_packet_reply(
        &self,
        packet: &[u8],
        upstream_answer: Option<&[u8]>,
    ) -> Option<Vec<u8>> {
        dns::dns_packet_reply(packet, |query| self.dns_reply(query, upstream_answer))
    }

    /// The decision for `host`, or `None` when it cannot be made; the log says why.
    fn judge_host(&self, host: &str) -> Option<HostDecision> {
        match self.check_host(host) {
            Ok(decision) => Some(decision),
            Err(error) => {
                self.logger.log(
                    LogLevel::Warn,
                    format!("DNS filter: no decision, answering SERVFAIL: {error}"),
                );
                None
            }
        }
    }
}
