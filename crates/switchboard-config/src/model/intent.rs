//! Intents, their slots, steps and replies; entities; and bot-wide settings.

use super::{Expression, Input, OperationRef, OutcomeKind, Template, ValueTemplate};
use crate::diagnostic::Span;
use crate::secret::Secret;
use indexmap::IndexMap;
use std::time::Duration;

/// What a user wants, and how the bot serves it.
#[derive(Debug, Clone)]
pub struct Intent {
    /// The intent's name.
    pub name: String,
    /// What the intent is for (shown by `help` and used for LLM tools).
    pub description: Option<String>,
    /// Example utterances the classifier trains on, every language's, in file order.
    pub examples: Vec<String>,
    /// The language of each of `examples` when they were given by language.
    pub example_languages: Vec<Option<String>>,
    /// Values the intent needs, in the order they are asked for.
    pub slots: IndexMap<String, Slot>,
    /// Operation calls, in file order.
    pub steps: IndexMap<String, Step>,
    /// Steps grouped by depth in the step graph: every step in a level depends only on steps in
    /// earlier levels, so a level's steps can run concurrently. Computed and checked for cycles
    /// at load time.
    pub levels: Vec<Vec<String>>,
    /// A question to confirm before running (required when a step writes).
    pub confirm: Option<Template>,
    /// The reply when all steps succeeded (or were optional).
    pub reply: Reply,
    /// Replies by outcome when a required step failed.
    pub on_error: OnError,
    /// How LLM agents get it as a tool, as written.
    pub tool: super::ToolSetting,
    /// Whether the model words the reply (`llm_reply`); `None` follows the `llm` section.
    pub llm_reply: Option<bool>,
    /// Where the intent was declared.
    pub span: Span,
}

/// A value an intent needs before its steps run.
#[derive(Debug, Clone)]
pub struct Slot {
    /// The entity that fills it from a message (a declared entity or a built-in).
    pub entity: Option<String>,
    /// The question asked when the slot is missing. A slot without `ask` is optional.
    pub ask: Option<Template>,
    /// Used when nothing fills the slot.
    pub default: Option<serde_json::Value>,
    /// Whether the value carries over to later intents in the same conversation.
    pub carry_over: bool,
    /// The operation input this slot feeds (through a step's `with: { x: "{{ slots.NAME }}" }`):
    /// a value is validated against it before it is accepted.
    pub validation: Option<Input>,
    /// Where the slot was declared.
    pub span: Span,
}

impl Slot {
    /// A slot is required when the bot has a question to ask for it and no default.
    pub fn is_required(&self) -> bool {
        self.ask.is_some() && self.default.is_none()
    }
}

/// An operation call inside an intent.
#[derive(Debug, Clone)]
pub struct Step {
    /// The step's name.
    pub name: String,
    /// The operation called.
    pub call: OperationRef,
    /// Arguments for the operation's inputs.
    pub with: IndexMap<String, ValueTemplate>,
    /// The step runs only when this is true.
    pub when: Option<Expression>,
    /// A failing optional step leaves null and the reply goes on.
    pub optional: bool,
    /// Steps this one reads (`steps.X` in `with` or `when`).
    pub depends_on: Vec<String>,
    /// Replies by outcome for this step, tried before the intent's.
    pub on_error: OnError,
    /// Where the step was declared.
    pub span: Span,
}

/// A reply: variants tried in order; the first whose `when` holds (or that has none) is used.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    /// The variants.
    pub variants: Vec<ReplyVariant>,
    /// In `on_error`: run this intent instead and use its reply (checked to exist at load).
    pub escalate: Option<String>,
}

/// One reply variant.
#[derive(Debug, Clone)]
pub struct ReplyVariant {
    /// Condition over slots and step results.
    pub when: Option<Expression>,
    /// The language the user must be writing in (a tag, or its first part).
    pub language: Option<String>,
    /// The reply text.
    pub text: Template,
}

