//! The audit trail's store: append-only rows, one per upstream attempt (or cache answer) and
//! per webhook, read back by time range and purged past their retention. One implementation
//! (`store.rs`) over SQLite and PostgreSQL, on the conversations' database (migration 0201);
//! one test suite runs on both. Rows reach it through the batching [`writer::AuditSink`], never from
//! the request path directly.

mod store;
pub mod writer;

pub use store::SqlAuditStore;

use super::StoreError;
use chrono::{DateTime, SecondsFormat, Utc};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;
use switchboard_config::model::StorageSettings;

/// What an audit row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// An attempt sent to an upstream API (or a call the cache answered, `attempt` 0).
    Upstream,
    /// An inbound webhook.
    Webhook,
    /// A tool call from an LLM agent (its operations' attempts have rows of their own).
    Tool,
    /// What a chat turn sent a language model: a digest and a size, never the text (the
    /// request's attempts have rows of their own).
    Model,
}

impl AuditKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::Upstream => "upstream",
            AuditKind::Webhook => "webhook",
            AuditKind::Tool => "tool",
            AuditKind::Model => "model",
        }
    }

    fn parse(s: &str) -> AuditKind {
        match s {
            "webhook" => AuditKind::Webhook,
            "tool" => AuditKind::Tool,
            "model" => AuditKind::Model,
            _ => AuditKind::Upstream,
        }
    }
}

/// One audit row. Nothing here is a raw user value: the user is a keyed hash, the path is the
/// operation's template, and `detail` has been through the redaction policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    /// The row's id in the store (0 before it is written); increases with insertion.
    pub id: i64,
    /// When the attempt ended (or the webhook arrived).
    pub at: DateTime<Utc>,
    /// What kind of event.
    pub kind: AuditKind,
    /// The pseudonymous user id (HMAC-SHA256 of the user id), when a user was involved.
    pub user: Option<String>,
    /// The connector (for a webhook: its configured name).
    pub connector: String,
    /// The operation (for a webhook: its event type, bounded by configuration).
    pub operation: String,
    /// The HTTP method.
    pub method: String,
    /// The path template, such as `/orders/{order_id}` (never the values).
    pub path: String,
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The outcome: an `OutcomeKind` name, or a webhook event's result.
    pub outcome: String,
    /// Milliseconds this attempt took.
    pub latency_ms: f64,
    /// Which attempt of the call, from 1 (0: answered by the cache or refused before sending).
    pub attempt: u32,
    /// Whether the cache answered.
    pub cached: bool,
    /// The W3C trace id sent upstream.
    pub trace_id: Option<String>,
    /// Why it failed, redacted.
    pub detail: Option<String>,
}

impl AuditRow {
    /// `at` as stored: RFC 3339 UTC with microseconds, so text order is time order.
    pub(crate) fn at_text(&self) -> String {
        self.at.to_rfc3339_opts(SecondsFormat::Micros, true)
    }
}

/// Which rows to read: `since <= at < until`, after the row `after` (a cursor), oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    /// Rows at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Rows before this time.
    pub until: Option<DateTime<Utc>>,
    /// Rows with an id greater than this.
    pub after: i64,
    /// At most this many rows.
    pub limit: u32,
}

impl Default for AuditQuery {
    fn default() -> Self {
        AuditQuery {
            since: None,
            until: None,
            after: 0,
            limit: 100,
        }
    }
}

/// The start of the multi-row insert both stores build (the values follow).
pub(super) const INSERT: &str = "INSERT INTO audit (at, kind, user_pseudonym, connector, \
     operation, method, path, status, outcome, latency_ms, attempt, cached, trace_id, detail) ";

/// Rows per insert statement: 64 rows of 14 values stay far below both databases' limit on
/// bound parameters.
pub(super) const ROWS_PER_STATEMENT: usize = 64;

/// Where audit rows live.
pub trait AuditStore: Send + Sync + 'static {
    /// Appends rows (in one transaction).
    fn append<'a>(&'a self, rows: &'a [AuditRow]) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Reads rows, oldest first.
    fn query<'a>(&'a self, q: &'a AuditQuery) -> BoxFuture<'a, Result<Vec<AuditRow>, StoreError>>;

    /// Deletes rows older than `before`; returns how many.
    fn purge(&self, before: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>>;
}

/// Opens the audit store on the project's database (the same file or database as the
/// conversations; migrations bring both up to date).
pub async fn open(
    settings: &StorageSettings,
    data_dir: &Path,
) -> Result<Arc<dyn AuditStore>, StoreError> {
    Ok(Arc::new(SqlAuditStore::open(settings, data_dir).await?))
}

fn parse_at(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Unavailable(format!("audit: bad time {text:?}: {e}")))
}
