//! childsafe-core: all of childsafe's behaviour, in platform-free Rust.
//!
//! On a child's phone childsafe gives three things: safe mode (the phone's child-safety
//! settings), a filtered browser policy (allow, block or rewrite every URL the browser loads), and
//! emergency report buttons. Each job lives in its own module; `childsafe-ffi` exposes them to
//! Kotlin and Swift without adding behaviour.
//!
//! - [`filter`]: URL canonicalization and lookup expressions, the base of the browser policy.
//! - [`settings`]: safe mode: the profile, PIN, parent codes, activation and parent commands.
//! - [`reports`]: emergency reports.
//! - [`vocabulary`]: the content [`Category`](vocabulary::Category) and the
//!   [`Locale`](vocabulary::Locale) the jobs and their texts share.
//! - [`time`]: the one trusted clock every job judges and stamps by.
//! - [`sync`]: the wire protocol and request signing shared with the backend, the client.
//! - [`sdk`]: [`ChildSafe`], the one object the platforms use.
//! - `error` (with the `uniffi` feature): `ChildSafeError`, the one public error, and the sorting
//!   of every internal error into it.
#![forbid(unsafe_code)]

pub mod crypto;
#[cfg(feature = "uniffi")]
pub mod error;
pub mod filter;
pub mod reports;
pub mod sdk;
pub mod settings;
pub mod store;
pub mod sync;
pub mod time;
pub mod vocabulary;

// The plain data types derive UniFFI records and enums behind the `uniffi` feature, which only
// `childsafe-ffi` turns on; they form this crate's own UniFFI component.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("childsafe_core");
pub use sdk::{ChildSafe, ChildSafeConfig};
