//! Templates and expressions: parsed once with minijinja at load time, their variables
//! checked against what the place they are written in can see.

use super::Ctx;
use super::step_fields::StepFields;
use crate::model::{Expression, Template, ValueTemplate};
use crate::raw::{Pos, RawValue, RawValueKind, Spanned};
use crate::suggest;
use indexmap::IndexMap;
use std::collections::HashSet;

/// Functions minijinja offers as globals; using them is not an undefined variable.
const GLOBALS: &[&str] = &["range", "dict", "namespace", "debug", "loop"];

/// Variables an intent template can use.
const INTENT_ROOTS: &[&str] = &["slots", "steps", "user", "turn", "conversation", "error"];

/// Variables a bot-wide template (fallback, help) can use.
const BOT_ROOTS: &[&str] = &["slots", "user", "turn", "conversation"];

/// Variables a webhook route's templates can use.
const WEBHOOK_ROOTS: &[&str] = &["event", "steps", "source", "user"];

/// What a template can see, by where it is written.
pub(crate) enum Scope<'a> {
    /// An operation's query, headers or body: `inputs` of that operation.
    Operation { what: &'a str, inputs: &'a [String] },
    /// An intent's templates: its steps, and slots of any intent.
    Intent {
        what: &'a str,
        steps: &'a StepFields,
        slots: &'a Slots,
    },
    /// `bot.fallback` and `bot.help`.
    Bot { slots: &'a Slots },
    /// A webhook route's steps and message: the event and the route's steps.
    Webhook {
        what: &'a str,
        steps: &'a StepFields,
    },
}

/// Slot names over all intents; `complete` is false when an intent could not be read, and
/// then unknown slots are not reported.
pub(crate) struct Slots {
    pub names: Vec<String>,
    pub complete: bool,
}

/// Whether a string is a template (has `{{`, `{%` or `{#`).
pub(crate) fn is_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("{#")
}

/// The expression inside a string that is exactly one `{{ expression }}`.
fn whole_expression(s: &str) -> Option<&str> {
    let inner = s.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    let marks = ["{{", "}}", "{%", "%}", "{#", "#}"];
    if marks.iter().any(|m| inner.contains(m))
        || inner.starts_with(['-', '+'])
        || inner.ends_with(['-', '+'])
    {
        return None;
    }
    let inner = inner.trim();
    (!inner.is_empty()).then_some(inner)
}

/// minijinja's message, without its `(in <string>:N)` suffix; multi-line templates get the
/// template line.
fn jinja_message(e: &minijinja::Error, multi_line: bool) -> String {
    let mut m = e.kind().to_string();
    if let Some(d) = e.detail() {
        m = format!("{m}: {d}");
    }
    if multi_line && let Some(line) = e.line() {
        m = format!("{m} (template line {line})");
    }
    m
}

/// Parses a text template, checks its variables and returns it with the steps it reads.
pub(crate) fn template(
    ctx: &mut Ctx,
    id: String,
    src: &Spanned<String>,
    scope: &Scope,
    reads: &mut Vec<String>,
) -> Template {
    let id = ctx.unique_id(id);
    let vars = match ctx.jinja.template_from_str(&src.value) {
        Ok(t) => Some(t.undeclared_variables(true)),
        Err(e) => {
            let msg = jinja_message(&e, src.value.contains('\n'));
            ctx.error(src.pos, format!("template error in {id}: {msg}"));
            None
        }
    };
    if let Some(vars) = vars {
        check_vars(ctx, src.pos, vars, scope, reads);
    }
    Template {
        id,
        source: src.value.clone(),
        span: ctx.span(src.pos),
    }
}

/// Parses an expression (a `when`), checks its variables and returns it.
pub(crate) fn expression(
    ctx: &mut Ctx,
    id: String,
    src: &Spanned<String>,
    scope: &Scope,
    reads: &mut Vec<String>,
) -> Expression {
    let id = ctx.unique_id(id);
    let source = src.value.trim().to_string();
    let vars = match ctx.jinja.compile_expression(&source) {
        Ok(e) => Some(e.undeclared_variables(true)),
        Err(e) => {
            let msg = jinja_message(&e, false);
            ctx.error(src.pos, format!("expression error in {id}: {msg}"));
            None
        }
    };
    if let Some(vars) = vars {
        check_vars(ctx, src.pos, vars, scope, reads);
    }
    Expression {
        id,
        source,
        span: ctx.span(src.pos),
    }
}

/// A structured value with templated leaves.
pub(crate) fn value(
    ctx: &mut Ctx,
    id: &str,
    raw: &RawValue,
    scope: &Scope,
    reads: &mut Vec<String>,
) -> ValueTemplate {
    match &raw.kind {
        RawValueKind::String(s) if is_template(s) => {
            let src = Spanned::new(raw.pos, s.clone());
            if let Some(inner) = whole_expression(s)
                && ctx.jinja.compile_expression(inner).is_ok()
            {
                let inner = Spanned::new(raw.pos, inner.to_string());
                return ValueTemplate::Expr(expression(ctx, id.to_string(), &inner, scope, reads));
            }
            ValueTemplate::Text(template(ctx, id.to_string(), &src, scope, reads))
        }
        RawValueKind::Seq(items) => ValueTemplate::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| value(ctx, &format!("{id}.{i}"), v, scope, reads))
                .collect(),
        ),
        RawValueKind::Map(m) => {
            let mut out = IndexMap::new();
            for (k, v) in m {
                out.insert(
                    k.value.clone(),
                    value(ctx, &format!("{id}.{}", k.value), v, scope, reads),
                );
            }
            ValueTemplate::Object(out)
        }
        _ => ValueTemplate::Literal(raw.to_json()),
    }
}

