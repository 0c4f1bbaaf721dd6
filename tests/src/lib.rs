//! Cross-crate tests of childsafe. The tests live in `tests/tests/`, one file per story; this
//! library holds what several of them share:
//!
//! - [`fault_proxy`]: a TCP proxy that drops, resets, stalls and truncates, between the SDK and
//!   the backend.
//! - [`recorder`]: the app around the SDK, keeping every event and log line it is given.
//! - [`played_phone`]: a child's phone made of the protocol's parts, for the parent's app to pair
//!   with and command.
#![forbid(unsafe_code)]

pub mod fault_proxy;
pub mod played_phone;
pub mod recorder;
