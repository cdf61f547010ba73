//! Pollers against a small upstream on 127.0.0.1:0 whose list changes: the first poll is the
//! baseline, each changed or new item becomes one message, an unchanged poll none, and a
//! return to earlier content is a change too.

use crate::common;

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_runtime::storage::inbox::Audience;

const PROJECT: &str = r#"
connectors:
  shop:
    base_url: BACKEND
    operations:
      list_orders:
        method: GET
        path: /orders
pollers:
  orders:
    call: shop.list_orders
    every: 1h
    items: $.orders[*]
    key: $.id
    event_type: order.changed
    routes:
      order.changed:
        user: $.item.customer
        message: "Order {{ event.key }} is now {{ event.item.status }}."
"#;

type Orders = Arc<Mutex<Value>>;

async fn upstream(orders: Orders) -> std::net::SocketAddr {
    let app = axum::Router::new()
        .route(
            "/api/v2/orders",
            get(|State(o): State<Orders>| async move { Json(o.lock().unwrap().clone()) }),
        )
        .with_state(orders);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_items_become_messages_once() {
    let orders: Orders = Arc::new(Mutex::new(json!({ "orders": [
        { "id": 1, "status": "processing", "customer": "ada" },
        { "id": 2, "status": "processing", "customer": "bob" }
    ]})));
    let addr = upstream(orders.clone()).await;
    let (project, dir) = common::inline_project(PROJECT, addr);
    let services = switchboard_runtime::app::build(project, dir.path(), None)
        .await
        .unwrap();
    let w = services
        .webhooks
        .clone()
        .expect("pollers build the machinery");
    let set =
        |i: usize, status: &str| orders.lock().unwrap()["orders"][i]["status"] = json!(status);
    let messages = |user: &'static str| {
        let w = w.clone();
        async move {
            w.inbox()
                .messages_after(Audience::User(user), 0, 100)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.text)
                .collect::<Vec<_>>()
        }
    };
    let wait_for = |user: &'static str, n: usize| async move {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let got = messages(user).await;
            if got.len() >= n || tokio::time::Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };

    assert_eq!(
        w.poll_now("orders").await,
        Ok(0),
        "the first poll is the baseline"
    );
    assert_eq!(w.poll_now("orders").await, Ok(0), "nothing changed");
    set(0, "shipped");
    assert_eq!(w.poll_now("orders").await, Ok(1));
    assert_eq!(w.poll_now("orders").await, Ok(0));
    assert_eq!(wait_for("ada", 1).await, ["Order 1 is now shipped."]);
    orders.lock().unwrap()["orders"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "id": 3, "status": "processing", "customer": "bob" }));
    set(1, "cancelled");
    assert_eq!(w.poll_now("orders").await, Ok(2));
    let bob = wait_for("bob", 2).await;
    assert!(
        bob.contains(&"Order 2 is now cancelled.".to_string()),
        "{bob:?}"
    );
    assert!(
        bob.contains(&"Order 3 is now processing.".to_string()),
        "{bob:?}"
    );
    // Back to an earlier content is a change as well.
    set(0, "processing");
    assert_eq!(w.poll_now("orders").await, Ok(1));
    set(0, "shipped");
    assert_eq!(w.poll_now("orders").await, Ok(1));
    let ada = wait_for("ada", 3).await;
    assert_eq!(
        ada,
        [
            "Order 1 is now shipped.",
            "Order 1 is now processing.",
            "Order 1 is now shipped."
        ]
    );
    // A result without items changes nothing.
    orders.lock().unwrap()["orders"] = json!("not a list");
    assert_eq!(w.poll_now("orders").await, Ok(0));
}
