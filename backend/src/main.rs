//! `childsafe-backend`: the reference sync server's command line. It parses arguments and calls
//! the library; everything the server does lives in `childsafe_backend`.
#![forbid(unsafe_code)]

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use childsafe_backend::limits::{
    MAX_CONNECTIONS, MAX_EVENT_STREAMS, MAX_LINE_REGISTRATIONS_PER_ADDRESS,
    MAX_PARENT_REGISTRATIONS_PER_ADDRESS, MAX_REQUESTS_PER_ADDRESS, MAX_TOKENS_PER_REQUEST,
};
use childsafe_backend::operator;
use childsafe_backend::server::{
    DEFAULT_HOTLINE_RETENTION_DAYS, DEFAULT_MESSAGE_RETENTION_DAYS, DEFAULT_REPORT_RETENTION_DAYS,
    retention_days,
};
use childsafe_backend::{ServerConfig, clock, open_storage, spawn};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Environment variable holding the operator token when no file is given.
const OPERATOR_TOKEN_ENV: &str = "CHILDSAFE_OPERATOR_TOKEN";
/// Least `--hotline-retention-days`: hotline reports are kept at least a year.
const MIN_HOTLINE_RETENTION_DAYS: u64 = 366;

/// The childsafe reference sync server.
#[derive(Parser)]
#[command(name = "childsafe-backend", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Manage activation tokens.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// Print a queue as JSON Lines (one object per line).
    Export(ExportArgs),
}

/// Where the state is.
#[derive(Args)]
struct StorageArgs {
    /// Directory of the embedded sled database (one process at a time).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// PostgreSQL instead of sled, e.g. postgres://user@host/db.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// File holding the operator API's bearer token (else CHILDSAFE_OPERATOR_TOKEN; with
    /// neither, the operator API is off).
    #[arg(long, value_name = "FILE")]
    operator_token_file: Option<PathBuf>,
    /// Days reports and their feed items are kept.
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_REPORT_RETENTION_DAYS)]
    report_retention_days: u64,
    /// Days hotline-queued reports are kept (at least 366).
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_HOTLINE_RETENTION_DAYS)]
    hotline_retention_days: u64,
    /// Days relayed messages are kept.
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_MESSAGE_RETENTION_DAYS)]
    message_retention_days: u64,
    /// Most connections open at once; past it a connection is answered 503.
    #[arg(long, value_name = "N", default_value_t = MAX_CONNECTIONS)]
    max_connections: usize,
    /// Most requests in flight from one client address (IPv4, or IPv6 /64); past it a request
    /// is answered 503. Behind a reverse proxy every request comes from the proxy: raise it.
    #[arg(long, value_name = "N", default_value_t = MAX_REQUESTS_PER_ADDRESS)]
    max_requests_per_address: usize,
    /// Parents one client address may register per hour; past it a registration is answered 429.
    /// Behind a reverse proxy every registration comes from the proxy: raise it.
    #[arg(long, value_name = "N", default_value_t = MAX_PARENT_REGISTRATIONS_PER_ADDRESS)]
    parent_registrations_per_address: u32,
    /// Devices one client address may register with a child's line per hour; past it a
    /// registration is answered 429, so nobody can walk through phone numbers. Behind a reverse
    /// proxy every registration comes from the proxy: raise it.
    #[arg(long, value_name = "N", default_value_t = MAX_LINE_REGISTRATIONS_PER_ADDRESS)]
    line_registrations_per_address: u32,
    /// The private key that signs server time (from `childsafe keys generate`), so that apps can
    /// ship its public key; without it, a key generated at the first start and kept in storage.
    #[arg(long, value_name = "KEYFILE")]
    time_key_file: Option<PathBuf>,
    /// Also POST every parent event to this http(s) URL, signed with the time key (headers
    /// Childsafe-Push-Timestamp and Childsafe-Push-Signature; see backend/README.md), for an
    /// operator's service that sends FCM or APNs notifications.
    #[arg(long, value_name = "URL")]
    push_gateway: Option<String>,
    /// Event streams (`GET /v1/parent/events`) open at once over the whole server; past it a
    /// new one is answered 503.
    #[arg(long, value_name = "N", default_value_t = MAX_EVENT_STREAMS)]
    max_event_streams: usize,
}

#[derive(Subcommand)]
enum TokensCommand {
    /// Mint one-use activation tokens and print them, one per line.
    Create {
        #[command(flatten)]
        storage: StorageArgs,
        /// How many.
        #[arg(long, default_value_t = 1)]
        count: u32,
    },
}

