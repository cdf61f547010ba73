//! Proactive messages (from webhooks and pollers) join their user's default conversation,
//! found by its owner, under the same per-conversation lock as chat turns, so a message
//! arriving mid-turn waits for the turn instead of making its save conflict.

use super::Engine;
use crate::conversation::{Conversation, HistoryEntry, Role};
use crate::storage::StoreError;
use futures::future::BoxFuture;

/// The one thing the webhook worker needs of the chat side: adding a message to a user's
/// default conversation. The worker holds this service, not the engine, so neither holds the
/// other (the engine knows nothing of webhooks).
pub trait Proactive: Send + Sync {
    /// Adds `text` to the user's default conversation unless a message with `message_id` is
    /// there already (a redelivered event). Returns the conversation's id.
    fn append<'a>(
        &'a self,
        user_id: &'a str,
        message_id: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<String, StoreError>>;
}

/// Where a proactive message goes besides the user's conversation: the messaging channel the
/// user last wrote from (the channels wing implements it; the webhook worker holds it, so
/// neither wing knows the other).
pub trait Outlet: Send + Sync {
    /// Queues `text` for the user on `channel`, or on the channel they last wrote from; a
    /// `message_id` queued before (a redelivered event) is queued once. `Ok(false)`: the user
    /// never wrote from a channel (or from the one named), so nothing was queued.
    fn send<'a>(
        &'a self,
        user_id: &'a str,
        channel: Option<&'a str>,
        message_id: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
}

impl Proactive for Engine {
    fn append<'a>(
        &'a self,
        user_id: &'a str,
        message_id: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<String, StoreError>> {
        Box::pin(self.add_proactive(user_id, message_id, text))
    }
}

/// Saves retried when another instance changed the conversation (the version check); each
/// retry reloads it first.
pub(super) const SAVE_TRIES: u32 = 10;

impl Engine {
    /// Adds a proactive message to the user's default conversation unless a message with
    /// `message_id` is there already (a redelivered event), creating the conversation if
    /// needed. Returns the conversation's id. The message never goes anywhere else: the
    /// conversation is found by its owner, so no id chosen by anyone can divert it.
    pub async fn add_proactive(
        &self,
        user_id: &str,
        message_id: &str,
        text: &str,
    ) -> Result<String, StoreError> {
        let conversation_id = self.default_conversation(user_id).await?;
        let held = self
            .hold(
                &conversation_id,
                tokio::time::Instant::now() + self.project.bot.turn_deadline,
                false,
            )
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let result = self
            .add_locked(&conversation_id, user_id, message_id, text)
            .await;
        self.let_go(held).await;
        result.map(|()| conversation_id)
    }

    async fn add_locked(
        &self,
        conversation_id: &str,
        user_id: &str,
        message_id: &str,
        text: &str,
    ) -> Result<(), StoreError> {
        for attempt in 0..SAVE_TRIES {
            if attempt > 0 {
                // Instances writing the same conversation: spread the retries.
                let ms = rand::random_range(1..=10 * u64::from(attempt));
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            let mut conv = match self.store.load(conversation_id).await? {
                Some(c) if c.user_id == user_id => c,
                Some(_) => {
                    return Err(StoreError::Unavailable(format!(
                        "conversation {conversation_id} is not the user's"
                    )));
                }
                // Deleted since it was found: made again, as the user's default.
                None => {
                    let mut c = Conversation::new(conversation_id.to_string(), user_id.to_string());
                    c.default = true;
                    c
                }
            };
            if conv
                .history
                .iter()
                .any(|h| h.id.as_deref() == Some(message_id))
            {
                return Ok(());
            }
            let now = chrono::Utc::now();
            conv.push_history(
                HistoryEntry {
                    role: Role::Proactive,
                    text: text.to_string(),
                    at: now,
                    intent: None,
                    id: Some(message_id.to_string()),
                },
                self.project.bot.history_limit,
            );
            conv.updated_at = now;
            match self.store.save(&mut conv).await {
                Err(StoreError::Conflict(_)) => continue,
                other => return other,
            }
        }
        Err(StoreError::Unavailable(format!(
            "conversation {conversation_id} kept changing; the message will be retried"
        )))
    }
}
