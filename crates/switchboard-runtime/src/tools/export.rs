//! The catalog in the shapes the model APIs take, for `switchboard tools export`: OpenAI's
//! function tools in strict mode, Anthropic's tools, and MCP's `tools/list` entries.
//!
//! OpenAI's strict mode takes a subset of JSON Schema: every object has
//! `additionalProperties: false` and lists every property as required, so an optional input
//! becomes nullable (`["string", "null"]`, `null` added to an `enum`); `default`, `minLength`
//! and `maxLength` are not accepted and are dropped (the pipeline still enforces them). An
//! `object` input has no declared properties, which strict mode cannot express: such a tool is
//! exported with `strict: false`.

use super::catalog::{Catalog, ToolDef};
use serde_json::{Map, Value, json};

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// OpenAI function tools (Chat Completions and Responses), strict mode.
    Openai,
    /// Anthropic Messages API tools.
    Anthropic,
    /// MCP `tools/list` entries.
    Mcp,
}

impl Format {
    /// Every format, by name.
    pub const ALL: [(&'static str, Format); 3] = [
        ("openai", Format::Openai),
        ("anthropic", Format::Anthropic),
        ("mcp", Format::Mcp),
    ];
}

/// The catalog as a JSON array in `format`.
pub fn export(catalog: &Catalog, format: Format) -> Value {
    Value::Array(
        catalog
            .all()
            .iter()
            .map(|t| match format {
                Format::Openai => openai(t),
                Format::Anthropic => json!({
                    "name": t.name,
                    "description": t.description,
                    "input_schema": t.input_schema,
                }),
                Format::Mcp => t.mcp(),
            })
            .collect(),
    )
}

fn openai(t: &ToolDef) -> Value {
    let (parameters, strict) = strict_schema(&t.input_schema);
    json!({
        "type": "function",
        "function": {
            "name": t.name,
            "description": t.description,
            "parameters": parameters,
            "strict": strict,
        }
    })
}

/// The input schema in strict mode's subset, and whether it is strict-valid.
fn strict_schema(schema: &Value) -> (Value, bool) {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut strict = true;
    let mut props = Map::new();
    if let Some(given) = schema["properties"].as_object() {
        for (name, p) in given {
            let mut p = p.as_object().cloned().unwrap_or_default();
            p.remove("default");
            p.remove("minLength");
            p.remove("maxLength");
            if p.get("type") == Some(&json!("object")) {
                strict = false;
            }
            if !required.contains(&name.as_str()) {
                if let Some(ty) = p.get("type").cloned() {
                    p.insert("type".into(), json!([ty, "null"]));
                }
                if let Some(Value::Array(values)) = p.get_mut("enum") {
                    values.push(Value::Null);
                }
            }
            props.insert(name.clone(), Value::Object(p));
        }
    }
    let all: Vec<Value> = props.keys().map(|k| json!(k)).collect();
    (
        json!({
            "type": "object",
            "properties": props,
            "required": all,
            "additionalProperties": false,
        }),
        strict,
    )
}
