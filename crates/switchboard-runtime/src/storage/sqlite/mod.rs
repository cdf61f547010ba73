//! The embedded default: conversations in one SQLite file under the data directory.

use super::sql::{self, Embedded};
use super::{ConversationStore, StoreError};
use crate::conversation::Conversation;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// SQLite's schema, separate from PostgreSQL's: the two dialects differ.
pub(super) const MIGRATIONS: &[Embedded] = &[
    (
        1,
        "conversations",
        include_str!("migrations/0001_conversations.sql"),
    ),
    (
        2,
        "default conversations",
        include_str!("migrations/0002_default_conversations.sql"),
    ),
    (
        101,
        "webhooks",
        include_str!("migrations/0101_webhooks.sql"),
    ),
    (
        102,
        "webhook leases",
        include_str!("migrations/0102_webhook_leases.sql"),
    ),
    (201, "audit", include_str!("migrations/0201_audit.sql")),
    (
        301,
        "accounts",
        include_str!("migrations/0301_accounts.sql"),
    ),
    (
        302,
        "oauth logins",
        include_str!("migrations/0302_oauth_logins.sql"),
    ),
];

/// SQLite allows one writer at a time; a few connections let reads proceed beside it (WAL).
const MAX_CONNECTIONS: u32 = 4;

/// How long a write waits for another connection's write (and a query for a free connection).
/// Saves take milliseconds; this only runs out when the disk stalls, and then failing is right.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many recently used conversations are kept in memory.
const CACHED_CONVERSATIONS: u64 = 10_000;

/// Conversations in a SQLite file.
///
/// The file belongs to one process, so recently used conversations are also kept in memory
/// (written through on every save): a turn then costs one database write instead of a read and
/// a write. Should another process write the same file anyway, the version check still refuses
/// the stale save, and the entry is dropped so the next turn reads the file again.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
    recent: moka::future::Cache<String, Conversation>,
    /// Users' default conversation ids, so a turn naming no conversation costs no extra read.
    /// An entry is only a hint: the conversation it names is checked on every use.
    defaults: moka::future::Cache<String, String>,
}

