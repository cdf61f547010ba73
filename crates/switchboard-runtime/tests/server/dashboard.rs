//! The dashboard in a real headless browser (Debian's `chromium`): the page loads, shows the
//! demo's connectors, refreshes itself, and a fault switched on in the demo backend shows as
//! failing. Skips, loudly, only when chromium is not installed (CI installs it).
//! `DASHBOARD_SCREENSHOT=docs/dashboard.png` also writes the README's screenshot.

use crate::browser::{chromium, dump_dom, dump_dom_until};
use crate::common;

use serde_json::{Map, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use switchboard_config::model::OperationRef;
use switchboard_runtime::engine::Engine;
use switchboard_runtime::health;
use switchboard_runtime::pipeline::CallContext;
use switchboard_runtime::server::{self, AppState};

/// Serves the app on a free port, counting dashboard data requests.
async fn serve(engine: Arc<Engine>) -> (SocketAddr, Arc<AtomicUsize>) {
    let polls = Arc::new(AtomicUsize::new(0));
    let counter = polls.clone();
    let app = server::router(AppState::with_engine(engine)).layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            if req.uri().path() == "/v1/admin/dashboard" {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            next.run(req)
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::serve_app(
        listener,
        app,
        server::HEADER_READ_TIMEOUT,
        std::future::pending(),
    ));
    (addr, polls)
}

/// The card of a connector, as the page rendered it.
fn card_status(dom: &str, connector: &str) -> Option<String> {
    let at = dom.find(&format!("data-connector=\"{connector}\""))?;
    let rest = &dom[at..];
    let s = rest.find("data-status=\"")? + "data-status=\"".len();
    Some(rest[s..s + rest[s..].find('"')?].to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_connectors_and_a_fault() {
    let Some(browser) = chromium() else {
        eprintln!(
            "\n\n!!!!! SKIPPED: the dashboard browser test needs Debian's `chromium` \
             (apt-get install -y chromium); .ci/run installs it. !!!!!\n\n"
        );
        return;
    };
    let (backend_addr, backend) = common::backend().await;
    let (engine, _dir) = common::engine(common::store_project(backend_addr)).await;
    let pipeline = engine.pipeline().clone();
    let ctx = CallContext::with_budget(Duration::from_secs(5));
    let order = OperationRef::parse("store.get_order").unwrap();
    for id in ["1001", "1002", "9999"] {
        let args: Map<_, _> = json!({ "order_id": id }).as_object().unwrap().clone();
        pipeline.call(&order, &args, &ctx).await.unwrap();
    }
    let check = pipeline.project().telemetry.connectors["store"]
        .health_check
        .clone()
        .expect("the demo has a health check");
    assert!(health::check_once(&pipeline, &check).await);
    let (addr, polls) = serve(engine.clone()).await;
    let url = format!("http://{addr}/dashboard?refresh=1");

    let dom = dump_dom_until(browser, url.clone(), 3_500, |dom| {
        card_status(dom, "store").as_deref() == Some("ok")
    })
    .await;
    assert_eq!(card_status(&dom, "store").as_deref(), Some("ok"), "{dom}");
    assert!(dom.contains("100 %"), "uptime from the health check: {dom}");
    assert!(
        polls.load(Ordering::SeqCst) >= 2,
        "the page refreshed itself: {} data requests",
        polls.load(Ordering::SeqCst)
    );

    // A fault in the demo backend: the next health check and calls fail.
    backend.set_fault("rates=503".parse().unwrap());
    backend.set_fault("orders=503".parse().unwrap());
    assert!(!health::check_once(&pipeline, &check).await);
    let args: Map<_, _> = json!({ "order_id": "1001" }).as_object().unwrap().clone();
    let r = pipeline.call(&order, &args, &ctx).await.unwrap();
    assert_eq!(r.outcome.as_str(), "unavailable");
    let dom = dump_dom_until(browser, url.clone(), 1_500, |dom| {
        card_status(dom, "store").as_deref() == Some("failing")
    })
    .await;
    assert_eq!(
        card_status(&dom, "store").as_deref(),
        Some("failing"),
        "{dom}"
    );
    assert!(
        dom.contains("store.get_order"),
        "recent failures list it: {dom}"
    );
    assert!(
        dom.contains("50 %"),
        "uptime after one failed check of two: {dom}"
    );

    if let Ok(path) = std::env::var("DASHBOARD_SCREENSHOT") {
        backend.clear_faults();
        let app = server::router(AppState::with_engine(engine.clone()));
        for text in [
            "where is my order 1001?",
            "track order 1002",
            "asdf qwerty",
            "what's the weather in Paris?",
        ] {
            let body = json!({ "user_id": "screenshot", "text": text });
            let req = http::Request::post("/v1/chat")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            tower::ServiceExt::oneshot(app.clone(), req).await.unwrap();
        }
        let path = common::repo_root().join(path);
        dump_dom(browser, url, 1_500, Some(&path)).await;
        eprintln!("screenshot written to {}", path.display());
    }
}

/// The store card's status in the dashboard data.
async fn store_status(addr: SocketAddr) -> String {
    let data: serde_json::Value = reqwest::get(format!("http://{addr}/v1/admin/dashboard"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cards = data["connectors"].as_array().unwrap();
    let store = cards.iter().find(|c| c["name"] == "store").unwrap();
    store["status"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_turns_red_as_soon_as_a_chat_fails_without_a_health_check() {
    let (backend_addr, backend) = common::backend().await;
    let (engine, _dir) = common::engine(common::store_project(backend_addr)).await;
    let (addr, _) = serve(engine.clone()).await;
    let chat = |text: &'static str| {
        let engine = engine.clone();
        async move { common::turn(&engine, "watcher", text).await }
    };
    chat("where is my order 1001?").await;
    assert_eq!(store_status(addr).await, "ok");

    // The rates route fails: the chat gets the error reply and the card is red at once,
    // although no health check ran and most of the connector's calls succeeded.
    backend.set_fault("rates=503".parse().unwrap());
    let failed = chat("what's the exchange rate for euros").await;
    assert_eq!(failed.calls.last().unwrap().outcome.as_str(), "unavailable");
    assert_eq!(store_status(addr).await, "failing");
    chat("where is my order 1002?").await;
    assert_eq!(
        store_status(addr).await,
        "failing",
        "another operation answering does not hide the failing one"
    );

    // The route answers again: the card turns back.
    backend.clear_faults();
    let ok = chat("what's the exchange rate for euros").await;
    assert_eq!(ok.calls.last().unwrap().outcome.as_str(), "ok");
    assert_eq!(store_status(addr).await, "ok");
}
