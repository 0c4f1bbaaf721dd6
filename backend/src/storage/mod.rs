//! Where the backend keeps its state, behind one trait with two implementations: an embedded
//! sled database (the default, no setup) and PostgreSQL (several stateless replicas share one
//! database). Both pass the same test suite (`backend/tests/storage_suite.rs`).
//!
//! Every method that changes something returns only once the change is durable, so an answer
//! the server gives a device is never taken back by a crash. One refinement is allowed, and the
//! sled store uses it: the bookkeeping of a request (its nonce, taking and answering its
//! idempotency key) may be answered once committed and become durable with the request's next
//! flushed write, because losing it in a crash can only make a retry start again, and a retry
//! finds its reports already stored and gets the same receipts. Reports themselves, and every
//! other change, are durable before the method returns.

use async_trait::async_trait;
use bytes::Bytes;
use childsafe_crypto::PublicKey;
use childsafe_protocol::report::UploadedReport;
use childsafe_protocol::wire::{
    BundleKind, Destination, FeedItem, MessageKind, RelayedMessage, ReportStatus,
    ReportedDeviceStatus,
};

pub mod postgres;
mod rules;
pub mod sled_store;

/// Why storage failed. Messages never carry report contents.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database could not be reached or refused the operation.
    #[error("storage failed: {0}")]
    Backend(String),
    /// Stored bytes did not decode.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// Shorthand for storage results.
pub type StorageResult<T> = Result<T, StorageError>;

/// A registered child's device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRecord {
    /// [`key_id`](childsafe_protocol::request_signing::key_id) of its key.
    pub id: String,
    /// Its Ed25519 key.
    pub public_key: PublicKey,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    /// Unix seconds.
    pub registered_at: u64,
}

/// A registered parent app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParentRecord {
    /// [`key_id`](childsafe_protocol::request_signing::key_id) of its key.
    pub id: String,
    /// Its Ed25519 key.
    pub public_key: PublicKey,
    /// Unix seconds.
    pub registered_at: u64,
}

/// What registering a device did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceRegistered {
    /// The token was consumed and the device stored.
    Registered,
    /// The token is unknown or already used; nothing changed.
    TokenRefused,
    /// A device with this key already exists; nothing changed (the token stays unused).
    AlreadyRegistered,
}

/// What starting an idempotent request found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdempotencyBegin {
    /// The key is new: it is now held for this request, which must end in
    /// [`Storage::finish_idempotent`] or [`Storage::abandon_idempotent`].
    Started,
    /// The key finished earlier with the same body hash: answer this again.
    Replay {
        /// HTTP status of the first answer.
        status: u16,
        /// Body of the first answer.
        body: Vec<u8>,
    },
    /// The key was used with another body.
    Mismatch,
    /// The key is held by a request still running.
    InProgress,
}

/// A report to store, already checked and routed by the server.
#[derive(Clone, Debug, PartialEq)]
pub struct NewReport {
    /// The report as uploaded.
    pub report: UploadedReport,
    /// SHA-256 of the report's canonical JSON: the same id with another hash is a conflict.
    pub report_hash: [u8; 32],
    /// Where it goes: one entry per paired parent (name = parent id), and the hotline if any.
    pub destinations: Vec<Destination>,
}

/// What storing one report did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportInsert {
    /// New: stored, routed (feed items and hotline entry written), state `routed` (or
    /// `received` when there is no destination).
    Stored(ReportStatus),
    /// This device already sent this id with the same hash: nothing new stored.
    Existing(ReportStatus),
    /// This id is already stored with another hash (or belongs to another device): refused.
    Conflict,
}

/// A report queued for a hotline, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct HotlineEntry {
    /// The report.
    pub report: UploadedReport,
    /// The hotline's name (`IWF`, `NCMEC`, `INHOPE`).
    pub hotline: String,
    /// The reporting device's country.
    pub country: String,
    /// Unix seconds.
    pub received_at: u64,
    /// Whether the operator has forwarded it.
    pub forwarded: bool,
}

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

/// A signed bundle as served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBundle {
    /// The kind.
    pub kind: BundleKind,
    /// The bundle's own version.
    pub version: u64,
    /// Unix seconds.
    pub expires_at: u64,
    /// The exact signed bytes. Shared, not copied, by every clone (up to 32 MiB each).
    pub bytes: Bytes,
}

/// The version and expiry of the bundle stored for a kind, without its bytes: what the server
/// checks its in-memory copy against on every fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BundleVersion {
    /// The bundle's own version.
    pub version: u64,
    /// Unix seconds.
    pub expires_at: u64,
}

/// What storing a bundle did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BundlePut {
    /// Stored; it is now the one served.
    Stored,
    /// Refused: its version is not above the stored one's (versions never go back).
    NotNewer {
        /// The version served now.
        current: u64,
    },
}

/// How long data is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Reports (and their feed items) older than this are purged...
    pub report_secs: u64,
    /// ...except reports in the hotline queue, kept at least this long (never under a year).
    pub hotline_secs: u64,
    /// Relayed messages older than this are purged.
    pub message_secs: u64,
    /// Finished idempotency keys older than this are forgotten.
    pub idempotency_secs: u64,
}

/// One year, the least a hotline-queued report is kept.
pub const HOTLINE_MIN_RETENTION_SECS: u64 = 366 * 24 * 3600;

/// How long an idempotency key may stay held without an answer before it is taken to belong to
/// a server that crashed mid-request, so that a retry can start again.
pub const STALE_IDEMPOTENCY_SECS: u64 = 60;

