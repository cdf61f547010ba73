//! Outbound authentication: secrets loaded, claim templates parsed, and the transport rule
//! that keeps credentials off clear-text connections to other machines.

use super::Ctx;
use super::connector::{check_header_name, duration};
use super::secrets;
use crate::model::{
    ApiKeyLocation, Auth, AuthorizationCode, ClientAuth, ClientCredentials, HmacAlgorithm,
    HmacEncoding, HmacSigning, JwtAlgorithm, JwtMinting, SignedPart,
};
use crate::raw::{
    RawAuth, RawClientAuth, RawHmacAlgorithm, RawHmacEncoding, RawJwtAlgorithm, RawKeyLocation,
    RawSignedPart, Spanned,
};
use crate::secret::Secret;
use indexmap::IndexMap;
use std::time::Duration;

const DEFAULT_EXPIRY_SKEW: Duration = Duration::from_secs(30);
const DEFAULT_JWT_TTL: Duration = Duration::from_secs(300);
/// Claims Switchboard sets itself from `ttl`.
const TIMED_CLAIMS: &[&str] = &["iat", "exp"];

/// Whether a URL's host is this machine: `localhost`, `*.localhost`, 127.0.0.0/8 or `[::1]`.
pub fn is_loopback_url(url: &str) -> bool {
    let rest = url
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(url)
        .to_ascii_lowercase();
    let authority: &str = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next() == Some("::1");
    }
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `http://` to another machine is an error unless `allow_insecure_http` says otherwise, and
/// then a warning. The URL itself is not echoed: it may come from a secret reference.
pub(crate) fn check_transport(
    ctx: &mut Ctx,
    at: &Spanned<String>,
    url: &str,
    key: &str,
    allow: Option<&Spanned<bool>>,
) {
    let where_ = if key == "jwks_url" {
        " beside it"
    } else {
        " on the connector"
    };
    if !url.to_ascii_lowercase().starts_with("http://") || is_loopback_url(url) {
        return;
    }
    if allow.is_some_and(|a| a.value) {
        ctx.warn(
            at.pos,
            format!(
                "{key} uses http:// to a host that is not loopback: credentials and data cross the network unencrypted (allow_insecure_http is set)"
            ),
        );
    } else {
        ctx.error(
            at.pos,
            format!(
                "{key} uses http:// to a host that is not loopback; use https://, or set allow_insecure_http: true{where_}"
            ),
        );
    }
}

/// Whether a scheme's credentials differ per user (JWT claims that read `user`).
pub(crate) fn per_user(auth: &Auth) -> bool {
    matches!(auth, Auth::AuthorizationCode(_))
        || matches!(auth, Auth::Jwt(j) if j.claims.values().any(|c| c.contains("user")))
}

