//! The classified result of an upstream call, shared by the pipeline and the intents' `on_error`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What happened to an operation call, in words a reply template can branch on.
///
/// Upstream failures are outcomes, not errors of ours: each intent decides what to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// A 2xx response that parsed and passed its schema.
    Ok,
    /// 404 or 410.
    NotFound,
    /// 400 or 422: the upstream refused the request as malformed.
    BadRequest,
    /// 401.
    Unauthorized,
    /// 403.
    Forbidden,
    /// 409.
    Conflict,
    /// 429, with any `Retry-After`.
    RateLimited,
    /// 5xx, a refused or reset connection, or an open circuit.
    Unavailable,
    /// No complete answer within the time allowed.
    Timeout,
    /// Not JSON, too large, not UTF-8, or breaking the response schema.
    InvalidResponse,
}

impl OutcomeKind {
    /// Every outcome, in a stable order (for docs and "did you mean" hints).
    pub const ALL: [OutcomeKind; 10] = [
        OutcomeKind::Ok,
        OutcomeKind::NotFound,
        OutcomeKind::BadRequest,
        OutcomeKind::Unauthorized,
        OutcomeKind::Forbidden,
        OutcomeKind::Conflict,
        OutcomeKind::RateLimited,
        OutcomeKind::Unavailable,
        OutcomeKind::Timeout,
        OutcomeKind::InvalidResponse,
    ];

    /// The snake_case name used in project files, JSON and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Ok => "ok",
            OutcomeKind::NotFound => "not_found",
            OutcomeKind::BadRequest => "bad_request",
            OutcomeKind::Unauthorized => "unauthorized",
            OutcomeKind::Forbidden => "forbidden",
            OutcomeKind::Conflict => "conflict",
            OutcomeKind::RateLimited => "rate_limited",
            OutcomeKind::Unavailable => "unavailable",
            OutcomeKind::Timeout => "timeout",
            OutcomeKind::InvalidResponse => "invalid_response",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<OutcomeKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for OutcomeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
