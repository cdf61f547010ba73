//! The conversation store over either backend.

use super::ConversationStore;
use super::row::{self, PURGE_BATCH, Stored};
use super::writer::{Save, Writer, bind_save};
use crate::conversation::Conversation;
use crate::storage::StoreError;
use crate::storage::db::{Db, Dialect, Pool, Tuning, is_unique_violation, on_pool};
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use std::path::Path;
use switchboard_config::model::StorageSettings;

/// How many recently used conversations SQLite keeps in memory.
const CACHED_CONVERSATIONS: u64 = 10_000;

/// Conversations in SQLite or PostgreSQL.
///
/// A SQLite file belongs to one process, so there recently used conversations are also kept
/// in memory (written through on every save): a turn then costs one database write instead of
/// a read and a write. Should another process write the same file anyway, the version check
/// still refuses the stale save, and the entry is dropped so the next turn reads the file
/// again. PostgreSQL is shared by instances and is always read.
///
/// On SQLite saves go through a connection of their own ([`Writer`]); on PostgreSQL through
/// the pool, which takes concurrent writers.
#[derive(Debug, Clone)]
pub struct SqlConversations {
    db: Db,
    /// Set exactly on SQLite.
    local: Option<Local>,
}

/// What a SQLite file, which one process owns, lets the store keep: recent conversations in
/// memory and a connection for saves.
#[derive(Clone)]
struct Local {
    recent: moka::future::Cache<String, Conversation>,
    /// Users' default conversation ids, so a turn naming no conversation costs no extra read.
    /// An entry is only a hint: the conversation it names is checked on every use.
    defaults: moka::future::Cache<String, String>,
    writer: Writer,
}

impl std::fmt::Debug for Local {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Local")
            .field("recent", &self.recent.entry_count())
            .field("writer", &self.writer)
            .finish_non_exhaustive()
    }
}

impl SqlConversations {
    /// Opens the project's store and brings its schema up to date.
    pub async fn open(
        settings: &StorageSettings,
        data_dir: &Path,
    ) -> Result<SqlConversations, StoreError> {
        SqlConversations::on(Db::open(settings, data_dir, Tuning::CONVERSATIONS).await?).await
    }

    /// Opens (creating it if needed) the SQLite file at `path`.
    pub async fn open_sqlite(path: &Path) -> Result<SqlConversations, StoreError> {
        SqlConversations::on(Db::open_sqlite(path, Tuning::CONVERSATIONS).await?).await
    }

    /// Connects to PostgreSQL at `url`. Errors never contain the URL's password.
    pub async fn connect_postgres(url: &str) -> Result<SqlConversations, StoreError> {
        SqlConversations::on(Db::connect_postgres(url, Tuning::CONVERSATIONS).await?).await
    }

    async fn on(db: Db) -> Result<SqlConversations, StoreError> {
        let local = match &db.pool {
            Pool::Sqlite(pool) => Some(Local {
                recent: moka::future::Cache::new(CACHED_CONVERSATIONS),
                defaults: moka::future::Cache::new(CACHED_CONVERSATIONS),
                writer: Writer::open(pool)
                    .await
                    .map_err(db.err("cannot open a connection for saving conversations to"))?,
            }),
            Pool::Postgres(_) => None,
        };
        Ok(SqlConversations { db, local })
    }

