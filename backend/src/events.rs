//! A parent's live events: `GET /v1/parent/events` streams each [`ParentEvent`] meant for the
//! calling parent as a server-sent event, and every event also goes to the push gateway when one
//! is configured ([`push`](crate::push)).
//!
//! How an event travels, and what bounds it:
//!
//! 1. A handler that put something in a parent's feed or mailbox, or took a device's status,
//!    calls [`ParentEvents::publish`] for each parent the storage lists as paired (confirmed)
//!    with the device, after the write. Publishing never waits: the JSON is made once and handed
//!    to the parent's broadcast channel, which keeps the last [`EventLimits::buffer`] events.
//! 2. Each open stream of that parent reads the channel. A stream that falls more than the
//!    buffer behind loses the oldest events and goes on with the newer ones; the app re-reads
//!    its feed and mailbox (which keep their positions) and misses nothing. A slow reader
//!    therefore never holds up a report upload, nor the other streams.
//! 3. A parent may hold [`EventLimits::per_parent`] streams (429 `too_many_streams` past it) and
//!    the server [`EventLimits::total`] (503 `streams_full`).
//! 4. A stream is long-lived by design, so it gives back its address's request slot
//!    ([`admission`](crate::admission)) once its head is sent: the stream caps bound it instead.
//!    It is still a connection under the server's connection cap, its writes are paced like any
//!    answer (a client that stops reading is dropped), and it ends after
//!    [`EventLimits::lifetime`] (the app reconnects), when the server stops, and when the parent
//!    is removed from one of its devices.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::response::sse::Event;
use childsafe_protocol::wire::ParentEvent;
use futures_util::stream::{self, Stream};
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use crate::limits::{
    EVENT_BUFFER, EVENT_KEEP_ALIVE, EVENT_STREAM_LIFETIME, MAX_EVENT_STREAMS,
    MAX_EVENT_STREAMS_PER_PARENT,
};
use crate::log;
use crate::push::PushGateway;

/// The bounds of live event streams; [`Default`] gives the constants of
/// [`limits`](crate::limits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventLimits {
    /// Streams one parent may hold open (see [`MAX_EVENT_STREAMS_PER_PARENT`]).
    pub per_parent: usize,
    /// Streams open over the whole server (see [`MAX_EVENT_STREAMS`]).
    pub total: usize,
    /// Events kept for a parent's slowest stream (see [`EVENT_BUFFER`]).
    pub buffer: usize,
    /// How long a stream lasts before the server ends it (see [`EVENT_STREAM_LIFETIME`]).
    pub lifetime: Duration,
    /// How often a quiet stream gets a comment line (see [`EVENT_KEEP_ALIVE`]).
    pub keep_alive: Duration,
}

impl Default for EventLimits {
    fn default() -> Self {
        Self {
            per_parent: MAX_EVENT_STREAMS_PER_PARENT,
            total: MAX_EVENT_STREAMS,
            buffer: EVENT_BUFFER,
            lifetime: EVENT_STREAM_LIFETIME,
            keep_alive: EVENT_KEEP_ALIVE,
        }
    }
}

/// What a parent's channel carries.
#[derive(Clone, Debug)]
enum Delivery {
    /// An event: its SSE name and its JSON, made once for every stream.
    Event { name: &'static str, json: Arc<str> },
    /// The parent was removed from a device: its streams end.
    End,
}

/// The open streams of one parent.
struct ParentChannel {
    sender: broadcast::Sender<Delivery>,
    open: usize,
}

/// Every parent's open streams, and their count.
#[derive(Default)]
struct Registry {
    parents: HashMap<String, ParentChannel>,
    open: usize,
}

/// The live events of every parent: the streams open now and the push gateway.
pub(crate) struct ParentEvents {
    registry: Arc<Mutex<Registry>>,
    limits: EventLimits,
    gateway: Option<PushGateway>,
    stop: watch::Receiver<bool>,
}

/// Why a stream was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The parent has [`EventLimits::per_parent`] streams open.
    ParentFull,
    /// The server has [`EventLimits::total`] streams open.
    ServerFull,
}

impl ParentEvents {
    /// No stream open yet; events also go to `gateway` when there is one; streams end when
    /// `stop` turns true.
    pub(crate) fn new(
        limits: EventLimits,
        gateway: Option<PushGateway>,
        stop: watch::Receiver<bool>,
    ) -> Self {
        Self {
            registry: Arc::default(),
            limits,
            gateway,
            stop,
        }
    }

    /// Hands `event` to the open streams of `parent_id` and to the push gateway, without
    /// waiting for either.
    pub(crate) fn publish(&self, parent_id: &str, event: &ParentEvent) {
        let json: Arc<str> = match serde_json::to_string(event) {
            Ok(json) => json.into(),
            Err(error) => {
                log::line(format_args!("an event did not serialise: {error}"));
                return;
            }
        };
        if let Some(channel) = lock(&self.registry).parents.get(parent_id) {
            // Fails only when no stream is subscribed, which is nothing to deliver to.
            let _ = channel.sender.send(Delivery::Event {
                name: event.name(),
                json: Arc::clone(&json),
            });
        }
        if let Some(gateway) = &self.gateway {
            gateway.enqueue(parent_id, json);
        }
    }

    /// Ends every open stream of `parent_id`: it was removed from one of its devices, and
    /// whatever that device sent before must not reach it by a stream opened earlier.
    pub(crate) fn end_streams(&self, parent_id: &str) {
        if let Some(channel) = lock(&self.registry).parents.get(parent_id) {
            let _ = channel.sender.send(Delivery::End);
        }
    }

