use super::{message, parse};
use serde_json::{Value, json};

fn delivery(messages: Value, statuses: Value) -> Vec<u8> {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "102290129340398", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550783881", "phone_number_id": "106540352242922" },
            "contacts": [{ "profile": { "name": "Sheena" }, "wa_id": "919812345678" }],
            "messages": messages, "statuses": statuses
        }}]}]
    })
    .to_string()
    .into_bytes()
}

#[test]
fn text_button_and_list_replies_are_messages() {
    let body = delivery(
        json!([
            { "from": "919812345678", "id": "wamid.A", "timestamp": "1700000000", "type": "text", "text": { "body": "where is my order 1001?" } },
            { "from": "919812345678", "id": "wamid.B", "timestamp": "1700000001", "type": "interactive", "interactive": { "type": "button_reply", "button_reply": { "id": "option-0", "title": "yes" } } },
            { "from": "919812345678", "id": "wamid.C", "timestamp": "1700000002", "type": "interactive", "interactive": { "type": "list_reply", "list_reply": { "id": "option-3", "title": "Returns" } } },
            { "from": "919812345678", "id": "wamid.D", "timestamp": "1700000003", "type": "image", "image": { "id": "1" } }
        ]),
        json!([]),
    );
    let parsed = parse("106540352242922", &body).unwrap();
    let texts: Vec<_> = parsed.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["where is my order 1001?", "yes", "Returns"]);
    assert_eq!(parsed.messages[0].address, "+919812345678");
    assert_eq!(parsed.messages[0].message_id, "wamid.A");
    assert_eq!(parsed.messages[0].sent_at, Some(1_700_000_000_000));
}

#[test]
fn statuses_are_counted_never_messages() {
    let body = delivery(
        json!([]),
        json!([{ "id": "wamid.X", "status": "delivered", "recipient_id": "919812345678" }, { "id": "wamid.Y", "status": "weird" }]),
    );
    let parsed = parse("106540352242922", &body).unwrap();
    assert!(parsed.messages.is_empty());
    assert_eq!(parsed.statuses, ["delivered", "other"]);
}

#[test]
fn messages_to_another_number_are_ignored() {
    let body = delivery(
        json!([{ "from": "1", "id": "wamid.A", "type": "text", "text": { "body": "hi" } }]),
        json!([]),
    );
    assert!(parse("999", &body).unwrap().messages.is_empty());
}

#[test]
fn options_become_buttons_then_a_list_then_text() {
    let three: Vec<String> = ["yes", "no", "maybe"].map(String::from).to_vec();
    let m = message("1", "+91", "Cancel it?", &three);
    assert_eq!(m["message"]["interactive"]["type"], "button");
    assert_eq!(m["message"]["to"], "91");
    let five: Vec<String> = (1..=5).map(|i| format!("option {i}")).collect();
    assert_eq!(
        message("1", "+91", "Pick", &five)["message"]["interactive"]["type"],
        "list"
    );
    let long = vec!["a".repeat(30)];
    assert_eq!(
        message("1", "+91", "Pick", &long)["message"]["type"],
        "text"
    );
}
