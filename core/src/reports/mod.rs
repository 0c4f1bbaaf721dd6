//! Emergency reports: what a report holds, the outbox that keeps every report until the server
//! has it, SOS, and the country directory of emergency numbers and child helplines.
//!
//! - [`model`]: what a report holds on the phone, and its wire form (the protocol's, whose rules
//!   the backend checks too).
//! - [`outbox`]: reports stored durably on the phone, with their delivery status.
//! - [`sos`]: "I'm in danger": the numbers to show at once, and an urgent report.
//! - [`directory`]: emergency numbers and child helplines per country, and their signed updates.

pub mod directory;
pub mod model;
pub mod outbox;
pub mod sos;

pub use directory::{
    CountryCode, CountryEntry, DirectoryBundle, DirectoryError, EccDataError, EmergencyContacts,
    Helpline,
};
pub use model::{Location, Report, ReportError, ReportKind, ReportedUser};
pub use outbox::{DeliveryRecord, Outbox, OutboxError, Receipt, ReportDraft, ReportState};
pub use sos::SosAnswer;
