//! The reference sync server that childsafe devices talk to: device registration, report ingest,
//! signed bundles, pairing (short codes, and invites the relay cannot hijack) and the parent
//! relay. It shares the protocol with the SDK through
//! `childsafe-protocol` (wire types, request signing, the route table) and `childsafe-crypto`,
//! and never links the phone's own code (`childsafe-core`); `docs/protocol/openapi.json`
//! describes the same protocol for anyone writing their own server.
//!
//! The server lives here rather than in the binary so that tests, benchmarks and the SDK's sync
//! tests start it in-process with [`spawn`]; `main.rs` only parses the command line.
//!
//! - [`server`]: configuration, start, shutdown and the retention job.
//! - `connections`, `pacing`, `admission`: the accept loop, the deadlines on slow clients and
//!   the cap per client address.
//! - `routes`: the router, mounted from the protocol's one table of routes.
//! - [`routing`]: where each report goes (parents, hotlines).
//! - `pairing`, `pairing_invites`: pairing by short code, and by invite (confirmed by the
//!   device); `paired_pages` keeps a parent's feed and mailbox to the devices still paired.
//! - [`events`], [`push`]: a parent's live events, streamed to its app and posted to the
//!   operator's push gateway.
//! - `carriers`, `line_handle`: carriers, their children's lines (kept under a keyed hash of
//!   the line), the documents they sign for them, and a device's view of its line.
//! - [`limits`]: every limit the protocol enforces.
//! - [`operator`]: activation tokens and the hotline export, shared by HTTP and the CLI.
//! - `state`: the state every handler shares, built by [`server`] and read by the handlers;
//!   `bundle_cache` and `attempts` (wrong pairing codes, parent registrations per address) are
//!   the parts of it kept in memory.
//! - [`storage`]: the durable state, one trait per kind of data (sled or PostgreSQL).
#![forbid(unsafe_code)]

mod admission;
mod attempts;
mod auth;
mod bundle_cache;
mod bundles;
mod carriers;
pub mod clock;
mod connections;
mod device_status;
mod error;
mod event_stream;
pub mod events;
mod extract;
pub mod limits;
mod line_handle;
mod log;
pub mod operator;
mod pacing;
mod paired_pages;
mod pairing;
mod pairing_invites;
pub mod push;
mod registration;
mod relay;
mod reports;
mod routes;
pub mod routing;
pub mod server;
mod server_time;
mod state;
pub mod storage;

pub use server::{RunningServer, ServerConfig, open_storage, spawn};
