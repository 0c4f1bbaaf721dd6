//! What slow readers of a large bundle cost the reference backend: the `serve` binary runs as a
//! process of its own (so that `/proc/<pid>/status` measures the server alone), a 32 MiB bundle
//! is uploaded through the operator API, and clients ask for it and then read it very slowly
//! (256 bytes every half second) or not at all.
//!
//! `cargo bench -p childsafe-backend --bench slow_readers` prints the server's resident memory
//! (VmRSS, and the peak VmHWM) and its open sockets: at start, after the upload and one normal
//! fetch, with 12 slow readers, with 50, and once the server has dropped them under its answer
//! rate floor. Before bundles were shared, 12 slow readers took the server from 69 MB to 463 MB;
//! the target is under 150 MB with 50.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs
)]

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use childsafe_backend::clock::unix_now;
use childsafe_backend::limits::{MAX_BUNDLE_BYTES, MIN_SEND_BYTES_PER_SEC, SEND_RATE_GRACE};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

/// The resident memory the server must stay under with 50 slow readers, in MiB.
const TARGET_MIB: f64 = 150.0;
/// How long the readers are given to connect and the server to start answering them before
/// memory is read.
const SETTLE: Duration = Duration::from_secs(3);
/// A trickling reader takes this much...
const TRICKLE_BYTES: usize = 256;
/// ...this often: 512 bytes a second, half the server's floor.
const TRICKLE_EVERY: Duration = Duration::from_millis(500);
/// How long to wait for the server to drop the readers before giving up on it.
const DROP_WAIT: Duration = Duration::from_secs(60);
const OPERATOR_TOKEN: &str = "slow-readers-bench-token";

/// The server process, stopped with SIGTERM when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(dir: &std::path::Path) -> Self {
        let token_file = dir.join("operator-token");
        std::fs::write(&token_file, OPERATOR_TOKEN).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_childsafe-backend"))
            .arg("serve")
            .arg("--data")
            .arg(dir.join("state"))
            .args(["--listen", "127.0.0.1:0", "--operator-token-file"])
            .arg(&token_file)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the serve binary starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .parse()
            .unwrap();
        Server { child, addr }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// VmRSS and VmHWM, in MiB.
    fn memory(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<f64>()
                        .ok()
                })
                .map_or(f64::NAN, |kib| kib / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// Sockets the server holds open (its listener included).
    fn sockets(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .unwrap()
            .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
            .filter(|target| target.to_string_lossy().starts_with("socket:"))
            .count()
    }

    fn print(&self, moment: &str) -> f64 {
        let (rss, hwm) = self.memory();
        println!(
            "{moment:<46} VmRSS {rss:>7.1} MiB   VmHWM {hwm:>7.1} MiB   sockets {:>4}",
            self.sockets()
        );
        rss
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// A client that asks for the bundle and then reads it slowly (`trickle`) or not at all.
async fn slow_reader(addr: SocketAddr, trickle: bool) -> JoinHandle<()> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /v1/bundles/lists HTTP/1.1\r\nHost: bench\r\n\r\n")
        .await
        .unwrap();
    tokio::spawn(async move {
        let mut buffer = [0; TRICKLE_BYTES];
        loop {
            if trickle {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
            tokio::time::sleep(TRICKLE_EVERY).await;
        }
    })
}

async fn open_readers(server: &Server, count: usize, readers: &mut Vec<JoinHandle<()>>) {
    for _ in 0..count {
        let trickle = readers.len() % 2 == 0;
        readers.push(slow_reader(server.addr, trickle).await);
    }
    tokio::time::sleep(SETTLE).await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    println!(
        "childsafe-backend slow readers bench: serve (pid {}) on {}, half the readers take {} \
         bytes every {:?}, half read nothing; the server's floor is {} bytes/s after {:?}",
        server.child.id(),
        server.addr,
        TRICKLE_BYTES,
        TRICKLE_EVERY,
        MIN_SEND_BYTES_PER_SEC,
        SEND_RATE_GRACE
    );
    server.print("started");
    // The listener and the runtime's own (signal handling uses a socket pair).
    let idle_sockets = server.sockets();

    let bundle = vec![0x5a; MAX_BUNDLE_BYTES];
    let http = reqwest::Client::new();
    let uploaded = http
        .put(format!("{}/v1/operator/bundles/lists", server.url()))
        .bearer_auth(OPERATOR_TOKEN)
        .header("x-bundle-version", "1")
        .header("x-bundle-expires-at", (unix_now() + 3600).to_string())
        .header("content-type", "application/octet-stream")
        .body(bundle.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 200, "the upload was refused");
    server.print("after uploading the 32 MiB bundle");
    let fetched = http
        .get(format!("{}/v1/bundles/lists", server.url()))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(fetched == bundle, "the bundle came back different");
    drop(http);
    let before = server.print("after one normal fetch (idle)");

    let mut readers = Vec::new();
    open_readers(&server, 12, &mut readers).await;
    let with_12 = server.print("with 12 slow readers");
    open_readers(&server, 38, &mut readers).await;
    let with_50 = server.print("with 50 slow readers");

    let started = Instant::now();
    while server.sockets() > idle_sockets && started.elapsed() < DROP_WAIT {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let dropped_after = started.elapsed();
    let moment = if server.sockets() > idle_sockets {
        format!("{DROP_WAIT:?} later, readers STILL HELD")
    } else {
        format!(
            "{:.1} s later, all readers dropped",
            dropped_after.as_secs_f64()
        )
    };
    let after = server.print(&moment);
    for reader in &readers {
        reader.abort();
    }

    println!();
    println!("idle with the bundle held:   {before:>7.1} MiB");
    println!(
        "12 slow readers:             {with_12:>7.1} MiB  (+{:.1})",
        with_12 - before
    );
    println!(
        "50 slow readers:             {with_50:>7.1} MiB  (+{:.1}; target under {TARGET_MIB} MiB: {})",
        with_50 - before,
        if with_50 < TARGET_MIB {
            "met"
        } else {
            "NOT met"
        }
    );
    println!("after they were dropped:     {after:>7.1} MiB");
}
