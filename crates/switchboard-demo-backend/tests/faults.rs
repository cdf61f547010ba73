//! Every fault kind as a reqwest client sees it, fault counts, and the CLI syntax.

mod common;

use std::time::Duration;

use common::{assert_error, client, send_json, start};
use reqwest::Method;
use serde_json::{Value, json};
use switchboard_demo_backend::{DemoBackend, FaultKind, FaultSpec, Options, Route};

fn fault(spec: &str) -> FaultSpec {
    spec.parse().expect("valid fault spec")
}

#[test]
fn the_cli_syntax_parses_and_round_trips() {
    assert_eq!(
        fault("orders=503:3"),
        FaultSpec {
            route: Route::Orders,
            kind: FaultKind::Status(503),
            count: Some(3)
        }
    );
    assert_eq!(
        fault("weather=hang"),
        FaultSpec {
            route: Route::Weather,
            kind: FaultKind::Hang,
            count: None
        }
    );
    assert_eq!(
        fault("rates=429/2:1").kind,
        FaultKind::RateLimited {
            retry_after_secs: 2
        }
    );
    assert_eq!(
        fault("rates=429").kind,
        FaultKind::RateLimited {
            retry_after_secs: 1
        }
    );
    assert_eq!(fault("slots=slow-drip").kind, FaultKind::SlowDrip);
    for spec in [
        "orders=500",
        "shipments=503:3",
        "customers=429/2:1",
        "interactions=hang",
        "slots=slow_drip:2",
        "appointments=not_json",
        "payments=schema_break",
        "refunds=reset:1",
        "rates=huge",
        "weather=invalid_utf8:5",
    ] {
        assert_eq!(fault(spec).to_string(), spec);
    }
}

#[test]
fn bad_fault_specs_explain_the_valid_values() {
    let error = "order=503".parse::<FaultSpec>().expect_err("unknown route");
    let message = error.to_string();
    assert!(message.contains("order"), "{message}");
    for route in Route::ALL {
        assert!(message.contains(route.name()), "{message} lists {route}");
    }

    let message = "orders=explode"
        .parse::<FaultSpec>()
        .expect_err("unknown kind")
        .to_string();
    for kind in [
        "hang",
        "slow_drip",
        "not_json",
        "schema_break",
        "reset",
        "huge",
        "invalid_utf8",
        "429/SECS",
    ] {
        assert!(message.contains(kind), "{message} lists {kind}");
    }

    for bad in [
        "orders",
        "orders=200",
        "orders=600",
        "orders=500/2",
        "orders=503:0",
        "orders=503:x",
        "rates=429/x",
        "",
    ] {
        let error = bad.parse::<FaultSpec>().expect_err(bad);
        assert!(!error.to_string().is_empty());
    }
}

#[tokio::test]
async fn a_status_fault_lasts_count_calls_then_the_route_recovers() {
    let demo = start().await;
    demo.backend.set_fault(fault("orders=503:2"));

    for left in [1, 0] {
        let (status, body) = demo.get_json("/orders/1001").await;
        assert_eq!(status, 503);
        assert_error(&body, "unavailable");
        let remaining = demo.backend.faults().first().and_then(|spec| spec.count);
        assert_eq!(remaining, (left > 0).then_some(left));
    }
    let (status, body) = demo.get_json("/orders/1001").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "shipped");

    // Other routes were never affected; faulted calls still count.
    let (status, _) = demo.get_json("/customers/C42").await;
    assert_eq!(status, 200);
    let stats = demo.backend.stats();
    assert_eq!(stats.calls(Route::Orders), 3);
    assert_eq!(stats.calls(Route::Customers), 1);
    assert_eq!(stats.faulted, 2);
}

#[tokio::test]
async fn a_fault_without_count_lasts_until_cleared() {
    let demo = start().await;
    demo.backend.set_fault(fault("customers=500"));
    for _ in 0..3 {
        let (status, body) = demo.get_json("/customers/C42").await;
        assert_eq!(status, 500);
        assert_error(&body, "internal_error");
    }
    demo.backend.clear_faults();
    let (status, _) = demo.get_json("/customers/C42").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn faults_from_options_are_armed_at_start() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let backend = DemoBackend::new(Options {
        faults: vec![fault("weather=418:1")],
        ..Options::default()
    });
    tokio::spawn(backend.clone().serve(listener, std::future::pending()));
    let (status, body) = send_json(
        client(Duration::from_secs(5))
            .get(format!("http://{addr}/api/v2/weather?city=Paris"))
            .header("X-Api-Key", "demo-key"),
    )
    .await;
    assert_eq!(status, 418);
    assert_error(&body, "client_error");
    assert!(backend.faults().is_empty());
}

#[tokio::test]
async fn rate_limited_sends_retry_after() {
    let demo = start().await;
    demo.backend.set_fault(fault("rates=429/2:1"));
    let response = demo.get("/rates").send().await.expect("answered");
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(
        response.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"2"[..])
    );
    let body: Value = response.json().await.expect("json");
    assert_error(&body, "rate_limited");

    demo.backend.set_fault(fault("rates=429"));
    let response = demo.get("/rates").send().await.expect("answered");
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(
        response.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
}