    async fn load(&self, id: &str) -> Result<Option<Conversation>, StoreError> {
        if let Some(local) = &self.local
            && let Some(conversation) = local.recent.get(id).await
        {
            return Ok(Some(conversation));
        }
        let sql = self.db.dialect().pick(
            "SELECT state, version, is_default, \
             (SELECT json_group_array(json(message) ORDER BY seq) \
              FROM conversation_messages WHERE conversation_id = $1) \
             FROM conversations WHERE id = $1",
            "SELECT state::text, version, is_default, \
             (SELECT coalesce(json_agg(message ORDER BY seq), '[]')::text \
              FROM conversation_messages WHERE conversation_id = $1) \
             FROM conversations WHERE id = $1",
        );
        let row: Option<(String, i64, bool, String)> = on_pool!(self.db, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await
        })
        .map_err(self.db.err("cannot load a conversation from"))?;
        let conversation = row
            .map(|(state, version, is_default, messages)| {
                row::decode(Stored {
                    id,
                    state: &state,
                    messages: &messages,
                    version,
                    is_default,
                })
            })
            .transpose()?;
        if let (Some(local), Some(c)) = (&self.local, &conversation) {
            local.recent.insert(id.to_string(), c.clone()).await;
        }
        Ok(conversation)
    }

    async fn load_default(&self, user_id: &str) -> Result<Option<Conversation>, StoreError> {
        if let Some(local) = &self.local
            && let Some(id) = local.defaults.get(user_id).await
            && let Some(c) = self.load(&id).await?
            && c.default
            && c.user_id == user_id
        {
            return Ok(Some(c));
        }
        // Each dialect's spelling of the partial unique index's condition, so it is used.
        let sql = self.db.dialect().pick(
            "SELECT c.id, c.state, c.version, \
             (SELECT json_group_array(json(message) ORDER BY seq) \
              FROM conversation_messages WHERE conversation_id = c.id) \
             FROM conversations c WHERE c.user_id = $1 AND c.is_default = 1",
            "SELECT c.id, c.state::text, c.version, \
             (SELECT coalesce(json_agg(message ORDER BY seq), '[]')::text \
              FROM conversation_messages WHERE conversation_id = c.id) \
             FROM conversations c WHERE c.user_id = $1 AND c.is_default",
        );
        let row: Option<(String, String, i64, String)> = on_pool!(self.db, pool => {
            sqlx::query_as(sql).bind(user_id).fetch_optional(pool).await
        })
        .map_err(self.db.err("cannot load a conversation from"))?;
        let Some((id, state, version, messages)) = row else {
            if let Some(local) = &self.local {
                local.defaults.invalidate(user_id).await;
            }
            return Ok(None);
        };
        let conversation = row::decode(Stored {
            id: &id,
            state: &state,
            messages: &messages,
            version,
            is_default: true,
        })?;
        if let Some(local) = &self.local {
            local.recent.insert(id.clone(), conversation.clone()).await;
            local.defaults.insert(user_id.to_string(), id).await;
        }
        Ok(Some(conversation))
    }

    async fn save(&self, conversation: &mut Conversation) -> Result<(), StoreError> {
        let row = row::encode(conversation)?;
        let save = Save {
            statement: save_statement(self.db.dialect(), row.expected == 0),
            conversation,
            row,
        };
        let result = match &self.local {
            Some(local) => local.writer.save(&save).await,
            None => on_pool!(self.db, pool => {
                bind_save!(save).execute(pool).await.map(|done| done.rows_affected())
            }),
        };
        let saved = match result {
            Ok(written) => written == 1,
            Err(error) if is_unique_violation(&error) => false,
            Err(error) => return Err(self.db.unavailable("cannot save a conversation in", &error)),
        };
        if !saved {
            if let Some(local) = &self.local {
                local.recent.invalidate(&conversation.id).await;
            }
            return Err(StoreError::Conflict(conversation.id.clone()));
        }
        conversation.version += 1;
        conversation.stored_messages = conversation.messages;
        if let Some(local) = &self.local {
            local
                .recent
                .insert(conversation.id.clone(), conversation.clone())
                .await;
        }
        Ok(())
    }

    async fn purge_idle(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let before = row::timestamp(&before);
        // On PostgreSQL, `SKIP LOCKED`: a conversation a turn is saving right now is left for
        // next time.
        let sql = self.db.dialect().pick(
            "DELETE FROM conversations WHERE rowid IN \
             (SELECT rowid FROM conversations WHERE updated_at < $1 LIMIT $2)",
            "DELETE FROM conversations WHERE id IN \
             (SELECT id FROM conversations WHERE updated_at < $1::timestamptz LIMIT $2 \
              FOR UPDATE SKIP LOCKED)",
        );
        let mut purged = 0;
        loop {
            let done = on_pool!(self.db, pool => {
                sqlx::query(sql)
                    .bind(&before)
                    .bind(PURGE_BATCH)
                    .execute(pool)
                    .await
                    .map(|done| done.rows_affected())
            })
            .map_err(self.db.err("cannot purge conversations in"))?;
            purged += done;
            if done < PURGE_BATCH as u64 {
                break;
            }
        }
        if purged > 0
            && let Some(local) = &self.local
        {
            // A purged conversation must not come back from memory.
            local.recent.invalidate_all();
            local.defaults.invalidate_all();
        }
        Ok(purged)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self.db, pool => sqlx::query("SELECT 1").execute(pool).await.map(drop))
            .map_err(self.db.err("cannot reach"))
    }
}

