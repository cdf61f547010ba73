//! Upstream health and objectives: a connector's health check runs on a timer and gives its
//! uptime; its objectives (availability, p95 latency) are judged over the last hour of calls,
//! and a fast error-budget burn or a slow p95 raises one alert (and one recovery notice)
//! through the connector's alert operation. Both call the pipeline, so they sit above it; what
//! they find goes to the telemetry's health board (`telemetry::health`), which the dashboard
//! reads.

use crate::pipeline::observe::is_failure;
use crate::pipeline::{CallContext, Pipeline};
use crate::telemetry::health::names;
use crate::telemetry::{label, name_label};
use chrono::Utc;
use serde_json::Map;
use std::sync::{Arc, Weak};
use std::time::Duration;
use switchboard_config::model::{HealthCheck, Objectives, OutcomeKind};

/// Burn rate that pages: the whole month's error budget gone in about two days (the usual
/// fast-burn threshold for a 1 h window checked against a 5 min one).
pub const FAST_BURN: f64 = 14.4;
/// Calls needed in the last hour before objectives are judged.
const MIN_CALLS: usize = 10;
/// Calls needed before the p95 is judged.
const MIN_CALLS_P95: usize = 20;
/// How often objectives are evaluated.
pub const EVALUATE_EVERY: Duration = Duration::from_secs(15);

/// Starts the health checks and the objective evaluator the project configures; they run until
/// the pipeline is dropped.
pub fn start(pipeline: &Arc<Pipeline>) {
    let settings = &pipeline.project().telemetry;
    let weak = Arc::downgrade(pipeline);
    for c in settings.connectors.values() {
        if let Some(check) = &c.health_check {
            spawn_check(weak.clone(), check.clone());
        }
    }
    if settings
        .connectors
        .values()
        .any(|c| c.objectives.availability.is_some() || c.objectives.p95_latency.is_some())
    {
        spawn_objectives(weak);
    }
}

/// Runs one health check now.
pub async fn check_once(pipeline: &Pipeline, check: &HealthCheck) -> bool {
    let ctx = CallContext::with_budget(check.every.min(Duration::from_secs(10)));
    let up = matches!(
        pipeline.call_fresh(&check.operation, &Map::new(), &ctx).await,
        Ok(r) if r.outcome == OutcomeKind::Ok
    );
    pipeline
        .telemetry()
        .health
        .note(pipeline.telemetry(), &check.operation.connector, up);
    up
}

/// Runs a connector's health check every `every` (the first one `every` after start, so a
/// starting server does not probe before it serves) until the pipeline is dropped.
pub fn spawn_check(pipeline: Weak<Pipeline>, check: HealthCheck) {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + check.every;
        let mut tick = tokio::time::interval_at(start, check.every);
        loop {
            tick.tick().await;
            let Some(p) = pipeline.upgrade() else { break };
            check_once(&p, &check).await;
        }
    });
}

/// Evaluates every connector's objectives every [`EVALUATE_EVERY`] until the pipeline is dropped.
pub fn spawn_objectives(pipeline: Weak<Pipeline>) {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + EVALUATE_EVERY;
        let mut tick = tokio::time::interval_at(start, EVALUATE_EVERY);
        loop {
            tick.tick().await;
            let Some(p) = pipeline.upgrade() else { break };
            evaluate(&p);
        }
    });
}

/// Judges each connector's objectives over its recent calls, sets the SLO gauges, and sends
/// an alert when an objective starts or stops being missed.
pub fn evaluate(pipeline: &Arc<Pipeline>) {
    let project = pipeline.project().clone();
    for (connector, settings) in &project.telemetry.connectors {
        evaluate_one(pipeline, connector, &settings.objectives);
    }
}

fn evaluate_one(pipeline: &Pipeline, connector: &str, o: &Objectives) {
    let t = pipeline.telemetry();
    let calls = pipeline.recent().calls(connector);
    let five = Utc::now() - chrono::Duration::minutes(5);
    if let Some(target) = o.availability {
        let budget = (1.0 - target).max(1e-9);
        let rate = |c: &mut dyn Iterator<Item = &crate::pipeline::observe::RecentCall>| {
            let (n, bad) = c.fold((0usize, 0usize), |(n, bad), call| {
                (n + 1, bad + usize::from(is_failure(call.outcome)))
            });
            #[allow(clippy::cast_precision_loss)]
            let r = if n == 0 {
                0.0
            } else {
                bad as f64 / n as f64 / budget
            };
            (n, r)
        };
        let (n_hour, hour) = rate(&mut calls.iter());
        let (_, short) = rate(&mut calls.iter().filter(|c| c.at >= five));
        for (window, v) in [("1h", hour), ("5m", short)] {
            t.gauge(
                names::BURN,
                vec![name_label("connector", connector), label("window", window)],
            )
            .set(v);
        }
        let burning = n_hour >= MIN_CALLS && hour >= FAST_BURN && short >= FAST_BURN;
        if pipeline
            .telemetry()
            .health
            .flip(connector, "availability", burning)
        {
            let text = if burning {
                format!(
                    "Switchboard: connector \"{connector}\" is burning its error budget {hour:.1}x too fast (availability objective {:.2}%).",
                    target * 100.0
                )
            } else {
                format!(
                    "Switchboard: connector \"{connector}\" is within its availability objective again."
                )
            };
            slo_alert(pipeline, connector, "availability", burning, text);
        }
    }
    if let Some(bound) = o.p95_latency {
        let mut lat: Vec<f64> = calls.iter().map(|c| c.latency_ms).collect();
        if lat.len() >= MIN_CALLS_P95 {
            lat.sort_by(f64::total_cmp);
            let idx = ((lat.len() as f64) * 0.95).ceil() as usize;
            let p95 = lat[idx.saturating_sub(1).min(lat.len() - 1)];
            t.gauge(names::P95, vec![name_label("connector", connector)])
                .set(p95 / 1000.0);
            let slow = p95 > bound.as_secs_f64() * 1000.0;
            if pipeline
                .telemetry()
                .health
                .flip(connector, "p95_latency", slow)
            {
                let text = if slow {
                    format!(
                        "Switchboard: connector \"{connector}\" is slow: p95 {p95:.0} ms over the last hour (objective {} ms).",
                        bound.as_millis()
                    )
                } else {
                    format!(
                        "Switchboard: connector \"{connector}\" is within its latency objective again."
                    )
                };
                slo_alert(pipeline, connector, "p95_latency", slow, text);
            }
        }
    }
}

fn slo_alert(
    pipeline: &Pipeline,
    connector: &str,
    objective: &'static str,
    missed: bool,
    text: String,
) {
    let state = if missed { "slo_missed" } else { "slo_met" };
    pipeline
        .telemetry()
        .counter(
            names::ALERTS,
            vec![
                name_label("connector", connector),
                label("objective", objective),
                label("state", state),
            ],
        )
        .increment(1);
    tracing::warn!(target: "switchboard::alert", connector, objective, state, "service level objective");
    pipeline.alert(connector, text, state);
}
