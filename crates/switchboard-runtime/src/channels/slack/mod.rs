//! Slack Events API: `url_verification` is answered with its challenge; `event_callback`s
//! whose event is a user's `message` (or `app_mention`) are user messages, keyed by
//! `event_id` (so Slack's retries, `X-Slack-Retry-Num`, are recognised as repeats); the bot's
//! own messages (`bot_id`) and edits or joins (a `subtype`) are ignored. Replies are
//! `chat.postMessage` in the same conversation, in the thread when the message was in one,
//! with options as buttons.

#[cfg(test)]
mod tests;

use super::receive::{Incoming, Parsed};
use serde_json::{Map, Value, json};

/// Longest text of one message part: a section block holds 3,000 characters.
pub(super) const MAX_TEXT: usize = 3000;

/// Reads an event delivery.
pub(super) fn parse(body: &[u8]) -> Result<Parsed, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let mut out = Parsed::default();
    match v.get("type").and_then(Value::as_str) {
        Some("url_verification") => {
            out.challenge = Some(
                v.get("challenge")
                    .and_then(Value::as_str)
                    .ok_or("url_verification without a challenge")?
                    .to_string(),
            );
            return Ok(out);
        }
        Some("event_callback") => {}
        Some(_) => return Ok(out),
        None => return Err("no type".into()),
    }
    let event_id = v
        .get("event_id")
        .and_then(Value::as_str)
        .ok_or("no event_id")?;
    let team = v.get("team_id").and_then(Value::as_str).unwrap_or_default();
    let Some(e) = v.get("event") else {
        return Err("no event".into());
    };
    let kind = e.get("type").and_then(Value::as_str);
    if !matches!(kind, Some("message" | "app_mention"))
        || e.get("bot_id").is_some()
        || e.get("subtype").is_some()
    {
        return Ok(out);
    }
    let (Some(user), Some(channel), Some(text)) = (
        e.get("user").and_then(Value::as_str),
        e.get("channel").and_then(Value::as_str),
        e.get("text").and_then(Value::as_str),
    ) else {
        return Ok(out);
    };
    let mut context = json!({ "channel": channel });
    if let Some(thread) = e.get("thread_ts").and_then(Value::as_str) {
        context["thread_ts"] = Value::String(thread.into());
    }
    out.messages.push(Incoming {
        message_id: event_id.to_string(),
        address: format!("{team}:{user}"),
        text: without_mentions(text),
        context,
        sent_at: e
            .get("ts")
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<f64>().ok())
            .map(|s| (s * 1000.0) as i64),
    });
    Ok(out)
}

/// The text without `<@U123>` mentions (a message to the bot usually starts with one).
fn without_mentions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<@") {
        out.push_str(&rest[..start]);
        match rest[start..].find('>') {
            Some(end) => rest = &rest[start + end + 1..],
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `send` operation's inputs: a `chat.postMessage` body.
pub(super) fn message(context: &Value, text: &str, options: &[String]) -> Map<String, Value> {
    let mut message =
        json!({ "channel": context.get("channel").cloned().unwrap_or(Value::Null), "text": text });
    if let Some(thread) = context.get("thread_ts") {
        message["thread_ts"] = thread.clone();
    }
    if !options.is_empty() {
        let buttons: Vec<Value> = options
            .iter()
            .take(25)
            .enumerate()
            .map(|(i, o)| {
                let label: String = o.chars().take(75).collect();
                json!({ "type": "button", "action_id": format!("option-{i}"), "value": o.chars().take(2000).collect::<String>(),
                        "text": { "type": "plain_text", "text": label } })
            })
            .collect();
        message["blocks"] = json!([
            { "type": "section", "text": { "type": "mrkdwn", "text": text } },
            { "type": "actions", "elements": buttons }
        ]);
    }
    let mut m = Map::new();
    m.insert("message".into(), message);
    m
}
