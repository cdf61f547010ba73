//! The response cache of one operation: fresh entries served for `ttl`, concurrent misses
//! coalesced into one upstream call (moka's `try_get_with`), and optionally a longer-lived
//! copy served, marked stale, when the upstream fails.

mod key;

pub use key::key;

use super::CallRecord;
use moka::future::Cache;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use switchboard_config::model::{CachePolicy, OutcomeKind};

/// One operation's cache.
#[derive(Debug)]
pub struct OpCache {
    fresh: Cache<String, Arc<CallRecord>>,
    stale: Option<Cache<String, Arc<CallRecord>>>,
    /// The operation's own header names, which are part of the key.
    pub headers: Vec<String>,
    /// The settings.
    pub policy: CachePolicy,
}

impl OpCache {
    /// An empty cache.
    pub fn new(policy: CachePolicy, headers: Vec<String>) -> OpCache {
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
        }
    }

    /// The cached record for `key`, or the result of `load`. Concurrent callers with the same
    /// key share one `load`; only ok records are stored. A caller that did not run `load`
    /// gets a record marked `cached`; a failed load falls back to a stale copy if allowed.
    pub async fn get_or_load<F>(&self, key: String, load: F) -> CallRecord
    where
        F: Future<Output = CallRecord>,
    {
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

    /// Drops every entry (after a write that changed what they describe).
    pub fn invalidate_all(&self) {
        self.fresh.invalidate_all();
        if let Some(stale) = &self.stale {
            stale.invalidate_all();
        }
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
