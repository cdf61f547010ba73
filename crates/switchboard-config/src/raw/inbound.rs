//! The `inbound` section: who may call the chat, conversation and admin routes, and how often.

use super::common::{RawDuration, SecretDoc, Spanned};
use schemars::JsonSchema;
use serde::Deserialize;

/// Inbound authentication and limits. Routes under `/v1/admin/` need the `admin` scope;
/// `/v1/chat`, `/v1/conversations/...` and `/v1/users/...` need `chat`. Health checks, the
/// web page, platform routes (they have their own `auth`) and signed webhooks stay open.
/// A JWT caller reaches only its subject's conversations and event stream; an API key acts
/// for any user only with `trusted_backend: true`. Out of reach is 404, as if missing.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Inbound")]
pub struct RawInbound {
    /// API keys, sent as `Authorization: Bearer <key>` or `X-Api-Key: <key>`. Only their
    /// SHA-256 is kept. Default: none.
    #[serde(default)]
    pub api_keys: Vec<Spanned<RawInboundKey>>,
    /// JWT bearer tokens from an identity provider, checked against its JWKS. Default: none.
    pub jwt: Option<Spanned<RawInboundJwt>>,
    /// Request rate limits per user and per client address (the per-address limit covers
    /// the `rasa` and `dialogflow` routes too). Default: none.
    pub rate_limit: Option<Spanned<RawInboundLimits>>,
    /// Host names (without port) this server is reached by, besides loopback names and
    /// `bot.public_url`'s host. Without inbound auth, a request whose `Host` is none of
    /// these is refused (403), so a web page that rebinds its own name to this machine
    /// cannot read the API; health checks and signed webhooks are exempt. Default: none.
    #[serde(default)]
    pub allowed_hosts: Vec<Spanned<String>>,
    /// How many connections the server holds open and how long an idle one may stay.
    /// Default: the defaults of each key.
    pub connections: Option<Spanned<RawInboundConnections>>,
    /// How many event streams (`GET /v1/users/{id}/events`, `GET
    /// /v1/conversations/{id}/events`) may be open. Default: the defaults of each key.
    pub streams: Option<Spanned<RawInboundStreams>>,
}

/// Connection limits of the HTTP server. They apply with or without inbound auth.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "InboundConnections")]
pub struct RawInboundConnections {
    /// Open connections at most. When a new connection would pass it, the connection idle
    /// longest is closed to make room; the new one is refused only when none is idle. The
    /// same happens when the process runs out of file descriptors. Default: three quarters
    /// of the process's open-file limit (`ulimit -n`), at most 10000.
    pub max: Option<Spanned<u32>>,
    /// How long a new connection may take to send the first bytes of an HTTP/1 request or
    /// the whole HTTP/2 preface; a socket that sends nothing, or only part of the preface,
    /// is closed after it. Default: `5s`.
    pub handshake_timeout: Option<Spanned<RawDuration>>,
    /// How long a connection may stay open with no request in flight (HTTP/1 keep-alive,
    /// an HTTP/2 connection without streams) before it is closed. Keep it longer than the
    /// idle timeout of a load balancer in front. Default: `90s`.
    pub idle_timeout: Option<Spanned<RawDuration>>,
}

/// Limits on open event streams.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "InboundStreams")]
pub struct RawInboundStreams {
    /// Open streams per user (`/v1/users/{id}/events`) or per conversation
    /// (`/v1/conversations/{id}/events`). One more closes the oldest of them (it ends with
    /// an `event: closed`), so a client that reconnects is never locked out by its own
    /// abandoned streams. Default: `5`.
    pub per_user: Option<Spanned<u32>>,
    /// Open streams on this instance in all; a new stream beyond it is answered `503`
    /// (`too_many_streams`, with `Retry-After`). Default: half of `connections.max`.
    pub max: Option<Spanned<u32>>,
}

