//! Credentials an upstream echoes back never reach the audit trail: a connector with an
//! `in: query` API key calls an upstream that answers 500 with the full request URL in its
//! JSON body. The key is redacted before the row is written (the SQLite file and its WAL hold
//! no trace of it), by value (the key's shape matches no built-in pattern: only the project's
//! own secret values find it), and the admin route's answer parses as JSON with the redaction
//! marker where the key was, including for rows written raw before the fix.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;
use switchboard_config::LoadOptions;
use switchboard_config::model::OperationRef;
use switchboard_runtime::pipeline::CallContext;
use switchboard_runtime::server::{self, AppState};
use switchboard_runtime::storage::audit::{AuditKind, AuditRow};
use tower::ServiceExt;

/// The connector's key: no built-in pattern's shape (too short for an opaque key, no known
/// prefix), and a value that cannot occur by chance.
const KEY: &str = "zebra-quartz-7741-mango-plum";

/// An upstream that fails and echoes the URL it was called with (as careless APIs do).
async fn echo_upstream() -> std::net::SocketAddr {
    let app = axum::Router::new().fallback(|uri: Uri| async move {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({
                "error": "internal",
                "request": format!("http://upstream.example{uri}"),
                "path": uri.path(),
            })),
        )
            .into_response()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn project(addr: std::net::SocketAddr, dir: &std::path::Path) -> switchboard_config::Project {
    let yaml = format!(
        r#"connectors:
  echo:
    base_url: http://{addr}/v1
    auth: {{ type: api_key, in: query, name: api_key, value: "${{env:ECHO_API_KEY}}" }}
    retry: {{ attempts: 2, base: 10ms, max: 20ms }}
    operations:
      thing: {{ path: /thing }}
"#
    );
    let path = dir.join("switchboard.yaml");
    std::fs::write(&path, yaml).unwrap();
    let options = LoadOptions {
        env: Arc::new(|name| (name == "ECHO_API_KEY").then(|| KEY.to_string())),
        ..LoadOptions::default()
    };
    match switchboard_config::load(&path, &options) {
        Ok((p, _)) => p,
        Err(d) => panic!("{d}"),
    }
}

/// Every byte of every file in the data directory (database, WAL, shared memory).
fn stored_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            all.extend(std::fs::read(&path).unwrap());
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

async fn audit_page(app: &axum::Router) -> (String, Value) {
    let resp = app
        .clone()
        .oneshot(
            Request::get("/v1/admin/audit?limit=100")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let page = serde_json::from_str(&text).expect("the admin route answers JSON");
    (text, page)
}

/// The JSON excerpt of an upstream error body in a detail (after `: `).
fn excerpt(detail: &str) -> Value {
    let (_, json) = detail
        .split_once(": {")
        .unwrap_or_else(|| panic!("no JSON excerpt in {detail}"));
    serde_json::from_str(&format!("{{{json}"))
        .unwrap_or_else(|e| panic!("the excerpt does not parse ({e}): {detail}"))
}

#[tokio::test]
async fn a_query_key_echoed_by_an_upstream_is_redacted_before_it_is_written() {
    let addr = echo_upstream().await;
    let project_dir = tempfile::tempdir().unwrap();
    let (engine, data) = common::engine(project(addr, project_dir.path())).await;
    let pipeline = engine.pipeline().clone();
    let mut ctx = CallContext::with_budget(Duration::from_secs(5));
    ctx.user_id = Some("u-echo".into());
    let r = pipeline
        .call(
            &OperationRef::parse("echo.thing").unwrap(),
            &Map::new(),
            &ctx,
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.attempts), (Some(500), 2), "{r:?}");
    // The upstream did echo the key: the record's raw body (what `call --raw` shows) has it.
    assert!(
        r.body.as_ref().unwrap()["request"]
            .as_str()
            .unwrap()
            .contains(KEY)
    );
    let hooks = pipeline.audit().unwrap();
    hooks.sink.flush().await;

    // At rest: the database and its WAL hold the rows, and no trace of the key.
    let bytes = stored_bytes(data.path());
    assert!(
        contains(&bytes, "api_key=[redacted]"),
        "the row with the echoed URL was written"
    );
    assert!(
        !contains(&bytes, KEY),
        "the key is in the stored audit rows"
    );

    // Rows written raw before this fix: whole, and cut mid-string as the old writer did.
    let legacy = |detail: String| AuditRow {
        id: 0,
        at: chrono::Utc::now(),
        kind: AuditKind::Upstream,
        user: None,
        connector: "echo".into(),
        operation: "thing".into(),
        method: "GET".into(),
        path: "/thing".into(),
        status: Some(500),
        outcome: "unavailable".into(),
        latency_ms: 1.0,
        attempt: 1,
        cached: false,
        trace_id: None,
        detail: Some(detail),
    };
    hooks.sink.record(legacy(format!(
        r#"upstream answered 500 (unavailable): {{"error":"internal","path":"/v1/thing","request":"http://upstream.example/v1/thing?api_key={KEY}"}}"#
    )));
    hooks.sink.record(legacy(format!(
        r#"upstream answered 500 (unavailable): {{"request":"http://upstream.example/v1/thing?api_key={KEY}","path":"/v1/th…"#
    )));
    hooks.sink.flush().await;

    let app = server::router(AppState::with_engine(engine.clone()));
    let (text, page) = audit_page(&app).await;
    assert!(!text.contains(KEY), "{text}");
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "{page}");
    // The call's last attempt and the whole legacy row: the excerpt parses, marker in place.
    for row in [&rows[1], &rows[2]] {
        let detail = row["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("upstream answered 500 (unavailable): "),
            "{detail}"
        );
        let body = excerpt(detail);
        assert_eq!(body["error"], "internal", "{detail}");
        assert_eq!(
            body["request"], "http://upstream.example/v1/thing?api_key=[redacted]",
            "{detail}"
        );
    }
    // The cut legacy row cannot parse, but its redaction keeps the quoting it had.
    let cut = rows[3]["detail"].as_str().unwrap();
    assert!(
        cut.ends_with(
            r#"{"request":"http://upstream.example/v1/thing?api_key=[redacted]","path":"/v1/th…"#
        ),
        "{cut}"
    );

    // Log lines go through the same policy (the one the binary's log writer holds for the
    // loaded project).
    let line = format!("GET http://127.0.0.1/v1/thing?api_key={KEY} failed");
    let logged = switchboard_runtime::telemetry::redact::Redactor::from_project(engine.project())
        .log_line(&line);
    assert_eq!(
        logged,
        "GET http://127.0.0.1/v1/thing?api_key=[redacted] failed"
    );
}
