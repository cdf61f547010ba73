//! Every metric, as a named type with an `emit()`. Labels are project names (connector,
//! operation, intent, breaker, limiter) or our own enum names: never user ids or raw paths.

pub use super::catalog::{DESCRIPTIONS, Description, Kind, names};
use super::{Telemetry, label, name_label};
use names::*;
use std::time::Duration;
use switchboard_config::model::OutcomeKind;

/// One operation's metric handles, registered once when the pipeline is built (outcome and
/// cache series on first use), so a call only bumps atomics: no label strings, no lookups.
pub struct OpMetrics {
    calls: [std::sync::OnceLock<metrics::Counter>; OutcomeKind::ALL.len()],
    cache: [std::sync::OnceLock<metrics::Counter>; 3],
    duration: metrics::Histogram,
    attempts: metrics::Counter,
    retries: metrics::Counter,
    in_flight: metrics::Gauge,
    telemetry: std::sync::Weak<Telemetry>,
    connector: String,
    operation: String,
}

impl std::fmt::Debug for OpMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpMetrics")
            .field("operation", &self.operation)
            .finish_non_exhaustive()
    }
}

impl OpMetrics {
    /// Registers an operation's handles.
    pub fn new(t: &std::sync::Arc<Telemetry>, connector: &str, operation: &str) -> OpMetrics {
        let op = || {
            vec![
                name_label("connector", connector),
                name_label("operation", operation),
            ]
        };
        OpMetrics {
            calls: Default::default(),
            cache: Default::default(),
            duration: t.histogram(CALL_DURATION, op()),
            attempts: t.counter(ATTEMPTS, op()),
            retries: t.counter(RETRIES, op()),
            in_flight: t.gauge(IN_FLIGHT, op()),
            telemetry: std::sync::Arc::downgrade(t),
            connector: connector.to_string(),
            operation: operation.to_string(),
        }
    }

    fn labelled(
        &self,
        slot: &std::sync::OnceLock<metrics::Counter>,
        name: &'static str,
        key: &'static str,
        value: &'static str,
    ) -> Option<metrics::Counter> {
        if let Some(c) = slot.get() {
            return Some(c.clone());
        }
        let t = self.telemetry.upgrade()?;
        let c = t.counter(
            name,
            vec![
                name_label("connector", &self.connector),
                name_label("operation", &self.operation),
                label(key, value),
            ],
        );
        Some(slot.get_or_init(|| c).clone())
    }
}

/// One operation call's result.
#[derive(Debug, Clone, Copy)]
pub struct UpstreamCall {
    /// The classified outcome.
    pub outcome: OutcomeKind,
    /// Time to the result.
    pub latency: Duration,
    /// Attempts sent.
    pub attempts: u32,
    /// Answered from the cache.
    pub cached: bool,
    /// Answered from an expired cache copy.
    pub stale: bool,
    /// Whether the operation has a cache (lookups are counted only then).
    pub cache_enabled: bool,
}

impl UpstreamCall {
    /// Counts the call on its operation's handles.
    pub fn emit(&self, m: &OpMetrics) {
        let idx = OutcomeKind::ALL
            .iter()
            .position(|k| *k == self.outcome)
            .unwrap_or(0);
        if let Some(c) = m.labelled(&m.calls[idx], CALLS, "outcome", self.outcome.as_str()) {
            c.increment(1);
        }
        if self.cache_enabled {
            let (i, result) = match (self.cached, self.stale) {
                (true, true) => (2, "stale"),
                (true, false) => (0, "hit"),
                (false, _) => (1, "miss"),
            };
            if let Some(c) = m.labelled(&m.cache[i], CACHE, "result", result) {
                c.increment(1);
            }
        }
        if !self.cached {
            m.duration.record(self.latency.as_secs_f64());
        }
        if self.attempts > 0 {
            m.attempts.increment(u64::from(self.attempts));
        }
        if self.attempts > 1 {
            m.retries.increment(u64::from(self.attempts - 1));
        }
    }
}

/// A call being sent: the in-flight gauge goes up now and down when this guard drops.
#[derive(Debug)]
pub struct InFlight(metrics::Gauge);

