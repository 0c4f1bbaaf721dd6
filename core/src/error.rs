//! The one public error of childsafe, and the one place where internal errors are sorted into it.
//!
//! [`ChildSafeError`] has only the variants a caller would act on differently; Kotlin sees it as
//! `ChildSafeException` and Swift as `ChildSafeError`. Messages say what was wrong in terms a
//! developer can act on, and never carry personal data: no URL, no report text, no PIN, no key, no
//! backend address. Every conversion from core's internal errors is in this file, with its tests;
//! `childsafe-ffi` re-exports the type and declares its shape to UniFFI there, because the
//! platform's `KeyStore`, which throws it, is that component's (see `bindings/src/error.rs`). It
//! exists only with the `uniffi` feature, which `childsafe-ffi` turns on.

use crate::filter::UrlError;
use crate::reports::OutboxError;
use crate::sdk::SdkError;
use crate::settings::SafeModeError;
use crate::settings::parent_code::ParentCodeError;
use crate::settings::pin::PinError;
use crate::store::StoreError;
use crate::sync::client::SyncError;
use crate::sync::identity::IdentityError;

/// An error a Kotlin or Swift caller can act on; thrown there as `ChildSafeException`, one
/// subclass per variant.
#[derive(Debug, thiserror::Error)]
pub enum ChildSafeError {
    /// The URL cannot be checked: empty, too long, without a host, or of a scheme that carries
    /// no network address (`javascript:`, `data:`). A browser should treat such a URL as blocked.
    #[error("invalid URL: {reason}")]
    InvalidUrl {
        /// What was wrong with the URL, without repeating it.
        reason: String,
    },
    /// An argument is not usable (a malformed PIN, country, report or host); fix the call.
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// What was wrong, without repeating the value.
        reason: String,
    },
    /// The parent PIN given was wrong; the attempt was counted.
    #[error("the parent PIN is wrong; the next attempt may begin in {wait_secs} seconds")]
    WrongPin {
        /// Seconds before the next attempt may begin (0 within the free attempts).
        wait_secs: u64,
    },
    /// The parent's offline code was wrong, or was used already.
    #[error("the parent code is not right: {reason}")]
    WrongParentCode {
        /// Wrong, or already used.
        reason: String,
    },
    /// Too many wrong PINs or parent codes: show the wait, try nothing until it ends.
    #[error("too many wrong attempts: try again in {retry_after_secs} seconds")]
    LockedOut {
        /// Seconds until the next attempt may begin.
        retry_after_secs: u64,
    },
    /// The change needs the parent (their PIN, or a parent at the child's age band).
    #[error("not allowed: {reason}")]
    NotAllowed {
        /// What the change needs.
        reason: String,
    },
    /// The call needs something the device does not have yet (a backend URL, a registration,
    /// a parent who claimed the pairing code).
    #[error("not ready: {reason}")]
    NotReady {
        /// What is missing.
        reason: String,
    },
    /// A signed document (activation profile, parent command, list bundle) or a request was
    /// refused; what was in force stays. Retrying the same input gives the same answer.
    #[error("refused: {reason}")]
    Refused {
        /// Why, without the document's contents.
        reason: String,
    },
    /// The backend could not be reached or asked to wait: retry later (the reports are safe on
    /// the phone meanwhile).
    #[error("the backend is unavailable; retry later")]
    Network {
        /// Seconds the backend asked to wait, when it said.
        retry_after_secs: Option<u64>,
    },
    /// The device store failed or is damaged.
    #[error("storage failed: {reason}")]
    Storage {
        /// What failed.
        reason: String,
    },
    /// The platform key store gave no usable data key; the store stays sealed.
    #[error("the key store failed: {reason}")]
    KeyStore {
        /// What the key store said, or what was wrong with the key it gave.
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

/// A Kotlin or Swift `KeyStore` (the platform service `childsafe-ffi` declares) that threw
/// something other than a `ChildSafeException`.
impl From<uniffi::UnexpectedUniFFICallbackError> for ChildSafeError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::KeyStore {
            reason: format!("the platform key store threw: {}", error.reason),
        }
    }
}

