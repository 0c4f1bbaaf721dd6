//! `childsafe dns serve`: a local DNS server that answers with a device's stored lists and policy,
//! for tools, tests and benchmarks of the SDK's DNS filter.
//!
//! The device directory is opened as every `device` command opens it (see [`crate::phone`]), and
//! each query goes through the SDK's own filter: [`ChildSafe::dns_query`] either answers it (a
//! blocked name, a malformed message), drops it (no header to answer to) or hands back the
//! message to forward, and
//! [`ChildSafe::dns_reply`] turns the upstream's answer, or its silence, into the answer for the
//! asker. The server only moves bytes; it judges nothing itself.
//!
//! Over UDP, queries are read by one task per worker thread from the shared socket and forwarded
//! on a small pool of sockets connected to the upstream, each with its own reader: a query in
//! flight is an entry in its socket's table, keyed by a fresh transaction ID, not a task, so the
//! number of queries in flight costs memory only. A sweeper answers SERVFAIL for the entries the
//! upstream left unanswered past the timeout. Over TCP (what a client falls back to after a
//! truncated UDP answer), each connection is a task and each forwarded query its own connection to
//! the upstream.
//!
//! The directory's store is held for as long as the server runs; the server notices new lists and
//! policy that reach the device through its own sync (`--sync-every`), as a phone's filter does.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, RandomState};
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use childsafe_core::ChildSafe;
use childsafe_core::dns::DnsStep;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::Semaphore;

use crate::phone;

/// The DNS port, for an `--upstream` given as an address alone.
const DNS_PORT: u16 = 53;
/// The largest DNS message: UDP datagrams and TCP frames both stay within it.
const MAX_MESSAGE: usize = u16::MAX as usize;
/// Sockets connected to the upstream for UDP queries. Each has its own 65,536 transaction IDs and
/// its own source port, so an off-path guess must match both.
const UPSTREAM_SOCKETS: usize = 8;
/// Tries at finding a free transaction ID on a socket before the query is answered SERVFAIL; the
/// table is nearly full only when the upstream stopped answering.
const ID_TRIES: usize = 16;
/// TCP connections served at once; more wait to be accepted.
const MAX_TCP_CONNECTIONS: usize = 256;
/// How long a TCP connection may sit idle between queries before it is closed.
const TCP_IDLE: Duration = Duration::from_secs(10);

/// `childsafe dns ...`.
#[derive(clap::Subcommand)]
pub(crate) enum DnsCommand {
    /// Answer DNS queries over UDP and TCP with the device's stored lists and policy: blocked
    /// names are answered by the filter, the rest is forwarded to the upstream resolver. Prints
    /// the address it listens on as JSON, then serves until Ctrl-C.
    Serve(ServeArgs),
}

/// `childsafe dns serve`.
#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// The device directory.
    #[arg(long)]
    dir: PathBuf,
    /// Where to answer, UDP and TCP on the same port; port 0 takes a free one.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:53")]
    listen: SocketAddr,
    /// The resolver allowed queries are forwarded to (port 53 when only an address is given).
    #[arg(long, value_name = "ADDR", value_parser = parse_upstream)]
    upstream: SocketAddr,
    /// How long to wait for the upstream before answering SERVFAIL.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    upstream_timeout_ms: u64,
    /// Answer blocked names with this address of a block page instead of NXDOMAIN (A queries
    /// get the IPv4 ones, AAAA queries the IPv6 ones); repeat for several.
    #[arg(long = "block-address", value_name = "IP")]
    block_addresses: Vec<IpAddr>,
    /// Sync with the device's backend this often while serving, so that new lists, the carrier's
    /// profile and the parents' rules reach the filter as they reach a phone's (the device must be
    /// registered). Without it, the server answers with what the device holds when it starts.
    #[arg(long, value_name = "SECS")]
    sync_every: Option<u64>,
}

