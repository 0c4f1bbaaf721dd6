//! A TCP proxy that misbehaves on purpose, put between the SDK and the backend to prove that
//! reports survive a bad network: every connection it accepts is either passed through or given
//! one fault, chosen at random with the weights in [`FaultMix`].
//!
//! The faults are the ones phones meet: the connection is dropped before anything is sent,
//! reset, stalled until the client gives up, the answer is cut short, the request reaches the
//! server but the answer never comes back (the case idempotency exists for), or the "server"
//! answers 503 with `Retry-After` without the request ever reaching it.
//!
//! A passed connection carries one exchange: the proxy closes it once the backend has been quiet
//! for [`QUIET_CLOSE`] after answering, so a pooled connection cannot carry later requests past
//! the faults.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How long a passed connection may stay quiet after the backend answered before the proxy
/// closes it.
pub const QUIET_CLOSE: Duration = Duration::from_millis(50);
/// How long a stalled connection is held before the proxy lets go of it.
pub const STALL: Duration = Duration::from_secs(1);

/// What happens to one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Passed through unharmed.
    Pass,
    /// Closed at once, before the request is read.
    Drop,
    /// Reset (RST) after the request arrived.
    Reset,
    /// Held open, silent, for [`STALL`].
    Stall,
    /// The request reaches the backend; only part of the answer comes back.
    TruncateResponse,
    /// The request reaches the backend; no answer comes back.
    LoseResponse,
    /// Answered `503` with `Retry-After: 0` by the proxy itself.
    ServiceUnavailable,
}

const ALL_FAULTS: [Fault; 7] = [
    Fault::Pass,
    Fault::Drop,
    Fault::Reset,
    Fault::Stall,
    Fault::TruncateResponse,
    Fault::LoseResponse,
    Fault::ServiceUnavailable,
];

/// Relative weights of each fault, in the order of [`Fault`]'s variants.
#[derive(Clone, Copy, Debug)]
pub struct FaultMix(pub [u32; 7]);

impl FaultMix {
    /// Half the connections pass; the other half is shared among the faults, with stalls rare
    /// because each costs the client a timeout.
    pub const HOSTILE: FaultMix = FaultMix([50, 10, 10, 1, 10, 12, 7]);
    /// Every connection passes: a recording tap.
    pub const PASS: FaultMix = FaultMix([1, 0, 0, 0, 0, 0, 0]);
    /// Every connection is dropped: the phone is offline.
    pub const OFFLINE: FaultMix = FaultMix([0, 1, 0, 0, 0, 0, 0]);
}

/// Counts of what the proxy did, per fault.
#[derive(Debug, Default)]
pub struct FaultCounts([AtomicU64; 7]);

impl FaultCounts {
    /// How many connections got `fault`.
    pub fn get(&self, fault: Fault) -> u64 {
        self.0[index_of(fault)].load(Ordering::Relaxed)
    }

