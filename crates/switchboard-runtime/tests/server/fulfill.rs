//! Fulfilment for other platforms: an intent run with the platform's slot values.

use crate::common;

use serde_json::{Map, Value, json};
use std::time::Duration;
use switchboard_config::model::OutcomeKind;
use switchboard_runtime::engine::fulfill::{FulfillError, FulfillRequest, Fulfilled};

fn req(intent: &str, slots: Value) -> FulfillRequest {
    let slots: Map<String, Value> = slots.as_object().cloned().unwrap_or_default();
    FulfillRequest {
        intent: intent.into(),
        user_id: "rasa-user".into(),
        trust_user_id: false,
        slots,
        deadline: Duration::from_secs(4),
    }
}

#[tokio::test]
async fn runs_the_intent_with_given_slots() {
    let (addr, backend) = common::backend().await;
    let (engine, _dir) = common::engine(common::store_project(addr)).await;

    let ok = engine
        .fulfill(req("order_status", json!({"order_id": "1001"})))
        .await
        .unwrap();
    assert_eq!(ok.status, Fulfilled::Done { failure: None });
    assert_eq!(
        ok.replies,
        ["Hi Aisha, your order 1001 is shipped; it is in Dubai, arriving 2026-11-30."]
    );
    assert_eq!(ok.calls.len(), 4);
    assert_eq!(ok.results["order"]["status"], "shipped");

    let missing = engine
        .fulfill(req("order_status", json!({"order_id": null})))
        .await
        .unwrap();
    assert_eq!(
        missing.status,
        Fulfilled::MissingSlot {
            slot: "order_id".into()
        }
    );
    assert_eq!(missing.replies, ["What's your order number?"]);

    let invalid = engine
        .fulfill(req("order_status", json!({"order_id": "10/01"})))
        .await
        .unwrap();
    assert_eq!(
        invalid.status,
        Fulfilled::InvalidSlot {
            slot: "order_id".into()
        }
    );
    assert!(
        invalid.replies[0].ends_with("What's your order number?"),
        "{:?}",
        invalid.replies
    );

    // Enough 503s for every attempt of the retried GET.
    backend.set_fault("orders=503:3".parse().unwrap());
    let down = engine
        .fulfill(req("order_status", json!({"order_id": "1001"})))
        .await
        .unwrap();
    assert_eq!(
        down.status,
        Fulfilled::Done {
            failure: Some(OutcomeKind::Unavailable)
        }
    );
    assert_eq!(
        down.replies,
        ["Our order system isn't answering right now. Shall I connect you to an agent?"]
    );

    assert_eq!(
        engine.fulfill(req("nope", json!({}))).await.unwrap_err(),
        FulfillError::UnknownIntent("nope".into())
    );
}
