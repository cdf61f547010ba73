//! Retries around each attempt: tower's `Retry` service driven by our own policy (which
//! outcomes retry, backoff with full jitter, `Retry-After`, the deadline) and a per-connector
//! retry budget.

mod budget;
mod policy;

pub use budget::RetryBudget;
pub use policy::{RetryDecider, backoff};

/// The retry layer for one connector's stack.
pub fn layer(budget: std::sync::Arc<RetryBudget>) -> tower::retry::RetryLayer<RetryDecider> {
    tower::retry::RetryLayer::new(RetryDecider::new(budget))
}
