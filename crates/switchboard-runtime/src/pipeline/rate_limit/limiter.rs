//! One outbound limiter: a GCRA rate (governor, or Redis for the fleet when the project has
//! shared state) and an optional concurrency semaphore (per instance), with a bounded wait.

use crate::pipeline::transport::TransportError;
use crate::shared::{Feature, Shared};
use governor::clock::Clock;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use switchboard_config::model::{DownMode, RateLimitPolicy};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// A connector's (or an operation's) outbound limiter.
#[derive(Debug)]
pub struct Limiter {
    /// The connector, or `connector.operation`: the limiter's name in shared state.
    name: String,
    interval: Duration,
    burst: u32,
    /// The fleet's state, when shared: the rate is decided there, `rate` only stands in
    /// while Redis is down (with `when_down.rate_limit: local`).
    shared: Option<Arc<Shared>>,
    rate: DefaultDirectRateLimiter,
    concurrency: Option<Arc<Semaphore>>,
    max_wait: Duration,
    stats: Stats,
}

/// What the limiter did, counted with atomics (read when metrics are rendered).
#[derive(Debug, Default)]
struct Stats {
    waits: AtomicU64,
    waited_micros: AtomicU64,
    refused: AtomicU64,
    queue: AtomicU64,
}

/// A copy of a limiter's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimiterStats {
    /// Attempts that had to wait.
    pub waits: u64,
    /// Total time waited.
    pub waited: Duration,
    /// Attempts refused.
    pub refused: u64,
    /// Attempts waiting now.
    pub queue: u64,
}

/// Counts a waiter while it waits.
struct Queued<'a>(&'a Stats);

impl<'a> Queued<'a> {
    fn new(stats: &'a Stats) -> Queued<'a> {
        stats.queue.fetch_add(1, Ordering::Relaxed);
        Queued(stats)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.queue.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Limiter {
    /// A limiter for a policy: `requests` per `per`, `burst` at once; across the fleet with
    /// `shared`.
    pub fn new(name: &str, policy: &RateLimitPolicy, shared: Option<Arc<Shared>>) -> Limiter {
        let one = NonZeroU32::MIN;
        let interval = (policy.per / policy.requests.max(1)).max(Duration::from_nanos(1));
        let quota = Quota::with_period(interval)
            .unwrap_or_else(|| Quota::per_second(one))
            .allow_burst(NonZeroU32::new(policy.burst).unwrap_or(one));
        Limiter {
            name: name.to_string(),
            interval,
            burst: policy.burst.max(1),
            shared,
            rate: RateLimiter::direct(quota),
            concurrency: policy
                .concurrency
                .map(|n| Arc::new(Semaphore::new(n as usize))),
            max_wait: policy.max_wait,
            stats: Stats::default(),
        }
    }

    /// The limiter's counters so far.
    pub fn stats(&self) -> LimiterStats {
        LimiterStats {
            waits: self.stats.waits.load(Ordering::Relaxed),
            waited: Duration::from_micros(self.stats.waited_micros.load(Ordering::Relaxed)),
            refused: self.stats.refused.load(Ordering::Relaxed),
            queue: self.stats.queue.load(Ordering::Relaxed),
        }
    }

    /// Waits for a turn, counting waits, refusals and the queue.
    pub async fn acquire(
        &self,
        deadline: Instant,
    ) -> Result<Option<OwnedSemaphorePermit>, TransportError> {
        let started = Instant::now();
        let queued = Queued::new(&self.stats);
        let mut deciding = Duration::ZERO;
        let result = self.acquire_inner(deadline, &mut deciding).await;
        drop(queued);
        // Asking the fleet's Redis is deciding, not waiting for a turn.
        let waited = started.elapsed().saturating_sub(deciding);
        if result.is_err() {
            self.stats.refused.fetch_add(1, Ordering::Relaxed);
        } else if waited >= Duration::from_millis(1) {
            self.stats.waits.fetch_add(1, Ordering::Relaxed);
            self.stats.waited_micros.fetch_add(
                u64::try_from(waited.as_micros()).unwrap_or(u64::MAX),
                Ordering::Relaxed,
            );
        }
        result
    }

    /// Waits for a turn: a GCRA cell, then a concurrency slot (held by the returned permit
    /// until the attempt ends). Refused when the wait would pass `max_wait` or `deadline`.
    /// `deciding` gets the time spent asking Redis.
    async fn acquire_inner(
        &self,
        deadline: Instant,
        deciding: &mut Duration,
    ) -> Result<Option<OwnedSemaphorePermit>, TransportError> {
        let started = Instant::now();
        let give_up = deadline.min(started + self.max_wait);
        let refused = || TransportError::RateLimited(self.max_wait);
        let local = match &self.shared {
            None => true,
            Some(shared) => {
                let asked = Instant::now();
                let budget = give_up.saturating_duration_since(asked);
                let decision = shared
                    .gcra(&self.name, self.interval, self.burst, budget)
                    .await;
                *deciding = asked.elapsed();
                match decision {
                    Ok(Some(wait)) => {
                        if !wait.is_zero() {
                            tokio::time::sleep(wait).await;
                        }
                        false
                    }
                    Ok(None) => return Err(refused()),
                    Err(_) => match shared.fall_back(Feature::RateLimit) {
                        DownMode::Local => true,
                        DownMode::FailOpen => false,
                        DownMode::FailClosed => return Err(refused()),
                    },
                }
            }
        };
        if local {
            loop {
                match self.rate.check() {
                    Ok(()) => break,
                    Err(not_until) => {
                        let wait = not_until.wait_time_from(self.rate.clock().now());
                        if Instant::now() + wait > give_up {
                            return Err(refused());
                        }
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        }
        match &self.concurrency {
            None => Ok(None),
            Some(sem) => tokio::time::timeout_at(give_up, sem.clone().acquire_owned())
                .await
                .map_err(|_| refused())?
                .map(Some)
                .map_err(|_| refused()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(requests: u32, max_wait_ms: u64) -> RateLimitPolicy {
        RateLimitPolicy {
            requests,
            per: Duration::from_secs(1),
            burst: 1,
            max_wait: Duration::from_millis(max_wait_ms),
            concurrency: None,
        }
    }

    #[tokio::test]
    async fn a_caller_past_max_wait_is_refused_at_once() {
        let l = Limiter::new("t", &policy(1, 100), None);
        let far = Instant::now() + Duration::from_secs(10);
        assert!(l.acquire(far).await.is_ok());
        let started = Instant::now();
        assert!(matches!(
            l.acquire(far).await,
            Err(TransportError::RateLimited(_))
        ));
        assert!(started.elapsed() < Duration::from_millis(100));
    }

    #[tokio::test]
    async fn callers_within_max_wait_are_paced() {
        let l = Limiter::new("t", &policy(20, 1000), None);
        let far = Instant::now() + Duration::from_secs(10);
        let started = Instant::now();
        for _ in 0..5 {
            l.acquire(far).await.unwrap();
        }
        // 5 cells at 50 ms spacing: the last one no earlier than 200 ms after the first.
        assert!(
            started.elapsed() >= Duration::from_millis(190),
            "{:?}",
            started.elapsed()
        );
    }
}
