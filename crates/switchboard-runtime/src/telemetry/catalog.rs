//! The catalogue of metrics: every name, kind, unit, label set and help line, defined once.
//! The recorder describes each at start, and docs/telemetry.md must list the same (a test
//! below compares).

use super::SECONDS;
use metrics::Unit;

/// The kind of a metric, for its description.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Only goes up.
    Counter,
    /// Goes up and down.
    Gauge,
    /// A distribution, rendered as Prometheus histogram buckets.
    Histogram,
    /// A running total of seconds. The `metrics` crate counts in whole numbers, so it is
    /// recorded as a gauge set to the total and typed `counter` when rendered.
    SecondsCounter,
}

/// One metric's name, kind, unit and help text.
#[derive(Debug, Clone, Copy)]
pub struct Description {
    /// The Prometheus name.
    pub name: &'static str,
    /// Its kind.
    pub kind: Kind,
    /// Its unit, if any.
    pub unit: Option<Unit>,
    /// Its help line.
    pub help: &'static str,
    /// Its labels (for the docs).
    pub labels: &'static str,
}

const fn d(
    name: &'static str,
    kind: Kind,
    unit: Option<Unit>,
    labels: &'static str,
    help: &'static str,
) -> Description {
    Description {
        name,
        kind,
        unit,
        help,
        labels,
    }
}

/// Metric names.
pub mod names {
    #![allow(missing_docs)]
    pub const CALLS: &str = "switchboard_upstream_calls_total";
    pub const CALL_DURATION: &str = "switchboard_upstream_call_duration_seconds";
    pub const ATTEMPTS: &str = "switchboard_upstream_attempts_total";
    pub const RETRIES: &str = "switchboard_upstream_retries_total";
    pub const IN_FLIGHT: &str = "switchboard_upstream_in_flight";
    pub const CACHE: &str = "switchboard_cache_lookups_total";
    pub const BREAKER: &str = "switchboard_breaker_state";
    pub const RL_WAITS: &str = "switchboard_rate_limit_waits_total";
    pub const RL_WAIT_SECONDS: &str = "switchboard_rate_limit_wait_seconds_total";
    pub const RL_REFUSED: &str = "switchboard_rate_limit_refused_total";
    pub const RL_QUEUE: &str = "switchboard_rate_limit_queue_depth";
    pub const HOLD_SECONDS: &str = "switchboard_retry_after_hold_seconds";
    pub const HOLD_UNTIL: &str = "switchboard_retry_after_hold_until_seconds";
    pub const HOLD_REFUSED: &str = "switchboard_retry_after_hold_refused_total";
    pub const TURNS: &str = "switchboard_turns_total";
    pub const TURN_DURATION: &str = "switchboard_turn_duration_seconds";
    pub const TOOL_CALLS: &str = "switchboard_tool_calls_total";
    pub const TOOL_CALL_DURATION: &str = "switchboard_tool_call_duration_seconds";
    pub const LLM_REQUESTS: &str = "switchboard_llm_requests_total";
    pub const LLM_TOKENS: &str = "switchboard_llm_tokens_total";
    pub const LLM_COST: &str = "switchboard_llm_cost";
    pub const LLM_TURN_TOKENS: &str = "switchboard_llm_turn_tokens";
    pub const DEPRECATIONS: &str = "switchboard_api_deprecation_warnings_total";
    pub const STATE_UP: &str = "switchboard_shared_state_up";
    pub const STATE_FALLBACKS: &str = "switchboard_shared_state_fallbacks_total";
    pub const SCHEMA_FAILURES: &str = "switchboard_schema_failures_total";
    pub const AUDIT_WRITTEN: &str = "switchboard_audit_rows_written_total";
    pub const AUDIT_DROPPED: &str = "switchboard_audit_rows_dropped_total";
    pub const WEBHOOKS_RECEIVED: &str = "switchboard_webhooks_received_total";
    pub const WEBHOOKS_VERIFIED: &str = "switchboard_webhooks_verified_total";
    pub const WEBHOOKS_REJECTED: &str = "switchboard_webhooks_rejected_total";
    pub const WEBHOOKS_DUPLICATED: &str = "switchboard_webhooks_duplicated_total";
    pub const WEBHOOKS_DELIVERED: &str = "switchboard_webhooks_delivered_total";
    pub const WEBHOOKS_DEAD_LETTERED: &str = "switchboard_webhooks_dead_lettered_total";
    pub const CHANNEL_RECEIVED: &str = "switchboard_channel_deliveries_total";
    pub const CHANNEL_SENT: &str = "switchboard_channel_messages_total";
    pub const CHANNEL_STATUSES: &str = "switchboard_channel_statuses_total";
    pub const HTTP_CONNECTIONS_OPEN: &str = "switchboard_http_connections_open";
    pub const HTTP_CONNECTIONS_CLOSED: &str = "switchboard_http_connections_closed_total";
    pub const HTTP_ACCEPT_ERRORS: &str = "switchboard_http_accept_errors_total";
    pub const EVENT_STREAMS_OPEN: &str = "switchboard_event_streams_open";
    pub const EVENT_STREAMS_CLOSED: &str = "switchboard_event_streams_closed_total";
    pub const EVENT_STREAMS_REFUSED: &str = "switchboard_event_streams_refused_total";
    pub const BUILD_INFO: &str = "switchboard_build_info";
}

