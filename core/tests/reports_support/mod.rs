//! What the report tests share: a device directory with a real sealed sled store on disk, opened
//! as a fresh process would, and a clock.

// Each test file uses its own subset of these.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use childsafe_core::reports::Outbox;
use childsafe_core::store::{FileKeyStore, SealedStore, SledStore, open_device_store};
use childsafe_core::time::ClockReading;

/// A moment of the tests' timeline, Unix seconds.
pub(crate) const T0: u64 = 1_800_000_000;

/// The store the SDK opens on a phone.
pub(crate) type DeviceStore = SealedStore<SledStore>;

/// A device directory on disk, removed when dropped.
pub(crate) struct Device {
    dir: PathBuf,
}

impl Device {
    /// A fresh, empty device directory.
    pub(crate) fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "childsafe-reports-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir }
    }

    /// Opens the sealed store as a fresh process would.
    pub(crate) fn store(&self) -> DeviceStore {
        let keys = FileKeyStore::new(self.dir.join("data.key"));
        open_device_store(&self.dir.join("store"), &keys).unwrap()
    }

    /// Opens the outbox over a freshly opened store.
    pub(crate) fn outbox(&self) -> Outbox<DeviceStore> {
        Outbox::new(self.store())
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A clock reading in boot 1, with the wall clock agreeing with the monotonic clock.
pub(crate) fn at(wall: u64) -> ClockReading {
    ClockReading {
        wall_unix: wall,
        monotonic_secs: wall - T0 + 1_000,
        boot_id: 1,
    }
}
