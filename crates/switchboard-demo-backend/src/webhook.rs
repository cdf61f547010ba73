//! Webhooks the demo store sends, signed like Stripe's (`Stripe-Signature: t=...,v1=...`,
//! HMAC-SHA256 of `t.body`): `payment_intent.succeeded` when a payment settles
//! (`POST /admin/payments/{id}/settle`) and `charge.refunded` after a refund. Each event is
//! retried until the receiver answers 2xx (up to an hour), with the same event id, as a real
//! provider does.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// Where events go and the secret they are signed with.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    /// The receiver's URL, e.g. `http://127.0.0.1:8080/v1/webhooks/payments`.
    pub url: String,
    /// The signing secret (`whsec_...`).
    pub secret: String,
}

/// The secret never prints.
impl std::fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("url", &self.url)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// Event ids: unique within a run, and across runs thanks to the start time.
static NEXT_EVENT: AtomicU64 = AtomicU64::new(1);

/// The `Stripe-Signature` value for `body` at `timestamp`.
pub fn stripe_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={hex}")
}

/// A Stripe-shaped event around `object`.
pub(crate) fn event(kind: &str, object: Value) -> Value {
    let now = chrono::Utc::now();
    json!({
        "id": format!("evt_demo_{}_{}", now.timestamp(), NEXT_EVENT.fetch_add(1, Ordering::Relaxed)),
        "object": "event",
        "type": kind,
        "created": now.timestamp(),
        "data": { "object": object },
    })
}

/// Sends an event in the background, signing each attempt afresh, until a 2xx.
pub(crate) fn send(target: WebhookTarget, event: Value) {
    tokio::spawn(async move {
        let body = event.to_string();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client");
        let mut wait = Duration::from_millis(500);
        let give_up = tokio::time::Instant::now() + Duration::from_secs(3600);
        loop {
            let signature = stripe_signature(
                &target.secret,
                chrono::Utc::now().timestamp(),
                body.as_bytes(),
            );
            let sent = client
                .post(&target.url)
                .header("content-type", "application/json")
                .header("Stripe-Signature", signature)
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => return,
                Ok(r) => {
                    tracing::warn!(status = %r.status(), url = %target.url, "webhook refused; retrying")
                }
                Err(e) => {
                    tracing::warn!(error = %e, url = %target.url, "webhook not delivered; retrying")
                }
            }
            if tokio::time::Instant::now() > give_up {
                tracing::error!(url = %target.url, "webhook given up after an hour");
                return;
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(60));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::stripe_signature;

    #[test]
    fn signs_like_stripe() {
        // HMAC-SHA256("whsec_test_secret", "1492774577." + body), computed independently.
        assert_eq!(
            stripe_signature(
                "whsec_test_secret",
                1_492_774_577,
                br#"{"id": "evt_test_webhook", "object": "event"}"#
            ),
            "t=1492774577,v1=c137b1b62277d523cf8fed4dfbd0170a9a5b8a380e00cc3711d4bf0652f2ce7a"
        );
    }
}
