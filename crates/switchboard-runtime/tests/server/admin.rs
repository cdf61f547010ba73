//! The admin routes under /v1/admin: the audit trail paged and redacted, JSON errors for bad
//! queries, and the dashboard's data.

use crate::common;

use axum::body::Body;
use http::{Request, StatusCode};
use serde_json::{Map, Value, json};
use std::time::Duration;
use switchboard_config::model::OperationRef;
use switchboard_runtime::pipeline::CallContext;
use switchboard_runtime::server::{self, AppState};
use tower::ServiceExt;

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let resp = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn audit_pages_redaction_and_errors() {
    let (addr, _backend) = common::backend().await;
    let (engine, _dir) = common::engine(common::store_project(addr)).await;
    let pipeline = engine.pipeline().clone();
    let mut ctx = CallContext::with_budget(Duration::from_secs(5));
    ctx.user_id = Some("u-1".into());
    let order = OperationRef::parse("store.get_order").unwrap();
    for id in ["1001", "1002", "9999"] {
        let args: Map<String, Value> = json!({ "order_id": id }).as_object().unwrap().clone();
        pipeline.call(&order, &args, &ctx).await.unwrap();
    }
    let hooks = pipeline.audit().unwrap();
    hooks.webhook_row(
        "shop",
        "order.paid",
        "/webhooks/shop",
        Some(401),
        "rejected",
        Duration::from_millis(3),
        1,
        None,
        Some("signature mismatch for ana@example.com"),
    );
    hooks.sink.flush().await;
    let app = server::router(AppState::with_engine(engine));

    let (s, page) = get(&app, "/v1/admin/audit?limit=2").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["rows"].as_array().unwrap().len(), 2);
    assert_eq!(page["rows"][0]["path"], "/orders/{order_id}");
    assert_eq!(page["rows"][0]["status"], 200);
    let next = page["next"].as_i64().unwrap();
    let (_, page2) = get(&app, &format!("/v1/admin/audit?limit=2&after={next}")).await;
    let rows = page2["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["outcome"], "not_found");
    assert_eq!(rows[1]["kind"], "webhook");
    assert_eq!(rows[1]["detail"], "signature mismatch for [redacted]");
    let after = page2["next"].as_i64().unwrap();
    let (_, page3) = get(&app, &format!("/v1/admin/audit?limit=2&after={after}")).await;
    assert_eq!(page3, json!({"rows": [], "next": null}));

    // Time windows: nothing before 2000, everything since.
    let (_, none) = get(&app, "/v1/admin/audit?until=2000-01-01").await;
    assert_eq!(none["rows"], json!([]));
    let (_, all) = get(&app, "/v1/admin/audit?since=2000-01-01T00:00:00Z").await;
    assert_eq!(all["rows"].as_array().unwrap().len(), 4);

    for (uri, message) in [
        ("/v1/admin/audit?limit=0", "limit must be 1 to 1000"),
        (
            "/v1/admin/audit?since=yesterday",
            "since must be an RFC 3339 time or a date, such as 2026-11-24T08:00:00Z",
        ),
    ] {
        let (s, body) = get(&app, uri).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(body["error"]["message"], message, "{uri}");
    }
    let (s, body) = get(&app, "/v1/admin/audit?page=2").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `page`"),
        "{body}"
    );

    let (s, d) = get(&app, "/v1/admin/dashboard").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["connectors"][0]["name"], "store");
    assert_eq!(d["connectors"][0]["calls"], 3);
    assert_eq!(d["connectors"][0]["breaker"], "closed");
    assert_eq!(d["webhooks"][0], json!({"event": "received", "count": 0}));
}

#[tokio::test]
async fn audit_off_answers_a_json_404() {
    let (addr, _backend) = common::backend().await;
    let mut project = common::store_project(addr);
    project.telemetry.audit.enabled = false;
    let (engine, _dir) = common::engine(project).await;
    assert!(engine.pipeline().audit().is_none());
    let app = server::router(AppState::with_engine(engine));
    let (s, body) = get(&app, "/v1/admin/audit").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "audit_disabled");
}

/// A `Retry-After` hold shows on the dashboard's connector card (and the page renders it).
#[tokio::test]
async fn the_dashboard_shows_a_retry_after_hold() {
    let (addr, backend) = common::backend().await;
    let (engine, _dir) = common::engine(common::store_project(addr)).await;
    let pipeline = engine.pipeline().clone();
    let app = server::router(AppState::with_engine(engine));
    let (_, d) = get(&app, "/v1/admin/dashboard").await;
    assert_eq!(d["connectors"][0]["held"], false);
    assert_eq!(d["connectors"][0]["hold_until"], Value::Null);

    backend.set_fault("orders=429/86400:1".parse().unwrap());
    let order = OperationRef::parse("store.get_order").unwrap();
    let args: Map<String, Value> = json!({ "order_id": "1001" }).as_object().unwrap().clone();
    let ctx = CallContext::with_budget(Duration::from_secs(2));
    let r = pipeline.call(&order, &args, &ctx).await.unwrap();
    assert_eq!(r.reason, Some("retry_after_too_long"), "{r:?}");
    let (s, d) = get(&app, "/v1/admin/dashboard").await;
    assert_eq!(s, StatusCode::OK);
    let card = &d["connectors"][0];
    assert_eq!(card["name"], "store");
    assert_eq!(card["held"], true, "{card}");
    assert_eq!(card["hold_status"], 429);
    let until = chrono::DateTime::parse_from_rfc3339(card["hold_until"].as_str().unwrap()).unwrap();
    let left = until
        .signed_duration_since(chrono::Utc::now())
        .num_seconds();
    assert!(
        (590..=600).contains(&left),
        "held for the 10 minute default: {left}"
    );

    let page = app
        .clone()
        .oneshot(Request::get("/dashboard").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let html = axum::body::to_bytes(page.into_body(), 1 << 20)
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&html).contains("c.held ?"));
}
