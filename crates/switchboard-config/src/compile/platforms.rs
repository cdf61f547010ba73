//! The `rasa` and `dialogflow` sections: action names and tags linked to intents, paths and
//! secrets checked, deadlines defaulted.

use super::Ctx;
use super::connector::{check_header_name, duration};
use super::secrets;
use crate::model::{
    DialogflowSettings, InboundAuth, Intent, RasaAction, RasaSettings, SlotFromResult,
};
use crate::raw::{RawDialogflow, RawInboundAuth, RawRasa, Spanned};
use crate::suggest::did_you_mean;
use indexmap::IndexMap;
use std::time::Duration;

/// Dialogflow's own webhook timeout is 5 s; answering a little earlier leaves time for the
/// reply to travel.
pub(crate) const DIALOGFLOW_DEADLINE: Duration = Duration::from_millis(4_500);

/// Paths the server uses for itself.
const RESERVED: &[&str] = &[
    "/", "/healthz", "/readyz", "/metrics", "/health", "/actions",
];

/// Compiles `rasa:`. `turn_deadline` is the default deadline.
pub(crate) fn rasa(
    ctx: &mut Ctx,
    raw: &Spanned<RawRasa>,
    intents: &IndexMap<String, Intent>,
    turn_deadline: Duration,
) -> RasaSettings {
    let r = &raw.value;
    let path = path(ctx, r.path.as_ref(), "/webhook");
    let mut actions = IndexMap::new();
    for (name, a) in &r.actions {
        let intent = intent_ref(
            ctx,
            &a.intent,
            intents,
            &format!("rasa action {:?}", name.value),
        );
        let mut set_slots = Vec::new();
        for (slot, from) in &a.set_slots {
            let Some((step, field)) = from.value.split_once('.') else {
                ctx.error(
                    from.pos,
                    format!(
                        "set_slots.{} must be STEP.FIELD, such as order.status, found {:?}",
                        slot.value, from.value
                    ),
                );
                continue;
            };
            if let Some(i) = intent.and_then(|n| intents.get(n))
                && !i.steps.contains_key(step)
            {
                ctx.error(
                    from.pos,
                    format!(
                        "rasa action {:?} sets slot {:?} from step {step:?}, which intent {:?} does not have{}",
                        name.value,
                        slot.value,
                        i.name,
                        did_you_mean(step, i.steps.keys().map(String::as_str))
                    ),
                );
            }
            set_slots.push(SlotFromResult {
                slot: slot.value.clone(),
                step: step.to_string(),
                field: field.to_string(),
            });
        }
        actions.insert(
            name.value.clone(),
            RasaAction {
                intent: intent.unwrap_or_default().to_string(),
                validate: name.value.starts_with("validate_"),
                set_slots,
            },
        );
    }
    let (auth, trust_user_ids) = identity(
        ctx,
        raw.pos,
        "rasa",
        "sender_id",
        r.auth.as_ref(),
        r.trust_user_ids.as_ref(),
    );
    RasaSettings {
        path,
        actions,
        auth,
        trust_user_ids,
        deadline: duration(ctx, r.deadline.as_ref(), "deadline").unwrap_or(turn_deadline),
    }
}

/// Compiles `dialogflow:`.
pub(crate) fn dialogflow(
    ctx: &mut Ctx,
    raw: &Spanned<RawDialogflow>,
    intents: &IndexMap<String, Intent>,
    rasa_path: Option<&str>,
) -> DialogflowSettings {
    let d = &raw.value;
    let es_path = path(ctx, d.es_path.as_ref(), "/dialogflow/es");
    let cx_path = path(ctx, d.cx_path.as_ref(), "/dialogflow/cx");
    if es_path == cx_path {
        let pos = d.cx_path.as_ref().map_or(raw.pos, |p| p.pos);
        ctx.error(pos, format!("cx_path and es_path are both {cx_path:?}"));
    }
    if let Some(rp) = rasa_path
        && (rp == es_path || rp == cx_path)
    {
        ctx.error(
            raw.pos,
            format!("dialogflow uses {rp:?}, which is rasa's path too"),
        );
    }
    let mut map = |entries: &IndexMap<Spanned<String>, Spanned<String>>, what: &str| {
        let mut out = IndexMap::new();
        for (k, v) in entries {
            let what = format!("dialogflow {what} {:?}", k.value);
            if let Some(i) = intent_ref(ctx, v, intents, &what) {
                out.insert(k.value.clone(), i.to_string());
            }
        }
        out
    };
    let intents_map = map(&d.intents, "intent");
    let tags = map(&d.tags, "tag");
    let (auth, trust_user_ids) = identity(
        ctx,
        raw.pos,
        "dialogflow",
        "session",
        d.auth.as_ref(),
        d.trust_user_ids.as_ref(),
    );
    DialogflowSettings {
        es_path,
        cx_path,
        intents: intents_map,
        tags,
        auth,
        trust_user_ids,
        deadline: duration(ctx, d.deadline.as_ref(), "deadline").unwrap_or(DIALOGFLOW_DEADLINE),
    }
}