/// An upstream resolver: `ADDR:PORT`, or an address alone for port 53.
fn parse_upstream(text: &str) -> Result<SocketAddr, String> {
    text.parse::<SocketAddr>()
        .or_else(|_| {
            text.parse::<IpAddr>()
                .map(|ip| SocketAddr::new(ip, DNS_PORT))
        })
        .map_err(|_| format!("{text} is not an address, such as 192.0.2.53 or 127.0.0.1:5353"))
}

/// Runs a `dns` command.
pub(crate) fn run(command: &DnsCommand) -> anyhow::Result<ExitCode> {
    match command {
        DnsCommand::Serve(args) => serve(args),
    }
}

/// `childsafe dns serve`: serves until Ctrl-C (or SIGTERM), then closes the device's store.
fn serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.upstream_timeout_ms > 0,
        "--upstream-timeout-ms must be above 0"
    );
    anyhow::ensure!(args.sync_every != Some(0), "--sync-every must be above 0");
    let block_addresses = args
        .block_addresses
        .iter()
        .map(ToString::to_string)
        .collect();
    let sdk = Arc::new(phone::open_existing_with(&args.dir, |config| {
        config.dns_block_addresses = block_addresses;
    })?);
    if args.sync_every.is_some() {
        anyhow::ensure!(
            sdk.registration()
                .context("cannot read the device's registration")?
                .is_some(),
            "--sync-every needs a registered device: run `childsafe device register --dir {}` first",
            args.dir.display()
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let served = runtime.block_on(serve_until_stopped(Arc::clone(&sdk), args));
    // The tasks hold the SDK too: they end with the runtime, and the store closes (and flushes)
    // when the last holder lets go.
    runtime.shutdown_timeout(Duration::from_secs(1));
    drop(sdk);
    served.map(|()| ExitCode::SUCCESS)
}

/// Binds the sockets, tells where it listens, and serves until asked to stop.
async fn serve_until_stopped(sdk: Arc<ChildSafe>, args: &ServeArgs) -> anyhow::Result<()> {
    let (udp, tcp) = bind(args.listen).await?;
    let local = udp.local_addr().context("cannot read the bound address")?;
    let timeout = Duration::from_millis(args.upstream_timeout_ms);
    let forwarder =
        Arc::new(UdpForwarder::connect(sdk.clone(), udp, args.upstream, timeout).await?);

    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    for _ in 0..workers {
        tokio::spawn(Arc::clone(&forwarder).read_queries());
    }
    for slot in 0..forwarder.upstreams.len() {
        tokio::spawn(Arc::clone(&forwarder).read_answers(slot));
    }
    tokio::spawn(Arc::clone(&forwarder).sweep());
    tokio::spawn(accept_tcp(sdk.clone(), tcp, args.upstream, timeout));
    if let Some(secs) = args.sync_every {
        tokio::spawn(sync_every(sdk, Duration::from_secs(secs)));
    }

    {
        let mut out = io::stdout().lock();
        writeln!(
            out,
            "{}",
            json!({ "listening": local.to_string(), "upstream": args.upstream.to_string() })
        )?;
        out.flush()?;
    }
    stopped().await
}

/// Binds UDP and TCP on the same address. With port 0 the UDP port is taken first and TCP must
/// get the same number; when another program holds it for TCP, a new pair is tried.
async fn bind(listen: SocketAddr) -> anyhow::Result<(UdpSocket, TcpListener)> {
    const TRIES: usize = 16;
    let mut last_error = None;
    for _ in 0..TRIES {
        let udp = UdpSocket::bind(listen)
            .await
            .with_context(|| format!("cannot listen on UDP {listen}"))?;
        let bound = udp.local_addr()?;
        match TcpListener::bind(bound).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(error) if listen.port() == 0 => last_error = Some(error),
            Err(error) => {
                return Err(error).with_context(|| format!("cannot listen on TCP {bound}"));
            }
        }
    }
    Err(last_error.map_or_else(
        || anyhow::anyhow!("no free port for both UDP and TCP"),
        anyhow::Error::from,
    ))
    .with_context(|| format!("cannot listen on UDP and TCP at {listen}"))
}

