//! What a call gives back and what it is given: the refusal before sending ([`CallError`]),
//! the record of every upstream result ([`CallRecord`]) and the caller's facts
//! ([`CallContext`]).

use crate::template::TemplateError;
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;
use switchboard_config::model::OutcomeKind;
use tokio::time::Instant;

/// Why a call was refused before anything was sent. Upstream failures are not errors: they
/// are outcomes in a [`CallRecord`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    /// No such `connector.operation`.
    #[error("unknown operation {0}")]
    UnknownOperation(String),
    /// An argument names no input of the operation.
    #[error("operation {operation} has no input \"{input}\"{hint}")]
    UnknownInput {
        /// The operation.
        operation: String,
        /// The argument's name.
        input: String,
        /// A "did you mean" hint, possibly empty.
        hint: String,
    },
    /// A required input was not given.
    #[error("input \"{0}\" is required")]
    MissingInput(String),
    /// A value failed its input's checks, or cannot be placed safely in the request.
    #[error("input \"{input}\" {reason}")]
    InvalidInput {
        /// The input.
        input: String,
        /// What is wrong, safe to show a user.
        reason: String,
    },
    /// The request could not be built (a template failed).
    #[error("could not build the request: {0}")]
    Build(String),
}

impl CallError {
    pub(crate) fn invalid(input: &str, reason: String) -> CallError {
        CallError::InvalidInput {
            input: input.to_string(),
            reason,
        }
    }
}

impl From<TemplateError> for CallError {
    fn from(e: TemplateError) -> Self {
        CallError::Build(e.to_string())
    }
}

/// The record of one operation call: what the user-facing side and the audit need.
#[derive(Debug, Clone, Serialize)]
pub struct CallRecord {
    /// `connector.operation`.
    pub operation: String,
    /// The classified outcome.
    pub outcome: OutcomeKind,
    /// The HTTP status of the last attempt, when one arrived.
    pub status: Option<u16>,
    /// Time from the first attempt to the result, in milliseconds (microseconds are the last
    /// digits shown: JSON has it to three decimals).
    #[serde(serialize_with = "three_decimals")]
    pub latency_ms: f64,
    /// Attempts made.
    pub attempts: u32,
    /// Whether the result came from the cache.
    pub cached: bool,
    /// Whether the cached result is past its `ttl`, served because the upstream failed.
    pub stale: bool,
    /// A machine-readable reason for some failures: `circuit_open` (nothing was sent),
    /// `rate_limit_queue` (no room within `max_wait`; nothing was sent),
    /// `retry_after_too_long` (the upstream asked for a wait past the deadline; the outcome
    /// stays its status's: `rate_limited` for 429, `unavailable` for 503),
    /// `retry_after_hold` (an earlier 429 or 503 `Retry-After` still holds the upstream back;
    /// nothing was sent),
    /// `auth_failed` (no credentials could be obtained, such as a token endpoint failing;
    /// nothing was sent), `not_connected` / `needs_reconsent` (the user has no usable
    /// connected account; nothing was sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// The extracted values (or the whole body without an `extract` map); null unless ok.
    pub data: Value,
    /// The parsed body of the last response (JSON, when it was JSON), for `--raw`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// What went wrong, in words safe to log (no secrets, no user data); null when ok.
    pub error: Option<String>,
    /// The upstream's `Retry-After`, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

/// Milliseconds to three decimals (microseconds): finer digits are noise, not precision.
fn three_decimals<S: serde::Serializer>(ms: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((ms * 1000.0).round() / 1000.0)
}

impl CallRecord {
    /// Whether the outcome is ok.
    pub fn is_ok(&self) -> bool {
        self.outcome == OutcomeKind::Ok
    }
}

/// Per-call facts from the caller.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// The call, all its attempts included, ends by this instant.
    pub deadline: Instant,
    /// The user on whose behalf the call is made, if any.
    pub user_id: Option<String>,
    /// Whether `user_id` is only a claim nobody authenticated (a platform whose
    /// `trust_user_ids` is off): such a call may not use that user's own credentials
    /// (connected accounts, JWTs minted from `user.id`) nor their per-user cache entries.
    pub untrusted_user: bool,
    /// The W3C trace id (32 hex digits) the call belongs to, such as its chat turn's; `None`
    /// starts a trace per call.
    pub trace_id: Option<String>,
    /// Where a successful answer's body is handed while it arrives, chunk by chunk (a
    /// language model's words streamed to the user); every call still gets its whole record.
    pub tap: Option<Tap>,
}

/// Where a call hands its answer's body while it arrives.
pub type Tap = tokio::sync::mpsc::UnboundedSender<Tapped>;

/// What a [`Tap`] receives.
#[derive(Debug, Clone)]
pub enum Tapped {
    /// A successful answer starts: anything an earlier attempt handed over is void.
    Start,
    /// The next bytes of its body.
    Chunk(bytes::Bytes),
}

impl CallContext {
    /// A context with a deadline `budget` from now.
    pub fn with_budget(budget: Duration) -> CallContext {
        CallContext {
            deadline: Instant::now() + budget,
            user_id: None,
            untrusted_user: false,
            trace_id: None,
            tap: None,
        }
    }

    /// The user a per-user cache entry belongs to: an untrusted claim of a user id never
    /// shares entries with that user's authenticated calls (user ids hold no control
    /// characters, so the prefix cannot be forged).
    pub(super) fn cache_user(&self) -> Option<std::borrow::Cow<'_, str>> {
        let user = self.user_id.as_deref()?;
        Some(if self.untrusted_user {
            std::borrow::Cow::Owned(format!("\u{1}untrusted\u{1}{user}"))
        } else {
            std::borrow::Cow::Borrowed(user)
        })
    }
}
