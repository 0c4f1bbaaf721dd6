//! The device store on a real sled directory: what goes in comes out, in order and whole; what is
//! on disk is sealed; and whatever was altered on disk is reported as tampering, never reset.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use childsafe_core::store::{
    FileKeyStore, KeyStore, SealedStore, SledStore, Store, StoreError, WriteBatch, get_json,
    open_device_store, put_json,
};

/// A fresh directory under the system's temporary directory, removed when dropped.
struct TestDir(PathBuf);

impl TestDir {
    fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique = format!(
            "childsafe-store-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(unique);
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn db(&self) -> PathBuf {
        self.0.join("db")
    }

    fn keys(&self) -> FileKeyStore {
        FileKeyStore::new(self.0.join("data.key"))
    }

    fn open(&self) -> SealedStore<SledStore> {
        open_device_store(&self.db(), &self.keys()).unwrap()
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn put(store: &dyn Store, key: &[u8], value: &[u8]) {
    let mut batch = WriteBatch::new();
    batch.put(key, value);
    store.apply(batch).unwrap();
}

/// Every byte of every file under `dir`, for looking for a plaintext.
fn every_file_byte(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.extend(every_file_byte(&path));
        } else {
            all.extend(std::fs::read(&path).unwrap());
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Writes a value in a new store, closes it and opens it again, which makes sled write a snapshot
/// of its recovered state; returns the snapshot's path.
fn store_with_a_snapshot(dir: &TestDir) -> PathBuf {
    put(&dir.open(), b"settings/age_band", b"9-12");
    drop(dir.open());
    std::fs::read_dir(dir.db())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("snap.")
        })
        .expect("sled wrote a snapshot")
}

fn assert_tampered(result: Result<Option<Vec<u8>>, StoreError>, namespace: &str) {
    match result {
        Err(StoreError::Tampered {
            namespace: found, ..
        }) => assert_eq!(found, namespace),
        other => panic!("expected Tampered in {namespace}, got {other:?}"),
    }
}

#[test]
fn values_round_trip_and_deletes_remove_them() {
    let dir = TestDir::new("round-trip");
    let store = dir.open();
    assert_eq!(store.get(b"settings/age_band").unwrap(), None);

    put(&store, b"settings/age_band", b"9-12");
    put(&store, b"settings/empty", b"");
    assert_eq!(store.get(b"settings/age_band").unwrap().unwrap(), b"9-12");
    assert_eq!(store.get(b"settings/empty").unwrap().unwrap(), b"");

    put(&store, b"settings/age_band", b"13-15");
    assert_eq!(store.get(b"settings/age_band").unwrap().unwrap(), b"13-15");

    let mut batch = WriteBatch::new();
    batch.delete(b"settings/age_band");
    batch.delete(b"settings/never-written");
    store.apply(batch).unwrap();
    assert_eq!(store.get(b"settings/age_band").unwrap(), None);
}

#[test]
fn typed_values_round_trip_as_json() {
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Lockout {
        failed_attempts: u32,
        locked_until: Option<u64>,
    }
    let dir = TestDir::new("json");
    let store = dir.open();
    let lockout = Lockout {
        failed_attempts: 3,
        locked_until: Some(1_700_000_000),
    };
    let mut batch = WriteBatch::new();
    put_json(&mut batch, b"settings/lockout", &lockout).unwrap();
    store.apply(batch).unwrap();

    let dyn_store: &dyn Store = &store;
    assert_eq!(
        get_json::<Lockout>(dyn_store, b"settings/lockout").unwrap(),
        Some(lockout)
    );
    assert_eq!(
        get_json::<Lockout>(dyn_store, b"settings/missing").unwrap(),
        None
    );

    // A value of another shape is an error that does not quote the value.
    put(
        &store,
        b"settings/lockout",
        b"{\"failed_attempts\":\"private words\"}",
    );
    let err = get_json::<Lockout>(dyn_store, b"settings/lockout").unwrap_err();
    assert!(matches!(err, StoreError::Serialization { .. }), "{err:?}");
    assert!(err.to_string().contains("settings/"));
    assert!(!err.to_string().contains("private words"), "{err}");
}

#[test]
fn a_batch_applies_all_of_its_writes_and_the_later_write_of_a_key_wins() {
    let dir = TestDir::new("batch");
    let store: Box<dyn Store> = Box::new(dir.open());
    put(&store, b"reports/old", b"delivered");

    let mut batch = WriteBatch::new();
    batch.put(b"reports/1", b"queued");
    batch.put(b"reports/2", b"queued");
    batch.delete(b"reports/old");
    batch.put(b"reports/3", b"first");
    batch.put(b"reports/3", b"second");
    batch.put(b"reports/4", b"written");
    batch.delete(b"reports/4");
    assert_eq!(batch.len(), 7);
    // The debug form counts the writes and shows no value.
    assert!(!format!("{batch:?}").contains("queued"));
    store.apply(batch).unwrap();

    assert_eq!(
        store.scan_prefix(b"reports/").unwrap(),
        vec![
            (b"reports/1".to_vec(), b"queued".to_vec()),
            (b"reports/2".to_vec(), b"queued".to_vec()),
            (b"reports/3".to_vec(), b"second".to_vec()),
        ]
    );
    store.apply(WriteBatch::new()).unwrap();
    assert_eq!(store.scan_prefix(b"reports/").unwrap().len(), 3);
}

#[test]
fn readers_in_other_threads_see_each_batch_whole() {
    // Enough keys that a scan takes long enough to overlap a batch being applied.
    const KEYS: u32 = 64;
    const BATCHES: u32 = 150;
    let dir = TestDir::new("isolation");
    let store = dir.open();
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            for n in 1..=BATCHES {
                let mut batch = WriteBatch::new();
                for k in 0..KEYS {
                    batch.put(format!("iso/{k:02}").as_bytes(), &n.to_le_bytes());
                }
                store.apply(batch).unwrap();
            }
        });
        while !writer.is_finished() {
            let values: Vec<Vec<u8>> = store
                .scan_prefix(b"iso/")
                .unwrap()
                .into_iter()
                .map(|(_, v)| v)
                .collect();
            assert!(
                values.is_empty() || values.len() == KEYS as usize,
                "{}",
                values.len()
            );
            assert!(
                values.windows(2).all(|w| w[0] == w[1]),
                "a batch was seen in part"
            );
        }
    });
    assert_eq!(
        store.get(b"iso/63").unwrap().unwrap(),
        BATCHES.to_le_bytes()
    );
}

