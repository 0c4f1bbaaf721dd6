//! What the CLI's integration tests share: a scratch directory, running the real binary (also
//! from async tests, next to a backend on the same runtime), its JSON answers, and a signing key
//! made with it.

// Each test file uses its own subset of these.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use childsafe_core::crypto::PublicKey;

/// A fresh directory under the system's temporary directory, removed when dropped.
pub(crate) struct Scratch(PathBuf);

impl Scratch {
    /// A new, empty scratch directory.
    pub(crate) fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "childsafe-cli-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    /// Writes `contents` to a file called `name` in the scratch directory.
    pub(crate) fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        fs::write(&path, contents).unwrap();
        path
    }

    /// The path of `name` in the scratch directory (not created).
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Runs the real `childsafe` binary with `args`.
pub(crate) fn childsafe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_childsafe"))
        .args(args)
        .output()
        .expect("the childsafe binary runs")
}

/// Runs the `childsafe` binary off the async runtime, so that a backend spawned on it keeps
/// answering while the command waits for it.
pub(crate) async fn childsafe_async(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        childsafe(&args)
    })
    .await
    .expect("the command's thread ends")
}

/// The one JSON value a successful command printed.
pub(crate) fn success_json(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{output:?}");
    serde_json::from_str(text(&output.stdout).trim()).expect("one JSON value")
}

/// Bytes printed by the binary, as text.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A path as a command-line argument.
pub(crate) fn arg(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8 here")
}

/// Generates a key in `scratch` with `childsafe keys generate` and returns its file and the
/// public key printed for it.
pub(crate) fn generate_key(scratch: &Scratch) -> (PathBuf, PublicKey) {
    let key_file = scratch.path("signing.key");
    let output = childsafe(&["keys", "generate", "--out", arg(&key_file)]);
    assert!(output.status.success(), "{output:?}");
    let public = text(&output.stdout)
        .trim()
        .parse()
        .expect("a base64url public key");
    (key_file, public)
}