use Kind::{Counter, Gauge, Histogram, SecondsCounter};
use names::*;

/// Every metric Switchboard exports (docs/telemetry.md lists the same; a test compares).
pub const DESCRIPTIONS: &[Description] = &[
    d(
        BUILD_INFO,
        Gauge,
        None,
        "version",
        "Always 1; the version label is the running Switchboard's.",
    ),
    d(
        CALLS,
        Counter,
        None,
        "connector, operation, outcome",
        "Operation calls by outcome (cache hits included).",
    ),
    d(
        CALL_DURATION,
        Histogram,
        SECONDS,
        "connector, operation",
        "Time from the first attempt to the interpreted result, for calls the cache did not answer.",
    ),
    d(
        ATTEMPTS,
        Counter,
        None,
        "connector, operation",
        "HTTP attempts that reached the network.",
    ),
    d(
        RETRIES,
        Counter,
        None,
        "connector, operation",
        "Attempts after the first one of a call.",
    ),
    d(
        IN_FLIGHT,
        Gauge,
        None,
        "connector, operation",
        "Calls being sent now.",
    ),
    d(
        CACHE,
        Counter,
        None,
        "connector, operation, result",
        "Cache lookups of cached operations: hit, miss, or stale (an expired copy served because the upstream failed).",
    ),
    d(
        BREAKER,
        Gauge,
        None,
        "breaker",
        "Circuit breaker state: 0 closed, 1 half open, 2 open.",
    ),
    d(
        RL_WAITS,
        Counter,
        None,
        "limiter",
        "Attempts that had to wait for the outbound rate limit.",
    ),
    d(
        RL_WAIT_SECONDS,
        SecondsCounter,
        SECONDS,
        "limiter",
        "Total time attempts waited for the outbound rate limit.",
    ),
    d(
        RL_REFUSED,
        Counter,
        None,
        "limiter",
        "Attempts refused because the rate limit had no room within max_wait.",
    ),
    d(
        RL_QUEUE,
        Gauge,
        None,
        "limiter",
        "Attempts waiting for the outbound rate limit now.",
    ),
    d(
        HOLD_SECONDS,
        Gauge,
        SECONDS,
        "hold",
        "Time left on a Retry-After hold (0 when none): calls under it fail at once without reaching the upstream.",
    ),
    d(
        HOLD_UNTIL,
        Gauge,
        SECONDS,
        "hold",
        "When the Retry-After hold ends, as a Unix timestamp (0 when none).",
    ),
    d(
        HOLD_REFUSED,
        Counter,
        None,
        "hold",
        "Attempts refused by a Retry-After hold (nothing sent).",
    ),
    d(
        TURNS,
        Counter,
        None,
        "intent, result",
        "Chat turns by the intent served (`none` when no intent) and result: answered or fallback.",
    ),
    d(
        TURN_DURATION,
        Histogram,
        SECONDS,
        "intent",
        "Time to take a chat turn, loading and saving included.",
    ),
    d(
        TOOL_CALLS,
        Counter,
        None,
        "tool, outcome",
        "Tool calls from LLM agents (MCP and /v1/tools) by outcome: ok, a call outcome, invalid_arguments, or a confirmation outcome (confirmation_required, declined, confirmation_invalid, confirmation_missing, confirmation_unavailable).",
    ),
    d(
        TOOL_CALL_DURATION,
        Histogram,
        SECONDS,
        "tool",
        "Time to run a tool call that ran, every upstream call included.",
    ),
    d(
        LLM_REQUESTS,
        Counter,
        None,
        "model, purpose, outcome",
        "Language model requests of chat turns by purpose (understand, agent, reply) and outcome: ok, a call outcome, unreadable, or over_budget (not sent).",
    ),
    d(
        LLM_TOKENS,
        Counter,
        None,
        "model, purpose, direction",
        "Tokens the model provider counted, by direction: input (prompt) or output (completion).",
    ),
    d(
        LLM_COST,
        Gauge,
        None,
        "model",
        "Running total of what the model's tokens cost, at the llm section's prices (only with prices).",
    ),
    d(
        LLM_TURN_TOKENS,
        Histogram,
        None,
        "model, direction",
        "Tokens one chat turn used, by direction, for turns that asked the model.",
    ),
    d(
        STATE_UP,
        Gauge,
        None,
        "",
        "1 while Redis (the state section) answers, 0 while it does not and each feature acts as its when_down says (only with a state section).",
    ),
    d(
        STATE_FALLBACKS,
        Counter,
        None,
        "feature, mode",
        "Decisions made without Redis, by feature (rate_limit, cache, turn_lock) and the when_down mode applied.",
    ),
    d(
        DEPRECATIONS,
        Counter,
        None,
        "connector, operation, header",
        "Responses carrying a Deprecation or Sunset header.",
    ),
    d(
        SCHEMA_FAILURES,
        Counter,
        None,
        "connector, operation, path",
        "Responses that broke their schema, by the failing JSON path (array indices as *).",
    ),
    d(
        AUDIT_WRITTEN,
        Counter,
        None,
        "",
        "Audit rows written to the store.",
    ),
    d(
        AUDIT_DROPPED,
        Counter,
        None,
        "reason",
        "Audit rows lost: queue_full (the writer fell behind) or store_error.",
    ),
    d(
        super::health::names::UP,
        Gauge,
        None,
        "connector",
        "Whether the connector's last health check passed (1) or not (0).",
    ),
    d(
        super::health::names::CHECKS,
        Counter,
        None,
        "connector, result",
        "Health checks by result: up or down.",
    ),
    d(
        super::health::names::BURN,
        Gauge,
        None,
        "connector, window",
        "Error-budget burn rate of the availability objective over 1h and 5m (1 = exactly on budget).",
    ),
    d(
        super::health::names::P95,
        Gauge,
        SECONDS,
        "connector",
        "p95 latency over the last hour, for connectors with a latency objective.",
    ),
    d(
        super::health::names::ALERTS,
        Counter,
        None,
        "connector, objective, state",
        "Objective alerts raised (slo_missed) and cleared (slo_met).",
    ),
    d(
        WEBHOOKS_RECEIVED,
        Counter,
        None,
        "source",
        "Webhook requests received.",
    ),
    d(
        WEBHOOKS_VERIFIED,
        Counter,
        None,
        "source",
        "Webhook requests whose signature verified.",
    ),
    d(
        WEBHOOKS_REJECTED,
        Counter,
        None,
        "source, reason",
        "Webhook requests refused (bad signature, stale timestamp, malformed).",
    ),
    d(
        WEBHOOKS_DUPLICATED,
        Counter,
        None,
        "source",
        "Webhook deliveries already seen (dropped by the idempotency check).",
    ),
    d(
        WEBHOOKS_DELIVERED,
        Counter,
        None,
        "source",
        "Webhook events handled successfully.",
    ),
    d(
        WEBHOOKS_DEAD_LETTERED,
        Counter,
        None,
        "source",
        "Webhook events given up on after their retries.",
    ),
    d(
        CHANNEL_RECEIVED,
        Counter,
        None,
        "channel, receipt",
        "Deliveries from messaging platforms: accepted, duplicate, rejected (signature) or ignored (not a user message).",
    ),
    d(
        CHANNEL_SENT,
        Counter,
        None,
        "channel, kind, outcome",
        "Messages to channel users (kind reply or proactive) by outcome: sent, failed (after retries), outside_window (WhatsApp, no template) or no_contact.",
    ),
    d(
        CHANNEL_STATUSES,
        Counter,
        None,
        "channel, status",
        "Delivery statuses the platforms reported for sent messages: sent, delivered, read, failed or other.",
    ),
    d(
        HTTP_CONNECTIONS_OPEN,
        Gauge,
        None,
        "state",
        "Open HTTP connections by state: handshake (protocol not shown yet), idle, or busy (a request or event stream in flight).",
    ),
    d(
        HTTP_CONNECTIONS_CLOSED,
        Counter,
        None,
        "reason",
        "HTTP connections ended: client, error, handshake_timeout, idle_timeout, shed (idle longest when room was needed), refused (at the cap with every connection busy) or shutdown.",
    ),
    d(
        HTTP_ACCEPT_ERRORS,
        Counter,
        None,
        "reason",
        "Failed accepts of the listener: descriptors (out of file descriptors; the idle longest connection is shed) or other.",
    ),
    d(
        EVENT_STREAMS_OPEN,
        Gauge,
        None,
        "",
        "Event streams holding a place under the stream caps now.",
    ),
    d(
        EVENT_STREAMS_CLOSED,
        Counter,
        None,
        "reason",
        "Event streams ended: replaced (by a newer stream at the per-user cap), shutdown, client (went away) or error (could not start).",
    ),
    d(
        EVENT_STREAMS_REFUSED,
        Counter,
        None,
        "reason",
        "Event streams refused: full (the instance cap, 503 too_many_streams) or shutting_down.",
    ),
];

#[cfg(test)]
mod tests {
    use super::DESCRIPTIONS;

    #[test]
    fn docs_list_every_metric() {
        let doc = include_str!("../../../../docs/telemetry.md");
        for d in DESCRIPTIONS {
            let row = format!("| `{}` |", d.name);
            assert!(
                doc.contains(&row),
                "docs/telemetry.md does not list {}",
                d.name
            );
        }
        let listed = doc
            .lines()
            .filter(|l| l.starts_with("| `switchboard_"))
            .count();
        assert_eq!(
            listed,
            DESCRIPTIONS.len(),
            "docs/telemetry.md lists a metric that is gone"
        );
    }
}
