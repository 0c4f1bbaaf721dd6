//! The one public error of childsafe, and its conversion from the internal errors.
//!
//! It has only the variants a caller would act on differently. Messages say what was wrong in
//! terms a developer can act on, and never carry personal data: no URL, no report text, no PIN,
//! no key. The whole mapping from core's errors is in this file.

use childsafe_core::filter::UrlError;
use childsafe_core::reports::OutboxError;
use childsafe_core::sdk::SdkError;
use childsafe_core::settings::SafeModeError;
use childsafe_core::settings::parent_code::ParentCodeError;
use childsafe_core::settings::pin::PinError;
use childsafe_core::store::StoreError;
use childsafe_core::sync::client::SyncError;
use childsafe_core::sync::identity::IdentityError;

/// An error a Kotlin or Swift caller can act on; thrown there as `ChildSafeException`, one
/// subclass per variant.
#[derive(Debug, thiserror::Error, uniffi::Error)]
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

impl From<childsafe_core::Error> for ChildSafeError {
    fn from(error: childsafe_core::Error) -> Self {
        match error {
            childsafe_core::Error::Url(url_error) => url_error.into(),
        }
    }
}

/// A Kotlin or Swift [`KeyStore`](crate::KeyStore) that threw something other than a
/// `ChildSafeException`.
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
            SafeModeError::ParentRequired | SafeModeError::PinRequired => Self::NotAllowed {
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
