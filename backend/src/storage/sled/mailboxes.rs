//! [`MailboxStore`] in sled: each message under its recipient and a sequence number, with an
//! entry in the age index the purge reads.

use async_trait::async_trait;
use childsafe_protocol::wire::RelayedMessage;

use super::keys::{owned_key, timed_key};
use super::schema::{next_seq, page_after};
use super::store::SledStorage;
use super::values::{MessageValue, from_json, to_json};
use crate::storage::error::StorageResult;
use crate::storage::mailboxes::{MailboxStore, NewMessage};

#[async_trait]
impl MailboxStore for SledStorage {
    async fn post_message(&self, recipient: &str, message: NewMessage) -> StorageResult<u64> {
        let recipient = recipient.to_owned();
        let received_at = message.received_at;
        let value = to_json(&MessageValue {
            from: message.from,
            kind: message.kind,
            blob: message.blob,
            received_at,
        })?;
        self.write(move |tx| {
            let seq = next_seq(tx.mailboxes)?;
            let key = owned_key(&recipient, &seq.to_be_bytes());
            tx.message_age
                .insert(timed_key(received_at, &key), &[][..])?;
            tx.mailboxes.insert(key, value.as_slice())?;
            Ok(seq)
        })
        .await
    }

    async fn messages(
        &self,
        recipient: &str,
        after: u64,
        limit: usize,
    ) -> StorageResult<Vec<RelayedMessage>> {
        let recipient = recipient.to_owned();
        self.read(move |t| {
            page_after(&t.mailboxes, &recipient, after, limit)?
                .into_iter()
                .map(|(seq, bytes)| {
                    let value: MessageValue = from_json(&bytes, "message")?;
                    Ok(RelayedMessage {
                        seq,
                        from: value.from,
                        kind: value.kind,
                        blob: value.blob,
                        received_at: value.received_at,
                    })
                })
                .collect()
        })
        .await
    }
}
