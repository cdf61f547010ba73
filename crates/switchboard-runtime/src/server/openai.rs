//! An OpenAI-compatible face of the chat turn: `POST /v1/chat/completions` and `GET
//! /v1/models`, so any OpenAI client or chat front end can talk to the bot.
//!
//! The bot is the "model" (`switchboard`). A request's last user message is the turn's text;
//! the conversation lives on the server (the user's default conversation), so the history a
//! client sends is not read again. The user is the token's subject, else the request's
//! `user` field, else `openai-client`. The answer is a `chat.completion` whose content is the
//! turn's replies, with the whole turn under `switchboard`; with `"stream": true` it is
//! `chat.completion.chunk` events ending in `[DONE]`, the model's words as they arrive.

use super::chat::{Next, start};
use crate::engine::{Engine, TurnRequest, TurnResponse};
use crate::http::ApiError;
use crate::http::principal::{Principal, reach};
use crate::llm::Delta;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};
use std::convert::Infallible;
use std::sync::Arc;

/// The model name the bot answers as.
pub const MODEL: &str = "switchboard";

/// The parts of a chat-completions request the bot reads; the rest (temperature, tools, ...)
/// is accepted and ignored, as the bot's answers come from its project.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CompletionRequest {
    /// The conversation as the client has it; the last `user` message is taken.
    #[schema(value_type = Vec<Object>)]
    pub messages: Vec<Value>,
    /// Whether to stream `chat.completion.chunk` events.
    #[serde(default)]
    pub stream: bool,
    /// Who is speaking (used when the caller's token names nobody).
    #[serde(default)]
    pub user: Option<String>,
    /// Streaming options: `include_usage` adds a last chunk with the tokens.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub stream_options: Option<Value>,
    /// The model asked for (echoed; the bot answers whatever it is).
    #[serde(default)]
    pub model: Option<String>,
}

/// The text of the last user message: a string, or the text parts of an array.
fn last_user_text(messages: &[Value]) -> Option<String> {
    let m = messages.iter().rev().find(|m| m["role"] == "user")?;
    match &m["content"] {
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => Some(
            parts
                .iter()
                .filter(|p| p["type"] == "text")
                .filter_map(|p| p["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        _ => None,
    }
}

fn usage(turn: &TurnResponse) -> Value {
    let (i, o) = turn
        .usage
        .as_ref()
        .map_or((0, 0), |u| (u.input_tokens, u.output_tokens));
    json!({ "prompt_tokens": i, "completion_tokens": o, "total_tokens": i + o })
}

fn text_of(turn: &TurnResponse) -> String {
    turn.replies
        .iter()
        .map(|r| r.text.as_str())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Answers a chat-completions request with a chat turn.
#[utoipa::path(post, path = "/v1/chat/completions", tag = "chat",
    request_body = CompletionRequest,
    responses(
        (status = 200, description = "A chat.completion (or, with \"stream\": true, chat.completion.chunk events ending in [DONE]) whose content is the bot's replies", body = Object),
        (status = 400, description = "No user message, or a bad user id", body = crate::http::ErrorBody),
        (status = 404, description = "The user's conversation is out of reach", body = crate::http::ErrorBody),
    ))]
pub async fn completions(
    State(engine): State<Arc<Engine>>,
    principal: Option<Extension<Principal>>,
    body: Result<Json<CompletionRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    let text = last_user_text(&req.messages)
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("messages must end with a user message with text"))?;
    let user_id = principal
        .as_deref()
        .and_then(|p| p.subject.clone())
        .or(req.user.clone())
        .unwrap_or_else(|| "openai-client".to_string());
    let reach = reach(principal.as_deref());
    let turn = TurnRequest {
        user_id,
        text,
        conversation_id: None,
        message_id: None,
        stream: req.stream,
    };
    let id = format!("chatcmpl-{}", uuid::Uuid::new_v4().simple());
    let created = chrono::Utc::now().timestamp();
    let model = req.model.clone().unwrap_or_else(|| MODEL.to_string());
    if !req.stream {
        let response = engine.turn_as(turn, &reach).await?;
        return Ok(Json(json!({
            "id": id,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": text_of(&response), "refusal": null },
                "logprobs": null,
                "finish_reason": "stop",
            }],
            "usage": usage(&response),
            "switchboard": response,
        }))
        .into_response());
    }
    let include_usage = req
        .stream_options
        .as_ref()
        .and_then(|o| o["include_usage"].as_bool())
        .unwrap_or(false);
    let streaming = start(engine, turn, reach).await?;
    let chunk = move |delta: Value, finish: Option<&str>| {
        json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{ "index": 0, "delta": delta, "logprobs": null, "finish_reason": finish }],
        })
    };
    // What the client was sent, so the end only adds what is missing.
    struct S {
        streaming: super::chat::Streaming,
        sent: String,
        queue: std::collections::VecDeque<Value>,
        done: bool,
    }
    let mut queue = std::collections::VecDeque::new();
    queue.push_back(chunk(json!({ "role": "assistant", "content": "" }), None));
    let state = S {
        streaming,
        sent: String::new(),
        queue,
        done: false,
    };
    let stream = futures::stream::unfold(state, move |mut s| {
        let chunk = chunk.clone();
        async move {
            loop {
                if let Some(v) = s.queue.pop_front() {
                    let data = if v.is_null() {
                        "[DONE]".to_string()
                    } else {
                        v.to_string()
                    };
                    return Some((Ok::<_, Infallible>(Event::default().data(data)), s));
                }
                if s.done {
                    return None;
                }
                match s.streaming.next().await {
                    Next::Delta(Delta::Text(t)) => {
                        s.sent.push_str(&t);
                        s.queue.push_back(chunk(json!({ "content": t }), None));
                    }
                    // A chunk cannot be taken back: the whole reply follows what was sent.
                    Next::Delta(Delta::Reset) => {}
                    Next::Done(result) => {
                        s.done = true;
                        match result {
                            Ok(turn) => {
                                let text = text_of(&turn);
                                let rest = match text.strip_prefix(s.sent.as_str()) {
                                    Some(rest) => rest.to_string(),
                                    None if s.sent.is_empty() => text,
                                    None => format!("\n\n{text}"),
                                };
                                if !rest.is_empty() {
                                    s.queue.push_back(chunk(json!({ "content": rest }), None));
                                }
                                s.queue.push_back(chunk(json!({}), Some("stop")));
                                if include_usage {
                                    let mut last = chunk(json!({}), None);
                                    last["choices"] = json!([]);
                                    last["usage"] = usage(&turn);
                                    s.queue.push_back(last);
                                }
                            }
                            Err(e) => {
                                s.queue.push_back(json!({ "error": e.body().error }));
                            }
                        }
                        s.queue.push_back(Value::Null);
                    }
                }
            }
        }
    });
    Ok(Sse::new(stream).into_response())
}

/// The one model the bot is.
#[utoipa::path(get, path = "/v1/models", tag = "chat",
    responses((status = 200, description = "The bot as the one model of an OpenAI-compatible API", body = Object)))]
pub async fn models() -> Json<Value> {
    Json(json!({
        "object": "list",
        "data": [{ "id": MODEL, "object": "model", "created": 0, "owned_by": "switchboard" }],
    }))
}
