//! The retry budget of a connector: retries may be at most a share of its recent requests
//! (Envoy's and Finagle's idea), so an outage is not multiplied by retries.

use std::time::Duration;
use switchboard_config::model::RetryPolicy;
use tower::retry::budget::{Budget, TpsBudget};

/// How far back requests count towards the budget.
const WINDOW: Duration = Duration::from_secs(10);

/// Deposits one token per logical call and withdraws `100 / percent` per retry, over a
/// sliding 10 s window, with a small reserve so a quiet connector can still retry.
#[derive(Debug)]
pub struct RetryBudget {
    inner: TpsBudget,
}

impl RetryBudget {
    /// A budget from the connector's retry settings.
    pub fn new(policy: &RetryPolicy) -> RetryBudget {
        let percent = policy.budget_percent.clamp(0.0, 1000.0) / 100.0;
        RetryBudget {
            inner: TpsBudget::new(WINDOW, policy.budget_min_per_second, percent),
        }
    }

    /// Records a logical call.
    pub fn deposit(&self) {
        self.inner.deposit();
    }

    /// Takes room for one retry; false when the budget is spent.
    pub fn withdraw(&self) -> bool {
        self.inner.withdraw()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_percent_of_requests_may_be_retried() {
        let policy = RetryPolicy {
            budget_min_per_second: 0,
            ..RetryPolicy::default()
        };
        let b = RetryBudget::new(&policy);
        for _ in 0..100 {
            b.deposit();
        }
        let allowed = (0..100).filter(|_| b.withdraw()).count();
        assert_eq!(allowed, 20);
    }

    #[test]
    fn the_reserve_lets_a_quiet_connector_retry() {
        let b = RetryBudget::new(&RetryPolicy::default());
        b.deposit();
        assert!(b.withdraw());
    }
}
