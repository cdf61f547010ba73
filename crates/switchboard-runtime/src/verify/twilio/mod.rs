//! Twilio: `X-Twilio-Signature: BASE64`, HMAC-SHA1 (keyed with the auth token) of the public
//! URL followed by every form parameter's name and value, sorted by name and then value, each
//! distinct pair once (as Twilio's own validator computes it: a form repeating `Media=a` is
//! signed over one `Mediaa`). Only form posts (Twilio's default for SMS, voice and status
//! callbacks) are supported.

#[cfg(test)]
mod tests;

use super::{Delivery, Verified, VerifyError, any_matches, from_base64, header};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use switchboard_config::Secret;

const HEADER: &str = "x-twilio-signature";

pub(super) fn verify(
    secrets: &[Secret],
    url: &str,
    d: &Delivery<'_>,
) -> Result<Verified, VerifyError> {
    let sig = from_base64(header(d, HEADER)?).ok_or(VerifyError::Malformed(HEADER))?;
    let mut all = super::form_pairs(d.body);
    all.sort();
    let mut distinct = all.clone();
    distinct.dedup();
    let signed = |params: &[(String, String)]| {
        any_matches(secrets, std::slice::from_ref(&sig), |key| {
            let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key).ok()?;
            mac.update(url.as_bytes());
            for (k, v) in params {
                mac.update(k.as_bytes());
                mac.update(v.as_bytes());
            }
            Some(mac)
        })
    };
    match signed(&distinct) {
        // A signer that kept repeated pairs (a hand-written one) holds the auth token too.
        Err(VerifyError::Mismatch) if distinct.len() < all.len() => signed(&all)?,
        result => result?,
    }
    Ok(Verified::default())
}
