//! `childsafe dns serve` between a real client and a real resolver: `dig` asks, a `dnsmasq`
//! started by each test answers upstream with fixed records, and the device's stored lists and
//! policy decide what gets through: a blocked name, an allowed one (over UDP and TCP), SafeSearch
//! by CNAME, DNS-over-HTTPS endpoints, an upstream that does not answer, truncated and malformed
//! packets, a clean stop on Ctrl-C, and a parent's allow rule on an allowlist-only phone reaching
//! the running server through its own sync.
//!
//! dnsmasq and dig must be installed (`scripts/install-prerequisites.sh`): without them these
//! tests fail, saying so, rather than pass having checked nothing.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use childsafe_backend::{ServerConfig, clock, open_storage, operator, spawn};
use common::{Scratch, arg, childsafe, childsafe_async, success_json, text};

/// What the upstream resolver answers: the names the tests ask about, with addresses from the
/// documentation ranges (and the engines' real SafeSearch addresses, which a real resolver would
/// give).
const UPSTREAM_RECORDS: &[(&str, &str)] = &[
    ("allowed.test", "192.0.2.10"),
    ("casino.test", "192.0.2.20"),
    ("www.google.com", "192.0.2.30"),
    ("forcesafesearch.google.com", "216.239.38.120"),
    ("www.bing.com", "192.0.2.31"),
    ("strict.bing.com", "204.79.197.220"),
    ("www.youtube.com", "192.0.2.32"),
    ("restrict.youtube.com", "216.239.38.120"),
    ("dns.google", "8.8.8.8"),
    ("cloudflare-dns.com", "104.16.248.249"),
    ("kids.test", "192.0.2.60"),
    ("parent.test", "192.0.2.40"),
    ("other.test", "192.0.2.50"),
    ("abuse.test", "192.0.2.70"),
    ("mixed.test", "192.0.2.71"),
];

/// The path of a Debian tool the tests need, or a failure that says how to install it.
fn tool(name: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{name} is not installed: the DNS tests need it (Debian package {package}); \
                 run scripts/install-prerequisites.sh"
            )
        })
}

/// A port free on loopback for both UDP and TCP right now.
fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A dnsmasq on a loopback port with [`UPSTREAM_RECORDS`] and nothing else: no upstream of its
/// own, no hosts file, no configuration file. Stopped when dropped.
struct Upstream {
    process: Child,
    address: SocketAddr,
}