impl InFlight {
    /// Counts a call in flight.
    pub fn start(m: &OpMetrics) -> InFlight {
        m.in_flight.increment(1.0);
        InFlight(m.in_flight.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// A circuit breaker's state, set when metrics are rendered.
#[derive(Debug, Clone, Copy)]
pub struct BreakerStateGauge<'a> {
    /// The breaker (a connector, or `connector.operation` for an operation's own).
    pub breaker: &'a str,
    /// 0 closed, 1 half open, 2 open.
    pub value: f64,
}

impl BreakerStateGauge<'_> {
    /// Sets the gauge.
    pub fn emit(&self, t: &Telemetry) {
        t.gauge(BREAKER, vec![name_label("breaker", self.breaker)])
            .set(self.value);
    }
}

/// A limiter's totals, copied when metrics are rendered (the limiter counts with atomics on
/// the hot path).
#[derive(Debug, Clone, Copy)]
pub struct RateLimitStats<'a> {
    /// The limiter (a connector, or `connector.operation`).
    pub limiter: &'a str,
    /// Attempts that waited.
    pub waits: u64,
    /// Total wait.
    pub waited: Duration,
    /// Attempts refused.
    pub refused: u64,
    /// Attempts waiting now.
    pub queue: u64,
}

impl RateLimitStats<'_> {
    /// Sets the counters and the queue gauge.
    pub fn emit(&self, t: &Telemetry) {
        let l = || vec![name_label("limiter", self.limiter)];
        t.counter(RL_WAITS, l()).absolute(self.waits);
        t.counter(RL_REFUSED, l()).absolute(self.refused);
        t.gauge(RL_WAIT_SECONDS, l()).set(self.waited.as_secs_f64());
        #[allow(clippy::cast_precision_loss)]
        t.gauge(RL_QUEUE, l()).set(self.queue as f64);
    }
}

/// A `Retry-After` hold's state, copied when metrics are rendered.
#[derive(Debug, Clone, Copy)]
pub struct HoldStats<'a> {
    /// The hold (a connector, or `connector.operation`).
    pub hold: &'a str,
    /// Time left (zero when none).
    pub remaining: Duration,
    /// When it ends, as Unix seconds (zero when none).
    pub until_unix: f64,
    /// Attempts it refused since start.
    pub refused: u64,
}

impl HoldStats<'_> {
    /// Sets the gauges and the counter.
    pub fn emit(&self, t: &Telemetry) {
        let l = || vec![name_label("hold", self.hold)];
        t.gauge(HOLD_SECONDS, l()).set(self.remaining.as_secs_f64());
        t.gauge(HOLD_UNTIL, l()).set(self.until_unix);
        t.counter(HOLD_REFUSED, l()).absolute(self.refused);
    }
}

/// One chat turn.
#[derive(Debug, Clone, Copy)]
pub struct TurnTaken<'a> {
    /// The intent served, if any.
    pub intent: Option<&'a str>,
    /// Whether the fallback reply was said.
    pub fallback: bool,
    /// Time to take the turn.
    pub latency: Duration,
}

impl TurnTaken<'_> {
    /// Counts the turn.
    pub fn emit(&self, t: &Telemetry) {
        let intent = self.intent.unwrap_or("none");
        let result = if self.fallback {
            "fallback"
        } else {
            "answered"
        };
        t.counter(
            TURNS,
            vec![name_label("intent", intent), label("result", result)],
        )
        .increment(1);
        t.histogram(TURN_DURATION, vec![name_label("intent", intent)])
            .record(self.latency.as_secs_f64());
    }
}

/// One tool call from an LLM agent.
#[derive(Debug, Clone, Copy)]
pub struct ToolCalled<'a> {
    /// The tool.
    pub tool: &'a str,
    /// What it came to.
    pub outcome: &'a str,
    /// Time to run it, when it ran.
    pub latency: Option<Duration>,
}

impl ToolCalled<'_> {
    /// Counts the call.
    pub fn emit(&self, t: &Telemetry) {
        t.counter(
            TOOL_CALLS,
            vec![
                name_label("tool", self.tool),
                name_label("outcome", self.outcome),
            ],
        )
        .increment(1);
        if let Some(l) = self.latency {
            t.histogram(TOOL_CALL_DURATION, vec![name_label("tool", self.tool)])
                .record(l.as_secs_f64());
        }
    }
}

