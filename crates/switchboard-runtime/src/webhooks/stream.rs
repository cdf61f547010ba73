//! `GET /v1/users/{id}/events` and `GET /v1/conversations/{id}/events`: proactive messages as
//! server-sent events. Each event's id is the message's stream position; a client that
//! reconnects with `Last-Event-ID` gets what it missed, from the store, and nothing twice.
//! Without it, the stream starts with the next message.
//!
//! A caller follows only what is within its reach (`inbound::reach`): a JWT its own user's
//! stream and conversations, an API key that is not a trusted backend no user's stream (403)
//! and only conversations started for it. Anything else out of reach is a 404, so ids are not
//! confirmed.
//!
//! A stream reads the outbox when woken for its user or conversation (`hub.rs`: this
//! instance's deliveries, and other instances' through PostgreSQL notifications), and every
//! 30 s in case a notification was lost. Open streams are capped per user (a new one closes
//! the oldest, which ends with `event: closed`) and per instance (`503 too_many_streams`).

use super::Webhooks;
use super::hub::{self, Lease, Refused};
use crate::engine::{Engine, Reach};
use crate::http::ApiError;
use crate::http::principal::{Principal, reach};
use crate::storage::inbox::{Audience, Message};
use axum::Extension;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// Messages read from the store at a time.
const PAGE: u32 = 100;
/// How often the store is read without a wake-up: a safety net for a lost notification.
const FALLBACK_POLL: Duration = Duration::from_secs(30);

/// Whose messages.
#[derive(Clone, Copy)]
enum Kind {
    User,
    Conversation,
}

/// Streams a user's proactive messages.
#[utoipa::path(get, path = "/v1/users/{id}/events", tag = "chat",
    params(("id" = String, Path, description = "The user"),
           ("Last-Event-ID" = Option<String>, Header, description = "Resume after this message")),
    responses(
        (status = 200, description = "Server-sent events: the user's proactive messages", content_type = "text/event-stream", body = String),
        (status = 400, description = "A bad user id or Last-Event-ID", body = crate::http::ErrorBody),
        (status = 503, description = "Too many open streams", body = crate::http::ErrorBody),
    ))]
pub async fn user_events(
    State(engine): State<Arc<Engine>>,
    State(webhooks): State<Option<Arc<Webhooks>>>,
    principal: Option<Extension<Principal>>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let reach = reach(principal.as_deref());
    events(engine, webhooks, id, headers, Kind::User, reach).await
}

/// Streams the proactive messages added to a conversation.
#[utoipa::path(get, path = "/v1/conversations/{id}/events", tag = "chat",
    params(("id" = String, Path, description = "The conversation"),
           ("Last-Event-ID" = Option<String>, Header, description = "Resume after this message")),
    responses(
        (status = 200, description = "Server-sent events: messages added to the conversation", content_type = "text/event-stream", body = String),
        (status = 404, description = "No such conversation within the caller's reach", body = crate::http::ErrorBody),
        (status = 503, description = "Too many open streams", body = crate::http::ErrorBody),
    ))]
pub async fn conversation_events(
    State(engine): State<Arc<Engine>>,
    State(webhooks): State<Option<Arc<Webhooks>>>,
    principal: Option<Extension<Principal>>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let reach = reach(principal.as_deref());
    events(engine, webhooks, id, headers, Kind::Conversation, reach).await
}

