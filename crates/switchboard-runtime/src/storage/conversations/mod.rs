//! Conversations: the store a chat turn loads and saves, with a version check so two turns
//! on one conversation never both win. One implementation ([`SqlConversations`]) over the
//! embedded SQLite file and PostgreSQL; on SQLite saves go through a connection of their own
//! (`writer.rs`).

mod row;
mod store;
mod writer;

pub use store::SqlConversations;

use crate::conversation::Conversation;
use crate::storage::StoreError;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use std::path::Path;
use std::sync::Arc;
use switchboard_config::model::StorageSettings;

/// Conversation persistence.
pub trait ConversationStore: Send + Sync + 'static {
    /// Loads a conversation by id.
    fn load<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Conversation>, StoreError>>;

    /// Saves a conversation whose `version` is the one it was loaded with (0 for a new one).
    /// On success the stored version is `version + 1` and `conversation.version` is updated.
    /// When the stored version differs, nothing is written and `Conflict` is returned; so it
    /// is when the stored conversation belongs to another user (an owner never changes).
    fn save<'a>(
        &'a self,
        conversation: &'a mut Conversation,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Loads a user's default conversation (the one a turn naming no conversation continues
    /// and proactive messages join), found by its owner. A save that would give a user a
    /// second default conversation is a `Conflict`.
    fn load_default<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Conversation>, StoreError>>;

    /// Whether the store answers (for `/readyz`).
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Deletes conversations last updated before `before` (the retention); returns how many.
    fn purge_idle(&self, before: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>>;
}

/// Opens the store a project asks for. A relative SQLite path is under `data_dir`, which is
/// made private (0700) first.
///
/// Errors name the file or say what failed; they never contain a PostgreSQL password.
pub async fn open(
    settings: &StorageSettings,
    data_dir: &Path,
) -> Result<Arc<dyn ConversationStore>, StoreError> {
    if matches!(settings, StorageSettings::Sqlite { .. }) {
        crate::storage::files::private_dir(data_dir)?;
    }
    Ok(Arc::new(SqlConversations::open(settings, data_dir).await?))
}
