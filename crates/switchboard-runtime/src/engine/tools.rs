//! Running a tool: an operation through the pipeline, or an intent's steps through
//! [`Engine::fulfill`], as a user; the result turned into what an agent reads (the extracted
//! values or the intent's reply on success, the outcome and a safe message on failure, never
//! the upstream's raw body). The tool gateway (`crate::tools`) and the chat turn's agent mode
//! both run tools here.

use super::Engine;
use super::fulfill::{CONFIRM_SLOT, FulfillRequest, FulfillResponse, Fulfilled};
use crate::catalog::{Target, ToolDef};
use crate::pipeline::{CallContext, CallRecord, Pipeline};
use serde_json::{Map, Value, json};
use std::time::Duration;

/// The time a tool call may take, all attempts included.
pub const BUDGET: Duration = Duration::from_secs(30);

/// The user id an intent runs as when nobody in particular calls (an API key, or an open
/// gateway on loopback): a name no credential or per-user cache entry belongs to.
const NOBODY: &str = "tool-gateway";

/// What a tool call came to.
#[derive(Debug)]
pub enum Ran {
    /// The operation answered; ok or not, see the record. `connect` is the link that lets
    /// the caller connect the account the call needed.
    Called {
        /// The call.
        record: CallRecord,
        /// The connect link, when the call failed for want of a connected account.
        connect: Option<String>,
    },
    /// The intent ran (or failed with its error reply).
    Intent(FulfillResponse),
    /// The arguments were refused before anything was sent.
    Invalid(String),
}

impl Ran {
    /// Whether the call succeeded.
    pub fn is_ok(&self) -> bool {
        match self {
            Ran::Called { record, .. } => record.is_ok(),
            Ran::Intent(f) => f.status == Fulfilled::Done { failure: None },
            Ran::Invalid(_) => false,
        }
    }

    /// The outcome's name: `ok`, a call outcome, or `invalid_arguments`.
    pub fn outcome(&self) -> &'static str {
        match self {
            Ran::Called { record, .. } => record.outcome.as_str(),
            Ran::Intent(f) => match &f.status {
                Fulfilled::Done { failure: None } => "ok",
                Fulfilled::Done { failure: Some(k) } => k.as_str(),
                _ => "invalid_arguments",
            },
            Ran::Invalid(_) => "invalid_arguments",
        }
    }

    /// The result an agent reads: an operation's extracted values, or an intent's
    /// `{"reply", "steps"}`; a failure is `{"outcome", "status"?, "reason"?, "message",
    /// "connect_url"?}`.
    pub fn payload(&self) -> Value {
        match self {
            Ran::Called { record: r, .. } if r.is_ok() => r.data.clone(),
            Ran::Called { record: r, connect } => {
                let mut m = Map::new();
                m.insert("outcome".into(), json!(r.outcome.as_str()));
                if let Some(s) = r.status {
                    m.insert("status".into(), json!(s));
                }
                if let Some(reason) = r.reason {
                    m.insert("reason".into(), json!(reason));
                }
                let message = match connect {
                    Some(url) => format!(
                        "The user has not connected the account this tool needs, or must approve it again. Ask them to open {url}, then try again."
                    ),
                    None => r.error.clone().unwrap_or_else(|| {
                        format!("the call ended with outcome {}", r.outcome.as_str())
                    }),
                };
                m.insert("message".into(), json!(message));
                if let Some(url) = connect {
                    m.insert("connect_url".into(), json!(url));
                }
                Value::Object(m)
            }
            Ran::Intent(f) if self.is_ok() => {
                json!({ "reply": f.replies.join("\n"), "steps": f.results })
            }
            Ran::Intent(f) => json!({
                "outcome": self.outcome(),
                "message": f.replies.join("\n"),
            }),
            Ran::Invalid(message) => json!({ "outcome": "invalid_arguments", "message": message }),
        }
    }
}

/// The arguments checked before anything is asked or sent: an operation's inputs (names,
/// types, constraints), an intent's slots (names, each value against the slot's rules, and
/// the slots the bot would ask for present).
pub(crate) fn check(
    engine: &Engine,
    tool: &ToolDef,
    args: &Map<String, Value>,
) -> Result<(), String> {
    match &tool.target {
        Target::Operation(r) => match engine.project().operation(r) {
            Some(op) => Pipeline::validate_inputs(op, args)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            None => Err(format!("{r} is not an operation of this project")),
        },
        Target::Intent(name) => {
            let Some(intent) = engine.project().intents.get(name) else {
                return Err(format!("{name} is not an intent of this project"));
            };
            for given in args.keys() {
                if !intent.slots.contains_key(given) {
                    let hint = switchboard_config::suggest::did_you_mean(
                        given,
                        intent.slots.keys().map(String::as_str),
                    );
                    return Err(format!("{} has no argument {given:?}{hint}", tool.name));
                }
            }
            let checks = engine
                .validate_slots(name, NOBODY, args)
                .map_err(|e| e.to_string())?;
            if let Some(bad) = checks.iter().find(|c| c.value.is_none()) {
                return Err(format!(
                    "{}: {}",
                    bad.slot,
                    bad.reply.as_deref().unwrap_or("not a valid value")
                ));
            }
            for (slot, s) in &intent.slots {
                let given = args.get(slot).is_some_and(|v| !v.is_null());
                if s.ask.is_some() && s.default.is_none() && !given {
                    return Err(format!("{} needs the argument {slot:?}", tool.name));
                }
            }
            Ok(())
        }
    }
}

/// Runs the tool with `args` as `caller`. A tool that needs confirmation has it by now. An
/// operation's arguments are checked by the pipeline call itself; an intent's here, since
/// the engine ignores names that are not its slots.
pub async fn run(
    engine: &Engine,
    tool: &ToolDef,
    args: &Map<String, Value>,
    user_id: Option<&str>,
) -> Ran {
    match &tool.target {
        Target::Operation(r) => {
            let mut ctx = CallContext::with_budget(BUDGET);
            ctx.user_id = user_id.map(str::to_string);
            match engine.pipeline().call(r, args, &ctx).await {
                Ok(record) => {
                    let connect = match (user_id, record.reason) {
                        (Some(user), Some("not_connected" | "needs_reconsent")) => Some(
                            crate::engine::connect::link(engine.pipeline(), &r.connector, user),
                        ),
                        _ => None,
                    };
                    Ran::Called { record, connect }
                }
                Err(e) => Ran::Invalid(e.to_string()),
            }
        }
        Target::Intent(name) => {
            if let Err(message) = check(engine, tool, args) {
                return Ran::Invalid(message);
            }
            let mut slots = args.clone();
            slots.insert(CONFIRM_SLOT.to_string(), Value::Bool(true));
            let req = FulfillRequest {
                intent: name.clone(),
                user_id: user_id.map_or_else(|| NOBODY.to_string(), str::to_string),
                trust_user_id: user_id.is_some(),
                slots,
                deadline: BUDGET,
            };
            match engine.fulfill(req).await {
                Ok(f) => Ran::Intent(f),
                Err(e) => Ran::Invalid(e.to_string()),
            }
        }
    }
}
