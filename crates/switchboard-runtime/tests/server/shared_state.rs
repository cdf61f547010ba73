//! A bot whose shared state (Redis) cannot be reached, with `when_down.turn_lock:
//! fail_closed`: turns are refused with 503 and a Retry-After, and `/readyz` says it is not
//! ready and why, so a load balancer stops sending turns to it.

use crate::common;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_fail_closed_turns_are_refused_and_the_instance_is_not_ready() {
    let (addr, _backend) = common::backend().await;
    // Nothing listens there: every Redis command fails at once.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let yaml = format!(
        "state:\n  redis: redis://127.0.0.1:{port}/0\n  timeout: 100ms\n  when_down: {{ turn_lock: fail_closed }}\nintents:\n  hi:\n    examples: [hello, hi there, good morning]\n    reply: Hi\n"
    );
    let (project, dir) = common::inline_project(&yaml, addr);
    let bot = common::serve(project, dir, None).await;
    let r = bot
        .http
        .post(format!("{}/v1/chat", bot.url))
        .json(&json!({"user_id": "u1", "text": "hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "1");
    let body: Value = r.json().await.unwrap();
    assert!(body.to_string().contains("unavailable"), "{body}");
    let r = bot
        .http
        .get(format!("{}/readyz", bot.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let ready: Value = r.json().await.unwrap();
    assert_eq!(ready["status"], "unavailable", "{ready}");
    assert_eq!(ready["checks"]["shared_state"], "unavailable");
    assert_eq!(ready["when_down"]["turn_lock"], "fail_closed");
    assert_eq!(ready["when_down"]["rate_limit"], "local");
}
