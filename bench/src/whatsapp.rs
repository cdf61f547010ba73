//! WhatsApp Cloud API deliveries for the channel benchmark (W7): the webhook body Meta posts
//! for an inbound text message, and its `X-Hub-Signature-256` header.

use crate::sign::hmac_sha256_hex;

/// `X-Hub-Signature-256` for `body`: `sha256=HEX`, HMAC-SHA256 of the raw body keyed with
/// the app secret, as Meta documents it.
pub fn signature(app_secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hmac_sha256_hex(app_secret.as_bytes(), &[body]))
}

/// The WhatsApp id (phone number, digits only) of benchmark user `user`: numbers no demo
/// customer has, so each user is a new contact with a stable id of its own.
pub fn wa_id(user: usize) -> String {
    format!("97158{user:07}")
}

/// The user a reply went to, back from its `to`.
pub fn user_of(wa_id: &str) -> Option<usize> {
    wa_id.strip_prefix("97158")?.parse().ok()
}

/// An inbound text message `text` from `from` to the business number `phone_number_id`, with
/// a message id (`wamid....`) unique per `(tag, n)`.
pub fn text_delivery(
    phone_number_id: &str,
    tag: &str,
    n: u64,
    from: &str,
    text: &str,
    timestamp: i64,
) -> String {
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "102290129340398", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550783881", "phone_number_id": phone_number_id },
            "contacts": [{ "profile": { "name": "Bench" }, "wa_id": from }],
            "messages": [{
                "from": from,
                "id": format!("wamid.BENCH_{tag}_{n}"),
                "timestamp": timestamp.to_string(),
                "type": "text",
                "text": { "body": text },
            }],
        }}]}],
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
        // printf '%s' '{"a":1}' | openssl dgst -sha256 -hmac app_secret
        assert_eq!(
            signature("app_secret", br#"{"a":1}"#),
            "sha256=5930dfc0b79b5d00b04731a7855fbd6d4b5a1dc1dfc63e1fd5f0923d8f7165d6"
        );
    }

    #[test]
    fn the_receiver_accepts_what_is_signed_and_refuses_a_changed_body() {
        let body = text_delivery("106540352242922", "w7r1", 3, &wa_id(2), "hi", 1_800_000_000);
        let mut headers = axum::http::HeaderMap::new();
        let sig = signature("demo-app-secret", body.as_bytes());
        headers.insert("x-hub-signature-256", sig.parse().expect("ascii"));
        let scheme = Verify::Meta {
            secrets: vec![Secret::literal("demo-app-secret".into())],
            verify_token: Secret::literal("vt".into()),
        };
        let ok = Delivery {
            headers: &headers,
            body: body.as_bytes(),
            now: 1_800_000_000,
        };
        assert!(verify(&scheme, &ok).is_ok());
        let changed = body.replace("hi", "ho");
        let bad = Delivery {
            headers: &headers,
            body: changed.as_bytes(),
            now: 1_800_000_000,
        };
        assert!(verify(&scheme, &bad).is_err());
        assert_eq!(user_of(&wa_id(2)), Some(2));
        assert_eq!(user_of("971500000042"), None);
    }
}
