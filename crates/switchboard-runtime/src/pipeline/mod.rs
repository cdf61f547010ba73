//! The operation pipeline: the one and only way any code reaches an upstream API.
//!
//! ```text
//! validate inputs -> build request -> cache (coalesced) -> retry ( breaker -> rate limit
//!         -> auth -> send ) -> classify -> validate schema -> extract
//! ```
//! Each connector owns a tower service stack over one pooled HTTP client; the per-operation
//! policies (breaker, limiter, retry settings) travel with each attempt, and the cache sits
//! in front of the stack because it stores interpreted records. Every entry point (chat turns, `switchboard
//! call`, platform protocols) calls [`Pipeline::call`]; none builds HTTP requests of its own.
//!
//! This file holds the [`Pipeline`] and a call's path through it; the rest lives by job:
//! `record` (what a call is given and gives back), `build` (construction of the stacks),
//! `inputs` (argument checks), `interpret` (the answer into a record), `alerts` and
//! `observe` (what a call tells afterwards).
//!
//! # How it works
//!
//! ```text
//! Pipeline::call
//!   validate_inputs (types, patterns, defaults)        inputs.rs
//!   request::build (path segments encoded, query,      request.rs, encode.rs
//!                   headers checked, JSON body by value)
//!   OpCache::get_or_load (moka, coalesced misses,      cache/
//!                         per-user keys, stale copy)
//!   tower stack per connector:
//!     Retry (tower) + RetryDecider, RetryBudget        retry/{mod,policy,budget}.rs
//!     HoldLayer (fail fast while a 429/503             hold.rs
//!                Retry-After holds; sets the hold)
//!     BreakerLayer (fail fast when open)               breaker/{mod,state}.rs
//!     RateLimitLayer (GCRA + concurrency, max_wait)    rate_limit/{mod,limiter}.rs
//!     AuthLayer (credentials attached last; a 401      auth/{mod,api_key,bearer,basic}.rs,
//!                refreshes an OAuth token and      auth/{oauth2,jwt,hmac}/
//!                repeats once)
//!     GuardLayer (IP-literal hosts checked)            ssrf/{mod,address,resolver}.rs
//!     HttpTransport (pooled reqwest client,            transport.rs
//!                    guarded DNS resolver,
//!                    per-try timeout within deadline,
//!                    size limit, counts attempts)
//!   interpret: classify status -> outcome,             interpret.rs, classify.rs
//!              parse JSON, schema, extract             response.rs
//!   invalidate the caches the operation names
//!   -> CallRecord {outcome, status, latency, attempts, cached, stale, reason, data}
//! ```
//!
//! `mod.rs` keeps the `Pipeline` and the call path; construction is `build.rs`, the call's
//! records and errors `record.rs`, alerts `alerts.rs`.
//! Upstream failures are outcomes (`OutcomeKind`), not errors; `CallError` means nothing was sent.
//! The stack is built once per connector; what differs per operation (retry settings, which
//! breaker and limiter: the connector's shared one or the operation's own) travels in each
//! `Attempt` as an `Arc<AttemptPolicy>`, and a logical call's attempts share the attempt counter
//! and the idempotency key through the cloned `Attempt`. The cache sits outside the tower stack
//! because it stores interpreted `CallRecord`s. Our own refusals (open circuit, full rate-limit
//! queue, a `Retry-After` hold) are `TransportError` variants that are never retried and never
//! reach the network.
//!
//! A `429` or `503` carrying `Retry-After` sets a `hold::Hold` (until then, at most
//! `retry.max_hold`): one per connector, shared by every caller in the process, except that an
//! operation with its own `rate_limit` or an operation-scoped breaker gets its own (the project
//! said its quota or health is its own at the upstream). `HoldLayer` sits just inside the retry
//! layer so every attempt, retries included, is checked, and the retry decider waits out a hold
//! in force when the deadline allows. The outcome of a held call is its status's class
//! (`rate_limited` / `unavailable`, reason `retry_after_hold`), likewise a `Retry-After` past the
//! deadline (reason `retry_after_too_long`). Holds render as gauges in `render_metrics` and on
//! the dashboard's connector card.

