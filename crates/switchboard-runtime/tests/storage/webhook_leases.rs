//! Webhook leases on PostgreSQL, where instances share the inbox: an instance killed while
//! its route calls hang leaves its claimed events pending; when it starts again (same data
//! directory, so the same instance identity) they are delivered within seconds, not after a
//! minute's lease; another instance takes them over once the short lease runs out; and a route
//! slower than the lease keeps its event (the lease is renewed), so it is delivered once.

use crate::common;

use axum::Json;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_runtime::app::Services;
use switchboard_runtime::storage::inbox::{Audience, EventStatus, InboxStore, NewEvent};
use switchboard_runtime::webhooks::Webhooks;

const PROJECT: &str = r#"
bot:
  turn_deadline: 60s
connectors:
  shop:
    base_url: BACKEND
    timeout: 60s
    operations:
      get_order:
        method: GET
        path: /orders/{order_id}
        inputs:
          order_id: { type: string }
webhooks:
  payments:
    verify: { type: stripe, secrets: ["${file:secrets/key}"] }
    user_hourly_limit: 100000
    routes:
      payment_intent.succeeded:
        user: $.user
        steps:
          order: { call: shop.get_order, with: { order_id: "{{ event.id }}" } }
        message: "Payment {{ event.id }}: order {{ steps.order.status }}."
"#;

/// The order API: each call is counted; it answers after `delay_ms` (a huge delay is a hang).
#[derive(Clone, Default)]
struct Upstream {
    calls: Arc<Mutex<Vec<String>>>,
    delay_ms: Arc<AtomicU64>,
    arrived: Arc<AtomicUsize>,
}

impl Upstream {
    async fn start(self) -> SocketAddr {
        let app = axum::Router::new()
            .route(
                "/api/v2/orders/{id}",
                get(
                    |State(u): State<Upstream>, Path(id): Path<String>| async move {
                        u.calls.lock().unwrap().push(id.clone());
                        u.arrived.fetch_add(1, Ordering::SeqCst);
                        let delay = u.delay_ms.load(Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(delay)).await;
                        Json(json!({ "id": id, "status": "paid" }))
                    },
                ),
            )
            .with_state(self);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    }

    async fn wait_for_calls(&self, n: usize) {
        tokio::time::timeout(Duration::from_secs(20), async {
            while self.arrived.load(Ordering::SeqCst) < n {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{n} upstream calls in time"));
    }

    fn calls_for(&self, id: &str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| *c == id)
            .count()
    }
}

fn payment(id: &str, user: &str) -> NewEvent {
    NewEvent {
        source: "payments".into(),
        event_id: id.into(),
        event_type: "payment_intent.succeeded".into(),
        payload: json!({ "id": id, "user": user }).to_string(),
        received_at: chrono::Utc::now().timestamp_millis(),
        settled: None,
    }
}

/// A project directory (the data directory is its `data/`).
fn project_dir(addr: SocketAddr) -> tempfile::TempDir {
    let (_, dir) = common::inline_project(PROJECT, addr);
    dir
}

fn load(dir: &tempfile::TempDir) -> switchboard_config::Project {
    common::load(&dir.path().join("switchboard.yaml"))
}

async fn instance(dir: &tempfile::TempDir, url: &str) -> Arc<Webhooks> {
    switchboard_runtime::app::build(load(dir), &dir.path().join("data"), Some(url))
        .await
        .expect("services build")
        .webhooks
        .expect("the project has a webhook source")
}

/// An instance on a runtime of its own, so that shutting the runtime down stops everything it
/// runs at once, mid-call, as `kill -9` would.
fn instance_on_own_runtime(
    dir: &tempfile::TempDir,
    url: &str,
) -> (tokio::runtime::Runtime, Services) {
    let project = load(dir);
    let data = dir.path().join("data");
    let url = url.to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let services = rt
            .block_on(switchboard_runtime::app::build(project, &data, Some(&url)))
            .expect("services build");
        (rt, services)
    })
    .join()
    .unwrap()
}

async fn count(inbox: &Arc<dyn InboxStore>, ids: &[String], status: EventStatus) -> usize {
    let mut n = 0;
    for id in ids {
        if inbox.status("payments", id).await.unwrap() == Some(status) {
            n += 1;
        }
    }
    n
}

