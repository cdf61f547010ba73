//! The health board: each connector's health-check results and which objective alerts are
//! raised, kept beside the metrics so the dashboard can read them. The checks and the
//! objective evaluator that fill it call the pipeline, so they live a floor above it
//! (`crate::health`).

use super::{Telemetry, name_label};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;

/// Metric names of this module.
pub mod names {
    #![allow(missing_docs)]
    pub const UP: &str = "switchboard_health_check_up";
    pub const CHECKS: &str = "switchboard_health_checks_total";
    pub const BURN: &str = "switchboard_slo_burn_rate";
    pub const P95: &str = "switchboard_slo_p95_latency_seconds";
    pub const ALERTS: &str = "switchboard_slo_alerts_total";
}

/// One connector's health as the dashboard shows it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ConnectorHealth {
    /// Checks made.
    pub checks: u64,
    /// Checks that passed.
    pub up: u64,
    /// Whether the last check passed.
    pub last_up: Option<bool>,
    /// When the last check ran.
    pub last_at: Option<DateTime<Utc>>,
}

impl ConnectorHealth {
    /// Passed checks over all checks, when there were any.
    pub fn uptime(&self) -> Option<f64> {
        #[allow(clippy::cast_precision_loss)]
        (self.checks > 0).then(|| self.up as f64 / self.checks as f64)
    }
}

/// Health and objective state of every connector.
#[derive(Debug, Default)]
pub struct HealthBoard {
    health: Mutex<HashMap<String, ConnectorHealth>>,
    alerting: Mutex<HashMap<(String, &'static str), bool>>,
}

impl HealthBoard {
    /// A connector's health, when it has a check.
    pub fn get(&self, connector: &str) -> Option<ConnectorHealth> {
        self.health
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(connector)
            .cloned()
    }

    pub(crate) fn note(&self, t: &Telemetry, connector: &str, up: bool) {
        let mut h = self.health.lock().unwrap_or_else(|e| e.into_inner());
        let e = h.entry(connector.to_string()).or_default();
        e.checks += 1;
        e.up += u64::from(up);
        e.last_up = Some(up);
        e.last_at = Some(Utc::now());
        drop(h);
        t.gauge(names::UP, vec![name_label("connector", connector)])
            .set(if up { 1.0 } else { 0.0 });
        t.counter(
            names::CHECKS,
            vec![
                name_label("connector", connector),
                super::label("result", if up { "up" } else { "down" }),
            ],
        )
        .increment(1);
    }

    /// Flips an alert's state; returns true when it changed.
    pub(crate) fn flip(&self, connector: &str, which: &'static str, on: bool) -> bool {
        let mut a = self.alerting.lock().unwrap_or_else(|e| e.into_inner());
        let was = a
            .insert((connector.to_string(), which), on)
            .unwrap_or(false);
        was != on
    }
}
