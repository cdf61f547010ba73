//! The action server's wire format, as rasa-sdk reads and writes it (`rasa_sdk/endpoint.py`,
//! `executor.py`, `events.py`). Unknown fields are ignored: Rasa sends far more than an
//! action needs, and more with every release.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// `POST /webhook`: one action to run.
#[derive(Debug, Clone, Deserialize)]
pub struct ActionCall {
    /// The action to run.
    pub next_action: String,
    /// The conversation's id.
    #[serde(default)]
    pub sender_id: Option<String>,
    /// The conversation so far.
    #[serde(default)]
    pub tracker: Tracker,
    /// The assistant's domain (absent when Rasa sends only its digest). Not needed here.
    #[serde(default)]
    pub domain: Option<Value>,
    /// Rasa's version.
    #[serde(default)]
    pub version: Option<String>,
}

/// The conversation state Rasa sends.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Tracker {
    /// The conversation's id (the same as `sender_id`).
    #[serde(default)]
    pub sender_id: Option<String>,
    /// Slot values by name (null for unset).
    #[serde(default)]
    pub slots: Map<String, Value>,
    /// The last user message, as Rasa understood it.
    #[serde(default)]
    pub latest_message: LatestMessage,
    /// Every event of the conversation, oldest first.
    #[serde(default)]
    pub events: Vec<Value>,
}

/// The last user message.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LatestMessage {
    /// What the user wrote.
    #[serde(default)]
    pub text: Option<String>,
    /// The predicted intent (`{"name", "confidence"}`).
    #[serde(default)]
    pub intent: Option<Value>,
    /// Entities found in the message.
    #[serde(default)]
    pub entities: Vec<EntityValue>,
}

/// One entity found by Rasa's NLU.
#[derive(Debug, Clone, Deserialize)]
pub struct EntityValue {
    /// The entity's name.
    pub entity: String,
    /// Its value.
    pub value: Value,
}

impl Tracker {
    /// Names of the slots set since the user last spoke: what a form validation action
    /// checks (rasa-sdk's `Tracker.slots_to_validate`).
    pub fn slots_set_this_turn(&self) -> Vec<String> {
        let start = self
            .events
            .iter()
            .rposition(|e| e.get("event").and_then(Value::as_str) == Some("user"))
            .map_or(0, |i| i + 1);
        let mut names = Vec::new();
        for e in &self.events[start..] {
            if e.get("event").and_then(Value::as_str) == Some("slot")
                && let Some(name) = e.get("name").and_then(Value::as_str)
                && !names.iter().any(|n| n == name)
            {
                names.push(name.to_string());
            }
        }
        names
    }
}

/// The answer to an action call.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ActionResult {
    /// Events for Rasa to apply to the tracker.
    pub events: Vec<Value>,
    /// Messages to send to the user.
    pub responses: Vec<Value>,
}

/// A `slot` event, as rasa-sdk's `SlotSet` serialises it.
pub fn slot_event(name: &str, value: Value) -> Value {
    json!({ "event": "slot", "timestamp": null, "name": name, "value": value })
}

/// A text message, with every key rasa-sdk's `CollectingDispatcher.utter_message` writes.
pub fn text_response(text: &str) -> Value {
    json!({
        "text": text,
        "buttons": [],
        "elements": [],
        "custom": {},
        "template": null,
        "response": null,
        "image": null,
        "attachment": null
    })
}

/// rasa-sdk's answer for an action it does not know (sent with 404).
pub fn action_not_found(name: &str) -> Value {
    json!({ "error": format!("No registered action found for name '{name}'."), "action_name": name })
}
