//! The compiled project: every reference resolved, every template parsed, every secret loaded.
//!
//! The runtime only ever sees these types, never the raw file. Anything that can be checked
//! without sending a request has been checked by the time a `Project` exists.

mod auth;
mod channels;
mod connector;
mod inbound;
mod intent;
mod llm;
mod operation;
mod outcome;
mod platforms;
mod policy;
mod pollers;
mod state;
mod telemetry;
mod tools;
mod value_template;
mod webhooks;

pub use auth::{
    ApiKeyLocation, Auth, AuthorizationCode, ClientAuth, ClientCredentials, HmacAlgorithm,
    HmacEncoding, HmacSigning, JwtAlgorithm, JwtMinting, SignedPart,
};
pub use channels::{Channel, ChannelIdentity, ChannelKind, WhatsappTemplate};
pub use connector::Connector;
pub use inbound::{
    ConnectionLimits, InboundKey, InboundLimit, InboundLimits, InboundSettings, JwksSource,
    JwtVerification, Scope, StreamLimits,
};
pub use intent::{
    BUILTIN_ENTITIES, BotSettings, DEFAULT_CONVERSATION_RETENTION, Entity, EntityKind, Intent,
    LATER_BUILTINS, LookupValue, OnError, Reply, ReplyVariant, Slot, Step, StorageSettings,
    same_language,
};
pub use llm::{CHAT_OPERATION, LlmLimits, LlmPrices, LlmSettings, UnderstandWhen};
pub use operation::{
    BodyFormat, Extract, Input, InputError, InputType, Method, Operation, OperationRef, PathPart,
    PathTemplate, ResponseSpec,
};
pub use outcome::OutcomeKind;
pub use platforms::{DialogflowSettings, InboundAuth, RasaAction, RasaSettings, SlotFromResult};
pub use policy::{
    AlertPolicy, BreakerPolicy, BreakerScope, CachePolicy, CacheScope, ConnectorPolicy,
    OperationPolicy, RateLimitPolicy, RetryPolicy,
};
pub use pollers::Poller;
pub use state::{DEFAULT_STATE_PREFIX, DEFAULT_STATE_TIMEOUT, DownMode, StateSettings, WhenDown};
pub use telemetry::{
    AuditSettings, ConnectorTelemetry, DEFAULT_AUDIT_RETENTION, HealthCheck, LogFormat, Objectives,
    RedactSettings, TelemetrySettings,
};
pub use tools::{ToolSetting, ToolsSettings, is_tool_name};
pub use value_template::{Expression, Template, ValueTemplate};
pub use webhooks::{FieldRef, HmacSpec, SignatureEncoding, Verify, WebhookRoute, WebhookSource};

use indexmap::IndexMap;
use std::path::PathBuf;

/// A validated project, ready to run.
#[derive(Debug, Clone)]
pub struct Project {
    /// The main project file, as given.
    pub path: PathBuf,
    /// External APIs, in file order.
    pub connectors: IndexMap<String, Connector>,
    /// Entity definitions, in file order (built-ins are not listed here).
    pub entities: IndexMap<String, Entity>,
    /// Intents, in file order.
    pub intents: IndexMap<String, Intent>,
    /// Bot-wide settings: fallback and help replies, deadlines, thresholds.
    pub bot: BotSettings,
    /// Where conversations are kept.
    pub storage: StorageSettings,
    /// How long a conversation is kept after its last update (`storage.conversation_retention`).
    pub conversation_retention: std::time::Duration,
    /// The Rasa custom action server, when configured.
    pub rasa: Option<RasaSettings>,
    /// Dialogflow fulfillment webhooks, when configured.
    pub dialogflow: Option<DialogflowSettings>,
    /// Inbound auth and limits for the chat, conversation and admin routes.
    pub inbound: InboundSettings,
    /// Webhook sources by name, in file order.
    pub webhooks: IndexMap<String, WebhookSource>,
    /// Pollers by name, in file order.
    pub pollers: IndexMap<String, Poller>,
    /// Messaging channels by name, in file order (their built-in connectors are in
    /// `connectors`, named `channel_<name>`).
    pub channels: IndexMap<String, Channel>,
    /// Audit, redaction, health checks and objectives.
    pub telemetry: TelemetrySettings,
    /// What the tool gateway offers by default.
    pub tools: ToolsSettings,
    /// The language model in the chat turn, if any.
    pub llm: Option<LlmSettings>,
    /// Shared state across instances (Redis), if any.
    pub state: Option<StateSettings>,
    /// Every value a `${env:NAME}` or `${file:PATH}` reference resolved to (credentials of
    /// every auth scheme, webhook and platform secrets, keys, URLs with passwords), so logs
    /// and audit rows can redact them as literal text wherever an upstream echoes them.
    pub secrets: Vec<crate::secret::Secret>,
}

impl Project {
    /// Finds an operation by its `connector.operation` reference.
    pub fn operation(&self, r: &OperationRef) -> Option<&Operation> {
        self.connectors
            .get(&r.connector)?
            .operations
            .get(&r.operation)
    }

    /// Total number of operations over all connectors.
    pub fn operation_count(&self) -> usize {
        self.connectors.values().map(|c| c.operations.len()).sum()
    }
}
