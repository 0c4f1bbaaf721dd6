//! [`MailboxStore`] in PostgreSQL: each message takes its seq while the mailbox's lock is held.

use async_trait::async_trait;
use childsafe_protocol::wire::{MessageKind, RelayedMessage};

use super::sql::{
    after_db, corrupt, from_pg, get, get_u64, limit_db, lock_sequence, query, query_opt, to_db,
};
use super::store::PostgresStorage;
use crate::storage::error::{StorageError, StorageResult};
use crate::storage::mailboxes::{MailboxStore, NewMessage};

#[async_trait]
impl MailboxStore for PostgresStorage {
    async fn post_message(&self, recipient: &str, message: NewMessage) -> StorageResult<u64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(from_pg)?;
        lock_sequence(&tx, "mailbox", recipient).await?;
        let row = query_opt(
            &tx,
            "INSERT INTO messages (recipient, sender, kind, blob, received_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING seq",
            &[
                &recipient,
                &message.from,
                &message_kind_name(message.kind),
                &message.blob,
                &to_db(message.received_at)?,
            ],
        )
        .await?
        .ok_or_else(|| StorageError::Backend("the message insert returned no seq".to_owned()))?;
        let seq = get_u64(&row, 0)?;
        tx.commit().await.map_err(from_pg)?;
        Ok(seq)
    }

    async fn messages(
        &self,
        recipient: &str,
        after: u64,
        limit: usize,
    ) -> StorageResult<Vec<RelayedMessage>> {
        let client = self.client().await?;
        let rows = query(
            &client,
            "SELECT seq, sender, kind, blob, received_at FROM messages
             WHERE recipient = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[&recipient, &after_db(after), &limit_db(limit)],
        )
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RelayedMessage {
                    seq: get_u64(row, 0)?,
                    from: get(row, 1)?,
                    kind: parse_message_kind(&get::<String>(row, 2)?)?,
                    blob: get(row, 3)?,
                    received_at: get_u64(row, 4)?,
                })
            })
            .collect()
    }
}

fn message_kind_name(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::AccessRequest => "access-request",
        MessageKind::Decision => "decision",
        MessageKind::Command => "command",
        MessageKind::Receipt => "receipt",
    }
}

fn parse_message_kind(name: &str) -> StorageResult<MessageKind> {
    match name {
        "access-request" => Ok(MessageKind::AccessRequest),
        "decision" => Ok(MessageKind::Decision),
        "command" => Ok(MessageKind::Command),
        "receipt" => Ok(MessageKind::Receipt),
        _ => Err(corrupt("message kind")),
    }
}
