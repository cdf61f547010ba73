//! The `state` of a connect flow and its PKCE pair. The state is sealed with the accounts
//! key (XChaCha20-Poly1305, random nonce): it carries the user, the connector, an expiry,
//! the PKCE verifier, a nonce and the hash of the starting browser's cookie, so it cannot
//! be forged or altered and the verifier never reaches the browser in clear. The nonce is
//! recorded in the account store when the flow starts and consumed at the callback, so a
//! state works once (any instance can take the callback: they share the database); the
//! cookie hash ties the callback to the browser that started the flow, so a state (or a
//! provider's code) sent to someone else's browser connects nothing.

use crate::storage::accounts::Sealer;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How long a connect link's state stays valid.
pub const STATE_TTL_SECS: i64 = 600;
const AAD: &[u8] = b"switchboard-oauth-state";

/// Why a state was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StateError {
    /// Not made by this server (or altered, or for another key).
    #[error("the state is not valid")]
    Invalid,
    /// Made for another connector.
    #[error("the state was made for another connector")]
    OtherConnector,
    /// Too old.
    #[error("the state has expired; start connecting again")]
    Expired,
}

/// What the state carries.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PendingLogin {
    /// The user connecting.
    pub user: String,
    /// The connector.
    pub connector: String,
    /// Unix seconds after which the state is refused.
    pub expires: i64,
    /// The PKCE code verifier (RFC 7636 §4.1: 43 characters of base64url).
    pub verifier: String,
    /// Recorded in the account store until the callback consumes it (single use).
    pub nonce: String,
    /// base64url(SHA-256(the browser cookie set by `start`)).
    pub browser: String,
}

impl PendingLogin {
    /// A new pending login with a fresh verifier and nonce, bound to the browser that holds
    /// the cookie value `browser_cookie`.
    pub fn new(user: &str, connector: &str, now: i64, browser_cookie: &str) -> PendingLogin {
        let bytes: [u8; 32] = rand::random();
        let nonce: [u8; 16] = rand::random();
        PendingLogin {
            user: user.to_string(),
            connector: connector.to_string(),
            expires: now + STATE_TTL_SECS,
            verifier: URL_SAFE_NO_PAD.encode(bytes),
            nonce: URL_SAFE_NO_PAD.encode(nonce),
            browser: browser_hash(browser_cookie),
        }
    }

    /// A fresh random browser cookie value.
    pub fn new_browser_cookie() -> String {
        let bytes: [u8; 32] = rand::random();
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Whether `cookie` is the one the login was started with (constant time).
    pub fn same_browser(&self, cookie: &str) -> bool {
        let (a, b) = (browser_hash(cookie), &self.browser);
        a.as_bytes().ct_eq(b.as_bytes()).into()
    }

    /// The S256 code challenge: base64url(SHA-256(verifier)).
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.verifier.as_bytes()))
    }

    /// The sealed state, base64url.
    pub fn seal(&self, sealer: &Sealer) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(sealer.seal(&json, AAD))
    }

    /// Opens a state for `connector` at `now`.
    pub fn open(
        sealer: &Sealer,
        state: &str,
        connector: &str,
        now: i64,
    ) -> Result<PendingLogin, StateError> {
        let raw = URL_SAFE_NO_PAD
            .decode(state)
            .map_err(|_| StateError::Invalid)?;
        let json = sealer.open(&raw, AAD).map_err(|_| StateError::Invalid)?;
        let p: PendingLogin = serde_json::from_slice(&json).map_err(|_| StateError::Invalid)?;
        if p.connector != connector {
            return Err(StateError::OtherConnector);
        }
        if now > p.expires {
            return Err(StateError::Expired);
        }
        Ok(p)
    }
}

fn browser_hash(cookie: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(cookie.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trip_and_refusals() {
        let s = Sealer::new(&[1; 32]);
        let p = PendingLogin::new("u1", "crm", 1000, "cookie-1");
        assert_eq!(p.verifier.len(), 43);
        assert!(p.same_browser("cookie-1"));
        assert!(!p.same_browser("cookie-2") && !p.same_browser(""));
        assert_ne!(
            p.nonce,
            PendingLogin::new("u1", "crm", 1000, "cookie-1").nonce
        );
        let sealed = p.seal(&s);
        assert!(!sealed.contains(&p.verifier));
        assert_eq!(PendingLogin::open(&s, &sealed, "crm", 1000), Ok(p.clone()));
        assert_eq!(
            PendingLogin::open(&s, &sealed, "other", 1000),
            Err(StateError::OtherConnector)
        );
        assert_eq!(
            PendingLogin::open(&s, &sealed, "crm", 1000 + STATE_TTL_SECS + 1),
            Err(StateError::Expired)
        );
        let mut bad = sealed.into_bytes();
        bad[30] = if bad[30] == b'A' { b'B' } else { b'A' };
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(
            PendingLogin::open(&s, &bad, "crm", 1000),
            Err(StateError::Invalid)
        );
        // base64url(SHA-256(verifier)) as Python's hashlib computes it.
        let rfc = PendingLogin {
            verifier: "dBjftJeZ4CVP-mJ92IjOqXMqsBaKNtYtzLFf6wp2bLg".into(),
            ..p
        };
        assert_eq!(
            rfc.challenge(),
            "Nc8bgnOOfhQlZqKIQSZvage8d505zLbqcrytSoauhz8"
        );
    }
}
