//! The body of every error answer, the one shape both sides read a refusal in.

use serde::{Deserialize, Serialize};

/// The body of every 4xx and 5xx answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable machine-readable code, e.g. `bad_signature`.
    pub error: String,
    /// What went wrong, for a developer; never personal data.
    pub message: String,
}
