//! Resilience policies: connector defaults merged with operation overrides, key by key, and
//! checked (ranges, references of `invalidate`).

use super::Ctx;
use super::connector::{check_header_name, duration, is_credential_name};
use crate::model::{
    AlertPolicy, BreakerPolicy, BreakerScope, CachePolicy, CacheScope, Connector, ConnectorPolicy,
    Method, OperationPolicy, OperationRef, RateLimitPolicy, RetryPolicy, ValueTemplate,
};
use crate::raw::{
    RawAlerts, RawBackoff, RawBreakerScope, RawCache, RawCacheScope, RawCircuitBreaker,
    RawConnector, RawDuration, RawOperation, RawRateLimit, RawRetry, Spanned,
};
use crate::suggest;
use indexmap::IndexMap;
use std::time::Duration;

const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(30);
const DEFAULT_CACHE_ENTRIES: u64 = 10_000;
const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(1);

/// The first of two optional settings: the operation's, else the connector's. The flag says
/// whether a problem with it is to be reported here: connector values are checked once, by
/// [`connector`], not again for every operation.
fn pick<'a, T>(
    op: Option<&'a Spanned<T>>,
    conn: Option<&'a Spanned<T>>,
) -> Option<(&'a Spanned<T>, bool)> {
    op.map(|v| (v, true)).or(conn.map(|v| (v, false)))
}

/// A positive duration; zero is reported when the value is the one being checked here.
fn dur(ctx: &mut Ctx, v: Option<(&Spanned<RawDuration>, bool)>, key: &str) -> Option<Duration> {
    match v {
        Some((d, true)) => duration(ctx, Some(d), key),
        Some((d, false)) => (!d.value.0.is_zero()).then_some(d.value.0),
        None => None,
    }
}

/// A connector's shared policies.
pub(crate) fn connector(ctx: &mut Ctx, raw: &RawConnector) -> ConnectorPolicy {
    let empty = RawRetry::default();
    let r = raw.retry.as_ref().map_or(&empty, |r| &r.value);
    let mut retry = retry(ctx, Some(r), &RawRetry::default());
    if let Some(p) = &r.budget_percent {
        if (0.0..=1000.0).contains(&p.value) {
            retry.budget_percent = p.value as f32;
        } else {
            ctx.error(
                p.pos,
                format!(
                    "budget_percent must be between 0 and 1000, found {}",
                    p.value
                ),
            );
        }
    }
    if let Some(m) = &r.budget_min_per_second {
        retry.budget_min_per_second = m.value;
    }
    let empty_cb = RawCircuitBreaker::default();
    let cb = raw.circuit_breaker.as_ref().map_or(&empty_cb, |c| &c.value);
    if let Some(c) = &raw.cache {
        // Checked once here; operations take these values over unreported.
        let _ = cache(
            ctx,
            &c.value,
            &RawCache::default(),
            Method::Get,
            &IndexMap::new(),
        );
    }
    ConnectorPolicy {
        retry,
        circuit_breaker: breaker(ctx, None, cb),
        rate_limit: raw.rate_limit.as_ref().map(|r| rate_limit(ctx, r)),
        alerts: None,
    }
}

/// An operation's policies: its overrides over the connector's defaults.
pub(crate) fn operation(
    ctx: &mut Ctx,
    conn: &RawConnector,
    op: &RawOperation,
    method: Method,
    headers: &IndexMap<String, ValueTemplate>,
) -> OperationPolicy {
    let empty_r = RawRetry::default();
    let op_retry = op.retry.as_ref().map(|r| &r.value);
    let conn_retry = conn.retry.as_ref().map_or(&empty_r, |r| &r.value);
    if let Some(r) = op_retry {
        for (set, key) in [
            (r.budget_percent.as_ref().map(|v| v.pos), "budget_percent"),
            (
                r.budget_min_per_second.as_ref().map(|v| v.pos),
                "budget_min_per_second",
            ),
        ] {
            if let Some(pos) = set {
                ctx.error(
                    pos,
                    format!(
                        "{key} applies to the whole connector; set it in the connector's retry"
                    ),
                );
            }
        }
    }
    let retry = retry(ctx, op_retry, conn_retry);

    let empty_cb = RawCircuitBreaker::default();
    let conn_cb = conn
        .circuit_breaker
        .as_ref()
        .map_or(&empty_cb, |c| &c.value);
    let op_cb = op.circuit_breaker.as_ref().map_or(&empty_cb, |c| &c.value);
    let circuit_breaker = breaker(ctx, Some(op_cb), conn_cb);

    let rate_limit = op.rate_limit.as_ref().map(|r| rate_limit(ctx, r));

    let empty_c = RawCache::default();
    let cache = match (&op.cache, &conn.cache) {
        (None, None) => None,
        (o, c) => {
            let o = o.as_ref().map_or(&empty_c, |x| &x.value);
            let c = c.as_ref().map_or(&empty_c, |x| &x.value);
            cache(ctx, o, c, method, headers)
        }
    };

    let idempotency_key = op.idempotency_key.as_ref().map(|h| {
        check_header_name(ctx, h);
        h.value.clone()
    });
    OperationPolicy {
        retry,
        circuit_breaker,
        rate_limit,
        cache,
        idempotency_key,
        invalidate: Vec::new(),
    }
}