async fn events(
    engine: Arc<Engine>,
    webhooks: Option<Arc<Webhooks>>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    kind: Kind,
    reach: Reach,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let Path(id) = id?;
    if id.is_empty() || id.chars().count() > 200 || id.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "the id must be 1 to 200 printable characters",
        ));
    }
    if let Kind::User = kind {
        crate::user_id::check(&id).map_err(|e| ApiError::bad_request(e.to_string()))?;
    }
    match kind {
        Kind::User if reach == Reach::Started => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "a user's events need that user's token or a trusted backend key",
            ));
        }
        Kind::User if !reach.follows(&id) => {
            return Err(ApiError::not_found(format!("user {id} not found")));
        }
        // Open to everyone: any id may be followed, even before its conversation exists.
        Kind::Conversation if reach == Reach::Any => {}
        Kind::Conversation => {
            if engine.conversation(&id, &reach).await?.is_none() {
                return Err(ApiError::not_found(format!("conversation {id} not found")));
            }
        }
        Kind::User => {}
    }
    let w = webhooks.ok_or_else(|| ApiError::not_found("this project has no webhook sources"))?;
    // A bad Last-Event-ID is refused before taking a place (it would replace the user's
    // oldest stream for nothing).
    let resume = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    ApiError::bad_request("Last-Event-ID must be a number this stream sent")
                })?,
        ),
        None => None,
    };
    // Take a place (and its wake-up) before reading the position, so nothing published in
    // between is missed.
    let key = match kind {
        Kind::User => hub::user_key(&id),
        Kind::Conversation => hub::conversation_key(&id),
    };
    let lease = w.hub().open(key).map_err(|refused| match refused {
        Refused::Full => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "too_many_streams",
            "too many event streams are open on this server; try again shortly",
        )
        .with_retry_after("5"),
        Refused::ShuttingDown => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the server is shutting down",
        )
        .with_retry_after("1"),
    })?;
    let after = match resume {
        Some(n) => n,
        None => w.inbox().latest_seq().await.map_err(|e| {
            lease.failed();
            ApiError::internal(StatusCode::SERVICE_UNAVAILABLE, &e)
        })?,
    };
    let cursor = Cursor {
        w,
        id,
        kind,
        after,
        lease,
        buffer: VecDeque::new(),
    };
    let stream = futures::stream::unfold(Some(cursor), |c| async move {
        let mut c = c?;
        match c.next().await {
            Next::Message(m) => Some((Ok(event(&m)), Some(c))),
            // The last event says why the stream ends; then it ends.
            Next::Closed(reason) => Some((
                Ok(Event::default()
                    .event("closed")
                    .data(serde_json::json!({ "reason": reason }).to_string())),
                None,
            )),
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// Where one stream is.
struct Cursor {
    w: Arc<Webhooks>,
    id: String,
    kind: Kind,
    after: i64,
    lease: Lease,
    buffer: VecDeque<Message>,
}

/// What a stream sends next.
enum Next {
    Message(Message),
    /// The hub ended the stream (replaced by a newer one of the same user, or shutdown).
    Closed(&'static str),
}

impl Cursor {
    /// The next message, waiting for one as long as it takes, unless the hub ends the stream.
    async fn next(&mut self) -> Next {
        loop {
            if let Some(m) = self.buffer.pop_front() {
                self.after = m.seq;
                return Next::Message(m);
            }
            let audience = match self.kind {
                Kind::User => Audience::User(&self.id),
                Kind::Conversation => Audience::Conversation(&self.id),
            };
            match self
                .w
                .inbox()
                .messages_after(audience, self.after, PAGE)
                .await
            {
                Ok(page) if !page.is_empty() => {
                    self.buffer.extend(page);
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(target: "switchboard::webhooks", error = %e, "event stream cannot read messages");
                }
            }
            // Wait for a message for this stream, the safety poll, or the end.
            let closer = self.lease.closer.clone();
            tokio::select! {
                woken = self.lease.wake.changed() => {
                    if woken.is_err() {
                        // No wake-ups any more (the stream was replaced): wait for the end.
                        return Next::Closed(closer.closed().await);
                    }
                }
                reason = closer.closed() => return Next::Closed(reason),
                () = tokio::time::sleep(FALLBACK_POLL) => {}
            }
        }
    }
}

fn event(m: &Message) -> Event {
    Event::default()
        .id(m.seq.to_string())
        .event("message")
        .json_data(m)
        .unwrap_or_else(|_| Event::default().id(m.seq.to_string()).event("message"))
}
