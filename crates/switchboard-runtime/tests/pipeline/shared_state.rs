//! The pipeline with shared state on the machine's Redis (127.0.0.1:6379, or
//! `SWITCHBOARD_TEST_REDIS_URL`): two pipelines on one key prefix stand for two instances.
//! One rate limit holds for both, a cached answer fetched by one is served by the other, a
//! write on one retires the other's entries; and with Redis unreachable, each feature does
//! what `when_down` says.

use crate::common;

use serde_json::{Map, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use switchboard_config::Project;
use switchboard_config::model::{DownMode, OperationRef, OutcomeKind, StateSettings, WhenDown};
use switchboard_demo_backend::{DemoBackend, Route};
use switchboard_runtime::pipeline::{self, CallContext, CallRecord, Pipeline};
use switchboard_runtime::shared::Shared;
use switchboard_runtime::telemetry::Telemetry;
use switchboard_runtime::template::Templates;

const PROJECT: &str = r#"
connectors:
  store:
    base_url: BACKEND
    auth: { type: api_key, in: header, name: X-Api-Key, value: "${file:secrets/key}" }
    retry: { attempts: 1 }
    operations:
      rates:
        description: Exchange rates, 5 at once then one every 6 s.
        path: /rates
        rate_limit: { requests: 10, per: 1m, burst: 5, max_wait: 0s }
      customer:
        description: A customer, cached.
        path: /customers/{customer_id}
        inputs: { customer_id: { type: string } }
        cache: { ttl: 60s }
      note:
        description: Logs an interaction, which changes what a customer lookup shows.
        method: POST
        path: /interactions
        body: { customer_id: C42, kind: note }
        invalidate: [store.customer]
"#;

fn redis_url() -> String {
    std::env::var("SWITCHBOARD_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379/0".to_string())
}

/// A pipeline on `project` with shared state at `url` under `prefix`.
fn instance(project: &Project, url: &str, prefix: &str, when_down: WhenDown) -> Arc<Pipeline> {
    let mut settings = StateSettings::from_url(url);
    settings.prefix = prefix.to_string();
    settings.when_down = when_down;
    let telemetry = Arc::new(Telemetry::new());
    let shared = Shared::start(&settings, telemetry.clone()).expect("a valid Redis URL");
    let project = Arc::new(project.clone());
    let templates = Arc::new(Templates::compile(&project).expect("templates compile"));
    Pipeline::new(
        project,
        templates,
        pipeline::Parts {
            telemetry,
            shared: Some(shared),
            ..pipeline::Parts::default()
        },
    )
    .expect("pipeline builds")
}

/// Two instances on the machine's Redis, under a prefix of this test's own.
async fn fleet(backend: SocketAddr) -> (Arc<Pipeline>, Arc<Pipeline>, tempfile::TempDir) {
    let (project, dir) = common::inline_project(PROJECT, backend);
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let url = redis_url();
    let a = instance(&project, &url, &prefix, WhenDown::default());
    let b = instance(&project, &url, &prefix, WhenDown::default());
    for p in [&a, &b] {
        tokio::time::timeout(Duration::from_secs(10), p.shared().unwrap().connected())
            .await
            .unwrap_or_else(|_| panic!("Redis answers at {url} (.ci/run starts it)"));
    }
    (a, b, dir)
}

async fn call(p: &Pipeline, operation: &str, args: &[(&str, &str)]) -> CallRecord {
    let args: Map<String, Value> = args
        .iter()
        .map(|(k, v)| ((*k).to_string(), Value::from(*v)))
        .collect();
    p.call(
        &OperationRef::parse(operation).unwrap(),
        &args,
        &CallContext::with_budget(Duration::from_secs(5)),
    )
    .await
    .expect("the call is sent")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_rate_limit() {
    let (addr, backend) = common::backend().await;
    let (a, b, _dir) = fleet(addr).await;
    let calls: Vec<_> = (0..20)
        .map(|i| {
            let p = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move { call(&p, "store.rates", &[]).await })
        })
        .collect();
    let mut ok = 0;
    for c in calls {
        let r = c.await.unwrap();
        if r.is_ok() {
            ok += 1;
        } else {
            assert_eq!(r.outcome, OutcomeKind::RateLimited, "{r:?}");
            assert_eq!(r.reason, Some("rate_limit_queue"));
        }
    }
    // The burst of 5 for both together; each alone would have let 5 through.
    assert_eq!(ok, 5);
    assert_eq!(backend.stats().calls(Route::Rates), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_answer_is_shared_and_a_write_retires_it_on_every_instance() {
    let (addr, backend) = common::backend().await;
    let (a, b, _dir) = fleet(addr).await;
    // Ten identical misses at once on the two: one upstream call.
    let calls: Vec<_> = (0..10)
        .map(|i| {
            let p = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move { call(&p, "store.customer", &[("customer_id", "C42")]).await })
        })
        .collect();
    let mut cached = 0;
    for c in calls {
        let r = c.await.unwrap();
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(r.data["id"], "C42");
        cached += usize::from(r.cached);
    }
    assert_eq!(backend.stats().calls(Route::Customers), 1);
    assert_eq!(cached, 9);
    // A write on one instance retires the entry for both.
    let r = call(&b, "store.note", &[]).await;
    assert!(r.is_ok(), "{r:?}");
    let r = call(&a, "store.customer", &[("customer_id", "C42")]).await;
    assert!(!r.cached, "served after the write: {r:?}");
    assert_eq!(backend.stats().calls(Route::Customers), 2);
    let r = call(&b, "store.customer", &[("customer_id", "C42")]).await;
    assert!(r.cached);
    assert_eq!(backend.stats().calls(Route::Customers), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_redis_each_feature_does_as_when_down_says() {
    let (addr, backend): (_, DemoBackend) = common::backend().await;
    let (project, _dir) = common::inline_project(PROJECT, addr);
    // Nothing listens there: every Redis command fails at once.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        format!("redis://127.0.0.1:{port}/0")
    };
    let mode = |rate_limit, cache| WhenDown {
        rate_limit,
        cache,
        turn_lock: DownMode::Local,
    };

    // fail_closed: a limited call is refused, nothing sent.
    let p = instance(
        &project,
        &closed,
        "down",
        mode(DownMode::FailClosed, DownMode::Local),
    );
    let r = call(&p, "store.rates", &[]).await;
    assert_eq!(r.outcome, OutcomeKind::RateLimited, "{r:?}");
    assert_eq!(backend.stats().calls(Route::Rates), 0);
    assert!(!p.shared().unwrap().is_up());
    let metrics = p.render_metrics();
    assert!(
        metrics.contains("switchboard_shared_state_up 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            r#"switchboard_shared_state_fallbacks_total{feature="rate_limit",mode="fail_closed"} 1"#
        ),
        "{metrics}"
    );

    // fail_open: no limit at all; and no cache: every call goes upstream.
    let p = instance(
        &project,
        &closed,
        "down",
        mode(DownMode::FailOpen, DownMode::FailOpen),
    );
    for _ in 0..7 {
        assert!(call(&p, "store.rates", &[]).await.is_ok());
    }
    assert_eq!(backend.stats().calls(Route::Rates), 7);
    for _ in 0..2 {
        let r = call(&p, "store.customer", &[("customer_id", "C42")]).await;
        assert!(r.is_ok() && !r.cached, "{r:?}");
    }
    assert_eq!(backend.stats().calls(Route::Customers), 2);

    // local (the default): the instance's own limit and cache.
    backend.reset_stats();
    let p = instance(&project, &closed, "down", WhenDown::default());
    let mut ok = 0;
    for _ in 0..7 {
        ok += usize::from(call(&p, "store.rates", &[]).await.is_ok());
    }
    assert_eq!(ok, 5, "the local burst");
    assert_eq!(backend.stats().calls(Route::Rates), 5);
    assert!(
        !call(&p, "store.customer", &[("customer_id", "C42")])
            .await
            .cached
    );
    assert!(
        call(&p, "store.customer", &[("customer_id", "C42")])
            .await
            .cached
    );
    assert_eq!(backend.stats().calls(Route::Customers), 1);
}
