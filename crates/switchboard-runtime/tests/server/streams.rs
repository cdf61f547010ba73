//! Event streams through a real server on 127.0.0.1:0: a message reaches an open stream as
//! soon as it is recorded (well inside the 30 s safety poll), on SQLite, on PostgreSQL, and
//! across two instances sharing one PostgreSQL database (LISTEN/NOTIFY); open streams are
//! capped per user (the oldest is replaced) and per instance (503 `too_many_streams`).

use crate::common::{self, Bot};

use futures::StreamExt;
use futures::stream::BoxStream;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use switchboard_runtime::server;
use switchboard_runtime::verify::stripe_sign;

/// Far below the 30 s safety poll (and below the 2 s poll streams used before): a message
/// that arrives within it was pushed, not found by polling.
const PUSHED: Duration = Duration::from_millis(1500);

fn project_yaml(inbound: &str) -> String {
    format!(
        "webhooks:
  payments:
    verify: {{ type: stripe, secrets: [\"${{file:secrets/key}}\"] }}
    retry_backoff: 50ms
    user_hourly_limit: 100000
    routes:
      payment_intent.succeeded:
        user: $.data.object.metadata.user_id
        message: \"Payment {{{{ event.id }}}} received.\"
{inbound}"
    )
}

async fn bot(inbound: &str, database_url: Option<&str>) -> Bot {
    let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let (project, dir) = common::inline_project(&project_yaml(inbound), addr);
    common::serve(project, dir, database_url).await
}

/// What the stream tests do with a served bot.
trait StreamsBot {
    async fn pay(&self, id: &str, user: &str);
    async fn open(&self, user: &str) -> reqwest::Response;
    async fn metrics(&self) -> String;
    async fn metrics_until(&self, lines: &[&str]);
    async fn follow(&self, user: &str) -> Sse;
}

impl StreamsBot for Bot {
    /// Posts a signed payment event for `user` until it is accepted.
    async fn pay(&self, id: &str, user: &str) {
        let body = json!({
            "id": id,
            "type": "payment_intent.succeeded",
            "created": chrono::Utc::now().timestamp(),
            "data": { "object": { "amount": 100, "currency": "aed", "metadata": { "user_id": user } } }
        })
        .to_string();
        let sig = stripe_sign("demo-key", chrono::Utc::now().timestamp(), body.as_bytes());
        let res = self
            .http
            .post(format!("{}/v1/webhooks/payments", self.url))
            .header("content-type", "application/json")
            .header("Stripe-Signature", sig)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
    }

    async fn open(&self, user: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/v1/users/{user}/events", self.url))
            .send()
            .await
            .unwrap()
    }

    async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Reads `/metrics` until it has every line, at most 5 s.
    async fn metrics_until(&self, lines: &[&str]) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let text = self.metrics().await;
            if lines.iter().all(|l| text.lines().any(|t| t == *l)) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{lines:?} never all in\n{text}"
            );
            tokio::task::yield_now().await;
        }
    }

    async fn follow(&self, user: &str) -> Sse {
        let res = self.open(user).await;
        assert_eq!(res.status(), 200);
        Sse::new(res)
    }
}

/// One server-sent event.
#[derive(Debug)]
struct SseEvent {
    event: String,
    data: Value,
}

/// Reads a server-sent event stream event by event.
struct Sse {
    body: BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buf: String,
}

impl Sse {
    fn new(res: reqwest::Response) -> Sse {
        Sse {
            body: res.bytes_stream().boxed(),
            buf: String::new(),
        }
    }

    /// The next event (comments skipped) within `within`; `None` when the stream ended.
    async fn next(&mut self, within: Duration) -> Option<SseEvent> {
        let read = async {
            loop {
                if let Some(end) = self.buf.find("\n\n") {
                    let block: String = self.buf.drain(..end + 2).collect();
                    let mut event = "message".to_string();
                    let mut data = None;
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("event:") {
                            event = v.trim().to_string();
                        } else if let Some(v) = line.strip_prefix("data:") {
                            data = Some(serde_json::from_str(v.trim()).unwrap());
                        }
                    }
                    if let Some(data) = data {
                        return Some(SseEvent { event, data });
                    }
                    continue;
                }
                match self.body.next().await {
                    Some(chunk) => self.buf.push_str(&String::from_utf8_lossy(&chunk.unwrap())),
                    None => return None,
                }
            }
        };
        tokio::time::timeout(within, read)
            .await
            .unwrap_or_else(|_| panic!("no event within {within:?}"))
    }
}