#[test]
fn scan_prefix_returns_only_the_prefix_in_key_order() {
    let dir = TestDir::new("scan");
    let store = dir.open();
    let keys: [&[u8]; 9] = [
        b"settings/b",
        b"reports/1",
        b"settings/\xff",
        b"settings",
        b"settings/a/2",
        b"settings0",
        b"settings/a",
        b"settings/",
        b"audit/1",
    ];
    let mut batch = WriteBatch::new();
    for key in keys {
        batch.put(key, key);
    }
    store.apply(batch).unwrap();

    let found: Vec<Vec<u8>> = store
        .scan_prefix(b"settings/")
        .unwrap()
        .into_iter()
        .map(|(key, value)| {
            assert_eq!(key, value);
            key
        })
        .collect();
    let expected: [&[u8]; 5] = [
        b"settings/",
        b"settings/a",
        b"settings/a/2",
        b"settings/b",
        b"settings/\xff",
    ];
    assert_eq!(found, expected);
    assert_eq!(store.scan_prefix(b"").unwrap().len(), keys.len());
    assert!(store.scan_prefix(b"nothing/").unwrap().is_empty());
}

#[test]
fn values_are_sealed_on_disk() {
    const MARKER: &[u8] = b"PLAINTEXT-MARKER-5d1c";
    let dir = TestDir::new("on-disk");
    {
        let store = dir.open();
        put(&store, b"settings/marker", MARKER);
        assert_eq!(store.get(b"settings/marker").unwrap().unwrap(), MARKER);
    }
    assert!(!contains(&every_file_byte(&dir.db()), MARKER));

    // The search would find the marker if it were there: written raw, it is.
    let raw_dir = TestDir::new("on-disk-raw");
    {
        let raw = SledStore::open(&raw_dir.db()).unwrap();
        put(&raw, b"settings/marker", MARKER);
    }
    assert!(contains(&every_file_byte(&raw_dir.db()), MARKER));
}

