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

pub mod alerts;
pub mod auth;
pub mod breaker;
pub mod cache;
pub mod classify;
pub mod encode;
pub mod hold;
pub mod observe;
pub mod rate_limit;
pub mod recent;
pub mod request;
pub mod response;
pub mod retry;
pub mod ssrf;
pub mod transport;

use crate::telemetry::Telemetry;
use crate::telemetry::metrics::InFlight;
use crate::template::{TemplateError, Templates};
use response::CompiledResponse;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};
use switchboard_config::Project;
use switchboard_config::model::{
    BreakerScope, Connector, Operation, OperationRef, OutcomeKind, RetryPolicy,
};
use tokio::time::Instant;
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;
use transport::{Attempt, HttpTransport, RawResponse, TransportError};

/// Why a call was refused before anything was sent. Upstream failures are not errors: they
/// are outcomes in a [`CallRecord`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    /// No such `connector.operation`.
    #[error("unknown operation {0}")]
    UnknownOperation(String),
    /// An argument names no input of the operation.
    #[error("operation {operation} has no input \"{input}\"{hint}")]
    UnknownInput {
        /// The operation.
        operation: String,
        /// The argument's name.
        input: String,
        /// A "did you mean" hint, possibly empty.
        hint: String,
    },
    /// A required input was not given.
    #[error("input \"{0}\" is required")]
    MissingInput(String),
    /// A value failed its input's checks, or cannot be placed safely in the request.
    #[error("input \"{input}\" {reason}")]
    InvalidInput {
        /// The input.
        input: String,
        /// What is wrong, safe to show a user.
        reason: String,
    },
    /// The request could not be built (a template failed).
    #[error("could not build the request: {0}")]
    Build(String),
}

impl CallError {
    pub(crate) fn invalid(input: &str, reason: String) -> CallError {
        CallError::InvalidInput {
            input: input.to_string(),
            reason,
        }
    }
}

impl From<TemplateError> for CallError {
    fn from(e: TemplateError) -> Self {
        CallError::Build(e.to_string())
    }
}

/// The record of one operation call: what the user-facing side and the audit need.
#[derive(Debug, Clone, Serialize)]
pub struct CallRecord {
    /// `connector.operation`.
    pub operation: String,
    /// The classified outcome.
    pub outcome: OutcomeKind,
    /// The HTTP status of the last attempt, when one arrived.
    pub status: Option<u16>,
    /// Time from the first attempt to the result, in milliseconds.
    pub latency_ms: f64,
    /// Attempts made.
    pub attempts: u32,
    /// Whether the result came from the cache.
    pub cached: bool,
    /// Whether the cached result is past its `ttl`, served because the upstream failed.
    pub stale: bool,
    /// A machine-readable reason for some failures: `circuit_open` (nothing was sent),
    /// `rate_limit_queue` (no room within `max_wait`; nothing was sent),
    /// `retry_after_too_long` (the upstream asked for a wait past the deadline; the outcome
    /// stays its status's: `rate_limited` for 429, `unavailable` for 503),
    /// `retry_after_hold` (an earlier 429 or 503 `Retry-After` still holds the upstream back;
    /// nothing was sent),
    /// `auth_failed` (no credentials could be obtained, such as a token endpoint failing;
    /// nothing was sent), `not_connected` / `needs_reconsent` (the user has no usable
    /// connected account; nothing was sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// The extracted values (or the whole body without an `extract` map); null unless ok.
    pub data: Value,
    /// The parsed body of the last response (JSON, when it was JSON), for `--raw`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// What went wrong, in words safe to log (no secrets, no user data); null when ok.
    pub error: Option<String>,
    /// The upstream's `Retry-After`, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

impl CallRecord {
    /// Whether the outcome is ok.
    pub fn is_ok(&self) -> bool {
        self.outcome == OutcomeKind::Ok
    }
}

/// Per-call facts from the caller.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// The call, all its attempts included, ends by this instant.
    pub deadline: Instant,
    /// The user on whose behalf the call is made, if any.
    pub user_id: Option<String>,
    /// Whether `user_id` is only a claim nobody authenticated (a platform whose
    /// `trust_user_ids` is off): such a call may not use that user's own credentials
    /// (connected accounts, JWTs minted from `user.id`) nor their per-user cache entries.
    pub untrusted_user: bool,
    /// The W3C trace id (32 hex digits) the call belongs to, such as its chat turn's; `None`
    /// starts a trace per call.
    pub trace_id: Option<String>,
}

