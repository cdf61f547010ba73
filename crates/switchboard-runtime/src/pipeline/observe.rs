//! What the pipeline tells the outside about each call: metrics, the log line, audit rows
//! (one per attempt), W3C trace context for the upstream, API change warnings (Deprecation,
//! Sunset, schema drift), and the recent history the dashboard shows. Kept apart from the
//! call path itself so that path stays readable.

pub use super::recent::{Recent, RecentCall, is_failure};
use super::transport::{AttemptLog, TransportError};
use super::{CallRecord, Pipeline, breaker, classify};
use crate::storage::audit::writer::AuditSink;
use crate::storage::audit::{AuditKind, AuditRow};
use crate::telemetry::Telemetry;
use crate::telemetry::events::{DeprecationEvent, SchemaDriftEvent, UpstreamCallEvent};
use crate::telemetry::metrics::{
    BreakerStateGauge, DeprecationWarning, HoldStats, RateLimitStats, SchemaFailure, UpstreamCall,
};
use crate::telemetry::pseudonym::Pseudonymizer;
use crate::telemetry::redact::Redactor;
use chrono::Utc;
use http::HeaderMap;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_config::model::{Operation, OutcomeKind};

/// How the audit trail is written: the sink, the key for pseudonyms, the redaction policy.
#[derive(Debug, Clone)]
pub struct AuditHooks {
    /// Where rows go.
    pub sink: AuditSink,
    /// User ids become pseudonyms.
    pub pseudonyms: Pseudonymizer,
    /// Applied to every free-text detail.
    pub redactor: Arc<Redactor>,
}

impl AuditHooks {
    /// Records an inbound webhook: `source` is the configured webhook's name, `event` its
    /// event type (bounded by configuration), `path` the route template it arrived on,
    /// `outcome` one of `received`, `verified`, `rejected`, `duplicated`, `delivered`,
    /// `dead_lettered`; `detail` is redacted here.
    #[allow(clippy::too_many_arguments)]
    pub fn webhook_row(
        &self,
        source: &str,
        event: &str,
        path: &str,
        status: Option<u16>,
        outcome: &str,
        latency: Duration,
        attempt: u32,
        user: Option<&str>,
        detail: Option<&str>,
    ) {
        self.sink.record(AuditRow {
            id: 0,
            at: Utc::now(),
            kind: AuditKind::Webhook,
            user: user.map(|u| self.pseudonyms.pseudonym(u)),
            connector: source.to_string(),
            operation: event.to_string(),
            method: "POST".to_string(),
            path: path.to_string(),
            status,
            outcome: outcome.to_string(),
            latency_ms: millis(latency),
            attempt,
            cached: false,
            trace_id: None,
            detail: detail.map(|d| self.redactor.text(d).into_owned()),
        });
    }

    /// Records a tool call from an LLM agent: `tool` its name, `target` what it runs
    /// (`store.get_order`, `intent order_status`), `route` where it came in (`/mcp`,
    /// `/v1/tools/{name}`), `outcome` what it came to, and a digest of its arguments (never
    /// the arguments), so a call can be matched with what the agent says it sent.
    #[allow(clippy::too_many_arguments)]
    pub fn tool_row(
        &self,
        tool: &str,
        target: &str,
        route: &str,
        outcome: &str,
        latency: Duration,
        user: Option<&str>,
        args_digest: &str,
    ) {
        self.sink.record(AuditRow {
            id: 0,
            at: Utc::now(),
            kind: AuditKind::Tool,
            user: user.map(|u| self.pseudonyms.pseudonym(u)),
            connector: tool.to_string(),
            operation: target.to_string(),
            method: "POST".to_string(),
            path: route.to_string(),
            status: None,
            outcome: outcome.to_string(),
            latency_ms: millis(latency),
            attempt: 0,
            cached: false,
            trace_id: None,
            detail: Some(format!("arguments sha256:{args_digest}")),
        });
    }

