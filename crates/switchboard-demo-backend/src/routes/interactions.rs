//! CRM interactions and helpdesk tickets: writes that echo what they stored, for "log this
//! conversation" steps and for handing a conversation to a person.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::json_object;
use crate::error::ApiResult;
use crate::state::{Shared, lock};

/// `POST /api/v2/interactions`: any JSON object is accepted and echoed with an id.
pub(crate) async fn create(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult<Response> {
    let mut fields = json_object(&body)?;
    let id = lock(&shared.store).next_interaction_id();
    fields.insert("id".to_owned(), Value::String(id));
    fields.insert(
        "created_at".to_owned(),
        Value::String(chrono::Utc::now().to_rfc3339()),
    );
    Ok((StatusCode::CREATED, Json(Value::Object(fields))).into_response())
}

/// `POST /api/v2/tickets`: a helpdesk ticket (any JSON object), answered with an id and
/// `status: open`; the handoff target of the demo bot.
pub(crate) async fn ticket(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult<Response> {
    let mut fields = json_object(&body)?;
    let id = lock(&shared.store).next_ticket_id();
    fields.insert("id".to_owned(), Value::String(id));
    fields.insert("status".to_owned(), Value::String("open".to_owned()));
    fields.insert(
        "created_at".to_owned(),
        Value::String(chrono::Utc::now().to_rfc3339()),
    );
    Ok((StatusCode::CREATED, Json(Value::Object(fields))).into_response())
}
