//! The `rasa` and `dialogflow` sections: defaults, links to intents, and the exact errors.

use crate::common;
use common::{check, check_files, project};
use std::time::Duration;
use switchboard_config::model::InboundAuth;

const INTENT: &str = "connectors:
  store:
    base_url: https://api.example.com/v1
    operations:
      get_order:
        path: /orders/{order_id}
        inputs: { order_id: { type: string, pattern: \"^[0-9]+$\" } }
        response: { extract: { status: $.status } }
intents:
  order_status:
    examples: [where is my order, track order 1001, order status]
    slots:
      order_id: { ask: \"Which order?\" }
    steps:
      order: { call: store.get_order, with: { order_id: \"{{ slots.order_id }}\" } }
    reply: \"Order {{ slots.order_id }} is {{ steps.order.status }}.\"
";

#[test]
fn defaults_when_sections_are_minimal() {
    let p = project(&format!("{INTENT}rasa: {{}}\ndialogflow: {{}}\n"));
    let rasa = p.rasa.expect("rasa");
    assert_eq!(rasa.path, "/webhook");
    assert_eq!(rasa.deadline, Duration::from_secs(5), "bot.turn_deadline");
    assert!(rasa.auth.is_none() && rasa.actions.is_empty());
    let df = p.dialogflow.expect("dialogflow");
    assert_eq!(
        (df.es_path.as_str(), df.cx_path.as_str()),
        ("/dialogflow/es", "/dialogflow/cx")
    );
    assert_eq!(df.deadline, Duration::from_millis(4500));
    assert!(
        !rasa.trust_user_ids && !df.trust_user_ids,
        "untrusted by default"
    );
    assert!(project(INTENT).rasa.is_none());
}

#[test]
fn platforms_without_auth_warn_and_trusting_user_ids_needs_auth() {
    check(
        &format!(
            "{INTENT}rasa: {{ trust_user_ids: true }}
dialogflow: {{ deadline: 2s }}
"
        ),
        r#"
            switchboard.yaml:17:25: trust_user_ids needs rasa.auth: without it anyone could call as any sender_id and use that user's connected accounts
            switchboard.yaml:18:13: warning: dialogflow has no auth: anyone who can reach the server can call its routes as any session; add auth (basic or header) (serve refuses a non-loopback address without it)
        "#,
    );
    let p = project(&format!(
        "{INTENT}dialogflow:\n  trust_user_ids: true\n  auth: {{ type: header, name: X-Secret, value: \"${{env:API_KEY}}\" }}\n"
    ));
    assert!(p.dialogflow.unwrap().trust_user_ids);
}

#[test]
fn actions_link_to_intents_and_steps() {
    let p = project(&format!(
        "{INTENT}rasa:
  path: /actions/run
  deadline: 2s
  auth: {{ type: header, name: X-Secret, value: \"${{env:API_KEY}}\" }}
  actions:
    action_order_status: {{ intent: order_status, set_slots: {{ state: order.status }} }}
    validate_order_form: {{ intent: order_status }}
"
    ));
    let rasa = p.rasa.unwrap();
    assert_eq!(rasa.path, "/actions/run");
    assert_eq!(rasa.deadline, Duration::from_secs(2));
    let a = &rasa.actions["action_order_status"];
    assert!(!a.validate);
    assert_eq!(
        (
            a.set_slots[0].slot.as_str(),
            a.set_slots[0].step.as_str(),
            a.set_slots[0].field.as_str()
        ),
        ("state", "order", "status")
    );
    assert!(rasa.actions["validate_order_form"].validate);
    match rasa.auth.unwrap() {
        InboundAuth::Header { name, value } => {
            assert_eq!(name, "x-secret");
            assert_eq!(value.expose(), "env-key");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_intents_steps_and_bad_paths_are_reported() {
    check(
        &format!(
            "{INTENT}rasa:
  path: health
  actions:
    action_a: {{ intent: order_stats }}
    action_b: {{ intent: order_status, set_slots: {{ x: ordr.status, y: nodot }} }}
dialogflow:
  es_path: /healthz
  tags: {{ t: nope }}
  auth: {{ type: basic, username: df, password: plain }}
"
        ),
        r#"
            switchboard.yaml:18:7: warning: rasa has no auth: anyone who can reach the server can call its routes as any sender_id; add auth (basic or header) (serve refuses a non-loopback address without it)
            switchboard.yaml:18:9: path must start with / and hold only letters, digits, -, _, . and ~, found "health"
            switchboard.yaml:20:25: rasa action "action_a" runs intent "order_stats", which is not defined (did you mean "order_status"?)
            switchboard.yaml:21:55: rasa action "action_b" sets slot "x" from step "ordr", which intent "order_status" does not have (did you mean "order"?)
            switchboard.yaml:21:71: set_slots.y must be STEP.FIELD, such as order.status, found "nodot"
            switchboard.yaml:23:12: path "/healthz" is used by the server itself
            switchboard.yaml:24:14: dialogflow tag "t" runs intent "nope", which is not defined
            switchboard.yaml:25:48: literal credential; use ${env:NAME} or ${file:PATH}
        "#,
    );
}

#[test]
fn platform_sections_belong_to_the_main_file() {
    check_files(
        "include: [more.yaml]\n",
        &[("more.yaml", "rasa: {}\n")],
        "more.yaml:1:1: rasa can only be set in the main project file, not in an included file",
    );
}