/// Waits for Ctrl-C, or SIGTERM where there is one.
async fn stopped() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .context("cannot listen for SIGTERM")?;
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => interrupted.context("cannot listen for Ctrl-C"),
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
            .await
            .context("cannot listen for Ctrl-C")
    }
}

/// Syncs with the device's backend every `period`; a failed sync is told on standard error and
/// the filter goes on with what the device holds (the SDK warns when its lists grow old).
async fn sync_every(sdk: Arc<ChildSafe>, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = sdk.sync_now().await {
            warn(&format!(
                "sync failed, serving with what the device holds: {error}"
            ));
        }
    }
}

/// A line on standard error, where an operator sees it.
fn warn(message: &str) {
    let _ = writeln!(io::stderr().lock(), "childsafe: dns serve: {message}");
}

/// A UDP query forwarded to the upstream and waiting for its answer.
struct InFlight {
    /// Who asked.
    asker: SocketAddr,
    /// The query as the asker sent it, for [`ChildSafe::dns_reply`].
    query: Vec<u8>,
    /// The transaction ID of the message the filter asked to forward, given back to the
    /// upstream's answer before the filter reads it.
    forwarded_id: [u8; 2],
    /// When it was sent.
    sent: Instant,
}

/// One socket connected to the upstream and the queries in flight on it, by transaction ID.
struct Upstream {
    socket: UdpSocket,
    in_flight: Mutex<HashMap<u16, InFlight>>,
}

