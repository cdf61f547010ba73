//! WhatsApp Cloud API: deliveries are `whatsapp_business_account` objects whose changes hold
//! `messages` (text, interactive button and list replies, template quick-reply buttons) and
//! `statuses` (of messages the bot sent: counted, never a user message). Replies are
//! `POST /{phone-number-id}/messages`: text, interactive buttons (up to 3 options of 20
//! characters) or a list (up to 10 of 24), and outside the 24-hour window a template.

#[cfg(test)]
mod tests;

use super::receive::{Incoming, Parsed};
use serde_json::{Map, Value, json};
use switchboard_config::model::WhatsappTemplate;

/// Longest text message (characters).
pub(super) const MAX_TEXT: usize = 4096;
/// Longest body of an interactive message.
const MAX_INTERACTIVE_BODY: usize = 1024;

/// Reads a delivery; messages to another business number are ignored.
pub(super) fn parse(phone_number_id: &str, body: &[u8]) -> Result<Parsed, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let entries = v
        .get("entry")
        .and_then(Value::as_array)
        .ok_or("no entry list")?;
    let mut out = Parsed::default();
    for change in entries
        .iter()
        .filter_map(|e| e.get("changes").and_then(Value::as_array))
        .flatten()
    {
        let Some(value) = change.get("value") else {
            continue;
        };
        let to = value
            .pointer("/metadata/phone_number_id")
            .and_then(Value::as_str);
        if to.is_some_and(|t| t != phone_number_id) {
            continue;
        }
        for s in value
            .get("statuses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.statuses
                .push(match s.get("status").and_then(Value::as_str) {
                    Some("sent") => "sent",
                    Some("delivered") => "delivered",
                    Some("read") => "read",
                    Some("failed") => "failed",
                    _ => "other",
                });
        }
        for m in value
            .get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(id), Some(from)) = (
                m.get("id").and_then(Value::as_str),
                m.get("from").and_then(Value::as_str),
            ) else {
                continue;
            };
            let text = match m.get("type").and_then(Value::as_str) {
                Some("text") => m.pointer("/text/body"),
                Some("interactive") => m
                    .pointer("/interactive/button_reply/title")
                    .or_else(|| m.pointer("/interactive/list_reply/title")),
                Some("button") => m.pointer("/button/text"),
                _ => None,
            }
            .and_then(Value::as_str);
            // Images, voice notes, locations...: not read (the delivery is still acknowledged).
            let Some(text) = text else { continue };
            let digits: String = from.chars().filter(char::is_ascii_digit).collect();
            out.messages.push(Incoming {
                message_id: id.to_string(),
                address: format!("+{digits}"),
                text: text.to_string(),
                context: Value::Null,
                sent_at: m
                    .get("timestamp")
                    .and_then(Value::as_str)
                    .and_then(|t| t.parse::<i64>().ok())
                    .map(|s| s * 1000),
            });
        }
    }
    Ok(out)
}

/// The `send` operation's inputs for a free-form message.
pub(super) fn message(
    phone_number_id: &str,
    to: &str,
    text: &str,
    options: &[String],
) -> Map<String, Value> {
    let to = to.trim_start_matches('+');
    let body_fits = text.chars().count() <= MAX_INTERACTIVE_BODY;
    let message = if !options.is_empty()
        && body_fits
        && options.len() <= 3
        && options.iter().all(|o| o.chars().count() <= 20)
    {
        let buttons: Vec<Value> = options
            .iter()
            .enumerate()
            .map(|(i, o)| json!({ "type": "reply", "reply": { "id": format!("option-{i}"), "title": o } }))
            .collect();
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "interactive",
            "interactive": { "type": "button", "body": { "text": text }, "action": { "buttons": buttons } }
        })
    } else if !options.is_empty()
        && body_fits
        && options.len() <= 10
        && options.iter().all(|o| o.chars().count() <= 24)
    {
        let rows: Vec<Value> = options
            .iter()
            .enumerate()
            .map(|(i, o)| json!({ "id": format!("option-{i}"), "title": o }))
            .collect();
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "interactive",
            "interactive": {
                "type": "list", "body": { "text": text },
                "action": { "button": "Choose", "sections": [{ "title": "Options", "rows": rows }] }
            }
        })
    } else {
        let text = if options.is_empty() {
            text.to_string()
        } else {
            format!("{text}\n\n{}", options.join(" / "))
        };
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "text", "text": { "body": text, "preview_url": false }
        })
    };
    inputs(phone_number_id, message)
}

/// The `send` operation's inputs for a template message (outside the 24-hour window); the
/// template's one body parameter gets the text.
pub(super) fn template(
    phone_number_id: &str,
    to: &str,
    t: &WhatsappTemplate,
    text: &str,
) -> Map<String, Value> {
    let message = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual",
        "to": to.trim_start_matches('+'),
        "type": "template",
        "template": {
            "name": t.name,
            "language": { "code": t.language },
            "components": [{ "type": "body", "parameters": [{ "type": "text", "text": text }] }]
        }
    });
    inputs(phone_number_id, message)
}

fn inputs(phone_number_id: &str, message: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "phone_number_id".into(),
        Value::String(phone_number_id.into()),
    );
    m.insert("message".into(), message);
    m
}