impl From<SdkError> for ChildSafeError {
    fn from(error: SdkError) -> Self {
        match error {
            SdkError::Store(error) => error.into(),
            SdkError::SafeMode(error) => error.into(),
            SdkError::Outbox(error) => error.into(),
            SdkError::Bundle(_) | SdkError::Directory(_) => refused(&error),
            SdkError::Sync(error) => error.into(),
            SdkError::Identity(IdentityError::Store(error)) => error.into(),
            SdkError::Identity(IdentityError::Crypto(_)) => storage(&error),
            SdkError::AccessRequest(_) => invalid(&error),
            SdkError::InvalidInput(reason) => Self::InvalidInput {
                reason: reason.to_owned(),
            },
            SdkError::Refused(reason) => Self::Refused {
                reason: reason.to_owned(),
            },
            SdkError::NotReady(reason) => Self::NotReady {
                reason: reason.to_owned(),
            },
        }
    }
}

impl From<SafeModeError> for ChildSafeError {
    fn from(error: SafeModeError) -> Self {
        match error {
            SafeModeError::NotInitialised => not_ready(&error),
            SafeModeError::AlreadyInitialised | SafeModeError::InvalidHost => invalid(&error),
            SafeModeError::Activation(_)
            | SafeModeError::Command(_)
            | SafeModeError::ServerTime(_) => refused(&error),
            SafeModeError::Pin(PinError::Format) => invalid(&error),
            SafeModeError::Pin(PinError::WrongOldPin { wait_secs }) => Self::WrongPin { wait_secs },
            SafeModeError::Pin(PinError::Crypto(_))
            | SafeModeError::Crypto(_)
            | SafeModeError::Audit(_) => storage(&error),
            SafeModeError::ParentRequired
            | SafeModeError::PinRequired
            | SafeModeError::CarrierFloor { .. } => Self::NotAllowed {
                reason: error.to_string(),
            },
            SafeModeError::LockedOut { retry_after_secs } => Self::LockedOut { retry_after_secs },
            SafeModeError::ParentCode(ParentCodeError::LockedOut(locked)) => Self::LockedOut {
                retry_after_secs: locked.retry_after_secs,
            },
            SafeModeError::ParentCode(ParentCodeError::Malformed) => invalid(&error),
            SafeModeError::ParentCode(ParentCodeError::Wrong | ParentCodeError::Reused) => {
                Self::WrongParentCode {
                    reason: error.to_string(),
                }
            }
            SafeModeError::Store(error) => error.into(),
        }
    }
}

impl From<OutboxError> for ChildSafeError {
    fn from(error: OutboxError) -> Self {
        match error {
            OutboxError::Report(_) => invalid(&error),
            OutboxError::Store(error) => error.into(),
            OutboxError::IdInUse | OutboxError::MissingBody => storage(&error),
        }
    }
}

impl From<StoreError> for ChildSafeError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::KeyUnavailable(_) => Self::KeyStore {
                reason: error.to_string(),
            },
            _ => storage(&error),
        }
    }
}

impl From<SyncError> for ChildSafeError {
    fn from(error: SyncError) -> Self {
        match error {
            SyncError::BadUrl(_) => invalid(&error),
            // The transport's text may name the backend's address; the variant says enough.
            SyncError::Network(_) => Self::Network {
                retry_after_secs: None,
            },
            SyncError::Unavailable { retry_after, .. } => Self::Network {
                retry_after_secs: retry_after.map(|wait| wait.as_secs()),
            },
            SyncError::Refused { status, code, .. } => Self::Refused {
                reason: format!("the backend refused the request ({status}: {code})"),
            },
            SyncError::Protocol(_) => Self::Refused {
                reason: "the backend's answer does not follow the protocol".to_owned(),
            },
            SyncError::Crypto(_) => storage(&error),
        }
    }
}

