//! Clients that are slow or greedy on purpose, over real sockets against a real server: a
//! request head sent a byte at a time, bodies trickled under the rate floor, a client that stops
//! reading a bundle, hundreds of such connections while a real device syncs, and the answers
//! over the connection and per-address caps. Timeouts are shortened through `ServerConfig`
//! where the production values would make a test take minutes; the header timeout runs at its
//! production value.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

mod common;
mod support;

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use childsafe_backend::limits::{
    BUSY_RETRY_AFTER_SECS, HEADER_READ_TIMEOUT, MAX_REFUSALS_IN_FLIGHT, REFUSAL_TIME_LIMIT,
    RateFloor,
};
use common::raw::{
    WAITING_BODY_BYTES, connect_from, connect_small_window, read_reply, read_until_closed,
    request_head, request_waiting_for_its_body, trickle,
};
use common::{OPERATOR_TOKEN, Reply, TestServer};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// How late past its deadline a cut may come: the server's timer, then the close reaching the
/// client, on a machine whose two cores other test binaries share.
const SLACK: Duration = Duration::from_millis(1500);

const LOCALHOST: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// Asserts that `elapsed` is at `deadline`: not before it, and within [`SLACK`] after.
fn assert_cut_at(what: &str, elapsed: Duration, deadline: Duration) {
    println!("{what}: cut off after {elapsed:.2?} (deadline {deadline:?})");
    assert!(
        elapsed >= deadline && elapsed <= deadline + SLACK,
        "{what}: cut off after {elapsed:?}, expected {deadline:?} to {:?}",
        deadline + SLACK
    );
}

/// Asserts a 503 refusal: the code, `Retry-After`, and the ErrorBody.
fn assert_busy(reply: &Reply, code: &str) {
    assert_eq!(
        reply.status,
        503,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.error(), code);
    assert_eq!(
        reply.header("retry-after"),
        Some(BUSY_RETRY_AFTER_SECS.to_string())
    );
}

/// A request head that never ends, sent a byte every 250 ms: the 51 s such a client was held
/// before becomes the header read timeout.
#[tokio::test(flavor = "multi_thread")]
async fn a_request_head_sent_byte_by_byte_is_cut_off_at_the_header_timeout() {
    let server = common::sled_server_with(|_| {}).await;
    // The clock starts before the server's can: at the connection.
    let started = Instant::now();
    let mut stream = connect_from(server.addr, LOCALHOST).await;
    let endless_head = format!(
        "GET /v1/server HTTP/1.1\r\nHost: x\r\nX-Pad: {}",
        "a".repeat(1000)
    );
    let finished = trickle(
        &mut stream,
        endless_head.as_bytes(),
        Duration::from_millis(250),
    )
    .await;
    assert!(!finished, "the server waited for the whole 4-minute head");
    assert_eq!(read_reply(&mut stream).await.map(|r| r.status), None);
    assert_cut_at("slow request head", started.elapsed(), HEADER_READ_TIMEOUT);
    server.stop().await;
}

/// A kept-alive connection left idle after its answer is closed when the header timeout (here
/// 1 s) passes without a next request head.
#[tokio::test(flavor = "multi_thread")]
async fn an_idle_kept_alive_connection_is_closed_at_the_header_timeout() {
    let timeout = Duration::from_secs(1);
    let server = common::sled_server_with(|config| {
        config.connections.header_read_timeout = timeout;
    })
    .await;
    let mut stream = connect_from(server.addr, LOCALHOST).await;
    stream
        .write_all(request_head("GET", "/v1/server", 0, &[]).as_bytes())
        .await
        .unwrap();
    // The clock starts before the server's can: it starts once it has answered.
    let started = Instant::now();
    let reply = read_reply(&mut stream).await.expect("an answer");
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("connection"),
        None,
        "the connection is kept alive"
    );
    assert_eq!(read_until_closed(&mut stream).await, 0);
    assert_cut_at("idle kept-alive connection", started.elapsed(), timeout);
    server.stop().await;
}

