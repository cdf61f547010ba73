//! Inbound auth and limits as compiled: keys reduced to their hashes, JWKS loaded or located.

use std::time::Duration;

/// Inbound settings; the default is open with no limits.
#[derive(Debug, Clone, Default)]
pub struct InboundSettings {
    /// API keys.
    pub api_keys: Vec<InboundKey>,
    /// JWT verification.
    pub jwt: Option<JwtVerification>,
    /// Rate limits.
    pub limits: InboundLimits,
    /// Extra host names (lower case, no port) the server may be reached by when it has no
    /// inbound auth.
    pub allowed_hosts: Vec<String>,
    /// Connection limits of the HTTP server.
    pub connections: ConnectionLimits,
    /// Limits on open event streams.
    pub streams: StreamLimits,
}

/// Connection limits of the HTTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Open connections at most; `None`: derived from the open-file limit by the server.
    pub max: Option<u32>,
    /// Time allowed to show the protocol (first bytes of HTTP/1, the whole HTTP/2 preface).
    pub handshake_timeout: Duration,
    /// Time a connection may stay open with no request in flight.
    pub idle_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max: None,
            handshake_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(90),
        }
    }
}

/// Limits on open event streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// Open streams per user or conversation; one more closes the oldest.
    pub per_user: u32,
    /// Open streams in all; `None`: half of the connection limit.
    pub max: Option<u32>,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits {
            per_user: 5,
            max: None,
        }
    }
}

impl InboundSettings {
    /// Whether any credential is required at all.
    pub fn requires_auth(&self) -> bool {
        !self.api_keys.is_empty() || self.jwt.is_some()
    }
}

/// A permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Chat and conversation routes.
    Chat,
    /// Admin routes.
    Admin,
    /// The tool gateway (MCP and `/v1/tools`).
    Tools,
}

/// One API key, by its hash.
#[derive(Debug, Clone)]
pub struct InboundKey {
    /// Its name, for logs.
    pub name: String,
    /// SHA-256 of the key.
    pub sha256: [u8; 32],
    /// Its scopes.
    pub scopes: Vec<Scope>,
    /// Whether it speaks for any user (a trusted backend) or only reaches the conversations
    /// it started.
    pub trusted_backend: bool,
}

/// Where the JWKS comes from.
#[derive(Debug, Clone)]
pub enum JwksSource {
    /// Loaded with the project: the JSON text.
    Inline(String),
    /// Fetched by the server.
    Url(String),
}

/// JWT bearer verification.
#[derive(Debug, Clone)]
pub struct JwtVerification {
    /// The keys.
    pub jwks: JwksSource,
    /// Required `iss`.
    pub issuer: String,
    /// Required `aud`.
    pub audience: String,
    /// The scope claim.
    pub scope_claim: String,
    /// Scopes for tokens without it.
    pub default_scopes: Vec<Scope>,
    /// Clock skew tolerated.
    pub leeway: Duration,
    /// Whether the JWKS host may resolve to a private address.
    pub allow_private_network: bool,
}

/// Inbound rate limits.
#[derive(Debug, Clone, Default)]
pub struct InboundLimits {
    /// Per user.
    pub per_user: Option<InboundLimit>,
    /// Per client address.
    pub per_address: Option<InboundLimit>,
}

/// A rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboundLimit {
    /// Requests per period.
    pub requests: u32,
    /// The period.
    pub per: Duration,
    /// Burst size.
    pub burst: u32,
}
