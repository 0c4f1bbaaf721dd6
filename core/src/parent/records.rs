//! What the parent's app keeps in its sealed store, and the one place that reads and writes it:
//! its signing key and registration, its children (each with the device key checked at pairing,
//! the offline-code secret and the last verified snapshot), the commands it sent with their
//! sequence numbers and answers, its positions in the feed and the mailbox, and the reports and
//! access requests it took from them.
//!
//! Store keys hold only random ids (device ids, sequence numbers), never personal data.

use serde::{Deserialize, Serialize};

use super::views::CommandState;
use crate::crypto::{PublicKey, SigningKey};
use crate::protocol::report::UploadedReport;
use crate::settings::access_request::AccessAnswer;
use crate::settings::access_request::AccessRequest;
use crate::settings::parent_code::ParentSecret;
use crate::settings::parent_command::ParentAction;
use crate::settings::status_snapshot::StatusSnapshot;
use crate::store::{Store, StoreError, WriteBatch, get_json, put_json};

use super::error::ParentError;

const KEY: &[u8] = b"parent/key";
const REGISTRATION: &[u8] = b"parent/registration";
const POSITIONS: &[u8] = b"parent/positions";
const CHILD_PREFIX: &str = "parent/child/";
const COMMAND_PREFIX: &str = "parent/command/";
const REPORT_PREFIX: &str = "parent/report/";
const REQUEST_PREFIX: &str = "parent/request/";

/// The backend this parent registered with, under which id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Registration {
    pub(crate) parent_id: String,
    pub(crate) backend_url: String,
}

/// One child's phone, as paired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ChildRecord {
    pub(crate) device_id: String,
    /// The device key the backend handed over at pairing, checked against the QR's device id:
    /// everything the phone signs is verified against it.
    pub(crate) device_public_key: PublicKey,
    /// The offline-code and PIN-transport secret, derived from the QR's pairing secret.
    pub(crate) secret: ParentSecret,
    /// When this app paired, Unix seconds on its clock.
    pub(crate) paired_at: u64,
    /// Whether the backend lists the phone among this parent's devices (it does once the phone
    /// confirmed the parent with a signed statement).
    pub(crate) listed_by_backend: bool,
    /// The newest snapshot verified, so that an older one is never shown after it.
    pub(crate) snapshot: Option<StatusSnapshot>,
    /// The last command sequence number used (taken durably before the command is sent).
    pub(crate) last_sequence: u64,
}

/// One command as sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SentRecord {
    pub(crate) sequence: u64,
    pub(crate) action: ParentAction,
    pub(crate) issued_at: u64,
    pub(crate) state: CommandState,
}

/// Where the feed and the mailbox were last read up to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Positions {
    pub(crate) feed_after: u64,
    pub(crate) mailbox_after: u64,
}

/// A report taken from the feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct KeptReport {
    pub(crate) feed_seq: u64,
    pub(crate) device_id: String,
    pub(crate) received_at: u64,
    pub(crate) report: UploadedReport,
}

/// An access request taken from the mailbox, verified, with this parent's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeptRequest {
    pub(crate) mailbox_seq: u64,
    pub(crate) request: AccessRequest,
    pub(crate) answer: Option<AccessAnswer>,
}

/// The parent's signing key, made and kept durably on first use (before anything is sent with
/// it: a parent registered under a key it then lost could never prove itself again).
pub(crate) fn signing_key(store: &dyn Store) -> Result<SigningKey, ParentError> {
    if let Some(der) = store.get(KEY)? {
        return Ok(SigningKey::from_pkcs8(&der)?);
    }
    let (key, der) = SigningKey::generate()?;
    let mut batch = WriteBatch::new();
    batch.put(KEY, &der);
    store.apply(batch)?;
    Ok(key)
}

pub(crate) fn registration(store: &dyn Store) -> Result<Option<Registration>, StoreError> {
    get_json(store, REGISTRATION)
}

