//! `POST /v1/channels/{name}`: the body limit, the platform's verification on the raw body,
//! parsing, the store commit, and only then the acknowledgement. `GET` answers WhatsApp's
//! subscription handshake.

use super::worker::chat_key;
use super::{Channels, slack, telegram, twilio, whatsapp};
use crate::http::ApiError;
use crate::storage::channels::{Direction, NewQueued};
use crate::storage::inbox::Inserted;
use crate::telemetry::channel::{ChannelReceived, Receipt};
use crate::verify::{self, Delivery};
use axum::Json;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use switchboard_config::model::{Channel, ChannelKind};

/// Largest body accepted: the platforms' deliveries are a few kilobytes.
const MAX_BODY: usize = 256 * 1024;

/// How long the commit may take before the platform is told to retry (503).
const COMMIT_TIMEOUT: Duration = Duration::from_secs(5);

/// A user's message as the worker needs it, whatever the platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incoming {
    /// The platform's id of this delivery (wamid, update_id, event_id, MessageSid).
    pub message_id: String,
    /// Who wrote, on the platform: a phone number (`+919812345678`, or Twilio's
    /// `whatsapp:+...`), a Telegram chat id, a Slack `TEAM:USER`.
    pub address: String,
    /// What they wrote (for a tapped button, its title).
    pub text: String,
    /// What a reply needs besides the address (Slack: the conversation and thread).
    #[serde(default)]
    pub context: Value,
    /// When the platform says it was sent (Unix milliseconds), if it does.
    #[serde(default)]
    pub sent_at: Option<i64>,
}

/// What a delivery holds.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    /// User messages.
    pub messages: Vec<Incoming>,
    /// Delivery statuses of messages the bot sent (`sent`, `delivered`, `read`, `failed`,
    /// `other`).
    pub statuses: Vec<&'static str>,
    /// Slack's `url_verification` challenge, answered as is.
    pub challenge: Option<String>,
}

fn machinery(channels: Option<&Arc<Channels>>) -> Result<&Arc<Channels>, ApiError> {
    channels.ok_or_else(|| ApiError::not_found("this project has no channels"))
}

fn channel<'a>(ch: &'a Channels, name: &str) -> Result<&'a Channel, ApiError> {
    ch.project()
        .channels
        .get(name)
        .ok_or_else(|| ApiError::not_found(format!("no channel {name:?}")))
}

/// Receives one delivery from a platform.
#[utoipa::path(post, path = "/v1/channels/{name}", tag = "channels",
    params(("name" = String, Path, description = "A channel of the project")),
    request_body(content = Object, description = "The platform's delivery (JSON, or a form for Twilio), verified on its raw bytes"),
    responses(
        (status = 200, description = "Committed (or a repeat): the platform may forget it"),
        (status = 400, description = "The body is not the platform's format", body = crate::http::ErrorBody),
        (status = 401, description = "The signature or secret does not verify", body = crate::http::ErrorBody),
        (status = 404, description = "No such channel", body = crate::http::ErrorBody),
        (status = 413, description = "The body is over 256 KiB", body = crate::http::ErrorBody),
        (status = 503, description = "The store is unavailable: the platform retries", body = crate::http::ErrorBody),
    ))]
