//! GitHub: `X-Hub-Signature-256: sha256=HEX`, HMAC-SHA256 of the body with the webhook secret.
//! GitHub signs no timestamp; replays are caught by the event id (`X-GitHub-Delivery`).

#[cfg(test)]
mod tests;

use super::{Delivery, Verified, VerifyError, any_matches, from_hex, header, hmac_sha256};
use switchboard_config::Secret;

pub(super) fn verify(secrets: &[Secret], d: &Delivery<'_>) -> Result<Verified, VerifyError> {
    hub_signature(secrets, d, "x-hub-signature-256")
}

/// `sha256=HEX` of the body, shared with Meta, which uses the same header.
pub(super) fn hub_signature(
    secrets: &[Secret],
    d: &Delivery<'_>,
    name: &'static str,
) -> Result<Verified, VerifyError> {
    let value = header(d, name)?;
    let sig = value
        .strip_prefix("sha256=")
        .and_then(from_hex)
        .ok_or(VerifyError::Malformed(name))?;
    any_matches(secrets, &[sig], |key| Some(hmac_sha256(key, &[d.body])))?;
    Ok(Verified::default())
}