/// Compiles a connector's `auth` block.
pub(crate) fn auth(
    ctx: &mut Ctx,
    raw: &Spanned<RawAuth>,
    insecure: Option<&Spanned<bool>>,
    base_url: &str,
) -> Auth {
    match &raw.value {
        RawAuth::None => Auth::None,
        RawAuth::ApiKey {
            location,
            name,
            value,
        } => {
            let location = match location.as_ref().map(|l| l.value) {
                Some(RawKeyLocation::Query) => ApiKeyLocation::Query,
                _ => ApiKeyLocation::Header,
            };
            if location == ApiKeyLocation::Header {
                check_header_name(ctx, name);
            } else if name.value.is_empty() {
                ctx.error(name.pos, "the query parameter name must not be empty");
            } else if !base_url.is_empty() && !is_loopback_url(base_url) {
                ctx.warn(
                    name.pos,
                    "the API key goes in the query string, where proxies and server logs keep it; use in: header if the API accepts it",
                );
            }
            Auth::ApiKey {
                location,
                name: name.value.clone(),
                value: secret(ctx, value),
            }
        }
        RawAuth::Bearer { token } => Auth::Bearer {
            token: secret(ctx, token),
        },
        RawAuth::Basic { username, password } => {
            let user = plain(ctx, username);
            if user.contains(':') {
                ctx.error(
                    username.pos,
                    "a basic auth user name must not contain \":\"",
                );
            }
            Auth::Basic {
                username: user,
                password: secret(ctx, password),
            }
        }
        RawAuth::Oauth2ClientCredentials {
            token_url,
            client_id,
            client_secret,
            scopes,
            audience,
            client_auth,
            expiry_skew,
        } => {
            let url = secrets::resolve(ctx, token_url, false)
                .unwrap_or_else(|| Secret::literal(String::new()));
            let lower = url.expose().to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                ctx.error(
                    token_url.pos,
                    "token_url must start with http:// or https://",
                );
            } else {
                check_transport(ctx, token_url, url.expose(), "token_url", insecure);
            }
            Auth::ClientCredentials(ClientCredentials {
                token_url: url,
                client_id: plain(ctx, client_id),
                client_secret: secret(ctx, client_secret),
                scopes: scopes.iter().map(|s| s.value.clone()).collect(),
                audience: audience.as_ref().map(|a| a.value.clone()),
                client_auth: match client_auth.as_ref().map(|c| c.value) {
                    Some(RawClientAuth::Body) => ClientAuth::Body,
                    _ => ClientAuth::Basic,
                },
                expiry_skew: expiry_skew
                    .as_ref()
                    .map_or(DEFAULT_EXPIRY_SKEW, |d| d.value.0),
            })
        }
        RawAuth::Oauth2AuthorizationCode {
            authorize_url,
            token_url,
            client_id,
            client_secret,
            scopes,
            redirect_url,
            client_auth,
            expiry_skew,
        } => {
            ctx.account_connectors.push(raw.pos);
            let token = endpoint(ctx, token_url, "token_url", insecure);
            let authorize = endpoint(ctx, authorize_url, "authorize_url", insecure);
            let redirect = redirect_url.as_ref().map(|r| {
                let lower = r.value.to_ascii_lowercase();
                if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                    ctx.error(r.pos, "redirect_url must start with http:// or https://");
                }
                r.value.clone()
            });
            Auth::AuthorizationCode(AuthorizationCode {
                authorize_url: authorize.expose().to_string(),
                token_url: token,
                client_id: plain(ctx, client_id),
                client_secret: secret(ctx, client_secret),
                scopes: scopes.iter().map(|s| s.value.clone()).collect(),
                // Filled from `bot.public_url` once the bot settings are compiled.
                redirect_url: redirect.unwrap_or_default(),
                client_auth: match client_auth.as_ref().map(|c| c.value) {
                    Some(RawClientAuth::Body) => ClientAuth::Body,
                    _ => ClientAuth::Basic,
                },
                expiry_skew: expiry_skew
                    .as_ref()
                    .map_or(DEFAULT_EXPIRY_SKEW, |d| d.value.0),
            })
        }
        RawAuth::Jwt {
            algorithm,
            key,
            claims,
            ttl,
            key_id,
        } => jwt(ctx, algorithm, key, claims, ttl.as_ref(), key_id.as_ref()),
        RawAuth::Hmac {
            secret: key,
            algorithm,
            encoding,
            sign,
            separator,
            header,
            value,
            timestamp_header,
        } => {
            check_header_name(ctx, header);
            if let Some(t) = timestamp_header {
                check_header_name(ctx, t);
            }
            let value_src = value
                .as_ref()
                .map_or_else(|| "{signature}".to_string(), |v| v.value.clone());
            if let Some(v) = value
                && !v.value.contains("{signature}")
            {
                ctx.error(v.pos, "value must contain {signature}");
            }
            let parts = if sign.is_empty() {
                vec![
                    SignedPart::Timestamp,
                    SignedPart::Method,
                    SignedPart::Path,
                    SignedPart::Query,
                    SignedPart::Body,
                ]
            } else {
                sign.iter().map(|p| signed_part(p.value)).collect()
            };
            Auth::Hmac(HmacSigning {
                secret: secret(ctx, key),
                algorithm: match algorithm.as_ref().map(|a| a.value) {
                    Some(RawHmacAlgorithm::Sha512) => HmacAlgorithm::Sha512,
                    _ => HmacAlgorithm::Sha256,
                },
                encoding: match encoding.as_ref().map(|e| e.value) {
                    Some(RawHmacEncoding::Base64) => HmacEncoding::Base64,
                    _ => HmacEncoding::Hex,
                },
                sign: parts,
                separator: separator
                    .as_ref()
                    .map_or_else(|| "\n".to_string(), |s| s.value.clone()),
                header: header.value.clone(),
                value: value_src,
                timestamp_header: timestamp_header.as_ref().map(|t| t.value.clone()),
            })
        }
    }
}

