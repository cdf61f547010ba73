//! Webhooks end to end through a real server on 127.0.0.1:0: signed deliveries become one
//! proactive message each, on the event streams and in the conversation; refusals; 1,000
//! out-of-order and duplicated lifecycle events shown once each; a poison event among 1,000
//! dead-lettered while the others are delivered; a store outage answered 503, nothing lost.

use crate::common::{self, Bot};

use futures::StreamExt;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use switchboard_runtime::storage::inbox::{Audience, EventStatus};
use switchboard_runtime::verify::stripe_sign;

/// The `${file:secrets/key}` the test projects use.
const SECRET: &str = "demo-key";

fn project_yaml(extra: &str) -> String {
    format!(
        "webhooks:
  payments:
    verify: {{ type: stripe, secrets: [\"${{file:secrets/key}}\"] }}
    max_body_bytes: 4096
    retry_backoff: 50ms
    max_attempts: 3
    user_hourly_limit: 100000
{extra}    routes:
      payment_intent.succeeded:
        user: $.data.object.metadata.user_id
        message: \"Payment of {{{{ event.data.object.amount / 100 }}}} {{{{ event.data.object.currency | upper }}}} received.\"
      order.shipped:
        user: $.data.object.metadata.user_id
        message: \"Order {{{{ event.data.object.order }}}} shipped.\"
      order.delivered:
        user: $.data.object.metadata.user_id
        message: \"Order {{{{ event.data.object.order }}}} delivered.\"
  slack:
    verify: {{ type: slack, secrets: [\"${{file:secrets/key}}\"] }}
  meta:
    verify: {{ type: meta, secrets: [\"${{file:secrets/key}}\"], verify_token: \"${{file:secrets/key}}\" }}
"
    )
}

async fn bot(extra: &str, database_url: Option<&str>) -> Bot {
    let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let (project, dir) = common::inline_project(&project_yaml(extra), addr);
    common::serve(project, dir, database_url).await
}

fn payment(id: &str, user: &str, amount: Value) -> String {
    json!({
        "id": id,
        "type": "payment_intent.succeeded",
        "created": chrono::Utc::now().timestamp(),
        "data": { "object": { "amount": amount, "currency": "aed", "metadata": { "user_id": user } } }
    })
    .to_string()
}

fn lifecycle(id: &str, kind: &str, user: &str, order: u32) -> String {
    json!({
        "id": id,
        "type": kind,
        "created": chrono::Utc::now().timestamp(),
        "data": { "object": { "order": order, "metadata": { "user_id": user } } }
    })
    .to_string()
}

/// What the webhook tests do with a served bot.
trait WebhooksBot {
    async fn post(
        &self,
        source: &str,
        body: &str,
        signature: Option<String>,
    ) -> (u16, Value, Option<String>);
    async fn deliver(&self, body: &str) -> Value;
    async fn statuses_settled(&self, ids: &[String], timeout: Duration);
}

impl WebhooksBot for Bot {
    async fn post(
        &self,
        source: &str,
        body: &str,
        signature: Option<String>,
    ) -> (u16, Value, Option<String>) {
        let mut req = self
            .http
            .post(format!("{}/v1/webhooks/{source}", self.url))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(s) = signature {
            req = req.header("Stripe-Signature", s);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let retry = res
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        (status, res.json().await.unwrap_or(Value::Null), retry)
    }

    /// Signs now and posts until a 2xx, as a provider's retry loop does.
    async fn deliver(&self, body: &str) -> Value {
        loop {
            let sig = stripe_sign(SECRET, chrono::Utc::now().timestamp(), body.as_bytes());
            match self.post("payments", body, Some(sig)).await {
                (200, v, _) => return v,
                (503, _, retry) => {
                    assert_eq!(retry.as_deref(), Some("5"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                (s, v, _) => panic!("unexpected {s}: {v}"),
            }
        }
    }

    async fn statuses_settled(&self, ids: &[String], timeout: Duration) {
        let inbox = self.webhooks().inbox().clone();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let mut pending = 0;
            for id in ids {
                if matches!(
                    inbox.status("payments", id).await.unwrap(),
                    Some(EventStatus::Pending) | None
                ) {
                    pending += 1;
                }
            }
            if pending == 0 {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{pending} events still pending"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Reads server-sent events until `n` have arrived: (id, data).
async fn read_events(res: reqwest::Response, n: usize) -> Vec<(String, Value)> {
    let mut stream = res.bytes_stream();
    let mut buf = String::new();
    let mut out = Vec::new();
    let read = async {
        while out.len() < n {
            let chunk = stream.next().await.expect("stream open").unwrap();
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let block: String = buf.drain(..end + 2).collect();
                let mut id = None;
                let mut data = None;
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_string());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data = Some(serde_json::from_str(v.trim()).unwrap());
                    }
                }
                if let (Some(id), Some(data)) = (id, data) {
                    out.push((id, data));
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("events arrive in time");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_payment_becomes_one_proactive_message() {
    let b = bot("", None).await;
    let stream = b
        .http
        .get(format!("{}/v1/users/ada/events", b.url))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");

    let body = payment("evt_1", "ada", json!(4200));
    assert_eq!(
        b.deliver(&body).await,
        json!({"status": "accepted", "event_id": "evt_1"})
    );
    assert_eq!(
        b.deliver(&body).await,
        json!({"status": "duplicate", "event_id": "evt_1"})
    );

    let got = read_events(stream, 1).await;
    let (id, m) = &got[0];
    assert_eq!(m["text"], "Payment of 42.0 AED received.");
    assert_eq!(m["message_id"], "payments:evt_1");
    assert_eq!(m["user_id"], "ada");
    assert_eq!(&m["seq"].to_string(), id);

    // In the user's default conversation (found by its owner; a random id), once.
    let conv = b
        .engine
        .store()
        .load_default("ada")
        .await
        .unwrap()
        .expect("ada has a default conversation")
        .id;
    assert_eq!(m["conversation_id"], conv.as_str());
    assert_eq!(uuid::Uuid::parse_str(&conv).unwrap().get_version_num(), 4);
    let c: Value = b
        .http
        .get(format!("{}/v1/conversations/{conv}", b.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let proactive: Vec<&Value> = c["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["role"] == "proactive")
        .collect();
    assert_eq!(proactive.len(), 1);
    assert_eq!(proactive[0]["text"], "Payment of 42.0 AED received.");

    // A client reconnecting with Last-Event-ID gets what it missed, and nothing it had.
    b.deliver(&payment("evt_2", "ada", json!(100))).await;
    let resumed = b
        .http
        .get(format!("{}/v1/conversations/{conv}/events", b.url))
        .header("Last-Event-ID", id.as_str())
        .send()
        .await
        .unwrap();
    let got = read_events(resumed, 1).await;
    assert_eq!(got[0].1["message_id"], "payments:evt_2");
    let all = b
        .http
        .get(format!("{}/v1/users/ada/events", b.url))
        .header("Last-Event-ID", "0")
        .send()
        .await
        .unwrap();
    let got = read_events(all, 2).await;
    let ids: Vec<&Value> = got.iter().map(|(_, m)| &m["message_id"]).collect();
    assert_eq!(ids, [&json!("payments:evt_1"), &json!("payments:evt_2")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_deliveries_are_refused_with_json_errors() {
    let b = bot("", None).await;
    let body = payment("evt_x", "ada", json!(1));
    let now = chrono::Utc::now().timestamp();
    let good = stripe_sign(SECRET, now, body.as_bytes());

    let (s, v, _) = b
        .post(
            "payments",
            &body,
            Some(stripe_sign("whsec_wrong", now, body.as_bytes())),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("invalid_signature"))
    );
    assert_eq!(
        v["error"]["message"],
        "webhook verification failed: signature does not match"
    );
    let flipped = body.replacen("ada", "adb", 1);
    assert_eq!(
        b.post("payments", &flipped, Some(good.clone())).await.0,
        401
    );
    let (s, v, _) = b.post("payments", &body, None).await;
    assert_eq!(s, 401);
    assert_eq!(
        v["error"]["message"],
        "webhook verification failed: missing header stripe-signature"
    );
    let old = stripe_sign(SECRET, now - 3600, body.as_bytes());
    let (s, v, _) = b.post("payments", &body, Some(old)).await;
    assert_eq!(s, 401);
    assert_eq!(
        v["error"]["message"],
        "webhook verification failed: timestamp outside the tolerance of 300s"
    );
    let big = "x".repeat(5000);
    let (s, v, _) = b
        .post(
            "payments",
            &big,
            Some(stripe_sign(SECRET, now, big.as_bytes())),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    let (s, v, _) = b.post("nope", &body, Some(good.clone())).await;
    assert_eq!(
        (s, v["error"]["message"].as_str()),
        (404, Some("no webhook source \"nope\""))
    );
    let not_json = "not json";
    let (s, v, _) = b
        .post(
            "payments",
            not_json,
            Some(stripe_sign(SECRET, now, not_json.as_bytes())),
        )
        .await;
    assert_eq!(s, 400);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("body is not JSON")
    );
    let no_id = r#"{"type":"x"}"#;
    let (s, v, _) = b
        .post(
            "payments",
            no_id,
            Some(stripe_sign(SECRET, now, no_id.as_bytes())),
        )
        .await;
    assert_eq!(
        (s, v["error"]["message"].as_str()),
        (400, Some("no event id in the delivery"))
    );
    // None of these was stored.
    let inbox = b.webhooks().inbox().clone();
    assert_eq!(inbox.status("payments", "evt_x").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_beyond_f64_is_accepted_and_kept_as_its_digits() {
    let b = bot("", None).await;
    // Valid JSON that f64 cannot hold: refused with a 400 before, so the sender retried it
    // for days.
    let body = format!(
        r#"{{"id":"evt_huge","type":"order.shipped","created":{},"data":{{"object":{{"order":1e1000,"metadata":{{"user_id":"huge-number-user"}}}}}}}}"#,
        chrono::Utc::now().timestamp()
    );
    assert_eq!(
        b.deliver(&body).await,
        json!({"status": "accepted", "event_id": "evt_huge"})
    );
    b.statuses_settled(&["evt_huge".to_string()], Duration::from_secs(10))
        .await;
    let inbox = b.webhooks().inbox().clone();
    let texts: Vec<String> = inbox
        .messages_after(Audience::User("huge-number-user"), 0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts, ["Order 1e1000 shipped."]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_routed_user_id_with_a_bidi_override_is_dead_lettered_not_shown() {
    let b = bot("", None).await;
    b.deliver(&payment("evt_bidi", "alice\u{202E}nimda", json!(100)))
        .await;
    b.statuses_settled(&["evt_bidi".to_string()], Duration::from_secs(10))
        .await;
    let inbox = b.webhooks().inbox().clone();
    assert_eq!(
        inbox.status("payments", "evt_bidi").await.unwrap(),
        Some(EventStatus::Dead)
    );
    let dead = inbox.dead_letters(10).await.unwrap();
    let reason = dead[0].last_error.as_deref().unwrap_or_default();
    assert!(
        reason.contains("bidirectional formatting characters"),
        "{reason}"
    );
    assert!(
        inbox
            .messages_after(Audience::User("alice\u{202E}nimda"), 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_events_are_stored_but_not_pushed() {
    let b = bot("", None).await;
    let mut body: Value = serde_json::from_str(&payment("evt_old", "ada", json!(1))).unwrap();
    body["created"] = json!(chrono::Utc::now().timestamp() - 7200);
    let body = body.to_string();
    assert_eq!(b.deliver(&body).await["status"], "stale");
    let inbox = b.webhooks().inbox().clone();
    assert_eq!(
        inbox.status("payments", "evt_old").await.unwrap(),
        Some(EventStatus::Stale)
    );
    assert_eq!(b.deliver(&body).await["status"], "duplicate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meta_handshake_echoes_the_challenge() {
    let b = bot("", None).await;
    let get = |q: String| b.http.get(format!("{}/v1/webhooks/meta?{q}", b.url)).send();
    let res = get(format!(
        "hub.mode=subscribe&hub.verify_token={SECRET}&hub.challenge=1158201444"
    ))
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "1158201444");
    let res = get("hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1".into())
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = b
        .http
        .get(format!("{}/v1/webhooks/payments", b.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_out_of_order_duplicated_lifecycle_events_are_each_shown_once() {
    let b = Arc::new(bot("", None).await);
    // 250 orders of 4 users, each paid, shipped and delivered, plus 250 more payments: 1,000
    // events. Every event is sent two or three times, all shuffled, 16 senders at once.
    let mut deliveries = Vec::new();
    let mut ids = Vec::new();
    for order in 0..250u32 {
        let user = format!("user{}", order % 4);
        for (kind, body) in [
            (
                "pay",
                payment(&format!("pay_{order}"), &user, json!(order * 100)),
            ),
            (
                "ship",
                lifecycle(&format!("ship_{order}"), "order.shipped", &user, order),
            ),
            (
                "deliver",
                lifecycle(&format!("deliver_{order}"), "order.delivered", &user, order),
            ),
            ("pay2", payment(&format!("pay2_{order}"), &user, json!(1))),
        ] {
            ids.push(format!("{kind}_{order}"));
            let copies = if order % 3 == 0 { 3 } else { 2 };
            for _ in 0..copies {
                deliveries.push(body.clone());
            }
        }
    }
    use rand::seq::SliceRandom;
    deliveries.shuffle(&mut rand::rng());
    let accepted = futures::stream::iter(deliveries)
        .map(|body| {
            let b = b.clone();
            async move { b.deliver(&body).await["status"] == "accepted" }
        })
        .buffer_unordered(16)
        .filter(|a| std::future::ready(*a))
        .count()
        .await;
    assert_eq!(
        accepted, 1000,
        "each event accepted once, the copies are duplicates"
    );
    b.statuses_settled(&ids, Duration::from_secs(60)).await;

    let inbox = b.webhooks().inbox().clone();
    let mut seen = HashSet::new();
    let mut per_user: HashMap<String, usize> = HashMap::new();
    for u in 0..4 {
        let user = format!("user{u}");
        let msgs = inbox
            .messages_after(Audience::User(&user), 0, 10_000)
            .await
            .unwrap();
        for m in msgs {
            assert!(
                seen.insert(m.message_id.clone()),
                "{} shown twice",
                m.message_id
            );
            *per_user.entry(user.clone()).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), 1000);
    // user0 has orders 0, 4, ..., 248 (63 orders of 4 events); the others 62 or 63.
    assert_eq!(per_user["user0"], 63 * 4);
    assert_eq!(per_user.values().sum::<usize>(), 1000);
    // And the conversation holds each once too (history keeps the latest 50).
    let conv = b
        .engine
        .store()
        .load_default("user1")
        .await
        .unwrap()
        .unwrap();
    let texts: Vec<&str> = conv
        .history
        .iter()
        .filter_map(|h| h.id.as_deref())
        .collect();
    assert_eq!(texts.len(), texts.iter().collect::<HashSet<_>>().len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_event_is_dead_lettered_and_the_others_are_delivered() {
    // 1,000 events (the issue says 10,000; 1,000 keeps the test under a few seconds here).
    let b = Arc::new(bot("", None).await);
    let mut bodies: Vec<String> = (0..999)
        .map(|i| payment(&format!("evt_{i}"), &format!("u{}", i % 10), json!(i)))
        .collect();
    // An amount the message template cannot divide: its route fails every time.
    bodies.insert(500, payment("evt_poison", "u3", json!("lots")));
    let ids: Vec<String> = (0..999)
        .map(|i| format!("evt_{i}"))
        .chain(["evt_poison".to_string()])
        .collect();
    futures::stream::iter(bodies)
        .map(|body| {
            let b = b.clone();
            async move { b.deliver(&body).await }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    b.statuses_settled(&ids, Duration::from_secs(60)).await;
    let inbox = b.webhooks().inbox().clone();
    for id in &ids[..999] {
        assert_eq!(
            inbox.status("payments", id).await.unwrap(),
            Some(EventStatus::Delivered),
            "{id}"
        );
    }
    let dead: Value = b
        .http
        .get(format!("{}/v1/admin/webhooks/dead-letters", b.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = dead["dead_letters"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["event_id"], "evt_poison");
    assert_eq!(list[0]["attempts"], 3);
    assert!(
        list[0]["last_error"].as_str().unwrap().contains("message"),
        "{}",
        list[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_outage_is_answered_503_and_nothing_is_lost() {
    use sqlx::AssertSqlSafe;
    let pg = common::PgSchema::create("webhooks").await;
    let schema = pg.name.clone();
    let b = Arc::new(bot("", Some(&pg.url())).await);

    // The table is locked: inserts wait, the commit timeout passes, the answer is 503.
    let mut tx = pg.admin().begin().await.unwrap();
    sqlx::query(AssertSqlSafe(format!(
        "LOCK TABLE {schema}.webhook_events IN ACCESS EXCLUSIVE MODE"
    )))
    .execute(&mut *tx)
    .await
    .unwrap();
    let body = payment("evt_outage", "ada", json!(500));
    let sig = stripe_sign(SECRET, chrono::Utc::now().timestamp(), body.as_bytes());
    let (status, v, retry) = b.post("payments", &body, Some(sig)).await;
    assert_eq!((status, retry.as_deref()), (503, Some("5")));
    assert_eq!(v["error"]["code"], "unavailable");

    // A sender retrying meanwhile; the store comes back; it gets its 2xx and the user the
    // message.
    let sender = {
        let b = b.clone();
        let bodies: Vec<String> = (0..5)
            .map(|i| payment(&format!("evt_o{i}"), "ada", json!(i)))
            .collect();
        tokio::spawn(async move {
            for body in bodies {
                b.deliver(&body).await;
            }
            b.deliver(&payment("evt_outage", "ada", json!(500))).await
        })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    tx.rollback().await.unwrap();
    assert_eq!(
        sender.await.unwrap()["status"],
        "accepted",
        "the refused event was not stored"
    );
    let ids: Vec<String> = (0..5)
        .map(|i| format!("evt_o{i}"))
        .chain(["evt_outage".into()])
        .collect();
    b.statuses_settled(&ids, Duration::from_secs(30)).await;
    let inbox = b.webhooks().inbox().clone();
    let msgs = inbox
        .messages_after(Audience::User("ada"), 0, 100)
        .await
        .unwrap();
    assert_eq!(msgs.len(), 6);
    pg.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_url_verification_is_answered_after_verification() {
    use hmac::{Hmac, KeyInit, Mac};
    let b = bot("", None).await;
    let body = r#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let ts = chrono::Utc::now().timestamp().to_string();
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("v0:{ts}:{body}").as_bytes());
    let sig: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let send = |sig: String| {
        b.http
            .post(format!("{}/v1/webhooks/slack", b.url))
            .header("content-type", "application/json")
            .header("X-Slack-Request-Timestamp", ts.clone())
            .header("X-Slack-Signature", sig)
            .body(body)
            .send()
    };
    let res = send(format!("v0={sig}")).await.unwrap();
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        v,
        json!({"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})
    );
    assert_eq!(send("v0=00".into()).await.unwrap().status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgresql_show_each_event_once() {
    let pg = common::PgSchema::create("webhooks").await;
    let url = pg.url();
    // Two servers on one database, each with its own worker; a sender spreads 500 events,
    // each sent to both, over them.
    let a = Arc::new(bot("", Some(&url)).await);
    let b = Arc::new(bot("", Some(&url)).await);
    let ids: Vec<String> = (0..500).map(|i| format!("evt_{i}")).collect();
    futures::stream::iter(0..500)
        .map(|i| {
            let (a, b) = (a.clone(), b.clone());
            async move {
                let body = payment(&format!("evt_{i}"), &format!("u{}", i % 5), json!(i));
                let (first, second) = if i % 2 == 0 { (a, b) } else { (b, a) };
                first.deliver(&body).await;
                second.deliver(&body).await;
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    a.statuses_settled(&ids, Duration::from_secs(60)).await;
    let inbox = a.webhooks().inbox().clone();
    let mut seen = HashSet::new();
    for u in 0..5 {
        let user = format!("u{u}");
        for m in inbox
            .messages_after(Audience::User(&user), 0, 1000)
            .await
            .unwrap()
        {
            assert!(seen.insert(m.message_id.clone()), "{} twice", m.message_id);
        }
        let conv = a.engine.store().load_default(&user).await.unwrap().unwrap();
        let shown: Vec<&str> = conv
            .history
            .iter()
            .filter_map(|h| h.id.as_deref())
            .collect();
        assert_eq!(shown.len(), shown.iter().collect::<HashSet<_>>().len());
    }
    assert_eq!(seen.len(), 500);
    pg.drop().await;
}

/// The value of the one sample of `metric` whose labels include every `labels` pair.
fn sample(metrics: &str, metric: &str, labels: &[&str]) -> Option<f64> {
    metrics
        .lines()
        .filter(|l| l.starts_with(&format!("{metric}{{")))
        .find(|l| labels.iter().all(|p| l.contains(p)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_counted_in_metrics_and_written_to_the_audit_trail() {
    let b = bot("", None).await;
    let body = payment("evt_m1", "ada", json!(500));
    b.deliver(&body).await;
    b.deliver(&body).await;
    let now = chrono::Utc::now().timestamp();
    let wrong = stripe_sign("whsec_wrong", now, body.as_bytes());
    assert_eq!(b.post("payments", &body, Some(wrong)).await.0, 401);
    let old = stripe_sign(SECRET, now - 3600, body.as_bytes());
    assert_eq!(b.post("payments", &body, Some(old)).await.0, 401);
    b.statuses_settled(&["evt_m1".to_string()], Duration::from_secs(30))
        .await;

    let metrics = b
        .http
        .get(format!("{}/metrics", b.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let src = "source=\"payments\"";
    let count = |metric: &str, extra: &[&str]| {
        let mut labels = vec![src];
        labels.extend_from_slice(extra);
        sample(&metrics, metric, &labels)
    };
    assert_eq!(count("switchboard_webhooks_received_total", &[]), Some(4.0));
    assert_eq!(count("switchboard_webhooks_verified_total", &[]), Some(2.0));
    assert_eq!(
        count("switchboard_webhooks_duplicated_total", &[]),
        Some(1.0)
    );
    assert_eq!(
        count("switchboard_webhooks_delivered_total", &[]),
        Some(1.0)
    );
    assert_eq!(
        count(
            "switchboard_webhooks_rejected_total",
            &["reason=\"bad_signature\""]
        ),
        Some(1.0)
    );
    assert_eq!(
        count("switchboard_webhooks_rejected_total", &["reason=\"stale\""]),
        Some(1.0)
    );

    // The audit writer works off the request path: wait for its batch.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let outcomes = loop {
        let page: Value = b
            .http
            .get(format!("{}/v1/admin/audit?limit=100", b.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut outcomes: Vec<String> = page["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["kind"] == "webhook")
            .map(|r| format!("{} {}", r["outcome"].as_str().unwrap(), r["path"]))
            .collect();
        outcomes.sort();
        if outcomes.len() >= 5 || tokio::time::Instant::now() > deadline {
            break outcomes;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        outcomes,
        [
            "accepted \"/v1/webhooks/{source}\"",
            "delivered \"/v1/webhooks/{source}\"",
            "duplicate \"/v1/webhooks/{source}\"",
            "rejected \"/v1/webhooks/{source}\"",
            "rejected \"/v1/webhooks/{source}\"",
        ]
    );
}
