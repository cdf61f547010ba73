//! The `inbound` section: API keys hashed, the JWKS file read and parsed, limits checked.

use super::Ctx;
use super::auth::check_transport;
use super::includes::{io_message, normalize};
use super::secrets;
use crate::model::{
    ConnectionLimits, InboundKey, InboundLimit, InboundLimits, InboundSettings, JwksSource,
    JwtVerification, Scope, StreamLimits,
};
use crate::raw::{
    RawInbound, RawInboundConnections, RawInboundJwt, RawInboundLimit, RawInboundStreams, RawScope,
    Spanned,
};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Compiles `inbound`; absent means open.
pub(crate) fn inbound(ctx: &mut Ctx, raw: Option<&Spanned<RawInbound>>) -> InboundSettings {
    let Some(raw) = raw else {
        return InboundSettings::default();
    };
    let mut api_keys = Vec::new();
    for k in &raw.api_keys {
        let sha256 = match (&k.sha256, &k.key) {
            (Some(h), None) => parse_hex(&h.value).or_else(|| {
                ctx.error(h.pos, "sha256 must be 64 hex digits");
                None
            }),
            (None, Some(key)) => secrets::resolve(ctx, key, true)
                .map(|s| Sha256::digest(s.expose().as_bytes()).into()),
            _ => {
                ctx.error(k.pos, "an API key needs exactly one of sha256 and key");
                None
            }
        };
        if let Some(sha256) = sha256 {
            api_keys.push(InboundKey {
                name: k.name.value.clone(),
                sha256,
                scopes: scopes(&k.scopes),
                trusted_backend: k.trusted_backend.as_ref().is_some_and(|t| t.value),
            });
        }
    }
    let jwt = raw.jwt.as_ref().and_then(|j| jwt(ctx, j));
    let limits = match &raw.rate_limit {
        Some(l) => InboundLimits {
            per_user: l.per_user.as_ref().and_then(|r| limit(ctx, r)),
            per_address: l.per_address.as_ref().and_then(|r| limit(ctx, r)),
        },
        None => InboundLimits::default(),
    };
    let allowed_hosts = raw
        .allowed_hosts
        .iter()
        .filter_map(|h| {
            let v = h.value.trim().to_ascii_lowercase();
            let ok = !v.is_empty()
                && v.len() <= 253
                && v.chars().all(|c| c.is_ascii_alphanumeric() || "-.".contains(c));
            if !ok {
                ctx.error(
                    h.pos,
                    format!(
                        "allowed_hosts entries are host names such as bot.example.com (no scheme, port or path), found {:?}",
                        h.value
                    ),
                );
            }
            ok.then_some(v)
        })
        .collect();
    InboundSettings {
        api_keys,
        jwt,
        limits,
        allowed_hosts,
        connections: raw
            .connections
            .as_ref()
            .map_or_else(ConnectionLimits::default, |c| connections(ctx, c)),
        streams: raw
            .streams
            .as_ref()
            .map_or_else(StreamLimits::default, |s| streams(ctx, s)),
    }
}

fn connections(ctx: &mut Ctx, raw: &Spanned<RawInboundConnections>) -> ConnectionLimits {
    let default = ConnectionLimits::default();
    let max = raw.max.as_ref().and_then(|m| {
        if m.value == 0 {
            ctx.error(m.pos, "max must be more than 0");
            None
        } else {
            Some(m.value)
        }
    });
    ConnectionLimits {
        max,
        handshake_timeout: super::connector::duration(
            ctx,
            raw.handshake_timeout.as_ref(),
            "handshake_timeout",
        )
        .unwrap_or(default.handshake_timeout),
        idle_timeout: super::connector::duration(ctx, raw.idle_timeout.as_ref(), "idle_timeout")
            .unwrap_or(default.idle_timeout),
    }
}

