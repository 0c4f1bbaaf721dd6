//! What the parent's app is shown and handed back: plain records, crossing to Kotlin and Swift
//! as they are. The state kept behind them is in `records`.

use crate::protocol::pairing::ParentRole;
use crate::protocol::report::{Location, ReportKind, ReportedUser};
use crate::settings::access_request::AccessAnswer;
use crate::settings::parent_command::ParentAction;

/// A pairing the parent's app has claimed: show `confirmation_code` and ask the parent to check
/// that the child's phone shows the same six digits before its PIN is entered there.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PairingStarted {
    /// The child's phone.
    pub device_id: String,
    /// Six digits, the same as on the child's phone when no one stands between them.
    pub confirmation_code: String,
}

/// One child's phone as this parent knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChildInfo {
    /// The child's phone.
    pub device_id: String,
    /// Whether the phone has confirmed this parent (it lists it in a signed snapshot, or the
    /// backend lists the phone, which it does only after the phone's signed confirmation).
    pub confirmed: bool,
    /// This parent's role on the phone, from the phone's signed snapshot only; none until one
    /// has been verified.
    pub role: Option<ParentRole>,
}

/// A report from a child, as kept from the feed.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChildReport {
    /// Its position in this parent's feed.
    pub feed_seq: u64,
    /// The child's phone.
    pub device_id: String,
    /// The report's id.
    pub report_id: String,
    /// The button the child pressed.
    pub kind: ReportKind,
    /// When the child filed it, Unix seconds (the phone's trusted clock).
    pub created_at: u64,
    /// When the backend took it, Unix seconds.
    pub received_at: u64,
    /// The addresses involved.
    pub urls: Vec<String>,
    /// Who it is about.
    pub reported_user: Option<ReportedUser>,
    /// The child's own words.
    pub notes: Option<String>,
    /// Text the child typed from a screenshot.
    pub screenshot_text: Option<String>,
    /// Where the phone was, in an SOS whose sender allowed it.
    pub location: Option<Location>,
}

/// A child's request to open a blocked page, verified against the phone's key.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AccessRequestView {
    /// The request's id, to answer it.
    pub request_id: String,
    /// The child's phone.
    pub device_id: String,
    /// The host an approval would open.
    pub host: String,
    /// The blocked page.
    pub url: String,
    /// When the child asked, Unix seconds.
    pub requested_at: u64,
    /// This parent's answer (pending until it sends one); the same answer the child's phone
    /// shows once it applies the command.
    pub answer: AccessAnswer,
}

/// A command handed to the relay.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CommandTicket {
    /// The child's phone.
    pub device_id: String,
    /// The command's sequence number, which its receipt names.
    pub sequence: u64,
}

/// What became of a command, as far as the phone's signed receipts say.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CommandState {
    /// Sent; no receipt yet.
    Pending,
    /// The phone applied it.
    Applied,
    /// The phone refused it and changed nothing.
    Refused {
        /// Why, in the phone's words.
        reason: String,
    },
}

/// One command sent to a child's phone.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SentCommand {
    /// Its sequence number.
    pub sequence: u64,
    /// What it asked.
    pub action: ParentAction,
    /// When it was issued, Unix seconds on this phone's clock.
    pub issued_at: u64,
    /// Pending, applied or refused.
    pub state: CommandState,
}

/// The owner's invitation of a second parent: show `qr_payload` as a QR code to the second
/// parent's app, which pairs with it once the phone has applied the command `ticket`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SecondParentInvite {
    /// `childsafe-pair:1:<device id>:<secret>`, for the second parent's app.
    pub qr_payload: String,
    /// The invitation command sent to the phone.
    pub ticket: CommandTicket,
}

/// What one [`ChildSafeParent::sync`](super::ChildSafeParent::sync) took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ParentSyncSummary {
    /// New reports from the feed.
    pub reports: u64,
    /// New access requests.
    pub requests: u64,
    /// Command receipts that moved a command to applied or refused.
    pub receipts: u64,
    /// Snapshots, feed items and messages dropped: from no child of this parent, or not signed
    /// by the phone they claim to come from.
    pub ignored: u64,
}
