//! The data key kept in a plain file, for tests and command-line tools: [`FileKeyStore`].
//!
//! Built only with the `file-key-store` feature. A phone never uses it: there the key lives in the
//! Android Keystore or the iOS Keychain, reached through [`KeyStore`] across the FFI.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{KeyStore, KeyStoreError};
use crate::crypto::aead::KEY_LEN;
use crate::crypto::random_bytes;

/// A [`KeyStore`] that keeps the data key in a plain file, next to the store it opens, **for tests
/// and command-line tools, never for phones**: the key is protected by nothing but the file's
/// permissions (mode 0600 on unix), so anyone who can read the file can read the store. A phone
/// keeps the key in the Android Keystore or the iOS Keychain, through its own [`KeyStore`].
///
/// The file holds the 32 raw key bytes and is created, from the system's secure generator, on
/// first use. Only built with the `file-key-store` feature, which `childsafe-ffi` never enables.
#[derive(Clone, Debug)]
pub struct FileKeyStore {
    path: PathBuf,
}

impl FileKeyStore {
    /// A key store for the key file at `path`; nothing is read or created until the key is asked
    /// for.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Makes the key file. The key is written to a temporary file first and then linked into
    /// place, so the key file is never seen half-written even if the process is killed, and two
    /// processes creating it at once end up with the same key.
    fn create(&self) -> Result<[u8; KEY_LEN], KeyStoreError> {
        let key: [u8; KEY_LEN] =
            random_bytes().map_err(|e| KeyStoreError::new(format!("no key was made: {e}")))?;
        let temporary = self.temporary_path();
        let written = write_private_file(&temporary, &key).and_then(|()| {
            match fs::hard_link(&temporary, &self.path) {
                Ok(()) => sync_parent_dir(&self.path).map(|()| Some(key)),
                // Another process made the key first: use theirs.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(None),
                Err(e) => Err(e),
            }
        });
        // Best effort: a leftover temporary file holds a key nothing uses.
        let _ = fs::remove_file(&temporary);
        match written {
            Ok(Some(key)) => Ok(key),
            Ok(None) => self.read_existing(),
            Err(e) => Err(KeyStoreError::new(format!(
                "the key file could not be created: {e}"
            ))),
        }
    }

    /// Reads the key file, which must exist.
    fn read_existing(&self) -> Result<[u8; KEY_LEN], KeyStoreError> {
        fs::read(&self.path)
            .map_err(read_failed)
            .and_then(key_from_file)
    }

    /// A name next to the key file that no other process will pick.
    fn temporary_path(&self) -> PathBuf {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".{}.{nanos}.creating", std::process::id()));
        self.path.with_file_name(name)
    }
}

impl KeyStore for FileKeyStore {
    fn data_key(&self) -> Result<[u8; KEY_LEN], KeyStoreError> {
        match fs::read(&self.path) {
            Ok(bytes) => key_from_file(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => self.create(),
            Err(e) => Err(read_failed(e)),
        }
    }
}

/// The key in a key file's bytes, which must be exactly the key.
fn key_from_file(bytes: Vec<u8>) -> Result<[u8; KEY_LEN], KeyStoreError> {
    bytes.try_into().map_err(|_| {
        KeyStoreError::new(format!(
            "the key file does not hold exactly {KEY_LEN} bytes"
        ))
    })
}

/// The error for a key file that exists but cannot be read.
fn read_failed(e: io::Error) -> KeyStoreError {
    KeyStoreError::new(format!("the key file could not be read: {e}"))
}

/// Writes `bytes` to a new file at `path` that only its owner can read, and syncs it.
fn write_private_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes a new directory entry for `path` durable (on unix, by syncing its directory).
fn sync_parent_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::File::open(dir)?.sync_all()?;
    }
    // Elsewhere a directory cannot be opened to sync it; the file itself was synced.
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