    /// Records what a chat turn sent a language model: the connector, the purpose
    /// (`understand`, `agent`, `reply`), the outcome, and the request's SHA-256 and size in
    /// bytes, never its text.
    #[allow(clippy::too_many_arguments)]
    pub fn model_row(
        &self,
        connector: &str,
        purpose: &str,
        outcome: &str,
        latency: Duration,
        user: Option<&str>,
        digest: &str,
        bytes: usize,
        tokens: (u64, u64),
    ) {
        self.sink.record(AuditRow {
            id: 0,
            at: Utc::now(),
            kind: AuditKind::Model,
            user: user.map(|u| self.pseudonyms.pseudonym(u)),
            connector: connector.to_string(),
            operation: purpose.to_string(),
            method: "POST".to_string(),
            path: "/chat/completions".to_string(),
            status: None,
            outcome: outcome.to_string(),
            latency_ms: millis(latency),
            attempt: 0,
            cached: false,
            trace_id: None,
            detail: Some(format!(
                "request sha256:{digest} bytes:{bytes}; tokens in:{} out:{}",
                tokens.0, tokens.1
            )),
        });
    }
}

/// Milliseconds to the microsecond, as audit rows keep them.
fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// A W3C trace context for one logical call: a fresh trace id and parent span id, sent as
/// `traceparent` on every attempt so the upstream's logs can be joined with ours.
#[derive(Debug, Clone)]
pub struct TraceContext {
    /// 32 hex digits.
    pub trace_id: String,
    /// The `traceparent` header value.
    pub header: http::HeaderValue,
}

impl TraceContext {
    /// A new sampled trace.
    pub fn new() -> TraceContext {
        let trace: u128 = rand::random::<u128>().max(1);
        let span: u64 = rand::random::<u64>().max(1);
        let trace_id = format!("{trace:032x}");
        let header = http::HeaderValue::from_str(&format!("00-{trace_id}-{span:016x}-01"))
            .expect("hex is a valid header value");
        TraceContext { trace_id, header }
    }
}

impl TraceContext {
    /// The trace a call joins: its context's (a chat turn's), or a new one.
    pub fn for_call(ctx: &super::CallContext) -> TraceContext {
        match &ctx.trace_id {
            Some(id) => TraceContext::within(id),
            None => TraceContext::new(),
        }
    }

    /// A new span in an existing trace; a malformed id starts a new trace instead.
    pub fn within(trace_id: &str) -> TraceContext {
        let valid = trace_id.len() == 32
            && trace_id
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && trace_id.bytes().any(|b| b != b'0');
        if !valid {
            return TraceContext::new();
        }
        let span: u64 = rand::random::<u64>().max(1);
        let header = http::HeaderValue::from_str(&format!("00-{trace_id}-{span:016x}-01"))
            .expect("hex is a valid header value");
        TraceContext {
            trace_id: trace_id.to_string(),
            header,
        }
    }
}

impl Default for TraceContext {
    fn default() -> Self {
        TraceContext::new()
    }
}

/// The audit rows of one call sent through the stack: one per attempt that reached the
/// network, or one with attempt 0 when nothing was sent (open circuit, full rate limit).
pub(super) fn attempt_rows(
    hooks: &AuditHooks,
    op: &Operation,
    record: &CallRecord,
    user: Option<&str>,
    trace_id: &str,
    attempts: Vec<AttemptLog>,
) {
    let base =
        |attempt: u32, status: Option<u16>, outcome: OutcomeKind, latency_ms: f64| AuditRow {
            id: 0,
            at: Utc::now(),
            kind: AuditKind::Upstream,
            user: user.map(|u| hooks.pseudonyms.pseudonym(u)),
            connector: op.connector.clone(),
            operation: op.name.clone(),
            method: op.method.as_str().to_string(),
            path: op.path.source.clone(),
            status,
            outcome: outcome.as_str().to_string(),
            latency_ms: (latency_ms * 1000.0).round() / 1000.0,
            attempt,
            cached: false,
            trace_id: Some(trace_id.to_string()),
            detail: None,
        };
    if attempts.is_empty() {
        let mut row = base(0, None, record.outcome, record.latency_ms);
        row.detail = record
            .reason
            .map(str::to_string)
            .or_else(|| detail(hooks, record));
        hooks.sink.record(row);
        return;
    }
    let last = attempts.len() - 1;
    for (i, a) in attempts.into_iter().enumerate() {
        let ms = a.latency.as_secs_f64() * 1000.0;
        let mut row = if i == last {
            // The last attempt's outcome is the call's (schema checks and Retry-After included).
            let mut r = base(a.number, a.status, record.outcome, ms);
            r.detail = detail(hooks, record);
            r
        } else {
            let outcome = match (&a.error, a.status) {
                (_, Some(s)) => classify::status(s),
                (Some(TransportError::Timeout(_)), None) => OutcomeKind::Timeout,
                _ => OutcomeKind::Unavailable,
            };
            base(a.number, a.status, outcome, ms)
        };
        if row.detail.is_none()
            && let Some(e) = &a.error
        {
            row.detail = Some(hooks.redactor.text(&e.to_string()).into_owned());
        }
        hooks.sink.record(row);
    }
}

