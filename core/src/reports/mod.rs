//! Emergency reports: the report model shared with the backend.
//!
//! - [`model`]: what a report holds, and the rules every report keeps.

pub mod model;

pub use model::{Location, Report, ReportError, ReportKind, ReportedUser};
