//! The `webhooks` section: defaults per scheme, routes compiled as intents, and the exact errors.

use crate::common;
use common::{check, project};
use std::time::Duration;
use switchboard_config::model::{FieldRef, Verify};

const STORE: &str = "connectors:
  store:
    base_url: https://api.example.com/v1
    operations:
      get_order:
        path: /orders/{order_id}
        inputs: { order_id: { type: string } }
        response: { extract: { status: $.status } }
";

#[test]
fn defaults_follow_the_scheme() {
    let p = project(
        "webhooks:
  payments:
    verify: { type: stripe, secrets: [\"${env:API_KEY}\"] }
    routes:
      payment_intent.succeeded:
        user: $.data.object.metadata.user_id
        message: \"Paid {{ event.data.object.amount }}.\"
  gh:
    verify: { type: github, secrets: [\"${env:API_KEY}\", \"${file:secrets/key}\"] }
",
    );
    let s = &p.webhooks["payments"];
    assert!(
        matches!(&s.verify, Verify::Stripe { tolerance, secrets } if *tolerance == Duration::from_secs(300) && secrets.len() == 1)
    );
    assert_eq!(s.max_body_bytes, 256 * 1024);
    assert_eq!(s.stale_after, Duration::from_secs(3600));
    assert_eq!((s.max_attempts, s.user_hourly_limit), (5, 20));
    assert!(matches!(&s.event_id, FieldRef::Path(_)));
    assert!(s.event_time.is_some(), "stripe events carry `created`");
    let route = &s.routes["payment_intent.succeeded"];
    assert_eq!(
        route.intent.name,
        "webhooks.payments.payment_intent.succeeded"
    );
    assert_eq!(route.intent.reply.variants.len(), 1);
    let gh = &p.webhooks["gh"];
    assert!(matches!(&gh.event_id, FieldRef::Header(h) if h == "x-github-delivery"));
    assert!(matches!(&gh.event_type, FieldRef::Header(h) if h == "x-github-event"));
    match &gh.verify {
        Verify::Github { secrets } => {
            assert_eq!(secrets[0].expose(), "env-key");
            assert_eq!(
                secrets[1].expose(),
                "file-key",
                "rotation: both secrets kept"
            );
            assert_eq!(format!("{:?}", gh.verify).matches("[redacted]").count(), 2);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn route_steps_are_compiled_like_an_intent_s() {
    let p = project(&format!(
        "{STORE}webhooks:
  shop:
    verify: {{ type: shopify, secrets: [\"${{env:API_KEY}}\"] }}
    event_id: header:X-Shopify-Event-Id
    routes:
      orders/updated:
        user: $.customer.id
        steps:
          order: {{ call: store.get_order, with: {{ order_id: \"{{{{ event.id }}}}\" }} }}
        message: \"Order {{{{ event.id }}}} is {{{{ steps.order.status }}}}.\"
"
    ));
    let s = &p.webhooks["shop"];
    assert!(matches!(&s.event_id, FieldRef::Header(h) if h == "x-shopify-event-id"));
    let i = &s.routes["orders/updated"].intent;
    assert_eq!(i.levels, vec![vec!["order".to_string()]]);
    assert_eq!(i.steps["order"].call.operation, "get_order");
}

#[test]
fn mistakes_are_reported_with_their_place() {
    check(
        &format!(
            "{STORE}webhooks:
  bad name:
    verify: {{ type: github, secrets: [\"${{env:API_KEY}}\"] }}
  nosecret:
    verify: {{ type: stripe, secrets: [plain] }}
  empty:
    verify: {{ type: slack, secrets: [] }}
  noverify:
    routes: {{}}
  twilio:
    verify: {{ type: twilio, secrets: [\"${{env:API_KEY}}\"] }}
  partner:
    verify: {{ type: hmac, secrets: [\"${{env:API_KEY}}\"], header: X-Sig, algorithm: md5, encoding: hexa }}
    event_id: \"$.[\"
    max_body_bytes: 0
    max_attempts: 0
    routes:
      a.b:
        user: $.user
        steps:
          order: {{ call: store.get_ordr, with: {{ order_id: \"{{{{ event.id }}}}\" }} }}
        message: \"{{{{ slots.x }}}} {{{{ steps.nope }}}}\"
      c.d:
        message: hi
      e.f:
        user: $.u
  kind:
    verify: {{ type: stripes, secrets: [] }}
"
        ),
        "switchboard.yaml:10:3: webhook source name \"bad name\" must be letters, digits, '-' or '_' (it is a URL segment)
        switchboard.yaml:13:39: literal credential; use ${env:NAME} or ${file:PATH}
        switchboard.yaml:15:13: verify needs secrets: a list of at least one ${env:NAME} or ${file:PATH} reference
        switchboard.yaml:16:3: webhook source \"noverify\" has no verify; add verify: {type: stripe, secrets: [\"${env:NAME}\"]} (or another scheme)
        switchboard.yaml:19:13: twilio verification needs url: the public URL configured in Twilio
        switchboard.yaml:21:82: algorithm must be sha256, sha512 or sha1, found \"md5\"
        switchboard.yaml:21:97: encoding must be hex or base64, found \"hexa\"
        switchboard.yaml:22:15: \"$.[\" is not a JSONPath (or header:NAME): at position 2, in dot member name, must start with lowercase alpha or '_'
        switchboard.yaml:23:21: max_body_bytes must be between 1 and 16777216, found 0
        switchboard.yaml:24:19: max_attempts must be at least 1
        switchboard.yaml:29:26: webhook route \"a.b\" of source \"partner\" calls operation \"store.get_ordr\", which connector \"store\" does not define (did you mean \"store.get_order\"?)
        switchboard.yaml:30:18: \"slots.x\" is not defined; webhook templates can use event, steps, source and user
        switchboard.yaml:30:18: \"steps.nope\": webhook route \"a.b\" of source \"partner\" has no step \"nope\"
        switchboard.yaml:31:7: webhook route \"c.d\" of source \"partner\" has no user: a JSONPath to the user id in the event
        switchboard.yaml:33:7: webhook route \"e.f\" of source \"partner\" has no message: the template sent to the user
        switchboard.yaml:36:21: expected one of stripe, standard_webhooks, github, shopify, slack, twilio, meta, hmac, found \"stripes\" (did you mean \"stripe\"?)
        ",
    );
}

#[test]
fn pollers_default_and_check_their_operation() {
    let p = project(&format!(
        "{STORE}pollers:
  order_1:
    call: store.get_order
    with: {{ order_id: \"1\" }}
    items: $
    routes:
      changed:
        user: $.item.customer
        message: \"Order {{{{ event.key }}}}: {{{{ event.item.status }}}}.\"
"
    ));
    let poller = &p.pollers["order_1"];
    assert_eq!(poller.every, Duration::from_secs(60));
    assert_eq!(poller.event_type, "changed");
    assert!(!poller.initial);
    assert_eq!(poller.with["order_id"], "1");
    assert_eq!(
        poller.routes["changed"].intent.name,
        "webhooks.order_1.changed"
    );

    check(
        &format!(
            "{STORE}      cancel:
        method: POST
        path: /cancel
webhooks:
  shop:
    verify: {{ type: github, secrets: [\"${{env:API_KEY}}\"] }}
pollers:
  shop:
    call: store.get_order
    with: {{ order_id: \"1\" }}
  nothing: {{}}
  writes:
    call: store.cancel
    every: 10ms
  typo:
    call: store.get_ordr
  inputs:
    call: store.get_order
    with: {{ order: 1 }}
"
        ),
        "switchboard.yaml:16:3: poller \"shop\" has the name of a webhook source; events are told apart by it
        switchboard.yaml:19:3: poller \"nothing\" has no call: CONNECTOR.OPERATION to poll
        switchboard.yaml:21:11: poller \"writes\" calls store.cancel (POST), which changes data; a poller may only read
        switchboard.yaml:22:12: every must be at least 1s
        switchboard.yaml:24:11: poller \"typo\" calls \"store.get_ordr\", which is not defined (did you mean \"store.get_order\"?)
        switchboard.yaml:25:3: poller \"inputs\" does not give input \"order_id\", which operation \"store.get_order\" requires
        switchboard.yaml:27:13: operation \"store.get_order\" has no input \"order\" (did you mean \"order_id\"?)
        ",
    );
}

/// A route's message reads the keys its steps extract, as an intent's reply does.
#[test]
fn unknown_extract_key_in_a_route_message() {
    check(
        &format!(
            "{STORE}webhooks:
  partner:
    verify: {{ type: stripe, secrets: [\"${{env:API_KEY}}\"] }}
    routes:
      order.updated:
        user: $.u
        steps:
          order: {{ call: store.get_order, with: {{ order_id: \"{{{{ event.id }}}}\" }} }}
        message: \"Order is {{{{ steps.order.state }}}}.\"
"
        ),
        "switchboard.yaml:17:18: \"steps.order.state\": step \"order\" of webhook route \"order.updated\" of source \"partner\" extracts no \"state\" (did you mean \"status\"?); it extracts status
        ",
    );
}