/// One API key.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "InboundKey")]
pub struct RawInboundKey {
    /// A name for logs (never the key). Required.
    pub name: Spanned<String>,
    /// The key's SHA-256 as 64 hex digits (`printf %s "$KEY" | sha256sum`), safe to keep in
    /// the file. Exactly one of `sha256` and `key`.
    pub sha256: Option<Spanned<String>>,
    /// The key itself, as a reference (`${env:CHAT_API_KEY}`); hashed when the project
    /// loads. Exactly one of `sha256` and `key`.
    #[schemars(with = "Option<SecretDoc>")]
    pub key: Option<Spanned<String>>,
    /// What the key may do: `chat`, `admin`. Default: `[chat]`.
    #[serde(default)]
    pub scopes: Vec<Spanned<RawScope>>,
    /// Whether the key belongs to a backend the project trusts to speak for any user: with
    /// `chat`, it continues any user's default conversation, reads any conversation and
    /// follows `/v1/users/{id}/events` for any user. A key that is not trusted (a web widget,
    /// a partner) starts a new conversation for each turn that names none, continues and reads
    /// only conversations started that way (by the id it was given), never a user's default
    /// conversation, and cannot follow a user's events. Default: `false`.
    pub trusted_backend: Option<Spanned<bool>>,
}

/// A permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "Scope")]
pub enum RawScope {
    /// Chat and conversation routes.
    Chat,
    /// Admin routes (`/v1/admin/...`).
    Admin,
    /// The tool gateway: `POST /mcp` and `/v1/tools` (LLM agents calling operations).
    Tools,
}

/// JWT bearer verification.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "InboundJwt")]
pub struct RawInboundJwt {
    /// A JWKS file (`{"keys": [...]}`), relative to the project file. Exactly one of
    /// `jwks_file` and `jwks_url`.
    pub jwks_file: Option<Spanned<String>>,
    /// The provider's JWKS URL (`https://login.example.com/.well-known/jwks.json`), fetched
    /// at start-up and again, at most once a minute, when a token names an unknown key.
    /// Exactly one of `jwks_file` and `jwks_url`.
    #[schemars(with = "Option<SecretDoc>")]
    pub jwks_url: Option<Spanned<String>>,
    /// The required `iss`. Required.
    pub issuer: Spanned<String>,
    /// The required `aud` (one of the token's audiences). Required.
    pub audience: Spanned<String>,
    /// The claim that lists scopes (a space-separated string or an array); `chat` and
    /// `admin` are the scopes that count. Default: `scope`.
    pub scope_claim: Option<Spanned<String>>,
    /// Scopes given to a token without the scope claim. Default: `[chat]`.
    #[serde(default)]
    pub default_scopes: Vec<Spanned<RawScope>>,
    /// Clock skew tolerated for `exp` and `nbf`. Default: `30s`.
    pub leeway: Option<Spanned<RawDuration>>,
    /// Allows an `http://` `jwks_url` on a host that is not loopback (`check` warns).
    /// Default: `false`.
    pub allow_insecure_http: Option<Spanned<bool>>,
    /// Allows the `jwks_url` host name to resolve to a private address (an identity
    /// provider inside the network). Default: `false`.
    pub allow_private_network: Option<Spanned<bool>>,
}

/// Inbound rate limits.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "InboundLimits")]
pub struct RawInboundLimits {
    /// Per user: the JWT subject, or the chat body's `user_id`. Default: none.
    pub per_user: Option<Spanned<RawInboundLimit>>,
    /// Per client IP address. Default: none.
    pub per_address: Option<Spanned<RawInboundLimit>>,
}

/// A rate: `requests` per `per`, with bursts up to `burst`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "InboundLimit")]
pub struct RawInboundLimit {
    /// Requests allowed per period. Required.
    pub requests: Spanned<u32>,
    /// The period. Default: `1m`.
    pub per: Option<Spanned<RawDuration>>,
    /// Requests allowed at once after a quiet spell. Default: `requests`.
    pub burst: Option<Spanned<u32>>,
}
