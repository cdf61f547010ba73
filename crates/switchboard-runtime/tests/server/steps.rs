//! The step graph: independent steps run concurrently, chains run in order, and the turn
//! deadline bounds everything. Concurrency is proven without timing: the fake upstream answers
//! only once all three requests have arrived, so a sequential engine could never finish.

use crate::common;

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use switchboard_runtime::engine::TurnRequest;
use tokio::sync::Barrier;

const FAN_OUT: &str = r#"
bot:
  turn_deadline: 3s
connectors:
  api:
    base_url: BACKEND
    timeout: 3s
    operations:
      part:
        path: /part/{name}
        inputs: { name: string }
        response: { extract: { value: $.value } }
intents:
  dashboard:
    examples: [show my dashboard, dashboard please, open the dashboard]
    steps:
      a: { call: api.part, with: { name: a } }
      b: { call: api.part, with: { name: b } }
      c: { call: api.part, with: { name: c } }
      total: { call: api.part, with: { name: "{{ steps.a.value }}{{ steps.b.value }}{{ steps.c.value }}" } }
    reply: "{{ steps.a.value }} {{ steps.b.value }} {{ steps.c.value }} -> {{ steps.total.value }}"
    on_error:
      default: "failed: {{ error.outcome }} at {{ error.step }}"
  other:
    examples: [something else entirely, unrelated request]
    reply: other
"#;

/// An upstream whose `/part/a`, `/part/b` and `/part/c` wait for each other.
async fn barrier_upstream() -> std::net::SocketAddr {
    let barrier = Arc::new(Barrier::new(3));
    let app = Router::new().route(
        "/api/v2/part/{name}",
        get(move |Path(name): Path<String>| {
            let barrier = barrier.clone();
            async move {
                if name.len() == 1 {
                    barrier.wait().await;
                }
                axum::Json(json!({ "value": format!("{name}!") }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test]
async fn independent_steps_run_concurrently_and_chains_in_order() {
    let addr = barrier_upstream().await;
    let (project, _dir) = common::inline_project(FAN_OUT, addr);
    let (engine, _data) = common::engine(project).await;
    let res = engine
        .turn(TurnRequest {
            user_id: "u".into(),
            text: "show my dashboard".into(),
            conversation_id: None,
            message_id: None,
            stream: false,
        })
        .await
        .unwrap();
    assert_eq!(res.replies[0].text, "a! b! c! -> a!b!c!!");
    assert_eq!(res.calls.len(), 4);
    assert_eq!(
        res.calls[3].operation, "api.part",
        "the dependent step ran last"
    );
}

#[tokio::test]
async fn the_turn_deadline_bounds_a_hanging_upstream() {
    let (addr, backend) = common::backend().await;
    let yaml = r#"
bot:
  turn_deadline: 1s
connectors:
  store:
    base_url: BACKEND
    timeout: 30s
    auth: { type: api_key, in: header, name: X-Api-Key, value: "${file:secrets/key}" }
    operations:
      weather:
        path: /weather
        inputs: { city: string }
        query: { city: "{{ inputs.city }}" }
intents:
  weather:
    examples: [weather in dubai, how hot is it in london, is it raining in paris]
    steps:
      w: { call: store.weather, with: { city: Dubai } }
    reply: "ok"
    on_error:
      timeout: "The weather service is too slow right now."
  other:
    examples: [something else entirely, unrelated request]
    reply: other
"#;
    let (project, _dir) = common::inline_project(yaml, addr);
    let (engine, _data) = common::engine(project).await;
    backend.set_fault("weather=hang".parse().unwrap());
    let started = std::time::Instant::now();
    let res = engine
        .turn(TurnRequest {
            user_id: "u".into(),
            text: "weather in dubai".into(),
            conversation_id: None,
            message_id: None,
            stream: false,
        })
        .await
        .unwrap();
    assert_eq!(
        res.replies[0].text,
        "The weather service is too slow right now."
    );
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "took {:?}",
        started.elapsed()
    );
}
