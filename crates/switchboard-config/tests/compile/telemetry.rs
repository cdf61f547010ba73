//! The `telemetry` section: defaults, and the exact `file:line:col` text of each mistake.

use crate::common;
use common::{check, project};
use std::time::Duration;
use switchboard_config::model::LogFormat;

const API: &str = "connectors:
  store:
    base_url: https://api.example.com/v1/
    operations:
      ping: { path: /health }
      get_order:
        path: /orders/{order_id}
        inputs: { order_id: string }
";

#[test]
fn defaults_when_absent() {
    let p = project(API);
    assert!(p.telemetry.audit.enabled);
    assert_eq!(
        p.telemetry.audit.retention,
        Duration::from_secs(30 * 86_400)
    );
    assert_eq!(p.telemetry.audit.queue, 10_000);
    assert!(p.telemetry.audit.pseudonym_key.is_none());
    assert!(p.telemetry.connectors.is_empty());
    assert_eq!(p.telemetry.log_format, None);
}

#[test]
fn a_full_section_compiles() {
    let p = project(&format!(
        "{API}telemetry:
  log_format: json
  audit: {{ retention: 7d, queue: 50, enabled: false }}
  redact: {{ keys: [national_id], json_paths: [\"$.customer.address\"] }}
  connectors:
    store:
      health_check: {{ operation: ping, every: 10s }}
      objectives: {{ availability: 99.5, p95_latency: 800ms }}
"
    ));
    let t = &p.telemetry;
    assert_eq!(t.log_format, Some(LogFormat::Json));
    assert!(!t.audit.enabled);
    assert_eq!(t.audit.retention, Duration::from_secs(7 * 86_400));
    assert_eq!(t.audit.queue, 50);
    assert_eq!(t.redact.keys, ["national_id"]);
    assert_eq!(t.redact.json_paths, ["$.customer.address"]);
    let s = &t.connectors["store"];
    let h = s.health_check.as_ref().unwrap();
    assert_eq!(h.operation.to_string(), "store.ping");
    assert_eq!(h.every, Duration::from_secs(10));
    assert_eq!(s.objectives.availability, Some(0.995));
    assert_eq!(s.objectives.p95_latency, Some(Duration::from_millis(800)));
}

#[test]
fn mistakes() {
    check(
        &format!(
            "{API}telemetry:
  audit: {{ retention: 0s, queue: 0, pseudonym_key: plain-text-key }}
  redact: {{ json_paths: [customer.address] }}
  connectors:
    stor: {{}}
    store:
      health_check: {{ operation: get_order }}
      objectives: {{ availability: 100 }}
"
        ),
        r#"
            switchboard.yaml:10:23: retention must be more than 0
            switchboard.yaml:10:34: queue must be at least 1
            switchboard.yaml:10:52: literal credential; use ${env:NAME} or ${file:PATH}
            switchboard.yaml:11:26: "customer.address" is not a JSONPath: at position 0, parser error (hint: paths start with $, such as $.customer.address)
            switchboard.yaml:13:5: telemetry for connector "stor", which is not defined (did you mean "store"?)
            switchboard.yaml:15:34: health_check operation "get_order" needs input "order_id"; pick an operation with no required inputs
            switchboard.yaml:16:35: availability is a percentage between 0 and 100 (exclusive), such as 99.5, found 100
        "#,
    );
}

#[test]
fn unknown_health_check_operation() {
    check(
        &format!(
            "{API}telemetry:\n  connectors:\n    store:\n      health_check: {{ operation: pong }}\n"
        ),
        r#"
            switchboard.yaml:12:34: health_check operation "pong" is not an operation of connector "store" (did you mean "ping"?)
        "#,
    );
}

#[test]
fn unknown_key() {
    check(
        &format!("{API}telemetry:\n  audit: {{ retension: 1d }}\n"),
        r#"
            switchboard.yaml:10:12: unknown key "retension" in audit of telemetry (did you mean "retention"?)
        "#,
    );
}

#[test]
fn unknown_log_format() {
    check(
        &format!("{API}telemetry:\n  log_format: xml\n"),
        r#"
            switchboard.yaml:10:15: expected one of text, json, found "xml"
        "#,
    );
}

/// Every value a reference resolved to is listed for redaction (the reference's value alone,
/// not the text around it); literal values written in the file are not secrets.
#[test]
fn loaded_secret_values_are_listed_for_redaction() {
    let p = project(
        "connectors:
  a:
    base_url: https://api.example.com/v1/
    auth: { type: bearer, token: \"${env:API_KEY}\" }
    headers: { X-Plain: plain-value, X-Key: \"k=${file:secrets/key}\" }
    operations:
      ping: { path: /health }
",
    );
    let mut values: Vec<&str> = p.secrets.iter().map(|s| s.expose()).collect();
    values.sort_unstable();
    assert_eq!(values, ["env-key", "file-key"]);
}
