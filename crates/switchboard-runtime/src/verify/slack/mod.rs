//! Slack: `X-Slack-Signature: v0=HEX`, HMAC-SHA256 of `v0:TIMESTAMP:BODY` with the signing
//! secret, and `X-Slack-Request-Timestamp` within five minutes (Slack's advice).

#[cfg(test)]
mod tests;

use super::{Delivery, Verified, VerifyError, any_matches, from_hex, header, hmac_sha256};
use std::time::Duration;
use switchboard_config::Secret;

const SIG: &str = "x-slack-signature";
const TS: &str = "x-slack-request-timestamp";

pub(super) fn verify(
    secrets: &[Secret],
    tolerance: Duration,
    d: &Delivery<'_>,
) -> Result<Verified, VerifyError> {
    let ts_text = header(d, TS)?;
    let sig = header(d, SIG)?
        .strip_prefix("v0=")
        .and_then(from_hex)
        .ok_or(VerifyError::Malformed(SIG))?;
    let ts = super::timestamp(ts_text, TS, d.now, tolerance)?;
    any_matches(secrets, &[sig], |key| {
        Some(hmac_sha256(
            key,
            &[b"v0:", ts_text.as_bytes(), b":", d.body],
        ))
    })?;
    Ok(Verified {
        timestamp: Some(ts),
    })
}