impl CallContext {
    /// A context with a deadline `budget` from now.
    pub fn with_budget(budget: Duration) -> CallContext {
        CallContext {
            deadline: Instant::now() + budget,
            user_id: None,
            untrusted_user: false,
            trace_id: None,
        }
    }

    /// The user a per-user cache entry belongs to: an untrusted claim of a user id never
    /// shares entries with that user's authenticated calls (user ids hold no control
    /// characters, so the prefix cannot be forged).
    fn cache_user(&self) -> Option<std::borrow::Cow<'_, str>> {
        let user = self.user_id.as_deref()?;
        Some(if self.untrusted_user {
            std::borrow::Cow::Owned(format!("\u{1}untrusted\u{1}{user}"))
        } else {
            std::borrow::Cow::Borrowed(user)
        })
    }
}

/// Time allowed for sending one alert.
const ALERT_BUDGET: Duration = Duration::from_secs(10);

type AttemptService = BoxCloneSyncService<Attempt, RawResponse, TransportError>;

/// The resilience handles one operation's attempts run under.
#[derive(Debug)]
pub struct AttemptPolicy {
    /// Retry settings.
    pub retry: RetryPolicy,
    /// The breaker, shared by the connector or the operation's own.
    pub breaker: Option<Arc<breaker::Breaker>>,
    /// The limiter, shared by the connector or the operation's own.
    pub limiter: Option<Arc<rate_limit::Limiter>>,
    /// The `Retry-After` hold: the connector's, or the operation's own when it has its own
    /// limiter or breaker (its quota or health is then its own at the upstream).
    pub hold: Arc<hold::Hold>,
}

struct OperationRuntime {
    response: CompiledResponse,
    metrics: crate::telemetry::metrics::OpMetrics,
    policy: Arc<AttemptPolicy>,
    cache: Option<cache::OpCache>,
}

struct ConnectorRuntime {
    service: AttemptService,
    operations: HashMap<String, OperationRuntime>,
}

/// The compiled pipeline for every operation of a project.
pub struct Pipeline {
    project: Arc<Project>,
    templates: Arc<Templates>,
    connectors: HashMap<String, ConnectorRuntime>,
    /// Alert state of the connectors that have `alerts`.
    alerts: HashMap<String, alerts::AlertState>,
    /// The pipeline itself, for alerts sent in the background (set by [`Pipeline::enable_alerts`]).
    this: std::sync::OnceLock<std::sync::Weak<Pipeline>>,
    /// Metrics of this pipeline's calls.
    telemetry: Arc<Telemetry>,
    /// The audit trail, when enabled (set by [`Pipeline::enable_audit`]).
    audit: std::sync::OnceLock<observe::AuditHooks>,
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
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("connectors", &self.connectors.len())
            .finish()
    }
}

/// Why a pipeline could not be built from a project.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The HTTP client could not be created.
    #[error("connector {connector}: cannot create the HTTP client: {reason}")]
    Client {
        /// The connector.
        connector: String,
        /// Why.
        reason: String,
    },
    /// A response schema did not compile.
    #[error("operation {operation}: {reason}")]
    Schema {
        /// The operation.
        operation: String,
        /// Why.
        reason: String,
    },
}

