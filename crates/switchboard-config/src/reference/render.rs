//! Renders schema definitions as markdown: a table of keys with their types, defaults and
//! descriptions per section, then the value types and outcomes.

use super::{Keys, Section, examples};
use crate::model::OutcomeKind;
use serde_json::Value;
use std::fmt::Write;

/// Section anchors for the schema definitions that have one, and plain words for the others.
fn link(def: &str) -> Option<String> {
    let (label, anchor) = match def {
        "Bot" => ("bot", "bot"),
        "Storage" => ("storage", "storage"),
        "Connector" => ("connector", "connectors"),
        "Auth" => ("auth", "auth"),
        "Operation" => ("operation", "operations"),
        "Input" | "InputSpec" => ("input", "inputs"),
        "Response" => ("response", "response"),
        "Retry" => ("retry", "retry"),
        "CircuitBreaker" => ("circuit breaker", "circuit_breaker"),
        "RateLimit" => ("rate limit", "rate_limit"),
        "Cache" => ("cache", "cache"),
        "Alerts" => ("alerts", "alerts"),
        "Entity" => ("entity", "entities"),
        "LookupValues" => ("lookup values", "entities"),
        "Intent" => ("intent", "intents"),
        "Slot" => ("slot", "slots"),
        "Step" => ("step", "steps"),
        "Reply" | "ReplyVariant" => ("reply", "replies"),
        "Confirm" => return Some("[template](#templates) or `false`".into()),
        "Duration" => ("duration", "durations"),
        "Template" => ("template", "templates"),
        "Expression" => ("expression", "expressions"),
        "ValueTemplate" => ("value template", "value-templates"),
        "SecretRef" => ("string with references", "secret-references"),
        "JsonPath" => ("JSONPath", "jsonpath"),
        _ => return None,
    };
    Some(format!("[{label}](#{anchor})"))
}

pub(super) struct Renderer {
    pub(super) schema: Value,
}

impl Renderer {
    fn def(&self, name: &str) -> &Value {
        self.schema
            .get("$defs")
            .and_then(|d| d.get(name))
            .unwrap_or(&Value::Null)
    }

