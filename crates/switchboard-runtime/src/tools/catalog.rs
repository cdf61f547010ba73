//! The project's operations as tool definitions: one per operation (the channels' built-in
//! send connectors excepted: a model does not message users behind the bot's back), named
//! `connector_operation` within `^[a-zA-Z0-9_-]{1,64}$` and unique, with an input schema from
//! the typed inputs, an output schema from the extract map, and explicit annotations. Built
//! once per project, in a stable order (connectors and operations as the file lists them).

use serde_json::{Map, Value, json};
use std::collections::HashSet;
use switchboard_config::Project;
use switchboard_config::model::{Input, InputType, Method, Operation, OperationRef};

/// The longest tool name clients accept (OpenAI and Anthropic both cap names at 64).
pub const MAX_NAME: usize = 64;
/// The largest input or output schema a tool carries, serialised; a larger one is cut to
/// its types (descriptions and enums dropped) so that one operation cannot bloat a model's
/// context.
pub const MAX_SCHEMA_BYTES: usize = 8 * 1024;

/// One tool.
#[derive(Debug, Clone)]
pub struct ToolDef {
    /// The tool's name, unique in the catalog.
    pub name: String,
    /// The operation it calls.
    pub operation: OperationRef,
    /// What it does: the operation's description, or its method and path.
    pub description: String,
    /// The HTTP method, for messages.
    pub method: &'static str,
    /// The path template, for messages.
    pub path: String,
    /// JSON Schema of the arguments (an object, `additionalProperties: false`).
    pub input_schema: Value,
    /// JSON Schema of the structured result, when the operation extracts named values.
    pub output_schema: Option<Value>,
    /// Whether it only reads (GET and HEAD).
    pub read_only: bool,
    /// Whether it may destroy data (DELETE, or a write not marked otherwise).
    pub destructive: bool,
    /// Whether calling it twice with the same arguments does no more than once.
    pub idempotent: bool,
    /// Whether a person must confirm the call first (every write).
    pub confirm: bool,
}

impl ToolDef {
    /// MCP's tool annotations, every hint given explicitly.
    pub fn annotations(&self) -> Value {
        json!({
            "readOnlyHint": self.read_only,
            "destructiveHint": self.destructive,
            "idempotentHint": self.idempotent,
            "openWorldHint": true,
        })
    }

    /// The definition as MCP's `tools/list` carries it.
    pub fn mcp(&self) -> Value {
        let mut t = json!({
            "name": self.name,
            "title": self.operation.to_string(),
            "description": self.description,
            "inputSchema": self.input_schema,
            "annotations": self.annotations(),
        });
        if let Some(out) = &self.output_schema {
            t["outputSchema"] = out.clone();
        }
        t
    }
}

/// Every tool of a project, in a stable order.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    tools: Vec<ToolDef>,
}

impl Catalog {
    /// The project's tools.
    pub fn new(project: &Project) -> Catalog {
        let mut taken = HashSet::new();
        let mut tools = Vec::new();
        for (cname, connector) in &project.connectors {
            if project.channels.values().any(|c| c.connector == *cname) {
                continue;
            }
            for op in connector.operations.values() {
                let name = unique_name(&format!("{}_{}", op.connector, op.name), &mut taken);
                tools.push(tool(name, op));
            }
        }
        Catalog { tools }
    }

    /// All tools, in order.
    pub fn all(&self) -> &[ToolDef] {
        &self.tools
    }

    /// A tool by name.
    pub fn get(&self, name: &str) -> Option<&ToolDef> {
        self.tools.iter().find(|t| t.name == name)
    }
}

fn tool(name: String, op: &Operation) -> ToolDef {
    let read_only = matches!(op.method, Method::Get | Method::Head);
    let description = op
        .description
        .clone()
        .unwrap_or_else(|| format!("{} {}", op.method.as_str(), op.path.source));
    ToolDef {
        name,
        operation: op.reference(),
        description,
        method: op.method.as_str(),
        path: op.path.source.clone(),
        input_schema: capped(input_schema(op)),
        output_schema: output_schema(op).map(capped),
        read_only,
        destructive: !read_only,
        idempotent: read_only || matches!(op.method, Method::Put | Method::Delete),
        confirm: !read_only,
    }
}

