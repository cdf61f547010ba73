//! Intents: examples, slots, steps linked to operations, the step graph, confirmation, and
//! replies.

use super::Ctx;
use super::graph;
use super::includes::Merged;
use super::reply;
use super::step_fields::StepFields;
use super::templates::{self, Scope, Slots};
use crate::model::{
    BUILTIN_ENTITIES, Connector, Entity, Intent, Operation, OperationRef, Slot, Step, Template,
    ValueTemplate,
};
use crate::raw::{Broken, RawConfirm, RawExamples, RawIntent, RawReply, RawSlot, RawStep, Spanned};
use crate::suggest;
use indexmap::IndexMap;

/// What intents are checked against: the compiled connectors and entities, and every slot.
pub(crate) struct Known<'a> {
    pub connectors: &'a IndexMap<String, Connector>,
    entities: Vec<String>,
    broken: &'a Broken,
    /// Slot names over all intents.
    pub all_slots: Slots,
}

impl<'a> Known<'a> {
    /// Gathers what intents may refer to.
    pub fn new(
        connectors: &'a IndexMap<String, Connector>,
        entities: &IndexMap<String, Entity>,
        merged: &'a Merged,
    ) -> Self {
        let mut names: Vec<String> = Vec::new();
        for (_, intent) in merged.intents.values() {
            for slot in intent.slots.keys() {
                if !names.contains(&slot.value) {
                    names.push(slot.value.clone());
                }
            }
        }
        let entities = entities
            .keys()
            .cloned()
            .chain(merged.broken.entities.iter().cloned())
            .collect();
        Known {
            connectors,
            entities,
            broken: &merged.broken,
            all_slots: Slots {
                names,
                complete: merged.broken.intents.is_empty(),
            },
        }
    }
}

/// Compiles one intent.
pub(crate) fn intent(
    ctx: &mut Ctx,
    known: &Known,
    name: &Spanned<String>,
    raw: &RawIntent,
) -> Intent {
    let what = format!("intent {:?}", name.value);
    let prefix = format!("intents.{}", name.value);
    match raw.examples.iter().count() {
        0 => ctx.error(name.pos, format!("{what} needs at least one example")),
        n @ (1 | 2) => ctx.warn(
            name.pos,
            format!(
                "{what} has only {n} example{}; three or more help the classifier",
                if n == 1 { "" } else { "s" }
            ),
        ),
        _ => {}
    }
    let step_fields = StepFields::new(known.connectors, &raw.steps);
    let scope = Scope::Intent {
        what: &what,
        steps: &step_fields,
        slots: &known.all_slots,
    };
    let mut no_reads = Vec::new();

    let mut slots = IndexMap::new();
    for (sname, s) in &raw.slots {
        slots.insert(
            sname.value.clone(),
            slot(
                ctx,
                known,
                &format!("{prefix}.slots.{}", sname.value),
                sname,
                s,
                &scope,
            ),
        );
    }

    let mut steps = IndexMap::new();
    let mut graph_input = Vec::new();
    let mut writes = Vec::new();
    for (sname, s) in &raw.steps {
        let (step, op) = step(
            ctx,
            known,
            &what,
            &format!("{prefix}.steps.{}", sname.value),
            sname,
            s,
            &scope,
        );
        if let Some(op) = op {
            if !op.method.is_safe() {
                writes.push((
                    s.value.call.pos,
                    sname.value.clone(),
                    op.reference(),
                    op.method,
                ));
            }
            link_slots(&mut slots, &step, op);
        }
        graph_input.push((sname.value.clone(), sname.pos, step.depends_on.clone()));
        steps.insert(sname.value.clone(), step);
    }
    let levels = graph::levels(ctx, &graph_input);

    let confirm: Option<Template> = match raw.confirm.as_ref().map(|c| (&c.value, c.pos)) {
        Some((RawConfirm::Ask(text), pos)) => {
            let src = Spanned::new(pos, text.clone());
            Some(templates::template(
                ctx,
                format!("{prefix}.confirm"),
                &src,
                &scope,
                &mut no_reads,
            ))
        }
        Some((RawConfirm::No, _)) => None,
        None => {
            for (pos, step, op, method) in &writes {
                ctx.error(
                    *pos,
                    format!(
                        "step {step:?} of {what} calls {op} ({method}), which changes data; add confirm: \"<question>\" to ask first, or confirm: false"
                    ),
                );
            }
            None
        }
    };
    let reply = match &raw.reply {
        Some(r) if matches!(r.value, RawReply::Escalate(_)) => {
            ctx.error(
                r.pos,
                "escalate belongs in on_error; an intent's reply must say something",
            );
            Default::default()
        }
        Some(r) => reply::reply(ctx, &format!("{prefix}.reply"), r, &scope, &mut no_reads),
        None => {
            ctx.error(name.pos, format!("{what} has no reply"));
            Default::default()
        }
    };
    let on_error = reply::on_error(
        ctx,
        &format!("{prefix}.on_error"),
        &raw.on_error,
        &scope,
        &mut no_reads,
    );
    let tool = super::tools::setting(ctx, raw.tool.as_ref());
    if tool.expose == Some(true)
        && steps.is_empty()
        && let Some(t) = &raw.tool
    {
        ctx.error(
            t.pos,
            format!("{what} has no steps, so it cannot be a tool; remove tool: or add steps"),
        );
    }
    Intent {
        name: name.value.clone(),
        description: raw.description.clone(),
        examples: raw.examples.iter().map(|(_, e)| e.value.clone()).collect(),
        example_languages: raw
            .examples
            .iter()
            .map(|(l, _)| l.map(|l| l.value.clone()))
            .collect(),
        slots,
        steps,
        levels,
        confirm,
        reply,
        on_error,
        tool,
        llm_reply: raw.llm_reply.as_ref().map(|r| r.value),
        span: ctx.span(name.pos),
    }
}