    /// `fault name = count` for every fault, for a test's log.
    pub fn summary(&self) -> String {
        ALL_FAULTS
            .iter()
            .map(|&fault| format!("{fault:?}={}", self.get(fault)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn index_of(fault: Fault) -> usize {
    ALL_FAULTS.iter().position(|&f| f == fault).unwrap_or(0)
}

/// A running proxy; it stops when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    counts: Arc<FaultCounts>,
    sent: Arc<std::sync::Mutex<Vec<u8>>>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `backend`, with faults drawn from `mix`
    /// by a small PRNG seeded with `seed` (print it to replay a run).
    pub async fn start(backend: SocketAddr, mix: FaultMix, seed: u64) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let counts = Arc::new(FaultCounts::default());
        let sent = Arc::new(std::sync::Mutex::new(Vec::new()));
        let task_counts = Arc::clone(&counts);
        let task_sent = Arc::clone(&sent);
        let task = tokio::spawn(async move {
            let mut rng = SplitMix64(seed);
            while let Ok((client, _)) = listener.accept().await {
                let fault = pick(&mut rng, mix);
                let cut = rng.next_u64() as usize;
                task_counts.0[index_of(fault)].fetch_add(1, Ordering::Relaxed);
                tokio::spawn(handle(client, backend, fault, cut, Arc::clone(&task_sent)));
            }
        });
        Ok(FaultProxy {
            addr,
            counts,
            sent,
            task,
        })
    }

    /// Every byte clients sent through the proxy to the backend (requests of passed
    /// connections), for tests that check what the phone sends.
    pub fn sent_bytes(&self) -> Vec<u8> {
        self.sent
            .lock()
            .map(|bytes| bytes.clone())
            .unwrap_or_default()
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What the proxy did so far.
    pub fn counts(&self) -> &FaultCounts {
        &self.counts
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn pick(rng: &mut SplitMix64, mix: FaultMix) -> Fault {
    let total: u64 = mix.0.iter().map(|&w| u64::from(w)).sum();
    let mut roll = rng.next_u64() % total.max(1);
    for (fault, weight) in ALL_FAULTS.iter().zip(mix.0) {
        if roll < u64::from(weight) {
            return *fault;
        }
        roll -= u64::from(weight);
    }
    Fault::Pass
}

type Recording = Arc<std::sync::Mutex<Vec<u8>>>;

async fn handle(
    mut client: TcpStream,
    backend: SocketAddr,
    fault: Fault,
    cut: usize,
    recording: Recording,
) {
    match fault {
        Fault::Drop => drop(client),
        Fault::Reset => {
            let mut request = [0u8; 512];
            let _ = client.read(&mut request).await;
            // Linger zero makes close send RST instead of FIN. The deprecation is about a
            // non-zero linger blocking the thread on drop; a zero linger returns at once.
            #[allow(deprecated)]
            let _ = client.set_linger(Some(Duration::ZERO));
            drop(client);
        }
        Fault::Stall => {
            tokio::time::sleep(STALL).await;
            drop(client);
        }
        Fault::ServiceUnavailable => {
            let mut request = [0u8; 4096];
            let _ = client.read(&mut request).await;
            let body = r#"{"error":"unavailable","message":"try again later"}"#;
            let answer = format!(
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
                 retry-after: 0\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = client.write_all(answer.as_bytes()).await;
            let _ = client.shutdown().await;
        }
        Fault::Pass | Fault::TruncateResponse | Fault::LoseResponse => {
            let Ok(server) = TcpStream::connect(backend).await else {
                return;
            };
            relay(client, server, fault, cut, recording).await;
        }
    }
}

/// Copies both ways; the answer is cut, lost or passed whole according to `fault`.
async fn relay(
    client: TcpStream,
    server: TcpStream,
    fault: Fault,
    cut: usize,
    recording: Recording,
) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upstream = tokio::spawn(async move {
        let mut chunk = vec![0u8; 16 * 1024];
        while let Ok(read) = client_read.read(&mut chunk).await {
            if read == 0 {
                break;
            }
            if let Ok(mut sent) = recording.lock() {
                sent.extend_from_slice(&chunk[..read]);
            }
            if server_write.write_all(&chunk[..read]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    });
    let mut buffer = vec![0u8; 16 * 1024];
    let mut answered = false;
    loop {
        let wait = if answered {
            QUIET_CLOSE
        } else {
            Duration::from_secs(60)
        };
        let read = match tokio::time::timeout(wait, server_read.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => n,
        };
        answered = true;
        match fault {
            Fault::LoseResponse => break,
            Fault::TruncateResponse => {
                // Cut somewhere inside the first chunk, so the status line or headers or body
                // arrive in part.
                let keep = 1 + cut % read.max(1);
                let _ = client_write.write_all(&buffer[..keep.min(read)]).await;
                break;
            }
            _ => {
                if client_write.write_all(&buffer[..read]).await.is_err() {
                    break;
                }
            }
        }
    }
    upstream.abort();
    let _ = client_write.shutdown().await;
}

/// A small, fast, seedable PRNG (SplitMix64), so a failing run can be replayed: it picks the
/// proxy's faults and the crash tests' kill moments.
#[derive(Clone, Debug)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A duration in `min..=max`, to the microsecond.
    pub fn duration_between(&mut self, min: Duration, max: Duration) -> Duration {
        let span = u64::try_from((max - min).as_micros()).unwrap_or(u64::MAX - 1);
        min + Duration::from_micros(self.below(span + 1))
    }
}
