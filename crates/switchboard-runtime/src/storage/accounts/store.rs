//! Connected accounts over either backend, in the conversations' database.

use super::{Account, AccountLock, AccountStore, Sealer};
use crate::storage::StoreError;
use crate::storage::db::{Db, Pool, Tuning, on_pool};
use futures::future::BoxFuture;
use std::path::Path;
use switchboard_config::model::StorageSettings;

/// Connected accounts in SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct SqlAccountStore {
    db: Db,
    sealer: Sealer,
}

impl SqlAccountStore {
    /// Opens the project's database and brings its schema up to date.
    pub async fn open(
        settings: &StorageSettings,
        data_dir: &Path,
        sealer: Sealer,
    ) -> Result<SqlAccountStore, StoreError> {
        Ok(SqlAccountStore {
            db: Db::open(settings, data_dir, Tuning::SHARED).await?,
            sealer,
        })
    }
}

impl AccountStore for SqlAccountStore {
    fn load<'a>(
        &'a self,
        user: &'a str,
        connector: &'a str,
    ) -> BoxFuture<'a, Result<Option<Account>, StoreError>> {
        Box::pin(async move {
            let row: Option<(String, Vec<u8>)> = on_pool!(self.db, pool => {
                sqlx::query_as(
                    "SELECT status, sealed FROM accounts WHERE user_id = $1 AND connector = $2",
                )
                .bind(user)
                .bind(connector)
                .fetch_optional(pool)
                .await
            })
            .map_err(self.db.err("cannot load an account from"))?;
            let Some((status, sealed)) = row else {
                return Ok(None);
            };
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
            on_pool!(self.db, pool => async {
                sqlx::query("DELETE FROM oauth_logins WHERE expires_at < $1")
                    .bind(chrono::Utc::now().timestamp())
                    .execute(pool)
                    .await?;
                sqlx::query(
                    "INSERT INTO oauth_logins (nonce, connector, expires_at) VALUES ($1, $2, $3)",
                )
                .bind(nonce)
                .bind(connector)
                .bind(expires)
                .execute(pool)
                .await
                .map(drop)
            }.await)
            .map_err(self.db.err("cannot record a login in"))
        })
    }

    fn finish_login<'a>(
        &'a self,
        nonce: &'a str,
        connector: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let done = on_pool!(self.db, pool => {
                sqlx::query(
                    "DELETE FROM oauth_logins \
                     WHERE nonce = $1 AND connector = $2 AND expires_at >= $3",
                )
                .bind(nonce)
                .bind(connector)
                .bind(now)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
            })
            .map_err(self.db.err("cannot finish a login in"))?;
            Ok(done == 1)
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
            on_pool!(self.db, pool => {
                sqlx::query(
                    "INSERT INTO accounts (user_id, connector, status, sealed, updated_at) \
                     VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP) \
                     ON CONFLICT (user_id, connector) DO UPDATE SET status = excluded.status, \
                     sealed = excluded.sealed, updated_at = excluded.updated_at",
                )
                .bind(user)
                .bind(connector)
                .bind(account.status.as_str())
                .bind(&sealed)
                .execute(pool)
                .await
                .map(drop)
            })
            .map_err(self.db.err("cannot save an account in"))
        })
    }

    fn lock<'a>(
        &'a self,
        user: &'a str,
        connector: &'a str,
    ) -> BoxFuture<'a, Result<AccountLock, StoreError>> {
        Box::pin(async move {
            let pool = match &self.db.pool {
                // A SQLite file serves one instance, whose refreshes are already one at a time.
                Pool::Sqlite(_) => return Ok(AccountLock(None)),
                Pool::Postgres(pool) => pool,
            };
            // A transaction-scoped advisory lock: released when the transaction ends, which
            // dropping the guard does (rollback), even if the holder is cancelled.
            let err = self.db.err("cannot lock an account in");
            let mut tx = pool.begin().await.map_err(&err)?;
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 301))")
                .bind(format!("{}:{connector}:{user}", connector.len()))
                .execute(&mut *tx)
                .await
                .map_err(&err)?;
            Ok(AccountLock(Some(Box::new(tx))))
        })
    }
}
