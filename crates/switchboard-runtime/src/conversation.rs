//! One user's conversation: slots, the pending question, the last intent and a bounded history.
//!
//! This is the whole state of a dialogue; it is loaded before a turn and saved after it, so a
//! conversation survives restarts and can move between instances.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;

/// A conversation's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// Unique id: a random UUID (v4), never derived from the user id, so it cannot be
    /// guessed. (Conversations saved by earlier versions may carry other ids.)
    pub id: String,
    /// The user the conversation belongs to, from its creation on; only this user (or a
    /// caller trusted to act for every user) reaches it.
    pub user_id: String,
    /// Whether this is the user's default conversation: the one a turn naming no conversation
    /// continues and proactive messages join. A user has at most one (the stores enforce it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
    /// Slot values, carried between intents.
    pub slots: Map<String, Value>,
    /// What the bot is waiting for, if anything.
    pub pending: Option<Pending>,
    /// The last intent that was recognised.
    pub last_intent: Option<String>,
    /// The language the user writes in, recognised per message among the project's example
    /// languages (a message that does not tell keeps it); picks reply variants by `language`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The most recent messages, oldest first, bounded by the project's `history_limit`.
    /// A message never changes once said, so entries are shared: copying a conversation (the
    /// store's memory hands out copies every turn) copies pointers, not up to 50 messages.
    /// Stored as rows of their own, one per message, not in the serialized state.
    #[serde(skip)]
    pub history: Vec<Arc<HistoryEntry>>,
    /// How many messages the conversation has had in all (`history` keeps the last ones):
    /// numbers them, so a save writes only the messages added since the load.
    #[serde(default)]
    pub messages: u64,
    /// `messages` as the store holds it: when loaded, or after the last save.
    #[serde(skip)]
    pub(crate) stored_messages: u64,
    /// When the conversation started.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Incremented on every save; a store refuses a save whose version is stale, so two
    /// instances cannot silently overwrite each other's turns.
    pub version: u64,
}

/// What the next message is expected to answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Pending {
    /// A slot's question was asked.
    Slot {
        /// The intent being served.
        intent: String,
        /// The slot asked for.
        slot: String,
        /// How many answers were refused so far.
        attempts: u32,
    },
    /// A write is waiting for yes or no.
    Confirm {
        /// The intent being served.
        intent: String,
    },
    /// A tool call the model proposed in agent mode is waiting for the user's yes or no:
    /// only a yes in the conversation runs it, with exactly these arguments.
    Tool {
        /// The tool.
        tool: String,
        /// Its arguments.
        arguments: Map<String, Value>,
        /// The model's id for the call, answered with the result.
        call_id: String,
        /// The agent's messages up to the proposal, to continue from.
        transcript: Vec<Value>,
    },
}

/// One message in a conversation's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Who spoke.
    pub role: Role,
    /// What was said.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The intent recognised (user messages) or served (bot messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    /// A proactive message's id (`SOURCE:EVENT_ID`), so a redelivered event is not added twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Who spoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The user.
    User,
    /// The bot, in reply to a message.
    Bot,
    /// The bot, unprompted (a webhook's proactive message).
    Proactive,
}

impl Conversation {
    /// A new, empty conversation.
    pub fn new(id: String, user_id: String) -> Conversation {
        let now = Utc::now();
        Conversation {
            id,
            user_id,
            default: false,
            slots: Map::new(),
            pending: None,
            last_intent: None,
            language: None,
            history: Vec::new(),
            messages: 0,
            stored_messages: 0,
            created_at: now,
            updated_at: now,
            version: 0,
        }
    }

    /// A new, empty conversation with a fresh random id.
    pub fn start(user_id: String) -> Conversation {
        Conversation::new(uuid::Uuid::new_v4().to_string(), user_id)
    }

    /// Appends a message, dropping the oldest beyond `limit`.
    pub fn push_history(&mut self, entry: HistoryEntry, limit: usize) {
        self.history.push(Arc::new(entry));
        self.messages += 1;
        if self.history.len() > limit {
            let excess = self.history.len() - limit;
            self.history.drain(..excess);
        }
    }
}
