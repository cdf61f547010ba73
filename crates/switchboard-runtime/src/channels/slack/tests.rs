use super::{message, parse, without_mentions};
use serde_json::json;

fn event(e: serde_json::Value) -> Vec<u8> {
    json!({ "token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
            "event_id": "Ev1", "event_time": 1700000000, "event": e })
    .to_string()
    .into_bytes()
}

#[test]
fn a_user_message_in_a_thread_keeps_its_thread() {
    let p = parse(&event(json!({ "type": "message", "user": "U1", "channel": "C1", "text": "<@UBOT> where is my order 1001?", "ts": "1700000000.000100", "thread_ts": "1699999999.000100" }))).unwrap();
    let m = &p.messages[0];
    assert_eq!(
        (m.message_id.as_str(), m.address.as_str(), m.text.as_str()),
        ("Ev1", "T1:U1", "where is my order 1001?")
    );
    assert_eq!(m.context["thread_ts"], "1699999999.000100");
    let reply = message(&m.context, "Shipped.", &[]);
    assert_eq!(reply["message"]["channel"], "C1");
    assert_eq!(reply["message"]["thread_ts"], "1699999999.000100");
}

#[test]
fn the_bots_own_messages_and_edits_are_ignored() {
    for e in [
        json!({ "type": "message", "bot_id": "B1", "user": "U1", "channel": "C1", "text": "hi", "ts": "1" }),
        json!({ "type": "message", "subtype": "message_changed", "channel": "C1", "ts": "1" }),
        json!({ "type": "reaction_added", "user": "U1" }),
    ] {
        assert!(parse(&event(e)).unwrap().messages.is_empty());
    }
}

#[test]
fn url_verification_is_answered() {
    let p = parse(br#"{"token":"x","challenge":"abc123","type":"url_verification"}"#).unwrap();
    assert_eq!(p.challenge.as_deref(), Some("abc123"));
}

#[test]
fn mentions_are_removed() {
    assert_eq!(
        without_mentions("<@U1>  hello <@U2|bob> there"),
        "hello there"
    );
    assert_eq!(without_mentions("a <@ broken"), "a <@ broken");
}

#[test]
fn options_become_buttons() {
    let m = message(
        &json!({ "channel": "D1" }),
        "Cancel?",
        &["yes".into(), "no".into()],
    );
    assert_eq!(m["message"]["blocks"][1]["elements"][1]["value"], "no");
}
