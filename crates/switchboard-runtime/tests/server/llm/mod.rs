//! A language model in the chat turn, end to end: a project served on 127.0.0.1:0 with its
//! store operations on the demo backend and its model a scripted fake (`fake.rs`) speaking the
//! chat-completions wire format. Every request Switchboard sends the fake is checked against
//! the request types the official `openai` Python SDK publishes, and Switchboard's own
//! OpenAI-compatible surface is spoken to through that SDK (`client.py`).

mod fake;

use crate::common;
use fake::{FakeModel, Reply, calls, chunk, text, understood};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use switchboard_demo_backend::DemoBackend;

const REQUIREMENTS: &str = include_str!("requirements.txt");

fn here() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/server/llm")
}

/// The test project: a shop with reads, a write that needs a yes, and a model.
const PROJECT: &str = r#"
bot:
  name: Test shop
  fallback: "Sorry, I can't help with that."
  turn_deadline: 4s
connectors:
  store:
    base_url: BACKEND
    auth: { type: api_key, in: header, name: X-Api-Key, value: "${file:secrets/key}" }
    timeout: 2s
    operations:
      get_order:
        description: Look up an order by its number.
        path: /orders/{order_id}
        inputs: { order_id: { type: string, pattern: "^[0-9]{4}$" } }
        response: { extract: { id: $.id, status: $.status, customer: $.customer_id } }
      get_customer:
        description: Look up a customer by id.
        path: /customers/{customer_id}
        inputs: { customer_id: string }
        response: { extract: { name: $.first_name, email: $.email } }
      weather:
        description: The weather in a city.
        path: /weather
        inputs: { city: string }
        query: { city: "{{ inputs.city }}" }
        response: { extract: { city: $.city, temperature: $.temperature_c, condition: $.condition } }
      create_ticket:
        description: Open a support ticket.
        method: POST
        path: /tickets
        inputs: { summary: string }
        body: { summary: "{{ inputs.summary }}" }
        response: { extract: { id: $.id } }
  model:
    type: llm
    base_url: MODEL
    timeout: 3s
    retry: { attempts: 2, base: 50ms, max: 2s }
entities:
  order_id: { pattern: "\\b[0-9]{4}\\b" }
intents:
  order_status:
    description: Where an order is.
    examples: [where is my order 1001, track order 1002, status of order 1003, has my order shipped]
    slots:
      order_id: { entity: order_id, ask: Which order? }
    steps:
      order: { call: store.get_order, with: { order_id: "{{ slots.order_id }}" } }
    reply: "Order {{ steps.order.id }} is {{ steps.order.status }}."
    on_error:
      not_found: "I can't find order {{ slots.order_id }}."
  my_account:
    description: The customer's account details.
    examples: [show my account, what email do you have for me, my profile]
    steps:
      c: { call: store.get_customer, with: { customer_id: C42 } }
    reply: "You are {{ steps.c.name }}, reachable at {{ steps.c.email }}."
  weather:
    description: The weather in a city.
    examples: [weather in dubai, how hot is it in london, is it raining in paris]
    slots:
      city: { ask: Which city? }
    steps:
      w: { call: store.weather, with: { city: "{{ slots.city }}" } }
    reply: "{{ steps.w.city }}: {{ steps.w.temperature }} C, {{ steps.w.condition }}."
llm:
  connector: model
  model: test-model
  LLM
  limits: { tool_rounds: 3 }
  prices: { input: 1.0, output: 2.0 }
"#;

struct Bot {
    bot: common::Bot,
    backend: DemoBackend,
    model: FakeModel,
}

