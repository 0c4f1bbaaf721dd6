//! The audit log on a real store on disk: entries chain, survive a reopen, and any edit, removal
//! or truncation of the stored entries is detected.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

use childsafe_core::settings::audit::{Actor, AuditError, AuditLog};
use childsafe_core::store::{FileKeyStore, SledStore, Store, WriteBatch, open_device_store};

/// A fresh directory for one test, removed afterwards.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("childsafe-audit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_three_entries(store: &dyn Store) {
    let log = AuditLog::new(store);
    for (at, actor, change) in [
        (
            100,
            Actor::CarrierProfile {
                carrier: "Example Mobile".into(),
            },
            "safe mode on, age band 9-12",
        ),
        (200, Actor::ParentPin, "blocked category gambling"),
        (300, Actor::ParentCode, "approved school.example until 400"),
    ] {
        let mut batch = WriteBatch::new();
        log.append(&mut batch, actor, change, at).unwrap();
        store.apply(batch).unwrap();
    }
}

#[test]
fn entries_chain_and_survive_a_reopen() {
    let dir = Dir::new("reopen");
    let keys = FileKeyStore::new(dir.0.join("data.key"));
    {
        let store = open_device_store(&dir.0.join("db"), &keys).unwrap();
        write_three_entries(&store);
    }
    let store = open_device_store(&dir.0.join("db"), &keys).unwrap();
    let log = AuditLog::new(&store);
    assert_eq!(log.verify().unwrap(), 3);
    let entries = log.entries().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[1].actor, Actor::ParentPin);
    assert_eq!(entries[2].previous_hash, entries[1].hash);
    assert_eq!(entries[0].index, 0);
}

#[test]
fn a_modified_removed_or_truncated_entry_is_detected() {
    let dir = Dir::new("tamper");
    // The raw store, so the test can play the part of someone editing the data.
    let store = SledStore::open(&dir.0.join("db")).unwrap();
    write_three_entries(&store);
    assert_eq!(AuditLog::new(&store).verify().unwrap(), 3);
    let entries = store.scan_prefix(b"audit/entry/").unwrap();

    // Edit the middle entry's text, keeping its stated hash.
    let (key, value) = &entries[1];
    let edited = String::from_utf8(value.clone())
        .unwrap()
        .replace("gambling", "nothing");
    let mut batch = WriteBatch::new();
    batch.put(key, edited.as_bytes());
    store.apply(batch).unwrap();
    assert!(matches!(
        AuditLog::new(&store).verify(),
        Err(AuditError::Broken { index: 1 })
    ));

    // Put it back, then remove the last entry: the head no longer matches.
    let mut batch = WriteBatch::new();
    batch.put(key, value);
    batch.delete(&entries[2].0);
    store.apply(batch).unwrap();
    assert!(matches!(
        AuditLog::new(&store).verify(),
        Err(AuditError::Broken { .. })
    ));

    // Remove the first entry instead: every later link breaks.
    let mut batch = WriteBatch::new();
    batch.put(&entries[2].0, &entries[2].1);
    batch.delete(&entries[0].0);
    store.apply(batch).unwrap();
    assert!(matches!(
        AuditLog::new(&store).verify(),
        Err(AuditError::Broken { index: 0 })
    ));
}