/// The intent a platform item names, reporting it when the project has none such.
fn intent_ref<'i>(
    ctx: &mut Ctx,
    name: &Spanned<String>,
    intents: &'i IndexMap<String, Intent>,
    what: &str,
) -> Option<&'i str> {
    match intents.get_key_value(&name.value) {
        Some((k, _)) => Some(k.as_str()),
        None => {
            ctx.error(
                name.pos,
                format!(
                    "{what} runs intent {:?}, which is not defined{}",
                    name.value,
                    did_you_mean(&name.value, intents.keys().map(String::as_str))
                ),
            );
            None
        }
    }
}

/// A route path: starts with `/`, plain segments only, not one the server uses itself.
fn path(ctx: &mut Ctx, raw: Option<&Spanned<String>>, default: &str) -> String {
    let Some(p) = raw else {
        return default.to_string();
    };
    let v = p.value.trim_end_matches('/');
    let plain = v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(c));
    if !v.starts_with('/') || !plain || v.contains("//") {
        ctx.error(
            p.pos,
            format!(
                "path must start with / and hold only letters, digits, -, _, . and ~, found {:?}",
                p.value
            ),
        );
        return default.to_string();
    }
    if RESERVED.contains(&v) || v.starts_with("/v1/") || v == "/v1" {
        ctx.error(p.pos, format!("path {v:?} is used by the server itself"));
        return default.to_string();
    }
    v.to_string()
}

/// A platform's `auth` and `trust_user_ids`: a warning when there is no auth (anyone can
/// call as any user), an error when user ids are trusted without it.
fn identity(
    ctx: &mut Ctx,
    section: crate::raw::Pos,
    name: &str,
    id_field: &str,
    raw_auth: Option<&Spanned<RawInboundAuth>>,
    trust: Option<&Spanned<bool>>,
) -> (Option<InboundAuth>, bool) {
    let compiled = raw_auth.and_then(|a| auth(ctx, a));
    let trusted = trust.is_some_and(|t| t.value);
    match (raw_auth, trust.filter(|t| t.value)) {
        (None, Some(t)) => ctx.error(
            t.pos,
            format!(
                "trust_user_ids needs {name}.auth: without it anyone could call as any {id_field} and use that user's connected accounts"
            ),
        ),
        (None, None) => ctx.warn(
            section,
            format!(
                "{name} has no auth: anyone who can reach the server can call its routes as any {id_field}; add auth (basic or header) (serve refuses a non-loopback address without it)"
            ),
        ),
        _ => {}
    }
    (compiled, trusted)
}

/// Compiles an inbound auth block.
fn auth(ctx: &mut Ctx, raw: &Spanned<RawInboundAuth>) -> Option<InboundAuth> {
    match &raw.value {
        RawInboundAuth::Basic { username, password } => {
            let username = secrets::resolve(ctx, username, false);
            let password = secrets::resolve(ctx, password, true);
            Some(InboundAuth::Basic {
                username: username?,
                password: password?,
            })
        }
        RawInboundAuth::Header { name, value } => {
            check_header_name(ctx, name);
            let value = secrets::resolve(ctx, value, true)?;
            Some(InboundAuth::Header {
                name: name.value.to_ascii_lowercase(),
                value,
            })
        }
    }
}
