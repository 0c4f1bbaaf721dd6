//! Storage fixtures shared by the backend's integration tests (`mod support;`): a fresh sled
//! storage in a temporary directory and, when `CHILDSAFE_TEST_DATABASE_URL` names a PostgreSQL
//! server, a fresh PostgreSQL storage in a database of its own, so that tests running in
//! parallel never see each other's data. `scripts/start-postgres.sh` starts such a server.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use childsafe_backend::storage::Storage;
use childsafe_backend::storage::postgres::PostgresStorage;
use childsafe_backend::storage::sled::SledStorage;

/// The environment variable with the URL of a PostgreSQL server whose user may create
/// databases (e.g. `postgres://postgres@127.0.0.1:55432/postgres`).
#[allow(dead_code)]
pub(crate) const DATABASE_URL_VAR: &str = "CHILDSAFE_TEST_DATABASE_URL";

/// Keeps a test storage's data alive while held; dropping it removes the data (the temporary
/// directory, or the test database).
#[allow(dead_code)]
pub(crate) struct Guard {
    place: Place,
}

enum Place {
    /// Held only to be removed when dropped.
    Directory(#[allow(dead_code)] tempfile::TempDir),
    Database {
        admin_url: String,
        name: String,
    },
}

/// Every storage to run a test against, each fresh and empty: sled always, and PostgreSQL when
/// `CHILDSAFE_TEST_DATABASE_URL` is set. Without it, CI (env `CI` set) fails, since CI must test
/// PostgreSQL; elsewhere PostgreSQL is skipped with one line on stderr.
#[allow(dead_code)]
pub(crate) async fn storages() -> Vec<(&'static str, Arc<dyn Storage>, Guard)> {
    let (sled, sled_guard) = fresh_sled();
    let mut all = vec![("sled", sled, sled_guard)];
    if let Some((postgres, postgres_guard)) = fresh_postgres().await {
        all.push(("postgres", postgres, postgres_guard));
    }
    all
}

/// A fresh sled storage in a new temporary directory.
#[allow(dead_code)]
pub(crate) fn fresh_sled() -> (Arc<dyn Storage>, Guard) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let storage = SledStorage::open(dir.path()).expect("sled opens in a new directory");
    (
        Arc::new(storage),
        Guard {
            place: Place::Directory(dir),
        },
    )
}

/// A fresh PostgreSQL storage in a new database, or `None` when no server is configured (see
/// [`storages`]).
#[allow(dead_code)]
pub(crate) async fn fresh_postgres() -> Option<(Arc<dyn Storage>, Guard)> {
    let (url, guard) = fresh_postgres_database().await?;
    let storage = PostgresStorage::connect(&url)
        .await
        .expect("PostgreSQL storage connects to its test database");
    Some((Arc::new(storage), guard))
}

/// The URL of a new, empty database on the test server and the guard that drops it, for a
/// process of its own (the CLI tests), or `None` when no server is configured.
#[allow(dead_code)]
pub(crate) async fn fresh_postgres_database() -> Option<(String, Guard)> {
    let Some(admin_url) = std::env::var(DATABASE_URL_VAR)
        .ok()
        .filter(|u| !u.is_empty())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{DATABASE_URL_VAR} is not set, and CI must test PostgreSQL: start a server with \
             scripts/start-postgres.sh and export its URL as {DATABASE_URL_VAR}"
        );
        note_postgres_skipped();
        return None;
    };
    let name = unique_database_name();
    let admin = connect(&admin_url).await;
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("the test database is created");
    // From here on the guard drops the database even if connecting fails.
    let guard = Guard {
        place: Place::Database {
            admin_url: admin_url.clone(),
            name: name.clone(),
        },
    };
    Some((with_database(&admin_url, &name), guard))
}

impl Drop for Guard {
    fn drop(&mut self) {
        let Place::Database { admin_url, name } = &self.place else {
            return;
        };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on: the database is
        // dropped from a thread with a runtime of its own. FORCE closes the pool's connections.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test database");
            runtime.block_on(async {
                let admin = connect(&admin_url).await;
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
            })
        })
        .join();
        if !std::thread::panicking() {
            dropped
                .expect("the database-dropping thread finished")
                .expect("the test database is dropped");
        }
    }
}

/// A plain connection to the server at `url`, its connection task running in the background.
async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {DATABASE_URL_VAR}: {e}"));
    tokio::spawn(connection);
    client
}

/// A database name no other test, process or earlier run uses.
fn unique_database_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "childsafe_test_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// `url` with its database replaced by `name`, for both URL and `key=value` forms.
fn with_database(url: &str, name: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return format!("{url} dbname={name}");
    };
    let authority_start = scheme_end + 3;
    let (before_query, query) = match url.find('?') {
        Some(q) => url.split_at(q),
        None => (url, ""),
    };
    let authority_end = before_query[authority_start..]
        .find('/')
        .map_or(before_query.len(), |slash| authority_start + slash);
    format!("{}/{name}{query}", &url[..authority_end])
}

#[allow(clippy::print_stderr)]
fn note_postgres_skipped() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        eprintln!(
            "PostgreSQL storage skipped: {DATABASE_URL_VAR} is not set (see scripts/start-postgres.sh)"
        );
    });
}
