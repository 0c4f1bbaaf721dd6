//! The accept loop and the life of a connection: HTTP/1.1 through hyper, the router behind it,
//! and the limits that keep slow or greedy clients cheap (see the connection constants in
//! [`limits`](crate::limits)).
//!
//! 1. A connection over [`ConnectionLimits::max_connections`] is answered 503 `server_busy` and
//!    closed; past [`MAX_REFUSALS_IN_FLIGHT`] such answers at once it is closed without one.
//! 2. Each request head must arrive within [`ConnectionLimits::header_read_timeout`] (hyper's
//!    header read timeout, which also ends idle kept-alive connections).
//! 3. A request over its address's [`ConnectionLimits::max_requests_per_address`] is answered
//!    503 `address_busy` ([`admission`](crate::admission)).
//! 4. Its body is read under [`PacedBody`] and its answer written under [`PacedWrites`]. A
//!    long-lived stream (the parent's events) gives its slot back once its head is sent; the
//!    stream caps of [`events`](crate::events) bound those instead.
//! 5. On stop, the listener closes, every connection finishes the exchange it is in, and those
//!    still open after [`ConnectionLimits::shutdown_grace`] are dropped.

use std::convert::Infallible;
use std::future::{Future, ready};
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use axum::response::IntoResponse as _;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::{Service, service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use crate::admission::{AddressSlots, Admitted, ClientAddress, ReleasesAddressSlot};
use crate::error::ApiError;
use crate::limits::{ConnectionLimits, MAX_REFUSALS_IN_FLIGHT, REFUSAL_TIME_LIMIT};
use crate::log;
use crate::pacing::{BodyPace, PacedBody, PacedWrites};

/// How long the accept loop rests after a failure other than a client giving up (typically
/// running out of file descriptors), so that it does not spin while connections close.
const ACCEPT_FAILURE_PAUSE: Duration = Duration::from_secs(1);

/// The connections a server has open, against its cap.
#[derive(Debug)]
pub(crate) struct OpenConnections {
    permits: Arc<Semaphore>,
    max: usize,
}

impl OpenConnections {
    /// Room for `max` connections.
    pub(crate) fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            permits: Arc::new(Semaphore::new(max)),
            max,
        })
    }

    /// How many are open now (not counting connections being refused).
    pub(crate) fn count(&self) -> usize {
        self.max.saturating_sub(self.permits.available_permits())
    }
}

/// Accepts and serves connections until `stop` turns true (or its sender is dropped), then
/// waits for the connections to finish, within the shutdown grace.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    open: Arc<OpenConnections>,
    stop: watch::Receiver<bool>,
) {
    let router = TowerToHyperService::new(router);
    let slots = AddressSlots::new(limits.max_requests_per_address);
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS_IN_FLIGHT));
    let mut accepting = stop.clone();
    loop {
        let accepted = tokio::select! {
            _ = accepting.wait_for(|stop| *stop) => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) if is_client_gone(&error) => continue,
            Err(error) => {
                log::line(format_args!("accepting a connection failed: {error}"));
                tokio::select! {
                    _ = accepting.wait_for(|stop| *stop) => break,
                    _ = tokio::time::sleep(ACCEPT_FAILURE_PAUSE) => continue,
                }
            }
        };
        match Arc::clone(&open.permits).try_acquire_owned() {
            Ok(permit) => {
                let exchange = Exchange {
                    router: router.clone(),
                    address: ClientAddress::from(peer.ip()),
                    slots: Arc::clone(&slots),
                    body_pace: BodyPace {
                        timeout: limits.body_read_timeout,
                        floor: limits.min_body_rate,
                    },
                };
                tokio::spawn(serve_connection(
                    stream,
                    exchange,
                    limits,
                    stop.clone(),
                    permit,
                ));
            }
            Err(_) => refuse(stream, &refusals),
        }
    }
    drop(listener);
    // Each connection holds its permit until it ends, so all of them back means all ended.
    // Neither semaphore is ever closed, so these waits end in success.
    let _ = open.permits.acquire_many(permit_count(open.max)).await;
    let _ = refusals
        .acquire_many(permit_count(MAX_REFUSALS_IN_FLIGHT))
        .await;
}

/// Serves one connection until it ends, or until the shutdown grace after a stop.
async fn serve_connection(
    stream: TcpStream,
    exchange: Exchange,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<bool>,
    _open: OwnedSemaphorePermit,
) {
    // Answers go out as soon as they are written, without waiting for more to send.
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(PacedWrites::new(stream, limits.min_send_rate));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut connection = pin!(builder.serve_connection(io, exchange));
    // Errors (a client gone, a timeout) end the connection and are not logged: a client could
    // fill the log with them at will.
    tokio::select! {
        _ = connection.as_mut() => return,
        _ = stop.wait_for(|stop| *stop) => {}
    }
    connection.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(limits.shutdown_grace, connection).await;
}

/// Answers a connection over the cap with 503 `server_busy` and closes it, or closes it at once
/// when [`MAX_REFUSALS_IN_FLIGHT`] refusals are already under way.
fn refuse(stream: TcpStream, refusals: &Arc<Semaphore>) {
    let Ok(permit) = Arc::clone(refusals).try_acquire_owned() else {
        return;
    };
    tokio::spawn(async move {
        let mut builder = http1::Builder::new();
        builder.keep_alive(false);
        let busy = service_fn(|_request: Request<Incoming>| {
            ready(Ok::<_, Infallible>(ApiError::server_busy().into_response()))
        });
        let answered = builder.serve_connection(TokioIo::new(stream), busy);
        let _ = tokio::time::timeout(REFUSAL_TIME_LIMIT, answered).await;
        drop(permit);
    });
}

/// The service of one connection: admits each request against its address's cap, paces its
/// body, and hands it to the router.
#[derive(Clone)]
struct Exchange {
    router: TowerToHyperService<Router>,
    address: ClientAddress,
    slots: Arc<AddressSlots>,
    body_pace: BodyPace,
}

impl Service<Request<Incoming>> for Exchange {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let Some(permit) = self.slots.try_admit(self.address) else {
            return Box::pin(ready(Ok(ApiError::address_busy().into_response())));
        };
        let pace = self.body_pace;
        let mut request = request;
        // Handlers that count per client (parent registration) read the address from here.
        request.extensions_mut().insert(self.address);
        let request = request.map(|body| Body::new(PacedBody::new(body, pace)));
        let answer = self.router.call(request);
        Box::pin(async move {
            let response = answer.await?;
            if response.extensions().get::<ReleasesAddressSlot>().is_some() {
                drop(permit);
                return Ok(response);
            }
            Ok(response.map(|body| Body::new(Admitted::new(body, permit))))
        })
    }
}

/// Whether an accept failed only because that one client went away.
fn is_client_gone(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    )
}

/// `count` as the semaphore's permit type; `spawn` refuses caps past `u32::MAX`, so the
/// saturation never happens.
fn permit_count(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}
