//! Dialogflow ES fulfillment: `queryResult.intent.displayName` picks the intent, parameters
//! (and those of the input contexts) fill its slots; the answer carries the reply as
//! `fulfillmentText` and `fulfillmentMessages`, and slots and flattened step results in an
//! output context named `switchboard`.

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

/// How many turns the `switchboard` output context lives.
pub const CONTEXT_LIFESPAN: u32 = 5;

/// The parts of an ES `WebhookRequest` used here.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookRequest {
    /// `projects/P/agent/sessions/S`.
    pub session: String,
    /// What Dialogflow understood.
    pub query_result: QueryResult,
}

/// `queryResult`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryResult {
    /// Parameters of the matched intent.
    #[serde(default)]
    pub parameters: Map<String, Value>,
    /// The matched intent.
    pub intent: IntentRef,
    /// Active contexts.
    #[serde(default)]
    pub output_contexts: Vec<Context>,
}

/// `queryResult.intent`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntentRef {
    /// The intent's display name.
    pub display_name: String,
}

/// A context.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    /// `projects/P/agent/sessions/S/contexts/NAME`.
    pub name: String,
    /// Its parameters.
    #[serde(default)]
    pub parameters: Map<String, Value>,
}

/// `POST {es_path}`.
#[utoipa::path(post, path = "/dialogflow/es", tag = "platforms",
    request_body(content = Object, description = "A Dialogflow ES WebhookRequest (the path is `dialogflow.es_path`)"),
    responses(
        (status = 200, description = "A WebhookResponse", body = Object),
        (status = 400, description = "Not a webhook request", body = crate::http::ErrorBody),
        (status = 401, description = "`dialogflow.auth` failed", body = crate::http::ErrorBody),
        (status = 404, description = "No intent mapped", body = crate::http::ErrorBody),
    ))]
pub async fn webhook(
    State(engine): State<Arc<Engine>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, DialogflowError> {
    let settings = admit(&engine, &headers)?;
    let req: WebhookRequest =
        serde_json::from_slice(&body).map_err(|e| DialogflowError::Malformed(e.to_string()))?;
    let intent = intent_for(
        &engine,
        &settings.intents,
        &req.query_result.intent.display_name,
    )?;
    // Context parameters first, the intent's own parameters over them; `x.original` copies
    // that Dialogflow keeps beside each value are not values.
    let mut slots = Map::new();
    for c in &req.query_result.output_contexts {
        for (k, v) in no_empty(&c.parameters) {
            if !k.contains('.') && !v.is_null() {
                slots.insert(k, v);
            }
        }
    }
    for (k, v) in no_empty(&req.query_result.parameters) {
        if !v.is_null() || !slots.contains_key(&k) {
            slots.insert(k, v);
        }
    }
    let done = fulfill(
        &engine,
        &intent,
        &req.session,
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
        "fulfillmentText": done.replies.join("\n"),
        "fulfillmentMessages": messages,
        "outputContexts": [{
            "name": format!("{}/contexts/switchboard", req.session),
            "lifespanCount": CONTEXT_LIFESPAN,
            "parameters": params,
        }],
    })))
}
