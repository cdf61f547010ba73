//! Telegram Bot API: deliveries are `Update` objects (one per request) whose `message` or
//! `callback_query` (a tapped inline keyboard button) is a user message; the bot's own and
//! other bots' messages are ignored. `X-Telegram-Bot-Api-Secret-Token` carries the secret
//! given to `setWebhook`. Replies are `sendMessage`, with options as an inline keyboard.

#[cfg(test)]
mod tests;

use super::receive::{Incoming, Parsed};
use axum::http::HeaderMap;
use serde_json::{Map, Value, json};
use switchboard_config::Secret;

/// Longest text message (characters).
pub(super) const MAX_TEXT: usize = 4096;
/// The header holding the secret token.
const HEADER: &str = "x-telegram-bot-api-secret-token";

/// Checks the secret token in constant time.
pub(super) fn verify(secret: &Secret, headers: &HeaderMap) -> Result<(), String> {
    let given = headers
        .get(HEADER)
        .ok_or_else(|| format!("missing header {HEADER}"))?;
    if crate::verify::same_secret(secret, given.as_bytes()) {
        Ok(())
    } else {
        Err("secret token does not match".into())
    }
}

/// Reads an update.
pub(super) fn parse(body: &[u8]) -> Result<Parsed, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let update_id = v
        .get("update_id")
        .and_then(Value::as_i64)
        .ok_or("no update_id")?;
    let mut out = Parsed::default();
    let (message, text) = if let Some(m) = v.get("message") {
        (m, m.get("text").and_then(Value::as_str))
    } else if let Some(q) = v.get("callback_query") {
        let from_bot = q.pointer("/from/is_bot").and_then(Value::as_bool) == Some(true);
        let data = q.get("data").and_then(Value::as_str).filter(|_| !from_bot);
        match q.get("message") {
            Some(m) => (m, data),
            None => return Ok(out),
        }
    } else {
        // Edited messages, channel posts, member updates...: not user messages.
        return Ok(out);
    };
    if message.pointer("/from/is_bot").and_then(Value::as_bool) == Some(true)
        && v.get("callback_query").is_none()
    {
        return Ok(out);
    }
    let (Some(text), Some(chat)) = (text, message.pointer("/chat/id").and_then(Value::as_i64))
    else {
        return Ok(out);
    };
    out.messages.push(Incoming {
        message_id: update_id.to_string(),
        address: chat.to_string(),
        text: text.to_string(),
        context: Value::Null,
        sent_at: message
            .get("date")
            .and_then(Value::as_i64)
            .map(|s| s * 1000),
    });
    Ok(out)
}

/// The `send` operation's inputs: the token (a path segment of every Bot API method) and a
/// `sendMessage` body.
pub(super) fn message(
    token: &str,
    chat_id: &str,
    text: &str,
    options: &[String],
) -> Map<String, Value> {
    let chat: Value = chat_id
        .parse::<i64>()
        .map_or_else(|_| Value::String(chat_id.into()), Value::from);
    let mut message = json!({ "chat_id": chat, "text": text });
    if !options.is_empty() {
        let rows: Vec<Value> = options
            .iter()
            .map(|o| json!([{ "text": o, "callback_data": callback_data(o) }]))
            .collect();
        message["reply_markup"] = json!({ "inline_keyboard": rows });
    }
    let mut m = Map::new();
    m.insert("token".into(), Value::String(token.into()));
    m.insert("message".into(), message);
    m
}

/// Callback data is 1 to 64 bytes: the option, cut at a character boundary.
fn callback_data(option: &str) -> String {
    let mut end = option.len().min(64);
    while !option.is_char_boundary(end) {
        end -= 1;
    }
    option[..end].to_string()
}

/// The `register` operation's inputs: `setWebhook` with the channel's URL and secret token,
/// for the updates the channel reads.
pub(super) fn registration(token: &str, url: &str, secret_token: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("token".into(), Value::String(token.into()));
    m.insert(
        "settings".into(),
        json!({
            "url": url,
            "secret_token": secret_token,
            "allowed_updates": ["message", "callback_query"],
        }),
    );
    m
}
