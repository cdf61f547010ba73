//! Resilience policies: defaults, connector values merged with operation overrides, and the
//! exact messages for mistakes.

use crate::common;
use common::{check, project};
use std::time::Duration;
use switchboard_config::model::{BreakerScope, CacheScope, OperationRef};

const BASE: &str = "connectors:
  store:
    base_url: https://api.example.com/v1
";

fn with(connector: &str, ops: &str) -> String {
    format!("{BASE}{connector}    operations:\n{ops}")
}

#[test]
fn defaults_apply_without_any_policy_block() {
    let p = project(&with(
        "",
        "      get: { path: /a }\n      post: { method: POST, path: /b }\n",
    ));
    let c = &p.connectors["store"];
    let get = &c.operations["get"].policy;
    assert_eq!(get.retry.attempts, 3);
    assert_eq!(get.retry.base, Duration::from_millis(100));
    assert_eq!(get.retry.max, Duration::from_secs(2));
    assert!(get.retry.exponential);
    assert_eq!(get.retry.max_hold, Duration::from_secs(600));
    assert_eq!(c.policy.retry.budget_percent, 20.0);
    assert!(get.circuit_breaker.enabled);
    assert_eq!(get.circuit_breaker.scope, BreakerScope::Connector);
    assert_eq!(get.circuit_breaker.min_calls, 20);
    assert!(c.policy.rate_limit.is_none());
    assert!(get.cache.is_none());
    assert!(get.idempotency_key.is_none());
}

#[test]
fn max_hold_is_inherited_overridden_and_zero_turns_holds_off() {
    let p = project(&with(
        "    retry: { max_hold: 2m }\n",
        "      get: { path: /a }\n      off: { path: /o, retry: { max_hold: 0s } }\n",
    ));
    let ops = &p.connectors["store"].operations;
    assert_eq!(ops["get"].policy.retry.max_hold, Duration::from_secs(120));
    assert_eq!(ops["off"].policy.retry.max_hold, Duration::ZERO);
}

#[test]
fn operations_override_the_connector_key_by_key() {
    let p = project(&with(
        "    retry: { attempts: 4, base: 200ms, max: 3s, budget_percent: 10 }
    circuit_breaker: { min_calls: 5, open_for: 10s }
    rate_limit: { requests: 20, per: 1s, burst: 5, max_wait: 500ms, concurrency: 8 }
    cache: { ttl: 1m, stale_if_error: 5m }
",
        "      get: { path: /a, retry: { attempts: 2 }, circuit_breaker: { scope: operation, min_calls: 3 } }
      list: { path: /l, cache: { scope: shared, max_entries: 10 } }
      post: { method: POST, path: /b, idempotency_key: Idempotency-Key, invalidate: [list], rate_limit: { requests: 1 } }
      cached_post: { method: POST, path: /c, cache: { enabled: true } }
      uncached: { path: /u, cache: { enabled: false } }
",
    ));
    let c = &p.connectors["store"];
    assert_eq!(c.policy.retry.budget_percent, 10.0);
    let rl = c.policy.rate_limit.as_ref().unwrap();
    assert_eq!((rl.requests, rl.burst, rl.concurrency), (20, 5, Some(8)));
    let get = &c.operations["get"].policy;
    assert_eq!(get.retry.attempts, 2);
    assert_eq!(get.retry.base, Duration::from_millis(200), "inherited");
    assert_eq!(get.circuit_breaker.scope, BreakerScope::Operation);
    assert_eq!(get.circuit_breaker.min_calls, 3);
    assert_eq!(
        get.circuit_breaker.open_for,
        Duration::from_secs(10),
        "inherited"
    );
    assert_eq!(
        get.cache.as_ref().unwrap().ttl,
        Duration::from_secs(60),
        "GET is cached"
    );
    let list = c.operations["list"].policy.cache.as_ref().unwrap();
    assert_eq!((list.scope, list.max_entries), (CacheScope::Shared, 10));
    assert_eq!(list.stale_if_error, Some(Duration::from_secs(300)));
    let post = &c.operations["post"].policy;
    assert!(
        post.cache.is_none(),
        "writes are not cached unless they opt in"
    );
    assert_eq!(post.idempotency_key.as_deref(), Some("Idempotency-Key"));
    assert_eq!(
        post.invalidate,
        vec![OperationRef::parse("store.list").unwrap()]
    );
    assert_eq!(post.rate_limit.as_ref().unwrap().requests, 1);
    assert!(c.operations["cached_post"].policy.cache.is_some());
    assert!(c.operations["uncached"].policy.cache.is_none());
}