pub mod alerts;
pub mod auth;
pub mod breaker;
mod build;
pub mod cache;
pub mod chat;
pub mod classify;
pub mod encode;
pub mod hold;
mod inputs;
mod interpret;
pub mod mcp;
pub mod observe;
pub mod rate_limit;
pub mod recent;
mod record;
pub mod request;
pub mod response;
pub mod retry;
pub mod ssrf;
pub mod transport;

pub use build::{AttemptPolicy, Parts, PipelineError};
pub use record::{CallContext, CallError, CallRecord, Tap, Tapped};

use crate::telemetry::Telemetry;
use crate::telemetry::metrics::InFlight;
use crate::template::Templates;
use build::{ConnectorRuntime, OperationRuntime};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use switchboard_config::Project;
use switchboard_config::model::{Connector, Operation, OperationRef};
use tokio::time::Instant;
use tower::ServiceExt;
use transport::Attempt;

/// The compiled pipeline for every operation of a project.
pub struct Pipeline {
    project: Arc<Project>,
    templates: Arc<Templates>,
    connectors: HashMap<String, ConnectorRuntime>,
    /// Alert state of the connectors that have `alerts`.
    alerts: HashMap<String, alerts::AlertState>,
    /// The pipeline itself, for alerts sent in the background.
    this: std::sync::Weak<Pipeline>,
    /// Metrics of this pipeline's calls.
    telemetry: Arc<Telemetry>,
    /// The audit trail, when enabled.
    audit: Option<observe::AuditHooks>,
    /// Every distinct limiter with its name (connector, or `connector.operation`).
    limiters: Vec<(String, Arc<rate_limit::Limiter>)>,
    /// Every distinct `Retry-After` hold (connector, or `connector.operation`).
    holds: Vec<Arc<hold::Hold>>,
    /// Operations whose deprecation has been announced (one alert each).
    deprecations: std::sync::Mutex<std::collections::HashSet<String>>,
    /// The last hour of calls, for the dashboard.
    recent: observe::Recent,
    /// Connectors whose users connect their own accounts, by name.
    account_schemes: HashMap<String, Arc<auth::oauth2_code::AuthorizationCode>>,
    /// The fleet's shared state, when the project has a `state` section.
    shared: Option<Arc<crate::shared::Shared>>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("connectors", &self.connectors.len())
            .finish()
    }
}

impl Pipeline {
    /// The project this pipeline runs.
    pub fn project(&self) -> &Arc<Project> {
        &self.project
    }

    /// Runs one operation call through the whole pipeline. Errors mean nothing was sent;
    /// every upstream result, good or bad, is a [`CallRecord`].
    pub async fn call(
        &self,
        op_ref: &OperationRef,
        args: &Map<String, Value>,
        ctx: &CallContext,
    ) -> Result<CallRecord, CallError> {
        self.call_with(op_ref, args, ctx, true).await
    }

    /// [`Pipeline::call`] past the cache: health checks must reach the upstream.
    pub async fn call_fresh(
        &self,
        op_ref: &OperationRef,
        args: &Map<String, Value>,
        ctx: &CallContext,
    ) -> Result<CallRecord, CallError> {
        self.call_with(op_ref, args, ctx, false).await
    }

