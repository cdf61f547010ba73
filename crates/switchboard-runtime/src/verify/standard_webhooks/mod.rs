//! Standard Webhooks (the spec Svix and others follow): `webhook-id`, `webhook-timestamp` and
//! `webhook-signature: v1,BASE64 [v1,BASE64 ...]`, HMAC-SHA256 of `ID.TIMESTAMP.BODY` keyed
//! with the base64-decoded part of a `whsec_` secret.

#[cfg(test)]
mod tests;

use super::{Delivery, Verified, VerifyError, any_matches, from_base64, header, hmac_sha256};
use std::time::Duration;
use switchboard_config::Secret;

pub(super) fn verify(
    secrets: &[Secret],
    tolerance: Duration,
    d: &Delivery<'_>,
) -> Result<Verified, VerifyError> {
    let id = header(d, "webhook-id")?;
    let ts_text = header(d, "webhook-timestamp")?;
    let sigs = header(d, "webhook-signature")?;
    let candidates: Vec<Vec<u8>> = sigs
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .filter_map(from_base64)
        .collect();
    if candidates.is_empty() {
        return Err(VerifyError::Malformed("webhook-signature"));
    }
    let ts = super::timestamp(ts_text, "webhook-timestamp", d.now, tolerance)?;
    any_matches(secrets, &candidates, |secret| {
        // A secret that is not valid base64 can match nothing; the others are still tried.
        let text = std::str::from_utf8(secret).ok()?;
        let key = from_base64(text.strip_prefix("whsec_").unwrap_or(text))?;
        Some(hmac_sha256(
            &key,
            &[id.as_bytes(), b".", ts_text.as_bytes(), b".", d.body],
        ))
    })?;
    Ok(Verified {
        timestamp: Some(ts),
    })
}
