//! The dashboard's memory: the last hour of calls per connector and the last failures, kept
//! in process (bounded), so the dashboard needs no metrics backend.

use super::CallRecord;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;
use switchboard_config::model::OutcomeKind;

/// How many calls per connector, and failures overall, the dashboard remembers.
const RECENT_CALLS: usize = 2_000;
const RECENT_FAILURES: usize = 20;
const HOUR: Duration = Duration::from_secs(3600);

/// One call as the dashboard remembers it.
#[derive(Debug, Clone, Serialize)]
pub struct RecentCall {
    /// When it ended.
    pub at: DateTime<Utc>,
    /// `connector.operation`.
    pub operation: String,
    /// The outcome.
    pub outcome: OutcomeKind,
    /// The status, if any.
    pub status: Option<u16>,
    /// Milliseconds.
    pub latency_ms: f64,
    /// Answered by the cache.
    pub cached: bool,
}

/// The last hour of calls per connector and the last failures, in memory, for the dashboard.
#[derive(Debug, Default)]
pub struct Recent {
    inner: Mutex<RecentInner>,
}

#[derive(Debug, Default)]
struct RecentInner {
    calls: HashMap<String, VecDeque<RecentCall>>,
    failures: VecDeque<RecentCall>,
}

impl Recent {
    /// Remembers a call (not the cache's answers: they say nothing about the upstream).
    pub(super) fn note(&self, connector: &str, record: &CallRecord) {
        if record.cached {
            return;
        }
        let call = RecentCall {
            at: Utc::now(),
            operation: record.operation.clone(),
            outcome: record.outcome,
            status: record.status,
            latency_ms: (record.latency_ms * 1000.0).round() / 1000.0,
            cached: record.cached,
        };
        let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if is_failure(record.outcome) {
            if s.failures.len() == RECENT_FAILURES {
                s.failures.pop_front();
            }
            s.failures.push_back(call.clone());
        }
        let q = s.calls.entry(connector.to_string()).or_default();
        if q.len() == RECENT_CALLS {
            q.pop_front();
        }
        q.push_back(call);
    }

    /// The last hour of a connector's calls, oldest first.
    pub fn calls(&self, connector: &str) -> Vec<RecentCall> {
        let since = Utc::now() - chrono::Duration::from_std(HOUR).unwrap_or_default();
        let s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        s.calls
            .get(connector)
            .map(|q| q.iter().filter(|c| c.at >= since).cloned().collect())
            .unwrap_or_default()
    }

    /// The last failures, newest first.
    pub fn failures(&self) -> Vec<RecentCall> {
        let s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        s.failures.iter().rev().cloned().collect()
    }
}

/// Outcomes that count against a connector (its fault, not the caller's: a not-found is an
/// answer).
pub fn is_failure(outcome: OutcomeKind) -> bool {
    matches!(
        outcome,
        OutcomeKind::Unavailable
            | OutcomeKind::Timeout
            | OutcomeKind::InvalidResponse
            | OutcomeKind::RateLimited
    )
}
