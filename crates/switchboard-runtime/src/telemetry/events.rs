//! Log events: one type per kind of line, with fixed targets and fields, so operators can
//! filter on them and docs/telemetry.md can list them. Free text that could hold user data
//! passes through the [`Redactor`](super::redact::Redactor) first.

use switchboard_config::model::OutcomeKind;

/// `switchboard::upstream` — one line per operation call: failures at info, successes at
/// debug, so a busy bot's log shows what went wrong without a line per healthy call.
#[derive(Debug, Clone, Copy)]
pub struct UpstreamCallEvent<'a> {
    /// `connector.operation`.
    pub operation: &'a str,
    /// The HTTP method.
    pub method: &'a str,
    /// The path template (never the filled-in path).
    pub path: &'a str,
    /// The outcome.
    pub outcome: OutcomeKind,
    /// The last status.
    pub status: Option<u16>,
    /// Milliseconds.
    pub latency_ms: f64,
    /// Attempts sent.
    pub attempts: u32,
    /// Why nothing was sent, if so.
    pub reason: Option<&'static str>,
    /// The W3C trace id sent upstream.
    pub trace_id: &'a str,
}

impl UpstreamCallEvent<'_> {
    /// Writes the line.
    pub fn emit(&self) {
        macro_rules! line {
            ($level:ident) => {
                tracing::$level!(
                    target: "switchboard::upstream",
                    operation = self.operation,
                    method = self.method,
                    path = self.path,
                    outcome = %self.outcome,
                    status = self.status,
                    latency_ms = self.latency_ms,
                    attempts = self.attempts,
                    reason = self.reason,
                    trace_id = self.trace_id,
                    "upstream call"
                )
            };
        }
        if self.outcome == OutcomeKind::Ok {
            line!(debug);
        } else {
            line!(info);
        }
    }
}

/// `switchboard::api_change` — the first `Deprecation` or `Sunset` header seen for an
/// operation (later ones only count in the metric).
#[derive(Debug, Clone, Copy)]
pub struct DeprecationEvent<'a> {
    /// `connector.operation`.
    pub operation: &'a str,
    /// `deprecation` or `sunset`.
    pub header: &'static str,
    /// The header's value (a date or `true`; checked to be short and printable).
    pub value: &'a str,
}

impl DeprecationEvent<'_> {
    /// Writes the line.
    pub fn emit(&self) {
        tracing::warn!(target: "switchboard::api_change", operation = self.operation, header = self.header, value = self.value, "upstream announces a deprecation");
    }
}

/// `switchboard::api_change` — a response broke its schema.
#[derive(Debug, Clone, Copy)]
pub struct SchemaDriftEvent<'a> {
    /// `connector.operation`.
    pub operation: &'a str,
    /// The failing JSON pointer, indices as `*`.
    pub path: &'a str,
}

impl SchemaDriftEvent<'_> {
    /// Writes the line.
    pub fn emit(&self) {
        tracing::warn!(target: "switchboard::api_change", operation = self.operation, path = self.path, "response broke its schema");
    }
}

/// `switchboard::turn` — one line per chat turn, at debug.
#[derive(Debug, Clone, Copy)]
pub struct TurnEvent<'a> {
    /// The conversation.
    pub conversation_id: &'a str,
    /// The intent served.
    pub intent: Option<&'a str>,
    /// Whether the fallback was said.
    pub fallback: bool,
    /// Upstream calls made.
    pub calls: usize,
    /// Milliseconds.
    pub latency_ms: f64,
}

impl TurnEvent<'_> {
    /// Writes the line.
    pub fn emit(&self) {
        tracing::debug!(target: "switchboard::turn", conversation_id = self.conversation_id, intent = self.intent, fallback = self.fallback, calls = self.calls, latency_ms = self.latency_ms, "turn");
    }
}

/// `switchboard::audit` — audit rows were lost (the queue was full or the store failed).
#[derive(Debug, Clone, Copy)]
pub struct AuditLossEvent<'a> {
    /// Rows lost.
    pub rows: u64,
    /// Why.
    pub reason: &'a str,
}

impl AuditLossEvent<'_> {
    /// Writes the line.
    pub fn emit(&self) {
        tracing::warn!(target: "switchboard::audit", rows = self.rows, reason = self.reason, "audit rows lost");
    }
}