/// Checks each `a.b.c` a template reads against what its scope offers.
fn check_vars(
    ctx: &mut Ctx,
    pos: Pos,
    vars: HashSet<String>,
    scope: &Scope,
    reads: &mut Vec<String>,
) {
    let mut vars: Vec<String> = vars.into_iter().collect();
    vars.sort();
    for var in vars {
        let mut parts = var.split('.');
        let root = parts.next().unwrap_or_default();
        let field = parts.next();
        if GLOBALS.contains(&root) {
            continue;
        }
        match scope {
            Scope::Operation { what, inputs } => match (root, field) {
                ("inputs", Some(name)) if !inputs.iter().any(|i| i == name) => {
                    let hint = suggest::did_you_mean(name, inputs.iter().map(String::as_str));
                    ctx.error(
                        pos,
                        format!("\"{var}\": {what} has no input {name:?}{hint}"),
                    );
                }
                ("inputs", _) => {}
                _ => unknown_root(ctx, pos, &var, root, &["inputs"], "operation templates"),
            },
            Scope::Intent { what, steps, slots } => match (root, field) {
                ("steps", Some(_)) => check_step(ctx, pos, &var, what, steps, reads),
                ("slots", Some(name)) => check_slot(ctx, pos, &var, name, slots),
                (r, _) if INTENT_ROOTS.contains(&r) => {}
                _ => unknown_root(ctx, pos, &var, root, INTENT_ROOTS, "intent templates"),
            },
            Scope::Webhook { what, steps } => match (root, field) {
                ("steps", Some(_)) => check_step(ctx, pos, &var, what, steps, reads),
                (r, _) if WEBHOOK_ROOTS.contains(&r) => {}
                _ => unknown_root(ctx, pos, &var, root, WEBHOOK_ROOTS, "webhook templates"),
            },
            Scope::Bot { slots } => match (root, field) {
                ("slots", Some(name)) => check_slot(ctx, pos, &var, name, slots),
                (r, _) if BOT_ROOTS.contains(&r) => {}
                _ => unknown_root(ctx, pos, &var, root, BOT_ROOTS, "bot templates"),
            },
        }
    }
}

/// `steps.NAME` must name a step (then recorded as read); `steps.NAME.KEY` must name one of
/// the step's extract keys when its operation declares `extract`.
fn check_step(
    ctx: &mut Ctx,
    pos: Pos,
    var: &str,
    what: &str,
    steps: &StepFields,
    reads: &mut Vec<String>,
) {
    let mut parts = var.split('.').skip(1);
    let name = parts.next().unwrap_or_default();
    let key = parts.next();
    if !steps.has(name) {
        let hint = suggest::did_you_mean(name, steps.names());
        ctx.error(pos, format!("\"{var}\": {what} has no step {name:?}{hint}"));
        return;
    }
    if !reads.iter().any(|r| r == name) {
        reads.push(name.to_string());
    }
    if let (Some(key), Some(keys)) = (key, steps.keys(name))
        && !keys.iter().any(|k| k == key)
    {
        let hint = suggest::did_you_mean(key, keys.iter().map(String::as_str));
        ctx.error(
            pos,
            format!(
                "\"{var}\": step {name:?} of {what} extracts no {key:?}{hint}; it extracts {}",
                keys.join(", ")
            ),
        );
    }
}

fn check_slot(ctx: &mut Ctx, pos: Pos, var: &str, name: &str, slots: &Slots) {
    if slots.complete && !slots.names.iter().any(|s| s == name) {
        let hint = suggest::did_you_mean(name, slots.names.iter().map(String::as_str));
        ctx.error(
            pos,
            format!("\"{var}\": no intent has a slot {name:?}{hint}"),
        );
    }
}

fn unknown_root(ctx: &mut Ctx, pos: Pos, var: &str, root: &str, roots: &[&str], who: &str) {
    let hint = suggest::did_you_mean(root, roots.iter().copied());
    let list = match roots {
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    ctx.error(
        pos,
        format!("\"{var}\" is not defined{hint}; {who} can use {list}"),
    );
}

#[cfg(test)]
mod tests {
    use super::whole_expression;

    #[test]
    fn finds_whole_expressions_only() {
        assert_eq!(
            whole_expression("{{ slots.order_id }}"),
            Some("slots.order_id")
        );
        assert_eq!(whole_expression("  {{x}} "), Some("x"));
        assert_eq!(whole_expression("{{ a }} and {{ b }}"), None);
        assert_eq!(whole_expression("id-{{ a }}"), None);
        assert_eq!(whole_expression("{{- a -}}"), None);
    }
}
