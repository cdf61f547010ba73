//! OAuth 2.0 authorization code (RFC 6749 §4.1 with PKCE, RFC 7636): each user's own
//! connected account. The tokens live sealed in the account store; this scheme keeps the
//! current access token per user in memory, refreshes it shortly before it expires or after a
//! `401`, one refresh per user at a time, and saves a rotated refresh token before the new
//! access token is used. A refused refresh (`invalid_grant`) marks the account as needing
//! re-consent instead of trying again.

mod state;

pub use state::{PendingLogin, STATE_TTL_SECS, StateError};

use super::AuthError;
use super::oauth2::{TokenClient, TokenResponse};
use crate::storage::accounts::{Account, AccountStatus, AccountStore, Sealer};
use chrono::Utc;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_config::model::{AuthorizationCode as Settings, Connector};
use tokio::time::Instant;

/// `not_connected`: the user never connected this connector.
pub const NOT_CONNECTED: &str = "not_connected";
/// `needs_reconsent`: the provider refused the refresh token; the user must connect again.
pub const NEEDS_RECONSENT: &str = "needs_reconsent";

/// Longest an access token is used from memory before the store is read again.
const MEMORY_CAP: Duration = Duration::from_secs(60);

/// Users whose access token is kept in memory before idle ones are forgotten.
const MAX_SLOTS: usize = 10_000;

/// Where accounts are kept and how they are sealed (given when the pipeline is built).
#[derive(Clone)]
pub struct Accounts {
    /// The store.
    pub store: Arc<dyn AccountStore>,
    /// Seals tokens and OAuth states.
    pub sealer: Sealer,
}

/// One user's in-memory state.
#[derive(Default)]
struct Slot {
    /// The access token in use and when to stop using it.
    current: Mutex<Option<(Arc<str>, Instant)>>,
    /// A token the upstream answered `401` to: refresh even if its expiry says otherwise.
    refused: Mutex<Option<Arc<str>>>,
    /// Held by the one task refreshing this user's token.
    refresh: tokio::sync::Mutex<()>,
    /// Which connection of this user the cache may serve answers of (see
    /// [`AuthorizationCode::generation`]).
    generation: AtomicU64,
}

/// The `oauth2_authorization_code` scheme of one connector.
pub struct AuthorizationCode {
    connector: String,
    settings: Settings,
    client: TokenClient,
    /// `None` without `bot.accounts_key`: no user can connect an account.
    accounts: Option<Accounts>,
    users: Mutex<HashMap<String, Arc<Slot>>>,
    /// Connections made in this process; a user's generation takes the next value.
    connections: AtomicU64,
}

impl std::fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationCode")
            .field("connector", &self.connector)
            .finish()
    }
}

impl AuthorizationCode {
    /// Sets up the token client for a connector, over the account store when there is one.
    pub fn new(
        connector: &Connector,
        settings: &Settings,
        accounts: Option<Accounts>,
    ) -> Result<AuthorizationCode, AuthError> {
        Ok(AuthorizationCode {
            connector: connector.name.clone(),
            settings: settings.clone(),
            client: TokenClient::for_code(connector, settings)?,
            accounts,
            users: Mutex::new(HashMap::new()),
            connections: AtomicU64::new(0),
        })
    }

    /// The settings, for the connect routes.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The store and sealer, when the project has an accounts key.
    pub fn accounts(&self) -> Option<&Accounts> {
        self.accounts.as_ref()
    }

    fn slot(&self, user: &str) -> Arc<Slot> {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        if users.len() >= MAX_SLOTS && !users.contains_key(user) {
            // Forget users with no call in flight: their next call reads the store again.
            users.retain(|_, slot| Arc::strong_count(slot) > 1);
        }
        users
            .entry(user.to_string())
            .or_insert_with(|| {
                // A forgotten user comes back at the latest generation, never an older one,
                // so answers cached before a connection made meanwhile stay unreachable.
                Arc::new(Slot {
                    generation: AtomicU64::new(self.connections.load(Ordering::SeqCst)),
                    ..Slot::default()
                })
            })
            .clone()
    }

    /// The generation of `user`'s connection: it changes whenever the user connects (again),
    /// and per-user cache keys carry it, so answers cached for the account the user had
    /// before are never served for the new one.
    pub fn generation(&self, user: &str) -> u64 {
        self.slot(user).generation.load(Ordering::SeqCst)
    }

