//! Holds after a `Retry-After`: when an upstream answers `429` or `503` with `Retry-After`,
//! every later attempt under the same hold (the connector's, or an operation's own when it
//! has its own limiter or breaker) fails at once without reaching the network until the
//! time passes, capped by `retry.max_hold`. One hold is shared by every caller in the
//! process, so a day-long `Retry-After` costs the upstream one request, not one per turn.

use super::classify;
use super::transport::{Attempt, AttemptFuture, RawResponse, TransportError};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};
use tokio::time::Instant;
use tower::{Layer, Service};

/// A hold in force: until when, and the status that asked for it (429 or 503).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// When attempts may reach the upstream again.
    pub until: Instant,
    /// The same moment on the wall clock, for metrics and the dashboard.
    pub until_wall: SystemTime,
    /// `429` (rate limited) or `503` (unavailable).
    pub status: u16,
}

impl Held {
    /// Time left, zero once passed.
    pub fn remaining(&self) -> Duration {
        self.until.saturating_duration_since(Instant::now())
    }
}

/// One hold: the connector's, or an operation's own.
#[derive(Debug)]
pub struct Hold {
    name: String,
    state: Mutex<Option<Held>>,
    refused: AtomicU64,
}

impl Hold {
    /// A hold that is not in force, named like its breaker or limiter (`connector` or
    /// `connector.operation`).
    pub fn new(name: String) -> Arc<Hold> {
        Arc::new(Hold {
            name,
            state: Mutex::new(None),
            refused: AtomicU64::new(0),
        })
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The hold in force now, if any.
    pub fn current(&self) -> Option<Held> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match *state {
            Some(h) if h.until > Instant::now() => Some(h),
            Some(_) => {
                *state = None;
                None
            }
            None => None,
        }
    }

    /// Attempts refused by this hold since start.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Refuses an attempt while the hold is in force (and counts it).
    fn check(&self) -> Result<(), TransportError> {
        match self.current() {
            Some(h) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                Err(TransportError::Held {
                    status: h.status,
                    remaining: h.remaining(),
                })
            }
            None => Ok(()),
        }
    }

    /// Holds for `wait` (at most `cap`) after a `status` answer. A hold only grows: an
    /// earlier end asked for by a concurrent answer does not shorten it.
    pub fn note(&self, status: u16, wait: Duration, cap: Duration) {
        let wait = wait.min(cap);
        if wait.is_zero() {
            return;
        }
        let held = Held {
            until: Instant::now() + wait,
            until_wall: SystemTime::now() + wait,
            status,
        };
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.is_none_or(|h| h.until < held.until) {
            *state = Some(held);
            drop(state);
            tracing::warn!(
                target: "switchboard::retry",
                hold = %self.name,
                status,
                seconds = wait.as_secs(),
                "upstream asked to wait (Retry-After); holding back its calls"
            );
        }
    }

    /// Ends the hold at once (an operator's call, and tests).
    pub fn clear(&self) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// The wait a `429` or `503` answer asks for, uncapped (the hold applies its own cap).
pub fn asked_wait(raw: &RawResponse) -> Option<Duration> {
    if !matches!(raw.status, 429 | 503) {
        return None;
    }
    raw.headers
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| classify::retry_after_uncapped(v, SystemTime::now()))
}

/// Puts each attempt through its operation's hold.
#[derive(Clone, Debug, Default)]
pub struct HoldLayer;

impl<S> Layer<S> for HoldLayer {
    type Service = HoldService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        HoldService { inner }
    }
}

/// The service made by [`HoldLayer`].
#[derive(Clone, Debug)]
pub struct HoldService<S> {
    inner: S,
}

impl<S> Service<Attempt> for HoldService<S>
where
    S: Service<Attempt, Response = RawResponse, Error = TransportError>,
    S::Future: Send + 'static,
{
    type Response = RawResponse;
    type Error = TransportError;
    type Future = AttemptFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, attempt: Attempt) -> Self::Future {
        let hold = attempt.policy.hold.clone();
        if let Err(e) = hold.check() {
            return Box::pin(async move { Err(e) });
        }
        let cap = attempt.policy.retry.max_hold;
        let fut = self.inner.call(attempt);
        Box::pin(async move {
            let result = fut.await;
            if let Ok(raw) = &result
                && let Some(wait) = asked_wait(raw)
            {
                hold.note(raw.status, wait, cap);
            }
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hold_grows_is_capped_and_passes() {
        let h = Hold::new("api".into());
        assert!(h.current().is_none());
        h.note(429, Duration::from_secs(86_400), Duration::from_secs(60));
        let held = h.current().unwrap();
        assert_eq!(held.status, 429);
        assert!(held.remaining() <= Duration::from_secs(60));
        assert!(held.remaining() > Duration::from_secs(55));
        // A shorter wait does not shorten it.
        h.note(503, Duration::from_secs(1), Duration::from_secs(60));
        assert_eq!(h.current().unwrap().status, 429);
        assert!(matches!(
            h.check(),
            Err(TransportError::Held { status: 429, .. })
        ));
        assert_eq!(h.refused(), 1);
        // A zero cap turns holds off.
        let off = Hold::new("off".into());
        off.note(429, Duration::from_secs(10), Duration::ZERO);
        assert!(off.current().is_none());
        h.clear();
        assert!(h.check().is_ok());
    }
}
