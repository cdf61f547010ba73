//! Interpretation: the last answer of a call's attempts (or why none came) turned into its
//! [`CallRecord`]: the outcome class, the `Retry-After` wait, the schema check and the
//! extracted values.

use super::response::{self, CompiledResponse};
use super::transport::{RawResponse, TransportError};
use super::{CallRecord, classify};
use serde_json::Value;
use std::time::SystemTime;
use switchboard_config::model::OutcomeKind;
use tokio::time::Instant;

/// What an operation's answer body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Speaks {
    /// JSON (or nothing).
    Rest,
    /// A JSON-RPC answer from a remote MCP tool, to unwrap.
    Mcp,
    /// A chat completion, or an event stream of its chunks to fold.
    Chat,
}

impl Speaks {
    pub(super) fn of(op: &switchboard_config::model::Operation) -> Speaks {
        if op.mcp_tool.is_some() {
            Speaks::Mcp
        } else if op.chat_completions {
            Speaks::Chat
        } else {
            Speaks::Rest
        }
    }
}

/// The record of a call from its last attempt's result, its body read as the operation
/// `speaks`; `deadline` decides whether a `Retry-After` wait could still be honoured. The
/// result is borrowed: the caller still reads the answer's headers (API change warnings).
pub(super) fn interpret(
    operation: String,
    result: &Result<RawResponse, TransportError>,
    compiled: &CompiledResponse,
    speaks: Speaks,
    deadline: Instant,
) -> CallRecord {
    let mut record = CallRecord {
        operation,
        outcome: OutcomeKind::Ok,
        status: None,
        latency_ms: 0.0,
        attempts: 0,
        cached: false,
        stale: false,
        reason: None,
        data: Value::Null,
        body: None,
        error: None,
        retry_after_ms: None,
    };
    let raw = match result {
        Ok(raw) => raw,
        Err(e) => {
            record.outcome = match e {
                TransportError::Timeout(_) => OutcomeKind::Timeout,
                TransportError::Connection(_) => OutcomeKind::Unavailable,
                TransportError::TooLarge(_) => OutcomeKind::InvalidResponse,
                TransportError::CircuitOpen(_) => {
                    record.reason = Some("circuit_open");
                    OutcomeKind::Unavailable
                }
                TransportError::RateLimited(_) => {
                    record.reason = Some("rate_limit_queue");
                    OutcomeKind::RateLimited
                }
                TransportError::Auth(_) => {
                    record.reason = Some("auth_failed");
                    OutcomeKind::Unavailable
                }
                TransportError::Account(reason) => {
                    record.reason = Some(*reason);
                    OutcomeKind::Unauthorized
                }
                TransportError::Held { status, remaining } => {
                    record.reason = Some("retry_after_hold");
                    record.retry_after_ms =
                        Some(u64::try_from(remaining.as_millis()).unwrap_or(u64::MAX));
                    classify::status(*status)
                }
            };
            record.error = Some(e.to_string());
            return record;
        }
    };
    record.status = Some(raw.status);
    record.outcome = classify::status(raw.status);
    if matches!(raw.status, 429 | 503)
        && let Some(wait) = raw
            .headers
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| classify::retry_after(v, SystemTime::now()))
    {
        record.retry_after_ms = Some(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX));
        // A wait that does not fit what is left of the deadline cannot be honoured. The
        // status keeps its class (a 503 is `unavailable`, a 429 `rate_limited`); the wait is
        // a detail.
        if Instant::now() + wait >= deadline {
            record.reason = Some("retry_after_too_long");
        }
    }
    let content_type = raw
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let parsed = if speaks == Speaks::Chat && record.outcome == OutcomeKind::Ok {
        super::chat::completion(&raw.body, content_type)
    } else if speaks == Speaks::Mcp && record.outcome == OutcomeKind::Ok {
        match super::mcp::result(&raw.body, content_type) {
            Ok(v) => Ok(v),
            Err(f) => {
                record.outcome = f.outcome;
                record.error = Some(f.error);
                record.body = f.body;
                return record;
            }
        }
    } else {
        response::parse_json(&raw.body)
    };
    match (&record.outcome, parsed) {
        (OutcomeKind::Ok, Ok(body)) => match compiled.check(&body) {
            Ok(()) => {
                record.data = compiled.extract(&body);
                record.body = Some(body);
            }
            Err(reason) => {
                record.outcome = OutcomeKind::InvalidResponse;
                record.error = Some(reason);
                record.body = Some(body);
            }
        },
        (OutcomeKind::Ok, Err(reason)) => {
            record.outcome = OutcomeKind::InvalidResponse;
            record.error = Some(reason);
        }
        (outcome, parsed) => {
            record.error = Some(format!("upstream answered {} ({outcome})", raw.status));
            record.body = parsed.ok();
        }
    }
    record
}
