//! The telemetry proof: a scripted scenario against the demo backend (successes, a not-found,
//! a fault with retries, a cache hit, a chat turn carrying personal data), then exact
//! assertions on the metrics text and on the audit rows, and a search of every log line and
//! audit row for the scenario's personal data and secrets.
//!
//! A test binary of its own, unlike the grouped suites: it captures log lines through a
//! thread-scoped tracing subscriber, and tracing caches each call site's interest process-wide,
//! so tests registering the same call sites on other threads of a shared process make it miss
//! lines (seen as a missing `conversation_id` line when grouped with the server suites).

mod common;

use axum::body::Body;
use http::Request;
use serde_json::{Map, Value, json};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_config::model::OperationRef;
use switchboard_demo_backend::FaultSpec;
use switchboard_runtime::pipeline::CallContext;
use switchboard_runtime::server::{self, AppState};
use switchboard_runtime::storage::audit::{AuditQuery, AuditRow};
use switchboard_runtime::telemetry::pseudonym::Pseudonymizer;
use tower::ServiceExt;

/// The scenario's personal data and secrets: none may appear in a log line or audit row.
/// Every needle searched for must be a value that cannot occur by chance in a log line (a
/// timestamp, a trace id, a latency): whole values, or fragments with their separators.
const USER: &str = "ana.lopez@example.com";
const PHONE: &str = "+44 20 7946 0958";
const API_KEY: &str = "demo-key";

/// Every metric series of the scenario but the histogram buckets and sums (timings).
const EXPECTED_METRICS: &str = r#"switchboard_audit_rows_written_total 11
switchboard_breaker_state{breaker="store"} 0
switchboard_build_info{version="VERSION"} 1
switchboard_cache_lookups_total{connector="store",operation="list_slots",result="hit"} 1
switchboard_cache_lookups_total{connector="store",operation="list_slots",result="miss"} 1
switchboard_event_streams_closed_total{reason="client"} 0
switchboard_event_streams_closed_total{reason="error"} 0
switchboard_event_streams_closed_total{reason="replaced"} 0
switchboard_event_streams_closed_total{reason="shutdown"} 0
switchboard_event_streams_open 0
switchboard_event_streams_refused_total{reason="full"} 0
switchboard_event_streams_refused_total{reason="shutting_down"} 0
switchboard_rate_limit_queue_depth{limiter="store"} 0
switchboard_rate_limit_refused_total{limiter="store"} 0
switchboard_rate_limit_wait_seconds_total{limiter="store"} 0
switchboard_rate_limit_waits_total{limiter="store"} 0
switchboard_retry_after_hold_refused_total{hold="store"} 0
switchboard_retry_after_hold_seconds{hold="store"} 0
switchboard_retry_after_hold_until_seconds{hold="store"} 0
switchboard_turns_total{intent="order_status",result="answered"} 1
switchboard_upstream_attempts_total{connector="store",operation="get_customer"} 1
switchboard_upstream_attempts_total{connector="store",operation="get_order"} 6
switchboard_upstream_attempts_total{connector="store",operation="get_shipment"} 1
switchboard_upstream_attempts_total{connector="store",operation="list_slots"} 1
switchboard_upstream_attempts_total{connector="store",operation="log_interaction"} 1
switchboard_upstream_call_duration_seconds_count{connector="store",operation="get_customer"} 1
switchboard_upstream_call_duration_seconds_count{connector="store",operation="get_order"} 4
switchboard_upstream_call_duration_seconds_count{connector="store",operation="get_shipment"} 1
switchboard_upstream_call_duration_seconds_count{connector="store",operation="list_slots"} 1
switchboard_upstream_call_duration_seconds_count{connector="store",operation="log_interaction"} 1
switchboard_upstream_calls_total{connector="store",operation="get_customer",outcome="ok"} 1
switchboard_upstream_calls_total{connector="store",operation="get_order",outcome="not_found"} 1
switchboard_upstream_calls_total{connector="store",operation="get_order",outcome="ok"} 3
switchboard_upstream_calls_total{connector="store",operation="get_shipment",outcome="ok"} 1
switchboard_upstream_calls_total{connector="store",operation="list_slots",outcome="ok"} 2
switchboard_upstream_calls_total{connector="store",operation="log_interaction",outcome="ok"} 1
switchboard_upstream_retries_total{connector="store",operation="get_order"} 2"#;

