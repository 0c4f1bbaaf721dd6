//! Sync with the backend: the wire protocol shared with the reference server, and request
//! signing.
//!
//! - [`wire`]: every JSON body of the protocol.
//! - [`request_signing`]: how each request is signed and checked.

pub mod request_signing;
pub mod wire;
