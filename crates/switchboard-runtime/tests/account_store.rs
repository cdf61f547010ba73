//! The account store suite, on SQLite and on PostgreSQL: accounts round-trip per (user,
//! connector), status changes persist, a wrong key does not open them, and the raw bytes in
//! the database contain no token.

mod common;

use chrono::{TimeZone, Utc};
use common::PgSchema;
use std::path::Path;
use std::sync::Arc;
use switchboard_config::Secret;
use switchboard_config::model::StorageSettings;
use switchboard_runtime::storage::StoreError;
use switchboard_runtime::storage::accounts::{self, Account, AccountStatus, AccountStore, Sealer};

const ACCESS: &str = "access-token-0123456789-secret";
const REFRESH: &str = "refresh-token-9876543210-secret";

fn account(access: &str, refresh: &str) -> Account {
    Account {
        access_token: Secret::from_reference(access.into()),
        refresh_token: Some(Secret::from_reference(refresh.into())),
        expires_at: Some(Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap()),
        status: AccountStatus::Connected,
    }
}

async fn suite(settings: &StorageSettings, dir: &Path) -> Arc<dyn AccountStore> {
    let store = accounts::open(settings, dir, Sealer::new(&[9; 32]))
        .await
        .unwrap();
    assert!(store.load("u1", "crm").await.unwrap().is_none());
    store
        .save("u1", "crm", &account(ACCESS, REFRESH))
        .await
        .unwrap();
    store
        .save("u2", "crm", &account("other-access", "other-refresh"))
        .await
        .unwrap();
    let a = store.load("u1", "crm").await.unwrap().unwrap();
    assert_eq!(a.access_token.expose(), ACCESS);
    assert_eq!(a.refresh_token.unwrap().expose(), REFRESH);
    assert_eq!(
        a.expires_at,
        Some(Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap())
    );
    assert_eq!(a.status, AccountStatus::Connected);
    assert!(store.load("u1", "other").await.unwrap().is_none());

    let mut b = account("rotated-access", "rotated-refresh");
    b.status = AccountStatus::NeedsReconsent;
    store.save("u1", "crm", &b).await.unwrap();
    let b = store.load("u1", "crm").await.unwrap().unwrap();
    assert_eq!(b.status, AccountStatus::NeedsReconsent);
    assert_eq!(b.refresh_token.unwrap().expose(), "rotated-refresh");
    assert_eq!(
        store
            .load("u2", "crm")
            .await
            .unwrap()
            .unwrap()
            .access_token
            .expose(),
        "other-access"
    );
    store
        .save("u1", "crm", &account(ACCESS, REFRESH))
        .await
        .unwrap();

    let wrong = accounts::open(settings, dir, Sealer::new(&[8; 32]))
        .await
        .unwrap();
    assert!(matches!(
        wrong.load("u1", "crm").await,
        Err(StoreError::Corrupt { .. })
    ));
    store
}

fn assert_no_token(bytes: &[u8]) {
    for token in [ACCESS, REFRESH, "other-access", "other-refresh", "rotated"] {
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "{token} found in the database bytes"
        );
    }
}

#[tokio::test]
async fn sqlite_accounts_are_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let settings = StorageSettings::Sqlite {
        path: "switchboard.db".into(),
    };
    let store = suite(&settings, dir.path()).await;
    drop(store);
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        all.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    assert!(all.len() > 1000, "the database files were read");
    assert!(
        all.windows(3).any(|w| w == b"crm"),
        "owner columns are readable"
    );
    assert_no_token(&all);
}

#[tokio::test]
async fn postgres_accounts_are_sealed() {
    let schema = PgSchema::create("accounts").await;
    let settings = StorageSettings::Postgres {
        url: Secret::from_reference(schema.url()),
    };
    let _store = suite(&settings, Path::new("/nonexistent")).await;
    let pool = sqlx::PgPool::connect(&schema.url()).await.unwrap();
    let rows: Vec<(String, String, String, Vec<u8>)> =
        sqlx::query_as("SELECT user_id, connector, status, sealed FROM accounts")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 2);
    let mut all = Vec::new();
    for (u, c, s, sealed) in rows {
        all.extend(u.into_bytes());
        all.extend(c.into_bytes());
        all.extend(s.into_bytes());
        all.extend(sealed);
    }
    assert_no_token(&all);
    pool.close().await;
    schema.drop().await;
}
