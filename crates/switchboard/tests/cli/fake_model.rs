//! A language model stand-in on 127.0.0.1 speaking the chat-completions wire format (JSON
//! answers, no streaming): structured-output requests get an intent chosen by keywords, the
//! others a fixed worded reply.

use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The fake's choice for a message.
fn choose(text: &str) -> &'static str {
    let t = text.to_lowercase();
    if t.contains("weather") || t.contains("mausam") || t.contains("rain") || t.contains("wetter") {
        "weather"
    } else if t.contains("hello")
        || t.contains("namaste")
        || t.contains("morning")
        || t.contains("hallo")
    {
        "greet"
    } else {
        "none"
    }
}

/// The text the fake answers a request without structured output with (wording a reply).
pub const WORDED: &str = "Worded by the model.";

/// A running fake: its base URL, the requests it answered and the `Authorization` headers
/// they carried.
pub struct FakeModel {
    pub url: String,
    pub count: Arc<AtomicUsize>,
    pub auth: Arc<Mutex<Vec<String>>>,
}

/// Serves chat completions until the test ends.
pub fn fake_model() -> FakeModel {
    let count = Arc::new(AtomicUsize::new(0));
    let auth = Arc::new(Mutex::new(Vec::new()));
    let (seen, seen_auth) = (count.clone(), auth.clone());
    let addr = crate::json_server::serve(move |req| {
        seen.fetch_add(1, Ordering::SeqCst);
        if let Some(a) = req.header("authorization") {
            seen_auth.lock().unwrap().push(a.to_ascii_lowercase());
        }
        let req: Value = serde_json::from_slice(&req.body).unwrap();
        let text = req["messages"].as_array().unwrap().last().unwrap()["content"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let content = if req["response_format"]["type"] == "json_schema" {
            json!({"intent": choose(&text), "slots": {"city": null}}).to_string()
        } else {
            WORDED.to_string()
        };
        json!({
            "id": "c", "object": "chat.completion", "created": 0, "model": "fake",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
        })
    });
    FakeModel {
        url: format!("http://{addr}/v1"),
        count,
        auth,
    }
}