impl Upstream {
    fn start() -> Self {
        let dnsmasq = tool("dnsmasq", "dnsmasq-base");
        let port = free_port();
        let mut command = Command::new(dnsmasq);
        command.args([
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--pid-file",
            "--no-resolv",
            "--no-hosts",
            "--bind-interfaces",
            "--listen-address=127.0.0.1",
            &format!("--port={port}"),
        ]);
        for (name, address) in UPSTREAM_RECORDS {
            command.arg(format!("--host-record={name},{address}"));
        }
        let process = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dnsmasq starts");
        let mut upstream = Self {
            process,
            address: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        // Ready once it answers.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = upstream.process.try_wait().unwrap() {
                let mut stderr = String::new();
                upstream
                    .process
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut stderr)
                    .unwrap();
                panic!("dnsmasq stopped ({status}): {stderr}");
            }
            if dig(upstream.address, &["allowed.test"]).status == "NOERROR" {
                return upstream;
            }
            assert!(Instant::now() < deadline, "dnsmasq does not answer");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A running `childsafe dns serve`, killed when dropped if a test did not stop it.
struct Server {
    process: Child,
    address: SocketAddr,
}

impl Server {
    /// Starts the server on a free loopback port with `extra` arguments and waits for the
    /// address it prints.
    fn start(device: &Path, upstream: SocketAddr, extra: &[&str]) -> Self {
        let mut process = Command::new(env!("CARGO_BIN_EXE_childsafe"))
            .args([
                "dns",
                "serve",
                "--dir",
                arg(device),
                "--listen",
                "127.0.0.1:0",
                "--upstream",
                &upstream.to_string(),
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the childsafe binary runs");
        let stdout = process.stdout.take().unwrap();
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_default();
        if line.is_empty() {
            let _ = process.kill();
            let output = process.wait_with_output().unwrap();
            panic!("dns serve printed no address: {}", text(&output.stderr));
        }
        let printed: serde_json::Value = serde_json::from_str(line.trim()).expect("one JSON line");
        let address = printed["listening"]
            .as_str()
            .expect("the address it listens on")
            .parse()
            .unwrap();
        assert_eq!(printed["upstream"], upstream.to_string());
        Self { process, address }
    }

    /// Sends SIGINT, as Ctrl-C does, and waits for the server to end: its exit status and what
    /// it wrote to standard error.
    fn interrupt(&mut self) -> (std::process::ExitStatus, String) {
        let pid = self.process.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = self.process.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "dns serve ignores Ctrl-C");
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        self.process
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (status, stderr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// What `dig` read: the status (NOERROR, NXDOMAIN, SERVFAIL, ...) and the answer section, one
/// `(name, type, data)` per record.
#[derive(Debug)]
struct Dug {
    status: String,
    answers: Vec<(String, String, String)>,
}

impl Dug {
    /// The data of the answer records of type `kind`.
    fn data(&self, kind: &str) -> Vec<&str> {
        self.answers
            .iter()
            .filter(|(_, record_kind, _)| record_kind == kind)
            .map(|(_, _, data)| data.as_str())
            .collect()
    }
}

/// Asks `server` with `dig`, one try, with the `query` arguments (a name, a type, `+tcp`...).
fn dig(server: SocketAddr, query: &[&str]) -> Dug {
    let output = Command::new(tool("dig", "bind9-dnsutils"))
        .arg(format!("@{}", server.ip()))
        .args(["-p", &server.port().to_string()])
        .args(["+tries=1", "+time=3", "+noall", "+comments", "+answer"])
        .args(query)
        .output()
        .expect("dig runs");
    let out = text(&output.stdout);
    let status = out
        .lines()
        .find_map(|line| line.split("status: ").nth(1))
        .map(|rest| rest.split(',').next().unwrap_or_default().to_owned())
        .unwrap_or_else(|| "NO ANSWER".to_owned());
    let answers = out
        .lines()
        .filter(|line| !line.starts_with(';') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert!(fields.len() >= 5, "an answer record: {line}");
            (
                fields[0].to_owned(),
                fields[3].to_owned(),
                fields[4..].join(" "),
            )
        })
        .collect();
    Dug { status, answers }
}

/// [`dig`] off the async runtime, so that a backend on it keeps serving the server's sync.
async fn dig_async(server: SocketAddr, query: &[&str]) -> Dug {
    let query: Vec<String> = query.iter().map(|part| (*part).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let query: Vec<&str> = query.iter().map(String::as_str).collect();
        dig(server, &query)
    })
    .await
    .unwrap()
}

/// Makes a key with `childsafe keys generate` at `name` in `scratch`: its file and public key.
fn key(scratch: &Scratch, name: &str) -> (PathBuf, String) {
    let file = scratch.path(name);
    let output = childsafe(&["keys", "generate", "--out", arg(&file)]);
    assert!(output.status.success(), "{output:?}");
    (file, text(&output.stdout).trim().to_owned())
}

/// Signs an activation profile for `device` in `band` and applies it.
fn activate(scratch: &Scratch, carrier_key: &Path, device: &Path, device_id: &str, band: &str) {
    let profile = scratch.path("profile.json");
    let signed = childsafe(&[
        "activation",
        "sign",
        "--key",
        arg(carrier_key),
        "--carrier",
        "Example Mobile",
        "--device",
        device_id,
        "--band",
        band,
        "--sequence",
        "1",
        "--expires",
        "2099-01-01T00:00:00Z",
        "--out",
        arg(&profile),
    ]);
    assert!(signed.status.success(), "{signed:?}");
    success_json(&childsafe(&[
        "device",
        "activate",
        "--dir",
        arg(device),
        "--profile",
        arg(&profile),
    ]));
}

/// Compiles and installs on `device` a bundle with a gambling list, an illegal-material list
/// (one entry covering a whole host, one a single path) and an allowlist.
fn install_lists(scratch: &Scratch, list_key: &Path, device: &Path) {
    let gambling = scratch.file("gambling.txt", "casino.test\n");
    let illegal = scratch.file(
        "illegal.txt",
        "http://abuse.test/\nhttp://mixed.test/gallery/\n",
    );
    let kids = scratch.file("kids.txt", "kids.test\n");
    let bundle = scratch.path("lists.bin");
    let compiled = childsafe(&[
        "lists",
        "compile",
        "--out",
        arg(&bundle),
        "--key",
        arg(list_key),
        "--version",
        "1",
        "--category",
        &format!("gambling={}", arg(&gambling)),
        "--hashed-urls",
        &format!("illegal={}", arg(&illegal)),
        "--allow",
        &format!("kids={}", arg(&kids)),
    ]);
    assert!(compiled.status.success(), "{compiled:?}");
    success_json(&childsafe(&[
        "device",
        "install-lists",
        "--dir",
        arg(device),
        "--bundle",
        arg(&bundle),
    ]));
}

/// A device set up for a 9-12 year old with the test lists: the carrier's and list keys, the
/// profile, the bundle. Returns the device directory.
fn protected_device(scratch: &Scratch) -> PathBuf {
    let (carrier_key, carrier) = key(scratch, "carrier.key");
    let (list_key, list_public) = key(scratch, "lists.key");
    let device = scratch.path("device");
    let init = success_json(&childsafe(&[
        "device",
        "init",
        "--dir",
        arg(&device),
        "--country",
        "GB",
        "--trust-carrier",
        &carrier,
        "--trusted-list-key",
        &list_public,
    ]));
    let device_id = init["device_id"].as_str().unwrap().to_owned();
    activate(scratch, &carrier_key, &device, &device_id, "9-12");
    install_lists(scratch, &list_key, &device);
    device
}

/// Whether an answer says the name is blocked: NXDOMAIN, with no address of the real site.
fn assert_blocked(dug: &Dug, real_address: &str) {
    assert_eq!(dug.status, "NXDOMAIN", "{dug:?}");
    assert!(!dug.data("A").contains(&real_address), "{dug:?}");
}

#[test]
fn the_filter_blocks_allows_and_forces_safesearch_over_udp_and_tcp() {
    let scratch = Scratch::new();
    let device = protected_device(&scratch);
    let upstream = Upstream::start();
    let server = Server::start(&device, upstream.address, &[]);
    let at = server.address;

    // Allowed: the upstream's answer, over UDP and over TCP.
    for transport in ["+notcp", "+tcp"] {
        let allowed = dig(at, &["allowed.test", "A", transport]);
        assert_eq!(allowed.status, "NOERROR", "{transport}: {allowed:?}");
        assert_eq!(allowed.data("A"), ["192.0.2.10"], "{transport}");
    }

    // A name in a blocked category, though the upstream knows it.
    assert_blocked(&dig(at, &["casino.test"]), "192.0.2.20");
    assert_blocked(&dig(at, &["casino.test", "+tcp"]), "192.0.2.20");
    // Also when asked for another type, or by a subdomain.
    assert_eq!(dig(at, &["casino.test", "AAAA"]).status, "NXDOMAIN");
    assert_eq!(dig(at, &["www.casino.test"]).status, "NXDOMAIN");

    // DNS-over-HTTPS endpoints: with them open, apps would go around the filter.
    assert_blocked(&dig(at, &["dns.google"]), "8.8.8.8");
    assert_blocked(&dig(at, &["cloudflare-dns.com"]), "104.16.248.249");

    // An illegal-material entry covering a whole host blocks the host; one for a single path
    // cannot be seen in DNS, and the host resolves (the browser filter still blocks the path).
    assert_blocked(&dig(at, &["abuse.test"]), "192.0.2.70");
    assert_eq!(dig(at, &["mixed.test"]).data("A"), ["192.0.2.71"]);

    // SafeSearch: the engines' safe hostnames by CNAME, with the addresses the upstream gives
    // them, never the unrestricted site's.
    for (engine, safe_name, safe_address, unrestricted) in [
        (
            "www.google.com",
            "forcesafesearch.google.com.",
            "216.239.38.120",
            "192.0.2.30",
        ),
        (
            "www.bing.com",
            "strict.bing.com.",
            "204.79.197.220",
            "192.0.2.31",
        ),
        (
            "www.youtube.com",
            "restrict.youtube.com.",
            "216.239.38.120",
            "192.0.2.32",
        ),
    ] {
        let dug = dig(at, &[engine, "A"]);
        assert_eq!(dug.status, "NOERROR", "{engine}: {dug:?}");
        assert_eq!(dug.data("CNAME"), [safe_name], "{engine}: {dug:?}");
        assert!(dug.data("A").contains(&safe_address), "{engine}: {dug:?}");
        assert!(!dug.data("A").contains(&unrestricted), "{engine}: {dug:?}");
    }

    // Ctrl-C stops it cleanly, and the device opens again at once.
    let mut server = server;
    let (status, stderr) = server.interrupt();
    assert!(status.success(), "{status}: {stderr}");
    success_json(&childsafe(&["device", "status", "--dir", arg(&device)]));

    // With a block page, blocked names get its addresses instead of NXDOMAIN.
    let server = Server::start(
        &device,
        upstream.address,
        &[
            "--block-address",
            "192.0.2.99",
            "--block-address",
            "2001:db8::99",
        ],
    );
    let blocked = dig(server.address, &["casino.test", "A"]);
    assert_eq!(blocked.status, "NOERROR", "{blocked:?}");
    assert_eq!(blocked.data("A"), ["192.0.2.99"]);
    assert_eq!(
        dig(server.address, &["dns.google", "AAAA"]).data("AAAA"),
        ["2001:db8::99"]
    );
    assert_eq!(
        dig(server.address, &["allowed.test"]).data("A"),
        ["192.0.2.10"]
    );
}

#[test]
fn an_upstream_that_does_not_answer_gets_servfail_and_blocked_names_are_still_answered() {
    let scratch = Scratch::new();
    let device = protected_device(&scratch);
    // A socket that reads queries and never answers.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let silent_address = silent.local_addr().unwrap();
    let server = Server::start(&device, silent_address, &["--upstream-timeout-ms", "300"]);

    let started = Instant::now();
    let unanswered = dig(server.address, &["allowed.test"]);
    assert_eq!(unanswered.status, "SERVFAIL", "{unanswered:?}");
    assert!(unanswered.answers.is_empty(), "{unanswered:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    // The query did reach the upstream, under a transaction ID of the server's own.
    silent
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let mut forwarded = [0; 512];
    let (len, _) = silent.recv_from(&mut forwarded).expect("a forwarded query");
    assert!(len > 12);

    // A blocked name needs no upstream.
    assert_eq!(dig(server.address, &["casino.test"]).status, "NXDOMAIN");
}

/// A query for `name` (type A, class IN, recursion desired) with transaction ID `id`, written
/// out by hand so that the test can cut it short.
fn query_bytes(id: u16, name: &str) -> Vec<u8> {
    let mut query = Vec::new();
    query.extend_from_slice(&id.to_be_bytes());
    query.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.') {
        query.push(u8::try_from(label.len()).unwrap());
        query.extend_from_slice(label.as_bytes());
    }
    query.extend_from_slice(&[0, 0, 1, 0, 1]);
    query
}

/// Sends `packet` to `server` and returns its answer carrying the packet's transaction ID (any
/// ID for a packet too short to carry one), or None when none comes within the socket's wait.
/// Late answers to earlier packets are skipped.
fn exchange(socket: &UdpSocket, server: SocketAddr, packet: &[u8]) -> Option<Vec<u8>> {
    socket.send_to(packet, server).unwrap();
    let mut buffer = vec![0; 65_535];
    loop {
        match socket.recv_from(&mut buffer) {
            Ok((len, from)) => {
                assert_eq!(from, server);
                let answer = &buffer[..len];
                if packet.len() < 2 || answer.get(..2) == packet.get(..2) {
                    return Some(answer.to_vec());
                }
            }
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return None;
            }
            Err(error) => panic!("{error}"),
        }
    }
}

/// The RCODE of a DNS message header.
fn rcode(message: &[u8]) -> u8 {
    message[3] & 0x0f
}

const FORMERR: u8 = 1;

#[test]
fn truncated_and_malformed_packets_get_formerr_or_nothing_and_the_server_keeps_serving() {
    let scratch = Scratch::new();
    let device = protected_device(&scratch);
    let upstream = Upstream::start();
    let server = Server::start(&device, upstream.address, &[]);
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();

    // The whole query is answered, with the upstream's address.
    let whole = query_bytes(0x4a4a, "allowed.test");
    let answer = exchange(&socket, server.address, &whole).expect("an answer");
    assert_eq!(&answer[..2], &whole[..2]);
    assert_eq!(rcode(&answer), 0);
    assert!(answer.windows(4).any(|four| four == [192, 0, 2, 10]));

    // Every shorter cut of it: FORMERR for the same ID, or no answer at all; never the address.
    let mut formerr = 0;
    for len in 0..whole.len() {
        if let Some(answer) = exchange(&socket, server.address, &whole[..len]) {
            assert!(answer.len() >= 12, "cut at {len}: {answer:?}");
            if len >= 2 {
                assert_eq!(&answer[..2], &whole[..2], "cut at {len}");
            }
            assert_eq!(rcode(&answer), FORMERR, "cut at {len}: {answer:?}");
            assert!(!answer.windows(4).any(|four| four == [192, 0, 2, 10]));
            formerr += 1;
        }
    }
    // Once the header is whole, the asker can be told.
    assert!(formerr >= whole.len() - 12, "{formerr} FORMERR answers");

    let malformed: Vec<(&str, Vec<u8>)> = vec![
        ("a name pointing at itself", {
            let mut packet = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
            packet.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1]);
            packet
        }),
        ("a label running past the end", {
            let mut packet = vec![0x12, 0x35, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
            packet.extend_from_slice(&[63, b'a', b'b', 0, 0, 1, 0, 1]);
            packet
        }),
        ("five questions announced, one given", {
            let mut packet = query_bytes(0x1236, "allowed.test");
            packet[5] = 5;
            packet
        }),
        ("an answer sent as a query", {
            let mut packet = query_bytes(0x1238, "allowed.test");
            packet[2] |= 0x80;
            packet
        }),
        (
            "noise",
            (0..300u32).map(|i| (i * 7919 % 251) as u8).collect(),
        ),
    ];
    for (what, packet) in &malformed {
        if let Some(answer) = exchange(&socket, server.address, packet) {
            assert!(answer.len() >= 12, "{what}: {answer:?}");
            assert_ne!(rcode(&answer), 0, "{what}: {answer:?}");
            assert!(
                !answer.windows(4).any(|four| four == [192, 0, 2, 10]),
                "{what}: {answer:?}"
            );
        }
    }

