//! The operator's side of the protocol: minting activation tokens, the hotline export and the
//! child-helpline export. Only
//! the backend and operator tools use these bodies; a phone never sends or reads them.

use serde::{Deserialize, Serialize};

use crate::report::{ReportKind, ReportedUser};

/// `POST /v1/operator/activation-tokens`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// 1 to 10,000.
    pub count: u32,
}

/// New one-use activation tokens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    /// Each usable once.
    pub tokens: Vec<String>,
}

/// The incident types of the hotline export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IncidentType {
    /// Child sexual abuse material (NCMEC "child pornography", IWF "child sexual abuse imagery").
    ChildSexualAbuseMaterial,
    /// Online enticement of a child for sexual acts (grooming).
    OnlineEnticement,
}

/// One report in the shape hotlines take (NCMEC CyberTipline and IWF fields): never media.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotlineReport {
    /// The report id.
    pub report_id: String,
    /// Which hotline it is for (`IWF`, `NCMEC`, or `INHOPE` for the national member).
    pub hotline: String,
    /// What happened.
    pub incident_type: IncidentType,
    /// When the child saw it, RFC 3339 UTC.
    pub incident_time: String,
    /// When the server received it, RFC 3339 UTC.
    pub received_time: String,
    /// The reporter's country, ISO 3166-1 alpha-2.
    pub reporter_country: String,
    /// The addresses involved.
    pub urls: Vec<String>,
    /// Who it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_user: Option<ReportedUser>,
    /// The child's words and any screenshot text, as typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Whether the operator has forwarded it.
    pub forwarded: bool,
}

/// `GET /v1/operator/hotline-queue`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotlineQueue {
    /// Oldest first.
    pub reports: Vec<HotlineReport>,
}

/// One report in the shape a child helpline takes: what the child said happened and when, so a
/// counsellor can answer. Never a location, never media, never URLs (a helpline counsels the
/// child; acting on a page is the hotline's work).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelplineReport {
    /// The report id.
    pub report_id: String,
    /// Which child helpline it is for (e.g. `Childline`; `Child Helpline International` where
    /// the server knows no national one).
    pub helpline: String,
    /// The button the child pressed: `grooming` or `bullying`.
    pub kind: ReportKind,
    /// When the child filed it, RFC 3339 UTC.
    pub incident_time: String,
    /// When the server received it, RFC 3339 UTC.
    pub received_time: String,
    /// The child's country, ISO 3166-1 alpha-2.
    pub reporter_country: String,
    /// Who it is about, as the child named them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_user: Option<ReportedUser>,
    /// The child's words and any screenshot text, as typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Whether the operator has forwarded it.
    pub forwarded: bool,
}

/// `GET /v1/operator/helpline-queue`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelplineQueue {
    /// Oldest first.
    pub reports: Vec<HelplineReport>,
}