/// A body trickled at 5 bytes a second, under a floor of 100: cut off when the 1 s grace ends,
/// with 408 `body_too_slow`.
#[tokio::test(flavor = "multi_thread")]
async fn a_body_trickled_under_the_rate_floor_is_cut_off_with_408() {
    let grace = Duration::from_secs(1);
    let server = common::sled_server_with(|config| {
        config.connections.min_body_rate = RateFloor {
            bytes_per_sec: 100,
            grace,
        };
    })
    .await;
    let mut stream = connect_from(server.addr, LOCALHOST).await;
    let head = request_head(
        "POST",
        "/v1/devices",
        500,
        &["Content-Type: application/json".to_owned()],
    );
    // The clock starts before the server's can: when it reads the head.
    let started = Instant::now();
    stream.write_all(head.as_bytes()).await.unwrap();
    let finished = trickle(&mut stream, &[b' '; 500], Duration::from_millis(200)).await;
    assert!(!finished, "the whole slow body was waited for");
    let reply = read_reply(&mut stream).await.expect("a 408 answer");
    assert_cut_at("body under the rate floor", started.elapsed(), grace);
    reply.refused(408, "body_too_slow");
    assert_eq!(
        read_until_closed(&mut stream).await,
        0,
        "then the connection ends"
    );
    server.stop().await;
}

/// A body that keeps above the floor but would take 10 s: cut off at the 2 s body timeout.
#[tokio::test(flavor = "multi_thread")]
async fn a_body_above_the_floor_is_still_cut_off_at_the_body_timeout() {
    let timeout = Duration::from_secs(2);
    let server = common::sled_server_with(|config| {
        config.connections.body_read_timeout = timeout;
        config.connections.min_body_rate = RateFloor {
            bytes_per_sec: 10,
            grace: Duration::from_millis(100),
        };
    })
    .await;
    let mut stream = connect_from(server.addr, LOCALHOST).await;
    let head = request_head(
        "POST",
        "/v1/devices",
        1000,
        &["Content-Type: application/json".to_owned()],
    );
    // The clock starts before the server's can: when it reads the head.
    let started = Instant::now();
    stream.write_all(head.as_bytes()).await.unwrap();
    // 100 bytes a second, ten times the floor, in chunks of 10.
    let mut cut = false;
    for _ in 0..100 {
        if stream.write_all(&[b' '; 10]).await.is_err() {
            cut = true;
            break;
        }
        let mut probe = [0; 1];
        if tokio::time::timeout(Duration::from_millis(100), stream.peek(&mut probe))
            .await
            .is_ok()
        {
            cut = true;
            break;
        }
    }
    assert!(cut, "the whole 10 s body was waited for");
    let reply = read_reply(&mut stream).await.expect("a 408 answer");
    assert_cut_at("body past the body timeout", started.elapsed(), timeout);
    reply.refused(408, "body_too_slow");
    server.stop().await;
}

