//! The reference sync server that childsafe devices talk to: device registration, report ingest,
//! signed bundles and the parent relay. It shares its wire types with the SDK through
//! `childsafe-core`. The server itself arrives with the backend issue; until then this crate only
//! reserves its place in the workspace so that the layout, lints and CI already cover it.
#![forbid(unsafe_code)]