/// What a purge removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Reports removed.
    pub reports: u64,
    /// Relayed messages removed.
    pub messages: u64,
    /// Idempotency keys, nonces and pairing codes removed.
    pub other: u64,
}

/// The backend's state. Implementations are cheap to share (`Arc<dyn Storage>`).
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Stores the SHA-256 of new activation tokens (the tokens themselves are never stored).
    async fn add_activation_tokens(&self, token_hashes: &[[u8; 32]], now: u64)
    -> StorageResult<()>;

    /// Consumes the token with this hash and stores the device, atomically.
    async fn register_device(
        &self,
        token_hash: [u8; 32],
        device: DeviceRecord,
    ) -> StorageResult<DeviceRegistered>;

    /// A device by id.
    async fn device(&self, id: &str) -> StorageResult<Option<DeviceRecord>>;

    /// Stores a parent; `false` if one with this id exists already (nothing changed).
    async fn register_parent(&self, parent: ParentRecord) -> StorageResult<bool>;

    /// A parent by id.
    async fn parent(&self, id: &str) -> StorageResult<Option<ParentRecord>>;

    /// Records a request nonce; `false` if this principal used it before (a replay). Kept until
    /// `expires_at`.
    async fn remember_nonce(
        &self,
        principal: &str,
        nonce: &str,
        expires_at: u64,
    ) -> StorageResult<bool>;

    /// Starts an idempotent request of `device_id` under `key` with this body hash.
    async fn begin_idempotent(
        &self,
        device_id: &str,
        key: &str,
        body_hash: [u8; 32],
        now: u64,
    ) -> StorageResult<IdempotencyBegin>;

    /// Records the answer of a started request; later calls replay it.
    async fn finish_idempotent(
        &self,
        device_id: &str,
        key: &str,
        status: u16,
        body: &[u8],
    ) -> StorageResult<()>;

    /// Releases a started request that failed, so that a retry can start again.
    async fn abandon_idempotent(&self, device_id: &str, key: &str) -> StorageResult<()>;

    /// Stores reports of `device` (each one atomically with its feed items and hotline entry),
    /// durable before it returns. One outcome per report, in order.
    async fn insert_reports(
        &self,
        device: &DeviceRecord,
        reports: Vec<NewReport>,
        now: u64,
    ) -> StorageResult<Vec<ReportInsert>>;

    /// One report's status, if it is this device's.
    async fn report_status(&self, device_id: &str, id: &str)
    -> StorageResult<Option<ReportStatus>>;

    /// Every report of this device still kept, oldest first.
    async fn report_statuses(&self, device_id: &str) -> StorageResult<Vec<ReportStatus>>;

    /// The parent's feed after `after`, at most `limit` items. Returning an item marks the
    /// parent's destination of that report forwarded (and the report `forwarded` once every
    /// destination is).
    async fn feed(&self, parent_id: &str, after: u64, limit: usize)
    -> StorageResult<Vec<FeedItem>>;

    /// The hotline queue, oldest first.
    async fn hotline_queue(&self) -> StorageResult<Vec<HotlineEntry>>;

    /// Marks a hotline entry forwarded; `false` if no such entry.
    async fn mark_hotline_forwarded(&self, report_id: &str) -> StorageResult<bool>;

    /// Stores a pairing code for a device; `false` if the code is in use (nothing changed).
    async fn create_pairing_code(
        &self,
        code: &str,
        device_id: &str,
        expires_at: u64,
    ) -> StorageResult<bool>;

    /// Uses up a pairing code, if it exists and has not expired, pairing the parent with its
    /// device; the device id, or `None` (nothing changed).
    async fn claim_pairing_code(
        &self,
        code: &str,
        parent_id: &str,
        now: u64,
    ) -> StorageResult<Option<String>>;

    /// The parents paired with a device, with the time of pairing, oldest first.
    async fn parents_of(&self, device_id: &str) -> StorageResult<Vec<(String, u64)>>;

    /// The devices paired with a parent, with the time of pairing, oldest first.
    async fn devices_of(&self, parent_id: &str) -> StorageResult<Vec<(String, u64)>>;

    /// Keeps `status` as the latest a device reported, replacing the one before.
    async fn put_device_status(
        &self,
        device_id: &str,
        status: ReportedDeviceStatus,
    ) -> StorageResult<()>;

    /// The latest status a device reported, if it has reported one.
    async fn device_status(&self, device_id: &str) -> StorageResult<Option<ReportedDeviceStatus>>;

    /// Appends a message to the mailbox of `recipient` (`device:ID` or `parent:ID`); its seq.
    async fn post_message(&self, recipient: &str, message: NewMessage) -> StorageResult<u64>;

    /// The mailbox of `recipient` after `after`, at most `limit` messages.
    async fn messages(
        &self,
        recipient: &str,
        after: u64,
        limit: usize,
    ) -> StorageResult<Vec<RelayedMessage>>;

    /// Stores a bundle if its version is above the stored one's.
    async fn put_bundle(&self, bundle: StoredBundle) -> StorageResult<BundlePut>;

    /// The bundle served for a kind.
    async fn bundle(&self, kind: BundleKind) -> StorageResult<Option<StoredBundle>>;

    /// The version and expiry of the bundle served for a kind; cheap whatever the bundle's size.
    async fn bundle_version(&self, kind: BundleKind) -> StorageResult<Option<BundleVersion>>;

    /// The stored secret named `name`, storing `fresh` first if there is none (so replicas
    /// agree on one server key).
    async fn secret(&self, name: &str, fresh: Vec<u8>) -> StorageResult<Vec<u8>>;

    /// Removes what retention no longer keeps.
    async fn purge(&self, now: u64, retention: Retention) -> StorageResult<Purged>;
}