impl SqliteStore {
    /// Opens (creating it and its directory if needed) the database at `path` and brings its
    /// schema up to date.
    ///
    /// WAL lets reads run while a turn is being saved; `synchronous=NORMAL` is durable across
    /// process crashes in WAL mode and only risks the last commits on power loss, which is the
    /// usual trade for an embedded store.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        super::files::private_database(path)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|error| unavailable(path, "cannot open", &error))?;
        sql::migrator(MIGRATIONS)
            .run(&pool)
            .await
            .map_err(|error| {
                StoreError::Unavailable(format!("cannot migrate {}: {error}", path.display()))
            })?;
        // The WAL and SHM files exist now; ones left by an older version may be readable.
        super::files::tighten_database(path);
        Ok(SqliteStore {
            pool,
            path: path.to_owned(),
            recent: moka::future::Cache::new(CACHED_CONVERSATIONS),
            defaults: moka::future::Cache::new(CACHED_CONVERSATIONS),
        })
    }

    /// The connection pool (the audit store shares the file).
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn load(&self, id: &str) -> Result<Option<Conversation>, StoreError> {
        if let Some(conversation) = self.recent.get(id).await {
            return Ok(Some(conversation));
        }
        let row: Option<(String, i64, bool)> =
            sqlx::query_as("SELECT state, version, is_default FROM conversations WHERE id = ?1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(|error| unavailable(&self.path, "cannot load", &error))?;
        let conversation = row
            .map(|(state, version, is_default)| sql::decode(id, &state, version, is_default))
            .transpose()?;
        if let Some(c) = &conversation {
            self.recent.insert(id.to_string(), c.clone()).await;
        }
        Ok(conversation)
    }

    async fn load_default(&self, user_id: &str) -> Result<Option<Conversation>, StoreError> {
        if let Some(id) = self.defaults.get(user_id).await
            && let Some(c) = self.load(&id).await?
            && c.default
            && c.user_id == user_id
        {
            return Ok(Some(c));
        }
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT id, state, version FROM conversations WHERE user_id = ?1 AND is_default = 1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(|error| unavailable(&self.path, "cannot load", &error))?;
        let Some((id, state, version)) = row else {
            self.defaults.invalidate(user_id).await;
            return Ok(None);
        };
        let conversation = sql::decode(&id, &state, version, true)?;
        self.recent.insert(id.clone(), conversation.clone()).await;
        self.defaults.insert(user_id.to_string(), id).await;
        Ok(Some(conversation))
    }

    async fn save(&self, conversation: &mut Conversation) -> Result<(), StoreError> {
        let row = sql::encode(conversation)?;
        // A new conversation is inserted; `DO NOTHING` turns a concurrent first save of the same
        // id (or of the same user's default conversation) into zero rows written, that is a
        // Conflict, never a duplicate or an overwrite. The owner is never changed by an update.
        let (statement, guard) = if row.expected == 0 {
            (
                "INSERT INTO conversations (id, user_id, state, version, updated_at, is_default) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                None,
            )
        } else {
            (
                "UPDATE conversations SET state = ?3, version = ?4, updated_at = ?5, \
                 is_default = ?6 WHERE id = ?1 AND version = ?7 AND user_id = ?2",
                Some(row.expected),
            )
        };
        let mut query = sqlx::query(statement)
            .bind(&conversation.id)
            .bind(&conversation.user_id)
            .bind(&row.state)
            .bind(row.next)
            .bind(&row.updated_at)
            .bind(conversation.default);
        if let Some(expected) = guard {
            query = query.bind(expected);
        }
        let written = match query.execute(&self.pool).await {
            Ok(written) => written.rows_affected(),
            Err(error) if sql::is_unique_violation(&error) => 0,
            Err(error) => return Err(unavailable(&self.path, "cannot save", &error)),
        };
        if written == 0 {
            self.recent.invalidate(&conversation.id).await;
            return Err(StoreError::Conflict(conversation.id.clone()));
        }
        conversation.version += 1;
        self.recent
            .insert(conversation.id.clone(), conversation.clone())
            .await;
        Ok(())
    }

    async fn purge_idle(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let before = sql::timestamp(&before);
        let mut purged = 0;
        loop {
            let done = sqlx::query(
                "DELETE FROM conversations WHERE rowid IN \
                 (SELECT rowid FROM conversations WHERE updated_at < ?1 LIMIT ?2)",
            )
            .bind(&before)
            .bind(sql::PURGE_BATCH)
            .execute(&self.pool)
            .await
            .map_err(|error| unavailable(&self.path, "cannot purge conversations in", &error))?;
            purged += done.rows_affected();
            if done.rows_affected() < sql::PURGE_BATCH as u64 {
                break;
            }
        }
        if purged > 0 {
            // A purged conversation must not come back from memory.
            self.recent.invalidate_all();
            self.defaults.invalidate_all();
        }
        Ok(purged)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(|error| unavailable(&self.path, "cannot reach", &error))?;
        Ok(())
    }
}

impl ConversationStore for SqliteStore {
    fn load<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Conversation>, StoreError>> {
        Box::pin(SqliteStore::load(self, id))
    }

    fn save<'a>(
        &'a self,
        conversation: &'a mut Conversation,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(SqliteStore::save(self, conversation))
    }

    fn load_default<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Conversation>, StoreError>> {
        Box::pin(SqliteStore::load_default(self, user_id))
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(SqliteStore::ping(self))
    }

    fn purge_idle(&self, before: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(SqliteStore::purge_idle(self, before))
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// A database error, with the file it concerns (paths are not secret).
fn unavailable(path: &Path, action: &str, error: &sqlx::Error) -> StoreError {
    StoreError::Unavailable(format!("{action} {}: {error}", path.display()))
}