    async fn call_with(
        &self,
        op_ref: &OperationRef,
        args: &Map<String, Value>,
        ctx: &CallContext,
        use_cache: bool,
    ) -> Result<CallRecord, CallError> {
        let unknown = || CallError::UnknownOperation(op_ref.to_string());
        let connector = self
            .project
            .connectors
            .get(&op_ref.connector)
            .ok_or_else(unknown)?;
        let op = connector
            .operations
            .get(&op_ref.operation)
            .ok_or_else(unknown)?;
        let runtime = self.connectors.get(&op_ref.connector).ok_or_else(unknown)?;
        let op_rt = runtime
            .operations
            .get(&op_ref.operation)
            .ok_or_else(unknown)?;

        let inputs = Self::validate_inputs(op, args)?;
        let base = runtime.base.as_ref().map_err(Clone::clone)?;
        let request = request::build(base, op, &inputs, &self.templates)?;
        let started = Instant::now();
        let in_flight = InFlight::start(&op_rt.metrics);
        let mut record = match op_rt.cache.as_ref().filter(|_| use_cache) {
            Some(c) => {
                let mut key = cache::key(
                    &request,
                    &c.headers,
                    c.policy.scope,
                    ctx.cache_user().as_deref(),
                );
                // A user's answers from a connected account they have since replaced are
                // never served: the key names which connection they came from.
                if c.policy.scope == switchboard_config::model::CacheScope::User
                    && let (Some(user), Some(scheme)) = (
                        ctx.user_id.as_deref(),
                        self.account_schemes.get(&op_ref.connector),
                    )
                {
                    key.push_str(&format!("g{}", scheme.generation(user)));
                }
                c.get_or_load(
                    key,
                    ctx.deadline,
                    self.send(runtime, op_rt, connector, op, request, ctx),
                )
                .await
            }
            None => self.send(runtime, op_rt, connector, op, request, ctx).await,
        };
        record.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        drop(in_flight);
        self.observe_call(&op_ref.connector, op, op_rt, &record, started, ctx);
        if !record.cached
            && record.reason.is_none()
            && let Some(state) = self.alerts.get(&op_ref.connector)
            && let Some(alert) = state.observe(record.outcome)
        {
            self.send_alert(&op_ref.connector, &state.policy.call, alert);
        }
        if record.is_ok() && !record.cached {
            for target in &op.policy.invalidate {
                if let Some(c) = self
                    .connectors
                    .get(&target.connector)
                    .and_then(|c| c.operations.get(&target.operation))
                    .and_then(|o| o.cache.as_ref())
                {
                    c.invalidate_all().await;
                }
            }
        }
        Ok(record)
    }

    /// Sends a built request through the connector's stack (retries, breaker, limiter,
    /// auth, transport) and interprets the last answer.
    async fn send(
        &self,
        runtime: &ConnectorRuntime,
        op_rt: &OperationRuntime,
        connector: &Connector,
        op: &Operation,
        mut request: request::PreparedRequest,
        ctx: &CallContext,
    ) -> CallRecord {
        // One key per logical call, made after the cache key and reused by every attempt.
        if let Some(header) = &op.policy.idempotency_key
            && !request.headers.contains_key(header.as_str())
            && let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(header.as_bytes()),
                http::HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()),
            )
        {
            request.headers.insert(name, value);
        }
        let repeatable = op.method.is_idempotent()
            || request.headers.contains_key("idempotency-key")
            || op
                .policy
                .idempotency_key
                .as_ref()
                .is_some_and(|h| request.headers.contains_key(h.as_str()));
        let trace = observe::TraceContext::for_call(ctx);
        request.headers.insert(
            http::HeaderName::from_static("traceparent"),
            trace.header.clone(),
        );
        let log = self.attempt_log();
        let started = Instant::now();
        let sent = Arc::new(AtomicU32::new(0));
        let attempt = Attempt {
            request,
            deadline: ctx.deadline,
            timeout: op.timeout.unwrap_or(connector.timeout),
            max_response_bytes: connector.max_response_bytes,
            number: 1,
            repeatable,
            sent: sent.clone(),
            policy: op_rt.policy.clone(),
            user_id: ctx.user_id.as_deref().map(Arc::from),
            untrusted_user: ctx.untrusted_user,
            log: log.clone(),
            tap: ctx.tap.clone(),
        };
        let result = runtime.service.clone().oneshot(attempt).await;
        let mut record = interpret::interpret(
            op.reference().to_string(),
            &result,
            &op_rt.response,
            interpret::Speaks::of(op),
            ctx.deadline,
        );
        record.attempts = sent.load(Ordering::Relaxed);
        record.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        let headers = result.as_ref().ok().map(|r| &r.headers);
        self.observe_send(op, &record, headers, ctx, &trace, log);
        record
    }

    /// Every `Retry-After` hold (the connectors', and operations' own), in force or not.
    pub fn holds(&self) -> &[Arc<hold::Hold>] {
        &self.holds
    }

    /// Every circuit breaker's name and state (`closed`, `open`, `half_open`).
    pub fn breaker_states(&self) -> Vec<(String, breaker::BreakerState)> {
        let mut seen = std::collections::BTreeMap::new();
        for c in self.connectors.values() {
            for o in c.operations.values() {
                if let Some(b) = &o.policy.breaker {
                    seen.insert(b.name().to_string(), b.state());
                }
            }
        }
        seen.into_iter().collect()
    }
}