#[test]
fn reopening_with_the_same_key_file_sees_the_data() {
    let dir = TestDir::new("reopen");
    {
        let store = dir.open();
        put(&store, b"settings/pin_salt", b"salt");
        put(&store, b"reports/1", b"queued");
    }
    let store = dir.open();
    assert_eq!(store.get(b"settings/pin_salt").unwrap().unwrap(), b"salt");
    assert_eq!(store.scan_prefix(b"reports/").unwrap().len(), 1);
    assert_eq!(store.backend().discarded_snapshots(), 0);
}

#[test]
fn another_data_key_is_reported_as_tampering() {
    let dir = TestDir::new("other-key");
    {
        let store = dir.open();
        put(&store, b"settings/age_band", b"9-12");
    }
    let other_keys = FileKeyStore::new(dir.0.join("other.key"));
    assert_ne!(
        other_keys.data_key().unwrap(),
        dir.keys().data_key().unwrap()
    );
    let store = open_device_store(&dir.db(), &other_keys).unwrap();
    let err = store.get(b"settings/age_band").unwrap_err();
    assert!(matches!(err, StoreError::Tampered { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("settings/"), "{message}");
    assert!(
        !message.contains("age_band") && !message.contains("9-12"),
        "{message}"
    );
    assert!(matches!(
        store.scan_prefix(b"settings/"),
        Err(StoreError::Tampered { .. })
    ));
    drop(store);

    // Nothing was reset: the right key still reads the value.
    assert_eq!(
        dir.open().get(b"settings/age_band").unwrap().unwrap(),
        b"9-12"
    );
}

#[test]
fn a_flipped_byte_anywhere_is_tampering_and_other_keys_still_work() {
    let dir = TestDir::new("flipped");
    let store = dir.open();
    put(&store, b"settings/good", b"untouched");
    put(&store, b"settings/probe", b"a value to alter");
    let sealed = store.backend().get(b"settings/probe").unwrap().unwrap();

    for i in 0..sealed.len() {
        let mut altered = sealed.clone();
        altered[i] ^= 0x20;
        put(store.backend(), b"settings/probe", &altered);
        assert_tampered(store.get(b"settings/probe"), "settings/");
        // The altered value is left as it is, not reset.
        assert_eq!(
            store.backend().get(b"settings/probe").unwrap().unwrap(),
            altered
        );
    }

    assert_eq!(store.get(b"settings/good").unwrap().unwrap(), b"untouched");
    put(&store, b"settings/new", b"still writable");
    assert_eq!(
        store.get(b"settings/new").unwrap().unwrap(),
        b"still writable"
    );
}

#[test]
fn a_value_moved_to_another_key_is_tampering() {
    let dir = TestDir::new("moved");
    let store = dir.open();
    put(&store, b"settings/allow_all", b"false");
    put(&store, b"settings/strict", b"true");
    let sealed_true = store.backend().get(b"settings/strict").unwrap().unwrap();

    put(store.backend(), b"settings/allow_all", &sealed_true);
    assert_tampered(store.get(b"settings/allow_all"), "settings/");
    put(store.backend(), b"reports/copied", &sealed_true);
    assert_tampered(store.get(b"reports/copied"), "reports/");
    assert_eq!(store.get(b"settings/strict").unwrap().unwrap(), b"true");
}

#[test]
fn a_cut_or_foreign_value_is_tampering_not_a_panic() {
    let dir = TestDir::new("cut");
    let store = dir.open();
    put(&store, b"audit/1", b"pin changed");
    let sealed = store.backend().get(b"audit/1").unwrap().unwrap();

    for len in 0..sealed.len() {
        put(store.backend(), b"audit/1", &sealed[..len]);
        assert_tampered(store.get(b"audit/1"), "audit/");
    }
    let mut other_version = sealed.clone();
    other_version[0] = 2;
    put(store.backend(), b"audit/1", &other_version);
    assert_tampered(store.get(b"audit/1"), "audit/");
    put(store.backend(), b"audit/1", b"pin changed");
    assert_tampered(store.get(b"audit/1"), "audit/");
    // A key without a namespace is named as such, not shown.
    put(store.backend(), b"secret-site.example", b"junk");
    assert_tampered(store.get(b"secret-site.example"), "(unnamed)");
}

#[test]
fn the_key_file_is_made_once_with_owner_only_permissions() {
    let dir = TestDir::new("key-file");
    let path = dir.0.join("data.key");
    let key = FileKeyStore::new(&path).data_key().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), key);
    assert_eq!(FileKeyStore::new(&path).data_key().unwrap(), key);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Only the key file is left next to it.
    assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 1);

    // Processes racing to make a key all end up with the one key that was linked into place.
    let raced = dir.0.join("raced.key");
    let keys: Vec<[u8; 32]> = std::thread::scope(|scope| {
        let racers: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| FileKeyStore::new(&raced).data_key().unwrap()))
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert!(keys.iter().all(|k| *k == keys[0]));
    assert_eq!(std::fs::read(&raced).unwrap(), keys[0]);
    std::fs::remove_file(&raced).unwrap();

    std::fs::write(&path, b"short").unwrap();
    let err = open_device_store(&dir.db(), &FileKeyStore::new(&path)).unwrap_err();
    assert!(matches!(err, StoreError::KeyUnavailable(_)), "{err:?}");
}