impl Upstream {
    fn in_flight(&self) -> std::sync::MutexGuard<'_, HashMap<u16, InFlight>> {
        // Each holder leaves the table whole between its own statements, so a panic in another
        // holder leaves nothing half-changed.
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The UDP side: the listening socket, the upstream sockets, and where the next query goes.
struct UdpForwarder {
    sdk: Arc<ChildSafe>,
    listener: UdpSocket,
    upstreams: Vec<Upstream>,
    timeout: Duration,
    /// Round-robin over `upstreams`.
    next_upstream: AtomicUsize,
    ids: IdSource,
}

impl UdpForwarder {
    /// Connects the pool of upstream sockets, each on its own ephemeral port.
    async fn connect(
        sdk: Arc<ChildSafe>,
        listener: UdpSocket,
        upstream: SocketAddr,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let unspecified: SocketAddr = if upstream.is_ipv4() {
            (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let mut upstreams = Vec::with_capacity(UPSTREAM_SOCKETS);
        for _ in 0..UPSTREAM_SOCKETS {
            let socket = UdpSocket::bind(unspecified)
                .await
                .context("cannot open a socket towards the upstream")?;
            socket
                .connect(upstream)
                .await
                .with_context(|| format!("cannot reach the upstream {upstream}"))?;
            upstreams.push(Upstream {
                socket,
                in_flight: Mutex::new(HashMap::new()),
            });
        }
        Ok(Self {
            sdk,
            listener,
            upstreams,
            timeout,
            next_upstream: AtomicUsize::new(0),
            ids: IdSource::new(),
        })
    }

    /// Reads queries from the listening socket and answers or forwards each at once; the
    /// filter's own step takes microseconds, so the reader never waits on the upstream.
    async fn read_queries(self: Arc<Self>) {
        let mut buffer = vec![0; MAX_MESSAGE];
        loop {
            let (len, asker) = match self.listener.recv_from(&mut buffer).await {
                Ok(received) => received,
                Err(error) => {
                    // An ICMP error from an earlier answer's asker surfaces here on some
                    // systems; the socket itself is still good.
                    warn(&format!("cannot read a query: {error}"));
                    continue;
                }
            };
            let query = &buffer[..len];
            match self.sdk.dns_query(query) {
                DnsStep::Answer(answer) => self.answer(&answer, asker).await,
                DnsStep::Forward(message) => self.forward(message, query, asker).await,
                DnsStep::Ignore => {}
            }
        }
    }

    /// Sends `message` to the upstream under a fresh transaction ID, remembering the query; when
    /// it cannot be sent, the asker gets the filter's answer for an upstream that did not answer.
    async fn forward(&self, mut message: Vec<u8>, query: &[u8], asker: SocketAddr) {
        let slot = self.next_upstream.fetch_add(1, Ordering::Relaxed) % self.upstreams.len();
        let upstream = &self.upstreams[slot];
        let Some(id) = self.register(upstream, query, asker, &message) else {
            self.answer(&self.sdk.dns_reply(query, None), asker).await;
            return;
        };
        // `register` took only a message long enough to carry an ID.
        message[..2].copy_from_slice(&id.to_be_bytes());
        if let Err(error) = upstream.socket.send(&message).await {
            warn(&format!("cannot send a query to the upstream: {error}"));
            let dropped = upstream.in_flight().remove(&id);
            if dropped.is_some() {
                self.answer(&self.sdk.dns_reply(query, None), asker).await;
            }
        }
    }

    /// Enters a query in `upstream`'s table under a transaction ID no other query there holds.
    /// None when the message is too short to carry an ID or no free ID was found.
    fn register(
        &self,
        upstream: &Upstream,
        query: &[u8],
        asker: SocketAddr,
        message: &[u8],
    ) -> Option<u16> {
        let forwarded_id = message.get(..2).map(|id| [id[0], id[1]])?;
        let mut in_flight = upstream.in_flight();
        for _ in 0..ID_TRIES {
            if let Entry::Vacant(free) = in_flight.entry(self.ids.next()) {
                let id = *free.key();
                free.insert(InFlight {
                    asker,
                    query: query.to_vec(),
                    forwarded_id,
                    sent: Instant::now(),
                });
                return Some(id);
            }
        }
        None
    }

    /// Reads the upstream's answers on socket `slot` and hands each, with its query, to the
    /// filter. An answer with no query waiting (late, repeated or forged) is dropped.
    async fn read_answers(self: Arc<Self>, slot: usize) {
        let upstream = &self.upstreams[slot];
        let mut buffer = vec![0; MAX_MESSAGE];
        loop {
            let len = match upstream.socket.recv(&mut buffer).await {
                Ok(len) => len,
                Err(error) => {
                    // Typically the upstream's port refused a query (ICMP): the queries waiting
                    // on it are answered SERVFAIL when they time out.
                    warn(&format!("cannot read from the upstream: {error}"));
                    continue;
                }
            };
            let Some(id) = buffer.get(..2).filter(|_| len >= 2) else {
                continue;
            };
            let id = u16::from_be_bytes([id[0], id[1]]);
            let Some(waiting) = upstream.in_flight().remove(&id) else {
                continue;
            };
            let answer = &mut buffer[..len];
            answer[..2].copy_from_slice(&waiting.forwarded_id);
            let reply = self.sdk.dns_reply(&waiting.query, Some(answer));
            self.answer(&reply, waiting.asker).await;
        }
    }

    /// Answers SERVFAIL (the filter's answer for no answer) for the queries the upstream left
    /// unanswered for longer than the timeout. Runs a few times per timeout.
    async fn sweep(self: Arc<Self>) {
        let period = (self.timeout / 4).max(Duration::from_millis(10));
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            for upstream in &self.upstreams {
                let expired: Vec<InFlight> = {
                    let mut in_flight = upstream.in_flight();
                    let late: Vec<u16> = in_flight
                        .iter()
                        .filter(|(_, waiting)| waiting.sent.elapsed() >= self.timeout)
                        .map(|(id, _)| *id)
                        .collect();
                    late.iter().filter_map(|id| in_flight.remove(id)).collect()
                };
                for waiting in expired {
                    let reply = self.sdk.dns_reply(&waiting.query, None);
                    self.answer(&reply, waiting.asker).await;
                }
            }
        }
    }

    /// Sends `answer` to `asker` from the listening socket.
    async fn answer(&self, answer: &[u8], asker: SocketAddr) {
        if let Err(error) = self.listener.send_to(answer, asker).await {
            warn(&format!("cannot answer {asker}: {error}"));
        }
    }
}

/// Transaction IDs for forwarded queries that an off-path sender cannot predict: SipHash, keyed
/// at random by the standard library for each process, of a counter.
struct IdSource {
    keys: RandomState,
    counter: AtomicU64,
}

impl IdSource {
    fn new() -> Self {
        Self {
            keys: RandomState::new(),
            counter: AtomicU64::new(0),
        }
    }

