//! Telemetry: every metric and log event Switchboard emits is a named type with an `emit()`,
//! defined once here, so `docs/telemetry.md` can list them all and labels stay bounded.
//!
//! Metrics go to a Prometheus recorder owned by this [`Telemetry`] value (not the process-wide
//! `metrics` recorder), so several servers in one process (tests) each count their own calls;
//! `GET /metrics` renders it. Log events go through `tracing` with fixed targets.
//!
//! # How it works
//!
//! Every metric and log event is a named type with an `emit()`: `telemetry/metrics.rs` (names,
//! kinds and help lines in `catalog.rs`, which docs/telemetry.md must match), `events.rs` (log lines), `webhook.rs`
//! (webhook life-cycle events), `health.rs` (the health board; the checks and objectives that
//! fill it are `crate::health`, above the pipeline).
//! Metrics go to a Prometheus recorder the application makes first and hands to the pipeline
//! (`Pipeline::telemetry`), not the process-wide one, so servers in one test process count apart; each operation's handles are
//! registered when the pipeline is built (`OpMetrics`), so a call bumps atomics only. Breaker
//! and limiter state is copied into gauges when `/metrics` renders. `connections.rs` counts the
//! accept loop's connections (by state, closing reason, accept errors; `server/conn.rs`) and the
//! event streams (`webhooks/hub.rs`): `server::serve` hands the pipeline's recorder to
//! `serve_with`, the hub takes it from the pipeline; `serve_with(.., None, ..)` (a bare router,
//! `serve_app`) counts nothing, so no recorder is global.
//!
//! ```text
//! Pipeline::call -> InFlight guard; observe_call: UpstreamCall.emit, Recent
//!                   (dashboard memory, recent.rs), audit row for a cache answer
//! Pipeline::send -> traceparent header (the turn's trace), per-attempt log
//!                   (AttemptLog in transport.rs); observe_send: api_changes
//!                   (Deprecation/Sunset, schema path), attempt_rows -> AuditSink,
//!                   the log line                                        pipeline/observe.rs
//! AuditSink (bounded mpsc, try_send) -> writer task -> AuditStore       storage/audit/writer.rs
//!   (batches of 256 per transaction, hourly retention purge; full queue drops and counts)
//! AuditStore: SQLite and PostgreSQL, table `audit` (migration 0201,      storage/audit/
//!   append-only trigger), on the conversation store's database
//! ```
//!
//! The binary's log writer (`crates/switchboard/src/logging.rs`) escapes control characters
//! (CR/LF, ESC, C1, bidi overrides) in every field and message of the text format, with its own
//! field visitor so the formatter's colour codes stay; JSON lines get the characters serde leaves
//! (DEL, C1, bidi) as `\uXXXX`; then every line is redacted.
//!
//! `app::build` makes the recorder, opens the audit store, loads or makes the pseudonym key
//! (`pseudonym.rs`, HMAC-SHA256) and hands both to the pipeline it builds; then it starts the
//! health checks and the objective evaluator (`crate::health`) and the histogram upkeep
//! ([`spawn_upkeep`]). Nothing here reaches up: this floor records, the floors above decide.
//! `redact.rs` is the one redaction policy (the project's loaded secret
//! values as literals, from `Project::secrets`, which the config crate fills wherever a
//! `${env:}`/`${file:}` reference resolves; built-in patterns; configured keys and JSONPaths)
//! owned by the instance (no process global): the binary's log writer holds the loaded
//! project's policy, the pipeline's audit hooks theirs; it is used for audit details (before they are queued), admin routes and
//! export. JSON is redacted as a `serde_json::Value` (strings inside it), and error body
//! excerpts are shortened inside the value, so a detail's JSON part always parses.
//! Server side: `server/metrics.rs` (`GET /metrics`), `server/admin.rs` (`admin_routes()` under
//! `/v1/admin/`: audit pages, dashboard data), `server/dashboard.rs` + `dashboard/index.html`.
//! Config: `telemetry:` (`raw/telemetry.rs` -> `compile/telemetry.rs` -> `model/telemetry.rs`).

pub mod catalog;
pub mod channel;
pub mod connections;
pub mod events;
pub mod health;
pub mod metrics;
pub mod pseudonym;
pub mod redact;
pub mod webhook;

