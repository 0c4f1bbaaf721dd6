//! Starting and stopping the server: its configuration, building the shared `AppState` (in
//! `state`) that the handlers read, graceful shutdown, and the hourly retention job. The
//! listener and the life of each connection are in [`connections`](crate::connections); the
//! handlers are reached only through `routes::router`.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use childsafe_crypto::{self as crypto, SigningKey};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::attempts::AttemptWindow;
use crate::bundle_cache::BundleCache;
use crate::clock;
use crate::connections::{self, OpenConnections};
use crate::events::{EventLimits, ParentEvents};
use crate::limits::{
    ConnectionLimits, MAX_LINE_REGISTRATIONS_PER_ADDRESS, MAX_PARENT_REGISTRATIONS_PER_ADDRESS,
    PARENT_REGISTRATION_WINDOW_SECS,
};
use crate::line_handle::{LINE_KEY_SECRET, LineKey};
use crate::log;
use crate::push::PushGateway;
use crate::routes;
use crate::state::{AppState, Shared};
use crate::storage::postgres::PostgresStorage;
use crate::storage::sled::SledStorage;
use crate::storage::{HOTLINE_MIN_RETENTION_SECS, Retention, Storage};

/// Seconds in a day.
pub const DAY_SECS: u64 = 86_400;
/// Default days a report (and its feed items) is kept.
pub const DEFAULT_REPORT_RETENTION_DAYS: u64 = 90;
/// Default days a hotline-queued report is kept; never under a year
/// ([`HOTLINE_MIN_RETENTION_SECS`]), since hotlines and law enforcement ask months later.
pub const DEFAULT_HOTLINE_RETENTION_DAYS: u64 = 400;
/// Default days a relayed message is kept.
pub const DEFAULT_MESSAGE_RETENTION_DAYS: u64 = 30;
/// How long a finished idempotency key still replays its answer: a day covers every retry
/// schedule of the SDK (its backoff caps far below that).
pub const IDEMPOTENCY_RETENTION_SECS: u64 = DAY_SECS;
/// How often the retention job runs.
pub const PURGE_INTERVAL: Duration = Duration::from_secs(3600);
/// Name under which the server time key is kept in storage, shared by every replica.
const TIME_KEY_SECRET: &str = "time-key";

/// How a server runs.
#[derive(Clone)]
pub struct ServerConfig {
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The bearer token of the operator API; `None` turns that API off.
    pub operator_token: Option<String>,
    /// How long data is kept.
    pub retention: Retention,
    /// How often the retention job runs.
    pub purge_interval: Duration,
    /// Parents one client address may register per hour (by default
    /// [`MAX_PARENT_REGISTRATIONS_PER_ADDRESS`]).
    pub parent_registrations_per_address: u32,
    /// Device registrations naming a child's line one client address may make per hour (by
    /// default [`MAX_LINE_REGISTRATIONS_PER_ADDRESS`]).
    pub line_registrations_per_address: u32,
    /// Timeouts, rates and caps of connections.
    pub connections: ConnectionLimits,
    /// The key that signs server time (PKCS#8, as `childsafe keys generate` writes it) when the
    /// operator supplies one, so that apps can ship its public key in their configuration;
    /// `None` uses the key generated at the first start and kept in storage.
    pub time_key: Option<Vec<u8>>,
    /// The caps and timing of parents' live event streams.
    pub events: EventLimits,
    /// Where every parent event is also posted ([`push`](crate::push)), if anywhere.
    pub push_gateway: Option<String>,
}

impl ServerConfig {
    /// The defaults on a free port of 127.0.0.1, with the operator API off: for tests, benches
    /// and the demo.
    pub fn loopback() -> Self {
        Self::new(SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// The defaults, listening on `listen`, with the operator API off.
    pub fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            operator_token: None,
            retention: retention_days(
                DEFAULT_REPORT_RETENTION_DAYS,
                DEFAULT_HOTLINE_RETENTION_DAYS,
                DEFAULT_MESSAGE_RETENTION_DAYS,
            ),
            purge_interval: PURGE_INTERVAL,
            parent_registrations_per_address: MAX_PARENT_REGISTRATIONS_PER_ADDRESS,
            line_registrations_per_address: MAX_LINE_REGISTRATIONS_PER_ADDRESS,
            connections: ConnectionLimits::default(),
            time_key: None,
            events: EventLimits::default(),
            push_gateway: None,
        }
    }
}

impl std::fmt::Debug for ServerConfig {
    /// Leaves the operator token out: configurations end up in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("listen", &self.listen)
            .field("operator_api", &self.operator_token.is_some())
            .field("retention", &self.retention)
            .field("purge_interval", &self.purge_interval)
            .field(
                "parent_registrations_per_address",
                &self.parent_registrations_per_address,
            )
            .field(
                "line_registrations_per_address",
                &self.line_registrations_per_address,
            )
            .field("connections", &self.connections)
            .field("time_key_supplied", &self.time_key.is_some())
            .field("events", &self.events)
            .field("push_gateway", &self.push_gateway)
            .finish()
    }
}

/// A [`Retention`] from days, with the idempotency window of [`IDEMPOTENCY_RETENTION_SECS`].
pub fn retention_days(report_days: u64, hotline_days: u64, message_days: u64) -> Retention {
    Retention {
        report_secs: report_days.saturating_mul(DAY_SECS),
        hotline_secs: hotline_days.saturating_mul(DAY_SECS),
        message_secs: message_days.saturating_mul(DAY_SECS),
        idempotency_secs: IDEMPOTENCY_RETENTION_SECS,
    }
}

