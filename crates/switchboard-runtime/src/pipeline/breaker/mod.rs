//! The circuit breaker layer: refuses attempts while a circuit is open, and feeds every
//! attempt's result back to the breaker that let it through.

mod state;

pub use state::{Breaker, BreakerState, Permit};

use super::transport::{Attempt, AttemptFuture, RawResponse, TransportError};
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// Whether a result says the upstream is unwell: 5xx, a timeout or a broken connection. A
/// 4xx is the caller's problem and the upstream answered, so it counts as a success.
pub fn is_failure(result: &Result<RawResponse, TransportError>) -> bool {
    match result {
        Ok(raw) => raw.status >= 500,
        Err(TransportError::Timeout(_) | TransportError::Connection(_)) => true,
        Err(_) => false,
    }
}

/// Puts each attempt through its operation's breaker, if it has one.
#[derive(Clone, Debug, Default)]
pub struct BreakerLayer;

impl<S> Layer<S> for BreakerLayer {
    type Service = BreakerService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        BreakerService { inner }
    }
}

/// The service made by [`BreakerLayer`].
#[derive(Clone, Debug)]
pub struct BreakerService<S> {
    inner: S,
}

impl<S> Service<Attempt> for BreakerService<S>
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
        let Some(breaker) = attempt.policy.breaker.clone() else {
            return Box::pin(self.inner.call(attempt));
        };
        let Some(permit) = breaker.try_acquire() else {
            let name = breaker.name().to_string();
            return Box::pin(async move { Err(TransportError::CircuitOpen(name)) });
        };
        let fut = self.inner.call(attempt);
        Box::pin(async move {
            let result = fut.await;
            permit.finish(!is_failure(&result));
            result
        })
    }
}
