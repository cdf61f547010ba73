//! Running a tool: its arguments through the pipeline as the calling user, and the call's
//! record turned into what an agent reads: the extracted values on success, the outcome and a
//! safe message on failure (never the upstream's raw body).

use super::catalog::ToolDef;
use crate::http::principal::Principal;
use crate::pipeline::{CallContext, CallError, CallRecord, Pipeline};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The time a tool call may take, all attempts included.
pub const BUDGET: Duration = Duration::from_secs(30);

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
    /// The operation answered; ok or not, see the record.
    Called(CallRecord),
    /// The arguments were refused before anything was sent.
    Refused(CallError),
}

impl Ran {
    /// Whether the call succeeded.
    pub fn is_ok(&self) -> bool {
        matches!(self, Ran::Called(r) if r.is_ok())
    }

    /// The result an agent reads: `{"ok": true, "data": ...}` style is avoided so that the
    /// structured result is exactly the operation's extracted values; a failure is
    /// `{"outcome", "status"?, "reason"?, "message"}`.
    pub fn payload(&self) -> Value {
        match self {
            Ran::Called(r) if r.is_ok() => r.data.clone(),
            Ran::Called(r) => {
                let mut m = Map::new();
                m.insert("outcome".into(), json!(r.outcome.as_str()));
                if let Some(s) = r.status {
                    m.insert("status".into(), json!(s));
                }
                if let Some(reason) = r.reason {
                    m.insert("reason".into(), json!(reason));
                }
                m.insert(
                    "message".into(),
                    json!(r.error.clone().unwrap_or_else(|| format!(
                        "the call ended with outcome {}",
                        r.outcome.as_str()
                    ))),
                );
                Value::Object(m)
            }
            Ran::Refused(e) => json!({ "outcome": "invalid_arguments", "message": e.to_string() }),
        }
    }
}

/// Calls the tool's operation with `args` as `caller`.
pub async fn run(
    pipeline: &Pipeline,
    tool: &ToolDef,
    args: &Map<String, Value>,
    caller: &Caller,
) -> Ran {
    let mut ctx = CallContext::with_budget(BUDGET);
    ctx.user_id = caller.user_id.clone();
    match pipeline.call(&tool.operation, args, &ctx).await {
        Ok(record) => Ran::Called(record),
        Err(e) => Ran::Refused(e),
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
