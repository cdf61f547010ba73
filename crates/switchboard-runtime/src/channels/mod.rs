//! Messaging channels: WhatsApp (Cloud API), Telegram (Bot API), Slack (Events API) and SMS or
//! WhatsApp through Twilio, one folder per platform, all listed in the config's closed
//! `ChannelKind` enum. A user writes on a platform, the platform posts to
//! `POST /v1/channels/{name}`, and the bot's answer goes back through the platform's send API.
//!
//! # How it works
//!
//! ```text
//! POST /v1/channels/{name}                                      receive.rs
//!   body limit; verify the raw body (WhatsApp X-Hub-Signature-256, Slack v0 with its
//!   5-minute window, Twilio over bot.public_url + the sorted form, Telegram's secret
//!   header in constant time: verify/)
//!   parse (PLATFORM/mod.rs): user messages, status callbacks (counted, never a message),
//!   the bot's own messages (ignored), Slack's url_verification (answered)
//!   ChannelStore::insert, unique by the platform's id (wamid, update_id, event_id,
//!   MessageSid) -> 2xx (a repeat is acknowledged and dropped); 503 + Retry-After when the
//!   store fails, so the platform delivers again
//! worker (one task per instance)                                worker.rs
//!   claim the oldest pending message of each chat (lease 5 s, renewed every 1.5 s),
//!   so one conversation's messages run in order, one at a time, across instances
//!   inbound: identity (identity.rs: stored mapping, else the project's identity
//!            operation, else a random id) -> Engine::turn -> each reply sent
//!   outbound (a webhook route's message, through engine::proactive::Outlet): the user's
//!            channel (named, or the one they last wrote from)
//!   send (send.rs): split at the platform's limit, quick-reply options as buttons where
//!   the platform has them; WhatsApp outside the 24-hour window: the configured template,
//!   or not sent (outside_window); every send is Pipeline::call on the channel's built-in
//!   connector `channel_<name>.send` (retries, rate limit, breaker, metrics, audit, SSRF)
//! ```
//!
//! Delivery is at least once: a crash after the acknowledgement leaves the message pending,
//! and it is handled when its lease runs out (or at once when the instance restarts). A crash
//! after the turn but before the message is settled runs the turn again.

mod identity;
pub(crate) mod receive;
mod send;
mod slack;
mod telegram;
mod twilio;
mod whatsapp;
mod worker;

pub use receive::Incoming;

use crate::engine::Engine;
use crate::engine::proactive::Outlet;
use crate::http::{RouteScope, Routes};
use crate::storage::StoreError;
use crate::storage::channels::{ChannelStore, Direction, NewQueued};
use crate::storage::inbox::{Holder, Inserted};
use axum::extract::FromRef;
use futures::future::BoxFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use switchboard_config::Project;
use tokio::sync::Notify;

/// Settled messages are kept this long: platforms redeliver for hours (Meta up to 7 days).
pub const RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// The channels of one instance.
pub struct Channels {
    engine: Arc<Engine>,
    store: Arc<dyn ChannelStore>,
    holder: Holder,
    wake: Notify,
    clock: Clock,
}

impl std::fmt::Debug for Channels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channels")
            .field("channels", &self.project().channels.len())
            .finish_non_exhaustive()
    }
}

/// What the channels are built from.
pub struct Parts {
    /// The chat engine (and through it the project and the pipeline).
    pub engine: Arc<Engine>,
    /// Messages and channel users.
    pub store: Arc<dyn ChannelStore>,
    /// This instance's claims.
    pub holder: Holder,
}

/// The time the channels go by: the system clock, which an operator's test harness may move
/// forward (WhatsApp's 24-hour window is tested at 23:59 and 24:01 without waiting a day).
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// Now, in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Moves this clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

impl Channels {
    /// Builds the channels; [`Channels::start`] starts the worker.
    pub fn new(parts: Parts) -> Arc<Channels> {
        Arc::new(Channels {
            engine: parts.engine,
            store: parts.store,
            holder: parts.holder,
            wake: Notify::new(),
            clock: Clock::default(),
        })
    }

    /// Starts the worker and the purge; they hold the channels weakly and end once they are
    /// dropped.
    pub fn start(self: &Arc<Self>) {
        tokio::spawn(worker::run(Arc::downgrade(self)));
        tokio::spawn(worker::purge(Arc::downgrade(self)));
    }

    /// The store (tests and operators).
    pub fn store(&self) -> &Arc<dyn ChannelStore> {
        &self.store
    }

