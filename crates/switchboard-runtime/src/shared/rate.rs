//! The outbound rate limit across instances: GCRA (the same algorithm as the in-process
//! limiter), with the theoretical arrival time in one Redis key per limiter. One script makes
//! each decision atomically on Redis's clock, and reserves the caller's cell: the caller then
//! waits the time returned, so the `max_wait` queue behaves as in process, fleet-wide.

use super::{Down, Shared};
use std::sync::LazyLock;
use std::time::Duration;

/// KEYS[1]: the limiter's arrival time (µs). ARGV: emission interval (µs), burst, longest
/// wait allowed (µs). Returns the wait before the call may go (µs), or -1: refused (nothing
/// reserved).
static GCRA: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = interval * (tonumber(ARGV[2]) - 1)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if wait > tonumber(ARGV[3]) then return -1 end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX', math.floor((next_tat - now) / 1000) + 1000)
return wait
",
    )
});

impl Shared {
    /// Reserves a cell of limiter `name` (`requests` per `per`, `burst` at once): the time
    /// to wait before sending, or `None` when that would be longer than `max_wait`.
    pub async fn gcra(
        &self,
        name: &str,
        interval: Duration,
        burst: u32,
        max_wait: Duration,
    ) -> Result<Option<Duration>, Down> {
        let key = self.key(&["rate", name]);
        let interval = u64::try_from(interval.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        let max_wait = u64::try_from(max_wait.as_micros()).unwrap_or(u64::MAX);
        let wait: i64 = self
            .run(|mut conn| async move {
                GCRA.key(&key)
                    .arg(interval)
                    .arg(burst.max(1))
                    .arg(max_wait)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Ok(u64::try_from(wait).ok().map(Duration::from_micros))
    }
}
