//! The server's only log: one line per event on standard error, where a service manager
//! collects it. Lines name what happened, never report contents or keys.

use std::fmt;

/// Writes one line to standard error.
#[allow(clippy::print_stderr)]
pub(crate) fn line(message: fmt::Arguments<'_>) {
    eprintln!("childsafe-backend: {message}");
}
