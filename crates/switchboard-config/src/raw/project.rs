//! The top level of a project file, and the `bot` and `storage` sections.

use super::common::{RawDuration, SecretDoc, Spanned, TemplateDoc};
use super::{
    RawChannel, RawConnector, RawDialogflow, RawEntity, RawInbound, RawIntent, RawLlm, RawPoller,
    RawRasa, RawState, RawTelemetry, RawTools, RawWebhookSource,
};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

/// The keys a main project file may have, in the order the reference lists them.
pub const TOP_KEYS: &[&str] = &[
    "bot",
    "storage",
    "state",
    "include",
    "connectors",
    "entities",
    "intents",
    "rasa",
    "dialogflow",
    "inbound",
    "webhooks",
    "pollers",
    "channels",
    "tools",
    "llm",
    "telemetry",
];

/// The keys an included file may have.
pub const INCLUDED_KEYS: &[&str] = &["include", "connectors", "entities", "intents"];

/// A Switchboard project file (`switchboard.yaml`): the APIs a bot may call, what users ask
/// for, and how the bot answers. Included files hold the same sections except `bot` and
/// `storage`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Project")]
pub struct RawProject {
    /// Bot-wide settings: fallback and help replies, the turn deadline, thresholds.
    /// Main file only.
    pub bot: Option<Spanned<RawBot>>,
    /// Where conversations are stored. Main file only. Default: a SQLite file `switchboard.db`.
    pub storage: Option<Spanned<RawStorage>>,
    /// Shared state for several instances (Redis): rate limits, cache, turn lock. Main file
    /// only. Default: none (in process, for one instance).
    pub state: Option<Spanned<RawState>>,
    /// Other files to read connectors, entities and intents from: paths or glob patterns
    /// (`intents/*.yaml`), relative to the file that includes them. A pattern that matches
    /// nothing is an error.
    #[serde(default)]
    pub include: Vec<Spanned<String>>,
    /// External APIs, by name.
    #[serde(default)]
    pub connectors: IndexMap<Spanned<String>, RawConnector>,
    /// Typed values found in messages, by name.
    #[serde(default)]
    pub entities: IndexMap<Spanned<String>, RawEntity>,
    /// What users ask for, by name.
    #[serde(default)]
    pub intents: IndexMap<Spanned<String>, RawIntent>,
    /// Serve as a Rasa custom action server. Main file only. Default: off.
    pub rasa: Option<Spanned<RawRasa>>,
    /// Serve Dialogflow ES and CX fulfillment webhooks. Main file only. Default: off.
    pub dialogflow: Option<Spanned<RawDialogflow>>,
    /// Who may call the chat, conversation and admin routes, and how often. Main file only.
    /// Default: no inbound auth and no limits (fine on loopback; `serve` refuses to listen
    /// elsewhere without it unless told `--insecure-no-auth`).
    pub inbound: Option<Spanned<RawInbound>>,
    /// Sources of pushed events (`POST /v1/webhooks/{source}`), by name: verification,
    /// storage, and routes from event types to proactive messages. Main file only. Default:
    /// none.
    #[serde(default)]
    pub webhooks: IndexMap<Spanned<String>, RawWebhookSource>,
    /// Operations polled for changes, by name, for APIs without webhooks; changes are routed
    /// like webhook events. Main file only. Default: none.
    #[serde(default)]
    pub pollers: IndexMap<Spanned<String>, RawPoller>,
    /// Messaging channels (WhatsApp, Telegram, Slack, Twilio SMS), by name; each is received
    /// at `POST /v1/channels/{name}`. Main file only. Default: none.
    #[serde(default)]
    pub channels: IndexMap<Spanned<String>, Spanned<RawChannel>>,
    /// What the tool gateway offers LLM agents (`/mcp`, `/v1/tools`): by default every
    /// operation and every intent with steps. Main file only.
    pub tools: Option<Spanned<RawTools>>,
    /// A language model in the chat turn: understanding, an agent's tool loop, or wording
    /// replies, through a `type: llm` connector. Main file only. Default: none (the built-in
    /// classifier and the templates alone).
    pub llm: Option<Spanned<RawLlm>>,
    /// Observability: the audit trail, redaction, health checks and objectives. Main file
    /// only. Default: audit on (30 days), built-in redaction, no health checks.
    pub telemetry: Option<Spanned<RawTelemetry>>,
}

