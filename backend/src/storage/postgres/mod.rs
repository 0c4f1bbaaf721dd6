//! [`PostgresStorage`]: the backend's state in PostgreSQL, for deployments where several
//! stateless server replicas share one database. It owns the schema (created at connect) and
//! the SQL of every operation.
//!
//! Correctness across replicas rests on the database, never on a lock in one process: a new
//! idempotency key or report is claimed with `INSERT ... ON CONFLICT DO NOTHING` and read back,
//! a token or pairing code is used up with `DELETE ... RETURNING`, a bundle only replaces an
//! older version inside one upsert, and every change of several rows is one transaction.
//! Feed and mailbox items take their seq from a sequence while the writer holds a transaction
//! lock on that feed or mailbox, so seqs are committed in increasing order and a reader that has
//! seen seq N has seen every smaller one (without the lock, a slower transaction could commit
//! seq 10 after seq 11 was read, and `after = 11` would skip it for ever).
//!
//! Every change returns after `COMMIT`, which with PostgreSQL's default
//! `synchronous_commit = on` means the change is in the flushed write-ahead log.
//!
//! - `store`: [`PostgresStorage`], connecting and the pool;
//! - `schema`: the tables and indexes; `sql`: running statements and reading rows;
//! - `accounts`, `requests`, `reports`, `pairing`, `mailboxes`, `bundles`, `secrets`, `lines`, `purge`:
//!   one storage trait each.

mod accounts;
mod bundles;
mod lines;
mod mailboxes;
mod pairing;
mod purge;
mod reports;
mod requests;
mod schema;
mod secrets;
mod sql;
mod store;

pub use store::{POOL_SIZE, PostgresStorage};
