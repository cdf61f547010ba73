//! The operation pipeline against the demo backend: outcomes, faults, limits, and the
//! guarantee that user values never change where a request goes.

use crate::common;

use serde_json::{Map, Value, json};
use std::time::Duration;
use switchboard_config::model::{OperationRef, OutcomeKind};
use switchboard_demo_backend::Route;
use switchboard_runtime::pipeline::{CallContext, CallError};

fn op(s: &str) -> OperationRef {
    OperationRef::parse(s).expect("operation ref")
}

fn args(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

fn ctx(secs: f64) -> CallContext {
    CallContext::with_budget(Duration::from_secs_f64(secs))
}

#[tokio::test]
async fn get_order_is_ok_and_extracted() {
    let (addr, backend) = common::backend().await;
    let p = common::pipeline(common::store_project(addr));
    let r = p
        .call(
            &op("store.get_order"),
            &args(&[("order_id", json!("1001"))]),
            &ctx(5.0),
        )
        .await
        .unwrap();
    assert_eq!(r.outcome, OutcomeKind::Ok, "{r:?}");
    assert_eq!(r.status, Some(200));
    assert_eq!(r.attempts, 1);
    assert_eq!(r.data["status"], "shipped");
    assert_eq!(r.data["tracking"], "TRK1001");
    assert_eq!(r.data["customer"], "C42");
    let seen = backend.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/api/v2/orders/1001");
    assert_eq!(seen[0].header("x-api-key"), Some("demo-key"));
}

#[tokio::test]
async fn unknown_order_is_not_found() {
    let (addr, _backend) = common::backend().await;
    let p = common::pipeline(common::store_project(addr));
    let r = p
        .call(
            &op("store.get_order"),
            &args(&[("order_id", json!("9999"))]),
            &ctx(5.0),
        )
        .await
        .unwrap();
    assert_eq!((r.outcome, r.status), (OutcomeKind::NotFound, Some(404)));
    assert_eq!(r.data, Value::Null);
}

#[tokio::test]
async fn each_fault_gets_its_outcome_within_the_deadline() {
    // Each fault lasts 3 calls, as many as the default retry attempts, so a retried fault
    // still shows; the faults that are retried (a GET is safe to repeat) say so in `attempts`.
    let cases: &[(&str, OutcomeKind, Option<u16>, bool)] = &[
        ("orders=500:3", OutcomeKind::Unavailable, Some(500), true),
        ("orders=503:3", OutcomeKind::Unavailable, Some(503), true),
        ("orders=429/2:3", OutcomeKind::RateLimited, Some(429), false),
        ("orders=hang:3", OutcomeKind::Timeout, None, false),
        ("orders=slow_drip:3", OutcomeKind::Timeout, None, false),
        (
            "orders=not_json:3",
            OutcomeKind::InvalidResponse,
            Some(200),
            false,
        ),
        (
            "orders=schema_break:3",
            OutcomeKind::InvalidResponse,
            Some(200),
            false,
        ),
        ("orders=reset:3", OutcomeKind::Unavailable, None, true),
        ("orders=huge:3", OutcomeKind::InvalidResponse, None, false),
        (
            "orders=invalid_utf8:3",
            OutcomeKind::InvalidResponse,
            Some(200),
            false,
        ),
    ];
    let (addr, backend) = common::backend().await;
    let p = common::pipeline(common::store_project(addr));
    for (fault, outcome, status, retried) in cases {
        backend.clear_faults();
        backend.reset_stats();
        backend.set_fault(fault.parse().unwrap());
        let started = std::time::Instant::now();
        let r = p
            .call(
                &op("store.get_order"),
                &args(&[("order_id", json!("1001"))]),
                &ctx(0.5),
            )
            .await
            .unwrap();
        assert_eq!((r.outcome, r.status), (*outcome, *status), "{fault}: {r:?}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{fault} took {:?}",
            started.elapsed()
        );
        assert!(r.error.is_some(), "{fault}: a failure says why");
        assert_eq!(
            u64::from(r.attempts),
            backend.stats().total,
            "{fault}: attempts counts what reached the upstream"
        );
        if *retried {
            assert!(r.attempts > 1, "{fault} was not retried: {r:?}");
        } else {
            assert_eq!(r.attempts, 1, "{fault}: {r:?}");
        }
        if *fault == "orders=429/2:3" {
            // A 2 s wait does not fit a 0.5 s deadline: rate limited at once.
            assert_eq!(r.retry_after_ms, Some(2000));
            assert_eq!(r.reason, Some("retry_after_too_long"));
            // The upstream's wait holds the connector's calls back until it passes; the next
            // fault needs the upstream, so await the end of the hold (bounded).
            let hold = p.holds()[0].clone();
            assert!(hold.current().is_some(), "the 429 set a hold");
            let mut polls = 0;
            while hold.current().is_some() {
                polls += 1;
                assert!(polls < 100, "the 2 s hold did not end");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    // Once the fault is cleared, the route is healthy again.
    backend.clear_faults();
    let r = p
        .call(
            &op("store.get_order"),
            &args(&[("order_id", json!("1001"))]),
            &ctx(5.0),
        )
        .await
        .unwrap();
    assert_eq!(r.outcome, OutcomeKind::Ok);
}

#[tokio::test]
async fn closed_port_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let p = common::pipeline(common::store_project(addr));
    let r = p
        .call(
            &op("store.get_order"),
            &args(&[("order_id", json!("1001"))]),
            &ctx(2.0),
        )
        .await
        .unwrap();
    assert_eq!(r.outcome, OutcomeKind::Unavailable, "{r:?}");
}

#[tokio::test]
async fn invalid_input_sends_nothing() {
    let (addr, backend) = common::backend().await;
    let p = common::pipeline(common::store_project(addr));
    let cases = [
        (
            args(&[("order_id", json!("10/01"))]),
            "input \"order_id\" does not match",
        ),
        (args(&[]), "input \"order_id\" is required"),
        (
            args(&[("order_idd", json!("1001"))]),
            "operation store.get_order has no input \"order_idd\" (did you mean \"order_id\"?)",
        ),
    ];
    for (a, expected) in cases {
        let e = p
            .call(&op("store.get_order"), &a, &ctx(2.0))
            .await
            .unwrap_err();
        assert!(e.to_string().starts_with(expected), "{e}");
    }
    assert_eq!(backend.stats().total, 0);
}

const FREE_FORM: &str = r#"
connectors:
  api:
    base_url: BACKEND
    auth: { type: api_key, in: header, name: X-Api-Key, value: "${file:secrets/key}" }
    operations:
      get_order:
        path: /orders/{id}
        inputs: { id: string }
      echo:
        method: POST
        path: /interactions
        inputs:
          note: string
          count: { type: integer, default: 1 }
          trace: { type: string, required: false }
        headers:
          X-Trace: "{{ inputs.trace }}"
        query:
          tag: "{{ inputs.note }}"
        body:
          note: "{{ inputs.note }}"
          count: "{{ inputs.count }}"
          text: "note: {{ inputs.note }}"
          nested: { list: ["{{ inputs.count }}", 2] }
"#;

#[tokio::test]
async fn injection_set_stays_in_one_segment_or_is_refused() {
    let (addr, backend) = common::backend().await;
    let (project, _dir) = common::inline_project(FREE_FORM, addr);
    let p = common::pipeline(project);
    let long = "x".repeat(10 * 1024);
    let values = [
        "../admin",
        "a/b",
        "a?x=1",
        "a#f",
        "%2e%2e",
        "%00",
        "a\0b",
        "a\r\nb",
        "..",
        ".",
        "",
        long.as_str(),
        "1001",
    ];
    for value in values {
        backend.reset_stats();
        let result = p
            .call(
                &op("api.get_order"),
                &args(&[("id", json!(value))]),
                &ctx(5.0),
            )
            .await;
        let seen = backend.requests();
        match result {
            Err(CallError::InvalidInput { .. }) => {
                assert!(seen.is_empty(), "{value:?} was refused yet sent")
            }
            Err(e) => panic!("{value:?}: unexpected error {e}"),
            Ok(_) => {
                assert_eq!(seen.len(), 1, "{value:?}");
                let path = &seen[0].path;
                let segment = path
                    .strip_prefix("/api/v2/orders/")
                    .unwrap_or_else(|| panic!("{value:?} left the template: {path}"));
                assert!(
                    !segment.contains(['/', '?', '#']),
                    "{value:?} escaped its segment: {path}"
                );
                let decoded: Vec<u8> = percent_encoding::percent_decode_str(segment).collect();
                assert_eq!(
                    decoded,
                    value.as_bytes(),
                    "{value:?} arrived altered: {path}"
                );
                assert_ne!(segment, "..");
            }
        }
    }
}

#[tokio::test]
async fn body_values_are_json_values_and_headers_refuse_line_breaks() {
    let (addr, backend) = common::backend().await;
    let (project, _dir) = common::inline_project(FREE_FORM, addr);
    let p = common::pipeline(project);
    let tricky = r#"a", "admin": true, "x": "y"#;
    let r = p
        .call(
            &op("api.echo"),
            &args(&[("note", json!(tricky)), ("count", json!("3"))]),
            &ctx(5.0),
        )
        .await
        .unwrap();
    assert_eq!(r.outcome, OutcomeKind::Ok, "{r:?}");
    let seen = backend.requests();
    let body: Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(
        body,
        json!({"note": tricky, "count": 3, "text": format!("note: {tricky}"), "nested": {"list": [3, 2]}})
    );
    assert!(
        seen[0].path.starts_with("/api/v2/interactions?tag=a%22"),
        "{}",
        seen[0].path
    );
    assert_eq!(seen[0].header("x-trace"), None, "a null header is left out");

    backend.reset_stats();
    let e = p
        .call(
            &op("api.echo"),
            &args(&[("note", json!("n")), ("trace", json!("a\r\nX-Evil: 1"))]),
            &ctx(5.0),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, CallError::InvalidInput { .. }), "{e}");
    assert_eq!(backend.stats().calls(Route::Interactions), 0);
}

#[tokio::test]
async fn secrets_never_appear_in_records_or_debug_output() {
    let (addr, _backend) = common::backend().await;
    let project = common::store_project(addr);
    let debug = format!("{project:?}");
    assert!(
        !debug.contains("demo-key"),
        "the project's Debug output leaks the key"
    );
    let p = common::pipeline(project);
    let r = p
        .call(
            &op("store.get_order"),
            &args(&[("order_id", json!("9999"))]),
            &ctx(5.0),
        )
        .await
        .unwrap();
    let printed = format!("{} {r:?}", serde_json::to_string(&r).unwrap());
    assert!(!printed.contains("demo-key"));
}

/// The connector's base is prepared once when the pipeline is built: its path as the URL
/// parser normalises it (a dot segment resolved, as a per-call parse did before), its own
/// headers on every request, and every call of one connector starting from the same origin.
#[tokio::test]
async fn the_base_prepared_once_serves_every_call_of_its_connector() {
    let (addr, backend) = common::backend().await;
    let yaml = r#"
connectors:
  api:
    base_url: http://BACKEND_ADDR/api/extra/../v2
    headers: { X-Tenant: acme }
    operations:
      get_order:
        path: /orders/{id}
        inputs: { id: string }
      list_orders:
        path: /orders
        inputs: { status: { type: string, required: false } }
        query: { status: "{{ inputs.status }}" }
"#
    .replace("BACKEND_ADDR", &addr.to_string());
    let (project, _dir) = common::inline_project(&yaml, addr);
    let p = common::pipeline(project);
    for id in ["1001", "1002"] {
        p.call(&op("api.get_order"), &args(&[("id", json!(id))]), &ctx(5.0))
            .await
            .unwrap();
    }
    let _ = p
        .call(
            &op("api.list_orders"),
            &args(&[("status", json!("shipped"))]),
            &ctx(5.0),
        )
        .await;
    let seen = backend.requests();
    let paths: Vec<&str> = seen.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/api/v2/orders/1001",
            "/api/v2/orders/1002",
            "/api/v2/orders?status=shipped"
        ]
    );
    for r in &seen {
        assert_eq!(
            r.headers.get("x-tenant").map(String::as_str),
            Some("acme"),
            "{r:?}"
        );
    }
}
