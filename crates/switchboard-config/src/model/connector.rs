//! A connector: one external API with its base URL, credentials and defaults.

use super::{ConnectorPolicy, Operation};
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
    /// Total time allowed for one attempt, unless an operation says otherwise.
    pub timeout: Duration,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Largest response body accepted, in bytes.
    pub max_response_bytes: usize,
    /// Retry budget, shared breaker and shared rate limit.
    pub policy: ConnectorPolicy,
    /// Operations, in file order.
    pub operations: IndexMap<String, Operation>,
    /// Where the connector was declared.
    pub span: Span,
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
}

/// Outbound authentication. Closed on purpose: a new scheme is a new variant, and the compiler
/// points at every place that must handle it (OAuth 2.0 and JWT are the next ones).
#[derive(Debug, Clone)]
pub enum Auth {
    /// No credentials.
    None,
    /// A static key in a header or a query parameter.
    ApiKey {
        /// Header or query.
        location: ApiKeyLocation,
        /// The header or parameter name.
        name: String,
        /// The key.
        value: Secret,
    },
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The token.
        token: Secret,
    },
    /// `Authorization: Basic base64(username:password)`.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
}
