//! Sending a request on the connector's pooled client, within the caller's deadline, and
//! reading at most the allowed number of bytes back.

use super::AttemptPolicy;
use super::request::PreparedRequest;
use bytes::{Bytes, BytesMut};
use http::HeaderMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Instant;

/// The future every layer of the per-connector stack returns for one attempt.
pub(crate) type AttemptFuture = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<RawResponse, TransportError>> + Send>,
>;

/// What came back, before any interpretation.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body, complete and within the size limit.
    pub body: Bytes,
}

/// Why no complete response arrived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The attempt's time ran out.
    #[error("no complete response within {0:?}")]
    Timeout(Duration),
    /// Connecting failed, or the connection broke before the response was complete.
    #[error("connection failed: {0}")]
    Connection(String),
    /// The body was larger than allowed.
    #[error("response body larger than {0} bytes")]
    TooLarge(usize),
    /// The circuit breaker is open: nothing was sent.
    #[error("circuit {0} is open; the call failed fast without reaching the upstream")]
    CircuitOpen(String),
    /// The outbound rate or concurrency limit had no room within the allowed wait: nothing
    /// was sent.
    #[error("the outbound rate limit had no room within {0:?}")]
    RateLimited(Duration),
    /// Credentials could not be obtained (a token endpoint failed): nothing was sent.
    #[error("authentication failed: {0}")]
    Auth(String),
    /// An earlier `429` or `503` answer's `Retry-After` holds the upstream back: nothing
    /// was sent.
    #[error(
        "the upstream asked to wait (HTTP {status}, Retry-After); held back for {remaining:?} more"
    )]
    Held {
        /// The status that set the hold.
        status: u16,
        /// Time left.
        remaining: Duration,
    },
    /// The user has no usable connected account (`not_connected`, `needs_reconsent`):
    /// nothing was sent.
    #[error("no usable connected account ({0})")]
    Account(&'static str),
}

/// One attempt: the request plus the limits it runs under. Retries clone it, so everything
/// a logical call shares across its attempts (the idempotency key in the headers, the
/// attempt counter) lives here.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The request.
    pub request: PreparedRequest,
    /// When the whole call, all attempts and waits included, must give up.
    pub deadline: Instant,
    /// Time allowed for one attempt (bounded by `deadline`).
    pub timeout: Duration,
    /// Largest body accepted.
    pub max_response_bytes: usize,
    /// Which attempt this is, from 1.
    pub number: u32,
    /// Whether repeating the request is safe: an idempotent method, or an idempotency key.
    pub repeatable: bool,
    /// Attempts that actually reached the network, shared by every clone.
    pub sent: Arc<AtomicU32>,
    /// The operation's resilience handles.
    pub policy: Arc<AttemptPolicy>,
    /// The user on whose behalf the call is made, for per-user credentials (JWT claims).
    pub user_id: Option<Arc<str>>,
    /// Whether `user_id` is an unauthenticated claim: per-user credentials are refused.
    pub untrusted_user: bool,
    /// Where each attempt that reaches the network notes its result, for the audit trail
    /// (absent when auditing is off).
    pub log: Option<Arc<std::sync::Mutex<Vec<AttemptLog>>>>,
    /// Where a successful answer's body is handed while it arrives.
    pub tap: Option<super::Tap>,
}

/// One attempt's result as the audit trail records it.
#[derive(Debug, Clone)]
pub struct AttemptLog {
    /// Which attempt, from 1.
    pub number: u32,
    /// The status, when a response arrived.
    pub status: Option<u16>,
    /// How long the attempt took.
    pub latency: Duration,
    /// The failure, when no response arrived.
    pub error: Option<TransportError>,
}

impl Attempt {
    /// When this attempt must give up: its own timeout from now, within the call's deadline.
    pub fn attempt_deadline(&self) -> Instant {
        self.deadline.min(Instant::now() + self.timeout)
    }
}

/// The innermost service of the pipeline: the HTTP client.
#[derive(Clone, Debug)]
pub struct HttpTransport {
    client: reqwest::Client,
}

impl HttpTransport {
    /// A transport on a pooled client.
    pub fn new(client: reqwest::Client) -> HttpTransport {
        HttpTransport { client }
    }

    async fn send(
        client: reqwest::Client,
        attempt: Attempt,
    ) -> Result<RawResponse, TransportError> {
        let deadline = attempt.attempt_deadline();
        let budget = deadline.saturating_duration_since(Instant::now());
        if budget.is_zero() {
            return Err(TransportError::Timeout(budget));
        }
        let number = attempt.sent.fetch_add(1, Ordering::Relaxed) + 1;
        let started = Instant::now();
        let log = attempt.log;
        let req = attempt.request;
        // No reqwest timeout: `timeout_at` below bounds the whole exchange, body included,
        // and a second timer per attempt (boxed, registered, cancelled) would only repeat it.
        // The request is assembled here rather than through reqwest's builder, which would
        // insert the prepared headers one by one into a map of its own: they are moved.
        let mut request = reqwest::Request::new(req.method, req.url);
        *request.headers_mut() = req.headers;
        *request.body_mut() = req.body.map(reqwest::Body::from);
        let work = async {
            let mut resp = client
                .execute(request)
                .await
                .map_err(|e| map_error(&e, budget))?;
            let status = resp.status().as_u16();
            let headers = std::mem::take(resp.headers_mut());
            if let Some(len) = resp.content_length()
                && len > attempt.max_response_bytes as u64
            {
                return Err(TransportError::TooLarge(attempt.max_response_bytes));
            }
            let mut body = BytesMut::new();
            let tap = attempt.tap.filter(|_| (200..300).contains(&status));
            if let Some(tap) = &tap {
                let _ = tap.send(super::Tapped::Start);
            }
            while let Some(chunk) = resp.chunk().await.map_err(|e| map_error(&e, budget))? {
                if body.len() + chunk.len() > attempt.max_response_bytes {
                    return Err(TransportError::TooLarge(attempt.max_response_bytes));
                }
                body.extend_from_slice(&chunk);
                if let Some(tap) = &tap {
                    let _ = tap.send(super::Tapped::Chunk(chunk));
                }
            }
            Ok(RawResponse {
                status,
                headers,
                body: body.freeze(),
            })
        };
        let result = match tokio::time::timeout_at(deadline, work).await {
            Ok(result) => result,
            Err(_) => Err(TransportError::Timeout(budget)),
        };
        if let Some(log) = log {
            let entry = AttemptLog {
                number,
                status: result.as_ref().ok().map(|r| r.status),
                latency: started.elapsed(),
                error: result.as_ref().err().cloned(),
            };
            log.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
        }
        result
    }
}

fn map_error(e: &reqwest::Error, budget: Duration) -> TransportError {
    if e.is_timeout() {
        return TransportError::Timeout(budget);
    }
    // Walk the source chain for the most useful words without including the URL (which may
    // carry an API key in its query).
    let mut reason = String::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        reason = s.to_string();
        source = s.source();
    }
    if reason.is_empty() {
        reason = if e.is_connect() {
            "could not connect".into()
        } else {
            "request failed".into()
        };
    }
    TransportError::Connection(reason)
}

impl tower::Service<Attempt> for HttpTransport {
    type Response = RawResponse;
    type Error = TransportError;
    type Future = Pin<Box<dyn Future<Output = Result<RawResponse, TransportError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, attempt: Attempt) -> Self::Future {
        Box::pin(Self::send(self.client.clone(), attempt))
    }
}
