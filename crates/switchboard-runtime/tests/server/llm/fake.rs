//! A fake language model on 127.0.0.1 speaking the OpenAI chat-completions wire format:
//! each test scripts its answers (completions, tool calls, structured output, streamed
//! chunks, errors, 429s with `Retry-After`, slow answers) and reads back every request it got.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A `chat.completion` (or, for a streaming request, the same as chunks).
    Completion(Value),
    /// Chunks sent as an event stream, `gap` apart, then `[DONE]`.
    Chunks(Vec<Value>, Duration),
    /// An error status with headers and a body.
    Status(u16, Vec<(&'static str, &'static str)>, Value),
    /// The reply after a wait.
    Slow(Duration, Box<Reply>),
}

/// What the fake got.
#[derive(Debug, Clone)]
pub struct Got {
    pub body: Value,
    pub headers: HeaderMap,
    pub at: Instant,
}

#[derive(Default)]
struct Inner {
    script: VecDeque<Reply>,
    /// Said when the script is used up, if anything.
    otherwise: Option<Reply>,
    got: Vec<Got>,
}

/// The running fake.
#[derive(Clone)]
pub struct FakeModel {
    /// Its base URL (`http://127.0.0.1:PORT/v1`).
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeModel {
    /// Starts a fake that answers `script` in order, then `otherwise` (or a 500).
    pub async fn start(script: Vec<Reply>, otherwise: Option<Reply>) -> FakeModel {
        let inner = Arc::new(Mutex::new(Inner {
            script: script.into(),
            otherwise,
            got: Vec::new(),
        }));
        let app = Router::new()
            .route("/v1/chat/completions", post(answer))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeModel { url, inner }
    }

    /// Every request so far.
    pub fn got(&self) -> Vec<Got> {
        self.inner.lock().unwrap().got.clone()
    }

    /// Every request body so far.
    pub fn bodies(&self) -> Vec<Value> {
        self.got().into_iter().map(|g| g.body).collect()
    }

    /// Adds answers to the script.
    pub fn push(&self, replies: Vec<Reply>) {
        self.inner.lock().unwrap().script.extend(replies);
    }
}

async fn answer(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let streaming = body["stream"] == json!(true);
    let reply = {
        let mut i = inner.lock().unwrap();
        i.got.push(Got {
            body: body.clone(),
            headers,
            at: Instant::now(),
        });
        i.script.pop_front().or_else(|| i.otherwise.clone())
    };
    let Some(mut reply) = reply else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({"error": {"message": "unscripted"}})),
        )
            .into_response();
    };
    while let Reply::Slow(wait, inner) = reply {
        tokio::time::sleep(wait).await;
        reply = *inner;
    }
    match reply {
        Reply::Completion(c) if streaming => stream(as_chunks(&c), Duration::ZERO),
        Reply::Completion(c) => axum::Json(c).into_response(),
        Reply::Chunks(chunks, gap) => stream(chunks, gap),
        Reply::Status(status, headers, body) => {
            let mut r = (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response();
            for (k, v) in headers {
                r.headers_mut().insert(k, v.parse().unwrap());
            }
            r
        }
        Reply::Slow(..) => unreachable!(),
    }
}

fn stream(chunks: Vec<Value>, gap: Duration) -> Response {
    let events = futures::stream::iter(chunks.into_iter().map(Some).chain(std::iter::once(None)))
        .then(move |c| async move {
            if !gap.is_zero() {
                tokio::time::sleep(gap).await;
            }
            let line = match c {
                Some(c) => format!("data: {c}\n\n"),
                None => "data: [DONE]\n\n".to_string(),
            };
            Ok::<_, std::convert::Infallible>(axum::body::Bytes::from(line))
        });
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(events))
        .unwrap()
}

use futures::StreamExt;

/// A completion's message as the chunks a streaming provider sends.
fn as_chunks(c: &Value) -> Vec<Value> {
    let message = &c["choices"][0]["message"];
    let mut chunks = vec![chunk(json!({"role": "assistant", "content": ""}), None)];
    if let Some(text) = message["content"].as_str() {
        for part in text.split_inclusive(' ') {
            chunks.push(chunk(json!({"content": part}), None));
        }
    }
    if let Some(calls) = message["tool_calls"].as_array() {
        let calls: Vec<Value> = calls
            .iter()
            .enumerate()
            .map(|(i, c)| json!({"index": i, "id": c["id"], "type": "function", "function": c["function"]}))
            .collect();
        chunks.push(chunk(json!({"tool_calls": calls}), None));
    }
    chunks.push(chunk(
        json!({}),
        Some(c["choices"][0]["finish_reason"].as_str().unwrap_or("stop")),
    ));
    let mut usage = chunk(json!({}), None);
    usage["choices"] = json!([]);
    usage["usage"] = c["usage"].clone();
    chunks.push(usage);
    chunks
}

/// One `chat.completion.chunk`.
pub fn chunk(delta: Value, finish: Option<&str>) -> Value {
    json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1_764_979_200,
        "model": "test-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    })
}

fn completion(message: Value, finish: &str) -> Value {
    json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_764_979_200,
        "model": "test-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": null}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
    })
}

/// A completion saying `text`.
pub fn text(text: &str) -> Reply {
    Reply::Completion(completion(
        json!({"role": "assistant", "content": text}),
        "stop",
    ))
}

/// A completion asking for tool calls: `(id, name, arguments)`.
pub fn calls(calls: &[(&str, &str, Value)]) -> Reply {
    let calls: Vec<Value> = calls
        .iter()
        .map(|(id, name, args)| json!({"id": id, "type": "function", "function": {"name": name, "arguments": args.to_string()}}))
        .collect();
    Reply::Completion(completion(
        json!({"role": "assistant", "content": null, "tool_calls": calls}),
        "tool_calls",
    ))
}

/// A structured-output answer of `understand` mode.
pub fn understood(intent: &str, slots: Value) -> Reply {
    text(&json!({"intent": intent, "slots": slots}).to_string())
}
