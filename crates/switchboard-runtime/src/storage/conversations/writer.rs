//! Saves on SQLite, through a connection of their own. SQLite takes one writer at a time, so
//! saves queue anyway; they queue here, for a lock on this connection, rather than in sqlx's
//! pool, whose every release of a connection spawns a task that checks the connection with a
//! round trip to its thread (a third of what a save cost on the runtime's threads, measured in
//! BENCHMARKS.md). Reads keep the pool, beside this connection (WAL lets them).
//!
//! Committing the saves waiting at once in one transaction was measured too and not kept: even
//! with 64 turns in flight the saves rarely wait for each other (a save takes a fifth of a
//! turn's CPU, so the queue is almost always empty), and the hand-off to a writer task cost
//! more than the few shared commits saved.

use super::row::Row;
use crate::conversation::Conversation;
use sqlx::{SqliteConnection, SqlitePool};
use std::sync::Arc;
use tokio::sync::Mutex;

/// One save: the statement (an insert or a versioned update), the conversation and its row.
pub(super) struct Save<'a> {
    pub statement: &'static str,
    pub conversation: &'a Conversation,
    pub row: Row,
}

/// Binds a [`Save`]'s values to its statement, on either backend. A macro because sqlx's
/// queries are typed per backend and the binds are the same on both.
macro_rules! bind_save {
    ($save:expr) => {{
        let save = &$save;
        let query = sqlx::query(save.statement)
            .bind(&save.conversation.id)
            .bind(&save.conversation.user_id)
            .bind(&save.row.state)
            .bind(save.row.next)
            .bind(&save.row.updated_at)
            .bind(save.conversation.default)
            .bind(&save.row.added)
            .bind(save.row.first)
            .bind(save.row.keep);
        // A new conversation's insert has no version to check.
        if save.row.expected == 0 {
            query
        } else {
            query.bind(save.row.expected)
        }
    }};
}
pub(super) use bind_save;

/// What a save returns: the rows the statement wrote (1 when saved, 0 when refused).
type Outcome = Result<u64, sqlx::Error>;

/// The connection saves are written through.
#[derive(Debug, Clone)]
pub(super) struct Writer {
    connection: Arc<Mutex<SqliteConnection>>,
}

impl Writer {
    /// Takes a connection out of `pool` for the saves' own; the pool may open another for
    /// reads.
    pub(super) async fn open(pool: &SqlitePool) -> Result<Writer, sqlx::Error> {
        let connection = pool.acquire().await?.detach();
        Ok(Writer {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// Writes `save`, after the saves queued before it. A save whose turn is dropped while
    /// it runs leaves the connection usable: sqlx's SQLite thread finishes or resets the
    /// statement before it takes the next, and a save is one statement, never a transaction
    /// left open.
    pub(super) async fn save(&self, save: &Save<'_>) -> Outcome {
        let mut connection = self.connection.lock().await;
        bind_save!(save)
            .execute(&mut *connection)
            .await
            .map(|done| done.rows_affected())
    }
}
