//! Replies and error replies: a template or `{when, text}` variants, chosen by outcome.

use super::Ctx;
use super::templates::{self, Scope};
use crate::model::{OnError, OutcomeKind, Reply, ReplyVariant};
use crate::raw::{RawReply, Spanned};
use crate::suggest;
use indexmap::IndexMap;

/// Compiles a reply; template ids are `{id}.N` and `{id}.N.when`.
pub(crate) fn reply(
    ctx: &mut Ctx,
    id: &str,
    raw: &Spanned<RawReply>,
    scope: &Scope,
    reads: &mut Vec<String>,
) -> Reply {
    let mut variants = Vec::new();
    let mut escalate = None;
    match &raw.value {
        RawReply::Escalate(target) => {
            ctx.escalations
                .push((target.pos, target.value.clone(), id.to_string()));
            escalate = Some(target.value.clone());
        }
        RawReply::Text(text) => {
            let src = Spanned::new(raw.pos, text.clone());
            variants.push(ReplyVariant {
                when: None,
                language: None,
                text: templates::template(ctx, format!("{id}.0"), &src, scope, reads),
            });
        }
        RawReply::Variants(list) => {
            if list.is_empty() {
                ctx.error(
                    raw.pos,
                    "a reply needs a text or at least one {when, text} variant",
                );
            }
            let mut open_before: Option<usize> = None;
            for (i, v) in list.iter().enumerate() {
                if let Some(j) = open_before {
                    ctx.warn(
                        v.pos,
                        format!(
                            "this reply variant is never used: variant {j} before it has no when"
                        ),
                    );
                }
                let when =
                    v.value.when.as_ref().map(|w| {
                        templates::expression(ctx, format!("{id}.{i}.when"), w, scope, reads)
                    });
                let text =
                    templates::template(ctx, format!("{id}.{i}"), &v.value.text, scope, reads);
                let language = v.value.language.as_ref().map(|l| {
                    if !ctx.languages.iter().any(|known| crate::model::same_language(known, &l.value)) {
                        ctx.warn(
                            l.pos,
                            format!(
                                "no intent has examples in {:?}, so no message is recognised as written in it{}",
                                l.value,
                                if ctx.languages.is_empty() {
                                    String::new()
                                } else {
                                    format!(" (languages: {})", ctx.languages.join(", "))
                                }
                            ),
                        );
                    }
                    l.value.clone()
                });
                if when.is_none() && language.is_none() && open_before.is_none() {
                    open_before = Some(i);
                }
                variants.push(ReplyVariant {
                    when,
                    language,
                    text,
                });
            }
        }
    }
    Reply { variants, escalate }
}

/// Compiles an `on_error` block; keys are outcome names or `default`.
pub(crate) fn on_error(
    ctx: &mut Ctx,
    id: &str,
    raw: &IndexMap<Spanned<String>, Spanned<RawReply>>,
    scope: &Scope,
    reads: &mut Vec<String>,
) -> OnError {
    let mut out = OnError::default();
    for (key, r) in raw {
        let rid = format!("{id}.{}", key.value);
        if key.value == "default" {
            out.default = Some(reply(ctx, &rid, r, scope, reads));
            continue;
        }
        match OutcomeKind::parse(&key.value) {
            Some(OutcomeKind::Ok) => ctx.error(
                key.pos,
                "\"ok\" is not a failure; the intent's reply covers it",
            ),
            Some(kind) => {
                out.by_outcome
                    .insert(kind, reply(ctx, &rid, r, scope, reads));
            }
            None => {
                let known = OutcomeKind::ALL
                    .iter()
                    .filter(|k| **k != OutcomeKind::Ok)
                    .map(|k| k.as_str())
                    .chain(["default"]);
                let hint = suggest::did_you_mean(&key.value, known.clone());
                let list: Vec<&str> = known.collect();
                ctx.error(
                    key.pos,
                    format!(
                        "unknown outcome {:?} in on_error{hint}; use {}",
                        key.value,
                        list.join(", ")
                    ),
                );
            }
        }
    }
    out
}