pub(crate) fn save_registration(
    store: &dyn Store,
    registration: &Registration,
) -> Result<(), StoreError> {
    let mut batch = WriteBatch::new();
    put_json(&mut batch, REGISTRATION, registration)?;
    store.apply(batch)
}

pub(crate) fn child(store: &dyn Store, device_id: &str) -> Result<Option<ChildRecord>, StoreError> {
    get_json(store, child_key(device_id).as_bytes())
}

pub(crate) fn children(store: &dyn Store) -> Result<Vec<ChildRecord>, StoreError> {
    scan(store, CHILD_PREFIX)
}

pub(crate) fn put_child(batch: &mut WriteBatch, child: &ChildRecord) -> Result<(), StoreError> {
    put_json(batch, child_key(&child.device_id).as_bytes(), child)
}

pub(crate) fn put_command(
    batch: &mut WriteBatch,
    device_id: &str,
    command: &SentRecord,
) -> Result<(), StoreError> {
    put_json(
        batch,
        command_key(device_id, command.sequence).as_bytes(),
        command,
    )
}

pub(crate) fn delete_command(batch: &mut WriteBatch, device_id: &str, sequence: u64) {
    batch.delete(command_key(device_id, sequence).as_bytes());
}

pub(crate) fn command(
    store: &dyn Store,
    device_id: &str,
    sequence: u64,
) -> Result<Option<SentRecord>, StoreError> {
    get_json(store, command_key(device_id, sequence).as_bytes())
}

/// The commands sent to one child, oldest first.
pub(crate) fn commands(store: &dyn Store, device_id: &str) -> Result<Vec<SentRecord>, StoreError> {
    scan(store, &format!("{COMMAND_PREFIX}{device_id}/"))
}

pub(crate) fn positions(store: &dyn Store) -> Result<Positions, StoreError> {
    Ok(get_json(store, POSITIONS)?.unwrap_or_default())
}

pub(crate) fn put_positions(
    batch: &mut WriteBatch,
    positions: &Positions,
) -> Result<(), StoreError> {
    put_json(batch, POSITIONS, positions)
}

pub(crate) fn put_report(batch: &mut WriteBatch, report: &KeptReport) -> Result<(), StoreError> {
    put_json(
        batch,
        numbered(REPORT_PREFIX, report.feed_seq).as_bytes(),
        report,
    )
}

/// Every kept report, in feed order.
pub(crate) fn reports(store: &dyn Store) -> Result<Vec<KeptReport>, StoreError> {
    scan(store, REPORT_PREFIX)
}

pub(crate) fn put_request(batch: &mut WriteBatch, request: &KeptRequest) -> Result<(), StoreError> {
    put_json(
        batch,
        numbered(REQUEST_PREFIX, request.mailbox_seq).as_bytes(),
        request,
    )
}

/// Every kept access request, in mailbox order.
pub(crate) fn requests(store: &dyn Store) -> Result<Vec<KeptRequest>, StoreError> {
    scan(store, REQUEST_PREFIX)
}

fn scan<T: serde::de::DeserializeOwned>(
    store: &dyn Store,
    prefix: &str,
) -> Result<Vec<T>, StoreError> {
    // Read again through `get_json`, the one place that turns stored bytes into values (and
    // keeps serde's text, which may quote a value, out of the error).
    let mut values = Vec::new();
    for (key, _) in store.scan_prefix(prefix.as_bytes())? {
        if let Some(value) = get_json(store, &key)? {
            values.push(value);
        }
    }
    Ok(values)
}

fn child_key(device_id: &str) -> String {
    format!("{CHILD_PREFIX}{device_id}")
}

fn command_key(device_id: &str, sequence: u64) -> String {
    numbered(&format!("{COMMAND_PREFIX}{device_id}/"), sequence)
}

/// Zero-padded so that the store's byte order is numeric order.
fn numbered(prefix: &str, seq: u64) -> String {
    format!("{prefix}{seq:020}")
}