/// A whole number at least `min` (and at most `max`), else the default (reported when the
/// value is the one being checked here).
fn count(
    ctx: &mut Ctx,
    v: Option<(&Spanned<u32>, bool)>,
    key: &str,
    range: (u32, u32),
    default: u32,
) -> u32 {
    match v {
        Some((n, _)) if (range.0..=range.1).contains(&n.value) => n.value,
        Some((n, report)) => {
            if report {
                let message = if n.value < range.0 && range.0 == 1 && key == "attempts" {
                    "attempts must be at least 1 (1 means no retries)".to_string()
                } else if n.value < range.0 {
                    format!("{key} must be at least {}", range.0)
                } else {
                    format!("{key} must be at most {}, found {}", range.1, n.value)
                };
                ctx.error(n.pos, message);
            }
            default
        }
        None => default,
    }
}

fn retry(ctx: &mut Ctx, op: Option<&RawRetry>, conn: &RawRetry) -> RetryPolicy {
    let d = RetryPolicy::default();
    let attempts = pick(op.and_then(|o| o.attempts.as_ref()), conn.attempts.as_ref());
    let attempts = count(ctx, attempts, "attempts", (1, 10), d.attempts);
    let backoff = pick(op.and_then(|o| o.backoff.as_ref()), conn.backoff.as_ref());
    let base = pick(op.and_then(|o| o.base.as_ref()), conn.base.as_ref());
    let base = dur(ctx, base, "base").unwrap_or(d.base);
    let max = pick(op.and_then(|o| o.max.as_ref()), conn.max.as_ref());
    let max = dur(ctx, max, "max").unwrap_or(d.max);
    // Zero is allowed here: it turns holds off.
    let max_hold = pick(op.and_then(|o| o.max_hold.as_ref()), conn.max_hold.as_ref())
        .map_or(d.max_hold, |(h, _)| h.value.0);
    RetryPolicy {
        attempts,
        exponential: backoff.is_none_or(|(b, _)| b.value == RawBackoff::Exponential),
        base,
        max: max.max(base),
        max_hold,
        ..d
    }
}

/// `op` is `None` for the connector's own breaker, whose values (`conn`) are checked here.
fn breaker(
    ctx: &mut Ctx,
    op: Option<&RawCircuitBreaker>,
    conn: &RawCircuitBreaker,
) -> BreakerPolicy {
    let Some(op) = op else {
        let empty = RawCircuitBreaker::default();
        return breaker_of(ctx, Some(conn), &empty, true);
    };
    breaker_of(ctx, Some(op), conn, false)
}

