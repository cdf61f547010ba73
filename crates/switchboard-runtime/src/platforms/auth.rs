//! Checking that a call comes from the configured platform: HTTP basic auth or a header
//! carrying a shared secret, compared in constant time so timing does not leak the secret.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine as _;
use switchboard_config::model::InboundAuth;

/// Why a platform call was refused. The message is safe to send: it names no secret.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    /// No credentials were sent.
    #[error("credentials are required")]
    Missing,
    /// Credentials were sent but do not match.
    #[error("credentials do not match")]
    Mismatch,
}

/// Checks a request's headers against the configured auth (`None` lets everyone in).
pub fn check(auth: Option<&InboundAuth>, headers: &HeaderMap) -> Result<(), AuthError> {
    match auth {
        None => Ok(()),
        Some(InboundAuth::Basic { username, password }) => {
            let value = headers
                .get(AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .ok_or(AuthError::Missing)?;
            let (scheme, encoded) = value.trim().split_once(' ').ok_or(AuthError::Mismatch)?;
            if !scheme.eq_ignore_ascii_case("basic") {
                return Err(AuthError::Missing);
            }
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .map_err(|_| AuthError::Mismatch)?;
            let (user, pass) = decoded
                .iter()
                .position(|b| *b == b':')
                .map(|i| (&decoded[..i], &decoded[i + 1..]))
                .ok_or(AuthError::Mismatch)?;
            // Both halves are compared every time, so a wrong user name costs the same.
            let user_ok = same(user, username.expose().as_bytes());
            let pass_ok = same(pass, password.expose().as_bytes());
            if user_ok & pass_ok {
                Ok(())
            } else {
                Err(AuthError::Mismatch)
            }
        }
        Some(InboundAuth::Header { name, value }) => {
            let sent = headers.get(name.as_str()).ok_or(AuthError::Missing)?;
            if same(sent.as_bytes(), value.expose().as_bytes()) {
                Ok(())
            } else {
                Err(AuthError::Mismatch)
            }
        }
    }
}

/// Constant-time equality (the length of the expected value is not a secret worth hiding).
fn same(a: &[u8], b: &[u8]) -> bool {
    subtle::ConstantTimeEq::ct_eq(a, b).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_config::Secret;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn basic_auth_needs_both_halves() {
        let auth = InboundAuth::Basic {
            username: Secret::literal("rasa".into()),
            password: Secret::from_reference("s3cret".into()),
        };
        let enc = |s: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(s)
            )
        };
        let ok = headers(&[("authorization", &enc("rasa:s3cret"))]);
        assert_eq!(check(Some(&auth), &ok), Ok(()));
        let wrong = headers(&[("authorization", &enc("rasa:nope"))]);
        assert_eq!(check(Some(&auth), &wrong), Err(AuthError::Mismatch));
        let garbage = headers(&[("authorization", "Basic !!!")]);
        assert_eq!(check(Some(&auth), &garbage), Err(AuthError::Mismatch));
        assert_eq!(
            check(Some(&auth), &HeaderMap::new()),
            Err(AuthError::Missing)
        );
    }

    #[test]
    fn header_secret_is_compared_exactly() {
        let auth = InboundAuth::Header {
            name: "x-webhook-secret".into(),
            value: Secret::from_reference("abc".into()),
        };
        assert_eq!(
            check(Some(&auth), &headers(&[("x-webhook-secret", "abc")])),
            Ok(())
        );
        assert_eq!(
            check(Some(&auth), &headers(&[("x-webhook-secret", "abcd")])),
            Err(AuthError::Mismatch)
        );
        assert_eq!(check(None, &HeaderMap::new()), Ok(()));
    }
}
