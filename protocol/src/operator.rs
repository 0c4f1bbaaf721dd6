//! The operator's side of the protocol: minting activation tokens and the hotline export. Only
//! the backend and operator tools use these bodies; a phone never sends or reads them.

use serde::{Deserialize, Serialize};

use crate::report::ReportedUser;

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
