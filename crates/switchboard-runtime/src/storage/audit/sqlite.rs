//! The audit trail in the SQLite file beside the conversations.

use super::{
    AuditKind, AuditQuery, AuditRow, AuditStore, INSERT, ROWS_PER_STATEMENT, parse_at, unavailable,
};
use crate::storage::StoreError;
use chrono::{DateTime, SecondsFormat, Utc};
use futures::future::BoxFuture;
use sqlx::{Row, SqlitePool};

/// Audit rows in SQLite.
#[derive(Debug, Clone)]
pub struct SqliteAuditStore {
    pool: SqlitePool,
}

const COLUMNS: &str = "id, at, kind, user_pseudonym, connector, operation, method, path, status, \
                       outcome, latency_ms, attempt, cached, trace_id, detail";

impl SqliteAuditStore {
    /// On an open pool whose schema is up to date.
    pub fn new(pool: SqlitePool) -> SqliteAuditStore {
        SqliteAuditStore { pool }
    }

    async fn append(&self, rows: &[AuditRow]) -> Result<(), StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(|e| unavailable("cannot begin", &e))?;
        // One statement per chunk: each statement is a round trip to the database (for
        // SQLite, to its worker thread), so a row each would cost a hand-off per row.
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(INSERT);
            insert.push_values(chunk, |mut b, r| {
                b.push_bind(r.at_text());
                b.push_bind(r.kind.as_str())
                    .push_bind(&r.user)
                    .push_bind(&r.connector)
                    .push_bind(&r.operation)
                    .push_bind(&r.method)
                    .push_bind(&r.path)
                    .push_bind(r.status.map(i64::from))
                    .push_bind(&r.outcome)
                    .push_bind(r.latency_ms)
                    .push_bind(i64::from(r.attempt))
                    .push_bind(r.cached)
                    .push_bind(&r.trace_id)
                    .push_bind(&r.detail);
            });
            insert
                .build()
                .execute(&mut *tx)
                .await
                .map_err(|e| unavailable("cannot append", &e))?;
        }
        tx.commit()
            .await
            .map_err(|e| unavailable("cannot commit", &e))
    }

    async fn query(&self, q: &AuditQuery) -> Result<Vec<AuditRow>, StoreError> {
        let text =
            |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true));
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM audit WHERE id > ?1 AND (?2 IS NULL OR at >= ?2) \
             AND (?3 IS NULL OR at < ?3) ORDER BY id LIMIT ?4"
        )))
        .bind(q.after)
        .bind(text(q.since))
        .bind(text(q.until))
        .bind(i64::from(q.limit))
        .fetch_all(&self.pool)
        .await
        .map_err(|e| unavailable("cannot read", &e))?;
        rows.iter()
            .map(|row| {
                let get = |e: sqlx::Error| unavailable("cannot decode", &e);
                Ok(AuditRow {
                    id: row.try_get("id").map_err(get)?,
                    at: parse_at(&row.try_get::<String, _>("at").map_err(get)?)?,
                    kind: AuditKind::parse(&row.try_get::<String, _>("kind").map_err(get)?),
                    user: row.try_get("user_pseudonym").map_err(get)?,
                    connector: row.try_get("connector").map_err(get)?,
                    operation: row.try_get("operation").map_err(get)?,
                    method: row.try_get("method").map_err(get)?,
                    path: row.try_get("path").map_err(get)?,
                    status: row
                        .try_get::<Option<i64>, _>("status")
                        .map_err(get)?
                        .and_then(|s| u16::try_from(s).ok()),
                    outcome: row.try_get("outcome").map_err(get)?,
                    latency_ms: row.try_get("latency_ms").map_err(get)?,
                    attempt: u32::try_from(row.try_get::<i64, _>("attempt").map_err(get)?)
                        .unwrap_or(0),
                    cached: row.try_get("cached").map_err(get)?,
                    trace_id: row.try_get("trace_id").map_err(get)?,
                    detail: row.try_get("detail").map_err(get)?,
                })
            })
            .collect()
    }

    async fn purge(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM audit WHERE at < ?1")
            .bind(before.to_rfc3339_opts(SecondsFormat::Micros, true))
            .execute(&self.pool)
            .await
            .map_err(|e| unavailable("cannot purge", &e))?;
        Ok(done.rows_affected())
    }
}

impl AuditStore for SqliteAuditStore {
    fn append<'a>(&'a self, rows: &'a [AuditRow]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(SqliteAuditStore::append(self, rows))
    }

    fn query<'a>(&'a self, q: &'a AuditQuery) -> BoxFuture<'a, Result<Vec<AuditRow>, StoreError>> {
        Box::pin(SqliteAuditStore::query(self, q))
    }

    fn purge(&self, before: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(SqliteAuditStore::purge(self, before))
    }
}
