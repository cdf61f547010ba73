//! The bot platforms that call Switchboard to fulfil their intents: Rasa (custom actions) and
//! Dialogflow (ES and CX fulfillment webhooks).

use crate::secret::Secret;
use indexmap::IndexMap;
use std::time::Duration;

/// The Rasa custom action server.
#[derive(Debug, Clone)]
pub struct RasaSettings {
    /// The path Rasa posts actions to, starting with `/`.
    pub path: String,
    /// Actions by Rasa name, in file order.
    pub actions: IndexMap<String, RasaAction>,
    /// How Rasa authenticates, if it must.
    pub auth: Option<InboundAuth>,
    /// Whether `sender_id` may use per-user credentials (connected accounts, minted JWTs).
    pub trust_user_ids: bool,
    /// Time allowed for one action, all upstream calls included.
    pub deadline: Duration,
}

/// What one Rasa action does.
#[derive(Debug, Clone)]
pub struct RasaAction {
    /// The intent it runs (or whose slots it validates).
    pub intent: String,
    /// Whether it is a form validation action (`validate_<form>`): slots are checked, steps
    /// are not run.
    pub validate: bool,
    /// Extra Rasa slots set from step results, in file order.
    pub set_slots: Vec<SlotFromResult>,
}

/// A Rasa slot set from a field of a step's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotFromResult {
    /// The Rasa slot.
    pub slot: String,
    /// The step.
    pub step: String,
    /// The field of the step's result.
    pub field: String,
}

/// Dialogflow ES and CX fulfillment.
#[derive(Debug, Clone)]
pub struct DialogflowSettings {
    /// The ES webhook path, starting with `/`.
    pub es_path: String,
    /// The CX webhook path, starting with `/`.
    pub cx_path: String,
    /// ES intent display names → intents (names of the project's intents map to themselves
    /// without an entry).
    pub intents: IndexMap<String, String>,
    /// CX tags → intents (same rule).
    pub tags: IndexMap<String, String>,
    /// How Dialogflow authenticates, if it must.
    pub auth: Option<InboundAuth>,
    /// Whether the session may use per-user credentials (connected accounts, minted JWTs).
    pub trust_user_ids: bool,
    /// Time allowed for one webhook call, all upstream calls included.
    pub deadline: Duration,
}

/// What a calling platform must send to be let in.
#[derive(Debug, Clone)]
pub enum InboundAuth {
    /// HTTP basic authentication.
    Basic {
        /// The user name.
        username: Secret,
        /// The password.
        password: Secret,
    },
    /// A header carrying a shared secret.
    Header {
        /// The header name, lower-cased.
        name: String,
        /// The secret.
        value: Secret,
    },
}