    // Still serving, over UDP and TCP.
    assert_eq!(
        dig(server.address, &["allowed.test"]).data("A"),
        ["192.0.2.10"]
    );
    assert_eq!(
        dig(server.address, &["allowed.test", "+tcp"]).data("A"),
        ["192.0.2.10"]
    );
}

#[test]
fn missing_device_directory_is_refused_with_what_to_do() {
    let scratch = Scratch::new();
    let output = childsafe(&[
        "dns",
        "serve",
        "--dir",
        arg(&scratch.path("nothing")),
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        "127.0.0.1",
    ]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("device init"), "{output:?}");
}

const PIN: &str = "4821";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_allow_rule_on_an_allowlist_only_phone_reaches_the_running_server() {
    let scratch = Scratch::new();
    let storage = open_storage(Some(scratch.path("backend").as_path()), None)
        .await
        .unwrap();
    let backend = spawn(Arc::clone(&storage), ServerConfig::loopback())
        .await
        .unwrap();
    let token = operator::mint_activation_tokens(storage.as_ref(), 1, clock::unix_now())
        .await
        .unwrap()
        .remove(0);
    let url = backend.url();
    let (carrier_key, carrier) = key(&scratch, "carrier.key");
    let (list_key, list_public) = key(&scratch, "lists.key");
    let phone = scratch.path("phone");
    let mum = scratch.path("mum");
    let (phone_dir, mum_dir) = (arg(&phone).to_owned(), arg(&mum).to_owned());

    // The phone: a child under 6 (allowlist-only), registered, with the lists and a PIN.
    let device_id = success_json(
        &childsafe_async(&[
            "device",
            "init",
            "--dir",
            &phone_dir,
            "--country",
            "GB",
            "--trust-carrier",
            &carrier,
            "--trusted-list-key",
            &list_public,
        ])
        .await,
    )["device_id"]
        .as_str()
        .unwrap()
        .to_owned();
    success_json(
        &childsafe_async(&[
            "device",
            "register",
            "--dir",
            &phone_dir,
            "--backend",
            &url,
            "--activation-token",
            &token,
            "--allow-insecure-loopback",
        ])
        .await,
    );
    activate(&scratch, &carrier_key, &phone, &device_id, "0-5");
    install_lists(&scratch, &list_key, &phone);
    success_json(&childsafe_async(&["device", "set-pin", "--dir", &phone_dir, "--pin", PIN]).await);

    // The parent pairs.
    success_json(
        &childsafe_async(&[
            "parent",
            "init",
            "--dir",
            &mum_dir,
            "--backend",
            &url,
            "--allow-insecure-loopback",
        ])
        .await,
    );
    success_json(&childsafe_async(&["parent", "register", "--dir", &mum_dir]).await);
    let invite = success_json(
        &childsafe_async(&["device", "pairing-code", "--dir", &phone_dir, "--pin", PIN]).await,
    );
    let qr = invite["qr_payload"].as_str().unwrap().to_owned();
    let paired =
        success_json(&childsafe_async(&["parent", "pair", "--dir", &mum_dir, "--qr", &qr]).await);
    let code = paired["confirmation_code"].as_str().unwrap().to_owned();
    success_json(
        &childsafe_async(&[
            "device",
            "confirm-parent",
            "--dir",
            &phone_dir,
            "--pin",
            PIN,
            "--code",
            &code,
        ])
        .await,
    );
    success_json(&childsafe_async(&["sync", "--dir", &phone_dir]).await);

    // The server syncs every second, as a phone's filter would get the parents' rules.
    let upstream = tokio::task::spawn_blocking(Upstream::start).await.unwrap();
    let upstream_at = upstream.address;
    let mut server = tokio::task::spawn_blocking(move || {
        Server::start(&phone, upstream_at, &["--sync-every", "1"])
    })
    .await
    .unwrap();
    let at = server.address;

    // Allowlist-only: the allowlisted name resolves, the others do not.
    assert_eq!(
        dig_async(at, &["kids.test"]).await.data("A"),
        ["192.0.2.60"]
    );
    assert_eq!(dig_async(at, &["parent.test"]).await.status, "NXDOMAIN");
    assert_eq!(dig_async(at, &["other.test"]).await.status, "NXDOMAIN");

    // The parent allows one more host; the server's next sync brings the rule in.
    let ticket = success_json(
        &childsafe_async(&[
            "parent",
            "command",
            "--dir",
            &mum_dir,
            "--device",
            &device_id,
            "allow-host",
            "parent.test",
        ])
        .await,
    );
    assert_eq!(ticket["state"], "pending");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let dug = dig_async(at, &["parent.test"]).await;
        if dug.status == "NOERROR" {
            assert_eq!(dug.data("A"), ["192.0.2.40"]);
            break;
        }
        assert_eq!(dug.status, "NXDOMAIN", "{dug:?}");
        assert!(
            Instant::now() < deadline,
            "the parent's rule did not reach the server"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Only that host.
    assert_eq!(dig_async(at, &["other.test"]).await.status, "NXDOMAIN");
    assert_eq!(
        dig_async(at, &["kids.test"]).await.data("A"),
        ["192.0.2.60"]
    );

    let (status, stderr) = tokio::task::spawn_blocking(move || server.interrupt())
        .await
        .unwrap();
    assert!(status.success(), "{status}: {stderr}");
}
