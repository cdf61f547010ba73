//! OAuth 2.0 client credentials (RFC 6749 §4.4): one cached token per connector, replaced
//! shortly before it expires, fetched by exactly one request however many calls find it
//! missing or expired at once. With shared state, by one request for the whole fleet: the
//! token is kept in Redis sealed with a key derived from the client's own credentials (which
//! every instance has and Redis does not), and this instance's copy is the fast path.

mod client;

pub use client::{TokenClient, TokenResponse, parse};

use super::AuthError;
use crate::shared::{Shared, TokenRead};
use crate::storage::accounts::Sealer;
use sha2::{Digest, Sha256};
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

/// How long a fetch lock in Redis lasts, and how long another instance waits for its token
/// before fetching one of its own.
const FLEET_FETCH: Duration = Duration::from_secs(10);

/// The fleet's copy of the token.
struct Fleet {
    shared: Arc<Shared>,
    connector: String,
    sealer: Sealer,
    /// The digest of the last token the API refused: found in Redis again (its retirement
    /// still under way), it is retired and not used.
    refused: std::sync::Mutex<Option<String>>,
}

impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fleet")
            .field("connector", &self.connector)
            .finish()
    }
}

/// The associated data of a sealed token.
const AAD: &[u8] = b"switchboard-client-credentials-token";

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
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
    /// The fleet's copy, with shared state.
    fleet: Option<Fleet>,
}

impl ClientCredentials {
    /// Sets up the token client for a connector; with `shared`, the token is the fleet's.
    pub fn new(
        connector: &Connector,
        settings: &Settings,
        shared: Option<&Arc<Shared>>,
    ) -> Result<ClientCredentials, AuthError> {
        let fleet = shared.map(|shared| {
            // Instances with the same credentials derive the same key; a token stored under
            // other credentials (a rotated secret) does not open, and is fetched again.
            let mut h = Sha256::new();
            for part in [
                "switchboard-token-seal",
                settings.token_url.expose(),
                settings.client_id.as_str(),
                settings.client_secret.expose(),
            ] {
                h.update(part.as_bytes());
                h.update([0]);
            }
            let key: [u8; 32] = h.finalize().into();
            Fleet {
                shared: shared.clone(),
                connector: connector.name.clone(),
                sealer: Sealer::new(&key),
                refused: std::sync::Mutex::new(None),
            }
        });
        Ok(ClientCredentials {
            client: TokenClient::new(connector, settings)?,
            skew: settings.expiry_skew,
            current: RwLock::new(None),
            fetches: AtomicU64::new(0),
            refresh: tokio::sync::Mutex::new(None),
            fleet,
        })
    }

    /// A new token from the token endpoint, and how long it may be used from now.
    async fn fetch_own(&self) -> Result<(Arc<str>, Duration), AuthError> {
        let response = self.client.fetch().await?;
        let lifetime = response.expires_in.saturating_sub(self.skew);
        Ok((Arc::from(response.access_token.expose()), lifetime))
    }

    /// The fleet's token, or a new one fetched by this instance for all (or for itself alone
    /// while Redis is down, or when the fetching instance takes too long).
    async fn fetch(&self) -> Result<(Arc<str>, Duration), AuthError> {
        let Some(fleet) = &self.fleet else {
            return self.fetch_own().await;
        };
        let give_up = Instant::now() + FLEET_FETCH;
        let mut pause = Duration::from_millis(2);
        loop {
            match fleet.shared.token_read(&fleet.connector, FLEET_FETCH).await {
                Ok(TokenRead::Hit(sealed, left)) => {
                    if let Ok(plain) = fleet.sealer.open(&sealed, AAD)
                        && let Ok(token) = String::from_utf8(plain)
                    {
                        let d = digest(&token);
                        let refused = fleet
                            .refused
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .clone();
                        if refused.as_deref() != Some(d.as_str()) {
                            return Ok((Arc::from(token.as_str()), left));
                        }
                        let _ = fleet.shared.token_forget(&fleet.connector, &d).await;
                        continue;
                    }
                    // Sealed under other credentials (instances mid-rotation of the client
                    // secret): this instance fetches its own and leaves the entry alone.
                    return self.fetch_own().await;
                }
                Ok(TokenRead::Fetch) => {
                    let fetched = self.fetch_own().await;
                    let (sealed, digest, ttl) = match &fetched {
                        Ok((token, lifetime)) => (
                            fleet.sealer.seal(token.as_bytes(), AAD),
                            digest(token),
                            *lifetime,
                        ),
                        Err(_) => (Vec::new(), String::new(), Duration::ZERO),
                    };
                    let _ = fleet
                        .shared
                        .token_put(&fleet.connector, &sealed, &digest, ttl)
                        .await;
                    return fetched;
                }
                Ok(TokenRead::Wait) if Instant::now() + pause < give_up => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(25));
                }
                Ok(TokenRead::Wait) | Err(_) => return self.fetch_own().await,
            }
        }
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
        let result = self.fetch().await;
        let outcome = match result {
            Ok((token, lifetime)) => {
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

    /// Forgets `token` if it is still the current one, here and in the fleet's copy.
    pub fn forget(&self, token: &Arc<str>) {
        let mut guard = self.current.write().unwrap_or_else(|e| e.into_inner());
        if guard.as_ref().is_some_and(|c| Arc::ptr_eq(&c.token, token)) {
            *guard = None;
        }
        drop(guard);
        if let Some(fleet) = &self.fleet {
            let (shared, connector, digest) =
                (fleet.shared.clone(), fleet.connector.clone(), digest(token));
            *fleet
                .refused
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(digest.clone());
            tokio::spawn(async move {
                let _ = shared.token_forget(&connector, &digest).await;
            });
        }
    }
}
