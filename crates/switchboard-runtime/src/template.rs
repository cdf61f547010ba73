//! The project's templates, registered once in one minijinja environment, and how they are
//! evaluated into text or JSON values.
//!
//! The environment is leaked to get `'static` compiled expressions: a project is loaded once
//! per process, and evaluating a pre-compiled expression is several times cheaper than
//! parsing it on every turn.

use indexmap::IndexMap;
use minijinja::{Environment, Expression as CompiledExpr, UndefinedBehavior, Value as JinjaValue};
use serde_json::Value;
use std::collections::HashMap;
use switchboard_config::Project;
use switchboard_config::model::{Expression, Intent, OnError, Reply, Template, ValueTemplate};

/// Bounds the work one template evaluation may do, so a template cannot loop a turn away.
const FUEL: u64 = 50_000;

/// Why a template could not be evaluated. The text names the template, never the data.
#[derive(Debug, Clone, thiserror::Error)]
#[error("template {id} failed: {reason}")]
pub struct TemplateError {
    /// The template's id in the project.
    pub id: String,
    /// minijinja's explanation.
    pub reason: String,
}

/// All compiled templates and expressions of a project.
pub struct Templates {
    env: &'static Environment<'static>,
    expressions: HashMap<String, CompiledExpr<'static, 'static>>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("expressions", &self.expressions.len())
            .finish()
    }
}

impl Templates {
    /// Compiles every template of a project. The loader has parsed them all already, so an
    /// error here means the two disagree: it is reported, not panicked on.
    pub fn compile(project: &Project) -> Result<Templates, TemplateError> {
        let mut collect = Collector::default();
        collect.project(project);
        Self::from_parts(collect.templates, collect.expressions)
    }

    /// Compiles loose templates and expressions (for tests and ad-hoc use).
    pub fn from_parts(
        templates: Vec<Template>,
        expressions: Vec<Expression>,
    ) -> Result<Templates, TemplateError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        env.set_fuel(Some(FUEL));
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        for t in templates {
            let id = t.id.clone();
            env.add_template_owned(t.id, t.source)
                .map_err(|e| TemplateError {
                    id,
                    reason: e.to_string(),
                })?;
        }
        let env: &'static Environment<'static> = Box::leak(Box::new(env));
        let mut compiled = HashMap::new();
        for e in expressions {
            let expr = env
                .compile_expression_owned(e.source)
                .map_err(|err| TemplateError {
                    id: e.id.clone(),
                    reason: err.to_string(),
                })?;
            compiled.insert(e.id, expr);
        }
        Ok(Templates {
            env,
            expressions: compiled,
        })
    }

    /// Renders a text template.
    pub fn render(&self, t: &Template, ctx: &JinjaValue) -> Result<String, TemplateError> {
        let err = |e: minijinja::Error| TemplateError {
            id: t.id.clone(),
            reason: e.to_string(),
        };
        self.env
            .get_template(&t.id)
            .map_err(err)?
            .render(ctx)
            .map_err(err)
    }

    /// Evaluates an expression to a minijinja value.
    pub fn eval(&self, e: &Expression, ctx: &JinjaValue) -> Result<JinjaValue, TemplateError> {
        let err = |reason: String| TemplateError {
            id: e.id.clone(),
            reason,
        };
        let compiled = self
            .expressions
            .get(&e.id)
            .ok_or_else(|| err("not registered".to_string()))?;
        compiled.eval(ctx.clone()).map_err(|x| err(x.to_string()))
    }

    /// Evaluates a condition with Jinja truthiness (undefined, none, empty and zero are false).
    pub fn test(&self, e: &Expression, ctx: &JinjaValue) -> Result<bool, TemplateError> {
        Ok(self.eval(e, ctx)?.is_true())
    }

    /// Evaluates a structured template into JSON. Undefined becomes null.
    pub fn value(&self, v: &ValueTemplate, ctx: &JinjaValue) -> Result<Value, TemplateError> {
        Ok(match v {
            ValueTemplate::Literal(l) => l.clone(),
            ValueTemplate::Expr(e) => to_json(&self.eval(e, ctx)?, &e.id)?,
            ValueTemplate::Text(t) => Value::String(self.render(t, ctx)?),
            ValueTemplate::Object(m) => {
                let mut out = serde_json::Map::with_capacity(m.len());
                for (k, v) in m {
                    out.insert(k.clone(), self.value(v, ctx)?);
                }
                Value::Object(out)
            }
            ValueTemplate::Array(a) => Value::Array(
                a.iter()
                    .map(|v| self.value(v, ctx))
                    .collect::<Result<_, _>>()?,
            ),
        })
    }

    /// Evaluates a map of structured templates.
    pub fn values(
        &self,
        m: &IndexMap<String, ValueTemplate>,
        ctx: &JinjaValue,
    ) -> Result<serde_json::Map<String, Value>, TemplateError> {
        let mut out = serde_json::Map::with_capacity(m.len());
        for (k, v) in m {
            out.insert(k.clone(), self.value(v, ctx)?);
        }
        Ok(out)
    }

    /// Picks the first reply variant whose condition holds and renders it; `None` when no
    /// variant applies.
    pub fn reply(&self, r: &Reply, ctx: &JinjaValue) -> Result<Option<String>, TemplateError> {
        // The conversation's language, for variants given one (`language: ar`).
        let language = ctx
            .get_attr("conversation")
            .and_then(|c| c.get_attr("language"))
            .ok()
            .and_then(|l| l.as_str().map(str::to_string));
        for variant in &r.variants {
            if let Some(wanted) = &variant.language
                && !language
                    .as_deref()
                    .is_some_and(|l| switchboard_config::model::same_language(l, wanted))
            {
                continue;
            }
            let applies = match &variant.when {
                Some(cond) => self.test(cond, ctx)?,
                None => true,
            };
            if applies {
                return self.render(&variant.text, ctx).map(Some);
            }
        }
        Ok(None)
    }
}

