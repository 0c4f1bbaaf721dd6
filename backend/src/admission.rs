//! The cap on requests in flight from one client address
//! ([`MAX_REQUESTS_PER_ADDRESS`](crate::limits::MAX_REQUESTS_PER_ADDRESS)). A request holds a
//! slot of its address from its head until its answer has been sent (or its connection dropped),
//! so a client that reads its answers slowly, or sends its bodies slowly, takes up its own
//! address's slots and nobody else's.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use http_body::{Body, Frame, SizeHint};

/// Whom a request is counted against: an IPv4 address, or the /64 block of an IPv6 address (one
/// subscriber's network is a /64, so counting single IPv6 addresses would count nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ClientAddress {
    /// An IPv4 client, also when it reached an IPv6 socket as `::ffff:a.b.c.d`.
    V4(Ipv4Addr),
    /// The first 64 bits of an IPv6 client's address.
    V6Block([u8; 8]),
}

impl From<IpAddr> for ClientAddress {
    fn from(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(v4) => ClientAddress::V4(v4),
            IpAddr::V6(v6) => {
                let octets = v6.octets();
                let mut block = [0; 8];
                block.copy_from_slice(&octets[..8]);
                ClientAddress::V6Block(block)
            }
        }
    }
}

/// The requests in flight per client address, and the cap on them.
#[derive(Debug)]
pub(crate) struct AddressSlots {
    cap: usize,
    in_flight: Mutex<HashMap<ClientAddress, usize>>,
}

impl AddressSlots {
    /// At most `cap` requests in flight per address.
    pub(crate) fn new(cap: usize) -> Arc<Self> {
        Arc::new(Self {
            cap,
            in_flight: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for a request from `address`, or `None` when the address has `cap` in flight.
    pub(crate) fn try_admit(self: &Arc<Self>, address: ClientAddress) -> Option<AddressPermit> {
        let mut in_flight = self.lock();
        let count = in_flight.entry(address).or_insert(0);
        if *count >= self.cap {
            return None;
        }
        *count += 1;
        Some(AddressPermit {
            slots: Arc::clone(self),
            address,
        })
    }

    /// Every count is changed whole under the lock and nothing in it can panic, so a poisoned
    /// lock still holds a consistent map.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ClientAddress, usize>> {
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// One request's slot; dropping it frees the slot.
#[derive(Debug)]
pub(crate) struct AddressPermit {
    slots: Arc<AddressSlots>,
    address: ClientAddress,
}

impl Drop for AddressPermit {
    fn drop(&mut self) {
        let mut in_flight = self.slots.lock();
        if let Some(count) = in_flight.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                // Addresses with nothing in flight take no memory.
                in_flight.remove(&self.address);
            }
        }
    }
}

/// Put in an answer's extensions by a handler whose answer is a long-lived stream (the parent's
/// events): the answer gives its request's slot back once its head is sent, since the stream has
/// caps of its own and would otherwise hold one of its address's slots for as long as it lasts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReleasesAddressSlot;

/// An answer's body that keeps its request's slot until the body is sent or dropped.
pub(crate) struct Admitted<B> {
    body: B,
    _permit: AddressPermit,
}

impl<B> Admitted<B> {
    /// `body`, holding `permit` for as long as it lives.
    pub(crate) fn new(body: B, permit: AddressPermit) -> Self {
        Self {
            body,
            _permit: permit,
        }
    }
}

impl<B: Body + Unpin> Body for Admitted<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use super::*;

    #[test]
    fn an_address_gets_its_cap_and_its_slots_back() {
        let slots = AddressSlots::new(2);
        let one = ClientAddress::from(IpAddr::from([192, 0, 2, 1]));
        let other = ClientAddress::from(IpAddr::from([192, 0, 2, 2]));
        let first = slots.try_admit(one);
        let second = slots.try_admit(one);
        assert!(first.is_some() && second.is_some());
        assert!(slots.try_admit(one).is_none(), "the third is over the cap");
        assert!(
            slots.try_admit(other).is_some(),
            "another address has its own slots"
        );
        drop(first);
        assert!(
            slots.try_admit(one).is_some(),
            "a finished request frees its slot"
        );
        drop(second);
        assert!(slots.lock().is_empty(), "idle addresses are forgotten");
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_block_and_mapped_ipv4_as_ipv4() {
        let a: Ipv6Addr = "2001:db8:1:2::1".parse().unwrap();
        let b: Ipv6Addr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: Ipv6Addr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(
            ClientAddress::from(IpAddr::V6(a)),
            ClientAddress::from(IpAddr::V6(b))
        );
        assert_ne!(
            ClientAddress::from(IpAddr::V6(a)),
            ClientAddress::from(IpAddr::V6(c))
        );
        let mapped: Ipv6Addr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(
            ClientAddress::from(IpAddr::V6(mapped)),
            ClientAddress::V4(Ipv4Addr::new(192, 0, 2, 7))
        );
    }
}
