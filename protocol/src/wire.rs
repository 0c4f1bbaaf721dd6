//! The JSON bodies that phones and parents' apps exchange with the server, shared by the SDK and
//! the reference backend so both read one definition. `docs/protocol/openapi.json` describes the
//! same shapes for anyone writing their own server. Request bodies refuse unknown fields; response
//! bodies are read leniently so that a newer server can add fields. The operator's bodies are in
//! [`operator`](crate::operator), the error body in [`error`](crate::error), and the report itself
//! in [`report`](crate::report).

use childsafe_crypto::PublicKey;
use serde::{Deserialize, Serialize};

use crate::report::{ReportKind, UploadedReport};

/// Most reports in one upload.
pub const MAX_REPORTS_PER_BATCH: usize = 100;

/// `POST /v1/devices`: a child's phone registers with its line (the carrier told the backend it
/// is a child's line) or with a one-use activation token the operator minted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceRegistration {
    /// The one-use token the operator minted; empty when registering with a line.
    #[serde(default)]
    pub activation_token: String,
    /// The line identifier the phone's platform read, when registering with a line. The
    /// backend keeps only its keyed hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    /// The device's Ed25519 key; its [`key_id`](crate::request_signing::key_id) becomes the
    /// device id.
    pub public_key: PublicKey,
    /// ISO 3166-1 alpha-2 country of the line, upper case: decides where reports are routed.
    pub country: String,
    /// [`registration_proof`](crate::request_signing::registration_proof) over the token.
    pub proof: String,
}

/// `POST /v1/parents`: a parent's app registers its key. It can see nothing until a child's
/// device pairs with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParentRegistration {
    /// The parent app's Ed25519 key.
    pub public_key: PublicKey,
    /// [`registration_proof`](crate::request_signing::registration_proof) with an empty token.
    pub proof: String,
}

/// The answer to a registration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    /// The id to put in the principal header.
    pub id: String,
    /// For a device registered with a child's line: the line handle its profiles will name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_handle: Option<String>,
}

/// `POST /v1/device/reports`, sent with an `Idempotency-Key` header.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportBatch {
    /// 1 to [`MAX_REPORTS_PER_BATCH`] reports.
    pub reports: Vec<UploadedReport>,
}

/// Where a report is on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryState {
    /// Stored durably.
    Received,
    /// Placed in every destination's queue.
    Routed,
    /// Every destination has taken it (the parent app fetched it, the hotline export was
    /// acknowledged).
    Forwarded,
}

/// The kind of place a report goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DestinationKind {
    /// The notification feed of a paired parent.
    Parent,
    /// The hotline queue (illegal content, enticement).
    Hotline,
    /// The child helpline queue (a grooming or bullying report the child kept from the
    /// parents): the child helpline of the device's country.
    Helpline,
}

/// One destination of a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    /// Parent, hotline or child helpline.
    pub kind: DestinationKind,
    /// The parent id, or the hotline's or child helpline's name (e.g. `IWF`, `Childline`).
    pub name: String,
    /// Whether this destination has taken the report.
    pub forwarded: bool,
}

/// The server's receipt for one report, and later its status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportStatus {
    /// The report id.
    pub id: String,
    /// The report kind.
    pub kind: ReportKind,
    /// Received, routed or forwarded.
    pub state: DeliveryState,
    /// When the server first stored it, Unix seconds.
    pub received_at: u64,
    /// Where it was routed.
    pub destinations: Vec<Destination>,
}

/// The answer to a report upload: one receipt per report, in the order sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportReceipts {
    /// One per uploaded report.
    pub receipts: Vec<ReportStatus>,
}

/// `GET /v1/device/reports`: every report of this device the server still keeps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportStatuses {
    /// Oldest first.
    pub reports: Vec<ReportStatus>,
}

/// `POST /v1/device/time`: the device asks for signed time with its challenge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeRequest {
    /// The challenge from safe mode's `server_time_challenge`.
    pub challenge: String,
}

/// `POST /v1/device/status`: the state of the device's filter lists, sent at every sync so that
/// its parents can see a phone whose lists are out of date or cannot be used. A device sees its
/// own lists only; the server keeps the latest report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceStatus {
    /// The version of the list bundle in force, if any.
    pub lists_version: Option<u64>,
    /// When the bundle in force expired (Unix seconds, on the device's trusted clock), if it
    /// has: the lists stay in force on the device, out of date.
    pub lists_out_of_date_since: Option<u64>,
    /// Whether the device's lists cannot be opened, so that it blocks every web address.
    pub lists_unavailable: bool,
    /// The phone's status snapshot for its parents, signed with the device key (unpadded
    /// base64url of the envelope, at most 64 KiB decoded). The server keeps it as it is and
    /// hands it to the confirmed parents, who verify it against the device key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
}

