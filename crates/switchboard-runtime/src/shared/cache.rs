//! The response cache across instances. An entry is the successful answer (status, extracted
//! data, body), stored under a digest of the cache key (which may hold user data) with the
//! operation's `ttl`, and, with `stale_if_error`, a second copy that lives longer. A miss
//! takes a short lock so one instance fetches while the others wait for the value; an
//! operation's `generation` moves on after a write that invalidates it, which retires every
//! entry at once without scanning keys.

use super::{Down, Shared};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;
use std::time::Duration;

/// What is stored of a successful call.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored {
    /// The HTTP status.
    pub status: Option<u16>,
    /// The extracted values.
    pub data: Value,
    /// The parsed body, when kept.
    pub body: Option<Value>,
}

/// What a read found.
#[derive(Debug)]
pub enum CacheRead {
    /// A fresh entry.
    Hit(Stored),
    /// No entry; this caller holds the fetch lock and should fetch and [`Shared::cache_put`].
    Fetch(Generation),
    /// No entry, and another instance is fetching: read again shortly.
    Wait,
}

/// The operation's cache generation a fetch was made under.
#[derive(Debug, Clone, Copy)]
pub struct Generation(i64);

/// KEYS[1]: the generation counter. ARGV: entry key base, lock ttl (ms). Returns
/// `{generation, value, 0}` (a hit), `{generation, false, 1}` (fetch: the lock is ours) or
/// `{generation, false, 0}` (wait).
static READ: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local gen = tonumber(redis.call('GET', KEYS[1]) or '0')
local base = ARGV[1] .. ':' .. gen
local v = redis.call('GET', base)
if v then return {gen, v, 0} end
if redis.call('SET', base .. ':lock', '1', 'NX', 'PX', ARGV[2]) then return {gen, false, 1} end
return {gen, false, 0}
",
    )
});

/// KEYS[1]: the generation counter. ARGV: entry key base, generation read, value, ttl (ms),
/// stale ttl (ms, 0: none). Stores only if no invalidation came in between; frees the lock.
static PUT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local base = ARGV[1] .. ':' .. ARGV[2]
redis.call('DEL', base .. ':lock')
local gen = tonumber(redis.call('GET', KEYS[1]) or '0')
if gen ~= tonumber(ARGV[2]) then return 0 end
redis.call('SET', base, ARGV[3], 'PX', ARGV[4])
if tonumber(ARGV[5]) > 0 then redis.call('SET', base .. ':stale', ARGV[3], 'PX', ARGV[5]) end
return 1
",
    )
});

/// KEYS[1]: the generation counter. ARGV: entry key base. The current generation's stale copy.
static STALE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local gen = tonumber(redis.call('GET', KEYS[1]) or '0')
return redis.call('GET', ARGV[1] .. ':' .. gen .. ':stale')
",
    )
});

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl Shared {
    fn cache_keys(&self, operation: &str, key: &str) -> (String, String) {
        let digest = hex::encode(Sha256::digest(key.as_bytes()));
        (
            self.key(&["cache", operation, "generation"]),
            self.key(&["cache", operation, &digest]),
        )
    }

    /// Reads `key` of `operation`'s cache, taking the fetch lock (for `lock_ttl`) on a miss.
    pub async fn cache_read(
        &self,
        operation: &str,
        key: &str,
        lock_ttl: Duration,
    ) -> Result<CacheRead, Down> {
        let (generation, base) = self.cache_keys(operation, key);
        let (current, value, mine): (i64, Option<Vec<u8>>, Option<i64>) = self
            .run(|mut conn| async move {
                READ.key(&generation)
                    .arg(&base)
                    .arg(millis(lock_ttl))
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Ok(match value {
            Some(bytes) => match serde_json::from_slice(&bytes) {
                Ok(stored) => CacheRead::Hit(stored),
                // An entry this version cannot read: fetch and overwrite it.
                Err(_) => CacheRead::Fetch(Generation(current)),
            },
            None if mine == Some(1) => CacheRead::Fetch(Generation(current)),
            None => CacheRead::Wait,
        })
    }

    /// Stores a fetched answer (and frees the fetch lock), unless the operation's cache was
    /// invalidated since `generation` was read.
    pub async fn cache_put(
        &self,
        operation: &str,
        key: &str,
        generation: Generation,
        stored: &Stored,
        ttl: Duration,
        stale_ttl: Option<Duration>,
    ) -> Result<(), Down> {
        let (gen_key, base) = self.cache_keys(operation, key);
        let value = serde_json::to_vec(stored).unwrap_or_default();
        let stale = stale_ttl.map_or(0, millis);
        let _: i64 = self
            .run(|mut conn| async move {
                PUT.key(&gen_key)
                    .arg(&base)
                    .arg(generation.0)
                    .arg(value)
                    .arg(millis(ttl))
                    .arg(stale)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Ok(())
    }

    /// Frees the fetch lock of a failed fetch, so a waiting instance fetches at once.
    pub async fn cache_unlock(
        &self,
        operation: &str,
        key: &str,
        generation: Generation,
    ) -> Result<(), Down> {
        let (_, base) = self.cache_keys(operation, key);
        let lock = format!("{base}:{}:lock", generation.0);
        self.run(|mut conn| async move {
            redis::cmd("DEL")
                .arg(&lock)
                .query_async::<i64>(&mut conn)
                .await
        })
        .await?;
        Ok(())
    }

    /// The longer-lived copy of `key`, served marked stale when the upstream fails.
    pub async fn cache_stale(&self, operation: &str, key: &str) -> Result<Option<Stored>, Down> {
        let (generation, base) = self.cache_keys(operation, key);
        let bytes: Option<Vec<u8>> = self
            .run(|mut conn| async move {
                STALE
                    .key(&generation)
                    .arg(&base)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Ok(bytes.and_then(|b| serde_json::from_slice(&b).ok()))
    }

    /// Retires every entry of `operation`'s cache on every instance.
    pub async fn cache_invalidate(&self, operation: &str) -> Result<(), Down> {
        let generation = self.key(&["cache", operation, "generation"]);
        self.run(|mut conn| async move {
            redis::cmd("INCR")
                .arg(&generation)
                .query_async::<i64>(&mut conn)
                .await
        })
        .await?;
        Ok(())
    }
}
