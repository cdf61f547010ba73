//! The project's operations and intents as tool definitions: one per operation and one per
//! intent with steps, as the project's `tools`, connectors' `tools` and each `tool:` key say
//! (the channels' built-in send connectors excepted: a model does not message users behind the
//! bot's back). Named within `^[a-zA-Z0-9_-]{1,64}$` and unique (names the file gives are kept,
//! generated ones give way), with an input schema from the typed inputs or slots, an output
//! schema from the extract map, and explicit annotations. Built once per project, in a stable
//! order: operations as the file lists them, then intents.

use serde_json::{Map, Value, json};
use std::collections::HashSet;
use switchboard_config::Project;
use switchboard_config::model::{
    Input, InputType, Intent, Method, Operation, OperationRef, ToolSetting,
};

/// The longest tool name clients accept (OpenAI and Anthropic both cap names at 64).
pub const MAX_NAME: usize = 64;
/// The largest input or output schema a tool carries, serialised; a larger one is cut to
/// its types (descriptions and enums dropped) so that one operation cannot bloat a model's
/// context.
pub const MAX_SCHEMA_BYTES: usize = 8 * 1024;

/// What a tool runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// One operation, through the pipeline.
    Operation(OperationRef),
    /// An intent's steps with the arguments as its slots; its reply is the result.
    Intent(String),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Operation(r) => write!(f, "{r}"),
            Target::Intent(i) => write!(f, "intent {i}"),
        }
    }
}

/// One tool.
#[derive(Debug, Clone)]
pub struct ToolDef {
    /// The tool's name, unique in the catalog.
    pub name: String,
    /// What it runs.
    pub target: Target,
    /// What it does: the `tool.description`, the operation's or intent's description, or a
    /// summary.
    pub description: String,
    /// What it sends, for confirmation questions and messages: `POST /tickets`, or an
    /// intent's calls (`store.get_order, store.refund`).
    pub sends: String,
    /// JSON Schema of the arguments (an object, `additionalProperties: false`).
    pub input_schema: Value,
    /// JSON Schema of the structured result, when the tool has a known shape.
    pub output_schema: Option<Value>,
    /// Whether it only reads (GET and HEAD only).
    pub read_only: bool,
    /// Whether it may destroy data (DELETE, or a write not declared otherwise).
    pub destructive: bool,
    /// Whether calling it twice with the same arguments does no more than once.
    pub idempotent: bool,
    /// Whether a person must confirm the call first (every write unless `confirm: false`).
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