fn streams(ctx: &mut Ctx, raw: &Spanned<RawInboundStreams>) -> StreamLimits {
    let mut positive = |v: Option<&Spanned<u32>>, key: &str| {
        v.and_then(|m| {
            if m.value == 0 {
                ctx.error(m.pos, format!("{key} must be more than 0"));
                None
            } else {
                Some(m.value)
            }
        })
    };
    StreamLimits {
        per_user: positive(raw.per_user.as_ref(), "per_user")
            .unwrap_or(StreamLimits::default().per_user),
        max: positive(raw.max.as_ref(), "max"),
    }
}

fn scopes(raw: &[Spanned<RawScope>]) -> Vec<Scope> {
    if raw.is_empty() {
        return vec![Scope::Chat];
    }
    raw.iter()
        .map(|s| match s.value {
            RawScope::Chat => Scope::Chat,
            RawScope::Admin => Scope::Admin,
            RawScope::Tools => Scope::Tools,
        })
        .collect()
}

fn parse_hex(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s.trim(), &mut out).ok()?;
    Some(out)
}

fn jwt(ctx: &mut Ctx, raw: &Spanned<RawInboundJwt>) -> Option<JwtVerification> {
    let jwks = match (&raw.jwks_file, &raw.jwks_url) {
        (Some(file), None) => {
            let path = normalize(&ctx.dir_of(file.pos).join(&file.value));
            match (ctx.options.read_file)(&path) {
                Ok(text) => {
                    let ok = serde_json::from_str::<serde_json::Value>(&text)
                        .ok()
                        .is_some_and(|v| v.get("keys").is_some_and(|k| k.is_array()));
                    if !ok {
                        ctx.error(
                            file.pos,
                            format!("{} is not a JWKS ({{\"keys\": [...]}})", path.display()),
                        );
                        return None;
                    }
                    JwksSource::Inline(text)
                }
                Err(e) => {
                    ctx.error(
                        file.pos,
                        format!("cannot read {}: {}", path.display(), io_message(&e)),
                    );
                    return None;
                }
            }
        }
        (None, Some(url)) => {
            let u = secrets::resolve(ctx, url, false)?;
            let lower = u.expose().to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                ctx.error(url.pos, "jwks_url must start with http:// or https://");
                return None;
            }
            check_transport(
                ctx,
                url,
                u.expose(),
                "jwks_url",
                raw.allow_insecure_http.as_ref(),
            );
            JwksSource::Url(u.expose().to_string())
        }
        _ => {
            ctx.error(raw.pos, "jwt needs exactly one of jwks_file and jwks_url");
            return None;
        }
    };
    let default_scopes = scopes(&raw.default_scopes);
    Some(JwtVerification {
        jwks,
        issuer: raw.issuer.value.clone(),
        audience: raw.audience.value.clone(),
        scope_claim: raw
            .scope_claim
            .as_ref()
            .map_or_else(|| "scope".to_string(), |s| s.value.clone()),
        default_scopes,
        leeway: raw
            .leeway
            .as_ref()
            .map_or(Duration::from_secs(30), |d| d.value.0),
        allow_private_network: raw.allow_private_network.as_ref().is_some_and(|a| a.value),
    })
}

fn limit(ctx: &mut Ctx, raw: &Spanned<RawInboundLimit>) -> Option<InboundLimit> {
    if raw.requests.value == 0 {
        ctx.error(raw.requests.pos, "requests must be more than 0");
        return None;
    }
    let per = raw
        .per
        .as_ref()
        .map_or(Duration::from_secs(60), |d| d.value.0);
    if per.is_zero() {
        ctx.error(raw.pos, "per must be more than 0");
        return None;
    }
    let burst = raw.burst.as_ref().map_or(raw.requests.value, |b| b.value);
    if burst == 0 {
        ctx.error(raw.pos, "burst must be more than 0");
        return None;
    }
    Some(InboundLimit {
        requests: raw.requests.value,
        per,
        burst,
    })
}
