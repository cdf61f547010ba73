//! A stand-in for a language model at `POST /model/v1/chat/completions`, speaking the OpenAI
//! chat-completions wire format (JSON or, with `"stream": true`, chunks), for benchmarks and
//! offline tries of Switchboard's `llm` section. It is not a language model: it picks, among
//! the intents an understanding request offers (its JSON Schema's `intent` enum), the one
//! whose name shares the most words with the message (`none` when none does) and fills no
//! slot; it words a reply as the draft the request carries; it calls no tool. `POST
//! /admin/model` with `{"content": "..."}` makes it answer that text to everything instead
//! (`{"content": null}` goes back to the rules). Point `--llm-url` at a real model for real
//! understanding.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use crate::state::{Shared, lock};

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/model/v1/chat/completions", post(complete))
        .route("/admin/model", post(set_answer).get(answer))
}

async fn set_answer(State(shared): State<Arc<Shared>>, Json(body): Json<Value>) -> Json<Value> {
    *lock(&shared.model_answer) = body["content"].as_str().map(str::to_string);
    Json(json!({ "content": body["content"] }))
}

async fn answer(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({ "content": *lock(&shared.model_answer) }))
}

/// The words of a text, lower-cased.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// What the rules answer.
fn by_rules(req: &Value) -> String {
    let messages = req["messages"].as_array().cloned().unwrap_or_default();
    let last_user = messages
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default();
    let schema = &req["response_format"]["json_schema"]["schema"];
    if let Some(intents) = schema
        .pointer("/properties/intent/enum")
        .and_then(Value::as_array)
    {
        let said = words(last_user);
        let best = intents
            .iter()
            .filter_map(Value::as_str)
            .filter(|i| *i != "none")
            .map(|i| (words(i).iter().filter(|w| said.contains(w)).count(), i))
            .filter(|(n, _)| *n > 0)
            .max_by_key(|(n, _)| *n)
            .map_or("none", |(_, i)| i);
        return json!({ "intent": best, "slots": {} }).to_string();
    }
    // A wording request carries the data, with the template's draft, in a user message.
    let draft = messages
        .iter()
        .filter_map(|m| m["content"].as_str())
        .filter_map(|c| c.strip_prefix("Data: "))
        .find_map(|d| serde_json::from_str::<Value>(d).ok())
        .and_then(|d| d["draft_reply"].as_str().map(str::to_string));
    draft.unwrap_or_else(|| {
        "I am the demo backend's stand-in model; I cannot help with that.".to_string()
    })
}

async fn complete(State(shared): State<Arc<Shared>>, Json(req): Json<Value>) -> Response {
    if !req["messages"].is_array() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": { "message": "messages is required", "type": "invalid_request_error" } })),
        )
            .into_response();
    }
    let content = lock(&shared.model_answer)
        .clone()
        .unwrap_or_else(|| by_rules(&req));
    let model = req["model"].as_str().unwrap_or("demo").to_string();
    let prompt_tokens = req["messages"].to_string().len() / 4;
    let completion_tokens = content.len() / 4 + 1;
    let usage = json!({
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    });
    if req["stream"] == json!(true) {
        let chunk = |delta: Value, finish: Option<&str>| {
            json!({ "id": "chatcmpl-demo", "object": "chat.completion.chunk", "created": 0, "model": model,
                    "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }] })
        };
        let mut events = vec![chunk(json!({ "role": "assistant", "content": "" }), None)];
        events.extend(
            content
                .split_inclusive(' ')
                .map(|w| chunk(json!({ "content": w }), None)),
        );
        events.push(chunk(json!({}), Some("stop")));
        let mut last = chunk(json!({}), None);
        last["choices"] = json!([]);
        last["usage"] = usage;
        events.push(last);
        let mut body: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
        body.push_str("data: [DONE]\n\n");
        return Response::builder()
            .header("content-type", "text/event-stream")
            .body(Body::from(body))
            .unwrap_or_default();
    }
    Json(json!({
        "id": "chatcmpl-demo",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": content }, "finish_reason": "stop" }],
        "usage": usage,
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_pick_the_intent_sharing_most_words_or_none_and_echo_the_draft() {
        let understand = |text: &str| {
            json!({
                "messages": [{"role": "system", "content": "x"}, {"role": "user", "content": text}],
                "response_format": {"json_schema": {"schema": {"properties": {"intent": {"enum": ["order_status", "weather", "none"]}}}}},
            })
        };
        assert_eq!(
            by_rules(&understand("where is my order 1001?")),
            r#"{"intent":"order_status","slots":{}}"#
        );
        assert_eq!(
            by_rules(&understand("Weather in Pune")),
            r#"{"intent":"weather","slots":{}}"#
        );
        assert_eq!(
            by_rules(&understand("book a flight")),
            r#"{"intent":"none","slots":{}}"#
        );
        let word = json!({"messages": [{"role": "user", "content": "hi"}, {"role": "user", "content": "Data: {\"draft_reply\": \"Order 1001 is shipped.\"}"}]});
        assert_eq!(by_rules(&word), "Order 1001 is shipped.");
    }
}
