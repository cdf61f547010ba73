//! `GET /metrics`: the Prometheus text exposition of this application's metrics. It holds
//! counts and names from the project only (no user data), so like `/healthz` it is not behind
//! admin auth; put it behind the network's own controls if the project names are sensitive.

use crate::engine::Engine;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::sync::Arc;

/// Renders every metric.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain", body = String)))]
pub async fn metrics(State(engine): State<Arc<Engine>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        engine.pipeline().render_metrics(),
    )
}
