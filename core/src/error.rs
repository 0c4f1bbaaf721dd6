//! The internal error of childsafe-core. Each component keeps its own precise error type
//! ([`UrlError`] for URLs); this enum gathers them for the code paths that cross components. The
//! public error that Kotlin and Swift see is made from this one, in one place, in `childsafe-ffi`.

use crate::filter::UrlError;

/// Anything that can go wrong inside childsafe-core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A URL could not be canonicalized.
    #[error(transparent)]
    Url(#[from] UrlError),
}
