//! Dialogflow request decoding against fixtures shaped like the documentation's samples.

use super::{cx, es, no_empty};
use serde_json::{Map, Value, json};

const ES: &str = include_str!("../../../tests/fixtures/dialogflow/es_order_status.json");
const CX: &str = include_str!("../../../tests/fixtures/dialogflow/cx_order_status.json");

#[test]
fn reads_an_es_webhook_request() {
    let req: es::WebhookRequest = serde_json::from_str(ES).unwrap();
    assert_eq!(req.query_result.intent.display_name, "Order Status");
    assert_eq!(req.query_result.parameters["order_id"], "1001");
    assert_eq!(req.query_result.output_contexts.len(), 1);
    assert!(req.session.ends_with("/sessions/session-42"));
}

#[test]
fn reads_a_cx_webhook_request() {
    let req: cx::WebhookRequest = serde_json::from_str(CX).unwrap();
    assert_eq!(req.fulfillment_info.tag, "order-status");
    assert_eq!(req.session_info.parameters["order_id"], "1001");
    let info = req.intent_info.unwrap();
    assert_eq!(info.parameters["order_id"]["resolvedValue"], "1001");
}

#[test]
fn empty_parameters_are_no_value() {
    let params: Map<String, Value> = json!({"a": "", "b": "x", "c": 3})
        .as_object()
        .cloned()
        .unwrap();
    let out = no_empty(&params);
    assert_eq!(out["a"], Value::Null);
    assert_eq!(out["b"], "x");
    assert_eq!(out["c"], 3);
}
