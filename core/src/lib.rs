//! childsafe-core: all of childsafe's behaviour, in platform-free Rust.
//!
//! On a child's phone childsafe gives three things: safe mode (the phone's child-safety
//! settings), a filtered browser policy (allow, block or rewrite every URL the browser loads), and
//! emergency report buttons. Each job lives in its own module; `childsafe-ffi` exposes them to
//! Kotlin and Swift without adding behaviour.
//!
//! - [`filter`]: URL canonicalization and lookup expressions, the base of the browser policy.
//! - [`dns`]: the on-device DNS filter, which judges every app's names by the same policy.
//! - [`settings`]: safe mode: the profile, PIN, parent codes, activation and parent commands.
//! - [`reports`]: emergency reports.
//! - [`safety`]: the safety information shown to the child and the parents (grooming, bullying,
//!   images, strangers, the report buttons, where to get help), per age band and language, and a
//!   carrier's signed replacement.
//! - [`vocabulary`]: the content [`Category`](vocabulary::Category) and the
//!   [`Locale`](vocabulary::Locale) the jobs and their texts share.
//! - [`time`]: the one trusted clock every job judges and stamps by, and accepting the server's
//!   signed time.
//! - [`trust`]: which keys the phone trusts to sign what (pinned and root-delegated keys).
//! - [`sync`]: the phone's side of sync: the HTTP client, the sync run, backoff, bundles, the
//!   lists store.
//! - [`store`]: the sealed, crash-safe store on the phone.
//! - [`sdk`]: [`ChildSafe`], the one object the platforms use on the child's phone.
//! - [`parent`]: [`ChildSafeParent`](parent::ChildSafeParent), the object a parent's app opens
//!   on the parent's own phone.
//! - [`carrier`]: [`ChildSafeCarrier`](carrier::ChildSafeCarrier), the object a carrier's
//!   provisioning system opens to run its children's lines and sign their profiles.
//! - `error` (with the `uniffi` feature): `ChildSafeError`, the one public error, and the sorting
//!   of every internal error into it.
//!
//! Two crates below core hold what the backend shares with the phone, and are re-exported here
//! under their own names so that callers of core see one tree: [`crypto`] (`childsafe-crypto`:
//! keys, signatures, AEAD, digests, the signed envelope) and [`protocol`]
//! (`childsafe-protocol`: the wire types, request signing, the route table, signed server time,
//! the report's wire form).
#![forbid(unsafe_code)]

pub mod carrier;
pub mod dns;
#[cfg(feature = "uniffi")]
pub mod error;
pub mod filter;
pub mod parent;
pub mod reports;
pub mod safety;
pub mod sdk;
pub mod settings;
pub mod store;
pub mod sync;
pub mod time;
pub mod trust;
pub mod vocabulary;

/// The cryptography shared with the backend and the tools: `childsafe_core::crypto::...` paths
/// name the `childsafe-crypto` crate.
pub use childsafe_crypto as crypto;
/// The sync protocol shared with the backend: `childsafe_core::protocol::...` paths name the
/// `childsafe-protocol` crate, whose types core's API hands out (a report's
/// [`protocol::report::ReportKind`], a parent's [`protocol::pairing::ParentRole`]).
pub use childsafe_protocol as protocol;

// The protocol's plain types that cross the FFI in core's API, described to UniFFI here.
#[cfg(feature = "uniffi")]
mod remote_types;

// The plain data types derive UniFFI records and enums behind the `uniffi` feature, which only
// `childsafe-ffi` turns on; they form this crate's own UniFFI component.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("childsafe_core");
pub use sdk::{ChildSafe, ChildSafeConfig};
