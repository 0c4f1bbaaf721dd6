//! Every limit of protocol v1 the server enforces, in one place. `docs/protocol/openapi.json`
//! and `docs/protocol/README.md` state the same numbers; the tests use these constants.

use std::time::{Duration, Instant};

/// Largest JSON body accepted, in bytes (a full report batch is far below it).
pub const MAX_JSON_BODY_BYTES: usize = 1024 * 1024;
/// Largest bundle the operator may upload, in bytes.
pub const MAX_BUNDLE_BYTES: usize = 32 * 1024 * 1024;
/// Largest relayed blob, decoded, in bytes: signed documents, not media.
pub const MAX_BLOB_BYTES: usize = 16 * 1024;
/// Largest device status snapshot, decoded, in bytes: a signed summary of settings and rules.
pub const MAX_SNAPSHOT_BYTES: usize = 64 * 1024;
/// Longest `Idempotency-Key`, in characters.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;
/// Longest request nonce, in characters (the SDK sends 22).
pub const MAX_NONCE_CHARS: usize = 64;
/// Longest signed-time challenge, in characters (safe mode sends 22).
pub const MAX_CHALLENGE_CHARS: usize = 128;
/// Messages or feed items per page when the client does not say.
pub const DEFAULT_PAGE_LIMIT: usize = 100;
/// Most messages or feed items per page.
pub const MAX_PAGE_LIMIT: usize = 500;
/// Most activation tokens minted by one request or command.
pub const MAX_TOKENS_PER_REQUEST: u32 = 10_000;
/// Wrong claims on one pairing invite, from anyone, after which it is dead: the phone must open
/// a new one. A claim is wrong when the pairing key did not sign it.
pub const MAX_WRONG_PAIRING_CLAIMS: u32 = 5;
/// Claims kept on one invite. Only holders of the pairing secret can make one, so more than a
/// couple means the QR code was seen by others; the phone refuses them all anyway.
pub const MAX_PAIRING_CLAIMS: usize = 8;
/// Longest a pairing invite works, in seconds, whatever the phone asks for.
pub const MAX_PAIRING_INVITE_SECS: u64 = 600;
/// Parent registrations one client address may make in one [`PARENT_REGISTRATION_WINDOW_SECS`]
/// unless the server is configured otherwise, so that fresh parent keys cannot be minted by the
/// thousand to spread guesses over.
pub const MAX_PARENT_REGISTRATIONS_PER_ADDRESS: u32 = 20;
/// The window over which parent registrations are counted, in seconds.
pub const PARENT_REGISTRATION_WINDOW_SECS: u64 = 3600;
/// Device registrations naming a child's line that one client address may make in one
/// [`PARENT_REGISTRATION_WINDOW_SECS`] unless the server is configured otherwise: a line is
/// found by its identifier, so nobody may walk through phone numbers to learn which are
/// children's lines.
pub const MAX_LINE_REGISTRATIONS_PER_ADDRESS: u32 = 20;

// Carriers (`POST /v1/carrier/...`, see `carriers`).

/// Largest signed profile, deactivation or key rotation a carrier uploads, in bytes (the
/// envelope, decoded). A real one is well under a kilobyte.
pub const MAX_CARRIER_ENVELOPE_BYTES: usize = 64 * 1024;
/// Largest signed safety-information pack, in bytes (the envelope, decoded): texts for every
/// band, language and audience.
pub const MAX_SAFETY_PACK_BYTES: usize = 1024 * 1024;
/// Largest body of `POST /v1/carrier/safety-packs`: the largest pack in base64url, and room for
/// the JSON around it.
pub const MAX_SAFETY_PACK_BODY_BYTES: usize = MAX_SAFETY_PACK_BYTES.div_ceil(3) * 4 + 1024;

// Live events (`GET /v1/parent/events`, see `events`) and the push gateway (see `push`).

/// Event streams one parent may hold open at once (its phone, a tablet, a reconnect overlapping
/// the stream it replaces); past it a new one gets 429 `too_many_streams`.
pub const MAX_EVENT_STREAMS_PER_PARENT: usize = 4;
/// Event streams open at once over the whole server; past it a new one gets 503
/// `streams_full`. Half of [`MAX_CONNECTIONS`], so streams never take every connection.
pub const MAX_EVENT_STREAMS: usize = MAX_CONNECTIONS / 2;
/// Events kept for a parent's slowest stream; a stream further behind loses the oldest (the app
/// re-reads its feed and mailbox, which keep their positions).
pub const EVENT_BUFFER: usize = 64;
/// How long an event stream lasts before the server ends it and the app reconnects, so that no
/// stream holds its place forever.
pub const EVENT_STREAM_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// How often a quiet event stream gets a comment line, so that proxies and the app see it
/// alive.
pub const EVENT_KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Events waiting for the push gateway; past it new ones are dropped (and logged).
pub const PUSH_QUEUE_CAPACITY: usize = 4096;
/// Posts to the push gateway in flight at once.
pub const PUSH_CONCURRENCY: usize = 16;
/// Attempts at posting one event to the push gateway.
pub const PUSH_MAX_ATTEMPTS: u32 = 5;
/// The wait after the first failed attempt; it doubles after each (0.5, 1, 2, 4 s).
pub const PUSH_FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// How long one post to the push gateway may take.
pub const PUSH_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

