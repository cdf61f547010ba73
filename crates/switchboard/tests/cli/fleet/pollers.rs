//! A poller on three instances sharing PostgreSQL runs on one of them at a time; when that
//! one is killed (`kill -9`), another takes the poller over once the lease has run out, goes
//! on from the state the first one stored (no second baseline), and its changes still become
//! messages.

use super::{Schema, serve};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PROJECT: &str = r#"
connectors:
  shop:
    base_url: SHOP
    headers: { X-Instance: "${env:FLEET_INSTANCE}" }
    operations:
      list_orders:
        path: /orders
pollers:
  orders:
    call: shop.list_orders
    every: 1s
    items: $.orders[*]
    key: $.id
    event_type: order.changed
    routes:
      order.changed:
        user: $.item.customer
        message: "Order {{ event.key }} is now {{ event.item.status }}."
"#;

/// How long a dead holder keeps a job: the lease (5 s), one more ask (1.5 s), a poll
/// interval (1 s) and room for a busy machine.
const TAKE_OVER: Duration = Duration::from_secs(12);

/// Each poll the upstream saw: when, and which instance sent it.
type Polls = Arc<Mutex<Vec<(Instant, String)>>>;

/// Waits until `polls` holds more than `n` polls; all of them.
async fn polls_beyond(polls: &Polls, n: usize) -> Vec<(Instant, String)> {
    let started = Instant::now();
    loop {
        let seen = polls.lock().unwrap().clone();
        if seen.len() > n {
            return seen;
        }
        assert!(
            started.elapsed() < TAKE_OVER,
            "no poll after the {n}th: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poller_runs_on_one_instance_and_another_takes_it_over_when_it_dies() {
    let orders = Arc::new(Mutex::new(json!({ "orders": [
        { "id": 1, "status": "processing", "customer": "ada" }
    ]})));
    let polls: Polls = Arc::default();
    let shop = {
        let (orders, polls) = (orders.clone(), polls.clone());
        crate::json_server::serve(move |r| {
            let who = r.header("x-instance").unwrap_or("none").to_string();
            polls.lock().unwrap().push((Instant::now(), who));
            orders.lock().unwrap().clone()
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("switchboard.yaml");
    std::fs::write(&config, PROJECT.replace("SHOP", &format!("http://{shop}"))).unwrap();
    let schema = Schema::create("fleet_pollers");
    let mut instances: Vec<_> = (0..3)
        .map(|n| {
            let data = dir.path().join(format!("data-{n}"));
            serve(&config, &data, &schema.url(), |cmd| {
                cmd.env("FLEET_INSTANCE", format!("i{n}"));
            })
        })
        .collect();

    // Five polls with the three up: all from one instance.
    let seen = polls_beyond(&polls, 4).await;
    let holder = seen[0].1.clone();
    assert!(
        seen.iter().all(|(_, who)| *who == holder),
        "one instance polls at a time: {seen:?}"
    );

    // The holder dies; another instance polls within the lease and from then on alone.
    let n: usize = holder.trim_start_matches('i').parse().unwrap();
    let before = polls.lock().unwrap().len();
    instances[n].0.kill();
    let killed_at = Instant::now();
    let seen = polls_beyond(&polls, before).await;
    let (first_after, heir) = seen[before].clone();
    assert_ne!(heir, holder, "{seen:?}");
    assert!(
        first_after.duration_since(killed_at) < TAKE_OVER,
        "taken over after {:?}",
        first_after.duration_since(killed_at)
    );
    let seen = polls_beyond(&polls, before + 3).await;
    assert!(
        seen[before..].iter().all(|(_, who)| *who == heir),
        "one instance polls after the take-over: {:?}",
        &seen[before..]
    );

    // The heir goes on from the stored baseline: a change becomes one message, read from the
    // third instance's stream.
    let third = (0..3).find(|&i| i != n && format!("i{i}") != heir).unwrap();
    let http = reqwest::Client::new();
    let mut stream = http
        .get(format!("{}/v1/users/ada/events", instances[third].1))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    orders.lock().unwrap()["orders"][0]["status"] = Value::from("shipped");
    let mut text = String::new();
    tokio::time::timeout(TAKE_OVER, async {
        while !text.contains("Order 1 is now shipped.") {
            let chunk = stream
                .chunk()
                .await
                .unwrap()
                .expect("the stream stays open");
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the change never became a message: {text}"));
    assert!(
        !text.contains("is now processing"),
        "the baseline is not announced again: {text}"
    );
    drop(stream);
    drop(instances);
}
