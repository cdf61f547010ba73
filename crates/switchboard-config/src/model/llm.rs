//! A language model in the chat turn (the `llm` section), resolved: the connector that reaches
//! it, the modes, and the limits with their defaults.

use super::Template;
use crate::diagnostic::Span;
use std::time::Duration;

/// The `llm` section.
#[derive(Debug, Clone)]
pub struct LlmSettings {
    /// The `type: llm` connector that reaches the model; its operation is [`CHAT_OPERATION`].
    pub connector: String,
    /// The model's name as the provider knows it.
    pub model: String,
    /// When the model classifies messages, if it does.
    pub understand: Option<UnderstandWhen>,
    /// Whether the model runs the turn with the project's tools.
    pub agent: bool,
    /// Whether the model words replies, unless an intent says otherwise.
    pub reply: bool,
    /// Sampling temperature.
    pub temperature: Option<f64>,
    /// The operator's system prompt (a bot-scope template).
    pub system: Option<Template>,
    /// Whether worded replies stream to clients.
    pub stream: bool,
    /// How long wording waits before the template answers instead.
    pub reply_timeout: Duration,
    /// Spending limits.
    pub limits: LlmLimits,
    /// Prices per million tokens, when configured.
    pub prices: Option<LlmPrices>,
    /// Where the section is.
    pub span: Span,
}

/// When `understand` asks the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnderstandWhen {
    /// When the classifier is not confident.
    Unsure,
    /// On every new message.
    Always,
}

/// What a turn and a user may spend.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmLimits {
    /// Model calls that ask for tools in one agent turn.
    pub tool_rounds: u32,
    /// Longest answer asked of one call.
    pub max_tokens: u32,
    /// Tokens one turn may use.
    pub tokens_per_turn: u32,
    /// Tokens one user may use per UTC day.
    pub tokens_per_user_per_day: Option<u64>,
}

impl Default for LlmLimits {
    fn default() -> Self {
        LlmLimits {
            tool_rounds: 4,
            max_tokens: 512,
            tokens_per_turn: 8_000,
            tokens_per_user_per_day: None,
        }
    }
}

/// Prices per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LlmPrices {
    /// Per million prompt tokens.
    pub input: f64,
    /// Per million completion tokens.
    pub output: f64,
}

/// The built-in operation of a `type: llm` connector.
pub const CHAT_OPERATION: &str = "chat";
