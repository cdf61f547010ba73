//! Fakes of the messaging platforms' send APIs, for the bot's channels in the demo, the tests
//! and the benchmarks. Each answers as the platform does (status, body shape, auth errors) and
//! records what it accepted; `GET /admin/channels/{platform}/sent` lists it. Faults, delay,
//! stats and the request log apply as on `/api/v2` (routes `whatsapp_send`, `telegram_send`,
//! `slack_send`, `twilio_send`); the API key does not: each fake checks the platform's own
//! credentials.
//!
//! | platform | call | answers |
//! |---|---|---|
//! | `whatsapp` | `POST /platforms/whatsapp/{phone_number_id}/messages`, `Authorization: Bearer ...`, a Cloud API message | `{"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid.DEMO..."}]}`; without a bearer token 401 with Meta's error shape (code 190) |
//! | `telegram` | `POST /platforms/telegram/bot{token}/sendMessage` or `/setWebhook` | `{"ok": true, "result": ...}`; a token not of the form `DIGITS:TEXT` is 401 `{"ok": false, "error_code": 401, "description": "Unauthorized"}` |
//! | `slack` | `POST /platforms/slack/chat.postMessage`, `Authorization: Bearer xoxb-...` | `{"ok": true, "channel", "ts", "message"}`; a missing token is `{"ok": false, "error": "not_authed"}`, a missing channel `channel_not_found` (HTTP 200, as Slack does) |
//! | `twilio` | `POST /platforms/twilio/Accounts/{sid}/Messages.json`, basic auth, form `To`, `From`, `Body` | 201 `{"sid": "SM...", "status": "queued", ...}`; bad auth 401 (code 20003), a missing `To` or `Body` 400 (code 21604 / 21602) |

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::state::{Shared, lock};

/// Messages kept per platform: a benchmark's few seconds of replies, read as they come with
/// `?after=SEQ`.
pub const MAX_SENT: usize = 10_000;

/// The platforms faked, as named in `/admin/channels/{platform}/sent`.
pub const PLATFORMS: [&str; 4] = ["whatsapp", "telegram", "slack", "twilio"];

/// What the fakes accepted, per platform, oldest first.
#[derive(Debug, Default)]
pub(crate) struct SentLog {
    by_platform: HashMap<&'static str, VecDeque<Value>>,
    next_id: AtomicU64,
    /// The last `seq` given: entries are numbered in the order they were accepted.
    seq: u64,
}

impl SentLog {
    /// Records an accepted message with its `seq` and when it was accepted (`at_us`, Unix
    /// microseconds, so a reader on the same machine can time receipt to reply).
    fn push(&mut self, platform: &'static str, mut entry: Value) {
        self.seq += 1;
        if let Some(map) = entry.as_object_mut() {
            map.insert("seq".into(), Value::from(self.seq));
            map.insert(
                "at_us".into(),
                Value::from(chrono::Utc::now().timestamp_micros()),
            );
        }
        let log = self.by_platform.entry(platform).or_default();
        if log.len() == MAX_SENT {
            log.pop_front();
        }
        log.push_back(entry);
    }

    fn id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// A platform's messages with a `seq` above `after`, oldest first.
    pub(crate) fn list(&self, platform: &str, after: u64) -> Vec<Value> {
        self.by_platform
            .get(platform)
            .map(|l| {
                l.iter()
                    .filter(|e| e["seq"].as_u64().is_some_and(|s| s > after))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) fn clear(&mut self, platform: Option<&str>) {
        match platform {
            Some(p) => {
                self.by_platform.remove(p);
            }
            None => self.by_platform.clear(),
        }
    }
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .filter(|t| !t.trim().is_empty())
}

/// The text a message shows, whatever its kind (for the sent list).
fn whatsapp_text(m: &Value) -> Value {
    m.pointer("/text/body")
        .or_else(|| m.pointer("/interactive/body/text"))
        .or_else(|| m.pointer("/template/components/0/parameters/0/text"))
        .cloned()
        .unwrap_or(Value::Null)
}

pub(crate) async fn whatsapp(
    State(shared): State<Arc<Shared>>,
    Path(phone_number_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if bearer(&headers).is_none() {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": { "message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190 } })),
        )
            .into_response();
    }
    let Ok(message) = serde_json::from_slice::<Value>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": { "message": "(#100) Invalid JSON", "type": "OAuthException", "code": 100 } })),
        )
            .into_response();
    };
    let Some(to) = message.get("to").and_then(Value::as_str).map(str::to_owned) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": { "message": "(#100) The parameter to is required.", "type": "OAuthException", "code": 100 } })),
        )
            .into_response();
    };
    let mut sent = lock(&shared.sent);
    let id = format!("wamid.DEMO{:08}", sent.id());
    sent.push(
        "whatsapp",
        json!({
            "id": id, "to": to, "phone_number_id": phone_number_id,
            "type": message.get("type").cloned().unwrap_or(Value::Null),
            "text": whatsapp_text(&message), "message": message, "at": now_secs(),
        }),
    );
    Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": to, "wa_id": to }],
        "messages": [{ "id": id }]
    }))
    .into_response()
}

