//! Inbound auth and limits for the HTTP API: the [`guard`] the scope gate
//! (`server/gate.rs`) runs for every route that declares the `chat` or `admin` scope.
//!
//! Each route states its scope where it is mounted; a path no route matches is guarded by
//! the prefix it is under ([`fallback_scope`]), so an unknown path answers 401/403 before 404
//! and probing does not reveal which routes exist. Credentials: API keys (compared by
//! SHA-256) or JWTs (verified against a JWKS). Then the per-user and per-address rate limits, and a JSON depth limit. The
//! authenticated [`Principal`] is left in the request for the handlers, which act within its
//! [`reach`]: a JWT its subject's conversations, a `trusted_backend` key everyone's, any other
//! key only the conversations started for it.
//!
//! # How it works
//!
//! Every route states its scope where it is mounted: `http/routes.rs`'s `Routes` builder
//! (`.get(RouteScope::Chat, path, handler)`, `.nest`, `.merge`) records each path's scope
//! (`public`, `signed` for routes that verify their own caller, `chat`, `admin`) next to the axum
//! route; `server::routes` lists them all, `server::app` puts the gate (`server/gate.rs`) in front of every route. The
//! gate reads the matched route's declaration (`MatchedPath`): `chat`/`admin` run
//! `inbound::guard`, `public`/`signed` pass, and a route mounted without a declaration answers
//! 404 (deny by default). Unmatched paths are guarded by their prefix (`inbound::fallback_scope`)
//! before the 404. The table is in `docs/http.md`, and `tests/inbound.rs`
//! (`every_route_declares_its_scope`) compares it exactly. `keys.rs` matches API keys by SHA-256 in constant time;
//! `jwks.rs` verifies JWTs against a JWKS file or URL (asymmetric keys only, `alg` must equal the
//! key's, `iss`/`aud`/`exp`/`nbf` checked, `jku`/`x5u` never followed; a JWT caller may only send
//! its own `sub` as `user_id`); `limits.rs` holds governor keyed limiters per user (JWT subject or
//! the chat body's `user_id`) and per client address (put in the request by the accept loop), 429
//! with `Retry-After`; `platform.rs` applies the per-address limiter to the Rasa and Dialogflow
//! routes as a route layer. Bodies deeper than 32 levels are refused. `host.rs` guards a server
//! without inbound auth against DNS rebinding: only a loopback `Host`, `bot.public_url`'s host or
//! `inbound.allowed_hosts` is answered (403 `host_not_allowed`), health checks, signed webhooks
//! and authenticated platform routes exempt. The authenticated `Principal`
//! goes into the request's extensions; `http::principal::reach` turns it into an `engine::Reach` (JWT:
//! its subject's conversations; a `trusted_backend` key: everyone's; another key: only
//! conversations started for it, no user stream; no `inbound:`: everyone's), which `chat.rs` and
//! `webhooks/stream.rs` apply, answering 404 for anything out of reach. Config: `inbound:`
//! (`raw/inbound.rs` → `compile/inbound.rs` → `model/inbound.rs`). `serve` refuses a non-loopback
//! address without inbound auth, or with a `rasa`/`dialogflow` section without `auth`, unless
//! `--insecure-no-auth`; `demo` refuses a non-loopback address the same way.

pub mod host;
mod jwks;
mod keys;
mod limits;
pub mod platform;

pub use jwks::JwksVerifier;
pub use limits::Limits;

use crate::http::ApiError;
use crate::http::principal::Principal;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use switchboard_config::model::{InboundSettings, Scope};

/// Deepest JSON nesting accepted in a request body.
pub const MAX_JSON_DEPTH: usize = 32;

/// The state of the inbound middleware.
#[derive(Debug)]
pub struct Inbound {
    settings: InboundSettings,
    jwks: Option<JwksVerifier>,
    limits: Limits,
}

/// The scope guarding a path no route matched: `admin` under `/v1/admin/`, `chat` under
/// `/v1/chat`, `/v1/conversations/` and `/v1/users/`, `tools` at `/mcp` and under
/// `/v1/tools`. Matched routes use their declaration.
pub fn fallback_scope(path: &str) -> Option<Scope> {
    if path == "/v1/admin" || path.starts_with("/v1/admin/") {
        Some(Scope::Admin)
    } else if path == "/mcp" || path == "/v1/tools" || path.starts_with("/v1/tools/") {
        Some(Scope::Tools)
    } else if path == "/v1/chat"
        || path.starts_with("/v1/chat/")
        || path.starts_with("/v1/conversations/")
        || path.starts_with("/v1/users/")
    {
        Some(Scope::Chat)
    } else {
        None
    }
}

impl Inbound {
    /// Sets up keys, the JWKS and the limiters.
    pub fn new(settings: &InboundSettings) -> Inbound {
        Inbound {
            jwks: settings.jwt.as_ref().map(JwksVerifier::new),
            limits: Limits::new(&settings.limits),
            settings: settings.clone(),
        }
    }

    /// Whether the middleware has anything to do.
    pub fn active(&self) -> bool {
        self.settings.requires_auth() || self.limits.any()
    }

