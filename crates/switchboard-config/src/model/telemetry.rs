//! Observability settings as the runtime sees them: audit, redaction, health checks and
//! objectives.

use super::OperationRef;
use crate::secret::Secret;
use indexmap::IndexMap;
use std::time::Duration;

/// The `telemetry` section, with defaults applied.
#[derive(Debug, Clone, Default)]
pub struct TelemetrySettings {
    /// The log line format, when the project sets one.
    pub log_format: Option<LogFormat>,
    /// The audit trail.
    pub audit: AuditSettings,
    /// Extra redaction rules.
    pub redact: RedactSettings,
    /// Health checks and objectives by connector.
    pub connectors: IndexMap<String, ConnectorTelemetry>,
}

/// A log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The audit trail.
#[derive(Debug, Clone)]
pub struct AuditSettings {
    /// Whether rows are written.
    pub enabled: bool,
    /// How long rows are kept.
    pub retention: Duration,
    /// The pseudonym key; `None`: the data directory's key file.
    pub pseudonym_key: Option<Secret>,
    /// Rows that may wait for the writer.
    pub queue: usize,
}

/// Default audit retention: 30 days.
pub const DEFAULT_AUDIT_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            enabled: true,
            retention: DEFAULT_AUDIT_RETENTION,
            pseudonym_key: None,
            queue: 10_000,
        }
    }
}

/// Extra redaction rules (the built-in patterns always apply).
#[derive(Debug, Clone, Default)]
pub struct RedactSettings {
    /// Keys whose values are hidden.
    pub keys: Vec<String>,
    /// JSONPath expressions, checked at load time.
    pub json_paths: Vec<String>,
}

/// One connector's health check and objectives.
#[derive(Debug, Clone, Default)]
pub struct ConnectorTelemetry {
    /// The periodic check.
    pub health_check: Option<HealthCheck>,
    /// The objectives.
    pub objectives: Objectives,
}

/// A periodic call.
#[derive(Debug, Clone)]
pub struct HealthCheck {
    /// The operation.
    pub operation: OperationRef,
    /// Time between checks.
    pub every: Duration,
}

/// Service level objectives.
#[derive(Debug, Clone, Default)]
pub struct Objectives {
    /// The share of calls that must succeed, as a fraction (0.995).
    pub availability: Option<f64>,
    /// The p95 latency bound.
    pub p95_latency: Option<Duration>,
}
