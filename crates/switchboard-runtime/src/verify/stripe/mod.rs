//! Stripe: `Stripe-Signature: t=TIMESTAMP,v1=HEX[,v1=HEX...]`, HMAC-SHA256 of `TIMESTAMP.BODY`
//! keyed with the whole `whsec_...` secret. Several `v1` entries appear while Stripe rolls a
//! secret; `v0` (test-mode legacy) is ignored, as Stripe's libraries do.

#[cfg(test)]
mod tests;

use super::{Delivery, Verified, VerifyError, any_matches, from_hex, header, hmac_sha256};
use hmac::Mac;
use std::time::Duration;
use switchboard_config::Secret;

const HEADER: &str = "stripe-signature";

pub(super) fn verify(
    secrets: &[Secret],
    tolerance: Duration,
    d: &Delivery<'_>,
) -> Result<Verified, VerifyError> {
    let value = header(d, HEADER)?;
    let mut t = None;
    let mut candidates = Vec::new();
    for item in value.split(',') {
        match item.trim().split_once('=') {
            Some(("t", v)) => t = Some(v),
            Some(("v1", v)) => candidates.push(from_hex(v).ok_or(VerifyError::Malformed(HEADER))?),
            _ => {}
        }
    }
    let t = t.ok_or(VerifyError::Malformed(HEADER))?;
    if candidates.is_empty() {
        return Err(VerifyError::Malformed(HEADER));
    }
    any_matches(secrets, &candidates, |key| {
        Some(hmac_sha256(key, &[t.as_bytes(), b".", d.body]))
    })?;
    let ts = super::timestamp(t, HEADER, d.now, tolerance)?;
    Ok(Verified {
        timestamp: Some(ts),
    })
}

/// The `Stripe-Signature` value Stripe would send for `body` at `timestamp` (the demo backend
/// and tests sign with it).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let ts = timestamp.to_string();
    let mac = hmac_sha256(secret.as_bytes(), &[ts.as_bytes(), b".", body]);
    format!("t={ts},v1={}", hex::encode(mac.finalize().into_bytes()))
}
