//! The admin routes, the health check, and graceful shutdown.

mod common;

use std::time::Duration;

use common::{assert_error, client, send_json, start};
use reqwest::Method;
use serde_json::{Value, json};
use switchboard_demo_backend::{DemoBackend, MAX_RECORDED_REQUESTS, Options, Route, Stats};

#[tokio::test]
async fn healthz_answers_ok() {
    let demo = start().await;
    let (status, body) = send_json(demo.client.get(demo.url("/healthz"))).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"status": "ok"}));
}

#[tokio::test]
async fn faults_are_armed_listed_and_cleared_over_http() {
    let demo = start().await;
    let faults_url = demo.url("/admin/faults");

    let (status, body) = send_json(
        demo.client
            .post(&faults_url)
            .json(&json!({"route": "orders", "fault": "503", "count": 2})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"faults": [{"route": "orders", "fault": "503", "remaining": 2, "spec": "orders=503:2"}]})
    );

    let (status, _) = send_json(
        demo.client
            .post(&faults_url)
            .json(&json!({"route": "weather", "fault": 429})),
    )
    .await;
    assert_eq!(status, 200);

    let (status, _) = demo.get_json("/orders/1001").await;
    assert_eq!(status, 503);
    let (_, body) = send_json(demo.client.get(&faults_url)).await;
    assert_eq!(body["faults"][0]["remaining"], 1);
    assert_eq!(body["faults"][1]["spec"], "weather=429/1");
    assert!(body["faults"][1]["remaining"].is_null());

    let (status, body) = send_json(demo.client.delete(format!("{faults_url}?route=orders"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["faults"].as_array().map(Vec::len), Some(1));
    let (status, _) = demo.get_json("/orders/1001").await;
    assert_eq!(status, 200);

    let (status, body) = send_json(demo.client.delete(&faults_url)).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"faults": []}));
    let (status, _) = demo.get_json("/weather?city=Paris").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn bad_fault_requests_name_the_valid_values() {
    let demo = start().await;
    let faults_url = demo.url("/admin/faults");
    for (body, must_mention) in [
        (json!({"route": "ordres", "fault": "503"}), "orders"),
        (json!({"route": "orders", "fault": "explode"}), "slow_drip"),
        (
            json!({"route": "orders", "fault": "503", "count": 0}),
            "count",
        ),
        (json!({"fault": "503"}), "route"),
        (json!(["orders"]), "weather"),
    ] {
        let (status, answer) = send_json(demo.client.post(&faults_url).json(&body)).await;
        assert_eq!(status, 400, "{body}");
        assert_error(&answer, "bad_request");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(must_mention),
            "{message} mentions {must_mention}"
        );
    }
    let (status, _) = send_json(demo.client.post(&faults_url).body("nope")).await;
    assert_eq!(status, 400);
    let (status, answer) = send_json(demo.client.delete(format!("{faults_url}?route=nope"))).await;
    assert_eq!(status, 400);
    assert_error(&answer, "bad_request");
    assert!(demo.backend.faults().is_empty());
}

