//! The audit log: every change to safe mode, who made it, and when, in an append-only chain.
//!
//! Each entry carries the SHA-256 of the entry before it, and its own hash covers its content and
//! that link. Changing, removing or reordering any entry breaks the chain from that point on,
//! which [`AuditLog::verify`] reports. A parent reading the log (and a support engineer reading a
//! device) can so trust that it shows every change, including the ones a curious child would
//! rather hide.
//!
//! Entries are written in the same atomic batch as the change they record, so a change and its
//! entry land together or not at all.

use serde::{Deserialize, Serialize};

use crate::crypto;
use crate::store::{Store, StoreError, WriteBatch, get_json, put_json};

/// Where audit entries live in the store: this prefix, then the entry's index as 16 hex digits,
/// so that a prefix scan returns them in order.
const ENTRY_PREFIX: &[u8] = b"audit/entry/";
/// Where the newest entry's index and hash are kept, so appending does not read the whole log.
const HEAD_KEY: &[u8] = b"audit/head";
/// The hash the first entry links to.
const GENESIS_LINK: [u8; 32] = [0; 32];

/// Who made a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A parent on the child's phone, with the parent PIN.
    ParentPin,
    /// A parent on the child's phone, with the rotating offline parent code.
    ParentCode,
    /// A parent's signed command, from the parent's own phone.
    ParentCommand {
        /// The parent key's public half (base64url), naming which parent.
        parent_key: String,
    },
    /// A carrier's signed activation profile.
    CarrierProfile {
        /// The carrier's name as the profile states it.
        carrier: String,
    },
    /// The child, for the settings their age band lets them change alone.
    Child,
    /// The SDK itself (first start, upgrades).
    System,
}

/// One entry of the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the log, from 0.
    pub index: u64,
    /// Trusted time of the change, in unix seconds.
    pub at_unix: u64,
    /// Who made it.
    pub actor: Actor,
    /// What changed, in words for a parent (no personal data beyond the setting itself).
    pub change: String,
    /// Hex SHA-256 of the previous entry (zeros for the first).
    pub previous_hash: String,
    /// Hex SHA-256 of this entry's content and link.
    pub hash: String,
}

/// Why the log failed to verify.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Entry `index` does not hash to what it says, or does not link to the entry before it.
    #[error("audit log entry {index} was modified or is out of place")]
    Broken {
        /// The first entry that does not verify.
        index: u64,
    },
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The audit log of one device, over its store.
pub struct AuditLog<'a> {
    store: &'a dyn Store,
}

impl<'a> AuditLog<'a> {
    /// The log kept in `store`.
    pub fn new(store: &'a dyn Store) -> Self {
        Self { store }
    }

    /// Adds an entry recording `change` by `actor` at `at_unix` to `batch`, linked to the
    /// current last entry. The entry exists once the batch is applied; apply the change itself in
    /// the same batch.
    pub fn append(
        &self,
        batch: &mut WriteBatch,
        actor: Actor,
        change: impl Into<String>,
        at_unix: u64,
    ) -> Result<AuditEntry, AuditError> {
        let (index, previous_hash) = match self.head()? {
            Some(head) => (head.index + 1, head.hash),
            None => (0, crypto::hex(&GENESIS_LINK)),
        };
        let mut entry = AuditEntry {
            index,
            at_unix,
            actor,
            change: change.into(),
            previous_hash,
            hash: String::new(),
        };
        entry.hash = entry_hash(&entry)?;
        put_json(batch, &entry_key(index), &entry)?;
        put_json(
            batch,
            HEAD_KEY,
            &Head {
                index,
                hash: entry.hash.clone(),
            },
        )?;
        Ok(entry)
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> Result<Vec<AuditEntry>, AuditError> {
        self.store
            .scan_prefix(ENTRY_PREFIX)?
            .into_iter()
            .map(|(_, value)| {
                serde_json::from_slice(&value).map_err(|_| AuditError::Broken { index: u64::MAX })
            })
            .collect()
    }

    /// How many entries the log holds.
    pub fn len(&self) -> Result<u64, AuditError> {
        Ok(self.head()?.map_or(0, |head| head.index + 1))
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> Result<bool, AuditError> {
        Ok(self.len()? == 0)
    }

    /// Checks the whole chain: each entry hashes to its stated hash, links to the one before,
    /// and sits at its index, and the newest entry is the one the head names (so entries cut
    /// from the end are noticed too). Returns the number of entries.
    pub fn verify(&self) -> Result<u64, AuditError> {
        let mut previous = crypto::hex(&GENESIS_LINK);
        let entries = self.store.scan_prefix(ENTRY_PREFIX)?;
        let count = entries.len() as u64;
        for (position, (_, value)) in (0u64..).zip(entries) {
            let broken = AuditError::Broken { index: position };
            let entry: AuditEntry = match serde_json::from_slice(&value) {
                Ok(entry) => entry,
                Err(_) => return Err(broken),
            };
            if entry.index != position
                || entry.previous_hash != previous
                || entry_hash(&entry)? != entry.hash
            {
                return Err(broken);
            }
            previous = entry.hash;
        }
        match self.head()? {
            None if count == 0 => Ok(0),
            Some(head) if head.index + 1 == count && head.hash == previous => Ok(count),
            _ => Err(AuditError::Broken { index: count }),
        }
    }

    fn head(&self) -> Result<Option<Head>, AuditError> {
        Ok(get_json(self.store, HEAD_KEY)?)
    }
}

/// The newest entry's index and hash.
#[derive(Serialize, Deserialize)]
struct Head {
    index: u64,
    hash: String,
}

fn entry_key(index: u64) -> Vec<u8> {
    let mut key = ENTRY_PREFIX.to_vec();
    key.extend_from_slice(format!("{index:016x}").as_bytes());
    key
}

/// The hash of an entry: SHA-256 over its JSON with the `hash` field empty.
fn entry_hash(entry: &AuditEntry) -> Result<String, AuditError> {
    let unhashed = AuditEntry {
        hash: String::new(),
        ..entry.clone()
    };
    let bytes =
        serde_json::to_vec(&unhashed).map_err(|_| AuditError::Broken { index: entry.index })?;
    Ok(crypto::hex(&crypto::sha256_of_parts(&[
        b"childsafe audit entry v1\n",
        &bytes,
    ])))
}
