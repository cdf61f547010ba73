//! The response cache of one operation: fresh entries served for `ttl`, concurrent misses
//! coalesced into one upstream call (moka's `try_get_with`), and optionally a longer-lived
//! copy served, marked stale, when the upstream fails. With shared state the entries live in
//! Redis instead (`shared::cache`), so the fleet shares them and a miss is fetched once across
//! instances; while Redis is down, `when_down.cache` says whether the in-process cache stands
//! in (`local`) or every call goes upstream (`fail_open`).

mod key;

pub use key::key;

use super::CallRecord;
use crate::shared::{CacheRead, Feature, Shared, Stored};
use moka::future::Cache;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use switchboard_config::model::{CachePolicy, DownMode, OutcomeKind};
use tokio::time::Instant;

/// The first and the longest pause while another instance fetches what this one missed.
const WAIT_FIRST: Duration = Duration::from_millis(2);
const WAIT_MAX: Duration = Duration::from_millis(25);

/// One operation's cache.
#[derive(Debug)]
pub struct OpCache {
    fresh: Cache<String, Arc<CallRecord>>,
    stale: Option<Cache<String, Arc<CallRecord>>>,
    /// The operation's own header names, which are part of the key.
    pub headers: Vec<String>,
    /// The settings.
    pub policy: CachePolicy,
    /// The fleet's cache and this operation's name in it (`connector.operation`).
    shared: Option<(Arc<Shared>, String)>,
}

impl OpCache {
    /// An empty cache; the fleet's with `shared` (the operation's name in it).
    pub fn new(
        policy: CachePolicy,
        headers: Vec<String>,
        shared: Option<(Arc<Shared>, String)>,
    ) -> OpCache {
        let fresh = Cache::builder()
            .max_capacity(policy.max_entries)
            .time_to_live(policy.ttl)
            .build();
        let stale = policy.stale_if_error.map(|extra| {
            Cache::builder()
                .max_capacity(policy.max_entries)
                .time_to_live(policy.ttl + extra)
                .build()
        });
        OpCache {
            fresh,
            stale,
            headers,
            policy,
            shared,
        }
    }

    /// The cached record for `key`, or the result of `load`. Concurrent callers with the same
    /// key share one `load`; only ok records are stored. A caller that did not run `load`
    /// gets a record marked `cached`; a failed load falls back to a stale copy if allowed.
    pub async fn get_or_load<F>(&self, key: String, deadline: Instant, load: F) -> CallRecord
    where
        F: Future<Output = CallRecord>,
    {
        let load = match &self.shared {
            Some((shared, operation)) => {
                match self
                    .shared_get_or_load(shared, operation, &key, deadline, load)
                    .await
                {
                    Ok(record) => return record,
                    Err(load) => load,
                }
            }
            None => load,
        };
        let ran = AtomicBool::new(false);
        let loaded = self
            .fresh
            .try_get_with(key.clone(), async {
                ran.store(true, Ordering::Relaxed);
                let record = load.await;
                if record.is_ok() {
                    Ok(Arc::new(record))
                } else {
                    Err(record)
                }
            })
            .await;
        let ran = ran.load(Ordering::Relaxed);
        match loaded {
            Ok(record) => {
                if ran {
                    if let Some(stale) = &self.stale {
                        stale.insert(key, record.clone()).await;
                    }
                    (*record).clone()
                } else {
                    hit(&record, false)
                }
            }
            // Only a failing upstream is covered up; a 404 or a 400 is an answer.
            Err(failed) => match &self.stale {
                Some(stale) if is_upstream_failure(failed.outcome) => match stale.get(&key).await {
                    Some(old) => hit(&old, true),
                    None => (*failed).clone(),
                },
                _ => (*failed).clone(),
            },
        }
    }

    /// The fleet's entry for `key`, or `load` run by this instance if no other is fetching
    /// it. `Err(load)`: Redis is down and the in-process cache stands in.
    async fn shared_get_or_load<F>(
        &self,
        shared: &Shared,
        operation: &str,
        key: &str,
        deadline: Instant,
        load: F,
    ) -> Result<CallRecord, F>
    where
        F: Future<Output = CallRecord>,
    {
        // The fetch lock lasts as long as this call may, so a fetcher that dies frees it.
        let lock_ttl = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(100));
        let mut pause = WAIT_FIRST;
        loop {
            match shared.cache_read(operation, key, lock_ttl).await {
                Ok(CacheRead::Hit(stored)) => return Ok(hit(&record_of(operation, stored), false)),
                Ok(CacheRead::Fetch(generation)) => {
                    let record = load.await;
                    if record.is_ok() {
                        let stored = Stored {
                            status: record.status,
                            data: record.data.clone(),
                            body: record.body.clone(),
                        };
                        let stale_ttl = self.policy.stale_if_error.map(|e| self.policy.ttl + e);
                        let _ = shared
                            .cache_put(
                                operation,
                                key,
                                generation,
                                &stored,
                                self.policy.ttl,
                                stale_ttl,
                            )
                            .await;
                        return Ok(record);
                    }
                    let _ = shared.cache_unlock(operation, key, generation).await;
                    if self.policy.stale_if_error.is_some()
                        && is_upstream_failure(record.outcome)
                        && let Ok(Some(old)) = shared.cache_stale(operation, key).await
                    {
                        return Ok(hit(&record_of(operation, old), true));
                    }
                    return Ok(record);
                }
                // Another instance fetches: wait for its value while the call has time; past
                // that, fetch without the cache rather than fail.
                Ok(CacheRead::Wait) => {
                    if Instant::now() + pause >= deadline {
                        return Ok(load.await);
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(WAIT_MAX);
                }
                Err(_) => {
                    return match shared.fall_back(Feature::Cache) {
                        DownMode::FailOpen => Ok(load.await),
                        DownMode::Local | DownMode::FailClosed => Err(load),
                    };
                }
            }
        }
    }

    /// Drops every entry (after a write that changed what they describe), in the fleet's
    /// cache too.
    pub async fn invalidate_all(&self) {
        self.fresh.invalidate_all();
        if let Some(stale) = &self.stale {
            stale.invalidate_all();
        }
        if let Some((shared, operation)) = &self.shared
            && shared.cache_invalidate(operation).await.is_err()
        {
            tracing::warn!(
                operation,
                "shared state: could not invalidate the fleet's cache (Redis down); its entries live out their ttl"
            );
        }
    }
}

/// A successful call rebuilt from what the fleet's cache stored.
fn record_of(operation: &str, stored: Stored) -> CallRecord {
    CallRecord {
        operation: operation.to_string(),
        outcome: OutcomeKind::Ok,
        status: stored.status,
        latency_ms: 0.0,
        attempts: 0,
        cached: true,
        stale: false,
        reason: None,
        data: stored.data,
        body: stored.body,
        error: None,
        retry_after_ms: None,
    }
}

/// Outcomes that say the upstream is unwell, which a stale copy may stand in for.
fn is_upstream_failure(outcome: OutcomeKind) -> bool {
    matches!(
        outcome,
        OutcomeKind::Unavailable
            | OutcomeKind::Timeout
            | OutcomeKind::RateLimited
            | OutcomeKind::InvalidResponse
    )
}

/// A record served from the cache: no attempts of its own.
fn hit(record: &CallRecord, stale: bool) -> CallRecord {
    let mut r = record.clone();
    r.cached = true;
    r.stale = stale;
    r.attempts = 0;
    r.latency_ms = 0.0;
    r
}
