//! The action server's wire format, as rasa-sdk reads and writes it (`rasa_sdk/endpoint.py`,
//! `executor.py`, `events.py`). Unknown fields are ignored: Rasa sends far more than an
//! action needs, and more with every release.

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::borrow::Cow;

/// `POST /webhook`: one action to run, borrowed from the request body. Only what an action
/// reads is kept: the domain, the intent ranking and all but two fields of each event are
/// skipped without building a `Value` tree (a long conversation's tracker is most of the body).
#[derive(Debug, Deserialize)]
pub struct ActionCall<'a> {
    /// The action to run.
    #[serde(borrow)]
    pub next_action: Cow<'a, str>,
    /// The conversation's id.
    #[serde(default, borrow)]
    pub sender_id: Option<Cow<'a, str>>,
    /// The conversation so far.
    #[serde(default, borrow)]
    pub tracker: Tracker<'a>,
    /// The assistant's domain (absent when Rasa sends only its digest). Not needed here.
    #[serde(default)]
    pub domain: Option<IgnoredAny>,
    /// Rasa's version.
    #[serde(default, borrow)]
    pub version: Option<Cow<'a, str>>,
}

/// The conversation state Rasa sends.
#[derive(Debug, Default, Deserialize)]
pub struct Tracker<'a> {
    /// The conversation's id (the same as `sender_id`).
    #[serde(default, borrow)]
    pub sender_id: Option<Cow<'a, str>>,
    /// Slot values by name (null for unset).
    #[serde(default)]
    pub slots: Map<String, Value>,
    /// The last user message, as Rasa understood it.
    #[serde(default)]
    pub latest_message: LatestMessage,
    /// Every event of the conversation, oldest first: only its kind and name.
    #[serde(default, borrow)]
    pub events: Vec<Event<'a>>,
}

/// One tracker event, as far as an action reads it.
#[derive(Debug, Default, Deserialize)]
pub struct Event<'a> {
    /// `user`, `bot`, `slot`, `action`...
    #[serde(default, borrow)]
    pub event: Option<Cow<'a, str>>,
    /// The slot's name, for a `slot` event.
    #[serde(default, borrow)]
    pub name: Option<Cow<'a, str>>,
}

/// The last user message.
#[derive(Debug, Default, Deserialize)]
pub struct LatestMessage {
    /// The predicted intent (`{"name", "confidence"}`). Not needed here: the action names
    /// the intent to run.
    #[serde(default)]
    pub intent: Option<IgnoredAny>,
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

impl Tracker<'_> {
    /// Names of the slots set since the user last spoke: what a form validation action
    /// checks (rasa-sdk's `Tracker.slots_to_validate`).
    pub fn slots_set_this_turn(&self) -> Vec<String> {
        let start = self
            .events
            .iter()
            .rposition(|e| e.event.as_deref() == Some("user"))
            .map_or(0, |i| i + 1);
        let mut names: Vec<String> = Vec::new();
        for e in &self.events[start..] {
            if e.event.as_deref() == Some("slot")
                && let Some(name) = e.name.as_deref()
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
