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

/// The process can take turns: its store answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready: the store answers", body = Object),
        (status = 503, description = "Not ready, with the reason", body = Object),
    ))]
pub async fn readyz(State(engine): State<Arc<Engine>>) -> (StatusCode, Json<Value>) {
    match engine.store().ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(e) => {
            tracing::warn!(target: "switchboard::http", error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "checks": { "storage": "unavailable" } })),
            )
        }
    }
}