/// The audit rows of the scenario: the chat turn is the last four (order, shipment,
/// customer, interaction log).
const EXPECTED_ROWS: &str = r#"upstream store get_order GET /orders/{order_id} Some(200) ok attempt=1 cached=false user=ana detail=None
upstream store get_order GET /orders/{order_id} Some(404) not_found attempt=1 cached=false user=ana detail=Some("upstream answered 404 (not_found): {\"error\":{\"code\":\"not_found\",\"message\":\"order 9999 not found\"}}")
upstream store get_order GET /orders/{order_id} Some(503) unavailable attempt=1 cached=false user=ana detail=None
upstream store get_order GET /orders/{order_id} Some(503) unavailable attempt=2 cached=false user=ana detail=None
upstream store get_order GET /orders/{order_id} Some(200) ok attempt=3 cached=false user=ana detail=None
upstream store list_slots GET /appointments/slots Some(200) ok attempt=1 cached=false user=ana detail=None
upstream store list_slots GET /appointments/slots Some(200) ok attempt=0 cached=true user=ana detail=None
upstream store get_order GET /orders/{order_id} Some(200) ok attempt=1 cached=false user=ana detail=None
upstream store get_shipment GET /shipments/{tracking_number} Some(200) ok attempt=1 cached=false user=ana detail=None
upstream store get_customer GET /customers/{customer_id} Some(200) ok attempt=1 cached=false user=ana detail=None
upstream store log_interaction POST /interactions Some(201) ok attempt=1 cached=false user=ana detail=None"#;

/// Log lines, captured.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn op(s: &str) -> OperationRef {
    OperationRef::parse(s).unwrap()
}