/// 200 slow connections, each from an address of its own as in an attack from many machines
/// (Linux routes all of 127.0.0.0/8 to loopback): 100 stuck in their request head, 100 in their
/// body. Meanwhile a device, from 127.0.0.1, registers, uploads a report and fetches a bundle
/// with requests signed as the protocol asks, within a second, with the production limits.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_slow_connections_do_not_hold_up_a_device() {
    use childsafe_protocol::report::ReportKind;
    use childsafe_protocol::wire::ReportReceipts;

    const SLOW_HEADS: u8 = 100;
    const SLOW_BODIES: u8 = 100;
    const DEVICE_BUDGET: Duration = Duration::from_secs(1);

    let server = common::sled_server_with(|_| {}).await;
    let bundle = vec![7u8; 256 * 1024];
    upload_lists_bundle(&server, &bundle).await;
    let baseline = server.open_connections();

    let mut slow = Vec::new();
    for n in 0..SLOW_HEADS {
        let mut stream = connect_from(server.addr, Ipv4Addr::new(127, 0, 1, n + 1)).await;
        stream
            .write_all(b"GET /v1/server HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(stream);
    }
    for n in 0..SLOW_BODIES {
        let mut stream = connect_from(server.addr, Ipv4Addr::new(127, 0, 2, n + 1)).await;
        let head = request_head(
            "POST",
            "/v1/devices",
            1000,
            &["Content-Type: application/json".to_owned()],
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(b"{\"activation_token\":").await.unwrap();
        slow.push(stream);
    }
    let held = usize::from(SLOW_HEADS) + usize::from(SLOW_BODIES);
    wait_for_connections(&server, baseline + held).await;

    let report = common::report(ReportKind::Grooming);
    let started = Instant::now();
    let device = server.device("GB").await;
    let receipts: ReportReceipts = server
        .upload(&device, &common::fresh_key(), &[report])
        .await
        .expect(200)
        .json();
    let fetched = server.get("/v1/bundles/lists").send().await.expect(200);
    let latency = started.elapsed();
    println!(
        "device sync (register, upload, fetch a 256 KiB bundle) with {held} slow connections \
         open: {latency:.2?}"
    );
    assert_eq!(receipts.receipts.len(), 1);
    assert_eq!(fetched.body, bundle);
    assert!(
        server.open_connections() >= baseline + held,
        "the slow connections were dropped before the device finished, so they proved nothing"
    );
    assert!(
        latency < DEVICE_BUDGET,
        "the device took {latency:?} beside {held} slow connections"
    );
    drop(slow);
    server.stop().await;
}

/// One address with as many requests in flight as it may: its next request is answered 503
/// `address_busy` at once, while another address is served, and a finished request frees its
/// slot.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn over_the_per_address_cap_a_request_is_refused_at_once() {
    const CAP: usize = 4;
    let server = common::sled_server_with(|config| {
        config.connections.max_requests_per_address = CAP;
    })
    .await;
    let crowded = Ipv4Addr::new(127, 0, 3, 1);
    let mut held = Vec::new();
    for _ in 0..CAP {
        held.push(request_stuck_in_its_body(&server, crowded).await);
    }

    let started = Instant::now();
    let reply = get_server_info(&server, crowded).await;
    let latency = started.elapsed();
    println!("request over the per-address cap answered in {latency:.2?}");
    assert_busy(&reply, "address_busy");
    assert!(
        latency < REFUSAL_TIME_LIMIT,
        "the refusal waited {latency:?} for something"
    );

    let elsewhere = get_server_info(&server, Ipv4Addr::new(127, 0, 3, 2)).await;
    assert_eq!(elsewhere.status, 200, "another address is not affected");

    drop(held.pop());
    let deadline = Instant::now() + SLACK;
    loop {
        let reply = get_server_info(&server, crowded).await;
        if reply.status == 200 {
            break;
        }
        assert_busy(&reply, "address_busy");
        assert!(Instant::now() < deadline, "the ended request kept its slot");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(held);
    server.stop().await;
}

/// A server holding as many connections as it takes: the next one is answered 503
/// `server_busy` at once and closed; past the refusals in flight a connection is closed without
/// an answer; once connections close, clients are served again.
#[tokio::test(flavor = "multi_thread")]
async fn over_the_connection_cap_a_connection_is_refused_at_once() {
    const CAP: usize = 8;
    let server = common::sled_server_with(|config| {
        config.connections.max_connections = CAP;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..CAP {
        held.push(connect_from(server.addr, LOCALHOST).await);
    }
    wait_for_connections(&server, CAP).await;

    let started = Instant::now();
    let reply = get_server_info(&server, LOCALHOST).await;
    let latency = started.elapsed();
    println!("connection over the cap answered in {latency:.2?}");
    assert_busy(&reply, "server_busy");
    assert_eq!(reply.header("connection").as_deref(), Some("close"));
    assert!(
        latency < REFUSAL_TIME_LIMIT,
        "the refusal waited {latency:?} for something"
    );

    // Silent connections over the cap take every refusal slot for REFUSAL_TIME_LIMIT...
    let mut silent = Vec::new();
    for _ in 0..MAX_REFUSALS_IN_FLIGHT {
        silent.push(connect_from(server.addr, LOCALHOST).await);
    }
    // ...so the next one is closed without an answer, at once.
    let started = Instant::now();
    let mut stream = connect_from(server.addr, LOCALHOST).await;
    stream
        .write_all(request_head("GET", "/v1/server", 0, &[]).as_bytes())
        .await
        .unwrap();
    assert!(read_reply(&mut stream).await.is_none(), "it was answered");
    assert!(started.elapsed() < REFUSAL_TIME_LIMIT);
    // The silent ones are let go after REFUSAL_TIME_LIMIT.
    for mut stream in silent {
        let started = Instant::now();
        assert_eq!(read_until_closed(&mut stream).await, 0);
        assert!(started.elapsed() <= REFUSAL_TIME_LIMIT + SLACK);
    }

    drop(held);
    let deadline = Instant::now() + SLACK;
    loop {
        let reply = get_server_info(&server, LOCALHOST).await;
        if reply.status == 200 {
            break;
        }
        assert_busy(&reply, "server_busy");
        assert!(
            Instant::now() < deadline,
            "closed connections kept their places"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop().await;
}

/// A client that asks for an 8 MiB bundle and reads none of it: once the kernel's buffers are
/// full, it has the 1 s grace to start taking bytes at the floor, and is then dropped, with
/// everything its answer held.
#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_stops_reading_is_dropped_after_the_send_grace() {
    let grace = Duration::from_secs(1);
    let server = common::sled_server_with(|config| {
        config.connections.min_send_rate = RateFloor {
            bytes_per_sec: 64 * 1024,
            grace,
        };
        // The connection that uploads the bundle stays open idle: it must not close in the
        // middle of the count below.
        config.connections.header_read_timeout = Duration::from_secs(60);
    })
    .await;
    let bundle = vec![9u8; 8 * 1024 * 1024];
    upload_lists_bundle(&server, &bundle).await;
    let baseline = server.open_connections();

    let mut stream = connect_small_window(server.addr, LOCALHOST).await;
    stream
        .write_all(request_head("GET", "/v1/bundles/lists", 0, &[]).as_bytes())
        .await
        .unwrap();
    wait_for_connections(&server, baseline + 1).await;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(10);
    while server.open_connections() > baseline {
        assert!(
            Instant::now() < deadline,
            "the server kept writing to a client that reads nothing"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "client that reads nothing dropped after {:.2?}",
        started.elapsed()
    );
    let received = read_until_closed(&mut stream).await;
    println!("it had been sent {received} of {} bytes", bundle.len());
    assert!(received < bundle.len(), "the whole bundle went out");
    server.stop().await;
}

/// A stop with two requests waiting for their bodies (and no body deadline in sight): the one
/// whose body comes during the grace is answered, the other is closed when the grace ends, and
/// the server is down then.
#[tokio::test(flavor = "multi_thread")]
async fn a_stop_lets_requests_finish_within_the_grace_and_closes_the_rest() {
    let grace = Duration::from_secs(1);
    let server = common::sled_server_with(|config| {
        config.connections.shutdown_grace = grace;
        config.connections.body_read_timeout = Duration::from_secs(60);
        config.connections.min_body_rate.bytes_per_sec = 0;
    })
    .await;
    let mut finishing = request_stuck_in_its_body(&server, LOCALHOST).await;
    let mut stuck = request_stuck_in_its_body(&server, LOCALHOST).await;

    let started = Instant::now();
    let stopping = tokio::spawn(server.stop());
    tokio::time::sleep(grace / 4).await;
    let body = format!("{:<WAITING_BODY_BYTES$}", "{\"count\":1}");
    finishing.write_all(body.as_bytes()).await.unwrap();
    let reply = read_reply(&mut finishing)
        .await
        .expect("an answer during the grace");
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.header("connection").as_deref(), Some("close"));

    stopping.await.unwrap();
    assert_cut_at(
        "shutdown with a request stuck in its body",
        started.elapsed(),
        grace,
    );
    assert_eq!(read_until_closed(&mut stuck).await, 0);
}

/// Uploads `bytes` as the lists bundle through the operator API.
async fn upload_lists_bundle(server: &TestServer, bytes: &[u8]) {
    let expires = childsafe_backend::clock::unix_now() + 3600;
    server
        .put("/v1/operator/bundles/lists")
        .operator()
        .header("x-bundle-version", "1")
        .header("x-bundle-expires-at", &expires.to_string())
        .raw(bytes.to_vec(), "application/octet-stream")
        .send()
        .await
        .expect(200);
}

/// Waits until the server has at least `count` connections open.
async fn wait_for_connections(server: &TestServer, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.open_connections() < count {
        assert!(
            Instant::now() < deadline,
            "{} connections open, waiting for {count}",
            server.open_connections()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A request from `from` to mint one activation token, taken in by the server, whose body
/// (`{"count":1}` padded to [`WAITING_BODY_BYTES`]) has not been sent.
async fn request_stuck_in_its_body(server: &TestServer, from: Ipv4Addr) -> TcpStream {
    request_waiting_for_its_body(
        server.addr,
        from,
        "POST",
        "/v1/operator/activation-tokens",
        &[
            "Content-Type: application/json".to_owned(),
            format!("Authorization: Bearer {OPERATOR_TOKEN}"),
        ],
    )
    .await
}

/// `GET /v1/server` on a new connection from `from`.
async fn get_server_info(server: &TestServer, from: Ipv4Addr) -> Reply {
    let mut stream = connect_from(server.addr, from).await;
    stream
        .write_all(request_head("GET", "/v1/server", 0, &[]).as_bytes())
        .await
        .unwrap();
    read_reply(&mut stream).await.expect("an answer")
}