/// Whether a reply variant's `language` covers a detected language: the same tag, or its
/// first part (`ar` covers `ar-AE`).
pub fn same_language(detected: &str, wanted: &str) -> bool {
    detected == wanted
        || detected
            .strip_prefix(wanted)
            .is_some_and(|rest| rest.starts_with('-'))
}

/// Replies chosen by the outcome of the step that failed.
#[derive(Debug, Clone, Default)]
pub struct OnError {
    /// Replies for specific outcomes.
    pub by_outcome: IndexMap<OutcomeKind, Reply>,
    /// The reply for any other failure.
    pub default: Option<Reply>,
}

impl OnError {
    /// The reply for an outcome, if this block has one.
    pub fn for_outcome(&self, outcome: OutcomeKind) -> Option<&Reply> {
        self.by_outcome.get(&outcome).or(self.default.as_ref())
    }
}

/// A typed value found in a message.
#[derive(Debug, Clone)]
pub struct Entity {
    /// The entity's name.
    pub name: String,
    /// How it is found.
    pub kind: EntityKind,
    /// Where it was declared.
    pub span: Span,
}

/// How an entity is found in text.
#[derive(Debug, Clone)]
pub enum EntityKind {
    /// A regular expression; the first capture group (or the whole match) is the value,
    /// in `upper` case (`Some(true)`), lower or as typed, without the `strip` characters.
    Pattern {
        regex: String,
        upper: Option<bool>,
        strip: String,
    },
    /// A list of values with synonyms.
    Lookup(Vec<LookupValue>),
    /// A built-in: one of [`BUILTIN_ENTITIES`].
    Builtin(String),
}

/// One value of a lookup entity.
#[derive(Debug, Clone)]
pub struct LookupValue {
    /// The canonical value.
    pub value: String,
    /// Other ways users write it.
    pub synonyms: Vec<String>,
}

/// Names of the built-in entities, usable in slots without being declared.
pub const BUILTIN_ENTITIES: [&str; 7] = [
    "number",
    "amount",
    "date",
    "date_range",
    "time",
    "email",
    "phone",
];

/// Built-ins added after projects could already declare entities of these names: a project's
/// own entity of such a name stays valid and takes the built-in's place.
pub const LATER_BUILTINS: [&str; 2] = ["date_range", "time"];

/// Bot-wide settings.
#[derive(Debug, Clone)]
pub struct BotSettings {
    /// The bot's name (the web chat page's title).
    pub name: String,
    /// The web chat page's first message; `None`: a generic hello with example prompts.
    pub greeting: Option<String>,
    /// Said when no intent is confident enough.
    pub fallback: Template,
    /// Said for the built-in `help`; when absent, help lists the intents' descriptions.
    pub help: Option<Template>,
    /// Every turn answers within this time.
    pub turn_deadline: Duration,
    /// Minimum classifier confidence to accept an intent; below it the fallback is used. `None`
    /// uses the classifier's calibrated default.
    pub confidence_threshold: Option<f32>,
    /// Messages the bot should not take, for the classifier to learn from.
    pub out_of_scope: Vec<String>,
    /// Whether built-in small talk is understood.
    pub small_talk: bool,
    /// How many times a slot question is asked again after bad answers before giving up.
    pub max_ask_attempts: u32,
    /// How many messages of history a conversation keeps.
    pub history_limit: usize,
    /// Where users reach this server, for connect links (no trailing `/`).
    pub public_url: String,
    /// The 32-byte key that encrypts connected accounts' tokens and signs OAuth states.
    pub accounts_key: Option<Secret>,
}

/// Default conversation retention: 90 days without an update.
pub const DEFAULT_CONVERSATION_RETENTION: std::time::Duration =
    std::time::Duration::from_secs(90 * 24 * 3600);

/// Where conversations are stored.
#[derive(Debug, Clone)]
pub enum StorageSettings {
    /// A SQLite file under the data directory (the default).
    Sqlite {
        /// The file; relative paths are under `--data-dir`.
        path: String,
    },
    /// PostgreSQL, for several instances behind a load balancer.
    Postgres {
        /// A `postgres://` URL (may come from `${env:...}`).
        url: crate::secret::Secret,
    },
}
