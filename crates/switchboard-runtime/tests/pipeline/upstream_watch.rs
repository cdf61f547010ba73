//! Watching upstreams: Deprecation/Sunset headers raise a warning metric and one alert per
//! operation; schema failures are counted by JSON path without values; health checks give
//! uptime; a fast error-budget burn raises an objective alert. Against a small local API.

use crate::common;

use axum::Json;
use axum::Router;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;
use switchboard_config::model::OperationRef;
use switchboard_runtime::health;
use switchboard_runtime::pipeline::{CallContext, Pipeline};
use tokio::sync::mpsc;

const PROJECT: &str = r#"
connectors:
  api:
    base_url: BACKEND
    retry: { attempts: 1 }
    alerts: { call: hooks.notify, after: 100, within: 1m, every: 10m }
    operations:
      legacy: { path: /legacy }
      drift:
        path: /drift
        response:
          schema:
            type: object
            properties:
              items: { type: array, items: { type: object, properties: { price: { type: number } } } }
      flaky: { path: /flaky }
      refuse: { path: /refuse }
  hooks:
    base_url: BACKEND
    operations:
      notify:
        method: POST
        path: /hooks
        inputs: { text: string, state: string }
        body: { text: "{{ inputs.text }}", state: "{{ inputs.state }}" }
telemetry:
  redact: { keys: [national_id], json_paths: ["$.customer.address"] }
  connectors:
    api:
      health_check: { operation: legacy, every: 1h }
      objectives: { availability: 99, p95_latency: 10s }
"#;

/// The local API; alert bodies arrive on the returned channel.
async fn api() -> (std::net::SocketAddr, mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new()
        .route(
            "/api/v2/legacy",
            get(|| async {
                let mut h = HeaderMap::new();
                h.insert("deprecation", "@1767225600".parse().unwrap());
                h.insert("sunset", "Wed, 01 Jul 2026 00:00:00 GMT".parse().unwrap());
                (h, Json(json!({"id": 1})))
            }),
        )
        .route(
            "/api/v2/drift",
            get(|| async { Json(json!({"items": [{"price": 1}, {"price": "ana@example.com"}]})) }),
        )
        .route(
            "/api/v2/flaky",
            get(|| async { (http::StatusCode::SERVICE_UNAVAILABLE, "down") }),
        )
        .route(
            "/api/v2/refuse",
            get(|| async {
                (
                    http::StatusCode::UNPROCESSABLE_ENTITY,
                    Json(json!({
                        "error": "customer cannot order",
                        "customer": {"address": "1 Main St", "national_id": "X-1", "email": "ana@example.com", "tier": "gold"}
                    })),
                )
            }),
        )
        .route(
            "/api/v2/hooks",
            post(move |Json(body): Json<Value>| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(body);
                    Json(json!({"ok": true}))
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, rx)
}

async fn call(p: &Pipeline, op: &str) {
    let ctx = CallContext::with_budget(Duration::from_secs(5));
    p.call(&OperationRef::parse(op).unwrap(), &Map::new(), &ctx)
        .await
        .unwrap();
}

async fn next_alert(rx: &mut mpsc::UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("an alert within 5 s")
        .expect("the channel is open")
}

/// A metric's series, sorted.
fn series(p: &Pipeline, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = p
        .render_metrics()
        .lines()
        .filter(|l| l.starts_with(prefix))
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn deprecation_headers_warn_and_alert_once_per_operation() {
    let (addr, mut alerts) = api().await;
    let (project, _dir) = common::inline_project(PROJECT, addr);
    let p = common::pipeline(project);
    for _ in 0..3 {
        call(&p, "api.legacy").await;
    }
    let alert = next_alert(&mut alerts).await;
    assert_eq!(alert["state"], "deprecated");
    assert_eq!(
        alert["text"],
        "Switchboard: the upstream of operation \"api.legacy\" announces a deprecation (Deprecation: @1767225600)."
    );
    assert_eq!(
        series(&p, "switchboard_api_deprecation_warnings_total"),
        [
            "switchboard_api_deprecation_warnings_total{connector=\"api\",operation=\"legacy\",header=\"deprecation\"} 3",
            "switchboard_api_deprecation_warnings_total{connector=\"api\",operation=\"legacy\",header=\"sunset\"} 3",
        ]
    );
    // One alert per operation: a later call sends none (the next message is the objective
    // test's business, so nothing else may be queued).
    call(&p, "api.legacy").await;
    assert!(alerts.try_recv().is_err(), "one alert only");
}

#[tokio::test]
async fn schema_failures_are_counted_by_path_without_values() {
    let (addr, _alerts) = api().await;
    let (project, _dir) = common::inline_project(PROJECT, addr);
    let p = common::pipeline(project);
    call(&p, "api.drift").await;
    call(&p, "api.drift").await;
    let text = p.render_metrics();
    assert_eq!(
        series(&p, "switchboard_schema_failures_total"),
        [
            "switchboard_schema_failures_total{connector=\"api\",operation=\"drift\",path=\"/items/*/price\"} 2"
        ]
    );
    assert!(!text.contains("ana@example.com"));
}

#[tokio::test]
async fn health_checks_give_uptime_and_a_fast_burn_alerts() {
    let (addr, mut alerts) = api().await;
    let (project, _dir) = common::inline_project(PROJECT, addr);
    let p: Arc<Pipeline> = common::pipeline(project);
    let check = p.project().telemetry.connectors["api"]
        .health_check
        .clone()
        .unwrap();
    assert!(health::check_once(&p, &check).await);
    let h = p.telemetry().health.get("api").unwrap();
    assert_eq!((h.checks, h.up, h.uptime()), (1, 1, Some(1.0)));
    // The health check's own call announced the deprecation; take that alert first.
    assert_eq!(next_alert(&mut alerts).await["state"], "deprecated");

    for _ in 0..10 {
        call(&p, "api.flaky").await;
    }
    health::evaluate(&p);
    let alert = next_alert(&mut alerts).await;
    assert_eq!(alert["state"], "slo_missed");
    let text = alert["text"].as_str().unwrap();
    assert!(
        text.starts_with("Switchboard: connector \"api\" is burning its error budget")
            && text.ends_with("(availability objective 99.00%)."),
        "{text}"
    );
    // Still burning: no second alert.
    health::evaluate(&p);
    assert!(
        series(&p, "switchboard_slo_alerts_total")
            == [
                "switchboard_slo_alerts_total{connector=\"api\",objective=\"availability\",state=\"slo_missed\"} 1"
            ]
    );
    assert!(
        series(&p, "switchboard_health_check_up")
            .contains(&"switchboard_health_check_up{connector=\"api\"} 1".to_string())
    );
}

#[tokio::test]
async fn upstream_error_bodies_reach_the_audit_trail_redacted() {
    let (addr, _alerts) = api().await;
    let (project, _dir) = common::inline_project(PROJECT, addr);
    let (engine, _data) = common::engine(project).await;
    let p = engine.pipeline();
    call(p, "api.refuse").await;
    let hooks = p.audit().unwrap();
    hooks.sink.flush().await;
    let rows = hooks
        .sink
        .store()
        .query(&switchboard_runtime::storage::audit::AuditQuery::default())
        .await
        .unwrap();
    assert_eq!(
        rows[0].detail.as_deref(),
        Some(
            "upstream answered 422 (bad_request): {\"customer\":{\"address\":\"[redacted]\",\"email\":\"[redacted]\",\"national_id\":\"[redacted]\",\"tier\":\"gold\"},\"error\":\"customer cannot order\"}"
        )
    );
}
