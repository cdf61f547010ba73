//! The account store suite, on SQLite and on PostgreSQL: accounts round-trip per (user,
//! connector), status changes persist, a wrong key does not open them, and the raw bytes in
//! the database contain no token.

use crate::common;

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

/// A started login's nonce is consumed once: of 8 concurrent callbacks exactly one wins, a
/// replay finds nothing, an expired or other connector's nonce is refused, and expired rows
/// are purged when the next login starts.
async fn login_nonces(store: &dyn AccountStore) {
    let now = Utc::now().timestamp();
    store
        .begin_login("nonce-live", "crm", now + 600)
        .await
        .unwrap();
    store
        .begin_login("nonce-old", "crm", now - 1)
        .await
        .unwrap();
    store
        .begin_login("nonce-other", "crm", now + 600)
        .await
        .unwrap();
    let wins =
        futures::future::join_all((0..8).map(|_| store.finish_login("nonce-live", "crm", now)))
            .await
            .into_iter()
            .filter(|r| *r.as_ref().unwrap())
            .count();
    assert_eq!(wins, 1, "exactly one callback consumes the nonce");
    assert!(
        !store.finish_login("nonce-live", "crm", now).await.unwrap(),
        "replay"
    );
    assert!(
        !store.finish_login("nonce-old", "crm", now).await.unwrap(),
        "expired"
    );
    assert!(
        !store
            .finish_login("nonce-other", "mail", now)
            .await
            .unwrap(),
        "other connector"
    );
    assert!(store.finish_login("nonce-other", "crm", now).await.unwrap());
    assert!(
        !store
            .finish_login("never-started", "crm", now)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn sqlite_login_nonces_are_single_use() {
    let dir = tempfile::tempdir().unwrap();
    let settings = StorageSettings::Sqlite {
        path: "switchboard.db".into(),
    };
    let store = accounts::open(&settings, dir.path(), Sealer::new(&[9; 32]))
        .await
        .unwrap();
    login_nonces(store.as_ref()).await;
}

#[tokio::test]
async fn postgres_login_nonces_are_single_use() {
    let schema = PgSchema::create("logins").await;
    let settings = StorageSettings::Postgres {
        url: Secret::from_reference(schema.url()),
    };
    let store = accounts::open(&settings, Path::new("/nonexistent"), Sealer::new(&[9; 32]))
        .await
        .unwrap();
    login_nonces(store.as_ref()).await;
    // Expired rows go when the next login starts.
    let now = Utc::now().timestamp();
    store
        .begin_login("nonce-stale", "crm", now - 5)
        .await
        .unwrap();
    store
        .begin_login("nonce-new", "crm", now + 600)
        .await
        .unwrap();
    let pool = sqlx::PgPool::connect(&schema.url()).await.unwrap();
    let left: Vec<(String,)> = sqlx::query_as("SELECT nonce FROM oauth_logins ORDER BY nonce")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(left, vec![("nonce-new".to_string(),)]);
    pool.close().await;
    drop(store);
    schema.drop().await;
}