#[test]
fn a_half_written_snapshot_left_by_a_kill_does_not_stop_the_store_opening() {
    let dir = TestDir::new("snapshot");
    let snapshot = store_with_a_snapshot(&dir);
    let bytes = std::fs::read(&snapshot).unwrap();

    // What a kill part way through writing the next snapshot leaves: a newer, cut `.generating`
    // file, which sled 0.34 alone refuses to open past.
    let cut = dir.db().join("snap.FFFFFFFFFFFFFFFF.generating");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let refused = sled::Config::new().path(dir.db()).open();
    assert!(
        matches!(refused, Err(sled::Error::Corruption { .. })),
        "{refused:?}"
    );
    drop(refused);

    let store = dir.open();
    assert_eq!(store.backend().discarded_snapshots(), 1);
    assert!(!cut.exists());
    assert_eq!(store.get(b"settings/age_band").unwrap().unwrap(), b"9-12");
    put(&store, b"settings/after", b"writable");
    drop(store);
    assert_eq!(
        dir.open().get(b"settings/after").unwrap().unwrap(),
        b"writable"
    );
}

#[test]
fn damage_that_is_not_a_cut_snapshot_is_reported_not_repaired() {
    let dir = TestDir::new("damaged");
    let snapshot = store_with_a_snapshot(&dir);
    let mut bytes = std::fs::read(&snapshot).unwrap();
    bytes[0] ^= 0xff;
    std::fs::write(&snapshot, &bytes).unwrap();

    let err = open_device_store(&dir.db(), &dir.keys()).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    // The damaged file is left for whoever decides what to do with it.
    assert_eq!(std::fs::read(&snapshot).unwrap(), bytes);
}

#[test]
fn closing_and_reopening_at_once_in_the_same_process_works_every_time() {
    // sled's flusher thread lets go of the file lock a moment after the last handle is dropped;
    // an app that closes and reopens its store right away must not see that as a failure.
    let dir = TestDir::new("reopen-at-once");
    for round in 0u32..20 {
        let store = dir.open();
        put(&store, b"settings/round", &round.to_le_bytes());
        drop(store);
    }
    assert_eq!(
        dir.open().get(b"settings/round").unwrap().unwrap(),
        19u32.to_le_bytes()
    );
}
