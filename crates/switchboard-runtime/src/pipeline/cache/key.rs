//! Cache keys: the resolved request, plus the user when entries are per user.
//!
//! The key is made before credentials are attached, so it never holds a secret; connector
//! headers (constant for a connector, possibly secret) are left out for the same reason.

use crate::pipeline::request::PreparedRequest;
use switchboard_config::model::CacheScope;

/// The key of a call: method, URL with query, the operation's own headers, body, and (with
/// scope `User`) the user. Parts are separated by NUL, which none of them may contain
/// unescaped, so two different requests never make the same key.
pub fn key(
    req: &PreparedRequest,
    op_headers: &[String],
    scope: CacheScope,
    user: Option<&str>,
) -> String {
    let mut k = String::with_capacity(128);
    k.push_str(req.method.as_str());
    k.push('\0');
    k.push_str(req.url.as_str());
    for name in op_headers {
        if let Some(v) = req.headers.get(name.as_str()) {
            k.push('\0');
            k.push_str(name);
            k.push(':');
            k.push_str(&String::from_utf8_lossy(v.as_bytes()));
        }
    }
    k.push('\0');
    if let Some(body) = &req.body {
        k.push_str(&String::from_utf8_lossy(body));
    }
    k.push('\0');
    if scope == CacheScope::User {
        // Calls made for no user share one scope of their own, never a user's.
        match user {
            Some(u) => {
                k.push('u');
                k.push_str(u);
            }
            None => k.push('-'),
        }
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(url: &str) -> PreparedRequest {
        PreparedRequest {
            method: http::Method::GET,
            url: url.parse().unwrap(),
            headers: http::HeaderMap::new(),
            body: None,
        }
    }

    #[test]
    fn users_never_share_a_user_scoped_key() {
        let r = req("http://h/a?x=1");
        let a = key(&r, &[], CacheScope::User, Some("alice"));
        let b = key(&r, &[], CacheScope::User, Some("bob"));
        let none = key(&r, &[], CacheScope::User, None);
        assert_ne!(a, b);
        assert_ne!(a, none);
        assert_eq!(
            key(&r, &[], CacheScope::Shared, Some("alice")),
            key(&r, &[], CacheScope::Shared, Some("bob"))
        );
        assert_ne!(
            a,
            key(&req("http://h/a?x=2"), &[], CacheScope::User, Some("alice"))
        );
    }
}