fn slot(
    ctx: &mut Ctx,
    known: &Known,
    id: &str,
    name: &Spanned<String>,
    raw: &Spanned<RawSlot>,
    scope: &Scope,
) -> Slot {
    let s = &raw.value;
    if let Some(e) = &s.entity {
        let declared =
            known.entities.contains(&e.value) || BUILTIN_ENTITIES.contains(&e.value.as_str());
        if !declared {
            let all = known
                .entities
                .iter()
                .map(String::as_str)
                .chain(BUILTIN_ENTITIES);
            let hint = suggest::did_you_mean(&e.value, all);
            ctx.error(
                e.pos,
                format!(
                    "slot {:?} uses entity {:?}, which is not declared{hint}",
                    name.value, e.value
                ),
            );
        }
    }
    let mut no_reads = Vec::new();
    Slot {
        entity: s.entity.as_ref().map(|e| e.value.clone()),
        ask: s
            .ask
            .as_ref()
            .map(|a| templates::template(ctx, format!("{id}.ask"), a, scope, &mut no_reads)),
        default: s.default.as_ref().map(|d| d.to_json()),
        carry_over: s.carry_over.as_ref().is_none_or(|c| c.value),
        validation: None,
        span: ctx.span(name.pos),
    }
}

/// Compiles a step; returns the operation it calls when that is known.
pub(crate) fn step<'k>(
    ctx: &mut Ctx,
    known: &Known<'k>,
    what: &str,
    id: &str,
    name: &Spanned<String>,
    raw: &Spanned<RawStep>,
    scope: &Scope,
) -> (Step, Option<&'k Operation>) {
    let s = &raw.value;
    let call = OperationRef::parse(s.call.value.trim());
    let op = match &call {
        None => {
            ctx.error(
                s.call.pos,
                format!("call must be CONNECTOR.OPERATION, found {:?}", s.call.value),
            );
            None
        }
        Some(r) => resolve(ctx, known, what, r, s.call.pos),
    };
    let mut reads = Vec::new();
    let mut with = IndexMap::new();
    for (input, value) in &s.with {
        let v = templates::value(
            ctx,
            &format!("{id}.with.{}", input.value),
            value,
            scope,
            &mut reads,
        );
        if let Some(op) = op {
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
                    if let ValueTemplate::Literal(l) = &v
                        && let Err(e) = spec.validate(l)
                    {
                        ctx.error(
                            value.pos,
                            format!("{} for input {:?} {e}", value.describe(), input.value),
                        );
                    }
                }
            }
        }
        with.insert(input.value.clone(), v);
    }
    if let Some(op) = op {
        for (iname, spec) in &op.inputs {
            if spec.required && spec.default.is_none() && !with.contains_key(iname) {
                ctx.error(
                    name.pos,
                    format!("step {:?} of {what} does not give input {iname:?}, which operation \"{}\" requires", name.value, op.reference()),
                );
            }
        }
    }
    let when = s
        .when
        .as_ref()
        .map(|w| templates::expression(ctx, format!("{id}.when"), w, scope, &mut reads));
    let on_error = reply::on_error(
        ctx,
        &format!("{id}.on_error"),
        &s.on_error,
        scope,
        &mut Vec::new(),
    );
    let step = Step {
        name: name.value.clone(),
        call: call.unwrap_or(OperationRef {
            connector: String::new(),
            operation: String::new(),
        }),
        with,
        when,
        optional: s.optional.as_ref().is_some_and(|o| o.value),
        depends_on: reads,
        on_error,
        span: ctx.span(name.pos),
    };
    (step, op)
}

