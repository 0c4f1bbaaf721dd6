//! Deadlines on the two halves of an exchange that a client controls the pace of: a request body
//! must arrive within [`BODY_READ_TIMEOUT`](crate::limits::BODY_READ_TIMEOUT) and above
//! [`MIN_BODY_BYTES_PER_SEC`](crate::limits::MIN_BODY_BYTES_PER_SEC) ([`PacedBody`]), and an
//! answer must be taken above [`MIN_SEND_BYTES_PER_SEC`](crate::limits::MIN_SEND_BYTES_PER_SEC)
//! ([`PacedWrites`]). (The request head has hyper's own header read timeout.)
//!
//! Both measure only time the server spends waiting on the client: a body from the moment a
//! handler first asks for it, an answer from the moment a write finds the socket full until
//! everything queued has been handed to the kernel. Time spent in handlers, or idle between two
//! requests, never counts against a client.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use crate::limits::RateFloor;

/// The deadlines a request body is read under.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BodyPace {
    /// The whole body must arrive within this.
    pub(crate) timeout: Duration,
    /// And never fall under this average rate after its grace.
    pub(crate) floor: RateFloor,
}

/// Why a request body was cut off: it did not arrive in time, or arrived under the floor. The
/// extractors answer it with 408 `body_too_slow`.
#[derive(Debug)]
pub(crate) struct BodyTooSlow;

impl fmt::Display for BodyTooSlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the request body arrived too slowly")
    }
}

impl StdError for BodyTooSlow {}

/// A request body that fails with [`BodyTooSlow`] when the server has waited on it past its
/// [`BodyPace`].
pub(crate) struct PacedBody<B> {
    inner: B,
    pace: BodyPace,
    /// When the server first asked for the body, and how many bytes came since.
    started: Option<Instant>,
    received: u64,
    /// Wakes the reader at the deadline while the client sends nothing.
    timer: Pin<Box<Sleep>>,
}

impl<B> PacedBody<B> {
    /// `inner` read under `pace`.
    pub(crate) fn new(inner: B, pace: BodyPace) -> Self {
        Self {
            inner,
            pace,
            started: None,
            received: 0,
            timer: Box::pin(tokio::time::sleep(Duration::ZERO)),
        }
    }

    /// When the body is late: the earlier of the whole-body timeout and the rate floor.
    fn deadline(&self, started: Instant) -> Instant {
        let whole = started + self.pace.timeout;
        self.pace
            .floor
            .deadline(started.into_std(), self.received)
            .map_or(whole, |floor| whole.min(floor.into()))
    }
}

impl<B> Body for PacedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Box<dyn StdError + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        let started = *this.started.get_or_insert_with(Instant::now);
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received = this.received.saturating_add(data.len() as u64);
                }
                return Poll::Ready(Some(Ok(frame)));
            }
            Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error.into()))),
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        let deadline = this.deadline(started);
        this.timer.as_mut().reset(deadline);
        if this.timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(BodyTooSlow))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Whether a request body error is a [`BodyTooSlow`], however deeply the layers above wrapped
/// it.
pub(crate) fn is_body_too_slow(error: &(dyn StdError + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if error.is::<BodyTooSlow>() {
            return true;
        }
        next = error.source();
    }
    false
}

/// A connection whose writes fail with [`io::ErrorKind::TimedOut`] when the client takes the
/// answer under a [`RateFloor`]; the connection is then dropped, and with it everything it held.
///
/// A slow stretch begins when a write finds the socket full and ends when a flush finds
/// everything written (hyper flushes once its buffer is empty), so only time the server spends
/// waiting on the client counts.
pub(crate) struct PacedWrites<T> {
    inner: T,
    floor: RateFloor,
    /// When the current slow stretch began, and the bytes the client took since.
    stretch: Option<(Instant, u64)>,
    /// Wakes the writer at the deadline while the client takes nothing.
    timer: Pin<Box<Sleep>>,
}

impl<T> PacedWrites<T> {
    /// `inner` written under `floor`.
    pub(crate) fn new(inner: T, floor: RateFloor) -> Self {
        Self {
            inner,
            floor,
            stretch: None,
            timer: Box::pin(tokio::time::sleep(Duration::ZERO)),
        }
    }

    /// Counts what a write did: bytes taken, or a full socket (which starts a slow stretch or
    /// checks the current one against the floor).
    fn account(
        &mut self,
        cx: &mut Context<'_>,
        written: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match written {
            Poll::Ready(Ok(bytes)) => {
                if let Some((_, taken)) = &mut self.stretch {
                    *taken = taken.saturating_add(bytes as u64);
                }
                Poll::Ready(Ok(bytes))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => {
                let (started, taken) = *self.stretch.get_or_insert_with(|| (Instant::now(), 0));
                let Some(deadline) = self.floor.deadline(started.into_std(), taken) else {
                    return Poll::Pending;
                };
                self.timer.as_mut().reset(deadline.into());
                if self.timer.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client takes the answer under the minimum rate",
                    )));
                }
                Poll::Pending
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for PacedWrites<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for PacedWrites<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.account(cx, written)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.account(cx, written)
    }

    /// Passed through: hyper queues a large body as it is (no copy into its buffer) only when
    /// the connection takes vectored writes.
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let flushed = Pin::new(&mut this.inner).poll_flush(cx);
        if let Poll::Ready(Ok(())) = flushed {
            // Everything queued is with the kernel: the client has caught up.
            this.stretch = None;
        }
        flushed
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