/// Bot-wide settings.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Bot")]
pub struct RawBot {
    /// The bot's name, the title of the web chat page. Default: `Switchboard`.
    pub name: Option<Spanned<String>>,
    /// The web chat page's first message (plain text). Default: `Hello! How can I help?`
    /// followed by a few of the intents' first examples.
    pub greeting: Option<Spanned<String>>,
    /// Said when no intent is confident enough.
    /// Default: `Sorry, I didn't understand that. Could you say it another way?`
    #[schemars(with = "Option<TemplateDoc>")]
    pub fallback: Option<Spanned<String>>,
    /// Said for the built-in `help`. When absent, help lists the intents'
    /// descriptions.
    #[schemars(with = "Option<TemplateDoc>")]
    pub help: Option<Spanned<String>>,
    /// Every turn answers within this time; every timeout and retry respects it. Default: `5s`.
    pub turn_deadline: Option<Spanned<RawDuration>>,
    /// Minimum classifier confidence, from 0 to 1, to accept an intent; below it the fallback
    /// is said. Default: the classifier's calibrated threshold.
    pub confidence_threshold: Option<Spanned<f64>>,
    /// Messages the bot should not take, above all near misses of its intents ("book a
    /// flight to london" next to booking appointments, "order a pizza" next to orders): a
    /// list, or lists by language as in an intent's `examples`. The classifier learns to
    /// turn them away. Default: none.
    #[serde(default)]
    #[schemars(with = "super::intent::ExamplesDoc")]
    pub out_of_scope: super::intent::RawExamples,
    /// Whether the built-in small talk is understood: greetings, thanks and goodbyes in
    /// English, Hinglish and Arabic (`namaste`, `marhaba`, `shukriya`, `allah hafiz`). It
    /// teaches the project's intent for each (named `greet`, `thanks` or `goodbye`, or else
    /// the one whose examples already say such phrases), which replies as the project says,
    /// and answers by itself for those the project lacks. Default: `true`.
    pub small_talk: Option<Spanned<bool>>,
    /// How many times a slot question is asked again after answers that do not fit, before
    /// giving up. Default: `3`.
    pub max_ask_attempts: Option<Spanned<u32>>,
    /// How many messages of history a conversation keeps. Default: `50`.
    pub history_limit: Option<Spanned<u64>>,
    /// Where users reach this server, such as `https://bot.example.com`: the base of the
    /// links that connect an account (`{public_url}/v1/oauth/{connector}/start`) and of
    /// the default OAuth `redirect_url`. Default: `http://127.0.0.1:8080`.
    pub public_url: Option<Spanned<String>>,
    /// The key that encrypts connected accounts' tokens at rest (XChaCha20-Poly1305) and
    /// seals OAuth states: 32 random bytes, base64 or hex, as a reference such as
    /// `${env:SWITCHBOARD_ACCOUNTS_KEY}` (make one with `openssl rand -base64 32`).
    /// Required when a connector uses `oauth2_authorization_code`. Default: none.
    #[schemars(with = "Option<SecretDoc>")]
    pub accounts_key: Option<Spanned<String>>,
}

/// Where conversations are stored, chosen by `type`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[schemars(tag = "type", rename = "Storage")]
pub enum RawStorage {
    /// A SQLite file, for one machine (the default).
    Sqlite {
        /// The database file; relative paths are under the data directory.
        /// Default: `switchboard.db`.
        path: Option<Spanned<String>>,
        /// Conversations not updated for this long are deleted (checked hourly), with their
        /// history and slots; the user starts afresh. Default: `90d`.
        conversation_retention: Option<Spanned<RawDuration>>,
    },
    /// PostgreSQL, for several instances behind a load balancer.
    Postgres {
        /// A `postgres://` URL, normally `${env:DATABASE_URL}`; a URL written in the file must
        /// not hold a password. Required.
        #[schemars(with = "SecretDoc")]
        url: Spanned<String>,
        /// Conversations not updated for this long are deleted (checked hourly by every
        /// instance), with their history and slots; the user starts afresh. Default: `90d`.
        conversation_retention: Option<Spanned<RawDuration>>,
    },
}
