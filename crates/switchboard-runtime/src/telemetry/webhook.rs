//! Webhook events: one type per step of an inbound webhook's life (received, verified,
//! rejected, duplicated, delivered, dead-lettered), each counting its metric and writing its
//! log line. The webhook receiver calls these; `source` is the configured webhook's name.

use super::metrics::names;
use super::{Telemetry, label, name_label};

macro_rules! webhook_event {
    ($(#[$doc:meta])* $ty:ident, $metric:expr, $msg:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $ty<'a> {
            /// The configured webhook's name (bounded by the project).
            pub source: &'a str,
        }

        impl $ty<'_> {
            /// Counts the event and logs it.
            pub fn emit(&self, t: &Telemetry) {
                t.counter($metric, vec![name_label("source", self.source)]).increment(1);
                tracing::debug!(target: "switchboard::webhook", source = self.source, $msg);
            }
        }
    };
}

webhook_event!(
    /// A webhook request arrived.
    WebhookReceived,
    names::WEBHOOKS_RECEIVED,
    "webhook received"
);
webhook_event!(
    /// A webhook request's signature verified.
    WebhookVerified,
    names::WEBHOOKS_VERIFIED,
    "webhook verified"
);
webhook_event!(
    /// A webhook delivery was seen before and dropped.
    WebhookDuplicated,
    names::WEBHOOKS_DUPLICATED,
    "webhook duplicated"
);
webhook_event!(
    /// A webhook event was handled.
    WebhookDelivered,
    names::WEBHOOKS_DELIVERED,
    "webhook delivered"
);

/// Why a webhook request was refused (bounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// The signature did not match.
    BadSignature,
    /// The timestamp was outside the allowed window.
    Stale,
    /// The body or headers could not be read.
    Malformed,
}

impl RejectReason {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::BadSignature => "bad_signature",
            RejectReason::Stale => "stale",
            RejectReason::Malformed => "malformed",
        }
    }
}

/// A webhook request was refused.
#[derive(Debug, Clone, Copy)]
pub struct WebhookRejected<'a> {
    /// The configured webhook's name.
    pub source: &'a str,
    /// Why.
    pub reason: RejectReason,
}

impl WebhookRejected<'_> {
    /// Counts the event and logs it.
    pub fn emit(&self, t: &Telemetry) {
        t.counter(
            names::WEBHOOKS_REJECTED,
            vec![
                name_label("source", self.source),
                label("reason", self.reason.as_str()),
            ],
        )
        .increment(1);
        tracing::debug!(target: "switchboard::webhook", source = self.source, reason = self.reason.as_str(), "webhook rejected");
    }
}

/// A webhook event was given up on after its retries.
#[derive(Debug, Clone, Copy)]
pub struct WebhookDeadLettered<'a> {
    /// The configured webhook's name.
    pub source: &'a str,
    /// Attempts made.
    pub attempts: u32,
}

impl WebhookDeadLettered<'_> {
    /// Counts the event and logs it.
    pub fn emit(&self, t: &Telemetry) {
        t.counter(
            names::WEBHOOKS_DEAD_LETTERED,
            vec![name_label("source", self.source)],
        )
        .increment(1);
        tracing::debug!(target: "switchboard::webhook", source = self.source, attempts = self.attempts, "webhook dead-lettered");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_counts_its_metric() {
        let t = Telemetry::new();
        WebhookReceived { source: "shop" }.emit(&t);
        WebhookVerified { source: "shop" }.emit(&t);
        WebhookRejected {
            source: "shop",
            reason: RejectReason::BadSignature,
        }
        .emit(&t);
        WebhookDuplicated { source: "shop" }.emit(&t);
        WebhookDelivered { source: "shop" }.emit(&t);
        WebhookDeadLettered {
            source: "shop",
            attempts: 5,
        }
        .emit(&t);
        let text = t.render();
        for line in [
            "switchboard_webhooks_received_total{source=\"shop\"} 1",
            "switchboard_webhooks_verified_total{source=\"shop\"} 1",
            "switchboard_webhooks_rejected_total{source=\"shop\",reason=\"bad_signature\"} 1",
            "switchboard_webhooks_duplicated_total{source=\"shop\"} 1",
            "switchboard_webhooks_delivered_total{source=\"shop\"} 1",
            "switchboard_webhooks_dead_lettered_total{source=\"shop\"} 1",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
    }
}
