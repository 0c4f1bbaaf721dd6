//! [`SledStorage`]: the backend's state in one embedded sled database, the default that needs no
//! setup. It owns the on-disk layout (one sled tree per kind of record, the encoding of keys and
//! values) and the way writes reach the disk.
//!
//! - `store`: [`SledStorage`], opening and closing, and how its methods reach sled;
//! - `writer`: the group-commit writer and flusher, and when a write is answered;
//! - `schema`, `keys`, `values`: the trees, the byte layout of keys, the encoding of values;
//! - `accounts`, `requests`, `reports`, `pairing`, `mailboxes`, `bundles`, `secrets`, `lines`: one
//!   storage trait each;
//! - `purge`: the retention purge over every tree.

mod accounts;
mod bundles;
mod keys;
mod lines;
mod mailboxes;
mod pairing;
mod purge;
mod reports;
mod requests;
mod schema;
mod secrets;
mod store;
mod values;
mod writer;

pub use store::{SERVER_CACHE_BYTES, SledStorage};
