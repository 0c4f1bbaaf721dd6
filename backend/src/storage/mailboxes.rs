//! The relay's mailboxes: the opaque blobs a device and its parents send each other, kept per
//! recipient in the order received. [`MailboxStore`] is the part of the storage that keeps them.

use async_trait::async_trait;
use childsafe_protocol::wire::{MessageKind, RelayedMessage};

use super::error::StorageResult;

/// A blob to relay into a mailbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage {
    /// Principal string of the sender (`device:ID` or `parent:ID`).
    pub from: String,
    /// What it is.
    pub kind: MessageKind,
    /// Unpadded base64url, as sent.
    pub blob: String,
    /// Unix seconds.
    pub received_at: u64,
}

/// Mailboxes of relayed messages.
#[async_trait]
pub trait MailboxStore: Send + Sync + 'static {
    /// Appends a message to the mailbox of `recipient` (`device:ID` or `parent:ID`); its seq.
    async fn post_message(&self, recipient: &str, message: NewMessage) -> StorageResult<u64>;

    /// The mailbox of `recipient` after `after`, at most `limit` messages.
    async fn messages(
        &self,
        recipient: &str,
        after: u64,
        limit: usize,
    ) -> StorageResult<Vec<RelayedMessage>>;
}
