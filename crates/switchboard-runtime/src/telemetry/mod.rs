//! Telemetry: every metric and log event Switchboard emits is a named type with an `emit()`,
//! defined once here, so `docs/telemetry.md` can list them all and labels stay bounded.
//!
//! Metrics go to a Prometheus recorder owned by this [`Telemetry`] value (not the process-wide
//! `metrics` recorder), so several servers in one process (tests) each count their own calls;
//! `GET /metrics` renders it. Log events go through `tracing` with fixed targets.

pub mod catalog;
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
                metrics::Kind::Gauge => t.recorder.describe_gauge(name.into(), unit, help.into()),
                metrics::Kind::Histogram => {
                    t.recorder
                        .describe_histogram(name.into(), unit, help.into())
                }
            }
        }
        t
    }

    /// The Prometheus text exposition of every metric recorded so far.
    pub fn render(&self) -> String {
        self.handle.render()
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

/// Starts what runs beside the pipeline: the audit writer (when enabled) and the histogram
/// upkeep timer. Called once per application by [`crate::app::engine`].
pub async fn start(
    project: &switchboard_config::Project,
    pipeline: &std::sync::Arc<crate::pipeline::Pipeline>,
    data_dir: &std::path::Path,
) -> Result<(), crate::app::AppError> {
    let settings = &project.telemetry;
    let redactor = redact::Redactor::from_project(project);
    redact::install(redactor.clone());
    if settings.audit.enabled {
        let store = crate::storage::audit::open(&project.storage, data_dir).await?;
        let pseudonyms = pseudonym::Pseudonymizer::from_config_or_dir(
            settings.audit.pseudonym_key.as_ref().map(|k| k.expose()),
            data_dir,
        )?;
        let sink = crate::storage::audit::writer::AuditSink::spawn(
            store,
            pipeline.telemetry().clone(),
            settings.audit.queue,
            Some(settings.audit.retention),
        );
        pipeline.enable_audit(crate::pipeline::observe::AuditHooks {
            sink,
            pseudonyms,
            redactor: std::sync::Arc::new(redactor),
        });
    }
    let weak = std::sync::Arc::downgrade(pipeline);
    for c in settings.connectors.values() {
        if let Some(check) = &c.health_check {
            health::spawn_check(weak.clone(), check.clone());
        }
    }
    if settings
        .connectors
        .values()
        .any(|c| c.objectives.availability.is_some() || c.objectives.p95_latency.is_some())
    {
        health::spawn_objectives(weak.clone());
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(UPKEEP_EVERY);
        loop {
            tick.tick().await;
            let Some(p) = weak.upgrade() else { break };
            p.telemetry().upkeep();
        }
    });
    Ok(())
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