/// The parent's app's errors: the same kinds as the phone's.
impl From<crate::parent::ParentError> for ChildSafeError {
    fn from(error: crate::parent::ParentError) -> Self {
        use crate::parent::ParentError;
        match error {
            ParentError::Store(error) => error.into(),
            ParentError::Sync(error) => error.into(),
            ParentError::Crypto(_) => storage(&error),
            ParentError::Pairing(_) | ParentError::Command(_) | ParentError::InvalidInput(_) => {
                invalid(&error)
            }
            ParentError::NotPaired | ParentError::NotReady(_) => not_ready(&error),
            ParentError::Refused(_) => refused(&error),
            ParentError::NotAllowed(_) => Self::NotAllowed {
                reason: error.to_string(),
            },
        }
    }
}

/// The carrier's system's errors: the same kinds as the phone's.
impl From<crate::carrier::CarrierError> for ChildSafeError {
    fn from(error: crate::carrier::CarrierError) -> Self {
        use crate::carrier::CarrierError;
        match error {
            CarrierError::Sync(error) => error.into(),
            CarrierError::Crypto(crate::crypto::CryptoError::Random) => storage(&error),
            CarrierError::Crypto(_)
            | CarrierError::BirthMonth(_)
            | CarrierError::InvalidInput(_)
            | CarrierError::UnknownLine => invalid(&error),
            CarrierError::Signing(_) | CarrierError::KeyDocument(_) => refused(&error),
            CarrierError::NotReady(_) => not_ready(&error),
            CarrierError::Protocol(_) => refused(&error),
        }
    }
}

fn invalid(error: &dyn std::error::Error) -> ChildSafeError {
    ChildSafeError::InvalidInput {
        reason: error.to_string(),
    }
}

fn refused(error: &dyn std::error::Error) -> ChildSafeError {
    ChildSafeError::Refused {
        reason: error.to_string(),
    }
}

fn not_ready(error: &dyn std::error::Error) -> ChildSafeError {
    ChildSafeError::NotReady {
        reason: error.to_string(),
    }
}

