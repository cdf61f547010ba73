//! `POST /v1/chat` and `GET /v1/conversations/{id}`: the chat API of DESIGN.md. Both act
//! within the caller's reach (`http::principal::reach`): a conversation out of reach is a 404.
//!
//! A turn asked with `"stream": true` runs in a task of its own ([`start`]): the words a
//! language model writes arrive as `delta` events while it runs, and its whole response last.
//! A turn refused before any word (a bad request, a missing conversation) is an ordinary JSON
//! error with its status. A client that goes away does not stop the turn: it is saved once,
//! whole, as any other.

use crate::engine::{Engine, Reach, TurnError};
use crate::engine::{TurnRequest, TurnResponse};
use crate::http::ApiError;
use crate::http::principal::{Principal, reach};
use crate::llm::Delta;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{Value, json};
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// A turn running in its own task, its model's words handed over as they come.
pub(super) struct Streaming {
    /// What came before the handler answered.
    pub first: Option<Delta>,
    /// The rest of the words; closed when the turn ends.
    pub deltas: mpsc::UnboundedReceiver<Delta>,
    /// The turn's result.
    pub done: oneshot::Receiver<Result<TurnResponse, TurnError>>,
}

/// Starts a streaming turn; a turn that fails before any word is that error.
pub(super) async fn start(
    engine: Arc<Engine>,
    req: TurnRequest,
    reach: Reach,
) -> Result<Streaming, ApiError> {
    let (sink, mut deltas) = mpsc::unbounded_channel();
    let (tx, mut done) = oneshot::channel();
    tokio::spawn(async move {
        let result = engine.turn_streaming(req, &reach, Some(&sink)).await;
        let _ = tx.send(result);
    });
    // The first word, or the end of a turn that had none (a closed channel: wait for it).
    let first = tokio::select! {
        biased;
        Some(d) = deltas.recv() => Some(d),
        r = &mut done => match r {
            Ok(Err(e)) => return Err(e.into()),
            Ok(Ok(response)) => {
                let (tx, done) = oneshot::channel();
                let _ = tx.send(Ok(response));
                return Ok(Streaming { first: None, deltas, done });
            }
            Err(_) => return Err(ApiError::internal(axum::http::StatusCode::INTERNAL_SERVER_ERROR, &"the turn's task ended without a result")),
        },
    };
    Ok(Streaming {
        first,
        deltas,
        done,
    })
}

/// What a streaming turn sends next.
pub(super) enum Next {
    /// More words, or a reset.
    Delta(Delta),
    /// The turn's end.
    Done(Result<TurnResponse, ApiError>),
}

impl Streaming {
    /// The next thing to send; `None` after the end.
    pub(super) async fn next(&mut self) -> Next {
        if let Some(d) = self.first.take() {
            return Next::Delta(d);
        }
        if let Some(d) = self.deltas.recv().await {
            return Next::Delta(d);
        }
        let done = (&mut self.done).await;
        Next::Done(match done {
            Ok(r) => r.map_err(ApiError::from),
            Err(_) => Err(ApiError::internal(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                &"the turn's task ended without a result",
            )),
        })
    }
}

/// The chat API's events: `delta`, `reset`, then `turn` or `error`.
fn events(streaming: Streaming) -> Sse<impl futures::Stream<Item = Result<Event, Infallible>>> {
    let stream = futures::stream::unfold(Some(streaming), |state| async move {
        let mut s = state?;
        let event = match s.next().await {
            Next::Delta(Delta::Text(t)) => Event::default()
                .event("delta")
                .data(json!({ "text": t }).to_string()),
            Next::Delta(Delta::Reset) => Event::default().event("reset").data("{}"),
            Next::Done(Ok(response)) => {
                let data = serde_json::to_string(&response).unwrap_or_default();
                return Some((Ok(Event::default().event("turn").data(data)), None));
            }
            Next::Done(Err(e)) => {
                let data = serde_json::to_string(&e.body()).unwrap_or_default();
                return Some((Ok(Event::default().event("error").data(data)), None));
            }
        };
        Some((Ok(event), Some(s)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Takes one chat turn.
#[utoipa::path(post, path = "/v1/chat", tag = "chat",
    request_body = TurnRequest,
    responses(
        (status = 200, description = "The bot's replies to the message (with \"stream\": true, server-sent events: delta, reset, then turn or error)", body = TurnResponse),
        (status = 400, description = "Empty or too long text, a bad user id or a body that is not a turn", body = crate::http::ErrorBody),
        (status = 404, description = "The conversation named is not found (or out of reach)", body = crate::http::ErrorBody),
        (status = 409, description = "Another turn changed the conversation at the same time", body = crate::http::ErrorBody),
        (status = 503, description = "The conversation store is unavailable", body = crate::http::ErrorBody),
    ))]
pub async fn chat(
    State(engine): State<Arc<Engine>>,
    principal: Option<Extension<Principal>>,
    body: Result<Json<TurnRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    let reach = reach(principal.as_deref());
    if req.stream {
        return Ok(events(start(engine, req, reach).await?).into_response());
    }
    let response = engine.turn_as(req, &reach).await?;
    Ok(Json(response).into_response())
}

/// A conversation's state and history.
#[utoipa::path(get, path = "/v1/conversations/{id}", tag = "chat",
    params(("id" = String, Path, description = "The conversation id a turn returned")),
    responses(
        (status = 200, description = "The conversation: user, slots, pending question, history", body = Object),
        (status = 404, description = "No such conversation within the caller's reach", body = crate::http::ErrorBody),
    ))]
pub async fn conversation(
    State(engine): State<Arc<Engine>>,
    principal: Option<Extension<Principal>>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(id) = id?;
    let conv = engine
        .conversation(&id, &reach(principal.as_deref()))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("conversation {id} not found")))?;
    Ok(Json(json!({
        "conversation_id": conv.id,
        "user_id": conv.user_id,
        "slots": conv.slots,
        "pending": conv.pending,
        "last_intent": conv.last_intent,
        "history": conv.history,
        "created_at": conv.created_at,
        "updated_at": conv.updated_at,
    })))
}
