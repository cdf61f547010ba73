//! A language model stand-in on 127.0.0.1 speaking the chat-completions wire format (JSON
//! answers, no streaming): structured-output requests get an intent chosen by keywords, the
//! others a fixed worded reply.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The fake's choice for a message.
fn choose(text: &str) -> &'static str {
    let t = text.to_lowercase();
    if t.contains("weather") || t.contains("mausam") || t.contains("rain") {
        "weather"
    } else if t.contains("hello") || t.contains("namaste") || t.contains("morning") {
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
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let auth = Arc::new(Mutex::new(Vec::new()));
    let (seen, seen_auth) = (count.clone(), auth.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (seen, seen_auth) = (seen.clone(), seen_auth.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("authorization:") {
                        seen_auth.lock().unwrap().push(v.trim().to_string());
                    }
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                seen.fetch_add(1, Ordering::SeqCst);
                let req: Value = serde_json::from_slice(&body).unwrap();
                let text = req["messages"].as_array().unwrap().last().unwrap()["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let content = if req["response_format"]["type"] == "json_schema" {
                    json!({"intent": choose(&text), "slots": {"city": null}}).to_string()
                } else {
                    WORDED.to_string()
                };
                let answer = json!({
                    "id": "c", "object": "chat.completion", "created": 0, "model": "fake",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
                })
                .to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            });
        }
    });
    FakeModel { url, count, auth }
}
