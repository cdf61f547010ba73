//! `POST /v1/chat` and `GET /v1/conversations/{id}`: the chat API of DESIGN.md. Both act
//! within the caller's reach (`http::principal::reach`): a conversation out of reach is a 404.

use super::AppState;
use crate::engine::{TurnRequest, TurnResponse};
use crate::http::ApiError;
use crate::http::principal::{Principal, reach};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde_json::{Value, json};

/// Takes one chat turn.
pub async fn chat(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    body: Result<Json<TurnRequest>, JsonRejection>,
) -> Result<Json<TurnResponse>, ApiError> {
    let Json(req) = body?;
    let reach = reach(principal.as_deref());
    let response = state.engine.turn_as(req, &reach).await?;
    Ok(Json(response))
}

/// A conversation's state and history.
pub async fn conversation(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(id) = id?;
    let conv = state
        .engine
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
