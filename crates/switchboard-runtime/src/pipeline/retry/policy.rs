//! Which attempts are retried, and after how long.
//!
//! Retried: unavailable (5xx but 501), timeouts (408, 504, no answer in time), broken
//! connections, 425, and 429/503 whose `Retry-After` fits the deadline. Never: other 4xx
//! (the same request would fail again), an open circuit or a full rate-limit queue (our own
//! refusals, a `Retry-After` hold included), a request that is not safe to repeat, or a
//! wait that would end past the deadline. Each retry takes room from the connector's budget.

use super::budget::RetryBudget;
use crate::pipeline::classify;
use crate::pipeline::transport::{Attempt, RawResponse, TransportError};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use switchboard_config::model::RetryPolicy;
use tokio::time::Instant;

/// The tower retry policy of a connector; per-operation settings travel in the attempt.
#[derive(Clone, Debug)]
pub struct RetryDecider {
    budget: Arc<RetryBudget>,
}

impl RetryDecider {
    /// A policy drawing on a connector's budget.
    pub fn new(budget: Arc<RetryBudget>) -> RetryDecider {
        RetryDecider { budget }
    }
}

/// The wait before retry number `retry` (1 for the first retry): full jitter, a uniform
/// random wait between zero and the exponential (or constant) ceiling.
pub fn backoff(policy: &RetryPolicy, retry: u32) -> Duration {
    let ceiling = if policy.exponential {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1).min(20));
        policy.base.saturating_mul(factor).min(policy.max)
    } else {
        policy.base
    };
    ceiling.mul_f64(rand::random::<f64>())
}

/// Why an attempt's result may be worth another try: `Some(retry_after)` when it may.
fn retryable(result: &Result<RawResponse, TransportError>) -> Option<Option<Duration>> {
    match result {
        Err(TransportError::Timeout(_) | TransportError::Connection(_)) => Some(None),
        Err(_) => None,
        Ok(raw) => {
            let retry_after = || {
                raw.headers
                    .get(http::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| classify::retry_after(v, SystemTime::now()))
            };
            match raw.status {
                429 => retry_after().map(Some),
                503 => Some(retry_after()),
                408 | 425 | 500 | 502 | 504..=599 => Some(None),
                _ => None,
            }
        }
    }
}

impl tower::retry::Policy<Attempt, RawResponse, TransportError> for RetryDecider {
    type Future = Pin<Box<dyn Future<Output = ()> + Send>>;

    fn retry(
        &mut self,
        req: &mut Attempt,
        result: &mut Result<RawResponse, TransportError>,
    ) -> Option<Self::Future> {
        let policy = &req.policy.retry;
        if req.number >= policy.attempts || !req.repeatable {
            return None;
        }
        let retry_after = retryable(result)?;
        let mut wait = backoff(policy, req.number);
        if let Some(ra) = retry_after {
            wait = wait.max(ra);
        }
        // A hold in force (set by this answer or another caller's) ends before the retry.
        if let Some(held) = req.policy.hold.current() {
            wait = wait.max(held.remaining());
        }
        // The next attempt needs time to run, not just to start.
        if Instant::now() + wait >= req.deadline {
            return None;
        }
        if !self.budget.withdraw() {
            tracing::debug!(target: "switchboard::retry", "retry budget spent; not retrying");
            return None;
        }
        req.number += 1;
        Some(Box::pin(tokio::time::sleep(wait)))
    }

    fn clone_request(&mut self, req: &Attempt) -> Option<Attempt> {
        if req.number == 1 {
            self.budget.deposit();
        }
        (req.policy.retry.attempts > req.number && req.repeatable).then(|| req.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_jittered_under_a_growing_capped_ceiling() {
        let p = RetryPolicy {
            base: Duration::from_millis(100),
            max: Duration::from_millis(350),
            ..RetryPolicy::default()
        };
        for (retry, ceiling) in [(1, 100), (2, 200), (3, 350), (9, 350)] {
            for _ in 0..50 {
                assert!(backoff(&p, retry) <= Duration::from_millis(ceiling));
            }
        }
        let constant = RetryPolicy {
            exponential: false,
            ..p
        };
        assert!(backoff(&constant, 5) <= Duration::from_millis(100));
    }

    fn raw(status: u16, retry_after: Option<&str>) -> Result<RawResponse, TransportError> {
        let mut headers = http::HeaderMap::new();
        if let Some(v) = retry_after {
            headers.insert(http::header::RETRY_AFTER, v.parse().unwrap());
        }
        Ok(RawResponse {
            status,
            headers,
            body: bytes::Bytes::new(),
        })
    }

    #[test]
    fn retryable_outcomes() {
        let cases = [
            (raw(500, None), Some(None)),
            (raw(503, None), Some(None)),
            (raw(503, Some("2")), Some(Some(Duration::from_secs(2)))),
            (raw(429, Some("1")), Some(Some(Duration::from_secs(1)))),
            (raw(429, None), None),
            (raw(408, None), Some(None)),
            (raw(425, None), Some(None)),
            (raw(501, None), None),
            (raw(400, None), None),
            (raw(404, None), None),
            (raw(409, None), None),
            (raw(200, None), None),
            (Err(TransportError::Timeout(Duration::ZERO)), Some(None)),
            (Err(TransportError::Connection("reset".into())), Some(None)),
            (Err(TransportError::CircuitOpen("c".into())), None),
            (Err(TransportError::RateLimited(Duration::ZERO)), None),
            (Err(TransportError::TooLarge(1)), None),
        ];
        for (result, expected) in cases {
            assert_eq!(retryable(&result), expected, "{result:?}");
        }
    }
}
