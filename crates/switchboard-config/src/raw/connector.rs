//! The `connectors` section: one external API each, with its credentials and defaults.

use super::RawOperation;
use super::auth::RawAuth;
use super::common::{RawDuration, SecretDoc, Spanned};
use super::policy::{RawAlerts, RawCache, RawCircuitBreaker, RawRateLimit, RawRetry};
use indexmap::IndexMap;

/// What a connector speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "ConnectorType")]
pub enum RawConnectorType {
    /// A REST (or any HTTP) API.
    Rest,
    /// A remote MCP server's tools.
    Mcp,
    /// A language model speaking the OpenAI-compatible chat-completions API.
    Llm,
}
use schemars::JsonSchema;
use serde::Deserialize;

/// One external API: where it is, how to authenticate, and the calls it offers.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Connector")]
pub struct RawConnector {
    /// What the API speaks: `rest` (HTTP requests built from each operation's method, path,
    /// query, headers and body) or `mcp` (a remote MCP server at `base_url`, Streamable HTTP,
    /// revision 2026-07-28: each operation calls one of its tools with `tools/call`; see
    /// docs/tools.md) or `llm` (a language model's OpenAI-compatible API at `base_url`, such
    /// as `https://api.openai.com/v1`: its one operation, `chat`, is built in and posts to
    /// `/chat/completions`; the `llm` section says how the chat turn uses it; see docs/llm.md).
    /// Default: `rest`.
    #[serde(rename = "type")]
    pub kind: Option<Spanned<RawConnectorType>>,
    /// The API's base URL with any version prefix, such as `https://api.example.com/v2`:
    /// `http` or `https`, no query or fragment; a trailing slash is trimmed. May use
    /// `${env:NAME}` or `${env:NAME:-http://127.0.0.1:8081/v2}` (a default for when the variable
    /// is unset or empty). Every request's scheme, host and port come from here. Required.
    #[schemars(with = "SecretDoc")]
    pub base_url: Spanned<String>,
    /// Headers sent on every request: name → value. Values may be `${env:NAME}` or
    /// `${file:PATH}` references; credential-like headers (names containing `key`, `token`,
    /// `secret`, `auth`, `password` or `cookie`) must be.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, SecretDoc>")]
    pub headers: IndexMap<Spanned<String>, Spanned<String>>,
    /// How requests prove who they are, chosen by `type`. Default: `{ type: none }`.
    pub auth: Option<Spanned<RawAuth>>,
    /// Allows an `http://` base URL on a host that is not loopback (credentials and data
    /// then cross the network in clear text; `check` warns). Default: `false`.
    pub allow_insecure_http: Option<Spanned<bool>>,
    /// Allows connecting to loopback, private, link-local and cloud metadata addresses when
    /// the configured host is a name. Without it such addresses are refused after DNS
    /// resolution (an SSRF and DNS rebinding guard); a base URL that is itself such an
    /// address (`http://127.0.0.1:8081`) is allowed either way. Default: `false`.
    pub allow_private_network: Option<Spanned<bool>>,
    /// Follows redirects to the same origin (scheme, host and port as `base_url`), at most
    /// 5; a redirect anywhere else is not followed and the 3xx answer is the result.
    /// Default: `false` (no redirect is followed).
    pub follow_redirects: Option<Spanned<bool>>,
    /// Time allowed for one attempt; an operation may override it. Default: `10s`.
    pub timeout: Option<Spanned<RawDuration>>,
    /// Time allowed to open a connection. Default: `2s`.
    pub connect_timeout: Option<Spanned<RawDuration>>,
    /// Largest response body accepted, in bytes. Default: `1048576`.
    pub max_response_bytes: Option<Spanned<u64>>,
    /// Retries for the connector's operations. Default: 3 attempts where retrying is safe
    /// (see [retry](#retry)).
    pub retry: Option<Spanned<RawRetry>>,
    /// The circuit breaker. Default: on, with the defaults under
    /// [circuit_breaker](#circuit_breaker).
    pub circuit_breaker: Option<Spanned<RawCircuitBreaker>>,
    /// An outbound rate and concurrency limit shared by all operations. Default: none.
    pub rate_limit: Option<Spanned<RawRateLimit>>,
    /// Caching of results, for `GET` operations unless one opts out (or another opts in).
    /// Default: no caching.
    pub cache: Option<Spanned<RawCache>>,
    /// Alerts when the connector keeps failing, and when it recovers. Default: none.
    pub alerts: Option<Spanned<RawAlerts>>,
    /// Whether the connector's operations are tools for LLM agents (an operation's own
    /// `tool` wins). Default: the project's `tools.expose`.
    pub tools: Option<Spanned<bool>>,
    /// The calls this API offers, by name.
    #[serde(default)]
    pub operations: IndexMap<Spanned<String>, RawOperation>,
}
