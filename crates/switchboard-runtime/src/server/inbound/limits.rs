//! Per-user and per-address rate limits (GCRA, keyed), so one flooding caller is refused
//! while everyone else carries on.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;
use switchboard_config::model::{InboundLimit, InboundLimits};

/// Keys kept before idle ones are swept.
const SWEEP_AT: usize = 100_000;

/// The limiters.
#[derive(Debug)]
pub struct Limits {
    per_user: Option<DefaultKeyedRateLimiter<String>>,
    per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    clock: DefaultClock,
}

fn quota(l: &InboundLimit) -> Quota {
    let requests = l.requests.max(1);
    let period = (l.per / requests).max(Duration::from_nanos(1));
    let burst = NonZeroU32::new(l.burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl Limits {
    /// Limiters for the configured limits.
    pub fn new(l: &InboundLimits) -> Limits {
        Limits {
            per_user: l
                .per_user
                .as_ref()
                .map(|q| DefaultKeyedRateLimiter::keyed(quota(q))),
            per_address: l
                .per_address
                .as_ref()
                .map(|q| DefaultKeyedRateLimiter::keyed(quota(q))),
            clock: DefaultClock::default(),
        }
    }

    /// Whether any limit is set.
    pub fn any(&self) -> bool {
        self.per_user.is_some() || self.per_address.is_some()
    }

    /// Whether a per-address limit is set.
    pub fn has_per_address(&self) -> bool {
        self.per_address.is_some()
    }

    /// Counts a request by a user; `Err` says how long to wait.
    pub fn check_user(&self, user: &str) -> Result<(), Duration> {
        let Some(l) = &self.per_user else {
            return Ok(());
        };
        if l.len() > SWEEP_AT {
            l.retain_recent();
        }
        l.check_key(&user.to_string())
            .map_err(|n| n.wait_time_from(self.clock.now()))
    }

    /// Counts a request from an address; `Err` says how long to wait.
    pub fn check_address(&self, ip: IpAddr) -> Result<(), Duration> {
        let Some(l) = &self.per_address else {
            return Ok(());
        };
        if l.len() > SWEEP_AT {
            l.retain_recent();
        }
        l.check_key(&ip)
            .map_err(|n| n.wait_time_from(self.clock.now()))
    }
}