fn breaker_of(
    ctx: &mut Ctx,
    op: Option<&RawCircuitBreaker>,
    conn: &RawCircuitBreaker,
    connector_level: bool,
) -> BreakerPolicy {
    let d = BreakerPolicy::default();
    let enabled = pick(op.and_then(|o| o.enabled.as_ref()), conn.enabled.as_ref())
        .is_none_or(|(e, _)| e.value);
    let scope = match pick(op.and_then(|o| o.scope.as_ref()), conn.scope.as_ref()) {
        Some((s, _)) if s.value == RawBreakerScope::Operation => BreakerScope::Operation,
        _ => BreakerScope::Connector,
    };
    // With the connector's scope, the shared breaker's settings are the connector's alone.
    let op = op.filter(|_| connector_level || scope == BreakerScope::Operation);
    let ratio = pick(
        op.and_then(|o| o.failure_ratio.as_ref()),
        conn.failure_ratio.as_ref(),
    );
    let failure_ratio = match ratio {
        Some((r, _)) if r.value > 0.0 && r.value <= 1.0 => r.value,
        Some((r, report)) => {
            if report {
                ctx.error(
                    r.pos,
                    format!(
                        "failure_ratio must be more than 0 and at most 1, found {}",
                        r.value
                    ),
                );
            }
            d.failure_ratio
        }
        None => d.failure_ratio,
    };
    let min_calls = pick(
        op.and_then(|o| o.min_calls.as_ref()),
        conn.min_calls.as_ref(),
    );
    let min_calls = count(ctx, min_calls, "min_calls", (1, u32::MAX), d.min_calls);
    let probes = pick(
        op.and_then(|o| o.half_open_calls.as_ref()),
        conn.half_open_calls.as_ref(),
    );
    let half_open_calls = count(
        ctx,
        probes,
        "half_open_calls",
        (1, u32::MAX),
        d.half_open_calls,
    );
    let window = pick(op.and_then(|o| o.window.as_ref()), conn.window.as_ref());
    let open_for = pick(op.and_then(|o| o.open_for.as_ref()), conn.open_for.as_ref());
    BreakerPolicy {
        enabled,
        scope,
        failure_ratio,
        min_calls,
        window: dur(ctx, window, "window").unwrap_or(d.window),
        open_for: dur(ctx, open_for, "open_for").unwrap_or(d.open_for),
        half_open_calls,
    }
}

fn rate_limit(ctx: &mut Ctx, raw: &Spanned<RawRateLimit>) -> RateLimitPolicy {
    let r = &raw.value;
    let positive = |ctx: &mut Ctx, v: Option<&Spanned<u32>>, key: &str, default: u32| match v {
        Some(n) if n.value == 0 => {
            ctx.error(n.pos, format!("{key} must be at least 1"));
            default
        }
        Some(n) => n.value,
        None => default,
    };
    let requests = positive(ctx, Some(&r.requests), "requests", 1);
    let burst = positive(ctx, r.burst.as_ref(), "burst", 1);
    let concurrency = r
        .concurrency
        .as_ref()
        .map(|c| positive(ctx, Some(c), "concurrency", 1));
    let max_wait = match &r.max_wait {
        Some(w) => w.value.0,
        None => DEFAULT_MAX_WAIT,
    };
    RateLimitPolicy {
        requests,
        per: duration(ctx, r.per.as_ref(), "per").unwrap_or(Duration::from_secs(1)),
        burst,
        max_wait,
        concurrency,
    }
}

fn cache(
    ctx: &mut Ctx,
    op: &RawCache,
    conn: &RawCache,
    method: Method,
    headers: &IndexMap<String, ValueTemplate>,
) -> Option<CachePolicy> {
    // `enabled` is decided per operation: a connector-wide `enabled: true` does not opt
    // writes in.
    let enabled = match &op.enabled {
        Some(e) => e.value,
        None => method.is_safe() && conn.enabled.as_ref().is_none_or(|e| e.value),
    };
    let ttl =
        dur(ctx, pick(op.ttl.as_ref(), conn.ttl.as_ref()), "ttl").unwrap_or(DEFAULT_CACHE_TTL);
    let stale = pick(op.stale_if_error.as_ref(), conn.stale_if_error.as_ref());
    let stale_if_error = dur(ctx, stale, "stale_if_error");
    let max_entries = match pick(op.max_entries.as_ref(), conn.max_entries.as_ref()) {
        Some((m, report)) if m.value == 0 => {
            if report {
                ctx.error(m.pos, "max_entries must be at least 1");
            }
            DEFAULT_CACHE_ENTRIES
        }
        Some((m, _)) => m.value,
        None => DEFAULT_CACHE_ENTRIES,
    };
    let mut scope = match pick(op.scope.as_ref(), conn.scope.as_ref()) {
        Some((s, _)) if s.value == RawCacheScope::Shared => CacheScope::Shared,
        _ => CacheScope::User,
    };
    // Credentials taken from inputs are per user: such results are never shared.
    let per_user_credentials = headers
        .iter()
        .any(|(name, v)| is_credential_name(name) && !matches!(v, ValueTemplate::Literal(_)));
    if per_user_credentials {
        scope = CacheScope::User;
    }
    enabled.then_some(CachePolicy {
        ttl,
        stale_if_error,
        max_entries,
        scope,
    })
}

