//! Three `switchboard serve` processes on one PostgreSQL and one Redis behave as one: an
//! operation's rate limit holds for the fleet, a cached answer is fetched once for all, the
//! messages of one conversation spread over the three are taken in arrival order without a
//! conflict, a `kill -9` of the instance holding a conversation frees it within the lease, and
//! with Redis stopped each instance goes on as `when_down` says, and says it is degraded. An
//! OAuth token is fetched once for the three, and a webhook taken by one instance reaches an
//! event stream held by another.
//!
//! Redis is a `redis-server` of the test's own on a free port (so it can be stopped mid-run);
//! PostgreSQL is the machine's, in a schema of the test's own.

use super::{Proc, Schema, get_json, metrics, post, serve};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use switchboard_demo_backend::{DemoBackend, Route};

const PROJECT: &str = r#"
bot:
  turn_deadline: 15s
  history_limit: 200
state:
  redis: "${env:FLEET_REDIS_URL}"
  timeout: 2s
connectors:
  store:
    base_url: BACKEND
    auth: { type: api_key, in: header, name: X-Api-Key, value: "${env:FLEET_STORE_KEY}" }
    timeout: 12s
    retry: { attempts: 1 }
    operations:
      limited:
        description: Exchange rates, at most 100 calls a minute.
        path: /rates
        rate_limit: { requests: 100, per: 1m, burst: 100, max_wait: 0s }
      cached:
        description: A customer, cached for a minute.
        path: /customers/{customer_id}
        inputs: { customer_id: { type: string } }
        cache: { ttl: 60s }
      order:
        description: An order, answered after a delay.
        path: /orders/{order_id}
        query: { delay_ms: "{{ inputs.delay_ms }}" }
        inputs:
          order_id: { type: string }
          delay_ms: { type: string }
        response: { extract: { status: $.status } }
  secured:
    base_url: BACKEND
    headers: { X-Api-Key: "${env:FLEET_STORE_KEY}" }
    retry: { attempts: 1 }
    auth:
      type: oauth2_client_credentials
      token_url: TOKEN_URL
      client_id: fleet-bot
      client_secret: "${env:FLEET_CLIENT_SECRET}"
      expiry_skew: 0s
    operations:
      weather:
        description: The weather in Dubai, behind an OAuth token.
        path: /weather
        query: { city: Dubai }
intents:
  check_order:
    examples: [check my order, how is my order doing, check the order please]
    steps:
      o: { call: store.order, with: { order_id: "1001", delay_ms: "80" } }
    reply: "Order 1001 is {{ steps.o.status }}."
  slow_check:
    examples: [take your time with the order, slowly check everything, no hurry at all]
    steps:
      o: { call: store.order, with: { order_id: "1001", delay_ms: "8000" } }
    reply: "Slowly: order 1001 is {{ steps.o.status }}."
webhooks:
  payments:
    verify: { type: stripe, secrets: ["${env:FLEET_WEBHOOK_SECRET}"] }
    routes:
      payment_intent.succeeded:
        user: $.data.object.metadata.user_id
        message: "Payment {{ event.id }} received."
"#;

/// The webhook source's signing secret.
const WEBHOOK_SECRET: &str = "whsec_fleet_test";

/// A free loopback port (bound, then released for the child to take).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether a Redis on `port` answers PING.
fn redis_answers(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 7];
    s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