fn args(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[tokio::test]
async fn scenario_metrics_audit_and_no_personal_data() {
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (addr, backend) = common::backend().await;
    let project = common::store_project(addr);
    let (engine, dir) = common::engine(project).await;
    let pipeline = engine.pipeline().clone();
    let mut ctx = CallContext::with_budget(Duration::from_secs(5));
    ctx.user_id = Some(USER.to_string());

    // Successes, a not-found, a fault with retries, a cache miss then hit.
    let order = op("store.get_order");
    let r = pipeline
        .call(&order, &args(json!({"order_id": "1001"})), &ctx)
        .await
        .unwrap();
    assert_eq!(r.outcome.as_str(), "ok");
    let r = pipeline
        .call(&order, &args(json!({"order_id": "9999"})), &ctx)
        .await
        .unwrap();
    assert_eq!(r.outcome.as_str(), "not_found");
    backend.set_fault("orders=503:2".parse::<FaultSpec>().unwrap());
    let r = pipeline
        .call(&order, &args(json!({"order_id": "1002"})), &ctx)
        .await
        .unwrap();
    assert_eq!((r.outcome.as_str(), r.attempts), ("ok", 3));
    let slots = op("store.list_slots");
    for cached in [false, true] {
        let r = pipeline
            .call(&slots, &args(json!({"date": "2026-12-01"})), &ctx)
            .await
            .unwrap();
        assert_eq!(r.cached, cached);
    }
    // A chat turn whose text carries an email and a phone number.
    let app = server::router(AppState::with_engine(engine.clone()));
    let body = json!({
        "user_id": USER,
        "text": format!("where is my order 1001? mail me at {USER} or call {PHONE}"),
    });
    let resp = app
        .clone()
        .oneshot(
            Request::post("/v1/chat")
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // Every attempt carried a W3C traceparent; the turn's four calls share one trace, with a
    // span each.
    let sent = backend.requests();
    let parents: Vec<&str> = sent
        .iter()
        .map(|r| r.headers.get("traceparent").map_or("", String::as_str))
        .collect();
    assert!(
        parents
            .iter()
            .all(|t| t.len() == 55 && t.starts_with("00-")),
        "{parents:?}"
    );
    let turn = &parents[parents.len() - 4..];
    assert!(turn.iter().all(|t| t[3..35] == turn[0][3..35]), "{turn:?}");
    assert!(turn[0][36..52] != turn[1][36..52], "{turn:?}");
    assert!(
        parents[0][3..35] != parents[1][3..35],
        "separate calls, separate traces"
    );

    // The metrics, exactly (once the audit writer has caught up).
    let hooks = pipeline.audit().expect("audit is on by default");
    hooks.sink.flush().await;
    let resp = app
        .clone()
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let mut metric_lines: Vec<&str> = text
        .lines()
        .filter(|l| {
            let timing =
                l.contains("_bucket{") || l.contains("_sum") || l.contains("turn_duration");
            // Every operation's series exist from the start at 0; keep the ones that moved.
            // So do the demo channels' send connectors, idle in this scenario.
            let untouched = (l.starts_with("switchboard_upstream_") || l.contains("\"channel_"))
                && l.ends_with(" 0");
            // Shared state is there only in the suite's Redis pass.
            let shared = l.starts_with("switchboard_shared_state_");
            !(l.is_empty() || l.starts_with('#') || timing || untouched || shared)
        })
        .collect();
    assert!(text.contains(
        "switchboard_upstream_attempts_total{connector=\"store\",operation=\"create_refund\"} 0"
    ));
    metric_lines.sort_unstable();
    assert_eq!(
        metric_lines.join("\n"),
        EXPECTED_METRICS.replace("VERSION", env!("CARGO_PKG_VERSION")),
        "\n{text}"
    );
    // Totals of seconds are counters to Prometheus, though recorded as floats.
    assert!(
        text.contains("# TYPE switchboard_rate_limit_wait_seconds_total counter\n"),
        "{text}"
    );

    // The audit rows, exactly (latency and time aside).
    let rows = hooks
        .sink
        .store()
        .query(&AuditQuery {
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let key = Pseudonymizer::from_config_or_dir(None, dir.path()).unwrap();
    let who = key.pseudonym(USER);
    let brief: Vec<String> = rows
        .iter()
        .map(|r: &AuditRow| {
            format!(
                "{} {} {} {} {} {:?} {} attempt={} cached={} user={} detail={:?}",
                r.kind.as_str(),
                r.connector,
                r.operation,
                r.method,
                r.path,
                r.status,
                r.outcome,
                r.attempt,
                r.cached,
                if r.user.as_deref() == Some(who.as_str()) {
                    "ana"
                } else {
                    "?"
                },
                r.detail
            )
        })
        .collect();
    assert_eq!(brief.join("\n"), EXPECTED_ROWS);

    // The dashboard's summary agrees.
    let resp = app
        .clone()
        .oneshot(
            Request::get("/v1/admin/dashboard")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let summary: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        summary["intents"],
        json!([{"name": "order_status", "turns": 1, "fallbacks": 0}])
    );
    assert_eq!(summary["fallback_rate"], 0.0);
    let store = &summary["connectors"][0];
    assert_eq!(
        (store["name"].as_str(), store["calls"].as_u64()),
        (Some("store"), Some(8))
    );
    assert_eq!(store["status"], "ok");
    assert_eq!(
        summary["recent_failures"],
        json!([]),
        "a not-found is an answer, not a failure"
    );
    let admin = String::from_utf8(bytes.to_vec()).unwrap();

    // No personal data or secret in any log line, audit row or admin view.
    let logs = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    assert!(logs.lines().count() > 5, "logs were captured:\n{logs}");
    let audit = serde_json::to_string(&rows).unwrap();
    // Phone fragments keep their spaces: bare digits such as `7946` occur in timestamps.
    for needle in [
        USER,
        "ana.lopez",
        PHONE,
        "20 7946",
        "7946 0958",
        "2079460958",
        API_KEY,
    ] {
        assert!(!logs.contains(needle), "{needle:?} in the logs:\n{logs}");
        assert!(
            !audit.contains(needle),
            "{needle:?} in the audit rows:\n{audit}"
        );
        assert!(
            !admin.contains(needle),
            "{needle:?} in the dashboard data:\n{admin}"
        );
    }
    // The turn's log lines carry its conversation id.
    assert!(logs.contains("\"conversation_id\""), "{logs}");
}
