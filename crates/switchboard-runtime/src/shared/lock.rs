//! The per-conversation turn lock across instances: a queue (a Redis list) in arrival order,
//! and a lease per queued caller (a hash of deadlines on Redis's clock). The head of the queue
//! holds the lock. Every caller renews its lease while it waits or holds; a caller whose lease
//! lapsed (its instance died, `kill -9`) is dropped from the head by the next one to look, so
//! the conversation moves on within one lease.

use super::{Down, Shared};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// How long a lease lasts without renewal: how long a dead instance holds a conversation up.
pub const LEASE: Duration = Duration::from_secs(2);
/// How often a holder renews its lease.
const RENEW_EVERY: Duration = Duration::from_millis(500);
/// The first and the longest pause between two looks at the queue while waiting.
const POLL_FIRST: Duration = Duration::from_millis(2);
const POLL_MAX: Duration = Duration::from_millis(20);

/// KEYS[1]: the queue, KEYS[2]: the leases. ARGV: token, lease (ms). Joins the queue (once),
/// renews the caller's lease, drops lapsed callers from the head; 1 when the caller is at the
/// head (it holds the lock), else 0.
static TRY: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
if not redis.call('LPOS', KEYS[1], ARGV[1]) then redis.call('RPUSH', KEYS[1], ARGV[1]) end
redis.call('HSET', KEYS[2], ARGV[1], now + lease)
redis.call('PEXPIRE', KEYS[1], lease * 4)
redis.call('PEXPIRE', KEYS[2], lease * 4)
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if head == ARGV[1] then return 1 end
  local until_ms = tonumber(redis.call('HGET', KEYS[2], head) or '0')
  if until_ms > now then return 0 end
  redis.call('LPOP', KEYS[1])
  redis.call('HDEL', KEYS[2], head)
end
",
    )
});

/// KEYS[1]: the queue, KEYS[2]: the leases. ARGV: token. Leaves the queue.
static LEAVE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
redis.call('LREM', KEYS[1], 1, ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
",
    )
});

/// The lock on one conversation, held until [`TurnLease::release`] (or drop, which releases
/// in the background).
pub struct TurnLease {
    shared: Arc<Shared>,
    keys: (String, String),
    token: String,
    renew: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for TurnLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnLease")
            .field("queue", &self.keys.0)
            .finish()
    }
}

impl Shared {
    /// Queues for conversation `id`'s turn lock and waits until it is this caller's turn;
    /// `None` when `give_up` passes first (the caller leaves the queue).
    pub async fn turn_lock(
        self: &Arc<Self>,
        id: &str,
        give_up: tokio::time::Instant,
    ) -> Result<Option<TurnLease>, Down> {
        let tag = format!("{{{id}}}");
        let keys = (
            self.key(&["turn", &tag, "queue"]),
            self.key(&["turn", &tag, "leases"]),
        );
        let token = uuid::Uuid::new_v4().to_string();
        let mut pause = POLL_FIRST;
        loop {
            match self.try_turn(&keys, &token).await {
                Ok(true) => break,
                Ok(false) => {}
                Err(down) => {
                    self.leave(&keys, &token).await;
                    return Err(down);
                }
            }
            if tokio::time::Instant::now() + pause > give_up {
                self.leave(&keys, &token).await;
                return Ok(None);
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(POLL_MAX);
        }
        let renew = {
            let shared = Arc::downgrade(self);
            let (keys, token) = (keys.clone(), token.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(RENEW_EVERY).await;
                    let Some(s) = shared.upgrade() else { return };
                    // A lost renewal is retried at the next tick; the lease outlives two.
                    let _ = s.try_turn(&keys, &token).await;
                }
            })
        };
        Ok(Some(TurnLease {
            shared: self.clone(),
            keys,
            token,
            renew: Some(renew),
        }))
    }

    async fn try_turn(&self, keys: &(String, String), token: &str) -> Result<bool, Down> {
        let lease = u64::try_from(LEASE.as_millis()).unwrap_or(2000);
        let at_head: i64 = self
            .run(|mut conn| async move {
                TRY.key(&keys.0)
                    .key(&keys.1)
                    .arg(token)
                    .arg(lease)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Ok(at_head == 1)
    }

    async fn leave(&self, keys: &(String, String), token: &str) {
        let _ = self
            .run(|mut conn| async move {
                LEAVE
                    .key(&keys.0)
                    .key(&keys.1)
                    .arg(token)
                    .invoke_async::<i64>(&mut conn)
                    .await
            })
            .await;
    }
}

impl TurnLease {
    /// Gives the conversation to the next caller in the queue.
    pub async fn release(mut self) {
        if let Some(r) = self.renew.take() {
            r.abort();
        }
        self.shared.leave(&self.keys, &self.token).await;
    }
}

impl Drop for TurnLease {
    fn drop(&mut self) {
        // Not released (a cancelled turn): release in the background.
        if let Some(r) = self.renew.take() {
            r.abort();
            let shared = self.shared.clone();
            let keys = std::mem::take(&mut self.keys);
            let token = std::mem::take(&mut self.token);
            tokio::spawn(async move { shared.leave(&keys, &token).await });
        }
    }
}
