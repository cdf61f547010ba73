//! The answer of a language model's chat-completions call (a `type: llm` connector): a plain
//! `chat.completion` object, or an event stream of `chat.completion.chunk`s folded into one.
//!
//! The [`Folder`] is incremental so the same code serves both ends: the pipeline folds a
//! whole body after the call, and the chat turn folds the chunks it is handed while they
//! arrive (through [`super::Tap`]) to stream the words to the user.

use serde_json::{Map, Value, json};

/// Folds the chunks of a chat-completions event stream into one completion.
#[derive(Debug, Default)]
pub struct Folder {
    /// Bytes after the last line break.
    partial: Vec<u8>,
    /// `data:` lines of the event being read.
    data: String,
    id: Option<Value>,
    model: Option<Value>,
    content: String,
    refusal: String,
    tool_calls: Vec<Map<String, Value>>,
    finish_reason: Option<Value>,
    usage: Option<Value>,
    error: Option<String>,
}

impl Folder {
    /// Reads more of the stream; returns the text added to the reply by these bytes.
    pub fn push(&mut self, bytes: &[u8]) -> String {
        let mut added = String::new();
        self.partial.extend_from_slice(bytes);
        while let Some(at) = self.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=at).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                self.dispatch(&mut added);
            } else if let Some(data) = line.strip_prefix("data:") {
                if !self.data.is_empty() {
                    self.data.push('\n');
                }
                self.data.push_str(data.strip_prefix(' ').unwrap_or(data));
            }
            // `event:`, `id:`, `retry:` and comments carry nothing a completion needs.
        }
        added
    }

    fn dispatch(&mut self, added: &mut String) {
        let data = std::mem::take(&mut self.data);
        if data.is_empty() || data.trim() == "[DONE]" {
            return;
        }
        let Ok(chunk) = serde_json::from_str::<Value>(&data) else {
            self.error.get_or_insert_with(|| {
                "the model's stream carried an event that is not JSON".into()
            });
            return;
        };
        if let Some(e) = chunk.get("error") {
            let message = e
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("an error");
            self.error.get_or_insert_with(|| {
                format!("the model's stream ended with an error: {message}")
            });
            return;
        }
        if self.id.is_none() {
            self.id = chunk.get("id").cloned();
            self.model = chunk.get("model").cloned();
        }
        if let Some(u) = chunk.get("usage").filter(|u| !u.is_null()) {
            self.usage = Some(u.clone());
        }
        let Some(choice) = chunk
            .get("choices")
            .and_then(Value::as_array)
            .and_then(|c| {
                c.iter()
                    .find(|c| c.get("index").and_then(Value::as_u64).unwrap_or(0) == 0)
            })
        else {
            return;
        };
        if let Some(f) = choice.get("finish_reason").filter(|f| !f.is_null()) {
            self.finish_reason = Some(f.clone());
        }
        let Some(delta) = choice.get("delta") else {
            return;
        };
        if let Some(text) = delta.get("content").and_then(Value::as_str) {
            self.content.push_str(text);
            added.push_str(text);
        }
        if let Some(text) = delta.get("refusal").and_then(Value::as_str) {
            self.refusal.push_str(text);
        }
        for call in delta
            .get("tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let index = call.get("index").and_then(Value::as_u64).unwrap_or(0) as usize;
            // Indexes come in order; a gap would be a provider bug, filled with empties.
            while self.tool_calls.len() <= index.min(127) {
                let mut m = Map::new();
                m.insert("type".into(), json!("function"));
                m.insert("function".into(), json!({"name": "", "arguments": ""}));
                self.tool_calls.push(m);
            }
            let Some(acc) = self.tool_calls.get_mut(index) else {
                continue;
            };
            if let Some(id) = call.get("id").filter(|i| !i.is_null()) {
                acc.insert("id".into(), id.clone());
            }
            if let Some(f) = call.get("function") {
                for key in ["name", "arguments"] {
                    if let Some(part) = f.get(key).and_then(Value::as_str)
                        && let Some(Value::String(s)) =
                            acc.get_mut("function").and_then(|f| f.get_mut(key))
                    {
                        s.push_str(part);
                    }
                }
            }
        }
    }

    /// The completion the stream made, or why it is not one.
    pub fn finish(mut self) -> Result<Value, String> {
        if !self.partial.is_empty() {
            self.partial.push(b'\n');
            let rest = std::mem::take(&mut self.partial);
            self.push(&rest);
        }
        let mut ignored = String::new();
        self.dispatch(&mut ignored);
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.id.is_none() && self.finish_reason.is_none() && self.content.is_empty() {
            return Err("the model's stream carried no completion".into());
        }
        let mut message = json!({
            "role": "assistant",
            "content": if self.content.is_empty() && !self.tool_calls.is_empty() { Value::Null } else { Value::String(self.content) },
        });
        if !self.refusal.is_empty() {
            message["refusal"] = Value::String(self.refusal);
        }
        if !self.tool_calls.is_empty() {
            message["tool_calls"] =
                Value::Array(self.tool_calls.into_iter().map(Value::Object).collect());
        }
        Ok(json!({
            "id": self.id.unwrap_or(Value::Null),
            "object": "chat.completion",
            "model": self.model.unwrap_or(Value::Null),
            "choices": [{
                "index": 0,
                "message": message,
                "finish_reason": self.finish_reason.unwrap_or(Value::Null),
            }],
            "usage": self.usage.unwrap_or(Value::Null),
        }))
    }
}