    /// Exchanges an authorization code (and its PKCE verifier) and saves the account.
    pub async fn connect(&self, user: &str, code: &str, verifier: &str) -> Result<(), AuthError> {
        let accounts = self
            .accounts
            .as_ref()
            .ok_or_else(|| AuthError::Setup("no account store".into()))?;
        let form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.settings.redirect_url.as_str()),
            ("code_verifier", verifier),
            ("client_id", self.settings.client_id.as_str()),
        ];
        let response = self.client.grant(form).await?;
        let account = account_from(response, None);
        accounts
            .store
            .save(user, &self.connector, &account)
            .await
            .map_err(|e| AuthError::Token(format!("cannot save the account: {e}")))?;
        let slot = self.slot(user);
        *slot.current.lock().unwrap_or_else(|e| e.into_inner()) = None;
        *slot.refused.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let generation = self.connections.fetch_add(1, Ordering::SeqCst) + 1;
        slot.generation.store(generation, Ordering::SeqCst);
        Ok(())
    }

    /// An access token for `user` that is good for now.
    pub async fn token(&self, user: Option<&str>) -> Result<Arc<str>, AuthError> {
        let user = user.ok_or(AuthError::Account(NOT_CONNECTED))?;
        let accounts = self
            .accounts
            .as_ref()
            .ok_or(AuthError::Account(NOT_CONNECTED))?;
        let slot = self.slot(user);
        if let Some(t) = fresh(&slot) {
            return Ok(t);
        }
        let _one = slot.refresh.lock().await;
        if let Some(t) = fresh(&slot) {
            return Ok(t);
        }
        let store_err = |e: crate::storage::StoreError| AuthError::Token(e.to_string());
        let Some(account) = accounts
            .store
            .load(user, &self.connector)
            .await
            .map_err(store_err)?
        else {
            return Err(AuthError::Account(NOT_CONNECTED));
        };
        if account.status == AccountStatus::NeedsReconsent {
            return Err(AuthError::Account(NEEDS_RECONSENT));
        }
        let skew = chrono::Duration::from_std(self.settings.expiry_skew).unwrap_or_default();
        let refused = slot
            .refused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let usable = |a: &Account| {
            let was_refused = refused
                .as_ref()
                .is_some_and(|r| **r == *a.access_token.expose());
            a.expires_at.is_none_or(|at| at - skew > Utc::now()) && !was_refused
        };
        if usable(&account) {
            return Ok(remember(&slot, &account, skew));
        }
        // Another instance may be refreshing this account: wait for it, then look again.
        let _across = accounts
            .store
            .lock(user, &self.connector)
            .await
            .map_err(store_err)?;
        let Some(account) = accounts
            .store
            .load(user, &self.connector)
            .await
            .map_err(store_err)?
        else {
            return Err(AuthError::Account(NOT_CONNECTED));
        };
        if account.status == AccountStatus::NeedsReconsent {
            return Err(AuthError::Account(NEEDS_RECONSENT));
        }
        if usable(&account) {
            return Ok(remember(&slot, &account, skew));
        }
        let Some(refresh) = account.refresh_token.clone() else {
            self.reconsent(accounts, user, account).await;
            return Err(AuthError::Account(NEEDS_RECONSENT));
        };
        let form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose()),
        ];
        match self.client.grant(form).await {
            Ok(response) => {
                let renewed = account_from(response, Some(refresh));
                // The provider may have rotated the refresh token: the old one is now spent,
                // so the new one is saved before the new access token is used.
                accounts
                    .store
                    .save(user, &self.connector, &renewed)
                    .await
                    .map_err(store_err)?;
                *slot.refused.lock().unwrap_or_else(|e| e.into_inner()) = None;
                Ok(remember(&slot, &renewed, skew))
            }
            Err(AuthError::InvalidGrant) => {
                tracing::warn!(target: "switchboard::auth", connector = %self.connector, "refresh token refused; the account needs re-consent");
                self.reconsent(accounts, user, account).await;
                Err(AuthError::Account(NEEDS_RECONSENT))
            }
            Err(e) => {
                tracing::warn!(target: "switchboard::auth", connector = %self.connector, error = %e, "could not refresh an OAuth 2.0 token");
                Err(e)
            }
        }
    }

    async fn reconsent(&self, accounts: &Accounts, user: &str, mut account: Account) {
        account.status = AccountStatus::NeedsReconsent;
        if let Err(e) = accounts.store.save(user, &self.connector, &account).await {
            tracing::warn!(target: "switchboard::auth", connector = %self.connector, error = %e, "could not mark the account as needing re-consent");
        }
        *self
            .slot(user)
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Forgets `token` for `user` after the upstream refused it, so the next call refreshes.
    pub fn refused(&self, user: Option<&str>, token: &Arc<str>) {
        let Some(user) = user else { return };
        let slot = self.slot(user);
        let mut current = slot.current.lock().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_some_and(|(t, _)| Arc::ptr_eq(t, token)) {
            *current = None;
            *slot.refused.lock().unwrap_or_else(|e| e.into_inner()) = Some(token.clone());
        }
    }
}

fn fresh(slot: &Slot) -> Option<Arc<str>> {
    let now = Instant::now();
    let current = slot.current.lock().unwrap_or_else(|e| e.into_inner());
    current
        .as_ref()
        .filter(|(_, until)| *until > now)
        .map(|(t, _)| t.clone())
}

/// Caches an account's access token until its expiry minus the skew, at most
/// [`MEMORY_CAP`] so an account changed elsewhere (another instance, a new connect) is noticed.
fn remember(slot: &Slot, account: &Account, skew: chrono::Duration) -> Arc<str> {
    let token: Arc<str> = Arc::from(account.access_token.expose());
    let left = match account.expires_at {
        Some(at) => (at - skew - Utc::now()).to_std().unwrap_or(Duration::ZERO),
        None => MEMORY_CAP,
    }
    .min(MEMORY_CAP);
    *slot.current.lock().unwrap_or_else(|e| e.into_inner()) =
        Some((token.clone(), Instant::now() + left));
    token
}

fn account_from(r: TokenResponse, old_refresh: Option<switchboard_config::Secret>) -> Account {
    Account {
        access_token: r.access_token,
        refresh_token: r.refresh_token.or(old_refresh),
        expires_at: r
            .expiry_given
            .then(|| Utc::now() + chrono::Duration::from_std(r.expires_in).unwrap_or_default()),
        status: AccountStatus::Connected,
    }
}
