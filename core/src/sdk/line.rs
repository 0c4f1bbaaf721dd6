//! The phone's line: which carrier line the phone is on, as the platform reads it, and what the
//! SDK does with it.
//!
//! A handset maker's privileged app can read the subscription (Android's `SubscriptionManager`
//! from a carrier-privileged or system app; on iOS the carrier's own configuration) and says,
//! through [`LineIdentity`], the line's identifier and whether the carrier marked it as a child's
//! line. The SDK registers with that identifier instead of a hand-delivered token, and a phone
//! on a child's line that opens with no profile (a new phone, or an app whose data was wiped) is
//! protected from its first URL check, until the carrier's profile for this line and device
//! arrives.

/// The line the phone is on.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LineInfo {
    /// The line's identifier as the carrier knows it (an MSISDN or ICCID). The backend keeps
    /// only its keyed hash.
    pub line_id: String,
    /// Whether the carrier marked the line as a child's line in the subscription's settings.
    pub child_line: bool,
}

/// The platform service that reads the phone's line. Return `None` when there is no line (no
/// SIM, or the app may not read it).
#[cfg_attr(feature = "uniffi", uniffi::export(with_foreign))]
pub trait LineIdentity: Send + Sync {
    /// The line now.
    fn current_line(&self) -> Option<LineInfo>;
}

/// A phone that reads no line (tools, tests, phones set up by parents alone).
#[derive(Debug, Default)]
pub struct NoLine;

impl LineIdentity for NoLine {
    fn current_line(&self) -> Option<LineInfo> {
        None
    }
}
