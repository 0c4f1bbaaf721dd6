//! What a report holds on the phone: the fields hotlines work with (incident type, time, URLs,
//! reported user, notes), and nothing the child did not choose to send. The outbox stores a
//! [`Report`]; it becomes the protocol's wire form ([`UploadedReport`]) in one place,
//! [`Report::to_upload`], and the rules every report keeps are the protocol's, so the phone and
//! the server check the same ones.

use serde::{Deserialize, Serialize};

use crate::crypto;
pub use crate::protocol::report::{
    InvalidReport, Location, ReportKind, ReportedUser, UploadedReport, is_report_id, new_report_id,
};

/// One report, as the phone stores it in the outbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// 32 lowercase hex characters of randomness: the report's idempotency key on every retry.
    pub id: String,
    /// The button pressed.
    pub kind: ReportKind,
    /// When the child filed it, seconds since the Unix epoch (the phone's trusted clock).
    pub created_at: u64,
    /// The addresses involved (illegal content: the page; grooming: where it happened).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// Who it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_user: Option<ReportedUser>,
    /// The child's own words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Text the child typed from a screenshot (never the picture).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screenshot_text: Option<String>,
    /// Only in an SOS, and only when the child allowed it in that SOS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The child asked that no parent sees it ("helpline only"). A report stored before the
    /// field existed has none and reads as `false`: it goes where it always would have.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub helpline_only: bool,
}

/// Why a report was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// A field breaks the report rules; the text says which.
    #[error("invalid report: {0}")]
    Invalid(&'static str),
    /// No randomness for the id.
    #[error(transparent)]
    Crypto(#[from] crypto::CryptoError),
}

impl From<InvalidReport> for ReportError {
    fn from(InvalidReport(why): InvalidReport) -> Self {
        ReportError::Invalid(why)
    }
}

impl Report {
    /// The report as it is uploaded: every field, unchanged.
    pub fn to_upload(&self) -> UploadedReport {
        UploadedReport {
            id: self.id.clone(),
            kind: self.kind,
            created_at: self.created_at,
            urls: self.urls.clone(),
            reported_user: self.reported_user.clone(),
            notes: self.notes.clone(),
            screenshot_text: self.screenshot_text.clone(),
            location: self.location.clone(),
            helpline_only: self.helpline_only,
        }
    }

    /// Checks every rule a report must keep (the protocol's, which the server checks again)
    /// before the phone stores it.
    pub fn validate(&self) -> Result<(), ReportError> {
        Ok(self.to_upload().validate()?)
    }
}