    /// The definition as OpenAI's function tools take it (Chat Completions and Responses), in
    /// strict mode where it can be.
    ///
    /// Strict mode takes a subset of JSON Schema: every object has `additionalProperties:
    /// false` and lists every property as required, so an optional input becomes nullable
    /// (`["string", "null"]`, `null` added to an `enum`); `default`, `minLength` and
    /// `maxLength` are not accepted and are dropped (the pipeline still enforces them). An
    /// `object` input has no declared properties, which strict mode cannot express: such a
    /// tool has `strict: false`.
    pub fn openai(&self) -> Value {
        let (parameters, strict) = strict_schema(&self.input_schema);
        json!({
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": parameters,
                "strict": strict,
            }
        })
    }

    /// The definition as MCP's `tools/list` carries it.
    pub fn mcp(&self) -> Value {
        let mut t = json!({
            "name": self.name,
            "title": self.target.to_string(),
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
        let default = project.tools.expose;
        let mut ops = Vec::new();
        for (cname, connector) in &project.connectors {
            if project.channels.values().any(|c| c.connector == *cname) {
                continue;
            }
            let default = connector.tools.unwrap_or(default);
            ops.extend(
                connector
                    .operations
                    .values()
                    .filter(|op| op.tool.expose.unwrap_or(default)),
            );
        }
        let intents: Vec<&Intent> = project
            .intents
            .values()
            .filter(|i| !i.steps.is_empty() && i.tool.expose.unwrap_or(default))
            .collect();
        // Names the file gives are kept; generated ones give way to them.
        let mut taken: HashSet<String> = ops
            .iter()
            .map(|op| &op.tool)
            .chain(intents.iter().map(|i| &i.tool))
            .filter_map(|t| t.name.clone())
            .collect();
        let mut name = |setting: &ToolSetting, generated: String| match &setting.name {
            Some(n) => n.clone(),
            None => unique_name(&generated, &mut taken),
        };
        let mut tools = Vec::new();
        for op in ops {
            let n = name(&op.tool, format!("{}_{}", op.connector, op.name));
            tools.push(operation_tool(n, op));
        }
        for intent in intents {
            let n = name(&intent.tool, intent.name.clone());
            tools.push(intent_tool(n, intent, project));
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

fn operation_tool(name: String, op: &Operation) -> ToolDef {
    let read_only = op.method.is_safe();
    let sends = match &op.mcp_tool {
        Some(tool) => format!("the tool {tool} of the MCP server {}", op.connector),
        None => format!("{} {}", op.method.as_str(), op.path.source),
    };
    let description = op
        .tool
        .description
        .clone()
        .or_else(|| op.description.clone())
        .unwrap_or_else(|| sends.clone());
    ToolDef {
        name,
        target: Target::Operation(op.reference()),
        description,
        sends,
        input_schema: capped(inputs_schema(
            op.inputs
                .iter()
                .map(|(n, i)| (n.as_str(), input_property(i), is_required(i))),
        )),
        output_schema: output_schema(op).map(capped),
        read_only,
        destructive: op.method == Method::Delete
            || (!read_only && op.tool.destructive.unwrap_or(true)),
        idempotent: op.method.is_idempotent(),
        confirm: op.tool.confirm.unwrap_or(!read_only),
    }
}

/// An intent as a tool: its slots are the arguments (a slot the bot would ask for is
/// required), its steps' operations decide the annotations.
fn intent_tool(name: String, intent: &Intent, project: &Project) -> ToolDef {
    let ops: Vec<&Operation> = intent
        .steps
        .values()
        .filter_map(|s| project.operation(&s.call))
        .collect();
    let read_only = ops.iter().all(|op| op.method.is_safe());
    let deletes = ops.iter().any(|op| op.method == Method::Delete);
    let mut seen = HashSet::new();
    let sends = intent
        .steps
        .values()
        .map(|s| s.call.to_string())
        .filter(|c| seen.insert(c.clone()))
        .collect::<Vec<_>>()
        .join(", ");
    let description = intent
        .tool
        .description
        .clone()
        .or_else(|| intent.description.clone())
        .unwrap_or_else(|| match intent.examples.first() {
            Some(e) => format!("Serves requests such as \"{e}\" (calls {sends})."),
            None => format!("Calls {sends}."),
        });
    let props = intent.slots.iter().map(|(n, slot)| {
        let mut p = match &slot.validation {
            Some(input) => input_property(input),
            None => json!({ "type": "string" }),
        };
        if p.get("description").is_none()
            && let Some(ask) = &slot.ask
        {
            p["description"] = json!(ask.source);
        }
        if let Some(d) = &slot.default {
            p["default"] = d.clone();
        }
        let required = slot.ask.is_some() && slot.default.is_none();
        (n.as_str(), p, required)
    });
    ToolDef {
        name,
        target: Target::Intent(intent.name.clone()),
        description,
        sends,
        input_schema: capped(inputs_schema(props)),
        output_schema: Some(json!({
            "type": "object",
            "properties": {
                "reply": { "type": "string", "description": "What the bot answers, worded by the project." },
                "steps": { "type": "object", "description": "Each step's extracted values, by step name." },
            },
            "required": ["reply", "steps"],
        })),
        read_only,
        destructive: deletes || (!read_only && intent.tool.destructive.unwrap_or(true)),
        idempotent: ops.iter().all(|op| op.method.is_idempotent()),
        confirm: intent.tool.confirm.unwrap_or(!read_only),
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

fn is_required(input: &Input) -> bool {
    input.required && input.default.is_none()
}

/// Named properties as a JSON Schema object.
fn inputs_schema<'a>(props: impl Iterator<Item = (&'a str, Value, bool)>) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (name, p, req) in props {
        properties.insert(name.to_string(), p);
        if req {
            required.push(Value::String(name.to_string()));
        }
    }
    json!({
        "type": "object",
        "properties": properties,
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
