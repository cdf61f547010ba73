//! What the webhook machinery tells telemetry: the life-cycle metrics (received, verified,
//! rejected, duplicated, delivered, dead-lettered) and an audit row for every delivery answered
//! and every event routed or given up on. Only configured source names become labels.

use super::Webhooks;
use crate::telemetry::webhook::{
    RejectReason, WebhookDeadLettered, WebhookDelivered, WebhookDuplicated, WebhookReceived,
    WebhookRejected, WebhookVerified,
};
use std::time::Instant;

/// The audit trail's path template for every delivery.
const PATH: &str = "/v1/webhooks/{source}";

/// One delivery to a configured source, from arrival to its answer.
pub(super) struct Delivery<'a> {
    w: &'a Webhooks,
    source: &'a str,
    started: Instant,
}

impl<'a> Delivery<'a> {
    /// A delivery arrived for a configured source.
    pub(super) fn received(w: &'a Webhooks, source: &'a str) -> Delivery<'a> {
        WebhookReceived { source }.emit(w.pipeline.telemetry());
        Delivery {
            w,
            source,
            started: Instant::now(),
        }
    }

    /// Its signature held.
    pub(super) fn verified(&self) {
        WebhookVerified {
            source: self.source,
        }
        .emit(self.w.pipeline.telemetry());
    }

    /// It was refused with `status`; `why` is a reason without secrets.
    pub(super) fn rejected(&self, reason: RejectReason, status: u16, why: &str) {
        WebhookRejected {
            source: self.source,
            reason,
        }
        .emit(self.w.pipeline.telemetry());
        self.row("-", Some(status), "rejected", Some(why));
    }

    /// It was answered 200: `accepted`, `duplicate` or `stale`.
    pub(super) fn answered(&self, event_type: &str, status: &str) {
        if status == "duplicate" {
            WebhookDuplicated {
                source: self.source,
            }
            .emit(self.w.pipeline.telemetry());
        }
        self.row(event_type, Some(200), status, None);
    }

    fn row(&self, event_type: &str, status: Option<u16>, outcome: &str, detail: Option<&str>) {
        if let Some(audit) = self.w.pipeline.audit() {
            audit.webhook_row(
                self.source,
                event_type,
                PATH,
                status,
                outcome,
                self.started.elapsed(),
                0,
                None,
                detail,
            );
        }
    }
}

/// A stored event's message reached its user (`attempt` counts from 1).
pub(super) fn delivered(w: &Webhooks, source: &str, event_type: &str, attempt: u32) {
    if routed(w, source, event_type, "delivered", attempt, None) {
        WebhookDelivered { source }.emit(w.pipeline.telemetry());
    }
}

/// A stored event was given up on after `attempts`.
pub(super) fn dead_lettered(
    w: &Webhooks,
    source: &str,
    event_type: &str,
    attempts: u32,
    reason: &str,
) {
    if routed(
        w,
        source,
        event_type,
        "dead_lettered",
        attempts,
        Some(reason),
    ) {
        WebhookDeadLettered { source, attempts }.emit(w.pipeline.telemetry());
    }
}

/// The audit row of a routed event; false (and nothing written) for a source the project
/// does not configure, whose name must not become a label.
fn routed(
    w: &Webhooks,
    source: &str,
    event_type: &str,
    outcome: &str,
    attempt: u32,
    detail: Option<&str>,
) -> bool {
    if !w.project.webhooks.contains_key(source) && !w.project.pollers.contains_key(source) {
        return false;
    }
    if let Some(audit) = w.pipeline.audit() {
        audit.webhook_row(
            source,
            event_type,
            PATH,
            None,
            outcome,
            std::time::Duration::ZERO,
            attempt,
            None,
            detail,
        );
    }
    true
}