/// Wraps serialisable data as a template context.
pub fn context<T: serde::Serialize>(data: &T) -> JinjaValue {
    JinjaValue::from(minijinja::value::Serde(data))
}

fn to_json(v: &JinjaValue, id: &str) -> Result<Value, TemplateError> {
    if v.is_undefined() || v.is_none() {
        return Ok(Value::Null);
    }
    serde_json::to_value(v).map_err(|e| TemplateError {
        id: id.to_string(),
        reason: e.to_string(),
    })
}

/// Walks a project and gathers every template and expression.
#[derive(Default)]
struct Collector {
    templates: Vec<Template>,
    expressions: Vec<Expression>,
}

impl Collector {
    fn project(&mut self, p: &Project) {
        self.templates.push(p.bot.fallback.clone());
        if let Some(h) = &p.bot.help {
            self.templates.push(h.clone());
        }
        for c in p.connectors.values() {
            for op in c.operations.values() {
                op.query.values().for_each(|v| self.value(v));
                op.headers.values().for_each(|v| self.value(v));
                if let Some(b) = &op.body {
                    self.value(b);
                }
            }
        }
        for i in p.intents.values() {
            self.intent(i);
        }
        for route in p.webhooks.values().flat_map(|s| s.routes.values()) {
            self.intent(&route.intent);
        }
        for route in p.pollers.values().flat_map(|s| s.routes.values()) {
            self.intent(&route.intent);
        }
    }

    fn intent(&mut self, i: &Intent) {
        for s in i.slots.values() {
            if let Some(a) = &s.ask {
                self.templates.push(a.clone());
            }
        }
        if let Some(c) = &i.confirm {
            self.templates.push(c.clone());
        }
        for step in i.steps.values() {
            step.with.values().for_each(|v| self.value(v));
            if let Some(w) = &step.when {
                self.expressions.push(w.clone());
            }
            self.on_error(&step.on_error);
        }
        self.reply(&i.reply);
        self.on_error(&i.on_error);
    }

    fn on_error(&mut self, o: &OnError) {
        for r in o.by_outcome.values().chain(o.default.iter()) {
            self.reply(r);
        }
    }

    fn reply(&mut self, r: &Reply) {
        for v in &r.variants {
            if let Some(w) = &v.when {
                self.expressions.push(w.clone());
            }
            self.templates.push(v.text.clone());
        }
    }

    fn value(&mut self, v: &ValueTemplate) {
        match v {
            ValueTemplate::Literal(_) => {}
            ValueTemplate::Expr(e) => self.expressions.push(e.clone()),
            ValueTemplate::Text(t) => self.templates.push(t.clone()),
            ValueTemplate::Object(m) => m.values().for_each(|v| self.value(v)),
            ValueTemplate::Array(a) => a.iter().for_each(|v| self.value(v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_config::Span;

    fn span() -> Span {
        Span::file_start("t.yaml")
    }

    fn expr(id: &str, src: &str) -> Expression {
        Expression {
            id: id.into(),
            source: src.into(),
            span: span(),
        }
    }

    fn text(id: &str, src: &str) -> Template {
        Template {
            id: id.into(),
            source: src.into(),
            span: span(),
        }
    }

    #[test]
    fn expressions_keep_json_types_and_text_is_not_escaped() {
        let t = Templates::from_parts(
            vec![text("t", "{{ slots.name }} & <b>")],
            vec![
                expr("n", "slots.n"),
                expr("o", "steps.order"),
                expr("missing", "steps.nope.city"),
            ],
        )
        .unwrap();
        let ctx = context(&serde_json::json!({
            "slots": {"n": 42, "name": "O'Brien \"x\""},
            "steps": {"order": {"status": "shipped", "items": [1, 2]}}
        }));
        let v = |id: &str| t.value(&ValueTemplate::Expr(expr(id, "")), &ctx).unwrap();
        assert_eq!(v("n"), serde_json::json!(42));
        assert_eq!(
            v("o"),
            serde_json::json!({"status": "shipped", "items": [1, 2]})
        );
        assert_eq!(v("missing"), Value::Null);
        assert_eq!(
            t.render(&text("t", ""), &ctx).unwrap(),
            "O'Brien \"x\" & <b>"
        );
    }
}