impl Bot {
    /// Sends one message; the turn's JSON response.
    async fn say(&self, user: &str, text: &str) -> Value {
        let r = self
            .bot
            .http
            .post(format!("{}/v1/chat", self.bot.url))
            .json(&json!({ "user_id": user, "text": text }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// The JSON a GET of `path` answers.
    async fn get_json(&self, path: &str) -> Value {
        self.bot
            .http
            .get(format!("{}{path}", self.bot.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The server's `/metrics` text.
    async fn metrics(&self) -> String {
        self.bot
            .http
            .get(format!("{}/metrics", self.bot.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    fn reply(turn: &Value) -> String {
        turn["replies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["text"].as_str().unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The demo backend's requests to `path_prefix` with `method`.
    fn upstream(&self, method: &str, path_prefix: &str) -> Vec<String> {
        self.backend
            .requests()
            .into_iter()
            .filter(|r| r.method == method && r.path.starts_with(path_prefix))
            .map(|r| r.path)
            .collect()
    }

    /// Checks every request the fake got against the OpenAI SDK's request types.
    async fn check_requests(&self) {
        let bodies = self.model.bodies();
        assert!(!bodies.is_empty(), "the model was asked");
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), serde_json::to_vec(&bodies).unwrap()).unwrap();
        let path = file.path().to_path_buf();
        let verdict =
            tokio::task::spawn_blocking(move || client(&["validate", path.to_str().unwrap()]))
                .await
                .unwrap();
        assert_eq!(
            verdict["errors"],
            json!([]),
            "requests the OpenAI API would refuse"
        );
        assert_eq!(verdict["checked"], bodies.len());
    }
}

/// Runs `client.py ARGS` in the `openai` venv; the JSON it prints.
fn client(args: &[&str]) -> Value {
    let python = crate::pyenv::python("openai", &here(), REQUIREMENTS);
    let out = Command::new(python)
        .arg(here().join("client.py"))
        .args(args)
        .output()
        .expect("client.py runs");
    assert!(
        out.status.success(),
        "client.py {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("client.py prints JSON")
}

/// The project with `llm` settings `llm` (YAML lines under `llm:`), served, with the model
/// answering `script`.
async fn bot(llm: &str, script: Vec<Reply>, otherwise: Option<Reply>) -> Bot {
    let model = FakeModel::start(script, otherwise).await;
    let (addr, backend) = common::backend().await;
    let mut yaml = PROJECT.replace("MODEL", &model.url);
    if llm.contains("limits:") {
        yaml = yaml.replace("  limits: { tool_rounds: 3 }\n", "");
    }
    let yaml = yaml.replace(
        "  LLM\n",
        &format!("  {}\n", llm.trim().replace('\n', "\n  ")),
    );
    let (project, dir) = common::inline_project(&yaml, addr);
    let bot = common::serve(project, dir, None).await;
    Bot {
        bot,
        backend,
        model,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn understand_picks_the_intent_and_slots_and_the_declarative_steps_run() {
    let b = bot(
        "modes: [understand]\nunderstand_when: always",
        vec![understood(
            "order_status",
            json!({"order_id": "1002", "city": null}),
        )],
        None,
    )
    .await;
    let turn = b
        .say("u1", "bhai mera 1002 wala parcel kab tak aayega?")
        .await;
    assert_eq!(Bot::reply(&turn), "Order 1002 is processing.");
    assert_eq!(turn["intent"]["name"], "order_status");
    assert_eq!(turn["intent"]["source"], "model");
    assert_eq!(
        b.upstream("GET", "/api/v2/orders/"),
        ["/api/v2/orders/1002"]
    );
    // Structured output: the intents (and none) and every slot, strict.
    let sent = &b.model.bodies()[0];
    let schema = &sent["response_format"]["json_schema"];
    assert_eq!(sent["response_format"]["type"], "json_schema");
    assert_eq!(schema["strict"], true);
    assert_eq!(
        schema["schema"]["properties"]["intent"]["enum"],
        json!(["order_status", "my_account", "weather", "none"])
    );
    assert!(schema["schema"]["properties"]["slots"]["properties"]["order_id"].is_object());
    assert_eq!(sent["model"], "test-model");
    assert_eq!(turn["usage"]["input_tokens"], 120);
    assert_eq!(turn["usage"]["output_tokens"], 30);
    // 120 prompt tokens at 1.0 and 30 completion tokens at 2.0 per million.
    assert_eq!(turn["usage"]["cost"], json!(0.00018));
    b.check_requests().await;

    // Out of scope by the model's word: the fallback, nothing called.
    b.model.push(vec![understood("none", json!({}))]);
    let turn = b.say("u1", "book me a flight to london").await;
    assert_eq!(Bot::reply(&turn), "Sorry, I can't help with that.");
    assert!(turn["intent"].is_null());
    assert_eq!(b.upstream("GET", "/api/v2/weather").len(), 0);

    // The dashboard's model panel: two turns, two requests, their tokens and cost.
    let summary = b.get_json("/v1/admin/dashboard").await;
    let row = &summary["models"][0];
    assert_eq!(row["model"], "test-model", "{summary}");
    assert_eq!(row["requests"], 2);
    assert_eq!(row["failed"], 0);
    assert_eq!(row["turns"], 2);
    assert_eq!(row["input_tokens"], 240);
    assert_eq!(row["output_tokens"], 60);
    assert!(
        (row["cost"].as_f64().unwrap() - 0.00036).abs() < 1e-9,
        "{row}"
    );
    let Some(browser) = crate::browser::chromium() else {
        panic!("the dashboard's model panel is checked in chromium, which .ci/run installs");
    };
    let dom =
        crate::browser::dump_dom_until(browser, format!("{}/dashboard", b.bot.url), 3000, |dom| {
            dom.contains("data-model=\"test-model\"")
        })
        .await;
    let at = dom
        .find("data-model=\"test-model\"")
        .expect("a row for the model");
    let row = &dom[at..at + dom[at..].find("</tr>").unwrap()];
    for cell in [
        "<td>2</td>",
        "<td>240</td>",
        "<td>60</td>",
        "<td>150</td>",
        "<td>0.0004</td>",
    ] {
        assert!(row.contains(cell), "{cell} not in {row}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn understand_only_asks_when_the_classifier_is_unsure_by_default() {
    let b = bot(
        "modes: [understand]",
        vec![],
        Some(understood("weather", json!({"city": "Paris"}))),
    )
    .await;
    // A message the classifier knows: the model is not asked.
    let turn = b.say("u1", "where is my order 1001").await;
    assert_eq!(Bot::reply(&turn), "Order 1001 is shipped.");
    assert!(b.model.bodies().is_empty(), "the classifier was sure");
    assert!(turn.get("usage").is_none());
    // One it does not: the model is, and its slot fills the city.
    let turn = b
        .say("u1", "kya paris mein aaj chhata le jana padega?")
        .await;
    assert_eq!(b.model.bodies().len(), 1);
    assert_eq!(turn["intent"]["name"], "weather");
    assert!(Bot::reply(&turn).starts_with("Paris: "), "{turn}");
}

#[tokio::test(flavor = "multi_thread")]
async fn agent_calls_two_tools_at_once_and_answers_with_their_results() {
    let b = bot(
        "modes: [agent]",
        vec![
            calls(&[
                ("call_1", "store_get_order", json!({"order_id": "1001"})),
                ("call_2", "store_weather", json!({"city": "Dubai"})),
            ]),
            text("Your order 1001 has shipped, and it is sunny in Dubai."),
        ],
        None,
    )
    .await;
    b.backend.set_delay_ms(300);
    let turn = b
        .say(
            "u1",
            "is my order 1001 out yet, and what's the weather in dubai?",
        )
        .await;
    assert_eq!(
        Bot::reply(&turn),
        "Your order 1001 has shipped, and it is sunny in Dubai."
    );
    let calls = turn["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    // Both upstream requests were in flight together: the second arrived before the first's
    // 300 ms answer.
    let got = b.backend.requests();
    let at = |p: &str| {
        got.iter()
            .find(|r| r.path.starts_with(p))
            .map(|r| chrono::DateTime::parse_from_rfc3339(&r.received_at).unwrap())
            .unwrap()
    };
    let apart = (at("/api/v2/orders/1001") - at("/api/v2/weather"))
        .num_milliseconds()
        .abs();
    assert!(
        apart < 250,
        "the tools ran one after the other ({apart} ms apart)"
    );
    // The second request carries both results, in the order asked, for the model to read.
    let bodies = b.model.bodies();
    assert_eq!(bodies.len(), 2);
    let messages = bodies[1]["messages"].as_array().unwrap();
    let tools: Vec<&Value> = messages.iter().filter(|m| m["role"] == "tool").collect();
    assert_eq!(tools[0]["tool_call_id"], "call_1");
    assert_eq!(tools[1]["tool_call_id"], "call_2");
    let order: Value = serde_json::from_str(tools[0]["content"].as_str().unwrap()).unwrap();
    assert_eq!(order["status"], "shipped");
    // The tools offered are the gateway's: operations and intents, OpenAI's form.
    let offered: Vec<&str> = bodies[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert!(
        offered.contains(&"store_get_order") && offered.contains(&"order_status"),
        "{offered:?}"
    );
    assert!(
        !offered.iter().any(|n| n.starts_with("model")),
        "the model itself is no tool"
    );
    b.check_requests().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_the_model_proposes_runs_once_after_the_users_yes_and_never_after_a_no() {
    let b = bot(
        "modes: [agent]",
        vec![
            calls(&[(
                "w1",
                "store_create_ticket",
                json!({"summary": "printer on fire"}),
            )]),
            text("Done: ticket TCK-1 is open."),
            calls(&[(
                "w2",
                "store_create_ticket",
                json!({"summary": "second problem"}),
            )]),
        ],
        None,
    )
    .await;
    let turn = b
        .say("u1", "please open a ticket, my printer is on fire")
        .await;
    let question = Bot::reply(&turn);
    assert!(
        question.contains("Open a support ticket") && question.contains("printer on fire"),
        "{question}"
    );
    assert_eq!(turn["replies"][0]["options"], json!(["Yes", "No"]));
    assert!(
        b.upstream("POST", "/api/v2/tickets").is_empty(),
        "nothing written before the yes"
    );
    // The model cannot say yes for the user: only the user's message does.
    let turn = b.say("u1", "yes").await;
    assert_eq!(Bot::reply(&turn), "Done: ticket TCK-1 is open.");
    assert_eq!(
        b.upstream("POST", "/api/v2/tickets").len(),
        1,
        "exactly once"
    );
    let tickets: Vec<_> = b
        .backend
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v2/tickets")
        .collect();
    assert!(tickets[0].body.contains("printer on fire"));
    // The result went back to the model under the proposal's id.
    let last = b.model.bodies().last().unwrap().clone();
    let tool = last["messages"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|m| m["role"] == "tool")
        .unwrap()
        .clone();
    assert_eq!(tool["tool_call_id"], "w1");

    // A second proposal, declined: never runs.
    let turn = b.say("u1", "and another ticket please").await;
    assert!(Bot::reply(&turn).contains("second problem"));
    let turn = b.say("u1", "no").await;
    assert_eq!(
        Bot::reply(&turn),
        "OK, I haven't done that. What else can I do for you?"
    );
    assert_eq!(
        b.upstream("POST", "/api/v2/tickets").len(),
        1,
        "the declined write never ran"
    );
    assert_eq!(b.model.bodies().len(), 3, "a no needs no model");
    b.check_requests().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_that_keeps_calling_tools_stops_at_the_round_limit_with_the_fallback() {
    let b = bot(
        "modes: [agent]",
        vec![],
        Some(calls(&[(
            "again",
            "store_weather",
            json!({"city": "London"}),
        )])),
    )
    .await;
    let turn = b.say("u1", "weather forever").await;
    assert_eq!(Bot::reply(&turn), "Sorry, I can't help with that.");
    let bodies = b.model.bodies();
    // Three rounds with tools, then one without: the model must answer, and did not.
    assert_eq!(bodies.len(), 4);
    assert!(bodies[..3].iter().all(|r| r["tools"].is_array()));
    assert!(bodies[3].get("tools").is_none());
    assert_eq!(b.upstream("GET", "/api/v2/weather").len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_over_the_daily_token_limit_is_answered_without_the_model() {
    // Each answer costs 150 tokens: the first turn of a day fits, the second does not.
    let b = bot(
        "modes: [understand]\nunderstand_when: always\nlimits: { tokens_per_user_per_day: 150 }",
        vec![],
        Some(understood("order_status", json!({"order_id": "1002"}))),
    )
    .await;
    let turn = b.say("u1", "where is my order 1002").await;
    assert_eq!(turn["intent"]["source"], "model", "{turn}");
    assert_eq!(turn["usage"]["input_tokens"], 120);
    assert_eq!(b.model.bodies().len(), 1);
    // Over the limit: the classifier understands, the steps run, the model is not asked.
    let turn = b.say("u1", "where is my order 1001").await;
    assert_eq!(Bot::reply(&turn), "Order 1001 is shipped.");
    assert_ne!(turn["intent"]["source"], "model", "{turn}");
    assert_eq!(b.model.bodies().len(), 1, "the model was not asked again");
    // Another user has a day of their own.
    let turn = b.say("u2", "where is my order 1002").await;
    assert_eq!(turn["intent"]["source"], "model", "{turn}");
    assert_eq!(b.model.bodies().len(), 2);
    let metrics = b.metrics().await;
    assert!(
        metrics.contains(r#"switchboard_llm_requests_total{model="test-model",purpose="understand",outcome="over_budget"} 1"#),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_model_down_the_classifier_and_templates_answer() {
    let down = Reply::Status(503, vec![], json!({"error": {"message": "overloaded"}}));
    for llm in [
        "modes: [understand, reply]\nunderstand_when: always",
        "modes: [agent]",
    ] {
        let b = bot(llm, vec![], Some(down.clone())).await;
        let turn = b.say("u1", "where is my order 1001").await;
        assert_eq!(Bot::reply(&turn), "Order 1001 is shipped.", "{llm}");
        assert_eq!(turn["intent"]["name"], "order_status");
        assert!(turn["intent"].get("source").is_none());
        assert!(!b.model.bodies().is_empty(), "the model was tried ({llm})");
    }
    // The metrics say so.
    let b = bot("modes: [reply]", vec![], Some(down)).await;
    b.say("u1", "where is my order 1003").await;
    let metrics = b.metrics().await;
    assert!(
        metrics.contains(r#"switchboard_llm_requests_total{model="test-model",purpose="reply",outcome="unavailable"}"#),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_429_is_waited_out_as_its_retry_after_asks() {
    let b = bot(
        "modes: [reply]",
        vec![
            Reply::Status(
                429,
                vec![("retry-after", "1")],
                json!({"error": {"message": "slow down"}}),
            ),
            text("Your order 1001 is on its way!"),
        ],
        None,
    )
    .await;
    let turn = b.say("u1", "where is my order 1001").await;
    assert_eq!(Bot::reply(&turn), "Your order 1001 is on its way!");
    let got = b.model.got();
    assert_eq!(got.len(), 2);
    let waited = got[1].at - got[0].at;
    assert!(
        waited >= Duration::from_millis(900),
        "retried after {waited:?}, before Retry-After"
    );
    // One logical call: the same idempotency key on both attempts.
    assert_eq!(
        got[0].headers.get("idempotency-key"),
        got[1].headers.get("idempotency-key")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_model_leaves_the_reply_to_the_template() {
    let b = bot(
        "modes: [reply]\nreply_timeout: 300ms",
        vec![Reply::Slow(
            Duration::from_secs(2),
            Box::new(text("too late")),
        )],
        None,
    )
    .await;
    let started = std::time::Instant::now();
    let turn = b.say("u1", "where is my order 1001").await;
    assert_eq!(Bot::reply(&turn), "Order 1001 is shipped.");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn personal_data_never_reaches_the_model_in_clear_and_comes_back_to_its_owner() {
    let b = bot(
        "modes: [understand, reply]\nunderstand_when: always",
        vec![
            understood("my_account", json!({})),
            text("Hello Aisha! We will write to [email_1] and call [phone_1]."),
        ],
        None,
    )
    .await;
    let turn = b
        .say(
            "u1",
            "my number is +971501234567, what email do you have for me? card 4111 1111 1111 1111",
        )
        .await;
    let reply = Bot::reply(&turn);
    // The customer's own email (from the API) and number (from the message) are shown back.
    assert!(reply.contains("aisha.khan@example.com"), "{reply}");
    assert!(reply.contains("+971501234567"), "{reply}");
    assert!(
        !reply.contains("[email_1]") && !reply.contains("[phone_1]"),
        "{reply}"
    );
    let sent = serde_json::to_string(&b.model.bodies()).unwrap();
    for clear in ["+971501234567", "4111 1111 1111 1111", "@example.com"] {
        assert!(!sent.contains(clear), "{clear} reached the model: {sent}");
    }
    assert!(
        sent.contains("[phone_1]") && sent.contains("[email_1]"),
        "{sent}"
    );
    // What was sent is audited as a digest and a size, never as text.
    b.bot.services.pipeline().flush_audit().await;
    let rows = b.get_json("/v1/admin/audit?limit=1000").await;
    let rows: Vec<&Value> = rows["rows"]
        .as_array()
        .expect("audit rows")
        .iter()
        .filter(|r| r["kind"] == "model")
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    for r in rows {
        let detail = r["detail"].as_str().unwrap();
        assert!(detail.starts_with("request sha256:"), "{detail}");
        assert!(
            !detail.contains("971") && !detail.contains("email"),
            "{detail}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worded_reply_streams_in_order_and_is_stored_once() {
    let words = [
        "Your ", "order ", "1001 ", "has ", "shipped ", "— ", "enjoy!",
    ];
    let mut chunks = vec![chunk(json!({"role": "assistant", "content": ""}), None)];
    chunks.extend(words.iter().map(|w| chunk(json!({"content": w}), None)));
    chunks.push(chunk(json!({}), Some("stop")));
    let b = bot(
        "modes: [reply]",
        vec![Reply::Chunks(chunks, Duration::from_millis(40))],
        None,
    )
    .await;
    let r = b
        .bot
        .http
        .post(format!("{}/v1/chat", b.bot.url))
        .json(&json!({ "user_id": "u1", "text": "where is my order 1001", "stream": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let body = r.text().await.unwrap();
    let mut deltas = Vec::new();
    let mut turn = Value::Null;
    for event in body.split("\n\n").filter(|e| !e.trim().is_empty()) {
        let name = event
            .lines()
            .find_map(|l| l.strip_prefix("event: "))
            .unwrap_or("");
        let data = event
            .lines()
            .find_map(|l| l.strip_prefix("data: "))
            .unwrap_or("{}");
        let v: Value = serde_json::from_str(data).unwrap();
        match name {
            "delta" => deltas.push(v["text"].as_str().unwrap().to_string()),
            "turn" => turn = v,
            other => panic!("unexpected event {other}: {data}"),
        }
    }
    assert!(deltas.len() >= 3, "the words came in pieces: {deltas:?}");
    let whole = words.concat();
    assert_eq!(deltas.concat(), whole, "in order, nothing lost or doubled");
    assert_eq!(Bot::reply(&turn), whole);
    // The request asked the model to stream, with usage.
    assert_eq!(b.model.bodies()[0]["stream"], true);
    assert_eq!(b.model.bodies()[0]["stream_options"]["include_usage"], true);
    // Stored once.
    let conv = turn["conversation_id"].as_str().unwrap();
    let c: Value = b
        .bot
        .http
        .get(format!("{}/v1/conversations/{conv}", b.bot.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bot_lines: Vec<&Value> = c["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["role"] == "bot")
        .collect();
    assert_eq!(bot_lines.len(), 1);
    assert_eq!(bot_lines[0]["text"], whole);
    // A bad streaming request is an ordinary error.
    let r = b
        .bot
        .http
        .post(format!("{}/v1/chat", b.bot.url))
        .json(&json!({ "user_id": "u1", "text": " ", "stream": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    b.check_requests().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openai_sdk_talks_to_the_bot_through_its_chat_completions_surface() {
    let b = bot(
        "modes: [reply]",
        vec![
            text("Order 1001: shipped, on its way to you."),
            text("Order 1003 was delivered."),
        ],
        None,
    )
    .await;
    let url = b.bot.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        client(&[
            "chat",
            &url,
            &json!({"user": "sdk-user", "text": "where is my order 1001", "stream_text": "status of order 1003"}).to_string(),
        ])
    })
    .await
    .unwrap();
    assert_eq!(
        out["complete"]["content"],
        "Order 1001: shipped, on its way to you."
    );
    assert_eq!(out["complete"]["finish_reason"], "stop");
    assert_eq!(out["complete"]["object"], "chat.completion");
    assert_eq!(out["complete"]["usage"]["prompt_tokens"], 120);
    assert_eq!(out["stream"]["finish_reason"], "stop");
    assert_eq!(
        out["stream"]["deltas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .collect::<String>(),
        "Order 1003 was delivered."
    );
    assert!(
        out["stream"]["deltas"].as_array().unwrap().len() > 1,
        "streamed in pieces"
    );
    assert_eq!(out["stream"]["usage"]["completion_tokens"], 30);
    // Both turns belong to the SDK's user, in one conversation.
    let conv = b.bot.engine.default_conversation("sdk-user").await.unwrap();
    let c = b
        .bot
        .engine
        .conversation(&conv, &switchboard_runtime::engine::Reach::Any)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.history.len(), 4);
    b.check_requests().await;
}
