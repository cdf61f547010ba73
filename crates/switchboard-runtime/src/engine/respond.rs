//! Running an intent's steps and wording the result: the reply when all went well, the
//! `on_error` reply chosen by the failing step's outcome otherwise, and a plain sentence when a
//! template fails. Shared by chat turns and the platform protocols, which join here.

use super::connect;
use super::execute::{self, Failure};
use crate::pipeline::{CallContext, CallRecord, Pipeline};
use crate::template::{Templates, context};
use serde_json::{Map, Value, json};
use switchboard_config::model::{InputError, Intent, Reply, Template};

/// Said when a reply cannot be rendered or an intent has no reply for a failure. Never a raw
/// upstream error.
pub const GENERIC_ERROR: &str =
    "Sorry, something went wrong on our side. Please try again in a moment.";

/// What running an intent produced.
#[derive(Debug)]
pub struct Ran {
    /// The reply text.
    pub text: String,
    /// Every upstream call made.
    pub calls: Vec<CallRecord>,
    /// Step results by name (see [`execute::Executed::results`]).
    pub results: Map<String, Value>,
    /// The failing step, when one failed.
    pub failure: Option<Failure>,
}

/// Runs the steps of an intent and renders its reply. `base` is the template context without
/// `steps` (slots, user, conversation, turn).
pub async fn run_intent(
    pipeline: &Pipeline,
    templates: &Templates,
    intent: &Intent,
    base: Map<String, Value>,
    call_ctx: &CallContext,
) -> Ran {
    let executed = execute::run(intent, pipeline, templates, &base, call_ctx).await;
    let mut calls = executed.calls;
    let Some(failure) = &executed.failure else {
        let text = reply_in(templates, &intent.reply, &executed.context.value());
        return Ran {
            text,
            calls,
            results: executed.results,
            failure: None,
        };
    };
    // A link binds a provider account to this user id: only for a user the route
    // authenticated, never for an id a platform merely claims.
    if failure.reason == Some(crate::pipeline::auth::UNTRUSTED_USER)
        && !connect::handled_by_intent(intent, failure)
    {
        return Ran {
            text: connect::untrusted_sentence(failure),
            calls,
            results: executed.results,
            failure: executed.failure,
        };
    }
    let connect_url = (connect::needs_connect(failure) && !call_ctx.untrusted_user).then(|| {
        connect::link(
            pipeline,
            &failure.connector,
            call_ctx.user_id.as_deref().unwrap_or_default(),
        )
    });
    let mut error = json!({ "outcome": failure.outcome, "step": failure.step, "status": failure.status, "intent": intent.name });
    if let Some(url) = &connect_url {
        error["reason"] = json!(failure.reason);
        error["connect_url"] = json!(url);
        if !connect::handled_by_intent(intent, failure) {
            return Ran {
                text: connect::sentence(failure, url),
                calls,
                results: executed.results,
                failure: executed.failure,
            };
        }
    } else if failure.reason == Some(crate::pipeline::auth::UNTRUSTED_USER) {
        error["reason"] = json!(failure.reason);
    }
    let step_reply = intent
        .steps
        .get(&failure.step)
        .and_then(|s| s.on_error.for_outcome(failure.outcome));
    let text = match step_reply.or_else(|| intent.on_error.for_outcome(failure.outcome)) {
        Some(Reply {
            escalate: Some(target),
            ..
        }) => {
            let mut ctx = base;
            ctx.insert("error".into(), error);
            escalate(pipeline, templates, target, ctx, call_ctx, &mut calls).await
        }
        Some(r) => {
            let mut ctx = base;
            ctx.insert("steps".into(), Value::Object(executed.results.clone()));
            ctx.insert("error".into(), error);
            reply(templates, r, &ctx)
        }
        None => GENERIC_ERROR.to_string(),
    };
    Ran {
        text,
        calls,
        results: executed.results,
        failure: executed.failure,
    }
}

/// Runs the intent a failure escalates to (a handoff: typically a ticket in a helpdesk) with
/// the same slots and the failure as `error`, and words its result. Its own failures use its
/// own replies and never escalate again.
async fn escalate(
    pipeline: &Pipeline,
    templates: &Templates,
    target: &str,
    ctx: Map<String, Value>,
    call_ctx: &CallContext,
    calls: &mut Vec<CallRecord>,
) -> String {
    let Some(intent) = pipeline.project().intents.get(target) else {
        return GENERIC_ERROR.to_string();
    };
    tracing::info!(target: "switchboard::turn", intent = %target, "escalating a failure");
    let executed = execute::run(intent, pipeline, templates, &ctx, call_ctx).await;
    calls.extend(executed.calls);
    let mut ctx = ctx;
    ctx.insert("steps".into(), Value::Object(executed.results));
    let chosen = match &executed.failure {
        None => Some(&intent.reply),
        Some(f) => intent
            .steps
            .get(&f.step)
            .and_then(|s| s.on_error.for_outcome(f.outcome))
            .or_else(|| intent.on_error.for_outcome(f.outcome)),
    };
    match chosen {
        Some(r) if r.escalate.is_none() => reply(templates, r, &ctx),
        _ => GENERIC_ERROR.to_string(),
    }
}

/// Renders a text template, falling back to the generic sentence (and a log line) on error.
pub fn render(templates: &Templates, t: &Template, ctx: &Map<String, Value>) -> String {
    match templates.render(t, &context(ctx)) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(target: "switchboard::turn", error = %e, "reply template failed");
            GENERIC_ERROR.to_string()
        }
    }
}

/// Renders the first applicable reply variant, with the same fallback.
pub fn reply(templates: &Templates, r: &Reply, ctx: &Map<String, Value>) -> String {
    reply_in(templates, r, &context(ctx))
}

/// [`reply`] in a context already converted to template values.
pub fn reply_in(templates: &Templates, r: &Reply, ctx: &minijinja::Value) -> String {
    match templates.reply(r, ctx) {
        Ok(Some(s)) => s,
        Ok(None) => {
            tracing::error!(target: "switchboard::turn", "no reply variant applied");
            GENERIC_ERROR.to_string()
        }
        Err(e) => {
            tracing::error!(target: "switchboard::turn", error = %e, "reply template failed");
            GENERIC_ERROR.to_string()
        }
    }
}

/// A value as a user would write it: strings without quotes.
pub fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Validates a slot value against the operation input it feeds; the error is the sentence
/// said to the user (every entry point words it the same way).
pub(super) fn check_slot(
    slot_name: &str,
    slot: &switchboard_config::model::Slot,
    value: &Value,
) -> Result<Value, String> {
    match &slot.validation {
        None => Ok(value.clone()),
        Some(input) => input.validate(value).map_err(|e| match e {
            // A regular expression means nothing to a chat user.
            InputError::Pattern(_) => format!(
                "Sorry, \"{}\" doesn't look like a valid {}.",
                display(value),
                slot_name.replace('_', " ")
            ),
            other => format!(
                "Sorry, \"{}\" doesn't look right: it {other}.",
                display(value)
            ),
        }),
    }
}
