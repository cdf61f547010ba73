//! Rasa and Dialogflow entry points, driven through the router against the demo backend: the
//! demo project answers as an action server and as a fulfillment webhook out of the box.

use crate::common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use switchboard_config::Project;
use switchboard_config::Secret;
use switchboard_config::model::InboundAuth;
use switchboard_demo_backend::DemoBackend;
use switchboard_runtime::server::{AppState, router};
use tower::ServiceExt;

const ORDER_REPLY: &str =
    "Hi Aisha, your order 1001 is shipped; it is in Dubai, arriving 2026-11-30.";

fn fixture(path: &str) -> Value {
    let full = common::repo_root()
        .join("crates/switchboard-runtime/tests/fixtures")
        .join(path);
    serde_json::from_str(&std::fs::read_to_string(full).unwrap()).unwrap()
}

struct Bot {
    app: Router,
    backend: DemoBackend,
    _dir: tempfile::TempDir,
}

async fn bot_with(edit: impl FnOnce(&mut Project)) -> Bot {
    let (addr, backend) = common::backend().await;
    let mut project = common::store_project(addr);
    edit(&mut project);
    let (engine, dir) = common::engine(project).await;
    Bot {
        app: router(AppState::with_engine(engine)),
        backend,
        _dir: dir,
    }
}

async fn bot() -> Bot {
    bot_with(|_| {}).await
}

impl Bot {
    async fn send(&self, req: Request<Body>) -> (StatusCode, Value) {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, body)
    }

    async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(post(path, body.to_string())).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }
}

/// The demo project's platform token (`examples/store/secrets/platform-token`).
const PLATFORM_TOKEN: &str = "sb_demo_platform_token";

fn post(path: &str, body: String) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .header("x-platform-token", PLATFORM_TOKEN)
        .body(Body::from(body))
        .unwrap()
}

/// An action call with the given slots and latest-message entities.
fn action(name: &str, slots: Value, entities: Value) -> Value {
    json!({
        "next_action": name,
        "sender_id": "u1",
        "tracker": {
            "sender_id": "u1",
            "slots": slots,
            "latest_message": {"text": "…", "intent": {"name": "x", "confidence": 1.0}, "entities": entities},
            "events": []
        },
        "domain": {},
        "version": "3.10.0"
    })
}

fn slot(name: &str, value: Value) -> Value {
    json!({"event": "slot", "timestamp": null, "name": name, "value": value})
}

