//! Sync with the backend, the phone's side: the HTTP client, the sync run and its retry schedule,
//! signed bundles and the device's identity. The protocol itself (wire types, request signing,
//! the route table, signed server time) is `childsafe-protocol`, shared with the backend and
//! reached here as [`crate::protocol`].
//!
//! - [`client`]: the phone's HTTP client (HTTPS only; loopback HTTP for tests when asked), its
//!   requests built from the protocol's route table.
//! - [`engine`]: one sync run: the outbox in urgent-first batches, then delivery statuses.
//! - [`backoff`]: capped exponential backoff with jitter, honouring `Retry-After`.
//! - [`bundles`]: signed policy, list and directory bundles fetched and applied.
//! - [`identity`]: the device key and the registration, kept in the sealed store.

pub mod backoff;
pub mod bundles;
pub mod client;
pub mod engine;
pub mod identity;