/// A completion from a whole answer body: JSON, or an event stream to fold.
pub(super) fn completion(body: &[u8], content_type: Option<&str>) -> Result<Value, String> {
    if content_type.is_some_and(|c| c.starts_with("text/event-stream")) {
        let mut f = Folder::default();
        f.push(body);
        return f.finish();
    }
    super::response::parse_json(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sse(chunks: &[Value]) -> String {
        let mut s = String::new();
        for c in chunks {
            s.push_str(&format!("data: {c}\n\n"));
        }
        s.push_str("data: [DONE]\n\n");
        s
    }

    #[test]
    fn text_chunks_fold_into_one_message_whatever_the_byte_boundaries() {
        let body = sse(&[
            json!({"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Your order "}}]}),
            json!({"id": "c1", "choices": [{"index": 0, "delta": {"content": "is on its way — ✓"}}]}),
            json!({"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
            json!({"id": "c1", "choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}),
        ]);
        // One byte at a time: multi-byte characters split across pushes.
        let mut f = Folder::default();
        let mut streamed = String::new();
        for b in body.as_bytes() {
            streamed.push_str(&f.push(std::slice::from_ref(b)));
        }
        let done = f.finish().unwrap();
        assert_eq!(streamed, "Your order is on its way — ✓");
        assert_eq!(done["choices"][0]["message"]["content"], streamed);
        assert_eq!(done["choices"][0]["finish_reason"], "stop");
        assert_eq!(done["usage"]["total_tokens"], 15);
    }

    #[test]
    fn tool_call_fragments_are_joined_by_index() {
        let body = sse(&[
            json!({"id": "c2", "choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 0, "id": "call_a", "type": "function", "function": {"name": "store_get", "arguments": "{\"order"}},
                {"index": 1, "id": "call_b", "type": "function", "function": {"name": "weather", "arguments": ""}}]}}]}),
            json!({"id": "c2", "choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 0, "function": {"arguments": "_id\":\"1001\"}"}},
                {"index": 1, "function": {"arguments": "{\"city\":\"Pune\"}"}}]}, "finish_reason": "tool_calls"}]}),
        ]);
        let done = completion(body.as_bytes(), Some("text/event-stream")).unwrap();
        let calls = &done["choices"][0]["message"]["tool_calls"];
        assert_eq!(calls[0]["id"], "call_a");
        assert_eq!(calls[0]["function"]["arguments"], "{\"order_id\":\"1001\"}");
        assert_eq!(calls[1]["function"]["name"], "weather");
        assert!(done["choices"][0]["message"]["content"].is_null());
    }

    #[test]
    fn an_error_event_or_an_empty_stream_is_not_a_completion() {
        let body = "data: {\"error\": {\"message\": \"overloaded\"}}\n\n";
        assert!(
            completion(body.as_bytes(), Some("text/event-stream"))
                .unwrap_err()
                .contains("overloaded")
        );
        assert!(completion(b": keep-alive\n\n", Some("text/event-stream")).is_err());
    }
}