    /// A short type description of a schema fragment.
    fn ty(&self, s: &Value) -> String {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap_or_default();
            return link(name).unwrap_or_else(|| self.ty(self.def(name)));
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(items) = s.get(key).and_then(Value::as_array) {
                if items.iter().all(|i| i.get("const").is_some()) {
                    let names: Vec<String> = items.iter().map(|i| self.ty(i)).collect();
                    return names.join(" or ");
                }
                let mut parts: Vec<String> = Vec::new();
                for i in items
                    .iter()
                    .filter(|i| i.get("type").and_then(Value::as_str) != Some("null"))
                {
                    let t = self.ty(i);
                    if !parts.contains(&t) {
                        parts.push(t);
                    }
                }
                return parts.join(" or ");
            }
        }
        if let Some(c) = s.get("const") {
            return format!(
                "`{}`",
                c.as_str().map_or_else(|| c.to_string(), str::to_string)
            );
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            let names: Vec<String> = e
                .iter()
                .map(|v| format!("`{}`", v.as_str().unwrap_or_default()))
                .collect();
            return names.join(" or ");
        }
        let ty = match s.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("any"),
            _ => "any",
        };
        match ty {
            "array" => format!(
                "list of {}",
                s.get("items").map_or("any".into(), |i| self.ty(i))
            ),
            "object" => match s.get("additionalProperties") {
                Some(ap) if ap.is_object() => format!("map of names to {}", self.ty(ap)),
                _ => "map".into(),
            },
            "integer" if s.get("minimum").and_then(Value::as_f64) == Some(0.0) => {
                "whole number".into()
            }
            "integer" => "integer".into(),
            other => other.to_string(),
        }
    }

    /// A table of keys: key, type, default, description.
    fn table(&self, out: &mut String, obj: &Value, keys: &[&str], skip: Option<&str>) {
        let props = obj.get("properties").and_then(Value::as_object);
        let Some(props) = props else { return };
        let mut order: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|k| props.contains_key(*k) && Some(*k) != skip)
            .collect();
        for k in props.keys() {
            if !order.contains(&k.as_str()) && Some(k.as_str()) != skip {
                order.push(k);
            }
        }
        out.push_str("| key | type | default | description |\n|---|---|---|---|\n");
        for k in order {
            let p = &props[k];
            let desc = one_line(
                p.get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            );
            let (desc, default) = split_default(&desc);
            let _ = writeln!(
                out,
                "| `{k}` | {} | {} | {} |",
                self.ty(p),
                cell(&default),
                cell(&desc)
            );
        }
        out.push('\n');
    }

    pub(super) fn section(&self, out: &mut String, s: &Section) {
        let _ = writeln!(out, "## {}\n", s.title);
        let obj = match s.def {
            Some(d) => self.def(d),
            None => &self.schema,
        };
        if let Some(d) = obj.get("description").and_then(Value::as_str) {
            let _ = writeln!(out, "{}\n", one_line(d));
        }
        if !s.intro.is_empty() {
            let _ = writeln!(out, "{}\n", s.intro.trim());
        }
        match &s.keys {
            Keys::Struct(keys) => self.table(out, obj, keys, None),
            Keys::Tagged(variants) => {
                let list = obj
                    .get("oneOf")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for (variant, keys) in variants {
                    let Some(v) = list.iter().find(|v| {
                        v.pointer("/properties/type/const").and_then(Value::as_str) == Some(variant)
                    }) else {
                        continue;
                    };
                    let _ = writeln!(out, "### `type: {variant}`\n");
                    if let Some(d) = v.get("description").and_then(Value::as_str) {
                        let _ = writeln!(out, "{}\n", one_line(d));
                    }
                    if v.get("properties")
                        .and_then(Value::as_object)
                        .is_some_and(|p| p.len() > 1)
                    {
                        self.table(out, v, keys, Some("type"));
                    }
                }
            }
        }
        let _ = writeln!(out, "```yaml\n{}```\n", s.example.trim_start());
    }

    /// The value types: what durations, templates, expressions and references look like.
    pub(super) fn value_types(&self, out: &mut String) {
        for (title, def, extra) in [
            ("Durations", "Duration", ""),
            ("Templates", "Template", examples::TEMPLATES_EXTRA),
            ("Expressions", "Expression", examples::EXPRESSIONS_EXTRA),
            (
                "Value templates",
                "ValueTemplate",
                examples::VALUE_TEMPLATES_EXTRA,
            ),
            ("Secret references", "SecretRef", examples::SECRETS_EXTRA),
            ("JSONPath", "JsonPath", ""),
        ] {
            let _ = writeln!(out, "## {title}\n");
            if let Some(d) = self.def(def).get("description").and_then(Value::as_str) {
                let _ = writeln!(out, "{}\n", one_line(d));
            }
            if !extra.is_empty() {
                let _ = writeln!(out, "{}\n", extra.trim());
            }
        }
        out.push_str("## Outcomes\n\nWhat happened to an operation call; `on_error` keys are these names (all but `ok`) or `default`.\n\n| outcome | when |\n|---|---|\n");
        for k in OutcomeKind::ALL {
            let _ = writeln!(out, "| `{k}` | {} |", outcome_doc(k));
        }
        out.push('\n');
    }
}

fn outcome_doc(k: OutcomeKind) -> &'static str {
    match k {
        OutcomeKind::Ok => "a 2xx response that parsed and passed its schema",
        OutcomeKind::NotFound => "404 or 410",
        OutcomeKind::BadRequest => "400 or 422: the upstream refused the request as malformed",
        OutcomeKind::Unauthorized => "401",
        OutcomeKind::Forbidden => "403",
        OutcomeKind::Conflict => "409",
        OutcomeKind::RateLimited => "429",
        OutcomeKind::Unavailable => "5xx, a refused or reset connection, or an open circuit",
        OutcomeKind::Timeout => "no complete answer within the time allowed",
        OutcomeKind::InvalidResponse => {
            "not JSON, too large, not UTF-8, or breaking the response schema"
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cell(s: &str) -> String {
    if s.is_empty() {
        "".into()
    } else {
        s.replace('|', "\\|")
    }
}

/// Takes `Default: X.` or `Required.` out of a description.
fn split_default(desc: &str) -> (String, String) {
    if let Some(i) = desc.find("Required.") {
        let rest = format!("{}{}", &desc[..i], &desc[i + "Required.".len()..]);
        return (rest.trim().to_string(), "required".into());
    }
    if let Some(i) = desc.find("Default: ") {
        let default = desc[i + "Default: ".len()..].trim().trim_end_matches('.');
        return (desc[..i].trim().to_string(), default.to_string());
    }
    (desc.to_string(), String::new())
}
