//! Where conversations live: a small trait with an embedded SQLite default and PostgreSQL for
//! several instances. Both pass the same test suite.
//!
//! # How it works
//!
//! Four small traits, each with a SQLite and a PostgreSQL implementation and one test suite
//! run against both (PostgreSQL cases each in a schema of their own, `tests/common::PgSchema`;
//! the suites are modules of the `tests/storage/` test binary):
//! `ConversationStore` (load, load_default by owner, save with a version check that never
//! changes the owner, ping; `sqlite/` is the embedded default, WAL, under `--data-dir`), `inbox::InboxStore` (webhook events, outbox, poll state),
//! `audit::AuditStore` (append-only rows) and `accounts::AccountStore` (sealed per-user tokens).
//! They share one database and one migration list (`MIGRATIONS` in `sqlite/mod.rs` and
//! `postgres/mod.rs`: 0001 conversations, 0002 default conversations (`is_default`, unique per
//! user), 0101 webhooks, 0102 webhook leases, 0201 audit, 0301 accounts, 0302 OAuth login
//! nonces). `files.rs` makes the data directory 0700 and the SQLite file 0600 before SQLite
//! opens it (SQLite gives its WAL and SHM the file's mode), tightening looser modes it finds
//! with a warning. `retention.rs` deletes conversations not updated within
//! `storage.conversation_retention` (default 90 days; `ConversationStore::purge_idle`, batches of
//! 5,000) at start and hourly, on every instance. `instance.rs` reads or makes the data
//! directory's `instance-id`, the name webhook leases are held under.

pub mod accounts;
pub mod audit;
pub(crate) mod files;
pub mod inbox;
pub mod instance;
mod postgres;
pub(crate) mod retention;
mod sql;
mod sqlite;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::conversation::Conversation;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use std::path::Path;
use std::sync::Arc;
use switchboard_config::model::StorageSettings;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another turn saved the conversation first; the caller's copy is stale.
    #[error("conversation {0} was changed by another turn")]
    Conflict(String),
    /// The database could not be reached or refused the query.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A stored row could not be read back.
    #[error("stored conversation {id} is corrupt: {reason}")]
    Corrupt {
        /// The conversation.
        id: String,
        /// What was wrong.
        reason: String,
    },
}

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

/// Opens the store a project asks for. A relative SQLite path is under `data_dir`.
///
/// Errors name the file or say what failed; they never contain a PostgreSQL password.
pub async fn open(
    settings: &StorageSettings,
    data_dir: &Path,
) -> Result<Arc<dyn ConversationStore>, StoreError> {
    Ok(match settings {
        StorageSettings::Sqlite { path } => {
            files::private_dir(data_dir)?;
            Arc::new(SqliteStore::open(&data_dir.join(path)).await?)
        }
        StorageSettings::Postgres { url } => Arc::new(PostgresStore::connect(url.expose()).await?),
    })
}
