//! OAuth 2.0 client credentials (RFC 6749 §4.4): one cached token per connector, replaced
//! shortly before it expires, fetched by exactly one request however many calls find it
//! missing or expired at once.

mod client;

pub use client::{TokenClient, TokenResponse, parse};

use super::AuthError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use switchboard_config::model::{ClientCredentials as Settings, Connector};
use tokio::time::Instant;

/// A token and when to stop using it.
#[derive(Debug)]
struct Cached {
    token: Arc<str>,
    /// Expiry minus the skew, counted from when the request for it was sent.
    use_until: Instant,
}

/// The `oauth2_client_credentials` scheme.
#[derive(Debug)]
pub struct ClientCredentials {
    client: TokenClient,
    skew: Duration,
    current: RwLock<Option<Cached>>,
    /// Counts finished fetches, good or bad. A call that waited for the lock and sees the count
    /// moved knows a fetch ended while it waited, and takes that result instead of asking again.
    fetches: AtomicU64,
    /// Held by the one task fetching a token; holds the last failure for the waiters.
    refresh: tokio::sync::Mutex<Option<AuthError>>,
}

impl ClientCredentials {
    /// Sets up the token client for a connector.
    pub fn new(connector: &Connector, settings: &Settings) -> Result<ClientCredentials, AuthError> {
        Ok(ClientCredentials {
            client: TokenClient::new(connector, settings)?,
            skew: settings.expiry_skew,
            current: RwLock::new(None),
            fetches: AtomicU64::new(0),
            refresh: tokio::sync::Mutex::new(None),
        })
    }

    fn cached(&self, even_expired: bool) -> Option<Arc<str>> {
        let now = Instant::now();
        let guard = self.current.read().unwrap_or_else(|e| e.into_inner());
        guard
            .as_ref()
            .filter(|c| even_expired || c.use_until > now)
            .map(|c| c.token.clone())
    }

    /// A token that is good for now: the cached one, or a new one.
    pub async fn token(&self) -> Result<Arc<str>, AuthError> {
        if let Some(t) = self.cached(false) {
            return Ok(t);
        }
        let seen = self.fetches.load(Ordering::Acquire);
        let mut last_failure = self.refresh.lock().await;
        if self.fetches.load(Ordering::Acquire) != seen {
            // A fetch finished while this call waited: share its result, even a token whose
            // lifetime is already spent (asking again at once would get the same answer).
            return match (self.cached(true), last_failure.as_ref()) {
                (_, Some(e)) => Err(e.clone()),
                (Some(t), None) => Ok(t),
                (None, None) => Err(AuthError::Token("no token".into())),
            };
        }
        if let Some(t) = self.cached(false) {
            return Ok(t);
        }
        let started = Instant::now();
        let result = self.client.fetch().await;
        let outcome = match result {
            Ok(response) => {
                let lifetime = response.expires_in.saturating_sub(self.skew);
                let token: Arc<str> = Arc::from(response.access_token.expose());
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(Cached {
                    token: token.clone(),
                    use_until: started + lifetime,
                });
                *last_failure = None;
                Ok(token)
            }
            Err(e) => {
                tracing::warn!(target: "switchboard::auth", error = %e, "could not get an OAuth 2.0 token");
                *last_failure = Some(e.clone());
                Err(e)
            }
        };
        self.fetches.fetch_add(1, Ordering::Release);
        outcome
    }

    /// Forgets `token` if it is still the current one.
    pub fn forget(&self, token: &Arc<str>) {
        let mut guard = self.current.write().unwrap_or_else(|e| e.into_inner());
        if guard.as_ref().is_some_and(|c| Arc::ptr_eq(&c.token, token)) {
            *guard = None;
        }
    }
}
