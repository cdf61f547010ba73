//! The action server's wire format against rasa-sdk-shaped fixtures.

use super::protocol::{self, ActionCall};
use serde_json::json;

const ORDER: &str = include_str!("../../../tests/fixtures/rasa/action_order_status.json");
const FORM: &str = include_str!("../../../tests/fixtures/rasa/validate_order_form.json");

#[test]
fn reads_a_full_rasa_action_call() {
    let call: ActionCall = serde_json::from_str(ORDER).unwrap();
    assert_eq!(call.next_action, "action_order_status");
    assert_eq!(call.sender_id.as_deref(), Some("c6a5a1b0-u1"));
    assert_eq!(call.tracker.slots["order_id"], "1001");
    assert_eq!(call.tracker.latest_message.entities[0].entity, "order_id");
    assert_eq!(call.version.as_deref(), Some("3.10.0"));
    assert!(call.domain.is_some());
}

#[test]
fn slots_to_validate_are_those_set_after_the_last_user_event() {
    let call: ActionCall = serde_json::from_str(FORM).unwrap();
    assert_eq!(call.tracker.slots_set_this_turn(), ["order_id"]);
    let order: ActionCall = serde_json::from_str(ORDER).unwrap();
    assert_eq!(order.tracker.slots_set_this_turn(), ["order_id"]);
}

/// The request is read borrowed from the body, but a string with an escape cannot be
/// borrowed: it must be read all the same (as an owned copy), not refused.
#[test]
fn escaped_strings_in_a_call_are_read() {
    let body = r#"{"next_action": "action_\u006frder", "sender_id": "caf\u00e9 \"1\"",
        "tracker": {"events": [{"event": "slot", "name": "order\u005fid", "value": "1"}]}}"#;
    let call: ActionCall = serde_json::from_str(body).unwrap();
    assert_eq!(call.next_action, "action_order");
    assert_eq!(call.sender_id.as_deref(), Some("café \"1\""));
    assert_eq!(call.tracker.slots_set_this_turn(), ["order_id"]);
}

#[test]
fn a_call_without_domain_or_tracker_details_is_accepted() {
    let body = json!({"next_action": "a", "tracker": {}}).to_string();
    let call: ActionCall = serde_json::from_str(&body).unwrap();
    assert!(call.domain.is_none());
    assert!(call.tracker.slots.is_empty());
}

#[test]
fn events_and_responses_have_rasa_sdk_shapes() {
    assert_eq!(
        protocol::slot_event("order_id", json!(null)),
        json!({"event": "slot", "timestamp": null, "name": "order_id", "value": null})
    );
    let r = protocol::text_response("hi");
    assert_eq!(r["text"], "hi");
    assert_eq!(r["buttons"], json!([]));
    assert_eq!(
        protocol::action_not_found("x"),
        json!({"error": "No registered action found for name 'x'.", "action_name": "x"})
    );
}
