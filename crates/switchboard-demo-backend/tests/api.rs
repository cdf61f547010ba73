//! Every `/api/v2` route: happy paths, 404s, bad input, API key enforcement, recording.

mod common;

use std::time::Duration;

use common::{assert_error, send_json, start};
use reqwest::Method;
use serde_json::{Value, json};
use switchboard_demo_backend::{DEMO_API_KEY_HEADER, Route};

#[tokio::test]
async fn orders_answer_known_ids_and_404_unknown() {
    let demo = start().await;

    let (status, order) = demo.get_json("/orders/1001").await;
    assert_eq!(status, 200);
    assert_eq!(order["status"], "shipped");
    assert_eq!(order["tracking_number"], "TRK1001");
    assert_eq!(order["customer_id"], "C42");
    assert_eq!(order["shipment"]["tracking_number"], "TRK1001");
    assert!(order["shipment"]["carrier"].is_string());
    assert_eq!(order["total"]["currency"], "USD");
    assert!(order["total"]["amount"].is_number());
    assert!(order["placed_at"].is_string());
    let item = &order["items"][0];
    for field in ["sku", "name", "qty", "price"] {
        assert!(!item[field].is_null(), "item has {field}: {item}");
    }

    let (status, order) = demo.get_json("/orders/1002").await;
    assert_eq!(status, 200);
    assert_eq!(order["status"], "processing");
    assert_eq!(order["customer_id"], "C43");
    assert!(order["shipment"].is_null());
    assert!(order["tracking_number"].is_null());

    let (status, order) = demo.get_json("/orders/1003").await;
    assert_eq!(status, 200);
    assert_eq!(order["status"], "delivered");
    assert_eq!(order["tracking_number"], "TRK1003");
    assert_eq!(order["customer_id"], "C42");

    let (status, body) = demo.get_json("/orders/9999").await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"error": {"code": "not_found", "message": "order 9999 not found"}})
    );

    // Compared exactly: a padded id is another order.
    let (status, _) = demo.get_json("/orders/01001").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn shipments_customers_and_payments() {
    let demo = start().await;

    let (status, shipment) = demo.get_json("/shipments/TRK1001").await;
    assert_eq!(status, 200);
    assert_eq!(shipment["status"], "in_transit");
    assert_eq!(
        shipment["location"],
        json!({"city": "Dubai", "country": "AE"})
    );
    assert_eq!(shipment["estimated_delivery"], "2026-11-30");
    assert!(shipment["carrier"].is_string());
    assert!(!shipment["events"].as_array().expect("events").is_empty());

    let (status, shipment) = demo.get_json("/shipments/TRK1003").await;
    assert_eq!(status, 200);
    assert_eq!(shipment["status"], "delivered");
    assert_eq!(shipment["location"]["city"], "London");

    let (status, body) = demo.get_json("/shipments/TRK0000").await;
    assert_eq!(status, 404);
    assert_error(&body, "not_found");

    let (status, customer) = demo.get_json("/customers/C42").await;
    assert_eq!(status, 200);
    assert_eq!(customer["first_name"], "Aisha");
    assert_eq!(customer["last_name"], "Khan");
    assert_eq!(customer["tier"], "gold");
    assert!(customer["email"].is_string());
    assert!(customer["member_since"].is_string());

    let (status, customer) = demo.get_json("/customers/C43").await;
    assert_eq!(status, 200);
    assert_eq!(customer["first_name"], "Omar");
    assert_eq!(customer["tier"], "silver");

    let (status, body) = demo.get_json("/customers/C99").await;
    assert_eq!(status, 404);
    assert_error(&body, "not_found");

    let (status, payment) = demo.get_json("/payments/PAY-1001").await;
    assert_eq!(status, 200);
    assert_eq!(payment["status"], "succeeded");
    assert_eq!(payment["amount"], 4999);
    assert_eq!(payment["currency"], "usd");
    assert_eq!(payment["order_id"], "1001");

    let (status, payment) = demo.get_json("/payments/PAY-1002").await;
    assert_eq!(status, 200);
    assert_eq!(payment["status"], "pending");

    let (status, body) = demo.get_json("/payments/PAY-0").await;
    assert_eq!(status, 404);
    assert_error(&body, "not_found");
}