async fn all_delivered(inbox: &Arc<dyn InboxStore>, ids: &[String], within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let delivered = count(inbox, ids, EventStatus::Delivered).await;
        if delivered == ids.len() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{delivered} of {} delivered after {within:?}",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// 21 events claimed by an instance whose route calls hang; the instance is killed. Returns
/// the upstream, the ids, the database and the killed instance's project directory.
async fn killed_mid_route() -> (Upstream, Vec<String>, common::PgSchema, tempfile::TempDir) {
    let pg = common::PgSchema::create("leases").await;
    let upstream = Upstream::default();
    upstream.delay_ms.store(3_600_000, Ordering::SeqCst);
    let addr = upstream.clone().start().await;
    let dir = project_dir(addr);
    let ids: Vec<String> = (0..21).map(|i| format!("evt_{i}")).collect();

    // Stored before the instance starts, so its first claim takes all of them.
    let settings = switchboard_config::model::StorageSettings::Postgres {
        url: switchboard_config::Secret::from_reference(pg.url()),
    };
    let inbox = switchboard_runtime::storage::inbox::open(&settings, dir.path())
        .await
        .unwrap();
    for (i, id) in ids.iter().enumerate() {
        inbox
            .insert(&payment(id, &format!("u{}", i % 3)))
            .await
            .unwrap();
    }
    let (rt, first) = instance_on_own_runtime(&dir, &pg.url());
    // Eight routes (the worker's concurrency) are waiting on the upstream: all are claimed.
    upstream.wait_for_calls(8).await;
    rt.shutdown_background();
    drop(first);
    (upstream, ids, pg, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_instance_delivers_what_its_killed_run_had_claimed_within_seconds() {
    let (upstream, ids, pg, dir) = killed_mid_route().await;
    upstream.delay_ms.store(0, Ordering::SeqCst);
    // Make the killed run's leases an hour long: only releasing them can explain a quick
    // delivery (waiting them out would take the hour; the old fixed lease was a minute).
    let held = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE {}.webhook_events SET next_attempt_at = next_attempt_at + 3600000 \
         WHERE claimed_by IS NOT NULL AND status = 'pending'",
        pg.name
    )))
    .execute(pg.admin())
    .await
    .unwrap();
    assert_eq!(
        held.rows_affected(),
        21,
        "every event is pending and held by the killed run: nothing was lost"
    );
    let again = instance(&dir, &pg.url()).await;
    let inbox = again.inbox().clone();
    all_delivered(&inbox, &ids, Duration::from_secs(10)).await;
    let mut shown = 0;
    for u in 0..3 {
        shown += inbox
            .messages_after(Audience::User(&format!("u{u}")), 0, 100)
            .await
            .unwrap()
            .len();
    }
    assert_eq!(shown, 21, "each event is shown once");
    drop(again);
    pg.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_instance_takes_over_a_killed_instances_events_after_the_short_lease() {
    let (upstream, ids, pg, dir) = killed_mid_route().await;
    upstream.delay_ms.store(0, Ordering::SeqCst);
    // A different data directory: another instance identity, which must wait out the lease.
    let other_dir = project_dir(upstream.clone().start().await);
    std::fs::copy(
        dir.path().join("switchboard.yaml"),
        other_dir.path().join("switchboard.yaml"),
    )
    .unwrap();
    let started = Instant::now();
    let other = instance(&other_dir, &pg.url()).await;
    let inbox = other.inbox().clone();
    all_delivered(&inbox, &ids, Duration::from_secs(10)).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(9), "took {took:?}");
    drop(other);
    pg.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_slower_than_the_lease_keeps_its_event_and_is_delivered_once() {
    let pg = common::PgSchema::create("leases").await;
    let upstream = Upstream::default();
    // Longer than the 5 s lease: without renewals the second instance would take it over.
    upstream.delay_ms.store(8_000, Ordering::SeqCst);
    let addr = upstream.clone().start().await;
    let (a_dir, b_dir) = (project_dir(addr), project_dir(addr));
    let a = instance(&a_dir, &pg.url()).await;
    let inbox = a.inbox().clone();
    inbox.insert(&payment("evt_slow", "ada")).await.unwrap();
    upstream.wait_for_calls(1).await;
    let b = instance(&b_dir, &pg.url()).await;
    assert_ne!(
        a.holder().instance,
        b.holder().instance,
        "two data directories, two instances"
    );
    all_delivered(&inbox, &["evt_slow".to_string()], Duration::from_secs(20)).await;
    assert_eq!(upstream.calls_for("evt_slow"), 1, "routed by one instance");
    let messages = inbox
        .messages_after(Audience::User("ada"), 0, 10)
        .await
        .unwrap();
    let texts: Vec<Value> = messages.iter().map(|m| json!(m.text)).collect();
    assert_eq!(texts, [json!("Payment evt_slow: order paid.")]);
    drop((a, b));
    pg.drop().await;
}
