//! The operation pipeline: the one and only way any code reaches an upstream API.
//!
//! ```text
//! validate inputs -> build request -> [cache] -> [breaker] -> [rate limit] -> auth -> send
//!         -> classify -> [retry] -> validate schema -> extract
//! ```
//! Each connector owns a tower service stack over one pooled HTTP client; the bracketed
//! stages are where resilience layers slot in. Every entry point (chat turns, `switchboard
//! call`, platform protocols) calls [`Pipeline::call`]; none builds HTTP requests of its own.

pub mod auth;
pub mod classify;
pub mod encode;
pub mod request;
pub mod response;
pub mod transport;

use crate::template::{TemplateError, Templates};
use response::CompiledResponse;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use switchboard_config::Project;
use switchboard_config::model::{Operation, OperationRef, OutcomeKind};
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
}

impl CallContext {
    /// A context with a deadline `budget` from now.
    pub fn with_budget(budget: Duration) -> CallContext {
        CallContext {
            deadline: Instant::now() + budget,
            user_id: None,
        }
    }
}

type AttemptService = BoxCloneSyncService<Attempt, RawResponse, TransportError>;

struct ConnectorRuntime {
    service: AttemptService,
    responses: HashMap<String, CompiledResponse>,
}

/// The compiled pipeline for every operation of a project.
pub struct Pipeline {
    project: Arc<Project>,
    templates: Arc<Templates>,
    connectors: HashMap<String, ConnectorRuntime>,
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
        let mut connectors = HashMap::new();
        for (name, c) in &project.connectors {
            let client = reqwest::Client::builder()
                .connect_timeout(c.connect_timeout)
                .redirect(reqwest::redirect::Policy::none())
                .pool_idle_timeout(Duration::from_secs(90))
                .tcp_nodelay(true)
                .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| PipelineError::Client {
                    connector: name.clone(),
                    reason: e.to_string(),
                })?;
            let service = tower::ServiceBuilder::new()
                .layer(auth::AuthLayer::new(c.auth.clone()))
                .service(HttpTransport::new(client));
            let mut responses = HashMap::new();
            for (op_name, op) in &c.operations {
                let compiled = CompiledResponse::new(&op.response).map_err(|reason| {
                    PipelineError::Schema {
                        operation: format!("{name}.{op_name}"),
                        reason,
                    }
                })?;
                responses.insert(op_name.clone(), compiled);
            }
            connectors.insert(
                name.clone(),
                ConnectorRuntime {
                    service: BoxCloneSyncService::new(service),
                    responses,
                },
            );
        }
        Ok(Pipeline {
            project,
            templates,
            connectors,
        })
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
        let compiled = runtime
            .responses
            .get(&op_ref.operation)
            .ok_or_else(unknown)?;

        let inputs = Self::validate_inputs(op, args)?;
        let request = request::build(connector, op, &inputs, &self.templates)?;

        let started = Instant::now();
        let timeout = op.timeout.unwrap_or(connector.timeout);
        let deadline = (started + timeout).min(ctx.deadline);
        let attempt = Attempt {
            request,
            deadline,
            max_response_bytes: connector.max_response_bytes,
        };
        let result = runtime.service.clone().oneshot(attempt).await;
        let mut record = interpret(op_ref.to_string(), result, compiled);
        record.attempts = 1;
        record.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        tracing::info!(
            target: "switchboard::upstream",
            operation = %record.operation,
            method = op.method.as_str(),
            path = %op.path.source,
            outcome = %record.outcome,
            status = record.status,
            latency_ms = record.latency_ms,
            attempt = record.attempts,
            "upstream call"
        );
        Ok(record)
    }
}

fn interpret(
    operation: String,
    result: Result<RawResponse, TransportError>,
    compiled: &CompiledResponse,
) -> CallRecord {
    let mut record = CallRecord {
        operation,
        outcome: OutcomeKind::Ok,
        status: None,
        latency_ms: 0.0,
        attempts: 0,
        cached: false,
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
