//! The app around the SDK, as tests need it: a [`Recorder`] is the SDK's logger and event
//! listener at once and keeps everything it is told, so that a test can assert on what the app,
//! the child and a parent would have been shown.

use std::sync::{Mutex, PoisonError};

use childsafe_core::sdk::{ChildSafeEvent, EventListener, LogLevel, Logger};

/// Every event and log line the SDK gave, in order.
#[derive(Debug, Default)]
pub struct Recorder {
    events: Mutex<Vec<ChildSafeEvent>>,
    lines: Mutex<Vec<(LogLevel, String)>>,
}

impl Recorder {
    /// The events so far.
    pub fn events(&self) -> Vec<ChildSafeEvent> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Every log line so far, whatever its level.
    pub fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(_, line)| line.clone())
            .collect()
    }

    /// The warnings so far.
    pub fn warnings(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|(level, _)| *level == LogLevel::Warn)
            .map(|(_, line)| line.clone())
            .collect()
    }

    /// Forgets what was recorded, so that a test can look at what comes next.
    pub fn clear(&self) {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl EventListener for Recorder {
    fn on_event(&self, event: ChildSafeEvent) {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
    }
}

impl Logger for Recorder {
    fn log(&self, level: LogLevel, message: String) {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((level, message));
    }
}