#[tokio::test]
async fn hang_never_answers_and_does_not_block_others() {
    let demo = start().await;
    demo.backend.set_fault(fault("weather=hang:1"));
    let impatient = client(Duration::from_millis(300));

    let hung = demo
        .api_with(&impatient, Method::GET, "/weather?city=Dubai")
        .send();
    let other = demo.get_json("/orders/1001");
    let (hung, (status, _)) = tokio::join!(hung, other);
    let error = hung.expect_err("a hang is never answered");
    assert!(error.is_timeout(), "{error}");
    assert_eq!(status, 200, "other requests are served during a hang");

    // The one hang is used up.
    let (status, _) = demo.get_json("/weather?city=Dubai").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn slow_drip_sends_headers_at_once_and_the_body_slowly() {
    let demo = start().await;
    demo.backend.set_fault(fault("orders=slow_drip"));

    // Headers and the first byte come at once...
    let mut response =
        tokio::time::timeout(Duration::from_secs(5), demo.get("/orders/1001").send())
            .await
            .expect("headers arrive promptly")
            .expect("answered");
    assert_eq!(response.status().as_u16(), 200);
    let first = tokio::time::timeout(Duration::from_secs(5), response.chunk())
        .await
        .expect("first byte arrives promptly")
        .expect("readable")
        .expect("a chunk");
    assert_eq!(&first[..], b"{");
    drop(response);

    // ...but the whole body outlasts a short client timeout.
    let impatient = client(Duration::from_millis(500));
    let result = async {
        demo.api_with(&impatient, Method::GET, "/orders/1001")
            .send()
            .await?
            .bytes()
            .await
    }
    .await;
    let error = result.expect_err("the body is too slow");
    assert!(error.is_timeout(), "{error}");
}

#[tokio::test]
async fn not_json_answers_html() {
    let demo = start().await;
    demo.backend.set_fault(fault("customers=not_json:1"));
    let response = demo.get("/customers/C42").send().await.expect("answered");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let text = response.text().await.expect("text");
    assert!(text.starts_with("<html>"), "{text}");
    assert!(serde_json::from_str::<Value>(&text).is_err());
}

#[tokio::test]
async fn schema_break_answers_json_without_the_usual_fields() {
    let demo = start().await;
    demo.backend.set_fault(fault("orders=schema_break:1"));
    let (status, body) = demo.get_json("/orders/1001").await;
    assert_eq!(status, 200);
    assert_eq!(body["unexpected"], true);
    assert!(body.get("status").is_none());
    assert!(body.get("tracking_number").is_none());
}

#[tokio::test]
async fn reset_breaks_the_connection() {
    let demo = start().await;
    demo.backend.set_fault(fault("orders=reset:1"));
    let result = async { demo.get("/orders/1001").send().await?.bytes().await }.await;
    let error = result.expect_err("no complete response");
    assert!(!error.is_timeout(), "{error}");

    let (status, _) = demo.get_json("/orders/1001").await;
    assert_eq!(status, 200, "the next call is normal");
}

#[tokio::test]
async fn a_refund_whose_answer_was_reset_is_returned_on_retry() {
    let demo = start().await;
    demo.backend.set_fault(fault("refunds=reset:1"));
    let send = || {
        demo.post("/refunds")
            .header("Idempotency-Key", "lost-answer")
            .json(&json!({"payment_id": "PAY-1001"}))
    };
    let lost = async { send().send().await?.bytes().await }.await;
    assert!(lost.is_err(), "the first answer is lost");

    let retry = send().send().await.expect("answered");
    assert_eq!(retry.status().as_u16(), 201);
    assert!(retry.headers().get("idempotent-replayed").is_some());
    let body: Value = retry.json().await.expect("json");
    assert_eq!(body["id"], "RF-1");
}

#[tokio::test]
async fn huge_answers_about_ten_megabytes_of_json() {
    let demo = start().await;
    demo.backend.set_fault(fault("rates=huge:1"));
    let response = demo.get("/rates").send().await.expect("answered");
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.expect("body");
    assert!(bytes.len() >= 10 * 1024 * 1024, "{} bytes", bytes.len());
    assert!(bytes.len() < 11 * 1024 * 1024, "{} bytes", bytes.len());
    let parsed: Value = serde_json::from_slice(&bytes).expect("valid JSON");
    assert!(parsed["items"].is_array());
}

#[tokio::test]
async fn invalid_utf8_answers_json_typed_garbage() {
    let demo = start().await;
    demo.backend.set_fault(fault("payments=invalid_utf8:1"));
    let response = demo
        .get("/payments/PAY-1001")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers().get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
    let bytes = response.bytes().await.expect("body");
    assert!(std::str::from_utf8(&bytes).is_err());
}
