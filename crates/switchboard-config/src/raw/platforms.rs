//! The `rasa` and `dialogflow` sections: other bot platforms that call Switchboard to fulfil
//! their intents, and how Switchboard recognises them.

use super::common::{RawDuration, SecretDoc, Spanned};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

/// Serve as a Rasa custom action server: Rasa's `action_endpoint` points here, and each mapped
/// action runs one of the project's intents with the tracker's slots. Main file only.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Rasa")]
pub struct RawRasa {
    /// The path Rasa posts actions to (the path of `action_endpoint.url`). `GET /health` and
    /// `GET /actions` are served beside it, as rasa-sdk does. Default: `/webhook`.
    pub path: Option<Spanned<String>>,
    /// Rasa action names → what each runs. An action named `validate_<form>` validates the
    /// form's slots against the intent's slot rules instead of running its steps.
    #[serde(default)]
    pub actions: IndexMap<Spanned<String>, RawRasaAction>,
    /// How Rasa proves it is Rasa (`action_endpoint.auth` or `headers` in `endpoints.yml`).
    /// Without it anyone who reaches the server can run the actions as any `sender_id`:
    /// `check` warns, and `serve` refuses a non-loopback address unless
    /// `--insecure-no-auth`. Default: none.
    pub auth: Option<Spanned<RawInboundAuth>>,
    /// Whether Rasa's `sender_id` is trusted as the user's identity for per-user
    /// credentials: connected accounts (`oauth2_authorization_code`, including the links
    /// that connect one) and JWTs minted from `user.id`. Only true when Rasa's own channel
    /// authenticates its users; needs `auth`. When false, such steps fail as
    /// `unauthorized` (reason `untrusted_user`) and no connect link is handed out.
    /// Default: `false`.
    pub trust_user_ids: Option<Spanned<bool>>,
    /// Time allowed for one action, all upstream calls included; past it the intent's error
    /// reply is sent. Default: `bot.turn_deadline`.
    pub deadline: Option<Spanned<RawDuration>>,
}

/// What one Rasa action runs.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RasaAction")]
pub struct RawRasaAction {
    /// The intent to run. Tracker slots and the latest message's entities with the same names
    /// as its slots fill them. Required.
    pub intent: Spanned<String>,
    /// Extra Rasa slots to set from step results: Rasa slot name → `STEP.FIELD` (a field the
    /// step's `extract` defines, such as `order.status`). The intent's own slots are always
    /// set. Default: none.
    #[serde(default)]
    pub set_slots: IndexMap<Spanned<String>, Spanned<String>>,
}

/// Serve Dialogflow fulfillment webhooks: ES (`WebhookRequest` v2) and CX. Main file only.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Dialogflow")]
pub struct RawDialogflow {
    /// The path of the Dialogflow ES fulfillment webhook. Default: `/dialogflow/es`.
    pub es_path: Option<Spanned<String>>,
    /// The path of the Dialogflow CX webhook. Default: `/dialogflow/cx`.
    pub cx_path: Option<Spanned<String>>,
    /// ES intent display names → the project's intents. An ES intent whose display name is
    /// itself an intent of the project needs no entry. Default: none.
    #[serde(default)]
    pub intents: IndexMap<Spanned<String>, Spanned<String>>,
    /// CX webhook tags (`fulfillmentInfo.tag`) → the project's intents. A tag that is itself an
    /// intent of the project needs no entry. Default: none.
    #[serde(default)]
    pub tags: IndexMap<Spanned<String>, Spanned<String>>,
    /// How Dialogflow proves it is Dialogflow (the webhook's basic auth or custom header).
    /// Without it anyone who reaches the server can fulfil intents as any `session`:
    /// `check` warns, and `serve` refuses a non-loopback address unless
    /// `--insecure-no-auth`. Default: none.
    pub auth: Option<Spanned<RawInboundAuth>>,
    /// Whether the Dialogflow `session` is trusted as the user's identity for per-user
    /// credentials: connected accounts (`oauth2_authorization_code`, including the links
    /// that connect one) and JWTs minted from `user.id`. Only true when the agent's
    /// integration authenticates its users and puts their id in the session; needs `auth`.
    /// When false, such steps fail as `unauthorized` (reason `untrusted_user`) and no
    /// connect link is handed out. Default: `false`.
    pub trust_user_ids: Option<Spanned<bool>>,
    /// Time allowed for one webhook call, all upstream calls included; past it the intent's
    /// error reply is sent. Keep it under the agent's webhook timeout (5 s by default).
    /// Default: `4.5s`.
    pub deadline: Option<Spanned<RawDuration>>,
}

/// How a calling platform authenticates, chosen by `type`. Secrets must be `${env:NAME}` or
/// `${file:PATH}` references.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[schemars(tag = "type", rename = "InboundAuth")]
pub enum RawInboundAuth {
    /// `Authorization: Basic <base64(username:password)>`.
    Basic {
        /// The user name (may be a reference). Required.
        #[schemars(with = "SecretDoc")]
        username: Spanned<String>,
        /// The password, as a reference. Required.
        #[schemars(with = "SecretDoc")]
        password: Spanned<String>,
    },
    /// A header that must carry a shared secret.
    Header {
        /// The header name, such as `X-Webhook-Secret`. Required.
        name: Spanned<String>,
        /// The secret, as a reference. Required.
        #[schemars(with = "SecretDoc")]
        value: Spanned<String>,
    },
}
