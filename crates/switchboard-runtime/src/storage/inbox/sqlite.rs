//! The inbox in the SQLite file, on its own pool with `synchronous=FULL`: an acknowledged
//! event survives a power cut, not only a crash.

use super::{
    Audience, ClaimedEvent, DeadLetter, EventStatus, Holder, InboxStore, Inserted, Message,
    NewEvent, NewMessage, parse_status,
};
use crate::storage::StoreError;
use crate::storage::sql;
use futures::future::BoxFuture;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A store operation waits this long for the write lock or a connection; past it the sender
/// gets a 503 and retries.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The inbox in a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteInbox {
    pool: SqlitePool,
    path: PathBuf,
}

type MessageRow = (i64, String, String, String, String, String, i64);

impl SqliteInbox {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<SqliteInbox, StoreError> {
        crate::storage::files::private_database(path)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| unavailable(path, "cannot open", &e))?;
        sql::migrator(crate::storage::sqlite::MIGRATIONS)
            .run(&pool)
            .await
            .map_err(|e| {
                StoreError::Unavailable(format!("cannot migrate {}: {e}", path.display()))
            })?;
        Ok(SqliteInbox {
            pool,
            path: path.to_owned(),
        })
    }

    fn err(&self, action: &str) -> impl Fn(sqlx::Error) -> StoreError + '_ {
        let action = action.to_owned();
        move |e| unavailable(&self.path, &action, &e)
    }
}

fn unavailable(path: &Path, action: &str, error: &sqlx::Error) -> StoreError {
    StoreError::Unavailable(format!("{action} {}: {error}", path.display()))
}

fn message(
    (seq, message_id, source, user_id, conversation_id, text, created_at): MessageRow,
) -> Message {
    Message {
        seq,
        message_id,
        source,
        user_id,
        conversation_id,
        text,
        created_at,
    }
}

impl InboxStore for SqliteInbox {
    fn insert<'a>(&'a self, e: &'a NewEvent) -> BoxFuture<'a, Result<Inserted, StoreError>> {
        Box::pin(async move {
            let status = e.settled.unwrap_or(EventStatus::Pending).as_str();
            let done = sqlx::query(
                "INSERT INTO webhook_events (source, event_id, event_type, payload, received_at, status, next_attempt_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5) ON CONFLICT (source, event_id) DO NOTHING",
            )
            .bind(&e.source)
            .bind(&e.event_id)
            .bind(&e.event_type)
            .bind(&e.payload)
            .bind(e.received_at)
            .bind(status)
            .execute(&self.pool)
            .await
            .map_err(self.err("cannot store a webhook event in"))?;
            Ok(if done.rows_affected() == 1 {
                Inserted::New
            } else {
                Inserted::Duplicate
            })
        })
    }

