//! The parent's live stream: the backend's server-sent events (`event:` the name, `data:` the
//! JSON of a [`ParentEvent`]) read into [`ChildEvent`]s for the app. An event only says that
//! something waits; the app then calls `sync`, which reads and verifies it through the feed and
//! the mailbox, so a stream that drops or lies loses or forges nothing. Events about a device
//! not paired here, or that do not parse, are dropped.

use crate::protocol::report::ReportKind;
use crate::protocol::wire::{MessageKind, ParentEvent};

/// Largest event (name and data) read; a longer one is dropped whole.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

/// Something new from a child, as the live stream announced it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ChildEvent {
    /// A report reached the feed (an SOS comes before anything else waiting).
    Report {
        /// The child's phone.
        device_id: String,
        /// Its position in the feed.
        feed_seq: u64,
        /// The button the child pressed.
        kind: ReportKind,
        /// When the backend took it, Unix seconds.
        received_at: u64,
    },
    /// An access request waits in the mailbox.
    AccessRequest {
        /// The child's phone.
        device_id: String,
        /// Its position in the mailbox.
        mailbox_seq: u64,
    },
    /// A command receipt waits in the mailbox.
    Receipt {
        /// The child's phone.
        device_id: String,
        /// Its position in the mailbox.
        mailbox_seq: u64,
    },
    /// The phone sent a new status.
    Status {
        /// The child's phone.
        device_id: String,
        /// When the backend took it, Unix seconds.
        reported_at: u64,
    },
}

impl ChildEvent {
    /// The device the event is about.
    pub fn device_id(&self) -> &str {
        match self {
            ChildEvent::Report { device_id, .. }
            | ChildEvent::AccessRequest { device_id, .. }
            | ChildEvent::Receipt { device_id, .. }
            | ChildEvent::Status { device_id, .. } => device_id,
        }
    }
}

/// Reads a server-sent-events body chunk by chunk into events.
#[derive(Debug, Default)]
pub(crate) struct EventReader {
    /// Bytes of a line not yet ended.
    line: Vec<u8>,
    /// The current event's name and data lines.
    name: String,
    data: String,
    /// The current event outgrew [`MAX_EVENT_BYTES`]; it is dropped at its end.
    oversized: bool,
}

impl EventReader {
    /// Feeds `chunk`; the events it completed.
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> Vec<ChildEvent> {
        let mut events = Vec::new();
        for &byte in chunk {
            if byte != b'\n' {
                if self.line.len() < MAX_EVENT_BYTES {
                    self.line.push(byte);
                } else {
                    self.oversized = true;
                }
                continue;
            }
            let line = std::mem::take(&mut self.line);
            let line = line.strip_suffix(b"\r").unwrap_or(&line);
            if line.is_empty() {
                events.extend(self.dispatch());
                continue;
            }
            let Ok(line) = std::str::from_utf8(line) else {
                self.oversized = true;
                continue;
            };
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => value.clone_into(&mut self.name),
                "data" => {
                    if !self.data.is_empty() {
                        self.data.push('\n');
                    }
                    self.data.push_str(value);
                }
                // Comments (keep-alives), `id` and `retry` say nothing the app needs.
                _ => {}
            }
            if self.name.len() + self.data.len() > MAX_EVENT_BYTES {
                self.oversized = true;
                self.data.clear();
            }
        }
        events
    }

    /// Ends the current event: the event it describes, if it is whole and parses.
    fn dispatch(&mut self) -> Option<ChildEvent> {
        let name = std::mem::take(&mut self.name);
        let data = std::mem::take(&mut self.data);
        if std::mem::take(&mut self.oversized) || data.is_empty() {
            return None;
        }
        let event: ParentEvent = serde_json::from_str(&data).ok()?;
        if !name.is_empty() && name != event.name() {
            return None;
        }
        child_event(event)
    }
}

fn child_event(event: ParentEvent) -> Option<ChildEvent> {
    Some(match event {
        ParentEvent::Report { item } => ChildEvent::Report {
            device_id: item.device_id,
            feed_seq: item.seq,
            kind: item.report.kind,
            received_at: item.received_at,
        },
        ParentEvent::Message {
            device_id,
            seq,
            kind: MessageKind::AccessRequest,
        } => ChildEvent::AccessRequest {
            device_id,
            mailbox_seq: seq,
        },
        ParentEvent::Message {
            device_id,
            seq,
            kind: MessageKind::Receipt,
        } => ChildEvent::Receipt {
            device_id,
            mailbox_seq: seq,
        },
        // Parent-to-child kinds never wait in a parent's mailbox.
        ParentEvent::Message { .. } => return None,
        ParentEvent::Status {
            device_id,
            reported_at,
        } => ChildEvent::Status {
            device_id,
            reported_at,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = r#"{"event":"status","device_id":"d1","reported_at":7}"#;
    const MESSAGE: &str = r#"{"event":"message","device_id":"d1","seq":3,"kind":"receipt"}"#;

    #[test]
    fn events_split_across_chunks_and_lines_are_read_whole() {
        let stream = format!(
            ": keep-alive\n\nevent: status\ndata: {STATUS}\n\nevent: message\r\ndata: {MESSAGE}\r\n\r\n"
        );
        let mut reader = EventReader::default();
        let mut events = Vec::new();
        for chunk in stream.as_bytes().chunks(5) {
            events.extend(reader.feed(chunk));
        }
        assert_eq!(
            events,
            [
                ChildEvent::Status {
                    device_id: "d1".into(),
                    reported_at: 7
                },
                ChildEvent::Receipt {
                    device_id: "d1".into(),
                    mailbox_seq: 3
                },
            ]
        );
    }

    #[test]
    fn a_report_event_carries_its_kind_and_position() {
        let data = r#"{"event":"report","item":{"seq":4,"device_id":"d2","received_at":9,"report":{"id":"0123456789abcdef0123456789abcdef","kind":"sos","created_at":8}}}"#;
        let events =
            EventReader::default().feed(format!("event: report\ndata: {data}\n\n").as_bytes());
        assert_eq!(
            events,
            [ChildEvent::Report {
                device_id: "d2".into(),
                feed_seq: 4,
                kind: ReportKind::Sos,
                received_at: 9
            }]
        );
    }

    #[test]
    fn malformed_mislabelled_or_oversized_events_are_dropped() {
        let mut reader = EventReader::default();
        assert!(
            reader
                .feed(b"event: status\ndata: {not json\n\n")
                .is_empty()
        );
        let mislabelled = format!("event: report\ndata: {STATUS}\n\n");
        assert!(reader.feed(mislabelled.as_bytes()).is_empty());
        let command = r#"{"event":"message","device_id":"d1","seq":3,"kind":"command"}"#;
        assert!(
            reader
                .feed(format!("data: {command}\n\n").as_bytes())
                .is_empty()
        );
        let huge = format!("data: {}\n\n", "x".repeat(MAX_EVENT_BYTES + 10));
        assert!(reader.feed(huge.as_bytes()).is_empty());
        // The reader goes on after all of them.
        let next = reader.feed(format!("data: {STATUS}\n\n").as_bytes());
        assert_eq!(next.len(), 1);
    }
}
