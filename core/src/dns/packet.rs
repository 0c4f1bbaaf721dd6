//! DNS in whole IP packets, as an Android `VpnService` reads them from its TUN device when it
//! routes only DNS: an IPv4 or IPv6 packet holding a UDP datagram to port 53.
//!
//! [`dns_packet`] takes the packet the TUN gave and says what to do: write an answer packet back
//! to the TUN, send a DNS message to the upstream resolver (over a socket the VPN protects from
//! itself), or drop the packet. [`dns_packet_reply`] turns the upstream's answer into the packet
//! to write back. Answers go from the address and port the query was sent to, to the address
//! and port it came from, with the IP and UDP checksums computed (`etherparse` reads and writes
//! the headers).
//!
//! Anything else is dropped: TCP (DNS over TCP, which a client falls back to after a truncated
//! answer, is the VPN's to carry as a stream, through [`super::dns_query`]), other UDP ports, IP
//! fragments (a query fits one packet; fragments are an evasion, never a query), ICMP, packets
//! whose headers cannot be read.

use std::net::IpAddr;

use etherparse::{NetSlice, PacketBuilder, SlicedPacket, TransportSlice};

use super::DnsStep;

/// The DNS port.
pub const DNS_PORT: u16 = 53;

/// The TTL (IPv4) and hop limit (IPv6) of answer packets.
const ANSWER_HOP_LIMIT: u8 = 64;

/// What to do with one packet read from the TUN.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PacketStep {
    /// Write this IP packet back to the TUN: the filter's answer, addressed to the asker.
    Answer(Vec<u8>),
    /// Send this DNS message (the UDP payload alone) to the upstream resolver, then hand its
    /// answer to [`dns_packet_reply`] together with the original packet.
    Forward(Vec<u8>),
    /// Drop the packet: it is not a DNS query over UDP, or holds nothing to answer.
    Ignore,
}

/// Decides what to do with one IP packet; `query` is [`super::dns_query`] with the phone's
/// policy.
pub fn dns_packet(packet: &[u8], query: impl FnOnce(&[u8]) -> DnsStep) -> PacketStep {
    let Some(datagram) = DnsDatagram::read(packet) else {
        return PacketStep::Ignore;
    };
    match query(datagram.payload) {
        DnsStep::Answer(answer) => match datagram.answer_packet(&answer) {
            Some(packet) => PacketStep::Answer(packet),
            None => PacketStep::Ignore,
        },
        DnsStep::Forward(message) => PacketStep::Forward(message),
        DnsStep::Ignore => PacketStep::Ignore,
    }
}

/// The packet to write back to the TUN for `packet`, given the upstream's answer; `reply` is
/// [`super::dns_reply`] with the phone's policy. `None` when there is nothing to write back
/// (the packet was to be dropped).
pub fn dns_packet_reply(packet: &[u8], reply: impl FnOnce(&[u8]) -> Vec<u8>) -> Option<Vec<u8>> {
    let datagram = DnsDatagram::read(packet)?;
    let answer = reply(datagram.payload);
    if answer.is_empty() {
        return None;
    }
    datagram.answer_packet(&answer)
}

/// A UDP datagram to the DNS port, in one unfragmented IP packet.
struct DnsDatagram<'a> {
    source: IpAddr,
    destination: IpAddr,
    source_port: u16,
    payload: &'a [u8],
}

impl<'a> DnsDatagram<'a> {
    fn read(packet: &'a [u8]) -> Option<Self> {
        let sliced = SlicedPacket::from_ip(packet).ok()?;
        let (source, destination) = match sliced.net.as_ref()? {
            NetSlice::Ipv4(ipv4) if !ipv4.is_payload_fragmented() => {
                let header = ipv4.header();
                (
                    IpAddr::V4(header.source_addr()),
                    IpAddr::V4(header.destination_addr()),
                )
            }
            NetSlice::Ipv6(ipv6) if !ipv6.is_payload_fragmented() => {
                let header = ipv6.header();
                (
                    IpAddr::V6(header.source_addr()),
                    IpAddr::V6(header.destination_addr()),
                )
            }
            _ => return None,
        };
        let TransportSlice::Udp(udp) = sliced.transport? else {
            return None;
        };
        (udp.destination_port() == DNS_PORT).then_some(Self {
            source,
            destination,
            source_port: udp.source_port(),
            payload: udp.payload(),
        })
    }

    /// The packet carrying `answer` back to the asker: from where the query went, to where it
    /// came from. `None` if `answer` is too large for one packet.
    fn answer_packet(&self, answer: &[u8]) -> Option<Vec<u8>> {
        let mut packet = Vec::new();
        let written = match (self.destination, self.source) {
            (IpAddr::V4(from), IpAddr::V4(to)) => {
                PacketBuilder::ipv4(from.octets(), to.octets(), ANSWER_HOP_LIMIT)
                    .udp(DNS_PORT, self.source_port)
                    .write(&mut packet, answer)
                    .is_ok()
            }
            (IpAddr::V6(from), IpAddr::V6(to)) => {
                PacketBuilder::ipv6(from.octets(), to.octets(), ANSWER_HOP_LIMIT)
                    .udp(DNS_PORT, self.source_port)
                    .write(&mut packet, answer)
                    .is_ok()
            }
            // One IP header holds one family.
            _ => false,
        };
        written.then_some(packet)
    }
}
