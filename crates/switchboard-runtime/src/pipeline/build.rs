//! Construction: one pooled HTTP client and tower service stack per connector, and each
//! operation's handles (breaker, limiter, `Retry-After` hold, cache), shared with its connector
//! unless the operation has its own.

use super::observe::AuditHooks;
use super::response::CompiledResponse;
use super::transport::{Attempt, HttpTransport, RawResponse, TransportError};
use super::{Pipeline, alerts, auth, breaker, cache, hold, observe, rate_limit, retry, ssrf};
use crate::telemetry::Telemetry;
use crate::template::Templates;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use switchboard_config::Project;
use switchboard_config::model::{BreakerScope, Connector, Operation, RetryPolicy};
use tower::util::BoxCloneSyncService;

pub(super) type AttemptService = BoxCloneSyncService<Attempt, RawResponse, TransportError>;

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

pub(super) struct OperationRuntime {
    pub(super) response: CompiledResponse,
    pub(super) metrics: crate::telemetry::metrics::OpMetrics,
    pub(super) policy: Arc<AttemptPolicy>,
    pub(super) cache: Option<cache::OpCache>,
}

pub(super) struct ConnectorRuntime {
    pub(super) service: AttemptService,
    /// The base every request starts from, or the connector header it cannot send (reported by
    /// each call).
    pub(super) base: Result<super::request::Base, super::CallError>,
    pub(super) operations: HashMap<String, OperationRuntime>,
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

/// What a pipeline is built over, made before it by the application (`app::build`), so the
/// pipeline is whole when it is made and nothing is attached afterwards.
#[derive(Default)]
pub struct Parts {
    /// The instance's metrics recorder.
    pub telemetry: Arc<Telemetry>,
    /// The audit trail, when the project enables it.
    pub audit: Option<AuditHooks>,
    /// The account store, when the project has `bot.accounts_key`.
    pub accounts: Option<auth::oauth2_code::Accounts>,
    /// The fleet's shared state, when the project has a `state` section.
    pub shared: Option<Arc<crate::shared::Shared>>,
}

impl Pipeline {
    /// Builds one client and service stack per connector.
    pub fn new(
        project: Arc<Project>,
        templates: Arc<Templates>,
        parts: Parts,
    ) -> Result<Arc<Pipeline>, PipelineError> {
        let Parts {
            telemetry,
            audit,
            accounts,
            shared,
        } = parts;
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
                .map(|r| Arc::new(rate_limit::Limiter::new(name, r, shared.clone())));
            if let Some(l) = &shared_limiter {
                limiters.push((name.clone(), l.clone()));
            }
            let shared_hold = hold::Hold::new(name.clone());
            holds.push(shared_hold.clone());
            let service =
                tower::ServiceBuilder::new()
                    .layer(retry::layer(budget))
                    .layer(hold::HoldLayer)
                    .layer(breaker::BreakerLayer)
                    .layer(rate_limit::RateLimitLayer)
                    .layer(auth::AuthLayer::new({
                        let scheme = auth::Scheme::new(c, accounts.as_ref(), shared.as_ref())
                            .map_err(|e| PipelineError::Client {
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
                    &ConnectorHandles {
                        breaker: &shared_breaker,
                        limiter: shared_limiter.as_ref(),
                        hold: &shared_hold,
                        state: shared.as_ref(),
                    },
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
                    base: super::request::Base::new(base, c),
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
        Ok(Arc::new_cyclic(|this| Pipeline {
            project,
            templates,
            connectors,
            alerts,
            this: this.clone(),
            telemetry,
            audit,
            limiters,
            holds,
            deprecations: std::sync::Mutex::new(std::collections::HashSet::new()),
            recent: observe::Recent::default(),
            account_schemes,
            shared,
        }))
    }

    /// The fleet's shared state, when the project has a `state` section.
    pub fn shared(&self) -> Option<&Arc<crate::shared::Shared>> {
        self.shared.as_ref()
    }

    /// The connected-account scheme of a connector, if it has one.
    pub fn account_scheme(
        &self,
        connector: &str,
    ) -> Option<&Arc<auth::oauth2_code::AuthorizationCode>> {
        self.account_schemes.get(connector)
    }
}

/// What an operation shares with its connector unless it has its own, and the fleet's state.
#[derive(Clone, Copy)]
struct ConnectorHandles<'a> {
    breaker: &'a Arc<breaker::Breaker>,
    limiter: Option<&'a Arc<rate_limit::Limiter>>,
    hold: &'a Arc<hold::Hold>,
    state: Option<&'a Arc<crate::shared::Shared>>,
}

/// Builds an operation's handles: its breaker and limiter (shared with the connector unless
/// it has its own) and its cache.
fn operation_runtime(
    c: &Connector,
    op: &Operation,
    response: CompiledResponse,
    metrics: crate::telemetry::metrics::OpMetrics,
    connector: &ConnectorHandles<'_>,
) -> OperationRuntime {
    let ConnectorHandles {
        breaker: shared_breaker,
        limiter: shared_limiter,
        hold: shared_hold,
        state: shared,
    } = *connector;
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
        Some(own) => Some(Arc::new(rate_limit::Limiter::new(
            &format!("{}.{}", c.name, op.name),
            own,
            shared.cloned(),
        ))),
        None => shared_limiter.cloned(),
    };
    let own_breaker = b.enabled && b.scope == BreakerScope::Operation;
    let hold = if own_breaker || op.policy.rate_limit.is_some() {
        hold::Hold::new(format!("{}.{}", c.name, op.name))
    } else {
        shared_hold.clone()
    };
    let cache = op.policy.cache.clone().map(|policy| {
        cache::OpCache::new(
            policy,
            op.headers.keys().cloned().collect(),
            shared.map(|s| (s.clone(), format!("{}.{}", c.name, op.name))),
        )
    });
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
