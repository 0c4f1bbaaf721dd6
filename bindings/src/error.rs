//! How UniFFI sees childsafe's public error.
//!
//! [`ChildSafeError`] is core's: defined, with every internal error sorted into it and the tests of
//! that sorting, in `childsafe_core::error`. This crate re-exports it and declares its shape to
//! UniFFI as a remote type, so that the error stays in this component next to the platform
//! [`KeyStore`](crate::KeyStore) that throws it: Kotlin keeps `org.childsafe.sdk.ChildSafeException`
//! and Swift `ChildSafe.ChildSafeError`. Deriving it in core's component instead does not work with
//! UniFFI 0.32: the Kotlin it generates for a foreign trait that throws another component's error
//! hands one component's buffer type to the other and does not compile. The declaration below only
//! names the variants and fields; the compiler holds it to core's definition, so a variant or
//! field that differs does not build.

pub use childsafe_core::error::ChildSafeError;

#[uniffi::remote(Error)]
enum ChildSafeError {
    InvalidUrl { reason: String },
    InvalidInput { reason: String },
    WrongPin { wait_secs: u64 },
    WrongParentCode { reason: String },
    LockedOut { retry_after_secs: u64 },
    NotAllowed { reason: String },
    NotReady { reason: String },
    Refused { reason: String },
    Network { retry_after_secs: Option<u64> },
    Storage { reason: String },
    KeyStore { reason: String },
}
