//! A generic HMAC header for senders without a scheme of their own: SHA-256, SHA-512 or SHA-1,
//! hex or base64, an optional prefix (`sha256=`), and optionally a timestamp header whose
//! value is signed as `TIMESTAMP.BODY` and checked against the tolerance.

#[cfg(test)]
mod tests;

use super::{Delivery, Verified, VerifyError, any_matches, from_base64, from_hex};
use hmac::{Hmac, KeyInit, Mac};
use switchboard_config::model::{HmacAlgorithm, HmacSpec, SignatureEncoding};

pub(super) fn verify(spec: &HmacSpec, d: &Delivery<'_>) -> Result<Verified, VerifyError> {
    let value = named_header(d, &spec.header)?;
    let raw = value
        .trim()
        .strip_prefix(spec.prefix.as_str())
        .ok_or(VerifyError::Malformed("signature"))?;
    let sig = match spec.encoding {
        SignatureEncoding::Hex => from_hex(raw),
        SignatureEncoding::Base64 => from_base64(raw),
    }
    .ok_or(VerifyError::Malformed("signature"))?;
    let (prefix, timestamp) = match &spec.timestamp_header {
        Some(name) => {
            let t = named_header(d, name)?;
            let ts = super::timestamp(t, "timestamp", d.now, spec.tolerance)?;
            (format!("{}.", t.trim()), Some(ts))
        }
        None => (String::new(), None),
    };
    let candidates = [sig];
    macro_rules! check {
        ($hash:ty) => {
            any_matches(&spec.secrets, &candidates, |key| {
                let mut m = <Hmac<$hash> as KeyInit>::new_from_slice(key).ok()?;
                m.update(prefix.as_bytes());
                m.update(d.body);
                Some(m)
            })
        };
    }
    match spec.algorithm {
        HmacAlgorithm::Sha256 => check!(sha2::Sha256),
        HmacAlgorithm::Sha512 => check!(sha2::Sha512),
        HmacAlgorithm::Sha1 => check!(sha1::Sha1),
    }?;
    Ok(Verified { timestamp })
}

/// A configured header (its name is only known at run time, so errors say which role it has).
fn named_header<'a>(d: &Delivery<'a>, name: &str) -> Result<&'a str, VerifyError> {
    d.headers
        .get(name)
        .ok_or(VerifyError::MissingHeader("signature or timestamp"))?
        .to_str()
        .map_err(|_| VerifyError::Malformed("signature or timestamp"))
}