#[tokio::test]
async fn interactions_echo_with_an_id_and_reject_non_json() {
    let demo = start().await;
    let sent = json!({"customer_id": "C42", "channel": "web", "summary": "asked about 1001"});

    let (status, body) = send_json(demo.post("/interactions").json(&sent)).await;
    assert_eq!(status, 201);
    assert_eq!(body["id"], "INT-1");
    assert_eq!(body["customer_id"], "C42");
    assert_eq!(body["summary"], "asked about 1001");

    let (status, body) = send_json(demo.post("/interactions").json(&sent)).await;
    assert_eq!(status, 201);
    assert_eq!(body["id"], "INT-2");

    let (status, body) = send_json(demo.post("/interactions").body("not json")).await;
    assert_eq!(status, 400);
    assert_error(&body, "bad_request");

    let (status, body) = send_json(demo.post("/interactions").json(&json!([1, 2]))).await;
    assert_eq!(status, 400);
    assert_error(&body, "bad_request");
}

#[tokio::test]
async fn slots_list_the_day_and_bookings_take_them() {
    let demo = start().await;

    let (status, day) = send_json(
        demo.get("/appointments/slots")
            .query(&[("date", "2026-12-01")]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(day["date"], "2026-12-01");
    let slots = day["slots"].as_array().expect("slots").clone();
    assert_eq!(slots.len(), 8);
    assert_eq!(slots[0], json!({"time": "09:00", "available": true}));
    assert_eq!(slots[3], json!({"time": "12:00", "available": false}));

    let booking =
        json!({"date": "2026-12-01", "time": "10:00", "customer_id": "C42", "name": "Aisha"});
    let (status, body) = send_json(demo.post("/appointments").json(&booking)).await;
    assert_eq!(status, 201);
    assert_eq!(body["id"], "APT-1");
    assert_eq!(body["date"], "2026-12-01");
    assert_eq!(body["time"], "10:00");
    assert_eq!(body["status"], "booked");

    let (status, body) = send_json(demo.post("/appointments").json(&booking)).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "conflict");
    assert_eq!(body["error"]["message"], "slot 2026-12-01 10:00 is taken");

    let lunch = json!({"date": "2026-12-02", "time": "12:00"});
    let (status, body) = send_json(demo.post("/appointments").json(&lunch)).await;
    assert_eq!(status, 409);
    assert_error(&body, "conflict");

    let (_, day) = send_json(
        demo.get("/appointments/slots")
            .query(&[("date", "2026-12-01")]),
    )
    .await;
    assert_eq!(
        day["slots"][1],
        json!({"time": "10:00", "available": false})
    );
    // Another day is untouched.
    let (_, other) = send_json(
        demo.get("/appointments/slots")
            .query(&[("date", "2026-12-03")]),
    )
    .await;
    assert_eq!(other["slots"][1]["available"], true);

    let (status, body) = demo.get_json("/appointments/slots").await;
    assert_eq!(status, 400);
    assert_error(&body, "bad_request");
    let (status, body) = send_json(
        demo.get("/appointments/slots")
            .query(&[("date", "2026-13-45")]),
    )
    .await;
    assert_eq!(status, 400);
    assert_error(&body, "bad_request");

    for bad in [
        json!({"date": "2026-12-01", "time": "10:30"}),
        json!({"date": "tomorrow", "time": "10:00"}),
        json!({"time": "10:00"}),
        json!({"date": "2026-12-01"}),
    ] {
        let (status, body) = send_json(demo.post("/appointments").json(&bad)).await;
        assert_eq!(status, 400, "{bad}");
        assert_error(&body, "bad_request");
    }
    let (status, _) = send_json(demo.post("/appointments").body("{oops")).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn refunds_need_a_key_and_replay_the_first_answer() {
    let demo = start().await;
    let refund = json!({"payment_id": "PAY-1001", "reason": "damaged"});

    let (status, body) = send_json(demo.post("/refunds").json(&refund)).await;
    assert_eq!(status, 400);
    assert_error(&body, "bad_request");

    let first = demo
        .post("/refunds")
        .header("Idempotency-Key", "key-1")
        .json(&refund)
        .send()
        .await
        .expect("answered");
    assert_eq!(first.status().as_u16(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.expect("json");
    assert_eq!(first["id"], "RF-1");
    assert_eq!(first["payment_id"], "PAY-1001");
    assert_eq!(first["amount"], 4999);
    assert_eq!(first["status"], "succeeded");

    // Same key, even with another body: the first answer again, nothing new created.
    let again = demo
        .post("/refunds")
        .header("Idempotency-Key", "key-1")
        .json(&json!({"payment_id": "PAY-1002", "amount": 1}))
        .send()
        .await
        .expect("answered");
    assert_eq!(again.status().as_u16(), 201);
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    assert_eq!(again.json::<Value>().await.expect("json"), first);

    let (status, second) = send_json(
        demo.post("/refunds")
            .header("Idempotency-Key", "key-2")
            .json(&json!({"payment_id": "PAY-1001", "amount": 1000})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(second["id"], "RF-2", "the replay created no refund");
    assert_eq!(second["amount"], 1000);

    // Unknown payment: 404, and the 404 is what the key replays.
    for _ in 0..2 {
        let (status, body) = send_json(
            demo.post("/refunds")
                .header("Idempotency-Key", "key-3")
                .json(&json!({"payment_id": "PAY-404"})),
        )
        .await;
        assert_eq!(status, 404);
        assert_error(&body, "not_found");
    }

    // Invalid input is not remembered: the corrected retry with the same key succeeds.
    let (status, _) = send_json(
        demo.post("/refunds")
            .header("Idempotency-Key", "key-4")
            .json(&json!({"payment_id": "PAY-1001", "amount": 999_999})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = send_json(
        demo.post("/refunds")
            .header("Idempotency-Key", "key-4")
            .json(&json!({"payment_id": "PAY-1001", "amount": 500})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(body["id"], "RF-3");
}

#[tokio::test]
async fn rates_come_from_the_table_with_cross_rates() {
    let demo = start().await;

    let (status, body) = send_json(
        demo.get("/rates")
            .query(&[("base", "USD"), ("symbols", "INR,AED")]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"base": "USD", "date": "2026-11-24", "rates": {"INR": 83.21, "AED": 3.6725}})
    );

    let (status, body) = send_json(
        demo.get("/rates")
            .query(&[("base", "EUR"), ("symbols", "USD,EUR")]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["base"], "EUR");
    assert_eq!(body["rates"]["EUR"], 1.0);
    let usd = body["rates"]["USD"].as_f64().expect("rate");
    assert!((usd - 1.0 / 0.9215).abs() < 1e-5, "{usd}");

    let (status, body) = demo.get_json("/rates").await;
    assert_eq!(status, 200);
    assert_eq!(body["base"], "USD");
    let all = body["rates"].as_object().expect("rates");
    for code in ["EUR", "GBP", "INR", "AED", "JPY"] {
        assert!(all.contains_key(code), "{code} in {body}");
    }

    for query in [
        [("base", "XYZ"), ("symbols", "INR")],
        [("base", "USD"), ("symbols", "INR,NOPE")],
    ] {
        let (status, body) = send_json(demo.get("/rates").query(&query)).await;
        assert_eq!(status, 400);
        assert_error(&body, "bad_request");
    }
}

#[tokio::test]
async fn weather_by_city_case_insensitive() {
    let demo = start().await;

    let (status, body) = send_json(demo.get("/weather").query(&[("city", "Dubai")])).await;
    assert_eq!(status, 200);
    assert_eq!(body["city"], "Dubai");
    assert_eq!(body["temperature_c"], 31);
    assert_eq!(body["condition"], "sunny");
    assert_eq!(body["humidity"], 45);

    let (status, body) = send_json(demo.get("/weather").query(&[("city", "new YORK")])).await;
    assert_eq!(status, 200);
    assert_eq!(body["city"], "New York");

    let (status, body) = send_json(demo.get("/weather").query(&[("city", "Atlantis")])).await;
    assert_eq!(status, 404);
    assert_error(&body, "not_found");

    let (status, body) = demo.get_json("/weather").await;
    assert_eq!(status, 400);
    assert_error(&body, "bad_request");
}

#[tokio::test]
async fn the_api_key_is_enforced() {
    let demo = start().await;

    let (status, body) = send_json(demo.client.get(demo.url("/api/v2/orders/1001"))).await;
    assert_eq!(status, 401);
    assert_error(&body, "unauthorized");

    let (status, body) = send_json(
        demo.client
            .get(demo.url("/api/v2/orders/1001"))
            .header(DEMO_API_KEY_HEADER, "wrong"),
    )
    .await;
    assert_eq!(status, 401);
    assert_error(&body, "unauthorized");

    // Unauthorised calls reached the server, so they count.
    assert_eq!(demo.backend.stats().calls(Route::Orders), 2);
}

#[tokio::test]
async fn unknown_paths_and_methods_are_json_errors_and_still_recorded() {
    let demo = start().await;

    let (status, body) = demo.get_json("/nothing/here").await;
    assert_eq!(status, 404);
    assert_error(&body, "not_found");

    let (status, body) = demo.get_json("/orders/1001/extra").await;
    assert_eq!(status, 404);
    assert_error(&body, "not_found");

    let (status, body) = send_json(demo.api(Method::DELETE, "/orders/1001")).await;
    assert_eq!(status, 405);
    assert_error(&body, "method_not_allowed");

    let (status, body) = send_json(demo.client.get(demo.url("/elsewhere"))).await;
    assert_eq!(status, 404);
    assert_error(&body, "not_found");

    let stats = demo.backend.stats();
    assert_eq!(stats.total, 3, "{stats:?}");
    assert_eq!(stats.unmatched, 2);
    assert_eq!(stats.calls(Route::Orders), 1);
    let requests = demo.backend.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].path, "/api/v2/nothing/here");
    assert_eq!(requests[0].route, None);
    assert_eq!(requests[2].method, "DELETE");
    assert_eq!(requests[2].route, Some(Route::Orders));
}

#[tokio::test]
async fn path_injection_stays_one_encoded_segment() {
    let demo = start().await;

    let (status, body) = demo.get_json("/orders/..%2Fadmin").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["message"], "order ../admin not found");

    let (status, _) = demo.get_json("/orders/1001%3Fx%3D1?q=a%20b").await;
    assert_eq!(status, 404);

    // A segment that does not decode to UTF-8 is a JSON 400, not a panic or a plain-text error.
    let (status, body) = demo.get_json("/orders/%FF%FE").await;
    assert_eq!(status, 400);
    assert_error(&body, "bad_request");

    let requests = demo.backend.requests();
    assert_eq!(requests[2].path, "/api/v2/orders/%FF%FE");
    assert_eq!(requests[0].path, "/api/v2/orders/..%2Fadmin");
    assert_eq!(requests[0].route, Some(Route::Orders));
    assert_eq!(requests[1].path, "/api/v2/orders/1001%3Fx%3D1?q=a%20b");
}

#[tokio::test]
async fn requests_are_recorded_with_headers_and_body() {
    let demo = start().await;
    let sent = json!({"customer_id": "C43", "channel": "sms"});
    let (status, _) = send_json(
        demo.post("/interactions")
            .header("X-Trace", "abc")
            .json(&sent),
    )
    .await;
    assert_eq!(status, 201);

    let requests = demo.backend.requests();
    let recorded = requests.last().expect("recorded");
    assert_eq!(recorded.method, "POST");
    assert_eq!(recorded.path, "/api/v2/interactions");
    assert_eq!(recorded.route, Some(Route::Interactions));
    assert_eq!(recorded.header("x-api-key"), Some("demo-key"));
    assert_eq!(recorded.header("X-Trace"), Some("abc"));
    let body: Value = serde_json::from_str(&recorded.body).expect("body recorded as text");
    assert_eq!(body, sent);
}

#[tokio::test]
async fn delay_query_parameter_adds_latency() {
    let demo = start().await;
    let impatient = common::client(Duration::from_millis(200));

    let error = demo
        .api_with(&impatient, Method::GET, "/orders/1001?delay_ms=5000")
        .send()
        .await
        .expect_err("the delay outlasts the client timeout");
    assert!(error.is_timeout(), "{error}");

    let (status, _) = demo.get_json("/orders/1001?delay_ms=10").await;
    assert_eq!(status, 200);

    let (status, body) = demo.get_json("/orders/1001?delay_ms=soon").await;
    assert_eq!(status, 400);
    assert_error(&body, "bad_request");
}
