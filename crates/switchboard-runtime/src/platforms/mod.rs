//! Entry points for other bot platforms: Rasa custom actions and Dialogflow ES and CX
//! fulfillment webhooks.
//!
//! Each platform keeps its own conversation and understanding; these adapters only translate
//! its wire format into [`Engine::fulfill`] (the chat turn joined at "execute") and back. They
//! make no HTTP calls of their own and store nothing.
//!
//! # How it works
//!
//! Adapters that join the chat turn at "execute" through `Engine::fulfill` (and
//! `Engine::validate_slots` for Rasa form validation): they translate a platform's wire format,
//! store nothing, and make no HTTP of their own. `mod.rs` mounts the routes the project
//! configures (merged into `server::router`), requires a JSON content type (415 otherwise, so a
//! cross-site `text/plain` POST runs nothing) and cuts every call at the platform deadline;
//! `auth.rs` checks basic auth or a header secret in constant time. The platform's `sender_id` /
//! `session` is the user id; it may use per-user credentials only with `trust_user_ids` (which
//! needs `auth`; `check` warns about a platform without `auth`). `rasa/` is the custom action
//! server (`protocol.rs` the rasa-sdk wire types, `handler.rs` the routes; errors in rasa-sdk's
//! `{"error"}` shape); `dialogflow/` answers ES (`es.rs`) and CX (`cx.rs`) webhooks with the
//! house `ApiError`. Config: `rasa:` and `dialogflow:` (`raw/platforms.rs` →
//! `compile/platforms.rs` → `model/platforms.rs`).

pub mod auth;
pub mod dialogflow;
pub mod rasa;

use crate::engine::Engine;
use crate::engine::fulfill::{FulfillError, FulfillRequest, FulfillResponse, Fulfilled};
use crate::engine::respond::GENERIC_ERROR;
use crate::http::Routes;
use axum::extract::FromRef;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;
use switchboard_config::Project;
use switchboard_config::model::OutcomeKind;

/// Slack given to the engine past the platform deadline before the answer is cut short: the
/// pipeline already stops every call at the deadline, so this only guards against a stall
/// elsewhere (rendering, a slow lock).
const DEADLINE_GUARD: Duration = Duration::from_millis(150);

/// The routes of every platform the project configures (none when it configures none).
pub fn routes<S>(project: &Project) -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Engine>: FromRef<S>,
{
    let mut router = Routes::new();
    if let Some(settings) = &project.rasa {
        router = router.merge(rasa::routes(settings));
    }
    if let Some(settings) = &project.dialogflow {
        router = router.merge(dialogflow::routes(settings));
    }
    router
}

/// Whether a request says its body is JSON (`application/json` or `application/*+json`,
/// parameters allowed). Platform routes require it: a web page can POST `text/plain` to any
/// address without a CORS preflight, but not JSON.
pub fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

/// Said with a 415 when a platform call's body is not declared JSON.
pub const NOT_JSON: &str = "the body must be JSON, sent with Content-Type: application/json";

/// Runs an intent for a platform and always answers within `deadline` (plus a small guard):
/// past it, the answer is the generic error sentence, never a missed platform deadline.
pub async fn fulfill(
    engine: &Engine,
    intent: &str,
    user_id: &str,
    trust_user_id: bool,
    slots: Map<String, Value>,
    deadline: Duration,
) -> Result<FulfillResponse, FulfillError> {
    let req = FulfillRequest {
        intent: intent.to_string(),
        user_id: user_id.to_string(),
        trust_user_id,
        slots,
        deadline,
    };
    match tokio::time::timeout(deadline + DEADLINE_GUARD, engine.fulfill(req)).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!(target: "switchboard::platform", intent, "fulfilment cut at the platform deadline");
            Ok(FulfillResponse {
                status: Fulfilled::Done {
                    failure: Some(OutcomeKind::Timeout),
                },
                replies: vec![GENERIC_ERROR.to_string()],
                slots: Map::new(),
                results: Map::new(),
                calls: Vec::new(),
            })
        }
    }
}

/// Step results flattened for platforms whose parameters are flat: `{order: {status: x}}`
/// becomes `order_status: x`; a result that is not an object keeps the step's name.
pub fn flat_results(results: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (step, value) in results {
        match value {
            Value::Object(fields) => {
                for (field, v) in fields {
                    out.insert(format!("{step}_{field}"), v.clone());
                }
            }
            other => {
                out.insert(step.clone(), other.clone());
            }
        }
    }
    out
}
