//! Meta (WhatsApp Cloud API, Messenger, Instagram): `X-Hub-Signature-256: sha256=HEX` of the
//! body with the app secret, and the subscription handshake: Meta sends
//! `GET ?hub.mode=subscribe&hub.verify_token=TOKEN&hub.challenge=N` and expects `N` back.

#[cfg(test)]
mod tests;

use super::{Delivery, Verified, VerifyError};
use hmac::Mac;
use switchboard_config::Secret;

pub(super) fn verify(secrets: &[Secret], d: &Delivery<'_>) -> Result<Verified, VerifyError> {
    super::github::hub_signature(secrets, d, "x-hub-signature-256")
}

/// The `X-Hub-Signature-256` value for `body` signed with an app secret (`sha256=HEX`), as
/// Meta sends it: for tests, benchmarks and the demo's example request.
pub fn sign(app_secret: &str, body: &[u8]) -> String {
    let mac = super::hmac_sha256(app_secret.as_bytes(), &[body]);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Answers the handshake: `Some(challenge)` when the mode is `subscribe` and the token is the
/// configured one (compared in constant time), `None` otherwise.
pub fn handshake<'q>(
    token: &Secret,
    mode: Option<&str>,
    given: Option<&str>,
    challenge: Option<&'q str>,
) -> Option<&'q str> {
    if mode != Some("subscribe") {
        return None;
    }
    super::same_secret(token, given?.as_bytes()).then_some(challenge)?
}