    /// The clock the channels go by.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The project (the engine's).
    pub fn project(&self) -> &Arc<Project> {
        self.engine.project()
    }
}

impl Outlet for Channels {
    fn send<'a>(
        &'a self,
        user_id: &'a str,
        channel: Option<&'a str>,
        message_id: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let Some(contact) = self.store.contact(user_id, channel).await? else {
                let name = channel.unwrap_or("none");
                if let Some(c) = channel.and_then(|c| self.project().channels.get(c)) {
                    crate::telemetry::channel::ChannelSent {
                        channel: &c.name,
                        proactive: true,
                        outcome: crate::telemetry::channel::SendOutcome::NoContact,
                    }
                    .emit(self.engine.pipeline().telemetry());
                }
                tracing::debug!(target: "switchboard::channel", channel = name, "no channel to send a proactive message on");
                return Ok(false);
            };
            let payload = serde_json::json!({
                "user_id": user_id,
                "address": contact.address,
                "text": text,
            });
            let queued = NewQueued {
                chat: worker::chat_key(&contact.channel, &contact.address),
                channel: contact.channel,
                message_id: format!("proactive:{message_id}"),
                direction: Direction::Outbound,
                payload: payload.to_string(),
                received_at: self.clock.now_ms(),
            };
            if self.store.insert(&queued).await? == Inserted::New {
                self.wake.notify_one();
            }
            Ok(true)
        })
    }
}

/// What `switchboard channels register` did for a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// The platform was told the URL (Telegram's `setWebhook`).
    Registered {
        /// The URL it will post to.
        url: String,
    },
    /// The platform is set up in its console: the URL (and what else) to enter there.
    Manual {
        /// The URL to enter.
        url: String,
        /// Where and what.
        how: &'static str,
    },
}

/// Registers a channel's URL with its platform where the platform has an API for it
/// (Telegram), through the channel's built-in connector (operation `register`); otherwise says
/// what to enter in the platform's console. The URL is `{bot.public_url}/v1/channels/{name}`.
pub async fn register(
    pipeline: &crate::pipeline::Pipeline,
    project: &Project,
    name: &str,
) -> Result<Registration, String> {
    let channel = project
        .channels
        .get(name)
        .ok_or_else(|| format!("no channel {name:?}"))?;
    let url = format!("{}/v1/channels/{name}", project.bot.public_url);
    use switchboard_config::model::ChannelKind;
    let how = match &channel.kind {
        ChannelKind::Telegram {
            bot_token,
            secret_token,
        } => {
            let op = switchboard_config::model::OperationRef {
                connector: channel.connector.clone(),
                operation: "register".into(),
            };
            let args = telegram::registration(bot_token.expose(), &url, secret_token.expose());
            let ctx = crate::pipeline::CallContext::with_budget(Duration::from_secs(15));
            let record = pipeline
                .call(&op, &args, &ctx)
                .await
                .map_err(|e| e.to_string())?;
            if record.outcome != switchboard_config::model::OutcomeKind::Ok
                || record.data.get("ok") != Some(&serde_json::Value::Bool(true))
            {
                let why = record
                    .data
                    .get("description")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("no description");
                return Err(format!(
                    "Telegram refused setWebhook ({:?}{}): {why}",
                    record.outcome,
                    record
                        .status
                        .map(|s| format!(", HTTP {s}"))
                        .unwrap_or_default()
                ));
            }
            return Ok(Registration::Registered { url });
        }
        ChannelKind::Whatsapp { .. } => {
            "Meta app dashboard > WhatsApp > Configuration: Callback URL, and the channel's verify_token; subscribe to the `messages` field"
        }
        ChannelKind::Slack { .. } => {
            "Slack app settings > Event Subscriptions: Request URL; subscribe to the bot events message.im (and app_mention)"
        }
        ChannelKind::Twilio { .. } => {
            "Twilio console > the number (or messaging service) > Messaging: 'A message comes in', Webhook, HTTP POST"
        }
    };
    Ok(Registration::Manual { url, how })
}

/// The channel routes: each channel verifies its own platform's signature (`signed`).
pub fn routes<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    Option<Arc<Channels>>: FromRef<S>,
{
    Routes::new()
        .get(
            RouteScope::Signed,
            "/v1/channels/{name}",
            receive::handshake,
        )
        .post(RouteScope::Signed, "/v1/channels/{name}", receive::receive)
}
