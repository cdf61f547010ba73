//! The `pollers` section: the operation linked and checked (a GET, known inputs, fixed
//! values that validate), paths parsed, defaults filled in, routes compiled as webhook routes.

use super::Ctx;
use super::connector::duration;
use super::intent::Known;
use super::webhooks::{json_path, route};
use crate::model::{Connector, OperationRef, Poller, WebhookSource};
use crate::raw::{RawPoller, Spanned};
use crate::suggest;
use indexmap::IndexMap;
use std::time::Duration;

/// Compiles every poller; `sources` are the webhook sources (names must differ).
pub(crate) fn pollers(
    ctx: &mut Ctx,
    known: &Known,
    connectors: &IndexMap<String, Connector>,
    sources: &IndexMap<String, WebhookSource>,
    raw: &IndexMap<Spanned<String>, RawPoller>,
) -> IndexMap<String, Poller> {
    let mut out = IndexMap::new();
    for (name, p) in raw {
        if sources.contains_key(&name.value) {
            ctx.error(
                name.pos,
                format!(
                    "poller {:?} has the name of a webhook source; events are told apart by it",
                    name.value
                ),
            );
        }
        if let Some(poller) = poller(ctx, known, connectors, name, p) {
            out.insert(name.value.clone(), poller);
        }
    }
    out
}

fn poller(
    ctx: &mut Ctx,
    known: &Known,
    connectors: &IndexMap<String, Connector>,
    name: &Spanned<String>,
    p: &RawPoller,
) -> Option<Poller> {
    let what = format!("poller {:?}", name.value);
    let Some(call) = &p.call else {
        ctx.error(
            name.pos,
            format!("{what} has no call: CONNECTOR.OPERATION to poll"),
        );
        return None;
    };
    let Some(op_ref) = OperationRef::parse(call.value.trim()) else {
        ctx.error(
            call.pos,
            format!("call must be CONNECTOR.OPERATION, found {:?}", call.value),
        );
        return None;
    };
    let op = connectors
        .get(&op_ref.connector)
        .and_then(|c| c.operations.get(&op_ref.operation));
    let Some(op) = op else {
        let all: Vec<String> = connectors
            .iter()
            .flat_map(|(c, conn)| conn.operations.keys().map(move |o| format!("{c}.{o}")))
            .collect();
        let hint = suggest::did_you_mean(&call.value, all.iter().map(String::as_str));
        ctx.error(
            call.pos,
            format!("{what} calls {:?}, which is not defined{hint}", call.value),
        );
        return None;
    };
    if !op.method.is_safe() {
        ctx.error(
            call.pos,
            format!(
                "{what} calls {} ({}), which changes data; a poller may only read",
                op.reference(),
                op.method
            ),
        );
    }
    let mut with = serde_json::Map::new();
    for (input, value) in &p.with {
        let v = value.to_json();
        match op.inputs.get(&input.value) {
            None => {
                let hint =
                    suggest::did_you_mean(&input.value, op.inputs.keys().map(String::as_str));
                ctx.error(
                    input.pos,
                    format!(
                        "operation \"{}\" has no input {:?}{hint}",
                        op.reference(),
                        input.value
                    ),
                );
            }
            Some(spec) => {
                if let Err(e) = spec.validate(&v) {
                    ctx.error(
                        value.pos,
                        format!("{} for input {:?} {e}", value.describe(), input.value),
                    );
                }
            }
        }
        with.insert(input.value.clone(), v);
    }
    for (iname, spec) in &op.inputs {
        if spec.required && spec.default.is_none() && !with.contains_key(iname) {
            ctx.error(
                name.pos,
                format!(
                    "{what} does not give input {iname:?}, which operation \"{}\" requires",
                    op.reference()
                ),
            );
        }
    }
    let every = match duration(ctx, p.every.as_ref(), "every") {
        Some(d) if d < Duration::from_secs(1) => {
            if let Some(e) = &p.every {
                ctx.error(e.pos, "every must be at least 1s");
            }
            Duration::from_secs(1)
        }
        Some(d) => d,
        None => Duration::from_secs(60),
    };
    let path_or = |ctx: &mut Ctx, raw: Option<&Spanned<String>>, default: &str| match raw {
        Some(r) => json_path(ctx, r),
        None => serde_json_path::JsonPath::parse(default).ok(),
    };
    let items = path_or(ctx, p.items.as_ref(), "$[*]");
    let key = path_or(ctx, p.key.as_ref(), "$.id");
    let max_attempts = match &p.max_attempts {
        Some(m) if m.value == 0 => {
            ctx.error(m.pos, "max_attempts must be at least 1");
            5
        }
        Some(m) => m.value,
        None => 5,
    };
    let mut routes = IndexMap::new();
    for (event_type, r) in &p.routes {
        if let Some(r) = route(ctx, known, &name.value, event_type, r) {
            routes.insert(event_type.value.clone(), r);
        }
    }
    Some(Poller {
        name: name.value.clone(),
        call: op_ref,
        with,
        every,
        items: items?,
        key: key?,
        event_type: p
            .event_type
            .as_ref()
            .map_or_else(|| "changed".to_string(), |t| t.value.clone()),
        initial: p.initial.as_ref().is_some_and(|i| i.value),
        max_attempts,
        retry_backoff: Duration::from_secs(2),
        user_hourly_limit: p.user_hourly_limit.as_ref().map_or(20, |l| l.value),
        routes,
    })
}
