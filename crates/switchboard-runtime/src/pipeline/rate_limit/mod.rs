//! The outbound rate limit layer: each attempt waits for its turn (GCRA pacing, then a
//! concurrency slot held until the answer is read), at most `max_wait` and never past the
//! call's deadline; past that it is refused as rate-limited and nothing is sent.

mod limiter;

pub use limiter::{Limiter, LimiterStats};

use super::transport::{Attempt, AttemptFuture, RawResponse, TransportError};
use std::task::{Context, Poll};
use tower::{Layer, Service, ServiceExt};

/// Puts each attempt through its operation's limiter, if it has one.
#[derive(Clone, Debug, Default)]
pub struct RateLimitLayer;

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimitService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RateLimitService { inner }
    }
}

/// The service made by [`RateLimitLayer`].
#[derive(Clone, Debug)]
pub struct RateLimitService<S> {
    inner: S,
}

impl<S> Service<Attempt> for RateLimitService<S>
where
    S: Service<Attempt, Response = RawResponse, Error = TransportError> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = RawResponse;
    type Error = TransportError;
    type Future = AttemptFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, attempt: Attempt) -> Self::Future {
        let Some(limiter) = attempt.policy.limiter.clone() else {
            return Box::pin(self.inner.call(attempt));
        };
        // The inner service is driven after the wait, so the ready one is kept for this call
        // and a fresh clone takes its place (tower's usual pattern).
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let _slot = limiter.acquire(attempt.deadline).await?;
            inner.oneshot(attempt).await
        })
    }
}
