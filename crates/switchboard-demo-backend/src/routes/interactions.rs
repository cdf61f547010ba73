//! CRM interactions: a write that echoes what it stored, for "log this conversation" steps.

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
