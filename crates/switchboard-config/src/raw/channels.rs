//! The `channels` section: messaging platforms whose users chat with the bot (WhatsApp,
//! Telegram, Slack, SMS through Twilio), received at `POST /v1/channels/{name}`.

use super::common::{RawDuration, SecretDoc, Spanned};
use super::policy::RawRateLimit;
use schemars::JsonSchema;
use serde::Deserialize;

/// One messaging channel, chosen by `type`. Its deliveries are verified on the raw body,
/// stored (unique by the platform's message id) before they are acknowledged, and answered by
/// a worker that runs the chat turn and sends the replies through the channel's built-in
/// connector `channel_<name>` (retries, rate limit, breaker, metrics and audit as for any
/// operation). Secrets are `${env:NAME}` or `${file:PATH}` references. Main file only.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[schemars(tag = "type", rename = "Channel")]
pub enum RawChannel {
    /// WhatsApp Cloud API (Meta). Set the app's webhook to `{bot.public_url}/v1/channels/NAME`
    /// with the verify token below; replies go to `POST {api_base}/{phone_number_id}/messages`.
    Whatsapp {
        /// The WhatsApp business phone number's id (not the number itself). Required.
        phone_number_id: Option<Spanned<String>>,
        /// The access token (a system user's token), as a reference. Required.
        #[schemars(with = "Option<SecretDoc>")]
        access_token: Option<Spanned<String>>,
        /// The app secret that signs deliveries (`X-Hub-Signature-256`), as a reference.
        /// Required.
        #[schemars(with = "Option<SecretDoc>")]
        app_secret: Option<Spanned<String>>,
        /// The verify token typed into the app's webhook settings (the `GET` handshake), as a
        /// reference. Required.
        #[schemars(with = "Option<SecretDoc>")]
        verify_token: Option<Spanned<String>>,
        /// The approved template message sent instead of free text outside WhatsApp's 24-hour
        /// customer-service window (proactive messages to a user who has not written for a
        /// day). Its body's one parameter (`{{1}}`) gets the message text. Without it such a
        /// message is not sent: it fails with reason `outside_window`, counted in
        /// `switchboard_channel_messages_total`. Default: none.
        template: Option<Spanned<RawWhatsappTemplate>>,
        /// The Graph API base URL, with its version. Default: `https://graph.facebook.com/v21.0`.
        api_base: Option<Spanned<String>>,
        /// The send API's rate limit, shared by every reply and proactive message on the
        /// channel; raise it when the platform has raised yours. Default: 80 a second (the Cloud API's standard throughput; Meta raises it to 1,000 for busy numbers),
        /// waiting up to `5s`.
        rate_limit: Option<Spanned<RawRateLimit>>,
        /// How a channel user becomes a Switchboard user. Default: a random, stable id per
        /// phone number.
        identity: Option<Spanned<RawChannelIdentity>>,
    },
    /// Telegram Bot API. `switchboard channels register` calls `setWebhook` with
    /// `{bot.public_url}/v1/channels/NAME` and the secret token; replies go to `sendMessage`.
    Telegram {
        /// The bot token from BotFather, as a reference. Required.
        #[schemars(with = "Option<SecretDoc>")]
        bot_token: Option<Spanned<String>>,
        /// The secret Telegram sends in `X-Telegram-Bot-Api-Secret-Token` (1 to 256 of
        /// `A-Z a-z 0-9 _ -`), as a reference. Required.
        #[schemars(with = "Option<SecretDoc>")]
        secret_token: Option<Spanned<String>>,
        /// The Bot API base URL. Default: `https://api.telegram.org`.
        api_base: Option<Spanned<String>>,
        /// The send API's rate limit, shared by every reply and proactive message on the
        /// channel; raise it when the platform has raised yours. Default: 30 a second (Telegram's broadcast limit),
        /// waiting up to `5s`.
        rate_limit: Option<Spanned<RawRateLimit>>,
        /// How a channel user becomes a Switchboard user. Default: a random, stable id per
        /// chat.
        identity: Option<Spanned<RawChannelIdentity>>,
    },
    /// Slack Events API. Set the app's Request URL to `{bot.public_url}/v1/channels/NAME`;
    /// replies go to `chat.postMessage` (in the thread when the message was in one).
    Slack {
        /// The bot token (`xoxb-...`), as a reference. Required.
        #[schemars(with = "Option<SecretDoc>")]
        bot_token: Option<Spanned<String>>,
        /// The app's signing secret, as a reference. Required.
        #[schemars(with = "Option<SecretDoc>")]
        signing_secret: Option<Spanned<String>>,
        /// How far `X-Slack-Request-Timestamp` may be from now. Default: `5m`.
        tolerance: Option<Spanned<RawDuration>>,
        /// The Web API base URL. Default: `https://slack.com/api`.
        api_base: Option<Spanned<String>>,
        /// The send API's rate limit, shared by every reply and proactive message on the
        /// channel; raise it when the platform has raised yours. Default: 20 a second,
        /// waiting up to `5s`.
        rate_limit: Option<Spanned<RawRateLimit>>,
        /// How a channel user becomes a Switchboard user. Default: a random, stable id per
        /// Slack team and user.
        identity: Option<Spanned<RawChannelIdentity>>,
    },
    /// Twilio Messaging: SMS, and WhatsApp through Twilio. Set the number's messaging webhook
    /// to `{bot.public_url}/v1/channels/NAME` (HTTP POST); `bot.public_url` must be the URL
    /// Twilio calls, since the signature covers it. The acknowledgement is an empty TwiML
    /// `<Response/>`; replies go through the Messages API once the turn has run.
    Twilio {
        /// The account SID (`AC...`). Required.
        account_sid: Option<Spanned<String>>,
        /// The auth token, as a reference. Required.
        #[schemars(with = "Option<SecretDoc>")]
        auth_token: Option<Spanned<String>>,
        /// The sender: a phone number (`+15551234567`), `whatsapp:+15551234567`, or a
        /// messaging service SID (`MG...`). Required.
        from: Option<Spanned<String>>,
        /// The REST API base URL. Default: `https://api.twilio.com/2010-04-01`.
        api_base: Option<Spanned<String>>,
        /// The send API's rate limit, shared by every reply and proactive message on the
        /// channel; raise it when the platform has raised yours. Default: 10 a second,
        /// waiting up to `5s`.
        rate_limit: Option<Spanned<RawRateLimit>>,
        /// How a channel user becomes a Switchboard user. Default: a random, stable id per
        /// phone number.
        identity: Option<Spanned<RawChannelIdentity>>,
    },
}

