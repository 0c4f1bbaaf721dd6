//! childsafe-ffi: the UniFFI surface of childsafe, one native library for Android and iOS.
//!
//! Every exported item is a one-line delegate to `childsafe-core`; behaviour never lives here.
//! [`ChildSafe`] is the object a child's phone opens, [`ChildSafeParent`] the one a parent's app
//! opens, [`ChildSafeCarrier`] the one a carrier's provisioning system opens; [`KeyStore`]
//! (here), `Logger` and `EventListener` (core's, exported from there) are the platform services
//! the app implements in Kotlin or Swift. Kotlin and Swift see [`ChildSafeError`] as a typed exception (`ChildSafeException`);
//! it is core's, defined and sorted there, and exported in this component (see `error.rs`).
//! Core's plain data types (records, enums) cross as core's own UniFFI component.
//!
//! One entry point is not UniFFI's: [`quick_check`] answers `url_loads_as_is` as a single plain C
//! call, for the Kotlin class that checks a browser's subresources without UniFFI's per-call work.

mod carrier;
mod child_safe;
mod error;
mod parent;
mod platform;
pub mod quick_check;

use childsafe_core::filter::CanonicalUrl;

pub use carrier::ChildSafeCarrier;
pub use child_safe::ChildSafe;
pub use error::ChildSafeError;
pub use parent::ChildSafeParent;
pub use platform::KeyStore;

uniffi::setup_scaffolding!("childsafe");

/// Canonicalizes `url` by the Safe Browsing rules, e.g. `HTTP://Example.COM:80/a/../b#x` gives
/// `http://example.com/b`.
#[uniffi::export]
pub fn canonicalize_url(url: String) -> Result<String, ChildSafeError> {
    Ok(CanonicalUrl::parse(url.as_bytes())?.to_string())
}

/// The host-suffix × path-prefix lookup expressions of `url` (at most 30), in lookup order.
#[uniffi::export]
pub fn lookup_expressions(url: String) -> Result<Vec<String>, ChildSafeError> {
    Ok(CanonicalUrl::parse(url.as_bytes())?
        .lookup_expressions()
        .map(|e| e.to_string())
        .collect())
}
