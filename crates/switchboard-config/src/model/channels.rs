//! Messaging channels: how each platform's deliveries are verified and where its replies go.

use super::{OperationRef, Verify};
use crate::diagnostic::Span;
use crate::secret::Secret;

/// One messaging channel.
#[derive(Debug, Clone)]
pub struct Channel {
    /// Its name (`POST /v1/channels/{name}`).
    pub name: String,
    /// The platform and its settings.
    pub kind: ChannelKind,
    /// The built-in connector its replies go through (`channel_<name>`, operation `send`).
    pub connector: String,
    /// How a channel user becomes a Switchboard user, when mapped through an operation.
    pub identity: Option<ChannelIdentity>,
    /// Where it was declared.
    pub span: Span,
}

/// The platforms, one closed list.
#[derive(Debug, Clone)]
pub enum ChannelKind {
    /// WhatsApp Cloud API.
    Whatsapp {
        /// The business phone number's id.
        phone_number_id: String,
        /// `Verify::Meta` with the app secret and the verify token.
        verify: Verify,
        /// The template sent outside the 24-hour window.
        template: Option<WhatsappTemplate>,
    },
    /// Telegram Bot API.
    Telegram {
        /// The bot token (also part of every Bot API path).
        bot_token: Secret,
        /// The secret in `X-Telegram-Bot-Api-Secret-Token`.
        secret_token: Secret,
    },
    /// Slack Events API.
    Slack {
        /// `Verify::Slack` with the signing secret.
        verify: Verify,
    },
    /// Twilio Messaging.
    Twilio {
        /// The account SID.
        account_sid: String,
        /// The sender (number, `whatsapp:` number or messaging service SID).
        from: String,
        /// `Verify::Twilio` over `{bot.public_url}/v1/channels/{name}`.
        verify: Verify,
    },
}

impl ChannelKind {
    /// The `type` as written.
    pub fn as_str(&self) -> &'static str {
        match self {
            ChannelKind::Whatsapp { .. } => "whatsapp",
            ChannelKind::Telegram { .. } => "telegram",
            ChannelKind::Slack { .. } => "slack",
            ChannelKind::Twilio { .. } => "twilio",
        }
    }
}

/// A WhatsApp template message.
#[derive(Debug, Clone)]
pub struct WhatsappTemplate {
    /// Its approved name.
    pub name: String,
    /// Its language code.
    pub language: String,
}

/// A channel user mapped through an operation.
#[derive(Debug, Clone)]
pub struct ChannelIdentity {
    /// The operation.
    pub operation: OperationRef,
    /// Its input receiving the address.
    pub input: String,
    /// Its extract field holding the user id.
    pub field: String,
}
