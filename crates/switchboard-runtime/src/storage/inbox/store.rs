//! The inbox over either backend. On SQLite it has its own pool with `synchronous=FULL`, so an
//! acknowledged event survives a power cut, not only a crash; on PostgreSQL several instances
//! share it, and claims skip rows another instance holds (`FOR UPDATE SKIP LOCKED`), so each
//! pending event is worked on by one at a time.

use super::{
    Audience, ClaimedEvent, DeadLetter, EventStatus, Holder, InboxStore, Inserted, Message,
    NewEvent, NewMessage, PollState, dead_letter, parse_status,
};
use crate::storage::StoreError;
use crate::storage::db::{Db, Tuning, on_pool};
use crate::storage::lease::{LeasedTable, jobs};
use futures::future::BoxFuture;
use std::path::Path;
use switchboard_config::model::StorageSettings;

/// The queue's leases.
const EVENTS: LeasedTable = LeasedTable {
    table: "webhook_events",
    what: "webhook",
};

/// The webhook inbox and the proactive-message outbox in SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct SqlInbox {
    db: Db,
}

type MessageRow = (i64, String, String, String, String, String, i64);

const INSERT_EVENT: &str = "INSERT INTO webhook_events \
     (source, event_id, event_type, payload, received_at, status, next_attempt_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $5) ON CONFLICT (source, event_id) DO NOTHING";

