//! The channels' store over either backend. It shares the inbox's tuning: on SQLite a pool of
//! its own with `synchronous=FULL`, so an acknowledged message survives a power cut; on
//! PostgreSQL claims skip rows another instance holds.

use super::{ChannelStore, Contact, Direction, NewQueued, QueueStatus, Queued};
use crate::storage::StoreError;
use crate::storage::db::{Db, Tuning, on_pool};
use crate::storage::inbox::{Holder, Inserted};
use crate::storage::lease::LeasedTable;
use futures::future::BoxFuture;
use std::path::Path;
use switchboard_config::model::StorageSettings;

/// The queue's leases.
const MESSAGES: LeasedTable = LeasedTable {
    table: "channel_messages",
    what: "channel",
};

/// Channel messages and users in SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct SqlChannelStore {
    db: Db,
}

impl SqlChannelStore {
    /// Opens the store in the project's database and brings its schema up to date.
    pub async fn open(
        settings: &StorageSettings,
        data_dir: &Path,
    ) -> Result<SqlChannelStore, StoreError> {
        Ok(SqlChannelStore {
            db: Db::open(settings, data_dir, Tuning::INBOX).await?,
        })
    }
}

impl ChannelStore for SqlChannelStore {
    fn insert<'a>(&'a self, m: &'a NewQueued) -> BoxFuture<'a, Result<Inserted, StoreError>> {
        Box::pin(async move {
            let done = on_pool!(self.db, pool => {
                sqlx::query(
                    "INSERT INTO channel_messages \
                     (channel, message_id, chat, kind, payload, status, next_attempt_at, received_at) \
                     VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6) \
                     ON CONFLICT (channel, message_id) DO NOTHING",
                )
                .bind(&m.channel)
                .bind(&m.message_id)
                .bind(&m.chat)
                .bind(m.direction.as_str())
                .bind(&m.payload)
                .bind(m.received_at)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
            })
            .map_err(self.db.err("cannot store a channel message in"))?;
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
    ) -> BoxFuture<'a, Result<Vec<Queued>, StoreError>> {
        Box::pin(async move {
            // Only the oldest pending message of each chat, so a conversation's messages are
            // handled in order; on PostgreSQL rows another instance is claiming are skipped.
            let sql = self.db.dialect().pick(
                "UPDATE channel_messages SET next_attempt_at = $1, claimed_by = $4, claim_run = $5 \
                 WHERE seq IN (SELECT m.seq FROM channel_messages m \
                 WHERE m.status = 'pending' AND m.next_attempt_at <= $2 \
                 AND NOT EXISTS (SELECT 1 FROM channel_messages e \
                                 WHERE e.chat = m.chat AND e.status = 'pending' AND e.seq < m.seq) \
                 ORDER BY m.seq LIMIT $3) \
                 RETURNING channel, message_id, kind, payload, attempts",
                "UPDATE channel_messages SET next_attempt_at = $1, claimed_by = $4, claim_run = $5 \
                 WHERE seq IN (SELECT m.seq FROM channel_messages m \
                 WHERE m.status = 'pending' AND m.next_attempt_at <= $2 \
                 AND NOT EXISTS (SELECT 1 FROM channel_messages e \
                                 WHERE e.chat = m.chat AND e.status = 'pending' AND e.seq < m.seq) \
                 ORDER BY m.seq LIMIT $3 FOR UPDATE OF m SKIP LOCKED) \
                 RETURNING channel, message_id, kind, payload, attempts",
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
            .map_err(self.db.err("cannot claim channel messages in"))?;
            Ok(rows
                .into_iter()
                .map(|(channel, message_id, kind, payload, attempts)| Queued {
                    channel,
                    message_id,
                    direction: Direction::parse(&kind),
                    payload,
                    attempts: u32::try_from(attempts).unwrap_or(0),
                })
                .collect())
        })
    }

    fn renew<'a>(
        &'a self,
        holder: &'a Holder,
        lease_until: i64,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(MESSAGES.renew(&self.db, holder, lease_until))
    }

    fn settle<'a>(
        &'a self,
        channel: &'a str,
        message_id: &'a str,
        status: QueueStatus,
        error: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            on_pool!(self.db, pool => {
                sqlx::query(
                    "UPDATE channel_messages SET status = $3, last_error = $4, \
                     claimed_by = NULL, claim_run = NULL \
                     WHERE channel = $1 AND message_id = $2",
                )
                .bind(channel)
                .bind(message_id)
                .bind(status.as_str())
                .bind(error)
                .execute(pool)
                .await
                .map(|_| ())
            })
            .map_err(self.db.err("cannot settle a channel message in"))
        })
    }

    fn retry<'a>(
        &'a self,
        channel: &'a str,
        message_id: &'a str,
        error: &'a str,
        at: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            on_pool!(self.db, pool => {
                sqlx::query(
                    "UPDATE channel_messages SET attempts = attempts + 1, last_error = $3, \
                     next_attempt_at = $4, claimed_by = NULL, claim_run = NULL \
                     WHERE channel = $1 AND message_id = $2 AND status = 'pending'",
                )
                .bind(channel)
                .bind(message_id)
                .bind(error)
                .bind(at)
                .execute(pool)
                .await
                .map(|_| ())
            })
            .map_err(self.db.err("cannot retry a channel message in"))
        })
    }

    fn release_leases<'a>(
        &'a self,
        holder: &'a Holder,
        now: i64,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(MESSAGES.release(&self.db, holder, now))
    }

    fn status<'a>(
        &'a self,
        channel: &'a str,
        message_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<QueueStatus>, StoreError>> {
        Box::pin(async move {
            let row: Option<(String,)> = on_pool!(self.db, pool => {
                sqlx::query_as(
                    "SELECT status FROM channel_messages WHERE channel = $1 AND message_id = $2",
                )
                .bind(channel)
                .bind(message_id)
                .fetch_optional(pool)
                .await
            })
            .map_err(self.db.err("cannot read a channel message from"))?;
            Ok(row.and_then(|(s,)| QueueStatus::parse(&s)))
        })
    }

    fn user_for<'a>(
        &'a self,
        channel: &'a str,
        address: &'a str,
        candidate: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<String, StoreError>> {
        Box::pin(async move {
            on_pool!(self.db, pool => {
                sqlx::query(
                    "INSERT INTO channel_users (channel, address, user_id, last_inbound_at, context) \
                     VALUES ($1, $2, $3, $4, '{}') ON CONFLICT (channel, address) DO NOTHING",
                )
                .bind(channel)
                .bind(address)
                .bind(candidate)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
            })
            .map_err(self.db.err("cannot record a channel user in"))?;
            self.known_user(channel, address)
                .await?
                .ok_or_else(|| StoreError::Unavailable("a channel user vanished".into()))
        })
    }

    fn known_user<'a>(
        &'a self,
        channel: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(async move {
            let row: Option<(String,)> = on_pool!(self.db, pool => {
                sqlx::query_as(
                    "SELECT user_id FROM channel_users WHERE channel = $1 AND address = $2",
                )
                .bind(channel)
                .bind(address)
                .fetch_optional(pool)
                .await
            })
            .map_err(self.db.err("cannot read a channel user from"))?;
            Ok(row.map(|(u,)| u))
        })
    }

    fn touch<'a>(
        &'a self,
        channel: &'a str,
        address: &'a str,
        at: i64,
        context: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            on_pool!(self.db, pool => {
                sqlx::query(
                    "UPDATE channel_users SET last_inbound_at = $3, context = $4 \
                     WHERE channel = $1 AND address = $2 AND last_inbound_at <= $3",
                )
                .bind(channel)
                .bind(address)
                .bind(at)
                .bind(context)
                .execute(pool)
                .await
                .map(|_| ())
            })
            .map_err(self.db.err("cannot record a channel user in"))
        })
    }

    fn contact<'a>(
        &'a self,
        user_id: &'a str,
        channel: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<Contact>, StoreError>> {
        Box::pin(async move {
            let row: Option<(String, String, i64, String)> = on_pool!(self.db, pool => {
                sqlx::query_as(
                    "SELECT channel, address, last_inbound_at, context FROM channel_users \
                     WHERE user_id = $1 AND ($2 IS NULL OR channel = $2) \
                     ORDER BY last_inbound_at DESC LIMIT 1",
                )
                .bind(user_id)
                .bind(channel)
                .fetch_optional(pool)
                .await
            })
            .map_err(self.db.err("cannot read a channel user from"))?;
            Ok(
                row.map(|(channel, address, last_inbound_at, context)| Contact {
                    channel,
                    address,
                    last_inbound_at,
                    context,
                }),
            )
        })
    }

    fn purge(&self, before: i64) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            on_pool!(self.db, pool => {
                sqlx::query(
                    "DELETE FROM channel_messages WHERE status <> 'pending' AND received_at < $1",
                )
                .bind(before)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
            })
            .map_err(self.db.err("cannot purge channel messages in"))
        })
    }
}
