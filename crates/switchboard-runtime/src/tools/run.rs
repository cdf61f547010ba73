//! A gateway's tool call: who calls (`Caller`), the run itself (`engine::tools`, shared with
//! the chat turn's agent mode), and each call counted and audited.

use super::Gateway;
use crate::catalog::ToolDef;
pub use crate::engine::tools::{BUDGET, Ran};
use crate::engine::tools::{check, run};
use crate::http::principal::Principal;
use crate::telemetry::metrics::ToolCalled;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

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
        let ran = run(&self.engine, tool, args, caller.user_id.as_deref()).await;
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
