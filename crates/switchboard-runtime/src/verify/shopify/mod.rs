//! Shopify: `X-Shopify-Hmac-Sha256: BASE64`, HMAC-SHA256 of the body with the app's client
//! secret. Shopify signs no timestamp; replays are caught by `X-Shopify-Webhook-Id`.

#[cfg(test)]
mod tests;

use super::{Delivery, Verified, VerifyError, any_matches, from_base64, header, hmac_sha256};
use switchboard_config::Secret;

const HEADER: &str = "x-shopify-hmac-sha256";

pub(super) fn verify(secrets: &[Secret], d: &Delivery<'_>) -> Result<Verified, VerifyError> {
    let sig = from_base64(header(d, HEADER)?).ok_or(VerifyError::Malformed(HEADER))?;
    any_matches(secrets, &[sig], |key| Some(hmac_sha256(key, &[d.body])))?;
    Ok(Verified::default())
}