#[derive(Args)]
struct ExportArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// Which queue.
    #[arg(long, value_enum)]
    queue: Queue,
}

#[derive(Clone, Copy, ValueEnum)]
enum Queue {
    /// Reports for hotlines (IWF, NCMEC, INHOPE), as HotlineReport objects.
    Hotline,
    /// Reports a child kept to a child helpline, as HelplineReport objects.
    Helpline,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::Tokens(TokensCommand::Create { storage, count }) => {
            if !(1..=MAX_TOKENS_PER_REQUEST).contains(&count) {
                anyhow::bail!("--count must be 1 to {MAX_TOKENS_PER_REQUEST}");
            }
            let storage = open(&storage).await?;
            let tokens =
                operator::mint_activation_tokens(storage.as_ref(), count, clock::unix_now())
                    .await?;
            print_lines(tokens)
        }
        Command::Export(ExportArgs { storage, queue }) => {
            let storage = open(&storage).await?;
            let lines = match queue {
                Queue::Hotline => json_lines(&operator::hotline_export(storage.as_ref()).await?)?,
                Queue::Helpline => json_lines(&operator::helpline_export(storage.as_ref()).await?)?,
            };
            print_lines(lines)
        }
    }
}

/// One JSON object per item.
fn json_lines<T: serde::Serialize>(items: &[T]) -> anyhow::Result<Vec<String>> {
    Ok(items
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<_>, _>>()?)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    if args.hotline_retention_days < MIN_HOTLINE_RETENTION_DAYS {
        anyhow::bail!("--hotline-retention-days must be at least {MIN_HOTLINE_RETENTION_DAYS}");
    }
    let mut config = ServerConfig::new(args.listen);
    config.operator_token = operator_token(args.operator_token_file.as_deref())?;
    if let Some(path) = &args.time_key_file {
        config.time_key =
            Some(std::fs::read(path).with_context(|| format!("reading {}", path.display()))?);
    }
    config.retention = retention_days(
        args.report_retention_days,
        args.hotline_retention_days,
        args.message_retention_days,
    );
    config.connections.max_connections = args.max_connections;
    config.connections.max_requests_per_address = args.max_requests_per_address;
    if args.parent_registrations_per_address == 0 {
        anyhow::bail!("--parent-registrations-per-address must be at least 1");
    }
    config.parent_registrations_per_address = args.parent_registrations_per_address;
    if args.line_registrations_per_address == 0 {
        anyhow::bail!("--line-registrations-per-address must be at least 1");
    }
    config.line_registrations_per_address = args.line_registrations_per_address;
    if args.max_event_streams == 0 {
        anyhow::bail!("--max-event-streams must be at least 1");
    }
    config.events.total = args.max_event_streams;
    config.push_gateway = args.push_gateway;
    let storage = open(&args.storage).await?;
    let server = spawn(storage, config).await?;
    // The signals are caught from before the line a supervisor waits for: a SIGTERM sent as soon
    // as it reads the line stops the server cleanly rather than killing it.
    let shutdown = shutdown_signal()?;
    print_lines([format!("listening on {}", server.url())])?;
    shutdown.await?;
    server.shutdown().await
}

async fn open(
    args: &StorageArgs,
) -> anyhow::Result<std::sync::Arc<dyn childsafe_backend::storage::Storage>> {
    open_storage(args.data.as_deref(), args.database_url.as_deref()).await
}

/// The operator token from the file, else the environment; `None` when neither is set.
fn operator_token(file: Option<&Path>) -> anyhow::Result<Option<String>> {
    let token = match file {
        Some(path) => Some(
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
        ),
        None => std::env::var(OPERATOR_TOKEN_ENV).ok(),
    };
    match token.map(|token| token.trim().to_owned()) {
        Some(token) if token.is_empty() => anyhow::bail!("the operator token is empty"),
        token => Ok(token),
    }
}

/// Writes lines to standard output and flushes, so a supervisor reading it sees them at once.
fn print_lines(lines: impl IntoIterator<Item = String>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

/// Catches SIGINT and SIGTERM from now on; the future it returns ends at the first of them.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = anyhow::Result<()>>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        Ok(())
    })
}

/// Waits for Ctrl-C (the handler is installed when the future is first polled).
#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = anyhow::Result<()>>> {
    Ok(async { Ok(tokio::signal::ctrl_c().await?) })
}
