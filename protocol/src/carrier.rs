//! The carrier's side of the protocol: telling the backend which lines are children's lines,
//! handing the backend the profiles it signed for each line's device, deactivating a line and
//! rotating its key; and what a phone reads about its own line.
//!
//! A line identifier (a phone number, an ICCID) reaches the backend in these bodies only; the
//! backend keeps nothing but its keyed hash, the *line handle*, which is also what profiles and
//! deactivations name. Profiles, deactivations and key rotations are signed by the carrier and
//! verified by the phone itself: the backend stores and relays them, it cannot make one.

use childsafe_crypto::PublicKey;
use serde::{Deserialize, Serialize};

/// Prefixed to an activation profile's payload before the carrier signs it (the same bytes the
/// phone's `ActivationProfile` uses): the backend checks an uploaded profile's signature under
/// it before filing it, and the phone checks it again.
pub const PROFILE_CONTEXT: &[u8] = b"childsafe activation profile v1\n";
/// Prefixed to a line deactivation's payload before the carrier signs it.
pub const DEACTIVATION_CONTEXT: &[u8] = b"childsafe line deactivation v1\n";
/// Prefixed to a carrier's safety-information pack before the carrier signs it.
pub const SAFETY_PACK_CONTEXT: &[u8] = b"childsafe safety pack v1\n";

/// `POST /v1/operator/carriers`: the operator admits a carrier. The key both signs the carrier's
/// requests (principal `carrier:<carrier_id>`) and is the carrier key that signs its profiles;
/// a key rotation replaces it for both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarrierRegistration {
    /// The carrier's id: 1 to 64 characters of `a-z`, `0-9` and `-`. Profiles name it.
    pub carrier_id: String,
    /// The name shown to parents.
    pub name: String,
    /// The carrier's current key.
    pub public_key: PublicKey,
}

/// `POST /v1/carrier/lines` (a new child's line) and `POST /v1/carrier/line-updates` (new
/// settings for one of the carrier's lines).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineRequest {
    /// The line identifier as the phone's platform reads it. Stored only as its keyed hash.
    pub line: String,
    /// ISO 3166-1 alpha-2 country of the line, upper case.
    pub country: String,
    /// The child's age band (`"0-5"` ... `"16-17"`); required unless `birth_month` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band: Option<String>,
    /// The child's birth month, `YYYY-MM`: the band then follows the child's age.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_month: Option<String>,
    /// Categories blocked on top of the band's defaults.
    #[serde(default)]
    pub extra_blocked_categories: Vec<String>,
    /// What of the carrier's floor parents may relax: category names, `safe-search`,
    /// `allowlist-only`. Anything not named here stays on whatever the parents say.
    #[serde(default)]
    pub parents_may_relax: Vec<String>,
}

/// Where a line stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineState {
    /// No device has registered with the line yet.
    AwaitingDevice,
    /// A device registered; the carrier has not signed a profile for it (or for its newest
    /// settings) yet.
    AwaitingProfile,
    /// The device's newest profile is stored.
    Active,
    /// The carrier deactivated the line; its device leaves safe mode at its next sync.
    Deactivated,
}

/// One of the carrier's lines, as `GET /v1/carrier/lines` lists it (never the identifier).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineSummary {
    /// The line handle.
    pub line_handle: String,
    /// The line's settings, without the identifier (`line` is empty).
    pub settings: LineRequest,
    /// The device registered with the line, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Where it stands.
    pub state: LineState,
    /// The sequence of the newest profile or deactivation stored for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u64>,
}

/// `GET /v1/carrier/lines`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lines {
    /// The carrier's lines, by handle.
    pub lines: Vec<LineSummary>,
}

/// The answer to adding or updating a line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineAccepted {
    /// The line handle the profiles must name.
    pub line_handle: String,
}

/// A line whose device needs a profile: `GET /v1/carrier/activations`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingActivation {
    /// The line handle.
    pub line_handle: String,
    /// The device to sign for.
    pub device_id: String,
    /// The line's settings (without the identifier).
    pub settings: LineRequest,
    /// The lowest sequence the next profile may carry.
    pub next_sequence: u64,
}

/// `GET /v1/carrier/activations`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingActivations {
    /// Lines waiting for a profile, oldest first.
    pub activations: Vec<PendingActivation>,
}

/// `POST /v1/carrier/profiles` (a signed activation profile), `POST
/// /v1/carrier/line-deactivations` (a signed deactivation), `POST /v1/carrier/key-rotations`
/// (a signed key rotation) and `POST /v1/carrier/safety-packs` (a signed safety pack): one signed envelope, unpadded base64url. The backend reads the line
/// and device a profile or deactivation names from its payload, to file it under the line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedUpload {
    /// The envelope, unpadded base64url.
    pub envelope: String,
}

/// `GET /v1/device/line`: what the backend holds for the calling device's line. Everything here
/// is signed by its author and checked by the phone; the backend only relays it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineDocuments {
    /// The device's line handle, if it registered with a child's line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_handle: Option<String>,
    /// The newest activation profile the carrier signed for this line and device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The carrier's signed deactivation of the line, if it deactivated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivation: Option<String>,
    /// The line's carrier's key rotations, oldest first.
    #[serde(default)]
    pub key_rotations: Vec<String>,
    /// The last signed status snapshot of the line's previous device (after the app's data was
    /// wiped, the phone registers as a new device): the phone takes back only what tightens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_snapshot: Option<String>,
    /// The key of the line's previous device, which signed `previous_snapshot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_device_key: Option<PublicKey>,
    /// The carrier's newest signed safety-information pack, if it replaced the SDK's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_pack: Option<String>,
}

/// What the payload of a carrier-signed profile or deactivation names, read by the backend to
/// file it (it verifies nothing else: the phone does).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LineBinding {
    /// The carrier's id.
    pub carrier: String,
    /// The line handle.
    pub line: String,
    /// The device.
    pub device_id: String,
    /// The document's sequence on the line.
    pub sequence: u64,
}

/// What the payload of a carrier-signed safety pack names, read by the backend to file it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PackBinding {
    /// The carrier's id.
    pub carrier: String,
    /// The pack's version; a carrier's versions only grow.
    pub version: u64,
}
