//! PostgreSQL, for several instances behind a load balancer sharing their conversations.

mod redact;

use super::sql::{self, Embedded};
use super::{ConversationStore, StoreError};
use crate::conversation::Conversation;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
pub(super) use redact::Redactor;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// PostgreSQL's schema, separate from SQLite's: the two dialects differ.
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

/// Connections per instance; several instances share the server's `max_connections`.
const MAX_CONNECTIONS: u32 = 8;

/// How long a query waits for a connection. A turn that cannot be saved in this time has lost
/// its deadline anyway.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Conversations in a PostgreSQL database.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    redactor: Redactor,
}

impl PostgresStore {
    /// Connects to `url` (a `postgres://` URL; `options[search_path]=...` selects a schema) and
    /// brings the schema up to date. sqlx's migrator holds an advisory lock while migrating, so
    /// instances starting together do not race.
    ///
    /// Errors never contain the URL's password.
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let redactor = Redactor::new(url);
        let options = PgConnectOptions::from_str(url)
            .map_err(|error| unavailable(&redactor, "invalid PostgreSQL URL", &error))?;
        // sqlx retries a refused connection until the timeout and then only says it timed out;
        // the address tells the operator where to look.
        let action = format!(
            "cannot connect to PostgreSQL at {}:{}",
            options.get_host(),
            options.get_port()
        );
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|error| unavailable(&redactor, &action, &error))?;
        sql::migrator(MIGRATIONS)
            .run(&pool)
            .await
            .map_err(|error| unavailable(&redactor, "cannot migrate PostgreSQL", &error))?;
        Ok(PostgresStore { pool, redactor })
    }

    /// The connection pool (the audit store shares the database).
    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn load(&self, id: &str) -> Result<Option<Conversation>, StoreError> {
        let row: Option<(String, i64, bool)> = sqlx::query_as(
            "SELECT state::text, version, is_default FROM conversations WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(|error| self.unavailable("cannot load a conversation", &error))?;
        row.map(|(state, version, is_default)| sql::decode(id, &state, version, is_default))
            .transpose()
    }

    async fn load_default(&self, user_id: &str) -> Result<Option<Conversation>, StoreError> {
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT id, state::text, version FROM conversations \
             WHERE user_id = $1 AND is_default",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(|error| self.unavailable("cannot load a conversation", &error))?;
        row.map(|(id, state, version)| sql::decode(&id, &state, version, true))
            .transpose()
    }

    async fn save(&self, conversation: &mut Conversation) -> Result<(), StoreError> {
        let row = sql::encode(conversation)?;
        // A new conversation is inserted; `DO NOTHING` makes a concurrent first save of the same
        // id (or of the same user's default conversation) wait for the other and then write
        // nothing: a Conflict, never a duplicate. An update blocked behind another re-checks
        // `version` once that one commits, with the same result. The owner never changes.
        let (statement, guard) = if row.expected == 0 {
            (
                "INSERT INTO conversations (id, user_id, state, version, updated_at, is_default) \
                 VALUES ($1, $2, $3::json, $4, $5::timestamptz, $6) ON CONFLICT DO NOTHING",
                None,
            )
        } else {
            (
                "UPDATE conversations SET state = $3::json, version = $4, \
                 updated_at = $5::timestamptz, is_default = $6 \
                 WHERE id = $1 AND version = $7 AND user_id = $2",
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
            Err(error) => return Err(self.unavailable("cannot save a conversation", &error)),
        };
        if written == 0 {
            return Err(StoreError::Conflict(conversation.id.clone()));
        }
        conversation.version += 1;
        Ok(())
    }

    async fn purge_idle(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let before = sql::timestamp(&before);
        let mut purged = 0;
        loop {
            // `SKIP LOCKED`: a conversation a turn is saving right now is left for next time.
            let done = sqlx::query(
                "DELETE FROM conversations WHERE id IN \
                 (SELECT id FROM conversations WHERE updated_at < $1::timestamptz LIMIT $2 \
                  FOR UPDATE SKIP LOCKED)",
            )
            .bind(&before)
            .bind(sql::PURGE_BATCH)
            .execute(&self.pool)
            .await
            .map_err(|error| self.unavailable("cannot purge conversations", &error))?;
            purged += done.rows_affected();
            if done.rows_affected() < sql::PURGE_BATCH as u64 {
                break;
            }
        }
        Ok(purged)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(|error| self.unavailable("cannot reach PostgreSQL", &error))?;
        Ok(())
    }

    fn unavailable(&self, action: &str, error: &dyn fmt::Display) -> StoreError {
        unavailable(&self.redactor, action, error)
    }
}

impl ConversationStore for PostgresStore {
    fn load<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Conversation>, StoreError>> {
        Box::pin(PostgresStore::load(self, id))
    }

    fn save<'a>(
        &'a self,
        conversation: &'a mut Conversation,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(PostgresStore::save(self, conversation))
    }

    fn load_default<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Conversation>, StoreError>> {
        Box::pin(PostgresStore::load_default(self, user_id))
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(PostgresStore::ping(self))
    }

    fn purge_idle(&self, before: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(PostgresStore::purge_idle(self, before))
    }
}

/// The pool's options hold the password: never print them.
impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

/// A database error, with the password masked.
fn unavailable(redactor: &Redactor, action: &str, error: &dyn fmt::Display) -> StoreError {
    StoreError::Unavailable(redactor.redact(&format!("{action}: {error}")))
}
