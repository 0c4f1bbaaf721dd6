//! The filtered browser policy: everything that decides what a child's browser may load.
//!
//! It starts from the URL itself: [`CanonicalUrl`] puts any URL into the one form list entries
//! are written in, and [`LookupExpressions`] gives the host-suffix × path-prefix expressions
//! under which lists are consulted.

pub mod blockpage;
pub mod bundle;
mod canonical;
pub mod decision;
mod escape;
mod expressions;
mod host;
pub mod host_decision;
pub mod import;
pub mod policy;
pub mod proxies;
pub mod safesearch;
mod url_error;

pub use canonical::{CanonicalUrl, MAX_URL_BYTES};
pub use expressions::{
    ExpressionHash, HashedUrlEntry, LookupExpression, LookupExpressions, MAX_HOST_SUFFIXES,
    MAX_PATH_PREFIXES,
};
pub use host::HostKind;
pub use host_decision::{HostDecision, HostVerdict};
pub use url_error::UrlError;
