//! The audit trail over either backend, in the conversations' database.

use super::{AuditKind, AuditQuery, AuditRow, AuditStore, INSERT, ROWS_PER_STATEMENT, parse_at};
use crate::storage::StoreError;
use crate::storage::db::{Db, Tuning, on_pool};
use chrono::{DateTime, SecondsFormat, Utc};
use futures::future::BoxFuture;
use std::path::Path;
use switchboard_config::model::StorageSettings;

/// Audit rows in SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct SqlAuditStore {
    db: Db,
}

/// A row as read: both dialects return these types (integers widened, the time as RFC 3339).
type Stored = (
    i64,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    Option<i64>,
    String,
    f64,
    i64,
    bool,
    Option<String>,
    Option<String>,
);

impl SqlAuditStore {
    /// Opens the project's database and brings its schema up to date.
    pub async fn open(
        settings: &StorageSettings,
        data_dir: &Path,
    ) -> Result<SqlAuditStore, StoreError> {
        Ok(SqlAuditStore {
            db: Db::open(settings, data_dir, Tuning::SHARED).await?,
        })
    }

    async fn append(&self, rows: &[AuditRow]) -> Result<(), StoreError> {
        // PostgreSQL stores `at` as a timestamp; SQLite as text whose order is time order.
        let at_cast = self.db.dialect().pick("", "::timestamptz");
        on_pool!(self.db, pool => async {
            let mut tx = pool.begin().await?;
            // One statement per chunk: each statement is a round trip to the database (for
            // SQLite, to its worker thread), so a row each would cost a hand-off per row.
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                let mut insert = sqlx::QueryBuilder::new(INSERT);
                insert.push_values(chunk, |mut b, r| {
                    b.push_bind(r.at_text()).push_unseparated(at_cast);
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
                insert.build().execute(&mut *tx).await?;
            }
            tx.commit().await
        }.await)
        .map_err(self.db.err("cannot append audit rows to"))
    }

    async fn query(&self, q: &AuditQuery) -> Result<Vec<AuditRow>, StoreError> {
        let text =
            |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true));
        let sql = self.db.dialect().pick(
            "SELECT id, at, kind, user_pseudonym, connector, operation, method, path, status, \
             outcome, latency_ms, attempt, cached, trace_id, detail \
             FROM audit WHERE id > $1 AND ($2 IS NULL OR at >= $2) \
             AND ($3 IS NULL OR at < $3) ORDER BY id LIMIT $4",
            "SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS at, \
             kind, user_pseudonym, connector, operation, method, path, status::bigint, \
             outcome, latency_ms, attempt::bigint, cached, trace_id, detail \
             FROM audit WHERE id > $1 AND ($2::timestamptz IS NULL OR audit.at >= $2::timestamptz) \
             AND ($3::timestamptz IS NULL OR audit.at < $3::timestamptz) ORDER BY id LIMIT $4",
        );
        let rows: Vec<Stored> = on_pool!(self.db, pool => {
            sqlx::query_as(sql)
                .bind(q.after)
                .bind(text(q.since))
                .bind(text(q.until))
                .bind(i64::from(q.limit))
                .fetch_all(pool)
                .await
        })
        .map_err(self.db.err("cannot read the audit trail in"))?;
        rows.into_iter().map(row).collect()
    }

    async fn purge(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let sql = self.db.dialect().pick(
            "DELETE FROM audit WHERE at < $1",
            "DELETE FROM audit WHERE at < $1::timestamptz",
        );
        on_pool!(self.db, pool => {
            sqlx::query(sql)
                .bind(before.to_rfc3339_opts(SecondsFormat::Micros, true))
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(self.db.err("cannot purge the audit trail in"))
    }
}

fn row(
    (
        id,
        at,
        kind,
        user,
        connector,
        operation,
        method,
        path,
        status,
        outcome,
        latency_ms,
        attempt,
        cached,
        trace_id,
        detail,
    ): Stored,
) -> Result<AuditRow, StoreError> {
    Ok(AuditRow {
        id,
        at: parse_at(&at)?,
        kind: AuditKind::parse(&kind),
        user,
        connector,
        operation,
        method,
        path,
        status: status.and_then(|s| u16::try_from(s).ok()),
        outcome,
        latency_ms,
        attempt: u32::try_from(attempt).unwrap_or(0),
        cached,
        trace_id,
        detail,
    })
}

impl AuditStore for SqlAuditStore {
    fn append<'a>(&'a self, rows: &'a [AuditRow]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(SqlAuditStore::append(self, rows))
    }

    fn query<'a>(&'a self, q: &'a AuditQuery) -> BoxFuture<'a, Result<Vec<AuditRow>, StoreError>> {
        Box::pin(SqlAuditStore::query(self, q))
    }

    fn purge(&self, before: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(SqlAuditStore::purge(self, before))
    }
}