    fn claim<'a>(
        &'a self,
        holder: &'a Holder,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> BoxFuture<'a, Result<Vec<ClaimedEvent>, StoreError>> {
        Box::pin(async move {
            let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
                "UPDATE webhook_events SET next_attempt_at = ?1, claimed_by = ?4, claim_run = ?5 \
                 WHERE rowid IN \
                 (SELECT rowid FROM webhook_events WHERE status = 'pending' AND next_attempt_at <= ?2 \
                  ORDER BY received_at LIMIT ?3) \
                 RETURNING source, event_id, event_type, payload, attempts",
            )
            .bind(lease_until)
            .bind(now)
            .bind(i64::from(limit))
            .bind(&holder.instance)
            .bind(&holder.run)
            .fetch_all(&self.pool)
            .await
            .map_err(self.err("cannot claim webhook events in"))?;
            Ok(rows
                .into_iter()
                .map(
                    |(source, event_id, event_type, payload, attempts)| ClaimedEvent {
                        source,
                        event_id,
                        event_type,
                        payload,
                        attempts: u32::try_from(attempts).unwrap_or(0),
                    },
                )
                .collect())
        })
    }

    fn renew<'a>(
        &'a self,
        holder: &'a Holder,
        lease_until: i64,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE webhook_events SET next_attempt_at = ?3 \
                 WHERE claimed_by = ?1 AND claim_run = ?2 AND status = 'pending' AND next_attempt_at < ?3",
            )
            .bind(&holder.instance)
            .bind(&holder.run)
            .bind(lease_until)
            .execute(&self.pool)
            .await
            .map_err(self.err("cannot renew webhook leases in"))?;
            Ok(done.rows_affected())
        })
    }

    fn deliver<'a>(
        &'a self,
        source: &'a str,
        event_id: &'a str,
        m: &'a NewMessage,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>> {
        Box::pin(async move {
            let err = self.err("cannot record a proactive message in");
            let mut tx = self.pool.begin().await.map_err(&err)?;
            let seq: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO proactive_messages (message_id, source, user_id, conversation_id, text, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (message_id) DO NOTHING RETURNING seq",
            )
            .bind(&m.message_id)
            .bind(&m.source)
            .bind(&m.user_id)
            .bind(&m.conversation_id)
            .bind(&m.text)
            .bind(m.created_at)
            .fetch_optional(&mut *tx)
            .await
            .map_err(&err)?;
            sqlx::query(
                "UPDATE webhook_events SET status = 'delivered', last_error = NULL, claimed_by = NULL, \
                 claim_run = NULL WHERE source = ?1 AND event_id = ?2",
            )
            .bind(source)
            .bind(event_id)
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
            tx.commit().await.map_err(&err)?;
            Ok(seq.map(|(s,)| s))
        })
    }

    fn settle<'a>(
        &'a self,
        source: &'a str,
        event_id: &'a str,
        status: EventStatus,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query(
                "UPDATE webhook_events SET status = ?3, claimed_by = NULL, claim_run = NULL \
                 WHERE source = ?1 AND event_id = ?2",
            )
            .bind(source)
            .bind(event_id)
            .bind(status.as_str())
            .execute(&self.pool)
            .await
            .map_err(self.err("cannot settle a webhook event in"))?;
            Ok(())
        })
    }

    fn fail<'a>(
        &'a self,
        source: &'a str,
        event_id: &'a str,
        error: &'a str,
        retry_at: Option<i64>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let status = if retry_at.is_some() {
                "pending"
            } else {
                "dead"
            };
            sqlx::query(
                "UPDATE webhook_events SET attempts = attempts + 1, last_error = ?3, status = ?4, \
                 next_attempt_at = COALESCE(?5, next_attempt_at), claimed_by = NULL, claim_run = NULL \
                 WHERE source = ?1 AND event_id = ?2",
            )
            .bind(source)
            .bind(event_id)
            .bind(error)
            .bind(status)
            .bind(retry_at)
            .execute(&self.pool)
            .await
            .map_err(self.err("cannot record a failed webhook attempt in"))?;
            Ok(())
        })
    }

    fn postpone<'a>(
        &'a self,
        source: &'a str,
        event_id: &'a str,
        at: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query(
                "UPDATE webhook_events SET next_attempt_at = ?3, claimed_by = NULL, claim_run = NULL \
                 WHERE source = ?1 AND event_id = ?2 AND status = 'pending'",
            )
            .bind(source)
            .bind(event_id)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(self.err("cannot postpone a webhook event in"))?;
            Ok(())
        })
    }

    fn messages_after<'a>(
        &'a self,
        audience: Audience<'a>,
        after: i64,
        limit: u32,
    ) -> BoxFuture<'a, Result<Vec<Message>, StoreError>> {
        Box::pin(async move {
            let (column, value) = match audience {
                Audience::User(u) => ("user_id", u),
                Audience::Conversation(c) => ("conversation_id", c),
            };
            let query = format!(
                "SELECT seq, message_id, source, user_id, conversation_id, text, created_at \
                 FROM proactive_messages WHERE {column} = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
            );
            let rows: Vec<MessageRow> = sqlx::query_as(sqlx::AssertSqlSafe(query))
                .bind(value)
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(self.err("cannot read proactive messages from"))?;
            Ok(rows.into_iter().map(message).collect())
        })
    }

    fn sent_since<'a>(
        &'a self,
        source: &'a str,
        user_id: &'a str,
        since: i64,
    ) -> BoxFuture<'a, Result<u32, StoreError>> {
        Box::pin(async move {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM proactive_messages WHERE source = ?1 AND user_id = ?2 AND created_at >= ?3",
            )
            .bind(source)
            .bind(user_id)
            .bind(since)
            .fetch_one(&self.pool)
            .await
            .map_err(self.err("cannot count proactive messages in"))?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
    }

    fn latest_seq(&self) -> BoxFuture<'_, Result<i64, StoreError>> {
        Box::pin(async move {
            let (seq,): (Option<i64>,) = sqlx::query_as("SELECT MAX(seq) FROM proactive_messages")
                .fetch_one(&self.pool)
                .await
                .map_err(self.err("cannot read the latest message of"))?;
            Ok(seq.unwrap_or(0))
        })
    }

    fn poll_state<'a>(
        &'a self,
        poller: &'a str,
    ) -> BoxFuture<'a, Result<super::PollState, StoreError>> {
        Box::pin(async move {
            let rows: Vec<(String, String, i64)> =
                sqlx::query_as("SELECT item_key, hash, version FROM poll_state WHERE poller = ?1")
                    .bind(poller)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(self.err("cannot read a poller's state from"))?;
            Ok(rows.into_iter().map(|(k, h, v)| (k, (h, v))).collect())
        })
    }

    fn record_poll<'a>(
        &'a self,
        poller: &'a str,
        changed: &'a [(String, String, i64)],
        events: &'a [NewEvent],
        at: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let err = self.err("cannot record a poll in");
            let mut tx = self.pool.begin().await.map_err(&err)?;
            for (key, hash, version) in changed {
                sqlx::query(
                    "INSERT INTO poll_state (poller, item_key, hash, version, seen_at) VALUES (?1, ?2, ?3, ?5, ?4) \
                     ON CONFLICT (poller, item_key) DO UPDATE SET hash = excluded.hash, version = excluded.version, seen_at = excluded.seen_at \
                     WHERE poll_state.version < excluded.version",
                )
                .bind(poller)
                .bind(key)
                .bind(hash)
                .bind(at)
                .bind(version)
                .execute(&mut *tx)
                .await
                .map_err(&err)?;
            }
            for e in events {
                sqlx::query(
                    "INSERT INTO webhook_events (source, event_id, event_type, payload, received_at, status, next_attempt_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?5) ON CONFLICT (source, event_id) DO NOTHING",
                )
                .bind(&e.source)
                .bind(&e.event_id)
                .bind(&e.event_type)
                .bind(&e.payload)
                .bind(e.received_at)
                .execute(&mut *tx)
                .await
                .map_err(&err)?;
            }
            tx.commit().await.map_err(&err)?;
            Ok(())
        })
    }

    fn dead_letters(&self, limit: u32) -> BoxFuture<'_, Result<Vec<DeadLetter>, StoreError>> {
        Box::pin(async move {
            let rows: Vec<(String, String, String, i64, Option<String>, i64)> = sqlx::query_as(
                "SELECT source, event_id, event_type, attempts, last_error, received_at \
                 FROM webhook_events WHERE status = 'dead' ORDER BY received_at DESC LIMIT ?1",
            )
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(self.err("cannot list dead letters in"))?;
            Ok(rows.into_iter().map(super::dead_letter).collect())
        })
    }

    fn status<'a>(
        &'a self,
        source: &'a str,
        event_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<EventStatus>, StoreError>> {
        Box::pin(async move {
            let row: Option<(String,)> = sqlx::query_as(
                "SELECT status FROM webhook_events WHERE source = ?1 AND event_id = ?2",
            )
            .bind(source)
            .bind(event_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err("cannot read a webhook event from"))?;
            Ok(row.and_then(|(s,)| parse_status(&s)))
        })
    }

    fn purge(&self, before: i64) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let err = self.err("cannot purge webhook events in");
            let events = sqlx::query(
                "DELETE FROM webhook_events WHERE received_at < ?1 AND status <> 'pending'",
            )
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(&err)?;
            let messages = sqlx::query("DELETE FROM proactive_messages WHERE created_at < ?1")
                .bind(before)
                .execute(&self.pool)
                .await
                .map_err(&err)?;
            Ok(events.rows_affected() + messages.rows_affected())
        })
    }

    fn release_leases<'a>(
        &'a self,
        holder: &'a Holder,
        now: i64,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        // The file belongs to one process: whatever an earlier run held, that run is gone.
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE webhook_events SET next_attempt_at = ?1, claimed_by = NULL, claim_run = NULL \
                 WHERE claimed_by IS NOT NULL AND claim_run <> ?2 AND status = 'pending'",
            )
            .bind(now)
            .bind(&holder.run)
            .execute(&self.pool)
            .await
            .map_err(self.err("cannot release webhook leases in"))?;
            Ok(done.rows_affected())
        })
    }
}
