//! Telling other instances that a message was recorded: PostgreSQL `LISTEN`/`NOTIFY` on a
//! channel named after the schema, so event streams on every instance wake at once instead
//! of polling. SQLite belongs to one process and needs none. A notification is a hint, never
//! the message: streams read the outbox, so a lost notification costs only latency (the
//! streams' slow safety poll still finds the message).

use crate::storage::StoreError;
use crate::storage::redact::Redactor;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use switchboard_config::model::StorageSettings;

/// A message was recorded for this user and conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// The instance that recorded it (an instance ignores its own).
    pub instance: String,
    /// The user.
    pub user_id: String,
    /// The conversation.
    pub conversation_id: String,
}

/// How long to wait before listening again after the connection dropped.
const RECONNECT: Duration = Duration::from_secs(1);

/// Notifications through PostgreSQL.
pub struct PgFeed {
    /// Two connections: one held by the listener, one for sending.
    pool: PgPool,
    channel: String,
    instance: String,
    redactor: Redactor,
}

impl std::fmt::Debug for PgFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgFeed")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

/// The feed of the project's store: `None` for SQLite.
pub async fn open(settings: &StorageSettings) -> Result<Option<Arc<PgFeed>>, StoreError> {
    match settings {
        StorageSettings::Sqlite { .. } => Ok(None),
        StorageSettings::Postgres { url } => {
            Ok(Some(Arc::new(PgFeed::connect(url.expose()).await?)))
        }
    }
}

impl PgFeed {
    /// Connects, and names the channel after the current schema (instances of one
    /// deployment share it; deployments in other schemas of the database do not hear it).
    pub async fn connect(url: &str) -> Result<PgFeed, StoreError> {
        let redactor = Redactor::new(url);
        let unavailable = |what: &str, e: &dyn std::fmt::Display| {
            StoreError::Unavailable(redactor.redact(&format!("{what}: {e}")))
        };
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| unavailable("invalid PostgreSQL URL", &e))?;
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(|e| unavailable("cannot connect to PostgreSQL", &e))?;
        let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
            .fetch_one(&pool)
            .await
            .map_err(|e| unavailable("cannot read the schema", &e))?;
        let digest = hex::encode(Sha256::digest(schema.as_bytes()));
        Ok(PgFeed {
            pool,
            channel: format!("switchboard_messages_{}", &digest[..16]),
            instance: uuid::Uuid::new_v4().to_string(),
            redactor,
        })
    }

    /// Tells the other instances (after the message is committed).
    pub async fn announce(&self, user_id: &str, conversation_id: &str) -> Result<(), StoreError> {
        let notice = Notice {
            instance: self.instance.clone(),
            user_id: user_id.to_string(),
            conversation_id: conversation_id.to_string(),
        };
        let payload = serde_json::to_string(&notice).unwrap_or_default();
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(&self.channel)
            .bind(payload)
            .execute(&self.pool)
            .await
            .map_err(|e| {
                StoreError::Unavailable(self.redactor.redact(&format!("cannot notify: {e}")))
            })?;
        Ok(())
    }

    /// Listens until the runtime stops, calling `on_notice` with each other instance's
    /// notice, and with `None` whenever notices may have been missed (after each
    /// (re)connection), so followers read the store again.
    pub async fn listen(self: Arc<Self>, on_notice: impl Fn(Option<Notice>) + Send + 'static) {
        let mut warned = false;
        loop {
            match self.listen_once(&on_notice).await {
                Ok(()) => {}
                Err(e) if !warned => {
                    tracing::warn!(target: "switchboard::webhooks", error = %self.redactor.redact(&e.to_string()), "message notifications interrupted; streams fall back to polling until they return");
                    warned = true;
                }
                Err(_) => {}
            }
            tokio::time::sleep(RECONNECT).await;
        }
    }

    async fn listen_once(
        &self,
        on_notice: &(impl Fn(Option<Notice>) + Send),
    ) -> Result<(), sqlx::Error> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(&self.channel).await?;
        on_notice(None);
        loop {
            // `None`: the connection dropped; the next call reconnects, and what was sent
            // meanwhile is lost, so followers read the store again.
            match listener.try_recv().await? {
                Some(n) => match serde_json::from_str::<Notice>(n.payload()) {
                    Ok(notice) if notice.instance == self.instance => {}
                    Ok(notice) => on_notice(Some(notice)),
                    Err(_) => on_notice(None),
                },
                None => on_notice(None),
            }
        }
    }
}