    /// Opens a stream for `parent_id`, if the caps allow.
    fn subscribe(&self, parent_id: &str) -> Result<Subscription, Refusal> {
        let mut registry = lock(&self.registry);
        if registry.open >= self.limits.total {
            return Err(Refusal::ServerFull);
        }
        let buffer = self.limits.buffer.max(1);
        let channel = registry
            .parents
            .entry(parent_id.to_owned())
            .or_insert_with(|| ParentChannel {
                sender: broadcast::channel(buffer).0,
                open: 0,
            });
        if channel.open >= self.limits.per_parent {
            return Err(Refusal::ParentFull);
        }
        channel.open += 1;
        let receiver = channel.sender.subscribe();
        registry.open += 1;
        Ok(Subscription {
            receiver,
            registry: Arc::clone(&self.registry),
            parent_id: parent_id.to_owned(),
        })
    }

    /// How many streams are open now.
    /// Opens a stream of `parent_id`'s events, as SSE events, until it is ended, its
    /// [`EventLimits::lifetime`] passes or the server stops; refused past the caps.
    pub(crate) fn open_stream(
        &self,
        parent_id: &str,
    ) -> Result<impl Stream<Item = Result<Event, Infallible>> + use<>, Refusal> {
        let subscription = self.subscribe(parent_id)?;
        let ends_at = Instant::now() + self.limits.lifetime;
        Ok(deliveries(subscription, ends_at, self.stop.clone()))
    }

    /// The limits the streams run under.
    pub(crate) fn limits(&self) -> &EventLimits {
        &self.limits
    }

    #[cfg(test)]
    fn open(&self) -> usize {
        lock(&self.registry).open
    }
}

/// One open stream; dropping it gives its place back under the caps.
struct Subscription {
    receiver: broadcast::Receiver<Delivery>,
    registry: Arc<Mutex<Registry>>,
    parent_id: String,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut registry = lock(&self.registry);
        registry.open = registry.open.saturating_sub(1);
        if let Some(channel) = registry.parents.get_mut(&self.parent_id) {
            channel.open = channel.open.saturating_sub(1);
            if channel.open == 0 {
                // A parent with no stream takes no memory, and its events go nowhere.
                registry.parents.remove(&self.parent_id);
            }
        }
    }
}

/// The SSE events of `subscription` until it is ended, `ends_at` passes or the server stops.
fn deliveries(
    subscription: Subscription,
    ends_at: Instant,
    stop: watch::Receiver<bool>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(
        (subscription, stop),
        move |(mut subscription, mut stop)| async move {
            loop {
                let received = tokio::select! {
                    received = subscription.receiver.recv() => received,
                    _ = tokio::time::sleep_until(ends_at) => return None,
                    _ = stop.wait_for(|stop| *stop) => return None,
                };
                match received {
                    Ok(Delivery::Event { name, json }) => {
                        let event = Event::default().event(name).data(&*json);
                        return Some((Ok(event), (subscription, stop)));
                    }
                    Ok(Delivery::End) | Err(broadcast::error::RecvError::Closed) => return None,
                    // Fell behind: the oldest events are gone, the app re-reads its feed.
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                }
            }
        },
    )
}

/// Every change to the registry is made whole under the lock and nothing in it panics, so a
/// poisoned lock still holds consistent counts.
fn lock(registry: &Mutex<Registry>) -> std::sync::MutexGuard<'_, Registry> {
    registry.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub(per_parent: usize, total: usize, buffer: usize) -> ParentEvents {
        let limits = EventLimits {
            per_parent,
            total,
            buffer,
            ..EventLimits::default()
        };
        ParentEvents::new(limits, None, watch::channel(false).1)
    }

    fn status(device: &str, at: u64) -> ParentEvent {
        ParentEvent::Status {
            device_id: device.to_owned(),
            reported_at: at,
        }
    }

    #[test]
    fn the_caps_hold_per_parent_and_in_total_and_closing_gives_room_back() {
        let events = hub(2, 3, 4);
        let a1 = events.subscribe("a").unwrap();
        let _a2 = events.subscribe("a").unwrap();
        assert_eq!(events.subscribe("a").err(), Some(Refusal::ParentFull));
        let _b1 = events.subscribe("b").unwrap();
        assert_eq!(events.subscribe("c").err(), Some(Refusal::ServerFull));
        drop(a1);
        assert_eq!(events.open(), 2);
        assert!(events.subscribe("c").is_ok());
    }

    #[tokio::test]
    async fn a_parent_gets_only_its_own_events_and_a_slow_one_loses_the_oldest() {
        let events = hub(4, 10, 2);
        let mut a = events.subscribe("a").unwrap();
        let mut b = events.subscribe("b").unwrap();
        for at in 1..=3 {
            events.publish("a", &status("d1", at));
        }
        // Three events into a buffer of two: the oldest is dropped, never the upload waiting.
        assert!(matches!(
            a.receiver.recv().await,
            Err(broadcast::error::RecvError::Lagged(1))
        ));
        let Ok(Delivery::Event { name, json }) = a.receiver.recv().await else {
            panic!("no event");
        };
        assert_eq!(name, "status");
        assert_eq!(
            serde_json::from_str::<ParentEvent>(&json).unwrap(),
            status("d1", 2)
        );
        assert!(b.receiver.try_recv().is_err(), "b got a's event");
    }

    #[tokio::test]
    async fn ending_a_parents_streams_reaches_each_of_them() {
        let events = hub(4, 10, 8);
        let mut first = events.subscribe("a").unwrap();
        let mut second = events.subscribe("a").unwrap();
        events.end_streams("a");
        assert!(matches!(first.receiver.recv().await, Ok(Delivery::End)));
        assert!(matches!(second.receiver.recv().await, Ok(Delivery::End)));
    }
}