use ::metrics::{Counter, Gauge, Histogram, Key, Label, Level, Metadata, Recorder, Unit};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use std::time::Duration;

/// Latency buckets, in seconds: fine below a second (most API calls), coarse up to the longest
/// turn deadlines, so p50, p95 and p99 can be derived with `histogram_quantile`.
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often histogram samples are folded into their buckets when nobody scrapes.
pub const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static META: Metadata<'static> =
    Metadata::new("switchboard::metrics", Level::INFO, Some(module_path!()));

/// One application's metrics recorder.
pub struct Telemetry {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    /// Health checks and objective alerts.
    pub health: health::HealthBoard,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telemetry").finish_non_exhaustive()
    }
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry::new()
    }
}

impl Telemetry {
    /// A fresh recorder with every metric described (so `/metrics` lists each one's help line
    /// as soon as it has a sample).
    pub fn new() -> Telemetry {
        let recorder = PrometheusBuilder::new()
            .set_buckets(LATENCY_BUCKETS)
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        let t = Telemetry {
            recorder,
            handle,
            health: health::HealthBoard::default(),
        };
        for d in metrics::DESCRIPTIONS {
            let (name, unit, help) = (d.name, d.unit, d.help);
            match d.kind {
                metrics::Kind::Counter => {
                    t.recorder.describe_counter(name.into(), unit, help.into())
                }
                metrics::Kind::Gauge | metrics::Kind::SecondsCounter => {
                    t.recorder.describe_gauge(name.into(), unit, help.into())
                }
                metrics::Kind::Histogram => {
                    t.recorder
                        .describe_histogram(name.into(), unit, help.into())
                }
            }
        }
        t.gauge(
            metrics::names::BUILD_INFO,
            vec![label("version", env!("CARGO_PKG_VERSION"))],
        )
        .set(1.0);
        t
    }

    /// The Prometheus text exposition of every metric recorded so far.
    pub fn render(&self) -> String {
        let mut text = self.handle.render();
        // Totals of seconds are recorded as gauges (see `Kind::SecondsCounter`): they are
        // counters to whoever scrapes them.
        for d in metrics::DESCRIPTIONS {
            if matches!(d.kind, metrics::Kind::SecondsCounter) {
                text = text.replace(
                    &format!("# TYPE {} gauge\n", d.name),
                    &format!("# TYPE {} counter\n", d.name),
                );
            }
        }
        text
    }

    /// Folds pending histogram samples into their buckets (call every [`UPKEEP_EVERY`]).
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }

    pub(crate) fn counter(&self, name: &'static str, labels: Vec<Label>) -> Counter {
        self.recorder
            .register_counter(&Key::from_parts(name, labels), &META)
    }

    pub(crate) fn gauge(&self, name: &'static str, labels: Vec<Label>) -> Gauge {
        self.recorder
            .register_gauge(&Key::from_parts(name, labels), &META)
    }

    pub(crate) fn histogram(&self, name: &'static str, labels: Vec<Label>) -> Histogram {
        self.recorder
            .register_histogram(&Key::from_parts(name, labels), &META)
    }
}

/// Folds histogram samples into their buckets every [`UPKEEP_EVERY`] until `telemetry` is
/// dropped (a recorder nobody scrapes would otherwise grow).
pub fn spawn_upkeep(telemetry: &std::sync::Arc<Telemetry>) {
    let weak = std::sync::Arc::downgrade(telemetry);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(UPKEEP_EVERY);
        loop {
            tick.tick().await;
            let Some(t) = weak.upgrade() else { break };
            t.upkeep();
        }
    });
}

/// A label whose value is one of ours (an enum's name).
pub(crate) fn label(key: &'static str, value: &'static str) -> Label {
    Label::from_static_parts(key, value)
}

/// A label whose value comes from the project file (connector, operation, intent names):
/// bounded by the project, never by users.
pub(crate) fn name_label(key: &'static str, value: &str) -> Label {
    Label::new(key, value.to_string())
}

/// Units used by the descriptions.
pub(crate) const SECONDS: Option<Unit> = Some(Unit::Seconds);