// Connections. A client that is slow on purpose must cost the server little and never for long:
// every stage of an exchange has a deadline, and the number of connections and of requests in
// flight per client address is capped. `ConnectionLimits` carries these numbers into a server
// (tests shorten them); the constants are the production defaults.

/// The whole request head (request line and headers) must arrive within this, counted from when
/// the server starts waiting for it. It also bounds how long an idle kept-alive connection stays
/// open between two requests.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The whole request body must arrive within this, counted from when the server starts reading
/// it. A JSON body is at most [`MAX_JSON_BODY_BYTES`]; a bundle upload of [`MAX_BUNDLE_BYTES`]
/// needs about 280 KiB/s to make it.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(120);
/// The least average rate, in bytes per second, at which a request body must arrive once
/// [`BODY_RATE_GRACE`] has passed.
pub const MIN_BODY_BYTES_PER_SEC: u64 = 1024;
/// How long a request body may arrive at any rate before [`MIN_BODY_BYTES_PER_SEC`] applies.
pub const BODY_RATE_GRACE: Duration = Duration::from_secs(5);
/// The least average rate, in bytes per second, at which a client must take an answer once
/// [`SEND_RATE_GRACE`] has passed. It is measured only while the server has bytes waiting for
/// the client, so a slow phone on a poor network still gets a 32 MiB bundle (in hours, at
/// worst), while a client that stops reading is dropped.
pub const MIN_SEND_BYTES_PER_SEC: u64 = 1024;
/// How long a client may take an answer at any rate before [`MIN_SEND_BYTES_PER_SEC`] applies.
pub const SEND_RATE_GRACE: Duration = Duration::from_secs(10);
/// Most connections open at once, over the whole server. Past it a connection gets a
/// 503 `server_busy` answer (see [`MAX_REFUSALS_IN_FLIGHT`]) and is closed.
pub const MAX_CONNECTIONS: usize = 4096;
/// Most requests in flight at once from one client address (an IPv4 address, or an IPv6 /64,
/// the block one subscriber gets), counted from the request head until its answer is sent. Past
/// it a request gets a 503 `address_busy` answer. Behind a reverse proxy every request comes
/// from the proxy's address, so this must be raised there (`--max-requests-per-address`).
pub const MAX_REQUESTS_PER_ADDRESS: usize = 64;
/// Connections over [`MAX_CONNECTIONS`] that may be getting their 503 at once; past this a
/// connection is closed as soon as it is accepted, without an answer.
pub const MAX_REFUSALS_IN_FLIGHT: usize = 64;
/// How long a connection over [`MAX_CONNECTIONS`] has to send its request head and take its
/// 503 before it is closed.
pub const REFUSAL_TIME_LIMIT: Duration = Duration::from_secs(2);
/// The `Retry-After` of a 503, in seconds.
pub const BUSY_RETRY_AFTER_SECS: u64 = 5;
/// After a stop is asked for, how long connections have to finish the exchange they are in;
/// those still open after it are closed. Supervisors usually wait 30 s before they kill.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// A floor under the average rate of a transfer: once `grace` has passed since the transfer
/// began, it must have moved at least `bytes_per_sec` for every second since then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateFloor {
    /// The least average rate; 0 turns the floor off.
    pub bytes_per_sec: u64,
    /// How long the transfer may run at any rate first.
    pub grace: Duration,
}

impl RateFloor {
    /// When a transfer that began at `started` and has moved `bytes` falls under the floor;
    /// `None` when it never does (the floor is off).
    pub fn deadline(&self, started: Instant, bytes: u64) -> Option<Instant> {
        if self.bytes_per_sec == 0 {
            return None;
        }
        let earned_millis = bytes.saturating_mul(1000) / self.bytes_per_sec;
        started.checked_add(self.grace.max(Duration::from_millis(earned_millis)))
    }
}

/// The per-connection limits of a server; [`Default`] gives the constants above.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// See [`HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
    /// See [`BODY_READ_TIMEOUT`].
    pub body_read_timeout: Duration,
    /// See [`MIN_BODY_BYTES_PER_SEC`] and [`BODY_RATE_GRACE`].
    pub min_body_rate: RateFloor,
    /// See [`MIN_SEND_BYTES_PER_SEC`] and [`SEND_RATE_GRACE`].
    pub min_send_rate: RateFloor,
    /// See [`MAX_CONNECTIONS`].
    pub max_connections: usize,
    /// See [`MAX_REQUESTS_PER_ADDRESS`].
    pub max_requests_per_address: usize,
    /// See [`SHUTDOWN_GRACE`].
    pub shutdown_grace: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: HEADER_READ_TIMEOUT,
            body_read_timeout: BODY_READ_TIMEOUT,
            min_body_rate: RateFloor {
                bytes_per_sec: MIN_BODY_BYTES_PER_SEC,
                grace: BODY_RATE_GRACE,
            },
            min_send_rate: RateFloor {
                bytes_per_sec: MIN_SEND_BYTES_PER_SEC,
                grace: SEND_RATE_GRACE,
            },
            max_connections: MAX_CONNECTIONS,
            max_requests_per_address: MAX_REQUESTS_PER_ADDRESS,
            shutdown_grace: SHUTDOWN_GRACE,
        }
    }
}
