//! The chat turn end to end through the HTTP API, against the demo backend and its faults.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use switchboard_demo_backend::{DemoBackend, Route};
use switchboard_runtime::engine::Engine;
use switchboard_runtime::server::{AppState, router};
use tower::ServiceExt;

struct Bot {
    engine: Arc<Engine>,
    backend: DemoBackend,
    _dir: tempfile::TempDir,
}

async fn demo_bot() -> Bot {
    let (addr, backend) = common::backend().await;
    let (engine, dir) = common::engine(common::store_project(addr)).await;
    Bot {
        engine,
        backend,
        _dir: dir,
    }
}

async fn post(engine: &Arc<Engine>, body: Body, content_type: &str) -> (StatusCode, Value) {
    let app = router(AppState::with_engine(engine.clone()));
    let req = Request::post("/v1/chat")
        .header("content-type", content_type)
        .body(body)
        .unwrap();
    let res = app.oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn get(engine: &Arc<Engine>, path: &str) -> (StatusCode, String) {
    let app = router(AppState::with_engine(engine.clone()));
    let res = app
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn say(engine: &Arc<Engine>, user: &str, text: &str) -> Value {
    let (status, body) = post(
        engine,
        Body::from(json!({"user_id": user, "text": text}).to_string()),
        "application/json",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}: {body}");
    body
}

fn reply(v: &Value) -> String {
    v["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" | ")
}

#[tokio::test]
async fn order_status_runs_the_chain() {
    let bot = demo_bot().await;
    let res = say(&bot.engine, "u1", "where is my order 1001?").await;
    assert_eq!(
        reply(&res),
        "Hi Aisha, your order 1001 is shipped; it is in Dubai, arriving 2026-11-30."
    );
    assert_eq!(res["intent"]["name"], "order_status");
    assert_eq!(res["slots"]["order_id"], "1001");
    let ops: Vec<&str> = res["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops.len(), 4, "{ops:?}");
    assert_eq!(ops[0], "store.get_order");
    assert_eq!(ops[3], "store.log_interaction");
    for c in res["calls"].as_array().unwrap() {
        assert_eq!(c["outcome"], "ok");
        assert_eq!(c["attempts"], 1);
        assert_eq!(c["cached"], false);
        assert!(c["latency_ms"].as_f64().is_some());
    }
    let stats = bot.backend.stats();
    for r in [
        Route::Orders,
        Route::Shipments,
        Route::Customers,
        Route::Interactions,
    ] {
        assert_eq!(stats.calls(r), 1, "{r:?}");
    }
}

#[tokio::test]
async fn missing_slot_is_asked_for_then_filled() {
    let bot = demo_bot().await;
    let first = say(&bot.engine, "u2", "where is my order?").await;
    assert_eq!(reply(&first), "What's your order number?");
    assert!(first["calls"].as_array().unwrap().is_empty());
    let second = say(&bot.engine, "u2", "it's 1002").await;
    assert!(
        reply(&second).contains("1002 is processing"),
        "{}",
        reply(&second)
    );
}

#[tokio::test]
async fn a_bad_answer_is_reasked_with_the_reason_then_given_up() {
    let bot = demo_bot().await;
    assert!(
        reply(&say(&bot.engine, "u3", "track my shipment please").await)
            .contains("tracking number")
    );
    let again = reply(&say(&bot.engine, "u3", "it's the blue one").await);
    assert!(
        again.starts_with("I couldn't find a tracking number in that."),
        "{again}"
    );
    let _ = say(&bot.engine, "u3", "no idea").await;
    let gave_up = reply(&say(&bot.engine, "u3", "dunno").await);
    assert!(gave_up.contains("Let's leave that for now"), "{gave_up}");
    assert_eq!(bot.backend.stats().total, 0);
}

#[tokio::test]
async fn on_error_replies_follow_the_outcome() {
    let bot = demo_bot().await;
    let nf = say(&bot.engine, "u4", "where is my order 9999?").await;
    assert_eq!(
        reply(&nf),
        "I couldn't find order 9999. Could you check the number?"
    );
    // A GET is retried (3 attempts by default): the fault outlasts every attempt.
    bot.backend.set_fault("orders=503:3".parse().unwrap());
    let down = say(&bot.engine, "u5", "where is my order 1001?").await;
    assert_eq!(
        reply(&down),
        "Our order system isn't answering right now. Shall I connect you to an agent?"
    );
    assert_eq!(down["calls"][0]["outcome"], "unavailable");
    assert_eq!(down["calls"][0]["attempts"], 3);
    bot.backend.set_fault("orders=not_json:1".parse().unwrap());
    let bad = say(&bot.engine, "u6", "where is my order 1001?").await;
    assert_eq!(
        reply(&bad),
        "Our order system isn't answering right now. Shall I connect you to an agent?"
    );
    assert!(!reply(&bad).contains("html"));
}

/// A 503 is the upstream being down whatever its `Retry-After` says: the user gets the "not
/// answering" reply, not the "busy" one, and the wait is only the call's reason.
#[tokio::test]
async fn a_503_with_a_long_retry_after_gets_the_unavailable_reply() {
    let bot = demo_bot().await;
    bot.backend.set_fault("orders=503/86400:1".parse().unwrap());
    let res = say(&bot.engine, "u12", "where is my order 1001?").await;
    assert_eq!(
        reply(&res),
        "Our order system isn't answering right now. Shall I connect you to an agent?"
    );
    assert_eq!(res["calls"][0]["outcome"], "unavailable");
    assert_eq!(res["calls"][0]["reason"], "retry_after_too_long");
    assert_eq!(res["calls"][0]["status"], 503);
}

#[tokio::test]
async fn a_retry_after_past_the_deadline_gets_the_rate_limited_reply_at_once() {
    let bot = demo_bot().await;
    bot.backend.set_fault("orders=429/3600:1".parse().unwrap());
    let started = std::time::Instant::now();
    let res = say(&bot.engine, "u11", "where is my order 1001?").await;
    assert_eq!(
        reply(&res),
        "Our order system is busy right now. Please try again in a little while."
    );
    assert_eq!(res["calls"][0]["outcome"], "rate_limited");
    assert_eq!(res["calls"][0]["reason"], "retry_after_too_long");
    assert_eq!(res["calls"][0]["attempts"], 1);
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[tokio::test]
async fn an_optional_step_failing_leaves_the_reply_going() {
    let bot = demo_bot().await;
    // Enough 503s for every attempt of the retried GET.
    bot.backend.set_fault("shipments=503:3".parse().unwrap());
    let res = say(&bot.engine, "u7", "where is my order 1001?").await;
    assert_eq!(reply(&res), "Hi Aisha, your order 1001 is shipped.");
}

#[tokio::test]
async fn writes_ask_for_confirmation_and_conflicts_get_their_reply() {
    let bot = demo_bot().await;
    let ask = reply(&say(&bot.engine, "u8", "book an appointment tomorrow at 10:00").await);
    assert!(ask.starts_with("Book 10:00 on "), "{ask}");
    assert_eq!(
        bot.backend.stats().total,
        0,
        "nothing is written before yes"
    );
    let done = reply(&say(&bot.engine, "u8", "yes").await);
    assert!(done.starts_with("Done: you're booked for 10:00"), "{done}");
    let _ = say(&bot.engine, "u9", "book an appointment tomorrow at 10:00").await;
    let taken = reply(&say(&bot.engine, "u9", "yes please").await);
    assert!(taken.contains("was just taken"), "{taken}");
    let _ = say(&bot.engine, "u10", "book an appointment tomorrow at 11:00").await;
    let declined = reply(&say(&bot.engine, "u10", "no").await);
    assert_eq!(declined, "OK, I won't go ahead. Anything else I can do?");
}

#[tokio::test]
async fn cancel_resets_a_pending_question() {
    let bot = demo_bot().await;
    let _ = say(&bot.engine, "u11", "where is my order?").await;
    assert_eq!(
        reply(&say(&bot.engine, "u11", "never mind").await),
        "OK, I've cancelled that. What else can I do for you?"
    );
    let after = say(&bot.engine, "u11", "hello").await;
    assert_eq!(after["intent"]["name"], "greet");
}

#[tokio::test]
async fn slots_carry_over_to_a_follow_up() {
    let bot = demo_bot().await;
    let _ = say(&bot.engine, "u12", "where is my order 1001?").await;
    let next = say(&bot.engine, "u12", "and order 1002?").await;
    assert!(
        reply(&next).contains("1002 is processing"),
        "{}",
        reply(&next)
    );
}

#[tokio::test]
async fn out_of_scope_gets_the_fallback() {
    let bot = demo_bot().await;
    let res = say(&bot.engine, "u13", "what is the capital of France?").await;
    assert!(
        reply(&res).starts_with("Sorry, I didn't catch that."),
        "{}",
        reply(&res)
    );
    assert_eq!(res["intent"], Value::Null);
}

#[tokio::test]
async fn bad_requests_get_json_errors() {
    let bot = demo_bot().await;
    let cases: Vec<(Body, &str, StatusCode)> = vec![
        (
            Body::from("{not json"),
            "application/json",
            StatusCode::BAD_REQUEST,
        ),
        (
            Body::from(json!({"text": "hi"}).to_string()),
            "application/json",
            StatusCode::BAD_REQUEST,
        ),
        (
            Body::from(json!({"user_id": "u", "text": "   "}).to_string()),
            "application/json",
            StatusCode::BAD_REQUEST,
        ),
        (
            Body::from(json!({"user_id": "u", "text": "x".repeat(5000)}).to_string()),
            "application/json",
            StatusCode::BAD_REQUEST,
        ),
        (
            Body::from(json!({"user_id": "u", "text": "x".repeat(100 * 1024)}).to_string()),
            "application/json",
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            Body::from(
                json!({"user_id": "u", "text": "hi", "conversation_id": "../etc"}).to_string(),
            ),
            "application/json",
            StatusCode::BAD_REQUEST,
        ),
        (
            Body::from(json!({"user_id": "u", "text": "hi"}).to_string()),
            "text/plain",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (body, ct, expected) in cases {
        let (status, v) = post(&bot.engine, body, ct).await;
        assert_eq!(status, expected, "{v}");
        assert!(
            v["error"]["code"].is_string() && v["error"]["message"].is_string(),
            "{v}"
        );
    }
    let (status, body) = get(&bot.engine, "/v1/conversations/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("\"not_found\""));
    let (status, _) = get(&bot.engine, "/no/such/route").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn user_ids_with_bidi_or_control_characters_are_refused_with_a_clear_400() {
    let bot = demo_bot().await;
    let cases = [
        ("alice\u{202E}nimda", "bidirectional formatting characters"),
        ("\u{2066}bob\u{2069}", "bidirectional formatting characters"),
        ("eve\u{200F}", "bidirectional formatting characters"),
        ("mal\u{0085}lory", "control characters"),
        ("tr\u{2028}ent", "control characters"),
    ];
    for (user, rule) in cases {
        let body = Body::from(json!({"user_id": user, "text": "hi"}).to_string());
        let (status, v) = post(&bot.engine, body, "application/json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{user:?}: {v}");
        assert_eq!(v["error"]["code"], "bad_request", "{v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("user_id must not contain") && message.contains(rule),
            "{user:?}: {message}"
        );
    }
    // Right-to-left letters themselves are fine.
    let body = Body::from(json!({"user_id": "مريم", "text": "hi"}).to_string());
    let (status, v) = post(&bot.engine, body, "application/json").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // The event stream of such a user id is refused too.
    let (status, body) = get(&bot.engine, "/v1/users/alice%E2%80%AEnimda/events").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("bidirectional"), "{body}");
}

#[tokio::test]
async fn control_characters_and_emoji_get_a_sensible_reply() {
    let bot = demo_bot().await;
    let res = say(
        &bot.engine,
        "u14",
        "where is my order 1001?\u{0007}\u{0000} 🙂📦",
    )
    .await;
    assert!(
        reply(&res).contains("order 1001 is shipped"),
        "{}",
        reply(&res)
    );
    let weird = say(&bot.engine, "u14", "🙂🙂🙂").await;
    assert!(!reply(&weird).is_empty());
}

#[tokio::test]
async fn the_conversation_is_readable_and_consistent() {
    let bot = demo_bot().await;
    let res = say(&bot.engine, "u15", "where is my order?").await;
    let id = res["conversation_id"].as_str().unwrap().to_string();
    let (status, body) = get(&bot.engine, &format!("/v1/conversations/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["pending"]["kind"], "slot");
    assert_eq!(v["history"].as_array().unwrap().len(), 2);
    assert_eq!(v["history"][0]["role"], "user");
}

#[tokio::test]
async fn the_web_page_is_served() {
    let bot = demo_bot().await;
    let (status, body) = get(&bot.engine, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<title>Switchboard chat</title>") && body.contains("/v1/chat"));
    assert!(
        !body.contains("http://") && !body.contains("https://"),
        "no external resources"
    );
    let (status, body) = get(&bot.engine, "/healthz").await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, r#"{"status":"ok"}"#)
    );
    let (status, _) = get(&bot.engine, "/readyz").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn two_slots_on_one_entity_take_mentions_in_order() {
    let bot = demo_bot().await;
    assert!(reply(&say(&bot.engine, "u16", "USD to INR").await).starts_with("1 USD = 83.21 INR"));
    // One mention fills the slot without a default; the base carries over.
    assert!(
        reply(&say(&bot.engine, "u16", "what about euros").await).starts_with("1 USD = 0.9215 EUR")
    );
}

#[tokio::test]
async fn a_failure_can_escalate_to_a_handoff_that_opens_a_ticket() {
    let bot = demo_bot().await;
    // Asked for in so many words: a ticket, no confirmation question.
    let asked = reply(&say(&bot.engine, "u17", "let me talk to a person").await);
    assert!(asked.starts_with("I've opened ticket TCK-1"), "{asked}");
    // A refund that cannot be made is handed to a person instead of leaving the user stuck.
    bot.backend.set_fault("refunds=500".parse().unwrap());
    let _ = say(&bot.engine, "u18", "refund PAY-1001").await;
    let res = say(&bot.engine, "u18", "yes").await;
    assert!(
        reply(&res).starts_with(
            "Something went wrong on our side, so I've passed this to a colleague (ticket TCK-2)"
        ),
        "{}",
        reply(&res)
    );
    let ops: Vec<&str> = res["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops.last(), Some(&"store.create_ticket"), "{ops:?}");
    let ticket = bot
        .backend
        .requests()
        .into_iter()
        .rfind(|r| r.path == "/api/v2/tickets")
        .unwrap();
    assert!(
        ticket
            .body
            .contains("Bot could not finish request_refund (unavailable)"),
        "{}",
        ticket.body
    );
    assert_eq!(bot.backend.stats().calls(Route::Tickets), 2);
}

#[tokio::test]
async fn a_message_sent_again_with_its_id_gets_the_same_answer_without_a_second_turn() {
    let bot = demo_bot().await;
    let send = |id: &str| {
        post(
            &bot.engine,
            Body::from(
                json!({"user_id": "retry-user", "text": "where is my order 1001?", "message_id": id})
                    .to_string(),
            ),
            "application/json",
        )
    };
    let (s1, first) = send("client-msg-1").await;
    let (s2, again) = send("client-msg-1").await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    assert_eq!(reply(&first), reply(&again));
    assert!(reply(&first).contains("1001"), "{first}");
    assert_eq!(again["calls"], json!([]), "{again}");
    assert_eq!(
        bot.backend.stats().calls(Route::Orders),
        1,
        "the turn ran once"
    );
    // Another id is another message.
    let (_, other) = send("client-msg-2").await;
    assert_eq!(reply(&other), reply(&first));
    assert_eq!(bot.backend.stats().calls(Route::Orders), 2);
    let (status, body) = send(&"x".repeat(201)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
