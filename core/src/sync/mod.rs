//! Sync with the backend, the phone's side: the HTTP client, the sync run and its retry schedule,
//! signed bundles, the lists store and the device's identity. The protocol itself (wire types,
//! request signing, the route table, signed server time) is `childsafe-protocol`, shared with the
//! backend and reached here as [`crate::protocol`].
//!
//! - [`client`]: the phone's HTTP client (HTTPS only; loopback HTTP for tests when asked), its
//!   requests built from the protocol's route table.
//! - [`run`]: one sync run, the only owner of the cycle: server time, outbox, bundles, the lists'
//!   state, device status, mailbox, pruning; it tells what happens as typed [`run::SyncNews`].
//! - [`engine`]: the run's outbox step: reports in urgent-first batches, then delivery statuses.
//! - [`backoff`]: capped exponential backoff with jitter, honouring `Retry-After`.
//! - [`bundles`]: signed trust document, list and directory bundles fetched and applied, with typed
//!   results ([`bundles::AppliedBundle`], [`bundles::BundleRefusal`]).
//! - [`lists_store`]: the list bundle kept on the phone, the only code that stores, opens and
//!   restores it (for a sync and for the app's own installs).
//! - [`line`]: the run's line step: the carrier's rotations, profile or deactivation, and what
//!   tightens from a wiped app's previous device, each checked here.
//! - [`identity`]: the device key and the registration, kept in the sealed store.

pub mod backoff;
pub mod bundles;
pub mod client;
pub mod engine;
pub mod identity;
pub mod invites;
pub mod line;
pub mod lists_store;
pub mod run;
