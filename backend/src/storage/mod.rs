//! Where the backend keeps its state, behind one trait per kind of data with two
//! implementations: an embedded sled database (the default, no setup) and PostgreSQL (several
//! stateless replicas share one database). Both pass the same test suite
//! (`backend/tests/storage_suite.rs`).
//!
//! Every method that changes something returns only once the change is durable, so an answer
//! the server gives a device is never taken back by a crash. One refinement is allowed, and the
//! sled store uses it: the bookkeeping of a request (its nonce, taking and answering its
//! idempotency key) may be answered once committed and become durable with the request's next
//! flushed write, because losing it in a crash can only make a retry start again, and a retry
//! finds its reports already stored and gets the same receipts. Reports themselves, and every
//! other change, are durable before the method returns.
//!
//! The kinds of data, each a trait with the records it takes and gives:
//! - `accounts`: [`AccountStore`], activation tokens, devices, parents, device statuses;
//! - `requests`: [`RequestStore`], spent nonces and idempotency keys;
//! - `reports`: [`ReportStore`], reports, their statuses, parents' feeds, the hotline and
//!   helpline queues;
//! - `pairing`: [`PairingStore`], pairing codes, invites and their claims, and pairings;
//! - `mailboxes`: [`MailboxStore`], the relay's messages;
//! - `bundles`: [`BundleStore`], the signed bundles served;
//! - `lines`: [`LineStore`], carriers, their children's lines and what they filed for them;
//! - `secrets`: [`SecretStore`], the server's own keys;
//! - `retention`: [`RetentionStore`], how long data is kept and the purge.
//!
//! [`Storage`] (`combined`) is all of them at once, the bound the server holds; `rules` holds
//! the decisions both stores make the same way, and [`sled`] and [`postgres`] the two stores.

mod accounts;
mod bundles;
mod combined;
mod error;
mod lines;
mod mailboxes;
mod pairing;
pub mod postgres;
mod reports;
mod requests;
mod retention;
mod rules;
mod secrets;
pub mod sled;

pub use accounts::{AccountStore, DeviceRecord, DeviceRegistered, ParentRecord};
pub use bundles::{BundlePut, BundleStore, BundleVersion, StoredBundle};
pub use combined::Storage;
pub use error::{StorageError, StorageResult};
pub use lines::{
    CarrierAdmitted, CarrierRecord, LineChange, LineChanged, LineRecord, LineRegistration,
    LineStore, PreviousDevice, SafetyPackRecord, SignedForLine,
};
pub use mailboxes::{MailboxStore, NewMessage};
pub use pairing::{ClaimAdded, OwnerRemoval, PairingInviteRecord, PairingStore, ParentChange};
pub use reports::{
    FeedPlacement, HelplineEntry, HotlineEntry, NewReport, ReportInsert, ReportStore,
};
pub use requests::{IdempotencyBegin, RequestStore, STALE_IDEMPOTENCY_SECS};
pub use retention::{HOTLINE_MIN_RETENTION_SECS, Purged, Retention, RetentionStore};
pub use secrets::SecretStore;
