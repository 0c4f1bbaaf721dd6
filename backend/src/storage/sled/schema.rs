//! The database's layout: one sled tree per kind of record (with the age indexes purges read),
//! the view of them all inside one transaction, and the few ways every kind of record is read or
//! written through the key layout of [`keys`](super::keys): sequence numbers, pages after a
//! sequence number, inserts that never overwrite.
//!
//! The sequence numbers of feeds, mailboxes and a device's report list are drawn inside the
//! transaction that stores them, which sled runs alone, so a reader that has seen seq N of a
//! feed has seen every smaller seq of it, and asking for what comes `after` N never skips an
//! item.

use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use sled::{IVec, Tree};

use super::keys::{owned_key, owner_prefix, seq_under};
use crate::storage::error::{StorageError, StorageResult};

/// Declares the database's trees once: the struct that holds them, the view of them inside a
/// transaction, and the order that links the two.
/// The tree older servers kept short pairing codes in.
const RETIRED_PAIRING_CODES: &str = "pairing_codes";
/// The key older servers kept the global policy bundle under, in `bundles` and
/// `bundle_versions`.
const RETIRED_POLICY_BUNDLE: &str = "policy";

macro_rules! trees {
    ($($(#[doc = $doc:literal])* $name:ident,)+) => {
        /// The database and its trees.
        #[derive(Debug)]
        pub(super) struct Trees {
            pub(super) db: sled::Db,
            $($(#[doc = $doc])* pub(super) $name: Tree,)+
        }

        /// The same trees inside one transaction.
        pub(super) struct TxTrees<'a> {
            $(pub(super) $name: &'a TransactionalTree,)+
        }

        impl Trees {
            pub(super) fn open(db: sled::Db) -> StorageResult<Self> {
                // Short pairing codes paired whoever claimed one first; they are gone, and so
                // is what an older server kept of them.
                db.drop_tree(RETIRED_PAIRING_CODES).map_err(from_sled)?;
                let trees = Self {
                    $($name: db.open_tree(stringify!($name)).map_err(from_sled)?,)+
                    db,
                };
                // The global policy bundle is gone (carriers sign each line's profile); an
                // older server's copy would only be dead weight.
                for tree in [&trees.bundles, &trees.bundle_versions] {
                    tree.remove(RETIRED_POLICY_BUNDLE).map_err(from_sled)?;
                }
                Ok(trees)
            }

            /// Every tree, in the order [`TxTrees::new`] reads them.
            pub(super) fn all(&self) -> Vec<&Tree> {
                vec![$(&self.$name,)+]
            }
        }

        impl<'a> TxTrees<'a> {
            /// The view of a transaction over [`Trees::all`].
            pub(super) fn new(trees: &'a [TransactionalTree]) -> Option<Self> {
                let [$($name,)+] = trees else {
                    return None;
                };
                Some(Self { $($name,)+ })
            }
        }
    };
}

trees! {
    /// Activation token hash → when it was added.
    tokens,
    /// Device id → [`DeviceValue`](super::values::DeviceValue).
    devices,
    /// Parent id → [`ParentValue`](super::values::ParentValue).
    parents,
    /// `owned(principal) || nonce` → its expiry.
    nonces,
    /// `expiry || nonce key` → nothing: the nonces in order of expiry.
    nonce_expiry,
    /// `owned(device) || idempotency key` → the layout of `values::encode_idempotency`.
    idempotency,
    /// `started_at || idempotency key` → nothing: the keys in order of age.
    idempotency_age,
    /// Report id → [`ReportValue`](super::values::ReportValue).
    reports,
    /// `owned(device) || seq` → report id: a device's reports in the order received.
    device_reports,
    /// `received_at || report id` → nothing: the reports in order of age.
    report_age,
    /// `owned(parent) || seq` → report id: a parent's feed.
    feeds,
    /// `received_at || report id` → nothing: the reports with a hotline destination.
    hotline,
    /// `received_at || report id` → nothing: the reports with a child-helpline destination.
    helpline,
    /// `owned(device) || parent id` → when they were paired.
    device_parents,
    /// `owned(parent) || device id` → when they were paired.
    parent_devices,
    /// Device id → its pairing invite, [`InviteValue`](super::values::InviteValue).
    pairing_invites,
    /// Device id → the seq of its latest applied parent statement, big-endian.
    statement_seqs,
    /// Device id → the id of the parent it confirmed as owner.
    device_owners,
    /// `owned(recipient) || seq` → [`MessageValue`](super::values::MessageValue).
    mailboxes,
    /// `received_at || mailbox key` → nothing: the messages in order of age.
    message_age,
    /// Bundle kind → [`encode_bundle`](super::values::encode_bundle).
    bundles,
    /// Bundle kind → `version || expires_at` of its entry in `bundles`, written with it: the
    /// check behind every fetch, which must not load a 32 MiB value that sled's cache let go.
    bundle_versions,
    /// Secret name → its bytes.
    secrets,
    /// Device id → its latest `ReportedDeviceStatus`.
    device_status,
    /// Carrier id → [`CarrierRecord`](crate::storage::CarrierRecord) as JSON.
    carriers,
    /// Line handle → [`LineRecord`](crate::storage::LineRecord) as JSON.
    lines,
    /// `owned(carrier) || line handle` → nothing: a carrier's lines.
    carrier_lines,
    /// Device id → the handle of the line it is bound to.
    device_lines,
}

/// What a queued write returns inside the transaction: its outcome, or a reason to undo it
/// ([`ConflictableTransactionError::Abort`]) or the whole batch (sled's own errors).
pub(super) type TxResult<T> = Result<T, ConflictableTransactionError<StorageError>>;

/// The next sequence number, drawn inside the transaction that uses it so that numbers are
/// committed in increasing order. sled's ids start at 0; sequence numbers start at 1 so that
/// `after = 0` means "from the start".
pub(super) fn next_seq(tree: &TransactionalTree) -> TxResult<u64> {
    let id = tree.generate_id()?;
    id.checked_add(1)
        .ok_or(ConflictableTransactionError::Abort(StorageError::Backend(
            "sequence numbers are exhausted".to_owned(),
        )))
}

/// Up to `limit` `(seq, value)` entries of `owner` in `tree` after `after`.
pub(super) fn page_after(
    tree: &Tree,
    owner: &str,
    after: u64,
    limit: usize,
) -> StorageResult<Vec<(u64, IVec)>> {
    let Some(first) = after.checked_add(1) else {
        return Ok(Vec::new());
    };
    let prefix = owner_prefix(owner);
    let mut page = Vec::new();
    for entry in tree
        .range(owned_key(owner, &first.to_be_bytes())..)
        .take(limit)
    {
        let (key, value) = entry.map_err(from_sled)?;
        let Some(seq) = seq_under(&key, &prefix) else {
            break;
        };
        page.push((seq, value));
    }
    Ok(page)
}

/// Inserts `key` if it is absent; whether it was.
pub(super) fn insert_new(tree: &TransactionalTree, key: &[u8], value: &[u8]) -> TxResult<bool> {
    if tree.get(key)?.is_some() {
        return Ok(false);
    }
    tree.insert(key, value)?;
    Ok(true)
}

/// The storage error for a sled error. sled's messages name files and pages, never values.
pub(super) fn from_sled(e: sled::Error) -> StorageError {
    match e {
        sled::Error::Corruption { .. } => StorageError::Corrupt(e.to_string()),
        other => StorageError::Backend(other.to_string()),
    }
}
