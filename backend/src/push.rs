//! The push gateway: every [`ParentEvent`](childsafe_protocol::wire::ParentEvent) is also
//! POSTed to an operator's URL (`serve --push-gateway URL`), where the operator's own service
//! turns it into an FCM or APNs notification for the parent's phone.
//!
//! What is sent: `POST URL` with the JSON body `{"parent_id": ID, "event": EVENT}`, and two
//! headers:
//! - `Childsafe-Push-Timestamp`: Unix seconds when it was signed;
//! - `Childsafe-Push-Signature`: the Ed25519 signature, unpadded base64url, by the server's time
//!   key (the key `GET /v1/server` publishes, which apps already trust) over
//!   [`PUSH_SIGNING_CONTEXT`] `|| timestamp || "\n" || body`.
//!
//! A gateway verifies the signature with that public key over the bytes it received, and
//! refuses a timestamp far from its own clock (a few minutes) so that a recorded post cannot be
//! replayed later. The context string keeps these signatures apart from the signed times made
//! with the same key.
//!
//! Delivery never holds up the request that caused the event: [`PushGateway::enqueue`] puts it
//! in a queue of [`PUSH_QUEUE_CAPACITY`] (dropping it, with a log line, when the queue is full),
//! and a worker posts up to [`PUSH_CONCURRENCY`] at once, each tried up to
//! [`PUSH_MAX_ATTEMPTS`] times with a doubling backoff from [`PUSH_FIRST_BACKOFF`]. A 2xx answer
//! is delivered; a 4xx other than 408 and 429 is the gateway refusing it, and is not retried.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_crypto::SigningKey;
use tokio::sync::{Semaphore, mpsc};

use crate::clock;
use crate::limits::{
    PUSH_CONCURRENCY, PUSH_FIRST_BACKOFF, PUSH_MAX_ATTEMPTS, PUSH_QUEUE_CAPACITY,
    PUSH_REQUEST_TIMEOUT,
};
use crate::log;

/// What the signature of a push post begins with.
pub const PUSH_SIGNING_CONTEXT: &[u8] = b"childsafe push v1\n";
/// The header carrying the signing time, Unix seconds.
pub const HEADER_PUSH_TIMESTAMP: &str = "childsafe-push-timestamp";
/// The header carrying the signature, unpadded base64url.
pub const HEADER_PUSH_SIGNATURE: &str = "childsafe-push-signature";

/// The bytes a push post's signature covers.
pub fn push_signed_bytes(timestamp: u64, body: &[u8]) -> Vec<u8> {
    let timestamp = timestamp.to_string();
    let mut signed =
        Vec::with_capacity(PUSH_SIGNING_CONTEXT.len() + timestamp.len() + 1 + body.len());
    signed.extend_from_slice(PUSH_SIGNING_CONTEXT);
    signed.extend_from_slice(timestamp.as_bytes());
    signed.push(b'\n');
    signed.extend_from_slice(body);
    signed
}

/// One event waiting for the gateway.
struct Push {
    parent_id: String,
    event_json: Arc<str>,
}

/// The queue in front of the gateway's worker.
pub(crate) struct PushGateway {
    queue: mpsc::Sender<Push>,
}

impl PushGateway {
    /// Starts the worker that posts to `url`, signing with `key`, until every sender is dropped.
    pub(crate) fn start(url: String, key: Arc<SigningKey>) -> anyhow::Result<Self> {
        let parsed = reqwest::Url::parse(&url)
            .map_err(|error| anyhow::anyhow!("the push gateway URL is not a URL: {error}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            anyhow::bail!("the push gateway URL must be http or https");
        }
        let client = reqwest::Client::builder()
            .timeout(PUSH_REQUEST_TIMEOUT)
            .build()?;
        let (queue, pending) = mpsc::channel(PUSH_QUEUE_CAPACITY);
        tokio::spawn(work(pending, Poster { client, url, key }));
        Ok(Self { queue })
    }

    /// Queues `event_json` for `parent_id`; drops it when the queue is full.
    pub(crate) fn enqueue(&self, parent_id: &str, event_json: Arc<str>) {
        let push = Push {
            parent_id: parent_id.to_owned(),
            event_json,
        };
        if self.queue.try_send(push).is_err() {
            log::line(format_args!(
                "the push gateway queue is full; an event was dropped"
            ));
        }
    }
}

/// Posts what is queued, [`PUSH_CONCURRENCY`] at a time.
async fn work(mut pending: mpsc::Receiver<Push>, poster: Poster) {
    let poster = Arc::new(poster);
    let slots = Arc::new(Semaphore::new(PUSH_CONCURRENCY));
    while let Some(push) = pending.recv().await {
        // The semaphore is never closed, so this waits for a slot and always gets one.
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let poster = Arc::clone(&poster);
        tokio::spawn(async move {
            poster.deliver(&push).await;
            drop(slot);
        });
    }
}

/// How the worker posts.
struct Poster {
    client: reqwest::Client,
    url: String,
    key: Arc<SigningKey>,
}

/// What one attempt came to.
enum Attempt {
    Delivered,
    Refused(u16),
    Failed,
}

impl Poster {
    /// Posts `push`, retrying with backoff; logs an event that could not be delivered.
    async fn deliver(&self, push: &Push) {
        let body = format!(
            "{{\"parent_id\":{},\"event\":{}}}",
            serde_json::Value::String(push.parent_id.clone()),
            push.event_json
        );
        let mut backoff = PUSH_FIRST_BACKOFF;
        for attempt in 1..=PUSH_MAX_ATTEMPTS {
            match self.attempt(body.as_bytes()).await {
                Attempt::Delivered => return,
                Attempt::Refused(status) => {
                    log::line(format_args!(
                        "the push gateway refused an event with {status}"
                    ));
                    return;
                }
                Attempt::Failed if attempt < PUSH_MAX_ATTEMPTS => {
                    tokio::time::sleep(backoff).await;
                    backoff = backoff.saturating_mul(2);
                }
                Attempt::Failed => {}
            }
        }
        log::line(format_args!(
            "the push gateway did not take an event after {PUSH_MAX_ATTEMPTS} attempts"
        ));
    }

    /// One signed post.
    async fn attempt(&self, body: &[u8]) -> Attempt {
        let timestamp = clock::unix_now();
        let signature = self.key.sign(&push_signed_bytes(timestamp, body));
        let sent = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(HEADER_PUSH_TIMESTAMP, timestamp.to_string())
            .header(HEADER_PUSH_SIGNATURE, URL_SAFE_NO_PAD.encode(signature))
            .body(body.to_vec())
            .send()
            .await;
        let Ok(response) = sent else {
            return Attempt::Failed;
        };
        let status = response.status();
        if status.is_success() {
            Attempt::Delivered
        } else if status.is_client_error()
            && status != reqwest::StatusCode::REQUEST_TIMEOUT
            && status != reqwest::StatusCode::TOO_MANY_REQUESTS
        {
            Attempt::Refused(status.as_u16())
        } else {
            Attempt::Failed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_bytes_are_context_then_timestamp_then_body() {
        assert_eq!(
            push_signed_bytes(17, b"{}"),
            b"childsafe push v1\n17\n{}".to_vec()
        );
    }
}