/// A `redis-server` of the test's own on `port`, answering before this returns.
fn start_redis(port: u16) -> Proc {
    let child = Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .arg("--port")
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server runs (Debian's redis-server package; .ci/run installs it)");
    let started = Instant::now();
    while !redis_answers(port) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "redis-server on {port} did not answer"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Proc(child)
}

/// One instance: `switchboard serve` on a free port; its URL once it answers. The third
/// reads a copy of the project without its `state` section and gets Redis from
/// `--redis-url` instead.
fn start_instance(dir: &Path, n: usize, database: &str, redis: &str) -> (Proc, String) {
    let config = dir.join(if n == 2 {
        "no-state.yaml"
    } else {
        "switchboard.yaml"
    });
    serve(&config, &dir.join(format!("data-{n}")), database, |cmd| {
        if n == 2 {
            cmd.args(["--redis-url", redis]);
        }
        cmd.env("FLEET_REDIS_URL", redis)
            .env("FLEET_STORE_KEY", "demo-key")
            .env("FLEET_WEBHOOK_SECRET", WEBHOOK_SECRET)
            .env("FLEET_CLIENT_SECRET", "fleet-client-secret");
    })
}

/// A token endpoint handing out tokens good for 2 s; counts its requests.
fn token_server() -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let addr = crate::json_server::serve(move |_| {
        let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
        json!({"access_token": format!("tok-{n}"), "token_type": "Bearer", "expires_in": 2})
    });
    (format!("http://{addr}/oauth/token"), count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_share_limits_cache_and_conversations_and_go_on_without_redis() {
    let (addr, backend): (_, DemoBackend) = DemoBackend::spawn_local().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (token_url, tokens) = token_server();
    let project = PROJECT
        .replace("BACKEND", &format!("http://{addr}/api/v2"))
        .replace("TOKEN_URL", &token_url);
    std::fs::write(dir.path().join("switchboard.yaml"), &project).unwrap();
    let state = "state:\n  redis: \"${env:FLEET_REDIS_URL}\"\n  timeout: 2s\n";
    assert!(project.contains(state));
    std::fs::write(dir.path().join("no-state.yaml"), project.replace(state, "")).unwrap();
    let redis_port = free_port();
    let mut redis = Some(start_redis(redis_port));
    let redis_url = format!("redis://127.0.0.1:{redis_port}/0");
    let schema = Schema::create("fleet");
    let database = schema.url();
    let mut instances: Vec<(Proc, String)> = (0..3)
        .map(|n| start_instance(dir.path(), n, &database, &redis_url))
        .collect();
    let urls: Vec<String> = instances.iter().map(|(_, u)| u.clone()).collect();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    // Every instance has reached Redis before the load starts.
    for url in &urls {
        let started = Instant::now();
        loop {
            let (_, ready) = get_json(&http, format!("{url}/readyz")).await;
            if ready["checks"]["shared_state"] == "ok" {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "{ready}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    // 600 concurrent calls of an operation limited to 100 a minute (burst 100, no queue),
    // 200 to each instance: the upstream sees the burst and what the rate refills meanwhile.
    let started = Instant::now();
    let answers = spread(
        &http,
        &urls,
        600,
        "/v1/tools/store_limited",
        json!({"arguments": {}}),
    )
    .await;
    let elapsed = started.elapsed();
    let sent = backend.stats().calls(Route::Rates);
    let refill = (elapsed.as_secs_f64() / 0.6).ceil() as u64;
    let mut fallbacks = String::new();
    for url in &urls {
        let text = metrics(&http, url).await;
        fallbacks.extend(
            text.lines()
                .filter(|l| l.starts_with("switchboard_shared_state_fallbacks_total"))
                .map(|l| format!("{url}: {l}\n")),
        );
    }
    assert!(
        (100..=100 + refill).contains(&sent),
        "the upstream saw {sent} calls in {elapsed:?} (limit 100 a minute, burst 100); three separate limits would let up to 300 through; decisions made without Redis:\n{fallbacks}"
    );
    assert!(
        fallbacks.is_empty(),
        "Redis answered every decision:\n{fallbacks}"
    );
    let ok = answers
        .iter()
        .filter(|(s, b)| *s == 200 && b["ok"] == true)
        .count() as u64;
    assert_eq!(ok, sent, "every call sent is answered, the others refused");

    // A cached operation called 30 times at once through the three: one upstream call.
    backend.reset_stats();
    for (status, body) in spread(
        &http,
        &urls,
        30,
        "/v1/tools/store_cached",
        json!({"arguments": {"customer_id": "C42"}}),
    )
    .await
    {
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["ok"], true, "{body}");
    }
    assert_eq!(backend.stats().calls(Route::Customers), 1);

    // A client-credentials token is fetched once for the fleet; once it has expired, 60 calls
    // at once over the three fetch one new token between them.
    for url in &urls {
        let (status, body) = post(
            &http,
            format!("{url}/v1/tools/secured_weather"),
            json!({"arguments": {}}),
        )
        .await;
        assert_eq!(body["ok"], true, "{status} {body}");
    }
    assert_eq!(tokens.load(Ordering::SeqCst), 1, "one token for the three");
    tokio::time::sleep(Duration::from_millis(2200)).await; // the token's 2 s lifetime
    for (status, body) in spread(
        &http,
        &urls,
        60,
        "/v1/tools/secured_weather",
        json!({"arguments": {}}),
    )
    .await
    {
        assert_eq!(body["ok"], true, "{status} {body}");
    }
    assert_eq!(
        tokens.load(Ordering::SeqCst),
        2,
        "one new token for 60 calls on three"
    );

    // 50 messages of one conversation, 40 ms apart, round robin over the three; each turn
    // takes 80 ms upstream, so they queue: taken in arrival order, none refused. The user's
    // conversation exists first (making it is not part of the order).
    for url in &urls {
        let (status, body) = post(
            &http,
            format!("{url}/v1/chat"),
            json!({"user_id": "fleet-user", "text": "hello"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let mut sends = Vec::new();
    for i in 0..50 {
        let (http, url) = (http.clone(), urls[i % 3].clone());
        sends.push(tokio::spawn(async move {
            post(
                &http,
                format!("{url}/v1/chat"),
                json!({"user_id": "fleet-user", "text": format!("check my order m{i:02}")}),
            )
            .await
        }));
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    let answers = futures_join(sends).await;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
    }
    let conversation = answers[0].1["conversation_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, conv) = get_json(
        &http,
        format!("{}/v1/conversations/{conversation}", urls[1]),
    )
    .await;
    let said: Vec<String> = conv["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "user" && m["text"] != "hello")
        .map(|m| m["text"].as_str().unwrap().to_string())
        .collect();
    let sent: Vec<String> = (0..50).map(|i| format!("check my order m{i:02}")).collect();
    assert_eq!(
        said, sent,
        "the history holds the messages in arrival order"
    );

    // A webhook accepted by one instance reaches a user's event stream held by another.
    let mut stream = http
        .get(format!("{}/v1/users/stream-user/events", urls[1]))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let event = json!({
        "id": "evt_fleet_1",
        "type": "payment_intent.succeeded",
        "data": { "object": { "metadata": { "user_id": "stream-user" } } }
    })
    .to_string();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let r = http
        .post(format!("{}/v1/webhooks/payments", urls[0]))
        .header("content-type", "application/json")
        .header(
            "Stripe-Signature",
            switchboard_demo_backend::stripe_signature(
                WEBHOOK_SECRET,
                now as i64,
                event.as_bytes(),
            ),
        )
        .body(event)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let mut seen = String::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        while !seen.contains("Payment evt_fleet_1 received.") {
            let chunk = stream
                .chunk()
                .await
                .unwrap()
                .expect("the stream stays open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the message never reached the other instance's stream: {seen}"));
    assert!(seen.contains("event: message"), "{seen}");
    drop(stream);

    // The instance holding a conversation dies mid-turn: the next message, on another
    // instance, goes on within the lease instead of waiting for the turn deadline.
    let (status, body) = post(
        &http,
        format!("{}/v1/chat", urls[2]),
        json!({"user_id": "kill-user", "text": "check my order"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let slow = {
        let (http, url) = (http.clone(), urls[0].clone());
        tokio::spawn(async move {
            let _ = http
                .post(format!("{url}/v1/chat"))
                .json(&json!({"user_id": "kill-user", "text": "take your time with the order"}))
                .send()
                .await;
        })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    let next = {
        let (http, url) = (http.clone(), urls[1].clone());
        tokio::spawn(async move {
            post(
                &http,
                format!("{url}/v1/chat"),
                json!({"user_id": "kill-user", "text": "check my order"}),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let killed_at = Instant::now();
    instances[0].0.kill();
    let (status, body) = next.await.unwrap();
    let after = killed_at.elapsed();
    slow.abort();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["replies"][0]["text"], "Order 1001 is shipped.",
        "{body}"
    );
    assert!(
        after < Duration::from_secs(4),
        "the next message waited {after:?} after the holder died (lease 2 s; its turn would have run 8 s)"
    );

    // Redis stops: the two instances left go on with their own limits and cache (local),
    // say they are degraded, and count the decisions made without it.
    drop(redis.take());
    backend.reset_stats();
    let url = &urls[1];
    let (status, body) = post(
        &http,
        format!("{url}/v1/tools/store_cached"),
        json!({"arguments": {"customer_id": "C43"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        &http,
        format!("{url}/v1/chat"),
        json!({"user_id": "fleet-user-2", "text": "check my order"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["replies"][0]["text"], "Order 1001 is shipped.");
    let (status, ready) = get_json(&http, format!("{url}/readyz")).await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready["status"], "degraded", "{ready}");
    assert_eq!(ready["when_down"]["rate_limit"], "local");
    let text = metrics(&http, url).await;
    assert!(text.contains("switchboard_shared_state_up 0"), "{text}");
    assert!(
        text.contains(
            r#"switchboard_shared_state_fallbacks_total{feature="turn_lock",mode="local"}"#
        ),
        "{text}"
    );
    // Redis back on the same port: the instances reconnect and are ready again.
    redis = Some(start_redis(redis_port));
    let started = Instant::now();
    loop {
        let _ = post(
            &http,
            format!("{url}/v1/tools/store_cached"),
            json!({"arguments": {"customer_id": "C42"}}),
        )
        .await;
        let (_, ready) = get_json(&http, format!("{url}/readyz")).await;
        if ready["status"] == "ready" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "not ready again after Redis came back: {ready}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(instances.drain(..));
    drop(redis);
}

/// Awaits every task, in order.
async fn futures_join<T: Send + 'static>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// `n` concurrent POSTs of `body` to `path`, round robin over the instances; the answers
/// in order.
async fn spread(
    http: &reqwest::Client,
    urls: &[String],
    n: usize,
    path: &str,
    body: Value,
) -> Vec<(u16, Value)> {
    let calls: Vec<_> = (0..n)
        .map(|i| {
            let url = format!("{}{path}", urls[i % urls.len()]);
            let (http, body) = (http.clone(), body.clone());
            tokio::spawn(async move { post(&http, url, body).await })
        })
        .collect();
    futures_join(calls).await
}
