//! The `llm` section: a language model in the chat turn, reached through a `type: llm`
//! connector like any upstream.

use super::common::{RawDuration, Spanned, TemplateDoc};
use schemars::JsonSchema;
use serde::Deserialize;

/// A language model in the chat turn: which connector reaches it, which model, and what it
/// does. The model speaks the OpenAI-compatible chat-completions API (OpenAI, Azure OpenAI,
/// vLLM, Ollama, LM Studio, OpenRouter and most gateways do); every call goes through the
/// pipeline of its connector (auth, timeouts within the turn deadline, retries, breaker, rate
/// limit, metrics, audit, SSRF rules).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Llm")]
pub struct RawLlm {
    /// The connector that reaches the model: one with `type: llm`. Required.
    pub connector: Spanned<String>,
    /// The model's name as the provider knows it (`gpt-4o-mini`, `llama3.1:8b`). Required.
    pub model: Spanned<String>,
    /// What the model does: `understand` (it classifies a message into the project's intents
    /// and fills their slots; dialogue, confirmation and steps stay declarative), `agent` (it
    /// gets the project's tools and runs a bounded tool loop; writes wait for the user's yes),
    /// `reply` (it words the reply from the steps' data; the intent's template is the
    /// fallback). `understand` and `agent` exclude each other. Default: `[understand]`.
    #[serde(default)]
    pub modes: Vec<Spanned<RawLlmMode>>,
    /// When `understand` asks the model: `unsure` (only when the built-in classifier is not
    /// confident enough) or `always`. Default: `unsure`.
    pub understand_when: Option<Spanned<RawUnderstandWhen>>,
    /// Sampling temperature, 0 to 2. Default: the provider's.
    pub temperature: Option<Spanned<f64>>,
    /// The system prompt, a template over `user`, `conversation` and `slots`. The modes add
    /// their own instructions after it. Default: a prompt naming the bot (`bot.name`).
    #[schemars(with = "Option<TemplateDoc>")]
    pub system: Option<Spanned<String>>,
    /// Whether replies the model words stream to clients as they are generated (`POST
    /// /v1/chat` with `"stream": true`, the OpenAI-compatible surface, the web page).
    /// Default: `true`.
    pub stream: Option<Spanned<bool>>,
    /// How long `reply` waits for the model before the template's reply is said instead.
    /// Default: `3s`.
    pub reply_timeout: Option<Spanned<RawDuration>>,
    /// Limits on what one turn and one user may spend.
    pub limits: Option<Spanned<RawLlmLimits>>,
    /// Prices per million tokens, to count the cost of each turn. Default: none (no cost
    /// figures).
    pub prices: Option<Spanned<RawLlmPrices>>,
}

/// What the model does in the turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "LlmMode")]
pub enum RawLlmMode {
    /// Classify the message and fill slots.
    Understand,
    /// Call the project's tools in a bounded loop.
    Agent,
    /// Word the reply from the steps' data.
    Reply,
}

/// When `understand` asks the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "UnderstandWhen")]
pub enum RawUnderstandWhen {
    /// When the classifier's best intent is below the confidence threshold.
    Unsure,
    /// On every new message.
    Always,
}

/// What a turn and a user may spend.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "LlmLimits")]
pub struct RawLlmLimits {
    /// Model calls that ask for tools in one `agent` turn; a turn that needs more gets the
    /// fallback reply. Default: `4`.
    pub tool_rounds: Option<Spanned<u32>>,
    /// Longest answer asked of the model in one call (`max_completion_tokens`). Default:
    /// `512`.
    pub max_tokens: Option<Spanned<u32>>,
    /// Tokens (in and out) one turn may use; the model is not asked again past it.
    /// Default: `8000`.
    pub tokens_per_turn: Option<Spanned<u32>>,
    /// Tokens (in and out) one user may use per UTC day, counted by this instance; past
    /// it the turn goes on without the model. Default: no limit.
    pub tokens_per_user_per_day: Option<Spanned<u64>>,
}

/// Prices per million tokens, in any currency (figures carry no unit).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "LlmPrices")]
pub struct RawLlmPrices {
    /// Price of a million prompt tokens. Required.
    pub input: Spanned<f64>,
    /// Price of a million completion tokens. Required.
    pub output: Spanned<f64>,
}