impl Pipeline {
    /// Builds one client and service stack per connector.
    pub fn new(
        project: Arc<Project>,
        templates: Arc<Templates>,
    ) -> Result<Pipeline, PipelineError> {
        let telemetry = Arc::new(Telemetry::new());
        let mut connectors = HashMap::new();
        let mut limiters = Vec::new();
        let mut holds = Vec::new();
        let mut account_schemes = HashMap::new();
        for (name, c) in &project.connectors {
            let base = reqwest::Url::parse(&c.base_url).map_err(|e| PipelineError::Client {
                connector: name.clone(),
                reason: e.to_string(),
            })?;
            let client = ssrf::client_builder(&base, c.allow_private_network, c.follow_redirects)
                .connect_timeout(c.connect_timeout)
                .pool_idle_timeout(Duration::from_secs(90))
                .tcp_nodelay(true)
                .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| PipelineError::Client {
                    connector: name.clone(),
                    reason: e.to_string(),
                })?;
            let budget = Arc::new(retry::RetryBudget::new(&c.policy.retry));
            let shared_breaker =
                breaker::Breaker::new(name.clone(), c.policy.circuit_breaker.clone());
            let shared_limiter = c
                .policy
                .rate_limit
                .as_ref()
                .map(|r| Arc::new(rate_limit::Limiter::new(r)));
            if let Some(l) = &shared_limiter {
                limiters.push((name.clone(), l.clone()));
            }
            let shared_hold = hold::Hold::new(name.clone());
            holds.push(shared_hold.clone());
            let service = tower::ServiceBuilder::new()
                .layer(retry::layer(budget))
                .layer(hold::HoldLayer)
                .layer(breaker::BreakerLayer)
                .layer(rate_limit::RateLimitLayer)
                .layer(auth::AuthLayer::new({
                    let scheme = auth::Scheme::new(c).map_err(|e| PipelineError::Client {
                        connector: name.clone(),
                        reason: e.to_string(),
                    })?;
                    if let auth::Scheme::AuthorizationCode(a) = &scheme {
                        account_schemes.insert(name.clone(), a.clone());
                    }
                    scheme
                }))
                .layer(ssrf::GuardLayer::new(ssrf::NetworkPolicy::for_url(
                    &base,
                    c.allow_private_network,
                )))
                .service(HttpTransport::new(client));
            let mut operations = HashMap::new();
            for (op_name, op) in &c.operations {
                let response = CompiledResponse::new(&op.response).map_err(|reason| {
                    PipelineError::Schema {
                        operation: format!("{name}.{op_name}"),
                        reason,
                    }
                })?;
                let metrics = crate::telemetry::metrics::OpMetrics::new(&telemetry, name, op_name);
                let rt = operation_runtime(
                    c,
                    op,
                    response,
                    metrics,
                    &shared_breaker,
                    shared_limiter.as_ref(),
                    &shared_hold,
                );
                if op.policy.rate_limit.is_some()
                    && let Some(l) = &rt.policy.limiter
                {
                    limiters.push((format!("{name}.{op_name}"), l.clone()));
                }
                if !Arc::ptr_eq(&rt.policy.hold, &shared_hold) {
                    holds.push(rt.policy.hold.clone());
                }
                operations.insert(op_name.clone(), rt);
            }
            connectors.insert(
                name.clone(),
                ConnectorRuntime {
                    service: BoxCloneSyncService::new(service),
                    operations,
                },
            );
        }
        let alerts = project
            .connectors
            .iter()
            .filter_map(|(name, c)| {
                let policy = c.policy.alerts.clone()?;
                Some((name.clone(), alerts::AlertState::new(policy)))
            })
            .collect();
        Ok(Pipeline {
            project,
            templates,
            connectors,
            alerts,
            this: std::sync::OnceLock::new(),
            telemetry,
            audit: std::sync::OnceLock::new(),
            limiters,
            holds,
            deprecations: std::sync::Mutex::new(std::collections::HashSet::new()),
            recent: observe::Recent::default(),
            account_schemes,
        })
    }

    /// Gives the connected-account connectors their store and sealer.
    pub fn enable_accounts(&self, accounts: &auth::oauth2_code::Accounts) {
        for scheme in self.account_schemes.values() {
            scheme.attach(accounts.clone());
        }
    }

    /// The connected-account scheme of a connector, if it has one.
    pub fn account_scheme(
        &self,
        connector: &str,
    ) -> Option<&Arc<auth::oauth2_code::AuthorizationCode>> {
        self.account_schemes.get(connector)
    }

    /// Lets the pipeline send connector alerts in the background (it needs a handle on
    /// itself for that); without it, due alerts are only logged.
    pub fn enable_alerts(self: &Arc<Self>) {
        let _ = self.this.set(Arc::downgrade(self));
    }

    /// The project this pipeline runs.
    pub fn project(&self) -> &Arc<Project> {
        &self.project
    }

    /// Checks arguments against an operation's inputs: unknown names are refused, values are
    /// validated and converted, defaults filled in. Every declared input is present in the
    /// result (null when optional and not given).
    pub fn validate_inputs(
        op: &Operation,
        args: &Map<String, Value>,
    ) -> Result<Map<String, Value>, CallError> {
        for name in args.keys() {
            if !op.inputs.contains_key(name) {
                let hint = closest(name, op.inputs.keys())
                    .map(|s| format!(" (did you mean \"{s}\"?)"))
                    .unwrap_or_default();
                return Err(CallError::UnknownInput {
                    operation: format!("{}.{}", op.connector, op.name),
                    input: name.clone(),
                    hint,
                });
            }
        }
        let mut out = Map::with_capacity(op.inputs.len());
        for (name, input) in &op.inputs {
            let given = args.get(name).filter(|v| !v.is_null());
            let value = match (given, &input.default) {
                (Some(v), _) => input
                    .validate(v)
                    .map_err(|e| CallError::invalid(name, e.to_string()))?,
                (None, Some(d)) => d.clone(),
                (None, None) if input.required => {
                    return Err(CallError::MissingInput(name.clone()));
                }
                (None, None) => Value::Null,
            };
            out.insert(name.clone(), value);
        }
        Ok(out)
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
        let request = request::build(connector, op, &inputs, &self.templates)?;
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
                c.get_or_load(key, self.send(runtime, op_rt, connector, op, request, ctx))
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
                    c.invalidate_all();
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
        };
        let result = runtime.service.clone().oneshot(attempt).await;
        let headers = result.as_ref().ok().map(|r| r.headers.clone());
        let mut record = interpret(
            op.reference().to_string(),
            result,
            &op_rt.response,
            ctx.deadline,
        );
        record.attempts = sent.load(Ordering::Relaxed);
        record.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        self.observe_send(op, &record, headers.as_ref(), ctx, &trace, log);
        record
    }

    /// Sends an alert in the background, through this pipeline like any operation call.
    fn send_alert(&self, connector: &str, call: &OperationRef, alert: alerts::Alert) {
        let (text, state) = match &alert {
            alerts::Alert::Failing { failures, outcome } => (
                format!(
                    "Switchboard: connector \"{connector}\" is failing: {failures} failed calls recently (last: {outcome})."
                ),
                "failing",
            ),
            alerts::Alert::Recovered => (
                format!("Switchboard: connector \"{connector}\" has recovered."),
                "recovered",
            ),
        };
        tracing::warn!(target: "switchboard::alert", connector, state, "connector alert");
        self.notify(connector, call, text, state);
    }

    /// Sends an alert about a connector through its `alerts` operation, in the background;
    /// without one, the alert is only logged.
    pub(crate) fn alert(&self, connector: &str, text: String, state: &str) {
        if let Some(a) = self.alerts.get(connector) {
            self.notify(connector, &a.policy.call, text, state);
        }
    }

    /// Sends an alert's text through the alert operation, in the background.
    fn notify(&self, connector: &str, call: &OperationRef, text: String, state: &str) {
        let Some(op) = self.project.operation(call) else {
            return;
        };
        let mut args = Map::new();
        for (name, value) in [
            ("text", text),
            ("connector", connector.to_string()),
            ("state", state.to_string()),
        ] {
            if op.inputs.contains_key(name) {
                args.insert(name.to_string(), Value::String(value));
            }
        }
        let Some(pipeline) = self.this.get().and_then(std::sync::Weak::upgrade) else {
            return;
        };
        let call = call.clone();
        tokio::spawn(async move {
            let ctx = CallContext::with_budget(ALERT_BUDGET);
            match pipeline.call(&call, &args, &ctx).await {
                Ok(r) if r.is_ok() => {}
                Ok(r) => {
                    tracing::warn!(target: "switchboard::alert", outcome = %r.outcome, "the alert could not be sent")
                }
                Err(e) => {
                    tracing::warn!(target: "switchboard::alert", error = %e, "the alert could not be sent")
                }
            }
        });
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

/// Builds an operation's handles: its breaker and limiter (shared with the connector unless
/// it has its own) and its cache.
fn operation_runtime(
    c: &Connector,
    op: &Operation,
    response: CompiledResponse,
    metrics: crate::telemetry::metrics::OpMetrics,
    shared_breaker: &Arc<breaker::Breaker>,
    shared_limiter: Option<&Arc<rate_limit::Limiter>>,
    shared_hold: &Arc<hold::Hold>,
) -> OperationRuntime {
    let b = &op.policy.circuit_breaker;
    let breaker = match (b.enabled, b.scope) {
        (false, _) => None,
        (true, BreakerScope::Connector) => Some(shared_breaker.clone()),
        (true, BreakerScope::Operation) => Some(breaker::Breaker::new(
            format!("{}.{}", c.name, op.name),
            b.clone(),
        )),
    };
    let limiter = match &op.policy.rate_limit {
        Some(own) => Some(Arc::new(rate_limit::Limiter::new(own))),
        None => shared_limiter.cloned(),
    };
    let own_breaker = b.enabled && b.scope == BreakerScope::Operation;
    let hold = if own_breaker || op.policy.rate_limit.is_some() {
        hold::Hold::new(format!("{}.{}", c.name, op.name))
    } else {
        shared_hold.clone()
    };
    let cache = op
        .policy
        .cache
        .clone()
        .map(|policy| cache::OpCache::new(policy, op.headers.keys().cloned().collect()));
    OperationRuntime {
        response,
        metrics,
        policy: Arc::new(AttemptPolicy {
            retry: op.policy.retry.clone(),
            breaker,
            limiter,
            hold,
        }),
        cache,
    }
}

fn interpret(
    operation: String,
    result: Result<RawResponse, TransportError>,
    compiled: &CompiledResponse,
    deadline: Instant,
) -> CallRecord {
    let mut record = CallRecord {
        operation,
        outcome: OutcomeKind::Ok,
        status: None,
        latency_ms: 0.0,
        attempts: 0,
        cached: false,
        stale: false,
        reason: None,
        data: Value::Null,
        body: None,
        error: None,
        retry_after_ms: None,
    };
    let raw = match result {
        Ok(raw) => raw,
        Err(e) => {
            record.outcome = match e {
                TransportError::Timeout(_) => OutcomeKind::Timeout,
                TransportError::Connection(_) => OutcomeKind::Unavailable,
                TransportError::TooLarge(_) => OutcomeKind::InvalidResponse,
                TransportError::CircuitOpen(_) => {
                    record.reason = Some("circuit_open");
                    OutcomeKind::Unavailable
                }
                TransportError::RateLimited(_) => {
                    record.reason = Some("rate_limit_queue");
                    OutcomeKind::RateLimited
                }
                TransportError::Auth(_) => {
                    record.reason = Some("auth_failed");
                    OutcomeKind::Unavailable
                }
                TransportError::Account(reason) => {
                    record.reason = Some(reason);
                    OutcomeKind::Unauthorized
                }
                TransportError::Held { status, remaining } => {
                    record.reason = Some("retry_after_hold");
                    record.retry_after_ms =
                        Some(u64::try_from(remaining.as_millis()).unwrap_or(u64::MAX));
                    classify::status(status)
                }
            };
            record.error = Some(e.to_string());
            return record;
        }
    };
    record.status = Some(raw.status);
    record.outcome = classify::status(raw.status);
    if matches!(raw.status, 429 | 503)
        && let Some(wait) = raw
            .headers
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| classify::retry_after(v, SystemTime::now()))
    {
        record.retry_after_ms = Some(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX));
        // A wait that does not fit what is left of the deadline cannot be honoured. The
        // status keeps its class (a 503 is `unavailable`, a 429 `rate_limited`); the wait is
        // a detail.
        if Instant::now() + wait >= deadline {
            record.reason = Some("retry_after_too_long");
        }
    }
    let parsed = response::parse_json(&raw.body);
    match (&record.outcome, parsed) {
        (OutcomeKind::Ok, Ok(body)) => match compiled.check(&body) {
            Ok(()) => {
                record.data = compiled.extract(&body);
                record.body = Some(body);
            }
            Err(reason) => {
                record.outcome = OutcomeKind::InvalidResponse;
                record.error = Some(reason);
                record.body = Some(body);
            }
        },
        (OutcomeKind::Ok, Err(reason)) => {
            record.outcome = OutcomeKind::InvalidResponse;
            record.error = Some(reason);
        }
        (outcome, parsed) => {
            record.error = Some(format!("upstream answered {} ({outcome})", raw.status));
            record.body = parsed.ok();
        }
    }
    record
}

/// The closest name within a small edit distance, for "did you mean" hints.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a String>,
) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.as_str())
}
