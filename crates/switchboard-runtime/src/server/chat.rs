//! `POST /v1/chat` and `GET /v1/conversations/{id}`: the chat API of DESIGN.md. Both act
//! within the caller's reach (`http::principal::reach`): a conversation out of reach is a 404.

use crate::engine::Engine;
use crate::engine::{TurnRequest, TurnResponse};
use crate::http::ApiError;
use crate::http::principal::{Principal, reach};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde_json::{Value, json};
use std::sync::Arc;

/// Takes one chat turn.
#[utoipa::path(post, path = "/v1/chat", tag = "chat",
    request_body = TurnRequest,
    responses(
        (status = 200, description = "The bot's replies to the message", body = TurnResponse),
        (status = 400, description = "Empty or too long text, a bad user id or a body that is not a turn", body = crate::http::ErrorBody),
        (status = 404, description = "The conversation named is not found (or out of reach)", body = crate::http::ErrorBody),
        (status = 409, description = "Another turn changed the conversation at the same time", body = crate::http::ErrorBody),
        (status = 503, description = "The conversation store is unavailable", body = crate::http::ErrorBody),
    ))]
pub async fn chat(
    State(engine): State<Arc<Engine>>,
    principal: Option<Extension<Principal>>,
    body: Result<Json<TurnRequest>, JsonRejection>,
) -> Result<Json<TurnResponse>, ApiError> {
    let Json(req) = body?;
    let reach = reach(principal.as_deref());
    let response = engine.turn_as(req, &reach).await?;
    Ok(Json(response))
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
