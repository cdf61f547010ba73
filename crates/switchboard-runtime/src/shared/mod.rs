//! Shared state across instances: what several `switchboard serve` processes behind one load
//! balancer must agree on, kept in Redis (the `state` section or `--redis-url`).
//!
//! - `rate.rs`: the outbound GCRA limit, one atomic script per decision;
//! - `cache.rs`: the response cache, with a short lock so a miss is fetched once;
//! - `lock.rs`: the per-conversation turn lock, a queue in arrival order with leases that
//!   lapse when their holder dies;
//! - `token.rs`: a connector's client-credentials token, fetched by one instance, stored
//!   sealed.
//!
//! Without a `state` section none of this exists and every feature keeps its in-process
//! state. While Redis cannot be reached (each command waits at most `state.timeout`), every
//! call answers [`Down`] and the caller does what `state.when_down` says for its feature; a
//! background task connects again, and the metrics and `/readyz` say it is degraded.

mod cache;
mod lock;
mod rate;
mod token;

pub use cache::{CacheRead, Stored};
pub use lock::TurnLease;
pub use token::TokenRead;

use crate::telemetry::catalog::names::{STATE_FALLBACKS, STATE_UP};
use crate::telemetry::{Telemetry, label};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use switchboard_config::model::{DownMode, StateSettings};

/// How long a connection attempt may take, and how often a lost connection is tried again.
const RECONNECT_EVERY: Duration = Duration::from_secs(1);

/// Redis could not answer in time: the feature does what `when_down` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Down;

/// A feature that shares state, for `when_down` and the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// Outbound rate limits.
    RateLimit,
    /// The response cache.
    Cache,
    /// The per-conversation turn lock.
    TurnLock,
}

impl Feature {
    /// The name used in `when_down` and in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Feature::RateLimit => "rate_limit",
            Feature::Cache => "cache",
            Feature::TurnLock => "turn_lock",
        }
    }
}

/// The connection to Redis and what to do without it.
pub struct Shared {
    settings: StateSettings,
    conn: RwLock<Option<ConnectionManager>>,
    /// Whether the last command reached Redis; watched by [`Shared::connected`].
    up: tokio::sync::watch::Sender<bool>,
    telemetry: Arc<Telemetry>,
    /// When connecting began: until `timeout` past it, a command waits for the first
    /// connection instead of answering [`Down`] (start-up is not an outage).
    born: tokio::time::Instant,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("prefix", &self.settings.prefix)
            .field("up", &self.is_up())
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// Starts connecting to Redis in the background; usable at once (every call answers
    /// [`Down`] until the first connection is made). An unparsable URL is an error.
    pub fn start(
        settings: &StateSettings,
        telemetry: Arc<Telemetry>,
    ) -> Result<Arc<Shared>, redis::RedisError> {
        let client = redis::Client::open(settings.redis.expose())?;
        let shared = Arc::new(Shared {
            settings: settings.clone(),
            conn: RwLock::new(None),
            up: tokio::sync::watch::Sender::new(false),
            telemetry,
            born: tokio::time::Instant::now(),
        });
        shared.set_up(false);
        let weak = Arc::downgrade(&shared);
        let timeout = settings.timeout.max(Duration::from_millis(500));
        tokio::spawn(async move {
            loop {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(timeout))
                    .set_response_timeout(Some(timeout))
                    .set_number_of_retries(1);
                match ConnectionManager::new_with_config(client.clone(), config).await {
                    Ok(conn) => {
                        let Some(s) = weak.upgrade() else { return };
                        *s.conn
                            .write()
                            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(conn);
                        s.set_up(true);
                        tracing::info!("shared state: connected to Redis");
                        return;
                    }
                    Err(e) => {
                        if weak.strong_count() == 0 {
                            return;
                        }
                        tracing::warn!(error = %e, "shared state: Redis unreachable; trying again");
                    }
                }
                tokio::time::sleep(RECONNECT_EVERY).await;
            }
        });
        Ok(shared)
    }

    /// Whether the last command reached Redis.
    pub fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    /// Resolves once Redis answers (at once if it does now).
    pub async fn connected(&self) {
        let mut rx = self.up.subscribe();
        let _ = rx.wait_for(|up| *up).await;
    }

    /// What `feature` does while Redis is down.
    pub fn when_down(&self, feature: Feature) -> DownMode {
        let w = &self.settings.when_down;
        match feature {
            Feature::RateLimit => w.rate_limit,
            Feature::Cache => w.cache,
            Feature::TurnLock => w.turn_lock,
        }
    }

    /// The features that act otherwise than with Redis now, with their modes.
    pub fn degraded(&self) -> Vec<(Feature, DownMode)> {
        if self.is_up() {
            return Vec::new();
        }
        [Feature::RateLimit, Feature::Cache, Feature::TurnLock]
            .into_iter()
            .map(|f| (f, self.when_down(f)))
            .collect()
    }

    /// Counts one decision made without Redis, and gives the mode to apply.
    pub fn fall_back(&self, feature: Feature) -> DownMode {
        let mode = self.when_down(feature);
        self.telemetry
            .counter(
                STATE_FALLBACKS,
                vec![
                    label("feature", feature.as_str()),
                    label("mode", mode.as_str()),
                ],
            )
            .increment(1);
        mode
    }

    /// A key under the project's prefix.
    fn key(&self, parts: &[&str]) -> String {
        let mut k = self.settings.prefix.clone();
        for p in parts {
            k.push(':');
            k.push_str(p);
        }
        k
    }

    fn set_up(&self, up: bool) {
        let was = self.up.send_replace(up);
        self.telemetry
            .gauge(STATE_UP, Vec::new())
            .set(if up { 1.0 } else { 0.0 });
        if was && !up {
            tracing::warn!(
                "shared state: Redis stopped answering; features use their when_down mode"
            );
        } else if !was && up {
            tracing::info!("shared state: Redis answers again");
        }
    }

    /// Runs one Redis exchange within `state.timeout`; any failure is [`Down`].
    async fn run<T, F, Fut>(&self, f: F) -> Result<T, Down>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let current = || {
            self.conn
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone()
        };
        let conn = match current() {
            Some(c) => c,
            None => {
                let left = self.settings.timeout.saturating_sub(self.born.elapsed());
                if left.is_zero() {
                    return Err(Down);
                }
                let _ = tokio::time::timeout(left, self.connected()).await;
                current().ok_or(Down)?
            }
        };
        match tokio::time::timeout(self.settings.timeout, f(conn)).await {
            Ok(Ok(v)) => {
                if !self.is_up() {
                    self.set_up(true);
                }
                Ok(v)
            }
            Ok(Err(e)) => {
                if self.is_up() {
                    tracing::debug!(error = %e, "shared state: Redis command failed");
                }
                self.set_up(false);
                Err(Down)
            }
            Err(_) => {
                self.set_up(false);
                Err(Down)
            }
        }
    }
}
