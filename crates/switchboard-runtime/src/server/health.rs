//! Liveness and readiness.

use crate::engine::Engine;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

/// The process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is up", body = Object)))]
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can take turns: its store answers. With shared state, a Redis that does not
/// answer makes it degraded: still ready (200) while every feature has a stand-in
/// (`when_down` `local` or `fail_open`), not ready (503) when turns wait for it
/// (`turn_lock: fail_closed`), so a load balancer keeps sending what can be answered.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready (`status: ready`), or degraded with its stand-ins (`status: degraded`)", body = Object),
        (status = 503, description = "Not ready, with the reason", body = Object),
    ))]
pub async fn readyz(State(engine): State<Arc<Engine>>) -> (StatusCode, Json<Value>) {
    if let Err(e) = engine.store().ping().await {
        tracing::warn!(target: "switchboard::http", error = %e, "not ready");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "checks": { "storage": "unavailable" } })),
        );
    }
    let Some(shared) = engine.pipeline().shared() else {
        return (StatusCode::OK, Json(json!({ "status": "ready" })));
    };
    let degraded = shared.degraded();
    if degraded.is_empty() {
        return (
            StatusCode::OK,
            Json(json!({ "status": "ready", "checks": { "storage": "ok", "shared_state": "ok" } })),
        );
    }
    let modes: serde_json::Map<String, Value> = degraded
        .iter()
        .map(|(feature, mode)| (feature.as_str().to_string(), Value::from(mode.as_str())))
        .collect();
    let closed = degraded.iter().any(|(f, m)| {
        *f == crate::shared::Feature::TurnLock
            && *m == switchboard_config::model::DownMode::FailClosed
    });
    (
        if closed {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        },
        Json(json!({
            "status": if closed { "unavailable" } else { "degraded" },
            "checks": { "storage": "ok", "shared_state": "unavailable" },
            "when_down": modes,
        })),
    )
}
