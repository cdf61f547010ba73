//! Dialogflow fulfillment: ES webhooks (`WebhookRequest` v2 → `WebhookResponse`) and CX
//! webhooks (`fulfillmentInfo.tag` → `fulfillmentResponse`), each mapped to an intent of the
//! project and answered within the configured deadline (4.5 s by default, under Dialogflow's
//! own 5 s).

pub mod cx;
pub mod es;
#[cfg(test)]
mod tests;

use crate::engine::Engine;
use crate::http::ApiError;
use crate::http::{RouteScope::Signed, Routes};
use crate::platforms::auth::{self, AuthError};
use axum::extract::FromRef;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use std::sync::Arc;
use switchboard_config::model::DialogflowSettings;

/// `POST {es_path}` and `POST {cx_path}`: `signed`, checked by the platform's own `auth`.
pub fn routes<S>(settings: &DialogflowSettings) -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Engine>: FromRef<S>,
{
    Routes::new()
        .post(Signed, &settings.es_path, es::webhook)
        .post(Signed, &settings.cx_path, cx::webhook)
}

/// Why a webhook call was not served; answered as the house JSON error.
#[derive(Debug, thiserror::Error)]
pub enum DialogflowError {
    /// The body is not a webhook request.
    #[error("invalid webhook request: {0}")]
    Malformed(String),
    /// No intent is mapped for the ES display name or CX tag.
    #[error("no intent is mapped for {0}")]
    Unmapped(String),
    /// The caller did not authenticate.
    #[error("{0}")]
    Unauthorized(#[from] AuthError),
    /// The body is not declared JSON.
    #[error("{}", crate::platforms::NOT_JSON)]
    NotJson,
    /// Something on our side failed; details are logged, not sent.
    #[error("{0}")]
    Internal(String),
}

impl From<crate::engine::fulfill::FulfillError> for DialogflowError {
    fn from(e: crate::engine::fulfill::FulfillError) -> DialogflowError {
        use crate::engine::fulfill::FulfillError;
        match e {
            FulfillError::InvalidUser(rule) => {
                DialogflowError::Malformed(format!("session: {rule}"))
            }
            FulfillError::UnknownIntent(_) => DialogflowError::Internal(e.to_string()),
        }
    }
}

impl IntoResponse for DialogflowError {
    fn into_response(self) -> Response {
        match self {
            DialogflowError::Malformed(m) => ApiError::bad_request(m),
            DialogflowError::Unmapped(_) => ApiError::not_found(self.to_string()),
            DialogflowError::Unauthorized(e) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", e.to_string())
            }
            DialogflowError::NotJson => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                crate::platforms::NOT_JSON,
            ),
            DialogflowError::Internal(detail) => {
                ApiError::internal(StatusCode::INTERNAL_SERVER_ERROR, &detail)
            }
        }
        .into_response()
    }
}

/// The settings, after checking the caller.
fn admit(engine: &Engine, headers: &HeaderMap) -> Result<DialogflowSettings, DialogflowError> {
    let settings = engine
        .project()
        .dialogflow
        .clone()
        .ok_or_else(|| DialogflowError::Internal("dialogflow is not configured".into()))?;
    auth::check(settings.auth.as_ref(), headers)?;
    if !crate::platforms::is_json(headers) {
        return Err(DialogflowError::NotJson);
    }
    Ok(settings)
}

/// The intent for a display name or tag: the mapping, else an intent of that very name.
fn intent_for(
    engine: &Engine,
    mapping: &indexmap::IndexMap<String, String>,
    key: &str,
) -> Result<String, DialogflowError> {
    if let Some(i) = mapping.get(key) {
        return Ok(i.clone());
    }
    if engine.project().intents.contains_key(key) {
        return Ok(key.to_string());
    }
    Err(DialogflowError::Unmapped(format!("{key:?}")))
}

/// Dialogflow sends `""` for a parameter the user has not given: that is no value.
fn no_empty(params: &Map<String, Value>) -> Map<String, Value> {
    params
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) if s.is_empty() => (k.clone(), Value::Null),
            other => (k.clone(), other.clone()),
        })
        .collect()
}