/// `name` made to fit `^[a-zA-Z0-9_-]{1,64}$`, with a number added when it is taken.
fn unique_name(raw: &str, taken: &mut HashSet<String>) -> String {
    let mut base: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if base.is_empty() {
        base.push_str("tool");
    }
    base.truncate(MAX_NAME);
    let mut name = base.clone();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        let suffix = format!("_{n}");
        let mut b = base.clone();
        b.truncate(MAX_NAME - suffix.len());
        name = format!("{b}{suffix}");
        n += 1;
    }
    name
}

/// The typed inputs as a JSON Schema object.
fn input_schema(op: &Operation) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for (name, input) in &op.inputs {
        props.insert(name.clone(), input_property(input));
        if input.required && input.default.is_none() {
            required.push(Value::String(name.clone()));
        }
    }
    json!({
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": false,
    })
}

fn input_property(input: &Input) -> Value {
    let ty = match input.ty {
        InputType::String => "string",
        InputType::Integer => "integer",
        InputType::Number => "number",
        InputType::Boolean => "boolean",
        InputType::Object => "object",
    };
    let mut p = Map::new();
    p.insert("type".into(), json!(ty));
    if let Some(d) = &input.description {
        p.insert("description".into(), json!(d));
    }
    if let Some(re) = &input.pattern {
        // The compiled form anchors the pattern as written: `^(?:PATTERN)$`.
        let written = re.as_str();
        let written = written
            .strip_prefix("^(?:")
            .and_then(|r| r.strip_suffix(")$"))
            .unwrap_or(written);
        p.insert("pattern".into(), json!(written));
    }
    if let Some(values) = &input.allowed {
        p.insert("enum".into(), Value::Array(values.clone()));
    }
    if let Some(n) = input.min_length {
        p.insert("minLength".into(), json!(n));
    }
    if let Some(n) = input.max_length {
        p.insert("maxLength".into(), json!(n));
    }
    if let Some(n) = input.minimum {
        p.insert("minimum".into(), json!(n));
    }
    if let Some(n) = input.maximum {
        p.insert("maximum".into(), json!(n));
    }
    if let Some(d) = &input.default {
        p.insert("default".into(), d.clone());
    }
    Value::Object(p)
}

/// The extracted values as a JSON Schema object: each key present, of any type (a JSONPath
/// may match anything); `None` for an operation without an extract map (its whole body is the
/// result, whatever its shape).
fn output_schema(op: &Operation) -> Option<Value> {
    if op.response.extract.is_empty() {
        return None;
    }
    let props: Map<String, Value> = op
        .response
        .extract
        .keys()
        .map(|k| (k.clone(), json!({})))
        .collect();
    Some(json!({ "type": "object", "properties": props }))
}

/// A schema over [`MAX_SCHEMA_BYTES`] keeps only each property's type.
fn capped(schema: Value) -> Value {
    if schema.to_string().len() <= MAX_SCHEMA_BYTES {
        return schema;
    }
    let mut s = schema;
    if let Some(props) = s.get_mut("properties").and_then(Value::as_object_mut) {
        for p in props.values_mut() {
            if let Some(o) = p.as_object_mut() {
                o.retain(|k, _| k == "type");
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_and_stay_unique() {
        let mut taken = HashSet::new();
        assert_eq!(
            unique_name("store_get.order", &mut taken),
            "store_get_order"
        );
        assert_eq!(
            unique_name("store_get_order", &mut taken),
            "store_get_order_2"
        );
        let long = "x".repeat(80);
        let a = unique_name(&long, &mut taken);
        let b = unique_name(&long, &mut taken);
        assert_eq!(a.len(), MAX_NAME);
        assert_eq!(b.len(), MAX_NAME);
        assert_ne!(a, b);
        assert_eq!(unique_name("", &mut taken), "tool");
    }
}
