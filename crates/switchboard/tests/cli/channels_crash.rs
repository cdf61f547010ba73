//! `kill -9` of the real binary (`switchboard serve`) at random moments while ten Telegram
//! chats each send 90 messages, every one retried until it gets a 2xx: no acknowledged
//! message goes unanswered, each chat's answers come in the order its messages were sent, and
//! a message taken again after a kill is not run as a second turn (its answer may be sent a
//! second time only if the kill fell between sending it and recording it as sent).

use super::webhooks_crash::{Server, start};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_demo_backend::DemoBackend;

/// Ten chats of 90: under the fake's log of the last 1,000 messages.
const CHATS: u64 = 10;
const PER_CHAT: u64 = 90;
const SECRET: &str = "crash-test-secret";

fn project(backend: &str) -> String {
    format!(
        r#"
intents:
  note:
    examples: ["note 12", "note 7", "note 1234", "please note 55", "note number 3"]
    slots:
      n: {{ entity: number, ask: "Which number?" }}
    reply: "Noted {{{{ slots.n }}}}."
channels:
  telegram:
    type: telegram
    bot_token: "${{file:secrets/tg-token}}"
    secret_token: "${{file:secrets/tg-secret}}"
    api_base: "http://{backend}/platforms/telegram"
"#
    )
}

/// A Telegram update as the Bot API posts it.
fn update(chat: u64, k: u64) -> String {
    json!({
        "update_id": chat * 1000 + k,
        "message": {
            "message_id": k, "date": 1_700_000_000 + k,
            "from": { "id": chat, "is_bot": false, "first_name": "T" },
            "chat": { "id": chat, "type": "private" },
            "text": format!("note {k}")
        }
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_while_chats_write_loses_no_message_and_keeps_each_chat_in_order() {
    let (backend_addr, backend) = DemoBackend::spawn_local().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("secrets")).unwrap();
    std::fs::write(dir.path().join("secrets/tg-token"), "123456:CRASH-token\n").unwrap();
    std::fs::write(dir.path().join("secrets/tg-secret"), format!("{SECRET}\n")).unwrap();
    std::fs::write(
        dir.path().join("switchboard.yaml"),
        project(&backend_addr.to_string()),
    )
    .unwrap();
    let server: Arc<Mutex<Server>> = Arc::new(Mutex::new(start(dir.path())));
    let url = Arc::new(Mutex::new(server.lock().unwrap().url.clone()));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    // Each chat sends its messages one after another, each until acknowledged.
    let mut chats = Vec::new();
    for chat in 1..=CHATS {
        let (http, url) = (http.clone(), url.clone());
        chats.push(tokio::spawn(async move {
            for k in 1..=PER_CHAT {
                let body = update(chat, k);
                loop {
                    let target = format!("{}/v1/channels/telegram", url.lock().unwrap());
                    let res = http
                        .post(target)
                        .header("content-type", "application/json")
                        .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
                        .body(body.clone())
                        .send()
                        .await;
                    if res.is_ok_and(|r| r.status().is_success()) {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }));
    }
    let started = Instant::now();
    let mut kills = 0;
    let mut seed = 0x2545_f491_4f6c_dd1d_u64 ^ u64::from(started.elapsed().subsec_nanos());
    while !chats.iter().all(|c| c.is_finished()) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        tokio::time::sleep(Duration::from_millis(50 + seed % 150)).await;
        if chats.iter().all(|c| c.is_finished()) {
            break;
        }
        let mut s = server.lock().unwrap();
        s.child.kill().unwrap();
        s.child.wait().unwrap();
        kills += 1;
        *s = start(dir.path());
        *url.lock().unwrap() = s.url.clone();
    }
    for c in chats {
        c.await.unwrap();
    }
    assert!(kills >= 3, "only {kills} kills; the test proves little");

    // Every message answered, once the last instance has worked through the store.
    let total = (CHATS * PER_CHAT) as usize;
    let deadline = Instant::now() + Duration::from_secs(60);
    let per_chat = loop {
        let mut per_chat: HashMap<u64, Vec<u64>> = HashMap::new();
        for s in backend.sent("telegram") {
            let chat = s["to"].as_u64().unwrap();
            let n = noted(&s["text"]);
            per_chat.entry(chat).or_default().push(n);
        }
        let answered: usize = per_chat
            .values()
            .map(|v| {
                let mut d = v.clone();
                d.sort_unstable();
                d.dedup();
                d.len()
            })
            .sum();
        if answered >= total || Instant::now() > deadline {
            break per_chat;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut repeats = 0;
    for chat in 1..=CHATS {
        let got = per_chat.get(&chat).cloned().unwrap_or_default();
        // In order: each answer is the next message's, or the one before it sent again.
        let mut first_seen: Vec<u64> = Vec::new();
        for n in &got {
            if first_seen.contains(n) {
                repeats += 1;
            } else {
                first_seen.push(*n);
            }
        }
        let expected: Vec<u64> = (1..=PER_CHAT).collect();
        assert_eq!(first_seen, expected, "chat {chat}: {got:?}");
    }
    eprintln!(
        "{total} messages answered in {:.1}s across {kills} kill -9s; {repeats} answers sent twice",
        started.elapsed().as_secs_f64()
    );
    // A repeat needs a kill between a send and its record: at most one per chat per kill.
    assert!(
        repeats <= kills * CHATS as usize,
        "{repeats} repeats over {kills} kills"
    );
}

/// The number in "Noted N." (the slot may render as N or N.0).
fn noted(text: &Value) -> u64 {
    let t = text.as_str().unwrap_or_default();
    let digits: String = t
        .trim_start_matches("Noted ")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("not a note: {t:?}"))
}
