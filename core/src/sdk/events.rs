//! What the SDK tells the app as it works: log lines through the app's [`Logger`] and changes
//! worth showing as [`ChildSafeEvent`]s through its [`EventListener`]. Both are platform services
//! the app implements in Kotlin or Swift; the facade and the parts below it only call them.

/// How much a log line matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum LogLevel {
    /// Routine progress.
    Info,
    /// Something was refused or failed, and the SDK carried on.
    Warn,
}

/// The app's logger. Lines never hold URLs, report contents, PINs or keys.
#[cfg_attr(feature = "uniffi", uniffi::export(with_foreign))]
pub trait Logger: Send + Sync {
    /// One line.
    fn log(&self, level: LogLevel, message: String);
}

/// Something the UI may want to show.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ChildSafeEvent {
    /// Safe-mode settings changed (activation, parent command, PIN).
    SettingsChanged,
    /// The server took a report.
    ReportDelivered {
        /// The report id.
        id: String,
    },
    /// A parent approved an access request: the host opens until the time given.
    ApprovalReceived {
        /// The host now allowed.
        host: String,
        /// Until when, Unix seconds.
        until_unix: u64,
    },
    /// A parent refused an access request: show the child the answer.
    AccessDenied {
        /// The request refused.
        request_id: String,
        /// Its host.
        host: String,
    },
    /// The list bundle in force has expired on trusted time and no newer one has arrived. The
    /// lists stay in force; show the child and the parent that they are out of date. Told once
    /// per state, when first seen after opening, a sync or an install.
    ListsOutOfDate {
        /// When the lists expired, Unix seconds.
        since_unix: u64,
    },
    /// The lists the phone had cannot be opened (a trusted key changed in an update, the store
    /// is damaged): every web address is blocked until a valid list bundle installs. Told once,
    /// as [`ChildSafeEvent::ListsOutOfDate`] is.
    ListsUnavailable,
    /// There is safety information to show: an activation profile was applied, or a carrier's
    /// safety pack installed. Read it with `safety_information` for the child and for the parent.
    SafetyInformationAvailable,
}

/// The app's listener for [`ChildSafeEvent`]s; called on the thread that made the change.
#[cfg_attr(feature = "uniffi", uniffi::export(with_foreign))]
pub trait EventListener: Send + Sync {
    /// One event.
    fn on_event(&self, event: ChildSafeEvent);
}