/// The audit row of a call the cache answered.
pub(super) fn cached_row(
    hooks: &AuditHooks,
    op: &Operation,
    record: &CallRecord,
    user: Option<&str>,
) {
    hooks.sink.record(AuditRow {
        id: 0,
        at: Utc::now(),
        kind: AuditKind::Upstream,
        user: user.map(|u| hooks.pseudonyms.pseudonym(u)),
        connector: op.connector.clone(),
        operation: op.name.clone(),
        method: op.method.as_str().to_string(),
        path: op.path.source.clone(),
        status: record.status,
        outcome: record.outcome.as_str().to_string(),
        latency_ms: (record.latency_ms * 1000.0).round() / 1000.0,
        attempt: 0,
        cached: true,
        trace_id: None,
        detail: record.stale.then(|| "stale copy served".to_string()),
    });
}

/// Longest excerpt of an upstream error body kept in an audit row, in characters.
const ERROR_BODY_CHARS: usize = 300;

/// A failure's words for the audit trail: schema failures keep only their path (the
/// validator's message quotes the value); other failures are redacted, and an upstream's JSON
/// error body (4xx, 5xx) follows, redacted as a value (the project's secrets, patterns, keys,
/// `telemetry.redact.json_paths`) before it is written, and shortened to about
/// [`ERROR_BODY_CHARS`] inside the value, so the excerpt stays valid JSON.
fn detail(hooks: &AuditHooks, record: &CallRecord) -> Option<String> {
    let e = record.error.as_deref()?;
    if let Some(path) = schema_path(e) {
        return Some(format!("response breaks its schema at {path}"));
    }
    let mut out = hooks.redactor.text(e).into_owned();
    if record.status.is_some_and(|s| s >= 400)
        && let Some(body) = &record.body
    {
        let mut body = body.clone();
        hooks.redactor.json(&mut body);
        out.push_str(": ");
        out.push_str(&excerpt(&body, ERROR_BODY_CHARS));
    }
    Some(out)
}

/// `value` as JSON text of at most `max` characters: long strings are cut and long arrays,
/// objects and nesting shortened in the value, never in its text, so the excerpt parses.
fn excerpt(value: &Value, max: usize) -> String {
    for (chars, items, depth) in [
        (usize::MAX, usize::MAX, usize::MAX),
        (120, 8, 4),
        (40, 4, 3),
        (12, 2, 2),
        (4, 1, 1),
    ] {
        let text = shorten(value, chars, items, depth).to_string();
        if text.chars().count() <= max {
            return text;
        }
    }
    Value::String("…".into()).to_string()
}

fn shorten(v: &Value, chars: usize, items: usize, depth: usize) -> Value {
    let cut = |s: &str| -> String {
        if s.chars().count() > chars {
            s.chars().take(chars).chain(['…']).collect()
        } else {
            s.to_string()
        }
    };
    match v {
        Value::String(s) => Value::String(cut(s)),
        Value::Array(_) | Value::Object(_) if depth == 0 => Value::String("…".into()),
        Value::Array(a) => {
            let mut out: Vec<Value> = a
                .iter()
                .take(items)
                .map(|x| shorten(x, chars, items, depth - 1))
                .collect();
            if a.len() > items {
                out.push(Value::String(format!("…{} more", a.len() - items)));
            }
            Value::Array(out)
        }
        Value::Object(o) => {
            let mut m = serde_json::Map::new();
            for (k, x) in o.iter().take(items) {
                m.insert(cut(k), shorten(x, chars, items, depth - 1));
            }
            if o.len() > items {
                m.insert("…".into(), Value::from(o.len() - items));
            }
            Value::Object(m)
        }
        other => other.clone(),
    }
}