/// A device's latest [`DeviceStatus`], as its parents see it in `GET /v1/parent/devices`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedDeviceStatus {
    /// As in [`DeviceStatus::lists_version`].
    pub lists_version: Option<u64>,
    /// As in [`DeviceStatus::lists_out_of_date_since`].
    pub lists_out_of_date_since: Option<u64>,
    /// As in [`DeviceStatus::lists_unavailable`].
    pub lists_unavailable: bool,
    /// As in [`DeviceStatus::snapshot`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    /// When the server took the report, Unix seconds.
    pub reported_at: u64,
}

impl ReportedDeviceStatus {
    /// `status` as the server took it at `reported_at`.
    pub fn new(status: DeviceStatus, reported_at: u64) -> Self {
        Self {
            lists_version: status.lists_version,
            lists_out_of_date_since: status.lists_out_of_date_since,
            lists_unavailable: status.lists_unavailable,
            snapshot: status.snapshot,
            reported_at,
        }
    }
}

/// `GET /v1/server`: what a device or operator needs to trust this server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    /// The key that signs server time.
    pub time_key: PublicKey,
    /// The server's protocol version (1).
    pub protocol: u32,
}

/// `POST /v1/device/pairing-invites`: the phone opens a pairing with the public half of the key
/// derived from its pairing secret ([`PairingSecret::pairing_key`]). The secret itself stays on
/// the phone and in its QR code. A new invite replaces the device's earlier one.
///
/// [`PairingSecret::pairing_key`]: crate::pairing::PairingSecret::pairing_key
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairingInvite {
    /// The pairing key's public half, which verifies the parent's claim.
    pub pairing_public_key: PublicKey,
    /// Unix seconds after which the invite should no longer work; the server may shorten it.
    pub expires_at: u64,
}

/// The answer to a [`PairingInvite`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairingInviteOpened {
    /// Unix seconds after which the invite no longer works, as the server keeps it.
    pub expires_at: u64,
}

/// `POST /v1/parent/pairing-claims`: the parent's app claims a device's invite, proving with the
/// pairing key that it read the phone's QR code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParentClaim {
    /// The device id from the QR code.
    pub device_id: String,
    /// The parent app's own key, the one it signs requests with.
    pub parent_public_key: PublicKey,
    /// [`sign_claim`](crate::pairing::sign_claim): the pairing key's signature over the context,
    /// the device id and `parent_public_key`, unpadded base64url.
    pub claim_signature: String,
}

/// The answer to a [`ParentClaim`]: the device's key, which the parent's app checks against the
/// device id in the QR code before showing the confirmation code. The parent is not paired
/// until the phone confirms it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimedDevice {
    /// The device id.
    pub device_id: String,
    /// The device's Ed25519 key.
    pub device_public_key: PublicKey,
}

/// A claim on the device's invite, as the device reads it to check and confirm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingClaim {
    /// The parent's id.
    pub parent_id: String,
    /// As in [`ParentClaim::parent_public_key`].
    pub parent_public_key: PublicKey,
    /// As in [`ParentClaim::claim_signature`]: the phone verifies it itself.
    pub claim_signature: String,
    /// When the server took the claim, Unix seconds.
    pub claimed_at: u64,
}

/// `GET /v1/device/pairing-claims`: the claims on the device's current invite.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingClaims {
    /// Oldest first.
    pub claims: Vec<PendingClaim>,
}

/// `POST /v1/device/parent-statements`: a [`ParentStatement`] sealed with the device's key.
///
/// [`ParentStatement`]: crate::pairing::ParentStatement
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedParentStatement {
    /// The sealed envelope's bytes, unpadded base64url.
    pub statement: String,
}

/// The answer to a [`SignedParentStatement`] the server applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementApplied {
    /// The statement's counter, now the device's latest.
    pub seq: u64,
}

/// `POST /v1/parent/devices/{device_id}/parent-removals`: the device's owner (the parent the
/// device confirmed with [`ParentRole::Owner`]) unpairs another of its parents at once. The
/// owner also sends the phone a signed command, so that the phone drops the key too.
///
/// [`ParentRole::Owner`]: crate::pairing::ParentRole::Owner
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParentRemoval {
    /// The key of the parent to remove.
    pub parent_public_key: PublicKey,
}

