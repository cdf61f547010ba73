//! Tokens each user used today (UTC), for `limits.tokens_per_user_per_day`. Counted by this
//! instance: several instances each allow the limit.

use std::collections::HashMap;
use std::sync::Mutex;

/// Per-user token counts of the current UTC day.
#[derive(Debug, Default)]
pub(super) struct Daily {
    inner: Mutex<(Option<chrono::NaiveDate>, HashMap<String, u64>)>,
}

impl Daily {
    fn today() -> chrono::NaiveDate {
        chrono::Utc::now().date_naive()
    }

    /// Tokens `user` used today.
    pub(super) fn used(&self, user: &str) -> u64 {
        let g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match g.0 {
            Some(day) if day == Self::today() => g.1.get(user).copied().unwrap_or(0),
            _ => 0,
        }
    }

    /// Adds `n` tokens to `user`'s day; a new day starts every count again.
    pub(super) fn add(&self, user: &str, n: u64) {
        if n == 0 {
            return;
        }
        let mut g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let today = Self::today();
        if g.0 != Some(today) {
            g.0 = Some(today);
            g.1.clear();
        }
        *g.1.entry(user.to_string()).or_default() += n;
    }
}
