//! Support code for the filter benchmark (`benches/filter_decisions.rs`): a deterministic
//! workload generator, the childsafe and adblock-rust sides of the comparison, the plain-text
//! baseline and the latency arithmetic. The bench binary only wires them together, measures
//! memory and prints.
#![forbid(unsafe_code)]

pub mod adblock_peer;
pub mod childsafe_side;
pub mod latency;
mod names;
pub mod rng;
pub mod text_lists;
pub mod workload;
