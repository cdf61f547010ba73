//! `kill -9` of the real binary (`switchboard serve`) at random moments during 2,000 signed
//! deliveries from a sender that retries until it gets a 2xx: no acknowledged event is lost
//! and no message is shown twice (on the event stream or in the conversation).

use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_demo_backend::stripe_signature;

const EVENTS: usize = 2000;
const USERS: usize = 20;
const SECRET: &str = "whsec_crash_test";

const PROJECT: &str = r#"
bot:
  history_limit: 1000
intents:
  greet:
    examples: [hi, hello, good morning]
    reply: "Hello!"
webhooks:
  payments:
    verify: { type: stripe, secrets: ["${file:secrets/webhook}"] }
    user_hourly_limit: 100000
    routes:
      payment_intent.succeeded:
        user: $.data.object.metadata.user_id
        message: "Payment {{ event.id }} received."
"#;

/// A running `switchboard serve` and the address it printed.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start(dir: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(dir.join("switchboard.yaml"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .env_remove("SWITCHBOARD_CONFIG")
        .env("SWITCHBOARD_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let url = served_url(&mut child);
    Server { child, url }
}

/// The address a `switchboard serve` child (started with its stderr piped) says it serves
/// on; its stderr is drained from then on, so the child never blocks on a full pipe.
pub(crate) fn served_url(child: &mut Child) -> String {
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .unwrap();
        if let Some((_, rest)) = line.split_once(" on http://")
            && let Some((host, _)) = rest.split_once('/')
        {
            break format!("http://{host}");
        }
    };
    std::thread::spawn(move || for _ in lines {});
    url
}

fn body(i: usize) -> String {
    json!({
        "id": format!("evt_{i}"),
        "type": "payment_intent.succeeded",
        "data": { "object": { "metadata": { "user_id": format!("u{}", i % USERS) } } }
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_deliveries_loses_nothing_and_shows_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("secrets")).unwrap();
    std::fs::write(dir.path().join("secrets/webhook"), format!("{SECRET}\n")).unwrap();
    std::fs::write(dir.path().join("switchboard.yaml"), PROJECT).unwrap();
    let server = Arc::new(Mutex::new(start(dir.path())));
    let url = Arc::new(Mutex::new(server.lock().unwrap().url.clone()));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    // The sender: 16 at a time, each event retried (fresh signature) until a 2xx.
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut senders = Vec::new();
    for _ in 0..16 {
        let (http, url, acked, next) = (http.clone(), url.clone(), acked.clone(), next.clone());
        senders.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= EVENTS {
                    return;
                }
                let b = body(i);
                loop {
                    let target = format!("{}/v1/webhooks/payments", url.lock().unwrap());
                    let sig = stripe_signature(SECRET, chrono_now(), b.as_bytes());
                    let res = http
                        .post(target)
                        .header("content-type", "application/json")
                        .header("Stripe-Signature", sig)
                        .body(b.clone())
                        .send()
                        .await;
                    if let Ok(r) = res
                        && r.status().is_success()
                    {
                        acked.lock().unwrap().insert(format!("evt_{i}"));
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }));
    }

    // The killer: SIGKILL at random moments, then start again on a new port.
    let mut kills = 0;
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64 ^ u64::from(started.elapsed().subsec_nanos());
    while !senders.iter().all(|s| s.is_finished()) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        tokio::time::sleep(Duration::from_millis(150 + seed % 400)).await;
        if senders.iter().all(|s| s.is_finished()) {
            break;
        }
        let mut s = server.lock().unwrap();
        s.child.kill().unwrap(); // SIGKILL on Unix
        s.child.wait().unwrap();
        kills += 1;
        *s = start(dir.path());
        *url.lock().unwrap() = s.url.clone();
    }
    for s in senders {
        s.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert_eq!(acked.len(), EVENTS);
    assert!(kills >= 3, "only {kills} kills; the test proves little");
    eprintln!(
        "{EVENTS} events acknowledged in {:.1}s across {kills} kill -9s",
        started.elapsed().as_secs_f64()
    );

    // Every acknowledged event becomes exactly one message, on the stream and in the
    // conversation, once the last instance has worked through the inbox.
    let base = url.lock().unwrap().clone();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut per_user: HashMap<String, Vec<String>> = HashMap::new();
    loop {
        per_user.clear();
        let mut total = 0;
        for u in 0..USERS {
            let user = format!("u{u}");
            let conv = conversation(&http, &base, &user).await;
            let ids: Vec<String> = conv["history"]
                .as_array()
                .map(|h| {
                    h.iter()
                        .filter(|e| e["role"] == "proactive")
                        .map(|e| e["id"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            total += ids.len();
            per_user.insert(user, ids);
        }
        if total >= EVENTS || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut shown = HashSet::new();
    for ids in per_user.values() {
        for id in ids {
            assert!(
                shown.insert(id.clone()),
                "{id} shown twice in a conversation"
            );
        }
    }
    let expected: HashSet<String> = acked.iter().map(|e| format!("payments:{e}")).collect();
    assert_eq!(shown, expected, "every acknowledged event shown once");

    // The stream, replayed from the start, has each message once.
    let res = http
        .get(format!("{base}/v1/users/u3/events"))
        .header("Last-Event-ID", "0")
        .send()
        .await
        .unwrap();
    let streamed = read_ids(res, per_user["u3"].len()).await;
    assert_eq!(
        streamed.len(),
        streamed.iter().collect::<HashSet<_>>().len()
    );
    assert_eq!(
        streamed.into_iter().collect::<HashSet<_>>(),
        per_user["u3"].iter().cloned().collect::<HashSet<_>>()
    );
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn conversation(http: &reqwest::Client, base: &str, user: &str) -> Value {
    // The user's default conversation id (random, not computable), as the messages name it.
    let Ok(res) = http
        .get(format!("{base}/v1/users/{user}/events"))
        .header("Last-Event-ID", "0")
        .send()
        .await
    else {
        return Value::Null;
    };
    let first = read_messages(res, 1, Duration::from_secs(2)).await;
    let Some(id) = first.first().and_then(|m| m["conversation_id"].as_str()) else {
        return Value::Null;
    };
    match http
        .get(format!("{base}/v1/conversations/{id}"))
        .send()
        .await
    {
        Ok(r) if r.status().is_success() => r.json().await.unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

async fn read_ids(res: reqwest::Response, n: usize) -> Vec<String> {
    let out = read_messages(res, n, Duration::from_secs(20)).await;
    assert_eq!(out.len(), n, "the stream replays in time");
    out.iter()
        .map(|m| m["message_id"].as_str().unwrap().to_string())
        .collect()
}

/// Up to `n` messages of an event stream, as many as arrive within `wait`.
async fn read_messages(mut res: reqwest::Response, n: usize, wait: Duration) -> Vec<Value> {
    let mut buf = String::new();
    let mut out = Vec::new();
    let read = async {
        while out.len() < n {
            let Ok(Some(chunk)) = res.chunk().await else {
                return;
            };
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let block: String = buf.drain(..end + 2).collect();
                for line in block.lines() {
                    if let Some(d) = line.strip_prefix("data:") {
                        out.push(serde_json::from_str(d.trim()).unwrap());
                    }
                }
            }
        }
    };
    let _ = tokio::time::timeout(wait, read).await;
    out
}
