//! Entities: patterns, lookup lists and built-ins under another name.

use super::Ctx;
use super::input::regex_message;
use crate::model::{BUILTIN_ENTITIES, Entity, EntityKind, LATER_BUILTINS, LookupValue};
use crate::raw::{RawEntity, RawLookup, Spanned};
use crate::suggest;

/// Compiles one entity.
pub(crate) fn entity(ctx: &mut Ctx, name: &Spanned<String>, raw: &RawEntity) -> Entity {
    let what = format!("entity {:?}", name.value);
    if BUILTIN_ENTITIES.contains(&name.value.as_str())
        && !LATER_BUILTINS.contains(&name.value.as_str())
    {
        ctx.error(
            name.pos,
            format!("{what} has the name of a built-in entity; choose another name"),
        );
    }
    let given: Vec<&str> = [
        raw.pattern.as_ref().map(|_| "pattern"),
        raw.values.as_ref().map(|_| "values"),
        raw.builtin.as_ref().map(|_| "builtin"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if given.is_empty() {
        ctx.error(
            name.pos,
            format!("{what} needs one of pattern, values or builtin"),
        );
    } else if given.len() > 1 {
        ctx.error(
            name.pos,
            format!(
                "{what} has both {} and {}; give exactly one",
                given[0], given[1]
            ),
        );
    }
    for (key, given) in [("case", &raw.case), ("strip", &raw.strip)] {
        if let Some(g) = given
            && raw.pattern.is_none()
        {
            ctx.error(
                g.pos,
                format!("{what}: `{key}` shapes a pattern's value; it needs `pattern`"),
            );
        }
    }
    let upper = raw.case.as_ref().and_then(|c| match c.value.as_str() {
        "upper" => Some(true),
        "lower" => Some(false),
        other => {
            let hint = suggest::did_you_mean(other, ["upper", "lower"]);
            ctx.error(
                c.pos,
                format!("{what}: unknown case {other:?}{hint}; use upper or lower"),
            );
            None
        }
    });
    let kind = if let Some(p) = &raw.pattern {
        if let Err(e) = regex::Regex::new(&p.value) {
            ctx.error(p.pos, format!("invalid pattern: {}", regex_message(&e)));
        }
        EntityKind::Pattern {
            regex: p.value.clone(),
            upper,
            strip: raw
                .strip
                .as_ref()
                .map(|s| s.value.clone())
                .unwrap_or_default(),
        }
    } else if let Some(v) = &raw.values {
        let values: Vec<LookupValue> = match &v.value {
            RawLookup::Synonyms(m) => m
                .iter()
                .map(|(k, syn)| LookupValue {
                    value: k.value.clone(),
                    synonyms: syn.iter().map(|s| s.value.clone()).collect(),
                })
                .collect(),
            RawLookup::Plain(list) => list
                .iter()
                .map(|k| LookupValue {
                    value: k.value.clone(),
                    synonyms: Vec::new(),
                })
                .collect(),
        };
        if values.is_empty() {
            ctx.error(v.pos, format!("{what} has no values"));
        }
        EntityKind::Lookup(values)
    } else if let Some(b) = &raw.builtin {
        if !BUILTIN_ENTITIES.contains(&b.value.as_str()) {
            let hint = suggest::did_you_mean(&b.value, BUILTIN_ENTITIES);
            ctx.error(
                b.pos,
                format!(
                    "unknown built-in entity {:?}{hint}; use {}",
                    b.value,
                    BUILTIN_ENTITIES.join(", ")
                ),
            );
        }
        EntityKind::Builtin(b.value.clone())
    } else {
        EntityKind::Lookup(Vec::new())
    };
    Entity {
        name: name.value.clone(),
        kind,
        span: ctx.span(name.pos),
    }
}
