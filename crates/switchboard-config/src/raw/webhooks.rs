//! The `webhooks` section: external systems that push events, how each proves who it is, and
//! which events become proactive messages to which users.

use super::common::{JsonPathDoc, RawDuration, SecretDoc, Spanned, TemplateDoc};
use super::intent::RawStep;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

/// One webhook source, received at `POST /v1/webhooks/{source}`. An event is verified on its
/// raw body, stored (unique by source and event id) before the 2xx, then routed by its type.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "WebhookSource")]
pub struct RawWebhookSource {
    /// How requests are verified (the sender's signature scheme). Required.
    pub verify: Option<Spanned<RawVerify>>,
    /// Largest body accepted, in bytes; larger bodies are refused (413) before verification.
    /// Default: `262144` (256 KiB).
    pub max_body_bytes: Option<Spanned<u64>>,
    /// Where the event id is: a JSONPath into the body, or `header:NAME`. Deliveries with the
    /// same id are one event. Default: the scheme's (`$.id` for stripe, the `webhook-id`,
    /// `X-GitHub-Delivery`, `X-Shopify-Webhook-Id` or `I-Twilio-Idempotency-Token` header,
    /// `$.event_id` for slack, a hash of the body for meta and hmac when absent).
    #[schemars(with = "Option<JsonPathDoc>")]
    pub event_id: Option<Spanned<String>>,
    /// Where the event type is: a JSONPath into the body, or `header:NAME`. Default: the
    /// scheme's (`$.type` for stripe, standard_webhooks and hmac, the `X-GitHub-Event` or
    /// `X-Shopify-Topic` header, `$.event.type` for slack, `$.MessageStatus` for twilio,
    /// `$.entry[0].changes[0].field` for meta).
    #[schemars(with = "Option<JsonPathDoc>")]
    pub event_type: Option<Spanned<String>>,
    /// Where the time the event happened is, as Unix seconds (JSONPath). Default: `$.created`
    /// for stripe; otherwise the signature's timestamp, or the time of receipt.
    #[schemars(with = "Option<JsonPathDoc>")]
    pub event_time: Option<Spanned<String>>,
    /// Events older than this when they arrive are stored (and acknowledged) but not pushed to
    /// users as fresh news. Default: `1h`.
    pub stale_after: Option<Spanned<RawDuration>>,
    /// Attempts at routing an event (its steps and message) before it goes to the dead-letter
    /// list. Default: `5`.
    pub max_attempts: Option<Spanned<u32>>,
    /// The wait before the first retry of an event whose route failed; it doubles per attempt,
    /// up to 5 minutes. Default: `2s`.
    pub retry_backoff: Option<Spanned<RawDuration>>,
    /// Most proactive messages one user gets from this source per hour; further events are
    /// stored but not shown. Default: `20`.
    pub user_hourly_limit: Option<Spanned<u32>>,
    /// Event type → what to tell whom. Event types without a route are stored and ignored.
    #[serde(default)]
    pub routes: IndexMap<Spanned<String>, Spanned<RawWebhookRoute>>,
}

/// What an event type becomes: a message to one user, optionally after steps. Templates see
/// `event` (the parsed body), `source`, `user` and `steps`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "WebhookRoute")]
pub struct RawWebhookRoute {
    /// The user to tell: a JSONPath into the event, such as `$.data.object.metadata.user_id`.
    /// An event without it is a failure (retried, then dead-lettered). Required.
    #[schemars(with = "Option<JsonPathDoc>")]
    pub user: Option<Spanned<String>>,
    /// Operation calls made before the message is rendered, as in an intent (for example, to
    /// fetch the order the event names). Default: none.
    #[serde(default)]
    pub steps: IndexMap<Spanned<String>, Spanned<RawStep>>,
    /// The message, a template. Required.
    #[schemars(with = "Option<TemplateDoc>")]
    pub message: Option<Spanned<String>>,
    /// The messaging channel (a `channels:` name) the message is also sent on. Default: the
    /// channel the user last wrote from, if any; a user who never wrote from a channel gets
    /// the message only in their conversation and event stream.
    pub channel: Option<Spanned<String>>,
}

