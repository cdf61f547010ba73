//! The action server's handlers: authenticate, decode the call, run or validate the mapped
//! intent, and answer events and responses.

use super::protocol::{self, ActionCall, ActionResult};
use crate::engine::Engine;
use crate::engine::fulfill::{FulfillError, Fulfilled};
use crate::platforms::auth::{self, AuthError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::sync::Arc;
use switchboard_config::model::{RasaAction, RasaSettings};

/// Why an action call was not served. Bodies follow rasa-sdk's `{"error": ...}` shape, which
/// Rasa logs as it is.
#[derive(Debug, thiserror::Error)]
pub enum RasaError {
    /// The body is not an action call.
    #[error("Invalid body request: {0}")]
    Malformed(String),
    /// No action of that name is mapped.
    #[error("No registered action found for name '{0}'.")]
    UnknownAction(String),
    /// The caller did not authenticate.
    #[error("{0}")]
    Unauthorized(#[from] AuthError),
    /// The body is not declared JSON.
    #[error("{}", crate::platforms::NOT_JSON)]
    NotJson,
    /// Something on our side failed; details are logged, not sent.
    #[error("internal error")]
    Internal(String),
}

impl From<FulfillError> for RasaError {
    fn from(e: FulfillError) -> RasaError {
        match e {
            FulfillError::InvalidUser(rule) => RasaError::Malformed(format!("sender_id: {rule}")),
            // A mapped intent always exists (checked at load time), so this error is ours.
            FulfillError::UnknownIntent(_) => RasaError::Internal(e.to_string()),
        }
    }
}

impl IntoResponse for RasaError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            RasaError::Malformed(_) => (
                StatusCode::BAD_REQUEST,
                json!({ "error": self.to_string() }),
            ),
            RasaError::UnknownAction(name) => {
                tracing::warn!(target: "switchboard::rasa", action = %name, "unknown action");
                (StatusCode::NOT_FOUND, protocol::action_not_found(name))
            }
            RasaError::Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                json!({ "error": self.to_string() }),
            ),
            RasaError::NotJson => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                json!({ "error": self.to_string() }),
            ),
            RasaError::Internal(detail) => {
                tracing::error!(target: "switchboard::rasa", %detail, "action failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({ "error": self.to_string() }),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}

/// `GET /health`: `{"status": "ok"}`, as rasa-sdk answers.
#[utoipa::path(get, path = "/health", tag = "platforms",
    responses((status = 200, description = "`{\"status\": \"ok\"}`, as rasa-sdk answers", body = Object)))]
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /actions`: `[{"name": ...}]`, the mapped actions in file order.
#[utoipa::path(get, path = "/actions", tag = "platforms",
    responses((status = 200, description = "The mapped Rasa actions", body = Object)))]
pub async fn actions(State(engine): State<Arc<Engine>>) -> Json<Value> {
    let names: Vec<Value> = engine
        .project()
        .rasa
        .iter()
        .flat_map(|r| r.actions.keys())
        .map(|name| json!({ "name": name }))
        .collect();
    Json(Value::Array(names))
}

/// `POST /webhook`: runs one action.
#[utoipa::path(post, path = "/webhook", tag = "platforms",
    request_body(content = Object, description = "A Rasa action call (the path is `rasa.path`)"),
    responses(
        (status = 200, description = "Events and responses, as rasa-sdk answers", body = Object),
        (status = 400, description = "Not an action call", body = Object),
        (status = 401, description = "`rasa.auth` failed", body = Object),
        (status = 404, description = "No such action", body = Object),
    ))]
pub async fn webhook(
    State(engine): State<Arc<Engine>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ActionResult>, RasaError> {
    let settings = engine
        .project()
        .rasa
        .as_ref()
        .ok_or_else(|| RasaError::Internal("rasa is not configured".into()))?;
    auth::check(settings.auth.as_ref(), &headers)?;
    if !crate::platforms::is_json(&headers) {
        return Err(RasaError::NotJson);
    }
    let call: ActionCall =
        serde_json::from_slice(&body).map_err(|e| RasaError::Malformed(e.to_string()))?;
    let action = settings
        .actions
        .get(call.next_action.as_ref())
        .ok_or_else(|| RasaError::UnknownAction(call.next_action.to_string()))?;
    let result = run(&engine, settings, action, call).await?;
    Ok(Json(result))
}

/// Runs (or validates) the intent an action maps to.
pub async fn run(
    engine: &Engine,
    settings: &RasaSettings,
    action: &RasaAction,
    mut call: ActionCall<'_>,
) -> Result<ActionResult, FulfillError> {
    let user_id = call
        .sender_id
        .take()
        .or_else(|| call.tracker.sender_id.take())
        .map_or_else(|| "rasa".to_string(), Cow::into_owned);
    let slots = slot_values(engine, &action.intent, &mut call);
    if action.validate {
        let this_turn = call.tracker.slots_set_this_turn();
        return validate(engine, action, &user_id, &this_turn, &slots);
    }
    // `sender_id` is the user id; whether it may use that user's own credentials is the
    // project's word (`rasa.trust_user_ids`), and never without `auth` (config refuses that
    // pair; this holds for projects built in code too).
    let done = crate::platforms::fulfill(
        engine,
        &action.intent,
        &user_id,
        settings.trust_user_ids && settings.auth.is_some(),
        slots,
        settings.deadline,
    )
    .await?;
    let mut out = ActionResult::default();
    match &done.status {
        Fulfilled::InvalidSlot { slot } => {
            out.events.push(protocol::slot_event(slot, Value::Null));
        }
        Fulfilled::MissingSlot { .. } => {}
        Fulfilled::Confirm | Fulfilled::Declined => {
            for (name, value) in &done.slots {
                out.events.push(protocol::slot_event(name, value.clone()));
            }
        }
        Fulfilled::Done { .. } => {
            for (name, value) in &done.slots {
                out.events.push(protocol::slot_event(name, value.clone()));
            }
            for s in &action.set_slots {
                let value = done
                    .results
                    .get(&s.step)
                    .and_then(|r| r.get(&s.field))
                    .cloned()
                    .unwrap_or(Value::Null);
                out.events.push(protocol::slot_event(&s.slot, value));
            }
        }
    }
    out.responses = done
        .replies
        .iter()
        .map(|r| protocol::text_response(r))
        .collect();
    Ok(out)
}

/// The intent's slot values from the tracker: its slots, then entities of the latest message
/// (by slot name or the slot's entity) for slots the tracker leaves empty.
fn slot_values(engine: &Engine, intent: &str, call: &mut ActionCall<'_>) -> Map<String, Value> {
    let mut slots = std::mem::take(&mut call.tracker.slots);
    let Some(intent) = engine.project().intents.get(intent) else {
        return slots;
    };
    for (name, slot) in &intent.slots {
        if slots.get(name).is_some_and(|v| !v.is_null()) {
            continue;
        }
        let found = call
            .tracker
            .latest_message
            .entities
            .iter()
            .find(|e| e.entity == *name || slot.entity.as_deref() == Some(e.entity.as_str()));
        if let Some(e) = found {
            slots.insert(name.clone(), e.value.clone());
        }
    }
    slots
}

/// A `validate_<form>` action: checks the slots set this turn (all of the intent's filled
/// slots when the events say nothing), answering a slot event for each (null when rejected)
/// and the re-ask text for each rejection.
fn validate(
    engine: &Engine,
    action: &RasaAction,
    user_id: &str,
    this_turn: &[String],
    slots: &Map<String, Value>,
) -> Result<ActionResult, FulfillError> {
    let given: Map<String, Value> = slots
        .iter()
        .filter(|(k, _)| this_turn.is_empty() || this_turn.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let checks = engine.validate_slots(&action.intent, user_id, &given)?;
    let mut out = ActionResult::default();
    for c in checks {
        out.events.push(protocol::slot_event(
            &c.slot,
            c.value.unwrap_or(Value::Null),
        ));
        if let Some(reply) = c.reply {
            out.responses.push(protocol::text_response(&reply));
        }
    }
    Ok(out)
}