/// A server answering on its address until [`RunningServer::shutdown`] (or until it is dropped).
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    serving: JoinHandle<()>,
    purging: JoinHandle<()>,
    open: Arc<OpenConnections>,
}

impl RunningServer {
    /// The address it is bound to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://IP:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many connections are open now (those being refused over the cap not counted).
    pub fn open_connections(&self) -> usize {
        self.open.count()
    }

    /// Stops accepting connections, lets requests in flight finish (closing the connections
    /// still open after [`ConnectionLimits::shutdown_grace`]), and stops the retention job.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        // Ignored when no receiver is left: both tasks have already stopped.
        let _ = self.stop.send(true);
        self.purging.await.context("the retention job panicked")?;
        self.serving.await.context("the server task panicked")
    }
}

/// Starts a server on `config.listen` over `storage` and returns once it accepts connections.
pub async fn spawn(
    storage: Arc<dyn Storage>,
    config: ServerConfig,
) -> anyhow::Result<RunningServer> {
    if config.retention.hotline_secs < HOTLINE_MIN_RETENTION_SECS {
        anyhow::bail!("hotline reports must be kept at least 366 days");
    }
    let limits = config.connections;
    for (name, cap) in [
        ("the connection cap", limits.max_connections),
        (
            "the per-address request cap",
            limits.max_requests_per_address,
        ),
    ] {
        if cap == 0 || u32::try_from(cap).is_err() {
            anyhow::bail!("{name} must be 1 to {}", u32::MAX);
        }
    }
    let time_key = Arc::new(time_key(storage.as_ref(), config.time_key.as_deref()).await?);
    let line_key = line_key(storage.as_ref()).await?;
    let gateway = match config.push_gateway {
        Some(url) => Some(
            PushGateway::start(url, Arc::clone(&time_key))
                .context("starting the push gateway's client")?,
        ),
        None => None,
    };
    let (stop, stopped) = watch::channel(false);
    let state = AppState::new(Shared {
        storage: Arc::clone(&storage),
        time_key,
        operator_token_hash: config
            .operator_token
            .as_deref()
            .map(|token| crypto::sha256_of_parts(&[token.as_bytes()])),
        parent_registrations: AttemptWindow::new(
            config.parent_registrations_per_address,
            PARENT_REGISTRATION_WINDOW_SECS,
        ),
        line_registrations: AttemptWindow::new(
            config.line_registrations_per_address,
            PARENT_REGISTRATION_WINDOW_SECS,
        ),
        line_key,
        bundles: BundleCache::default(),
        events: ParentEvents::new(config.events, gateway, stopped.clone()),
    });

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;

    let open = OpenConnections::new(limits.max_connections);
    let serving = tokio::spawn(connections::serve(
        listener,
        routes::router(state),
        limits,
        Arc::clone(&open),
        stopped.clone(),
    ));
    let purging = tokio::spawn(purge_job(
        storage,
        config.retention,
        config.purge_interval,
        stopped,
    ));
    Ok(RunningServer {
        addr,
        stop,
        serving,
        purging,
        open,
    })
}

/// Opens the storage a command names: PostgreSQL when `database_url` is given, else sled in
/// `data`.
pub async fn open_storage(
    data: Option<&Path>,
    database_url: Option<&str>,
) -> anyhow::Result<Arc<dyn Storage>> {
    if let Some(url) = database_url {
        let storage = PostgresStorage::connect(url)
            .await
            .context("connecting to PostgreSQL")?;
        return Ok(Arc::new(storage));
    }
    let Some(dir) = data else {
        anyhow::bail!("give --data DIR (sled) or --database-url URL (PostgreSQL)");
    };
    let storage = SledStorage::open(dir)
        .with_context(|| format!("opening the sled database in {}", dir.display()))?;
    Ok(Arc::new(storage))
}

/// The key that signs server time: the operator's `supplied` one, else the one kept in storage
/// (generated and stored at the first start, shared by every replica).
async fn time_key(storage: &dyn Storage, supplied: Option<&[u8]>) -> anyhow::Result<SigningKey> {
    if let Some(pkcs8) = supplied {
        return SigningKey::from_pkcs8(pkcs8)
            .context("the time key given is not an Ed25519 private key in PKCS#8 v2 DER");
    }
    let (_, fresh_pkcs8) = SigningKey::generate().context("no randomness for a key")?;
    let pkcs8 = storage
        .secret(TIME_KEY_SECRET, fresh_pkcs8)
        .await
        .context("reading the server time key")?;
    SigningKey::from_pkcs8(&pkcs8).context("the stored time key is damaged")
}

/// The key of line handles: generated at the first start and kept in storage, so that every
/// replica (and every restart) gives a line the same handle.
async fn line_key(storage: &dyn Storage) -> anyhow::Result<LineKey> {
    let fresh = crypto::random_bytes::<32>().context("no randomness for the line key")?;
    let stored = storage
        .secret(LINE_KEY_SECRET, fresh.to_vec())
        .await
        .context("reading the line key")?;
    LineKey::from_secret(&stored).context("the stored line key is damaged")
}

/// Purges what retention no longer keeps, now and then every `interval`, until stopped.
async fn purge_job(
    storage: Arc<dyn Storage>,
    retention: Retention,
    interval: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return,
            _ = ticks.tick() => {}
        }
        match storage.purge(clock::unix_now(), retention).await {
            Ok(purged) => log::line(format_args!(
                "retention purge: {} reports, {} messages, {} other records removed",
                purged.reports, purged.messages, purged.other
            )),
            Err(error) => log::line(format_args!("retention purge failed: {error}")),
        }
    }
}