    /// Fetches a remote JWKS ahead of the first request.
    pub fn prefetch(self: &Arc<Self>) {
        if let Some(j) = &self.jwks
            && j.is_remote()
            && let Ok(handle) = tokio::runtime::Handle::try_current()
        {
            let this = self.clone();
            handle.spawn(async move {
                if let Some(j) = &this.jwks {
                    j.refresh().await;
                }
            });
        }
    }

    async fn authenticate(&self, headers: &axum::http::HeaderMap) -> Result<Principal, ApiError> {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        let api_key = headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(str::trim);
        let presented = api_key
            .or(bearer)
            .ok_or_else(|| unauthorized("this route needs an API key or a bearer token"))?;
        if let Some(k) = keys::find(&self.settings.api_keys, presented) {
            return Ok(Principal {
                name: k.name.clone(),
                subject: None,
                scopes: k.scopes.clone(),
                trusted_backend: k.trusted_backend,
            });
        }
        match (
            &self.jwks,
            api_key.is_none() && presented.matches('.').count() == 2,
        ) {
            (Some(j), true) => j.verify(presented).await.map_err(|reason| {
                tracing::info!(target: "switchboard::inbound", %reason, "bearer token refused");
                unauthorized("the bearer token is not valid")
            }),
            _ => Err(unauthorized("the credential is not valid")),
        }
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// Auth, scope and limits for a request to a route that needs `scope`.
pub async fn guard(inbound: &Inbound, scope: Scope, req: Request, next: Next) -> Response {
    let principal = if inbound.settings.requires_auth() {
        match inbound.authenticate(req.headers()).await {
            Ok(p) => Some(p),
            Err(e) => {
                let challenge = match scope {
                    // MCP clients find the authorization server through the resource's
                    // metadata (RFC 9728), named in the challenge.
                    Scope::Tools => HeaderValue::from_str(&format!(
                        "Bearer resource_metadata=\"{}\"",
                        crate::http::resource_metadata_url(req.headers())
                    ))
                    .unwrap_or_else(|_| HeaderValue::from_static("Bearer")),
                    _ => HeaderValue::from_static("Bearer"),
                };
                let mut r = e.into_response();
                r.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
                return r;
            }
        }
    } else {
        None
    };
    if let Some(p) = &principal
        && !p.scopes.contains(&scope)
    {
        let name = match scope {
            Scope::Chat => "chat",
            Scope::Admin => "admin",
            Scope::Tools => "tools",
        };
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this route needs the {name} scope"),
        )
        .into_response();
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(ip) = peer
        && let Err(wait) = inbound.limits.check_address(ip)
    {
        return too_many(wait);
    }
    // The chat body names the user: read it (bounded) to key the per-user limit, to hold a
    // JWT caller to its own subject, and to refuse absurdly deep JSON.
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, super::MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!(
                    "request bodies are limited to {} bytes",
                    super::MAX_BODY_BYTES
                ),
            )
            .into_response();
        }
    };
    if json_depth(&bytes) > MAX_JSON_DEPTH {
        return ApiError::bad_request(format!(
            "the JSON body is nested deeper than {MAX_JSON_DEPTH} levels"
        ))
        .into_response();
    }
    let body_user = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| {
            v.get("user_id")
                .and_then(|u| u.as_str())
                .map(str::to_string)
        });
    if let (Some(p), Some(u)) = (&principal, &body_user)
        && let Some(sub) = &p.subject
        && sub != u
    {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "user_id must be the token's subject",
        )
        .into_response();
    }
    let user = principal
        .as_ref()
        .and_then(|p| p.subject.clone())
        .or(body_user);
    if let Some(u) = &user
        && let Err(wait) = inbound.limits.check_user(u)
    {
        return too_many(wait);
    }
    let mut req = Request::from_parts(parts, Body::from(bytes));
    if let Some(p) = principal {
        req.extensions_mut().insert(p);
    }
    next.run(req).await
}

fn too_many(wait: std::time::Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut r = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many requests; try again in {secs} s"),
    )
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// The deepest nesting of `[` and `{` outside strings (cheap: one pass, no allocation).
pub fn json_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut max, mut in_str, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_str {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_scopes_by_path() {
        assert_eq!(fallback_scope("/v1/admin/dead-letters"), Some(Scope::Admin));
        assert_eq!(fallback_scope("/v1/admin"), Some(Scope::Admin));
        assert_eq!(fallback_scope("/v1/chat"), Some(Scope::Chat));
        assert_eq!(fallback_scope("/v1/conversations/abc"), Some(Scope::Chat));
        assert_eq!(fallback_scope("/v1/users/u1/accounts"), Some(Scope::Chat));
        for open in [
            "/",
            "/healthz",
            "/readyz",
            "/v1/webhooks/x",
            "/rasa/webhook",
            "/v1/administrator",
        ] {
            assert_eq!(fallback_scope(open), None, "{open}");
        }
    }

    #[test]
    fn depth_ignores_brackets_in_strings() {
        assert_eq!(json_depth(br#"{"a":[1,{"b":"[[[{{"}]}"#), 3);
        assert_eq!(json_depth(br#""\"[""#), 0);
        assert_eq!(json_depth(&[b'['; 100]), 100);
    }
}
