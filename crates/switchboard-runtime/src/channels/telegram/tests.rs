use super::{callback_data, message, parse, verify};
use axum::http::{HeaderMap, HeaderValue};
use serde_json::json;
use switchboard_config::Secret;

#[test]
fn a_message_and_a_tapped_button_are_user_messages() {
    let m = json!({ "update_id": 10, "message": { "message_id": 5, "date": 1700000000,
        "from": { "id": 42, "is_bot": false, "first_name": "A" }, "chat": { "id": 42, "type": "private" }, "text": "hi" } });
    let p = parse(m.to_string().as_bytes()).unwrap();
    assert_eq!(p.messages[0].message_id, "10");
    assert_eq!(p.messages[0].address, "42");
    assert_eq!(p.messages[0].text, "hi");
    let q = json!({ "update_id": 11, "callback_query": { "id": "c", "from": { "id": 42, "is_bot": false, "first_name": "A" },
        "message": { "message_id": 6, "date": 1700000001, "chat": { "id": 42, "type": "private" }, "from": { "id": 1, "is_bot": true, "first_name": "bot" }, "text": "Cancel?" },
        "data": "yes" } });
    let p = parse(q.to_string().as_bytes()).unwrap();
    assert_eq!(p.messages[0].text, "yes");
}

#[test]
fn bots_and_edits_are_ignored() {
    let bot = json!({ "update_id": 12, "message": { "message_id": 5, "date": 1, "from": { "id": 9, "is_bot": true, "first_name": "B" }, "chat": { "id": 9, "type": "private" }, "text": "hi" } });
    assert!(
        parse(bot.to_string().as_bytes())
            .unwrap()
            .messages
            .is_empty()
    );
    let edit = json!({ "update_id": 13, "edited_message": { "message_id": 5, "date": 1, "chat": { "id": 9, "type": "private" }, "text": "hi" } });
    assert!(
        parse(edit.to_string().as_bytes())
            .unwrap()
            .messages
            .is_empty()
    );
    assert!(parse(b"{}").is_err());
}

#[test]
fn the_secret_header_must_match() {
    let secret = Secret::from_reference("s3cret-token".to_string());
    let mut h = HeaderMap::new();
    assert!(verify(&secret, &h).is_err());
    h.insert(
        "x-telegram-bot-api-secret-token",
        HeaderValue::from_static("s3cret-tokeN"),
    );
    assert!(verify(&secret, &h).is_err());
    h.insert(
        "x-telegram-bot-api-secret-token",
        HeaderValue::from_static("s3cret-token"),
    );
    assert!(verify(&secret, &h).is_ok());
}

#[test]
fn options_become_an_inline_keyboard() {
    let m = message("1:A", "-100", "Cancel?", &["yes".into(), "no".into()]);
    assert_eq!(m["message"]["chat_id"], -100);
    assert_eq!(
        m["message"]["reply_markup"]["inline_keyboard"][1][0]["callback_data"],
        "no"
    );
    assert_eq!(callback_data(&"é".repeat(40)).len(), 64);
}