/// Resolves every operation's `invalidate` list, once all connectors are compiled.
pub(crate) fn invalidations(
    ctx: &mut Ctx,
    raw: &IndexMap<String, (Spanned<String>, RawConnector)>,
    connectors: &mut IndexMap<String, Connector>,
) {
    let mut resolved = Vec::new();
    for (cname, (_, rc)) in raw {
        for (oname, ro) in &rc.operations {
            let mut refs = Vec::new();
            for target in &ro.invalidate {
                let r = if target.value.contains('.') {
                    OperationRef::parse(&target.value)
                } else {
                    Some(OperationRef {
                        connector: cname.clone(),
                        operation: target.value.clone(),
                    })
                };
                let known = r.as_ref().and_then(|r| {
                    connectors
                        .get(&r.connector)
                        .and_then(|c| c.operations.get(&r.operation))
                });
                match (r, known) {
                    (Some(r), Some(op)) => {
                        if op.policy.cache.is_none() {
                            ctx.warn(
                                target.pos,
                                format!("invalidate names operation \"{r}\", which is not cached"),
                            );
                        }
                        refs.push(r);
                    }
                    _ => {
                        let names: Vec<String> = connectors
                            .values()
                            .flat_map(|c| {
                                c.operations.keys().map(move |o| format!("{}.{o}", c.name))
                            })
                            .collect();
                        let hint = suggest::did_you_mean(
                            &if target.value.contains('.') {
                                target.value.clone()
                            } else {
                                format!("{cname}.{}", target.value)
                            },
                            names.iter().map(String::as_str),
                        );
                        ctx.error(
                            target.pos,
                            format!(
                                "invalidate names operation {:?}, which is not defined{hint}",
                                target.value
                            ),
                        );
                    }
                }
            }
            resolved.push((cname.clone(), oname.value.clone(), refs));
        }
    }
    for (c, o, refs) in resolved {
        if let Some(op) = connectors
            .get_mut(&c)
            .and_then(|c| c.operations.get_mut(&o))
        {
            op.policy.invalidate = refs;
        }
    }
    for (cname, (_, rc)) in raw {
        let Some(a) = &rc.alerts else { continue };
        let policy = alerts(ctx, a, connectors);
        if let (Some(policy), Some(c)) = (policy, connectors.get_mut(cname)) {
            c.policy.alerts = Some(policy);
        }
    }
}

fn alerts(
    ctx: &mut Ctx,
    raw: &Spanned<RawAlerts>,
    connectors: &IndexMap<String, Connector>,
) -> Option<AlertPolicy> {
    let a = &raw.value;
    let target = OperationRef::parse(&a.call.value);
    let op = target
        .as_ref()
        .and_then(|r| connectors.get(&r.connector)?.operations.get(&r.operation));
    let Some(op) = op else {
        let names: Vec<String> = connectors
            .values()
            .flat_map(|c| c.operations.keys().map(move |o| format!("{}.{o}", c.name)))
            .collect();
        let hint = suggest::did_you_mean(&a.call.value, names.iter().map(String::as_str));
        ctx.error(
            a.call.pos,
            format!(
                "alerts call {:?}, which is not a defined operation (write connector.operation){hint}",
                a.call.value
            ),
        );
        return None;
    };
    if !op.inputs.contains_key("text") {
        ctx.error(
            a.call.pos,
            format!(
                "alert operation \"{}\" must have an input \"text\" for the message",
                a.call.value
            ),
        );
        return None;
    }
    let after = count(
        ctx,
        a.after.as_ref().map(|v| (v, true)),
        "after",
        (1, u32::MAX),
        5,
    );
    let within = dur(ctx, a.within.as_ref().map(|v| (v, true)), "within");
    let every = dur(ctx, a.every.as_ref().map(|v| (v, true)), "every");
    Some(AlertPolicy {
        call: target?,
        after,
        within: within.unwrap_or(Duration::from_secs(60)),
        every: every.unwrap_or(Duration::from_secs(600)),
    })
}