#[test]
fn a_shared_cache_with_credentials_from_inputs_stays_per_user() {
    let p = project(&with(
        "",
        "      me:
        path: /me
        inputs: { token: string }
        headers: { X-User-Token: \"{{ inputs.token }}\" }
        cache: { scope: shared }
",
    ));
    let cache = p.connectors["store"].operations["me"]
        .policy
        .cache
        .clone()
        .unwrap();
    assert_eq!(cache.scope, CacheScope::User);
}

#[test]
fn policy_mistakes_are_reported_with_their_place() {
    check(
        &with(
            "    retry: { attempts: 0, base: 0s }
    circuit_breaker: { failure_ratio: 1.5, min_calls: 0 }
    rate_limit: { requests: 0 }
",
            "      get: { path: /a, retry: { budget_percent: 5 }, invalidate: [lst], idempotency_key: \"Bad Header\" }
      list: { path: /l, cache: {} }
",
        ),
        r#"
            switchboard.yaml:4:24: attempts must be at least 1 (1 means no retries)
            switchboard.yaml:4:33: base must be more than 0
            switchboard.yaml:5:39: failure_ratio must be more than 0 and at most 1, found 1.5
            switchboard.yaml:5:55: min_calls must be at least 1
            switchboard.yaml:6:29: requests must be at least 1
            switchboard.yaml:8:49: budget_percent applies to the whole connector; set it in the connector's retry
            switchboard.yaml:8:67: invalidate names operation "lst", which is not defined (did you mean "store.list"?)
            switchboard.yaml:8:90: "Bad Header" is not a valid header name
        "#,
    );
}

#[test]
fn invalidating_an_uncached_operation_is_a_warning() {
    check(
        &with(
            "",
            "      get: { path: /a, invalidate: [post] }\n      post: { method: POST, path: /b }\n",
        ),
        r#"
            switchboard.yaml:5:37: warning: invalidate names operation "store.post", which is not cached
        "#,
    );
}

#[test]
fn alerts_name_an_operation_with_a_text_input() {
    let p = project(&with(
        "    alerts: { call: store.notify, after: 3 }\n",
        "      notify: { method: POST, path: /n, inputs: { text: string }, body: { text: \"{{ inputs.text }}\" } }\n",
    ));
    let a = p.connectors["store"].policy.alerts.clone().unwrap();
    assert_eq!(a.call, OperationRef::parse("store.notify").unwrap());
    assert_eq!(
        (a.after, a.within, a.every),
        (3, Duration::from_secs(60), Duration::from_secs(600))
    );
    check(
        &with(
            "    alerts: { call: store.notfy }\n",
            "      notify: { method: POST, path: /n }\n",
        ),
        r#"
            switchboard.yaml:4:21: alerts call "store.notfy", which is not a defined operation (write connector.operation) (did you mean "store.notify"?)
        "#,
    );
    check(
        &with(
            "    alerts: { call: store.notify }\n",
            "      notify: { method: POST, path: /n }\n",
        ),
        r#"
            switchboard.yaml:4:21: alert operation "store.notify" must have an input "text" for the message
        "#,
    );
}

#[test]
fn per_user_jwt_claims_keep_cached_answers_per_user() {
    let connector = "    cache: { enabled: true, scope: shared }
    auth: { type: jwt, algorithm: HS256, key: \"${env:API_KEY}${env:API_KEY}${env:API_KEY}${env:API_KEY}${env:API_KEY}\", claims: { sub: \"{{ user.id }}\" } }
";
    let p = project(&with(connector, "      get: { path: /a }\n"));
    let cache = p.connectors["store"].operations["get"]
        .policy
        .cache
        .as_ref()
        .unwrap();
    assert_eq!(cache.scope, CacheScope::User);
}
