//! `GET /v1/users/{id}/events` and `GET /v1/conversations/{id}/events`: proactive messages as
//! server-sent events. Each event's id is the message's stream position; a client that
//! reconnects with `Last-Event-ID` gets what it missed, from the store, and nothing twice.
//! Without it, the stream starts with the next message.

use super::Webhooks;
use crate::server::AppState;
use crate::server::error::ApiError;
use crate::storage::inbox::{Audience, Message};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Messages read from the store at a time.
const PAGE: u32 = 100;
/// How often the store is checked without a wake-up (messages routed by another instance).
const POLL: Duration = Duration::from_secs(2);

/// Whose messages.
#[derive(Clone, Copy)]
enum Kind {
    User,
    Conversation,
}

/// Streams a user's proactive messages.
pub async fn user_events(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    events(state, id, headers, Kind::User).await
}

/// Streams the proactive messages added to a conversation.
pub async fn conversation_events(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    events(state, id, headers, Kind::Conversation).await
}

async fn events(
    state: AppState,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    kind: Kind,
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
    let w = state
        .engine
        .webhooks()
        .cloned()
        .ok_or_else(|| ApiError::not_found("this project has no webhook sources"))?;
    // Subscribe before reading the position, so nothing published in between is missed.
    let rx = w.subscribe();
    let after = match headers.get("last-event-id") {
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .filter(|n| *n >= 0)
            .ok_or_else(|| {
                ApiError::bad_request("Last-Event-ID must be a number this stream sent")
            })?,
        None => w
            .inbox()
            .latest_seq()
            .await
            .map_err(|e| ApiError::internal(StatusCode::SERVICE_UNAVAILABLE, &e))?,
    };
    let cursor = Cursor {
        w,
        id,
        kind,
        after,
        rx,
        buffer: VecDeque::new(),
    };
    let stream = futures::stream::unfold(cursor, |mut c| async move {
        let m = c.next().await;
        Some((Ok(event(&m)), c))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// Where one stream is.
struct Cursor {
    w: Arc<Webhooks>,
    id: String,
    kind: Kind,
    after: i64,
    rx: watch::Receiver<i64>,
    buffer: VecDeque<Message>,
}

impl Cursor {
    /// The next message, waiting for one as long as it takes.
    async fn next(&mut self) -> Message {
        loop {
            if let Some(m) = self.buffer.pop_front() {
                self.after = m.seq;
                return m;
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
            // Wait for this instance to publish, or poll for other instances' messages.
            let _ = tokio::time::timeout(POLL, self.rx.changed()).await;
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