fn texts(responses: &Value) -> Vec<String> {
    responses
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn rasa_action_runs_the_order_turn_and_sets_slots() {
    let bot = bot().await;
    let (status, body) = bot
        .post("/webhook", &fixture("rasa/action_order_status.json"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(texts(&body["responses"]), [ORDER_REPLY]);
    assert_eq!(
        body["events"],
        json!([
            slot("order_id", json!("1001")),
            slot("order_status", json!("shipped")),
            slot("tracking_number", json!("TRK1001")),
        ])
    );
    // Every key rasa-sdk's dispatcher writes is there.
    assert_eq!(body["responses"][0]["buttons"], json!([]));
    assert_eq!(body["responses"][0]["custom"], json!({}));
}

#[tokio::test]
async fn rasa_entities_fill_empty_slots_and_missing_slots_are_asked() {
    let bot = bot().await;
    let entities = json!([{"entity": "order_id", "value": "1001", "start": 0, "end": 4}]);
    let (_, body) = bot
        .post(
            "/webhook",
            &action("action_order_status", json!({"order_id": null}), entities),
        )
        .await;
    assert_eq!(texts(&body["responses"]), [ORDER_REPLY]);

    let (status, body) = bot
        .post(
            "/webhook",
            &action("action_order_status", json!({}), json!([])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["events"], json!([]));
    assert_eq!(texts(&body["responses"]), ["What's your order number?"]);
}

#[tokio::test]
async fn rasa_invalid_slot_is_cleared_and_asked_again() {
    let bot = bot().await;
    let (_, body) = bot
        .post(
            "/webhook",
            &action(
                "action_order_status",
                json!({"order_id": "10/01"}),
                json!([]),
            ),
        )
        .await;
    assert_eq!(body["events"], json!([slot("order_id", Value::Null)]));
    let said = texts(&body["responses"]);
    // The same words as the chat turn: a pattern failure names the slot, never the regex.
    assert_eq!(
        said,
        vec!["Sorry, \"10/01\" doesn't look like a valid order id. What's your order number?"]
    );
    assert!(bot.backend.faults().is_empty());
}

#[tokio::test]
async fn rasa_form_validation_rejects_with_null_and_reasks() {
    let bot = bot().await;
    let (status, body) = bot
        .post("/webhook", &fixture("rasa/validate_order_form.json"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["events"], json!([slot("order_id", Value::Null)]));
    let said = texts(&body["responses"]);
    assert_eq!(said.len(), 1);
    assert!(said[0].ends_with("What's your order number?"), "{said:?}");

    // A good value is kept (no response), and only slots set this turn are checked.
    let mut call = fixture("rasa/validate_order_form.json");
    call["tracker"]["slots"]["order_id"] = json!("1001");
    call["tracker"]["events"][5]["value"] = json!("1001");
    let (_, body) = bot.post("/webhook", &call).await;
    assert_eq!(body["events"], json!([slot("order_id", json!("1001"))]));
    assert_eq!(body["responses"], json!([]));

    // The form validation runs no step.
    let (_, body) = bot
        .post(
            "/webhook",
            &action(
                "validate_appointment_form",
                json!({"date": "2026-11-30", "time": "9am"}),
                json!([]),
            ),
        )
        .await;
    assert_eq!(
        body["events"],
        json!([slot("date", json!("2026-11-30")), slot("time", Value::Null)])
    );
    assert!(texts(&body["responses"])[0].ends_with("What time? (for example 10:00)"));
}

#[tokio::test]
async fn rasa_unknown_action_is_a_404_like_rasa_sdk() {
    let bot = bot().await;
    let (status, body) = bot
        .post("/webhook", &action("action_nope", json!({}), json!([])))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"error": "No registered action found for name 'action_nope'.", "action_name": "action_nope"})
    );
}

#[tokio::test]
async fn rasa_malformed_bodies_are_400_with_a_reason() {
    let bot = bot().await;
    for bad in ["not json", "{\"tracker\": {}}", "{\"next_action\": 3}", ""] {
        let (status, body) = bot.send(post("/webhook", bad.into())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        let error = body["error"].as_str().unwrap();
        assert!(error.starts_with("Invalid body request: "), "{error}");
    }
}

#[tokio::test]
async fn platform_sender_ids_with_bidi_characters_are_refused() {
    let bot = bot().await;
    let mut call = fixture("rasa/action_order_status.json");
    call["sender_id"] = json!("alice\u{202E}nimda");
    call["tracker"]["sender_id"] = json!("alice\u{202E}nimda");
    let (status, body) = bot.post("/webhook", &call).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(
        error.contains("sender_id: user_id must not contain bidirectional"),
        "{error}"
    );

    let mut req = fixture("dialogflow/es_order_status.json");
    req["session"] = json!("projects/store-agent/agent/sessions/\u{202E}42");
    let (status, body) = bot.post("/dialogflow/es", &req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("session: user_id must not contain bidirectional"),
        "{message}"
    );
    assert!(
        bot.backend.requests().is_empty(),
        "nothing ran for a refused sender"
    );
}

#[tokio::test]
async fn rasa_health_and_action_list_answer_like_rasa_sdk() {
    let bot = bot().await;
    assert_eq!(
        bot.get("/health").await,
        (StatusCode::OK, json!({"status": "ok"}))
    );
    let (status, body) = bot.get("/actions").await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "action_order_status");
    assert!(names.contains(&"validate_order_form"));
    assert_eq!(names.len(), 11);
}

#[tokio::test]
async fn rasa_upstream_failure_is_the_intents_error_reply() {
    let bot = bot().await;
    // Every call fails, so retries (where a policy allows them) cannot hide it.
    bot.backend.set_fault("orders=503".parse().unwrap());
    let (status, body) = bot
        .post("/webhook", &fixture("rasa/action_order_status.json"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        texts(&body["responses"]),
        ["Our order system isn't answering right now. Shall I connect you to an agent?"]
    );
    // The mapped result slot is cleared, not left stale.
    assert!(
        body["events"]
            .as_array()
            .unwrap()
            .contains(&slot("order_status", Value::Null))
    );
}

#[tokio::test]
async fn rasa_header_secret_is_required_when_configured() {
    let bot = bot_with(|p| {
        p.rasa.as_mut().unwrap().auth = Some(InboundAuth::Header {
            name: "x-action-secret".into(),
            value: Secret::from_reference("s3cret".into()),
        });
    })
    .await;
    let call = fixture("rasa/action_order_status.json");
    let (status, body) = bot.post("/webhook", &call).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"error": "credentials are required"}));

    let mut req = post("/webhook", call.to_string());
    req.headers_mut()
        .insert("x-action-secret", "wrong".parse().unwrap());
    assert_eq!(bot.send(req).await.0, StatusCode::UNAUTHORIZED);

    let mut req = post("/webhook", call.to_string());
    req.headers_mut()
        .insert("x-action-secret", "s3cret".parse().unwrap());
    let (status, body) = bot.send(req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&body["responses"]), [ORDER_REPLY]);
}

