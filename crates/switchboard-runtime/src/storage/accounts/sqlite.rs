//! Connected accounts in the SQLite file beside the conversations.

use super::{Account, AccountStore, Sealer, unavailable};
use crate::storage::StoreError;
use futures::future::BoxFuture;
use sqlx::{Row, SqlitePool};

/// Connected accounts in SQLite.
#[derive(Debug, Clone)]
pub struct SqliteAccountStore {
    pool: SqlitePool,
    sealer: Sealer,
}

impl SqliteAccountStore {
    /// On an open pool whose schema is up to date.
    pub fn new(pool: SqlitePool, sealer: Sealer) -> SqliteAccountStore {
        SqliteAccountStore { pool, sealer }
    }
}

impl AccountStore for SqliteAccountStore {
    fn load<'a>(
        &'a self,
        user: &'a str,
        connector: &'a str,
    ) -> BoxFuture<'a, Result<Option<Account>, StoreError>> {
        Box::pin(async move {
            let row = sqlx::query(
                "SELECT status, sealed FROM accounts WHERE user_id = ?1 AND connector = ?2",
            )
            .bind(user)
            .bind(connector)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| unavailable("cannot load", &e))?;
            let Some(row) = row else { return Ok(None) };
            let status: String = row.get(0);
            let sealed: Vec<u8> = row.get(1);
            Account::open(&self.sealer, user, connector, &status, &sealed).map(Some)
        })
    }

    fn begin_login<'a>(
        &'a self,
        nonce: &'a str,
        connector: &'a str,
        expires: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query("DELETE FROM oauth_logins WHERE expires_at < ?1")
                .bind(chrono::Utc::now().timestamp())
                .execute(&self.pool)
                .await
                .map_err(|e| unavailable("cannot purge logins", &e))?;
            sqlx::query(
                "INSERT INTO oauth_logins (nonce, connector, expires_at) VALUES (?1, ?2, ?3)",
            )
            .bind(nonce)
            .bind(connector)
            .bind(expires)
            .execute(&self.pool)
            .await
            .map_err(|e| unavailable("cannot record a login", &e))?;
            Ok(())
        })
    }

    fn finish_login<'a>(
        &'a self,
        nonce: &'a str,
        connector: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let done = sqlx::query(
                "DELETE FROM oauth_logins WHERE nonce = ?1 AND connector = ?2 AND expires_at >= ?3",
            )
            .bind(nonce)
            .bind(connector)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(|e| unavailable("cannot finish a login", &e))?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn save<'a>(
        &'a self,
        user: &'a str,
        connector: &'a str,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let sealed = account.seal(&self.sealer, user, connector);
            sqlx::query(
                "INSERT INTO accounts (user_id, connector, status, sealed, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, CURRENT_TIMESTAMP) \
                 ON CONFLICT (user_id, connector) DO UPDATE SET status = excluded.status, \
                 sealed = excluded.sealed, updated_at = excluded.updated_at",
            )
            .bind(user)
            .bind(connector)
            .bind(account.status.as_str())
            .bind(sealed)
            .execute(&self.pool)
            .await
            .map_err(|e| unavailable("cannot save", &e))?;
            Ok(())
        })
    }
}