/// Finds the operation a step calls; reports unknown connectors and operations (unless their
/// definitions could not be read, which is reported already).
fn resolve<'k>(
    ctx: &mut Ctx,
    known: &Known<'k>,
    what: &str,
    r: &OperationRef,
    pos: crate::raw::Pos,
) -> Option<&'k Operation> {
    let Some(connector) = known.connectors.get(&r.connector) else {
        if !known.broken.connectors.contains(&r.connector) {
            let hint =
                suggest::did_you_mean(&r.connector, known.connectors.keys().map(String::as_str));
            ctx.error(
                pos,
                format!(
                    "{what} calls operation \"{r}\", but there is no connector {:?}{hint}",
                    r.connector
                ),
            );
        }
        return None;
    };
    let op = connector.operations.get(&r.operation);
    if op.is_none() && !known.broken.operations.contains(&r.to_string()) {
        let refs: Vec<String> = connector
            .operations
            .keys()
            .map(|o| format!("{}.{o}", r.connector))
            .collect();
        let hint = suggest::did_you_mean(&r.to_string(), refs.iter().map(String::as_str));
        ctx.error(
            pos,
            format!(
                "{what} calls operation \"{r}\", which connector {:?} does not define{hint}",
                r.connector
            ),
        );
    }
    op
}

/// A slot passed as `"{{ slots.NAME }}"` to an input is validated like that input (the first
/// such use wins).
fn link_slots(slots: &mut IndexMap<String, Slot>, step: &Step, op: &Operation) {
    for (input, v) in &step.with {
        let Some(e) = v.as_expr() else { continue };
        let Some(slot_name) = e.source.strip_prefix("slots.") else {
            continue;
        };
        if let (Some(slot), Some(spec)) = (slots.get_mut(slot_name), op.inputs.get(input))
            && slot.validation.is_none()
        {
            slot.validation = Some(spec.clone());
        }
    }
}

/// The languages the intents give examples in, in order of first use; a tag that is not
/// shaped like one (`en`, `hi-Latn`, `ar-AE`) is an error.
pub(crate) fn languages<K>(
    ctx: &mut Ctx,
    intents: &IndexMap<String, (K, RawIntent)>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, raw) in intents.values() {
        let RawExamples::ByLanguage(by) = &raw.examples else {
            continue;
        };
        for tag in by.keys() {
            if !is_language_tag(&tag.value) {
                ctx.error(
                    tag.pos,
                    format!(
                        "{:?} is not a language tag; use one such as en, hi-Latn or ar",
                        tag.value
                    ),
                );
            } else if !out.contains(&tag.value) {
                out.push(tag.value.clone());
            }
        }
    }
    out
}

/// A BCP 47 tag's shape: a 2-3 letter language, then subtags of 2-8 letters or digits.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let lang_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_lowercase()));
    lang_ok
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}
