//! The plain types of `childsafe-crypto` and `childsafe-protocol` that cross the FFI in core's
//! API, described to UniFFI here: a derive cannot be put on a type of another crate, so each is
//! mirrored field for field, and UniFFI checks the mirror against the real type when compiling.
//! They belong to core's UniFFI component under their own names, as when core defined them.

use crate::crypto::PublicKey;
use crate::protocol::pairing::ParentRole;
use crate::protocol::report::{Location, ReportKind, ReportedUser};

// Crosses to Kotlin and Swift as its unpadded base64url text, the form keys are written in
// everywhere else (configuration, the CLI, the wire).
uniffi::custom_type!(PublicKey, String, {
    remote,
    lower: |key| key.to_base64url(),
    try_lift: |text| Ok(PublicKey::from_base64url(&text)?),
});

/// The button the child pressed.
#[uniffi::remote(Enum)]
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

/// The person the report is about, as the child knows them.
#[uniffi::remote(Record)]
pub struct ReportedUser {
    /// Their user name, handle or number.
    pub handle: Option<String>,
    /// Where it happened: the app, game or site.
    pub platform: Option<String>,
}

/// Where the phone was, sent only inside an SOS the child started and allowed it for.
#[uniffi::remote(Record)]
pub struct Location {
    /// Degrees north, -90 to 90.
    pub latitude: f64,
    /// Degrees east, -180 to 180.
    pub longitude: f64,
    /// Radius of uncertainty in metres, when the platform gives one.
    pub accuracy_m: Option<f64>,
}

/// A parent's place on a phone.
#[uniffi::remote(Enum)]
pub enum ParentRole {
    /// The first parent: may invite and remove others and release the phone.
    Owner,
    /// A parent the owner invited, or paired after the first.
    Member,
}
