//! Resilience policies as the runtime sees them: every default filled in, every value checked.

use super::OperationRef;
use std::time::Duration;

/// Retries of failed attempts.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all; 1 means no retries.
    pub attempts: u32,
    /// Whether the wait doubles after each attempt.
    pub exponential: bool,
    /// The wait before the first retry (before jitter).
    pub base: Duration,
    /// The longest wait between attempts.
    pub max: Duration,
    /// Retries allowed as a share of recent requests, in percent (connector level).
    pub budget_percent: f32,
    /// Retries per second always allowed (connector level).
    pub budget_min_per_second: u32,
    /// The longest hold a `Retry-After` may set on later calls; zero turns holds off.
    pub max_hold: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            exponential: true,
            base: Duration::from_millis(100),
            max: Duration::from_secs(2),
            budget_percent: 20.0,
            budget_min_per_second: 1,
            max_hold: Duration::from_secs(600),
        }
    }
}

/// What a circuit breaker covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerScope {
    /// One breaker per connector.
    Connector,
    /// One breaker per operation.
    Operation,
}

/// A circuit breaker's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakerPolicy {
    /// Whether there is a breaker.
    pub enabled: bool,
    /// What it covers.
    pub scope: BreakerScope,
    /// Failure share, 0 to 1, that opens the circuit.
    pub failure_ratio: f64,
    /// Calls in the window before the ratio is judged.
    pub min_calls: u32,
    /// How far back calls count.
    pub window: Duration,
    /// How long the circuit stays open before probing.
    pub open_for: Duration,
    /// Probes let through at once while half-open.
    pub half_open_calls: u32,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy {
            enabled: true,
            scope: BreakerScope::Connector,
            failure_ratio: 0.5,
            min_calls: 20,
            window: Duration::from_secs(30),
            open_for: Duration::from_secs(30),
            half_open_calls: 1,
        }
    }
}

/// An outbound rate and concurrency limit.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitPolicy {
    /// Requests per `per`.
    pub requests: u32,
    /// The period.
    pub per: Duration,
    /// Requests that may go at once.
    pub burst: u32,
    /// Longest wait for a turn.
    pub max_wait: Duration,
    /// Requests in flight at once, if limited.
    pub concurrency: Option<u32>,
}

/// Who a cache entry is shared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheScope {
    /// One entry per user.
    User,
    /// One entry for everyone.
    Shared,
}

/// A response cache's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct CachePolicy {
    /// How long a result is fresh.
    pub ttl: Duration,
    /// How long past `ttl` a result may be served, marked stale, when the upstream fails.
    pub stale_if_error: Option<Duration>,
    /// Entries kept.
    pub max_entries: u64,
    /// Who an entry is shared with (already forced to `User` when the operation sends
    /// credential-like headers from its inputs).
    pub scope: CacheScope,
}

/// The policies one operation runs under, connector defaults and its overrides merged.
#[derive(Debug, Clone, Default)]
pub struct OperationPolicy {
    /// Retries.
    pub retry: RetryPolicy,
    /// The breaker (scope `Connector` means the connector's shared one).
    pub circuit_breaker: BreakerPolicy,
    /// A rate limit of the operation's own; `None` means the connector's, if any.
    pub rate_limit: Option<RateLimitPolicy>,
    /// The cache, when results are cached.
    pub cache: Option<CachePolicy>,
    /// The header that carries a per-call idempotency key.
    pub idempotency_key: Option<String>,
    /// Operations whose cache is dropped after a success.
    pub invalidate: Vec<OperationRef>,
}

/// Alerts about a failing connector.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertPolicy {
    /// The operation that sends an alert.
    pub call: OperationRef,
    /// Failures that raise an alert.
    pub after: u32,
    /// How far back failures count.
    pub within: Duration,
    /// The shortest time between two failure alerts.
    pub every: Duration,
}

/// A connector's shared policies.
#[derive(Debug, Clone, Default)]
pub struct ConnectorPolicy {
    /// Retry settings; the budget applies to the whole connector.
    pub retry: RetryPolicy,
    /// The shared breaker's settings.
    pub circuit_breaker: BreakerPolicy,
    /// The shared rate limit.
    pub rate_limit: Option<RateLimitPolicy>,
    /// Alerts, resolved once every connector is known.
    pub alerts: Option<AlertPolicy>,
}
