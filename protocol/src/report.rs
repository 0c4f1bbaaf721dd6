//! A report as it travels: the fields hotlines work with (incident type, time, URLs, reported
//! user, notes) and nothing the child did not choose to send, with the rules every report keeps.
//! The phone checks them before it stores a report (its own model converts to
//! [`UploadedReport`]) and the server before it accepts one, so both apply one set of rules.

use childsafe_crypto::{self as crypto, CryptoError};
use serde::{Deserialize, Serialize};

/// Most URLs one report carries.
pub const MAX_URLS: usize = 10;
/// Longest URL a report carries, in bytes.
pub const MAX_URL_BYTES: usize = 2048;
/// Longest free text (notes, screenshot text), in bytes.
pub const MAX_TEXT_BYTES: usize = 4000;
/// Longest reported-user handle or platform name, in bytes.
pub const MAX_NAME_BYTES: usize = 200;
/// Bytes of randomness in a report id.
const REPORT_ID_BYTES: usize = 16;

/// The button the child pressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    /// "I saw something illegal": a URL of suspected child sexual abuse material. Never the
    /// image or video itself.
    IllegalContent,
    /// "Someone is asking me for pictures": grooming or enticement.
    Grooming,
    /// "I'm being bullied".
    Bullying,
    /// "I'm in danger".
    Sos,
}

impl ReportKind {
    /// Every kind, most urgent first.
    pub const ALL: [ReportKind; 4] = [
        ReportKind::Sos,
        ReportKind::Grooming,
        ReportKind::IllegalContent,
        ReportKind::Bullying,
    ];

    /// The name used on the wire and in the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::IllegalContent => "illegal-content",
            ReportKind::Grooming => "grooming",
            ReportKind::Bullying => "bullying",
            ReportKind::Sos => "sos",
        }
    }

    /// Lower sends sooner: SOS first, then grooming, illegal content, bullying.
    pub fn urgency_rank(self) -> u8 {
        match self {
            ReportKind::Sos => 0,
            ReportKind::Grooming => 1,
            ReportKind::IllegalContent => 2,
            ReportKind::Bullying => 3,
        }
    }

    /// Whether the child may keep a report of this kind from the parents ("helpline only").
    /// A parent may be the person the child needs help against, so a report that still reaches
    /// someone able to act can leave the parents out; one that parents must always see cannot:
    ///
    /// 1. SOS never: it exists to bring someone close at once, and that is the parents.
    /// 2. Illegal content never: it goes to the hotline whatever the child chooses, and the
    ///    parents are told so they can protect the child from the page they saw.
    /// 3. Grooming may: the country's hotline takes it, as always, and the country's child
    ///    helpline too, so the child who kept it from the family has someone to talk to.
    /// 4. Bullying may: the country's child helpline takes it instead of the parents.
    pub fn may_be_helpline_only(self) -> bool {
        match self {
            ReportKind::Grooming | ReportKind::Bullying => true,
            ReportKind::Sos | ReportKind::IllegalContent => false,
        }
    }
}

impl std::str::FromStr for ReportKind {
    type Err = InvalidReport;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReportKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or(InvalidReport(
                "kind must be illegal-content, grooming, bullying or sos",
            ))
    }
}

/// The person the report is about, as the child knows them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportedUser {
    /// Their user name, handle or number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    /// Where it happened: the app, game or site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
}

/// Where the phone was, sent only inside an SOS the child started and allowed it for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Degrees north, -90 to 90.
    pub latitude: f64,
    /// Degrees east, -180 to 180.
    pub longitude: f64,
    /// Radius of uncertainty in metres, when the platform gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
}

/// One report as the phone uploads it and the server receives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadedReport {
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
    /// The child asked that no parent sees this report; only kinds for which
    /// [`ReportKind::may_be_helpline_only`] holds. Absent means `false`, so phones that predate
    /// it still upload, and a report that is not helpline-only keeps its bytes (and its hash).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub helpline_only: bool,
}

/// A report that breaks the report rules; the text says which rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid report: {0}")]
pub struct InvalidReport(pub &'static str);

/// A new random report id: the report's idempotency key on every retry.
pub fn new_report_id() -> Result<String, CryptoError> {
    let bytes = crypto::random_bytes::<REPORT_ID_BYTES>()?;
    Ok(crypto::hex(&bytes))
}

/// Whether `id` has the shape of a report id (32 lowercase hex characters).
pub fn is_report_id(id: &str) -> bool {
    id.len() == REPORT_ID_BYTES * 2
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl UploadedReport {
    /// Checks every rule a report must keep, on the phone before it is stored and on the
    /// server before it is accepted.
    pub fn validate(&self) -> Result<(), InvalidReport> {
        if !is_report_id(&self.id) {
            return Err(InvalidReport("id must be 32 lowercase hex characters"));
        }
        if self.urls.len() > MAX_URLS {
            return Err(InvalidReport("at most 10 URLs"));
        }
        for url in &self.urls {
            let lower = url.to_ascii_lowercase();
            if url.len() > MAX_URL_BYTES
                || !(lower.starts_with("http://") || lower.starts_with("https://"))
                || url.chars().any(char::is_control)
            {
                return Err(InvalidReport(
                    "each URL must be http(s), printable, at most 2048 bytes",
                ));
            }
        }
        if self.kind == ReportKind::IllegalContent && self.urls.is_empty() {
            return Err(InvalidReport("an illegal-content report needs its URL"));
        }
        for text in [&self.notes, &self.screenshot_text].into_iter().flatten() {
            if text.len() > MAX_TEXT_BYTES {
                return Err(InvalidReport("text fields hold at most 4000 bytes"));
            }
        }
        if let Some(user) = &self.reported_user {
            for name in [&user.handle, &user.platform].into_iter().flatten() {
                if name.len() > MAX_NAME_BYTES || name.chars().any(char::is_control) {
                    return Err(InvalidReport(
                        "reported-user fields are printable and at most 200 bytes",
                    ));
                }
            }
        }
        if self.helpline_only && !self.kind.may_be_helpline_only() {
            return Err(InvalidReport(
                "only a grooming or bullying report can be kept from the parents (helpline only)",
            ));
        }
        if let Some(location) = &self.location {
            if self.kind != ReportKind::Sos {
                return Err(InvalidReport("only an SOS carries a location"));
            }
            let fine = location.latitude.is_finite()
                && location.longitude.is_finite()
                && (-90.0..=90.0).contains(&location.latitude)
                && (-180.0..=180.0).contains(&location.longitude)
                && location
                    .accuracy_m
                    .is_none_or(|metres| metres.is_finite() && metres >= 0.0);
            if !fine {
                return Err(InvalidReport("location is out of range"));
            }
        }
        Ok(())
    }
}
