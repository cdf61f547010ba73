//! The audit store suite: every case runs on SQLite and on PostgreSQL (DESIGN.md invariant 7).
//! PostgreSQL is expected at `common::postgres_url()` (trust auth); its cases fail, never skip, without
//! it. Each case gets its own schema or directory.

use crate::common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};
use std::path::PathBuf;
use std::sync::Arc;
use switchboard_config::Secret;
use switchboard_config::model::StorageSettings;
use switchboard_runtime::storage::audit::{self, AuditKind, AuditQuery, AuditRow, AuditStore};

const SQLITE_PATH: &str = "switchboard.db";

enum Backend {
    Sqlite { dir: tempfile::TempDir },
    Postgres(common::PgSchema),
}

impl Backend {
    async fn sqlite() -> Backend {
        Backend::Sqlite {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    async fn postgres() -> Backend {
        Backend::Postgres(common::PgSchema::create("audit").await)
    }

    async fn open(&self) -> Arc<dyn AuditStore> {
        let (settings, dir) = match self {
            Backend::Sqlite { dir } => (
                StorageSettings::Sqlite {
                    path: SQLITE_PATH.into(),
                },
                dir.path().to_owned(),
            ),
            Backend::Postgres(pg) => (
                StorageSettings::Postgres {
                    url: Secret::from_reference(pg.url()),
                },
                PathBuf::from("/nonexistent"),
            ),
        };
        audit::open(&settings, &dir)
            .await
            .expect("open the audit store")
    }

    /// Tries to change a stored row behind the store's back.
    async fn tamper(&self) -> Result<(), String> {
        match self {
            Backend::Sqlite { dir } => {
                let options = SqliteConnectOptions::new().filename(dir.path().join(SQLITE_PATH));
                let mut c = SqliteConnection::connect_with(&options).await.unwrap();
                sqlx::query("UPDATE audit SET outcome = 'ok'")
                    .execute(&mut c)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            Backend::Postgres(pg) => sqlx::query(AssertSqlSafe(format!(
                "UPDATE {}.audit SET outcome = 'ok'",
                pg.name
            )))
            .execute(pg.admin())
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        }
    }

    async fn finish(self) {
        if let Backend::Postgres(pg) = self {
            pg.drop().await;
        }
    }
}

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 8, minute, 0).unwrap()
}

fn row(minute: u32, attempt: u32, status: Option<u16>) -> AuditRow {
    AuditRow {
        id: 0,
        at: at(minute) + Duration::microseconds(123_456),
        kind: AuditKind::Upstream,
        user: Some("0123456789abcdef0123456789abcdef".into()),
        connector: "store".into(),
        operation: "get_order".into(),
        method: "GET".into(),
        path: "/orders/{order_id}".into(),
        status,
        outcome: if status == Some(200) {
            "ok"
        } else {
            "unavailable"
        }
        .into(),
        latency_ms: 12.5,
        attempt,
        cached: false,
        trace_id: Some("4bf92f3577b34da6a3ce929d0e0e4736".into()),
        detail: None,
    }
}

async fn rows_read_back_as_written(b: &Backend) {
    let s = b.open().await;
    let written = vec![row(1, 1, Some(503)), row(1, 2, Some(200)), {
        let mut r = row(2, 0, None);
        r.kind = AuditKind::Webhook;
        r.cached = true;
        r.user = None;
        r.detail = Some("circuit_open".into());
        r
    }];
    s.append(&written).await.unwrap();
    let read = s.query(&AuditQuery::default()).await.unwrap();
    assert_eq!(read.len(), 3);
    assert!(read[0].id < read[1].id && read[1].id < read[2].id);
    for (r, w) in read.iter().zip(&written) {
        let mut r = r.clone();
        r.id = 0;
        assert_eq!(&r, w);
    }
}

async fn windows_and_pages(b: &Backend) {
    let s = b.open().await;
    let rows: Vec<AuditRow> = (0..10).map(|m| row(m, 1, Some(200))).collect();
    s.append(&rows).await.unwrap();
    let q = AuditQuery {
        since: Some(at(2)),
        until: Some(at(7)),
        after: 0,
        limit: 2,
    };
    let first = s.query(&q).await.unwrap();
    assert_eq!(
        first.iter().map(|r| r.at).collect::<Vec<_>>()[0],
        rows[2].at
    );
    assert_eq!(first.len(), 2);
    let second = s
        .query(&AuditQuery {
            after: first[1].id,
            ..q.clone()
        })
        .await
        .unwrap();
    let third = s
        .query(&AuditQuery {
            after: second[1].id,
            ..q.clone()
        })
        .await
        .unwrap();
    let minutes: Vec<u32> = first
        .iter()
        .chain(&second)
        .chain(&third)
        .map(|r| chrono::Timelike::minute(&r.at))
        .collect();
    assert_eq!(minutes, [2, 3, 4, 5, 6]);
}

async fn rows_cannot_be_changed(b: &Backend) {
    let s = b.open().await;
    s.append(&[row(1, 1, Some(503))]).await.unwrap();
    let err = b.tamper().await.expect_err("updates are refused");
    assert!(err.contains("append-only"), "{err}");
    let read = s.query(&AuditQuery::default()).await.unwrap();
    assert_eq!(read[0].outcome, "unavailable");
}

async fn purge_removes_only_old_rows(b: &Backend) {
    let s = b.open().await;
    s.append(&(0..6).map(|m| row(m, 1, Some(200))).collect::<Vec<_>>())
        .await
        .unwrap();
    assert_eq!(s.purge(at(4)).await.unwrap(), 4);
    let left = s.query(&AuditQuery::default()).await.unwrap();
    assert_eq!(left.len(), 2);
    assert_eq!(s.purge(at(4)).await.unwrap(), 0);
}

macro_rules! on_backend {
    ($backend:ident: $($case:ident),*) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let b = super::Backend::$backend().await;
                    super::$case(&b).await;
                    b.finish().await;
                }
            )*
        }
    };
}

macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        on_backend!(sqlite: $($case),*);
        on_backend!(postgres: $($case),*);
    };
}

on_both_backends!(
    rows_read_back_as_written,
    windows_and_pages,
    rows_cannot_be_changed,
    purge_removes_only_old_rows,
);