/// The statement that saves a conversation: a `new` one is inserted, another updated where its
/// version is the one it was loaded with.
pub(super) fn save_statement(dialect: Dialect, new: bool) -> &'static str {
    // A new conversation is inserted; `DO NOTHING` turns a concurrent first save of the same
    // id (or of the same user's default conversation) into zero rows written, that is a
    // Conflict, never a duplicate or an overwrite. On PostgreSQL an update blocked behind
    // another re-checks `version` once that one commits, with the same result. The owner
    // is never changed by an update. The messages the turn added (`$7`, numbered from
    // `$8`) are appended and those before `$9` deleted in the same statement, so they are
    // stored exactly when the state is: on SQLite by the triggers of migration 0003 (the
    // `appending` column; SQLite's count leaves out what triggers write), on PostgreSQL by
    // the `WITH` (its count is the rows of `saved`). PostgreSQL reads `$7` only with
    // `json_array_elements`: its operators that look keys up refuse a `\u0000` anywhere.
    if new {
        dialect.pick(
            "INSERT INTO conversations \
             (id, user_id, state, version, updated_at, is_default, appending) \
             VALUES ($1, $2, $3, $4, $5, $6, \
             json_object('first', $8, 'keep', $9, 'messages', json($7))) \
             ON CONFLICT DO NOTHING",
            "WITH saved AS (\
               INSERT INTO conversations (id, user_id, state, version, updated_at, is_default) \
               VALUES ($1, $2, $3::json, $4, $5::timestamptz, $6) ON CONFLICT DO NOTHING \
               RETURNING id, version), \
             appended AS (\
               INSERT INTO conversation_messages (conversation_id, seq, message) \
               SELECT saved.id, $8::bigint + m.n - 1, m.message \
               FROM saved, json_array_elements($7::json) WITH ORDINALITY AS m(message, n)) \
             SELECT version FROM saved",
        )
    } else {
        dialect.pick(
            "UPDATE conversations SET state = $3, version = $4, updated_at = $5, \
             is_default = $6, \
             appending = json_object('first', $8, 'keep', $9, 'messages', json($7)) \
             WHERE id = $1 AND version = $10 AND user_id = $2",
            "WITH saved AS (\
               UPDATE conversations SET state = $3::json, version = $4, \
               updated_at = $5::timestamptz, is_default = $6 \
               WHERE id = $1 AND version = $10 AND user_id = $2 RETURNING id, version), \
             appended AS (\
               INSERT INTO conversation_messages (conversation_id, seq, message) \
               SELECT saved.id, $8::bigint + m.n - 1, m.message \
               FROM saved, json_array_elements($7::json) WITH ORDINALITY AS m(message, n)), \
             trimmed AS (\
               DELETE FROM conversation_messages \
               WHERE conversation_id IN (SELECT id FROM saved) \
                 AND seq < $9::bigint) \
             SELECT version FROM saved",
        )
    }
}

impl ConversationStore for SqlConversations {
    fn load<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Conversation>, StoreError>> {
        Box::pin(SqlConversations::load(self, id))
    }

    fn save<'a>(
        &'a self,
        conversation: &'a mut Conversation,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(SqlConversations::save(self, conversation))
    }

    fn load_default<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Conversation>, StoreError>> {
        Box::pin(SqlConversations::load_default(self, user_id))
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(SqlConversations::ping(self))
    }

    fn purge_idle(&self, before: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(SqlConversations::purge_idle(self, before))
    }
}
