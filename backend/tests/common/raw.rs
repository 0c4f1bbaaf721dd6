//! HTTP/1.1 by hand over a socket, for what a well-behaved client library will not do: send a
//! request head or body slowly or never finish it, stop reading an answer, or come from another
//! loopback address (Linux routes all of 127.0.0.0/8 to the loopback interface, so a test can
//! stand for many clients).

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use super::Reply;

/// A receive buffer small enough that a client that reads nothing stops the server's writes
/// after a few kilobytes in flight.
const SMALL_RECEIVE_BUFFER: u32 = 4 * 1024;

/// A connection to `server` from the loopback address `from`.
pub async fn connect_from(server: SocketAddr, from: Ipv4Addr) -> TcpStream {
    socket_from(from).connect(server).await.unwrap()
}

/// A connection from `from` whose receive buffer is small, for a client that stops reading.
pub async fn connect_small_window(server: SocketAddr, from: Ipv4Addr) -> TcpStream {
    let socket = socket_from(from);
    socket.set_recv_buffer_size(SMALL_RECEIVE_BUFFER).unwrap();
    socket.connect(server).await.unwrap()
}

fn socket_from(from: Ipv4Addr) -> TcpSocket {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    socket
}

/// The head of a request with a body of `content_length` bytes, and these extra header lines
/// (each `Name: value`).
pub fn request_head(method: &str, path: &str, content_length: usize, extra: &[String]) -> String {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: childsafe.test\r\nContent-Length: {content_length}\r\n"
    );
    for line in extra {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

/// The body length [`request_waiting_for_its_body`] announces.
pub const WAITING_BODY_BYTES: usize = 100;

/// Sends from `from` the head of a request announcing a body of [`WAITING_BODY_BYTES`], with
/// `Expect: 100-continue` and these extra header lines, and waits for the server's
/// `100 Continue`: from then on the request has been taken in and the server is reading its
/// body, which the caller may send or not.
pub async fn request_waiting_for_its_body(
    server: SocketAddr,
    from: Ipv4Addr,
    method: &str,
    path: &str,
    extra: &[String],
) -> TcpStream {
    let mut stream = connect_from(server, from).await;
    let mut lines = vec!["Expect: 100-continue".to_owned()];
    lines.extend_from_slice(extra);
    let head = request_head(method, path, WAITING_BODY_BYTES, &lines);
    stream.write_all(head.as_bytes()).await.unwrap();
    let go_on = read_reply(&mut stream).await;
    assert_eq!(
        go_on.as_ref().map(|reply| reply.status),
        Some(100),
        "{method} {path}: {:?}",
        go_on.map(|reply| String::from_utf8_lossy(&reply.body).into_owned())
    );
    stream
}

/// Reads one answer: its head, and a body of its `Content-Length` (none without one). `None`
/// when the connection ends before a whole answer.
pub async fn read_reply(stream: &mut TcpStream) -> Option<Reply> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read_u8().await {
            Ok(byte) => head.push(byte),
            Err(_) => return None,
        }
    }
    let head = String::from_utf8(head).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut headers = HeaderMap::new();
    for line in lines.filter(|line| !line.is_empty()) {
        let (name, value) = line.split_once(':').unwrap();
        headers.append(
            HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
            HeaderValue::from_str(value.trim()).unwrap(),
        );
    }
    let length: usize = headers
        .get("content-length")
        .map_or(0, |value| value.to_str().unwrap().parse().unwrap());
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.ok()?;
    Some(Reply {
        status,
        headers,
        body,
    })
}

/// Reads and drops everything until the server ends the connection; how many bytes came.
pub async fn read_until_closed(stream: &mut TcpStream) -> usize {
    let mut total = 0;
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return total,
            Ok(read) => total += read,
        }
    }
}

/// Sends `bytes` one at a time, `every` apart, stopping early if the server ends the
/// connection; whether every byte went out.
pub async fn trickle(stream: &mut TcpStream, bytes: &[u8], every: Duration) -> bool {
    for byte in bytes {
        if stream.write_all(&[*byte]).await.is_err() {
            return false;
        }
        let mut probe = [0; 1];
        // Anything to read (an answer, or the end) means the server is done with the request.
        if tokio::time::timeout(every, stream.peek(&mut probe))
            .await
            .is_ok()
        {
            return false;
        }
    }
    true
}
