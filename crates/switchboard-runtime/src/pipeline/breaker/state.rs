//! One circuit breaker's state machine: closed (counting results in a sliding window of
//! buckets), open (refusing until `open_for` has passed), half-open (letting a few probes
//! through; a success closes, a failure opens again).

use std::sync::{Arc, Mutex};
use switchboard_config::model::BreakerPolicy;
use tokio::time::Instant;

/// Buckets the window is divided into.
const BUCKETS: usize = 10;

/// The state of a circuit, as logged and exposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls fail fast.
    Open,
    /// A few probe calls go through.
    HalfOpen,
}

impl BreakerState {
    /// The state's name in logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    epoch: u64,
    calls: u32,
    failures: u32,
}

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    opened_at: Instant,
    probes: u32,
    buckets: [Bucket; BUCKETS],
}

/// A circuit breaker for a connector or an operation.
#[derive(Debug)]
pub struct Breaker {
    name: String,
    policy: BreakerPolicy,
    origin: Instant,
    inner: Mutex<Inner>,
}

/// Leave to send one attempt; report its result with [`Permit::finish`]. A permit dropped
/// unfinished (the call was cancelled) frees its probe slot without judging the upstream.
#[derive(Debug)]
pub struct Permit {
    breaker: Arc<Breaker>,
    probe: bool,
    done: bool,
}

impl Permit {
    /// Reports the attempt's result.
    pub fn finish(mut self, success: bool) {
        self.done = true;
        self.breaker.record(self.probe, success);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.done && self.probe {
            let mut inner = self.breaker.lock();
            inner.probes = inner.probes.saturating_sub(1);
        }
    }
}

impl Breaker {
    /// A closed breaker.
    pub fn new(name: String, policy: BreakerPolicy) -> Arc<Breaker> {
        let now = Instant::now();
        Arc::new(Breaker {
            name,
            policy,
            origin: now,
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                opened_at: now,
                probes: 0,
                buckets: [Bucket::default(); BUCKETS],
            }),
        })
    }

    /// The breaker's name: the connector, or `connector.operation`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The current state (an open circuit past `open_for` reads as half-open).
    pub fn state(&self) -> BreakerState {
        let inner = self.lock();
        match inner.state {
            BreakerState::Open if inner.opened_at.elapsed() >= self.policy.open_for => {
                BreakerState::HalfOpen
            }
            s => s,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn epoch(&self) -> u64 {
        let bucket = (self.policy.window / BUCKETS as u32).max(std::time::Duration::from_millis(1));
        (self.origin.elapsed().as_nanos() / bucket.as_nanos()) as u64
    }

    /// Leave to send, or `None` while the circuit is open.
    pub fn try_acquire(self: &Arc<Self>) -> Option<Permit> {
        let mut inner = self.lock();
        let probe = match inner.state {
            BreakerState::Closed => false,
            BreakerState::Open => {
                if inner.opened_at.elapsed() < self.policy.open_for {
                    return None;
                }
                self.change(&mut inner, BreakerState::HalfOpen);
                inner.probes = 0;
                true
            }
            BreakerState::HalfOpen => true,
        };
        if probe {
            if inner.probes >= self.policy.half_open_calls {
                return None;
            }
            inner.probes += 1;
        }
        Some(Permit {
            breaker: self.clone(),
            probe,
            done: false,
        })
    }

    fn record(&self, probe: bool, success: bool) {
        let epoch = self.epoch();
        let mut inner = self.lock();
        if probe {
            inner.probes = inner.probes.saturating_sub(1);
            if inner.state == BreakerState::HalfOpen {
                if success {
                    inner.buckets = [Bucket::default(); BUCKETS];
                    self.change(&mut inner, BreakerState::Closed);
                } else {
                    inner.opened_at = Instant::now();
                    self.change(&mut inner, BreakerState::Open);
                }
            }
            return;
        }
        let b = &mut inner.buckets[(epoch % BUCKETS as u64) as usize];
        if b.epoch != epoch {
            *b = Bucket {
                epoch,
                ..Bucket::default()
            };
        }
        b.calls += 1;
        if !success {
            b.failures += 1;
        }
        if inner.state != BreakerState::Closed || success {
            return;
        }
        let oldest = epoch.saturating_sub(BUCKETS as u64 - 1);
        let (calls, failures) = inner
            .buckets
            .iter()
            .filter(|b| b.epoch >= oldest && b.epoch <= epoch)
            .fold((0u32, 0u32), |(c, f), b| (c + b.calls, f + b.failures));
        if calls >= self.policy.min_calls
            && f64::from(failures) >= self.policy.failure_ratio * f64::from(calls)
        {
            inner.opened_at = Instant::now();
            self.change(&mut inner, BreakerState::Open);
        }
    }

    fn change(&self, inner: &mut Inner, to: BreakerState) {
        let from = inner.state;
        if from == to {
            return;
        }
        inner.state = to;
        BreakerStateChanged {
            breaker: &self.name,
            from,
            to,
        }
        .emit();
    }
}

/// The log event of a circuit changing state.
struct BreakerStateChanged<'a> {
    breaker: &'a str,
    from: BreakerState,
    to: BreakerState,
}

impl BreakerStateChanged<'_> {
    fn emit(&self) {
        tracing::warn!(
            target: "switchboard::breaker",
            breaker = self.breaker,
            from = self.from.as_str(),
            to = self.to.as_str(),
            "circuit breaker state changed"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn breaker(open_for: Duration) -> Arc<Breaker> {
        Breaker::new(
            "t".into(),
            BreakerPolicy {
                min_calls: 4,
                failure_ratio: 0.5,
                open_for,
                ..BreakerPolicy::default()
            },
        )
    }

    #[test]
    fn opens_on_the_failure_ratio_after_min_calls() {
        let b = breaker(Duration::from_secs(60));
        for ok in [true, false, true] {
            b.try_acquire().unwrap().finish(ok);
        }
        assert_eq!(b.state(), BreakerState::Closed, "fewer than min_calls");
        b.try_acquire().unwrap().finish(false);
        assert_eq!(b.state(), BreakerState::Open);
        assert!(b.try_acquire().is_none());
    }

    #[test]
    fn half_open_probe_success_closes_failure_reopens() {
        let b = breaker(Duration::ZERO);
        for _ in 0..4 {
            b.try_acquire().unwrap().finish(false);
        }
        // open_for zero: the next call is a probe, and only one probe at a time.
        let probe = b.try_acquire().expect("a probe");
        assert!(b.try_acquire().is_none(), "one probe at a time");
        probe.finish(false);
        assert_eq!(b.lock().state, BreakerState::Open);
        let probe = b.try_acquire().expect("another probe");
        probe.finish(true);
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.try_acquire().is_some());
    }

    #[test]
    fn a_cancelled_probe_frees_its_slot() {
        let b = breaker(Duration::ZERO);
        for _ in 0..4 {
            b.try_acquire().unwrap().finish(false);
        }
        drop(b.try_acquire().expect("a probe"));
        assert!(b.try_acquire().is_some());
    }
}