impl RawChannel {
    /// The `type` as written.
    pub fn type_name(&self) -> &'static str {
        match self {
            RawChannel::Whatsapp { .. } => "whatsapp",
            RawChannel::Telegram { .. } => "telegram",
            RawChannel::Slack { .. } => "slack",
            RawChannel::Twilio { .. } => "twilio",
        }
    }
}

/// A WhatsApp template message for use outside the 24-hour window.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "WhatsappTemplate")]
pub struct RawWhatsappTemplate {
    /// The template's name, as approved in WhatsApp Manager. Required.
    pub name: Spanned<String>,
    /// Its language code, such as `en` or `hi`. Default: `en`.
    pub language: Option<Spanned<String>>,
}

/// Maps a channel user to the project's own user id through an operation (for example, a
/// customer looked up by phone number), so connected accounts, slots and proactive messages
/// follow the customer. The mapping is stored; a lookup that fails or finds nothing falls
/// back to the default random id for that user.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ChannelIdentity")]
pub struct RawChannelIdentity {
    /// The operation to call, `connector.operation`. Required.
    pub operation: Spanned<String>,
    /// The operation's input that receives the channel's user address: the phone number in
    /// E.164 form (`+919812345678`) for WhatsApp and Twilio, the chat id for Telegram,
    /// `TEAM:USER` for Slack. Required.
    pub input: Spanned<String>,
    /// The `extract` field of the operation whose value is the user id. Required.
    pub field: Spanned<String>,
}