/// A message arrives on an open stream; then, with the stream surely waiting, a second one
/// is recorded by `sender` and must arrive within [`PUSHED`].
async fn pushed_at_once(sender: &Bot, follower: &Bot, user: &str) {
    let mut stream = follower.follow(user).await;
    sender.pay(&format!("{user}_first"), user).await;
    let first = stream.next(Duration::from_secs(10)).await.expect("open");
    assert_eq!(first.event, "message");
    assert_eq!(
        first.data["text"],
        format!("Payment {user}_first received.")
    );

    let started = tokio::time::Instant::now();
    sender.pay(&format!("{user}_second"), user).await;
    let second = stream.next(PUSHED).await.expect("open");
    assert_eq!(
        second.data["text"],
        format!("Payment {user}_second received.")
    );
    assert!(started.elapsed() < PUSHED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_reaches_an_open_stream_at_once_on_sqlite() {
    let b = bot("", None).await;
    pushed_at_once(&b, &b, "ada").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_reaches_an_open_stream_at_once_on_postgresql() {
    let pg = common::PgSchema::create("streams").await;
    let b = bot("", Some(&pg.url())).await;
    pushed_at_once(&b, &b, "ada").await;
    pg.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_recorded_by_another_instance_reaches_the_stream_at_once() {
    let pg = common::PgSchema::create("streams").await;
    let url = pg.url();
    let a = bot("", Some(&url)).await;
    let b = bot("", Some(&url)).await;
    // Streams on B, events sent to A (A's worker, woken by the insert, routes them).
    pushed_at_once(&a, &b, "ada").await;
    pushed_at_once(&a, &b, "bob").await;
    // And nothing reached a stream twice: B's own stream for cy sees exactly cy's message.
    let mut cy = b.follow("cy").await;
    a.pay("cy_only", "cy").await;
    let got = cy.next(PUSHED).await.expect("open");
    assert_eq!(got.data["text"], "Payment cy_only received.");
    drop((a, b));
    pg.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_are_capped_per_user_by_replacing_the_oldest_and_per_instance_with_503() {
    let b = bot("inbound:\n  streams: { per_user: 2, max: 3 }\n", None).await;
    let mut oldest = b.follow("ada").await;
    let mut second = b.follow("ada").await;
    let mut newest = b.follow("ada").await;
    // The oldest stream of ada was closed to make room, with a last event saying why.
    let last = oldest
        .next(Duration::from_secs(5))
        .await
        .expect("a last event");
    assert_eq!(last.event, "closed");
    assert_eq!(last.data, json!({"reason": "replaced"}));
    assert!(
        oldest.next(Duration::from_secs(5)).await.is_none(),
        "the replaced stream ended"
    );

    // Two for ada and one for bob fill the instance: a fourth user is refused.
    let mut bob = b.follow("bob").await;
    let refused = b.open("cy").await;
    assert_eq!(refused.status(), 503);
    assert_eq!(
        refused
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap()),
        Some("5")
    );
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_streams", "{body}");

    // The streams that stayed open still get their messages.
    b.pay("cap_ada", "ada").await;
    b.pay("cap_bob", "bob").await;
    for s in [&mut second, &mut newest] {
        let got = s.next(Duration::from_secs(10)).await.expect("open");
        assert_eq!(got.data["text"], "Payment cap_ada received.");
    }
    let got = bob.next(Duration::from_secs(10)).await.expect("open");
    assert_eq!(got.data["text"], "Payment cap_bob received.");

    assert_eq!(b.webhooks().open_streams(), 3);

    // Counted in /metrics: one replaced, one refused for the full instance, three open.
    let text = b.metrics().await;
    for line in [
        "switchboard_event_streams_open 3",
        "switchboard_event_streams_closed_total{reason=\"replaced\"} 1",
        "switchboard_event_streams_closed_total{reason=\"client\"} 0",
        "switchboard_event_streams_refused_total{reason=\"full\"} 1",
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
    // A client that hangs up frees its place, counted as such.
    drop(bob);
    b.metrics_until(&[
        "switchboard_event_streams_open 2",
        "switchboard_event_streams_closed_total{reason=\"client\"} 1",
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_last_event_id_is_refused_without_replacing_the_open_stream() {
    let b = bot("inbound:\n  streams: { per_user: 1, max: 3 }\n", None).await;
    let mut open = b.follow("ada").await;
    let bad = b
        .http
        .get(format!("{}/v1/users/ada/events", b.url))
        .header("last-event-id", "not-a-number")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    // The open stream was not replaced: it still gets ada's next message.
    b.pay("kept_ada", "ada").await;
    let got = open.next(Duration::from_secs(10)).await.expect("open");
    assert_eq!(got.event, "message");
    assert_eq!(got.data["text"], "Payment kept_ada received.");
    b.metrics_until(&[
        "switchboard_event_streams_open 1",
        "switchboard_event_streams_closed_total{reason=\"replaced\"} 0",
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_open_streams_instead_of_waiting_for_them() {
    let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let (project, dir) = common::inline_project(&project_yaml(""), addr);
    let services = switchboard_runtime::app::build(project, dir.path(), None)
        .await
        .expect("services build");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::serve(listener, services.state(), async move {
        let _ = stop_rx.await;
    }));
    let res = reqwest::get(format!("{url}/v1/users/ada/events"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut stream = Sse::new(res);
    stop_tx.send(()).unwrap();
    let last = stream
        .next(Duration::from_secs(5))
        .await
        .expect("a last event");
    assert_eq!(last.event, "closed");
    assert_eq!(last.data, json!({"reason": "shutdown"}));
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops although a stream was open")
        .unwrap()
        .unwrap();
    let text = services.pipeline().render_metrics();
    for line in [
        "switchboard_event_streams_open 0",
        "switchboard_event_streams_closed_total{reason=\"shutdown\"} 1",
        "switchboard_http_connections_closed_total{reason=\"shutdown\"} 1",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line} missing from\n{text}"
        );
    }
}
