//! Stripe-scheme deliveries for the webhook benchmark (W6): the event body a payment
//! provider would send for `payment_intent.succeeded`, and its `Stripe-Signature` header,
//! computed here rather than by the server under test so that the load generator proves the
//! receiver accepts what a real sender signs.

/// The `Stripe-Signature` value for `body` at `timestamp`: `t=TS,v1=HEX`, HMAC-SHA256 of
/// `TS.BODY` keyed with the whole `whsec_...` secret, as Stripe documents it.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let ts = timestamp.to_string();
    let hex = crate::sign::hmac_sha256_hex(secret.as_bytes(), &[ts.as_bytes(), b".", body]);
    format!("t={timestamp},v1={hex}")
}

/// The payment intent id of delivery `n` of a run tagged `tag`: it appears in the message
/// the demo project's route renders, which is how a streamed message is matched to its
/// delivery.
pub fn payment_id(tag: &str, n: u64) -> String {
    format!("pi_{tag}_{n}")
}

/// Finds `n` back in a message text that names `pi_{tag}_{n}`.
pub fn find_payment(text: &str, tag: &str) -> Option<u64> {
    let prefix = format!("pi_{tag}_");
    let start = text.find(&prefix)? + prefix.len();
    let digits: &str = &text[start..];
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().ok()
}

/// A `payment_intent.succeeded` event for user `user`, with a unique event id (`evt_...`)
/// and payment id per `(tag, n)`.
pub fn succeeded_event(tag: &str, n: u64, user: &str, created: i64) -> String {
    serde_json::json!({
        "id": format!("evt_{tag}_{n}"),
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": created,
        "data": { "object": {
            "id": payment_id(tag, n),
            "object": "payment_intent",
            "amount": 1000 + (n % 9000),
            "currency": "usd",
            "status": "succeeded",
            "metadata": { "user_id": user },
        }},
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_config::Secret;
    use switchboard_config::model::Verify;
    use switchboard_runtime::verify::{Delivery, verify};

    #[test]
    fn known_vector() {
        // Computed independently: printf '%s' '1700000000.{"a":1}' |
        //   openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_700_000_000, br#"{"a":1}"#),
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }

    #[test]
    fn the_receiver_accepts_what_is_signed_and_refuses_a_changed_body() {
        let now = 1_800_000_000;
        let body = succeeded_event("w6r1", 7, "bench-u3", now);
        let sig = signature("whsec_switchboard_demo_payments", now, body.as_bytes());
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("stripe-signature", sig.parse().expect("ascii"));
        let scheme = Verify::Stripe {
            secrets: vec![Secret::literal("whsec_switchboard_demo_payments".into())],
            tolerance: std::time::Duration::from_secs(300),
        };
        let ok = Delivery {
            headers: &headers,
            body: body.as_bytes(),
            now,
        };
        assert!(verify(&scheme, &ok).is_ok());
        let changed = body.replace("bench-u3", "bench-u4");
        let bad = Delivery {
            headers: &headers,
            body: changed.as_bytes(),
            now,
        };
        assert!(verify(&scheme, &bad).is_err());
    }

    #[test]
    fn events_are_unique_and_found_back() {
        let a = succeeded_event("w6r1", 1, "u", 0);
        let b = succeeded_event("w6r1", 12, "u", 0);
        assert_ne!(a, b);
        let v: serde_json::Value = serde_json::from_str(&b).expect("json");
        assert_eq!(v["id"], "evt_w6r1_12");
        assert_eq!(v["data"]["object"]["metadata"]["user_id"], "u");
        let text = "Payment pi_w6r1_12 of 10.12 USD received. Thank you!";
        assert_eq!(find_payment(text, "w6r1"), Some(12));
        assert_eq!(find_payment(text, "w6r2"), None);
        assert_eq!(find_payment("Payment pi_w6r1_ of", "w6r1"), None);
    }
}
