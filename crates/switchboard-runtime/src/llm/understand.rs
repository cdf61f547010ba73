//! `understand` mode's contract with the model: a JSON Schema (structured output, strict)
//! built from the project's intents and their slots, and the answer read back. The model
//! picks one intent or `none` (out of scope) and gives a value or null for every slot; the
//! dialogue then treats its choice like the classifier's, so slots are validated, questions
//! asked and writes confirmed as the project file says.

use serde_json::{Map, Value, json};
use switchboard_config::Project;
use switchboard_config::model::InputType;

/// What the model understood.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelChoice {
    /// The intent, `None` when the message is out of scope.
    pub intent: Option<String>,
    /// Slot values it found (nulls left out).
    pub slots: Map<String, Value>,
}

/// The schema's name, as the request carries it.
pub const SCHEMA_NAME: &str = "understanding";

/// The answer's JSON Schema: `{"intent": one of the intents or "none", "slots": {every slot
/// of every intent: its type or null}}`, every key required as strict mode wants.
pub fn schema(project: &Project) -> Value {
    let mut intents: Vec<Value> = project
        .intents
        .keys()
        .map(|n| Value::String(n.clone()))
        .collect();
    intents.push(json!("none"));
    let mut props = Map::new();
    for intent in project.intents.values() {
        for (name, slot) in &intent.slots {
            if props.contains_key(name) {
                continue;
            }
            let ty = match slot.validation.as_ref().map(|v| v.ty) {
                Some(InputType::Integer) => "integer",
                Some(InputType::Number) => "number",
                Some(InputType::Boolean) => "boolean",
                _ => "string",
            };
            let mut p = json!({ "type": [ty, "null"] });
            if let Some(allowed) = slot.validation.as_ref().and_then(|v| v.allowed.clone()) {
                let mut allowed = allowed;
                allowed.push(Value::Null);
                p["enum"] = Value::Array(allowed);
            }
            let what = slot
                .validation
                .as_ref()
                .and_then(|v| v.description.clone())
                .unwrap_or_else(|| name.replace('_', " "));
            let users: Vec<&str> = project
                .intents
                .values()
                .filter(|i| i.slots.contains_key(name))
                .map(|i| i.name.as_str())
                .collect();
            p["description"] = json!(format!("{what} (for {})", users.join(", ")));
            props.insert(name.clone(), p);
        }
    }
    let required: Vec<Value> = props.keys().map(|k| json!(k)).collect();
    json!({
        "type": "object",
        "properties": {
            "intent": { "type": "string", "enum": intents },
            "slots": {
                "type": "object",
                "properties": props,
                "required": required,
                "additionalProperties": false,
            },
        },
        "required": ["intent", "slots"],
        "additionalProperties": false,
    })
}

/// The instructions that go with the schema: each intent with what it is for.
pub fn instructions(project: &Project) -> String {
    let mut s = String::from(
        "Classify the user's last message into one of these intents, or \"none\" when it asks for something else. Fill a slot only with a value the user gave (in the conversation); otherwise null. Answer with JSON only.\nIntents:\n",
    );
    for i in project.intents.values() {
        let about = i
            .description
            .clone()
            .or_else(|| i.examples.first().map(|e| format!("e.g. \"{e}\"")))
            .unwrap_or_default();
        s.push_str(&format!("- {}: {about}\n", i.name));
    }
    s
}

/// The messages of an understanding request: the system prompt with the instructions, the
/// conversation so far (`history`, as chat messages), the message.
pub fn messages(project: &Project, system: &str, history: Vec<Value>, text: &str) -> Vec<Value> {
    let mut messages = vec![json!({
        "role": "system",
        "content": format!("{system}\n\n{}", instructions(project)),
    })];
    messages.extend(history);
    messages.push(json!({ "role": "user", "content": text }));
    messages
}

/// The system prompt when the project gives none: one naming the bot.
pub fn default_system(project: &Project) -> String {
    format!(
        "You are {}, the assistant of this service. Be accurate, brief and polite.",
        project.bot.name
    )
}

/// Reads the model's answer; `None` when it does not follow the schema.
pub fn read(content: &str, project: &Project) -> Option<ModelChoice> {
    let v: Value = serde_json::from_str(content.trim()).ok()?;
    let intent = v.get("intent")?.as_str()?;
    let intent = match intent {
        "none" => None,
        name if project.intents.contains_key(name) => Some(name.to_string()),
        _ => return None,
    };
    let slots = v
        .get("slots")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    Some(ModelChoice { intent, slots })
}
