//! The `telemetry` section: the audit trail, the redaction policy, and per-connector health
//! checks and service level objectives.

use super::common::{RawDuration, SecretDoc, Spanned};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

/// Observability: the audit trail, redaction, upstream health checks and objectives. Main
/// file only. Metrics (`GET /metrics`) and the dashboard need no settings.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Telemetry")]
pub struct RawTelemetry {
    /// How log lines are written on stderr: `text` or `json` (one JSON object per line).
    /// `--log-format` or `SWITCHBOARD_LOG_FORMAT` override it. Default: `text`.
    pub log_format: Option<Spanned<RawLogFormat>>,
    /// The audit trail: a row for every upstream attempt. Default: on, kept 30 days.
    pub audit: Option<Spanned<RawAudit>>,
    /// What is hidden from logs, audit rows and admin views beyond the built-in patterns
    /// (emails, phone numbers, card numbers, tokens). Default: the built-in patterns only.
    pub redact: Option<Spanned<RawRedact>>,
    /// Health checks and objectives per connector, by connector name. Default: none.
    #[serde(default)]
    pub connectors: IndexMap<Spanned<String>, RawConnectorTelemetry>,
}

/// A log line format.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "LogFormat")]
pub enum RawLogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The audit trail.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Audit")]
pub struct RawAudit {
    /// Whether rows are written. Default: `true`.
    pub enabled: Option<Spanned<bool>>,
    /// How long rows are kept; older rows are purged every hour. Units up to `d` (days).
    /// Default: `30d`.
    pub retention: Option<Spanned<RawDuration>>,
    /// The key of the keyed hash (HMAC-SHA256) that turns user ids into pseudonyms, as a
    /// reference (`${env:NAME}` or `${file:PATH}`). Default: a random key generated once in
    /// the data directory (`audit-pseudonym.key`); keep that file to keep pseudonyms stable.
    #[schemars(with = "Option<SecretDoc>")]
    pub pseudonym_key: Option<Spanned<String>>,
    /// Rows that may wait for the writer; when the queue is full new rows are dropped and
    /// counted (`switchboard_audit_rows_dropped_total`), never making users wait.
    /// Default: `10000`.
    pub queue: Option<Spanned<u32>>,
}

/// Extra redaction rules.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Redact")]
pub struct RawRedact {
    /// Keys whose values are always hidden: in JSON (compared without case, `-` or `_`, so
    /// `national_id` also hides `nationalId`) and in text such as log lines
    /// (`national_id=…`, `"national_id": "…"`). Default: none beyond the built-in
    /// `password`, `secret`, `token`, `authorization`, `api_key`, `card_number`, `cvv`,
    /// `email`, `phone` and the like.
    #[serde(default)]
    pub keys: Vec<Spanned<String>>,
    /// JSONPath expressions (RFC 9535) whose matches are hidden in JSON kept or shown, such
    /// as the upstream error bodies audit rows keep: `$.customer.address`. Default: none.
    #[serde(default)]
    pub json_paths: Vec<Spanned<String>>,
}

/// One connector's health check and objectives.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ConnectorTelemetry")]
pub struct RawConnectorTelemetry {
    /// An operation of the connector called on a timer to measure uptime. Default: none.
    pub health_check: Option<Spanned<RawHealthCheck>>,
    /// Service level objectives; a fast burn of the error budget or a slow p95 raises an
    /// alert through the connector's `policy.alerts` operation. Default: none.
    pub objectives: Option<Spanned<RawObjectives>>,
}

/// A periodic call that tells whether an upstream is up.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "HealthCheck")]
pub struct RawHealthCheck {
    /// The operation to call, one of this connector's, with no required inputs. Required.
    pub operation: Spanned<String>,
    /// Time between checks. Default: `30s`.
    pub every: Option<Spanned<RawDuration>>,
}

/// Service level objectives of a connector, judged over the last hour of calls.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Objectives")]
pub struct RawObjectives {
    /// The share of calls that must not fail through the upstream's fault (unavailable,
    /// timeout, invalid response, rate limited), in percent, such as `99.5`. An alert fires
    /// when the error budget burns 14.4 times too fast over both the last hour and the last
    /// 5 minutes. Default: none.
    pub availability: Option<Spanned<f64>>,
    /// The 95th percentile latency calls must stay under, over the last hour (once 20 calls
    /// were made). Default: none.
    pub p95_latency: Option<Spanned<RawDuration>>,
}
