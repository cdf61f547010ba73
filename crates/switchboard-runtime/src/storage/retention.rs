//! Conversation retention: once at start and then hourly, conversations not updated within
//! `storage.conversation_retention` are deleted, so a store that meets many one-off users does
//! not grow without bound. Every instance runs it; deleting what another already deleted is
//! harmless.

use super::ConversationStore;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How often idle conversations are purged.
const EVERY: Duration = Duration::from_secs(3600);

/// Starts the hourly purge; it ends when the store is dropped (tests build many engines).
pub(crate) fn spawn(store: &Arc<dyn ConversationStore>, retention: Duration) {
    let store: Weak<dyn ConversationStore> = Arc::downgrade(store);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            let Some(store) = store.upgrade() else {
                return;
            };
            let Ok(retention) = chrono::Duration::from_std(retention) else {
                return;
            };
            let before = chrono::Utc::now() - retention;
            match store.purge_idle(before).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    target: "switchboard::storage",
                    conversations = n,
                    "purged conversations past their retention"
                ),
                Err(error) => tracing::warn!(
                    target: "switchboard::storage",
                    %error,
                    "cannot purge old conversations"
                ),
            }
        }
    });
}
