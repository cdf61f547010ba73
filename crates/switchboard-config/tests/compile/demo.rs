//! The demo project (`examples/store`) loads, links and orders as the runtime expects.

use std::path::PathBuf;
use switchboard_config::model::{Auth, InputType, Method, PathPart, ValueTemplate};
use switchboard_config::{LoadOptions, Project, load};

fn demo() -> Project {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/store/switchboard.yaml");
    match load(&path, &LoadOptions::default()) {
        Ok((p, warnings)) => {
            assert_eq!(warnings.to_string(), "", "the demo project has warnings");
            p
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn demo_project_has_expected_counts() {
    let p = demo();
    // The store (12 operations), and each channel's built-in connector (send; Telegram also register).
    assert_eq!(p.connectors.len(), 5);
    assert_eq!(p.channels.len(), 4);
    assert_eq!(p.operation_count(), 17);
    assert_eq!(p.intents.len(), 13);
    assert_eq!(p.entities.len(), 6);
}

#[test]
fn order_status_steps_are_levelled() {
    let p = demo();
    let levels = &p.intents["order_status"].levels;
    assert_eq!(
        levels,
        &vec![
            vec!["order".to_string()],
            vec!["shipment".into(), "customer".into()],
            vec!["log".into()]
        ]
    );
    assert_eq!(
        p.intents["order_status"].steps["log"].depends_on,
        vec!["order".to_string(), "customer".into()]
    );
}

#[test]
fn slot_validation_links_order_id_to_get_order_input() {
    let p = demo();
    let slot = &p.intents["order_status"].slots["order_id"];
    let v = slot.validation.as_ref().expect("order_id is validated");
    assert_eq!(v.ty, InputType::String);
    assert_eq!(
        v.pattern.as_ref().map(|r| r.as_str()),
        Some("^(?:^[A-Z0-9-]{3,20}$)$")
    );
    assert!(slot.is_required());
}

#[test]
fn connector_and_operations_are_compiled() {
    let p = demo();
    let store = &p.connectors["store"];
    assert_eq!(store.base_url, "http://127.0.0.1:8081/api/v2");
    match &store.auth {
        Auth::ApiKey { name, value, .. } => {
            assert_eq!(name, "X-Api-Key");
            assert_eq!(value.expose(), "demo-key");
            assert!(!value.is_literal());
        }
        other => panic!("unexpected auth {other:?}"),
    }
    let get_order = &store.operations["get_order"];
    assert_eq!(get_order.method, Method::Get);
    assert_eq!(
        get_order.path.parts,
        vec![
            PathPart::Literal("/orders/".into()),
            PathPart::Param("order_id".into())
        ]
    );
    assert_eq!(get_order.response.extract.len(), 6);
    let refund = &store.operations["create_refund"];
    assert_eq!(
        refund.inputs["reason"].default,
        Some("requested_by_customer".into())
    );
    assert!(!refund.inputs["reason"].required);
    match &refund.body {
        Some(ValueTemplate::Object(m)) => {
            let e = m["payment_id"].as_expr().expect("a whole expression");
            assert_eq!(e.source, "inputs.payment_id");
            assert_eq!(
                e.id,
                "connectors.store.operations.create_refund.body.payment_id"
            );
        }
        other => panic!("unexpected body {other:?}"),
    }
}

#[test]
fn intents_keep_replies_confirmations_and_error_replies() {
    let p = demo();
    let refund = &p.intents["request_refund"];
    assert!(refund.confirm.is_some());
    assert_eq!(refund.reply.variants.len(), 1);
    assert_eq!(
        refund.reply.variants[0].text.id,
        "intents.request_refund.reply.0"
    );
    let with = &refund.steps["refund"].with;
    assert!(matches!(with["idempotency_key"], ValueTemplate::Text(_)));
    let status = &p.intents["order_status"];
    assert!(status.confirm.is_none());
    // Hinglish and Arabic first, then the English ones by condition.
    assert_eq!(status.reply.variants.len(), 6);
    assert_eq!(status.reply.variants[1].language.as_deref(), Some("ar"));
    assert_eq!(
        status.reply.variants[2]
            .when
            .as_ref()
            .map(|w| w.id.as_str()),
        Some("intents.order_status.reply.2.when")
    );
    // not_found and rate_limited (a Retry-After past the deadline).
    assert_eq!(status.on_error.by_outcome.len(), 2);
    assert!(status.on_error.default.is_some());
    assert_eq!(p.bot.turn_deadline, std::time::Duration::from_secs(5));
    assert_eq!(p.bot.max_ask_attempts, 3);
}
