//! Resilience policies (`retry`, `circuit_breaker`, `rate_limit`, `cache`): set on a
//! connector as defaults, overridable key by key on an operation.

use super::common::{RawDuration, Spanned};
use schemars::JsonSchema;
use serde::Deserialize;

/// Retries of failed attempts. Only outcomes that may succeed on a second try are retried
/// (unavailable, timeout, a broken connection, and rate_limited when `Retry-After` fits the
/// deadline), only where repeating is safe (`GET`, `HEAD`, `PUT`, `DELETE`, or a request that
/// carries an idempotency key), and never past the turn deadline.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Retry")]
pub struct RawRetry {
    /// Attempts in all, the first one included; `1` turns retries off. Default: `3`.
    pub attempts: Option<Spanned<u32>>,
    /// How the wait grows: `exponential` (doubles after each attempt) or `constant`. Either
    /// way the actual wait is random between zero and the computed one (full jitter), so
    /// callers that failed together do not retry together. Default: `exponential`.
    pub backoff: Option<Spanned<RawBackoff>>,
    /// The wait before the first retry. Default: `100ms`.
    pub base: Option<Spanned<RawDuration>>,
    /// The longest wait between two attempts. Default: `2s`.
    pub max: Option<Spanned<RawDuration>>,
    /// Retries allowed per connector, as a percentage of its recent requests (the last 10
    /// seconds), so an outage is not multiplied by retries. Connector level only.
    /// Default: `20`.
    pub budget_percent: Option<Spanned<f64>>,
    /// Retries per second always allowed on top of the budget, so a quiet connector can still
    /// retry. Connector level only. Default: `1`.
    pub budget_min_per_second: Option<Spanned<u32>>,
    /// The longest hold a `Retry-After` may set. A `429` or `503` that carries `Retry-After`
    /// (seconds or an HTTP date) holds back every later call of the connector, across all
    /// callers, until the time passes: they fail at once without reaching the upstream
    /// (`rate_limited` after a 429, `unavailable` after a 503, reason `retry_after_hold`).
    /// An operation with its own `rate_limit` or an operation-scoped `circuit_breaker` has a
    /// hold of its own. A longer `Retry-After` is held for this long only; `0s` turns holds
    /// off. Default: `10m`.
    pub max_hold: Option<Spanned<RawDuration>>,
}

/// How the wait between attempts grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "Backoff")]
pub enum RawBackoff {
    /// `base`, `2 × base`, `4 × base`, ... up to `max`.
    Exponential,
    /// `base` every time.
    Constant,
}

/// A circuit breaker: when too many recent calls failed, further calls fail at once as
/// `unavailable` (reason `circuit_open`) without reaching the upstream; after `open_for`, a
/// few probe calls go through, and a success closes the circuit again.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "CircuitBreaker")]
pub struct RawCircuitBreaker {
    /// Whether calls go through a breaker at all. Default: `true`.
    pub enabled: Option<Spanned<bool>>,
    /// `connector`: one breaker for all the connector's operations, with the connector's
    /// settings; `operation`: a breaker of the operation's own. Default: `connector`.
    pub scope: Option<Spanned<RawBreakerScope>>,
    /// The share of failed calls, from 0 to 1, that opens the circuit. Failures are 5xx
    /// answers, timeouts and broken connections; 4xx answers are the caller's problem and
    /// count as successes. Default: `0.5`.
    pub failure_ratio: Option<Spanned<f64>>,
    /// Calls within the window needed before the ratio is judged. Default: `20`.
    pub min_calls: Option<Spanned<u32>>,
    /// How far back calls are counted. Default: `30s`.
    pub window: Option<Spanned<RawDuration>>,
    /// How long the circuit stays open before probe calls are let through. Default: `30s`.
    pub open_for: Option<Spanned<RawDuration>>,
    /// Probe calls let through at once while half-open. Default: `1`.
    pub half_open_calls: Option<Spanned<u32>>,
}

/// What a circuit breaker covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "BreakerScope")]
pub enum RawBreakerScope {
    /// One breaker shared by the connector's operations.
    Connector,
    /// One breaker per operation.
    Operation,
}

/// An outbound rate limit (GCRA) and concurrency limit. Callers over the limit wait, up to
/// `max_wait`; past that the call's outcome is `rate_limited` and nothing is sent. Set on a
/// connector, it is shared by all its operations; an operation with its own `rate_limit` gets
/// a limiter of its own.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RateLimit")]
pub struct RawRateLimit {
    /// Requests allowed per `per`. Required.
    pub requests: Spanned<u32>,
    /// The period `requests` are counted over. Default: `1s`.
    pub per: Option<Spanned<RawDuration>>,
    /// Requests that may go at once after a quiet spell. `1` spaces requests evenly, so the
    /// upstream never sees more than `requests` in any `per`. Default: `1`.
    pub burst: Option<Spanned<u32>>,
    /// The longest a call waits for its turn (bounded by the turn deadline). Default: `1s`.
    pub max_wait: Option<Spanned<RawDuration>>,
    /// Requests in flight at once. Default: no limit.
    pub concurrency: Option<Spanned<u32>>,
}

/// A response cache. Concurrent identical calls that miss share one upstream call.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Cache")]
pub struct RawCache {
    /// Whether the operation's results are cached. Default: `true` for `GET` operations,
    /// `false` for others (an operation opts in with `cache: { enabled: true }`).
    pub enabled: Option<Spanned<bool>>,
    /// How long a result is served from the cache. Default: `30s`.
    pub ttl: Option<Spanned<RawDuration>>,
    /// How long past `ttl` an old result may still be served, marked stale, when the
    /// upstream fails. Default: not at all.
    pub stale_if_error: Option<Spanned<RawDuration>>,
    /// Entries kept per operation; the least useful are evicted first. Default: `10000`.
    pub max_entries: Option<Spanned<u64>>,
    /// `user`: entries are keyed by the user a call is made for, so one user's data is never
    /// served to another; `shared`: one entry for everyone, for public data only (an
    /// operation that sends credential-like headers from its inputs stays per user).
    /// Default: `user`.
    pub scope: Option<Spanned<RawCacheScope>>,
}

/// Alerts about a failing connector: after `after` failed calls within `within`, one call of
/// the `call` operation (a Slack-compatible webhook, a pager...) with a `text` input saying
/// so; at most one per `every`; and one more saying it recovered at the next success.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Alerts")]
pub struct RawAlerts {
    /// The operation that sends an alert, `connector.operation`. It must have a string input
    /// `text` (the message); inputs `connector` and `state` (`failing` or `recovered`) are
    /// filled in when it declares them. For Slack, a `POST` whose body is
    /// `{ text: "{{ inputs.text }}" }`. Required.
    pub call: Spanned<String>,
    /// Failed calls (unavailable or timeout) that raise an alert. Default: `5`.
    pub after: Option<Spanned<u32>>,
    /// How far back failures count. Default: `1m`.
    pub within: Option<Spanned<RawDuration>>,
    /// The shortest time between two failure alerts. Default: `10m`.
    pub every: Option<Spanned<RawDuration>>,
}

/// Who a cache entry is shared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "CacheScope")]
pub enum RawCacheScope {
    /// One entry per user.
    User,
    /// One entry for all users.
    Shared,
}
