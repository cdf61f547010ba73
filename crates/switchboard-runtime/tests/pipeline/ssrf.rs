//! Redirects through the real pipeline: a connector that follows redirects follows only
//! same-origin ones, so no spelling of an internal address reaches the canary listener.

use crate::common;

use axum::Router;
use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Map, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use switchboard_config::model::OperationRef;
use switchboard_runtime::pipeline::CallContext;

async fn redirect(Query(q): Query<HashMap<String, String>>) -> impl IntoResponse {
    (
        StatusCode::FOUND,
        [(header::LOCATION, q.get("to").cloned().unwrap_or_default())],
    )
}

#[tokio::test]
async fn redirects_to_other_origins_are_not_followed() {
    let canary = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cp = canary.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        while let Ok(_c) = canary.accept().await {
            h.fetch_add(1, Ordering::SeqCst);
        }
    });
    let app = Router::new()
        .route("/api/v2/go", axum::routing::get(redirect))
        .route(
            "/api/v2/landed",
            axum::routing::get(|| async { axum::Json(json!({"landed": true})) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let yaml = "connectors:
  api:
    base_url: BACKEND
    follow_redirects: true
    retry: { attempts: 1 }
    operations:
      go: { path: /go, query: { to: \"{{ inputs.to }}\" }, inputs: { to: string } }
";
    let (project, _dir) = common::inline_project(yaml, addr);
    let p = common::pipeline(project);
    let call = |to: String| {
        let p = p.clone();
        async move {
            let mut args = Map::new();
            args.insert("to".into(), json!(to));
            p.call(
                &OperationRef::parse("api.go").unwrap(),
                &args,
                &CallContext::with_budget(Duration::from_secs(5)),
            )
            .await
            .unwrap()
        }
    };

    // Same origin: followed.
    let r = call(format!("http://{addr}/api/v2/landed")).await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(r.data["landed"], true);

    for to in [
        format!("http://127.0.0.1:{cp}/"),
        format!("http://2130706433:{cp}/"),
        format!("http://0x7f000001:{cp}/"),
        format!("http://0177.0.0.1:{cp}/"),
        format!("http://127.1:{cp}/"),
        format!("http://[::ffff:127.0.0.1]:{cp}/"),
        format!("http://localhost:{cp}/"),
        format!("http://0.0.0.0:{cp}/"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
    ] {
        let r = call(to.clone()).await;
        assert_eq!(r.status, Some(302), "{to}: {r:?}");
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "no connection reached the canary"
    );
}
