//! The tool gateway as an OAuth 2.0 protected resource (RFC 9728): where its metadata lives,
//! named in the `WWW-Authenticate` challenge of a `401` so that an MCP client can find the
//! authorization server. The URL is built from the request's own `Host` (and
//! `X-Forwarded-Proto` behind a TLS proxy), since that is the address the client used.

use axum::http::{HeaderMap, header};

/// The metadata's path.
pub const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// `scheme://host` as the client addressed this server.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// The absolute URL of the metadata.
pub fn resource_metadata_url(headers: &HeaderMap) -> String {
    format!("{}{METADATA_PATH}", base_url(headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_the_host_the_client_used() {
        let mut h = HeaderMap::new();
        assert_eq!(
            resource_metadata_url(&h),
            "http://localhost/.well-known/oauth-protected-resource"
        );
        h.insert(header::HOST, "bot.example.com:8443".parse().unwrap());
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        assert_eq!(base_url(&h), "https://bot.example.com:8443");
        h.insert(header::HOST, "evil\"x".parse().unwrap());
        assert_eq!(
            base_url(&h),
            "https://localhost",
            "no quote may reach the header"
        );
    }
}