pub(crate) async fn telegram(
    State(shared): State<Arc<Shared>>,
    Path((bot, method)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let token_ok = bot.strip_prefix("bot").is_some_and(|t| {
        t.split_once(':').is_some_and(|(id, rest)| {
            !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) && !rest.is_empty()
        })
    });
    if !token_ok {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "ok": false, "error_code": 401, "description": "Unauthorized" })),
        )
            .into_response();
    }
    let params: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut sent = lock(&shared.sent);
    match method.as_str() {
        "sendMessage" => {
            let (Some(chat), Some(text)) = (params.get("chat_id"), params.get("text")) else {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({ "ok": false, "error_code": 400, "description": "Bad Request: chat_id and text are required" })),
                )
                    .into_response();
            };
            let id = sent.id();
            sent.push(
                "telegram",
                json!({ "id": id, "method": method, "to": chat, "text": text, "message": params, "at": now_secs() }),
            );
            Json(json!({ "ok": true, "result": {
                "message_id": id, "date": now_secs(),
                "chat": { "id": chat, "type": "private" }, "text": text
            }}))
            .into_response()
        }
        "setWebhook" => {
            let id = sent.id();
            sent.push(
                "telegram",
                json!({ "id": id, "method": method, "url": params.get("url"), "has_secret_token": params.get("secret_token").is_some(), "at": now_secs() }),
            );
            Json(json!({ "ok": true, "result": true, "description": "Webhook was set" }))
                .into_response()
        }
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({ "ok": false, "error_code": 404, "description": "Not Found" })),
        )
            .into_response(),
    }
}

pub(crate) async fn slack(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if bearer(&headers).is_none() {
        return Json(json!({ "ok": false, "error": "not_authed" })).into_response();
    }
    let params: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(channel) = params
        .get("channel")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return Json(json!({ "ok": false, "error": "channel_not_found" })).into_response();
    };
    let mut sent = lock(&shared.sent);
    let id = sent.id();
    let ts = format!("{}.{:06}", now_secs(), id % 1_000_000);
    sent.push(
        "slack",
        json!({
            "id": id, "to": channel, "ts": ts, "text": params.get("text"),
            "thread_ts": params.get("thread_ts"), "message": params, "at": now_secs(),
        }),
    );
    Json(json!({ "ok": true, "channel": channel, "ts": ts, "message": { "text": params.get("text"), "ts": ts } }))
        .into_response()
}

pub(crate) async fn twilio(
    State(shared): State<Arc<Shared>>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let authed = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.decode(b).ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .is_some_and(|up| {
            up.split_once(':')
                .is_some_and(|(user, pass)| user == sid && !pass.is_empty())
        });
    if !authed {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "code": 20003, "message": "Authenticate", "status": 401 })),
        )
            .into_response();
    }
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let Some(to) = form.get("To") else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "code": 21604, "message": "A 'To' phone number is required.", "status": 400 })),
        )
            .into_response();
    };
    let Some(text) = form.get("Body") else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "code": 21602, "message": "Message body is required.", "status": 400 })),
        )
            .into_response();
    };
    let mut sent = lock(&shared.sent);
    let message_sid = format!("SM{:032x}", sent.id());
    sent.push(
        "twilio",
        json!({ "id": message_sid, "to": to, "from": form.get("From"), "text": text, "at": now_secs() }),
    );
    (
        StatusCode::CREATED,
        Json(json!({
            "sid": message_sid, "account_sid": sid, "to": to, "from": form.get("From"),
            "body": text, "status": "queued", "num_segments": "1", "api_version": "2010-04-01"
        })),
    )
        .into_response()
}
