//! Per-user connected accounts: the OAuth tokens each user granted a connector, one row per
//! (user, connector), sealed with an AEAD before they reach the database so a copy of the
//! database holds no usable token. One implementation (`store.rs`) over SQLite and
//! PostgreSQL, on the conversations' database (migration 0301); one suite runs on both. The same store keeps the
//! nonces of connect flows in progress (migration 0302), so each OAuth `state` is used once.

mod seal;
mod store;

pub use seal::{SealError, Sealer};
pub use store::SqlAccountStore;

use super::StoreError;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;
use switchboard_config::Secret;
use switchboard_config::model::StorageSettings;

/// Whether an account can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Tokens are usable (or refreshable).
    Connected,
    /// The provider refused the refresh token: the user must connect again.
    NeedsReconsent,
}

impl AccountStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Connected => "connected",
            AccountStatus::NeedsReconsent => "needs_reconsent",
        }
    }

    fn parse(s: &str) -> AccountStatus {
        if s == "connected" {
            AccountStatus::Connected
        } else {
            AccountStatus::NeedsReconsent
        }
    }
}

/// One user's tokens for one connector.
#[derive(Debug, Clone)]
pub struct Account {
    /// The access token.
    pub access_token: Secret,
    /// The refresh token, when the provider issued one.
    pub refresh_token: Option<Secret>,
    /// When the access token expires, when the provider said.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it can be used.
    pub status: AccountStatus,
}

/// What is sealed: the tokens and expiry (the status stays readable for operators).
#[derive(Serialize, Deserialize)]
struct Sealed {
    access_token: String,
    refresh_token: Option<String>,
    expires_at: Option<DateTime<Utc>>,
}

impl Account {
    fn seal(&self, sealer: &Sealer, user: &str, connector: &str) -> Vec<u8> {
        let plain = Sealed {
            access_token: self.access_token.expose().to_string(),
            refresh_token: self.refresh_token.as_ref().map(|r| r.expose().to_string()),
            expires_at: self.expires_at,
        };
        let json = serde_json::to_vec(&plain).unwrap_or_default();
        sealer.seal(&json, &seal::aad(user, connector))
    }

    fn open(
        sealer: &Sealer,
        user: &str,
        connector: &str,
        status: &str,
        sealed: &[u8],
    ) -> Result<Account, StoreError> {
        let corrupt = |reason: &str| StoreError::Corrupt {
            id: format!("account of connector {connector}"),
            reason: reason.to_string(),
        };
        let json = sealer
            .open(sealed, &seal::aad(user, connector))
            .map_err(|_| corrupt("cannot decrypt (wrong accounts_key, or a row moved)"))?;
        let s: Sealed = serde_json::from_slice(&json).map_err(|_| corrupt("bad sealed JSON"))?;
        Ok(Account {
            access_token: Secret::from_reference(s.access_token),
            refresh_token: s.refresh_token.map(Secret::from_reference),
            expires_at: s.expires_at,
            status: AccountStatus::parse(status),
        })
    }
}

/// Where connected accounts live.
pub trait AccountStore: Send + Sync + 'static {
    /// The account of `user` for `connector`, if they connected one.
    fn load<'a>(
        &'a self,
        user: &'a str,
        connector: &'a str,
    ) -> BoxFuture<'a, Result<Option<Account>, StoreError>>;

    /// Creates or replaces the account of `user` for `connector` (a fresh nonce each time).
    fn save<'a>(
        &'a self,
        user: &'a str,
        connector: &'a str,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Records the nonce of a connect flow that starts, live until `expires` (Unix seconds),
    /// and purges the nonces of flows that expired unfinished.
    fn begin_login<'a>(
        &'a self,
        nonce: &'a str,
        connector: &'a str,
        expires: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Consumes a nonce in one statement: `true` for exactly one caller, and only while the
    /// nonce is live; a replayed state gets `false`.
    fn finish_login<'a>(
        &'a self,
        nonce: &'a str,
        connector: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Takes a lock on (user, connector) shared by every instance on this database, held
    /// until the returned guard is dropped: refreshing a token spends the refresh token, so
    /// two instances must not refresh the same account at once. SQLite serves one instance
    /// and needs none.
    fn lock<'a>(
        &'a self,
        _user: &'a str,
        _connector: &'a str,
    ) -> BoxFuture<'a, Result<AccountLock, StoreError>> {
        Box::pin(async { Ok(AccountLock(None)) })
    }
}

/// A held account lock; dropping it releases the lock.
pub struct AccountLock(#[allow(dead_code)] pub(crate) Option<Box<dyn Send + Sync>>);

impl std::fmt::Debug for AccountLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccountLock")
    }
}

/// Opens the account store on the project's database, sealing with `sealer`.
pub async fn open(
    settings: &StorageSettings,
    data_dir: &Path,
    sealer: Sealer,
) -> Result<Arc<dyn AccountStore>, StoreError> {
    Ok(Arc::new(
        SqlAccountStore::open(settings, data_dir, sealer).await?,
    ))
}