pub async fn receive(
    State(channels): State<Option<Arc<Channels>>>,
    name: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Path(name) = name?;
    let ch = machinery(channels.as_ref())?;
    let c = channel(ch, &name)?;
    let telemetry = ch.engine.pipeline().telemetry();
    let count = |receipt| {
        ChannelReceived {
            channel: &c.name,
            receipt,
        }
        .emit(telemetry);
    };
    let body = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("body is over {MAX_BODY} bytes"),
        )
    })?;
    let now = ch.clock.now_ms();
    let delivery = Delivery {
        headers: &headers,
        body: &body,
        now: now / 1000,
    };
    let verified = match &c.kind {
        ChannelKind::Whatsapp { verify, .. }
        | ChannelKind::Slack { verify }
        | ChannelKind::Twilio { verify, .. } => verify::verify(verify, &delivery)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        ChannelKind::Telegram { secret_token, .. } => telegram::verify(secret_token, &headers),
    };
    if let Err(reason) = verified {
        count(Receipt::Rejected);
        tracing::info!(target: "switchboard::channel", channel = %c.name, %reason, "channel delivery refused");
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_signature",
            format!("the delivery does not verify: {reason}"),
        ));
    }
    let parsed = match &c.kind {
        ChannelKind::Whatsapp {
            phone_number_id, ..
        } => whatsapp::parse(phone_number_id, &body),
        ChannelKind::Telegram { .. } => telegram::parse(&body),
        ChannelKind::Slack { .. } => slack::parse(&body),
        ChannelKind::Twilio { .. } => twilio::parse(&body),
    }
    .map_err(|e| {
        count(Receipt::Rejected);
        ApiError::bad_request(format!("not a {} delivery: {e}", c.kind.as_str()))
    })?;
    for status in &parsed.statuses {
        crate::telemetry::channel::ChannelStatus {
            channel: &c.name,
            status,
        }
        .emit(telemetry);
    }
    if let Some(challenge) = parsed.challenge {
        return Ok(Json(json!({ "challenge": challenge })).into_response());
    }
    if parsed.messages.is_empty() {
        count(Receipt::Ignored);
    }
    let mut stored = false;
    for m in &parsed.messages {
        let queued = NewQueued {
            channel: c.name.clone(),
            message_id: m.message_id.clone(),
            chat: chat_key(&c.name, &m.address),
            direction: Direction::Inbound,
            payload: serde_json::to_string(m).unwrap_or_default(),
            received_at: now,
        };
        let inserted = tokio::time::timeout(COMMIT_TIMEOUT, ch.store.insert(&queued))
            .await
            .unwrap_or_else(|_| {
                Err(crate::storage::StoreError::Unavailable(
                    "the store took too long".into(),
                ))
            });
        match inserted {
            Ok(Inserted::New) => {
                count(Receipt::Accepted);
                stored = true;
            }
            Ok(Inserted::Duplicate) => count(Receipt::Duplicate),
            Err(e) => {
                tracing::warn!(target: "switchboard::channel", channel = %c.name, error = %e, "cannot store a channel message; the platform will deliver it again");
                if stored {
                    ch.wake.notify_one();
                }
                return Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the message store is unavailable; deliver again later",
                )
                .with_retry_after("5"));
            }
        }
    }
    if stored {
        ch.wake.notify_one();
    }
    Ok(match &c.kind {
        // Twilio reads the answer as TwiML: an empty response sends nothing now (the replies
        // follow through the Messages API once the turn has run).
        ChannelKind::Twilio { .. } => (
            [(header::CONTENT_TYPE, "text/xml")],
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>",
        )
            .into_response(),
        _ => Json(json!({ "ok": true })).into_response(),
    })
}

/// Answers WhatsApp's subscription handshake: `hub.challenge` back when `hub.mode` is
/// `subscribe` and `hub.verify_token` is the channel's.
#[utoipa::path(get, path = "/v1/channels/{name}", tag = "channels",
    params(("name" = String, Path, description = "A WhatsApp channel of the project")),
    responses(
        (status = 200, description = "The challenge, as text"),
        (status = 403, description = "Wrong mode or token", body = crate::http::ErrorBody),
        (status = 404, description = "No such WhatsApp channel", body = crate::http::ErrorBody),
    ))]
pub async fn handshake(
    State(channels): State<Option<Arc<Channels>>>,
    name: Result<Path<String>, PathRejection>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let Path(name) = name?;
    let ch = machinery(channels.as_ref())?;
    let c = channel(ch, &name)?;
    let ChannelKind::Whatsapp {
        verify: switchboard_config::model::Verify::Meta { verify_token, .. },
        ..
    } = &c.kind
    else {
        return Err(ApiError::not_found(format!(
            "channel {name:?} has no subscription handshake (only whatsapp channels do)"
        )));
    };
    match verify::handshake(
        verify_token,
        q.get("hub.mode").map(String::as_str),
        q.get("hub.verify_token").map(String::as_str),
        q.get("hub.challenge").map(String::as_str),
    ) {
        Some(challenge) => Ok((
            [(header::CONTENT_TYPE, "text/plain")],
            challenge.to_string(),
        )
            .into_response()),
        None => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "handshake_refused",
            "hub.mode must be subscribe and hub.verify_token the channel's verify token",
        )),
    }
}
