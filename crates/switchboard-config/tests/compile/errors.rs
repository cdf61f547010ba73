//! One case per kind of mistake: the exact `file:line:col: message` a user sees.

use crate::common;
use common::{check, check_files, project};

/// A small valid project, for cases that add one mistake to it.
fn api(extra: &str) -> String {
    format!(
        "connectors:
  store:
    base_url: https://api.example.com/v1/
    auth: {{ type: bearer, token: \"${{env:API_KEY}}\" }}
    operations:
      get_order:
        path: /orders/{{order_id}}
        inputs:
          order_id: {{ type: string, pattern: \"[0-9]+\" }}
        response:
          extract: {{ status: $.status }}
      refunds:
        method: post
        path: /refunds
        inputs: {{ payment_id: string, note: {{ type: string, required: false }} }}
        body: {{ payment: \"{{{{ inputs.payment_id }}}}\", note: \"{{{{ inputs.note }}}}\" }}
{extra}"
    )
}

const INTENT: &str = "intents:
  order_status:
    examples: [where is my order, track order 1001, order status]
    slots:
      order_id: { entity: number, ask: \"Which order?\" }
    steps:
      order: { call: store.get_order, with: { order_id: \"{{ slots.order_id }}\" } }
    reply: \"Order {{ slots.order_id }} is {{ steps.order.status }}.\"
";

#[test]
fn the_base_project_is_valid() {
    check(&api(INTENT), "");
}

#[test]
fn yaml_syntax_error() {
    check(
        "intents:\n  a: [unclosed\n",
        r#"
            switchboard.yaml:3:1: YAML syntax error: while parsing a flow sequence, expected ',' or ']'
        "#,
    );
}

#[test]
fn duplicate_yaml_key() {
    check(
        "intents:\n  a:\n    reply: x\n    reply: y\n",
        r#"
            switchboard.yaml:4:5: duplicate key "reply" (first given at line 3)
        "#,
    );
}

#[test]
fn unknown_key_with_hint() {
    check(
        "connectors:\n  store:\n    base_url: https://x\n    opertions: {}\n",
        r#"
            switchboard.yaml:4:5: unknown key "opertions" in connector "store" (did you mean "operations"?)
        "#,
    );
}

#[test]
fn unknown_top_level_key_with_hint() {
    check(
        "intens: {}\n",
        r#"
            switchboard.yaml:1:1: unknown key "intens" in the project file (did you mean "intents"?)
        "#,
    );
}

#[test]
fn unknown_nested_key_with_hint() {
    check(
        &api("").replace("pattern: \"[0-9]+\"", "patern: \"[0-9]+\""),
        r#"
            switchboard.yaml:9:37: unknown key "patern" in inputs.order_id of operation "store.get_order" (did you mean "pattern"?)
        "#,
    );
}

#[test]
fn wrong_types() {
    check(
        "bot:\n  turn_deadline: fast\nconnectors:\n  a:\n    base_url: https://x\n    timeout: 5\n  b:\n    base_url: https://y\n    max_response_bytes: lots\n",
        r#"
            switchboard.yaml:2:16: expected a duration like "2s", found "fast"
            switchboard.yaml:5:13: expected a duration like "2s", found "5" (add a unit, e.g. 5s)
            switchboard.yaml:9:25: expected a whole number, found "lots"
        "#,
    );
}

#[test]
fn undefined_operation_with_hint() {
    check(
        &api(&INTENT.replace("store.get_order", "store.refund")),
        r#"
            switchboard.yaml:23:22: intent "order_status" calls operation "store.refund", which connector "store" does not define (did you mean "store.refunds"?)
        "#,
    );
}

#[test]
fn undefined_connector() {
    check(
        &api(&INTENT.replace("store.get_order", "payments.get_order")),
        r#"
            switchboard.yaml:23:22: intent "order_status" calls operation "payments.get_order", but there is no connector "payments"
        "#,
    );
}

#[test]
fn unknown_with_input() {
    check(
        &api(&INTENT.replace("with: { order_id:", "with: { order_idd:")),
        r#"
            switchboard.yaml:23:7: step "order" of intent "order_status" does not give input "order_id", which operation "store.get_order" requires
            switchboard.yaml:23:47: operation "store.get_order" has no input "order_idd" (did you mean "order_id"?)
        "#,
    );
}

#[test]
fn path_parameter_without_input() {
    check(
        &api("").replace("/orders/{order_id}", "/orders/{id}"),
        r#"
            switchboard.yaml:7:15: path parameter "id" is not an input of operation "store.get_order"
        "#,
    );
}

#[test]
fn bad_jsonpath() {
    check(
        &api("").replace("{ status: $.status }", "{ status: \"$.[status\" }"),
        r#"
            switchboard.yaml:11:30: invalid JSONPath "$.[status": at position 2, in dot member name, must start with lowercase alpha or '_'
        "#,
    );
}

#[test]
fn bad_json_schema() {
    check(
        &api("").replace(
            "extract: { status: $.status }",
            "schema: { type: object, properties: { status: { type: strang } } }",
        ),
        r#"
            switchboard.yaml:11:65: invalid JSON Schema: "strang" is not valid under any of the schemas listed in the 'anyOf' keyword
        "#,
    );
}

#[test]
fn template_syntax_error() {
    check(
        &api(&INTENT.replace(
            "is {{ steps.order.status }}.",
            "is {{ steps.order.status }.",
        )),
        r#"
            switchboard.yaml:24:12: template error in intents.order_status.reply.0: syntax error: unexpected `}`, expected end of variable block
        "#,
    );
}

#[test]
fn unknown_references_in_templates() {
    let yaml = api(&INTENT.replace(
        "{{ steps.order.status }}",
        "{{ steps.ordr.status }} {{ slots.oder_id }} {{ usr.id }}",
    ));
    check(
        &yaml.replace("{{ inputs.note }}", "{{ inputs.notes }}"),
        r#"
            switchboard.yaml:16:59: "inputs.notes": operation "store.refunds" has no input "notes" (did you mean "note"?)
            switchboard.yaml:24:12: "slots.oder_id": no intent has a slot "oder_id" (did you mean "order_id"?)
            switchboard.yaml:24:12: "steps.ordr.status": intent "order_status" has no step "ordr" (did you mean "order"?)
            switchboard.yaml:24:12: "usr.id" is not defined (did you mean "user"?); intent templates can use slots, steps, user, turn, conversation and error
        "#,
    );
}

/// A step whose operation declares `extract` has exactly those keys: a misspelt one in a
/// reply or in another step's argument is reported where it is read, with the nearest key.
/// A step without `extract` (the whole body) and `steps.NAME` alone are not checked.
#[test]
fn unknown_extract_keys_of_a_step() {
    let yaml = api(&INTENT.replace(
        "      order: { call: store.get_order, with: { order_id: \"{{ slots.order_id }}\" } }\n",
        "      order: { call: store.get_order, with: { order_id: \"{{ slots.order_id }}\" } }
      again: { call: store.get_order, with: { order_id: \"{{ steps.order.statsu }}\" } }
      refund: { call: store.refunds, with: { payment_id: \"{{ steps.order }}\" } }
",
    )
    .replace(
        "{{ steps.order.status }}.\"",
        "{{ steps.order.stauts }}, {{ steps.again.status }}, {{ steps.refund.anything }}, {{ steps.order.zzz }}.\"\n    confirm: false",
    ));
    check(
        &yaml,
        r#"
            switchboard.yaml:24:57: "steps.order.statsu": step "order" of intent "order_status" extracts no "statsu" (did you mean "status"?); it extracts status
            switchboard.yaml:26:12: "steps.order.stauts": step "order" of intent "order_status" extracts no "stauts" (did you mean "status"?); it extracts status
            switchboard.yaml:26:12: "steps.order.zzz": step "order" of intent "order_status" extracts no "zzz"; it extracts status
        "#,
    );
}

#[test]
fn step_cycle() {
    check(
        &api("intents:
  a:
    examples: [x, y, z]
    steps:
      one: { call: store.get_order, with: { order_id: \"{{ steps.two.status }}\" } }
      two: { call: store.get_order, with: { order_id: \"{{ steps.one.status }}\" } }
    reply: done
"),
        r#"
            switchboard.yaml:21:7: steps one -> two -> one form a cycle
        "#,
    );
}

/// `${env:NAME:-default}`: the variable when it is set and not empty, else the default; a
/// credential may not have one (it would be a credential written in the file).
#[test]
fn env_references_with_a_default() {
    let yaml = "connectors:
  set:
    base_url: https://x
    headers: { X-Env: \"${env:API_KEY:-unused}\" }
  unset:
    base_url: \"${env:STORE_URL:-http://127.0.0.1:8081/api/v2}\"
  empty_default:
    base_url: \"${env:STORE_URL:-}\"
";
    check(
        yaml,
        "switchboard.yaml:8:15: environment variable STORE_URL is not set",
    );
    let p = common::project(&yaml.replace(":-}", ":-https://x}"));
    assert_eq!(p.connectors["set"].headers[0].1.expose(), "env-key");
    assert_eq!(
        p.connectors["unset"].base_url,
        "http://127.0.0.1:8081/api/v2"
    );
    check(
        "connectors:
  a:
    base_url: https://x
    auth: { type: bearer, token: \"${env:TOKEN:-abc123}\" }
",
        "switchboard.yaml:4:34: ${env:TOKEN:-...} gives a credential a default written in the file; use ${env:TOKEN} or ${file:PATH}",
    );
}

#[test]
fn missing_env_var_and_file() {
    check(
        "connectors:
  a:
    base_url: https://x
    auth: { type: bearer, token: \"${env:NOPE}\" }
  b:
    base_url: https://y
    headers: { X-Token: \"${file:secrets/missing}\" }
",
        r#"
            switchboard.yaml:4:34: environment variable NOPE is not set
            switchboard.yaml:7:25: cannot read secrets/missing for ${file:secrets/missing}: no such file
        "#,
    );
}

#[test]
fn literal_credentials() {
    check(
        "connectors:
  a:
    base_url: https://x
    auth: { type: api_key, name: X-Api-Key, value: hunter2 }
  b:
    base_url: https://y
    headers: { Authorization: Bearer abc, Accept: application/json }
",
        r#"
            switchboard.yaml:4:52: literal credential; use ${env:NAME} or ${file:PATH}
            switchboard.yaml:7:31: literal credential; use ${env:NAME} or ${file:PATH}
        "#,
    );
}

#[test]
fn write_without_confirm() {
    check(
        &api("intents:
  refund:
    examples: [refund, money back, refund please]
    steps:
      refund: { call: store.refunds, with: { payment_id: PAY-1 } }
    reply: done
"),
        r#"
            switchboard.yaml:21:23: step "refund" of intent "refund" calls store.refunds (POST), which changes data; add confirm: "<question>" to ask first, or confirm: false
        "#,
    );
}

#[test]
fn missing_reply_and_examples() {
    check(
        "intents:\n  a:\n    description: nothing\n",
        r#"
            switchboard.yaml:2:3: intent "a" needs at least one example
            switchboard.yaml:2:3: intent "a" has no reply
        "#,
    );
}

#[test]
fn duplicate_name_across_includes() {
    check_files(
        "include: [more.yaml]\nintents:\n  hello:\n    examples: [hi, hello, hey]\n    reply: Hi!\n",
        &[(
            "more.yaml",
            "intents:\n  hello:\n    examples: [hi]\n    reply: Hello!\n",
        )],
        r#"
            more.yaml:2:3: intent "hello" is already defined at switchboard.yaml:3:3
        "#,
    );
}

#[test]
fn include_cycle() {
    check_files(
        "include: [a.yaml]\n",
        &[
            ("a.yaml", "include: [b.yaml]\n"),
            ("b.yaml", "include: [a.yaml]\n"),
        ],
        r#"
            b.yaml:1:11: include cycle: a.yaml -> b.yaml -> a.yaml
        "#,
    );
}

#[test]
fn include_glob_matching_nothing_and_missing_file() {
    check(
        "include: [\"intents/*.yaml\", nothere.yaml]\n",
        r#"
            switchboard.yaml:1:11: include pattern "intents/*.yaml" matches no file
            switchboard.yaml:1:29: cannot read nothere.yaml: no such file
        "#,
    );
}

#[test]
fn included_file_cannot_set_bot() {
    check_files(
        "include: [a.yaml]\n",
        &[("a.yaml", "bot: { turn_deadline: 2s }\n")],
        r#"
            a.yaml:1:1: bot can only be set in the main project file, not in an included file
        "#,
    );
}

#[test]
fn several_errors_in_different_items_are_reported_together() {
    check(
        "connectors:
  a:
    base_url: ftp://x
    operations:
      one: { path: nope }
      two: { path: /x, method: FETCH }
      three: { path: /y, timeout: 1 }
entities:
  colour: { values: [red, green] , builtin: date }
  date: { pattern: \"[\" }
intents:
  i1:
    examples: [a, b, c]
    slots:
      s: { entity: colur }
    reply: \"{{ slots.s }}\"
  i2:
    examples: [a, b, c]
    reply: ok
    on_error: { not_fund: sorry }
",
        r#"
            switchboard.yaml:3:15: base_url "ftp://x" must start with http:// or https://
            switchboard.yaml:5:20: path "nope" must start with "/"
            switchboard.yaml:6:32: unknown method "FETCH"; use GET, POST, PUT, PATCH, DELETE or HEAD
            switchboard.yaml:7:14: expected a duration like "2s", found "1" (add a unit, e.g. 1s)
            switchboard.yaml:9:3: entity "colour" has both values and builtin; give exactly one
            switchboard.yaml:10:3: entity "date" has the name of a built-in entity; choose another name
            switchboard.yaml:10:20: invalid pattern: unclosed character class
            switchboard.yaml:15:20: slot "s" uses entity "colur", which is not declared (did you mean "colour"?)
            switchboard.yaml:20:17: unknown outcome "not_fund" in on_error (did you mean "not_found"?); use not_found, bad_request, unauthorized, forbidden, conflict, rate_limited, unavailable, timeout, invalid_response, default
        "#,
    );
}

#[test]
fn bad_inputs() {
    check(
        "connectors:
  a:
    base_url: https://x
    operations:
      one:
        path: /x
        inputs:
          n: { type: integer, pattern: \"x\", default: abc }
          s: { type: string, pattern: \"(\" }
          c: { type: string, enum: [USD, EUR], default: GBP }
          m: { type: boolean, min_length: 2 }
      two:
        path: /y
        inputs:
          t: strnig
",
        r#"
            switchboard.yaml:8:40: pattern applies only to string inputs, and "n" has type integer
            switchboard.yaml:8:54: default "abc" for input "n" must be an integer
            switchboard.yaml:9:39: invalid pattern: unclosed group
            switchboard.yaml:10:57: default "GBP" for input "c" must be one of USD, EUR
            switchboard.yaml:11:43: min_length applies only to string inputs, and "m" has type boolean
            switchboard.yaml:15:14: expected one of string, integer, number, boolean, object, found "strnig" (did you mean "string"?)
        "#,
    );
}

#[test]
fn default_bot_settings_and_storage_errors() {
    check(
        "bot:\n  confidence_threshold: 1.5\nstorage:\n  type: postgres\n  url: postgres://user:secret@db/x\n",
        r#"
            switchboard.yaml:2:25: confidence_threshold must be between 0 and 1, found 1.5
            switchboard.yaml:5:8: literal credential; use ${env:NAME} or ${file:PATH}
        "#,
    );
}

#[test]
fn conversation_retention_defaults_to_90_days_and_must_be_positive() {
    let day = std::time::Duration::from_secs(86_400);
    assert_eq!(project("{}").conversation_retention, day * 90);
    let p = project("storage: { type: sqlite, conversation_retention: 7d }\n");
    assert_eq!(p.conversation_retention, day * 7);
    check(
        "storage: { type: sqlite, conversation_retention: 0s }\n",
        r#"
            switchboard.yaml:1:50: conversation_retention must be more than 0
        "#,
    );
}

#[test]
fn auth_type_unknown_and_missing_fields() {
    check(
        "connectors:\n  a:\n    base_url: https://x\n    auth: { type: bearr }\n  b:\n    base_url: https://y\n    auth: { type: api_key, value: \"${env:API_KEY}\" }\n",
        r#"
            switchboard.yaml:4:19: expected one of none, api_key, bearer, basic, oauth2_client_credentials, oauth2_authorization_code, jwt, hmac, found "bearr" (did you mean "bearer"?)
            switchboard.yaml:7:5: missing key "name" in auth of connector "b"
        "#,
    );
}

#[test]
fn schema_file_and_secret_file_are_read_relative_to_their_file() {
    check_files(
        "include: [apis/store.yaml]\n",
        &[
            (
                "apis/store.yaml",
                "connectors:\n  s:\n    base_url: https://x\n    headers: { X-Key: \"${file:key}\" }\n    operations:\n      o:\n        path: /o\n        response: { schema_file: schemas/o.yaml }\n",
            ),
            ("apis/key", "k\n"),
            ("apis/schemas/o.yaml", "type: object\nrequired: 5\n"),
        ],
        r#"
            apis/store.yaml:8:34: invalid JSON Schema in apis/schemas/o.yaml: 5 is not of type "array" (at /required)
        "#,
    );
}

#[test]
fn missing_required_input() {
    check(
        &api(&INTENT.replace("with: { order_id: \"{{ slots.order_id }}\" }", "with: {}")),
        r#"
            switchboard.yaml:23:7: step "order" of intent "order_status" does not give input "order_id", which operation "store.get_order" requires
        "#,
    );
}

#[test]
fn literal_values_are_checked_against_the_input() {
    check(
        &api(&INTENT.replace("\"{{ slots.order_id }}\" }", "A-12 }")),
        r#"
            switchboard.yaml:23:57: "A-12" for input "order_id" does not match the pattern [0-9]+
        "#,
    );
}

#[test]
fn remote_schema_references_are_not_fetched() {
    check(
        &api("").replace(
            "extract: { status: $.status }",
            "schema: { $ref: \"https://example.com/order.json\" }",
        ),
        r#"
            switchboard.yaml:11:19: invalid JSON Schema: $ref "https://example.com/order.json" cannot be resolved: remote schemas are not fetched; put the schema inline or in schema_file
        "#,
    );
}

#[test]
fn malformed_values_in_connectors() {
    check(
        "connectors:
  a:
    base_url: https://x/api?v=1
    headers: { \"Bad Header\": x }
  b:
    base_url: https://y
    auth: { type: none, token: x }
  c:
    base_url: https://z
    operations:
      o:
        path: /o
        headers: { X-Auth-Token: abc }
storage: sqlite
",
        r#"
            switchboard.yaml:3:15: base_url "https://x/api?v=1" must not have a query or fragment
            switchboard.yaml:4:16: "Bad Header" is not a valid header name
            switchboard.yaml:7:25: unknown key "token" in auth of connector "b" (it takes no other keys)
            switchboard.yaml:13:34: literal credential; use ${env:NAME} or ${file:PATH} in the connector's headers or auth
            switchboard.yaml:14:10: expected a map with "type" and its keys, found a name alone
        "#,
    );
}

#[test]
fn malformed_intents() {
    check(
        &api("entities:
  kind: { builtin: dates }
intents:
  a:
    examples: [one]
    confirm: true
    reply: x
  b:
    examples: [x, y, z]
    steps:
      s: { call: get_order }
    reply:
      - text: first
      - when: \"slots.x\"
        text: never
    on_error: { ok: fine }
"),
        r#"
            switchboard.yaml:18:20: unknown built-in entity "dates" (did you mean "date"?); use number, amount, date, date_range, time, email, phone
            switchboard.yaml:22:14: confirm: true needs the question to ask; write the question, or false
            switchboard.yaml:27:18: call must be CONNECTOR.OPERATION, found "get_order"
            switchboard.yaml:30:13: warning: this reply variant is never used: variant 0 before it has no when
            switchboard.yaml:32:17: "ok" is not a failure; the intent's reply covers it
        "#,
    );
}

#[test]
fn warnings_alone_do_not_stop_a_project() {
    check(
        "intents:\n  a:\n    examples: [hi, hello]\n    reply: Hi!\n",
        r#"
            switchboard.yaml:2:3: warning: intent "a" has only 2 examples; three or more help the classifier
        "#,
    );
}

#[test]
fn escalation_targets_must_be_other_defined_intents() {
    let handoff = "  handoff:\n    examples: [agent please, a human, talk to someone]\n    reply: \"A colleague will call you.\"\n";
    check(
        &api(&format!(
            "{INTENT}    on_error:\n      default: {{ escalate: handoff }}\n{handoff}"
        )),
        "",
    );
    check(
        &api(&format!(
            "{INTENT}    on_error:\n      default: {{ escalate: handof }}\n{handoff}"
        )),
        r#"
            switchboard.yaml:26:28: escalation to intent "handof", which is not defined (did you mean "handoff"?)
        "#,
    );
    check(
        &api(&format!(
            "{INTENT}    on_error:\n      unavailable: {{ escalate: order_status }}\n"
        )),
        r#"
            switchboard.yaml:26:32: intent "order_status" escalates to itself
        "#,
    );
    check(
        &api(&INTENT.replace(
            "reply: \"Order {{ slots.order_id }} is {{ steps.order.status }}.\"",
            "reply: { escalate: order_status }",
        )),
        r#"
            switchboard.yaml:24:12: escalate belongs in on_error; an intent's reply must say something
        "#,
    );
    check(
        &api(&format!(
            "{INTENT}    on_error:\n      default: {{ escalat: handoff }}\n{handoff}"
        )),
        r#"
            switchboard.yaml:26:16: unknown key "escalat" in a reply; a reply written as a map takes only "escalate"
        "#,
    );
}

#[test]
fn http_to_another_machine_needs_the_override() {
    check(
        "connectors:
  a:
    base_url: http://api.example.com
  b:
    base_url: http://10.0.0.5:8080
    allow_insecure_http: true
  c:
    base_url: http://127.0.0.1:8081
  d:
    base_url: https://d.example.com
    auth:
      type: oauth2_client_credentials
      token_url: http://login.example.com/token
      client_id: bot
      client_secret: \"${env:API_KEY}\"
",
        r#"
            switchboard.yaml:3:15: base_url uses http:// to a host that is not loopback; use https://, or set allow_insecure_http: true on the connector
            switchboard.yaml:5:15: warning: base_url uses http:// to a host that is not loopback: credentials and data cross the network unencrypted (allow_insecure_http is set)
            switchboard.yaml:13:18: token_url uses http:// to a host that is not loopback; use https://, or set allow_insecure_http: true on the connector
        "#,
    );
}

#[test]
fn outbound_auth_scheme_mistakes() {
    check(
        "connectors:
  j:
    base_url: https://j.example.com
    auth:
      type: jwt
      algorithm: HS256
      key: \"${env:API_KEY}\"
      claims: { sub: \"{{ usr.id }}\", exp: \"1\" }
  r:
    base_url: https://r.example.com
    auth: { type: jwt, algorithm: RS256, key: \"${file:secrets/key}\" }
  h:
    base_url: https://h.example.com
    auth:
      type: hmac
      secret: literal-secret
      header: X Signature
      value: \"v1={sig}\"
      sign: [method, path]
  h2:
    base_url: https://h.example.com
    auth: { type: hmac, secret: \"${env:API_KEY}\", header: X-Sig, sign: [method, headers] }
",
        r#"
            switchboard.yaml:7:12: an HS256 key must be at least 32 bytes long
            switchboard.yaml:8:22: "usr.id" is not defined; JWT claims can use user.id
            switchboard.yaml:8:38: claim "exp" is set from ttl; remove it
            switchboard.yaml:11:47: the key must be a PEM private key (-----BEGIN PRIVATE KEY-----)
            switchboard.yaml:16:15: literal credential; use ${env:NAME} or ${file:PATH}
            switchboard.yaml:17:15: "X Signature" is not a valid header name
            switchboard.yaml:18:14: value must contain {signature}
            switchboard.yaml:22:81: expected one of timestamp, method, path, query, body, found "headers"
        "#,
    );
}

#[test]
fn inbound_mistakes() {
    check(
        "inbound:
  api_keys:
    - { name: a, sha256: abc }
    - { name: b, key: plain-text-key }
    - { name: c }
  jwt:
    jwks_url: http://login.example.com/jwks.json
    issuer: https://login.example.com/
    audience: switchboard
  rate_limit:
    per_user: { requests: 0 }
",
        r#"
            switchboard.yaml:3:26: sha256 must be 64 hex digits
            switchboard.yaml:4:23: literal credential; use ${env:NAME} or ${file:PATH}
            switchboard.yaml:5:7: an API key needs exactly one of sha256 and key
            switchboard.yaml:7:15: jwks_url uses http:// to a host that is not loopback; use https://, or set allow_insecure_http: true beside it
            switchboard.yaml:11:27: requests must be more than 0
        "#,
    );
    check(
        "inbound:\n  api_keys:\n    - { name: d, key: \"${env:API_KEY}\", scopes: [chat, root] }\n",
        r#"
            switchboard.yaml:3:56: expected one of chat, admin, tools, found "root"
        "#,
    );
    check(
        "inbound:\n  allowed_hosts: [bot.example.com, \"https://bot.example.com\", \"bot.example.com:8080\"]\n",
        r#"
            switchboard.yaml:2:36: allowed_hosts entries are host names such as bot.example.com (no scheme, port or path), found "https://bot.example.com"
            switchboard.yaml:2:63: allowed_hosts entries are host names such as bot.example.com (no scheme, port or path), found "bot.example.com:8080"
        "#,
    );
}

#[test]
fn inbound_keys_are_trusted_backends_only_when_marked() {
    let p = common::project(
        "inbound:
  api_keys:
    - { name: backend, sha256: 0000000000000000000000000000000000000000000000000000000000000000, trusted_backend: true }
    - { name: widget, sha256: 1111111111111111111111111111111111111111111111111111111111111111 }
",
    );
    let keys: Vec<(&str, bool)> = p
        .inbound
        .api_keys
        .iter()
        .map(|k| (k.name.as_str(), k.trusted_backend))
        .collect();
    assert_eq!(keys, vec![("backend", true), ("widget", false)]);
    check(
        "inbound:\n  api_keys:\n    - { name: d, key: \"${env:API_KEY}\", trusted_backend: yes-please }\n",
        r#"
            switchboard.yaml:3:58: expected true or false, found "yes-please"
        "#,
    );
}

#[test]
fn connection_and_stream_limit_mistakes() {
    check(
        "inbound:
  connections: { max: 0, handshake_timeout: 0s, idle_timeout: 90s }
  streams: { per_user: 0, max: 0 }
",
        r#"
            switchboard.yaml:2:23: max must be more than 0
            switchboard.yaml:2:45: handshake_timeout must be more than 0
            switchboard.yaml:3:24: per_user must be more than 0
            switchboard.yaml:3:32: max must be more than 0
        "#,
    );
}
