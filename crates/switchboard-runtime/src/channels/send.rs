//! Sending one reply to a channel user: split at the platform's limit, quick-reply options as
//! the platform's buttons (on the last part), WhatsApp's 24-hour window, and each part sent
//! as a call of the channel's built-in `send` operation, so the pipeline's retries, rate
//! limit, breaker, metrics and audit apply.

use super::{Channels, slack, telegram, twilio, whatsapp};
use crate::pipeline::CallContext;
use crate::telemetry::channel::{ChannelSent, SendOutcome};
use serde_json::{Map, Value};
use std::time::Duration;
use switchboard_config::model::{Channel, ChannelKind, OperationRef, OutcomeKind};

/// WhatsApp's customer-service window: free-form messages only this long after the user's
/// last message.
pub(super) const WHATSAPP_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// Time allowed for one part, its retries included.
const SEND_BUDGET: Duration = Duration::from_secs(30);

/// Who a message goes to.
#[derive(Debug, Clone)]
pub(super) struct Recipient<'a> {
    /// Their address on the channel.
    pub address: &'a str,
    /// What a reply needs besides the address (Slack's conversation and thread).
    pub context: &'a Value,
    /// When they last wrote (Unix milliseconds).
    pub last_inbound_at: i64,
}

/// Sends one message; the outcome is counted in `switchboard_channel_messages_total`, and a
/// failure's reason returned.
pub(super) async fn deliver(
    ch: &Channels,
    channel: &Channel,
    to: &Recipient<'_>,
    text: &str,
    options: &[String],
    proactive: bool,
) -> Result<(), String> {
    let outcome = send(ch, channel, to, text, options).await;
    ChannelSent {
        channel: &channel.name,
        proactive,
        outcome: match &outcome {
            Ok(()) => SendOutcome::Sent,
            Err((o, _)) => *o,
        },
    }
    .emit(ch.engine.pipeline().telemetry());
    outcome.map_err(|(_, why)| why)
}

async fn send(
    ch: &Channels,
    channel: &Channel,
    to: &Recipient<'_>,
    text: &str,
    options: &[String],
) -> Result<(), (SendOutcome, String)> {
    // The parts of a free-form message, the options going with the last one.
    let parts = |limit: usize, build: &BuildPart| {
        let parts = split(text, limit);
        let last = parts.len().saturating_sub(1);
        parts
            .iter()
            .enumerate()
            .map(|(i, part)| build(part, if i == last { options } else { &[] }))
            .collect::<Vec<_>>()
    };
    let calls: Vec<Map<String, Value>> = match &channel.kind {
        ChannelKind::Whatsapp {
            phone_number_id,
            template,
            ..
        } => {
            let age = ch.clock.now_ms() - to.last_inbound_at;
            if age >= WHATSAPP_WINDOW.as_millis() as i64 {
                let Some(t) = template else {
                    return Err((
                        SendOutcome::OutsideWindow,
                        "outside WhatsApp's 24-hour window and the channel has no template".into(),
                    ));
                };
                vec![whatsapp::template(phone_number_id, to.address, t, text)]
            } else {
                parts(whatsapp::MAX_TEXT, &|part, opts| {
                    whatsapp::message(phone_number_id, to.address, part, opts)
                })
            }
        }
        ChannelKind::Telegram { bot_token, .. } => parts(telegram::MAX_TEXT, &|part, opts| {
            telegram::message(bot_token.expose(), to.address, part, opts)
        }),
        ChannelKind::Slack { .. } => parts(slack::MAX_TEXT, &|part, opts| {
            slack::message(to.context, part, opts)
        }),
        // SMS has no buttons: the options are listed in the text, which is then split.
        ChannelKind::Twilio {
            account_sid, from, ..
        } => split(&twilio::with_options(text, options), twilio::MAX_TEXT)
            .iter()
            .map(|part| twilio::message(account_sid, from, to.address, part))
            .collect(),
    };
    let op = OperationRef {
        connector: channel.connector.clone(),
        operation: "send".into(),
    };
    for args in &calls {
        let ctx = CallContext::with_budget(SEND_BUDGET);
        let record = ch
            .engine
            .pipeline()
            .call(&op, args, &ctx)
            .await
            .map_err(|e| (SendOutcome::Failed, e.to_string()))?;
        if record.outcome != OutcomeKind::Ok {
            return Err((
                SendOutcome::Failed,
                format!(
                    "the send API answered {:?}{}",
                    record.outcome,
                    record
                        .status
                        .map(|s| format!(" (HTTP {s})"))
                        .unwrap_or_default()
                ),
            ));
        }
        // Slack answers 200 with `ok: false` for its own errors.
        if matches!(channel.kind, ChannelKind::Slack { .. })
            && record.data.get("ok") != Some(&Value::Bool(true))
        {
            let error = record
                .data
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(60)
                .collect::<String>();
            return Err((
                SendOutcome::Failed,
                format!("Slack refused the message: {error}"),
            ));
        }
    }
    Ok(())
}

/// Builds the send operation's inputs for one part of a message and the options it offers.
type BuildPart<'a> = dyn Fn(&str, &[String]) -> Map<String, Value> + 'a;

/// Splits `text` into parts of at most `limit` characters, at a paragraph, line or word
/// boundary where there is one in the last fifth of a part.
pub(super) fn split(text: &str, limit: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > limit {
        let cut = rest
            .char_indices()
            .nth(limit)
            .map_or(rest.len(), |(i, _)| i);
        let window = &rest[..cut];
        let floor = window
            .char_indices()
            .nth(limit * 4 / 5)
            .map_or(0, |(i, _)| i);
        let at = ["\n\n", "\n", " "]
            .iter()
            .find_map(|sep| window.rfind(sep).filter(|&i| i >= floor))
            .unwrap_or(cut);
        parts.push(rest[..at].trim_end().to_string());
        rest = rest[at..].trim_start();
    }
    if !rest.is_empty() || parts.is_empty() {
        parts.push(rest.to_string());
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn short_text_is_one_part() {
        assert_eq!(split("hello", 10), vec!["hello"]);
    }

    #[test]
    fn long_text_splits_at_words_within_the_limit() {
        let text = "alpha beta gamma delta epsilon zeta eta theta";
        let parts = split(text, 12);
        assert!(parts.iter().all(|p| p.chars().count() <= 12), "{parts:?}");
        assert_eq!(parts.join(" "), text);
        assert_eq!(parts[0], "alpha beta");
    }

    #[test]
    fn a_word_longer_than_the_limit_is_cut() {
        let parts = split(&"x".repeat(25), 10);
        assert_eq!(parts, vec!["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
    }

    #[test]
    fn splitting_counts_characters_not_bytes() {
        let text = "नमस्ते ".repeat(10);
        let parts = split(&text, 14);
        assert!(parts.iter().all(|p| p.chars().count() <= 14));
        assert_eq!(parts.join(" "), text.trim());
    }
}