    fn next(&self) -> u16 {
        let count = self.counter.fetch_add(1, Ordering::Relaxed);
        // The low 16 bits of a keyed hash: uniform, and unpredictable without the keys.
        (self.keys.hash_one(count) & u64::from(u16::MAX)) as u16
    }
}

/// Accepts TCP connections, serving up to [`MAX_TCP_CONNECTIONS`] at once.
async fn accept_tcp(
    sdk: Arc<ChildSafe>,
    listener: TcpListener,
    upstream: SocketAddr,
    timeout: Duration,
) {
    let slots = Arc::new(Semaphore::new(MAX_TCP_CONNECTIONS));
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        match listener.accept().await {
            Ok((stream, _)) => {
                let sdk = Arc::clone(&sdk);
                tokio::spawn(async move {
                    serve_tcp(&sdk, stream, upstream, timeout).await;
                    drop(slot);
                });
            }
            Err(error) => warn(&format!("cannot accept a TCP connection: {error}")),
        }
    }
}

/// Answers the queries of one TCP connection in turn, until the asker closes it, sends
/// something that is not a DNS frame, or stays idle for [`TCP_IDLE`].
async fn serve_tcp(
    sdk: &ChildSafe,
    mut stream: TcpStream,
    upstream: SocketAddr,
    timeout: Duration,
) {
    loop {
        let query = match tokio::time::timeout(TCP_IDLE, read_frame(&mut stream)).await {
            Ok(Ok(query)) => query,
            Ok(Err(_)) | Err(_) => return,
        };
        let reply = match sdk.dns_query(&query) {
            DnsStep::Answer(answer) => answer,
            // Nothing to answer on this connection; the asker may go on with its next query.
            DnsStep::Ignore => continue,
            DnsStep::Forward(message) => {
                let answer = tokio::time::timeout(timeout, ask_over_tcp(upstream, &message))
                    .await
                    .ok()
                    .and_then(Result::ok);
                sdk.dns_reply(&query, answer.as_deref())
            }
        };
        if write_frame(&mut stream, &reply).await.is_err() {
            return;
        }
    }
}

/// Sends `message` to the upstream over a new TCP connection and reads its answer.
async fn ask_over_tcp(upstream: SocketAddr, message: &[u8]) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(upstream).await?;
    write_frame(&mut stream, message).await?;
    read_frame(&mut stream).await
}

/// One DNS message over TCP: a two-byte length, then the message.
async fn read_frame(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let len = stream.read_u16().await?;
    let mut message = vec![0; usize::from(len)];
    stream.read_exact(&mut message).await?;
    Ok(message)
}

/// Writes `message` as one TCP frame; a message too long for one is an error.
async fn write_frame(stream: &mut TcpStream, message: &[u8]) -> io::Result<()> {
    let len = u16::try_from(message.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "DNS message over 65,535 bytes"))?;
    let mut frame = Vec::with_capacity(message.len() + 2);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(message);
    stream.write_all(&frame).await
}
