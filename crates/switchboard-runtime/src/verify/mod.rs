//! Proving a delivery came from its sender: one folder per scheme, all listed in the config's
//! closed `Verify` enum. Every scheme verifies the raw body (before it is parsed), compares
//! MACs in constant time (`Mac::verify_slice`), tries every configured secret (rotation), and
//! refuses signed timestamps outside the tolerance. Webhook sources (`webhooks/`) and messaging
//! channels (`channels/`) both verify through here.

mod github;
mod hmac;
mod meta;
mod shopify;
mod slack;
mod standard_webhooks;
mod stripe;
mod twilio;

pub use meta::{handshake, sign as meta_sign};
pub use stripe::sign as stripe_sign;

use ::hmac::{Hmac, KeyInit, Mac};
use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::Sha256;
use std::time::Duration;
use switchboard_config::Secret;
use switchboard_config::model::Verify;

/// A request as received: headers and the raw body, at a time (Unix seconds).
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// The body, exactly as sent.
    pub body: &'a [u8],
    /// Now, in Unix seconds (a parameter so tests can use the providers' old vectors).
    pub now: i64,
}

/// What verification established besides authenticity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verified {
    /// The signed timestamp, for schemes that sign one.
    pub timestamp: Option<i64>,
}

/// Why a delivery was refused. Messages name headers and rules, never secrets or signatures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A header the scheme needs is absent.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// A header is present but not in the scheme's format.
    #[error("malformed header {0}")]
    Malformed(&'static str),
    /// No configured secret produces any of the signatures.
    #[error("signature does not match")]
    Mismatch,
    /// The signed timestamp is too far from now (a replay, or a badly wrong clock).
    #[error("timestamp outside the tolerance of {0:?}")]
    Expired(Duration),
}

/// Verifies a delivery with a source's scheme.
pub fn verify(scheme: &Verify, d: &Delivery<'_>) -> Result<Verified, VerifyError> {
    match scheme {
        Verify::Stripe { secrets, tolerance } => stripe::verify(secrets, *tolerance, d),
        Verify::StandardWebhooks { secrets, tolerance } => {
            standard_webhooks::verify(secrets, *tolerance, d)
        }
        Verify::Github { secrets } => github::verify(secrets, d),
        Verify::Shopify { secrets } => shopify::verify(secrets, d),
        Verify::Slack { secrets, tolerance } => slack::verify(secrets, *tolerance, d),
        Verify::Twilio { secrets, url } => twilio::verify(secrets, url, d),
        Verify::Meta { secrets, .. } => meta::verify(secrets, d),
        Verify::Hmac(spec) => hmac::verify(spec, d),
    }
}

/// Decoded `name=value` pairs of a form body, in order.
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A header's value as text, or `MissingHeader`.
pub(crate) fn header<'a>(d: &Delivery<'a>, name: &'static str) -> Result<&'a str, VerifyError> {
    d.headers
        .get(name)
        .ok_or(VerifyError::MissingHeader(name))?
        .to_str()
        .map_err(|_| VerifyError::Malformed(name))
}

/// Parses a Unix-seconds timestamp and checks it is within `tolerance` of now, both ways.
pub(crate) fn timestamp(
    text: &str,
    name: &'static str,
    now: i64,
    tolerance: Duration,
) -> Result<i64, VerifyError> {
    let t: i64 = text
        .trim()
        .parse()
        .map_err(|_| VerifyError::Malformed(name))?;
    let tol = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    if now.abs_diff(t) > tol.unsigned_abs() {
        return Err(VerifyError::Expired(tolerance));
    }
    Ok(t)
}

/// Whether `given` is `secret`, compared in constant time without revealing the secret's
/// length: MACs of both under a fixed key, compared with `verify_slice` (shared tokens sent
/// as they are: Meta's verify token, Telegram's secret token).
pub fn same_secret(secret: &Secret, given: &[u8]) -> bool {
    let mac = |v: &[u8]| hmac_sha256(b"switchboard-shared-secret", &[v]);
    let expected = mac(secret.expose().as_bytes()).finalize().into_bytes();
    mac(given).verify_slice(&expected).is_ok()
}

/// HMAC-SHA256 keyed with `key` over the concatenation of `parts`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    for p in parts {
        mac.update(p);
    }
    mac
}

/// Whether any secret's MAC (made by `mac_for`) equals any candidate, in constant time.
pub(crate) fn any_matches<M: Mac + Clone>(
    secrets: &[Secret],
    candidates: &[Vec<u8>],
    mac_for: impl Fn(&[u8]) -> Option<M>,
) -> Result<(), VerifyError> {
    let mut ok = false;
    for secret in secrets {
        let Some(mac) = mac_for(secret.expose().as_bytes()) else {
            continue;
        };
        for c in candidates {
            // Every pair is checked (no early exit), so timing says nothing about which matched.
            ok |= mac.clone().verify_slice(c).is_ok();
        }
    }
    if ok {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

/// Lower- or upper-case hex to bytes, ignoring surrounding whitespace.
pub(crate) fn from_hex(s: &str) -> Option<Vec<u8>> {
    hex::decode(s.trim()).ok()
}

/// Standard base64 to bytes.
pub(crate) fn from_base64(s: &str) -> Option<Vec<u8>> {
    STANDARD.decode(s.trim()).ok()
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers the schemes' tests share.
    use crate::verify::Delivery;
    use axum::http::{HeaderMap, HeaderName, HeaderValue};
    use switchboard_config::Secret;

    /// Headers from pairs.
    pub fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    /// Secrets from text.
    pub fn secrets(list: &[&str]) -> Vec<Secret> {
        list.iter()
            .map(|s| Secret::from_reference((*s).to_string()))
            .collect()
    }

    /// A delivery.
    pub fn delivery<'a>(headers: &'a HeaderMap, body: &'a [u8], now: i64) -> Delivery<'a> {
        Delivery { headers, body, now }
    }

    /// The body with one byte changed.
    pub fn flipped(body: &[u8]) -> Vec<u8> {
        let mut b = body.to_vec();
        let i = b.len() / 2;
        b[i] ^= 0x01;
        b
    }
}
