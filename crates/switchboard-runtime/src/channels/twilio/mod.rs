//! Twilio Messaging (SMS, and WhatsApp through Twilio): deliveries are forms with
//! `MessageSid`, `From` and `Body`; status callbacks (a `MessageStatus` without a `Body`) are
//! counted, never a user message. Replies are `POST /Accounts/{sid}/Messages.json` forms; SMS
//! has no buttons, so options are listed in the text.

#[cfg(test)]
mod tests;

use super::receive::{Incoming, Parsed};
use serde_json::{Map, Value};

/// Longest message Twilio accepts (characters; it splits SMS segments itself).
pub(super) const MAX_TEXT: usize = 1600;

/// Reads a delivery.
pub(super) fn parse(body: &[u8]) -> Result<Parsed, String> {
    let form: std::collections::HashMap<String, String> =
        crate::verify::form_pairs(body).into_iter().collect();
    let mut out = Parsed::default();
    let sid = form
        .get("MessageSid")
        .or_else(|| form.get("SmsSid"))
        .ok_or("no MessageSid")?;
    let Some(text) = form.get("Body") else {
        if let Some(status) = form.get("MessageStatus").or_else(|| form.get("SmsStatus")) {
            out.statuses.push(match status.as_str() {
                "sent" => "sent",
                "delivered" => "delivered",
                "read" => "read",
                "failed" | "undelivered" => "failed",
                _ => "other",
            });
        }
        return Ok(out);
    };
    let from = form.get("From").ok_or("no From")?;
    out.messages.push(Incoming {
        message_id: sid.clone(),
        address: from.clone(),
        text: text.clone(),
        context: Value::Null,
        sent_at: None,
    });
    Ok(out)
}

/// The text with its options listed (SMS has no buttons).
pub(super) fn with_options(text: &str, options: &[String]) -> String {
    if options.is_empty() {
        text.to_string()
    } else {
        format!("{text}\n\nReply: {}", options.join(" / "))
    }
}

/// The `send` operation's inputs. A WhatsApp sender (`whatsapp:+...`) answers a WhatsApp
/// address; the recipient is the address the user wrote from.
pub(super) fn message(account_sid: &str, from: &str, to: &str, text: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("account_sid".into(), Value::String(account_sid.into()));
    m.insert("from".into(), Value::String(from.into()));
    m.insert("to".into(), Value::String(to.into()));
    m.insert("body".into(), Value::String(text.into()));
    m
}
