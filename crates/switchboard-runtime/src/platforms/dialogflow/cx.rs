//! Dialogflow CX webhooks: `fulfillmentInfo.tag` picks the intent, session parameters (and the
//! matched intent's parameters) fill its slots; the answer carries the reply as
//! `fulfillmentResponse.messages[].text.text[]` and slots and flattened step results as session
//! parameters (null clears a rejected value).

use super::{DialogflowError, admit, intent_for, no_empty};
use crate::engine::Engine;
use crate::engine::fulfill::Fulfilled;
use crate::platforms::{flat_results, fulfill};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The parts of a CX `WebhookRequest` used here.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookRequest {
    /// Which webhook call this is.
    pub fulfillment_info: FulfillmentInfo,
    /// The session and its parameters.
    #[serde(default)]
    pub session_info: SessionInfo,
    /// The matched intent, when there is one.
    #[serde(default)]
    pub intent_info: Option<IntentInfo>,
}

/// `fulfillmentInfo`.
#[derive(Debug, Deserialize)]
pub struct FulfillmentInfo {
    /// The tag set on the fulfillment that called the webhook.
    pub tag: String,
}

/// `sessionInfo`.
#[derive(Debug, Default, Deserialize)]
pub struct SessionInfo {
    /// `projects/P/locations/L/agents/A/sessions/S`.
    #[serde(default)]
    pub session: Option<String>,
    /// Session parameters.
    #[serde(default)]
    pub parameters: Map<String, Value>,
}

/// `intentInfo`.
#[derive(Debug, Deserialize)]
pub struct IntentInfo {
    /// Parameters of the matched intent: name → `{originalValue, resolvedValue}`.
    #[serde(default)]
    pub parameters: Map<String, Value>,
}

/// `POST {cx_path}`.
#[utoipa::path(post, path = "/dialogflow/cx", tag = "platforms",
    request_body(content = Object, description = "A Dialogflow CX WebhookRequest (the path is `dialogflow.cx_path`)"),
    responses(
        (status = 200, description = "A WebhookResponse", body = Object),
        (status = 400, description = "Not a webhook request", body = crate::http::ErrorBody),
        (status = 401, description = "`dialogflow.auth` failed", body = crate::http::ErrorBody),
        (status = 404, description = "No tag mapped", body = crate::http::ErrorBody),
    ))]
pub async fn webhook(
    State(engine): State<Arc<Engine>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, DialogflowError> {
    let settings = admit(&engine, &headers)?;
    let req: WebhookRequest =
        serde_json::from_slice(&body).map_err(|e| DialogflowError::Malformed(e.to_string()))?;
    let intent = intent_for(&engine, &settings.tags, &req.fulfillment_info.tag)?;
    let mut slots = no_empty(&req.session_info.parameters);
    if let Some(info) = &req.intent_info {
        for (k, p) in &info.parameters {
            let resolved = p.get("resolvedValue").cloned().unwrap_or(Value::Null);
            if slots.get(k).is_none_or(Value::is_null) && !resolved.is_null() {
                slots.insert(k.clone(), resolved);
            }
        }
    }
    let session = req
        .session_info
        .session
        .clone()
        .unwrap_or_else(|| "dialogflow-cx".into());
    let done = fulfill(
        &engine,
        &intent,
        &session,
        settings.trust_user_ids && settings.auth.is_some(),
        slots,
        settings.deadline,
    )
    .await?;
    let mut params = done.slots.clone();
    if let Fulfilled::InvalidSlot { slot } = &done.status {
        params.insert(slot.clone(), Value::Null);
    }
    params.extend(flat_results(&done.results));
    let messages: Vec<Value> = done
        .replies
        .iter()
        .map(|r| json!({ "text": { "text": [r] } }))
        .collect();
    Ok(Json(json!({
        "fulfillmentResponse": { "messages": messages },
        "sessionInfo": { "parameters": params },
    })))
}