/// How a source's requests are verified, chosen by `type`. Secrets are `${env:NAME}` or
/// `${file:PATH}` references; several may be listed while one is being rotated.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[schemars(tag = "type", rename = "WebhookVerify")]
pub enum RawVerify {
    /// Stripe: `Stripe-Signature: t=...,v1=...`, HMAC-SHA256 of `t.body` with the endpoint's
    /// `whsec_...` secret.
    Stripe {
        /// Signing secrets (`whsec_...`). At least one.
        #[schemars(with = "Vec<SecretDoc>")]
        secrets: Vec<Spanned<String>>,
        /// How far the signed timestamp may be from now. Default: `5m`.
        tolerance: Option<Spanned<RawDuration>>,
    },
    /// Standard Webhooks (Svix and others): `webhook-id`, `webhook-timestamp` and
    /// `webhook-signature: v1,<base64>` (several may be listed), HMAC-SHA256 of
    /// `id.timestamp.body` with the base64 key of a `whsec_` secret.
    StandardWebhooks {
        /// Signing secrets (`whsec_<base64>`). At least one.
        #[schemars(with = "Vec<SecretDoc>")]
        secrets: Vec<Spanned<String>>,
        /// How far the signed timestamp may be from now. Default: `5m`.
        tolerance: Option<Spanned<RawDuration>>,
    },
    /// GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the body.
    Github {
        /// Webhook secrets. At least one.
        #[schemars(with = "Vec<SecretDoc>")]
        secrets: Vec<Spanned<String>>,
    },
    /// Shopify: `X-Shopify-Hmac-Sha256: <base64>`, HMAC-SHA256 of the body with the app's
    /// client secret.
    Shopify {
        /// Client secrets. At least one.
        #[schemars(with = "Vec<SecretDoc>")]
        secrets: Vec<Spanned<String>>,
    },
    /// Slack: `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 of `v0:timestamp:body`, with
    /// `X-Slack-Request-Timestamp`.
    Slack {
        /// Signing secrets. At least one.
        #[schemars(with = "Vec<SecretDoc>")]
        secrets: Vec<Spanned<String>>,
        /// How far the timestamp may be from now. Default: `5m`.
        tolerance: Option<Spanned<RawDuration>>,
    },
    /// Twilio: `X-Twilio-Signature: <base64>`, HMAC-SHA1 of the full URL followed by the sorted
    /// form parameters (names and values), with the account's auth token.
    Twilio {
        /// Auth tokens. At least one.
        #[schemars(with = "Vec<SecretDoc>")]
        secrets: Vec<Spanned<String>>,
        /// The public URL Twilio posts to, as configured in Twilio (behind a proxy the local
        /// URL differs). Required.
        url: Option<Spanned<String>>,
    },
    /// Meta (WhatsApp Cloud API, Messenger, Instagram): `X-Hub-Signature-256: sha256=<hex>`
    /// with the app secret, plus the `GET` subscription handshake (`hub.verify_token`,
    /// `hub.challenge`).
    Meta {
        /// App secrets. At least one.
        #[schemars(with = "Vec<SecretDoc>")]
        secrets: Vec<Spanned<String>>,
        /// The verify token typed into the app's webhook settings. Required.
        #[schemars(with = "Option<SecretDoc>")]
        verify_token: Option<Spanned<String>>,
    },
    /// Any other HMAC signature in a header.
    Hmac {
        /// Shared secrets. At least one.
        #[schemars(with = "Vec<SecretDoc>")]
        secrets: Vec<Spanned<String>>,
        /// The header carrying the signature. Required.
        header: Option<Spanned<String>>,
        /// `sha256`, `sha512` or `sha1`. Default: `sha256`.
        algorithm: Option<Spanned<String>>,
        /// `hex` or `base64`. Default: `hex`.
        encoding: Option<Spanned<String>>,
        /// Text before the signature in the header, such as `sha256=`. Default: none.
        prefix: Option<Spanned<String>>,
        /// The header carrying a Unix timestamp; when set, `{timestamp}.{body}` is signed and
        /// the timestamp is checked against `tolerance`. Default: none (the body alone).
        timestamp_header: Option<Spanned<String>>,
        /// How far the timestamp may be from now. Default: `5m`.
        tolerance: Option<Spanned<RawDuration>>,
    },
}