#[tokio::test]
async fn dialogflow_es_answers_text_messages_and_an_output_context() {
    let bot = bot().await;
    let (status, body) = bot
        .post(
            "/dialogflow/es",
            &fixture("dialogflow/es_order_status.json"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["fulfillmentText"], ORDER_REPLY);
    assert_eq!(
        body["fulfillmentMessages"],
        json!([{"text": {"text": [ORDER_REPLY]}}])
    );
    let ctx = &body["outputContexts"][0];
    assert_eq!(
        ctx["name"],
        "projects/store-agent/agent/sessions/session-42/contexts/switchboard"
    );
    assert_eq!(ctx["lifespanCount"], 5);
    assert_eq!(ctx["parameters"]["order_id"], "1001");
    assert_eq!(ctx["parameters"]["order_status"], "shipped");
    assert_eq!(ctx["parameters"]["customer_first_name"], "Aisha");
    assert_eq!(ctx["parameters"]["shipment_city"], "Dubai");
}

#[tokio::test]
async fn dialogflow_es_empty_parameter_is_asked_for_and_unmapped_intents_are_404() {
    let bot = bot().await;
    let mut req = fixture("dialogflow/es_order_status.json");
    req["queryResult"]["parameters"]["order_id"] = json!("");
    req["queryResult"]["outputContexts"] = json!([]);
    let (_, body) = bot.post("/dialogflow/es", &req).await;
    assert_eq!(body["fulfillmentText"], "What's your order number?");

    req["queryResult"]["intent"]["displayName"] = json!("Small Talk");
    let (status, body) = bot.post("/dialogflow/es", &req).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["error"]["message"],
        "no intent is mapped for \"Small Talk\""
    );

    let (status, body) = bot.send(post("/dialogflow/es", "{}".into())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_request");
}

#[tokio::test]
async fn dialogflow_cx_answers_messages_and_session_parameters() {
    let bot = bot().await;
    let (status, body) = bot
        .post(
            "/dialogflow/cx",
            &fixture("dialogflow/cx_order_status.json"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["fulfillmentResponse"]["messages"],
        json!([{"text": {"text": [ORDER_REPLY]}}])
    );
    let params = &body["sessionInfo"]["parameters"];
    assert_eq!(params["order_id"], "1001");
    assert_eq!(params["order_status"], "shipped");

    // A rejected value is cleared (null removes a CX session parameter) and asked again.
    let mut req = fixture("dialogflow/cx_order_status.json");
    req["sessionInfo"]["parameters"]["order_id"] = json!("10/01");
    let (_, body) = bot.post("/dialogflow/cx", &req).await;
    assert_eq!(body["sessionInfo"]["parameters"]["order_id"], Value::Null);
    let text = body["fulfillmentResponse"]["messages"][0]["text"]["text"][0]
        .as_str()
        .unwrap();
    assert!(text.ends_with("What's your order number?"), "{text}");

    // A tag named like an intent needs no mapping.
    req["fulfillmentInfo"]["tag"] = json!("weather");
    req["sessionInfo"]["parameters"] = json!({"city": "Dubai"});
    let (status, body) = bot.post("/dialogflow/cx", &req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body["sessionInfo"]["parameters"]["weather_temperature"].is_number(),
        "{body}"
    );
}

#[tokio::test]
async fn dialogflow_answers_with_the_error_reply_within_its_deadline() {
    let bot = bot_with(|p| {
        p.dialogflow.as_mut().unwrap().deadline = Duration::from_millis(300);
    })
    .await;
    bot.backend.set_fault("weather=hang".parse().unwrap());
    let mut req = fixture("dialogflow/cx_order_status.json");
    req["fulfillmentInfo"]["tag"] = json!("weather");
    req["sessionInfo"]["parameters"] = json!({"city": "Dubai"});
    let started = Instant::now();
    let (status, body) = bot.post("/dialogflow/cx", &req).await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["fulfillmentResponse"]["messages"][0]["text"]["text"][0],
        "The weather service isn't answering right now."
    );
    assert!(took < Duration::from_millis(1000), "took {took:?}");
}

#[tokio::test]
async fn dialogflow_basic_auth_is_checked() {
    let bot = bot_with(|p| {
        p.dialogflow.as_mut().unwrap().auth = Some(InboundAuth::Basic {
            username: Secret::literal("dialogflow".into()),
            password: Secret::from_reference("pw".into()),
        });
    })
    .await;
    let body = fixture("dialogflow/es_order_status.json").to_string();
    let (status, err) = bot.send(post("/dialogflow/es", body.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(err["error"]["code"], "unauthorized");

    let mut req = post("/dialogflow/es", body);
    // base64("dialogflow:pw")
    req.headers_mut().insert(
        "authorization",
        "Basic ZGlhbG9nZmxvdzpwdw==".parse().unwrap(),
    );
    let (status, res) = bot.send(req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(res["fulfillmentText"], ORDER_REPLY);
}

#[tokio::test]
async fn rasa_answers_with_the_error_reply_within_its_deadline() {
    let bot = bot_with(|p| {
        p.rasa.as_mut().unwrap().deadline = Duration::from_millis(300);
    })
    .await;
    bot.backend.set_fault("weather=hang".parse().unwrap());
    let started = Instant::now();
    let (status, body) = bot
        .post(
            "/webhook",
            &action("action_weather", json!({"city": "Dubai"}), json!([])),
        )
        .await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        texts(&body["responses"]),
        ["The weather service isn't answering right now."]
    );
    assert!(took < Duration::from_millis(1000), "took {took:?}");
}

/// A web page can POST `text/plain` anywhere without a CORS preflight; platform routes left
/// open on loopback must not run an action for it. Only bodies declared JSON are read.
#[tokio::test]
async fn platform_routes_refuse_bodies_not_declared_json() {
    let bot = bot_with(|p| {
        p.rasa.as_mut().unwrap().auth = None;
        p.dialogflow.as_mut().unwrap().auth = None;
    })
    .await;
    let rasa_call = fixture("rasa/action_order_status.json").to_string();
    let es_call = fixture("dialogflow/es_order_status.json").to_string();
    for content_type in [
        Some("text/plain"),
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonp"),
        None,
    ] {
        let req = |path: &str, body: &str| {
            let mut r = Request::post(path);
            if let Some(ct) = content_type {
                r = r.header("content-type", ct);
            }
            r.body(Body::from(body.to_string())).unwrap()
        };
        let (status, body) = bot.send(req("/webhook", &rasa_call)).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        assert_eq!(
            body,
            json!({"error": "the body must be JSON, sent with Content-Type: application/json"})
        );
        let (status, body) = bot.send(req("/dialogflow/es", &es_call)).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        assert_eq!(body["error"]["code"], "unsupported_media_type");
    }
    assert_eq!(bot.backend.requests().len(), 0, "no action ran");
    // JSON with parameters, or a +json type, is JSON.
    for content_type in [
        "application/json; charset=utf-8",
        "application/vnd.rasa+json",
    ] {
        let r = Request::post("/webhook")
            .header("content-type", content_type)
            .body(Body::from(rasa_call.clone()))
            .unwrap();
        let (status, body) = bot.send(r).await;
        assert_eq!(status, StatusCode::OK, "{content_type}");
        assert_eq!(texts(&body["responses"]), [ORDER_REPLY]);
    }
}

/// The per-address limit of `inbound.rate_limit` counts platform calls too (it needs the
/// real accept loop, which tells the router the client's address).
#[tokio::test]
async fn the_per_address_limit_covers_platform_routes() {
    let (addr, _backend) = common::backend().await;
    let mut project = common::store_project(addr);
    project.inbound.limits.per_address = Some(switchboard_config::model::InboundLimit {
        requests: 3,
        per: Duration::from_secs(60),
        burst: 3,
    });
    let (engine, _dir) = common::engine(project).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = listener.local_addr().unwrap();
    tokio::spawn(switchboard_runtime::server::serve(
        listener,
        AppState::with_engine(engine),
        std::future::pending(),
    ));
    let c = reqwest::Client::new();
    let call = action("action_weather", json!({"city": "Dubai"}), json!([]));
    let mut statuses = Vec::new();
    let mut last = None;
    for path in [
        "/webhook",
        "/webhook",
        "/dialogflow/es",
        "/webhook",
        "/dialogflow/cx",
    ] {
        let r = c
            .post(format!("http://{server}{path}"))
            .header("x-platform-token", PLATFORM_TOKEN)
            .json(&call)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        last = Some(r);
    }
    // Two Rasa calls and a (malformed) Dialogflow call use the three, then 429s.
    assert_eq!(statuses, [200, 200, 400, 429, 429]);
    let last = last.unwrap();
    assert!(last.headers().contains_key("retry-after"));
    let body: Value = last.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
}

/// How many refunds the backend was asked to make.
fn refunds(bot: &Bot) -> usize {
    bot.backend
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.starts_with("/api/v2/refunds"))
        .count()
}

const REFUND_QUESTION: &str = "Refund payment PAY-1001 in full?";

#[tokio::test]
async fn rasa_write_runs_only_after_the_confirmed_slot_says_yes() {
    let bot = bot().await;
    let ask = action(
        "action_request_refund",
        json!({"payment_id": "PAY-1001"}),
        json!([]),
    );
    // No answer yet: the question, and nothing sent.
    let (status, body) = bot.post("/webhook", &ask).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(texts(&body["responses"]), [REFUND_QUESTION]);
    assert_eq!(refunds(&bot), 0);
    // Something that is not an answer asks again.
    let unsure = action(
        "action_request_refund",
        json!({"payment_id": "PAY-1001", "confirmed": "maybe later?"}),
        json!([]),
    );
    let (_, body) = bot.post("/webhook", &unsure).await;
    assert_eq!(texts(&body["responses"]), [REFUND_QUESTION]);
    assert_eq!(refunds(&bot), 0);
    // No: nothing sent, and the answer is used up.
    let no = action(
        "action_request_refund",
        json!({"payment_id": "PAY-1001", "confirmed": false}),
        json!([]),
    );
    let (_, body) = bot.post("/webhook", &no).await;
    assert_eq!(
        texts(&body["responses"]),
        ["OK, I won't go ahead. Anything else I can do?"]
    );
    assert!(
        body["events"]
            .as_array()
            .unwrap()
            .contains(&slot("confirmed", Value::Null))
    );
    assert_eq!(refunds(&bot), 0);
    // Yes (as a word, the way a text slot holds it): one refund, and the yes is used up.
    let yes = action(
        "action_request_refund",
        json!({"payment_id": "PAY-1001", "confirmed": "yes please"}),
        json!([]),
    );
    let (_, body) = bot.post("/webhook", &yes).await;
    let reply = &texts(&body["responses"])[0];
    assert!(reply.starts_with("Your refund RF-"), "{reply}");
    assert_eq!(refunds(&bot), 1);
    assert!(
        body["events"]
            .as_array()
            .unwrap()
            .contains(&slot("confirmed", Value::Null))
    );
}

#[tokio::test]
async fn dialogflow_writes_wait_for_the_confirmed_parameter() {
    let bot = bot().await;
    let es = |params: Value| {
        json!({
            "session": "projects/store-agent/agent/sessions/s-1",
            "queryResult": {"intent": {"displayName": "Request Refund"}, "parameters": params}
        })
    };
    let (status, body) = bot
        .post("/dialogflow/es", &es(json!({"payment_id": "PAY-1001"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["fulfillmentText"], REFUND_QUESTION);
    assert_eq!(refunds(&bot), 0);
    let (_, body) = bot
        .post(
            "/dialogflow/es",
            &es(json!({"payment_id": "PAY-1001", "confirmed": "yes"})),
        )
        .await;
    assert!(
        body["fulfillmentText"]
            .as_str()
            .unwrap()
            .starts_with("Your refund RF-"),
        "{body}"
    );
    assert_eq!(
        body["outputContexts"][0]["parameters"]["confirmed"],
        Value::Null
    );
    assert_eq!(refunds(&bot), 1);

    let cx = |params: Value| {
        json!({
            "fulfillmentInfo": {"tag": "request-refund"},
            "sessionInfo": {"session": "projects/p/locations/global/agents/a/sessions/s-2", "parameters": params}
        })
    };
    let (_, body) = bot
        .post("/dialogflow/cx", &cx(json!({"payment_id": "PAY-1001"})))
        .await;
    assert_eq!(
        body["fulfillmentResponse"]["messages"][0]["text"]["text"][0],
        REFUND_QUESTION
    );
    let (_, body) = bot
        .post(
            "/dialogflow/cx",
            &cx(json!({"payment_id": "PAY-1001", "confirmed": "no"})),
        )
        .await;
    assert_eq!(
        body["fulfillmentResponse"]["messages"][0]["text"]["text"][0],
        "OK, I won't go ahead. Anything else I can do?"
    );
    let params = body["sessionInfo"]["parameters"].as_object().unwrap();
    assert_eq!(params.get("confirmed"), Some(&Value::Null));
    assert_eq!(refunds(&bot), 1, "the declined request sent nothing");
}