#[tokio::test]
async fn stats_count_per_route_and_reset() {
    let demo = start().await;
    demo.get_json("/orders/1001").await;
    demo.get_json("/orders/9999").await;
    demo.get_json("/weather?city=Dubai").await;
    demo.get_json("/unknown").await;

    let (status, body) = send_json(demo.client.get(demo.url("/admin/stats"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["routes"]["orders"], 2);
    assert_eq!(body["routes"]["weather"], 1);
    assert_eq!(body["routes"]["refunds"], 0);
    assert_eq!(body["total"], 4);
    let over_http: Stats = serde_json::from_value(body).expect("stats shape");
    assert_eq!(over_http, demo.backend.stats());

    let (status, body) = send_json(demo.client.get(demo.url("/admin/requests"))).await;
    assert_eq!(status, 200);
    let requests = body.as_array().expect("a list");
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[0]["method"], "GET");
    assert_eq!(requests[0]["path"], "/api/v2/orders/1001");
    assert_eq!(requests[0]["route"], "orders");
    assert_eq!(requests[0]["headers"]["x-api-key"], "demo-key");
    assert_eq!(requests[0]["body"], "");
    assert!(requests[3]["route"].is_null());

    let (status, body) = send_json(demo.client.delete(demo.url("/admin/stats"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 0);
    assert_eq!(demo.backend.stats().calls(Route::Orders), 0);
    assert!(demo.backend.requests().is_empty());
}

#[tokio::test]
async fn the_request_log_keeps_the_last_thousand() {
    let demo = start().await;
    for n in 0..(MAX_RECORDED_REQUESTS + 5) {
        let response = demo
            .get(&format!("/orders/X{n}"))
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status().as_u16(), 404);
    }
    let requests = demo.backend.requests();
    assert_eq!(requests.len(), MAX_RECORDED_REQUESTS);
    assert_eq!(requests[0].path, "/api/v2/orders/X5");
    assert_eq!(
        requests.last().map(|r| r.path.as_str()),
        Some(format!("/api/v2/orders/X{}", MAX_RECORDED_REQUESTS + 4).as_str())
    );
    assert_eq!(
        demo.backend.stats().total,
        (MAX_RECORDED_REQUESTS + 5) as u64
    );
}

#[tokio::test]
async fn the_global_delay_is_set_over_http() {
    let demo = start().await;
    let delay_url = demo.url("/admin/delay");

    let (status, body) = send_json(demo.client.post(&delay_url).json(&json!({"ms": 5000}))).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"delay_ms": 5000}));

    let impatient = client(Duration::from_millis(200));
    let error = demo
        .api_with(&impatient, Method::GET, "/orders/1001")
        .send()
        .await
        .expect_err("delayed past the timeout");
    assert!(error.is_timeout(), "{error}");
    // Admin routes are not delayed.
    let (status, _) = send_json(impatient.get(demo.url("/healthz"))).await;
    assert_eq!(status, 200);

    let (status, _) = send_json(demo.client.post(&delay_url).json(&json!({"ms": 0}))).await;
    assert_eq!(status, 200);
    let (status, _) = send_json(demo.api_with(&impatient, Method::GET, "/orders/1001")).await;
    assert_eq!(status, 200);

    for bad in [
        json!({"ms": -1}),
        json!({"ms": "fast"}),
        json!({}),
        json!({"ms": 10_000_000}),
    ] {
        let (status, body) = send_json(demo.client.post(&delay_url).json(&bad)).await;
        assert_eq!(status, 400, "{bad}");
        assert_error(&body, "bad_request");
    }
}

#[tokio::test]
async fn a_configured_api_key_replaces_the_default() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let backend = DemoBackend::new(Options {
        api_key: "s3cret".to_owned(),
        ..Options::default()
    });
    tokio::spawn(backend.serve(listener, std::future::pending()));
    let http = client(Duration::from_secs(5));
    let url = format!("http://{addr}/api/v2/orders/1001");

    let (status, _) = send_json(http.get(&url).header("X-Api-Key", "demo-key")).await;
    assert_eq!(status, 401);
    let (status, _) = send_json(http.get(&url).header("X-Api-Key", "s3cret")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn shutdown_ends_hanging_requests_and_serve_returns() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let backend = DemoBackend::new(Options::default());
    backend.set_fault("weather=hang".parse().expect("fault"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(backend.clone().serve(listener, async move {
        let _ = stopped.await;
    }));

    let hung = tokio::spawn(async move {
        client(Duration::from_secs(30))
            .get(format!("http://{addr}/api/v2/weather?city=Dubai"))
            .header("X-Api-Key", "demo-key")
            .send()
            .await
    });
    // Wait until the server holds the hanging request before asking it to stop.
    tokio::time::timeout(Duration::from_secs(10), async {
        while backend.stats().calls(Route::Weather) == 0 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the hanging request arrives");
    let _ = stop.send(());

    let served = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("serve returns promptly after shutdown")
        .expect("server task");
    assert!(served.is_ok(), "{served:?}");
    let answer = tokio::time::timeout(Duration::from_secs(10), hung)
        .await
        .expect("the hanging request ends")
        .expect("client task");
    if let Ok(response) = answer {
        assert_eq!(response.status().as_u16(), 503);
        let body: Value = response.json().await.expect("json");
        assert_error(&body, "unavailable");
    }
}

#[tokio::test]
async fn a_new_payment_joins_the_payment_list() {
    let demo = start().await;
    let (status, body) = demo.get_json("/payments").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = body["data"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(ids, ["PAY-1001", "PAY-1002"]);

    let (status, made) = send_json(
        demo.client
            .post(demo.url("/admin/payments"))
            .json(&json!({"user_id": "u1", "amount": 2500})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(made["id"], "PAY-2001");
    assert_eq!(made["status"], "succeeded");
    assert_eq!(made["amount"], 2500);
    assert_eq!(made["currency"], "usd");
    assert_eq!(made["metadata"], json!({"user_id": "u1"}));

    let (_, body) = demo.get_json("/payments").await;
    assert_eq!(body["data"][2], made);
    let (status, body) = send_json(demo.client.post(demo.url("/admin/payments")).body("[1]")).await;
    assert_eq!(status, 400);
    assert_error(&body, "bad_request");
}
