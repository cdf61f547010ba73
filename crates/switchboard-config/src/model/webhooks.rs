//! Webhook sources as the runtime sees them: a verification scheme with its secrets, where the
//! event's id, type and time are, and routes compiled like intents.

use super::HmacAlgorithm;
use super::intent::Intent;
use crate::secret::Secret;
use indexmap::IndexMap;
use std::time::Duration;

/// One source of pushed events.
#[derive(Debug, Clone)]
pub struct WebhookSource {
    /// The source's name (the last segment of `/v1/webhooks/{source}`).
    pub name: String,
    /// How its requests are verified.
    pub verify: Verify,
    /// Largest body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Where the event id is.
    pub event_id: FieldRef,
    /// Where the event type is.
    pub event_type: FieldRef,
    /// Where the event's own time is (Unix seconds), when known.
    pub event_time: Option<FieldRef>,
    /// Events older than this on arrival are stored but not pushed.
    pub stale_after: Duration,
    /// Routing attempts before the dead-letter list.
    pub max_attempts: u32,
    /// First retry wait; doubles per attempt up to 5 minutes.
    pub retry_backoff: Duration,
    /// Most proactive messages per user per hour from this source.
    pub user_hourly_limit: u32,
    /// Routes by event type, in file order.
    pub routes: IndexMap<String, WebhookRoute>,
}

/// Where a value is found in a delivery.
#[derive(Debug, Clone)]
pub enum FieldRef {
    /// A JSONPath into the parsed body (its first match).
    Path(serde_json_path::JsonPath),
    /// A request header.
    Header(String),
    /// The SHA-256 of the raw body (sources whose events carry no id).
    BodyHash,
}

/// What one event type becomes.
#[derive(Debug, Clone)]
pub struct WebhookRoute {
    /// The event type.
    pub event_type: String,
    /// Where the user to tell is, in the event.
    pub user: serde_json_path::JsonPath,
    /// Steps and message, as an intent: `steps` as an intent's, the message as its `reply`.
    /// Its name is `webhooks.SOURCE.EVENT_TYPE`; it is not in the project's intents.
    pub intent: Intent,
    /// The channel the message is sent on; `None`: the one the user last wrote from.
    pub channel: Option<String>,
}

/// A verification scheme. Every scheme checks an HMAC of the raw body in constant time against
/// each of its secrets (rotation).
#[derive(Debug, Clone)]
pub enum Verify {
    /// `Stripe-Signature`.
    Stripe {
        /// Signing secrets.
        secrets: Vec<Secret>,
        /// Allowed clock distance of the signed timestamp.
        tolerance: Duration,
    },
    /// Standard Webhooks.
    StandardWebhooks {
        /// `whsec_` secrets.
        secrets: Vec<Secret>,
        /// Allowed clock distance of `webhook-timestamp`.
        tolerance: Duration,
    },
    /// `X-Hub-Signature-256` (GitHub).
    Github {
        /// Webhook secrets.
        secrets: Vec<Secret>,
    },
    /// `X-Shopify-Hmac-Sha256`.
    Shopify {
        /// Client secrets.
        secrets: Vec<Secret>,
    },
    /// `X-Slack-Signature` v0.
    Slack {
        /// Signing secrets.
        secrets: Vec<Secret>,
        /// Allowed clock distance of `X-Slack-Request-Timestamp`.
        tolerance: Duration,
    },
    /// `X-Twilio-Signature`.
    Twilio {
        /// Auth tokens.
        secrets: Vec<Secret>,
        /// The public URL Twilio signs.
        url: String,
    },
    /// Meta's `X-Hub-Signature-256` and GET handshake.
    Meta {
        /// App secrets.
        secrets: Vec<Secret>,
        /// The handshake's verify token.
        verify_token: Secret,
    },
    /// A generic HMAC header.
    Hmac(HmacSpec),
}

/// The generic scheme's settings.
#[derive(Debug, Clone)]
pub struct HmacSpec {
    /// Shared secrets.
    pub secrets: Vec<Secret>,
    /// The signature header (lower case).
    pub header: String,
    /// The hash.
    pub algorithm: HmacAlgorithm,
    /// How the signature is written.
    pub encoding: SignatureEncoding,
    /// Text before the signature.
    pub prefix: String,
    /// The timestamp header (lower case), when one is signed.
    pub timestamp_header: Option<String>,
    /// Allowed clock distance of the timestamp.
    pub tolerance: Duration,
}

/// How a generic signature is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureEncoding {
    /// Lower- or upper-case hex.
    Hex,
    /// Standard base64.
    Base64,
}

impl Verify {
    /// The scheme's name as written in `type`.
    pub fn scheme(&self) -> &'static str {
        match self {
            Verify::Stripe { .. } => "stripe",
            Verify::StandardWebhooks { .. } => "standard_webhooks",
            Verify::Github { .. } => "github",
            Verify::Shopify { .. } => "shopify",
            Verify::Slack { .. } => "slack",
            Verify::Twilio { .. } => "twilio",
            Verify::Meta { .. } => "meta",
            Verify::Hmac(_) => "hmac",
        }
    }
}
