//! childsafe-protocol: the sync protocol between childsafe phones (and parents' apps) and a
//! backend, written once for both sides. The SDK (`childsafe-core`) builds its requests from it
//! and the reference backend serves it; neither needs the other. It depends only on
//! `childsafe-crypto` and serde: no storage, runtime or HTTP library.
//!
//! - [`routes`]: the one table of routes (method, path, operation, access) both sides use.
//! - [`wire`]: the JSON bodies phones and parents' apps send and read.
//! - [`carrier`]: the carrier's bodies (lines, signed profiles) and what a phone reads of its
//!   line.
//! - [`keys`]: keys delegated from a root key, and carrier key rotations.
//! - [`pairing`]: the pairing secret, the key both ends derive from it, the parent's claim, the
//!   confirmation code and the phone's signed statements about its parents.
//! - [`report`]: a report as it travels, and the rules every report keeps.
//! - [`request_signing`]: how each request is signed and checked.
//! - [`server_time`]: the server's signed time, which corrects the phone's trusted clock.
//! - [`rfc3339`]: times as the hotline export and the operator's tools write them.
//! - [`error`]: the body of every error answer.
//! - [`operator`]: the operator's bodies (activation tokens, the hotline export), which phones
//!   never use.
#![forbid(unsafe_code)]

pub mod carrier;
pub mod error;
pub mod keys;
pub mod operator;
pub mod pairing;
pub mod report;
pub mod request_signing;
pub mod rfc3339;
pub mod routes;
pub mod server_time;
pub mod wire;