/// One language model request of a chat turn.
#[derive(Debug, Clone, Copy)]
pub struct LlmAsked<'a> {
    /// The model.
    pub model: &'a str,
    /// `understand`, `agent` or `reply`.
    pub purpose: &'static str,
    /// `ok`, a call outcome, `unreadable` or `over_budget`.
    pub outcome: &'static str,
    /// Prompt tokens.
    pub input: u64,
    /// Completion tokens.
    pub output: u64,
    /// What they cost, with prices.
    pub cost: Option<f64>,
}

impl LlmAsked<'_> {
    /// Counts the request and its tokens.
    pub fn emit(&self, t: &Telemetry) {
        t.counter(
            LLM_REQUESTS,
            vec![
                name_label("model", self.model),
                label("purpose", self.purpose),
                label("outcome", self.outcome),
            ],
        )
        .increment(1);
        for (direction, n) in [("input", self.input), ("output", self.output)] {
            if n > 0 {
                t.counter(
                    LLM_TOKENS,
                    vec![
                        name_label("model", self.model),
                        label("purpose", self.purpose),
                        label("direction", direction),
                    ],
                )
                .increment(n);
            }
        }
        if let Some(cost) = self.cost {
            t.gauge(LLM_COST, vec![name_label("model", self.model)])
                .increment(cost);
        }
    }
}

/// The tokens of one chat turn that asked the model.
#[derive(Debug, Clone, Copy)]
pub struct LlmTurn<'a> {
    /// The model.
    pub model: &'a str,
    /// Prompt tokens.
    pub input: u64,
    /// Completion tokens.
    pub output: u64,
}

impl LlmTurn<'_> {
    /// Records the turn's tokens.
    pub fn emit(&self, t: &Telemetry) {
        for (direction, n) in [("input", self.input), ("output", self.output)] {
            t.histogram(
                LLM_TURN_TOKENS,
                vec![
                    name_label("model", self.model),
                    label("direction", direction),
                ],
            )
            .record(n as f64);
        }
    }
}

/// A response carried `Deprecation` or `Sunset`.
#[derive(Debug, Clone, Copy)]
pub struct DeprecationWarning<'a> {
    /// The connector.
    pub connector: &'a str,
    /// The operation.
    pub operation: &'a str,
    /// `deprecation` or `sunset`.
    pub header: &'static str,
}

impl DeprecationWarning<'_> {
    /// Counts the warning.
    pub fn emit(&self, t: &Telemetry) {
        t.counter(
            DEPRECATIONS,
            vec![
                name_label("connector", self.connector),
                name_label("operation", self.operation),
                label("header", self.header),
            ],
        )
        .increment(1);
    }
}

/// A response broke its schema at `path`.
#[derive(Debug, Clone, Copy)]
pub struct SchemaFailure<'a> {
    /// The connector.
    pub connector: &'a str,
    /// The operation.
    pub operation: &'a str,
    /// The failing JSON pointer with array indices replaced by `*` (never values).
    pub path: &'a str,
}

impl SchemaFailure<'_> {
    /// Counts the failure.
    pub fn emit(&self, t: &Telemetry) {
        t.counter(
            SCHEMA_FAILURES,
            vec![
                name_label("connector", self.connector),
                name_label("operation", self.operation),
                name_label("path", self.path),
            ],
        )
        .increment(1);
    }
}

/// Audit rows written in one batch.
#[derive(Debug, Clone, Copy)]
pub struct AuditWritten(pub u64);

impl AuditWritten {
    /// Counts the rows.
    pub fn emit(&self, t: &Telemetry) {
        t.counter(AUDIT_WRITTEN, Vec::new()).increment(self.0);
    }
}

/// Audit rows lost.
#[derive(Debug, Clone, Copy)]
pub struct AuditDropped {
    /// How many.
    pub rows: u64,
    /// `queue_full` or `store_error`.
    pub reason: &'static str,
}

impl AuditDropped {
    /// Counts the rows.
    pub fn emit(&self, t: &Telemetry) {
        t.counter(AUDIT_DROPPED, vec![label("reason", self.reason)])
            .increment(self.rows);
    }
}
