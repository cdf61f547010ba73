//! A connector: one external API with its base URL, credentials and defaults.

use super::{Auth, ConnectorPolicy, Operation};
use crate::diagnostic::Span;
use crate::secret::Secret;
use indexmap::IndexMap;
use std::time::Duration;

/// One external API.
#[derive(Debug, Clone)]
pub struct Connector {
    /// The connector's name in the project file.
    pub name: String,
    /// The base URL, including any version prefix (`http://127.0.0.1:8081/api/v2`), without a
    /// trailing slash. Scheme, host and port of every request come from here and only here.
    pub base_url: String,
    /// Headers sent on every request (values may be secrets).
    pub headers: Vec<(String, Secret)>,
    /// How requests prove who they are.
    pub auth: Auth,
    /// Whether `http://` is allowed on a host that is not loopback.
    pub allow_insecure_http: bool,
    /// Whether names may resolve to loopback, private, link-local or metadata addresses.
    pub allow_private_network: bool,
    /// Whether same-origin redirects are followed.
    pub follow_redirects: bool,
    /// Total time allowed for one attempt, unless an operation says otherwise.
    pub timeout: Duration,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Largest response body accepted, in bytes.
    pub max_response_bytes: usize,
    /// Retry budget, shared breaker and shared rate limit.
    pub policy: ConnectorPolicy,
    /// Whether its operations are tools (`None`: the project's default).
    pub tools: Option<bool>,
    /// Operations, in file order.
    pub operations: IndexMap<String, Operation>,
    /// Where the connector was declared.
    pub span: Span,
}
