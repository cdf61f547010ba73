//! Alerts about a failing connector: counts failed calls in a sliding window and decides
//! when one alert (and later one recovery notice) is due. Sending is a normal operation
//! call through the pipeline, made in the background so no user waits for it.

use super::{CallContext, Pipeline};
use serde_json::{Map, Value};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;
use switchboard_config::model::{AlertPolicy, OperationRef, OutcomeKind};
use tokio::time::Instant;

/// An alert to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alert {
    /// The connector failed `failures` times within the window.
    Failing {
        /// Failures counted.
        failures: usize,
        /// The last failure's outcome.
        outcome: OutcomeKind,
    },
    /// The first success after a failure alert.
    Recovered,
}

#[derive(Debug, Default)]
struct Inner {
    failures: VecDeque<Instant>,
    alerting: bool,
    last_sent: Option<Instant>,
}

/// One connector's alert state.
#[derive(Debug)]
pub struct AlertState {
    /// The settings.
    pub policy: AlertPolicy,
    inner: Mutex<Inner>,
}

impl AlertState {
    /// A quiet state.
    pub fn new(policy: AlertPolicy) -> AlertState {
        AlertState {
            policy,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Notes a call's outcome; returns the alert to send, if one is due. Only failures of
    /// the upstream count (unavailable, timeout), not the caller's mistakes.
    pub fn observe(&self, outcome: OutcomeKind) -> Option<Alert> {
        let now = Instant::now();
        let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match outcome {
            OutcomeKind::Unavailable | OutcomeKind::Timeout => {
                s.failures.push_back(now);
                while s
                    .failures
                    .front()
                    .is_some_and(|t| now.duration_since(*t) > self.policy.within)
                {
                    s.failures.pop_front();
                }
                let quiet = s
                    .last_sent
                    .is_none_or(|t| now.duration_since(t) >= self.policy.every);
                if !s.alerting && quiet && s.failures.len() >= self.policy.after as usize {
                    s.alerting = true;
                    s.last_sent = Some(now);
                    return Some(Alert::Failing {
                        failures: s.failures.len(),
                        outcome,
                    });
                }
                None
            }
            OutcomeKind::Ok if s.alerting => {
                s.alerting = false;
                s.failures.clear();
                Some(Alert::Recovered)
            }
            _ => None,
        }
    }
}

/// Time allowed for sending one alert.
const ALERT_BUDGET: Duration = Duration::from_secs(10);

impl Pipeline {
    /// Sends an alert in the background, through this pipeline like any operation call.
    pub(super) fn send_alert(&self, connector: &str, call: &OperationRef, alert: Alert) {
        let (text, state) = match &alert {
            Alert::Failing { failures, outcome } => (
                format!(
                    "Switchboard: connector \"{connector}\" is failing: {failures} failed calls recently (last: {outcome})."
                ),
                "failing",
            ),
            Alert::Recovered => (
                format!("Switchboard: connector \"{connector}\" has recovered."),
                "recovered",
            ),
        };
        tracing::warn!(target: "switchboard::alert", connector, state, "connector alert");
        self.notify(connector, call, text, state);
    }

    /// Sends an alert about a connector through its `alerts` operation, in the background;
    /// without one, the alert is only logged.
    pub(crate) fn alert(&self, connector: &str, text: String, state: &str) {
        if let Some(a) = self.alerts.get(connector) {
            self.notify(connector, &a.policy.call, text, state);
        }
    }

    /// Sends an alert's text through the alert operation, in the background.
    pub(super) fn notify(&self, connector: &str, call: &OperationRef, text: String, state: &str) {
        let Some(op) = self.project.operation(call) else {
            return;
        };
        let mut args = Map::new();
        for (name, value) in [
            ("text", text),
            ("connector", connector.to_string()),
            ("state", state.to_string()),
        ] {
            if op.inputs.contains_key(name) {
                args.insert(name.to_string(), Value::String(value));
            }
        }
        let Some(pipeline) = self.this.upgrade() else {
            return;
        };
        let call = call.clone();
        tokio::spawn(async move {
            let ctx = CallContext::with_budget(ALERT_BUDGET);
            match pipeline.call(&call, &args, &ctx).await {
                Ok(r) if r.is_ok() => {}
                Ok(r) => {
                    tracing::warn!(target: "switchboard::alert", outcome = %r.outcome, "the alert could not be sent")
                }
                Err(e) => {
                    tracing::warn!(target: "switchboard::alert", error = %e, "the alert could not be sent")
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use switchboard_config::model::OperationRef;

    #[test]
    fn one_alert_after_n_failures_then_one_recovery() {
        let s = AlertState::new(AlertPolicy {
            call: OperationRef::parse("ops.notify").unwrap(),
            after: 3,
            within: Duration::from_secs(60),
            every: Duration::from_secs(600),
        });
        assert_eq!(s.observe(OutcomeKind::Unavailable), None);
        assert_eq!(
            s.observe(OutcomeKind::NotFound),
            None,
            "not an upstream failure"
        );
        assert_eq!(s.observe(OutcomeKind::Timeout), None);
        assert_eq!(
            s.observe(OutcomeKind::Unavailable),
            Some(Alert::Failing {
                failures: 3,
                outcome: OutcomeKind::Unavailable
            })
        );
        assert_eq!(s.observe(OutcomeKind::Unavailable), None, "one alert");
        assert_eq!(s.observe(OutcomeKind::Ok), Some(Alert::Recovered));
        assert_eq!(s.observe(OutcomeKind::Ok), None);
        for _ in 0..5 {
            assert_eq!(s.observe(OutcomeKind::Unavailable), None, "within `every`");
        }
    }
}
