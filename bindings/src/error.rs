//! The one public error of childsafe, and its conversion from the internal errors.
//!
//! It has only the variants a caller would act on differently. Messages say what was wrong with
//! the input in terms a developer can act on, and never carry personal data such as the URL.

use childsafe_core::filter::UrlError;

/// An error a Kotlin or Swift caller can act on; thrown there as `ChildSafeException`.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum ChildSafeError {
    /// The URL cannot be checked: empty, too long, without a host, or of a scheme that carries
    /// no network address (`javascript:`, `data:`). A browser should treat such a URL as blocked.
    #[error("invalid URL: {reason}")]
    InvalidUrl {
        /// What was wrong with the URL, without repeating it.
        reason: String,
    },
}

impl From<UrlError> for ChildSafeError {
    fn from(error: UrlError) -> Self {
        Self::InvalidUrl {
            reason: error.to_string(),
        }
    }
}

impl From<childsafe_core::Error> for ChildSafeError {
    fn from(error: childsafe_core::Error) -> Self {
        match error {
            childsafe_core::Error::Url(url_error) => url_error.into(),
        }
    }
}