/// One side of a pairing, as the other side sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairedPeer {
    /// The device id or parent id.
    pub id: String,
    /// Its Ed25519 key, to verify what it signs.
    pub public_key: PublicKey,
    /// When the pairing was made, Unix seconds.
    pub paired_at: u64,
    /// A device's latest status, in `GET /v1/parent/devices` once the device has sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ReportedDeviceStatus>,
}

/// A list of peers: a device's parents, or a parent's devices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairedPeers {
    /// Oldest pairing first.
    pub peers: Vec<PairedPeer>,
}

/// What a relayed blob is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageKind {
    /// Child to parent: "may I open this?"
    AccessRequest,
    /// Parent to child: the answer to an access request.
    Decision,
    /// Parent to child: a signed parent command (settings change).
    Command,
    /// Child to parent: the phone's signed receipt for a command (applied, or refused and why).
    Receipt,
}

/// A blob to relay. The sender signed it end to end; the server stores and forwards it and can
/// neither read a meaning into it nor forge one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutgoingMessage {
    /// What it is.
    pub kind: MessageKind,
    /// The signed document, unpadded base64url, at most 16 KiB decoded.
    pub blob: String,
}

/// A relayed blob as the recipient reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayedMessage {
    /// Position in the recipient's mailbox; ask for `after` it next time.
    pub seq: u64,
    /// The sender's id (device or parent).
    pub from: String,
    /// What it is.
    pub kind: MessageKind,
    /// The signed document, unpadded base64url, as sent.
    pub blob: String,
    /// When the server took it, Unix seconds.
    pub received_at: u64,
}

/// A mailbox page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    /// In order of `seq`.
    pub messages: Vec<RelayedMessage>,
}

/// The answer to a relayed message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relayed {
    /// Its position in the recipient's mailbox.
    pub seq: u64,
}

/// A report as it reaches a paired parent's feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedItem {
    /// Position in the parent's feed.
    pub seq: u64,
    /// The child's device.
    pub device_id: String,
    /// When the server took it, Unix seconds.
    pub received_at: u64,
    /// The report as the child sent it.
    pub report: UploadedReport,
}

/// `GET /v1/parent/feed`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Feed {
    /// In order of `seq`.
    pub items: Vec<FeedItem>,
}

/// `GET /v1/parent/events`: what the server pushes to a parent's live stream (server-sent
/// events; the SSE `event` field is the tag below, the `data` field this JSON) and posts to the
/// operator's push gateway. An event tells the parent's app that something is waiting; the app
/// reads and verifies it through the feed and the mailbox as usual, and a stream that drops
/// loses nothing, since those keep their positions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum ParentEvent {
    /// A report reached the parent's feed; an SOS is sent before anything else waiting.
    Report {
        /// The feed item, as `GET /v1/parent/feed` would return it.
        item: FeedItem,
    },
    /// A message from a child's phone waits in the parent's mailbox (an access request or a
    /// command receipt).
    Message {
        /// The phone that sent it.
        device_id: String,
        /// Its position in the parent's mailbox.
        seq: u64,
        /// What it is.
        kind: MessageKind,
    },
    /// A child's phone reported a new status (and signed snapshot).
    Status {
        /// The phone.
        device_id: String,
        /// When the server took it, Unix seconds.
        reported_at: u64,
    },
}

impl ParentEvent {
    /// The SSE `event` name: `report`, `message` or `status`.
    pub fn name(&self) -> &'static str {
        match self {
            ParentEvent::Report { .. } => "report",
            ParentEvent::Message { .. } => "message",
            ParentEvent::Status { .. } => "status",
        }
    }
}

/// The kinds of signed bundle the server serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BundleKind {
    /// The root-signed trust document: which keys may sign what
    /// ([`TrustDocument`](crate::keys::TrustDocument)).
    Keys,
    /// A compiled, signed filter list bundle.
    Lists,
    /// The signed country directory of emergency numbers and helplines.
    Directory,
}

impl BundleKind {
    /// Every kind.
    pub const ALL: [BundleKind; 3] = [BundleKind::Keys, BundleKind::Lists, BundleKind::Directory];

    /// The name in the URL path.
    pub fn as_str(self) -> &'static str {
        match self {
            BundleKind::Keys => "keys",
            BundleKind::Lists => "lists",
            BundleKind::Directory => "directory",
        }
    }
}

impl std::str::FromStr for BundleKind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        BundleKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(())
    }
}

/// What the server knows of a stored bundle (also the answer to an operator upload).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleInfo {
    /// The kind.
    pub kind: BundleKind,
    /// The bundle's own version; never goes back.
    pub version: u64,
    /// Unix seconds after which clients refuse it.
    pub expires_at: u64,
    /// Strong ETag: the SHA-256 of the bytes, lowercase hex, quoted.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
}
