//! The fakes of the messaging platforms' send APIs: each platform's own auth errors, what
//! they record for `/admin/channels/{platform}/sent`, faults on them, and the customer lookup
//! by phone number the demo's channels map users with.

mod common;

use common::{assert_error, send_json, start};
use serde_json::json;

#[tokio::test]
async fn each_fake_refuses_missing_credentials_as_its_platform_does() {
    let demo = start().await;
    let (status, body) = send_json(
        demo.client
            .post(demo.url("/platforms/whatsapp/1065/messages"))
            .json(&json!({"to": "91"})),
    )
    .await;
    assert_eq!((status, body["error"]["code"].clone()), (401, json!(190)));
    let (status, body) = send_json(
        demo.client
            .post(demo.url("/platforms/telegram/botnot-a-token/sendMessage"))
            .json(&json!({"chat_id": 1, "text": "hi"})),
    )
    .await;
    assert_eq!((status, body["ok"].clone()), (401, json!(false)));
    let (status, body) = send_json(
        demo.client
            .post(demo.url("/platforms/slack/chat.postMessage"))
            .json(&json!({"channel": "C1", "text": "hi"})),
    )
    .await;
    assert_eq!(
        (status, body),
        (200, json!({"ok": false, "error": "not_authed"}))
    );
    let (status, body) = send_json(
        demo.client
            .post(demo.url("/platforms/twilio/Accounts/AC1/Messages.json"))
            .basic_auth("AC1", Some("token"))
            .form(&[("From", "+1555")]),
    )
    .await;
    assert_eq!((status, body["code"].clone()), (400, json!(21604)));
    for platform in ["whatsapp", "telegram", "slack", "twilio"] {
        let (_, sent) = send_json(
            demo.client
                .get(demo.url(&format!("/admin/channels/{platform}/sent"))),
        )
        .await;
        assert_eq!(
            sent["sent"],
            json!([]),
            "{platform}: refused messages are not recorded"
        );
    }
}

#[tokio::test]
async fn accepted_messages_are_listed_faults_apply_and_unknown_platforms_are_404() {
    let demo = start().await;
    let send = || {
        send_json(
            demo.client
                .post(demo.url("/platforms/whatsapp/1065/messages"))
                .bearer_auth("token")
                .json(&json!({"messaging_product": "whatsapp", "to": "971500000042", "type": "text", "text": {"body": "Hi"}})),
        )
    };
    let (status, body) = send().await;
    assert_eq!(status, 200);
    assert!(
        body["messages"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("wamid.")
    );
    demo.backend
        .set_fault("whatsapp_send=503:1".parse().unwrap());
    assert_eq!(send().await.0, 503);
    let sent = demo.backend.sent("whatsapp");
    assert_eq!(sent.len(), 1, "the faulted call sent nothing");
    assert_eq!(
        (sent[0]["to"].clone(), sent[0]["text"].clone()),
        (json!("971500000042"), json!("Hi"))
    );
    // Readers follow the log with `?after=SEQ`; each entry says when it was accepted.
    assert_eq!(send().await.0, 200);
    let first = sent[0]["seq"].as_u64().expect("a seq");
    let (status, later) = send_json(
        demo.client
            .get(demo.url(&format!("/admin/channels/whatsapp/sent?after={first}"))),
    )
    .await;
    assert_eq!(status, 200);
    let later = later["sent"].as_array().expect("a list");
    assert_eq!(later.len(), 1, "{later:?}");
    assert!(later[0]["seq"].as_u64().unwrap() > first);
    assert!(later[0]["at_us"].as_i64().unwrap() >= sent[0]["at_us"].as_i64().unwrap());
    let (status, body) = send_json(
        demo.client
            .get(demo.url("/admin/channels/whatsapp/sent?after=soon")),
    )
    .await;
    assert_eq!(status, 400);
    assert_error(&body, "bad_request");
    let (status, _) = send_json(
        demo.client
            .delete(demo.url("/admin/channels/whatsapp/sent")),
    )
    .await;
    assert_eq!(status, 200);
    assert!(demo.backend.sent("whatsapp").is_empty());
    let (status, body) = send_json(demo.client.get(demo.url("/admin/channels/signal/sent"))).await;
    assert_eq!(status, 404);
    assert_error(&body, "not_found");
}

#[tokio::test]
async fn a_customer_is_found_by_phone_number() {
    let demo = start().await;
    let (status, body) = demo.get_json("/customers?phone=%2B971500000042").await;
    assert_eq!((status, body["id"].clone()), (200, json!("C42")));
    // An unencoded `+` arrives as a space: the number is still found.
    let (status, body) = demo.get_json("/customers?phone=+971500000043").await;
    assert_eq!((status, body["id"].clone()), (200, json!("C43")));
    let (status, body) = demo.get_json("/customers?phone=%2B1000").await;
    assert_eq!(status, 404);
    assert_error(&body, "not_found");
    let (status, body) = demo.get_json("/customers").await;
    assert_eq!(status, 400);
    assert_error(&body, "bad_request");
}