/// An OAuth endpoint URL (may be a reference): `http(s)://`, and the transport rule.
fn endpoint(
    ctx: &mut Ctx,
    at: &Spanned<String>,
    key: &str,
    insecure: Option<&Spanned<bool>>,
) -> Secret {
    let url = secrets::resolve(ctx, at, false).unwrap_or_else(|| Secret::literal(String::new()));
    let lower = url.expose().to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        ctx.error(at.pos, format!("{key} must start with http:// or https://"));
    } else {
        check_transport(ctx, at, url.expose(), key, insecure);
    }
    url
}

fn signed_part(p: RawSignedPart) -> SignedPart {
    match p {
        RawSignedPart::Timestamp => SignedPart::Timestamp,
        RawSignedPart::Method => SignedPart::Method,
        RawSignedPart::Path => SignedPart::Path,
        RawSignedPart::Query => SignedPart::Query,
        RawSignedPart::Body => SignedPart::Body,
    }
}

fn jwt(
    ctx: &mut Ctx,
    algorithm: &Spanned<RawJwtAlgorithm>,
    key: &Spanned<String>,
    claims: &IndexMap<Spanned<String>, Spanned<String>>,
    ttl: Option<&Spanned<crate::raw::RawDuration>>,
    key_id: Option<&Spanned<String>>,
) -> Auth {
    let algorithm = match algorithm.value {
        RawJwtAlgorithm::HS256 => JwtAlgorithm::Hs256,
        RawJwtAlgorithm::RS256 => JwtAlgorithm::Rs256,
        RawJwtAlgorithm::ES256 => JwtAlgorithm::Es256,
    };
    let key_secret = secret(ctx, key);
    let pem = key_secret.expose().contains("-----BEGIN");
    match algorithm {
        JwtAlgorithm::Hs256
            if key_secret.expose().len() < 32 && !key_secret.expose().is_empty() =>
        {
            ctx.error(key.pos, "an HS256 key must be at least 32 bytes long");
        }
        JwtAlgorithm::Rs256 | JwtAlgorithm::Es256 if !key_secret.expose().is_empty() && !pem => {
            ctx.error(
                key.pos,
                "the key must be a PEM private key (-----BEGIN PRIVATE KEY-----)",
            );
        }
        _ => {}
    }
    let mut out = IndexMap::new();
    for (name, src) in claims {
        if TIMED_CLAIMS.contains(&name.value.as_str()) {
            ctx.error(
                name.pos,
                format!("claim {:?} is set from ttl; remove it", name.value),
            );
            continue;
        }
        match ctx.jinja.template_from_str(&src.value) {
            Ok(t) => {
                let mut vars: Vec<String> = t.undeclared_variables(true).into_iter().collect();
                vars.sort();
                for var in vars {
                    if var != "user" && !var.starts_with("user.") {
                        ctx.error(
                            src.pos,
                            format!("\"{var}\" is not defined; JWT claims can use user.id"),
                        );
                    }
                }
            }
            Err(e) => ctx.error(
                src.pos,
                format!("template error in claim {}: {}", name.value, e.kind()),
            ),
        }
        out.insert(name.value.clone(), src.value.clone());
    }
    Auth::Jwt(JwtMinting {
        algorithm,
        key: key_secret,
        claims: out,
        ttl: duration(ctx, ttl, "ttl").unwrap_or(DEFAULT_JWT_TTL),
        key_id: key_id.map(|k| k.value.clone()),
    })
}

/// A credential: must be a reference.
fn secret(ctx: &mut Ctx, v: &Spanned<String>) -> Secret {
    secrets::resolve(ctx, v, true).unwrap_or_else(|| Secret::literal(String::new()))
}

/// A value that may be a reference but need not be.
fn plain(ctx: &mut Ctx, v: &Spanned<String>) -> String {
    secrets::resolve(ctx, v, false)
        .map(|s| s.expose().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::is_loopback_url;

    #[test]
    fn loopback_hosts() {
        for url in [
            "http://localhost:8080/x",
            "http://127.0.0.1",
            "http://127.9.9.9:1/a",
            "http://[::1]:80",
            "http://api.localhost",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "http://x",
            "http://127.0.0.1.example.com",
            "http://10.0.0.1",
            "http://[::2]",
            "http://localhost.evil.com",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }
}
