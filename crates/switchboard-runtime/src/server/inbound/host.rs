//! The `Host` check of a server without inbound auth, against DNS rebinding: a web page on
//! `attacker.example` can make its own name resolve to 127.0.0.1, and the browser then lets
//! it read this server's answers as if they were the attacker's. Such a request still names
//! the attacker's host, so an open server answers only requests that name a loopback host,
//! `bot.public_url`'s host or one of `inbound.allowed_hosts`.
//!
//! Exempt: health checks (probes use whatever address they were given, and the answers say
//! nothing), signed webhooks (`/v1/webhooks/...`: senders reach the public address, and a
//! page cannot sign), and platform routes that have their own `auth` (a platform calls by
//! whatever name its network gives this server, and a page cannot authenticate). A request
//! with no host at all is let through: every browser sends one.

use crate::http::ApiError;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;
use switchboard_config::Project;

/// Which hosts an open server answers for, and which paths need no check.
#[derive(Debug)]
pub struct HostCheck {
    allowed: HashSet<String>,
    exempt: HashSet<String>,
}

impl HostCheck {
    /// The hosts and exemptions of a project.
    pub fn new(project: &Project) -> HostCheck {
        let mut allowed: HashSet<String> = project.inbound.allowed_hosts.iter().cloned().collect();
        if let Ok(url) = reqwest::Url::parse(&project.bot.public_url)
            && let Some(host) = url.host_str()
        {
            allowed.insert(normalise(host));
        }
        let mut exempt = HashSet::new();
        if let Some(r) = project.rasa.as_ref().filter(|r| r.auth.is_some()) {
            exempt.insert(r.path.clone());
        }
        if let Some(d) = project.dialogflow.as_ref().filter(|d| d.auth.is_some()) {
            exempt.insert(d.es_path.clone());
            exempt.insert(d.cx_path.clone());
        }
        HostCheck { allowed, exempt }
    }

    /// Whether a request for `path` naming `host` (as sent, port included) is answered.
    pub fn allows(&self, path: &str, host: Option<&str>) -> bool {
        if path == "/healthz"
            || path == "/readyz"
            || path.starts_with("/v1/webhooks/")
            || self.exempt.contains(path)
        {
            return true;
        }
        let Some(host) = host else {
            return true;
        };
        let name = normalise(strip_port(host));
        is_loopback(&name) || self.allowed.contains(&name)
    }
}

/// The host without its port: `[::1]:80` → `::1`, `localhost:8080` → `localhost`.
fn strip_port(host: &str) -> &str {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

fn normalise(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

fn is_loopback(name: &str) -> bool {
    name == "localhost"
        || name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The middleware: 403 with the house error for a host the server does not answer for.
pub async fn middleware(State(check): State<Arc<HostCheck>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .map(|v| v.to_str().unwrap_or("\u{0}"))
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    if check.allows(req.uri().path(), host) {
        return next.run(req).await;
    }
    tracing::info!(target: "switchboard::inbound", "request for a host this server does not answer for refused");
    ApiError::new(
        StatusCode::FORBIDDEN,
        "host_not_allowed",
        "this server has no inbound auth and answers only requests for localhost, 127.0.0.1, [::1] or its configured hosts (bot.public_url, inbound.allowed_hosts)",
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(allowed: &[&str]) -> HostCheck {
        HostCheck {
            allowed: allowed.iter().map(|s| s.to_string()).collect(),
            exempt: ["/webhook".to_string()].into(),
        }
    }

    #[test]
    fn loopback_and_configured_hosts_pass() {
        let c = check(&["bot.example.com"]);
        for host in [
            "localhost",
            "localhost:8080",
            "LOCALHOST.:8080",
            "127.0.0.1",
            "127.0.0.1:49152",
            "127.1.2.3:80",
            "[::1]",
            "[::1]:8080",
            "bot.example.com",
            "Bot.Example.com:443",
        ] {
            assert!(c.allows("/v1/audit", Some(host)), "{host}");
        }
        assert!(c.allows("/v1/conversations/x", None));
    }

    #[test]
    fn other_hosts_are_refused_except_on_exempt_paths() {
        let c = check(&["bot.example.com"]);
        for host in [
            "attacker.example",
            "attacker.example:8080",
            "localhost.attacker.example",
            "127.0.0.1.nip.io",
            "10.0.0.5:8080",
            "[::2]:80",
            "bot.example.com.evil",
            "\u{0}",
        ] {
            assert!(!c.allows("/v1/admin/audit", Some(host)), "{host}");
        }
        for path in ["/healthz", "/readyz", "/v1/webhooks/stripe", "/webhook"] {
            assert!(c.allows(path, Some("attacker.example")), "{path}");
        }
    }
}