impl SqlInbox {
    /// Opens the inbox in the project's database and brings its schema up to date.
    pub async fn open(settings: &StorageSettings, data_dir: &Path) -> Result<SqlInbox, StoreError> {
        Ok(SqlInbox {
            db: Db::open(settings, data_dir, Tuning::INBOX).await?,
        })
    }
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

impl InboxStore for SqlInbox {
    fn insert<'a>(&'a self, e: &'a NewEvent) -> BoxFuture<'a, Result<Inserted, StoreError>> {
        Box::pin(async move {
            let status = e.settled.unwrap_or(EventStatus::Pending).as_str();
            let done = on_pool!(self.db, pool => {
                sqlx::query(INSERT_EVENT)
                    .bind(&e.source)
                    .bind(&e.event_id)
                    .bind(&e.event_type)
                    .bind(&e.payload)
                    .bind(e.received_at)
                    .bind(status)
                    .execute(pool)
                    .await
                    .map(|done| done.rows_affected())
            })
            .map_err(self.db.err("cannot store a webhook event in"))?;
            Ok(if done == 1 {
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
            let sql = self.db.dialect().pick(
                "UPDATE webhook_events SET next_attempt_at = $1, claimed_by = $4, claim_run = $5 \
                 WHERE rowid IN \
                 (SELECT rowid FROM webhook_events WHERE status = 'pending' AND next_attempt_at <= $2 \
                  ORDER BY received_at LIMIT $3) \
                 RETURNING source, event_id, event_type, payload, attempts",
                "UPDATE webhook_events SET next_attempt_at = $1, claimed_by = $4, claim_run = $5 \
                 WHERE (source, event_id) IN \
                 (SELECT source, event_id FROM webhook_events WHERE status = 'pending' AND next_attempt_at <= $2 \
                  ORDER BY received_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
                 RETURNING source, event_id, event_type, payload, attempts",
            );
            let rows: Vec<(String, String, String, String, i64)> = on_pool!(self.db, pool => {
                sqlx::query_as(sql)
                    .bind(lease_until)
                    .bind(now)
                    .bind(i64::from(limit))
                    .bind(&holder.instance)
                    .bind(&holder.run)
                    .fetch_all(pool)
                    .await
            })
            .map_err(self.db.err("cannot claim webhook events in"))?;
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
        Box::pin(EVENTS.renew(&self.db, holder, lease_until))
    }

    fn deliver<'a>(
        &'a self,
        source: &'a str,
        event_id: &'a str,
        m: &'a NewMessage,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>> {
        Box::pin(async move {
            let seq: Option<(i64,)> = on_pool!(self.db, pool => async {
                let mut tx = pool.begin().await?;
                let seq: Option<(i64,)> = sqlx::query_as(
                    "INSERT INTO proactive_messages \
                     (message_id, source, user_id, conversation_id, text, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING RETURNING seq",
                )
                .bind(&m.message_id)
                .bind(&m.source)
                .bind(&m.user_id)
                .bind(&m.conversation_id)
                .bind(&m.text)
                .bind(m.created_at)
                .fetch_optional(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE webhook_events SET status = 'delivered', last_error = NULL, \
                     claimed_by = NULL, claim_run = NULL WHERE source = $1 AND event_id = $2",
                )
                .bind(source)
                .bind(event_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(seq)
            }.await)
            .map_err(self.db.err("cannot record a proactive message in"))?;
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
            on_pool!(self.db, pool => {
                sqlx::query(
                    "UPDATE webhook_events SET status = $3, claimed_by = NULL, claim_run = NULL \
                     WHERE source = $1 AND event_id = $2",
                )
                .bind(source)
                .bind(event_id)
                .bind(status.as_str())
                .execute(pool)
                .await
                .map(drop)
            })
            .map_err(self.db.err("cannot settle a webhook event in"))
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
            // PostgreSQL cannot infer the type of a parameter that may be NULL inside COALESCE.
            let sql = self.db.dialect().pick(
                "UPDATE webhook_events SET attempts = attempts + 1, last_error = $3, status = $4, \
                 next_attempt_at = COALESCE($5, next_attempt_at), claimed_by = NULL, claim_run = NULL \
                 WHERE source = $1 AND event_id = $2",
                "UPDATE webhook_events SET attempts = attempts + 1, last_error = $3, status = $4, \
                 next_attempt_at = COALESCE($5::bigint, next_attempt_at), claimed_by = NULL, claim_run = NULL \
                 WHERE source = $1 AND event_id = $2",
            );
            on_pool!(self.db, pool => {
                sqlx::query(sql)
                    .bind(source)
                    .bind(event_id)
                    .bind(error)
                    .bind(status)
                    .bind(retry_at)
                    .execute(pool)
                    .await
                    .map(drop)
            })
            .map_err(self.db.err("cannot record a failed webhook attempt in"))
        })
    }

    fn postpone<'a>(
        &'a self,
        source: &'a str,
        event_id: &'a str,
        at: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            on_pool!(self.db, pool => {
                sqlx::query(
                    "UPDATE webhook_events SET next_attempt_at = $3, claimed_by = NULL, claim_run = NULL \
                     WHERE source = $1 AND event_id = $2 AND status = 'pending'",
                )
                .bind(source)
                .bind(event_id)
                .bind(at)
                .execute(pool)
                .await
                .map(drop)
            })
            .map_err(self.db.err("cannot postpone a webhook event in"))
        })
    }

    fn messages_after<'a>(
        &'a self,
        audience: Audience<'a>,
        after: i64,
        limit: u32,
    ) -> BoxFuture<'a, Result<Vec<Message>, StoreError>> {
        Box::pin(async move {
            let (sql, value) = match audience {
                Audience::User(u) => (
                    "SELECT seq, message_id, source, user_id, conversation_id, text, created_at \
                     FROM proactive_messages WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                    u,
                ),
                Audience::Conversation(c) => (
                    "SELECT seq, message_id, source, user_id, conversation_id, text, created_at \
                     FROM proactive_messages WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                    c,
                ),
            };
            let rows: Vec<MessageRow> = on_pool!(self.db, pool => {
                sqlx::query_as(sql)
                    .bind(value)
                    .bind(after)
                    .bind(i64::from(limit))
                    .fetch_all(pool)
                    .await
            })
            .map_err(self.db.err("cannot read proactive messages from"))?;
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
            let (n,): (i64,) = on_pool!(self.db, pool => {
                sqlx::query_as(
                    "SELECT COUNT(*) FROM proactive_messages \
                     WHERE source = $1 AND user_id = $2 AND created_at >= $3",
                )
                .bind(source)
                .bind(user_id)
                .bind(since)
                .fetch_one(pool)
                .await
            })
            .map_err(self.db.err("cannot count proactive messages in"))?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
    }

    fn latest_seq(&self) -> BoxFuture<'_, Result<i64, StoreError>> {
        Box::pin(async move {
            let (seq,): (Option<i64>,) = on_pool!(self.db, pool => {
                sqlx::query_as("SELECT MAX(seq) FROM proactive_messages")
                    .fetch_one(pool)
                    .await
            })
            .map_err(self.db.err("cannot read the latest message of"))?;
            Ok(seq.unwrap_or(0))
        })
    }

