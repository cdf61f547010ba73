//! A connector's client-credentials token across instances: one instance fetches it (a short
//! lock, as the cache does) and the others read it. The caller seals the token before it is
//! stored, so Redis never holds one in clear; the entry lives as long as the token may be
//! used, and a digest of the token lets a `401` retire exactly the token that failed.

use super::{Down, Shared};
use std::sync::LazyLock;
use std::time::Duration;

/// What a read found.
#[derive(Debug)]
pub enum TokenRead {
    /// A sealed token and how long it may still be used.
    Hit(Vec<u8>, Duration),
    /// No token; this caller holds the fetch lock and should fetch and [`Shared::token_put`].
    Fetch,
    /// No token, and another instance is fetching one: read again shortly.
    Wait,
}

/// KEYS[1]: the token's hash. ARGV: lock ttl (ms). `{sealed, pttl, 0}`, `{false, 0, 1}`
/// (fetch: the lock is ours) or `{false, 0, 0}` (wait).
static READ: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local v = redis.call('HGET', KEYS[1], 'sealed')
if v then return {v, redis.call('PTTL', KEYS[1]), 0} end
if redis.call('SET', KEYS[1] .. ':lock', '1', 'NX', 'PX', ARGV[1]) then return {false, 0, 1} end
return {false, 0, 0}
",
    )
});

/// KEYS[1]: the token's hash. ARGV: sealed token, its digest, ttl (ms; 0: do not store).
static PUT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
redis.call('DEL', KEYS[1] .. ':lock')
if tonumber(ARGV[3]) > 0 then
  redis.call('HSET', KEYS[1], 'sealed', ARGV[1], 'digest', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
",
    )
});

/// KEYS[1]: the token's hash. ARGV: digest. Deletes the token if it is still that one.
static FORGET: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
if redis.call('HGET', KEYS[1], 'digest') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
",
    )
});

impl Shared {
    fn token_key(&self, connector: &str) -> String {
        self.key(&["token", connector])
    }

    /// Reads `connector`'s token, taking the fetch lock (for `lock_ttl`) when there is none.
    pub async fn token_read(&self, connector: &str, lock_ttl: Duration) -> Result<TokenRead, Down> {
        let key = self.token_key(connector);
        let lock = u64::try_from(lock_ttl.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let (sealed, pttl, mine): (Option<Vec<u8>>, i64, i64) = self
            .run(|mut conn| async move { READ.key(&key).arg(lock).invoke_async(&mut conn).await })
            .await?;
        Ok(match sealed {
            Some(s) => TokenRead::Hit(s, Duration::from_millis(u64::try_from(pttl).unwrap_or(0))),
            None if mine == 1 => TokenRead::Fetch,
            None => TokenRead::Wait,
        })
    }

    /// Stores a fetched token for `ttl` (nothing when zero) and frees the fetch lock.
    pub async fn token_put(
        &self,
        connector: &str,
        sealed: &[u8],
        digest: &str,
        ttl: Duration,
    ) -> Result<(), Down> {
        let key = self.token_key(connector);
        let ttl = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        self.run(|mut conn| async move {
            PUT.key(&key)
                .arg(sealed)
                .arg(digest)
                .arg(ttl)
                .invoke_async::<i64>(&mut conn)
                .await
        })
        .await?;
        Ok(())
    }

    /// Retires `connector`'s token if its digest is `digest` (the API refused it).
    pub async fn token_forget(&self, connector: &str, digest: &str) -> Result<(), Down> {
        let key = self.token_key(connector);
        self.run(|mut conn| async move {
            FORGET
                .key(&key)
                .arg(digest)
                .invoke_async::<i64>(&mut conn)
                .await
        })
        .await?;
        Ok(())
    }
}