/// The failing JSON pointer of a schema failure, with array indices as `*` (bounded labels).
pub(super) fn schema_path(error: &str) -> Option<String> {
    let rest = error.strip_prefix("response breaks its schema at ")?;
    let path = rest.split_once(": ").map_or(rest, |(p, _)| p);
    Some(
        path.split('/')
            .map(|seg| {
                if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                    "*"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// Notices a provider changing its API: `Deprecation`/`Sunset` headers and schema failures.
/// Returns the text of an alert to send when this is the first deprecation notice seen for the
/// operation.
pub(super) fn api_changes(
    telemetry: &Telemetry,
    seen: &Mutex<HashSet<String>>,
    op: &Operation,
    headers: Option<&HeaderMap>,
    record: &CallRecord,
) -> Option<String> {
    let mut alert = None;
    if let Some(headers) = headers {
        for (header, name) in [("deprecation", "Deprecation"), ("sunset", "Sunset")] {
            let Some(value) = headers.get(header) else {
                continue;
            };
            DeprecationWarning {
                connector: &op.connector,
                operation: &op.name,
                header,
            }
            .emit(telemetry);
            let key = format!("{}.{}", op.connector, op.name);
            let first = seen
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key.clone());
            if first {
                let value = value
                    .to_str()
                    .ok()
                    .filter(|v| v.len() <= 64)
                    .unwrap_or("(unreadable)");
                DeprecationEvent {
                    operation: &key,
                    header,
                    value,
                }
                .emit();
                alert = Some(format!(
                    "Switchboard: the upstream of operation \"{key}\" announces a deprecation ({name}: {value})."
                ));
            }
        }
    }
    if record.outcome == OutcomeKind::InvalidResponse
        && let Some(path) = record.error.as_deref().and_then(schema_path)
    {
        SchemaFailure {
            connector: &op.connector,
            operation: &op.name,
            path: &path,
        }
        .emit(telemetry);
        SchemaDriftEvent {
            operation: &record.operation,
            path: &path,
        }
        .emit();
    }
    alert
}

impl Pipeline {
    /// What a call tells once its record is final: its metrics, the dashboard's memory, and
    /// the audit row of a cache answer (sent calls wrote theirs in [`Pipeline::observe_send`]).
    pub(super) fn observe_call(
        &self,
        connector: &str,
        op: &Operation,
        op_rt: &super::OperationRuntime,
        record: &CallRecord,
        started: tokio::time::Instant,
        ctx: &super::CallContext,
    ) {
        UpstreamCall {
            outcome: record.outcome,
            latency: started.elapsed(),
            attempts: record.attempts,
            cached: record.cached,
            stale: record.stale,
            cache_enabled: op_rt.cache.is_some(),
        }
        .emit(&op_rt.metrics);
        self.recent.note(connector, record);
        if record.cached
            && let Some(hooks) = self.audit.as_ref()
        {
            cached_row(hooks, op, record, ctx.user_id.as_deref());
        }
    }

    /// Where the attempts of a call note their results, when the audit trail is on.
    pub(super) fn attempt_log(&self) -> Option<Arc<Mutex<Vec<AttemptLog>>>> {
        self.audit
            .as_ref()
            .map(|_| Arc::new(Mutex::new(Vec::new())))
    }

    /// What a sent call tells: API change warnings (and their one alert), an audit row per
    /// attempt, and its log line.
    pub(super) fn observe_send(
        &self,
        op: &Operation,
        record: &CallRecord,
        headers: Option<&HeaderMap>,
        ctx: &super::CallContext,
        trace: &TraceContext,
        log: Option<Arc<Mutex<Vec<AttemptLog>>>>,
    ) {
        if let Some(text) = api_changes(&self.telemetry, &self.deprecations, op, headers, record)
            && let Some(state) = self.alerts.get(&op.connector)
        {
            self.notify(&op.connector, &state.policy.call, text, "deprecated");
        }
        if let (Some(hooks), Some(log)) = (self.audit.as_ref(), log) {
            let attempts = std::mem::take(&mut *log.lock().unwrap_or_else(|e| e.into_inner()));
            attempt_rows(
                hooks,
                op,
                record,
                ctx.user_id.as_deref(),
                &trace.trace_id,
                attempts,
            );
        }
        UpstreamCallEvent {
            operation: &record.operation,
            method: op.method.as_str(),
            path: &op.path.source,
            outcome: record.outcome,
            status: record.status,
            latency_ms: record.latency_ms,
            attempts: record.attempts,
            reason: record.reason,
            trace_id: &trace.trace_id,
        }
        .emit();
    }

    /// This pipeline's metrics.
    pub fn telemetry(&self) -> &Arc<Telemetry> {
        &self.telemetry
    }

    /// The audit trail's hooks, when enabled.
    pub fn audit(&self) -> Option<&AuditHooks> {
        self.audit.as_ref()
    }

    /// Waits until every audit row queued so far is written. A short-lived command calls this
    /// before it exits, or the rows of its last calls are lost with the process.
    pub async fn flush_audit(&self) {
        if let Some(hooks) = &self.audit {
            hooks.sink.flush().await;
        }
    }

    /// The last hour of calls and the last failures, for the dashboard.
    pub fn recent(&self) -> &Recent {
        &self.recent
    }

    /// Copies the state kept outside the recorder (breakers, limiters) into gauges and
    /// counters, then renders every metric as Prometheus text.
    pub fn render_metrics(&self) -> String {
        for (name, state) in self.breaker_states() {
            let value = match state {
                breaker::BreakerState::Closed => 0.0,
                breaker::BreakerState::HalfOpen => 1.0,
                breaker::BreakerState::Open => 2.0,
            };
            BreakerStateGauge {
                breaker: &name,
                value,
            }
            .emit(&self.telemetry);
        }
        for (name, l) in &self.limiters {
            let s = l.stats();
            RateLimitStats {
                limiter: name,
                waits: s.waits,
                waited: s.waited,
                refused: s.refused,
                queue: s.queue,
            }
            .emit(&self.telemetry);
        }
        for h in &self.holds {
            let held = h.current();
            HoldStats {
                hold: h.name(),
                remaining: held.map_or(Duration::ZERO, |h| h.remaining()),
                until_unix: held.map_or(0.0, |h| {
                    h.until_wall
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap_or_default()
                        .as_secs_f64()
                }),
                refused: h.refused(),
            }
            .emit(&self.telemetry);
        }
        self.telemetry.render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_paths_lose_indices_and_values() {
        assert_eq!(
            schema_path(
                "response breaks its schema at /items/3/price: \"x\" is not of type \"number\""
            ),
            Some("/items/*/price".to_string())
        );
        assert_eq!(
            schema_path("response breaks its schema at /: null is not an object"),
            Some("/".to_string())
        );
        assert_eq!(schema_path("upstream answered 500"), None);
    }

    #[test]
    fn error_body_excerpts_stay_json() {
        let long = "x".repeat(1000);
        let body = serde_json::json!({
            "error": "bad",
            "url": format!("http://h/p?api_key=[redacted]&pad={long}"),
            "items": (0..100).collect::<Vec<_>>(),
            "deep": {"a": {"b": {"c": {"d": {"e": long}}}}},
        });
        let text = excerpt(&body, ERROR_BODY_CHARS);
        assert!(text.chars().count() <= ERROR_BODY_CHARS, "{text}");
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["error"], "bad");
        assert!(back["url"].as_str().unwrap().contains("api_key=[redacted]"));
        let small = serde_json::json!({"error": "bad"});
        assert_eq!(excerpt(&small, ERROR_BODY_CHARS), small.to_string());
    }

    #[test]
    fn traceparent_is_w3c() {
        let t = TraceContext::new();
        let h = t.header.to_str().unwrap();
        assert_eq!(h.len(), 55);
        assert!(h.starts_with(&format!("00-{}-", t.trace_id)));
        assert!(h.ends_with("-01"));
    }
}