    fn poll_state<'a>(&'a self, poller: &'a str) -> BoxFuture<'a, Result<PollState, StoreError>> {
        Box::pin(async move {
            let rows: Vec<(String, String, i64)> = on_pool!(self.db, pool => {
                sqlx::query_as("SELECT item_key, hash, version FROM poll_state WHERE poller = $1")
                    .bind(poller)
                    .fetch_all(pool)
                    .await
            })
            .map_err(self.db.err("cannot read a poller's state from"))?;
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
            on_pool!(self.db, pool => async {
                let mut tx = pool.begin().await?;
                for (key, hash, version) in changed {
                    sqlx::query(
                        "INSERT INTO poll_state (poller, item_key, hash, version, seen_at) \
                         VALUES ($1, $2, $3, $5, $4) \
                         ON CONFLICT (poller, item_key) DO UPDATE SET hash = excluded.hash, \
                         version = excluded.version, seen_at = excluded.seen_at \
                         WHERE poll_state.version < excluded.version",
                    )
                    .bind(poller)
                    .bind(key)
                    .bind(hash)
                    .bind(at)
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                }
                for e in events {
                    sqlx::query(INSERT_EVENT)
                        .bind(&e.source)
                        .bind(&e.event_id)
                        .bind(&e.event_type)
                        .bind(&e.payload)
                        .bind(e.received_at)
                        .bind(EventStatus::Pending.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await
            }.await)
            .map_err(self.db.err("cannot record a poll in"))
        })
    }

    fn dead_letters(&self, limit: u32) -> BoxFuture<'_, Result<Vec<DeadLetter>, StoreError>> {
        Box::pin(async move {
            let rows: Vec<super::DeadRow> = on_pool!(self.db, pool => {
                sqlx::query_as(
                    "SELECT source, event_id, event_type, attempts, last_error, received_at \
                     FROM webhook_events WHERE status = 'dead' ORDER BY received_at DESC LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
            })
            .map_err(self.db.err("cannot list dead letters in"))?;
            Ok(rows.into_iter().map(dead_letter).collect())
        })
    }

    fn status<'a>(
        &'a self,
        source: &'a str,
        event_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<EventStatus>, StoreError>> {
        Box::pin(async move {
            let row: Option<(String,)> = on_pool!(self.db, pool => {
                sqlx::query_as("SELECT status FROM webhook_events WHERE source = $1 AND event_id = $2")
                    .bind(source)
                    .bind(event_id)
                    .fetch_optional(pool)
                    .await
            })
            .map_err(self.db.err("cannot read a webhook event from"))?;
            Ok(row.and_then(|(s,)| parse_status(&s)))
        })
    }

    fn purge(&self, before: i64) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            on_pool!(self.db, pool => async {
                let events = sqlx::query(
                    "DELETE FROM webhook_events WHERE received_at < $1 AND status <> 'pending'",
                )
                .bind(before)
                .execute(pool)
                .await?;
                let messages = sqlx::query("DELETE FROM proactive_messages WHERE created_at < $1")
                    .bind(before)
                    .execute(pool)
                    .await?;
                Ok::<_, sqlx::Error>(events.rows_affected() + messages.rows_affected())
            }.await)
            .map_err(self.db.err("cannot purge webhook events in"))
        })
    }

    fn release_leases<'a>(
        &'a self,
        holder: &'a Holder,
        now: i64,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async move {
            jobs::release(&self.db, holder).await?;
            EVENTS.release(&self.db, holder, now).await
        })
    }

    fn hold_job<'a>(
        &'a self,
        job: &'a str,
        holder: &'a Holder,
        now: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(jobs::hold(&self.db, job, holder, now))
    }
}