fn storage(error: &dyn std::error::Error) -> ChildSafeError {
    ChildSafeError::Storage {
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::settings::LockedOut;
    use crate::store::KeyStoreError;

    /// A backend address and a personal detail that must never reach a message.
    const PRIVATE: &str = "https://backend.example/v1/devices/child-42?name=Alice";

    #[test]
    fn network_failures_drop_the_transport_text() {
        let error = ChildSafeError::from(SyncError::Network(PRIVATE.to_owned()));
        assert!(matches!(
            error,
            ChildSafeError::Network {
                retry_after_secs: None
            }
        ));
        assert!(!error.to_string().contains("backend.example"), "{error}");
    }

    #[test]
    fn a_backend_that_asks_to_wait_passes_on_its_wait() {
        let error = ChildSafeError::from(SyncError::Unavailable {
            status: 503,
            code: "busy".to_owned(),
            retry_after: Some(Duration::from_secs(30)),
        });
        assert!(matches!(
            error,
            ChildSafeError::Network {
                retry_after_secs: Some(30)
            }
        ));
    }

    #[test]
    fn a_refusal_keeps_status_and_code_but_not_the_server_text() {
        let error = ChildSafeError::from(SyncError::Refused {
            status: 403,
            code: "forbidden".to_owned(),
            message: PRIVATE.to_owned(),
        });
        let ChildSafeError::Refused { reason } = &error else {
            panic!("{error:?}");
        };
        assert_eq!(reason, "the backend refused the request (403: forbidden)");
        let error = ChildSafeError::from(SyncError::Protocol(PRIVATE.to_owned()));
        assert!(!error.to_string().contains("Alice"), "{error}");
        assert!(matches!(error, ChildSafeError::Refused { .. }));
    }

    #[test]
    fn url_errors_name_the_problem_not_the_url() {
        let error = ChildSafeError::from(UrlError::Empty);
        let ChildSafeError::InvalidUrl { reason } = &error else {
            panic!("{error:?}");
        };
        assert_eq!(reason, "the URL is empty");
    }

    #[test]
    fn pin_and_parent_code_failures_keep_their_waits() {
        let wrong = SdkError::SafeMode(SafeModeError::Pin(PinError::WrongOldPin { wait_secs: 60 }));
        assert!(matches!(
            ChildSafeError::from(wrong),
            ChildSafeError::WrongPin { wait_secs: 60 }
        ));
        let locked = SafeModeError::ParentCode(ParentCodeError::LockedOut(LockedOut {
            retry_after_secs: 300,
        }));
        assert!(matches!(
            ChildSafeError::from(locked),
            ChildSafeError::LockedOut {
                retry_after_secs: 300
            }
        ));
        assert!(matches!(
            ChildSafeError::from(SafeModeError::ParentCode(ParentCodeError::Reused)),
            ChildSafeError::WrongParentCode { .. }
        ));
        assert!(matches!(
            ChildSafeError::from(SafeModeError::Pin(PinError::Format)),
            ChildSafeError::InvalidInput { .. }
        ));
    }

    #[test]
    fn an_unusable_data_key_is_a_key_store_error_and_other_store_failures_are_storage() {
        let key = StoreError::KeyUnavailable(KeyStoreError::new("the keystore is locked"));
        assert!(matches!(
            ChildSafeError::from(SdkError::Store(key)),
            ChildSafeError::KeyStore { .. }
        ));
        let corrupt = StoreError::Corrupt("a snapshot is cut short");
        assert!(matches!(
            ChildSafeError::from(OutboxError::Store(corrupt)),
            ChildSafeError::Storage { .. }
        ));
    }

    #[test]
    fn the_parent_s_errors_sort_into_the_same_kinds() {
        use crate::parent::ParentError;
        assert!(matches!(
            ChildSafeError::from(ParentError::NotPaired),
            ChildSafeError::NotReady { .. }
        ));
        assert!(matches!(
            ChildSafeError::from(ParentError::Refused("not signed by the child's phone")),
            ChildSafeError::Refused { .. }
        ));
        assert!(matches!(
            ChildSafeError::from(ParentError::NotAllowed("owner only")),
            ChildSafeError::NotAllowed { .. }
        ));
        let bad_qr = crate::protocol::pairing::PairingError::BadSecret;
        assert!(matches!(
            ChildSafeError::from(ParentError::Pairing(bad_qr)),
            ChildSafeError::InvalidInput { .. }
        ));
        assert!(matches!(
            ChildSafeError::from(ParentError::Sync(SyncError::Network(PRIVATE.to_owned()))),
            ChildSafeError::Network { .. }
        ));
    }

    #[test]
    fn the_carrier_s_errors_sort_into_the_same_kinds() {
        use crate::carrier::{BirthMonthError, CarrierError};
        assert!(matches!(
            ChildSafeError::from(CarrierError::BirthMonth(BirthMonthError::Malformed)),
            ChildSafeError::InvalidInput { .. }
        ));
        assert!(matches!(
            ChildSafeError::from(CarrierError::UnknownLine),
            ChildSafeError::InvalidInput { .. }
        ));
        assert!(matches!(
            ChildSafeError::from(CarrierError::NotReady("no device yet")),
            ChildSafeError::NotReady { .. }
        ));
        let refused = CarrierError::Sync(SyncError::Refused {
            status: 401,
            code: "bad_signature".to_owned(),
            message: PRIVATE.to_owned(),
        });
        let error = ChildSafeError::from(refused);
        assert!(matches!(error, ChildSafeError::Refused { .. }));
        assert!(!error.to_string().contains("Alice"), "{error}");
    }

    #[test]
    fn the_facade_s_own_texts_pass_through_under_their_kind() {
        let cases = [
            (
                SdkError::InvalidInput("a host is needed"),
                "invalid input: a host is needed",
            ),
            (SdkError::Refused("not newer"), "refused: not newer"),
            (
                SdkError::NotReady("no backend URL"),
                "not ready: no backend URL",
            ),
        ];
        for (internal, message) in cases {
            assert_eq!(ChildSafeError::from(internal).to_string(), message);
        }
        assert!(matches!(
            ChildSafeError::from(SafeModeError::NotInitialised),
            ChildSafeError::NotReady { .. }
        ));
    }
}
