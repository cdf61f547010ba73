//! Running a tool: an operation through the pipeline, or an intent's steps through the
//! engine, as the calling user; the result turned into what an agent reads (the extracted
//! values or the intent's reply on success, the outcome and a safe message on failure, never
//! the upstream's raw body); and each call counted and audited.

use super::Gateway;
use super::catalog::{Target, ToolDef};
use crate::engine::Engine;
use crate::engine::fulfill::{CONFIRM_SLOT, FulfillRequest, FulfillResponse, Fulfilled};
use crate::http::principal::Principal;
use crate::pipeline::{CallContext, CallRecord, Pipeline};
use crate::telemetry::metrics::ToolCalled;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// The time a tool call may take, all attempts included.
pub const BUDGET: Duration = Duration::from_secs(30);

/// The user id an intent runs as when nobody in particular calls (an API key, or an open
/// gateway on loopback): a name no credential or per-user cache entry belongs to.
const NOBODY: &str = "tool-gateway";

/// Who calls a tool: the user whose connected accounts, minted tokens and per-user cache
/// entries the call may use. A JWT's subject is that user; an API key acts for nobody in
/// particular (no per-user credentials); an open gateway (no `inbound:`, loopback only) too.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// The authenticated user, if any.
    pub user_id: Option<String>,
}

impl Caller {
    /// The caller behind an authenticated request, if the request was authenticated.
    pub fn of(principal: Option<&Principal>) -> Caller {
        Caller {
            user_id: principal.and_then(|p| p.subject.clone()),
        }
    }
}

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
fn check(engine: &Engine, tool: &ToolDef, args: &Map<String, Value>) -> Result<(), String> {
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
    caller: &Caller,
) -> Ran {
    match &tool.target {
        Target::Operation(r) => {
            let mut ctx = CallContext::with_budget(BUDGET);
            ctx.user_id = caller.user_id.clone();
            match engine.pipeline().call(r, args, &ctx).await {
                Ok(record) => {
                    let connect = match (&caller.user_id, record.reason) {
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
                user_id: caller.user_id.clone().unwrap_or_else(|| NOBODY.to_string()),
                trust_user_id: caller.user_id.is_some(),
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

impl Gateway {
    /// Counts a tool call and writes its audit row. `route` is where it came in; `ran_for`
    /// how long it ran, when it ran.
    pub(super) fn observe(
        &self,
        tool: &ToolDef,
        caller: &Caller,
        args: &Map<String, Value>,
        outcome: &str,
        route: &str,
        ran_for: Option<Duration>,
    ) {
        let pipeline = self.engine.pipeline();
        ToolCalled {
            tool: &tool.name,
            outcome,
            latency: ran_for,
        }
        .emit(pipeline.telemetry());
        if let Some(audit) = pipeline.audit() {
            audit.tool_row(
                &tool.name,
                &tool.target.to_string(),
                route,
                outcome,
                ran_for.unwrap_or_default(),
                caller.user_id.as_deref(),
                &args_digest(args),
            );
        }
    }

    /// A tool call refused before anyone is asked to confirm it, observed: arguments the tool
    /// would refuse are said so now, not after the user said yes.
    pub(super) fn refused(
        &self,
        tool: &ToolDef,
        caller: &Caller,
        args: &Map<String, Value>,
        route: &str,
    ) -> Option<Ran> {
        let message = check(&self.engine, tool, args).err()?;
        let ran = Ran::Invalid(message);
        self.observe(tool, caller, args, ran.outcome(), route, None);
        Some(ran)
    }

    /// Runs a tool that may run now (confirmed, or needing no confirmation) and observes it.
    pub(super) async fn run_observed(
        &self,
        tool: &ToolDef,
        args: &Map<String, Value>,
        caller: &Caller,
        route: &str,
    ) -> Ran {
        let started = Instant::now();
        let ran = run(&self.engine, tool, args, caller).await;
        self.observe(
            tool,
            caller,
            args,
            ran.outcome(),
            route,
            Some(started.elapsed()),
        );
        ran
    }
}

/// A digest of the arguments that does not depend on key order: what a confirmation is bound
/// to, so that a yes to one set of arguments is not a yes to another.
pub fn args_digest(args: &Map<String, Value>) -> String {
    fn canonical(v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push('{');
                for k in keys {
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    canonical(&m[k], out);
                    out.push(',');
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for x in a {
                    canonical(x, out);
                    out.push(',');
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut s = String::new();
    canonical(&Value::Object(args.clone()), &mut s);
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_ignores_key_order_only() {
        let a: Map<String, Value> =
            serde_json::from_str(r#"{"b": 1, "a": {"y": 2, "x": [1, 2]}}"#).unwrap();
        let b: Map<String, Value> =
            serde_json::from_str(r#"{"a": {"x": [1, 2], "y": 2}, "b": 1}"#).unwrap();
        let c: Map<String, Value> =
            serde_json::from_str(r#"{"a": {"x": [2, 1], "y": 2}, "b": 1}"#).unwrap();
        assert_eq!(args_digest(&a), args_digest(&b));
        assert_ne!(args_digest(&a), args_digest(&c));
    }
}
